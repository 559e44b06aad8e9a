/*
 * progress: --bar, --eta and --progress on standard error. A thread
 * redraws one line in place ("\r", then the line, then "\033[K" to clear
 * what is left of a longer previous line) a few times a second, from
 * counters it reads through a callback; progress_stop() draws the final
 * state once more and ends the line with a newline, so the last line on
 * the terminal is correct.
 *
 * Formats (one line each; widths adapt to the terminal, 80 if unknown;
 * the thread draws one column less than the terminal has, so the cursor
 * never reaches the last column, where some terminals wrap):
 *   --bar:      " 45% 45/100 done, 2 failed, 12.3/s, ETA 0:04 [####    ]"
 *               with ", 1.2 GB, 45.6 MB/s" before ", ETA" when bytes are
 *               counted (downloads, decimal units); with no total known:
 *               "45 done, 2 failed, 12.3/s" and no ETA, bar or
 *               percentage. The bar fills the rest of the line and is
 *               left out when fewer than five columns are left. ETA is
 *               m:ss or h:mm:ss.
 *   --eta:      "ETA: 4s Left: 55 AVG: 0.08s  local:2/45/100%/0.1s"
 *   --progress: "local:2/45/100%/0.1s" (running/done/share of the
 *               started jobs run on this computer/average seconds per
 *               job, as GNU parallel: the share is 100% once a job
 *               started, as every job runs here, 0% before)
 * ETA = remaining jobs times the average time between completions so
 * far; "ETA ?" (--bar) or "ETA: ?" (--eta) until one job finished or
 * while the total is unknown (then --eta also shows "Left: ?").
 *
 * Thread-safety: progress_start() and progress_stop() from the main
 * thread; the callback is called from the progress thread and must be
 * thread-safe.
 */
#ifndef LANES_PROGRESS_H
#define LANES_PROGRESS_H

enum progress_style {
	PROGRESS_BAR,
	PROGRESS_ETA,
	PROGRESS_PLAIN,
};

struct progress_counts {
	unsigned long long done;	/* finished, failed included */
	unsigned long long failed;
	unsigned long long running;
	unsigned long long total;	/* 0 while unknown */
	unsigned long long bytes;	/* 0 when not counted */
};

typedef void progress_fn(void *ctx, struct progress_counts *c);

struct progress;

/* fd is where to draw (stderr). Returns 0 or -errno. */
int progress_start(struct progress **out, enum progress_style style,
		   int fd, progress_fn *fn, void *ctx);
/*
 * Erase the line, so output written next to the same terminal starts at
 * the left edge instead of after the bar; the next redraw puts the bar
 * back under it. Any thread.
 */
void progress_clear(struct progress *p);

/* Draw the final line, end it, join the thread, free. */
void progress_stop(struct progress *p);

/* Render one line for the given counts and elapsed seconds into buf
 * (NUL-terminated, no "\r" or newline), never longer than width (nor
 * 1024) columns nor size - 1 bytes: what does not fit is cut off. Pure
 * and thread-safe, for the unit tests. */
void progress_render(char *buf, unsigned long size, enum progress_style st,
		     const struct progress_counts *c, double elapsed,
		     int width);

#endif
