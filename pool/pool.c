/*
 * DESIGN
 *
 * Everything the pool shares lives under one mutex, p->mu, and three
 * condition variables hang off it: p->work wakes idle workers, p->space
 * wakes the producer blocked on a full window, p->ready wakes the consumer.
 * Every wait re-checks its condition in a loop, so spurious and stolen
 * wake-ups are harmless. The work function runs with the mutex released.
 *
 * Each outstanding item occupies one entry of a table of `window` entries
 * allocated once by pool_new(); an entry is free, queued, running or done.
 * Free entries form a stack, so claiming and releasing one is O(1) and the
 * table never grows: the window is the whole memory budget.
 *
 * Three lists thread through the entries. The queue of items waiting for a
 * worker is a singly linked FIFO in submission order. The finished items
 * not yet taken form a doubly linked FIFO in finishing order; POOL_COMPLETED
 * takes from its front, and POOL_ORDERED unlinks from its middle in O(1).
 * For POOL_ORDERED, p->byseq maps a sequence number to its entry through
 * seq % window. That is unambiguous because in ordered mode the items not
 * yet taken are always the contiguous numbers ntaken+1 .. nsubmitted, at
 * most `window` of them. (In completed mode the map may be overwritten out
 * of turn, but completed mode never reads it; the header requires one
 * order for the life of the pool.)
 *
 * pool_submit() waits while nsubmitted - ntaken == window, claims an entry
 * and appends it to the queue. If fewer workers sleep than items wait, and
 * the pool has fewer than nworkers threads, it starts one more; at most one
 * thread per submitted item, so the pool never has more threads than items.
 * The thread is created with the mutex held: it happens at most nworkers
 * times, and it keeps a failed creation simple to undo. A worker takes its
 * slot number at creation and keeps it until it exits, so no two items run
 * in the same slot at once.
 *
 * A worker pops the queue head, marks it running, drops the mutex, calls
 * fn, retakes the mutex, marks the entry done and appends it to the
 * finished list. It exits when the queue is empty and no item can come any
 * more (closed or cancelled).
 *
 * The consumer waits on p->ready, which a worker signals when an item
 * finishes, or starts if it is the ordered head (for pool_head()), and
 * which close and cancel broadcast. When it takes an item the entry goes
 * back to the free stack, and a blocked producer is signalled once a
 * quarter of the window is free, so it refills in a batch rather than one
 * item per wake-up. Signals go out only when someone waits (nidle,
 * space_waiting, ready_waiting): with thousands of jobs a second, the
 * futex calls of needless signals were a visible share of the cost.
 *
 * pool_cancel() moves every queued entry straight to the finished list,
 * marked as never started, so each comes out of pool_next() in its turn;
 * running items finish normally. From then on no item can be added, so the
 * pool counts as closed for the consumer and the workers.
 */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define NIL ((size_t)-1)

enum entry_state {
	ENTRY_FREE,
	ENTRY_QUEUED,
	ENTRY_RUNNING,
	ENTRY_DONE,
};

struct entry {
	void *item;
	unsigned long long seq;
	enum entry_state state;
	int started;		/* a worker ran it; 0 if skipped by cancel */
	size_t next;		/* queue or free stack link */
	size_t dprev, dnext;	/* finished list links */
};

struct worker {
	struct pool *p;
	unsigned slot;
	pthread_t tid;
};

struct pool {
	pool_fn *fn;
	void *ctx;
	unsigned nworkers;
	size_t window;

	pthread_mutex_t mu;
	pthread_cond_t work;		/* queue non-empty, or no more items */
	pthread_cond_t space;		/* window has room, or cancelled */
	pthread_cond_t ready;		/* something for the consumer */

	struct entry *ent;		/* under p->mu */
	size_t *byseq;			/* under p->mu; see DESIGN */
	size_t free_top;		/* under p->mu; free stack */
	size_t q_head, q_tail;		/* under p->mu; queue of unstarted */
	size_t d_head, d_tail;		/* under p->mu; finished, untaken */
	unsigned long long nsubmitted;	/* under p->mu */
	unsigned long long ntaken;	/* under p->mu */
	unsigned long long nstarted;	/* under p->mu */
	unsigned long long nfinished;	/* under p->mu */
	size_t nqueued;			/* under p->mu */
	unsigned nrunning;		/* under p->mu */
	unsigned nidle;			/* under p->mu; workers in wait */
	int space_waiting;		/* under p->mu; producer in wait */
	int ready_waiting;		/* under p->mu; consumer in wait */
	unsigned nthreads;		/* under p->mu */
	unsigned njoined;		/* joiner only (shutdown, free) */
	int closed;			/* under p->mu */
	int cancelled;			/* under p->mu */
	struct worker *workers;		/* [nthreads] under p->mu */

	int last_started;		/* consumer only */
};

static struct entry *entry_of(struct pool *p, unsigned long long seq)
{
	size_t i = p->byseq[seq % p->window];

	return i == NIL ? NULL : &p->ent[i];
}

/* Append entry i to the finished list. */
static void done_push(struct pool *p, size_t i)
{
	struct entry *e = &p->ent[i];

	e->state = ENTRY_DONE;
	e->dnext = NIL;
	e->dprev = p->d_tail;
	if (p->d_tail == NIL)
		p->d_head = i;
	else
		p->ent[p->d_tail].dnext = i;
	p->d_tail = i;
	p->nfinished++;
}

/*
 * Unlink a finished entry from wherever it is in the finished list and
 * give it back to the free stack.
 */
static void *take(struct pool *p, size_t i, unsigned long long *seq)
{
	struct entry *e = &p->ent[i];
	void *item = e->item;

	if (e->dprev == NIL)
		p->d_head = e->dnext;
	else
		p->ent[e->dprev].dnext = e->dnext;
	if (e->dnext == NIL)
		p->d_tail = e->dprev;
	else
		p->ent[e->dnext].dprev = e->dprev;

	if (seq)
		*seq = e->seq;
	p->last_started = e->started;
	e->state = ENTRY_FREE;
	e->item = NULL;
	e->next = p->free_top;
	p->free_top = i;
	p->ntaken++;
	/* Wake a blocked producer only once a quarter of the window is
	 * free: it then submits a batch instead of one item per wake-up,
	 * which halves the lock handoffs per item. */
	if (p->space_waiting &&
	    p->nsubmitted - p->ntaken <= p->window - (p->window + 3) / 4)
		pthread_cond_signal(&p->space);
	return item;
}

/* No item can be added any more. */
static int no_more(const struct pool *p)
{
	return p->closed || p->cancelled;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->p;
	unsigned slot = w->slot;
	struct entry *e;
	void *item;
	size_t i;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->q_head == NIL && !no_more(p)) {
			p->nidle++;
			pthread_cond_wait(&p->work, &p->mu);
			p->nidle--;
		}
		if (p->q_head == NIL)
			break;

		i = p->q_head;
		e = &p->ent[i];
		p->q_head = e->next;
		if (p->q_head == NIL)
			p->q_tail = NIL;
		p->nqueued--;
		e->state = ENTRY_RUNNING;
		e->started = 1;
		item = e->item;
		p->nstarted++;
		p->nrunning++;
		/* pool_head() may be waiting for this very item to start. */
		if (e->seq == p->ntaken + 1 && p->ready_waiting)
			pthread_cond_signal(&p->ready);
		pthread_mutex_unlock(&p->mu);

		p->fn(item, slot, p->ctx);

		pthread_mutex_lock(&p->mu);
		p->nrunning--;
		done_push(p, i);
		if (p->ready_waiting)
			pthread_cond_signal(&p->ready);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int pool_new(struct pool **out, unsigned nworkers, size_t window,
	     pool_fn *fn, void *ctx)
{
	struct pool *p = NULL;
	int inited = 0, rc = -ENOMEM;
	size_t i;

	*out = NULL;
	if (nworkers < 1 || !fn)
		return -EINVAL;
	if (window < nworkers)
		window = nworkers;
	if (window > SIZE_MAX / sizeof(struct entry))
		return -ENOMEM;

	p = calloc(1, sizeof(*p));
	if (!p)
		goto out;
	p->fn = fn;
	p->ctx = ctx;
	p->nworkers = nworkers;
	p->window = window;
	p->ent = calloc(window, sizeof(*p->ent));
	p->byseq = calloc(window, sizeof(*p->byseq));
	p->workers = calloc(nworkers, sizeof(*p->workers));
	if (!p->ent || !p->byseq || !p->workers)
		goto out;
	for (i = 0; i < window; i++) {
		p->ent[i].next = i + 1 < window ? i + 1 : NIL;
		p->byseq[i] = NIL;
	}
	p->free_top = 0;
	p->q_head = p->q_tail = NIL;
	p->d_head = p->d_tail = NIL;

	rc = -pthread_mutex_init(&p->mu, NULL);
	if (rc)
		goto out;
	inited = 1;
	rc = -pthread_cond_init(&p->work, NULL);
	if (rc)
		goto out;
	inited = 2;
	rc = -pthread_cond_init(&p->space, NULL);
	if (rc)
		goto out;
	inited = 3;
	rc = -pthread_cond_init(&p->ready, NULL);
	if (rc)
		goto out;
	inited = 4;

	*out = p;
	p = NULL;
	rc = 0;
out:
	if (p) {
		if (inited >= 3)
			pthread_cond_destroy(&p->space);
		if (inited >= 2)
			pthread_cond_destroy(&p->work);
		if (inited >= 1)
			pthread_mutex_destroy(&p->mu);
		free(p->workers);
		free(p->byseq);
		free(p->ent);
		free(p);
	}
	return rc;
}

/*
 * Start one more worker. Called with p->mu held; the new thread blocks on
 * the mutex until the caller lets go of it.
 */
static int start_worker(struct pool *p)
{
	struct worker *w = &p->workers[p->nthreads];
	int err;

	w->p = p;
	w->slot = p->nthreads + 1;
	err = pthread_create(&w->tid, NULL, worker_main, w);
	if (err)
		return -err;
	p->nthreads++;
	return 0;
}

int pool_submit(struct pool *p, void *item, unsigned long long *seq)
{
	struct entry *e;
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&p->mu);
	while (p->nsubmitted - p->ntaken >= p->window && !no_more(p)) {
		p->space_waiting = 1;
		pthread_cond_wait(&p->space, &p->mu);
		p->space_waiting = 0;
	}
	if (p->cancelled) {
		rc = -ECANCELED;
		goto out;
	}
	if (p->closed) {
		rc = -EINVAL;
		goto out;
	}

	/*
	 * Start a worker if the ones asleep cannot take this item at once.
	 * A failure matters only when no worker exists to run it later.
	 */
	if (p->nqueued + 1 > p->nidle && p->nthreads < p->nworkers) {
		rc = start_worker(p);
		if (rc && p->nthreads == 0) {
			rc = -EAGAIN;
			goto out;
		}
		rc = 0;
	}

	i = p->free_top;
	e = &p->ent[i];
	p->free_top = e->next;
	e->item = item;
	e->seq = ++p->nsubmitted;
	e->state = ENTRY_QUEUED;
	e->started = 0;
	e->next = NIL;
	e->dprev = e->dnext = NIL;
	p->byseq[e->seq % p->window] = i;
	if (p->q_tail == NIL)
		p->q_head = i;
	else
		p->ent[p->q_tail].next = i;
	p->q_tail = i;
	p->nqueued++;
	if (seq)
		*seq = e->seq;
	if (p->nidle)
		pthread_cond_signal(&p->work);
out:
	pthread_mutex_unlock(&p->mu);
	return rc;
}

void pool_close(struct pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->closed = 1;
	pthread_cond_broadcast(&p->work);
	pthread_cond_broadcast(&p->ready);
	pthread_mutex_unlock(&p->mu);
}

static void *next_completed(struct pool *p, unsigned long long *seq)
{
	while (p->d_head == NIL &&
	       !(no_more(p) && p->ntaken == p->nsubmitted)) {
		p->ready_waiting = 1;
		pthread_cond_wait(&p->ready, &p->mu);
		p->ready_waiting = 0;
	}
	if (p->d_head == NIL)
		return NULL;
	return take(p, p->d_head, seq);
}

/*
 * Wait until the ordered head exists and is at least in state `want`, or
 * until there will never be one. Returns its entry or NULL.
 */
static struct entry *wait_head(struct pool *p, enum entry_state want)
{
	unsigned long long h;
	struct entry *e;

	for (;;) {
		h = p->ntaken + 1;
		if (h <= p->nsubmitted) {
			e = entry_of(p, h);
			if (e->state >= want)
				return e;
		} else if (no_more(p)) {
			return NULL;
		}
		p->ready_waiting = 1;
		pthread_cond_wait(&p->ready, &p->mu);
		p->ready_waiting = 0;
	}
}

void *pool_next(struct pool *p, enum pool_order order,
		unsigned long long *seq)
{
	struct entry *e;
	void *item = NULL;

	pthread_mutex_lock(&p->mu);
	if (order == POOL_COMPLETED) {
		item = next_completed(p, seq);
	} else {
		e = wait_head(p, ENTRY_DONE);
		if (e)
			item = take(p, (size_t)(e - p->ent), seq);
	}
	pthread_mutex_unlock(&p->mu);
	return item;
}

void *pool_head(struct pool *p, unsigned long long *seq)
{
	struct entry *e;
	void *item = NULL;

	pthread_mutex_lock(&p->mu);
	e = wait_head(p, ENTRY_RUNNING);
	if (e) {
		item = e->item;
		if (seq)
			*seq = e->seq;
		p->last_started = e->started;
	}
	pthread_mutex_unlock(&p->mu);
	return item;
}

int pool_started(struct pool *p)
{
	return p->last_started;
}

void pool_cancel(struct pool *p)
{
	size_t i;

	pthread_mutex_lock(&p->mu);
	if (!p->cancelled) {
		p->cancelled = 1;
		while ((i = p->q_head) != NIL) {
			p->q_head = p->ent[i].next;
			p->ent[i].started = 0;
			done_push(p, i);
		}
		p->q_tail = NIL;
		p->nqueued = 0;
		pthread_cond_broadcast(&p->work);
		pthread_cond_broadcast(&p->space);
		pthread_cond_broadcast(&p->ready);
	}
	pthread_mutex_unlock(&p->mu);
}

void pool_stats(struct pool *p, struct pool_stats *st)
{
	pthread_mutex_lock(&p->mu);
	st->submitted = p->nsubmitted;
	st->started = p->nstarted;
	st->finished = p->nfinished;
	st->running = p->nrunning;
	st->threads = p->nthreads;
	pthread_mutex_unlock(&p->mu);
}

void pool_shutdown(struct pool *p)
{
	unsigned i, n;

	/* Empties the queue too: setting the flag alone would let the
	 * workers run what is queued before they notice. */
	pool_cancel(p);
	pthread_mutex_lock(&p->mu);
	/* A cancelled pool starts no thread, so n is final. */
	n = p->nthreads;
	pthread_mutex_unlock(&p->mu);
	for (i = p->njoined; i < n; i++)
		pthread_join(p->workers[i].tid, NULL);
	p->njoined = n;
}

void pool_free(struct pool *p)
{
	unsigned i, n;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->closed = 1;
	pthread_cond_broadcast(&p->work);
	n = p->nthreads;
	pthread_mutex_unlock(&p->mu);

	/* Only the producer starts threads, and it is done: n is final. */
	for (i = p->njoined; i < n; i++)
		pthread_join(p->workers[i].tid, NULL);

	pthread_cond_destroy(&p->ready);
	pthread_cond_destroy(&p->space);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	free(p->workers);
	free(p->byseq);
	free(p->ent);
	free(p);
}
