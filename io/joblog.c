/*
 * DESIGN: writing is one formatted line per job, reserved in full before
 * anything is appended so a failure leaves the caller's buffer alone.
 *
 * Reading takes the whole file into jl->text and parses it in place: each
 * line's fields are cut at their TABs, the command is unescaped where it
 * lies (it can only shrink) and NUL-terminated, and the entries point into
 * the text. Entries are collected in file order, sorted by seq with ties
 * broken by position in the file, and then only the last of each run of
 * equal seqs is kept, so a retry's line supersedes the first attempt's.
 *
 * A line is accepted only if all nine fields parse; anything else (garbage,
 * a line cut short by a crash) is counted in nbad. Because every line we
 * write ends with a newline, a last line without one was cut short: it is
 * rejected even if its fields happen to parse, as its command may be
 * truncated.
 */
#include "joblog.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char header[] =
	"Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\t"
	"Command\n";

/*
 * Every column before the command. Host ":" is this machine; Send is
 * the bytes given to the job on its standard input (--pipe), else 0. A
 * macro, not a variable, so the compiler checks the format.
 */
#define FIELDS "%llu\t%s\t%.3f\t%10.3f\t%llu\t%llu\t%d\t%d\t"

/* A host name as one field: ":" for none, or for one that a TAB or a
 * newline would break (node names have neither). */
static const char *host_field(const char *h)
{
	return h && *h && !strpbrk(h, "\t\n\r") ? h : ":";
}

int joblog_header(struct buf *b)
{
	return buf_add(b, header, sizeof(header) - 1);
}

int joblog_format(struct buf *b, const struct joblog_entry *e)
{
	size_t i, need;
	char *p;
	int len, rc;

	len = snprintf(NULL, 0, FIELDS, e->seq, host_field(e->host),
		       e->start, e->runtime, e->sent, e->received,
		       e->exitval, e->signal);
	if (len < 0)
		return -EINVAL;
	/* Each command byte becomes at most two; one more for "\n". */
	if (e->cmdlen > ((size_t)-1 - (size_t)len - 1) / 2)
		return -ENOMEM;
	need = (size_t)len + 2 * e->cmdlen + 1;
	rc = buf_reserve(b, need);
	if (rc)
		return rc;
	p = b->p + b->len;
	snprintf(p, (size_t)len + 1, FIELDS, e->seq, host_field(e->host),
		 e->start, e->runtime, e->sent, e->received, e->exitval,
		 e->signal);
	p += len;
	for (i = 0; i < e->cmdlen; i++) {
		char c = e->cmd[i];

		if (c == '\n' || c == '\t' || c == '\\') {
			*p++ = '\\';
			c = c == '\n' ? 'n' : c == '\t' ? 't' : '\\';
		}
		*p++ = c;
	}
	*p++ = '\n';
	*p = '\0';
	b->len = (size_t)(p - b->p);
	return 0;
}

/* Read all of fd into a new NUL-terminated block. */
static int read_all(int fd, char **out, size_t *outlen)
{
	struct buf b = BUF_INIT;
	ssize_t n;
	int rc;

	for (;;) {
		rc = buf_reserve(&b, 65536);
		if (rc)
			goto out;
		n = read(fd, b.p + b.len, b.cap - b.len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		b.p[b.len] = '\0';
	}
	*out = buf_detach(&b, outlen);
	if (!*out)
		rc = -ENOMEM;
out:
	buf_release(&b);
	return rc;
}

/* Digits only, no sign, no blanks, no overflow. */
static int parse_ull(const char *s, unsigned long long *v)
{
	unsigned long long x = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (x > (ULLONG_MAX - (unsigned)(*s - '0')) / 10)
			return -1;
		x = x * 10 + (unsigned)(*s - '0');
	}
	*v = x;
	return 0;
}

/* An optional '-', then digits, within the range of int. */
static int parse_int(const char *s, int *v)
{
	unsigned long long x;
	int neg = *s == '-';

	if (parse_ull(s + neg, &x) || x > (unsigned long long)INT_MAX + neg)
		return -1;
	*v = neg ? (int)-(long long)x : (int)x;
	return 0;
}

/*
 * Digits, optionally a dot and more digits, after any spaces if blanks is
 * set (the runtime is right-aligned). The text is checked here rather
 * than left to strtod(), which would also take signs, exponents, hex,
 * "inf" and "nan".
 */
static int parse_dec(const char *s, int blanks, double *v)
{
	const char *p, *frac;

	while (blanks && *s == ' ')
		s++;
	for (p = s; *p >= '0' && *p <= '9'; p++)
		;
	if (p == s)
		return -1;
	if (*p == '.') {
		for (frac = ++p; *p >= '0' && *p <= '9'; p++)
			;
		if (p == frac)
			return -1;
	}
	if (*p)
		return -1;
	/* 310 digits overflow a double: "inf" would be written back, and
	 * that no reader takes. */
	*v = strtod(s, NULL);
	return isfinite(*v) ? 0 : -1;
}

/*
 * Undo joblog_format()'s escapes in place and NUL-terminate; returns the
 * new length. A backslash before anything else is kept as it is, which is
 * also what a log written by GNU parallel needs.
 */
static size_t unescape(char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n &&
		    (s[i + 1] == 'n' || s[i + 1] == 't' || s[i + 1] == '\\')) {
			i++;
			s[o++] = s[i] == 'n' ? '\n' :
				 s[i] == 't' ? '\t' : '\\';
		} else {
			s[o++] = s[i];
		}
	}
	s[o] = '\0';
	return o;
}

/*
 * Parse one line (without its newline, NUL-terminated at end) in place.
 * The first eight fields are cut at TABs; the rest of the line is the
 * command, TABs and all, as GNU parallel writes a TAB in a command raw.
 */
static int parse_line(char *line, char *end, struct joblog_entry *e)
{
	char *f[9];
	unsigned long long send;
	double start, runtime;
	int i;

	f[0] = line;
	for (i = 1; i < 9; i++) {
		char *tab = memchr(f[i - 1], '\t', (size_t)(end - f[i - 1]));

		if (!tab)
			return -1;
		*tab = '\0';
		f[i] = tab + 1;
	}
	if (parse_ull(f[0], &e->seq) || !*f[1] ||
	    parse_dec(f[2], 0, &start) || parse_dec(f[3], 1, &runtime) ||
	    parse_ull(f[4], &send) || parse_ull(f[5], &e->received) ||
	    parse_int(f[6], &e->exitval) || parse_int(f[7], &e->signal) ||
	    e->signal < 0)
		return -1;
	e->start = start;
	e->runtime = runtime;
	e->sent = send;
	e->cmd = f[8];
	e->cmdlen = unescape(f[8], (size_t)(end - f[8]));
	e->host = NULL;
	return 0;
}

/* By seq, then by place in the file (commands lie in file order). */
static int cmp_entry(const void *a, const void *b)
{
	const struct joblog_entry *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	if (x->cmd != y->cmd)
		return x->cmd < y->cmd ? -1 : 1;
	return 0;
}

/* Whether line is the header (then it is neither an entry nor bad). */
static int is_header(const char *line, size_t len)
{
	return len == sizeof(header) - 2 && !memcmp(line, header, len);
}

int joblog_load(struct joblog *jl, const char *path)
{
	struct joblog_entry *e = NULL, *grown;
	size_t len = 0, n = 0, cap = 0, i, k;
	char *text = NULL, *line, *nl, *end;
	int fd, rc;

	jl->e = NULL;
	jl->n = 0;
	jl->nbad = 0;
	jl->text = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	rc = read_all(fd, &text, &len);
	close(fd);
	if (rc)
		goto out;

	end = text + len;
	for (line = text; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl) {
			jl->nbad++;	/* cut short: see DESIGN */
			break;
		}
		*nl = '\0';
		/* A NUL never belongs in a log; a crash can leave blocks
		 * of them where a line should be. */
		if (memchr(line, '\0', (size_t)(nl - line))) {
			jl->nbad++;
			continue;
		}
		if (is_header(line, (size_t)(nl - line)))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			grown = reallocarray(e, cap, sizeof(*e));
			if (!grown) {
				rc = -ENOMEM;
				goto out;
			}
			e = grown;
		}
		if (parse_line(line, nl, &e[n]) == 0)
			n++;
		else
			jl->nbad++;
	}

	if (n)
		qsort(e, n, sizeof(*e), cmp_entry);
	/* Keep the last entry of each run of equal seqs. */
	for (i = 0, k = 0; i < n; i++) {
		if (i + 1 < n && e[i + 1].seq == e[i].seq)
			continue;
		e[k++] = e[i];
	}
	jl->e = e;
	jl->n = k;
	jl->text = text;
	e = NULL;
	text = NULL;
out:
	free(e);
	free(text);
	if (rc)
		jl->nbad = 0;
	return rc;
}

void joblog_release(struct joblog *jl)
{
	free(jl->e);
	free(jl->text);
	jl->e = NULL;
	jl->n = 0;
	jl->nbad = 0;
	jl->text = NULL;
}

const struct joblog_entry *joblog_lookup(const struct joblog *jl,
					 unsigned long long seq)
{
	size_t lo = 0, hi = jl->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (jl->e[mid].seq == seq)
			return &jl->e[mid];
		if (jl->e[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
