/*
 * DESIGN: one scanner, escape(), serves both json_str() and the streaming
 * form. It walks the input keeping the start of a "run" of bytes that go
 * out unchanged (plain ASCII and well-formed UTF-8 sequences) and copies
 * the run with one buf_add() whenever it meets a byte that must be
 * escaped, so text that needs no escapes costs one copy. Plain ASCII is
 * skipped eight bytes at a time.
 *
 * A byte that does not start a well-formed UTF-8 sequence is written as
 * \udcXX and the scan resumes at the next byte. Because continuation bytes
 * (0x80-0xBF) can never start a sequence, this gives the same result as
 * Python's decoder with errors='surrogateescape', which escapes every byte
 * of each maximal invalid subpart.
 *
 * For the streaming form the only state is an incomplete sequence at the
 * end of a chunk: its bytes (a lead and at most two continuations) wait in
 * json_stream.pend until the next chunk completes it, proves it invalid,
 * or json_end() says the input ended. Either way each byte gets the
 * treatment the one-shot scanner gives it, so the output does not depend
 * on where the chunks were cut.
 */
#include "json.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

static const char hexdig[] = "0123456789abcdef";

/*
 * What a byte below 0x80 becomes: 0 when it goes out as it is, otherwise
 * the letter of its short escape, or 'u' for \u00XX. Bytes from 0x80 up
 * are 0 here too; the scanner tests them before using the table.
 */
static const char ascii_esc[128] = {
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	['"'] = '"',
	['\\'] = '\\',
};

#define ONES	UINT64_C(0x0101010101010101)
#define HIGHS	UINT64_C(0x8080808080808080)

/*
 * Nonzero when any of the eight bytes in w needs a closer look: a byte
 * from 0x80 up, a control byte, '"' or '\\'. The "has a zero byte" trick
 * (x - ONES) & ~x & HIGHS is exact about whether such a byte exists,
 * which is all we ask of it.
 */
static uint64_t word_special(uint64_t w)
{
	uint64_t q = w ^ (ONES * '"');
	uint64_t s = w ^ (ONES * '\\');

	return (w | ((w - ONES * 0x20) & ~w) | ((q - ONES) & ~q) |
		((s - ONES) & ~s)) & HIGHS;
}

/*
 * The length (2 to 4) of the well-formed UTF-8 sequence at s, given avail
 * bytes, following Table 3-7 of the Unicode standard: no overlong forms,
 * no surrogates (ED A0..BF), nothing above U+10FFFF. Returns 0 when the
 * bytes are not well formed; then *partial is 1 if they are only cut
 * short (a valid prefix that avail ends), 0 if they are wrong.
 */
static size_t utf8_len(const unsigned char *s, size_t avail, int *partial)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t len, i;

	*partial = 0;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if (i == avail) {
			*partial = 1;
			return 0;
		}
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xBF;
	}
	return len;
}

/* U+2028 and U+2029 are E2 80 A8 and E2 80 A9. */
static int is_js_newline(const unsigned char *s, size_t len)
{
	return len == 3 && s[0] == 0xE2 && s[1] == 0x80 &&
	       (s[2] == 0xA8 || s[2] == 0xA9);
}

/* Append the six-character escape \u plus four hex digits for the
 * 16-bit unit u. */
static int add_u(struct buf *b, unsigned u)
{
	char e[6] = { '\\', 'u', hexdig[u >> 12 & 15], hexdig[u >> 8 & 15],
		      hexdig[u >> 4 & 15], hexdig[u & 15] };

	return buf_add(b, e, sizeof(e));
}

/* Append the escape for an ASCII byte whose table entry is esc. */
static int add_ascii_esc(struct buf *b, unsigned char c, char esc)
{
	char e[2] = { '\\', esc };

	if (esc == 'u')
		return add_u(b, c);
	return buf_add(b, e, sizeof(e));
}

/* The lone low surrogate that stands for the invalid byte c. */
static int add_raw_byte(struct buf *b, unsigned char c)
{
	return add_u(b, 0xDC00u | c);
}

/*
 * Append s[0..n) escaped. With js NULL the input is complete and a
 * sequence cut short at the end is invalid; otherwise such a tail is
 * stored in js->pend for the next chunk.
 */
static int escape(struct buf *b, const unsigned char *s, size_t n,
		  struct json_stream *js)
{
	size_t i = 0, run = 0, len;
	uint64_t w;
	int rc, partial;

	/* The output is at least as long as the input. */
	rc = buf_reserve(b, n);
	if (rc)
		return rc;
	while (i < n) {
		while (n - i >= 8) {
			memcpy(&w, s + i, 8);
			if (word_special(w))
				break;
			i += 8;
		}
		if (i == n)
			break;
		if (s[i] < 0x80) {
			if (!ascii_esc[s[i]]) {
				i++;
				continue;
			}
			rc = buf_add(b, s + run, i - run);
			if (!rc)
				rc = add_ascii_esc(b, s[i], ascii_esc[s[i]]);
			if (rc)
				return rc;
			run = ++i;
			continue;
		}
		len = utf8_len(s + i, n - i, &partial);
		if (len && !is_js_newline(s + i, len)) {
			i += len;
			continue;
		}
		rc = buf_add(b, s + run, i - run);
		if (rc)
			return rc;
		if (len) {
			rc = add_u(b, s[i + 2] == 0xA8 ? 0x2028 : 0x2029);
			i += len;
		} else if (partial && js) {
			/* At most three bytes, as partial implies. */
			memcpy(js->pend, s + i, n - i);
			js->npend = n - i;
			i = n;
		} else {
			rc = add_raw_byte(b, s[i]);
			i++;
		}
		if (rc)
			return rc;
		run = i;
	}
	return buf_add(b, s + run, i - run);
}

/* Undo a failed call: the buffer goes back to len bytes. */
static void truncate_to(struct buf *b, size_t len)
{
	b->len = len;
	if (b->p)
		b->p[len] = '\0';
}

int json_str(struct buf *b, const char *s, size_t n)
{
	size_t old = b->len;
	int rc;

	rc = buf_addch(b, '"');
	if (!rc)
		rc = escape(b, (const unsigned char *)s, n, NULL);
	if (!rc)
		rc = buf_addch(b, '"');
	if (rc)
		truncate_to(b, old);
	return rc;
}

int json_begin(struct json_stream *js, struct buf *b)
{
	js->npend = 0;
	return buf_addch(b, '"');
}

/*
 * Feed the pending bytes one more byte at a time until they form a
 * sequence or fail. Returns how many bytes of s it used (which may be
 * fewer than it looked at), or -errno.
 */
static long finish_pending(struct json_stream *js, struct buf *b,
			   const unsigned char *s, size_t n)
{
	size_t used = 0, len, i;
	int partial, rc;

	while (used < n) {
		js->pend[js->npend++] = s[used++];
		len = utf8_len(js->pend, js->npend, &partial);
		if (len) {
			js->npend = 0;
			if (is_js_newline(js->pend, len))
				rc = add_u(b, js->pend[2] == 0xA8 ?
					   0x2028 : 0x2029);
			else
				rc = buf_add(b, js->pend, len);
			return rc ? rc : (long)used;
		}
		if (partial)
			continue;
		/*
		 * The byte just taken broke the sequence. The lead and the
		 * continuations before it are each invalid on their own;
		 * the breaking byte may start something new, so it is
		 * given back to the caller.
		 */
		js->npend--;
		used--;
		for (i = 0; i < js->npend; i++) {
			rc = add_raw_byte(b, js->pend[i]);
			if (rc)
				return rc;
		}
		js->npend = 0;
		return (long)used;
	}
	return (long)used;
}

int json_chunk(struct json_stream *js, struct buf *b, const char *s,
	       size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	struct json_stream saved = *js;
	size_t old = b->len;
	long used = 0;
	int rc = 0;

	if (js->npend) {
		used = finish_pending(js, b, u, n);
		if (used < 0) {
			rc = (int)used;
			goto out;
		}
	}
	if (!js->npend)
		rc = escape(b, u + used, n - (size_t)used, js);
out:
	if (rc) {
		*js = saved;
		truncate_to(b, old);
	}
	return rc;
}

int json_end(struct json_stream *js, struct buf *b)
{
	size_t old = b->len, i;
	int rc = 0;

	/* Input ended inside a sequence: every byte of it is invalid. */
	for (i = 0; !rc && i < js->npend; i++)
		rc = add_raw_byte(b, js->pend[i]);
	if (!rc)
		rc = buf_addch(b, '"');
	if (rc) {
		truncate_to(b, old);
		return rc;
	}
	js->npend = 0;
	return 0;
}
