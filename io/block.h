/*
 * block: cuts a byte stream into the blocks of --pipe, and a seekable file
 * into the byte ranges of --pipe-part, at record boundaries (io/bsplit),
 * with GNU parallel's meaning of --block, -N, -L and --header. A block
 * (io/blockfeed) is never empty and never splits a record: a record
 * longer than --block makes its block larger. The concatenation of every
 * block's body is the input (minus the header, which every block repeats).
 *
 * Memory: a stream reader holds about one block plus the longest record,
 * and the buffers of the blocks it handed out until they are given back
 * (at most max_out of them: the reader waits for one to come back);
 * a part reader holds a window around one cut (128 KiB, more only while a
 * record is longer).
 *
 * Thread-safety: a reader belongs to one thread (the reader of lanes),
 * except block_put() and block_cancel(), which any thread may call while
 * the reader lives. What to do with a block is io/blockfeed's, on any
 * thread.
 * Errors: functions return 0 (or 1 for "a block") or -errno and never
 * print; a bad regular expression is -EINVAL with the reason in the
 * reader's err[] buffer.
 */
#ifndef LANES_BLOCK_H
#define LANES_BLOCK_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include "blockfeed.h"
#include "bsplit.h"

struct block_opts {
	const char *recend;		/* bytes; NULL with recend_len 0 */
	size_t recend_len;
	const char *recstart;
	size_t recstart_len;
	int regexp;			/* recend, recstart are regexes (then
					 * NUL-terminated strings) */
	size_t size;			/* --block, bytes; > 0 */
	unsigned long long nrec;	/* -N: records per block, 0 = by size */
	unsigned long long lines;	/* -L: splits per record (lines with
					 * the default --recend), 0 or 1 = 1 */
	unsigned long long header_lines; /* --header N: N lines ("\n") */
	const char *header_re;		/* --header REGEX, matched at the start
					 * of the input; NULL for none */
	unsigned keep;			/* spare buffers block_put() keeps for
					 * reuse (0: 2) */
	int stream;			/* always read, never seek (below) */
	unsigned max_out;		/* block_next() waits while this many
					 * blocks are out (0: no limit) */
};

struct block_reader {
	int fd;				/* not owned */
	struct block_opts o;
	struct bsplit sp;
	char *head;			/* header bytes (owned) */
	size_t head_len;
	char *buf;			/* data is [start, len) */
	size_t start, len, cap;
	int started;			/* the header was read */
	int seek;			/* seek mode: blocks are ranges */
	off_t pos, end;			/* seek mode: next block, file size */
	int eof, err;			/* read() gave 0; sticky -errno */
	unsigned long long seq;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* a block came back, or cancel */
	unsigned out;			/* under mu: blocks not put back */
	int cancel;			/* under mu */
	char **spare;			/* under mu: recycled buffers */
	size_t *spare_cap;		/* under mu */
	unsigned nspare;		/* under mu */
	char errbuf[256];		/* why block_init() failed */
};

/*
 * Parse --recend/--recstart escapes as GNU parallel does: \0 \n \r \t \'
 * \" \\; other bytes stay. out must hold strlen(s) bytes; *len is set.
 */
void block_unescape(const char *s, char *out, size_t *len);

/*
 * A stream reader on fd. Reads nothing yet. -EINVAL for a bad regex or
 * options (size 0), with errbuf saying why; after a failure there is
 * nothing to release.
 */
int block_init(struct block_reader *r, int fd, const struct block_opts *o);
void block_release(struct block_reader *r);

/*
 * The next block: 1 and *b filled (the caller owns b->base until
 * block_put()), 0 at the end of the input, -errno on a read error (sticky).
 * The first call reads the header.
 *
 * When fd is a regular file (lanes --pipe < FILE), blocks are cut by size
 * and the separators are plain strings, the blocks are the same but come
 * as file ranges (b->fd) found by seeking, so block_feed() splices them
 * and no byte is copied through lanes; o.stream turns this off. At the
 * end the file offset is left after the last block, as reading would.
 */
int block_next(struct block_reader *r, struct block *b);

/*
 * Give a block back (from any thread) once its job is done with it: its
 * memory is reused and it no longer counts toward max_out. Every block
 * block_next() returned goes back this way, ranges included. b is
 * emptied.
 */
void block_put(struct block_reader *r, struct block *b);

/* From any thread: a block_next() waiting for max_out returns, and every
 * later one returns, -ECANCELED (lanes is stopping). */
void block_cancel(struct block_reader *r);

/*
 * --pipe-part: ranges of a seekable file. fd is a regular file or a block
 * device (otherwise -ESPIPE); ranges cover [start, end of file), start
 * being fd's offset at block_part_init() (0 for a file just opened).
 */
struct block_part {
	int fd;				/* not owned */
	struct block_opts o;
	struct bsplit sp;
	char *head;
	size_t head_len;
	off_t pos, end;			/* next range starts at pos */
	char *win;			/* the window around a cut */
	size_t wcap;
	unsigned long long seq;
	char errbuf[256];
};

int block_part_init(struct block_part *p, int fd, const struct block_opts *o);
void block_part_release(struct block_part *p);
/* The next range: 1, 0 at the end, -errno. b->base is NULL. */
int block_part_next(struct block_part *p, struct block *b);

/*
 * --block -N for --pipe-part: the block size that makes about n blocks per
 * job slot of a file of total bytes (GNU parallel: 1 + total/slots/n).
 */
size_t block_part_size(off_t total, unsigned slots, unsigned long long n);

#endif
