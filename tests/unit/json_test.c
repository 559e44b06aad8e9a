/*
 * Unit tests for io/json: fixed cases for every escape and every class of
 * invalid UTF-8, all 256 single bytes, random byte strings checked against
 * a slow reference escaper written independently here and against
 * Python's json module with errors='surrogateescape', and the streaming
 * form against the one-shot form for random chunkings.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"
#include "tap.h"

/* json_str(s[0..n)) in a static buffer (valid until the next call). */
static const char *jn(const char *s, size_t n)
{
	static struct buf out = BUF_INIT;

	buf_reset(&out);
	if (json_str(&out, s, n) != 0)
		return "(error)";
	return buf_str(&out);
}

static const char *j(const char *s)
{
	return jn(s, strlen(s));
}

/* A small deterministic generator (xorshift64*), so failures repeat. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t below(uint32_t n)
{
	return rnd() % n;
}

/*
 * The reference: decode one code point at a time the long way (compute
 * the value, then reject overlongs, surrogates and values above U+10FFFF)
 * and escape it. Slow and obvious on purpose.
 */
static void ref_escape(struct buf *b, const unsigned char *s, size_t n)
{
	char tmp[16];
	size_t i = 0, len, k;
	unsigned long cp, min;
	int ok;

	buf_addch(b, '"');
	while (i < n) {
		unsigned char c = s[i];

		if (c < 0x80) {
			if (c == '"' || c == '\\') {
				buf_addch(b, '\\');
				buf_addch(b, (char)c);
			} else if (c == '\n') {
				buf_addstr(b, "\\n");
			} else if (c == '\t') {
				buf_addstr(b, "\\t");
			} else if (c == '\r') {
				buf_addstr(b, "\\r");
			} else if (c == '\b') {
				buf_addstr(b, "\\b");
			} else if (c == '\f') {
				buf_addstr(b, "\\f");
			} else if (c < 0x20) {
				snprintf(tmp, sizeof(tmp), "\\u%04x", c);
				buf_addstr(b, tmp);
			} else {
				buf_addch(b, (char)c);
			}
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0) {
			len = 2, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			len = 3, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			len = 0, cp = 0, min = 0;
		}
		ok = len && i + len <= n;
		for (k = 1; ok && k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				ok = 0;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (ok && (cp < min || cp > 0x10FFFF ||
			   (cp >= 0xD800 && cp <= 0xDFFF)))
			ok = 0;
		if (!ok) {
			snprintf(tmp, sizeof(tmp), "\\udc%02x", c);
			buf_addstr(b, tmp);
			i++;
		} else if (cp == 0x2028 || cp == 0x2029) {
			snprintf(tmp, sizeof(tmp), "\\u%04lx", cp);
			buf_addstr(b, tmp);
			i += len;
		} else {
			buf_add(b, s + i, len);
			i += len;
		}
	}
	buf_addch(b, '"');
}

/* Append the UTF-8 form of cp (which may be a surrogate or too big). */
static size_t put_utf8(unsigned char *p, unsigned long cp)
{
	if (cp < 0x80) {
		p[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (unsigned char)(0xC0 | cp >> 6);
		p[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		p[0] = (unsigned char)(0xE0 | cp >> 12);
		p[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		p[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	p[0] = (unsigned char)(0xF0 | (cp >> 18 & 0x07));
	p[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	p[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	p[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * A random byte string of length at most max that is likely to hit the
 * interesting cases: runs of plain ASCII (longer than eight bytes, for
 * the word-at-a-time path), escapes, valid characters of every length,
 * surrogates and out-of-range values encoded as UTF-8, overlong forms,
 * sequences cut short, and plain random bytes.
 */
static size_t random_bytes(unsigned char *p, size_t max)
{
	static const unsigned long cps[] = {
		0x80, 0x7FF, 0x800, 0xFFFF, 0xD7FF, 0xE000, 0x10000,
		0x10FFFF, 0x2028, 0x2029, 0xE9, 0x20AC, 0x1F600,
		0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0x110000, 0x1FFFFF,
	};
	unsigned char tmp[4];
	size_t n = 0, k;
	size_t want = below((uint32_t)max + 1);

	while (n < want) {
		switch (below(8)) {
		case 0:		/* A run of plain ASCII. */
			for (k = below(20); k && n < want; k--)
				p[n++] = (unsigned char)(' ' + 2 + below(30));
			break;
		case 1:		/* ASCII that needs escaping. */
			p[n++] = "\"\\\n\t\x01\x1f\x7f/"[below(8)];
			break;
		case 2:		/* A chosen code point. */
			k = put_utf8(tmp, cps[below(sizeof(cps) /
						    sizeof(cps[0]))]);
			goto copy;
		case 3:		/* Any code point up to 0x1FFFFF. */
			k = put_utf8(tmp, below(0x200000));
			goto copy;
		case 4:		/* An overlong form. */
			tmp[0] = (unsigned char)(0xC0 | below(2));
			tmp[1] = (unsigned char)(0x80 | below(64));
			k = 2;
			if (below(2)) {
				tmp[0] = 0xE0;
				tmp[1] = (unsigned char)(0x80 | below(32));
				tmp[2] = (unsigned char)(0x80 | below(64));
				k = 3;
			}
			goto copy;
		case 5:		/* A valid character cut short. */
			k = put_utf8(tmp, 0x80 + below(0x10FF80));
			k = k > 1 ? 1 + below((uint32_t)k - 1) : k;
			goto copy;
		default:	/* Any byte. */
			p[n++] = (unsigned char)below(256);
			break;
		copy:
			if (k > want - n)
				k = want - n;
			memcpy(p + n, tmp, k);
			n += k;
			break;
		}
	}
	return n;
}

/* Escape s[0..n) in random chunks; 0 on success. */
static int stream(struct buf *b, const unsigned char *s, size_t n,
		  size_t maxchunk)
{
	struct json_stream js;
	size_t off = 0, k;

	if (json_begin(&js, b))
		return -1;
	while (off < n) {
		k = 1 + below((uint32_t)maxchunk);
		if (k > n - off)
			k = n - off;
		if (below(8) == 0)
			k = 0;	/* An empty chunk now and then. */
		if (json_chunk(&js, b, (const char *)s + off, k))
			return -1;
		off += k;
	}
	return json_end(&js, b);
}

static void test_fixed(void)
{
	CHECK_STR(j(""), "\"\"", "empty string");
	CHECK_STR(j("hello, world"), "\"hello, world\"", "plain ASCII");
	CHECK_STR(j("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"",
		  "quote and backslash escaped, slash not");
	CHECK_STR(j("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"",
		  "short escapes for control characters");
	CHECK_STR(jn("\0\001\037", 3), "\"\\u0000\\u0001\\u001f\"",
		  "other control characters as \\u00XX, NUL included");
	CHECK_STR(j("\x7f"), "\"\x7f\"", "DEL passes through");
	CHECK_STR(j("long ASCII run with a \"quote\" after the 8th byte"),
		  "\"long ASCII run with a \\\"quote\\\" after the 8th "
		  "byte\"", "escapes inside a long ASCII run");

	/* Valid UTF-8, at the edges of each length. */
	CHECK_STR(j("\xc2\x80"), "\"\xc2\x80\"", "U+0080 passes");
	CHECK_STR(j("\xc3\xa9t\xc3\xa9"), "\"\xc3\xa9t\xc3\xa9\"",
		  "2-byte characters pass");
	CHECK_STR(j("\xdf\xbf"), "\"\xdf\xbf\"", "U+07FF passes");
	CHECK_STR(j("\xe0\xa0\x80"), "\"\xe0\xa0\x80\"", "U+0800 passes");
	CHECK_STR(j("\xe2\x82\xac"), "\"\xe2\x82\xac\"", "euro sign passes");
	CHECK_STR(j("\xed\x9f\xbf"), "\"\xed\x9f\xbf\"", "U+D7FF passes");
	CHECK_STR(j("\xee\x80\x80"), "\"\xee\x80\x80\"", "U+E000 passes");
	CHECK_STR(j("\xef\xbf\xbf"), "\"\xef\xbf\xbf\"", "U+FFFF passes");
	CHECK_STR(j("\xf0\x90\x80\x80"), "\"\xf0\x90\x80\x80\"",
		  "U+10000 passes");
	CHECK_STR(j("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"",
		  "emoji passes");
	CHECK_STR(j("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"",
		  "U+10FFFF passes");
	CHECK_STR(j("a\xe2\x80\xa8z\xe2\x80\xa9"), "\"a\\u2028z\\u2029\"",
		  "U+2028 and U+2029 escaped");
	CHECK_STR(j("\xe2\x80\xa7\xe2\x80\xaa"),
		  "\"\xe2\x80\xa7\xe2\x80\xaa\"",
		  "U+2027 and U+202A, their neighbours, pass");

	/* Invalid: each offending byte becomes \udcXX. */
	CHECK_STR(j("\x80"), "\"\\udc80\"", "lone continuation byte");
	CHECK_STR(j("a\xbf" "b"), "\"a\\udcbfb\"",
		  "continuation byte between letters");
	CHECK_STR(j("\xc0\x80"), "\"\\udcc0\\udc80\"", "overlong NUL");
	CHECK_STR(j("\xc1\xbf"), "\"\\udcc1\\udcbf\"", "overlong 2-byte");
	CHECK_STR(j("\xe0\x9f\xbf"), "\"\\udce0\\udc9f\\udcbf\"",
		  "overlong 3-byte");
	CHECK_STR(j("\xf0\x8f\xbf\xbf"), "\"\\udcf0\\udc8f\\udcbf\\udcbf\"",
		  "overlong 4-byte");
	CHECK_STR(j("\xed\xa0\x80"), "\"\\udced\\udca0\\udc80\"",
		  "UTF-8 encoded U+D800");
	CHECK_STR(j("\xed\xbf\xbf"), "\"\\udced\\udcbf\\udcbf\"",
		  "UTF-8 encoded U+DFFF");
	CHECK_STR(j("\xed\xa0\xbd\xed\xb8\x80"),
		  "\"\\udced\\udca0\\udcbd\\udced\\udcb8\\udc80\"",
		  "CESU-8 surrogate pair");
	CHECK_STR(j("\xf4\x90\x80\x80"), "\"\\udcf4\\udc90\\udc80\\udc80\"",
		  "U+110000 rejected");
	CHECK_STR(j("\xf5\x80\x80\x80"), "\"\\udcf5\\udc80\\udc80\\udc80\"",
		  "lead byte F5 rejected");
	CHECK_STR(j("\xf8\x88\x80\x80\x80"),
		  "\"\\udcf8\\udc88\\udc80\\udc80\\udc80\"",
		  "5-byte form rejected");
	CHECK_STR(j("\xfe\xff"), "\"\\udcfe\\udcff\"", "FE and FF rejected");
	CHECK_STR(j("\xc3"), "\"\\udcc3\"", "2-byte sequence cut at end");
	CHECK_STR(j("\xe2\x82"), "\"\\udce2\\udc82\"",
		  "3-byte sequence cut at end");
	CHECK_STR(j("\xf0\x9f\x98"), "\"\\udcf0\\udc9f\\udc98\"",
		  "4-byte sequence cut at end");
	CHECK_STR(j("\xe2\x82" "A"), "\"\\udce2\\udc82A\"",
		  "sequence cut by ASCII: the ASCII survives");
	CHECK_STR(j("\xc3\xc3\xa9"), "\"\\udcc3\xc3\xa9\"",
		  "sequence cut by a lead byte: the next character survives");
	CHECK_STR(j("\xf0\x9f\xe2\x82\xac"), "\"\\udcf0\\udc9f\xe2\x82\xac\"",
		  "4-byte prefix then a 3-byte character");
	CHECK_STR(j("\xe2\x82\n"), "\"\\udce2\\udc82\\n\"",
		  "sequence cut by a newline");
}

/* Every single byte, against a table built from the rules. */
static void test_all_bytes(void)
{
	char want[16], name[64];
	int c, bad = 0;

	for (c = 0; c < 256; c++) {
		char in = (char)c;

		if (c == '"' || c == '\\')
			snprintf(want, sizeof(want), "\"\\%c\"", c);
		else if (c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
			 c == '\t')
			snprintf(want, sizeof(want), "\"\\%c\"",
				 "bfnrt"[strchr("\b\f\n\r\t", c) -
					 "\b\f\n\r\t"]);
		else if (c < 0x20)
			snprintf(want, sizeof(want), "\"\\u%04x\"", c);
		else if (c < 0x80)
			snprintf(want, sizeof(want), "\"%c\"", c);
		else
			snprintf(want, sizeof(want), "\"\\udc%02x\"", c);
		if (strcmp(jn(&in, 1), want) != 0) {
			snprintf(name, sizeof(name), "single byte 0x%02x", c);
			CHECK_STR(jn(&in, 1), want, name);
			bad++;
		}
	}
	CHECK(bad == 0, "all 256 single bytes escape as specified");
}

/* Random strings: json_str equals the reference escaper. */
static void test_reference(void)
{
	unsigned char s[200];
	struct buf want = BUF_INIT;
	int i, bad = 0;

	for (i = 0; i < 20000; i++) {
		size_t n = random_bytes(s, sizeof(s));

		buf_reset(&want);
		ref_escape(&want, s, n);
		if (strcmp(jn((const char *)s, n), buf_str(&want)) != 0) {
			if (!bad)
				CHECK_STR(jn((const char *)s, n),
					  buf_str(&want), "first mismatch");
			bad++;
		}
	}
	CHECK(bad == 0, "20000 random strings match the reference escaper");
	buf_release(&want);
}

/* Streaming gives the same bytes as json_str for random chunkings. */
static void test_stream(void)
{
	static unsigned char big[1 << 20];
	unsigned char s[200];
	struct buf one = BUF_INIT, st = BUF_INIT;
	size_t n, k;
	int i, bad = 0;

	for (i = 0; i < 20000; i++) {
		n = random_bytes(s, sizeof(s));
		buf_reset(&one);
		buf_reset(&st);
		json_str(&one, (const char *)s, n);
		if (stream(&st, s, n, 1 + below(9)) != 0 ||
		    st.len != one.len || memcmp(st.p, one.p, one.len) != 0)
			bad++;
	}
	CHECK(bad == 0, "streaming equals one-shot on 20000 random strings");

	/* Byte by byte, through every multi-byte case at once. */
	n = 0;
	while (n < sizeof(big) - 200)
		n += random_bytes(big + n, 200);
	buf_reset(&one);
	json_str(&one, (const char *)big, n);
	for (k = 1; k <= 4096; k *= 4) {
		char name[64];

		buf_reset(&st);
		snprintf(name, sizeof(name),
			 "1 MB of mixed bytes in chunks up to %zu", k);
		CHECK(stream(&st, big, n, k) == 0 && st.len == one.len &&
		      memcmp(st.p, one.p, one.len) == 0, name);
	}
	buf_reset(&st);
	ref_escape(&st, big, n);
	CHECK(st.len == one.len && memcmp(st.p, one.p, one.len) == 0,
	      "1 MB of mixed bytes matches the reference");

	/* Pending bytes carried over chunk boundaries, by hand. */
	{
		struct json_stream js;

		buf_reset(&st);
		json_begin(&js, &st);
		json_chunk(&js, &st, "x\xf0", 2);
		json_chunk(&js, &st, "\x9f", 1);
		json_chunk(&js, &st, "", 0);
		json_chunk(&js, &st, "\x98", 1);
		json_chunk(&js, &st, "\x80y\xe2\x80", 4);
		json_chunk(&js, &st, "\xa8\xe2", 2);
		json_chunk(&js, &st, "\x82" "A\xc3", 3);
		json_end(&js, &st);
		CHECK_STR(buf_str(&st),
			  "\"x\xf0\x9f\x98\x80y\\u2028\\udce2\\udc82"
			  "A\\udcc3\"",
			  "sequences split across chunks, by hand");
	}
	buf_release(&one);
	buf_release(&st);
}

/* Long ASCII: the fast path gives the same answer at every alignment. */
static void test_ascii_runs(void)
{
	char s[64];
	struct buf want = BUF_INIT;
	int pos, bad = 0;
	const char *specials = "\"\\\n\x01\x80\x1f";
	const char *sp;

	for (sp = specials; *sp; sp++) {
		for (pos = 0; pos < 40; pos++) {
			memset(s, 'a', 40);
			s[pos] = *sp;
			buf_reset(&want);
			ref_escape(&want, (unsigned char *)s, 40);
			if (strcmp(jn(s, 40), buf_str(&want)) != 0)
				bad++;
		}
	}
	CHECK(bad == 0, "a special byte at every offset of an ASCII run");
	buf_release(&want);
}

static const char py_check[] =
	"import json, sys\n"
	"ok = 0\n"
	"for line in open(sys.argv[1], 'rb'):\n"
	"    h, j = line.rstrip(b'\\n').split(b'\\t', 1)\n"
	"    raw = bytes.fromhex(h.decode())\n"
	"    s = json.loads(j.decode('utf-8'))\n"
	"    if (s == raw.decode('utf-8', 'surrogateescape') and\n"
	"            s.encode('utf-8', 'surrogateescape') == raw):\n"
	"        ok += 1\n"
	"    else:\n"
	"        print('mismatch', h.decode(), file=sys.stderr)\n"
	"print(ok)\n";

/*
 * Python as the judge: each output must be UTF-8, parse as JSON, decode
 * to what Python's own UTF-8 decoder makes of the input, and encode back
 * to the input bytes.
 */
static void test_python(void)
{
	char path[] = "/tmp/lanes-json-XXXXXX", cmd[256], line[64];
	unsigned char s[120];
	FILE *f = NULL, *p;
	int fd, i, n = 3000, got = -1;
	size_t len, k;

	if (system("python3 -c '' 2>/dev/null") != 0) {
		printf("ok %d - python3 round trip # skip no python3\n",
		       ++tap_n);
		return;
	}
	fd = mkstemp(path);
	if (fd >= 0)
		f = fdopen(fd, "w");
	if (!f) {
		CHECK(0, "temporary file for python3");
		return;
	}
	for (i = 0; i < n; i++) {
		len = i < 256 ? 1 : random_bytes(s, sizeof(s));
		if (i < 256)
			s[0] = (unsigned char)i;
		for (k = 0; k < len; k++)
			fprintf(f, "%02x", s[k]);
		fprintf(f, "\t%s\n", jn((const char *)s, len));
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 -c \"$PYCHECK\" %s", path);
	setenv("PYCHECK", py_check, 1);
	p = popen(cmd, "r");
	if (p) {
		if (fgets(line, sizeof(line), p))
			got = atoi(line);
		pclose(p);
	}
	unlink(path);
	CHECK_INT(got, n, "python3 parses and round-trips every output");
}

int main(void)
{
	test_fixed();
	test_all_bytes();
	test_ascii_runs();
	test_reference();
	test_stream();
	test_python();
	return tap_done();
}
