/*
 * dl: HTTP(S) transfers into one directory with libcurl. Owns the
 * workers (one easy handle each, reused across its jobs so connections
 * and TLS sessions stay alive), the callbacks and the state machine of
 * one job, and the file protocol: each download goes to NAME.part,
 * opened relative to the directory without following symbolic links, and
 * is renamed to NAME only when complete and verified. The state shared
 * by all workers is io/dlrun's; names and header parsing io/dlparse's.
 *
 * Protocol:
 *   1. dl_global_init() on the main thread before any other thread exists.
 *   2. dlrun_new() (io/dlrun.h), still on one thread.
 *   3. On each worker thread: dl_worker_new() once, then dl_get() for each
 *      job, then dl_worker_free().
 *   4. dlrun_free(), then dl_global_cleanup(), after the workers are gone.
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
 * Thread-safety: see the protocol. Errors: 0 or -errno; dl_get() reports
 * into its result and nothing here prints.
 */
#ifndef LANES_DL_H
#define LANES_DL_H

#include <limits.h>
#include <stddef.h>

#include "dlparse.h"
#include "dlrun.h"

#define DL_MAX_REDIRS 10
#define DL_RETRY_AFTER_MAX 300

enum dl_status {
	DL_OK,
	DL_EXISTS,	/* NAME was already there: nothing done */
	DL_FAILED,
};

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
 * failure err says why. dlparse's helpers that hash or parse dates need
 * it too. */
int dl_global_init(char *err, size_t errlen);
void dl_global_cleanup(void);

int dl_worker_new(struct dl_worker **out, struct dlrun *r);
void dl_worker_free(struct dl_worker *w);

/*
 * Download one URL, with the retries and the file protocol above. The
 * record's digest, if any, wins over the run's list. Claims NAME for the
 * run first: a second job that maps to the same NAME (or whose NAME is
 * another job's NAME.part) fails.
 */
void dl_get(struct dl_worker *w, const struct dl_req *req,
	    struct dl_res *res);

#endif
