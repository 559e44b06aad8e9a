/*
 * optval: the values of options that are more than a plain number: -j
 * (N, N%, +N, -N, 0), --termseq, --halt (GNU parallel's older 1, 2, -1,
 * -2 and N% too), --trim, the \t of --tagstring, and counts, durations
 * and sizes with the option's name in the message. Each checks its
 * value and, on junk, prints a usage error naming the option and exits
 * 255, as only cmd/ may; plain numbers go through cmd/num.
 *
 * Thread-safety: the main thread, while parsing the command line.
 */
#ifndef LANES_OPTVAL_H
#define LANES_OPTVAL_H

#include "opts.h"

/* Job slots from a -j value, against this machine's CPUs. */
unsigned optval_jobs(const char *s);
long long optval_count(const char *opt, const char *s, long long min,
		       long long max);
double optval_duration(const char *opt, const char *s);
long long optval_size(const char *opt, const char *s);
void optval_termseq(struct termseq *t, const char *arg);
void optval_halt(struct halt *h, const char *s);
/* --trim: n, l, r, lr or rl. */
enum trim optval_trim(const char *s);
/* --tagstring: a copy of s with each \t made a tab (free it). */
char *optval_tabs(const char *s);

/*
 * The checks behind optval_jobs() (for a machine with cores >= 1 CPUs),
 * optval_termseq() and optval_halt(), for callers that must not exit
 * (tests): they print nothing and return 0 with the result set, or
 * -EINVAL (-ENOMEM) and leave the result as it was.
 */
int optval_parse_jobs(const char *s, long cores, unsigned *jobs);
int optval_parse_termseq(struct termseq *t, const char *arg);
int optval_parse_halt(struct halt *h, const char *s);

#endif
