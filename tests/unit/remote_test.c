/*
 * Unit tests for io/remote's pure part: -j read per host, as GNU parallel
 * reads it with -S. (remote_new() itself is tested against real hosts in
 * tests/unit/sshlive_test.c.)
 */
#include <errno.h>
#include <string.h>

#include "remote.h"
#include "ssh.h"
#include "tap.h"

static unsigned jobs(const char *spec, unsigned ncpu)
{
	unsigned n = 0;

	return remote_jobs(spec, ncpu, &n) ? 0 : n;
}

/* Expand the patterns for one job with the given records; the names
 * joined with '|' in place of the NULs. */
static const char *names(const char *const *pats, size_t n,
			 const char *rec, int *rcp)
{
	static char out[256];
	struct remote_names rn;
	struct tmpl_arg a = { rec, strlen(rec) };
	struct tmpl_job tj = { &a, 1, 7, 2, NULL };
	struct buf b = BUF_INIT;
	char err[256];
	size_t i;
	int rc;

	rc = remote_names_parse(&rn, pats, n, NULL, err, sizeof(err));
	if (rc) {
		*rcp = rc;
		return "";
	}
	*rcp = remote_names_expand(&rn, &tj, &b);
	remote_names_release(&rn);
	for (i = 0; i < b.len; i++)
		if (!b.p[i])
			b.p[i] = '|';
	snprintf(out, sizeof(out), "%s", buf_str(&b));
	buf_release(&b);
	return out;
}

static void test_names(void)
{
	const char *p1[] = { "{}", "{.}.out", "fixed", "out/{#}" };
	const char *p2[] = { "{}" };
	int rc;

	CHECK_STR(names(p1, 4, "dir/a b'c.txt", &rc),
		  "dir/a b'c.txt|dir/a b'c.out|fixed|out/7|", "names");
	CHECK_INT(rc, 0, "names ok");
	names(p2, 1, "", &rc);
	CHECK_INT(rc, -EINVAL, "empty name");
	CHECK_STR(names(p2, 1, "new\nline", &rc), "new\nline|",
		  "newline kept");
}

int main(void)
{
	unsigned n;

	test_names();

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
