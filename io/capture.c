/*
 * DESIGN: the writer appends to mem until CAP_MEM_MAX, then to a spill file
 * it creates on first need. It publishes progress by raising len under mu;
 * bytes below len never change again, so the reader may pread() the spill
 * file without the lock. mem may be reallocated by the writer while it is
 * below CAP_MEM_MAX, so the reader copies from mem under the lock. The
 * writer only signals cv when the reader said it is waiting, which keeps
 * the common case (nobody streams this job live) to one uncontended lock
 * per write.
 */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "out.h"

void cap_init(struct capture *c, const char *tmpdir)
{
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	pthread_cond_init(&c->wcv, NULL);
	c->live = 0;
	c->consumed = 0;
	c->wwaiting = 0;
	c->tmpdir = tmpdir;
	c->mem = NULL;
	c->memcap = 0;
	c->fd = -1;
	c->len = 0;
	c->done = 0;
	c->waiting = 0;
	c->err = 0;
	c->discarded = 0;
	c->handover = 0;
	c->direct = 0;
	c->midline = 0;
	c->direct_len = 0;
}

void cap_release(struct capture *c)
{
	free(c->mem);
	c->mem = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	pthread_cond_destroy(&c->cv);
	pthread_cond_destroy(&c->wcv);
	pthread_mutex_destroy(&c->mu);
}

/* An unlinked file in dir: O_TMPFILE where the file system has it. */
static int spill_open(const char *dir)
{
	char path[4096];
	int fd;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return -errno;
	if (snprintf(path, sizeof(path), "%s/lanes.XXXXXX", dir) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	return fd;
}

/*
 * The lock of a capture the caller may only read. The mutex is how the
 * capture is shared, not part of its value: reading a capture still takes
 * it. C has no "mutable", so this is the one place const is dropped; it
 * is defined behaviour because no capture is ever defined const.
 */
static pthread_mutex_t *lock_of(const struct capture *c)
{
	return (pthread_mutex_t *)&c->mu;
}

int cap_write(struct capture *c, const void *p, size_t n)
{
	const char *s = p;
	unsigned long long len;
	size_t inmem = 0;
	int rc = 0;

	pthread_mutex_lock(&c->mu);
	while (c->live && !c->err &&
	       c->len - c->consumed > CAP_LIVE_AHEAD) {
		c->wwaiting = 1;
		pthread_cond_wait(&c->wcv, &c->mu);
		c->wwaiting = 0;
	}
	/* The reader printed all there is and offered its place. */
	if (c->handover && c->consumed == c->len && !c->err)
		c->direct = 1;
	len = c->len;
	rc = c->direct ? CAP_DIRECT : c->err;
	pthread_mutex_unlock(&c->mu);
	if (rc == CAP_DIRECT)
		c->direct_len += n;
	if (rc)
		return rc;

	if (len < CAP_MEM_MAX) {
		size_t want, cap;
		char *m;

		inmem = n < CAP_MEM_MAX - len ? n : CAP_MEM_MAX - len;
		want = (size_t)len + inmem;
		if (want > c->memcap) {
			cap = c->memcap ? c->memcap : 256;
			while (cap < want)
				cap *= 2;
			if (cap > CAP_MEM_MAX)
				cap = CAP_MEM_MAX;
			pthread_mutex_lock(&c->mu);
			m = realloc(c->mem, cap);
			if (m) {
				c->mem = m;
				c->memcap = cap;
			}
			pthread_mutex_unlock(&c->mu);
			if (!m) {
				rc = -ENOMEM;
				goto out;
			}
		}
		/* Bytes at and above len are the writer's alone. */
		memcpy(c->mem + len, s, inmem);
	}
	if (inmem < n) {
		if (c->fd < 0) {
			int fd = spill_open(c->tmpdir);

			if (fd < 0) {
				rc = fd;
				goto out;
			}
			c->fd = fd;
		}
		rc = out_write(c->fd, s + inmem, n - inmem);
	}
out:
	if (!rc && n)
		c->midline = s[n - 1] != '\n';
	pthread_mutex_lock(&c->mu);
	if (rc)
		c->err = rc;
	else
		c->len += n;
	if (c->waiting)
		pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

void cap_reset(struct capture *c)
{
	pthread_mutex_lock(&c->mu);
	c->len = 0;
	c->err = 0;
	c->done = 0;
	c->discarded = 0;
	c->handover = c->direct = c->midline = 0;
	c->direct_len = 0;
	pthread_mutex_unlock(&c->mu);
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
}

void cap_finish(struct capture *c)
{
	pthread_mutex_lock(&c->mu);
	c->done = 1;
	if (c->waiting)
		pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

unsigned long long cap_wait(struct capture *c, unsigned long long off,
			    int *done)
{
	unsigned long long len;

	pthread_mutex_lock(&c->mu);
	c->live = 1;
	while (c->len <= off && !c->done) {
		c->waiting = 1;
		pthread_cond_wait(&c->cv, &c->mu);
	}
	c->waiting = 0;
	len = c->len;
	*done = c->done;
	pthread_mutex_unlock(&c->mu);
	return len;
}

ssize_t cap_read(const struct capture *c, unsigned long long off, void *p,
		 size_t n)
{
	char *d = p;
	size_t got = 0;

	if (off < CAP_MEM_MAX) {
		size_t k;

		pthread_mutex_lock(lock_of(c));
		k = (size_t)(c->len < CAP_MEM_MAX ? c->len : CAP_MEM_MAX);
		k = off < k ? k - (size_t)off : 0;
		if (k > n)
			k = n;
		if (k)
			memcpy(d, c->mem + off, k);
		pthread_mutex_unlock(lock_of(c));
		got = k;
		off += k;
	}
	while (got < n && off >= CAP_MEM_MAX && c->fd >= 0) {
		ssize_t r = pread(c->fd, d + got, n - got,
				  (off_t)(off - CAP_MEM_MAX));

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return got ? (ssize_t)got : -errno;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		off += (unsigned long long)r;
	}
	return (ssize_t)got;
}

ssize_t cap_send(const struct capture *c, unsigned long long off, int fd,
		 size_t n)
{
	off_t at;
	ssize_t r;

	if (off < CAP_MEM_MAX || c->fd < 0)
		return 0;
	at = (off_t)(off - CAP_MEM_MAX);
	do
		r = sendfile(fd, c->fd, &at, n);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EINVAL || errno == ENOSYS ? 0 : -errno;
	return r ? r : -EIO;	/* the file ends below len: a bug */
}

void cap_discard(struct capture *c, unsigned long long off, int free_blocks)
{
	unsigned long long end;

	pthread_mutex_lock(&c->mu);
	c->consumed = off;
	if (c->wwaiting)
		pthread_cond_signal(&c->wcv);
	pthread_mutex_unlock(&c->mu);
	/* Whole 1 MiB steps only: one call per megabyte is cheap, and a
	 * file system without hole punching just keeps the blocks. */
	/* Test off first: below CAP_MEM_MAX the writer may be setting fd
	 * right now; above it, the lock taken by cap_wait() published fd. */
	if (!free_blocks || off <= CAP_MEM_MAX || c->fd < 0)
		return;
	end = (off - CAP_MEM_MAX) & ~((1ULL << 20) - 1);
	if (end <= c->discarded)
		return;
	fallocate(c->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		  (off_t)c->discarded, (off_t)(end - c->discarded));
	c->discarded = end;
}

int cap_each(const struct capture *c,
	     int (*fn)(void *ctx, const char *p, size_t n), void *ctx)
{
	unsigned long long off = 0, len = cap_len(c);
	char chunk[65536];
	int rc = 0;

	while (!rc && off < len) {
		ssize_t n = cap_read(c, off, chunk, sizeof(chunk));

		if (n <= 0)
			return n < 0 ? (int)n : -EIO;
		off += (unsigned long long)n;
		rc = fn(ctx, chunk, (size_t)n);
	}
	return rc;
}

void cap_hand_over(struct capture *c)
{
	pthread_mutex_lock(&c->mu);
	c->handover = 1;
	pthread_mutex_unlock(&c->mu);
}

int cap_direct_midline(const struct capture *c)
{
	return c->midline;
}

unsigned long long cap_total(const struct capture *c)
{
	return cap_len(c) + c->direct_len;
}

unsigned long long cap_len(const struct capture *c)
{
	unsigned long long len;

	pthread_mutex_lock(lock_of(c));
	len = c->len;
	pthread_mutex_unlock(lock_of(c));
	return len;
}

int cap_error(const struct capture *c)
{
	int err;

	pthread_mutex_lock(lock_of(c));
	err = c->err;
	pthread_mutex_unlock(lock_of(c));
	return err;
}
