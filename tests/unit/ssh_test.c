/*
 * Unit tests for the pure parts of io/ssh and io/sshwrap: the --ssh word
 * splitting, the filter that takes the wrapper's report out of standard
 * error, and the wrapper itself, run here by the local /bin/sh exactly as
 * a remote login shell would run it (no ssh involved).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "ssh.h"
#include "sshwrap.h"
#include "tap.h"

static int collect(void *ctx, int stream, const char *p, size_t n)
{
	struct buf *b = ctx;

	(void)stream;
	return buf_add(b, p, n);
}

static void test_conf(void)
{
	struct ssh_conf c;
	char err[256];
	int rc;

	rc = ssh_conf_init(&c, "ssh -F '/a b/cfg' -o \"X=1 2\" a\\ b", err,
			   sizeof(err));
	CHECK_INT(rc, 0, "conf ok");
	CHECK_INT(c.argc, 6, "conf words");
	CHECK_STR(c.argv[2], "/a b/cfg", "single quotes");
	CHECK_STR(c.argv[4], "X=1 2", "double quotes");
	CHECK_STR(c.argv[5], "a b", "backslash");
	CHECK(c.argv[6] == NULL, "argv ends in NULL");
	CHECK_INT(strlen(c.token), 16, "token");
	CHECK(strlen(c.dir) + 12 < 108, "socket dir short");
	CHECK(access(c.dir, W_OK) == 0, "socket dir exists");
	ssh_conf_release(&c);
	rc = ssh_conf_init(&c, "ssh 'open", err, sizeof(err));
	CHECK_INT(rc, -EINVAL, "unclosed quote");
	CHECK_STR(err, "invalid --ssh 'ssh 'open'", "unclosed quote message");
	rc = ssh_conf_init(&c, "  ", err, sizeof(err));
	CHECK_INT(rc, -EINVAL, "empty --ssh");
}

/* Feed s through a tail filter in chunks of k bytes. */
static const char *tail(const char *s, size_t len, size_t k, int *status)
{
	static char out[512];
	struct sshw_tail t;
	struct buf b = BUF_INIT;
	size_t i;

	sshw_tail_init(&t, "0123abcd0123abcd");
	for (i = 0; i < len; i += k)
		sshw_tail_feed(&t, s + i, len - i < k ? len - i : k, collect,
			       &b, 2);
	sshw_tail_end(&t, collect, &b, 2);
	*status = t.found ? t.status : -1;
	snprintf(out, sizeof(out), "%s", buf_str(&b));
	buf_release(&b);
	return out;
}

static void test_tail(void)
{
	static const char *const cases[][3] = {
		{ "err\n\037lanes:0123abcd0123abcd:x:3\n", "err\n", "768" },
		{ "nonl\037lanes:0123abcd0123abcd:s:9\n", "nonl", "9" },
		{ "plain\n", "plain\n", "-1" },
		{ "a\037b\037lanes:0123abcd0123abcd:x:0\n", "a\037b", "0" },
		{ "\037lanes:ffff:x:1\n", "\037lanes:ffff:x:1\n", "-1" },
		{ "\037lanes:0123abcd0123abcd:x:1", "\037lanes:0123abcd"
		  "0123abcd:x:1", "-1" },
		{ "\037lanes:0123abcd0123abcd:x:1234\n",
		  "\037lanes:0123abcd0123abcd:x:1234\n", "-1" },
		{ "\037lanes:0123abcd0123abcd:x:1\nlate\n", "late\n",
		  "256" },
	};
	size_t i, k;
	int st;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (k = 1; k <= 64; k *= 4) {
			char name[64];
			const char *got = tail(cases[i][0],
					       strlen(cases[i][0]), k, &st);

			snprintf(name, sizeof(name), "tail %zu chunk %zu", i,
				 k);
			CHECK_STR(got, cases[i][1], name);
			CHECK_INT(st, atoi(cases[i][2]), name);
		}
}

struct wrun {
	int status;		/* from the report, -1 without */
	int rc;			/* the wrapper's own wait status */
	int ready;		/* with input: the FIFO was announced */
	int fifo_left;		/* ... and still existed afterwards */
	char out[256], err[256];
};

/* How drive() runs the wrapper. */
struct wdrive {
	const char *cmd;
	const char *data;	/* NULL: no input; else the job's stdin */
	double delay;		/* then write line, or close the lines */
	const char *line;
	int close_early;
	int no_ctl;		/* with input: never start the control */
};

/*
 * Run d->cmd under the wrapper as the launcher would. Without input, the
 * signal lines go to its stdin, closed only once it has exited unless
 * close_early. With input, its stdin carries d->data then EOF, and once
 * it announced its FIFO the control session of sshw_ctl() (run by sh)
 * carries the lines.
 */
static void drive(const struct wdrive *d, struct wrun *w)
{
	static const struct termseq ts = {
		.sig = { SIGTERM }, .wait = { 0.2 }, .n = 1,
	};
	struct buf script = BUF_INIT, ctl = BUF_INIT, o = BUF_INIT,
		   e = BUF_INIT;
	struct sshw_tail t;
	int in[2], out[2], err[2], lines[2] = { -1, -1 }, sent = 0;
	const char *tmp = getenv("TMPDIR");
	char *argv[4], fifo[256];
	double at = clock_now() + d->delay;
	pid_t pid, cpid = -1;

	memset(w, 0, sizeof(*w));
	w->status = w->rc = -1;
	sshw_wrap(&script, "0123abcd0123abcd", &ts, d->cmd, d->data != NULL);
	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)buf_str(&script);
	argv[3] = NULL;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) ||
	    pipe2(err, O_CLOEXEC) ||
	    (d->data && pipe2(lines, O_CLOEXEC)) ||
	    ssh_spawn(&pid, argv, NULL, in[0], out[1], err[1]))
		return;
	close(in[0]);
	close(out[1]);
	close(err[1]);
	if (d->data) {
		if (write(in[1], d->data, strlen(d->data)) < 0)
			return;
		close(in[1]);
	} else {
		lines[1] = in[1];
	}
	sshw_tail_init(&t, "0123abcd0123abcd");
	for (;;) {
		struct pollfd pf[2] = { { out[0], POLLIN, 0 },
					{ err[0], POLLIN, 0 } };
		char chunk[256];
		ssize_t r;

		/* With input, the delay counts from the control's start: a
		 * control that came and went before the wrapper's reader
		 * opened the FIFO is lanes gone before the job began. */
		if (!sent && (d->line || d->close_early) &&
		    (!d->data || cpid > 0) && clock_now() >= at) {
			if (d->line &&
			    write(lines[1], d->line, strlen(d->line)) < 0)
				break;
			if (d->close_early) {
				close(lines[1]);
				lines[1] = -1;
			}
			sent = 1;
		}
		if (pf[0].fd < 0 && pf[1].fd < 0)
			break;
		if (poll(pf, 2, 20) <= 0)
			continue;
		if (pf[0].revents) {
			r = read(out[0], chunk, sizeof(chunk));
			if (r > 0) {
				buf_add(&o, chunk, (size_t)r);
			} else {
				close(out[0]);
				out[0] = -1;
			}
		}
		if (pf[1].revents) {
			r = read(err[0], chunk, sizeof(chunk));
			if (r > 0) {
				sshw_tail_feed(&t, chunk, (size_t)r, collect,
					       &e, 2);
			} else {
				close(err[0]);
				err[0] = -1;
			}
		}
		if (d->data && t.ready && cpid < 0 && !d->no_ctl) {
			sshw_ctl(&ctl, "0123abcd0123abcd", t.pid);
			argv[2] = (char *)buf_str(&ctl);
			if (ssh_spawn(&cpid, argv, NULL, lines[0], -1, -1))
				break;
			at = clock_now() + d->delay;
		}
	}
	sshw_tail_end(&t, collect, &e, 2);
	while (waitpid(pid, &w->rc, 0) < 0 && errno == EINTR)
		;
	w->status = t.found ? t.status : -1;
	w->ready = t.ready;
	snprintf(fifo, sizeof(fifo), "%s/lanes.0123abcd0123abcd.%s",
		 tmp && *tmp ? tmp : "/tmp", t.pid);
	w->fifo_left = t.ready && access(fifo, F_OK) == 0;
	snprintf(w->out, sizeof(w->out), "%s", buf_str(&o));
	snprintf(w->err, sizeof(w->err), "%s", buf_str(&e));
	if (lines[1] >= 0)
		close(lines[1]);
	if (lines[0] >= 0)
		close(lines[0]);
	if (cpid > 0)
		while (waitpid(cpid, NULL, 0) < 0 && errno == EINTR)
			;
	buf_release(&script);
	buf_release(&ctl);
	buf_release(&o);
	buf_release(&e);
}

/* Without input: cmd reads /dev/null, the lines come on its stdin. */
static void wrap_run(const char *cmd, double delay, const char *line,
		     int close_early, struct wrun *w)
{
	struct wdrive d = { cmd, NULL, delay, line, close_early, 0 };

	drive(&d, w);
}

static void test_wrapper(void)
{
	struct wrun w;

	wrap_run("echo hi; echo oops >&2", 0, NULL, 0, &w);
	CHECK_STR(w.out, "hi\n", "wrap stdout");
	CHECK_STR(w.err, "oops\n", "wrap stderr without the report");
	CHECK_INT(w.status, 0, "wrap exit 0");
	wrap_run("exit 7", 0, NULL, 0, &w);
	CHECK_INT(w.status, 7 << 8, "wrap exit 7");
	wrap_run("exit 137", 0, NULL, 0, &w);
	CHECK_INT(w.status, 137 << 8, "wrap exit 137 is an exit");
	wrap_run("kill -9 $$", 0, NULL, 0, &w);
	CHECK_INT(w.status, SIGKILL, "wrap kill -9 $$ is a signal");
	CHECK_STR(w.err, "", "wrap no shell notice");
	wrap_run("a='x y'; printf '[%s]' \"$a\" '$(id)' \"`echo q`\"", 0,
		 NULL, 0, &w);
	CHECK_STR(w.out, "[x y][$(id)][q]", "wrap quoting survives");
	wrap_run("echo \"$# [$*] $0\"", 0, NULL, 0, &w);
	CHECK_STR(w.out, "0 [] sh\n", "wrap job has no positional parameters");
	wrap_run("printf '%s|' \"a\\\\b\" 'c\nd'\necho \"$#\"", 0, NULL, 0,
		 &w);
	CHECK_STR(w.out, "a\\b|c\nd|0\n", "wrap newlines and backslashes");
	CHECK_INT(w.status, 0, "wrap newline command exit 0");
	wrap_run("read x; echo \"got:$x\"", 0, NULL, 0, &w);
	CHECK_STR(w.out, "got:\n", "wrap job stdin is /dev/null");
	wrap_run("sleep 30", 0.2, "TERM\n", 0, &w);
	CHECK_INT(w.status, SIGTERM, "wrap forwarded TERM");
	wrap_run("trap 'echo usr1; exit 4' USR1; sleep 30 & wait", 0.3,
		 "USR1\n", 0, &w);
	CHECK_INT(w.status, 4 << 8, "wrap forwarded USR1 to a trap");
	CHECK_STR(w.out, "usr1\n", "wrap trap ran");
	wrap_run("trap '' TERM; sleep 30", 0.2, "KILL\n", 0, &w);
	CHECK_INT(w.status, -1, "wrap KILL leaves no report");
	CHECK(WIFSIGNALED(w.rc) && WTERMSIG(w.rc) == SIGKILL,
	      "wrap KILL ends the wrapper too");
	wrap_run("sleep 30", 0.2, NULL, 1, &w);
	CHECK_INT(w.status, SIGTERM, "wrap EOF walks the termseq");
	wrap_run("trap '' TERM; sleep 30", 0.2, NULL, 1, &w);
	CHECK(WIFSIGNALED(w.rc) && WTERMSIG(w.rc) == SIGKILL,
	      "wrap EOF ends with KILL");
	wrap_run("sleep 0.5; echo done", 0.1, "not a signal\nTE RM\n\n", 0, &w);
	CHECK_INT(w.status, 0, "wrap ignores junk lines");
	CHECK_STR(w.out, "done\n", "wrap junk lines do not stop the job");
}

/* The ready report of a wrapper with input: taken out, and its pid kept. */
static void test_tail_ready(void)
{
	static const char s[] = "a\037lanes:0123abcd0123abcd:r:4194303\nb"
				"\037lanes:0123abcd0123abcd:x:2\n";
	struct sshw_tail t;
	struct buf b = BUF_INIT;
	size_t i;

	sshw_tail_init(&t, "0123abcd0123abcd");
	for (i = 0; i < sizeof(s) - 1; i++)
		sshw_tail_feed(&t, s + i, 1, collect, &b, 2);
	sshw_tail_end(&t, collect, &b, 2);
	CHECK_STR(buf_str(&b), "ab", "ready report taken out");
	CHECK(t.ready && !strcmp(t.pid, "4194303"), "ready report's pid");
	CHECK(t.found && t.status == 2 << 8, "exit report after it");
	buf_release(&b);
}

/* With input: data is cmd's stdin; the lines go through a control. */
static void wrap_input_run(const char *cmd, const char *data, double delay,
			   const char *line, int close_ctl, int no_ctl,
			   struct wrun *w)
{
	struct wdrive d = { cmd, data, delay, line, close_ctl, no_ctl };

	drive(&d, w);
}

static void test_wrapper_input(void)
{
	struct wrun w;

	wrap_input_run("wc -c; echo \"$#\"", "hello\n", 0, NULL, 0, 0, &w);
	CHECK(w.ready, "input: the wrapper announces its FIFO");
	CHECK_STR(w.out, "6\n0\n", "input: the job reads the data");
	CHECK_INT(w.status, 0, "input: exit 0");
	CHECK(!w.fifo_left, "input: no FIFO left");
	wrap_input_run("cat; sleep 30", "x\n", 0.3, "TERM\n", 0, 0, &w);
	CHECK_STR(w.out, "x\n", "input: data before a signal");
	CHECK_INT(w.status, SIGTERM, "input: TERM through the control");
	wrap_input_run("trap 'exit 5' USR1; cat >/dev/null; sleep 30 & wait",
		       "", 0.3, "USR1\n", 0, 0, &w);
	CHECK_INT(w.status, 5 << 8, "input: USR1 through the control");
	wrap_input_run("sleep 30", "", 0.3, NULL, 1, 0, &w);
	CHECK_INT(w.status, SIGTERM, "input: the control's EOF walks the "
		  "termseq");
	CHECK(!w.fifo_left, "input: no FIFO left after a stop");
	wrap_input_run("cat", "no control\n", 0, NULL, 0, 1, &w);
	CHECK_STR(w.out, "no control\n", "input: runs without a control");
	CHECK_INT(w.status, 0, "input: exit 0 without a control");
	CHECK(w.ready && !w.fifo_left, "input: the wrapper removes an "
	      "unused FIFO");
}

/*
 * The control session by itself, against a FIFO made here: the wrapper's
 * reader may open the FIFO only after the control did (so the name must
 * still be there), it gets the lines and then EOF; with no FIFO, the
 * control leaves no file behind.
 */
static void test_control(void)
{
	const char *tmp = getenv("TMPDIR");
	struct buf ctl = BUF_INIT;
	char path[256], got[64];
	char *argv[4] = { (char *)"sh", (char *)"-c", NULL, NULL };
	int lines[2], fd = -1, st;
	ssize_t n = 0, r;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/lanes.0123abcd0123abcd.%ld",
		 tmp && *tmp ? tmp : "/tmp", (long)getpid());
	unlink(path);
	sshw_ctl(&ctl, "0123abcd0123abcd", strrchr(path, '.') + 1);
	argv[2] = (char *)buf_str(&ctl);
	CHECK(mkfifo(path, 0600) == 0 && pipe2(lines, O_CLOEXEC) == 0 &&
	      ssh_spawn(&pid, argv, NULL, lines[0], -1, -1) == 0,
	      "control: started");
	close(lines[0]);
	if (write(lines[1], "TERM\n", 5) != 5)
		CHECK(0, "control: line written");
	usleep(200000);	/* the control is in; the reader comes late */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "control: the FIFO is still there for a late reader");
	close(lines[1]);
	while (fd >= 0 && n < (ssize_t)sizeof(got) &&
	       (r = read(fd, got + n, sizeof(got) - (size_t)n)) > 0)
		n += r;
	CHECK(n == 5 && !memcmp(got, "TERM\n", 5),
	      "control: the reader gets the line, then EOF");
	if (fd >= 0)
		close(fd);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "control: exit 0");
	unlink(path);

	/* No FIFO: nothing to do, and no file made. */
	CHECK(pipe2(lines, O_CLOEXEC) == 0 &&
	      ssh_spawn(&pid, argv, NULL, lines[0], -1, -1) == 0,
	      "control without a FIFO: started");
	close(lines[0]);
	close(lines[1]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) != 0 &&
	      access(path, F_OK) != 0, "control without a FIFO: no file");
	buf_release(&ctl);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_conf();
	test_tail();
	test_tail_ready();
	test_wrapper();
	test_wrapper_input();
	test_control();
	return tap_done();
}
