/*
 * Unit tests for io/agentd: an agent in a child process, driven over
 * pipes as a coordinator would drive it. Jobs run and report output and
 * exit status; the environment additions reach them; a job that prints
 * a megabyte never gets ahead of the credit it was given; timeouts,
 * signal frames, end of input and a malformed frame leave no process of
 * a job behind; the mux transport keeps to its channel.
 */
#include "agentd.h"
#include "mux.h"
#include "spawn.h"
#include "tap.h"
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct agent {
	pid_t pid;
	int to, from;		/* our ends */
	int chan;
	struct wire_dec dec;
	struct mux_dec mdec;
	struct buf fr, mx;
	struct buf out[3];	/* output by stream, of the current job */
};

/* Exit codes of the child, from agentd_run()'s result. */
static int code_of(int rc)
{
	return rc == 0 ? 0 : rc == -EPIPE ? 3 : rc == -EPROTO ? 4 : 5;
}

static void start(struct agent *t, int chan)
{
	int in[2], out[2], devnull;

	memset(t, 0, sizeof(*t));
	t->chan = chan;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		abort();
	t->pid = fork();
	if (t->pid == 0) {
		struct agentd_conf c = {
			.in_fd = in[0], .out_fd = out[1], .chan = chan,
			.slots = 2, .node = "t1",
			.arg_max = sysconf(_SC_ARG_MAX), .environ = environ,
		};
		struct agentd *a;
		char err[256];
		int rc;

		close(in[1]);
		close(out[0]);
		signal(SIGPIPE, SIG_IGN);
		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (spawn_setup(devnull) || agentd_new(&a, &c))
			_exit(9);
		rc = agentd_run(a, err, sizeof(err));
		if (err[0])
			dprintf(2, "# agent: %s\n", err);
		agentd_free(a);
		_exit(code_of(rc));
	}
	close(in[0]);
	close(out[1]);
	t->to = in[1];
	t->from = out[0];
	wire_dec_init(&t->dec);
	mux_dec_init(&t->mdec, MUX_ALL);
}

static void flush_frame(struct agent *t)
{
	const char *p = t->fr.p;
	size_t n = t->fr.len;

	if (t->chan >= 0) {
		buf_reset(&t->mx);
		mux_put(&t->mx, t->chan, t->fr.p, t->fr.len);
		p = t->mx.p;
		n = t->mx.len;
	}
	while (n) {
		ssize_t w = write(t->to, p, n);

		if (w <= 0)
			break;
		p += w;
		n -= (size_t)w;
	}
	buf_reset(&t->fr);
}

static int to_dec(void *ctx, int chan, const char *p, size_t n)
{
	struct agent *t = ctx;

	if (chan != t->chan)
		return -EPROTO;
	return wire_dec_feed(&t->dec, p, n);
}

/* The next frame, waiting up to 20 s: 1, 0 at EOF, -errno. */
static int next(struct agent *t, struct wire_msg *m)
{
	char b[65536];
	struct pollfd pf = { t->from, POLLIN, 0 };
	ssize_t r;
	int rc;

	for (;;) {
		rc = wire_dec_next(&t->dec, m);
		if (rc)
			return rc;
		if (poll(&pf, 1, 20000) <= 0)
			return -ETIMEDOUT;
		r = read(t->from, b, sizeof(b));
		if (r <= 0)
			return r == 0 ? 0 : -errno;
		rc = t->chan >= 0 ? mux_dec_feed(&t->mdec, b, (size_t)r,
						 to_dec, t)
				  : wire_dec_feed(&t->dec, b, (size_t)r);
		if (rc)
			return rc;
	}
}

static int finish(struct agent *t)
{
	int st = 0, i;

	close(t->to);
	close(t->from);
	waitpid(t->pid, &st, 0);
	wire_dec_release(&t->dec);
	buf_release(&t->fr);
	buf_release(&t->mx);
	for (i = 0; i < 3; i++)
		buf_release(&t->out[i]);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void hello(struct agent *t, unsigned slots)
{
	struct wire_msg m;

	CHECK_INT(next(t, &m), 1, "the agent says hello");
	CHECK(m.type == WIRE_HELLO && m.version == WIRE_VERSION &&
	      m.slots == 2 && !strcmp(m.node, "t1"),
	      "hello: version, 2 slots, node t1");
	wire_put_hello(&t->fr, slots, "");
	flush_frame(t);
}

static void send_job(struct agent *t, uint64_t id, const char *sh,
		     double timeout)
{
	static char a0[] = "/bin/sh", a1[] = "-c";
	static char e0[] = "LANES_SEQ=41", e1[] = "HOME=/nowhere";
	char *argv[] = { a0, a1, (char *)sh, NULL };
	char *env[] = { e0, e1, NULL };
	struct termseq ts = { { SIGTERM }, { 0.5 }, 1 };
	struct wire_job j = {
		.id = id, .seq = 41, .slot = 1, .timeout = timeout,
		.termseq = &ts, .cmdline = sh, .argv = argv, .env = env,
	};

	wire_put_job(&t->fr, &j);
	flush_frame(t);
}

/* Read frames until job id ends; output collected in t->out. */
static int wait_end(struct agent *t, uint64_t id, struct wire_msg *end,
		    int credit)
{
	struct wire_msg m;
	int rc;

	for (int i = 0; i < 3; i++)
		buf_reset(&t->out[i]);
	while ((rc = next(t, &m)) == 1) {
		if (m.type == WIRE_OUT && m.id == id) {
			buf_add(&t->out[m.stream], m.data, m.len);
			if (credit) {
				wire_put_credit(&t->fr, id, (uint32_t)m.len);
				flush_frame(t);
			}
		} else if (m.type == WIRE_END && m.id == id) {
			*end = m;
			return 1;
		} else {
			return -EPROTO;
		}
	}
	return rc;
}

/* A pid is gone (or a zombie nobody will wait for: init reaps it). */
static int gone(pid_t pid)
{
	char path[64], st = 0;
	FILE *f;

	for (int i = 0; i < 500; i++) {
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		f = fopen(path, "re");
		if (!f)
			return 1;
		if (fscanf(f, "%*d %*s %c", &st) != 1)
			st = 0;
		fclose(f);
		if (st == 'Z')
			return 1;
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	return 0;
}

static void test_jobs(void)
{
	struct agent t;
	struct wire_msg m;

	start(&t, -1);
	hello(&t, 0);
	send_job(&t, 1, "echo out; echo err >&2; exit 3", 0);
	CHECK_INT(wait_end(&t, 1, &m, 1), 1, "job 1 ends");
	CHECK(m.rc == 0 && WIFEXITED(m.status) &&
	      WEXITSTATUS(m.status) == 3, "exit status 3");
	CHECK_STR(buf_str(&t.out[1]), "out\n", "stdout");
	CHECK_STR(buf_str(&t.out[2]), "err\n", "stderr");

	send_job(&t, 2, "echo $LANES_SEQ $HOME; test -n \"$PATH\"", 0);
	CHECK_INT(wait_end(&t, 2, &m, 1), 1, "job 2 ends");
	CHECK_STR(buf_str(&t.out[1]), "41 /nowhere\n",
		  "environment: additions override, the rest stays");
	CHECK_INT(m.status, 0, "and PATH is the agent's");

	send_job(&t, 3, "exec /nonexistent/x", 0);
	CHECK_INT(wait_end(&t, 3, &m, 1), 1, "job 3 ends");
	CHECK_INT(WEXITSTATUS(m.status), 127, "a missing command: 127");

	wire_put_bye(&t.fr);
	flush_frame(&t);
	CHECK_INT(next(&t, &m), 1, "a bye is answered");
	CHECK_INT(m.type, WIRE_BYE, "with bye");
	CHECK_INT(finish(&t), 0, "and the agent exits 0");
}

static void test_credit(void)
{
	struct agent t;
	struct wire_msg m;
	unsigned long long got = 0, granted = WIRE_WINDOW;
	int over = 0, rc;

	start(&t, -1);
	hello(&t, 1);
	send_job(&t, 7, "head -c 3000000 /dev/zero", 0);
	/* Grant credit only after a pause, as a slow reader would: the
	 * agent must never run ahead of what it was given. */
	while ((rc = next(&t, &m)) == 1 && m.type == WIRE_OUT) {
		got += m.len;
		if (got > granted)
			over = 1;
		if (m.len > WIRE_CHUNK_MAX)
			over = 1;
		if (got == granted) {
			wire_put_credit(&t.fr, 7, WIRE_WINDOW);
			flush_frame(&t);
			granted += WIRE_WINDOW;
		}
	}
	CHECK(rc == 1 && m.type == WIRE_END && m.status == 0,
	      "3 MB job ends well");
	CHECK_INT(got, 3000000, "all of its output arrived");
	CHECK(!over, "never more than the credit, in bounded chunks");
	CHECK_INT(finish(&t), 3, "end of input: the agent exits (EPIPE)");
}

/* The next job follows each END at once: the slot must be free by then. */
static void test_back_to_back(void)
{
	struct agent t;
	struct wire_msg m;
	int i, ok = 1;

	start(&t, -1);
	hello(&t, 1);
	for (i = 1; i <= 300 && ok; i++) {
		send_job(&t, (uint64_t)i, "exit 0", 0);
		ok = wait_end(&t, (uint64_t)i, &m, 1) == 1 && m.rc == 0 &&
		     m.status == 0;
	}
	CHECK(ok, "300 jobs back to back on one slot");
	wire_put_bye(&t.fr);
	flush_frame(&t);
	CHECK(next(&t, &m) == 1 && m.type == WIRE_BYE, "then bye");
	CHECK_INT(finish(&t), 0, "and exit 0");
}

static void test_timeout_and_signals(void)
{
	struct agent t;
	struct wire_msg m;
	long gc;

	start(&t, -1);
	hello(&t, 2);
	send_job(&t, 1, "sleep 30", 0.3);
	CHECK_INT(wait_end(&t, 1, &m, 1), 1, "a timed-out job ends");
	CHECK(m.timed_out && WIFSIGNALED(m.status), "timed out, by signal");

	/* A job and its grandchild; the signal frame reaches both. */
	send_job(&t, 2, "sleep 30 & echo $!; wait", 0);
	CHECK_INT(next(&t, &m), 1, "the job prints its child's pid");
	gc = m.type == WIRE_OUT ? strtol(m.data, NULL, 10) : 0;
	wire_put_credit(&t.fr, 2, (uint32_t)m.len);
	wire_put_signal(&t.fr, 2, SIGTERM);
	flush_frame(&t);
	CHECK_INT(wait_end(&t, 2, &m, 1), 1, "the signalled job ends");
	CHECK(WIFSIGNALED(m.status) && WTERMSIG(m.status) == SIGTERM,
	      "by SIGTERM");
	CHECK(gc > 0 && gone((pid_t)gc), "its grandchild is gone too");

	/* A later job on the same slot is not hit by that signal. */
	send_job(&t, 3, "sleep 0.2; echo fine", 0);
	CHECK_INT(wait_end(&t, 3, &m, 1), 1, "job 3 ends");
	CHECK_INT(m.status, 0, "a later job on that slot runs normally");
	send_job(&t, 4, "sleep 0.2; echo fine", 0);
	CHECK_INT(wait_end(&t, 4, &m, 1), 1, "job 4 ends");
	CHECK_INT(m.status, 0, "and the next one too");

	/* End of input while a job with a grandchild runs. */
	send_job(&t, 5, "trap '' TERM; sleep 30 & echo $!; wait", 0);
	CHECK_INT(next(&t, &m), 1, "job 5 prints its child's pid");
	gc = m.type == WIRE_OUT ? strtol(m.data, NULL, 10) : 0;
	close(t.to);
	t.to = -1;
	while (next(&t, &m) == 1)
		;
	CHECK_INT(finish(&t), 3, "end of input: the agent ends");
	CHECK(gc > 0 && gone((pid_t)gc),
	      "and no process of its jobs is left, even one ignoring TERM");

}

static void test_malformed(void)
{
	struct agent t;
	struct wire_msg m;
	long gc;
	int rc;

	start(&t, -1);
	hello(&t, 0);
	send_job(&t, 1, "sleep 30 & echo $!; wait", 0);
	CHECK_INT(next(&t, &m), 1, "the job prints its child's pid");
	gc = m.type == WIRE_OUT ? strtol(m.data, NULL, 10) : 0;
	rc = (int)write(t.to, "\0\0\0\1\x63\0\0\0x", 9);
	(void)rc;
	while ((rc = next(&t, &m)) == 1 && m.type != WIRE_ERROR)
		;
	CHECK_INT(rc, 1, "a malformed frame gets an error frame");
	CHECK(rc == 1 && strstr(m.msg, "unknown frame type 99"), m.msg);
	CHECK_INT(finish(&t), 4, "and the agent ends with -EPROTO");
	CHECK(gc > 0 && gone((pid_t)gc), "leaving no process behind");

	start(&t, -1);
	CHECK_INT(next(&t, &m), 1, "hello");
	wire_put_job(&t.fr, &(struct wire_job){
		.id = 1, .argv = (char *[]){ (char *)"true", NULL } });
	flush_frame(&t);
	rc = next(&t, &m);
	CHECK(rc == 1 && m.type == WIRE_ERROR &&
	      strstr(m.msg, "before its hello"), "a job before the hello");
	CHECK_INT(finish(&t), 4, "ends the agent");

	start(&t, -1);
	CHECK_INT(next(&t, &m), 1, "hello");
	rc = (int)write(t.to, "\0\0\0", 3);
	close(t.to);
	t.to = -1;
	rc = next(&t, &m);
	CHECK(rc == 1 && m.type == WIRE_ERROR &&
	      strstr(m.msg, "ended inside a frame"), "a truncated frame");
	CHECK_INT(finish(&t), 4, "ends the agent");
}

static void test_mux(void)
{
	struct agent t;
	struct wire_msg m;
	int rc;

	start(&t, 1);
	hello(&t, 0);
	/* A line for another task, which would be garbage for this one. */
	rc = (int)write(t.to, "0:AAAAAAAA\n", 11);
	(void)rc;
	send_job(&t, 9, "echo over the mux", 0);
	CHECK_INT(wait_end(&t, 9, &m, 1), 1, "a job over the mux ends");
	CHECK_STR(buf_str(&t.out[1]), "over the mux\n",
		  "output on our channel; other channels ignored");
	rc = (int)write(t.to, "1:A\n", 4);
	rc = next(&t, &m);
	CHECK(rc == 1 && m.type == WIRE_ERROR && strstr(m.msg, "base64"),
	      "a bad line on our channel is an error");
	CHECK_INT(finish(&t), 4, "that ends the agent");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_jobs();
	test_credit();
	test_back_to_back();
	test_timeout_and_signals();
	test_malformed();
	test_mux();
	return tap_done();
}
