/*
 * bulk: the block source and the per-slot feeders of --pipe and
 * --pipe-part, put together the way a run uses them.
 *
 * DESIGN. Without --round-robin a block is a job: the reader cuts it, the
 * job owns it through its tries, and the worker hands it over with a
 * fresh pipe per try (or a --cat file, or a --fifo; or, for the range of
 * --pipe-part that ends the file, the file itself) and gives it back
 * after the last try. The reader lets at most 2 x -j blocks be out at
 * once, which bounds memory at about that many blocks whatever the size
 * of the input or the pool's window. With --round-robin, -j jobs start
 * once with a pipe each and their feeders take blocks from one queue
 * until the reader closes it.
 */
#include "bulk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct bulk {
	struct bulk_opts o;
	int fd;				/* the input */
	int own_fd;			/* opened here (-a FILE) */
	struct block_reader r;		/* --pipe */
	struct block_part p;		/* --pipe-part */
	int have_r, have_p;
	struct feeder **feed;		/* [1..jobs] */
	struct feed_queue *q;		/* --round-robin */
};

/*
 * --pipe-part: a range that ends where the file ends needs no pipe. The
 * job gets the file itself, on a description of its own that starts at
 * the range, and reads it as fast as it would read the file: nothing of
 * lanes is between them. Not when a header goes first, or when the file
 * has grown since it was measured (the job would read more than its
 * range). -1: feed it through a pipe.
 */
static int open_tail(const struct bulk *bk, const struct block *b)
{
	char path[64];
	struct stat st;
	int fd;

	if (!bk->have_p || b->fd < 0 || b->head_len ||
	    b->off + b->flen != bk->p.end)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", b->fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || (S_ISREG(st.st_mode) &&
				   st.st_size != bk->p.end) ||
	    lseek(fd, b->off, SEEK_SET) != b->off) {
		close(fd);
		return -1;
	}
	return fd;
}

static void queue_put(void *ctx, struct block *b)
{
	bulk_put(ctx, b);
}

int bulk_new(struct bulk **out, const struct bulk_opts *o, char *err,
	     size_t errlen)
{
	struct bulk *bk = calloc(1, sizeof(*bk));
	struct block_opts bo;
	const char *name = o->file ? o->file : "standard input";
	unsigned i;
	int rc = -ENOMEM;

	*out = NULL;
	err[0] = '\0';
	if (!bk)
		goto fail;
	bk->o = *o;
	bk->fd = 0;
	if (o->jobs == 0) {
		rc = -EINVAL;
		snprintf(err, errlen, "no job slots");
		goto fail;
	}
	bk->feed = calloc(o->jobs + 1, sizeof(*bk->feed));
	if (!bk->feed)
		goto fail;
	if (o->file) {
		bk->fd = open(o->file, O_RDONLY | O_CLOEXEC);
		if (bk->fd < 0) {
			rc = -errno;
			snprintf(err, errlen, "cannot open '%s': %s", o->file,
				 strerror(errno));
			goto fail;
		}
		bk->own_fd = 1;
	}
	bo = o->block;
	if (o->part) {
		rc = block_part_init(&bk->p, bk->fd, &bo);
		if (rc == -ESPIPE) {
			snprintf(err, errlen, "--pipe-part needs a seekable "
				 "file: '%s' is not one", name);
			goto fail;
		}
		if (rc) {
			snprintf(err, errlen, "%s", bk->p.errbuf[0] ?
				 bk->p.errbuf : strerror(-rc));
			goto fail;
		}
		bk->have_p = 1;
		if (o->per_slot)
			bk->p.o.size = block_part_size(bk->p.end - bk->p.pos,
						       o->jobs, o->per_slot);
	} else {
		bo.max_out = 2 * o->jobs;
		bo.keep = 2 * o->jobs;
		rc = block_init(&bk->r, bk->fd, &bo);
		if (rc) {
			snprintf(err, errlen, "%s", bk->r.errbuf[0] ?
				 bk->r.errbuf : strerror(-rc));
			goto fail;
		}
		bk->have_r = 1;
	}
	if (o->round_robin) {
		rc = feed_queue_new(&bk->q, o->jobs, o->jobs, queue_put, bk);
		if (rc)
			goto fail;
	}
	for (i = 1; i <= o->jobs; i++) {
		rc = feed_new(&bk->feed[i]);
		if (rc) {
			snprintf(err, errlen, "cannot start a feeder thread: "
				 "%s", strerror(-rc));
			goto fail;
		}
	}
	*out = bk;
	return 0;
fail:
	if (!err[0])
		snprintf(err, errlen, "%s", strerror(-rc));
	bulk_free(bk);
	return rc;
}

void bulk_free(struct bulk *bk)
{
	unsigned i;

	if (!bk)
		return;
	feed_queue_free(bk->q);
	for (i = 1; bk->feed && i <= bk->o.jobs; i++)
		feed_free(bk->feed[i]);
	free(bk->feed);
	if (bk->have_r)
		block_release(&bk->r);
	if (bk->have_p)
		block_part_release(&bk->p);
	if (bk->own_fd)
		close(bk->fd);
	free(bk);
}

int bulk_next(struct bulk *bk, struct block *b, char *err, size_t errlen)
{
	int rc;

	rc = bk->have_p ? block_part_next(&bk->p, b) : block_next(&bk->r, b);
	if (rc < 0 && rc != -ECANCELED)
		snprintf(err, errlen, "cannot read %s%s%s: %s",
			 bk->o.file ? "'" : "",
			 bk->o.file ? bk->o.file : "standard input",
			 bk->o.file ? "'" : "", strerror(-rc));
	return rc;
}

unsigned bulk_jobs(const struct bulk *bk)
{
	return bk->o.round_robin ? bk->o.jobs : 0;
}

int bulk_push(struct bulk *bk, struct block *b)
{
	int rc = feed_queue_push(bk->q, b);

	if (rc)
		bulk_put(bk, b);
	return rc;
}

void bulk_input_done(struct bulk *bk)
{
	if (bk->q)
		feed_queue_close(bk->q);
}

int bulk_begin(struct bulk *bk, unsigned slot, const struct block *b,
	       struct bulk_try *t, int *stdin_fd, const char **name)
{
	struct feeder *f = bk->feed[slot];
	int fds[2], rc;

	t->rfd = -1;
	t->tail = -1;
	t->path[0] = '\0';
	t->fed = 0;
	*stdin_fd = -1;
	*name = NULL;
	if (!bk->o.round_robin && bk->o.mode == BULK_STDIN) {
		t->tail = open_tail(bk, b);
		if (t->tail >= 0) {
			t->tail_off = b->off;
			t->tail_len = b->flen;
			*stdin_fd = t->tail;
			return 0;
		}
	}
	if (bk->o.round_robin || bk->o.mode == BULK_STDIN) {
		rc = feed_pipe(fds);
		if (rc)
			return rc;
		if (bk->o.round_robin)
			feed_start_queue(f, bk->q, fds[1]);
		else
			feed_start(f, b, fds[1]);
		t->fed = 1;
		t->rfd = fds[0];
		*stdin_fd = fds[0];
		return 0;
	}
	if (bk->o.mode == BULK_CAT) {
		rc = block_to_file(b, bk->o.tmpdir, t->path,
				   sizeof(t->path));
		if (rc) {
			t->path[0] = '\0';
			return rc;
		}
		*name = t->path;
		return 0;
	}
	rc = block_mkfifo(bk->o.tmpdir, b->seq, t->path, sizeof(t->path));
	if (rc) {
		t->path[0] = '\0';
		return rc;
	}
	feed_start_fifo(f, b, t->path);
	t->fed = 1;
	*name = t->path;
	return 0;
}

int bulk_end(struct bulk *bk, unsigned slot, struct bulk_try *t,
	     unsigned long long *sent)
{
	struct stat st;
	int rc = 0;

	*sent = 0;
	/* The job is over: a feeder still writing gets EPIPE now. */
	if (t->rfd >= 0)
		close(t->rfd);
	t->rfd = -1;
	if (t->tail >= 0) {
		/* The description is shared with the job: where it stands
		 * is how far the job read. */
		off_t at = lseek(t->tail, 0, SEEK_CUR);

		if (at > t->tail_off)
			*sent = (unsigned long long)(at - t->tail_off <
						     t->tail_len ?
						     at - t->tail_off :
						     t->tail_len);
		close(t->tail);
		t->tail = -1;
	}
	if (t->fed) {
		if (bk->o.mode == BULK_FIFO && !bk->o.round_robin)
			feed_cancel(bk->feed[slot]);
		rc = feed_wait(bk->feed[slot], sent);
		if (rc == -EPIPE)
			rc = 0;
		t->fed = 0;
	}
	if (t->path[0]) {
		if (bk->o.mode == BULK_CAT && stat(t->path, &st) == 0)
			*sent = (unsigned long long)st.st_size;
		unlink(t->path);
		t->path[0] = '\0';
	}
	return rc;
}

void bulk_put(struct bulk *bk, struct block *b)
{
	if (bk->have_r)
		block_put(&bk->r, b);
	else
		memset(b, 0, sizeof(*b));
}

void bulk_cancel(struct bulk *bk)
{
	if (bk->have_r)
		block_cancel(&bk->r);
	if (bk->q)
		feed_queue_cancel(bk->q);
}
