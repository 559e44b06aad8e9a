#include "clock.h"

#include <errno.h>
#include <time.h>

double clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

	if (clock_now() >= deadline)
		return ETIMEDOUT;
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
