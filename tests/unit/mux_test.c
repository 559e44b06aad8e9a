/*
 * Unit tests for io/mux: bytes of any value and length survive the line
 * encoding, fed in any pieces; a reader keeps its channel and "*" only;
 * long lines, bad channels and bad base64 are -EPROTO with a reason.
 */
#include "mux.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct got {
	struct buf b[3];
	int bad;
};

static int collect(void *ctx, int chan, const char *p, size_t n)
{
	struct got *g = ctx;

	if (!p) {
		g->bad++;
		return 0;
	}
	if (chan == MUX_ALL)
		chan = 2;
	if (chan < 0 || chan > 2) {
		g->bad++;
		return 0;
	}
	return buf_add(&g->b[chan], p, n);
}

static void test_round_trip(void)
{
	unsigned char data[3000];
	struct buf w = BUF_INIT;
	struct mux_dec d;
	struct got g;
	size_t i, n, piece;
	int ok = 1, rc = 0;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + i / 256);
	for (n = 0; n < 30; n++) {
		mux_put(&w, 0, data, n);
		mux_put(&w, 1, data + 5, n * 97 % sizeof(data));
	}
	mux_put(&w, MUX_ALL, "everyone", 8);
	for (i = 0; i < w.len; i++)
		if (w.p[i] == '\n' && (i == 0 || w.p[i - 1] == ':'))
			ok = 0;
	CHECK(ok, "no empty lines for empty writes");
	for (piece = 1; piece < 1100; piece += 137) {
		memset(&g, 0, sizeof(g));
		mux_dec_init(&d, MUX_ALL);
		for (i = 0; i < w.len && !rc; i += piece)
			rc = mux_dec_feed(&d, w.p + i, w.len - i < piece ?
					  w.len - i : piece, collect, &g);
		CHECK_INT(rc, 0, "decodes");
		CHECK_INT(mux_dec_eof(&d), 0, "ends on a line boundary");
		ok = g.bad == 0 && g.b[2].len == 8 &&
		     !memcmp(g.b[2].p, "everyone", 8);
		for (n = 0, i = 0; n < 30 && ok; n++) {
			ok = !memcmp(g.b[0].p + i, data, n);
			i += n;
		}
		ok = ok && i == g.b[0].len;
		CHECK(ok, "channel bytes in order, any piece size");
		for (i = 0; i < 3; i++)
			buf_release(&g.b[i]);
	}
	/* A reader of channel 1 sees channel 1 and "*" only. */
	memset(&g, 0, sizeof(g));
	mux_dec_init(&d, 1);
	CHECK_INT(mux_dec_feed(&d, w.p, w.len, collect, &g), 0, "channel 1");
	CHECK(g.b[0].len == 0 && g.b[1].len > 0 && g.b[2].len == 8,
	      "skips other channels");
	for (i = 0; i < 3; i++)
		buf_release(&g.b[i]);
	buf_release(&w);
}

static int feed_str(const char *s, char *err)
{
	struct mux_dec d;
	struct got g;
	int rc;

	memset(&g, 0, sizeof(g));
	mux_dec_init(&d, 0);
	rc = mux_dec_feed(&d, s, strlen(s), collect, &g);
	if (!rc)
		rc = mux_dec_eof(&d);
	strcpy(err, d.err);
	for (int i = 0; i < 3; i++)
		buf_release(&g.b[i]);
	return rc;
}

static void test_malformed(void)
{
	char err[200], longl[1100];

	CHECK_INT(feed_str("0:aGk=\n", err), 0, "a good line");
	{
		/* A reader of all channels: a bad line of channel 1 is
		 * reported for channel 1, channel 0 goes on. */
		struct mux_dec d;
		struct got g;
		const char *in = "1:a!k=\n0:aGk=\n";

		memset(&g, 0, sizeof(g));
		mux_dec_init(&d, MUX_ALL);
		CHECK_INT(mux_dec_feed(&d, in, strlen(in), collect, &g), 0,
			  "MUX_ALL: a bad payload is not fatal");
		CHECK(g.bad == 1 && g.b[0].len == 2, "only that channel");
		CHECK(strstr(d.err, "channel 1: bad base64"), d.err);
		for (int i = 0; i < 3; i++)
			buf_release(&g.b[i]);
	}
	CHECK_INT(feed_str("hello\n", err), -EPROTO, "no channel");
	CHECK(strstr(err, "line without a channel"), err);
	CHECK_INT(feed_str("x1:aGk=\n", err), -EPROTO, "bad channel");
	CHECK_INT(feed_str("99999999:aGk=\n", err), -EPROTO, "huge channel");
	CHECK_INT(feed_str("0:aGk\n", err), -EPROTO, "base64 length");
	CHECK_INT(feed_str("0:a=k=\n", err), -EPROTO, "misplaced '='");
	CHECK_INT(feed_str("0:aG!=\n", err), -EPROTO, "bad character");
	CHECK_INT(feed_str("0:aGk=", err), -EPROTO, "cut short");
	CHECK(strstr(err, "inside a line"), err);
	memset(longl, 'A', sizeof(longl));
	longl[0] = '0';
	longl[1] = ':';
	longl[sizeof(longl) - 1] = '\0';
	CHECK_INT(feed_str(longl, err), -EPROTO, "a line too long");
	CHECK(strstr(err, "longer than"), err);
}

int main(void)
{
	test_round_trip();
	test_malformed();
	return tap_done();
}
