/*
 * Unit tests for cmd/optval's checks that print nothing: -j, --halt and
 * --termseq values, with the inputs tests/fuzz/optval_fuzz.c found
 * wrongly accepted.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "optval.h"
#include "tap.h"

static void test_jobs(void)
{
	unsigned j = 0;

	CHECK(optval_parse_jobs("4", 8, &j) == 0 && j == 4, "-j 4");
	CHECK(optval_parse_jobs("+2", 8, &j) == 0 && j == 10, "-j +2");
	CHECK(optval_parse_jobs("-1", 8, &j) == 0 && j == 7, "-j -1");
	CHECK(optval_parse_jobs("-9", 8, &j) == 0 && j == 1,
	      "-j -N leaves one slot");
	CHECK(optval_parse_jobs("50%", 8, &j) == 0 && j == 4, "-j 50%");
	CHECK(optval_parse_jobs("1%", 8, &j) == 0 && j == 1,
	      "-j 1% leaves one slot");
	CHECK(optval_parse_jobs("0", 8, &j) == 0 && j >= 8 && j <= 1024,
	      "-j 0 is the descriptor limit");
	j = 77;
	CHECK(optval_parse_jobs("+-1", 8, &j) == -EINVAL && j == 77,
	      "-j +-1 rejected, result kept");
	CHECK_INT(optval_parse_jobs("0%", 8, &j), -EINVAL, "-j 0%");
	CHECK(optval_parse_jobs("000000000000000000000000000000000050%", 8,
				&j) == 0 && j == 4, "-j with a long N%");
	CHECK_INT(optval_parse_jobs("4x", 8, &j), -EINVAL, "-j 4x");
	CHECK_INT(optval_parse_jobs("", 8, &j), -EINVAL, "-j ''");
}

static void test_halt(void)
{
	struct halt h;

	CHECK(optval_parse_halt(&h, "now,fail=1") == 0 &&
	      h.when == HALT_NOW && h.what == HALT_FAIL && h.count == 1 &&
	      !h.is_percent, "--halt now,fail=1");
	CHECK(optval_parse_halt(&h, "soon,success=30%") == 0 &&
	      h.when == HALT_SOON && h.what == HALT_SUCCESS &&
	      h.is_percent && h.percent == 30, "--halt soon,success=30%");
	CHECK(optval_parse_halt(&h, "now,done=2.5%") == 0 &&
	      h.what == HALT_DONE && h.percent == 2.5, "--halt now,done=2.5%");
	CHECK(optval_parse_halt(&h, "10%") == 0 && h.when == HALT_SOON &&
	      h.what == HALT_FAIL && h.percent == 10, "--halt 10%");
	CHECK(optval_parse_halt(&h, "-2") == 0 && h.when == HALT_NOW &&
	      h.what == HALT_SUCCESS, "--halt -2");
	CHECK(optval_parse_halt(&h, "never") == 0 && h.when == HALT_NEVER,
	      "--halt never");
	h.count = 42;
	CHECK(optval_parse_halt(&h, "now,fail=0") == -EINVAL && h.count == 42,
	      "--halt now,fail=0 rejected, result kept");
	CHECK_INT(optval_parse_halt(&h, "now,fail=101%"), -EINVAL,
		  "--halt above 100%");
	/* strtod() took these as numbers. */
	CHECK_INT(optval_parse_halt(&h, "soon,success=+3%"), -EINVAL,
		  "--halt with a signed percentage");
	CHECK_INT(optval_parse_halt(&h, "now,fail= 5%"), -EINVAL,
		  "--halt with a blank in the percentage");
	CHECK_INT(optval_parse_halt(&h, "now,fail=1e1%"), -EINVAL,
		  "--halt with an exponent");
	CHECK_INT(optval_parse_halt(&h, "now,fail=0x10%"), -EINVAL,
		  "--halt with a hex percentage");
	CHECK_INT(optval_parse_halt(&h, "now,fail=.%"), -EINVAL,
		  "--halt with a point for a percentage");
	CHECK_INT(optval_parse_halt(&h, "now,fail=1.2.3%"), -EINVAL,
		  "--halt with two points");
	CHECK(optval_parse_halt(&h, "now,fail=00000000000000000000000000000"
				"0000000012.50%") == 0 && h.percent == 12.5,
	      "--halt with a long percentage");
	CHECK(optval_parse_halt(&h, "5.%") == 0 && h.percent == 5,
	      "--halt 5.%");
}

static void test_termseq(void)
{
	struct termseq t;

	CHECK(optval_parse_termseq(&t, "TERM,200,KILL,25") == 0 &&
	      t.n == 2 && t.sig[0] == SIGTERM && t.wait[0] == 0.2 &&
	      t.sig[1] == SIGKILL && t.wait[1] == 0.025,
	      "--termseq TERM,200,KILL,25");
	CHECK(optval_parse_termseq(&t, "SIGINT,1000,9") == 0 && t.n == 2 &&
	      t.sig[0] == SIGINT && t.wait[0] == 1 && t.sig[1] == 9 &&
	      t.wait[1] == 0.025, "--termseq SIGINT,1000,9: last wait 25");
	t.n = 5;
	CHECK(optval_parse_termseq(&t, "TERM,x") == -EINVAL && t.n == 5,
	      "--termseq TERM,x rejected, result kept");
	CHECK_INT(optval_parse_termseq(&t, "1,0,2,0,3,0,4,0,5,0,6,0,7,0,8,0,"
				       "9"), -EINVAL,
		  "--termseq with nine signals");
	CHECK_INT(optval_parse_termseq(&t, "65"), -EINVAL, "--termseq 65");
	CHECK_INT(optval_parse_termseq(&t, ""), -EINVAL, "--termseq ''");
}

static void test_tabs(void)
{
	char *s = optval_tabs("a\\tb\\\\tc\\");

	CHECK_STR(s, "a\tb\\\tc\\", "--tagstring \\t");
	free(s);
}

int main(void)
{
	test_jobs();
	test_halt();
	test_termseq();
	test_tabs();
	return tap_done();
}
