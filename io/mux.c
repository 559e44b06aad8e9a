/*
 * DESIGN: a line is decoded only when its newline arrived, into a buffer
 * on the stack: base64 of a line of
 * MUX_LINE_MAX bytes is smaller than the line, so no length a peer sends
 * can make the decoder allocate. Lines for other channels are checked for
 * length only and skipped without decoding, since every agent sees every
 * line the coordinator writes.
 */
#include "mux.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int put_line(struct buf *b, const char *chan, const unsigned char *p,
		    size_t n)
{
	char line[MUX_LINE_MAX];
	size_t k = 0, i;
	uint32_t v;

	k = (size_t)snprintf(line, sizeof(line), "%s:", chan);
	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		line[k++] = b64[v >> 18];
		line[k++] = b64[v >> 12 & 63];
		line[k++] = b64[v >> 6 & 63];
		line[k++] = b64[v & 63];
	}
	if (i < n) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		line[k++] = b64[v >> 18];
		line[k++] = b64[v >> 12 & 63];
		line[k++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		line[k++] = '=';
	}
	line[k++] = '\n';
	return buf_add(b, line, k);
}

int mux_put(struct buf *b, int chan, const void *p, size_t n)
{
	const unsigned char *s = p;
	char name[16];
	size_t at = b->len, k;
	int rc = 0;

	if (chan < MUX_ALL || chan > MUX_CHAN_MAX)
		return -EINVAL;
	if (chan == MUX_ALL)
		strcpy(name, "*");
	else
		snprintf(name, sizeof(name), "%d", chan);
	while (n && !rc) {
		k = n < MUX_RAW_LINE ? n : MUX_RAW_LINE;
		rc = put_line(b, name, s, k);
		s += k;
		n -= k;
	}
	if (rc) {
		b->len = at;
		if (b->p)
			b->p[at] = '\0';
	}
	return rc;
}

void mux_dec_init(struct mux_dec *d, int want)
{
	memset(d, 0, sizeof(*d));
	d->want = want;
}

__attribute__((format(printf, 2, 3)))
static int fail(struct mux_dec *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	d->failed = 1;
	return -EPROTO;
}

static int b64val(unsigned char c)
{
	const char *q = c ? strchr(b64, c) : NULL;

	return q ? (int)(q - b64) : -1;
}

/*
 * A line of a known channel whose payload is bad. A reader of one
 * channel fails; a reader of all of them (the coordinator) tells the
 * sink that this channel broke -- sink(chan, NULL, 0) -- and goes on,
 * so one broken agent does not take the others down.
 */
__attribute__((format(printf, 5, 6)))
static int bad_line(struct mux_dec *d, int chan, mux_sink *sink, void *ctx,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	if (d->want == MUX_ALL && chan != MUX_ALL)
		return sink(ctx, chan, NULL, 0);
	d->failed = 1;
	return -EPROTO;
}

/* One whole line without its newline. */
static int line_done(struct mux_dec *d, const char *line, size_t n,
		     mux_sink *sink, void *ctx)
{
	unsigned char out[MUX_LINE_MAX];
	const char *colon = memchr(line, ':', n), *b;
	size_t k = 0, i, bn;
	int chan = 0, v[4], j;

	if (!colon || colon == line)
		return fail(d, "line without a channel: '%.40s'", line);
	if (colon - line == 1 && line[0] == '*') {
		chan = MUX_ALL;
	} else {
		for (i = 0; line + i < colon; i++) {
			if (line[i] < '0' || line[i] > '9' || i > 5)
				return fail(d, "bad channel in '%.40s'", line);
			chan = chan * 10 + (line[i] - '0');
		}
		if (chan > MUX_CHAN_MAX)
			return fail(d, "bad channel in '%.40s'", line);
	}
	if (d->want != MUX_ALL && chan != MUX_ALL && chan != d->want)
		return 0;
	b = colon + 1;
	bn = n - (size_t)(b - line);
	if (bn % 4)
		return bad_line(d, chan, sink, ctx, "channel %d: base64 of "
				"%zu characters", chan, bn);
	for (i = 0; i < bn; i += 4) {
		for (j = 0; j < 4; j++)
			v[j] = b64val((unsigned char)b[i + j]);
		/* '=' pads only the last group: "xx==" or "xxx=". */
		if (i + 4 == bn && b[i + 3] == '=') {
			v[3] = 0;
			if (b[i + 2] == '=')
				v[2] = 0;
		}
		if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0)
			return bad_line(d, chan, sink, ctx, "channel %d: bad "
					"base64 '%.4s'", chan, b + i);
		out[k++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (i + 4 == bn && b[i + 2] == '=')
			break;
		out[k++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		if (i + 4 == bn && b[i + 3] == '=')
			break;
		out[k++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	return k ? sink(ctx, chan, (const char *)out, k) : 0;
}

int mux_dec_feed(struct mux_dec *d, const char *p, size_t n,
		 mux_sink *sink, void *ctx)
{
	const char *nl;
	size_t k;
	int rc = 0;

	if (d->failed)
		return -EPROTO;
	while (n && !rc) {
		nl = memchr(p, '\n', n);
		k = nl ? (size_t)(nl - p) : n;
		if (d->len + k >= MUX_LINE_MAX)
			return fail(d, "line longer than %d bytes",
				    MUX_LINE_MAX - 1);
		memcpy(d->line + d->len, p, k);
		d->len += k;
		if (!nl)
			break;
		d->line[d->len] = '\0';
		rc = line_done(d, d->line, d->len, sink, ctx);
		d->len = 0;
		p += k + 1;
		n -= k + 1;
	}
	return rc;
}

int mux_dec_eof(struct mux_dec *d)
{
	if (d->failed)
		return -EPROTO;
	if (d->len)
		return fail(d, "input ended inside a line");
	return 0;
}
