/*
 * DESIGN: every worker owns one curl easy handle, inside a multi handle of
 * its own, and keeps both for all its jobs, so the worker's connection
 * cache keeps connections (and their TLS state) alive between its jobs.
 * The multi handle is there for one reason: dl_run_stop() can wake a
 * worker blocked in curl_multi_poll() with curl_multi_wakeup(), where
 * curl_easy_perform() would only notice at its next progress callback,
 * up to a second later. What may be shared across threads is shared
 * through one share handle: the DNS cache and the TLS session cache, each
 * behind its own mutex. The connection cache is not shared: a connection
 * belongs to one thread at a time.
 *
 * One job is a loop of attempts. Before the first, the job claims its
 * name in the run's set (so two records cannot write the same file),
 * checks that NAME is not there yet and opens NAME.part with O_NOFOLLOW
 * relative to the directory's descriptor. Nothing is ever opened by a path
 * with a '/' in it, and the name has been cleaned, so no byte a server
 * sends can reach outside the directory; a symbolic link planted at
 * NAME.part makes the open fail, and the rename replaces a link at NAME
 * rather than following it. With --content-disposition those steps wait
 * for the first body byte of a 2xx answer, when the server's name is
 * known.
 *
 * Each attempt asks for the bytes not yet in NAME.part. The write callback
 * decides at the first body byte what to do with the answer: a non-2xx
 * body is thrown away (and the transfer cut after 64 KiB of it), a 200
 * answer to a range request truncates the part, a 206 must start where
 * we asked. Then bytes go to the file with pwrite(), through SHA-256 when
 * a digest is expected, and through the run's token bucket when the rate
 * is limited. The progress callback watches for a stall and for
 * dl_run_stop(). After curl_easy_perform() returns, one function judges
 * the attempt: done, retry (after a backoff that dl_run_stop() can cut
 * short) or fail, and writes the reason.
 *
 * The rate limit is one virtual clock for the whole run: taking n bytes
 * moves the clock n/rate seconds ahead, and the taker sleeps until the
 * clock. The clock may lag the real time by RATE_BURST at most, which is
 * the only burst allowed. Sleeping in the write callback stops reading the
 * socket, so TCP slows the sender down.
 */
#include "dl.h"

#include "clock.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define CURL_DISABLE_TYPECHECK	/* libs.h redirects curl_easy_setopt */
#include <curl/curl.h>
#include <openssl/evp.h>

#include "libs.h"

/*
 * The receive buffer, one per worker. Measured with a 1 GiB file from
 * nginx over loopback onto tmpfs, median of 7 runs: 16 KiB (libcurl's
 * default) 1.20 s, 128 KiB 1.04 s, 512 KiB 0.76 s, 1 MiB 0.76 s; onto
 * disk 128 KiB 1.76 s and 512 KiB 1.63 s. Each write callback is one
 * pwrite(), so a larger buffer means fewer system calls and wakeups.
 * -DDL_BUFSIZE=N at build time, to measure again.
 */
#ifndef DL_BUFSIZE
#define DL_BUFSIZE (512 * 1024)
#endif
/* The part of an error page we read before cutting the transfer. */
#define ERRBODY_MAX (64 * 1024)
#define RATE_BURST 0.1
#define BACKOFF_MAX 30.0

struct sum {
	char *name;		/* NULL: free slot */
	unsigned char d[DL_SHA256_LEN];
};

struct dl_run {
	struct dl_config cfg;
	CURLSH *share;
	pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
	struct curl_slist *headers;
	long bufsize;

	pthread_mutex_t mu;	/* with cond: the stop flag and waits */
	pthread_cond_t cond;
	struct dl_worker *workers;	/* under mu: to wake on stop */
	atomic_int stop;	/* written under mu, read anywhere */
	atomic_ullong bytes;

	pthread_mutex_t rate_mu;
	double rate_next;	/* under rate_mu: the bucket's clock */

	pthread_mutex_t names_mu;
	uint64_t *names;	/* under names_mu: claimed, 0 = free */
	size_t names_cap, names_n;

	struct sum *sums;	/* read-only once the workers run */
	size_t sums_cap, sums_n;
};

/* Why a callback cut the transfer. */
enum why {
	W_NONE,
	W_STOP,		/* dl_run_stop() */
	W_STALL,
	W_TOOBIG,	/* over max_filesize */
	W_WRITE,	/* writing NAME.part failed, errno in err */
	W_RANGE,	/* a 206 that does not start where we asked */
	W_ERRBODY,	/* a long error page */
	W_EXISTS,	/* --content-disposition: NAME is there */
	W_FAIL,		/* the reason is written */
};

/* Verdicts on one attempt. */
enum judge {
	J_OK,
	J_COMPLETE,	/* 416: the part already holds the whole file */
	J_RETRY,
	J_RESTART,	/* from byte 0, without counting an attempt */
	J_FAIL,
	J_EXISTS,
};

/* One job's state; lives in the worker, reset by dl_get(). */
struct xfer {
	struct dl_worker *w;
	const struct dl_req *req;
	struct dl_res *res;
	int named;		/* res->name is final and claimed */
	const unsigned char *expect;	/* the digest, or NULL */
	int fd;			/* NAME.part, or -1 */
	int opened;		/* we opened NAME.part: ours to delete */
	char part[NAME_MAX + 6];	/* room for any res->name */
	long long have;		/* bytes in NAME.part */
	int discard;		/* delete NAME.part on failure */
	int norange;		/* never send a range again */

	/* The attempt. */
	long long offset;	/* where the range started, 0 = none */
	int range_sent;
	int started;		/* the first body byte was seen */
	int saving;		/* the body goes to the file */
	int hashing;
	size_t errbody;
	enum why why;
	int err;
	double last_change;
	curl_off_t last_dlnow;

	/* The current answer's headers. */
	int has_ra;
	double ra;
	long long cr_start, cr_total;
	char cd[DL_NAME_MAX + 1];
};

struct dl_worker {
	struct dl_run *run;
	struct dl_worker *next;	/* in run->workers, under run->mu */
	CURLM *m;
	CURL *h;
	EVP_MD_CTX *md;
	uint64_t rng;
	char errbuf[CURL_ERROR_SIZE];
	struct xfer x;
};

/* ------------------------------------------------------------------ */
/* Pure helpers.                                                       */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int dl_hex_sum(const char *hex, size_t n, unsigned char sum[DL_SHA256_LEN])
{
	size_t i;

	if (n != 2 * DL_SHA256_LEN)
		return -EINVAL;
	for (i = 0; i < DL_SHA256_LEN; i++) {
		int hi = hexval((unsigned char)hex[2 * i]);
		int lo = hexval((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		sum[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int dl_record_parse(char *rec, size_t len, struct dl_record *r, char *err,
		    size_t errlen)
{
	char *f, *next, *end;

	memset(r, 0, sizeof(*r));
	if (memchr(rec, '\0', len)) {
		set_err(err, errlen, "record contains a NUL byte");
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
		set_err(err, errlen, "empty URL");
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
				set_err(err, errlen, "two checksums");
				return -EINVAL;
			}
			if (dl_hex_sum(f + 7, strlen(f + 7), r->sum)) {
				set_err(err, errlen, "bad checksum '%s' "
					"(want sha256: and 64 hex digits)", f);
				return -EINVAL;
			}
			r->has_sum = 1;
		} else {
			if (r->name) {
				set_err(err, errlen, "two file names");
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

size_t dl_name_clean(const char *in, size_t n, char *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, cut, dot = n, len = 0;

	while (i < n && s[i] == '.')
		i++;
	if (n - i > DL_NAME_MAX) {
		/* Keep a short extension ("x.tar.gz" keeps ".gz"), cut the
		 * rest at a character boundary. */
		size_t j;

		for (j = n; j-- > i + 1 && n - j <= 16;)
			if (s[j] == '.') {
				dot = j;
				break;
			}
		cut = i + DL_NAME_MAX - (n - dot);
		while (cut > i && (s[cut] & 0xc0) == 0x80)
			cut--;
	} else {
		cut = n;
	}
	clean_copy(s + i, cut - i, out, &len);
	if (dot < n)
		clean_copy(s + dot, n - dot, out, &len);
	out[len] = '\0';
	return len;
}

void dl_name_fallback(const char *url, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int i;

	if (!EVP_Digest(url, strlen(url), md, &mdlen, EVP_sha256(), NULL))
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
		    (hi = hexval((unsigned char)in[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)in[i + 2])) >= 0) {
			out[len++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[len++] = in[i];
		}
	}
	return len;
}

void dl_name_from_url(const char *url, char *out)
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
		n = dl_name_clean(tmp, pct_decode(seg, (size_t)(end - seg),
						  tmp), out);
	free(tmp);
	if (!n)
		dl_name_fallback(url, out);
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
			out[len++] = (char)c;
		}
	}
	free(raw);
	out[len] = '\0';
	return len;
}

int dl_name_from_cd(const char *value, char *out)
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
		while (nlen && (name[nlen - 1] == ' ' || name[nlen - 1] == '\t'))
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
	n = dl_name_clean(base, strlen(base), out);
	return n ? 0 : -ENOENT;
}

int dl_url_is_http(const char *url)
{
	return !strncasecmp(url, "http://", 7) ||
	       !strncasecmp(url, "https://", 8);
}

int dl_retry_after(const char *value, time_t now, double *secs)
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
	t = curl_getdate(p, NULL);
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

int dl_content_range(const char *value, long long *start, long long *end,
		     long long *total)
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

int dl_sum_line(char *line, unsigned char sum[DL_SHA256_LEN], char **name)
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
		    dl_hex_sum(close + 4, strlen(close + 4), sum))
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
	    || dl_hex_sum(line, 64, sum))
		return -EINVAL;
	*name = line + 66;
	if (escaped && unescape(*name))
		return -EINVAL;
	return 0;
}

const char *dl_http_reason(long code)
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

/* ------------------------------------------------------------------ */
/* The run: shared state.                                              */

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ULL

static uint64_t name_hash(uint64_t state)
{
	uint64_t h = mix64(state);

	return h ? h : 1;
}

/* The slot of h in a table of cap (a power of two) entries. */
static size_t names_find(uint64_t *v, size_t cap, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (v[i] && v[i] != h)
		i = (i + 1) & (cap - 1);
	return i;
}

static int names_grow(struct dl_run *r)
{
	size_t cap = r->names_cap ? 2 * r->names_cap : 1024, i;
	uint64_t *v = calloc(cap, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (i = 0; i < r->names_cap; i++)
		if (r->names[i])
			v[names_find(v, cap, r->names[i])] = r->names[i];
	free(r->names);
	r->names = v;
	r->names_cap = cap;
	return 0;
}

/*
 * Claim name and name.part for this job: 0, -EEXIST if name is taken,
 * -EBUSY if name.part is (another job's name or part), -ENOMEM. The set
 * keeps 64-bit hashes, not names, so it costs 16 bytes per job at most;
 * two different names that collide (about one chance in 2^64 per pair)
 * would make the second job fail, never overwrite.
 */
static int names_claim(struct dl_run *r, const char *name)
{
	uint64_t s = fnv(FNV_INIT, name);
	uint64_t h1 = name_hash(s), h2 = name_hash(fnv(s, ".part"));
	size_t i1, i2;
	int rc = 0;

	pthread_mutex_lock(&r->names_mu);
	if (4 * (r->names_n + 2) > 3 * r->names_cap && (rc = names_grow(r)))
		goto out;
	i1 = names_find(r->names, r->names_cap, h1);
	i2 = names_find(r->names, r->names_cap, h2);
	if (r->names[i1] || r->names[i2]) {
		rc = r->names[i1] ? -EEXIST : -EBUSY;
		goto out;
	}
	r->names[i1] = h1;
	r->names[names_find(r->names, r->names_cap, h2)] = h2;
	r->names_n += 2;
out:
	pthread_mutex_unlock(&r->names_mu);
	return rc;
}

static size_t sums_slot(struct sum *v, size_t cap, const char *name)
{
	size_t i = (size_t)mix64(fnv(FNV_INIT, name)) & (cap - 1);

	while (v[i].name && strcmp(v[i].name, name))
		i = (i + 1) & (cap - 1);
	return i;
}

int dl_run_add_sum(struct dl_run *r, const char *name,
		   const unsigned char sum[DL_SHA256_LEN])
{
	const char *base = strrchr(name, '/');
	size_t i;

	base = base ? base + 1 : name;
	if (2 * (r->sums_n + 1) > r->sums_cap) {
		size_t cap = r->sums_cap ? 2 * r->sums_cap : 64;
		struct sum *v = calloc(cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		for (i = 0; i < r->sums_cap; i++)
			if (r->sums[i].name)
				v[sums_slot(v, cap, r->sums[i].name)] =
					r->sums[i];
		free(r->sums);
		r->sums = v;
		r->sums_cap = cap;
	}
	i = sums_slot(r->sums, r->sums_cap, base);
	if (r->sums[i].name)
		return memcmp(r->sums[i].d, sum, DL_SHA256_LEN) ? -EEXIST : 0;
	r->sums[i].name = strdup(base);
	if (!r->sums[i].name)
		return -ENOMEM;
	memcpy(r->sums[i].d, sum, DL_SHA256_LEN);
	r->sums_n++;
	return 0;
}

static const unsigned char *sums_get(struct dl_run *r, const char *name)
{
	size_t i;

	if (!r->sums_n)
		return NULL;
	i = sums_slot(r->sums, r->sums_cap, name);
	return r->sums[i].name ? r->sums[i].d : NULL;
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access acc,
		       void *ud)
{
	struct dl_run *r = ud;

	(void)h;
	(void)acc;
	if ((unsigned)data < CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&r->locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud)
{
	struct dl_run *r = ud;

	(void)h;
	if ((unsigned)data < CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&r->locks[data]);
}

int dl_global_init(char *err, size_t errlen)
{
	int rc = libs_load(err, errlen);

	if (rc)
		return rc;
	if (curl_global_init(CURL_GLOBAL_ALL)) {
		if (err)
			snprintf(err, errlen, "cannot initialise libcurl");
		return -ENOMEM;
	}
	return 0;
}

void dl_global_cleanup(void)
{
	curl_global_cleanup();
}

int dl_run_new(struct dl_run **out, const struct dl_config *cfg)
{
	struct dl_run *r;
	pthread_condattr_t ca;
	size_t i;
	int rc = -ENOMEM;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->cfg = *cfg;
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&r->locks[i], NULL);
	pthread_mutex_init(&r->mu, NULL);
	pthread_mutex_init(&r->rate_mu, NULL);
	pthread_mutex_init(&r->names_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&r->stop, 0);
	atomic_init(&r->bytes, 0);
	r->rate_next = 0;

	/* With a rate limit, read about an eighth of a second's worth at a
	 * time, so the bucket hands out small, even portions. */
	r->bufsize = DL_BUFSIZE;
	if (cfg->limit_rate > 0 && cfg->limit_rate / 8 < r->bufsize)
		r->bufsize = cfg->limit_rate / 8 < 1024 ? 1024 :
			     (long)(cfg->limit_rate / 8);

	for (i = 0; i < cfg->nheaders; i++) {
		struct curl_slist *l = curl_slist_append(r->headers,
							 cfg->headers[i]);

		if (!l)
			goto out;
		r->headers = l;
	}
	r->share = curl_share_init();
	if (!r->share)
		goto out;
	if (curl_share_setopt(r->share, CURLSHOPT_LOCKFUNC, share_lock) ||
	    curl_share_setopt(r->share, CURLSHOPT_UNLOCKFUNC, share_unlock) ||
	    curl_share_setopt(r->share, CURLSHOPT_USERDATA, r) ||
	    curl_share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) ||
	    curl_share_setopt(r->share, CURLSHOPT_SHARE,
			      CURL_LOCK_DATA_SSL_SESSION)) {
		rc = -ENOTSUP;
		goto out;
	}
	*out = r;
	r = NULL;
	rc = 0;
out:
	dl_run_free(r);
	return rc;
}

void dl_run_stop(struct dl_run *r)
{
	struct dl_worker *w;

	pthread_mutex_lock(&r->mu);
	atomic_store(&r->stop, 1);
	pthread_cond_broadcast(&r->cond);
	for (w = r->workers; w; w = w->next)
		curl_multi_wakeup(w->m);
	pthread_mutex_unlock(&r->mu);
}

unsigned long long dl_run_bytes(struct dl_run *r)
{
	return atomic_load_explicit(&r->bytes, memory_order_relaxed);
}

void dl_run_free(struct dl_run *r)
{
	size_t i;

	if (!r)
		return;
	if (r->share)
		curl_share_cleanup(r->share);
	curl_slist_free_all(r->headers);
	for (i = 0; i < r->sums_cap; i++)
		free(r->sums[i].name);
	free(r->sums);
	free(r->names);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&r->locks[i]);
	pthread_mutex_destroy(&r->mu);
	pthread_mutex_destroy(&r->rate_mu);
	pthread_mutex_destroy(&r->names_mu);
	pthread_cond_destroy(&r->cond);
	free(r);
}

/* Sleep until the monotonic time t; -EINTR if the run is stopped. */
static int wait_until(struct dl_run *r, double t)
{
	int stopped;

	pthread_mutex_lock(&r->mu);
	while (!(stopped = atomic_load(&r->stop))) {
		struct timespec ts;

		if (clock_now() >= t)
			break;
		ts.tv_sec = (time_t)t;
		ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
		if (ts.tv_nsec >= 1000000000L)
			ts.tv_nsec = 999999999L;
		pthread_cond_timedwait(&r->cond, &r->mu, &ts);
	}
	pthread_mutex_unlock(&r->mu);
	return stopped ? -EINTR : 0;
}

static int rate_take(struct dl_run *r, size_t n)
{
	double now, t;

	pthread_mutex_lock(&r->rate_mu);
	now = clock_now();
	if (r->rate_next < now - RATE_BURST)
		r->rate_next = now - RATE_BURST;
	r->rate_next += (double)n / (double)r->cfg.limit_rate;
	t = r->rate_next;
	pthread_mutex_unlock(&r->rate_mu);
	return t > now ? wait_until(r, t) : 0;
}

/* ------------------------------------------------------------------ */
/* One transfer.                                                       */

static void fail(struct xfer *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Write the reason; it stays one line. */
static void fail(struct xfer *x, const char *fmt, ...)
{
	char *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->res->reason, sizeof(x->res->reason), fmt, ap);
	va_end(ap);
	for (p = x->res->reason; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	x->res->status = DL_FAILED;
}

/* Hash NAME.part's first n bytes, from the disk. */
static int hash_prefix(struct xfer *x, long long n)
{
	char buf[16384];
	long long off = 0;

	while (off < n) {
		size_t want = n - off < (long long)sizeof(buf) ?
			      (size_t)(n - off) : sizeof(buf);
		ssize_t got = pread(x->fd, buf, want, off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? -errno : -EIO;
		EVP_DigestUpdate(x->w->md, buf, (size_t)got);
		off += got;
	}
	return 0;
}

static int hash_start(struct xfer *x)
{
	x->hashing = 0;
	if (!x->expect)
		return 0;
	if (!EVP_DigestInit_ex(x->w->md, EVP_sha256(), NULL))
		return -ENOMEM;
	if (x->have > 0) {
		int rc = hash_prefix(x, x->have);

		if (rc)
			return rc;
	}
	x->hashing = 1;
	return 0;
}

static int part_open(struct xfer *x)
{
	struct dl_run *r = x->w->run;
	struct stat st;
	int fd;

	snprintf(x->part, sizeof(x->part), "%s.part", x->res->name);
	/* Usually there is no part yet: a new file needs no checks (and
	 * O_EXCL fails on anything already there, a symbolic link too). */
	fd = openat(r->cfg.dirfd, x->part, O_RDWR | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0666);
	if (fd >= 0) {
		if (!flock(fd, LOCK_EX | LOCK_NB)) {
			x->fd = fd;
			x->opened = 1;
			x->have = 0;
			return 0;
		}
		/* Another process opened it in between: see below. */
		close(fd);
	} else if (errno != EEXIST) {
		fail(x, "cannot open '%s': %s", x->part, strerror(errno));
		return -1;
	}
	fd = openat(r->cfg.dirfd, x->part, O_RDWR | O_CREAT | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC, 0666);
	if (fd < 0) {
		if (errno == ELOOP)
			fail(x, "'%s' is a symbolic link", x->part);
		else
			fail(x, "cannot open '%s': %s", x->part,
			     strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		fail(x, "cannot open '%s': %s", x->part, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		fail(x, "'%s' is not a regular file", x->part);
	} else if (st.st_nlink > 1) {
		fail(x, "'%s' has other hard links", x->part);
	} else if (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno == EWOULDBLOCK)
			fail(x, "'%s' is in use by another process", x->part);
		else
			fail(x, "cannot lock '%s': %s", x->part,
			     strerror(errno));
	} else {
		x->fd = fd;
		x->opened = 1;
		x->have = st.st_size;
		if (r->cfg.max_filesize && x->have > r->cfg.max_filesize &&
		    !ftruncate(fd, 0))
			x->have = 0;
		return 0;
	}
	close(fd);
	return -1;
}

/*
 * The name is final: claim it, skip the job if NAME exists, open the part.
 * -1 with x->why set (W_EXISTS, or W_FAIL with the reason written).
 */
static int take_name(struct xfer *x)
{
	struct dl_run *r = x->w->run;
	const char *name = x->res->name;
	struct stat st;
	int rc;

	x->named = 1;
	rc = names_claim(r, name);
	if (rc) {
		if (rc == -EEXIST)
			fail(x, "another URL in this run writes to '%s'",
			     name);
		else if (rc == -EBUSY)
			fail(x, "another URL in this run writes to '%s.part'",
			     name);
		else
			fail(x, "%s", strerror(-rc));
		x->why = W_FAIL;
		return -1;
	}
	if (!r->cfg.overwrite) {
		if (!fstatat(r->cfg.dirfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
			x->why = W_EXISTS;
			return -1;
		}
		if (errno != ENOENT) {
			fail(x, "cannot check '%s': %s", name,
			     strerror(errno));
			x->why = W_FAIL;
			return -1;
		}
	}
	x->expect = x->req->sha256 ? x->req->sha256 : sums_get(r, name);
	if (part_open(x)) {
		x->why = W_FAIL;
		return -1;
	}
	return 0;
}

/* The first body byte of an answer (or its end, for an empty body). */
static int body_start(struct xfer *x)
{
	long code = 0;
	int rc;

	x->started = 1;
	x->saving = 0;
	curl_easy_getinfo(x->w->h, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code > 299)
		return 0;
	if (!x->named) {
		if (x->cd[0])
			memcpy(x->res->name, x->cd, sizeof(x->cd));
		if (take_name(x))
			return -1;
	}
	if (code == 206) {
		if (!x->range_sent || x->cr_start != x->offset) {
			x->why = W_RANGE;
			return -1;
		}
	} else if (x->have > 0) {
		/* A whole body, although we asked for a range (or had
		 * bytes we no longer trust): start over. */
		if (ftruncate(x->fd, 0)) {
			x->why = W_WRITE;
			x->err = errno;
			return -1;
		}
		x->have = 0;
	}
	rc = hash_start(x);
	if (rc) {
		x->why = W_WRITE;
		x->err = -rc;
		return -1;
	}
	x->saving = 1;
	return 0;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	struct dl_run *r = x->w->run;
	size_t n = size * nmemb, done = 0;

	if (atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		x->why = W_STOP;
		return CURL_WRITEFUNC_ERROR;
	}
	if (!x->started && body_start(x))
		return CURL_WRITEFUNC_ERROR;
	if (!x->saving) {
		x->errbody += n;
		if (x->errbody > ERRBODY_MAX) {
			x->why = W_ERRBODY;
			return CURL_WRITEFUNC_ERROR;
		}
		return n;
	}
	if (r->cfg.max_filesize &&
	    x->have + (long long)n > r->cfg.max_filesize) {
		x->why = W_TOOBIG;
		return CURL_WRITEFUNC_ERROR;
	}
	while (done < n) {
		ssize_t w = pwrite(x->fd, p + done, n - done,
				   x->have + (long long)done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			x->why = W_WRITE;
			x->err = w < 0 ? errno : EIO;
			return CURL_WRITEFUNC_ERROR;
		}
		done += (size_t)w;
	}
	if (x->hashing)
		EVP_DigestUpdate(x->w->md, p, n);
	x->have += (long long)n;
	x->res->bytes += n;
	atomic_fetch_add_explicit(&r->bytes, n, memory_order_relaxed);
	if (r->cfg.limit_rate > 0) {
		if (rate_take(r, n)) {
			x->why = W_STOP;
			return CURL_WRITEFUNC_ERROR;
		}
		/* Waiting for the bucket is not a stall. */
		x->last_change = clock_now();
	}
	return n;
}

/* If the header line p[0..n) is "name: value", copy the value (trimmed,
 * NUL-terminated, cut to outsz) and return 1. */
static int header_is(const char *p, size_t n, const char *name, char *out,
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

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	char v[2048];
	long long end;

	if (n >= 5 && !strncmp(p, "HTTP/", 5)) {
		/* A new answer (after a redirect or a 100): forget the
		 * last one's headers. */
		x->has_ra = 0;
		x->cr_start = x->cr_total = -1;
		x->cd[0] = '\0';
	} else if (header_is(p, n, "retry-after", v, sizeof(v))) {
		x->has_ra = !dl_retry_after(v, time(NULL), &x->ra);
	} else if (header_is(p, n, "content-range", v, sizeof(v))) {
		if (dl_content_range(v, &x->cr_start, &end, &x->cr_total))
			x->cr_start = x->cr_total = -1;
	} else if (!x->named &&
		   header_is(p, n, "content-disposition", v, sizeof(v))) {
		if (dl_name_from_cd(v, x->cd))
			x->cd[0] = '\0';
	}
	return n;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct xfer *x = ud;
	struct dl_run *r = x->w->run;
	double now;

	(void)dltotal;
	(void)ultotal;
	(void)ulnow;
	if (atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		x->why = W_STOP;
		return 1;
	}
	now = clock_now();
	if (dlnow != x->last_dlnow) {
		x->last_dlnow = dlnow;
		x->last_change = now;
	} else if (r->cfg.stall_timeout > 0 &&
		   now - x->last_change >= r->cfg.stall_timeout) {
		x->why = W_STALL;
		return 1;
	}
	return 0;
}

int dl_worker_new(struct dl_worker **out, struct dl_run *r)
{
	struct dl_worker *w;
	const struct dl_config *c = &r->cfg;
	CURL *h;
	CURLcode e = CURLE_OK;
	int rc = -ENOMEM;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->run = r;
	w->x.w = w;
	w->x.fd = -1;
	w->m = curl_multi_init();
	w->h = h = curl_easy_init();
	w->md = EVP_MD_CTX_new();
	if (!w->m || !h || !w->md)
		goto out;
#define SET(opt, val) do { if (!e) e = curl_easy_setopt(h, opt, val); } \
	while (0)
	SET(CURLOPT_SHARE, r->share);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, (long)DL_MAX_REDIRS);
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	SET(CURLOPT_BUFFERSIZE, r->bufsize);
	SET(CURLOPT_ERRORBUFFER, w->errbuf);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_WRITEDATA, &w->x);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, &w->x);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, &w->x);
	SET(CURLOPT_NOPROGRESS, 0L);
	if (c->connect_timeout > 0)
		SET(CURLOPT_CONNECTTIMEOUT_MS,
		    (long)(c->connect_timeout * 1000 + 0.5));
	if (c->max_filesize > 0)
		SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_filesize);
	if (c->user_agent)
		SET(CURLOPT_USERAGENT, c->user_agent);
	if (c->cacert)
		SET(CURLOPT_CAINFO, c->cacert);
	if (r->headers)
		SET(CURLOPT_HTTPHEADER, r->headers);
#undef SET
	if (e) {
		rc = e == CURLE_OUT_OF_MEMORY ? -ENOMEM : -ENOTSUP;
		goto out;
	}
	pthread_mutex_lock(&r->mu);
	w->next = r->workers;
	r->workers = w;
	pthread_mutex_unlock(&r->mu);
	*out = w;
	w = NULL;
	rc = 0;
out:
	dl_worker_free(w);
	return rc;
}

void dl_worker_free(struct dl_worker *w)
{
	struct dl_worker **pp;

	if (!w)
		return;
	pthread_mutex_lock(&w->run->mu);
	for (pp = &w->run->workers; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	pthread_mutex_unlock(&w->run->mu);
	if (w->h)
		curl_easy_cleanup(w->h);
	if (w->m)
		curl_multi_cleanup(w->m);
	EVP_MD_CTX_free(w->md);
	free(w);
}

/*
 * curl_easy_perform(), on the worker's multi handle. A stop wakes the
 * poll; the transfer is then cut here, without waiting for a callback.
 */
static CURLcode perform(struct xfer *x)
{
	struct dl_worker *w = x->w;
	CURLcode rc = CURLE_OK;
	CURLMcode mc;
	CURLMsg *msg;
	int running = 1, left;

	mc = curl_multi_add_handle(w->m, w->h);
	if (mc)
		return mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY :
		       CURLE_FAILED_INIT;
	while (running) {
		mc = curl_multi_perform(w->m, &running);
		if (!mc && running)
			mc = curl_multi_poll(w->m, NULL, 0, 1000, NULL);
		if (mc) {
			rc = mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY :
			     CURLE_FAILED_INIT;
			break;
		}
		if (running && atomic_load(&w->run->stop)) {
			x->why = W_STOP;
			rc = CURLE_ABORTED_BY_CALLBACK;
			break;
		}
	}
	while (!running && (msg = curl_multi_info_read(w->m, &left)))
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == w->h)
			rc = msg->data.result;
	curl_multi_remove_handle(w->m, w->h);
	return rc;
}

static uint64_t rng_next(struct dl_worker *w)
{
	/* splitmix64: plenty for jitter. */
	uint64_t z = (w->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A uniform double in [0, 1). */
static double rng_unit(struct dl_worker *w)
{
	return (double)(rng_next(w) >> 11) / 9007199254740992.0;
}

static int http_transient(long code)
{
	return code == 408 || code == 429 || code == 500 || code == 502 ||
	       code == 503 || code == 504;
}

/* curl's message with its first word in lower case, as ours are, unless
 * that word is an acronym ("SSL"). */
static const char *curl_msg(struct xfer *x, CURLcode rc)
{
	char *m = x->w->errbuf;

	if (!*m)
		return curl_easy_strerror(rc);
	if (!isupper((unsigned char)m[1]))
		m[0] = (char)tolower((unsigned char)m[0]);
	return m;
}

static enum judge judge_curl(struct xfer *x, CURLcode rc, double deadline)
{
	const struct dl_config *c = &x->w->run->cfg;
	long oserr = 0;
	curl_off_t connect = 0;

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(x->w->h, CURLINFO_OS_ERRNO, &oserr);
		if (oserr == ECONNREFUSED)
			fail(x, "connection refused");
		else
			fail(x, "%s", curl_msg(x, rc));
		return J_RETRY;
	case CURLE_OPERATION_TIMEDOUT:
		if (deadline > 0 && clock_now() >= deadline - 0.05) {
			fail(x, "timed out after %gs", c->timeout);
			return J_FAIL;
		}
		curl_easy_getinfo(x->w->h, CURLINFO_CONNECT_TIME_T, &connect);
		if (!connect && c->connect_timeout > 0)
			fail(x, "connect timed out after %gs",
			     c->connect_timeout);
		else
			fail(x, "%s", curl_msg(x, rc));
		return J_RETRY;
	case CURLE_PARTIAL_FILE:
		fail(x, "connection closed before the end of the file");
		return J_RETRY;
	case CURLE_GOT_NOTHING:
		fail(x, "empty reply from server");
		return J_RETRY;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		fail(x, "%s", curl_msg(x, rc));
		return J_RETRY;
	case CURLE_UNSUPPORTED_PROTOCOL:
		fail(x, "redirect to a URL that is not http or https "
		     "refused");
		return J_FAIL;
	case CURLE_TOO_MANY_REDIRECTS:
		fail(x, "more than %d redirects", DL_MAX_REDIRS);
		return J_FAIL;
	case CURLE_FILESIZE_EXCEEDED:
		fail(x, "larger than --max-filesize (%lld bytes)",
		     c->max_filesize);
		x->discard = 1;
		return J_FAIL;
	case CURLE_PEER_FAILED_VERIFICATION:
		fail(x, "TLS certificate not trusted: %s", curl_msg(x, rc));
		return J_FAIL;
	default:
		fail(x, "%s", curl_msg(x, rc));
		return J_FAIL;
	}
}

static enum judge judge(struct xfer *x, CURLcode rc, double deadline)
{
	const struct dl_config *c = &x->w->run->cfg;
	long code = x->res->http;
	const char *text;

	switch (x->why) {
	case W_NONE:
	case W_ERRBODY:
		break;
	case W_STOP:
		fail(x, "interrupted");
		return J_FAIL;
	case W_STALL:
		fail(x, "stalled: no data for %gs", c->stall_timeout);
		return J_RETRY;
	case W_TOOBIG:
		fail(x, "larger than --max-filesize (%lld bytes)",
		     c->max_filesize);
		x->discard = 1;
		return J_FAIL;
	case W_WRITE:
		fail(x, "cannot write '%s': %s", x->part, strerror(x->err));
		x->discard = 1;
		return J_FAIL;
	case W_RANGE:
		fail(x, "wrong Content-Range in the answer to a range "
		     "request");
		x->norange = 1;
		return J_RETRY;
	case W_EXISTS:
		return J_EXISTS;
	case W_FAIL:
		return J_FAIL;
	}
	if (rc != CURLE_OK && x->why != W_ERRBODY)
		return judge_curl(x, rc, deadline);
	if (code >= 200 && code <= 299)
		return J_OK;
	if (code == 416 && x->range_sent) {
		if (x->cr_total == x->offset)
			return J_COMPLETE;
		x->norange = 1;
		fail(x, "416 Range Not Satisfiable");
		return J_RESTART;
	}
	text = dl_http_reason(code);
	if (text)
		fail(x, "%ld %s", code, text);
	else
		fail(x, "HTTP %ld", code);
	return http_transient(code) ? J_RETRY : J_FAIL;
}

/* Prepare the handle for the next attempt; -1 if no time is left. */
static int attempt_setup(struct xfer *x, double deadline)
{
	CURL *h = x->w->h;
	char range[32];

	x->offset = x->fd >= 0 && !x->norange ? x->have : 0;
	x->range_sent = x->offset > 0;
	if (x->range_sent) {
		snprintf(range, sizeof(range), "%lld-", x->offset);
		curl_easy_setopt(h, CURLOPT_RANGE, range);
	} else {
		curl_easy_setopt(h, CURLOPT_RANGE, NULL);
	}
	if (deadline > 0) {
		double left = deadline - clock_now();

		if (left <= 0)
			return -1;
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
				 (long)(left * 1000) + 1);
	} else {
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 0L);
	}
	x->started = x->saving = x->hashing = 0;
	x->errbody = 0;
	x->why = W_NONE;
	x->err = 0;
	x->has_ra = 0;
	x->cr_start = x->cr_total = -1;
	x->cd[0] = '\0';
	x->last_change = clock_now();
	x->last_dlnow = -1;
	x->w->errbuf[0] = '\0';
	return 0;
}

/* How long to wait before the next attempt; -1: do not retry. */
static double backoff(struct xfer *x)
{
	struct dl_worker *w = x->w;
	double d;

	if (x->has_ra) {
		if (x->ra > DL_RETRY_AFTER_MAX)
			return -1;
		return x->ra + x->ra * 0.1 * rng_unit(w);
	}
	d = x->res->attempts < 6 ? (double)(1 << (x->res->attempts - 1)) :
	    BACKOFF_MAX;
	if (d > BACKOFF_MAX)
		d = BACKOFF_MAX;
	return d / 2 + d / 2 * rng_unit(w);
}

/* Verify and move NAME.part to NAME. */
static void finish(struct xfer *x)
{
	struct dl_run *r = x->w->run;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int fd = x->fd, rc;

	if (!x->started && body_start(x)) {
		if (x->why == W_EXISTS) {
			x->res->status = DL_EXISTS;
			return;
		}
		if (x->why == W_WRITE)
			fail(x, "cannot write '%s': %s", x->part,
			     strerror(x->err));
		return;
	}
	if (x->expect && !x->hashing) {
		rc = hash_start(x);
		if (rc) {
			fail(x, "cannot read '%s': %s", x->part,
			     strerror(-rc));
			return;
		}
	}
	if (x->hashing) {
		if (!EVP_DigestFinal_ex(x->w->md, md, &mdlen) ||
		    mdlen != DL_SHA256_LEN) {
			fail(x, "cannot compute the checksum");
			return;
		}
		if (memcmp(md, x->expect, DL_SHA256_LEN)) {
			fail(x, "checksum mismatch");
			x->discard = 1;
			return;
		}
	}
	x->fd = -1;
	if (close(fd)) {
		fail(x, "cannot write '%s': %s", x->part, strerror(errno));
		x->discard = 1;
		return;
	}
	rc = renameat2(r->cfg.dirfd, x->part, r->cfg.dirfd, x->res->name,
		       r->cfg.overwrite ? 0 : RENAME_NOREPLACE);
	if (rc && errno == EINVAL && !r->cfg.overwrite) {
		/* The file system cannot refuse to replace: check, then
		 * rename, which leaves a small window. */
		struct stat st;

		if (!fstatat(r->cfg.dirfd, x->res->name, &st,
			     AT_SYMLINK_NOFOLLOW))
			errno = EEXIST;
		else
			rc = renameat(r->cfg.dirfd, x->part, r->cfg.dirfd,
				      x->res->name);
	}
	if (rc) {
		if (errno == EEXIST) {
			/* Someone else put NAME there meanwhile. */
			x->res->status = DL_EXISTS;
			x->discard = 1;
			return;
		}
		fail(x, "cannot rename '%s' to '%s': %s", x->part,
		     x->res->name, strerror(errno));
		return;
	}
	x->res->status = DL_OK;
}

/* The reason when the URL is not http(s). */
static void bad_scheme(struct xfer *x, const char *url)
{
	size_t n = strspn(url, "abcdefghijklmnopqrstuvwxyz"
			  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

	if (n && n < 32 && !strncmp(url + n, "://", 3))
		fail(x, "protocol '%.*s' not allowed (only http and https)",
		     (int)n, url);
	else
		fail(x, "not an http or https URL");
}

void dl_get(struct dl_worker *w, const struct dl_req *req,
	    struct dl_res *res)
{
	struct dl_run *r = w->run;
	struct xfer *x = &w->x;
	double deadline = 0;
	int restarted = 0;

	memset(res, 0, sizeof(*res));
	memset(x, 0, sizeof(*x));
	x->w = w;
	x->req = req;
	x->res = res;
	x->fd = -1;
	res->status = DL_FAILED;
	w->rng ^= mix64(req->seq ^ (uint64_t)(clock_now() * 1e9) ^
			(uint64_t)(uintptr_t)w);
	if (r->cfg.timeout > 0)
		deadline = clock_now() + r->cfg.timeout;

	if (req->name) {
		if (!dl_name_clean(req->name, strlen(req->name), res->name)) {
			fail(x, "no usable file name in '%s'", req->name);
			goto out;
		}
	} else {
		dl_name_from_url(req->url, res->name);
	}
	if (atomic_load(&r->stop)) {
		fail(x, "interrupted");
		goto out;
	}
	if (!dl_url_is_http(req->url)) {
		bad_scheme(x, req->url);
		goto out;
	}
	if ((req->name || !r->cfg.content_disposition) && take_name(x)) {
		if (x->why == W_EXISTS)
			res->status = DL_EXISTS;
		goto out;
	}
	if (curl_easy_setopt(w->h, CURLOPT_URL, req->url)) {
		fail(x, "malformed URL");
		goto out;
	}
	for (;;) {
		enum judge j;
		CURLcode rc;
		double delay;

		if (attempt_setup(x, deadline)) {
			fail(x, "timed out after %gs", r->cfg.timeout);
			break;
		}
		res->attempts++;
		rc = perform(x);
		res->http = 0;
		curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &res->http);
		j = judge(x, rc, deadline);
		if (j == J_OK || j == J_COMPLETE) {
			finish(x);
			break;
		}
		if (j == J_EXISTS) {
			res->status = DL_EXISTS;
			break;
		}
		if (j == J_RESTART && !restarted) {
			restarted = 1;
			res->attempts--;
			continue;
		}
		if (j != J_RETRY || res->attempts >= r->cfg.attempts)
			break;
		delay = backoff(x);
		if (delay < 0 || (deadline > 0 && clock_now() + delay >= deadline))
			break;
		if (wait_until(r, clock_now() + delay)) {
			fail(x, "interrupted");
			break;
		}
	}
	if (res->status == DL_FAILED && res->attempts > 1) {
		size_t n = strlen(res->reason);

		snprintf(res->reason + n, sizeof(res->reason) - n,
			 " (%d attempts)", res->attempts);
	}
out:
	if (x->fd >= 0) {
		close(x->fd);
		x->fd = -1;
	}
	if (x->opened && res->status != DL_OK && (x->discard || !x->have))
		unlinkat(r->cfg.dirfd, x->part, 0);
	if (res->status != DL_FAILED)
		res->reason[0] = '\0';
}
