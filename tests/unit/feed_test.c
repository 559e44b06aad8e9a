/*
 * Unit tests for io/feed: a block goes whole into a job's stdin pipe
 * while the job runs, in memory or as a file range, large or small; a
 * job that stops reading (head -n1) ends the feed with -EPIPE, not a
 * hang, and its own exit status is 0.
 */
#include "blockfeed.h"
#include "feed.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct drain {
	int fd;
	char *buf;
	size_t len, cap, stop;
};

static void *drain(void *arg)
{
	struct drain *d = arg;
	ssize_t k;

	while (d->len < d->cap && (!d->stop || d->len < d->stop)) {
		k = read(d->fd, d->buf + d->len, d->cap - d->len);
		if (k <= 0)
			break;
		d->len += (size_t)k;
	}
	return NULL;
}

/* Steps 1-5 of feed.h with a thread in place of the job. */
static int run(struct feeder *f, const struct block *b, struct drain *d,
	       unsigned long long *sent)
{
	pthread_t t;
	int fds[2];

	if (feed_pipe(fds))
		return -999;
	feed_start(f, b, fds[1]);
	d->fd = fds[0];
	d->len = 0;
	pthread_create(&t, NULL, drain, d);
	pthread_join(t, NULL);
	close(fds[0]);
	return feed_wait(f, sent);
}

static char *pattern(size_t n)
{
	char *p = malloc(n);
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (char)(i % 251 == 250 ? '\n' : 'a' + i % 26);
	return p;
}

static pthread_mutex_t put_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned nput;

static void count_put(void *ctx, struct block *b)
{
	(void)ctx;
	(void)b;
	pthread_mutex_lock(&put_mu);
	nput++;
	pthread_mutex_unlock(&put_mu);
}

/* Blocks of m lines "%05u\n" of their number. */
#define NB 60
static char *qdata[NB];
static size_t qlines[NB];

/* Is d[0, n) whole blocks, in increasing order? Marks them in seen[]. */
static int whole_blocks(const char *d, size_t n, int *seen)
{
	size_t off = 0, k;
	unsigned i, last = 0;
	int first = 1;

	while (off < n) {
		if (n - off < 6)
			return 0;
		for (i = 0, k = 0; k < 5; k++) {
			if (d[off + k] < '0' || d[off + k] > '9')
				return 0;
			i = i * 10 + (unsigned)(d[off + k] - '0');
		}
		if (i >= NB || (!first && i <= last) || seen[i])
			return 0;
		for (k = 0; k < qlines[i]; k++)
			if (off + 6 > n ||
			    memcmp(d + off, qdata[i] + 6 * k, 6) != 0)
				return 0;
			else
				off += 6;
		seen[i] = 1;
		last = i;
		first = 0;
	}
	return 1;
}

static void test_round_robin(void)
{
	struct feeder *f[2];
	struct feed_queue *q;
	struct drain d[2];
	struct block b;
	pthread_t t[2];
	int fds[2][2], seen[NB] = { 0 }, ok = 1, rc[2];
	unsigned i, k, pushed = 0;

	for (i = 0; i < NB; i++) {
		qlines[i] = 1 + (i * 7919) % 40000;
		qdata[i] = malloc(6 * qlines[i] + 1);
		for (k = 0; k < qlines[i]; k++)
			snprintf(qdata[i] + 6 * k, 7, "%05u\n", i);
	}
	for (int stop = 0; stop < 2; stop++) {
		nput = 0;
		pushed = 0;
		feed_queue_new(&q, 4, 2, count_put, NULL);
		for (i = 0; i < 2; i++) {
			feed_new(&f[i]);
			feed_pipe(fds[i]);
			feed_start_queue(f[i], q, fds[i][1]);
			d[i].fd = fds[i][0];
			d[i].len = 0;
			d[i].cap = 6 * 40000 * NB;
			d[i].buf = malloc(d[i].cap);
			/* With stop, the first job quits after 1 byte. */
			d[i].stop = stop && i == 0 ? 1 : 0;
			pthread_create(&t[i], NULL, drain, &d[i]);
		}
		for (i = 0; i < NB; i++) {
			memset(&b, 0, sizeof(b));
			b.fd = -1;
			b.seq = i + 1;
			b.data = qdata[i];
			b.len = 6 * qlines[i];
			if (feed_queue_push(q, &b) == 0)
				pushed++;
		}
		feed_queue_close(q);
		for (i = 0; i < 2; i++) {
			pthread_join(t[i], NULL);
			close(fds[i][0]);
			rc[i] = feed_wait(f[i], NULL);
			feed_free(f[i]);
		}
		memset(seen, 0, sizeof(seen));
		if (!stop) {
			/* Not "both jobs got blocks": a feeder takes the
			 * next block when its pipe took the last, so on a
			 * busy machine one job may get them all, by
			 * design (a slow job does not hold the others). */
			ok = rc[0] == 0 && rc[1] == 0 &&
			     whole_blocks(d[0].buf, d[0].len, seen) &&
			     whole_blocks(d[1].buf, d[1].len, seen);
			for (i = 0; i < NB; i++)
				ok &= seen[i];
			CHECK(ok && nput == NB, "round robin: every block to "
			      "one of two jobs, whole, in order");
		} else {
			/* Job 0's feeder ends with -EPIPE if it held a
			 * block when its job quit, and with 0 if job 1's
			 * feeder took every block left before it came
			 * back (a busy machine): both are right. What
			 * must hold is that no push waits for the job
			 * that quit and that every block comes back. */
			ok = (rc[0] == -EPIPE || rc[0] == 0) && rc[1] == 0 &&
			     whole_blocks(d[1].buf, d[1].len, seen);
			CHECK(ok && pushed == NB && nput == NB,
			      "round robin: a job that quits leaves the "
			      "blocks to the other");
		}
		feed_queue_free(q);
		free(d[0].buf);
		free(d[1].buf);
	}

	/* Every job quits: a push fails instead of waiting. */
	nput = 0;
	feed_queue_new(&q, 1, 1, count_put, NULL);
	feed_new(&f[0]);
	feed_pipe(fds[0]);
	close(fds[0][0]);
	feed_start_queue(f[0], q, fds[0][1]);
	memset(&b, 0, sizeof(b));
	b.fd = -1;
	b.data = qdata[NB - 1];
	b.len = 6 * qlines[NB - 1];
	rc[0] = 0;
	for (i = 0; i < 10 && rc[0] == 0; i++)
		rc[0] = feed_queue_push(q, &b);
	CHECK_INT(rc[0], -EPIPE, "round robin: no job left, a push fails");
	feed_queue_close(q);
	feed_wait(f[0], NULL);
	feed_free(f[0]);
	feed_queue_free(q);
	for (i = 0; i < NB; i++)
		free(qdata[i]);
}

struct fifo_reader {
	const char *path;
	struct drain d;
};

static void *read_fifo(void *arg)
{
	struct fifo_reader *fr = arg;

	fr->d.fd = open(fr->path, O_RDONLY | O_CLOEXEC);
	if (fr->d.fd >= 0) {
		drain(&fr->d);
		close(fr->d.fd);
	}
	return NULL;
}

/* --cat and --fifo. */
static void test_cat_fifo(const char *data, size_t big, int range_fd)
{
	struct feeder *f;
	struct block b;
	struct fifo_reader fr;
	pthread_t t;
	char path[256];
	int fd, rc, ok;
	ssize_t k;
	char *back = malloc(big + 16);

	memset(&b, 0, sizeof(b));
	b.fd = -1;
	b.head = "H\n";
	b.head_len = 2;
	b.data = data;
	b.len = big;
	rc = block_to_file(&b, "/tmp", path, sizeof(path));
	fd = open(path, O_RDONLY);
	k = read(fd, back, big + 16);
	close(fd);
	unlink(path);
	CHECK(rc == 0 && k == (ssize_t)big + 2 && memcmp(back, "H\n", 2) == 0
	      && memcmp(back + 2, data, big) == 0,
	      "--cat: a memory block to a file, every byte");

	b.data = NULL;
	b.len = 0;
	b.fd = range_fd;
	b.off = 777;
	b.flen = (off_t)(big - 1000);
	rc = block_to_file(&b, "/tmp", path, sizeof(path));
	fd = open(path, O_RDONLY);
	k = read(fd, back, big + 16);
	close(fd);
	unlink(path);
	CHECK(rc == 0 && k == b.flen + 2 &&
	      memcmp(back + 2, data + 777, (size_t)b.flen) == 0,
	      "--cat: a file range to a file, every byte");

	feed_new(&f);
	b.fd = -1;
	b.data = data;
	b.len = big;
	rc = block_mkfifo("/tmp", 7, path, sizeof(path));
	CHECK_INT(rc, 0, "--fifo: block_mkfifo");
	fr.path = path;
	fr.d.buf = back;
	fr.d.len = 0;
	fr.d.cap = big + 16;
	fr.d.stop = 0;
	feed_start_fifo(f, &b, path);
	pthread_create(&t, NULL, read_fifo, &fr);
	pthread_join(t, NULL);
	feed_cancel(f);
	rc = feed_wait(f, NULL);
	ok = rc == 0 && fr.d.len == big + 2 &&
	     memcmp(back + 2, data, big) == 0;
	CHECK(ok, "--fifo: the job reads the block through the fifo");

	fr.d.len = 0;
	fr.d.stop = 1;
	feed_start_fifo(f, &b, path);
	pthread_create(&t, NULL, read_fifo, &fr);
	pthread_join(t, NULL);
	feed_cancel(f);
	CHECK_INT(feed_wait(f, NULL), -EPIPE,
		  "--fifo: a job that quits reading: -EPIPE");

	feed_start_fifo(f, &b, path);
	feed_cancel(f);
	CHECK_INT(feed_wait(f, NULL), -EPIPE,
		  "--fifo: a job that never opens it: -EPIPE, no hang");
	unlink(path);
	feed_free(f);
	free(back);
}

int main(void)
{
	size_t big = 8 << 20, small = 1000;
	char *data = pattern(big), path[] = "/tmp/feed_test.XXXXXX";
	struct feeder *f;
	struct block b;
	struct drain d;
	unsigned long long sent;
	int rc, fds[2], fd, status = -1;
	posix_spawn_file_actions_t fa;
	char a0[] = "head", a1[] = "-n1";
	char *argv[] = { a0, a1, NULL };
	pid_t pid;

	signal(SIGPIPE, SIG_IGN);
	CHECK_INT(feed_new(&f), 0, "feed_new");
	memset(&b, 0, sizeof(b));
	b.fd = -1;
	b.head = "H\n";
	b.head_len = 2;
	b.data = data;
	b.len = big;
	d.buf = malloc(big + 16);
	d.cap = big + 16;
	d.stop = 0;

	rc = run(f, &b, &d, &sent);
	CHECK(rc == 0 && sent == big + 2 && d.len == big + 2 &&
	      memcmp(d.buf, "H\n", 2) == 0 &&
	      memcmp(d.buf + 2, data, big) == 0,
	      "8 MiB block through the feeder thread, every byte");

	b.len = small;
	rc = run(f, &b, &d, &sent);
	CHECK(rc == 0 && sent == small + 2 && d.len == small + 2 &&
	      memcmp(d.buf + 2, data, small) == 0,
	      "a block that fits the pipe, written at once");

	b.len = big;
	d.stop = 1;
	rc = run(f, &b, &d, &sent);
	CHECK_INT(rc, -EPIPE, "a reader that stops: -EPIPE, no hang");
	d.stop = 0;

	fd = mkstemp(path);
	unlink(path);
	if (write(fd, data, big) != (ssize_t)big)
		abort();
	b.data = NULL;
	b.len = 0;
	b.fd = fd;
	b.off = 12345;
	b.flen = (off_t)(big - 20000);
	rc = run(f, &b, &d, &sent);
	CHECK(rc == 0 && d.len == 2 + (size_t)b.flen &&
	      memcmp(d.buf + 2, data + 12345, (size_t)b.flen) == 0,
	      "a file range through the feeder, every byte");

	/* A real job that reads one line of 8 MiB and exits. */
	b.fd = -1;
	b.data = data;
	b.len = big;
	feed_pipe(fds);
	feed_start(f, &b, fds[1]);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, "head", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc == 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	close(fds[0]);
	rc = feed_wait(f, &sent);
	CHECK(rc == -EPIPE && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "head -n1 as the job: it exits 0, the feed ends with -EPIPE");

	feed_free(f);
	test_round_robin();
	test_cat_fifo(data, big, fd);
	close(fd);
	free(d.buf);
	free(data);
	return tap_done();
}
