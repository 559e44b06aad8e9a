/*
 * Unit tests for io/wire: every frame type survives a round trip, a
 * stream of frames decodes the same whatever the split points, and
 * garbage, huge lengths, short payloads, leftovers and truncation give
 * -EPROTO with a reason instead of a crash or a wrong frame.
 */
#include "wire.h"
#include "tap.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static char a0[] = "sh", a1[] = "-c", a2[] = "echo \"$X\"";
static char e0[] = "LANES_SEQ=7", e1[] = "X=a b";
static char *const job_argv[] = { a0, a1, a2, NULL };
static char *const job_env[] = { e0, e1, NULL };
static const struct termseq job_ts = {
	{ SIGTERM, SIGINT }, { 0.2, 1.5 }, 2,
};
static const char blob[] = "out\0put\nwith a NUL";

/* One of each frame, in a buffer. */
static void build_stream(struct buf *b)
{
	struct wire_job j = {
		.id = 42, .seq = 7, .slot = 3, .flags = WIRE_JOB_STDIN,
		.timeout = 2.5, .termseq = &job_ts, .cmdline = "echo \"$X\"",
		.argv = job_argv, .env = job_env,
	};
	struct wire_end e = {
		.id = 42, .rc = -ENOENT, .status = 3 << 8, .pid = 1234,
		.timed_out = 1, .stopped = 0, .msg = "timed out",
	};

	CHECK_INT(wire_put_hello(b, 4, "n2"), 0, "put hello");
	CHECK_INT(wire_put_job(b, &j), 0, "put job");
	CHECK_INT(wire_put_stdin(b, 42, "blk", 3), 0, "put stdin");
	CHECK_INT(wire_put_out(b, 42, 2, blob, sizeof(blob)), 0, "put out");
	CHECK_INT(wire_put_end(b, &e), 0, "put end");
	CHECK_INT(wire_put_signal(b, 0, SIGKILL), 0, "put signal");
	CHECK_INT(wire_put_credit(b, 42, 65536), 0, "put credit");
	CHECK_INT(wire_put_bye(b), 0, "put bye");
	CHECK_INT(wire_put_error(b, "slot 9 is busy"), 0, "put error");
}

/*
 * Check the frames build_stream() made, the first of them being frame
 * number `done` (0-based); returns how many matched, -1 on a mismatch.
 */
static int check_stream(struct wire_dec *d, int quiet, int done)
{
	struct wire_msg m;
	int n = 0, ok;

	while (wire_dec_next(d, &m) == 1) {
		switch (m.type) {
		case WIRE_HELLO:
			ok = m.version == WIRE_VERSION && m.slots == 4 &&
			     !strcmp(m.node, "n2");
			break;
		case WIRE_JOB:
			ok = m.id == 42 && m.seq == 7 && m.slot == 3 &&
			     m.flags == WIRE_JOB_STDIN &&
			     m.timeout == 2.5 && m.termseq.n == 2 &&
			     m.termseq.sig[1] == SIGINT &&
			     m.termseq.wait[0] == 0.2 &&
			     !strcmp(m.cmdline, "echo \"$X\"") &&
			     m.argc == 3 &&
			     !strcmp(m.argv[2], "echo \"$X\"") &&
			     !m.argv[3] && m.nenv == 2 &&
			     !strcmp(m.env[1], "X=a b") && !m.env[2];
			break;
		case WIRE_STDIN:
			ok = m.id == 42 && m.len == 3 &&
			     !memcmp(m.data, "blk", 3);
			break;
		case WIRE_OUT:
			ok = m.id == 42 && m.stream == 2 &&
			     m.len == sizeof(blob) &&
			     !memcmp(m.data, blob, sizeof(blob));
			break;
		case WIRE_END:
			ok = m.id == 42 && m.rc == -ENOENT &&
			     m.status == 3 << 8 && m.pid == 1234 &&
			     m.timed_out == 1 && !m.stopped &&
			     !strcmp(m.msg, "timed out");
			break;
		case WIRE_SIGNAL:
			ok = m.id == 0 && m.sig == SIGKILL;
			break;
		case WIRE_CREDIT:
			ok = m.id == 42 && m.credit == 65536;
			break;
		case WIRE_BYE:
			ok = 1;
			break;
		case WIRE_ERROR:
			ok = !strcmp(m.msg, "slot 9 is busy");
			break;
		default:
			ok = 0;
		}
		if (!quiet)
			CHECK(ok, wire_type_name(m.type));
		if (!ok || m.type != done + n + 1)
			return -1;
		n++;
	}
	return n;
}

static void test_round_trip(void)
{
	struct buf b = BUF_INIT;
	struct wire_dec d;

	build_stream(&b);
	wire_dec_init(&d);
	CHECK_INT(wire_dec_feed(&d, b.p, b.len), 0, "feed all");
	CHECK_INT(check_stream(&d, 0, 0), WIRE_TYPE_MAX, "all frame types");
	CHECK_INT(wire_dec_eof(&d), 0, "clean end of stream");
	wire_dec_release(&d);
	buf_release(&b);
}

/* Split the stream at every point, and feed it a byte at a time. */
static void test_splits(void)
{
	struct buf b = BUF_INIT;
	struct wire_dec d;
	size_t i;
	int bad = 0, n;

	build_stream(&b);
	for (i = 0; i <= b.len; i++) {
		wire_dec_init(&d);
		n = 0;
		if (wire_dec_feed(&d, b.p, i) == 0)
			n = check_stream(&d, 1, 0);
		if (n >= 0 && wire_dec_feed(&d, b.p + i, b.len - i) == 0) {
			int m = check_stream(&d, 1, n);

			n = m < 0 ? -1 : n + m;
		}
		if (n != WIRE_TYPE_MAX || wire_dec_eof(&d))
			bad++;
		wire_dec_release(&d);
	}
	CHECK_INT(bad, 0, "every split point gives the same frames");
	wire_dec_init(&d);
	n = 0;
	for (i = 0; i < b.len && n >= 0; i++) {
		int m;

		wire_dec_feed(&d, b.p + i, 1);
		m = check_stream(&d, 1, n);
		n = m < 0 ? -1 : n + m;
	}
	CHECK_INT(n, WIRE_TYPE_MAX, "a byte at a time");
	wire_dec_release(&d);
	buf_release(&b);
}

/* Decode raw bytes; returns the first non-1 result, reason in err. */
static int decode(const void *p, size_t n, char *err, size_t errlen)
{
	struct wire_dec d;
	struct wire_msg m;
	int rc;

	wire_dec_init(&d);
	wire_dec_feed(&d, p, n);
	while ((rc = wire_dec_next(&d, &m)) == 1)
		;
	if (rc == 0)
		rc = wire_dec_eof(&d);
	snprintf(err, errlen, "%s", d.err);
	wire_dec_release(&d);
	return rc;
}

static void test_malformed(void)
{
	struct buf b = BUF_INIT;
	char err[160], *p;
	unsigned char h[WIRE_HDR] = { 0xff, 0xff, 0xff, 0xff, WIRE_OUT };
	size_t i, at;

	CHECK_INT(decode(h, sizeof(h), err, sizeof(err)), -EPROTO,
		  "a 4 GiB length is refused at once");
	CHECK(strstr(err, "output frame of 4294967295 bytes"), err);

	h[0] = 0; h[1] = 0x40; h[2] = 0; h[3] = 1;	/* 4 MiB + 1 */
	CHECK_INT(decode(h, sizeof(h), err, sizeof(err)), -EPROTO,
		  "WIRE_FRAME_MAX + 1 is refused");

	h[3] = 0; h[0] = 0; h[1] = 0; h[4] = 77;
	CHECK_INT(decode(h, sizeof(h), err, sizeof(err)), -EPROTO,
		  "unknown type");
	CHECK_STR(err, "unknown frame type 77", "unknown type: reason");

	h[4] = WIRE_BYE; h[6] = 1;
	CHECK_INT(decode(h, sizeof(h), err, sizeof(err)), -EPROTO,
		  "reserved bytes set");

	wire_put_credit(&b, 5, 10);
	CHECK_INT(decode(b.p, b.len - 1, err, sizeof(err)), -EPROTO,
		  "truncated frame");
	CHECK(strstr(err, "stream ended inside a frame"), err);

	/* A credit frame whose length says one byte less than it has. */
	b.p[3]--;
	CHECK_INT(decode(b.p, b.len - 1, err, sizeof(err)), -EPROTO,
		  "short payload");
	CHECK(strstr(err, "credit frame: credit runs past the end"), err);
	/* ... and one more byte than it needs. */
	b.p[3] += 2;
	buf_addch(&b, 0);
	CHECK_INT(decode(b.p, b.len, err, sizeof(err)), -EPROTO,
		  "leftover bytes");
	CHECK(strstr(err, "1 bytes left over"), err);

	buf_reset(&b);
	wire_put_hello(&b, 1, "n1");
	b.p[WIRE_HDR] = 'L';
	CHECK_INT(decode(b.p, b.len, err, sizeof(err)), -EPROTO, "bad magic");
	CHECK(strstr(err, "not a lanes peer"), err);

	buf_reset(&b);
	wire_put_error(&b, "abc");
	b.p[b.len - 2] = '\0';
	CHECK_INT(decode(b.p, b.len, err, sizeof(err)), -EPROTO,
		  "NUL inside a string");

	buf_reset(&b);
	wire_put_job(&b, &(struct wire_job){ .id = 1, .argv = job_argv });
	/* The argument count, after id seq slot flags timeout nts and an
	 * empty cmdline: make it huge. */
	at = WIRE_HDR + 8 + 8 + 4 + 4 + 8 + 4 + 4;
	b.p[at] = 0x7f;
	CHECK_INT(decode(b.p, b.len, err, sizeof(err)), -EPROTO,
		  "a huge argument count allocates nothing");
	CHECK(strstr(err, "argument runs past"), err);

	buf_reset(&b);
	wire_put_out(&b, 9, 1, "x", 1);
	b.p[WIRE_HDR + 8] = 3;
	CHECK_INT(decode(b.p, b.len, err, sizeof(err)), -EPROTO, "stream 3");

	/* Encoders refuse what the decoder would refuse. */
	p = calloc(1, WIRE_CHUNK_MAX + 1);
	buf_reset(&b);
	CHECK_INT(wire_put_out(&b, 1, 1, p, WIRE_CHUNK_MAX + 1), -EINVAL,
		  "an oversized chunk is not encoded");
	CHECK_INT(b.len, 0, "and leaves the buffer as it was");
	CHECK_INT(wire_put_out(&b, 1, 1, p, WIRE_CHUNK_MAX), 0,
		  "a chunk of WIRE_CHUNK_MAX is");
	CHECK_INT(decode(b.p, b.len, err, sizeof(err)), 0,
		  "and decodes");
	free(p);
	CHECK_INT(wire_put_signal(&b, 0, 65), -EINVAL, "signal 65");

	/* Garbage: random bytes end in 0 or -EPROTO, never a crash. */
	srand(1);
	for (i = 0; i < 2000; i++) {
		unsigned char g[64];
		size_t k, n = (size_t)rand() % sizeof(g);
		int rc;

		for (k = 0; k < n; k++)
			g[k] = (unsigned char)rand();
		if (i % 2 && n > WIRE_HDR) {
			/* A plausible header over random payload. */
			g[0] = g[1] = g[2] = 0;
			g[3] = (unsigned char)(n - WIRE_HDR);
			g[4] = (unsigned char)(1 + i % WIRE_TYPE_MAX);
			g[5] = g[6] = g[7] = 0;
		}
		rc = decode(g, n, err, sizeof(err));
		if (rc != 0 && rc != -EPROTO)
			break;
	}
	CHECK_INT(i, 2000, "2000 garbage inputs: no crash, no odd result");
	buf_release(&b);
}

int main(void)
{
	test_round_trip();
	test_splits();
	test_malformed();
	return tap_done();
}
