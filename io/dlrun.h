/*
 * dlrun: the state one download run shares among all its workers: the
 * configuration, the libcurl share handle (DNS cache and TLS sessions),
 * the request headers, the total rate limit, the names claimed in this
 * run, the checksum list, the stop flag and the byte counter. The
 * transfers themselves are io/dl's.
 *
 * Protocol:
 *   1. dlrun_new() after dl_global_init(), on one thread;
 *      dlrun_add_sum() for a checksum list, still on that thread.
 *   2. Workers (io/dl) call the functions below "for the transfer code"
 *      from any thread at once.
 *   3. dlrun_stop() and dlrun_bytes() from any thread at any time.
 *   4. dlrun_free() once no worker is left.
 *
 * Names. dlrun_claim() reserves NAME and NAME.part for one job, so two
 * records of a run never write the same file, and no job's NAME is
 * another job's NAME.part.
 *
 * Rate limit. One virtual clock for the whole run: taking n bytes moves
 * the clock n/rate seconds ahead, and the taker sleeps until the clock.
 * The clock may lag the real time by a tenth of a second at most, the
 * only burst allowed. Sleeping in the write callback stops reading the
 * socket, so TCP slows the sender down.
 *
 * Thread-safety: as in the protocol; each piece of shared state has its
 * own lock, and the stop flag and byte counter are atomics.
 * Errors: 0 or -errno; nothing prints.
 */
#ifndef LANES_DLRUN_H
#define LANES_DLRUN_H

#include <stddef.h>

#include "dlparse.h"

struct dlrun_config {
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

struct dlrun;

/* A worker's curl multi handle, which dlrun_stop() wakes. */
struct dlrun_waker {
	void *multi;			/* CURLM * */
	struct dlrun_waker *next;	/* the run's, under its lock */
};

/* cfg is copied; the strings it points to must outlive the run. */
int dlrun_new(struct dlrun **out, const struct dlrun_config *cfg);
/*
 * Expect this digest for the file called name (its last '/'-separated
 * part is used). -EEXIST if name already has a different digest.
 */
int dlrun_add_sum(struct dlrun *r, const char *name,
		  const unsigned char sum[DLPARSE_SHA256_LEN]);
/* Transfers and waits in progress end promptly; no new one starts. */
void dlrun_stop(struct dlrun *r);
/* Bytes written by all jobs so far. */
unsigned long long dlrun_bytes(const struct dlrun *r);
void dlrun_free(struct dlrun *r);

/* --- For the transfer code (io/dl). --- */

const struct dlrun_config *dlrun_config(const struct dlrun *r);
/* Set what the run decides on a new easy handle (a CURL *): the share
 * handle, headers, buffer size, user agent, CA file, connect timeout
 * and size limit. -ENOMEM or -ENOTSUP if libcurl refuses one. */
int dlrun_easy_setup(const struct dlrun *r, void *easy);
void dlrun_waker_add(struct dlrun *r, struct dlrun_waker *w);
void dlrun_waker_remove(struct dlrun *r, struct dlrun_waker *w);
/* 1 once dlrun_stop() was called. */
int dlrun_stopped(const struct dlrun *r);
void dlrun_add_bytes(struct dlrun *r, size_t n);
/*
 * Claim name and name.part for this job: 0, -EEXIST if name is taken,
 * -EBUSY if name.part is (another job's name or part), -ENOMEM.
 */
int dlrun_claim(struct dlrun *r, const char *name);
/* The digest the checksum list expects for name, or NULL. */
const unsigned char *dlrun_sum(const struct dlrun *r, const char *name);
/* Take n bytes from the rate limit, sleeping as long as it says (no
 * sleep without a limit); -EINTR if the run is stopped meanwhile. */
int dlrun_rate_take(struct dlrun *r, size_t n);
/* Sleep until the clock_now() time t; -EINTR if the run is stopped. */
int dlrun_wait_until(struct dlrun *r, double t);

#endif
