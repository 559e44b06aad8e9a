/*
 * feed: one thread per slot that writes blocks into jobs' stdin pipes.
 *
 * DESIGN. The worker hands over (block, fd) under the mutex and the
 * feeder thread writes outside it; state goes IDLE -> WORK -> DONE ->
 * IDLE (feed_wait) and QUIT ends the thread. The feeder never waits for
 * the job: a job that reads everything gets EOF when the feeder closes
 * its end, and a job that stops reading is noticed when the worker
 * closes the read end after the job ended (EPIPE). So a feed can block
 * only as long as its job lives, which the launcher's timeout bounds.
 *
 * --round-robin uses the same thread with a queue instead of one block:
 * the feeder takes blocks from the shared ring while its job reads, so
 * the blocks go to whichever jobs are keeping up. A feeder whose job
 * stopped reading leaves the queue and says so (left), and once every
 * job has left a push fails rather than wait for ever.
 */
#include "feed.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define PIPE_BYTES (1024 * 1024)

enum { IDLE, WORK, DONE, QUIT };

struct feed_queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* anything below changed */
	struct block *ring;		/* under mu: [cap] */
	unsigned cap, head, n;		/* under mu */
	unsigned readers, left;		/* under mu: left stopped reading */
	int closed, cancel;		/* under mu */
	void (*put)(void *ctx, struct block *b);
	void *ctx;
};

struct feeder {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int state;			/* under mu */
	const struct block *b;		/* under mu: the work, or */
	struct feed_queue *q;		/* under mu: blocks from here */
	int fd;				/* under mu */
	const char *path;		/* under mu: a fifo to open for fd */
	int cancel;			/* under mu: stop opening path */
	int rc;				/* under mu: the result */
	unsigned long long sent;	/* under mu */
};

/* Feed blocks from q to fd until q is closed and empty or fd fails. */
static int feed_queue_run(struct feed_queue *q, int fd,
			  unsigned long long *sent)
{
	struct block b;
	int rc = 0;

	for (;;) {
		pthread_mutex_lock(&q->mu);
		while (!q->n && !q->closed && !q->cancel)
			pthread_cond_wait(&q->cv, &q->mu);
		if (!q->n || q->cancel) {
			pthread_mutex_unlock(&q->mu);
			break;
		}
		b = q->ring[q->head];
		q->head = (q->head + 1) % q->cap;
		q->n--;
		pthread_cond_broadcast(&q->cv);
		pthread_mutex_unlock(&q->mu);
		rc = block_feed(&b, fd, sent);
		q->put(q->ctx, &b);
		if (rc)
			break;
	}
	if (rc) {
		pthread_mutex_lock(&q->mu);
		q->left++;
		pthread_cond_broadcast(&q->cv);
		pthread_mutex_unlock(&q->mu);
	}
	return rc;
}

/*
 * Open a fifo for writing once a reader has it open: O_NONBLOCK makes
 * open() fail with ENXIO until then, so the feeder can notice
 * feed_cancel() instead of blocking for good on a job that never opens
 * it. The waits grow from 1 ms to 50 ms.
 */
static int open_fifo(struct feeder *f, const char *path, int *fd)
{
	struct timespec ts = { 0, 1000000 };
	int cancel, fl;

	for (;;) {
		*fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (*fd >= 0)
			break;
		if (errno != ENXIO && errno != EINTR)
			return -errno;
		pthread_mutex_lock(&f->mu);
		cancel = f->cancel;
		pthread_mutex_unlock(&f->mu);
		if (cancel)
			return -EPIPE;
		nanosleep(&ts, NULL);
		if (ts.tv_nsec < 50000000)
			ts.tv_nsec *= 2;
	}
	fl = fcntl(*fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(*fd, F_SETFL, fl & ~O_NONBLOCK);
	(void)fcntl(*fd, F_SETPIPE_SZ, PIPE_BYTES);
	return 0;
}

static void *feeder_main(void *arg)
{
	struct feeder *f = arg;
	const struct block *b;
	struct feed_queue *q;
	const char *path;
	unsigned long long sent;
	sigset_t all;
	int fd, rc;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&f->mu);
	for (;;) {
		while (f->state != WORK && f->state != QUIT)
			pthread_cond_wait(&f->cv, &f->mu);
		if (f->state == QUIT)
			break;
		b = f->b;
		q = f->q;
		fd = f->fd;
		path = f->path;
		pthread_mutex_unlock(&f->mu);
		sent = 0;
		rc = path ? open_fifo(f, path, &fd) : 0;
		if (!rc)
			rc = q ? feed_queue_run(q, fd, &sent) :
				 block_feed(b, fd, &sent);
		if (fd >= 0)
			close(fd);
		pthread_mutex_lock(&f->mu);
		f->rc = rc;
		f->sent = sent;
		f->state = DONE;
		pthread_cond_broadcast(&f->cv);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

int feed_new(struct feeder **out)
{
	struct feeder *f = calloc(1, sizeof(*f));
	int rc = -ENOMEM;

	*out = NULL;
	if (!f)
		goto out;
	rc = -pthread_mutex_init(&f->mu, NULL);
	if (rc)
		goto out;
	rc = -pthread_cond_init(&f->cv, NULL);
	if (rc) {
		pthread_mutex_destroy(&f->mu);
		goto out;
	}
	f->state = IDLE;
	rc = -pthread_create(&f->thread, NULL, feeder_main, f);
	if (rc) {
		pthread_cond_destroy(&f->cv);
		pthread_mutex_destroy(&f->mu);
		goto out;
	}
	*out = f;
	f = NULL;
out:
	free(f);
	return rc;
}

void feed_free(struct feeder *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	f->state = QUIT;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->thread, NULL);
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

int feed_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	/* Fewer, larger wake-ups for both sides; the default 64 KiB is
	 * kept where the limit (fs.pipe-max-size) is lower. */
	(void)fcntl(fds[1], F_SETPIPE_SZ, PIPE_BYTES);
	return 0;
}

int feed_start(struct feeder *f, const struct block *b, int fd)
{
	int room = fcntl(fd, F_GETPIPE_SZ), rc;
	unsigned long long sent = 0;

	/* A memory block that fits goes in at once: an empty pipe takes
	 * it without blocking, and the feeder thread is idle, so no lock
	 * is needed. Not a file range: splice fills a pipe slot per page
	 * touched, so a range can need more slots than its bytes say. */
	if (b->fd < 0 && room > 4096 &&
	    block_bytes(b) <= (unsigned long long)room - 4096) {
		rc = block_feed(b, fd, &sent);
		close(fd);
		pthread_mutex_lock(&f->mu);
		f->rc = rc;
		f->sent = sent;
		f->state = DONE;
		pthread_mutex_unlock(&f->mu);
		return 0;
	}
	pthread_mutex_lock(&f->mu);
	f->b = b;
	f->q = NULL;
	f->path = NULL;
	f->fd = fd;
	f->state = WORK;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return 0;
}

int feed_wait(struct feeder *f, unsigned long long *sent)
{
	int rc;

	pthread_mutex_lock(&f->mu);
	while (f->state != DONE)
		pthread_cond_wait(&f->cv, &f->mu);
	rc = f->rc;
	if (sent)
		*sent = f->sent;
	f->state = IDLE;
	f->b = NULL;
	f->q = NULL;
	f->path = NULL;
	f->cancel = 0;
	f->fd = -1;
	pthread_mutex_unlock(&f->mu);
	return rc;
}

int feed_start_fifo(struct feeder *f, const struct block *b,
		    const char *path)
{
	pthread_mutex_lock(&f->mu);
	f->b = b;
	f->q = NULL;
	f->path = path;
	f->fd = -1;
	f->cancel = 0;
	f->state = WORK;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return 0;
}

void feed_cancel(struct feeder *f)
{
	pthread_mutex_lock(&f->mu);
	f->cancel = 1;
	pthread_mutex_unlock(&f->mu);
}

int feed_start_queue(struct feeder *f, struct feed_queue *q, int fd)
{
	pthread_mutex_lock(&f->mu);
	f->b = NULL;
	f->path = NULL;
	f->q = q;
	f->fd = fd;
	f->state = WORK;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return 0;
}

int feed_queue_new(struct feed_queue **out, unsigned cap, unsigned readers,
		   void (*put)(void *ctx, struct block *b), void *ctx)
{
	struct feed_queue *q = calloc(1, sizeof(*q));

	*out = NULL;
	if (!q)
		return -ENOMEM;
	q->cap = cap ? cap : 1;
	q->ring = calloc(q->cap, sizeof(*q->ring));
	if (!q->ring) {
		free(q);
		return -ENOMEM;
	}
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->readers = readers;
	q->put = put;
	q->ctx = ctx;
	*out = q;
	return 0;
}

int feed_queue_push(struct feed_queue *q, const struct block *b)
{
	int rc = 0;

	pthread_mutex_lock(&q->mu);
	while (q->n == q->cap && !q->cancel && q->left < q->readers)
		pthread_cond_wait(&q->cv, &q->mu);
	if (q->cancel)
		rc = -ECANCELED;
	else if (q->left >= q->readers)
		rc = -EPIPE;
	else {
		q->ring[(q->head + q->n) % q->cap] = *b;
		q->n++;
		pthread_cond_broadcast(&q->cv);
	}
	pthread_mutex_unlock(&q->mu);
	return rc;
}

void feed_queue_close(struct feed_queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void feed_queue_cancel(struct feed_queue *q)
{
	struct block b;

	pthread_mutex_lock(&q->mu);
	q->cancel = 1;
	pthread_cond_broadcast(&q->cv);
	while (q->n) {
		b = q->ring[q->head];
		q->head = (q->head + 1) % q->cap;
		q->n--;
		pthread_mutex_unlock(&q->mu);
		q->put(q->ctx, &b);
		pthread_mutex_lock(&q->mu);
	}
	pthread_mutex_unlock(&q->mu);
}

void feed_queue_free(struct feed_queue *q)
{
	if (!q)
		return;
	feed_queue_cancel(q);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q->ring);
	free(q);
}
