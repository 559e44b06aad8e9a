/*
 * pool: a fixed-size thread pool with a bounded window and a completion
 * stream, in the spirit of Python's concurrent.futures. It owns its worker
 * threads and the bookkeeping of every item from submission until the
 * consumer takes it back; it never looks inside an item. It depends on libc
 * and pthreads only.
 *
 * Items are opaque pointers. Each submitted item gets a sequence number
 * 1, 2, 3... in submission order. A worker runs fn(item, slot, ctx) where
 * slot is the worker's number 1..nworkers (a worker keeps its slot for life,
 * so no two items run in the same slot at once). Workers are started lazily:
 * the pool never has more threads than items it has been given.
 *
 * Back-pressure: at most `window` items are outstanding at once, counting
 * queued, running, and finished but not yet taken by pool_next(). When the
 * window is full pool_submit() blocks. This bounds memory whatever the
 * number of items, and in ordered mode it is the reorder window.
 *
 * Protocol:
 *   1. pool_new() with the work function and its context.
 *   2. The producer calls pool_submit() for each item, then pool_close().
 *   3. One consumer (it may be another thread) calls pool_next() until it
 *      returns NULL, always with the same order. In POOL_ORDERED mode it may
 *      call pool_head() first to get the next item as soon as it starts
 *      running, to stream its progress live, then pool_next() for the same
 *      item once it has finished.
 *   4. pool_free() joins the workers and frees the pool.
 * pool_cancel() may be called from any thread at any time: items not yet
 * started are never run; they still come out of pool_next(), in their turn,
 * so the consumer sees every item it submitted (pool_started() tells which
 * ran). Once cancelled, pool_submit() refuses new items.
 *
 * Thread-safety: pool_submit() and pool_close() from one producer thread;
 * pool_next() and pool_head() from one consumer thread; pool_cancel(),
 * pool_stats() from any thread. fn runs on worker threads, never under a
 * pool lock.
 * Errors: functions return 0 or -errno; nothing is printed.
 */
#ifndef LANES_POOL_H
#define LANES_POOL_H

#include <stddef.h>

struct pool;

typedef void pool_fn(void *item, unsigned slot, void *ctx);

enum pool_order {
	POOL_COMPLETED,	/* as each item finishes (as_completed) */
	POOL_ORDERED,	/* in submission order (map) */
};

struct pool_stats {
	unsigned long long submitted;
	unsigned long long started;
	unsigned long long finished;	/* fn returned, or skipped by cancel */
	unsigned running;
	unsigned threads;
};

/*
 * nworkers >= 1; window >= nworkers (a smaller value is raised to it).
 * Returns 0 and sets *out, or -EINVAL / -ENOMEM. No thread is started yet.
 */
int pool_new(struct pool **out, unsigned nworkers, size_t window,
	     pool_fn *fn, void *ctx);

/*
 * Queue an item, blocking while the window is full. On success stores the
 * item's sequence number in *seq (if seq is not NULL) and returns 0. Returns
 * -ECANCELED after pool_cancel() (the item was not taken), -EINVAL after
 * pool_close(), or -EAGAIN (pthread_create failed with no worker alive; the
 * item was not taken).
 */
int pool_submit(struct pool *p, void *item, unsigned long long *seq);

/* No more items will be submitted. */
void pool_close(struct pool *p);

/*
 * Block until the next item in the given order is available and return it;
 * the pool forgets it. Returns NULL once the pool is closed and every item
 * has been returned. If seq is not NULL it receives the item's number.
 */
void *pool_next(struct pool *p, enum pool_order order,
		unsigned long long *seq);

/*
 * POOL_ORDERED only: block until the next item in submission order has
 * started running (or finished, or been skipped by a cancel) and return it
 * without taking it; the pool keeps it until pool_next(). Returns NULL once
 * the pool is closed and no item is left.
 */
void *pool_head(struct pool *p, unsigned long long *seq);

/*
 * Whether the item most recently returned by pool_head() or pool_next()
 * was run by a worker (1) or skipped because of pool_cancel() (0). Call it
 * from the consumer only.
 */
int pool_started(struct pool *p);

/* Stop starting items; see the protocol above. Idempotent. */
void pool_cancel(struct pool *p);

void pool_stats(struct pool *p, struct pool_stats *st);

/*
 * Cancel, then wait for every worker to finish its item and exit. The pool
 * stays valid: a late pool_submit() returns -ECANCELED, and pool_free() is
 * still needed. For a consumer that must end the process while the
 * producer may be blocked elsewhere. Call it from the consumer.
 */
void pool_shutdown(struct pool *p);

/* Close if not closed, cancel nothing, join all workers, free the pool. */
void pool_free(struct pool *p);

#endif
