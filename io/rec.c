/*
 * The reader keeps one buffer. Unread bytes are [start, end); read(2) fills
 * the space after end, always leaving one byte spare so the last record can
 * be NUL-terminated in place. A record found by memchr() is handed out
 * where it lies, its separator overwritten by the NUL. When a record is not
 * complete, its head is moved to the front of the buffer before the next
 * read if the space after it is short, and the buffer doubles only when the
 * record itself no longer fits with a full read behind it. So the buffer
 * is the longest record seen plus one read, and each byte is searched once.
 */
#include "rec.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hex.h"

/* Bytes asked of each read(2): enough to keep system calls rare (a pipe
 * holds 64 KiB), little enough that the buffer adds nothing noticeable to
 * lanes' resident memory, which should not depend on the input's size. */
#define REC_CHUNK ((size_t)32 * 1024)

int rec_init(struct rec_reader *r, int fd, char sep)
{
	r->fd = fd;
	r->sep = sep;
	r->start = r->end = 0;
	r->eof = 0;
	r->err = 0;
	r->cap = REC_CHUNK + 1;
	r->buf = malloc(r->cap);
	if (!r->buf) {
		r->cap = 0;
		return -ENOMEM;
	}
	return 0;
}

void rec_release(struct rec_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->start = r->end = r->cap = 0;
}

/*
 * Make room for a full read after end: slide the unread bytes to the front
 * if that is enough, grow the buffer if not. *scan, the offset from which
 * the separator has not been searched yet, moves with the bytes.
 */
static int make_room(struct rec_reader *r, size_t *scan)
{
	size_t used = r->end - r->start, cap;
	char *p;

	if (r->cap - r->end > REC_CHUNK)
		return 0;
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, used);
		*scan -= r->start;
		r->start = 0;
		r->end = used;
		if (r->cap - r->end > REC_CHUNK)
			return 0;
	}
	cap = r->cap;
	while (cap - used <= REC_CHUNK) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	p = realloc(r->buf, cap);
	if (!p)
		return -ENOMEM;
	r->buf = p;
	r->cap = cap;
	return 0;
}

int rec_next(struct rec_reader *r, const char **p, size_t *len)
{
	size_t scan = r->start;
	char *q;
	ssize_t n;
	int rc;

	if (r->err)
		return r->err;
	if (!r->buf)
		return -EINVAL;
	for (;;) {
		q = memchr(r->buf + scan, (unsigned char)r->sep,
			   r->end - scan);
		if (q) {
			*q = '\0';
			*p = r->buf + r->start;
			*len = (size_t)(q - *p);
			r->start = (size_t)(q - r->buf) + 1;
			return 1;
		}
		scan = r->end;
		if (r->eof) {
			if (r->start == r->end)
				return 0;
			/* A last record with no separator after it. */
			r->buf[r->end] = '\0';
			*p = r->buf + r->start;
			*len = r->end - r->start;
			r->start = r->end;
			return 1;
		}
		rc = make_room(r, &scan);
		if (rc) {
			r->err = rc;
			return rc;
		}
		do
			n = read(r->fd, r->buf + r->end, r->cap - r->end - 1);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			r->err = -errno;
			return r->err;
		}
		if (n == 0)
			r->eof = 1;
		r->end += (size_t)n;
	}
}

int rec_parse_sep(const char *s, char *sep)
{
	/* Pairs of escape letter and the byte it stands for. */
	static const char esc[] = "n\nt\tr\r\\\\a\ab\bf\fv\v";
	unsigned v = 0;
	int i, d;

	if (!s || !s[0])
		return -EINVAL;
	if (s[0] != '\\' || !s[1]) {
		/* One plain byte; a lone backslash is itself. */
		if (s[1])
			return -EINVAL;
		*sep = s[0];
		return 0;
	}
	s++;
	if (*s == 'x') {
		/* \xH or \xHH. */
		for (i = 0; i < 2 && (d = hex_val((unsigned char)s[1])) >= 0;
		     i++, s++)
			v = v * 16 + (unsigned)d;
		if (i == 0)
			return -EINVAL;
	} else if (*s >= '0' && *s <= '7') {
		/* \N, \NN or \NNN in octal, at most \377; \0 is NUL. */
		v = (unsigned)(*s - '0');
		for (i = 1; i < 3 && s[1] >= '0' && s[1] <= '7'; i++, s++)
			v = v * 8 + (unsigned)(s[1] - '0');
		if (v > 255)
			return -EINVAL;
	} else {
		for (i = 0; esc[i] && esc[i] != *s; i += 2)
			;
		if (!esc[i])
			return -EINVAL;
		v = (unsigned char)esc[i + 1];
	}
	/* s is on the last byte of the escape; nothing may follow it. */
	if (s[1])
		return -EINVAL;
	*sep = (char)v;
	return 0;
}
