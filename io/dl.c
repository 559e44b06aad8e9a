/*
 * DESIGN: every worker owns one curl easy handle, inside a multi handle of
 * its own, and keeps both for all its jobs, so the worker's connection
 * cache keeps connections (and their TLS state) alive between its jobs.
 * The multi handle is there for one reason: dlrun_stop() can wake a
 * worker blocked in curl_multi_poll() with curl_multi_wakeup(), where
 * curl_easy_perform() would only notice at its next progress callback,
 * up to a second later. What the workers share (the share handle for DNS
 * and TLS sessions, the rate limit, the name set) is io/dlrun's.
 *
 * One job is a loop of attempts. Before the first, the job claims its
 * name in the run's set (so two records cannot write the same file),
 * checks that NAME is not there yet and opens NAME.part (io/dlpart says
 * how; the name has been cleaned, so no byte a server sends can reach
 * outside the directory). With --content-disposition those steps wait
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
 * dlrun_stop(). After the transfer returns, one function judges
 * the attempt: done, retry (after a backoff that dlrun_stop() can cut
 * short) or fail, and writes the reason.
 */
#include "dl.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CURL_DISABLE_TYPECHECK	/* calls go through libs.h's table */
#include <curl/curl.h>
#include <openssl/evp.h>

#include "clock.h"
#include "dlpart.h"
#include "errbuf.h"
#include "hash.h"
#include "libs.h"

/* The part of an error page we read before cutting the transfer. */
#define ERRBODY_MAX (64 * 1024)
#define BACKOFF_MAX 30.0

/* Why a callback cut the transfer. */
enum why {
	W_NONE,
	W_STOP,		/* dlrun_stop() */
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
	char cd[DLPARSE_NAME_MAX + 1];
};

struct dl_worker {
	struct dlrun *run;
	struct dlrun_waker waker;	/* m, for dlrun_stop() */
	CURLM *m;
	CURL *h;
	EVP_MD_CTX *md;
	uint64_t rng;
	char errbuf[CURL_ERROR_SIZE];
	struct xfer x;
};

int dl_global_init(char *err, size_t errlen)
{
	int rc = libs_load(err, errlen);

	if (rc)
		return rc;
	if (libs.curl_global_init(CURL_GLOBAL_ALL)) {
		if (err)
			snprintf(err, errlen, "cannot initialise libcurl");
		return -ENOMEM;
	}
	return 0;
}

void dl_global_cleanup(void)
{
	libs.curl_global_cleanup();
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
	errbuf_vset(x->res->reason, sizeof(x->res->reason), fmt, ap);
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
		libs.EVP_DigestUpdate(x->w->md, buf, (size_t)got);
		off += got;
	}
	return 0;
}

static int hash_start(struct xfer *x)
{
	x->hashing = 0;
	if (!x->expect)
		return 0;
	if (!libs.EVP_DigestInit_ex(x->w->md, libs.EVP_sha256(), NULL))
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
	const struct dlrun_config *c = dlrun_config(x->w->run);
	char err[sizeof(x->res->reason)];
	int fd;

	snprintf(x->part, sizeof(x->part), "%s.part", x->res->name);
	fd = dlpart_open(c->dirfd, x->part, c->max_filesize, &x->have, err,
			 sizeof(err));
	if (fd < 0) {
		fail(x, "%s", err);
		return -1;
	}
	x->fd = fd;
	x->opened = 1;
	return 0;
}

/*
 * The name is final: claim it, skip the job if NAME exists, open the part.
 * -1 with x->why set (W_EXISTS, or W_FAIL with the reason written).
 */
static int take_name(struct xfer *x)
{
	struct dlrun *r = x->w->run;
	const struct dlrun_config *c = dlrun_config(r);
	const char *name = x->res->name;
	struct stat st;
	int rc;

	x->named = 1;
	rc = dlrun_claim(r, name);
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
	if (!c->overwrite) {
		if (!fstatat(c->dirfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
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
	x->expect = x->req->sha256 ? x->req->sha256 : dlrun_sum(r, name);
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
	libs.curl_easy_getinfo(x->w->h, CURLINFO_RESPONSE_CODE, &code);
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
	struct dlrun *r = x->w->run;
	const struct dlrun_config *c = dlrun_config(r);
	size_t n = size * nmemb, done = 0;

	if (dlrun_stopped(r)) {
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
	if (c->max_filesize &&
	    x->have + (long long)n > c->max_filesize) {
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
		libs.EVP_DigestUpdate(x->w->md, p, n);
	x->have += (long long)n;
	x->res->bytes += n;
	dlrun_add_bytes(r, n);
	if (c->limit_rate > 0) {
		if (dlrun_rate_take(r, n)) {
			x->why = W_STOP;
			return CURL_WRITEFUNC_ERROR;
		}
		/* Waiting for the bucket is not a stall. */
		x->last_change = clock_now();
	}
	return n;
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
	} else if (dlparse_header(p, n, "retry-after", v, sizeof(v))) {
		x->has_ra = !dlparse_retry_after(v, time(NULL), &x->ra);
	} else if (dlparse_header(p, n, "content-range", v, sizeof(v))) {
		if (dlparse_content_range(v, &x->cr_start, &end, &x->cr_total))
			x->cr_start = x->cr_total = -1;
	} else if (!x->named &&
		   dlparse_header(p, n, "content-disposition", v, sizeof(v))) {
		if (dlparse_name_from_cd(v, x->cd))
			x->cd[0] = '\0';
	}
	return n;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct xfer *x = ud;
	struct dlrun *r = x->w->run;
	const struct dlrun_config *c = dlrun_config(r);
	double now;

	(void)dltotal;
	(void)ultotal;
	(void)ulnow;
	if (dlrun_stopped(r)) {
		x->why = W_STOP;
		return 1;
	}
	now = clock_now();
	if (dlnow != x->last_dlnow) {
		x->last_dlnow = dlnow;
		x->last_change = now;
	} else if (c->stall_timeout > 0 &&
		   now - x->last_change >= c->stall_timeout) {
		x->why = W_STALL;
		return 1;
	}
	return 0;
}

int dl_worker_new(struct dl_worker **out, struct dlrun *r)
{
	struct dl_worker *w;
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
	w->m = libs.curl_multi_init();
	w->h = h = libs.curl_easy_init();
	w->md = libs.EVP_MD_CTX_new();
	if (!w->m || !h || !w->md)
		goto out;
#define SET(opt, val)							\
	do {								\
		if (!e)							\
			e = libs.curl_easy_setopt(h, opt, val);		\
	} while (0)
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, (long)DL_MAX_REDIRS);
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	SET(CURLOPT_ERRORBUFFER, w->errbuf);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_WRITEDATA, &w->x);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, &w->x);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, &w->x);
	SET(CURLOPT_NOPROGRESS, 0L);
#undef SET
	if (e) {
		rc = e == CURLE_OUT_OF_MEMORY ? -ENOMEM : -ENOTSUP;
		goto out;
	}
	rc = dlrun_easy_setup(r, h);
	if (rc)
		goto out;
	w->waker.multi = w->m;
	dlrun_waker_add(r, &w->waker);
	*out = w;
	w = NULL;
out:
	dl_worker_free(w);
	return rc;
}

void dl_worker_free(struct dl_worker *w)
{
	if (!w)
		return;
	if (w->waker.multi)
		dlrun_waker_remove(w->run, &w->waker);
	if (w->h)
		libs.curl_easy_cleanup(w->h);
	if (w->m)
		libs.curl_multi_cleanup(w->m);
	libs.EVP_MD_CTX_free(w->md);
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

	mc = libs.curl_multi_add_handle(w->m, w->h);
	if (mc)
		return mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY :
		       CURLE_FAILED_INIT;
	while (running) {
		mc = libs.curl_multi_perform(w->m, &running);
		if (!mc && running)
			mc = libs.curl_multi_poll(w->m, NULL, 0, 1000, NULL);
		if (mc) {
			rc = mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY :
			     CURLE_FAILED_INIT;
			break;
		}
		if (running && dlrun_stopped(w->run)) {
			x->why = W_STOP;
			rc = CURLE_ABORTED_BY_CALLBACK;
			break;
		}
	}
	while (!running && (msg = libs.curl_multi_info_read(w->m, &left)))
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == w->h)
			rc = msg->data.result;
	libs.curl_multi_remove_handle(w->m, w->h);
	return rc;
}

/* A uniform double in [0, 1). */
static double rng_unit(struct dl_worker *w)
{
	return (double)(hash_splitmix64(&w->rng) >> 11) /
	       9007199254740992.0;
}

/* curl's message with its first word in lower case, as ours are, unless
 * that word is an acronym ("SSL"). */
static const char *curl_msg(struct xfer *x, CURLcode rc)
{
	char *m = x->w->errbuf;

	if (!*m)
		return libs.curl_easy_strerror(rc);
	if (!isupper((unsigned char)m[1]))
		m[0] = (char)tolower((unsigned char)m[0]);
	return m;
}

static enum judge judge_curl(struct xfer *x, CURLcode rc, double deadline)
{
	const struct dlrun_config *c = dlrun_config(x->w->run);
	long oserr = 0;
	curl_off_t connect = 0;

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		libs.curl_easy_getinfo(x->w->h, CURLINFO_OS_ERRNO, &oserr);
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
		libs.curl_easy_getinfo(x->w->h, CURLINFO_CONNECT_TIME_T,
				       &connect);
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
	const struct dlrun_config *c = dlrun_config(x->w->run);
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
	text = dlparse_http_reason(code);
	if (text)
		fail(x, "%ld %s", code, text);
	else
		fail(x, "HTTP %ld", code);
	return dlparse_http_transient(code) ? J_RETRY : J_FAIL;
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
		libs.curl_easy_setopt(h, CURLOPT_RANGE, range);
	} else {
		libs.curl_easy_setopt(h, CURLOPT_RANGE, NULL);
	}
	if (deadline > 0) {
		double left = deadline - clock_now();

		if (left <= 0)
			return -1;
		libs.curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
				 (long)(left * 1000) + 1);
	} else {
		libs.curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 0L);
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
	struct dlrun *r = x->w->run;
	const struct dlrun_config *c = dlrun_config(r);
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
		if (!libs.EVP_DigestFinal_ex(x->w->md, md, &mdlen) ||
		    mdlen != DLPARSE_SHA256_LEN) {
			fail(x, "cannot compute the checksum");
			return;
		}
		if (memcmp(md, x->expect, DLPARSE_SHA256_LEN)) {
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
	rc = dlpart_commit(c->dirfd, x->part, x->res->name, c->overwrite);
	if (rc) {
		if (rc == -EEXIST) {
			/* Someone else put NAME there meanwhile. */
			x->res->status = DL_EXISTS;
			x->discard = 1;
			return;
		}
		fail(x, "cannot rename '%s' to '%s': %s", x->part,
		     x->res->name, strerror(-rc));
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

/* The loop of attempts, with the waits between them (see dl.h). */
static void run_attempts(struct xfer *x, double deadline)
{
	struct dl_worker *w = x->w;
	struct dlrun *r = w->run;
	const struct dlrun_config *c = dlrun_config(r);
	struct dl_res *res = x->res;
	int restarted = 0;

	for (;;) {
		enum judge j;
		CURLcode rc;
		double delay;

		if (attempt_setup(x, deadline)) {
			fail(x, "timed out after %gs", c->timeout);
			break;
		}
		res->attempts++;
		rc = perform(x);
		res->http = 0;
		libs.curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE,
				       &res->http);
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
		if (j != J_RETRY || res->attempts >= c->attempts)
			break;
		delay = backoff(x);
		if (delay < 0 ||
		    (deadline > 0 && clock_now() + delay >= deadline))
			break;
		if (dlrun_wait_until(r, clock_now() + delay)) {
			fail(x, "interrupted");
			break;
		}
	}
}

void dl_get(struct dl_worker *w, const struct dl_req *req,
	    struct dl_res *res)
{
	struct dlrun *r = w->run;
	const struct dlrun_config *c = dlrun_config(r);
	struct xfer *x = &w->x;
	double deadline = 0;

	memset(res, 0, sizeof(*res));
	memset(x, 0, sizeof(*x));
	x->w = w;
	x->req = req;
	x->res = res;
	x->fd = -1;
	res->status = DL_FAILED;
	w->rng ^= hash_mix64(req->seq ^ (uint64_t)(clock_now() * 1e9) ^
			(uint64_t)(uintptr_t)w);
	if (c->timeout > 0)
		deadline = clock_now() + c->timeout;

	if (req->name) {
		if (!dlparse_name_clean(req->name, strlen(req->name),
					res->name)) {
			fail(x, "no usable file name in '%s'", req->name);
			goto out;
		}
	} else {
		dlparse_name_from_url(req->url, res->name);
	}
	if (dlrun_stopped(r)) {
		fail(x, "interrupted");
		goto out;
	}
	if (!dlparse_url_is_http(req->url)) {
		bad_scheme(x, req->url);
		goto out;
	}
	if ((req->name || !c->content_disposition) && take_name(x)) {
		if (x->why == W_EXISTS)
			res->status = DL_EXISTS;
		goto out;
	}
	if (libs.curl_easy_setopt(w->h, CURLOPT_URL, req->url)) {
		fail(x, "malformed URL");
		goto out;
	}
	run_attempts(x, deadline);
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
		unlinkat(c->dirfd, x->part, 0);
	if (res->status != DL_FAILED)
		res->reason[0] = '\0';
}
