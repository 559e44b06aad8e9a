/*
 * clock: the one reading of the monotonic clock that deadlines, timeouts,
 * pacing and measured run times share, in seconds as a double, less the
 * time lanes spent stopped by Ctrl-Z.
 *
 * Thread-safety: thread-safe. Errors: none (CLOCK_MONOTONIC cannot fail).
 */
#ifndef LANES_CLOCK_H
#define LANES_CLOCK_H

double clock_now(void);

/*
 * Ctrl-Z: clock_freeze() before lanes and its jobs stop, clock_resume()
 * once they go on. In between clock_now() stands still, and afterwards
 * it leaves the stopped time out, so --timeout, --delay and run times do
 * not count it; threads that wake up before clock_resume() ran see no
 * time pass. A waiter must compare clock_now() with its deadline after
 * every wake-up rather than trust an absolute time computed before.
 */
void clock_freeze(void);
void clock_resume(void);

#endif
