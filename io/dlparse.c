/*
 * DESIGN: each parser works on a buffer the caller owns and fails with
 * -EINVAL rather than guessing; each name goes through one function,
 * dlparse_name_clean(), so the naming rules in dlparse.h hold for every
 * source of a name (URL, record, Content-Disposition).
 */
#include "dlparse.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <openssl/evp.h>

#include "errbuf.h"
#include "hex.h"
#include "libs.h"

int dlparse_hex_sum(const char *hex, size_t n,
		    unsigned char sum[DLPARSE_SHA256_LEN])
{
	size_t i;

	if (n != 2 * DLPARSE_SHA256_LEN)
		return -EINVAL;
	for (i = 0; i < DLPARSE_SHA256_LEN; i++) {
		int hi = hex_val((unsigned char)hex[2 * i]);
		int lo = hex_val((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		sum[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int dlparse_record(char *rec, size_t len, struct dlparse_record *r,
		   char *err, size_t errlen)
{
	char *f, *next, *end;

	memset(r, 0, sizeof(*r));
	if (memchr(rec, '\0', len)) {
		errbuf_set(err, errlen, "record contains a NUL byte");
		return -EINVAL;
	}
	rec[len] = '\0';
	if (len && rec[len - 1] == '\r')
		rec[--len] = '\0';
	next = strchr(rec, '\t');
	if (next)
		*next++ = '\0';
	f = rec + strspn(rec, " ");
	end = f + strlen(f);
	while (end > f && end[-1] == ' ')
		*--end = '\0';
	if (!*f) {
		errbuf_set(err, errlen, "empty URL");
		return -EINVAL;
	}
	r->url = f;
	while ((f = next)) {
		next = strchr(f, '\t');
		if (next)
			*next++ = '\0';
		if (!*f)
			continue;
		if (!strncasecmp(f, "sha256:", 7)) {
			if (r->has_sum) {
				errbuf_set(err, errlen, "two checksums");
				return -EINVAL;
			}
			if (dlparse_hex_sum(f + 7, strlen(f + 7), r->sum)) {
				errbuf_set(err, errlen, "bad checksum '%s' "
					"(want sha256: and 64 hex digits)", f);
				return -EINVAL;
			}
			r->has_sum = 1;
		} else {
			if (r->name) {
				errbuf_set(err, errlen, "two file names");
				return -EINVAL;
			}
			r->name = f;
		}
	}
	return 0;
}

/* Copy in[0..n) into out at *len with bad bytes mapped to '_'. */
static void clean_copy(const unsigned char *in, size_t n, char *out,
		       size_t *len)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = in[i];

		if (c == 0xc2 && i + 1 < n && in[i + 1] >= 0x80 &&
		    in[i + 1] <= 0x9f) {
			/* A C1 control character in UTF-8 (U+0080..009F),
			 * such as U+009B, a terminal's CSI. */
			out[(*len)++] = '_';
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
			c = '_';
		out[(*len)++] = (char)c;
	}
}

/*
 * Where to cut s[from..to) so the cut falls on a UTF-8 character
 * boundary: back over at most three continuation bytes (a character
 * has four bytes at most). More of them are no character at all, and
 * walking back over them could eat the whole name ("%80" x 300), so
 * such bytes are cut where they stand.
 */
static size_t utf8_cut(const unsigned char *s, size_t from, size_t to)
{
	size_t cut = to;

	while (cut > from && to - cut < 3 && (s[cut] & 0xc0) == 0x80)
		cut--;
	return (s[cut] & 0xc0) == 0x80 ? to : cut;
}

size_t dlparse_name_clean(const char *in, size_t n, char *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, cut, dot = n, len = 0, skip = 0;

	while (i < n && s[i] == '.')
		i++;
	if (n - i > DLPARSE_NAME_MAX) {
		/* Keep a short extension ("x.tar.gz" keeps ".gz"), cut the
		 * rest at a character boundary. */
		size_t j;

		for (j = n; j-- > i + 1 && n - j <= 16;)
			if (s[j] == '.') {
				dot = j;
				break;
			}
		cut = utf8_cut(s, i, i + DLPARSE_NAME_MAX - (n - dot));
	} else {
		cut = n;
	}
	clean_copy(s + i, cut - i, out, &len);
	if (dot < n)
		clean_copy(s + dot, n - dot, out, &len);
	/* Only the extension may be left ("." of "%80...%80."): the name
	 * must not start with a dot, whatever was kept. */
	while (skip < len && out[skip] == '.')
		skip++;
	len -= skip;
	memmove(out, out + skip, len);
	out[len] = '\0';
	/* "x.part" would be the part file of "x": a later run downloading
	 * "x" would resume it. */
	if (len >= 5 && !memcmp(out + len - 5, ".part", 5))
		out[len - 5] = '_';
	return len;
}

void dlparse_name_fallback(const char *url, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int i;

	if (!libs.EVP_Digest(url, strlen(url), md, &mdlen, libs.EVP_sha256(),
			     NULL))
		memset(md, 0, 8);
	strcpy(out, "download-");
	for (i = 0; i < 8; i++)
		sprintf(out + 9 + 2 * i, "%02x", md[i]);
}

/* Percent-decode in[0..n) into out; a '%' not followed by two hex digits
 * stays. Returns the length. */
static size_t pct_decode(const char *in, size_t n, char *out)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++) {
		int hi, lo;

		if (in[i] == '%' && i + 2 < n &&
		    (hi = hex_val((unsigned char)in[i + 1])) >= 0 &&
		    (lo = hex_val((unsigned char)in[i + 2])) >= 0) {
			out[len++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[len++] = in[i];
		}
	}
	return len;
}

void dlparse_name_from_url(const char *url, char *out)
{
	const char *p = strstr(url, "://"), *path, *end, *seg;
	char *tmp;
	size_t n = 0;

	p = p ? p + 3 : url;
	path = p + strcspn(p, "/?#");
	end = path + strcspn(path, "?#");
	seg = end;
	while (seg > path && seg[-1] != '/')
		seg--;
	tmp = malloc((size_t)(end - seg) + 1);
	if (tmp)
		n = dlparse_name_clean(tmp, pct_decode(seg,
					(size_t)(end - seg), tmp), out);
	free(tmp);
	if (!n)
		dlparse_name_fallback(url, out);
}

/* Parse one Content-Disposition parameter value at *pp (a token or a
 * quoted string) into out (at most outsz - 1 bytes); advance *pp. */
static size_t cd_value(const char **pp, char *out, size_t outsz)
{
	const char *p = *pp;
	size_t len = 0;

	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (len + 1 < outsz)
				out[len++] = *p;
		}
		if (*p == '"')
			p++;
	} else {
		for (; *p && *p != ';'; p++)
			if (len + 1 < outsz)
				out[len++] = *p;
		while (len && (out[len - 1] == ' ' || out[len - 1] == '\t'))
			len--;
	}
	out[len] = '\0';
	*pp = p;
	return len;
}

/* RFC 8187: charset'language'percent-encoded. ISO-8859-1 bytes become
 * UTF-8; other charsets are taken as UTF-8. */
static size_t ext_value(const char *v, char *out, size_t outsz)
{
	const char *q1 = strchr(v, '\''), *q2;
	char *raw;
	size_t n, i, len = 0;
	int latin1;

	if (!q1 || !(q2 = strchr(q1 + 1, '\'')))
		return 0;
	latin1 = (size_t)(q1 - v) == 10 && !strncasecmp(v, "iso-8859-1", 10);
	n = strlen(q2 + 1);
	raw = malloc(n + 1);
	if (!raw)
		return 0;
	n = pct_decode(q2 + 1, n, raw);
	for (i = 0; i < n && len + 2 < outsz; i++) {
		unsigned char c = (unsigned char)raw[i];

		if (latin1 && c >= 0x80) {
			out[len++] = (char)(0xc0 | c >> 6);
			out[len++] = (char)(0x80 | (c & 0x3f));
		} else {
			/* A decoded NUL would end the name here: it becomes
			 * '_', as cleaning makes every NUL. */
			out[len++] = c ? (char)c : '_';
		}
	}
	free(raw);
	out[len] = '\0';
	return len;
}

int dlparse_name_from_cd(const char *value, char *out)
{
	char plain[1024] = "", ext[1024] = "", val[1024];
	const char *p = value, *base, *s;
	size_t n;

	/* Skip the disposition type, then read name=value parameters. */
	p += strcspn(p, ";");
	while (*p == ';') {
		const char *name;
		size_t nlen;

		p++;
		p += strspn(p, " \t");
		name = p;
		p += strcspn(p, "=;");
		nlen = (size_t)(p - name);
		while (nlen &&
		       (name[nlen - 1] == ' ' || name[nlen - 1] == '\t'))
			nlen--;
		if (*p != '=')
			continue;
		p++;
		p += strspn(p, " \t");
		cd_value(&p, val, sizeof(val));
		if (nlen == 9 && !strncasecmp(name, "filename*", 9))
			ext_value(val, ext, sizeof(ext));
		else if (nlen == 8 && !strncasecmp(name, "filename", 8))
			memcpy(plain, val, sizeof(val));
		p += strcspn(p, ";");
	}
	s = *ext ? ext : plain;
	base = s;
	for (; *s; s++)
		if (*s == '/' || *s == '\\')
			base = s + 1;
	n = dlparse_name_clean(base, strlen(base), out);
	return n ? 0 : -ENOENT;
}

int dlparse_header(const char *p, size_t n, const char *name, char *out,
		   size_t outsz)
{
	size_t nl = strlen(name), len;

	if (n <= nl || p[nl] != ':' || strncasecmp(p, name, nl))
		return 0;
	p += nl + 1;
	n -= nl + 1;
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == '\r' || p[n - 1] == '\n' ||
		     p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	len = n < outsz - 1 ? n : outsz - 1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 1;
}

int dlparse_url_is_http(const char *url)
{
	return !strncasecmp(url, "http://", 7) ||
	       !strncasecmp(url, "https://", 8);
}

int dlparse_retry_after(const char *value, time_t now, double *secs)
{
	const char *p = value + strspn(value, " \t");
	time_t t;

	if (isdigit((unsigned char)*p)) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(p, &end, 10);
		end += strspn(end, " \t\r\n");
		if (*end)
			return -EINVAL;
		*secs = errno == ERANGE || v > 1000000000ULL ? 1e9 :
			(double)v;
		return 0;
	}
	t = libs.curl_getdate(p, NULL);
	if (t == -1)
		return -EINVAL;
	*secs = t > now ? difftime(t, now) : 0;
	return 0;
}

/* A non-negative decimal number at *pp, or -1 for '*'. */
static int cr_num(const char **pp, long long *v)
{
	const char *p = *pp;
	char *end;

	if (*p == '*') {
		*v = -1;
		*pp = p + 1;
		return 0;
	}
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	*v = strtoll(p, &end, 10);
	if (errno)
		return -EINVAL;
	*pp = end;
	return 0;
}

int dlparse_content_range(const char *value, long long *start,
			  long long *end, long long *total)
{
	const char *p = value + strspn(value, " \t");

	*start = *end = *total = -1;
	if (strncasecmp(p, "bytes", 5))
		return -EINVAL;
	p += 5;
	p += strspn(p, " \t");
	if (*p == '*') {
		p++;
	} else {
		if (cr_num(&p, start) || *start < 0 || *p++ != '-' ||
		    cr_num(&p, end) || *end < *start)
			return -EINVAL;
	}
	if (*p++ != '/' || cr_num(&p, total))
		return -EINVAL;
	/* RFC 9110 14.4: a range ends before the total ("0-499/1" is no
	 * part of any file), and "*" for the range needs a total. */
	if (*total >= 0 ? *end >= *total : *start < 0)
		return -EINVAL;
	p += strspn(p, " \t\r\n");
	return *p ? -EINVAL : 0;
}

static int unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s != '\\') {
			*w++ = *s;
			continue;
		}
		s++;
		if (*s == 'n')
			*w++ = '\n';
		else if (*s == 'r')
			*w++ = '\r';
		else if (*s == '\\')
			*w++ = '\\';
		else
			return -EINVAL;
	}
	*w = '\0';
	return 0;
}

int dlparse_sum_line(char *line, unsigned char sum[DLPARSE_SHA256_LEN],
		     char **name)
{
	size_t n = strlen(line);
	int escaped = 0;

	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (!line[strspn(line, " \t")] || line[0] == '#')
		return 1;
	if (!strncmp(line, "SHA256 (", 8)) {
		char *close = NULL, *p;

		for (p = line + 8; (p = strstr(p, ") = ")); p++)
			close = p;
		if (!close || close == line + 8 ||
		    dlparse_hex_sum(close + 4, strlen(close + 4), sum))
			return -EINVAL;
		*close = '\0';
		*name = line + 8;
		return 0;
	}
	if (line[0] == '\\') {
		escaped = 1;
		line++;
		n--;
	}
	if (n < 67 || line[64] != ' ' || (line[65] != ' ' && line[65] != '*')
	    || dlparse_hex_sum(line, 64, sum))
		return -EINVAL;
	*name = line + 66;
	if (escaped && unescape(*name))
		return -EINVAL;
	return 0;
}

const char *dlparse_http_reason(long code)
{
	static const struct {
		long code;
		const char *text;
	} t[] = {
		{ 300, "Multiple Choices" }, { 301, "Moved Permanently" },
		{ 302, "Found" }, { 303, "See Other" },
		{ 304, "Not Modified" }, { 307, "Temporary Redirect" },
		{ 308, "Permanent Redirect" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 402, "Payment Required" }, { 403, "Forbidden" },
		{ 404, "Not Found" }, { 405, "Method Not Allowed" },
		{ 406, "Not Acceptable" },
		{ 407, "Proxy Authentication Required" },
		{ 408, "Request Timeout" }, { 409, "Conflict" },
		{ 410, "Gone" }, { 411, "Length Required" },
		{ 412, "Precondition Failed" }, { 413, "Content Too Large" },
		{ 414, "URI Too Long" }, { 415, "Unsupported Media Type" },
		{ 416, "Range Not Satisfiable" },
		{ 417, "Expectation Failed" }, { 421, "Misdirected Request" },
		{ 422, "Unprocessable Content" }, { 425, "Too Early" },
		{ 426, "Upgrade Required" }, { 428, "Precondition Required" },
		{ 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 451, "Unavailable For Legal Reasons" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
		{ 505, "HTTP Version Not Supported" },
		{ 507, "Insufficient Storage" },
		{ 511, "Network Authentication Required" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].code == code)
			return t[i].text;
	return NULL;
}

int dlparse_http_transient(long code)
{
	return code == 408 || code == 429 || code == 500 || code == 502 ||
	       code == 503 || code == 504;
}
