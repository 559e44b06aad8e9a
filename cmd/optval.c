#include "optval.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "die.h"
#include "num.h"

/* The most jobs -j 0 allows: each running job holds up to six descriptors
 * (two pipes while it runs, two spill files after). */
static unsigned jobs_unlimited(void)
{
	struct rlimit rl;
	unsigned long long n = 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
	    && rl.rlim_cur / 8 < n)
		n = rl.rlim_cur > 64 ? rl.rlim_cur / 8 : 8;
	return (unsigned)n;
}

/* -j: N, N%, +N, -N, or 0. */
int optval_parse_jobs(const char *s, long cores, unsigned *jobs)
{
	size_t n = strlen(s);
	long long v, j;

	if (n && s[n - 1] == '%') {
		char *num = strndup(s, n - 1);
		int bad;

		if (!num)
			return -ENOMEM;
		bad = num_parse(num, 1, 100000, &v);
		free(num);
		if (bad)
			return -EINVAL;
		j = cores * v / 100;
	} else if (s[0] == '+' || s[0] == '-') {
		if (num_parse(s + 1, 0, 100000, &v) || s[1] == '+' ||
		    s[1] == '-')
			return -EINVAL;
		j = s[0] == '+' ? cores + v : cores - v;
	} else {
		if (num_parse(s, 0, 100000, &v))
			return -EINVAL;
		if (v == 0) {
			*jobs = jobs_unlimited();
			return 0;
		}
		j = v;
	}
	*jobs = j < 1 ? 1 : (unsigned)j;
	return 0;
}

unsigned optval_jobs(const char *s)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned j;

	if (optval_parse_jobs(s, cores < 1 ? 1 : cores, &j))
		die_usage("invalid number of jobs '%s' (want N, N%%, +N, -N "
			  "or 0)", s);
	return j;
}

long long optval_count(const char *opt, const char *s, long long min,
			     long long max)
{
	long long v;
	int rc = num_parse(s, min, max, &v);

	if (rc == -ERANGE)
		die_usage("%s '%s': out of range (%lld to %lld)", opt, s, min,
			  max);
	if (rc)
		die_usage("%s '%s': not a number", opt, s);
	return v;
}

double optval_duration(const char *opt, const char *s)
{
	double v;

	if (num_duration(s, &v))
		die_usage("%s '%s': not a duration (want e.g. 30, 1.5s, 2m, "
			  "1h)", opt, s);
	return v;
}

long long optval_size(const char *opt, const char *s)
{
	long long v;

	if (num_size(s, &v))
		die_usage("%s '%s': not a size (want e.g. 500M, 2G, 4096)",
			  opt, s);
	return v;
}

static int parse_signal(const char *s)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
		{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
		{ "TERM", SIGTERM }, { "ALRM", SIGALRM }, { "CONT", SIGCONT },
		{ "STOP", SIGSTOP },
	};
	long long n;

	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcmp(s, sigs[i].name))
			return sigs[i].sig;
	if (!num_parse(s, 1, 64, &n))
		return (int)n;
	return -1;
}

/* --termseq SIG,MS,SIG,MS,...: GNU parallel's form; the last wait may be
 * left out. */
int optval_parse_termseq(struct termseq *t, const char *arg)
{
	struct termseq ts = { .n = 0 };
	char *copy = strdup(arg), *tok, *save = NULL;
	size_t i = 0;
	int rc = -EINVAL;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save), i++) {
		long long ms;

		if (i % 2 == 0) {
			int sig = parse_signal(tok);

			if (sig < 0 ||
			    ts.n == sizeof(ts.sig) / sizeof(ts.sig[0]))
				goto out;
			ts.sig[ts.n] = sig;
			ts.wait[ts.n++] = 0.025;
		} else {
			if (num_parse(tok, 0, 86400000, &ms))
				goto out;
			ts.wait[ts.n - 1] = (double)ms / 1000;
		}
	}
	if (ts.n) {
		*t = ts;
		rc = 0;
	}
out:
	free(copy);
	return rc;
}

void optval_termseq(struct termseq *t, const char *arg)
{
	int rc = optval_parse_termseq(t, arg);

	if (rc == -ENOMEM)
		die("out of memory");
	if (rc)
		die_usage("invalid --termseq '%s' (want e.g. "
			  "TERM,200,KILL,25)", arg);
}

/* --halt: never | 0 | 1 | 2 | WHEN,WHAT=N | WHEN,WHAT=N% */
int optval_parse_halt(struct halt *h, const char *s)
{
	struct halt hv = { .count = 1 };
	const char *what;
	size_t n;
	long long v;

	if (!strcmp(s, "never") || !strcmp(s, "0"))
		goto ok;
	if (!strcmp(s, "1") || !strcmp(s, "2")) {
		hv.when = s[0] == '1' ? HALT_SOON : HALT_NOW;
		goto ok;
	}
	/* GNU parallel's older forms: -1 and -2 stop on the first success,
	 * soon and now; N% is soon,fail=N%. */
	if (!strcmp(s, "-1") || !strcmp(s, "-2")) {
		hv.when = s[1] == '1' ? HALT_SOON : HALT_NOW;
		hv.what = HALT_SUCCESS;
		goto ok;
	}
	n = strlen(s);
	if (n > 1 && s[n - 1] == '%' &&
	    strspn(s, "0123456789.") == n - 1) {
		hv.when = HALT_SOON;
		what = s;
		goto percent;
	}
	if (!strncmp(s, "now,", 4))
		hv.when = HALT_NOW;
	else if (!strncmp(s, "soon,", 5))
		hv.when = HALT_SOON;
	else
		return -EINVAL;
	what = strchr(s, ',') + 1;
	if (!strncmp(what, "fail=", 5))
		hv.what = HALT_FAIL;
	else if (!strncmp(what, "success=", 8))
		hv.what = HALT_SUCCESS;
	else if (!strncmp(what, "done=", 5))
		hv.what = HALT_DONE;
	else
		return -EINVAL;
	what = strchr(what, '=') + 1;
percent:
	n = strlen(what);
	if (n && what[n - 1] == '%') {
		double pct;
		char *end;

		/* Digits and a point only: strtod() would also take a
		 * sign, blanks, an exponent, hex and "inf". */
		if (n == 1 || strspn(what, "0123456789.") != n - 1)
			return -EINVAL;
		pct = strtod(what, &end);
		if (end != what + n - 1 || !(pct > 0 && pct <= 100))
			return -EINVAL;
		hv.is_percent = 1;
		hv.percent = pct;
		goto ok;
	}
	if (num_parse(what, 1, LLONG_MAX, &v))
		return -EINVAL;
	hv.count = v;
ok:
	*h = hv;
	return 0;
}

void optval_halt(struct halt *h, const char *s)
{
	if (optval_parse_halt(h, s))
		die_usage("invalid --halt '%s' (want e.g. now,fail=1, "
			  "soon,fail=10%%, now,success=1, now,done=5)", s);
}

/* --trim: n, l, r, lr or rl, as GNU parallel spells them. */
enum trim optval_trim(const char *s)
{
	if (!strcmp(s, "n"))
		return TRIM_NONE;
	if (!strcmp(s, "l"))
		return TRIM_L;
	if (!strcmp(s, "r"))
		return TRIM_R;
	if (!strcmp(s, "lr") || !strcmp(s, "rl"))
		return TRIM_LR;
	die_usage("invalid --trim '%s' (want n, l, r, lr or rl)", s);
}

/* --tagstring: "\t" is a tab, as GNU parallel reads it. */
char *optval_tabs(const char *s)
{
	char *copy = strdup(s), *d = copy;

	if (!copy)
		die("out of memory");
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 't') {
			*d++ = '\t';
			s++;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
	return copy;
}

