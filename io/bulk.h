/*
 * bulk: --pipe and --pipe-part as a run needs them. Owns the block source
 * (standard input, or -a FILE for --pipe-part, cut by io/block) and each
 * slot's feeder (io/feed), and knows the four ways a job gets its block:
 * on standard input (the default), as a temporary file named by {}
 * (--cat), through a named pipe named by {} (--fifo), or, with
 * --round-robin, as one of many blocks on the standard input of one of
 * -j jobs that start once.
 *
 * Protocol:
 *   1. bulk_new() on the main thread before workers start; it opens the
 *      file and checks that --pipe-part's is seekable.
 *   2. Reader (main thread): bulk_next() for each block, which becomes a
 *      job (without --round-robin; the job owns the block), or is given
 *      to bulk_push() (with it, after submitting bulk_jobs() jobs); then
 *      bulk_input_done().
 *   3. Worker of slot s, for each try of a job: bulk_begin() fills the
 *      job's stdin descriptor and the {} name, launch_run(), then
 *      bulk_end() (which says how many bytes the job took). After the
 *      last try, bulk_put() gives the block back (at most -j x 2 blocks
 *      are out at once: the reader waits for one to come back).
 *   4. bulk_cancel() from any thread once lanes is stopping: a waiting
 *      reader returns, queued blocks are dropped.
 *   5. bulk_free() after the workers are done.
 *
 * Thread-safety: as in the protocol; bulk_begin() and bulk_end() for slot
 * s only on the worker of slot s.
 * Errors: -errno, with a message for the user in err[] where errno alone
 * would not say what went wrong. Nothing is printed.
 */
#ifndef LANES_BULK_H
#define LANES_BULK_H

#include <limits.h>

#include "block.h"
#include "feed.h"

enum bulk_mode {
	BULK_STDIN,		/* the block is the job's standard input */
	BULK_CAT,		/* --cat: a temporary file, {} its name */
	BULK_FIFO,		/* --fifo: a named pipe, {} its name */
};

struct bulk_opts {
	struct block_opts block;	/* --block, --recend, ...; for
					 * --pipe-part with block_per_slot,
					 * size is computed */
	int part;			/* --pipe-part */
	const char *file;		/* -a FILE (--pipe-part); NULL: stdin */
	unsigned long long per_slot;	/* --block -N: N blocks per slot */
	enum bulk_mode mode;
	int round_robin;
	unsigned jobs;			/* -j */
	const char *tmpdir;		/* for --cat and --fifo */
};

/* One try of a job, on its worker: what bulk_end() undoes. */
struct bulk_try {
	int rfd;			/* the job's end of its stdin pipe */
	int tail;			/* or the input file itself, from
					 * tail_off (--pipe-part's last
					 * range), or -1 */
	off_t tail_off, tail_len;
	char path[PATH_MAX];		/* the --cat file or --fifo */
	int fed;			/* a feeder was started */
};

struct bulk;

int bulk_new(struct bulk **out, const struct bulk_opts *o, char *err,
	     size_t errlen);
void bulk_free(struct bulk *bk);

/* Reader: 1 and *b, 0 at the end, -ECANCELED, or -errno (err says). */
int bulk_next(struct bulk *bk, struct block *b, char *err, size_t errlen);
/* --round-robin: the number of jobs to submit, each fed by bulk_begin()
 * from the queue; then each block goes to bulk_push(). */
unsigned bulk_jobs(const struct bulk *bk);
int bulk_push(struct bulk *bk, struct block *b);
void bulk_input_done(struct bulk *bk);

/*
 * Worker of slot (1..jobs): before launch_run(). b is the job's block
 * (NULL with --round-robin). Sets *stdin_fd (-1: the default /dev/null)
 * and *name (the {} of --cat and --fifo, or NULL).
 */
int bulk_begin(struct bulk *bk, unsigned slot, const struct block *b,
	       struct bulk_try *t, int *stdin_fd, const char **name);
/* After launch_run(): 0 (a job that stopped reading is not an error) or
 * -errno; *sent is the bytes the job was given. */
int bulk_end(struct bulk *bk, unsigned slot, struct bulk_try *t,
	     unsigned long long *sent);
void bulk_put(struct bulk *bk, struct block *b);

void bulk_cancel(struct bulk *bk);

#endif
