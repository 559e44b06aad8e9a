/*
 * blockfeed: one block of --pipe or --pipe-part (struct block) and the
 * ways its bytes reach a job: written to a descriptor (its standard input,
 * or a --fifo), or copied to a --cat file. A block is the shared header,
 * then a body in memory or a range of the input file; io/block hands
 * blocks out.
 *
 * Thread-safety: every function may run on any thread, for a block that
 * thread owns (the reader's header and file stay valid until the block
 * is given back with block_put()).
 * Errors: 0 or -errno. Nothing is printed.
 */
#ifndef LANES_BLOCKFEED_H
#define LANES_BLOCKFEED_H

#include <stddef.h>
#include <sys/types.h>

/*
 * One block: the shared header, then a body that is either in memory
 * (data, len; base is what block_put() frees or recycles) or a range of a
 * file (fd, off, flen; the fd belongs to the part reader).
 */
struct block {
	unsigned long long seq;		/* 1, 2, ...: {#} */
	const char *head;		/* the header bytes, owned by the reader */
	size_t head_len;
	char *base;			/* memory body: the allocation */
	size_t cap;			/* its size */
	const char *data;		/* the body within base */
	size_t len;
	int fd;				/* file body: -1 for a memory body */
	off_t off, flen;
};

/*
 * Write a block (header, then body) to fd, blocking, looping on short
 * writes; a file body moves with splice(2) or sendfile(2) where the kernel
 * can, with pread/write otherwise. *sent (if not NULL) counts the bytes
 * written. Returns 0, -EPIPE when the reader of fd went away (a job that
 * stopped reading: not an error of lanes; SIGPIPE must be ignored or
 * blocked), or -errno.
 */
int block_feed(const struct block *b, int fd, unsigned long long *sent);

/*
 * --cat: write the block (header, then body) to a new file in dir, named
 * lanes-cat.XXXXXX, and put its name in path (pathlen bytes). A range is
 * copied in the kernel (copy_file_range, sendfile). The caller unlinks
 * it after the job.
 */
int block_to_file(const struct block *b, const char *dir, char *path,
		  size_t pathlen);

/*
 * --fifo: make a named pipe in dir with a name no other lanes uses
 * (lanes-PID-SEQ-N.fifo) and put its name in path. The caller unlinks it
 * after the job.
 */
int block_mkfifo(const char *dir, unsigned long long seq, char *path,
		 size_t pathlen);

/* Bytes a block feeds (header included): the joblog's Send column. */
unsigned long long block_bytes(const struct block *b);

#endif
