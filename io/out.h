/*
 * out: writing to lanes' own standard output and standard error. Writes
 * loop over short counts and EINTR; a closed reader shows up as -EPIPE
 * (SIGPIPE is ignored in lanes) so the caller can stop quietly. A tagger
 * puts a prefix at the start of every line, across calls.
 *
 * Thread-safety: out_write() is as thread-safe as write(2); a tagger belongs
 * to one writer.
 * Errors: 0 or -errno.
 */
#ifndef LANES_OUT_H
#define LANES_OUT_H

#include <stddef.h>

int out_write(int fd, const void *p, size_t n);

struct out_tagger {
	const char *tag;	/* prefix, may be NULL for none */
	size_t taglen;
	int midline;		/* the last byte written was not '\n' */
};

void out_tagger_init(struct out_tagger *t, const char *tag, size_t taglen);
/* Write p[0..n) with the tag before every line that starts in it. */
int out_write_tagged(int fd, struct out_tagger *t, const void *p, size_t n);

#endif
