#include "num.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int num_parse(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	/* strtoll skips leading blanks and accepts them; we do not. */
	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int num_duration(const char *s, double *secs)
{
	double v, mult = 1;
	const char *d;
	char *end;

	if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '.'))
		return -EINVAL;
	/* Digits and a fraction only: strtod() would also take "0x10" (16
	 * seconds) and "1e3", which nobody means by a duration. */
	for (d = s; isdigit((unsigned char)*d); d++)
		;
	if (*d == '.')
		for (d++; isdigit((unsigned char)*d); d++)
			;
	if (*d && !strchr("smhd", *d))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno == ERANGE)
		return -EINVAL;
	switch (*end) {
	case '\0':
		break;
	case 's':
		mult = 1;
		end++;
		break;
	case 'm':
		mult = 60;
		end++;
		break;
	case 'h':
		mult = 3600;
		end++;
		break;
	case 'd':
		mult = 86400;
		end++;
		break;
	default:
		return -EINVAL;
	}
	if (*end || !isfinite(v * mult) || v < 0)
		return -EINVAL;
	*secs = v * mult;
	return 0;
}

int num_size(const char *s, long long *bytes)
{
	unsigned long long v, mult = 1;
	const char *units = "kmgt";
	const char *u;
	char *end;
	int range;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	/* Junk is junk however long the number before it: check the
	 * suffix before the range. */
	range = errno == ERANGE;
	if (*end && (u = strchr(units, tolower((unsigned char)*end)))) {
		mult = 1ULL << (10 * (u - units + 1));
		end++;
		if (end[0] == 'i' && end[1] == 'B')
			end += 2;
		else if (end[0] == 'B')
			end++;
	} else if (*end == 'B' || *end == 'b') {
		end++;
	}
	if (*end)
		return -EINVAL;
	if (range || v > (unsigned long long)LLONG_MAX / mult)
		return -ERANGE;
	*bytes = (long long)(v * mult);
	return 0;
}
