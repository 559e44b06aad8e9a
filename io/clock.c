#include "clock.h"

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
