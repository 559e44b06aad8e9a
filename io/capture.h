/*
 * capture: one stream of a job's output (its stdout or its stderr), kept
 * in memory up to CAP_MEM_MAX bytes and beyond that in an unlinked
 * temporary file, so captured output is never limited by RAM. One writer
 * (the worker running the job) appends; one reader (the emitter) may read
 * while it is being written, which is how the head job in keep-order mode
 * streams live.
 *
 * Once a reader streams a capture live (cap_wait()), the writer is held to
 * at most CAP_LIVE_AHEAD bytes ahead of what the reader has consumed
 * (cap_discard()), as a pipe would hold it: the job the user is watching
 * then cannot fill the disk faster than the output is read.
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
/* How far the writer may run ahead of a reader that streams it live. */
#define CAP_LIVE_AHEAD (1024 * 1024)

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
	pthread_cond_t wcv;	/* the writer waits for the reader */
	int live;		/* under mu: a reader streams this capture */
	unsigned long long consumed;	/* under mu: the live reader's place */
	int wwaiting;		/* under mu: the writer sleeps on wcv */
	int err;		/* under mu: first spill error, -errno */
	unsigned long long discarded;	/* reader only: file bytes freed */
	int handover;		/* under mu: the reader offers the writer
				 * to write on by itself (cap_hand_over) */
	int direct;		/* under mu: the writer writes by itself */
	int midline;		/* writer only: the last byte kept was not
				 * '\n' (where a reader that printed it all
				 * left the line, for the writer's tagger) */
	unsigned long long direct_len;	/* writer only: bytes written so */
};

/* cap_write()'s answer when the caller must write the bytes by itself. */
#define CAP_DIRECT 1

void cap_init(struct capture *c, const char *tmpdir);
void cap_release(struct capture *c);

/*
 * Append; 0, -errno, or CAP_DIRECT once the reader handed its stream
 * over (cap_hand_over()): the caller then writes these bytes, and every
 * later byte, where the reader would have, and the capture keeps none.
 */
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
ssize_t cap_read(const struct capture *c, unsigned long long off, void *p,
		 size_t n);

/*
 * Write up to n bytes at off straight to fd when they lie in the spill
 * file (sendfile(2): no copy through our memory). Returns the count
 * written, 0 when the caller must cap_read() instead (the bytes are in
 * memory, or the kernel cannot send this pair), or -errno from writing
 * fd. Reader only, below what cap_wait() reported.
 */
ssize_t cap_send(const struct capture *c, unsigned long long off, int fd,
		 size_t n);

/*
 * The reader consumed everything below off and will never read it again:
 * let a held-back writer go on, and give the disk blocks of the spilled
 * part below off back if free_blocks is set (the file keeps its size;
 * those bytes read as zeros from then on), so a live-streamed job's spill
 * file does not grow with all it printed. Reader only.
 */
void cap_discard(struct capture *c, unsigned long long off, int free_blocks);

/*
 * Hand every byte written so far to fn, in order, a chunk at a time;
 * stops at the first non-zero return of fn and returns it (or -errno if
 * reading fails). For a finished capture, from the reader.
 */
int cap_each(const struct capture *c,
	     int (*fn)(void *ctx, const char *p, size_t n), void *ctx);

/*
 * The live reader is the writer's only audience (it prints what it reads
 * to stdout as it comes): offer the writer to write there itself from
 * the moment the reader has consumed everything, which saves the copy
 * through the capture and the reader thread. "Consumed" is what the
 * reader passed to cap_discard(), so it must call that only once those
 * bytes are written out: the writer may start writing right after. The
 * reader goes on with cap_wait() until done; no byte comes after the
 * hand-over. Reader only, after cap_wait().
 */
void cap_hand_over(struct capture *c);
/* After CAP_DIRECT: whether the bytes the reader printed ended inside a
 * line, for the writer's tagger. Writer only. */
int cap_direct_midline(const struct capture *c);
/* Every byte written: kept, and written by the caller after a hand-over
 * (the job log's Receive column). Any thread once the writer is done. */
unsigned long long cap_total(const struct capture *c);

/* How many bytes were written so far; any thread. */
unsigned long long cap_len(const struct capture *c);
int cap_error(const struct capture *c);

#endif
