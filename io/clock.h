/*
 * clock: the one reading of the monotonic clock that deadlines, timeouts,
 * pacing and measured run times share, in seconds as a double, less the
 * time lanes spent stopped by Ctrl-Z, and timed waits against it.
 * Deadlines are absolute clock_now() values, so a wait that wakes early
 * (a signal, a spurious wake-up, a Ctrl-Z) simply waits again for the
 * same deadline, and a change of the wall clock moves nothing.
 *
 * Use: a condition variable that clock_timedwait() waits on must be made
 * with clock_cond_init(), which binds it to CLOCK_MONOTONIC.
 *
 * Thread-safety: thread-safe. Errors: clock_now() has none
 * (CLOCK_MONOTONIC cannot fail); the others return what the pthread call
 * they wrap returns (0 or an error number, not -errno, as pthreads do).
 */
#ifndef LANES_CLOCK_H
#define LANES_CLOCK_H

#include <pthread.h>

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

/* pthread_cond_init() with the monotonic clock. */
int clock_cond_init(pthread_cond_t *cond);

/*
 * pthread_cond_timedwait() until clock_now() reaches deadline: 0 when
 * woken (or spuriously), ETIMEDOUT once the deadline has passed. As
 * there, mu is held on entry and on return; loop on the predicate.
 */
int clock_timedwait(pthread_cond_t *cond, pthread_mutex_t *mu,
		    double deadline);

#endif
