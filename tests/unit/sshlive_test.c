/*
 * The remote launcher against real OpenSSH servers: tests/90-ssh.bats
 * starts hosts h1..h3 (plus a password-only h4 and h6 with sshd's default
 * limits) with tests/helpers/ssh.bash and runs this with SSH_DIR and
 * SSH_HELPERS set. Without SSH_DIR (a plain `make test` run) there are no
 * hosts and it skips. All hosts live on this machine, so "no process left
 * on the host" is checked in /proc.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "quote.h"
#include "remote.h"
#include "ssh.h"
#include "sshl.h"
#include "sshrun.h"
#include "sshx.h"
#include "tap.h"

static const char *dir;
static struct ssh_conf conf;

static int collect(void *ctx, int stream, const char *p, size_t n)
{
	struct buf *b = ctx;

	(void)stream;
	return buf_add(b, p, n);
}

struct jr {
	struct launcher *l;
	unsigned slot;
	const char *cmd;
	double timeout;
	int rc;
	struct launch_result res;
	struct buf out;
};

static void *job_thread(void *arg)
{
	static const struct termseq ts = {
		.sig = { SIGTERM }, .wait = { 0.3 }, .n = 1,
	};
	struct jr *r = arg;
	struct launch_job j;

	memset(&j, 0, sizeof(j));
	j.seq = r->slot;
	j.slot = r->slot;
	j.cmdline = r->cmd;
	j.stdin_fd = -1;
	j.capture = 1;
	j.timeout = r->timeout;
	j.termseq = &ts;
	j.sink = collect;
	j.ctx = &r->out;
	buf_init(&r->out);
	r->rc = launch_run(r->l, &j, &r->res);
	return NULL;
}

static int job(struct jr *r, struct launcher *l, unsigned slot,
	       const char *cmd, double timeout)
{
	memset(r, 0, sizeof(*r));
	r->l = l;
	r->slot = slot;
	r->cmd = cmd;
	r->timeout = timeout;
	job_thread(r);
	return r->rc;
}

static int procs_match(const char *s, int exact);

/* Processes on this machine whose command line holds s (not us). */
static int procs_with(const char *s)
{
	return procs_match(s, 0);
}

/* Processes whose command line is exactly s: the remote job itself, not
 * the local ssh or the wrapper that carry its text as an argument. */
static int procs_is(const char *s)
{
	return procs_match(s, 1);
}

static int procs_match(const char *s, int exact)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		char path[300], buf[4096];
		ssize_t r, i;
		int fd;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0)
			continue;
		while (r > 0 && !buf[r - 1])
			r--;
		for (i = 0; i < r; i++)
			if (!buf[i])
				buf[i] = ' ';
		buf[r] = '\0';
		if ((exact ? !strcmp(buf, s) : strstr(buf, s) != NULL) &&
		    atoi(e->d_name) != getpid())
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

/* Wait up to 3 s for no process with s in its command line. */
static int gone(const char *s)
{
	double until = clock_now() + 3;

	while (procs_with(s) && clock_now() < until)
		usleep(20000);
	return procs_with(s) == 0;
}

/* The launcher takes pointers to hosts. */
static struct ssh_host **ptrs(struct ssh_host *h, size_t n)
{
	static struct ssh_host *p[16];
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = &h[i];
	return p;
}

static void hosts_init(struct ssh_host *h, const char *const *names,
		       size_t n, unsigned slots)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct sshl l;
		char err[256];

		if (sshl_parse(&l, names[i], strlen(names[i]), err,
			       sizeof(err)) ||
		    ssh_host_init(&h[i], &conf, &l, (unsigned)i,
				  sshrun_masters(slots, 0))) {
			printf("Bail out! %s\n", err);
			exit(1);
		}
		sshl_release(&l);
	}
}

static void test_basics(void)
{
	static const char *const names[] = { "h1", "h2", "h3" };
	static const unsigned slots[] = { 2, 2, 2 };
	struct ssh_host h[3];
	struct launcher *l = NULL;
	struct jr r, bg;
	pthread_t t;
	double t0;
	int n;

	hosts_init(h, names, 3, 2);
	CHECK_INT(sshrun_new(&l, ptrs(h, 3), slots, 3, NULL), 0, "launcher");
	CHECK_INT(l->nslots, 6, "nslots is the sum");
	n = ssh_host_ncpu(&h[0]);
	CHECK_INT(n, sysconf(_SC_NPROCESSORS_ONLN), "ncpu of h1");

	job(&r, l, 1, "hostname", 0);
	CHECK_INT(r.rc, 0, "h1 job ran");
	CHECK_STR(buf_str(&r.out), "h1\n", "slot 1 runs on h1");
	CHECK_STR(r.res.host, "h1", "res->host h1");
	buf_release(&r.out);
	job(&r, l, 3, "echo $TEST_HOST; hostname", 0);
	CHECK_STR(buf_str(&r.out), "h2\nh2\n", "slot 3 runs on h2");
	CHECK_STR(r.res.host, "h2", "res->host h2");
	buf_release(&r.out);
	job(&r, l, 6, "hostname; echo err >&2", 0);
	CHECK_STR(buf_str(&r.out), "h3\nerr\n",
		  "slot 6 runs on h3, report taken out of stderr");
	buf_release(&r.out);

	{
		struct launch_job lj;
		struct buf o = BUF_INIT;

		memset(&lj, 0, sizeof(lj));
		lj.slot = 1;
		lj.cmdline = "hostname";
		lj.stdin_fd = -1;
		lj.capture = 1;
		lj.sink = collect;
		lj.ctx = &o;
		CHECK_INT(sshrun_run_on(l, 2, &lj, &r.res), 0, "run_on h3");
		CHECK_STR(buf_str(&o), "h3\n", "slot 1 pinned to h3");
		CHECK_STR(r.res.host, "h3", "pinned res->host");
		buf_release(&o);
	}
	job(&r, l, 2, "exit 7", 0);
	CHECK(WIFEXITED(r.res.status) && WEXITSTATUS(r.res.status) == 7,
	      "exit 7");
	job(&r, l, 2, "kill -9 $$", 0);
	CHECK(WIFSIGNALED(r.res.status) && WTERMSIG(r.res.status) == SIGKILL,
	      "remote kill -9 $$ is SIGKILL, not 255");
	CHECK(!r.res.host_failed, "a killed job is not a host failure");
	job(&r, l, 2, "exit 255", 0);
	CHECK(WIFEXITED(r.res.status) && WEXITSTATUS(r.res.status) == 255 &&
	      !r.res.host_failed, "exit 255 is the job's");
	buf_release(&r.out);

	job(&r, l, 4, "printf '[%s]' 'a b; rm -rf ~' '$(id)' \"`echo q`\"", 0);
	CHECK_STR(buf_str(&r.out), "[a b; rm -rf ~][$(id)][q]",
		  "quoted values stay literal remotely");
	buf_release(&r.out);

	t0 = clock_now();
	job(&r, l, 1, "sleep 3331", 0.5);
	CHECK(r.res.timed_out, "timeout");
	CHECK(WIFSIGNALED(r.res.status) && WTERMSIG(r.res.status) == SIGTERM,
	      "timed out job ended by TERM");
	CHECK(clock_now() - t0 < 5, "timeout ends the job soon");
	CHECK(gone("sleep 3331"), "timeout leaves no remote process");
	job(&r, l, 1, "trap '' TERM; sleep 3332", 0.5);
	CHECK(WIFSIGNALED(r.res.status) && WTERMSIG(r.res.status) == SIGKILL,
	      "job ignoring TERM gets KILL");
	CHECK(gone("sleep 3332"), "KILL leaves no remote process");

	memset(&bg, 0, sizeof(bg));
	bg.l = l;
	bg.slot = 5;
	bg.cmd = "sleep 3333 & sleep 3334; echo never";
	pthread_create(&t, NULL, job_thread, &bg);
	t0 = clock_now();
	while (procs_is("sleep 3334") == 0 && clock_now() - t0 < 10)
		usleep(20000);
	CHECK_INT(launch_running(l), 1, "one job running");
	CHECK_INT(launch_signal(l, SIGTERM), 1, "launch_signal reaches it");
	pthread_join(t, NULL);
	CHECK(WIFSIGNALED(bg.res.status) &&
	      WTERMSIG(bg.res.status) == SIGTERM, "signalled job: TERM");
	CHECK_STR(bg.res.host, "h3", "signalled job ran on h3");
	CHECK_STR(buf_str(&bg.out), "", "signalled job printed nothing");
	CHECK(gone("sleep 3333") && gone("sleep 3334"),
	      "launch_signal leaves no process of the job on h3");
	buf_release(&bg.out);
	/* A stop also reaches jobs that start after it. */
	job(&r, l, 1, "sleep 3335", 0);
	CHECK(WIFSIGNALED(r.res.status) && WTERMSIG(r.res.status) == SIGTERM,
	      "a job started after the stop gets it");

	launch_free(l);
	ssh_host_close(&h[0]);
	ssh_host_close(&h[1]);
	ssh_host_close(&h[2]);
	CHECK(gone(conf.dir), "masters closed");
}

static int files_cb(void *arg, const struct launch_job *j, struct buf *send,
		    struct buf *ret)
{
	const char *const *names = arg;

	(void)j;
	buf_add(send, names[0], strlen(names[0]) + 1);
	buf_add(ret, names[1], strlen(names[1]) + 1);
	return 0;
}

static void test_files(void)
{
	static const char *const names[] = { "h1" };
	static const unsigned slots[] = { 1 };
	static const char in[] = "we ird 'q\" \nname.txt";
	static const char outn[] = "sub dir/we ird 'q\" \nname.out";
	const char *pair[] = { in, outn };
	struct sshrun_opts o = { 0 };
	struct ssh_host h[1];
	struct launcher *l = NULL;
	struct buf cmd = BUF_INIT, p = BUF_INIT;
	char got[64] = "", err[256];
	struct stat st;
	struct jr r;
	int fd;

	fd = open(in, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "hello\n", 6) == 6, "local input");
	close(fd);
	hosts_init(h, names, 1, 12);
	o.workdir = "...";
	o.cleanup = 1;
	o.files = files_cb;
	o.arg = pair;
	CHECK_INT(sshrun_new(&l, ptrs(h, 1), slots, 1, &o), 0, "launcher with files");
	buf_addstr(&cmd, "mkdir -p 'sub dir' && tr a-z A-Z < ");
	quote_shell(&cmd, in, strlen(in));
	buf_addstr(&cmd, " > ");
	quote_shell(&cmd, outn, strlen(outn));
	buf_addstr(&cmd, "; pwd");
	job(&r, l, 1, buf_str(&cmd), 0);
	CHECK_INT(r.rc, 0, "transfer job ran");
	CHECK_STR(r.res.msg, "", "no transfer error");
	CHECK(strstr(buf_str(&r.out), "/.lanes/tmp/") != NULL,
	      "job ran in a per-job directory");
	fd = open(outn, O_RDONLY);
	CHECK(fd >= 0 && read(fd, got, sizeof(got)) == 6, "returned file");
	close(fd);
	CHECK_STR(got, "HELLO\n", "returned content");
	buf_addstr(&p, dir);
	buf_addstr(&p, "/h1/home/.lanes/tmp");
	CHECK(rmdir(buf_str(&p)) == 0, "per-job directory removed");
	buf_release(&r.out);
	launch_free(l);

	/* Return paths that leave the working directory are refused. */
	CHECK_INT(sshx_check_return("../x"), -EINVAL, "check ..");
	CHECK_INT(sshx_check_return("a/../../x"), -EINVAL, "check a/../..");
	CHECK_INT(sshx_check_return("/etc/x"), -EINVAL, "check absolute");
	CHECK_INT(sshx_check_return("a/b..c"), 0, "check b..c is a name");
	CHECK_INT(sshx_fetch(&h[0], 0, NULL, "../escape", err, sizeof(err)),
		  -EINVAL, "fetch ../escape refused");
	CHECK_STR(err, "refusing to return '../escape': the name leaves the "
		  "working directory", "refusal message");
	CHECK(symlink("/tmp", "link") == 0, "plant a symlink");
	CHECK_INT(sshx_send(&h[0], 0, NULL, in, err, sizeof(err)), 0,
		  "send to home");
	{
		char name[64];

		snprintf(name, sizeof(name), "link/lanes-%d", getpid());
		CHECK(sshx_fetch(&h[0], 0, NULL, name, err, sizeof(err)) != 0,
		      "fetch through a symlink refused");
		snprintf(name, sizeof(name), "/tmp/lanes-%d", getpid());
		CHECK(access(name, F_OK) != 0, "nothing written via link");
	}
	CHECK_INT(sshx_fetch(&h[0], 0, NULL, "nonexistent", err,
			     sizeof(err)), -EIO, "missing remote file");
	CHECK(strstr(err, "No such file") != NULL, "missing file message");
	CHECK(stat("nonexistent", &st) != 0, "no partial file left");
	ssh_host_close(&h[0]);
	unlink("link");
	unlink(in);
	unlink(outn);
	rmdir("sub dir");
	buf_release(&cmd);
	buf_release(&p);
}

static void test_failures(void)
{
	static const char *const names[] = { "h1", "h3", "h4", "h5" };
	static const unsigned slots[] = { 1, 1, 1, 1 };
	struct ssh_host h[4];
	struct launcher *l = NULL;
	struct jr r, bg;
	char why[256], stop[512];
	pthread_t t;
	double t0;
	size_t i;

	hosts_init(h, names, 4, 1);
	t0 = clock_now();
	CHECK_INT(ssh_host_master(&h[2], 0), -EHOSTDOWN,
		  "password host fails");
	CHECK(clock_now() - t0 < 10, "password host fails at once");
	ssh_host_reason(&h[2], why, sizeof(why));
	CHECK(strstr(why, "Permission denied") != NULL, "password reason");
	printf("# %s\n", why);
	CHECK_INT(ssh_host_master(&h[3], 0), -EHOSTDOWN, "refused host");
	ssh_host_reason(&h[3], why, sizeof(why));
	CHECK(strstr(why, "Connection refused") != NULL, "refused reason");
	printf("# %s\n", why);

	CHECK_INT(sshrun_new(&l, ptrs(h, 4), slots, 4, NULL), 0, "launcher");
	job(&r, l, 3, "hostname", 0);
	CHECK(r.res.host_failed == 0 && r.rc == 0,
	      "slot of a down host runs elsewhere");
	CHECK(strcmp(buf_str(&r.out), "h1\n") == 0 ||
	      strcmp(buf_str(&r.out), "h3\n") == 0, "on an up host");
	buf_release(&r.out);

	memset(&bg, 0, sizeof(bg));
	bg.l = l;
	bg.slot = 2;
	bg.cmd = "sleep 3336";
	pthread_create(&t, NULL, job_thread, &bg);
	t0 = clock_now();
	while (procs_is("sleep 3336") == 0 && clock_now() - t0 < 10)
		usleep(20000);
	snprintf(stop, sizeof(stop), "bash -c '. \"%s\"; ssh_host_stop "
		 "\"%s\" 3'", getenv("SSH_HELPERS"), dir);
	CHECK_INT(system(stop), 0, "stop h3 mid-job");
	pthread_join(t, NULL);
	CHECK_INT(bg.rc, -EHOSTDOWN, "lost host: -EHOSTDOWN");
	CHECK(bg.res.host_failed, "lost host: host_failed");
	CHECK_STR(bg.res.host, "h3", "lost host: ran on h3");
	CHECK_STR(bg.res.msg, "host h3 is down: connection to h3 lost",
		  "lost host: one clear message");
	CHECK(gone("sleep 3336"), "lost connection kills the remote job");
	buf_release(&bg.out);
	{
		struct launch_job lj;

		memset(&lj, 0, sizeof(lj));
		lj.slot = 1;
		lj.cmdline = "hostname";
		lj.stdin_fd = -1;
		lj.capture = 1;
		lj.sink = collect;
		lj.ctx = &r.out;
		CHECK_INT(sshrun_run_on(l, 1, &lj, &r.res), -EHOSTDOWN,
			  "run_on a down host");
		CHECK(r.res.host_failed, "run_on a down host: host_failed");
		CHECK_STR(r.res.host, "h3", "run_on a down host: its name");
	}
	job(&r, l, 2, "hostname", 0);
	CHECK_STR(buf_str(&r.out), "h1\n", "h3's slot now runs on h1");
	CHECK_STR(r.res.msg, "", "no second message");
	buf_release(&r.out);
	/* h1's master dies between jobs (a dropped connection while idle):
	 * the next job must not log in on its own behind lanes' back. */
	kill(h[0].m[0].pid, SIGKILL);
	{
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		waitid(P_PID, (id_t)h[0].m[0].pid, &si, WEXITED | WNOWAIT);
	}
	job(&r, l, 1, "hostname", 0);
	CHECK_INT(r.rc, -EHOSTDOWN, "dead master: -EHOSTDOWN");
	CHECK(r.res.host_failed, "dead master: host_failed");
	CHECK_STR(r.res.msg, "host h1 is down: connection to h1 lost",
		  "dead master: message");
	CHECK_STR(buf_str(&r.out), "", "dead master: no job ran");
	buf_release(&r.out);
	launch_free(l);
	for (i = 0; i < 4; i++)
		ssh_host_close(&h[i]);

	/* Every host down: a clear failure, not a hang. */
	{
		static const char *const dead[] = { "h5" };
		struct ssh_host d[1];

		hosts_init(d, dead, 1, 1);
		CHECK_INT(sshrun_new(&l, ptrs(d, 1), slots, 1, NULL), 0, "dead");
		job(&r, l, 1, "true", 0);
		CHECK_INT(r.rc, -EHOSTDOWN, "dead host first job");
		CHECK(r.res.host_failed, "dead host first job host_failed");
		job(&r, l, 1, "true", 0);
		CHECK_INT(r.rc, -EHOSTDOWN, "all down");
		CHECK(!r.res.host_failed, "all down is not a host failure");
		CHECK(strncmp(r.res.msg, "no host is up (h5: ", 19) == 0,
		      "all down message");
		launch_free(l);
		ssh_host_close(&d[0]);
	}
}

/* h6 keeps sshd's default MaxSessions 10: 12 jobs at once need two
 * masters, and none may fail. */
static void test_maxsessions(void)
{
	static const char *const names[] = { "h6" };
	static const unsigned slots[] = { 12 };
	struct ssh_host h[1];
	struct launcher *l = NULL;
	struct jr r[12];
	pthread_t t[12];
	int ok = 0, i;

	hosts_init(h, names, 1, 12);
	CHECK_INT(h[0].nm, 2, "12 slots: two masters");
	CHECK_INT(sshrun_new(&l, ptrs(h, 1), slots, 1, NULL), 0, "launcher");
	for (i = 0; i < 12; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].l = l;
		r[i].slot = (unsigned)i + 1;
		r[i].cmd = "sleep 1; echo ok";
		pthread_create(&t[i], NULL, job_thread, &r[i]);
	}
	for (i = 0; i < 12; i++) {
		pthread_join(t[i], NULL);
		ok += r[i].rc == 0 && r[i].res.status == 0 &&
		      strcmp(buf_str(&r[i].out), "ok\n") == 0;
		if (r[i].rc || r[i].res.status)
			printf("# job %d: rc %d status %d: %s\n", i, r[i].rc,
			       r[i].res.status, buf_str(&r[i].out));
		buf_release(&r[i].out);
	}
	CHECK_INT(ok, 12, "12 concurrent jobs on a MaxSessions 10 server");
	launch_free(l);
	ssh_host_close(&h[0]);
}

static void warn(void *arg, const char *msg)
{
	struct buf *b = arg;

	buf_addstr(b, msg);
	buf_addch(b, '\n');
}

/* io/remote: logins and a login file to hosts, slots per host from -j,
 * every first master opened at once, --filter-hosts. */
static void test_remote(void)
{
	static const char slf[] = "# hosts\n3/h2\n\nh5\n";
	const char *logins[] = { "h1,2/h3" };
	const char *slfs[] = { "slf" };
	struct remote_opts o;
	struct remote *r = NULL;
	struct buf w = BUF_INIT;
	char cmd[512], err[256] = "", want[256];
	struct jr j;
	double t0;
	int fd;

	fd = open("slf", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, slf, sizeof(slf) - 1) > 0, "login file");
	close(fd);
	snprintf(cmd, sizeof(cmd), "ssh -F %s/ssh_config", dir);
	memset(&o, 0, sizeof(o));
	o.logins = logins;
	o.nlogins = 1;
	o.slfs = slfs;
	o.nslfs = 1;
	o.ssh = cmd;
	o.jobs = "+1";
	o.warn = warn;
	o.warn_arg = &w;
	t0 = clock_now();
	CHECK_INT(remote_new(&r, &o, err, sizeof(err)), 0, "remote_new");
	printf("# remote_new with 4 hosts: %.2fs\n", clock_now() - t0);
	CHECK_INT(remote_nhosts(r), 4, "four hosts, h5 kept");
	snprintf(want, sizeof(want), "host h5 is down: ssh: connect to host "
		 "127.0.0.5 port %s: Connection refused\n", getenv("SSH_PORT"));
	CHECK_STR(buf_str(&w), want, "h5 warned");
	CHECK_STR(remote_host_name(r, 2), "h2", "login file host");
	CHECK_INT(remote_host_slots(r, 0),
		  sysconf(_SC_NPROCESSORS_ONLN) + 1, "-j +1 per host");
	CHECK_INT(remote_host_slots(r, 1), 2, "N/ wins over -j");
	CHECK_INT(remote_host_slots(r, 2), 3, "N/ from the file");
	job(&j, remote_launcher(r), remote_launcher(r)->nslots, "hostname",
	    0);
	CHECK(j.rc == 0 && strcmp(buf_str(&j.out), "h5\n") != 0 &&
	      j.res.status == 0, "h5's slot runs on another host");
	buf_release(&j.out);
	remote_free(r);
	o.filter_hosts = 1;
	buf_reset(&w);
	CHECK_INT(remote_new(&r, &o, err, sizeof(err)), 0, "filter-hosts");
	CHECK_INT(remote_nhosts(r), 3, "h5 left out");
	snprintf(want, sizeof(want), "host h5 is left out: ssh: connect to "
		 "host 127.0.0.5 port %s: Connection refused\n",
		 getenv("SSH_PORT"));
	CHECK_STR(buf_str(&w), want, "h5 left out");
	remote_free(r);
	logins[0] = "h5,h4";
	o.nslfs = 0;
	CHECK_INT(remote_new(&r, &o, err, sizeof(err)), -EHOSTDOWN,
		  "nothing up");
	CHECK_STR(err, "no host is up", "nothing up message");
	logins[0] = "h1,-oProxyCommand=x";
	CHECK_INT(remote_new(&r, &o, err, sizeof(err)), -EINVAL, "bad login");
	CHECK_STR(err, "invalid sshlogin '-oProxyCommand=x': it starts with "
		  "'-'", "bad login message");
	logins[0] = "h1";
	o.jobs = "x%";
	CHECK_INT(remote_new(&r, &o, err, sizeof(err)), -EINVAL, "bad -j");
	CHECK(gone(conf.dir), "no master left after remote_free");
	unlink("slf");
	buf_release(&w);
}

int main(void)
{
	char cmd[512], err[256];

	dir = getenv("SSH_DIR");
	if (!dir || !getenv("SSH_HELPERS")) {
		printf("1..0 # SKIP no ssh hosts (run by tests/90-ssh.bats)\n");
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	snprintf(cmd, sizeof(cmd), "ssh -F %s/ssh_config", dir);
	if (ssh_conf_init(&conf, cmd, err, sizeof(err))) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	conf.timeout = 20;
	test_basics();
	test_files();
	test_maxsessions();
	test_remote();
	test_failures();
	ssh_conf_release(&conf);
	return tap_done();
}
