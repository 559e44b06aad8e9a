/*
 * feed: writes a --pipe block to a job's standard input while the job
 * runs. The worker of a slot sits in launch_run() for the whole life of
 * its job, so the bytes go in from a feeder: one thread per slot, made
 * once, handed a block and the write end of the job's stdin pipe per try.
 * A block that fits in the pipe's buffer is written at once by the worker
 * itself and needs no thread switch.
 *
 * Protocol, on the worker of a slot, for each try of a job:
 *   1. feed_pipe(fds): a close-on-exec pipe, its buffer raised to 1 MiB
 *      where the kernel allows.
 *   2. feed_start(f, b, fds[1]): the feeder owns fds[1] from here and
 *      closes it when the block is written (the job then reads EOF).
 *   3. launch_run() with launch_job.stdin_fd = fds[0].
 *   4. close(fds[0]): a job that ended without reading all of its block
 *      (head -n1) leaves the feeder in a blocked write, which now fails
 *      with EPIPE instead of waiting forever.
 *   5. feed_wait(f, &sent): 0, or -EPIPE when the job stopped reading
 *      (not an error: the job's exit status decides), or -errno.
 * The block must stay valid until feed_wait() returns; a retry feeds the
 * same block again from step 1.
 *
 * Thread-safety: a feeder belongs to the worker of one slot.
 * Errors: -errno; nothing is printed. SIGPIPE must be ignored (lanes
 * ignores it); the feeder thread blocks every signal besides.
 */
#ifndef LANES_FEED_H
#define LANES_FEED_H

#include "block.h"

struct feeder;

int feed_new(struct feeder **out);
void feed_free(struct feeder *f);

int feed_pipe(int fds[2]);
int feed_start(struct feeder *f, const struct block *b, int fd);
int feed_wait(struct feeder *f, unsigned long long *sent);

/*
 * --fifo: as feed_start(), but the feeder opens the named pipe path for
 * writing itself, once the job opens it for reading. After launch_run()
 * (in place of step 4) call feed_cancel(): a job that never opened the
 * fifo, or quit reading, ends the feed with -EPIPE.
 */
int feed_start_fifo(struct feeder *f, const struct block *b,
		    const char *path);
void feed_cancel(struct feeder *f);

/*
 * --round-robin: -j jobs start once and take blocks in turn. The reader
 * pushes blocks into a queue; each slot's feeder takes the next one as
 * soon as its job's pipe has taken the last, so a slow job does not hold
 * up the others. Each block goes to put(ctx, b) once written (or found
 * unwritable), to be given back to its reader.
 *
 * Protocol: feed_queue_new() with the number of jobs that will read; on
 * each slot's worker, steps 1-5 above with feed_start_queue() in place of
 * feed_start() (feed_wait() returns once the queue is closed and empty,
 * or with -EPIPE when that job stopped reading); on the reader,
 * feed_queue_push() for each block, then feed_queue_close(); after every
 * worker is done, feed_queue_free().
 * Thread-safety: push and close from the reader; cancel from any thread.
 */
struct feed_queue;

int feed_queue_new(struct feed_queue **out, unsigned cap, unsigned readers,
		   void (*put)(void *ctx, struct block *b), void *ctx);
/* Blocks while the queue is full. 0; -EPIPE when every reader stopped
 * reading (b was not taken); -ECANCELED after feed_queue_cancel(). */
int feed_queue_push(struct feed_queue *q, const struct block *b);
void feed_queue_close(struct feed_queue *q);
/* Stop: blocks not yet taken go to put(), the feeders end their jobs'
 * input, a waiting push returns. */
void feed_queue_cancel(struct feed_queue *q);
void feed_queue_free(struct feed_queue *q);

int feed_start_queue(struct feeder *f, struct feed_queue *q, int fd);

#endif
