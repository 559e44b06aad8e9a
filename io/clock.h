/*
 * clock: the one reading of the monotonic clock that deadlines, timeouts,
 * pacing and measured run times share, in seconds as a double.
 *
 * Thread-safety: thread-safe. Errors: none (CLOCK_MONOTONIC cannot fail).
 */
#ifndef LANES_CLOCK_H
#define LANES_CLOCK_H

double clock_now(void);

#endif
