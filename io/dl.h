/*
 * dl: HTTP(S) downloads into one directory with libcurl. Owns the
 * transfers (one easy handle per worker, reused across its jobs so
 * connections and TLS sessions stay alive), the state shared by all
 * workers of a run (share handle for DNS and TLS sessions, the total rate
 * limit, the names claimed in this run, the checksum list, the stop flag
 * and the byte counter), and the file protocol: each download goes to
 * NAME.part, opened relative to the directory without following symbolic
 * links, and is renamed to NAME only when complete and verified.
 *
 * Protocol:
 *   1. dl_global_init() on the main thread before any other thread exists.
 *   2. dl_run_new() with a configuration and the directory's descriptor;
 *      dl_run_add_sum() for a checksum list, still on one thread.
 *   3. On each worker thread: dl_worker_new() once, then dl_get() for each
 *      job, then dl_worker_free().
 *   4. dl_run_stop() and dl_run_bytes() from any thread at any time.
 *   5. dl_run_free(), then dl_global_cleanup(), after the workers are gone.
 *
 * File names. A name from the URL is the last segment of its path (before
 * any query or fragment), percent-decoded, then cleaned by dl_name_clean().
 * Decoding gives the name a person expects ("a%20b.pdf" is "a b.pdf") and
 * is safe because cleaning comes after it: a decoded "/" or NUL cannot
 * survive. A URL with no usable name (no path, a path ending in "/", only
 * dots) gets "download-" and the first 16 hex digits of the SHA-256 of the
 * URL, so a re-run picks the same name. A name given in the record is
 * cleaned the same way, without decoding. With content_disposition, a
 * filename from the server's Content-Disposition header (filename*= is
 * preferred to filename=) is reduced to what follows its last '/' or '\'
 * and cleaned; a response without one keeps the URL's name.
 *
 * Resuming. An existing NAME.part is continued with "Range: bytes=N-". A
 * 206 answer must start at N; a 200 answer (the server ignored the range)
 * truncates the file and starts over; a 416 whose Content-Range says the
 * whole file is N bytes means the part is already complete. With
 * content_disposition the name is only known once the answer arrives, so
 * a part from an earlier run is not resumed, but a retry within one job
 * still is. No validator (ETag, Last-Modified) is checked: a file that
 * changed on the server between runs is caught only by a checksum.
 *
 * Retries happen inside dl_get(), on transient failures only: connection
 * refused, reset or closed early, connect timeouts, stalls, HTTP/2 stream
 * errors and HTTP 408, 429, 500, 502, 503 and 504. The wait before retry k
 * is a random time between d/2 and d for d = 2^(k-1) seconds, at most 30,
 * or what Retry-After asks (plus up to a tenth more); a Retry-After of
 * more than DL_RETRY_AFTER_MAX seconds, or a wait past the job's timeout,
 * ends the job instead. The timeout covers the whole job, waits included.
 *
 * Durability: files are not fsync'ed; the rename makes a crash of lanes
 * leave either the complete file or a .part, which is what a re-run needs.
 *
 * Thread-safety: see the protocol; the pure helpers at the end may run on
 * any thread. Errors: 0 or -errno; dl_get() reports into its result and
 * nothing here prints.
 */
#ifndef LANES_DL_H
#define LANES_DL_H

#include <limits.h>
#include <stddef.h>
#include <time.h>

#define DL_SHA256_LEN 32
/* The longest name: NAME.part must fit in NAME_MAX. */
#define DL_NAME_MAX (NAME_MAX - 5)
#define DL_MAX_REDIRS 10
#define DL_RETRY_AFTER_MAX 300

enum dl_status {
	DL_OK,
	DL_EXISTS,	/* NAME was already there: nothing done */
	DL_FAILED,
};

struct dl_config {
	int dirfd;			/* the output directory, borrowed */
	double connect_timeout;		/* seconds, 0 = libcurl's default */
	double stall_timeout;		/* seconds without data, 0 = none */
	double timeout;			/* the whole job, 0 = none */
	long attempts;			/* transfers at most, >= 1 */
	long long max_filesize;		/* bytes, 0 = no limit */
	long long limit_rate;		/* bytes/s over all jobs, 0 = none */
	char *const *headers;		/* "Name: value", borrowed */
	size_t nheaders;
	const char *user_agent;		/* NULL: none */
	const char *cacert;		/* NULL: the system's store */
	int overwrite;			/* replace an existing NAME */
	int content_disposition;	/* take the name from the server */
};

struct dl_run;
struct dl_worker;

struct dl_req {
	const char *url;
	const char *name;		/* as given in the record, or NULL */
	const unsigned char *sha256;	/* expected digest, or NULL */
	unsigned long long seq;		/* seeds the retry jitter */
};

struct dl_res {
	enum dl_status status;
	long http;			/* last HTTP status, 0 if none */
	unsigned long long bytes;	/* written to NAME.part by this job */
	int attempts;			/* transfers started */
	char name[NAME_MAX + 1];	/* NAME, "" if none could be made */
	char reason[256];		/* one line, "" unless DL_FAILED */
};

/* Loads libcurl and libcrypto (see libs.h) and initialises libcurl; on
 * failure err says why. The pure helpers below that hash (the fallback
 * name) need it too. */
int dl_global_init(char *err, size_t errlen);
void dl_global_cleanup(void);

/* cfg is copied; the strings it points to must outlive the run. */
int dl_run_new(struct dl_run **out, const struct dl_config *cfg);
/*
 * Expect this digest for the file called name (its last '/'-separated
 * part is used). -EEXIST if name already has a different digest.
 */
int dl_run_add_sum(struct dl_run *r, const char *name,
		   const unsigned char sum[DL_SHA256_LEN]);
/* Transfers and waits in progress end promptly; no new one starts. */
void dl_run_stop(struct dl_run *r);
/* Bytes written by all jobs so far. */
unsigned long long dl_run_bytes(struct dl_run *r);
void dl_run_free(struct dl_run *r);

int dl_worker_new(struct dl_worker **out, struct dl_run *r);
void dl_worker_free(struct dl_worker *w);

/*
 * Download one URL, with the retries and the file protocol above. The
 * record's digest, if any, wins over the run's list. Claims NAME for the
 * run first: a second job that maps to the same NAME (or whose NAME is
 * another job's NAME.part) fails.
 */
void dl_get(struct dl_worker *w, const struct dl_req *req,
	    struct dl_res *res);

/* --- Pure helpers, exposed for the unit tests. --- */

/*
 * A record: URL [TAB FIELD [TAB FIELD]], a FIELD being "sha256:HEX" or a
 * file name (at most one of each). The URL loses surrounding blanks, the
 * record a final CR. Parsed in place; -EINVAL with a message in err.
 */
struct dl_record {
	char *url;
	char *name;			/* NULL when not given */
	int has_sum;
	unsigned char sum[DL_SHA256_LEN];
};

int dl_record_parse(char *rec, size_t len, struct dl_record *r, char *err,
		    size_t errlen);

/*
 * Clean n bytes into out (DL_NAME_MAX + 1 bytes): '/', '\', NUL and other
 * control characters (C0, DEL, and C1 as UTF-8) become '_', leading dots
 * go, and a longer name is cut to DL_NAME_MAX bytes at a UTF-8 boundary,
 * keeping an extension of up to 16 bytes. Returns the length; 0 means no
 * usable name.
 */
size_t dl_name_clean(const char *in, size_t n, char *out);
/* "download-" and 16 hex digits of SHA-256(url). */
void dl_name_fallback(const char *url, char *out);
/* The name for a URL as described above, never empty. */
void dl_name_from_url(const char *url, char *out);
/* The cleaned name from a Content-Disposition value; -ENOENT if none. */
int dl_name_from_cd(const char *value, char *out);

/* 1 if the URL's scheme is http or https (in any case). */
int dl_url_is_http(const char *url);

/*
 * Retry-After: delta-seconds or an HTTP date (taken relative to now).
 * 0 and *secs >= 0, or -EINVAL.
 */
int dl_retry_after(const char *value, time_t now, double *secs);

/*
 * Content-Range: "bytes A-B/T", or with "*" for the range or for T;
 * what is unknown is -1.
 */
int dl_content_range(const char *value, long long *start, long long *end,
		     long long *total);

/* 64 hex digits (either case) into sum; -EINVAL otherwise. */
int dl_hex_sum(const char *hex, size_t n, unsigned char sum[DL_SHA256_LEN]);

/*
 * One line of sha256sum output, in place: "HEX  NAME", "HEX *NAME" (and
 * the "\" form that escapes "\n" and "\\" in NAME), or the BSD tag form
 * "SHA256 (NAME) = HEX". A trailing newline or CR is ignored. Returns 0
 * with *name set, 1 for a blank or '#' line, -EINVAL otherwise.
 */
int dl_sum_line(char *line, unsigned char sum[DL_SHA256_LEN], char **name);

/* The standard reason phrase of an HTTP status, or NULL. */
const char *dl_http_reason(long code);

#endif
