/*
 * capture: memory then spill file, live reading while written, the
 * writer held back by a live reader, the hand-over to the writer, reset,
 * and a spill that fails.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "tap.h"

static char *pattern(size_t n)
{
	char *p = malloc(n);

	for (size_t i = 0; i < n; i++)
		p[i] = (char)(i * 7 + i / 251);
	return p;
}

/* Read everything back in uneven chunks and compare. */
static int read_back(struct capture *c, const char *want, size_t n)
{
	char buf[7777];
	unsigned long long off = 0;

	while (off < n) {
		ssize_t r = cap_read(c, off, buf, sizeof(buf));

		if (r <= 0 || memcmp(buf, want + off, (size_t)r))
			return 0;
		off += (unsigned long long)r;
	}
	return cap_len(c) == n;
}

static void test_memory_and_spill(void)
{
	size_t n = 3 * CAP_MEM_MAX + 12345;
	char *p = pattern(n);
	struct capture c;
	size_t i;

	cap_init(&c, "/tmp");
	for (i = 0; i < n; i += 1000)
		cap_write(&c, p + i, n - i < 1000 ? n - i : 1000);
	cap_finish(&c);
	CHECK(c.fd >= 0, "past CAP_MEM_MAX the capture spills to a file");
	CHECK(read_back(&c, p, n), "every byte reads back, memory and file");
	CHECK_INT(cap_error(&c), 0, "no error");
	cap_reset(&c);
	CHECK_INT(cap_len(&c), 0, "reset forgets everything");
	CHECK(c.fd < 0, "reset drops the spill file");
	cap_write(&c, "abc", 3);
	CHECK(read_back(&c, "abc", 3), "a capture is usable after reset");
	cap_release(&c);
	free(p);
}

static void test_bad_tmpdir(void)
{
	char *p = pattern(CAP_MEM_MAX + 10);
	struct capture c;
	int rc;

	cap_init(&c, "/nonexistent/dir");
	rc = cap_write(&c, p, CAP_MEM_MAX + 10);
	CHECK(rc < 0, "a spill that cannot be created fails the write");
	CHECK_INT(cap_error(&c), rc, "and the error is kept for the reader");
	CHECK_INT(cap_len(&c), 0, "the failed write is not counted");
	cap_release(&c);
	free(p);
}

struct writer {
	struct capture *c;
	const char *p;
	size_t n;
	unsigned long long max_ahead;	/* seen by the writer */
};

static void *write_all(void *arg)
{
	struct writer *w = arg;

	for (size_t i = 0; i < w->n; i += 4096) {
		unsigned long long ahead;

		cap_write(w->c, w->p + i, w->n - i < 4096 ? w->n - i : 4096);
		pthread_mutex_lock(&w->c->mu);
		ahead = w->c->len - w->c->consumed;
		pthread_mutex_unlock(&w->c->mu);
		if (ahead > w->max_ahead)
			w->max_ahead = ahead;
	}
	cap_finish(w->c);
	return NULL;
}

/* A live reader sees every byte in order while the writer runs, and the
 * writer never gets more than CAP_LIVE_AHEAD (plus one write) ahead. */
static void test_live(void)
{
	size_t n = 8 * 1024 * 1024;
	char *p = pattern(n), *got = malloc(n);
	struct capture c;
	struct writer w;
	pthread_t t;
	unsigned long long off = 0, len = 0;
	int done = 0, ok = 1;

	cap_init(&c, "/tmp");
	w.c = &c;
	w.p = p;
	w.n = n;
	w.max_ahead = 0;
	/* Become the live reader before the writer starts. */
	pthread_mutex_lock(&c.mu);
	c.live = 1;
	pthread_mutex_unlock(&c.mu);
	pthread_create(&t, NULL, write_all, &w);
	while (!done || off < len) {
		len = cap_wait(&c, off, &done);
		while (off < len) {
			ssize_t r = cap_read(&c, off, got + off,
					     (size_t)(len - off));

			if (r <= 0) {
				ok = 0;
				break;
			}
			off += (unsigned long long)r;
			cap_discard(&c, off, 1);
		}
		if (!ok)
			break;
	}
	pthread_join(t, NULL);
	CHECK(ok && off == n && !memcmp(got, p, n),
	      "live reader gets every byte in order");
	CHECK(w.max_ahead <= CAP_LIVE_AHEAD + 4096,
	      "the writer stays within CAP_LIVE_AHEAD of a live reader");
	cap_release(&c);
	free(p);
	free(got);
}

/*
 * After the reader offers its place, the writer keeps appending until the
 * reader has consumed everything, and only then writes by itself. The
 * line it then continues is the one the reader's last bytes left open,
 * not the one open when the offer was made.
 */
static void test_hand_over(void)
{
	struct capture c;
	char buf[64];
	unsigned long long len;
	int done;

	cap_init(&c, "/tmp");
	CHECK(cap_write(&c, "ab\ncd", 5) == 0, "hand-over: first bytes kept");
	len = cap_wait(&c, 0, &done);
	CHECK(len == 5 && cap_read(&c, 0, buf, sizeof(buf)) == 5,
	      "hand-over: the reader reads them");
	cap_hand_over(&c);
	CHECK(cap_write(&c, "ef\n", 3) == 0,
	      "hand-over: kept while the reader has not consumed all");
	cap_discard(&c, 5, 0);
	CHECK(cap_write(&c, "gh\n", 3) == 0,
	      "hand-over: kept while bytes are still unread");
	len = cap_wait(&c, 5, &done);
	CHECK(len == 11 && cap_read(&c, 5, buf, sizeof(buf)) == 6 &&
	      !memcmp(buf, "ef\ngh\n", 6), "hand-over: the reader reads them");
	cap_discard(&c, 11, 0);
	CHECK(cap_write(&c, "ij", 2) == CAP_DIRECT,
	      "hand-over: the writer writes once all is consumed");
	CHECK(!cap_direct_midline(&c),
	      "hand-over: the reader's last byte ended a line");
	CHECK(cap_len(&c) == 11 && cap_total(&c) == 13,
	      "hand-over: direct bytes are counted, not kept");
	cap_release(&c);

	cap_init(&c, "/tmp");
	cap_write(&c, "a\n", 2);
	len = cap_wait(&c, 0, &done);
	cap_hand_over(&c);
	cap_write(&c, "b", 1);
	cap_discard(&c, 3, 0);
	CHECK(cap_write(&c, "c\n", 2) == CAP_DIRECT && cap_direct_midline(&c),
	      "hand-over: the writer continues a line the reader left open");
	cap_release(&c);
}

int main(void)
{
	test_memory_and_spill();
	test_bad_tmpdir();
	test_live();
	test_hand_over();
	return tap_done();
}
