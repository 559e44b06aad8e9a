/*
 * DESIGN: one thread draws. It asks the callback for the counts, renders
 * a line, writes it in a single write(2) so the line is never split by
 * another writer's output, and sleeps about 200 ms on a condition variable
 * bound to CLOCK_MONOTONIC (the wall clock may jump; the timed wait must
 * not). progress_stop() sets stop under the mutex and signals, so the
 * thread wakes at once instead of at the end of its sleep; the thread then
 * draws the final line with its newline and returns, and progress_stop()
 * joins it. The callback is thus only ever called from the progress
 * thread.
 *
 * The thread is started with every signal blocked, so no signal meant for
 * the program lands on it, and a write to a closed pipe returns EPIPE to
 * it rather than killing the program; write errors are ignored, as a
 * progress line that cannot be drawn is no reason to stop the jobs.
 */
#include "progress.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#define REDRAW_EVERY	0.2		/* seconds between two redraws */
/* Not a terminal (a log file, a pipe): a plain line this often, since
 * "\r" redraws five times a second would fill a log with escapes. */
#define LOG_EVERY	10.0
#define LINE_MAX_COLS	1024		/* wider terminals get this much */

struct progress {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;			/* under mu */
	pthread_mutex_t drawmu;		/* one writer of the line at a time */
	enum progress_style style;
	int fd;
	int tty;			/* fd is a terminal: redraw in place */
	progress_fn *fn;
	void *ctx;
	double t0;			/* clock_now() at start */
};

/* A line being built: appends that do not fit are cut, never overrun. */
struct line {
	char s[LINE_MAX_COLS + 64];
	size_t len;
};

static void add(struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(struct line *l, const char *fmt, ...)
{
	size_t room = sizeof(l->s) - l->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->s + l->len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n < room ? (size_t)n : room - 1;
}

/* "512 B", "1.2 kB", "45.6 MB": decimal units, as download tools show. */
static void fmt_bytes(char *out, size_t size, double v)
{
	static const char *const unit[] = {
		"B", "kB", "MB", "GB", "TB", "PB", "EB",
	};
	size_t u = 0;

	if (v < 1000) {
		snprintf(out, size, "%.0f B", v);
		return;
	}
	/* 999.96 kB would print as "1000.0 kB"; show "1.0 MB" instead. */
	while (v >= 999.95 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1000;
		u++;
	}
	snprintf(out, size, "%.1f %s", v, unit[u]);
}

/* Seconds left, or -1 when unknown (nothing finished, or no total). */
static double eta_seconds(const struct progress_counts *c, double elapsed)
{
	if (!c->total || !c->done)
		return -1;
	if (c->done >= c->total)
		return 0;
	return (double)(c->total - c->done) * (elapsed / (double)c->done);
}

/* Whole seconds for display, kept clear of overflow. */
static unsigned long long whole(double s)
{
	if (!(s > 0))
		return 0;
	if (s > 1e15)
		return 1000000000000000ULL;
	return (unsigned long long)(s + 0.5);
}

/* "0:04", "12:30", "1:02:03", or "?". */
static void fmt_clock(char *out, size_t size, double s)
{
	unsigned long long t = whole(s);

	if (s < 0)
		snprintf(out, size, "?");
	else if (t < 3600)
		snprintf(out, size, "%llu:%02llu", t / 60, t % 60);
	else
		snprintf(out, size, "%llu:%02llu:%02llu", t / 3600,
			 t / 60 % 60, t % 60);
}

/*
 * GNU parallel's per-computer column: running/done/share of the started
 * jobs that ran on this computer/average seconds per job. lanes runs
 * every job here, so the share is 100% once anything started.
 */
static void add_local(struct line *l, const struct progress_counts *c,
		      double avg)
{
	add(l, "local:%llu/%llu/%d%%/%.1fs", c->running, c->done,
	    c->running || c->done ? 100 : 0, avg);
}

static void render_bar(struct line *l, const struct progress_counts *c,
		       double elapsed, size_t width)
{
	double rate = elapsed > 0 ? (double)c->done / elapsed : 0;
	char eta[32], bytes[32], brate[32];
	size_t inner, fill;
	unsigned long long pct;

	if (c->total) {
		pct = c->done >= c->total ? 100 : c->done * 100 / c->total;
		add(l, "%3llu%% %llu/%llu done", pct, c->done, c->total);
	} else {
		add(l, "%llu done", c->done);
	}
	add(l, ", %llu failed, %.1f/s", c->failed, rate);
	if (c->bytes) {
		fmt_bytes(bytes, sizeof(bytes), (double)c->bytes);
		fmt_bytes(brate, sizeof(brate), elapsed > 0 ?
			  (double)c->bytes / elapsed : 0);
		add(l, ", %s, %s/s", bytes, brate);
	}
	if (!c->total)
		return;
	fmt_clock(eta, sizeof(eta), eta_seconds(c, elapsed));
	add(l, ", ETA %s", eta);

	/* The bar takes what is left of the line, if that is enough. */
	if (l->len + 3 + 5 > width)
		return;
	inner = width - l->len - 3;
	fill = c->done >= c->total ? inner :
	       (size_t)((double)inner * (double)c->done / (double)c->total);
	/* width is at most LINE_MAX_COLS, so this fits in l->s. */
	add(l, " [");
	memset(l->s + l->len, '#', fill);
	memset(l->s + l->len + fill, ' ', inner - fill);
	l->len += inner;
	add(l, "]");
}

void progress_render(char *buf, unsigned long size, enum progress_style st,
		     const struct progress_counts *c, double elapsed,
		     int width)
{
	struct line l = { .len = 0 };
	double avg = c->done ? elapsed / (double)c->done : 0;
	double eta;
	size_t max;
	char left[32];

	if (!size)
		return;
	max = width > 0 ? (size_t)width : 0;
	if (max > LINE_MAX_COLS)
		max = LINE_MAX_COLS;
	if (max > size - 1)
		max = size - 1;
	l.s[0] = '\0';

	switch (st) {
	case PROGRESS_BAR:
		render_bar(&l, c, elapsed, max);
		break;
	case PROGRESS_ETA:
		eta = eta_seconds(c, elapsed);
		if (c->total)
			snprintf(left, sizeof(left), "%llu",
				 c->done < c->total ? c->total - c->done : 0);
		else
			snprintf(left, sizeof(left), "?");
		if (eta < 0)
			add(&l, "ETA: ? ");
		else
			add(&l, "ETA: %llus ", whole(eta));
		add(&l, "Left: %s AVG: %.2fs  ", left, avg);
		add_local(&l, c, avg);
		break;
	case PROGRESS_PLAIN:
		add_local(&l, c, avg);
		break;
	}
	if (l.len > max)
		l.len = max;
	memcpy(buf, l.s, l.len);
	buf[l.len] = '\0';
}

/* Columns of the terminal on fd, 80 when it is not one or will not say. */
static int term_width(int fd)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/*
 * Draw the current state in place. The line stops one column short of
 * the edge: a terminal that wraps as soon as the last column is written
 * would otherwise move the cursor to a new line, and "\r" would then
 * redraw below instead of over.
 */
static void draw(struct progress *p, int final)
{
	static const char clear[] = "\033[K";
	struct progress_counts c;
	char out[LINE_MAX_COLS + 16];
	size_t len;
	ssize_t n;

	memset(&c, 0, sizeof(c));
	p->fn(p->ctx, &c);
	out[0] = '\r';
	progress_render(out + 1, LINE_MAX_COLS + 1, p->style, &c,
			clock_now() - p->t0, term_width(p->fd) - 1);
	len = strlen(out);
	if (p->tty) {
		memcpy(out + len, clear, sizeof(clear) - 1);
		len += sizeof(clear) - 1;
		if (final)
			out[len++] = '\n';
	} else {
		/* One plain line per report, no "\r" and no escapes. */
		memmove(out, out + 1, len);
		out[len - 1] = '\n';
	}
	pthread_mutex_lock(&p->drawmu);
	do
		n = write(p->fd, out, len);
	while (n < 0 && errno == EINTR);
	pthread_mutex_unlock(&p->drawmu);
}

void progress_clear(struct progress *p)
{
	static const char clear[] = "\r\033[K";
	ssize_t n;

	if (!p->tty)
		return;	/* plain lines: nothing to erase */
	pthread_mutex_lock(&p->drawmu);
	do
		n = write(p->fd, clear, sizeof(clear) - 1);
	while (n < 0 && errno == EINTR);
	pthread_mutex_unlock(&p->drawmu);
}

static void *progress_main(void *arg)
{
	struct progress *p = arg;
	double dl;
	int stop, first = 1;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		stop = p->stop;
		pthread_mutex_unlock(&p->mu);
		if (stop)
			break;
		/* On a log, the first line waits for the first interval. */
		if (p->tty || !first)
			draw(p, 0);
		first = 0;

		dl = clock_now() + (p->tty ? REDRAW_EVERY : LOG_EVERY);
		pthread_mutex_lock(&p->mu);
		while (!p->stop) {
			if (clock_timedwait(&p->cv, &p->mu, dl) == ETIMEDOUT)
				break;
		}
		pthread_mutex_unlock(&p->mu);
	}
	draw(p, 1);
	return NULL;
}

int progress_start(struct progress **out, enum progress_style style,
		   int fd, progress_fn *fn, void *ctx)
{
	struct progress *p;
	sigset_t all, old;
	int rc, have_mu = 0, have_cv = 0;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->style = style;
	p->fd = fd;
	p->tty = isatty(fd);
	p->fn = fn;
	p->ctx = ctx;
	pthread_mutex_init(&p->drawmu, NULL);
	rc = pthread_mutex_init(&p->mu, NULL);
	if (rc)
		goto out;
	have_mu = 1;
	rc = clock_cond_init(&p->cv);
	if (rc)
		goto out;
	have_cv = 1;
	p->t0 = clock_now();

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&p->thread, NULL, progress_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		goto out;
	*out = p;
	p = NULL;
out:
	if (p) {
		if (have_cv)
			pthread_cond_destroy(&p->cv);
		if (have_mu)
			pthread_mutex_destroy(&p->mu);
		pthread_mutex_destroy(&p->drawmu);
		free(p);
	}
	return -rc;
}

void progress_stop(struct progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	pthread_mutex_destroy(&p->drawmu);
	free(p);
}
