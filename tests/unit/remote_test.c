/*
 * Unit tests for io/remote's pure part: -j read per host, as GNU parallel
 * reads it with -S. (remote_new() itself is tested against real hosts in
 * tests/unit/sshlive_test.c.)
 */
#include <errno.h>

#include "remote.h"
#include "ssh.h"
#include "tap.h"

static unsigned jobs(const char *spec, unsigned ncpu)
{
	unsigned n = 0;

	return remote_jobs(spec, ncpu, &n) ? 0 : n;
}

int main(void)
{
	unsigned n;

	CHECK_INT(jobs(NULL, 8), 8, "default: the host's CPUs");
	CHECK_INT(jobs("3", 8), 3, "N");
	CHECK_INT(jobs("50%", 8), 4, "N%");
	CHECK_INT(jobs("10%", 8), 1, "N% at least 1");
	CHECK_INT(jobs("+2", 8), 10, "+N");
	CHECK_INT(jobs("-2", 8), 6, "-N");
	CHECK_INT(jobs("-20", 8), 1, "-N at least 1");
	CHECK_INT(jobs("0", 8), 4 * SSH_MASTER_JOBS, "0");
	CHECK_INT(remote_jobs("", 8, &n), -EINVAL, "empty");
	CHECK_INT(remote_jobs("x", 8, &n), -EINVAL, "junk");
	CHECK_INT(remote_jobs("0%", 8, &n), -EINVAL, "0%");
	CHECK_INT(remote_jobs("+-1", 8, &n), -EINVAL, "+-1");
	CHECK_INT(remote_jobs("100001", 8, &n), -EINVAL, "too many");
	CHECK_INT(remote_jobs("5 ", 8, &n), -EINVAL, "trailing blank");
	return tap_done();
}
