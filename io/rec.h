/*
 * rec: reads records from a file descriptor, one at a time, split on a
 * separator byte (newline, NUL for -0, or any byte for -d). Records may be
 * of any length and contain any byte except the separator; the separator is
 * removed, nothing else is (a "\r" before "\n" stays). A final record with
 * no separator after it is still a record; an empty input has no records.
 * Memory is the longest record so far plus one read buffer, whatever the
 * input size.
 *
 * Thread-safety: a reader belongs to one thread.
 * Errors: rec_next() returns 1 for a record, 0 at end of input, or -errno
 * (read error, -ENOMEM); after an error or end the reader stays there.
 */
#ifndef LANES_REC_H
#define LANES_REC_H

#include <stddef.h>

struct rec_reader {
	int fd;
	char sep;
	char *buf;	/* holds [start, end) unread bytes */
	size_t start, end, cap;
	int eof;	/* read() returned 0 */
	int err;	/* sticky -errno */
};

/* The reader does not own fd and never closes it. */
int rec_init(struct rec_reader *r, int fd, char sep);
void rec_release(struct rec_reader *r);

/*
 * Read the next record. On 1, *p and *len describe it; the bytes stay valid
 * until the next call and are followed by a NUL that is not part of the
 * record (so a record without NULs can be used as a C string).
 */
int rec_next(struct rec_reader *r, const char **p, size_t *len);

/*
 * Parse a -d argument: a single byte, or one of the escapes \n \t \r \0 \\
 * \a \b \f \v, or \xHH, or \NNN (octal). Returns 0 and sets *sep, or
 * -EINVAL.
 */
int rec_parse_sep(const char *s, char *sep);

#endif
