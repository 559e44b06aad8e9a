/*
 * Fuzz io/dlparse, the parsers of what a server or the user's URL list
 * sends to --download, and check what dlparse.h promises:
 *   - every name (dlparse_name_clean(), _from_url(), _from_cd()) is at
 *     most DLPARSE_NAME_MAX bytes, NUL-terminated, with no NUL, '/', '\',
 *     control character (C0, DEL, C1 as UTF-8) or leading dot, and does
 *     not end in ".part"; cleaning a clean name changes nothing; a name
 *     is empty only when the input was nothing but dots; a name that
 *     needs no cut is the input, dots stripped and bad bytes mapped;
 *   - a Content-Disposition filename= (quoted, escaped) or filename*=
 *     (UTF-8 or ISO-8859-1, percent-encoded) gives the cleaned part after
 *     its last '/' or '\' of the name it spells, filename* preferred;
 *   - a record splits into a URL (blanks trimmed, never empty) and at
 *     most one name and one sha256: field, as a reference split does,
 *     and an error message stays within its buffer;
 *   - dlparse_header() matches "name:" in any case and copies the
 *     trimmed value cut to outsz - 1 bytes, NUL-terminated;
 *   - Retry-After gives seconds >= 0, at most 1e9 for delta-seconds,
 *     and an HTTP date counts down with the clock;
 *   - Content-Range follows "bytes A-B/T" with '*' for the range or T,
 *     A <= B < T (RFC 9110), and what it gives prints and reads back;
 *   - a hex sum is exactly 64 hex digits and reads back; a sha256sum
 *     line gives the digest and the name a reference split gives;
 *   - a transient HTTP status has a reason phrase.
 * Input: byte 0, as '0' to '9', picks the parser (see the switch); some
 * take parameters from the next bytes; the rest is the text parsed.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "dlparse.h"
#include "fuzz.h"
#include "hex.h"
#include "dl.h"

#define NAME_SZ (DLPARSE_NAME_MAX + 1)

/* n bytes of hex digits at s, all of them. */
static int all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (hex_val((unsigned char)s[i]) < 0)
			return 0;
	return 1;
}

static void check_sum(const unsigned char *sum, const char *hex)
{
	for (size_t i = 0; i < DLPARSE_SHA256_LEN; i++)
		FUZZ_CHECK(sum[i] == (hex_val((unsigned char)hex[2 * i]) << 4 |
				      hex_val((unsigned char)hex[2 * i + 1])),
			   "the digest is the hex digits");
}

/* The rules every name in dlparse.h follows. */
static void check_name(const char *out, size_t len)
{
	char again[NAME_SZ];

	FUZZ_CHECK(len <= DLPARSE_NAME_MAX, "name within DLPARSE_NAME_MAX");
	FUZZ_CHECK(out[len] == '\0' && !memchr(out, '\0', len),
		   "name NUL-terminated, no NUL inside");
	FUZZ_CHECK(!len || out[0] != '.', "name starts with no dot");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)out[i];

		FUZZ_CHECK(c >= 0x20 && c != 0x7f && c != '/' && c != '\\',
			   "no '/', '\\' or control character in a name");
		FUZZ_CHECK(!(c == 0xc2 && i + 1 < len &&
			     (unsigned char)out[i + 1] >= 0x80 &&
			     (unsigned char)out[i + 1] <= 0x9f),
			   "no C1 control character in a name");
	}
	FUZZ_CHECK(len < 5 || memcmp(out + len - 5, ".part", 5),
		   "name does not end in .part");
	FUZZ_CHECK(dlparse_name_clean(out, len, again) == len &&
		   !memcmp(again, out, len + 1), "a clean name stays");
}

static void fuzz_clean(const char *in, size_t n)
{
	char *out = malloc(NAME_SZ), *want = malloc(n + 1);
	size_t len, i = 0, w = 0;

	FUZZ_CHECK(out && want, "malloc");
	len = dlparse_name_clean(in, n, out);
	check_name(out, len);
	while (i < n && in[i] == '.')
		i++;
	FUZZ_CHECK((len == 0) == (i == n), "empty only when all dots");
	if (n - i <= DLPARSE_NAME_MAX) {
		/* No cut: the bytes mapped one by one. */
		for (; i < n; i++) {
			unsigned char c = (unsigned char)in[i];

			if (c == 0xc2 && i + 1 < n &&
			    (unsigned char)in[i + 1] >= 0x80 &&
			    (unsigned char)in[i + 1] <= 0x9f) {
				i++;
				c = '_';
			} else if (c < 0x20 || c == 0x7f || c == '/' ||
				   c == '\\') {
				c = '_';
			}
			want[w++] = (char)c;
		}
		if (w >= 5 && !memcmp(want + w - 5, ".part", 5))
			want[w - 5] = '_';
		FUZZ_CHECK(len == w && !memcmp(out, want, w),
			   "an uncut name is its input cleaned");
	}
	free(want);
	free(out);
}

static void pct_encode(const unsigned char *s, size_t n, int upper,
		       char *out)
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
	const char *digits = upper ? up : lo;

	for (size_t i = 0; i < n; i++) {
		if (isalnum(s[i])) {
			*out++ = (char)s[i];
		} else {
			*out++ = '%';
			*out++ = digits[s[i] >> 4];
			*out++ = digits[s[i] & 15];
		}
	}
	*out = '\0';
}

/*
 * A Content-Disposition value built to spell the name s[0..n) (no NUL
 * in it) as mode says: 1 filename="...", 2 filename*=UTF-8''..., 3
 * filename*=ISO-8859-1''..., the last two after a filename= they win
 * over. The name read back must be what cleaning its base gives.
 */
static void fuzz_cd_spelled(int mode, const unsigned char *s, size_t n)
{
	char value[1200], *v = value, *out = malloc(NAME_SZ);
	char name[2 * 300 + 1], want[NAME_SZ];
	const char *base;
	size_t len = 0, wlen;
	int rc;

	FUZZ_CHECK(out, "malloc");
	if (n > 300)
		n = 300;
	/* The name as the header means it: ISO-8859-1 bytes as UTF-8. */
	for (size_t i = 0; i < n; i++) {
		if (mode == 3 && s[i] >= 0x80) {
			name[len++] = (char)(0xc0 | s[i] >> 6);
			name[len++] = (char)(0x80 | (s[i] & 0x3f));
		} else {
			name[len++] = (char)s[i];
		}
	}
	name[len] = '\0';
	v += sprintf(v, "attachment");
	if (mode == 1) {
		v += sprintf(v, "; filename=\"");
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '"' || s[i] == '\\')
				*v++ = '\\';
			*v++ = (char)s[i];
		}
		v += sprintf(v, "\"");
	} else {
		v += sprintf(v, "; filename=\"fallback.bin\"; filename*=%s''",
			     mode == 3 ? "iso-8859-1" : "UTF-8");
		pct_encode(s, n, n & 1, v);
		v += strlen(v);
		if (!n)
			strcpy(name, "fallback.bin");
	}
	strcpy(v, "; size=1");
	base = name;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	wlen = dlparse_name_clean(base, strlen(base), want);
	rc = dlparse_name_from_cd(value, out);
	FUZZ_CHECK(rc == (wlen ? 0 : -ENOENT), "the spelled name is found");
	FUZZ_CHECK(rc || !strcmp(out, want), "the spelled name reads back");
	free(out);
}

static void fuzz_cd(const char *value)
{
	char *out = malloc(NAME_SZ);
	int rc;

	FUZZ_CHECK(out, "malloc");
	rc = dlparse_name_from_cd(value, out);
	FUZZ_CHECK(rc == 0 || rc == -ENOENT, "cd: 0 or ENOENT");
	if (!rc) {
		FUZZ_CHECK(*out, "a name found is not empty");
		check_name(out, strlen(out));
	}
	free(out);
}

/* The record split as dlparse.h says, to compare with dlparse_record. */
struct ref_record {
	const char *url, *name, *sum;
	size_t url_len, name_len;
	int ok;
};

static void ref_record(const char *s, size_t n, struct ref_record *r)
{
	const char *f, *end, *tab;

	memset(r, 0, sizeof(*r));
	if (memchr(s, '\0', n))
		return;
	if (n && s[n - 1] == '\r')
		n--;
	tab = memchr(s, '\t', n);
	end = tab ? tab : s + n;
	f = s;
	while (f < end && *f == ' ')
		f++;
	while (end > f && end[-1] == ' ')
		end--;
	if (f == end)
		return;
	r->url = f;
	r->url_len = (size_t)(end - f);
	while (tab) {
		f = tab + 1;
		tab = memchr(f, '\t', (size_t)(s + n - f));
		end = tab ? tab : s + n;
		if (f == end)
			continue;
		if (end - f >= 7 && !strncasecmp(f, "sha256:", 7)) {
			if (r->sum || end - f != 7 + 64 || !all_hex(f + 7, 64))
				return;
			r->sum = f + 7;
		} else {
			if (r->name)
				return;
			r->name = f;
			r->name_len = (size_t)(end - f);
		}
	}
	r->ok = 1;
}

static void fuzz_record(unsigned char param, const char *in, size_t n)
{
	struct dlparse_record r;
	struct ref_record want;
	char *rec = malloc(n + 1), err[96];
	size_t errlen = param % 81;
	int rc;

	FUZZ_CHECK(rec, "malloc");
	memcpy(rec, in, n);
	memset(err, 0xa5, sizeof(err));
	ref_record(in, n, &want);
	rc = dlparse_record(rec, n, &r, err, errlen);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "record: 0 or EINVAL");
	FUZZ_CHECK((rc == 0) == want.ok,
		   "record accepted as the reference split");
	for (size_t i = errlen; i < sizeof(err); i++)
		FUZZ_CHECK((unsigned char)err[i] == 0xa5,
			   "error message within its buffer");
	if (rc && errlen)
		FUZZ_CHECK(memchr(err, '\0', errlen), "error NUL-terminated");
	if (rc && errlen > 1)
		FUZZ_CHECK(*err, "an error has a message");
	if (!rc) {
		FUZZ_CHECK(r.url >= rec && r.url < rec + n, "URL in place");
		FUZZ_CHECK(strlen(r.url) == want.url_len &&
			   !memcmp(r.url, want.url, want.url_len),
			   "URL as the reference split");
		FUZZ_CHECK(!r.name == !want.name, "a name when one is given");
		FUZZ_CHECK(!r.name || (strlen(r.name) == want.name_len &&
				       !memcmp(r.name, want.name,
					       want.name_len)),
			   "name as the reference split");
		FUZZ_CHECK(r.has_sum == !!want.sum, "a sum when one is given");
		if (r.has_sum)
			check_sum(r.sum, want.sum);
	}
	free(rec);
}

static void fuzz_header(unsigned char param, const char *p, size_t n)
{
	static const char *const names[] = {
		"retry-after", "content-range", "content-disposition", "x",
	};
	const char *name = names[param & 3];
	size_t outsz = (size_t)(param >> 2) + 1, nl = strlen(name), len;
	char *out = malloc(outsz);
	const char *v, *end;
	int rc, want;

	FUZZ_CHECK(out, "malloc");
	want = n > nl && p[nl] == ':';
	for (size_t i = 0; want && i < nl; i++)
		want = tolower((unsigned char)p[i]) == name[i];
	rc = dlparse_header(p, n, name, out, outsz);
	FUZZ_CHECK(rc == want, "header: matches name: in any case");
	if (rc) {
		v = p + nl + 1;
		end = p + n;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && strchr(" \t\r\n", end[-1]) && end[-1])
			end--;
		len = (size_t)(end - v);
		if (len > outsz - 1)
			len = outsz - 1;
		FUZZ_CHECK(!memcmp(out, v, len) && out[len] == '\0',
			   "header value trimmed, cut and NUL-terminated");
	}
	free(out);
}

static void fuzz_url(const char *url)
{
	char *out = malloc(NAME_SZ), again[NAME_SZ];
	int want = !strncasecmp(url, "http://", 7) ||
		   !strncasecmp(url, "https://", 8);

	FUZZ_CHECK(out, "malloc");
	FUZZ_CHECK(dlparse_url_is_http(url) == want, "http or https");
	dlparse_name_from_url(url, out);
	FUZZ_CHECK(*out, "a URL always gets a name");
	check_name(out, strlen(out));
	dlparse_name_from_url(url, again);
	FUZZ_CHECK(!strcmp(out, again), "the same URL, the same name");
	free(out);
}

static void fuzz_retry_after(const unsigned char *d, size_t n,
			     const char *value)
{
	time_t now = 0;
	double s, later;
	const char *p = value + strspn(value, " \t"), *q;
	int rc;

	for (size_t i = 0; i < 4; i++)
		now = now << 8 | (i < n ? d[i] : 0);
	rc = dlparse_retry_after(value, now, &s);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "retry-after: 0 or EINVAL");
	if (isdigit((unsigned char)*p)) {
		q = p + strspn(p, "0123456789");
		q += strspn(q, " \t\r\n");
		FUZZ_CHECK((rc == 0) == !*q,
			   "delta-seconds: digits and blanks");
	}
	if (rc)
		return;
	FUZZ_CHECK(isfinite(s) && s >= 0, "retry-after never negative");
	FUZZ_CHECK(dlparse_retry_after(value, now + 10, &later) == 0,
		   "retry-after accepted at any time");
	if (isdigit((unsigned char)*p)) {
		FUZZ_CHECK(s <= 1e9 && later == s,
			   "delta-seconds: at most 1e9, whenever read");
		FUZZ_CHECK(s == 1e9 || s == (double)strtoull(p, NULL, 10),
			   "delta-seconds: the number given");
	} else {
		FUZZ_CHECK(later == (s > 10 ? s - 10 : 0),
			   "a date counts down with the clock");
	}
}

/* A decimal number at *pp that fits in long long, or '*' for -1. */
static int ref_num(const char **pp, long long *v)
{
	const char *p = *pp;

	if (*p == '*') {
		*v = -1;
		*pp = p + 1;
		return 1;
	}
	if (!isdigit((unsigned char)*p))
		return 0;
	*v = 0;
	for (; isdigit((unsigned char)*p); p++) {
		if (*v > (LLONG_MAX - (*p - '0')) / 10)
			return 0;
		*v = *v * 10 + (*p - '0');
	}
	*pp = p;
	return 1;
}

/* Content-Range as RFC 9110 has it: 1 with the values, or 0. */
static int ref_content_range(const char *p, long long *a, long long *b,
			     long long *t)
{
	*a = *b = *t = -1;
	p += strspn(p, " \t");
	if (strncasecmp(p, "bytes", 5))
		return 0;
	p += 5;
	p += strspn(p, " \t");
	if (*p == '*')
		p++;
	else if (!isdigit((unsigned char)*p) || !ref_num(&p, a) ||
		 *p++ != '-' || !isdigit((unsigned char)*p) ||
		 !ref_num(&p, b))
		return 0;
	if (*p++ != '/' || !ref_num(&p, t))
		return 0;
	p += strspn(p, " \t\r\n");
	/* No range needs a total; a range ends before the total. */
	return !*p && *a <= *b && (*a >= 0 || *t >= 0) &&
	       (*t < 0 || *b < *t);
}

static void fuzz_content_range(const char *value)
{
	long long a, b, t, wa, wb, wt, a2, b2, t2;
	char back[96];
	int rc, ok = ref_content_range(value, &wa, &wb, &wt);

	rc = dlparse_content_range(value, &a, &b, &t);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "content-range: 0 or EINVAL");
	FUZZ_CHECK((rc == 0) == ok, "content-range: bytes A-B/T, A <= B < T");
	if (rc)
		return;
	FUZZ_CHECK(a == wa && b == wb && t == wt, "content-range values");
	FUZZ_CHECK((a < 0) == (b < 0) && a >= -1 && t >= -1,
		   "a range is known whole or not at all");
	FUZZ_CHECK(a < 0 || (a <= b && (t < 0 || b < t)),
		   "start <= end < total");
	if (a < 0)
		snprintf(back, sizeof(back), "bytes */%lld", t);
	else if (t < 0)
		snprintf(back, sizeof(back), "bytes %lld-%lld/*", a, b);
	else
		snprintf(back, sizeof(back), "bytes %lld-%lld/%lld", a, b, t);
	FUZZ_CHECK(dlparse_content_range(back, &a2, &b2, &t2) == 0 &&
		   a2 == a && b2 == b && t2 == t, "content-range reads back");
}

static void fuzz_hex_sum(const char *in, size_t n)
{
	unsigned char sum[DLPARSE_SHA256_LEN];
	int rc = dlparse_hex_sum(in, n, sum);

	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "hex sum: 0 or EINVAL");
	FUZZ_CHECK((rc == 0) == (n == 64 && all_hex(in, n)),
		   "exactly 64 hex digits");
	if (!rc)
		check_sum(sum, in);
}

/* "\n", "\r" and "\\" unescaped in place; 0 for any other escape. */
static int ref_unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s == '\\') {
			s++;
			if (*s != 'n' && *s != 'r' && *s != '\\')
				return 0;
			*w++ = *s == 'n' ? '\n' : *s == 'r' ? '\r' : '\\';
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
	return 1;
}

static void fuzz_sum_line(const char *in)
{
	unsigned char sum[DLPARSE_SHA256_LEN];
	char *line = strdup(in), *ref = strdup(in), *name, *h, *want = NULL;
	const char *hex = NULL, *close = NULL;
	size_t n = strlen(in);
	int rc, wrc = -EINVAL;

	FUZZ_CHECK(line && ref, "malloc");
	while (n && (ref[n - 1] == '\n' || ref[n - 1] == '\r'))
		ref[--n] = '\0';
	if (!ref[strspn(ref, " \t")] || ref[0] == '#') {
		wrc = 1;
	} else if (!strncmp(ref, "SHA256 (", 8)) {
		for (const char *p = ref + 8; (p = strstr(p, ") = ")); p++)
			close = p;
		if (close && close > ref + 8 && strlen(close + 4) == 64 &&
		    all_hex(close + 4, 64)) {
			hex = close + 4;
			ref[close - ref] = '\0';
			want = ref + 8;
			wrc = 0;
		}
	} else {
		h = ref + (ref[0] == '\\');
		if (strlen(h) >= 67 && all_hex(h, 64) && h[64] == ' ' &&
		    (h[65] == ' ' || h[65] == '*') &&
		    (h == ref || ref_unescape(h + 66))) {
			hex = h;
			want = h + 66;
			wrc = 0;
		}
	}
	rc = dlparse_sum_line(line, sum, &name);
	FUZZ_CHECK(rc == wrc, "sum line: as the reference split");
	if (!rc) {
		FUZZ_CHECK(name >= line && name < line + strlen(in),
			   "the name is in the line");
		FUZZ_CHECK(*name && !strcmp(name, want),
			   "sum line: the name as the reference split");
		check_sum(sum, hex);
	}
	free(ref);
	free(line);
}

static void fuzz_http(const unsigned char *d, size_t n)
{
	long code = 0;
	const char *text;

	for (size_t i = 0; i < 2; i++)
		code = code << 8 | (i < n ? d[i] : 0);
	code %= 1000;
	text = dlparse_http_reason(code);
	FUZZ_CHECK(!text || (code >= 100 && code <= 599 && *text),
		   "a reason only for a status");
	FUZZ_CHECK(!dlparse_http_transient(code) || text,
		   "a transient status has a reason");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int loaded;
	const unsigned char *d = data + 1;
	size_t n = size ? size - 1 : 0;
	char err[256], *s, *raw;

	if (!loaded) {
		/* Names from URLs hash with libcrypto; dates are libcurl's. */
		if (dl_global_init(err, sizeof(err))) {
			fprintf(stderr, "dlparse_fuzz: %s\n", err);
			abort();
		}
		loaded = 1;
	}
	if (!size)
		return 0;
	/* The text both as exactly n bytes (no NUL after them, so reading
	 * past the end is caught) and as a string to its first NUL. */
	raw = malloc(n ? n : 1);
	s = malloc(n + 1);
	FUZZ_CHECK(raw && s, "malloc");
	memcpy(raw, d, n);
	memcpy(s, d, n);
	s[n] = '\0';
	switch ((unsigned char)(data[0] - '0') % 10) {
	case 0:
		if (n)
			fuzz_record(d[0], raw + 1, n - 1);
		break;
	case 1:
		fuzz_clean(raw, n);
		break;
	case 2:
		if (n && d[0] >= '1' && d[0] <= '3')
			fuzz_cd_spelled(d[0] - '0', d + 1, strlen(s + 1));
		else
			fuzz_cd(s);
		break;
	case 3:
		if (n)
			fuzz_header(d[0], raw + 1, n - 1);
		break;
	case 4:
		fuzz_url(s);
		break;
	case 5:
		fuzz_retry_after(d, n, s + (n < 4 ? n : 4));
		break;
	case 6:
		fuzz_content_range(s);
		break;
	case 7:
		fuzz_hex_sum(raw, n);
		break;
	case 8:
		fuzz_sum_line(s);
		break;
	case 9:
		fuzz_http(d, n);
		break;
	}
	free(s);
	free(raw);
	return 0;
}
