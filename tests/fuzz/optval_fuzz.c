/*
 * Fuzz cmd/optval, the values of -j, --halt, --termseq and --tagstring,
 * through the checks that print nothing (optval_parse_*()), against a
 * reference grammar written here from the manual:
 *   - -j: N (0 to 100000; 0 is the descriptor limit, 8 to 1024), N%
 *     (1 to 100000) of the CPUs, +N and -N (0 to 100000) more or fewer
 *     than the CPUs; at least one slot; N gives N back;
 *   - --halt: never, 0, 1, 2, -1, -2, N% and WHEN,WHAT=N with WHEN now or
 *     soon, WHAT fail, success or done, N a count >= 1 or a decimal
 *     percentage in (0, 100]; what is accepted prints and reads back;
 *   - --termseq: up to eight signals (a name, with or without SIG, or 1
 *     to 64), each with an optional wait of 0 to 86400000 ms (25 when
 *     left out); what is accepted prints and reads back;
 *   - a rejected value leaves the result as it was;
 *   - optval_tabs() turns each \t into a tab and nothing else.
 * Numbers may carry a sign, as cmd/num reads them.
 * Input: byte 0, as '0' to '3', picks the parser; for -j, byte 1 gives
 * the CPU count (1 to 64); the rest, to its first NUL, is the value.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <string.h>

#include "fuzz.h"
#include "optval.h"

/* [+-]?[0-9]+ as s[0..n), within long long. */
static int ref_int(const char *s, size_t n, long long *v)
{
	unsigned long long u = 0, lim = LLONG_MAX;
	size_t i = 0;
	int neg = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (i == n)
		return 0;
	for (; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (!isdigit((unsigned char)s[i]) || u > (lim + neg - d) / 10)
			return 0;
		u = u * 10 + d;
	}
	*v = neg ? (long long)(0 - u) : (long long)u;
	return 1;
}

/* A decimal percentage, [0-9]+(.[0-9]*)?|.[0-9]+ then '%', in (0, 100]. */
static int ref_pct(const char *s, double *pct)
{
	size_t n = strlen(s), digits = strspn(s, "0123456789"), frac = 0;

	if (n < 2 || s[n - 1] != '%')
		return 0;
	if (s[digits] == '.')
		frac = 1 + strspn(s + digits + 1, "0123456789");
	if (digits + frac != n - 1 || (!digits && frac < 2))
		return 0;
	*pct = strtod(s, NULL);
	return *pct > 0 && *pct <= 100;
}

static void fuzz_jobs(long cores, const char *s)
{
	size_t n = strlen(s);
	unsigned j = 12345, again;
	long long v, want = -1;	/* -1 rejected, 0 unlimited */
	char back[32];
	int rc;

	if (n && s[n - 1] == '%') {
		if (ref_int(s, n - 1, &v) && v >= 1 && v <= 100000)
			want = cores * v / 100 < 1 ? 1 : cores * v / 100;
	} else if (s[0] == '+' || s[0] == '-') {
		if (s[1] != '+' && s[1] != '-' && ref_int(s + 1, n - 1, &v) &&
		    v >= 0 && v <= 100000)
			want = s[0] == '+' ? cores + v :
			       cores - v < 1 ? 1 : cores - v;
	} else if (ref_int(s, n, &v) && v >= 0 && v <= 100000) {
		want = v;
	}
	rc = optval_parse_jobs(s, cores, &j);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "jobs: 0 or EINVAL");
	FUZZ_CHECK((rc == 0) == (want >= 0), "jobs: N, N%, +N, -N or 0");
	if (rc) {
		FUZZ_CHECK(j == 12345, "a rejected -j leaves the result");
		return;
	}
	FUZZ_CHECK(j >= 1, "at least one job slot");
	if (want == 0) {
		FUZZ_CHECK(j >= 8 && j <= 1024, "-j 0: 8 to 1024 slots");
		return;
	}
	FUZZ_CHECK(j == want, "jobs: the number the value gives");
	if (j <= 100000) {
		snprintf(back, sizeof(back), "%u", j);
		FUZZ_CHECK(!optval_parse_jobs(back, cores, &again) &&
			   again == j, "jobs read back");
	}
}

static int ref_halt(const char *s, struct halt *h)
{
	static const char *const whats[] = { "fail=", "success=", "done=" };
	const char *w;
	long long v;
	size_t i;

	memset(h, 0, sizeof(*h));
	h->count = 1;
	if (!strcmp(s, "never") || !strcmp(s, "0"))
		return 1;
	if (!strcmp(s, "1") || !strcmp(s, "-1"))
		h->when = HALT_SOON;
	else if (!strcmp(s, "2") || !strcmp(s, "-2"))
		h->when = HALT_NOW;
	if (h->when != HALT_NEVER) {
		h->what = s[0] == '-' ? HALT_SUCCESS : HALT_FAIL;
		return 1;
	}
	if (ref_pct(s, &h->percent)) {
		h->when = HALT_SOON;
		h->is_percent = 1;
		return 1;
	}
	if (!strncmp(s, "now,", 4))
		h->when = HALT_NOW;
	else if (!strncmp(s, "soon,", 5))
		h->when = HALT_SOON;
	else
		return 0;
	w = strchr(s, ',') + 1;
	for (i = 0; i < 3; i++)
		if (!strncmp(w, whats[i], strlen(whats[i])))
			break;
	if (i == 3)
		return 0;
	h->what = i == 0 ? HALT_FAIL : i == 1 ? HALT_SUCCESS : HALT_DONE;
	w += strlen(whats[i]);
	if (ref_pct(w, &h->percent)) {
		h->is_percent = 1;
		return 1;
	}
	if (!ref_int(w, strlen(w), &v) || v < 1)
		return 0;
	h->count = v;
	return 1;
}

static int same_halt(const struct halt *a, const struct halt *b)
{
	return a->when == b->when && a->what == b->what &&
	       a->count == b->count && a->percent == b->percent &&
	       a->is_percent == b->is_percent;
}

static void fuzz_halt(const char *s)
{
	static const char *const whens[] = { "never", "soon", "now" };
	static const char *const whats[] = { "fail", "success", "done" };
	struct halt h, want, again, before;
	char back[64];
	int rc, ok = ref_halt(s, &want);

	memset(&h, 0x5a, sizeof(h));
	memcpy(&before, &h, sizeof(h));
	rc = optval_parse_halt(&h, s);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "halt: 0 or EINVAL");
	FUZZ_CHECK((rc == 0) == ok, "halt: as the manual's grammar");
	if (rc) {
		FUZZ_CHECK(!memcmp(&h, &before, sizeof(h)),
			   "a rejected --halt leaves the result");
		return;
	}
	FUZZ_CHECK(same_halt(&h, &want), "halt: the values given");
	FUZZ_CHECK(h.is_percent ? h.percent > 0 && h.percent <= 100 &&
		   h.count == 1 : h.count >= 1 && h.percent == 0,
		   "a count or a percentage");
	FUZZ_CHECK(h.when != HALT_NEVER || (h.what == HALT_FAIL &&
					    !h.is_percent),
		   "never is only never");
	if (h.when == HALT_NEVER)
		snprintf(back, sizeof(back), "never");
	else if (h.is_percent)
		snprintf(back, sizeof(back), "%s,%s=%.17g%%", whens[h.when],
			 whats[h.what], h.percent);
	else
		snprintf(back, sizeof(back), "%s,%s=%lld", whens[h.when],
			 whats[h.what], h.count);
	/* A percentage %g prints with an exponent is no decimal. */
	if (!strchr(back, 'e'))
		FUZZ_CHECK(!optval_parse_halt(&again, back) &&
			   same_halt(&again, &h), "halt reads back");
}

static int ref_signal(const char *s)
{
	static const char *const names[] = {
		"HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "TERM", "ALRM",
		"CONT", "STOP",
	};
	static const int sigs[] = {
		SIGHUP, SIGINT, SIGQUIT, SIGKILL, SIGUSR1, SIGUSR2, SIGTERM,
		SIGALRM, SIGCONT, SIGSTOP,
	};
	long long v;

	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcmp(s, names[i]))
			return sigs[i];
	return ref_int(s, strlen(s), &v) && v >= 1 && v <= 64 ? (int)v : -1;
}

static int ref_termseq(const char *arg, struct termseq *t)
{
	const char *p = arg, *e;
	char *tok;
	size_t i = 0, len;
	long long ms;
	int sig, ok = 1;

	memset(t, 0, sizeof(*t));
	for (; ok && *p; p = *e ? e + 1 : e) {
		e = p + strcspn(p, ",");
		len = (size_t)(e - p);
		if (!len)
			continue;
		tok = strndup(p, len);
		FUZZ_CHECK(tok, "malloc");
		if (i++ % 2 == 0) {
			sig = ref_signal(tok);
			ok = sig > 0 && t->n < 8;
			if (ok) {
				t->sig[t->n] = sig;
				t->wait[t->n++] = 0.025;
			}
		} else {
			ok = ref_int(tok, len, &ms) && ms >= 0 &&
			     ms <= 86400000;
			if (ok)
				t->wait[t->n - 1] = (double)ms / 1000;
		}
		free(tok);
	}
	return ok && t->n > 0;
}

static int same_termseq(const struct termseq *a, const struct termseq *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->sig[i] != b->sig[i] || a->wait[i] != b->wait[i])
			return 0;
	return 1;
}

static void fuzz_termseq(const char *s)
{
	struct termseq t, want, again, before;
	char back[8 * 24], *b = back;
	int rc, ok = ref_termseq(s, &want);

	memset(&t, 0x5a, sizeof(t));
	memcpy(&before, &t, sizeof(t));
	rc = optval_parse_termseq(&t, s);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "termseq: 0 or EINVAL");
	FUZZ_CHECK((rc == 0) == ok, "termseq: as the manual's grammar");
	if (rc) {
		FUZZ_CHECK(!memcmp(&t, &before, sizeof(t)),
			   "a rejected --termseq leaves the result");
		return;
	}
	FUZZ_CHECK(same_termseq(&t, &want), "termseq: the values given");
	FUZZ_CHECK(t.n >= 1 && t.n <= 8, "one to eight signals");
	for (size_t i = 0; i < t.n; i++) {
		FUZZ_CHECK(t.sig[i] >= 1 && t.sig[i] <= 64, "a signal");
		FUZZ_CHECK(t.wait[i] >= 0 && t.wait[i] <= 86400,
			   "a wait of up to a day");
		b += sprintf(b, "%s%d,%lld", i ? "," : "", t.sig[i],
			     (long long)(t.wait[i] * 1000 + 0.5));
	}
	FUZZ_CHECK(!optval_parse_termseq(&again, back) &&
		   same_termseq(&again, &t), "termseq reads back");
}

static void fuzz_tabs(const char *s)
{
	char *got = optval_tabs(s), *want = malloc(strlen(s) + 1), *w = want;

	FUZZ_CHECK(got && want, "malloc");
	for (const char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] == 't') {
			*w++ = '\t';
			p++;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	FUZZ_CHECK(!strcmp(got, want), "each \\t a tab, nothing else");
	free(want);
	free(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	size_t skip;

	if (!size)
		return 0;
	skip = (unsigned char)(data[0] - '0') % 4 == 0 ? 2 : 1;
	if (size < skip)
		return 0;
	s = malloc(size - skip + 1);
	FUZZ_CHECK(s, "malloc");
	memcpy(s, data + skip, size - skip);
	s[size - skip] = '\0';
	switch ((unsigned char)(data[0] - '0') % 4) {
	case 0:
		fuzz_jobs(1 + (data[1] & 63), s);
		break;
	case 1:
		fuzz_halt(s);
		break;
	case 2:
		fuzz_termseq(s);
		break;
	case 3:
		fuzz_tabs(s);
		break;
	}
	free(s);
	return 0;
}
