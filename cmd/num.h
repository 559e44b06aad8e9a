/*
 * num: the one checked parser for numbers given on the command line
 * (OpenBSD strtonum is the model): rejects empty strings, junk after the
 * number, overflow and values outside [min, max].
 *
 * Thread-safety: pure functions.
 * Errors: 0, or -EINVAL (not a number) / -ERANGE (outside the bounds).
 */
#ifndef LANES_NUM_H
#define LANES_NUM_H

int num_parse(const char *s, long long min, long long max, long long *out);

/*
 * A duration: a non-negative decimal number of seconds with an optional
 * suffix s, m, h or d ("1.5s", "2m", "30").
 */
int num_duration(const char *s, double *secs);

/*
 * A size in bytes: a whole number with an optional suffix k, M, G, T
 * (powers of 1024; either case, an optional trailing "B" or "iB").
 */
int num_size(const char *s, long long *bytes);

#endif
