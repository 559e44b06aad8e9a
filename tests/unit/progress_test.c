/*
 * Unit tests for cmd/progress: progress_render() for each style, with and
 * without a total and with bytes, the ETA and byte formats, the width
 * limit; and a start/stop run drawing into a pipe.
 *
 * Unit tests are linked with pool/ and io/ only, so the module is
 * compiled in here: its public functions have prototypes in progress.h
 * and its other functions are static, so this is one translation unit
 * like any other.
 */
#include "../../cmd/progress.c"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tap.h"

static char line[2048];

static const char *r(enum progress_style st, unsigned long long done,
		     unsigned long long failed, unsigned long long running,
		     unsigned long long total, unsigned long long bytes,
		     double elapsed, int width)
{
	struct progress_counts c = { done, failed, running, total, bytes };

	memset(line, 'X', sizeof(line));
	progress_render(line, sizeof(line), st, &c, elapsed, width);
	return line;
}

static void test_bar(void)
{
	CHECK_STR(r(PROGRESS_BAR, 45, 2, 3, 100, 0, 3.6583, 60),
		  " 45% 45/100 done, 2 failed, 12.3/s, ETA 0:04 "
		  "[#####        ]",
		  "bar with a total");
	CHECK_STR(r(PROGRESS_BAR, 45, 2, 3, 0, 0, 3.6583, 60),
		  "45 done, 2 failed, 12.3/s", "bar without a total");
	CHECK_STR(r(PROGRESS_BAR, 45, 0, 3, 0, 1234567890, 27.07, 80),
		  "45 done, 0 failed, 1.7/s, 1.2 GB, 45.6 MB/s",
		  "bar without a total, with bytes");
	CHECK_STR(r(PROGRESS_BAR, 45, 0, 3, 100, 1234567890, 27.07, 80),
		  " 45% 45/100 done, 0 failed, 1.7/s, 1.2 GB, 45.6 MB/s, "
		  "ETA 0:33 [######         ]",
		  "bar with a total and bytes");
	CHECK_STR(r(PROGRESS_BAR, 0, 0, 2, 10, 0, 0, 40),
		  "  0% 0/10 done, 0 failed, 0.0/s, ETA ?",
		  "nothing done yet: ETA ?, and no room for a bar");
	CHECK_STR(r(PROGRESS_BAR, 0, 0, 2, 10, 0, 0, 48),
		  "  0% 0/10 done, 0 failed, 0.0/s, ETA ? [       ]",
		  "empty bar");
	CHECK_STR(r(PROGRESS_BAR, 10, 1, 0, 10, 0, 2, 48),
		  "100% 10/10 done, 1 failed, 5.0/s, ETA 0:00",
		  "all done, narrow: no room for the bar");
	CHECK_STR(r(PROGRESS_BAR, 10, 1, 0, 10, 0, 2, 52),
		  "100% 10/10 done, 1 failed, 5.0/s, ETA 0:00 [#######]",
		  "all done: a full bar");
	CHECK_STR(r(PROGRESS_BAR, 12, 0, 0, 10, 0, 2, 40),
		  "100% 12/10 done, 0 failed, 6.0/s, ETA 0:", "more done than "
		  "the total: 100%, cut at the width");
	CHECK_STR(r(PROGRESS_BAR, 1, 0, 0, 3724, 0, 1, 60),
		  "  0% 1/3724 done, 0 failed, 1.0/s, ETA 1:02:03 "
		  "[           ]",
		  "ETA in hours");
	CHECK_STR(r(PROGRESS_BAR, 1, 0, 0, 751, 0, 1, 45),
		  "  0% 1/751 done, 0 failed, 1.0/s, ETA 12:30",
		  "ETA in minutes");
	CHECK_STR(r(PROGRESS_BAR, 3, 0, 0, 0, 999, 1, 80),
		  "3 done, 0 failed, 3.0/s, 999 B, 999 B/s",
		  "bytes below 1000");
	CHECK_STR(r(PROGRESS_BAR, 3, 0, 0, 0, 999960, 1000, 80),
		  "3 done, 0 failed, 0.0/s, 1.0 MB, 1000 B/s",
		  "999.96 kB shows as 1.0 MB");
	CHECK_STR(r(PROGRESS_BAR, 3, 0, 0, 0, 18446744073709551615ULL, 1, 80),
		  "3 done, 0 failed, 3.0/s, 18.4 EB, 18.4 EB/s",
		  "the largest count of bytes");
}

static void test_eta_plain(void)
{
	CHECK_STR(r(PROGRESS_ETA, 45, 2, 2, 100, 0, 3.6, 80),
		  "ETA: 4s Left: 55 AVG: 0.08s  local:2/45/100%/0.1s",
		  "--eta with a total");
	CHECK_STR(r(PROGRESS_ETA, 45, 2, 2, 0, 0, 3.6, 80),
		  "ETA: ? Left: ? AVG: 0.08s  local:2/45/100%/0.1s",
		  "--eta without a total");
	CHECK_STR(r(PROGRESS_ETA, 0, 0, 2, 6, 0, 1.5, 80),
		  "ETA: ? Left: 6 AVG: 0.00s  local:2/0/100%/0.0s",
		  "--eta before the first job finished");
	CHECK_STR(r(PROGRESS_ETA, 6, 0, 0, 6, 0, 13.2, 80),
		  "ETA: 0s Left: 0 AVG: 2.20s  local:0/6/100%/2.2s",
		  "--eta at the end");
	CHECK_STR(r(PROGRESS_ETA, 1, 0, 0, 3724, 0, 1, 80),
		  "ETA: 3723s Left: 3723 AVG: 1.00s  local:0/1/100%/1.0s",
		  "--eta counts in seconds, as GNU parallel");
	CHECK_STR(r(PROGRESS_PLAIN, 45, 2, 2, 100, 0, 3.6, 80),
		  "local:2/45/100%/0.1s", "--progress");
	CHECK_STR(r(PROGRESS_PLAIN, 0, 0, 0, 0, 0, 0, 80),
		  "local:0/0/0%/0.0s", "--progress before anything started");
	CHECK_STR(r(PROGRESS_PLAIN, 45, 2, 2, 100, 0, 3.6, 10),
		  "local:2/45", "--progress cut at the width");
}

/* No style, counts or width ever gives a line longer than the width. */
static void test_width(void)
{
	static const enum progress_style st[] = {
		PROGRESS_BAR, PROGRESS_ETA, PROGRESS_PLAIN,
	};
	struct progress_counts c[] = {
		{ 0, 0, 0, 0, 0 },
		{ 45, 2, 3, 100, 0 },
		{ 45, 2, 3, 100, 123456789 },
		{ 45, 2, 3, 0, 123456789 },
		{ ~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL },
	};
	char small[8];
	size_t s, k;
	int w, bad = 0, bars = 0;

	for (s = 0; s < 3; s++) {
		for (k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
			for (w = -1; w <= 1100; w++) {
				progress_render(line, sizeof(line), st[s],
						&c[k], 12.5, w);
				if (strlen(line) > (size_t)(w < 0 ? 0 : w))
					bad++;
				if (st[s] == PROGRESS_BAR && w == 1100 &&
				    c[k].total && strlen(line) == 1024)
					bars++;
			}
		}
	}
	CHECK(bad == 0, "never longer than the width, widths -1 to 1100");
	CHECK_INT(bars, 3, "a bar fills the line up to 1024 columns");

	memset(small, 'X', sizeof(small));
	progress_render(small, 5, PROGRESS_BAR, &c[1], 1, 80);
	CHECK(!strcmp(small, " 45%") && small[5] == 'X',
	      "a small buffer: cut to its size, nothing written past it");
	progress_render(small, 1, PROGRESS_ETA, &c[1], 1, 80);
	CHECK(small[0] == '\0' && small[1] == '4',
	      "a buffer of one byte gets the empty string");
	small[0] = 'X';
	progress_render(small, 0, PROGRESS_ETA, &c[1], 1, 80);
	CHECK(small[0] == 'X', "a buffer of size 0 is left alone");
	CHECK_STR(r(PROGRESS_ETA, 1, 0, 0, 1, 0, 1, 0), "", "width 0");
}

/* Counters shared with the progress thread. */
static pthread_mutex_t counts_mu = PTHREAD_MUTEX_INITIALIZER;
static struct progress_counts counts;	/* under counts_mu */
static int calls;			/* under counts_mu */

static void get_counts(void *ctx, struct progress_counts *c)
{
	(void)ctx;
	pthread_mutex_lock(&counts_mu);
	*c = counts;
	calls++;
	pthread_mutex_unlock(&counts_mu);
}

/* Read all of fd into buf (NUL-terminated); returns the length. */
static size_t slurp(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size && (n = read(fd, buf + len, size - len - 1)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return len;
}

/* A pseudo-terminal in raw mode: fds[0] reads what fds[1] is sent. */
static int open_tty(int fds[2])
{
	struct termios t;
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), s;

	if (m < 0 || grantpt(m) || unlockpt(m))
		return -1;
	s = open(ptsname(m), O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0 || tcgetattr(s, &t))
		return -1;
	cfmakeraw(&t);
	tcsetattr(s, TCSANOW, &t);
	fds[0] = m;
	fds[1] = s;
	return 0;
}

/* On a pipe or a file: plain lines, the final one included, no "\r" and
 * no escapes, and nothing before the first interval. */
static void test_log(void)
{
	static char out[4096];
	struct progress *p = NULL;
	size_t len;
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) != 0) {
		CHECK(0, "pipe");
		return;
	}
	CHECK_INT(progress_start(&p, PROGRESS_PLAIN, fds[1], get_counts,
				 NULL), 0, "progress_start on a pipe");
	progress_stop(p);
	close(fds[1]);
	len = slurp(fds[0], out, sizeof(out));
	close(fds[0]);
	CHECK(!memchr(out, '\r', len) && !memchr(out, '\033', len),
	      "on a pipe: no carriage return and no escape");
	CHECK(len > 0 && out[len - 1] == '\n' && !memchr(out, '\n', len - 1),
	      "a quick run on a pipe draws just the final line");
}

static void test_thread(void)
{
	static char out[1 << 16];
	struct progress *p = NULL;
	const char *last;
	size_t len;
	int fds[2], i, ncalls;

	if (open_tty(fds) != 0) {
		CHECK(0, "a pseudo-terminal");
		return;
	}
	CHECK_INT(progress_start(&p, PROGRESS_PLAIN, fds[1], get_counts,
				 NULL), 0, "progress_start");
	/* Change the counts while the thread may be drawing them. */
	for (i = 0; i < 1000; i++) {
		pthread_mutex_lock(&counts_mu);
		counts.running = 2;
		counts.done = (unsigned long long)i % 7;
		pthread_mutex_unlock(&counts_mu);
	}
	/* Wait (without a deadline that could fail on a slow machine) for
	 * the thread to redraw on its own after its first sleep. */
	for (i = 0; i < 1000; i++) {
		pthread_mutex_lock(&counts_mu);
		counts.done = 0;
		ncalls = calls;
		pthread_mutex_unlock(&counts_mu);
		if (ncalls >= 2)
			break;
		usleep(10000);
	}
	CHECK(ncalls >= 2, "the thread redraws by itself");
	progress_stop(p);
	close(fds[1]);
	len = slurp(fds[0], out, sizeof(out));
	close(fds[0]);

	CHECK(len > 0 && out[0] == '\r', "output starts with \\r");
	CHECK(len > 1 && memchr(out + 1, '\r', len - 1) != NULL,
	      "more than one line was drawn");
	CHECK(len > 0 && out[len - 1] == '\n' && !memchr(out, '\n', len - 1),
	      "one newline, at the very end");
	last = strrchr(out, '\r');
	CHECK_STR(last, "\rlocal:2/0/100%/0.0s\033[K\n",
		  "the final line shows the final counts");

	/* Stopping at once, before the first sleep is over. */
	if (open_tty(fds) == 0) {
		CHECK_INT(progress_start(&p, PROGRESS_BAR, fds[1],
					 get_counts, NULL), 0,
			  "progress_start again");
		progress_stop(p);
		close(fds[1]);
		len = slurp(fds[0], out, sizeof(out));
		close(fds[0]);
		CHECK(len > 0 && out[len - 1] == '\n',
		      "stopped at once: still ends with a newline");
	}
	progress_stop(NULL);
	CHECK(1, "progress_stop(NULL) does nothing");
}

int main(void)
{
	test_log();
	test_bar();
	test_eta_plain();
	test_width();
	test_thread();
	return tap_done();
}
