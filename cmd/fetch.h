/*
 * fetch: download jobs (lanes --download DIR). Each job's record is
 *
 *	URL [TAB NAME] [TAB sha256:HEX]
 *
 * (a field starting with "sha256:" is a checksum, any other second field
 * is the file name). The job downloads URL with libcurl into DIR/NAME,
 * through DIR/NAME.part, and reports one result line.
 *
 * This module is the glue between the command line and io/dl (which does
 * the transfers): it turns options into a dl configuration, owns the
 * run's download handle (the output directory and the io/dlrun state
 * shared by all workers: share handle, total rate limit, names claimed
 * in this run, checksum list, byte counter for progress) and formats
 * result lines.
 *
 * Protocol:
 *   1. fetch_setup() on the main thread before any other thread exists
 *      (it calls curl_global_init); it returns the run's handle, which
 *      every other call takes. Fails with a message for the user,
 *      e.g. an output directory that does not exist without --create-dirs
 *      or an unreadable --checksum-file.
 *   2. fetch_job() on worker threads, any number at once, each with the
 *      slot state pointer of its own slot (NULL at first; fetch_job()
 *      creates the slot's curl handle on first use and reuses it).
 *   3. fetch_stop() from any thread at any time: transfers in progress and
 *      retry waits end promptly with status "failed" and reason
 *      "interrupted".
 *   4. fetch_slot_free() for each slot state, then fetch_teardown(), on
 *      the main thread after the workers are done.
 * fetch_stop() and fetch_bytes() accept NULL (no download run) and do
 * nothing.
 *
 * Result line (no trailing newline; fields separated by TAB):
 *	STATUS HTTP BYTES SECONDS PATH URL [REASON]
 * STATUS is "ok", "exists" (skipped: DIR/NAME was already there) or
 * "failed"; HTTP the last HTTP status code (0 if none; 416 for an "ok"
 * whose NAME.part already held the whole file); BYTES the bytes written
 * to NAME.part by this job (so a resumed download counts only the rest);
 * SECONDS the job's wall time with three decimals; PATH is DIR/NAME as
 * given on the command line ("-" when the record has no URL); REASON,
 * only for failures, says why in a few words ("404 Not Found",
 * "connection refused", "timed out after 30s", "stalled: no data for
 * 60s", "checksum mismatch", "interrupted"), with " (N attempts)" when
 * the job was tried more than once. Control characters in PATH, URL and
 * REASON are shown as '?', so a line is always one line.
 *
 * A job retries its transient failures itself (see io/dl.h): --retries
 * counts its transfers and --timeout covers all of them with the waits
 * between, so the caller must not run a download job again.
 *
 * Thread-safety: as in the protocol. Errors: 0 or -errno; messages go into
 * the caller's buffer or the result, never to a stream.
 */
#ifndef LANES_FETCH_H
#define LANES_FETCH_H

#include <stddef.h>

#include "buf.h"
#include "opts.h"
#include "tmpl.h"

struct fetch;
struct fetch_slot;

struct fetch_result {
	int failed;		/* the job counts as failed */
	long http;		/* last HTTP status, 0 if none */
	struct buf line;	/* the result line, see above */
	char reason[256];	/* empty unless failed */
};

int fetch_setup(struct fetch **out, const struct opts *o, char *err,
		size_t errlen);

/*
 * Run one download job. args/nargs are the job's arguments; a download job
 * has one (the record), more are joined with TABs. res must be zeroed by
 * the caller; release res->line with buf_release().
 */
void fetch_job(struct fetch *f, struct fetch_slot **slot,
	       const struct tmpl_arg *args, size_t nargs,
	       unsigned long long seq, struct fetch_result *res);

void fetch_stop(struct fetch *f);

/* Bytes received so far by all jobs (for progress); any thread. */
unsigned long long fetch_bytes(const struct fetch *f);

void fetch_slot_free(struct fetch_slot *slot);
void fetch_teardown(struct fetch *f);

#endif
