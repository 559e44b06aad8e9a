#include "out.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

int out_write(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

void out_tagger_init(struct out_tagger *t, const char *tag, size_t taglen)
{
	t->tag = tag;
	t->taglen = tag ? taglen : 0;
	t->midline = 0;
}

int out_write_tagged(int fd, struct out_tagger *t, const void *p, size_t n)
{
	struct buf b = BUF_INIT;
	const char *s = p, *end = s + n;
	int rc = 0;

	if (!t->taglen)
		return out_write(fd, p, n);
	/* Build the whole tagged chunk so it goes out in as few writes as
	 * the kernel allows. */
	while (s < end && !rc) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *stop = nl ? nl + 1 : end;

		if (!t->midline)
			rc = buf_add(&b, t->tag, t->taglen);
		if (!rc)
			rc = buf_add(&b, s, (size_t)(stop - s));
		t->midline = !nl;
		s = stop;
	}
	if (!rc)
		rc = out_write(fd, b.p, b.len);
	buf_release(&b);
	return rc;
}
