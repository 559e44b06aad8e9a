/*
 * block: cuts a byte stream into the blocks of --pipe, and a seekable file
 * into the byte ranges of --pipe-part, at record boundaries, with GNU
 * parallel's meaning of --block, --recend, --recstart, --regexp, -N, -L and
 * --header. A block is never empty and never splits a record: a record
 * longer than --block makes its block larger. The concatenation of every
 * block's body is the input (minus the header, which every block repeats).
 *
 * A record boundary (a "split") is a position where --recend matches just
 * before it and --recstart just after it; --regexp makes both POSIX
 * extended regular expressions (with REG_NEWLINE: "." and "[^x]" stop at a
 * newline, "^" and "$" match at lines), plain strings are bytes (use
 * block_unescape() for \n, \t, \0 ...). Both empty means any position.
 *
 * Memory: a stream reader holds about one block plus the longest record,
 * and the buffers of the blocks it handed out until they are given back
 * (at most max_out of them: the reader waits for one to come back);
 * a part reader holds a window around one cut (128 KiB, more only while a
 * record is longer).
 *
 * Thread-safety: a reader belongs to one thread (the reader of lanes),
 * except block_put() and block_cancel(), which any thread may call while
 * the reader lives.
 * block_feed() may run on any thread for a block it owns.
 * Errors: functions return 0 (or 1 for "a block") or -errno and never
 * print; a bad regular expression is -EINVAL with the reason in the
 * reader's err[] buffer.
 */
#ifndef LANES_BLOCK_H
#define LANES_BLOCK_H

#include <pthread.h>
#include <regex.h>
#include <stddef.h>
#include <sys/types.h>

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

/* Matches splits; internal to block.c, here so readers can be embedded. */
struct block_split {
	int regexp;
	char *both;			/* plain: recend then recstart */
	size_t elen, slen;
	regex_t re;			/* regexp: (recend)(recstart) */
	int have_re;
};

struct block_reader {
	int fd;				/* not owned */
	struct block_opts o;
	struct block_split sp;
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
	struct block_split sp;
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
