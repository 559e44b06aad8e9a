/*
 * Unit tests for io/slurm. Outside an allocation: the launcher refuses
 * with a message that says how to get one. Inside one (tests/90-slurm.bats
 * runs this binary with LANES_SLURM_TEST=1 under `salloc -N3` on the test
 * cluster), the binary is its own agent (`--agent --mux`, as lanes is)
 * and the tests run jobs across the nodes: distribution, exit status,
 * output through the sink, timeout, a stop signal that leaves no
 * process, an agent killed mid run whose jobs fail with host_failed
 * while later jobs go elsewhere, and an agent dropped for a malformed
 * frame.
 */
#include "agentd.h"
#include "slurm.h"
#include "spawn.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* What lanes --agent --mux does, without cmd/. */
static int agent_role(void)
{
	const char *id = getenv("SLURM_PROCID"), *cpus;
	struct agentd_conf c = {
		.in_fd = 0, .out_fd = 1, .arg_max = sysconf(_SC_ARG_MAX),
		.environ = environ,
	};
	struct agentd *a;
	char err[256];
	int rc;

	c.chan = id ? atoi(id) : 0;
	cpus = getenv("SLURM_CPUS_ON_NODE");
	c.slots = cpus ? (unsigned)atoi(cpus) : 2;
	c.node = getenv("SLURMD_NODENAME");
	signal(SIGPIPE, SIG_IGN);
	if (spawn_setup(open("/dev/null", O_RDONLY | O_CLOEXEC)) ||
	    agentd_new(&a, &c))
		return 9;
	rc = agentd_run(a, err, sizeof(err));
	if (err[0])
		dprintf(2, "test agent: %s\n", err);
	agentd_free(a);
	return rc == 0 || rc == -EPIPE ? 0 : 1;
}

struct out {
	pthread_mutex_t mu;
	char text[4096];
	size_t len;
	unsigned long long bytes;
};

static int sink(void *ctx, int stream, const char *p, size_t n)
{
	struct out *o = ctx;

	(void)stream;
	pthread_mutex_lock(&o->mu);
	o->bytes += n;
	if (n > sizeof(o->text) - 1 - o->len)
		n = sizeof(o->text) - 1 - o->len;
	memcpy(o->text + o->len, p, n);
	o->len += n;
	o->text[o->len] = '\0';
	pthread_mutex_unlock(&o->mu);
	return 0;
}

static struct launcher *L;
static const struct termseq ts = { { SIGTERM }, { 0.5 }, 1 };

/* Run sh -c cmd on slot; output into *o. */
static int run(unsigned slot, const char *cmd, double timeout,
	       struct out *o, struct launch_result *res)
{
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)cmd, NULL };
	char seq[32];
	char *envp[] = { seq, NULL };
	struct launch_job j = {
		.seq = slot, .slot = slot, .argv = argv, .cmdline = cmd,
		.envp = envp, .stdin_fd = -1, .capture = 1,
		.timeout = timeout, .termseq = &ts, .sink = sink, .ctx = o,
	};

	snprintf(seq, sizeof(seq), "LANES_SEQ=%u", slot * 10);
	memset(o->text, 0, sizeof(o->text));
	o->len = 0;
	o->bytes = 0;
	pthread_mutex_init(&o->mu, NULL);
	return launch_run(L, &j, res);
}

struct worker {
	pthread_t th;
	unsigned slot;
	const char *cmd;
	int rc;
	struct out o;
	struct launch_result res;
};

static void *work(void *arg)
{
	struct worker *w = arg;

	w->rc = run(w->slot, w->cmd, 0, &w->o, &w->res);
	return NULL;
}

/* Every slot at once, one job each. */
static unsigned run_all(struct worker *w, const char *cmd)
{
	unsigned i, n = L->nslots;

	for (i = 0; i < n; i++) {
		w[i].slot = i + 1;
		w[i].cmd = cmd;
		pthread_create(&w[i].th, NULL, work, &w[i]);
	}
	for (i = 0; i < n; i++)
		pthread_join(w[i].th, NULL);
	return n;
}

static int gone(long pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%ld", pid);
	for (int i = 0; i < 500 && access(path, F_OK) == 0; i++)
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	return access(path, F_OK) != 0;
}

static void *stop_later(void *arg)
{
	(void)arg;
	while (launch_running(L) < L->nslots)
		nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	nanosleep(&(struct timespec){ 0, 300000000 }, NULL);
	launch_signal(L, SIGTERM);
	return NULL;
}

static void in_allocation(void)
{
	struct slurm_conf c = { .envp = environ };
	struct worker w[64];
	struct launch_result res;
	struct out o;
	pthread_t th;
	static const char *const names[] = { "n1", "n2", "n3" };
	char err[256], hosts[3][8] = { "" };
	unsigned i, n, k, ok;
	long pids[64];
	char pidfile[64], cmd[256];
	FILE *f;
	int rc;

	rc = slurm_launcher_new(&L, &c, err, sizeof(err));
	CHECK_INT(rc, 0, "the launcher starts in an allocation");
	if (rc) {
		printf("# %s\n", err);
		return;
	}
	CHECK(L->nslots >= 3 && L->nslots <= 64, "a slot or more per node");
	printf("# %u slots\n", L->nslots);

	n = run_all(w, "echo $SLURMD_NODENAME $LANES_SEQ");
	for (i = 0, ok = 1; i < n; i++) {
		char want[64];

		snprintf(want, sizeof(want), "%s %u\n", w[i].res.host,
			 w[i].slot * 10);
		ok = ok && w[i].rc == 0 && !strcmp(w[i].o.text, want);
		for (k = 0; k < 3; k++)
			if (!strcmp(w[i].res.host, names[k]))
				strcpy(hosts[k], w[i].res.host);
	}
	CHECK(ok, "each job's output names its host, LANES_SEQ arrives");
	CHECK(hosts[0][0] && hosts[1][0] && hosts[2][0],
	      "jobs ran on n1, n2 and n3");

	rc = run(1, "echo out; echo err >&2; exit 3", 0, &o, &res);
	CHECK(rc == 0 && WIFEXITED(res.status) &&
	      WEXITSTATUS(res.status) == 3, "exit status 3 comes back");
	CHECK_STR(o.text, "out\nerr\n", "both streams reach the sink");

	rc = run(2, "head -c 5000000 /dev/zero", 0, &o, &res);
	CHECK(rc == 0 && res.status == 0 && o.bytes == 5000000,
	      "5 MB of output arrive whole");

	rc = run(1, "sleep 30", 0.5, &o, &res);
	CHECK(rc == 0 && res.timed_out, "a timeout applies on the node");

	/* A stop: every job ends, and so do its children. */
	pthread_create(&th, NULL, stop_later, NULL);
	n = run_all(w, "sleep 60 & echo $!; wait");
	pthread_join(th, NULL);
	for (i = 0, ok = 1; i < n; i++) {
		pids[i] = strtol(w[i].o.text, NULL, 10);
		ok = ok && w[i].rc == 0 && WIFSIGNALED(w[i].res.status);
	}
	CHECK(ok, "launch_signal ends every job on every node");
	for (i = 0, ok = 1; i < n; i++)
		ok = ok && pids[i] > 0 && gone(pids[i]);
	CHECK(ok, "and their children");
	/* The stop sticks: a later job is ended too, as locally. */
	rc = run(1, "sleep 30", 0, &o, &res);
	CHECK(rc == 0 && WIFSIGNALED(res.status), "the stop sticks");
	launch_free(L);

	/* An agent killed mid-run. */
	rc = slurm_launcher_new(&L, &c, err, sizeof(err));
	CHECK_INT(rc, 0, "a second step starts");
	if (rc)
		return;
	rc = run(L->nslots, "kill -9 $PPID; sleep 1", 0, &o, &res);
	CHECK_INT(rc, -EHOSTDOWN, "a job whose agent died: -EHOSTDOWN");
	CHECK(res.host_failed, "host_failed");
	CHECK(strstr(res.msg, "failed: Killed"), res.msg);
	strcpy(hosts[0], res.host);
	n = run_all(w, "echo $SLURMD_NODENAME");
	for (i = 0, ok = 1; i < n; i++)
		ok = ok && w[i].rc == 0 && strcmp(w[i].o.text, hosts[0]) &&
		     strcmp(w[i].res.host, hosts[0]) &&
		     !strncmp(w[i].o.text, w[i].res.host,
			      strlen(w[i].res.host));
	CHECK(ok, "every later job runs on the nodes left");
	launch_free(L);

	/* A malformed frame from an agent: a job writes one (nine zero
	 * bytes: frame type 0) into its agent's output. */
	rc = slurm_launcher_new(&L, &c, err, sizeof(err));
	CHECK_INT(rc, 0, "a third step starts");
	if (rc)
		return;
	snprintf(pidfile, sizeof(pidfile), "/tmp/slurm_test.%d",
		 (int)getpid());
	snprintf(cmd, sizeof(cmd), "sleep 60 & echo $! >%s; echo "
		 "$SLURM_PROCID:AAAAAAAAAAAA >/proc/$PPID/fd/1; wait",
		 pidfile);
	rc = run(L->nslots, cmd, 0, &o, &res);
	CHECK_INT(rc, -EHOSTDOWN, "a malformed frame: the node is dropped");
	CHECK(strstr(res.msg, "malformed frame from its agent: unknown "
		     "frame type 0"), res.msg);
	f = fopen(pidfile, "re");
	if (!f || fscanf(f, "%ld", &pids[0]) != 1)
		pids[0] = 0;
	if (f)
		fclose(f);
	unlink(pidfile);
	CHECK(pids[0] > 0 && gone(pids[0]),
	      "and the dropped agent ended its job");
	rc = run(1, "true", 0, &o, &res);
	CHECK(rc == 0 && res.status == 0 && strcmp(res.host, hosts[0]),
	      "the other nodes go on");
	launch_free(L);
}

int main(int argc, char **argv)
{
	struct slurm_conf c = { .envp = environ };
	struct launcher *l;
	char err[256];

	if (argc > 1 && !strcmp(argv[1], "--agent"))
		return agent_role();
	/* Only tests/90-slurm.bats runs jobs, on its own test cluster: a
	 * `make test` that happens to run inside some allocation must not. */
	if (getenv("LANES_SLURM_TEST") && getenv("SLURM_JOB_ID")) {
		in_allocation();
		return tap_done();
	}
	unsetenv("SLURM_JOB_ID");
	CHECK_INT(slurm_launcher_new(&l, &c, err, sizeof(err)), -ENOENT,
		  "outside an allocation: -ENOENT");
	CHECK(strstr(err, "salloc -N 3 lanes --slurm"), err);
	return tap_done();
}
