/*
 * Unit tests for pool/. Ordering and blocking are forced with condition
 * variables rather than timing: an item's work function waits for a gate
 * the test opens, so which item finishes first, and what is running when
 * the consumer looks, is decided by the test. No check depends on how fast
 * the machine is.
 */
#include "pool.h"
#include "tap.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAXW 16

struct item {
	unsigned id;		/* 0-based, in submission order */
};

/* What the work functions share with the test, under t->mu. */
struct tctx {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned n;
	unsigned nworkers;
	unsigned *runs;		/* times each item ran */
	int *started;		/* item's fn was entered */
	int *release;		/* item's fn may return */
	unsigned *fin_order;	/* ids in the order their fn returned */
	unsigned nfin;
	int busy[MAXW + 1];	/* a slot is running an item */
	int bad_slot;		/* slot out of range, or already busy */
	int yield;		/* give the CPU away inside fn */
};

static int tctx_init(struct tctx *t, unsigned n, unsigned nworkers)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	t->n = n;
	t->nworkers = nworkers;
	t->runs = calloc(n, sizeof(*t->runs));
	t->started = calloc(n, sizeof(*t->started));
	t->release = calloc(n, sizeof(*t->release));
	t->fin_order = calloc(n, sizeof(*t->fin_order));
	return t->runs && t->started && t->release && t->fin_order ? 0 : -1;
}

static void tctx_release(struct tctx *t)
{
	free(t->runs);
	free(t->started);
	free(t->release);
	free(t->fin_order);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
}

static struct item *items_new(unsigned n)
{
	struct item *it = calloc(n, sizeof(*it));
	unsigned i;

	for (i = 0; it && i < n; i++)
		it[i].id = i;
	return it;
}

/* Claim the slot; flag it if it is out of range or already in use. */
static void slot_enter(struct tctx *t, unsigned slot)
{
	if (slot < 1 || slot > t->nworkers || slot > MAXW)
		t->bad_slot = 1;
	else if (t->busy[slot]++)
		t->bad_slot = 1;
}

static void slot_leave(struct tctx *t, unsigned slot)
{
	if (slot >= 1 && slot <= MAXW)
		t->busy[slot]--;
}

static void finish(struct tctx *t, unsigned id)
{
	t->runs[id]++;
	t->fin_order[t->nfin++ % t->n] = id;
	pthread_cond_broadcast(&t->cv);
}

/* Count the run and check the slot; nothing else. */
static void fn_count(void *arg, unsigned slot, void *ctx)
{
	struct item *it = arg;
	struct tctx *t = ctx;

	pthread_mutex_lock(&t->mu);
	slot_enter(t, slot);
	pthread_mutex_unlock(&t->mu);
	/* Outside the lock, so that other slots really overlap this one. */
	if (t->yield)
		sched_yield();
	pthread_mutex_lock(&t->mu);
	slot_leave(t, slot);
	finish(t, it->id);
	pthread_mutex_unlock(&t->mu);
}

/* Announce the start, then wait until the test releases the item. */
static void fn_gate(void *arg, unsigned slot, void *ctx)
{
	struct item *it = arg;
	struct tctx *t = ctx;

	pthread_mutex_lock(&t->mu);
	slot_enter(t, slot);
	t->started[it->id] = 1;
	pthread_cond_broadcast(&t->cv);
	while (!t->release[it->id])
		pthread_cond_wait(&t->cv, &t->mu);
	slot_leave(t, slot);
	finish(t, it->id);
	pthread_mutex_unlock(&t->mu);
}

/*
 * Item i may return only once every later item has: the last item finishes
 * first and the first item last. Needs as many workers as items.
 */
static void fn_reverse(void *arg, unsigned slot, void *ctx)
{
	struct item *it = arg;
	struct tctx *t = ctx;

	pthread_mutex_lock(&t->mu);
	slot_enter(t, slot);
	while (t->nfin != t->n - 1 - it->id)
		pthread_cond_wait(&t->cv, &t->mu);
	slot_leave(t, slot);
	finish(t, it->id);
	pthread_mutex_unlock(&t->mu);
}

static void gate_open(struct tctx *t, unsigned id)
{
	pthread_mutex_lock(&t->mu);
	t->release[id] = 1;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

static void wait_started(struct tctx *t, unsigned id)
{
	pthread_mutex_lock(&t->mu);
	while (!t->started[id])
		pthread_cond_wait(&t->cv, &t->mu);
	pthread_mutex_unlock(&t->mu);
}

/* Sleep a little: only to give a broken pool the chance to show it. */
static void nap(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* Poll until the pool itself counts n items finished. */
static void wait_finished(struct pool *p, unsigned long long n)
{
	struct pool_stats st;
	struct timespec ts = { 0, 1000 * 1000 };

	for (;;) {
		pool_stats(p, &st);
		if (st.finished >= n)
			return;
		nanosleep(&ts, NULL);
	}
}

/* A producer thread: submits items[0..n) in order, then closes. */
struct producer {
	struct pool *p;
	struct item *items;
	unsigned n;
	int rc;			/* first failure */
	int seq_bad;		/* a sequence number out of turn */
	pthread_t tid;
};

static void *produce(void *arg)
{
	struct producer *pr = arg;
	unsigned long long seq;
	unsigned i;
	int rc;

	for (i = 0; i < pr->n; i++) {
		rc = pool_submit(pr->p, &pr->items[i], &seq);
		if (rc) {
			pr->rc = rc;
			break;
		}
		if (seq != i + 1ULL)
			pr->seq_bad = 1;
	}
	pool_close(pr->p);
	return NULL;
}

static int produce_start(struct producer *pr, struct pool *p,
			 struct item *items, unsigned n)
{
	pr->p = p;
	pr->items = items;
	pr->n = n;
	pr->rc = 0;
	pr->seq_bad = 0;
	return pthread_create(&pr->tid, NULL, produce, pr);
}

static void test_new(void)
{
	struct pool *p = NULL;
	struct pool_stats st;
	struct tctx t;

	CHECK_INT(pool_new(&p, 0, 4, fn_count, NULL), -EINVAL,
		  "new: zero workers is invalid");
	CHECK(p == NULL, "new: nothing returned on error");

	tctx_init(&t, 4, 2);
	CHECK_INT(pool_new(&p, 2, 8, fn_count, &t), 0, "new: ok");
	pool_stats(p, &st);
	CHECK(st.threads == 0 && st.submitted == 0, "new: no thread yet");
	pool_close(p);
	CHECK(pool_next(p, POOL_COMPLETED, NULL) == NULL,
	      "new: empty closed pool: next is NULL");
	CHECK(pool_next(p, POOL_ORDERED, NULL) == NULL,
	      "new: empty closed pool: ordered next is NULL");
	CHECK(pool_head(p, NULL) == NULL,
	      "new: empty closed pool: head is NULL");
	CHECK_INT(pool_submit(p, NULL, NULL), -EINVAL,
		  "new: submit after close is -EINVAL");
	pool_free(p);
	pool_free(NULL);
	tctx_release(&t);
}

/*
 * Every item comes back exactly once, with its own sequence number, and
 * slots stay in range and never run two items at once.
 */
static void test_once(enum pool_order order, const char *name)
{
	enum { N = 2000 };
	struct item *items = items_new(N);
	unsigned *seen = calloc(N, sizeof(*seen));
	struct producer pr;
	struct pool *p;
	struct tctx t;
	struct item *it;
	unsigned long long seq;
	unsigned i, got = 0;
	int ok_seq = 1, ok_order = 1, ok = 1;
	char msg[100];

	tctx_init(&t, N, 4);
	t.yield = 1;
	pool_new(&p, 4, 16, fn_count, &t);
	produce_start(&pr, p, items, N);
	while ((it = pool_next(p, order, &seq)) != NULL) {
		if (seq != it->id + 1ULL)
			ok_seq = 0;
		if (order == POOL_ORDERED && it->id != got)
			ok_order = 0;
		if (!pool_started(p))
			ok = 0;
		seen[it->id]++;
		got++;
	}
	pthread_join(pr.tid, NULL);
	for (i = 0; i < N; i++)
		if (seen[i] != 1 || t.runs[i] != 1)
			ok = 0;
	snprintf(msg, sizeof(msg), "%s: every item run and returned once",
		 name);
	CHECK(ok && got == N && pr.rc == 0, msg);
	snprintf(msg, sizeof(msg), "%s: sequence numbers match", name);
	CHECK(ok_seq && !pr.seq_bad, msg);
	snprintf(msg, sizeof(msg), "%s: slots in 1..N, one item each", name);
	CHECK(!t.bad_slot, msg);
	if (order == POOL_ORDERED) {
		snprintf(msg, sizeof(msg), "%s: submission order", name);
		CHECK(ok_order, msg);
	}
	CHECK(pool_next(p, order, NULL) == NULL, "next stays NULL at end");
	pool_free(p);
	tctx_release(&t);
	free(seen);
	free(items);
}

/* Later items finish first; ordered mode still returns 1, 2, 3... */
static void test_ordered_reverse(void)
{
	enum { N = 8 };
	struct item *items = items_new(N);
	struct pool *p;
	struct tctx t;
	struct item *it;
	unsigned long long seq;
	unsigned i, got = 0;
	int ok = 1, rev = 1;

	tctx_init(&t, N, N);
	pool_new(&p, N, N, fn_reverse, &t);
	for (i = 0; i < N; i++)
		pool_submit(p, &items[i], NULL);
	pool_close(p);
	while ((it = pool_next(p, POOL_ORDERED, &seq)) != NULL) {
		if (it->id != got || seq != got + 1ULL)
			ok = 0;
		got++;
	}
	for (i = 0; i < N; i++)
		if (t.fin_order[i] != N - 1 - i)
			rev = 0;
	CHECK(rev, "ordered: items really finished in reverse");
	CHECK(ok && got == N, "ordered: returned in submission order");
	CHECK(!t.bad_slot, "ordered: slots ok");
	pool_free(p);
	tctx_release(&t);
	free(items);
}

/*
 * Completed mode returns items as they finish: the test lets one item
 * finish at a time, in an order of its choosing, and expects exactly it.
 */
static void test_completed_order(void)
{
	enum { N = 6 };
	static const unsigned order[N] = { 4, 1, 5, 0, 3, 2 };
	struct item *items = items_new(N);
	struct pool *p;
	struct tctx t;
	struct item *it;
	unsigned long long seq;
	unsigned i;
	int ok = 1;

	tctx_init(&t, N, N);
	pool_new(&p, N, N, fn_gate, &t);
	for (i = 0; i < N; i++)
		pool_submit(p, &items[i], NULL);
	pool_close(p);
	for (i = 0; i < N; i++) {
		gate_open(&t, order[i]);
		it = pool_next(p, POOL_COMPLETED, &seq);
		if (!it || it->id != order[i] || seq != order[i] + 1ULL)
			ok = 0;
	}
	CHECK(ok, "completed: returned in finishing order");
	CHECK(pool_next(p, POOL_COMPLETED, NULL) == NULL,
	      "completed: NULL at the end");
	CHECK(!t.bad_slot, "completed: slots ok");
	pool_free(p);
	tctx_release(&t);
	free(items);
}

/* The producer of test_window, which records when each submit returned. */
struct wprod {
	struct pool *p;
	struct item *items;
	unsigned n;
	struct tctx *t;
	unsigned returned;	/* under t->mu: submits that returned */
	int taken;		/* under t->mu: the consumer began a take */
	int early;		/* a blocked submit returned before any take */
	int rc_last;
	pthread_t tid;
};

static void *wproduce(void *arg)
{
	struct wprod *w = arg;
	unsigned i;
	int rc;

	for (i = 0; i < w->n; i++) {
		rc = pool_submit(w->p, &w->items[i], NULL);
		pthread_mutex_lock(&w->t->mu);
		w->returned++;
		w->rc_last = rc;
		if (i == w->n - 1 && !w->taken)
			w->early = 1;
		pthread_cond_broadcast(&w->t->cv);
		pthread_mutex_unlock(&w->t->mu);
	}
	return NULL;
}

/*
 * With a window of W, the (W+1)th submit blocks, even once all W items
 * have finished, until the consumer takes one.
 */
static void test_window(void)
{
	enum { W = 4, N = W + 1 };
	struct item *items = items_new(N);
	struct pool_stats st;
	struct wprod w;
	struct pool *p;
	struct tctx t;
	struct item *it;
	unsigned got = 1;
	int ok = 1;

	tctx_init(&t, N, 2);
	pool_new(&p, 2, W, fn_count, &t);
	memset(&w, 0, sizeof(w));
	w.p = p;
	w.items = items;
	w.n = N;
	w.t = &t;
	pthread_create(&w.tid, NULL, wproduce, &w);

	/* Wait until W submits returned and the pool finished all W. */
	pthread_mutex_lock(&t.mu);
	while (w.returned < W)
		pthread_cond_wait(&t.cv, &t.mu);
	pthread_mutex_unlock(&t.mu);
	wait_finished(p, W);
	nap();
	pool_stats(p, &st);
	pthread_mutex_lock(&t.mu);
	CHECK(w.returned == W, "window: submit W+1 blocks on a full window");
	pthread_mutex_unlock(&t.mu);
	CHECK(st.submitted == W && st.finished == W && st.running == 0,
	      "window: stats show W finished, none more submitted");

	pthread_mutex_lock(&t.mu);
	w.taken = 1;
	pthread_mutex_unlock(&t.mu);
	it = pool_next(p, POOL_ORDERED, NULL);
	ok = it && it->id == 0;
	pthread_join(w.tid, NULL);
	CHECK(!w.early && w.rc_last == 0 && w.returned == N,
	      "window: a take unblocks the submit");
	pool_close(p);
	while ((it = pool_next(p, POOL_ORDERED, NULL)) != NULL)
		if (it->id != got++)
			ok = 0;
	CHECK(ok && got == N, "window: all items back in order");
	pool_free(p);
	tctx_release(&t);
	free(items);
}

/* A submit blocked on a full window gives up with -ECANCELED on cancel. */
static void test_window_cancel(void)
{
	enum { W = 2, N = W + 1 };
	struct item *items = items_new(N);
	struct wprod w;
	struct pool *p;
	struct tctx t;
	struct item *it;
	unsigned got = 0;

	tctx_init(&t, N, 1);
	pool_new(&p, 1, W, fn_count, &t);
	memset(&w, 0, sizeof(w));
	w.p = p;
	w.items = items;
	w.n = N;
	w.t = &t;
	w.taken = 1;
	pthread_create(&w.tid, NULL, wproduce, &w);
	pthread_mutex_lock(&t.mu);
	while (w.returned < W)
		pthread_cond_wait(&t.cv, &t.mu);
	pthread_mutex_unlock(&t.mu);
	pool_cancel(p);
	pthread_join(w.tid, NULL);
	CHECK_INT(w.rc_last, -ECANCELED,
		  "window: cancel ends a blocked submit");
	while ((it = pool_next(p, POOL_COMPLETED, NULL)) != NULL)
		got++;
	CHECK_INT(got, W, "window: the refused item is not returned");
	pool_free(p);
	tctx_release(&t);
	free(items);
}

/* pool_head() hands out the ordered head while it still runs. */
static void test_head(void)
{
	enum { N = 3 };
	struct item *items = items_new(N);
	struct pool_stats st;
	struct pool *p;
	struct tctx t;
	struct item *it;
	unsigned long long seq = 0;
	unsigned i;

	tctx_init(&t, N, 1);
	pool_new(&p, 1, N, fn_gate, &t);
	for (i = 0; i < N; i++)
		pool_submit(p, &items[i], NULL);
	pool_close(p);

	it = pool_head(p, &seq);
	CHECK(it == &items[0] && seq == 1, "head: first item");
	CHECK_INT(pool_started(p), 1, "head: it has started");
	pool_stats(p, &st);
	CHECK(st.running == 1 && st.finished == 0,
	      "head: returned while the item still runs");
	it = pool_head(p, &seq);
	CHECK(it == &items[0] && seq == 1, "head: again gives the same item");
	gate_open(&t, 0);
	it = pool_next(p, POOL_ORDERED, &seq);
	CHECK(it == &items[0] && seq == 1, "head: next takes that item");

	/* Item 2 waits for the only worker; head waits for it to start. */
	it = pool_head(p, &seq);
	CHECK(it == &items[1] && seq == 2, "head: waits for the next start");
	pool_stats(p, &st);
	CHECK(st.running == 1 && st.finished == 1 && st.started == 2,
	      "head: second item running");
	gate_open(&t, 1);
	gate_open(&t, 2);
	it = pool_next(p, POOL_ORDERED, &seq);
	CHECK(it == &items[1] && seq == 2, "head: second item taken");
	it = pool_next(p, POOL_ORDERED, &seq);
	CHECK(it == &items[2] && seq == 3, "head: third without head");
	CHECK(pool_head(p, NULL) == NULL, "head: NULL at the end");
	CHECK(pool_next(p, POOL_ORDERED, NULL) == NULL, "head: next NULL");
	pool_free(p);
	tctx_release(&t);
	free(items);
}

/* A consumer thread blocked in pool_next() or pool_head(). */
struct waiter {
	struct pool *p;
	int kind;		/* 0 completed, 1 ordered, 2 head */
	void *got;
	pthread_t tid;
};

static void *wait_main(void *arg)
{
	struct waiter *w = arg;

	if (w->kind == 2)
		w->got = pool_head(w->p, NULL);
	else
		w->got = pool_next(w->p, w->kind ? POOL_ORDERED :
				   POOL_COMPLETED, NULL);
	return NULL;
}

/* Close, or cancel without close, wakes a consumer waiting for nothing. */
static void test_wake(void)
{
	static const char *const names[2][3] = {
		{ "wake: close ends a blocked next(completed)",
		  "wake: close ends a blocked next(ordered)",
		  "wake: close ends a blocked head" },
		{ "wake: cancel ends a blocked next(completed)",
		  "wake: cancel ends a blocked next(ordered)",
		  "wake: cancel ends a blocked head" },
	};
	struct waiter w;
	struct tctx t;
	int how, kind;

	tctx_init(&t, 1, 1);
	for (how = 0; how < 2; how++) {
		for (kind = 0; kind < 3; kind++) {
			pool_new(&w.p, 1, 1, fn_count, &t);
			w.kind = kind;
			w.got = &w;
			pthread_create(&w.tid, NULL, wait_main, &w);
			nap();
			if (how == 0)
				pool_close(w.p);
			else
				pool_cancel(w.p);
			pthread_join(w.tid, NULL);
			CHECK(w.got == NULL, names[how][kind]);
			pool_free(w.p);
		}
	}
	tctx_release(&t);
}

/* Cancel: unstarted items never run but still come back, marked so. */
static void test_cancel(enum pool_order order)
{
	enum { N = 5 };
	struct item *items = items_new(N);
	struct pool_stats st;
	struct pool *p;
	struct tctx t;
	struct item *it;
	unsigned long long seq;
	unsigned i, got = 0;
	int ok = 1;

	tctx_init(&t, N, 1);
	pool_new(&p, 1, N, fn_gate, &t);
	for (i = 0; i < N; i++)
		pool_submit(p, &items[i], NULL);
	wait_started(&t, 0);
	pool_cancel(p);
	pool_cancel(p);
	CHECK_INT(pool_submit(p, &items[0], NULL), -ECANCELED,
		  "cancel: submit refused");
	pool_stats(p, &st);
	CHECK(st.submitted == N && st.started == 1 && st.running == 1 &&
	      st.finished == N - 1, "cancel: stats after cancel");

	if (order == POOL_ORDERED) {
		it = pool_head(p, &seq);
		CHECK(it == &items[0] && pool_started(p) == 1,
		      "cancel: head is the running item");
		gate_open(&t, 0);
		for (i = 0; i < N; i++) {
			it = pool_next(p, POOL_ORDERED, &seq);
			if (!it || it->id != i || seq != i + 1ULL ||
			    pool_started(p) != (i == 0))
				ok = 0;
			got += it != NULL;
		}
		CHECK(ok, "cancel: ordered, skipped items in turn, started 0");
	} else {
		/* The skipped ones finished at cancel, before item 0. */
		gate_open(&t, 0);
		for (i = 0; i < N; i++) {
			it = pool_next(p, POOL_COMPLETED, &seq);
			if (!it || it->id != (i + 1) % N ||
			    pool_started(p) != (i == N - 1))
				ok = 0;
			got += it != NULL;
		}
		CHECK(ok, "cancel: completed, skipped first, started 0");
	}
	CHECK(got == N, "cancel: every item returned");
	CHECK(pool_next(p, order, NULL) == NULL,
	      "cancel: NULL without pool_close");
	pool_free(p);
	CHECK(t.runs[0] == 1 && t.runs[1] + t.runs[2] + t.runs[3] +
	      t.runs[4] == 0, "cancel: unstarted items never ran");
	tctx_release(&t);
	free(items);
}

/* Skipped items are seen by pool_head() too, as not started. */
static void test_cancel_head(void)
{
	enum { N = 3 };
	struct item *items = items_new(N);
	struct pool *p;
	struct tctx t;
	struct item *it;

	tctx_init(&t, N, 1);
	pool_new(&p, 1, N, fn_gate, &t);
	pool_submit(p, &items[0], NULL);
	pool_submit(p, &items[1], NULL);
	wait_started(&t, 0);
	pool_cancel(p);
	gate_open(&t, 0);
	it = pool_next(p, POOL_ORDERED, NULL);
	CHECK(it == &items[0] && pool_started(p), "cancel head: first ran");
	it = pool_head(p, NULL);
	CHECK(it == &items[1] && !pool_started(p),
	      "cancel head: skipped head, started 0");
	it = pool_next(p, POOL_ORDERED, NULL);
	CHECK(it == &items[1] && !pool_started(p),
	      "cancel head: then taken, started 0");
	CHECK(pool_head(p, NULL) == NULL, "cancel head: NULL at the end");
	pool_free(p);
	tctx_release(&t);
	free(items);
}

/* Threads start only as items need them. */
static void test_lazy(void)
{
	enum { N = 50, W = 8 };
	struct item *items = items_new(N);
	struct pool_stats st;
	struct pool *p;
	struct tctx t;
	unsigned i;
	int ok = 1, one = 1;

	/* One at a time: the first worker is idle again for each item. */
	tctx_init(&t, N, W);
	pool_new(&p, W, W, fn_count, &t);
	for (i = 0; i < N; i++) {
		pool_submit(p, &items[i], NULL);
		pool_stats(p, &st);
		if (st.threads > st.submitted)
			ok = 0;
		if (pool_next(p, POOL_ORDERED, NULL) != &items[i])
			ok = 0;
		pool_stats(p, &st);
		if (st.threads != 1)
			one = 0;
	}
	CHECK(ok, "lazy: never more threads than items");
	CHECK(one, "lazy: sequential use needs a single thread");
	pool_free(p);
	tctx_release(&t);

	/* Blocked items: one more thread per item, up to nworkers. */
	tctx_init(&t, W + 2, 3);
	pool_new(&p, 3, W, fn_gate, &t);
	ok = 1;
	for (i = 0; i < 5; i++) {
		pool_submit(p, &items[i], NULL);
		pool_stats(p, &st);
		if (st.threads != (i < 3 ? i + 1 : 3))
			ok = 0;
	}
	CHECK(ok, "lazy: one thread per waiting item, up to nworkers");
	for (i = 0; i < 5; i++)
		gate_open(&t, i);
	pool_close(p);
	while (pool_next(p, POOL_COMPLETED, NULL))
		;
	pool_stats(p, &st);
	CHECK(st.finished == 5 && st.threads == 3 && !t.bad_slot,
	      "lazy: all done on 3 threads");
	pool_free(p);
	tctx_release(&t);
	free(items);
}

/* window < nworkers is raised to nworkers: 3 items fit without a take. */
static void test_small_window(void)
{
	struct item *items = items_new(3);
	struct pool *p;
	struct tctx t;
	unsigned n = 0;

	tctx_init(&t, 3, 3);
	CHECK_INT(pool_new(&p, 3, 1, fn_count, &t), 0, "small window: new");
	pool_submit(p, &items[0], NULL);
	pool_submit(p, &items[1], NULL);
	pool_submit(p, &items[2], NULL);
	pool_close(p);
	while (pool_next(p, POOL_ORDERED, NULL))
		n++;
	CHECK_INT(n, 3, "small window: raised to nworkers");
	pool_free(p);
	tctx_release(&t);
	free(items);
}

/* pool_free() runs what is queued and joins, with items never taken. */
static void test_free_untaken(void)
{
	enum { N = 20 };
	struct item *items = items_new(N);
	struct pool *p;
	struct tctx t;
	unsigned i, ran = 0;

	tctx_init(&t, N, 2);
	pool_new(&p, 2, N, fn_count, &t);
	for (i = 0; i < N; i++)
		pool_submit(p, &items[i], NULL);
	pool_free(p);
	for (i = 0; i < N; i++)
		ran += t.runs[i];
	CHECK_INT(ran, N, "free: queued items run before the join");
	tctx_release(&t);
	free(items);
}

/* Shutdown joins the workers but leaves the pool usable for a late
 * submit, which is refused. */
static void test_shutdown(void)
{
	enum { N = 8 };
	struct item *items = items_new(N);
	struct pool_stats st;
	struct pool *p;
	struct tctx t;
	unsigned i, got = 0;

	tctx_init(&t, N, 2);
	pool_new(&p, 2, N, fn_count, &t);
	for (i = 0; i < N; i++)
		pool_submit(p, &items[i], NULL);
	pool_shutdown(p);
	pool_stats(p, &st);
	CHECK_INT(st.running, 0, "shutdown: nothing runs after it returns");
	CHECK_INT(pool_submit(p, &items[0], NULL), -ECANCELED,
		  "shutdown: a late submit is refused");
	while (pool_next(p, POOL_ORDERED, NULL))
		got++;
	CHECK_INT(got, N, "shutdown: every item still comes back");
	pool_free(p);
	tctx_release(&t);
	free(items);
}

/* pool_shutdown() from the consumer while the producer is blocked. */
static void *shutdown_main(void *arg)
{
	pool_shutdown(arg);
	return NULL;
}

/*
 * Shutdown cancels: items still queued when it is called never run. One
 * worker holds item 0 at its gate, so the other items are certainly
 * queued; the producer's next submit blocks on the full window until the
 * shutdown cancels, and only then is the gate opened.
 */
static void test_shutdown_cancels(void)
{
	enum { N = 8 };
	struct item *items = items_new(N + 1);
	struct pool *p;
	struct tctx t;
	pthread_t tid;
	unsigned i, ran = 0, got = 0;
	int rc;

	tctx_init(&t, N + 1, 1);
	pool_new(&p, 1, N, fn_gate, &t);
	for (i = 0; i < N; i++)
		pool_submit(p, &items[i], NULL);
	wait_started(&t, 0);
	pthread_create(&tid, NULL, shutdown_main, p);
	rc = pool_submit(p, &items[N], NULL);
	CHECK_INT(rc, -ECANCELED, "shutdown: a blocked submit is refused");
	for (i = 0; i <= N; i++)
		gate_open(&t, i);
	pthread_join(tid, NULL);
	for (i = 0; i <= N; i++)
		ran += t.runs[i];
	CHECK_INT(ran, 1, "shutdown: queued items do not run");
	while (pool_next(p, POOL_ORDERED, NULL))
		got++;
	CHECK_INT(got, N, "shutdown: skipped items still come back");
	pool_free(p);
	tctx_release(&t);
	free(items);
}

/* Many tiny items through a small window, in both orders. */
static void test_many(enum pool_order order, const char *name)
{
	enum { N = 100000 };
	struct item *items = items_new(N);
	unsigned char *seen = calloc(N, 1);
	struct pool_stats st;
	struct producer pr;
	struct pool *p;
	struct tctx t;
	struct item *it;
	unsigned i, got = 0;
	int ok = 1;

	tctx_init(&t, N, 4);
	pool_new(&p, 4, 64, fn_count, &t);
	produce_start(&pr, p, items, N);
	while ((it = pool_next(p, order, NULL)) != NULL) {
		if (seen[it->id]++ || (order == POOL_ORDERED && it->id != got))
			ok = 0;
		got++;
	}
	pthread_join(pr.tid, NULL);
	for (i = 0; i < N; i++)
		if (!seen[i] || t.runs[i] != 1)
			ok = 0;
	pool_stats(p, &st);
	CHECK(ok && got == N && pr.rc == 0 && !t.bad_slot &&
	      st.finished == N && st.threads <= 4, name);
	pool_free(p);
	tctx_release(&t);
	free(seen);
	free(items);
}

int main(void)
{
	test_new();
	test_once(POOL_COMPLETED, "once, completed");
	test_once(POOL_ORDERED, "once, ordered");
	test_ordered_reverse();
	test_completed_order();
	test_window();
	test_window_cancel();
	test_head();
	test_wake();
	test_cancel(POOL_ORDERED);
	test_cancel(POOL_COMPLETED);
	test_cancel_head();
	test_lazy();
	test_small_window();
	test_free_untaken();
	test_shutdown();
	test_shutdown_cancels();
	test_many(POOL_COMPLETED, "100k tiny items, completed, 4 workers");
	test_many(POOL_ORDERED, "100k tiny items, ordered, 4 workers");
	return tap_done();
}
