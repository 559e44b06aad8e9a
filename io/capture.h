/*
 * capture: one stream of a job's output (its stdout or its stderr), kept
 * in memory up to CAP_MEM_MAX bytes and beyond that in an unlinked
 * temporary file, so captured output is never limited by RAM. One writer
 * (the worker running the job) appends; one reader (the emitter) may read
 * while it is being written, which is how the head job in keep-order mode
 * streams live.
 *
 * Thread-safety: cap_write() and cap_finish() from the writer only;
 * cap_wait(), cap_read() from the reader; both may run at once. cap_init()
 * and cap_release() when no other thread uses the capture.
 * Errors: 0 or -errno. A failed spill (disk full, unwritable --tmpdir) is
 * remembered: the data from then on is lost, cap_error() reports it and
 * the caller must say so.
 */
#ifndef LANES_CAPTURE_H
#define LANES_CAPTURE_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#define CAP_MEM_MAX (256 * 1024)

struct capture {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const char *tmpdir;	/* borrowed, for the spill file */
	char *mem;		/* the first min(len, CAP_MEM_MAX) bytes */
	size_t memcap;		/* writer only */
	int fd;			/* spill file or -1; set by the writer before
				 * len covers bytes in it */
	unsigned long long len;	/* under mu */
	int done;		/* under mu */
	int waiting;		/* under mu: the reader sleeps on cv */
	int err;		/* under mu: first spill error, -errno */
};

void cap_init(struct capture *c, const char *tmpdir);
void cap_release(struct capture *c);

int cap_write(struct capture *c, const void *p, size_t n);
/* Forget everything written, for a retry. Writer only, and only while no
 * reader streams the capture. */
void cap_reset(struct capture *c);
/* No more bytes; wakes a waiting reader. */
void cap_finish(struct capture *c);

/*
 * Block until more than off bytes exist or the writer finished. Returns the
 * number of bytes available now; *done tells whether that is all.
 */
unsigned long long cap_wait(struct capture *c, unsigned long long off,
			    int *done);

/* Copy up to n bytes at off (below what cap_wait() reported). Returns the
 * count copied or -errno. */
ssize_t cap_read(struct capture *c, unsigned long long off, void *p,
		 size_t n);

/* For a finished capture: the in-memory part, without copying. */
const char *cap_mem(const struct capture *c, size_t *n);
unsigned long long cap_len(struct capture *c);
int cap_error(struct capture *c);

#endif
