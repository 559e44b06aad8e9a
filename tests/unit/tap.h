/*
 * tap: the smallest test harness that does the job. Each unit test binary
 * prints TAP ("ok 3 - name", "not ok 4 - name") so tests/run can count
 * results from C and bats tests the same way, and exits non-zero when any
 * check failed.
 *
 * Use: CHECK(cond, "name") for a boolean; CHECK_STR(got, want, "name") and
 * CHECK_INT(got, want, "name") print both values on failure. Finish main()
 * with `return tap_done();`.
 */
#ifndef LANES_TAP_H
#define LANES_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline void tap_result(int ok, const char *name, const char *file,
			      int line)
{
	tap_n++;
	if (!ok)
		tap_failed++;
	printf("%sok %d - %s\n", ok ? "" : "not ", tap_n, name);
	if (!ok)
		printf("#   failed at %s:%d\n", file, line);
	fflush(stdout);
}

#define CHECK(cond, name) tap_result(!!(cond), (name), __FILE__, __LINE__)

#define CHECK_STR(got, want, name) do {					\
	const char *g_ = (got), *w_ = (want);				\
	int ok_ = g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_;		\
	tap_result(ok_, (name), __FILE__, __LINE__);			\
	if (!ok_)							\
		printf("#   got  '%s'\n#   want '%s'\n",		\
		       g_ ? g_ : "(null)", w_ ? w_ : "(null)");		\
} while (0)

#define CHECK_INT(got, want, name) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	tap_result(g_ == w_, (name), __FILE__, __LINE__);		\
	if (g_ != w_)							\
		printf("#   got  %lld\n#   want %lld\n", g_, w_);	\
} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
