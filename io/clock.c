#include "clock.h"

#include <errno.h>
#include <stdatomic.h>
#include <time.h>

/* Nanoseconds lanes spent stopped by Ctrl-Z, left out of clock_now(). */
static _Atomic long long skipped_ns;
/* While stopping, the reading at the stop (0 otherwise): clock_now()
 * stands still there until clock_resume(). */
static _Atomic long long frozen_ns;

static long long raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

double clock_now(void)
{
	long long f = atomic_load(&frozen_ns);

	return (double)((f ? f : raw_ns()) - atomic_load(&skipped_ns)) / 1e9;
}

void clock_freeze(void)
{
	atomic_store(&frozen_ns, raw_ns());
}

void clock_resume(void)
{
	long long f = atomic_load(&frozen_ns);

	if (!f)
		return;
	/* Skip first, then thaw: a reader in between sees the clock
	 * slightly early, never a jump forward. */
	atomic_fetch_add(&skipped_ns, raw_ns() - f);
	atomic_store(&frozen_ns, 0);
}

int clock_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t ca;
	int rc = pthread_condattr_init(&ca);

	if (rc)
		return rc;
	rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (!rc)
		rc = pthread_cond_init(cond, &ca);
	pthread_condattr_destroy(&ca);
	return rc;
}

int clock_timedwait(pthread_cond_t *cond, pthread_mutex_t *mu,
		    double deadline)
{
	struct timespec ts;
	double now = clock_now();

	if (now >= deadline)
		return ETIMEDOUT;
	/* clock_now() leaves out stopped time; the condition variable
	 * counts on the raw clock. */
	deadline = (double)raw_ns() / 1e9 + (deadline - now);
	/* A deadline past what time_t holds is as good as never. */
	if (deadline > 1e15)
		deadline = 1e15;
	ts.tv_sec = (time_t)deadline;
	ts.tv_nsec = (long)((deadline - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 999999999L;
	if (ts.tv_nsec < 0)
		ts.tv_nsec = 0;
	return pthread_cond_timedwait(cond, mu, &ts);
}
