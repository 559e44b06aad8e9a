/*
 * Fuzz cmd/num, the one parser of numbers on the command line (-j, -n,
 * -s, --timeout, --delay, --halt's counts, --termseq's durations...), and
 * check what num.h promises:
 *   - num_parse() accepts only an optional sign and decimal digits within
 *     [min, max], and every value within the bounds, printed, reads back;
 *   - num_duration() accepts only a decimal number (digits, an optional
 *     fraction) with an optional s, m, h or d; the result is finite, not
 *     negative, and "N" with a suffix reads back as N times its unit;
 *   - num_size() accepts only digits with an optional k, M, G or T
 *     (either case) and an optional "B" or "iB", and gives the number
 *     times its power of 1024, or -ERANGE past LLONG_MAX.
 * Input: the string to parse (to its first NUL); bytes 0-15 also give
 * the bounds and the values printed back.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "num.h"

static const double unit_secs[] = { 1, 60, 3600, 86400 };

static long long take_ll(const uint8_t *d, size_t n)
{
	unsigned long long v = 0;

	for (size_t i = 0; i < 8; i++)
		v = v << 8 | (i < n ? d[i] : 0);
	return (long long)v;
}

/* [+-]?[0-9]+ */
static int is_integer(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (!isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	return !*s;
}

/* ([0-9]+(\.[0-9]*)?|\.[0-9]+)[smhd]? */
static int is_duration(const char *s)
{
	const char *d = s;

	while (isdigit((unsigned char)*s))
		s++;
	if (*s == '.') {
		s++;
		if (s == d + 1 && !isdigit((unsigned char)*s))
			return 0;
		while (isdigit((unsigned char)*s))
			s++;
	} else if (s == d) {
		return 0;
	}
	if (*s && strchr("smhd", *s))
		s++;
	return !*s;
}

/* [0-9]+([kKmMgGtT](iB|B)?|[Bb])?; returns the power of 1024 or -1. */
static int size_unit(const char *s)
{
	const char *u;
	int p = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s))
		s++;
	if (*s && (u = strchr("kmgt", tolower((unsigned char)*s)))) {
		p = (int)(u - "kmgt") + 1;
		s++;
		if (s[0] == 'i' && s[1] == 'B')
			s += 2;
		else if (s[0] == 'B')
			s++;
	} else if (*s == 'B' || *s == 'b') {
		s++;
	}
	return *s ? -1 : p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long long min, max, v, w;
	char *s, buf[64];
	double secs;
	int rc, unit;

	s = malloc(size + 1);
	FUZZ_CHECK(s, "malloc");
	memcpy(s, data, size);
	s[size] = '\0';
	min = take_ll(data, size);
	max = take_ll(size > 8 ? data + 8 : data, size > 8 ? size - 8 : 0);
	if (min > max) {
		v = min;
		min = max;
		max = v;
	}

	rc = num_parse(s, min, max, &v);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE,
		   "num_parse: 0, EINVAL or ERANGE");
	FUZZ_CHECK(rc != 0 || (v >= min && v <= max), "within the bounds");
	FUZZ_CHECK(rc == -EINVAL || is_integer(s), "only integers accepted");
	FUZZ_CHECK(rc != -EINVAL || !is_integer(s), "integers are numbers");
	/* Both bounds and a value between them read back. */
	snprintf(buf, sizeof buf, "%lld", min);
	FUZZ_CHECK(num_parse(buf, min, max, &w) == 0 && w == min,
		   "min reads back");
	snprintf(buf, sizeof buf, "%lld", max);
	FUZZ_CHECK(num_parse(buf, min, max, &w) == 0 && w == max,
		   "max reads back");
	if (max < LLONG_MAX) {
		snprintf(buf, sizeof buf, "%lld", max + 1);
		FUZZ_CHECK(num_parse(buf, min, max, &w) == -ERANGE,
			   "max + 1 is out of range");
	}

	rc = num_duration(s, &secs);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "duration: 0 or EINVAL");
	FUZZ_CHECK(rc != 0 || is_duration(s), "only decimal durations");
	FUZZ_CHECK(rc != 0 || (isfinite(secs) && secs >= 0),
		   "a duration is finite and not negative");
	unit = size > 1 ? data[1] & 3 : 0;
	snprintf(buf, sizeof buf, "%u%c", (unsigned)(size ? data[0] : 0),
		 "smhd"[unit]);
	FUZZ_CHECK(num_duration(buf, &secs) == 0 &&
		   secs == (size ? data[0] : 0) * unit_secs[unit],
		   "N with a unit reads back");

	rc = num_size(s, &v);
	unit = size_unit(s);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE,
		   "size: 0, EINVAL or ERANGE");
	FUZZ_CHECK(rc == -EINVAL ? unit < 0 : unit >= 0,
		   "sizes follow the grammar");
	if (rc == 0) {
		unsigned long long n = strtoull(s, NULL, 10);

		FUZZ_CHECK(v >= 0 && (unsigned long long)v ==
			   n << (10 * unit), "size is N times its unit");
	}
	free(s);
	return 0;
}
