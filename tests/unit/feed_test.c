/*
 * Unit tests for io/feed: a block goes whole into a job's stdin pipe
 * while the job runs, in memory or as a file range, large or small; a
 * job that stops reading (head -n1) ends the feed with -EPIPE, not a
 * hang, and its own exit status is 0.
 */
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
	close(fd);
	free(d.buf);
	free(data);
	return tap_done();
}
