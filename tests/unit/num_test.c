/*
 * Unit tests for cmd/num: the checked parsers of numbers, durations and
 * sizes, with the inputs tests/fuzz/num_fuzz.c found wrongly accepted or
 * wrongly classed.
 */
#include <errno.h>
#include <limits.h>

#include "num.h"
#include "tap.h"

static int dur(const char *s, double *v)
{
	*v = -1;
	return num_duration(s, v);
}

static void test_parse(void)
{
	long long v = 0;

	CHECK(num_parse("42", 0, 100, &v) == 0 && v == 42, "42");
	CHECK(num_parse("-5", -10, 10, &v) == 0 && v == -5, "-5");
	CHECK_INT(num_parse("", 0, 9, &v), -EINVAL, "empty");
	CHECK_INT(num_parse(" 1", 0, 9, &v), -EINVAL, "leading blank");
	CHECK_INT(num_parse("1x", 0, 9, &v), -EINVAL, "junk after");
	CHECK_INT(num_parse("10", 0, 9, &v), -ERANGE, "above max");
	CHECK_INT(num_parse("99999999999999999999", 0, LLONG_MAX, &v),
		  -ERANGE, "overflow");
}

static void test_duration(void)
{
	double v;

	CHECK(dur("1.5s", &v) == 0 && v == 1.5, "1.5s");
	CHECK(dur("2m", &v) == 0 && v == 120, "2m");
	CHECK(dur("1h", &v) == 0 && v == 3600, "1h");
	CHECK(dur("1d", &v) == 0 && v == 86400, "1d");
	CHECK(dur(".5", &v) == 0 && v == 0.5, ".5");
	CHECK(dur("5.", &v) == 0 && v == 5, "5.");
	CHECK_INT(dur("0x10", &v), -EINVAL, "hex is not a duration");
	CHECK_INT(dur("0x1p3s", &v), -EINVAL, "hex float is not either");
	CHECK_INT(dur("1e3", &v), -EINVAL, "no exponent");
	CHECK_INT(dur("1.5e1s", &v), -EINVAL, "no exponent before a unit");
	CHECK_INT(dur(".", &v), -EINVAL, "a dot alone");
	CHECK_INT(dur("-1", &v), -EINVAL, "negative");
	CHECK_INT(dur("1ms", &v), -EINVAL, "two units");
	CHECK_INT(dur("1 s", &v), -EINVAL, "blank before the unit");
}

static void test_size(void)
{
	long long v = 0;

	CHECK(num_size("10", &v) == 0 && v == 10, "10");
	CHECK(num_size("512b", &v) == 0 && v == 512, "512b");
	CHECK(num_size("1k", &v) == 0 && v == 1024, "1k");
	CHECK(num_size("1MiB", &v) == 0 && v == 1 << 20, "1MiB");
	CHECK(num_size("3GB", &v) == 0 && v == 3LL << 30, "3GB");
	CHECK(num_size("2t", &v) == 0 && v == 2LL << 40, "2t");
	CHECK_INT(num_size("1kiBB", &v), -EINVAL, "one B only");
	CHECK_INT(num_size("1kb", &v), -EINVAL, "lower-case b after a unit");
	CHECK_INT(num_size("1x", &v), -EINVAL, "junk");
	CHECK_INT(num_size("9999999999999999999999x", &v), -EINVAL,
		  "junk after a long number is junk, not a range error");
	CHECK_INT(num_size("9999999999999999999999", &v), -ERANGE,
		  "a long number is a range error");
	CHECK_INT(num_size("8388608T", &v), -ERANGE, "2^63 bytes");
	CHECK(num_size("8388607T", &v) == 0 && v == 8388607LL << 40,
	      "just under 2^63 bytes");
}

int main(void)
{
	test_parse();
	test_duration();
	test_size();
	return tap_done();
}
