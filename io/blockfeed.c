/*
 * blockfeed: a block's bytes to a descriptor, a file or a named pipe.
 *
 * DESIGN. A memory body is written with write(2). A file body (a range of
 * the input file) moves in the kernel: splice(2) into a pipe, sendfile(2)
 * where splice is refused, pread/write as the last resort, and
 * copy_file_range(2) into a --cat file. MOVE_MAX bounds what one call
 * moves. Into a pipe, a body is paced to the job's reading (struct
 * pace): fewer, larger splices or writes instead of one per read.
 */
#include "blockfeed.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#define COPY_BUF (128 * 1024)
#define MOVE_MAX (1024 * 1024)

/* Wait until fd can take more (for a non-blocking descriptor). */
static int wait_out(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
		return -errno;
	return 0;
}

/*
 * Pacing a pipe. Splicing into a full pipe wakes the feeder for every
 * read the job makes (wc -l reads 16 KiB at a time), and the wake-ups,
 * tens of thousands a second on both sides, cost more than the bytes.
 * So once the pipe is more than half full the feeder naps and then tops
 * the pipe up in one call. The nap adapts to the job: it doubles while
 * the pipe is still over half full after it, and halves when the pipe
 * fell under a quarter (the job nearly ran dry), and starts over when
 * the pipe was empty (the job sped up). A job that read nothing
 * during a nap gets a blocking splice, which waits in the kernel.
 */
struct pace {
	int cap;			/* the pipe's size; 0: not a pipe */
	long nap;			/* ns */
};

#define PACE_MIN_NS 20000L
#define PACE_MAX_NS 5000000L		/* a slow job's pipe */

static void pace_init(struct pace *pc, int out)
{
	pc->cap = fcntl(out, F_GETPIPE_SZ);
	if (pc->cap < 0)
		pc->cap = 0;
	pc->nap = PACE_MIN_NS;
}

/* How much to move next: the room in the pipe once it is at most half
 * full (napping for that), or 0 for "any" (splice blocks). */
static size_t pace_room(struct pace *pc, int out)
{
	struct timespec ts;
	int q, q2;

	if (!pc->cap || ioctl(out, FIONREAD, &q) < 0)
		return 0;
	if (q <= pc->cap / 2)
		return (size_t)(pc->cap - q);
	ts.tv_sec = 0;
	ts.tv_nsec = pc->nap;
	nanosleep(&ts, NULL);
	if (ioctl(out, FIONREAD, &q2) < 0 || q2 >= q)
		return 0;
	if (q2 > pc->cap / 2 && pc->nap < PACE_MAX_NS)
		pc->nap *= 2;
	else if (q2 == 0)		/* it ran dry: start over */
		pc->nap = PACE_MIN_NS;
	else if (q2 < pc->cap / 4 && pc->nap > PACE_MIN_NS)
		pc->nap /= 2;
	return (size_t)(pc->cap - q2);
}

/* Write all of p; paced into a pipe when pc is not NULL. */
static int write_all(int fd, const char *p, size_t n,
		     unsigned long long *sent, struct pace *pc)
{
	size_t chunk, room;
	ssize_t w;
	int rc;

	while (n) {
		chunk = n;
		room = pc ? pace_room(pc, fd) : 0;
		if (room && room < chunk)
			chunk = room;
		w = write(fd, p, chunk);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			rc = wait_out(fd);
			if (rc)
				return rc;
			continue;
		}
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
		*sent += (unsigned long long)w;
	}
	return 0;
}

/* The slow way for a descriptor that neither splice nor sendfile take. */
static int copy_range(int in, off_t off, off_t n, int out,
		      unsigned long long *sent)
{
	char *buf = malloc(COPY_BUF);
	ssize_t got;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	while (n > 0) {
		got = pread(in, buf, n < COPY_BUF ? (size_t)n : COPY_BUF, off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			rc = got < 0 ? -errno : 0;
			break;
		}
		rc = write_all(out, buf, (size_t)got, sent, NULL);
		if (rc)
			break;
		off += got;
		n -= got;
	}
	free(buf);
	return rc;
}

static int feed_range(int in, off_t off, off_t n, int out,
		      unsigned long long *sent)
{
	int use_splice = 1;
	struct pace pc;
	size_t chunk, room;
	ssize_t m;
	int rc;

	pace_init(&pc, out);
	while (n > 0) {
		chunk = n < MOVE_MAX ? (size_t)n : MOVE_MAX;
		room = use_splice ? pace_room(&pc, out) : 0;
		if (room && room < chunk)
			chunk = room;
		if (use_splice)
			m = splice(in, &off, out, NULL, chunk, SPLICE_F_MOVE);
		else
			m = sendfile(out, in, &off, chunk);
		if (m < 0 && errno == EINTR)
			continue;
		if (m < 0 && errno == EAGAIN) {
			rc = wait_out(out);
			if (rc)
				return rc;
			continue;
		}
		if (m < 0 && (errno == EINVAL || errno == ENOSYS)) {
			if (use_splice) {
				use_splice = 0;
				continue;
			}
			return copy_range(in, off, n, out, sent);
		}
		if (m < 0)
			return -errno;
		if (m == 0)	/* the file got shorter: nothing more */
			break;
		n -= m;
		*sent += (unsigned long long)m;
	}
	return 0;
}

int block_feed(const struct block *b, int fd, unsigned long long *sent)
{
	unsigned long long dummy = 0;
	struct pace pc;
	int rc;

	if (!sent)
		sent = &dummy;
	rc = write_all(fd, b->head, b->head_len, sent, NULL);
	if (rc)
		return rc;
	if (b->fd >= 0)
		return feed_range(b->fd, b->off, b->flen, fd, sent);
	pace_init(&pc, fd);
	return write_all(fd, b->data, b->len, sent, &pc);
}

/* A range into a regular file: the kernel copies (or shares) it. */
static int file_range(int in, off_t off, off_t n, int out,
		      unsigned long long *sent)
{
	ssize_t m;

	while (n > 0) {
		m = copy_file_range(in, &off, out, NULL,
				    n < MOVE_MAX ? (size_t)n : MOVE_MAX, 0);
		if (m < 0 && errno == EINTR)
			continue;
		if (m <= 0)
			break;
		n -= m;
		*sent += (unsigned long long)m;
	}
	return n > 0 ? feed_range(in, off, n, out, sent) : 0;
}

int block_to_file(const struct block *b, const char *dir, char *path,
		  size_t pathlen)
{
	unsigned long long sent = 0;
	int fd, rc;

	if ((size_t)snprintf(path, pathlen, "%s/lanes-cat.XXXXXX", dir) >=
	    pathlen)
		return -ENAMETOOLONG;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = write_all(fd, b->head, b->head_len, &sent, NULL);
	if (!rc && b->fd >= 0)
		rc = file_range(b->fd, b->off, b->flen, fd, &sent);
	else if (!rc)
		rc = write_all(fd, b->data, b->len, &sent, NULL);
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (rc)
		unlink(path);
	return rc;
}

int block_mkfifo(const char *dir, unsigned long long seq, char *path,
		 size_t pathlen)
{
	unsigned n;

	for (n = 0; n < 1000; n++) {
		if ((size_t)snprintf(path, pathlen, "%s/lanes-%ld-%llu-%u.fifo",
				     dir, (long)getpid(), seq, n) >= pathlen)
			return -ENAMETOOLONG;
		if (mkfifo(path, 0600) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

unsigned long long block_bytes(const struct block *b)
{
	return (unsigned long long)b->head_len +
	       (b->fd >= 0 ? (unsigned long long)b->flen :
			     (unsigned long long)b->len);
}
