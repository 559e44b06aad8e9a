/*
 * buf: a growable byte buffer, always NUL-terminated so its contents can be
 * handed to functions that want a C string (the terminator is not counted
 * in len). Bytes are arbitrary: a buffer may hold NULs.
 *
 * Thread-safety: none; a buffer belongs to one thread at a time.
 * Errors: functions that grow return 0 or -ENOMEM and leave the buffer as it
 * was on failure.
 */
#ifndef LANES_BUF_H
#define LANES_BUF_H

#include <stddef.h>

struct buf {
	char *p;	/* NULL until the first growth */
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_init(struct buf *b);
void buf_release(struct buf *b);
/* Make room for at least n more bytes (plus the terminator). */
int buf_reserve(struct buf *b, size_t n);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_addstr(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
void buf_reset(struct buf *b);
/* Contents as a C string; "" for a buffer that never grew. */
const char *buf_str(const struct buf *b);
/* Hand the storage to the caller (who frees it) and reset the buffer. */
char *buf_detach(struct buf *b, size_t *len);

#endif
