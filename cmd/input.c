/*
 * DESIGN: sources are cut into groups: a group is a source plus every
 * source linked to it (--link, :::+). A group yields rows: row i takes
 * value i from each member. With :::+ it has as many rows as its shortest
 * member; with --link as many as its longest, the shorter ones wrapping
 * around (value i modulo their length), as in GNU parallel. Groups
 * combine like an odometer: the last group turns fastest, and when it
 * wraps it carries into the one before. Only the first group may be a
 * stream (a single unlinked file or stdin), read one record per turn of
 * the odometer; the others are loaded whole at open.
 * A tuple (one value per source) is then split into columns with --colsep,
 * trimmed (--trim), and a job gets one tuple, or N of them (-N, -n), or as
 * many as fit on a command line (-m, -X).
 *
 * Several tuples to a job: tuples are copied into a queue, and a job takes
 * them from its head. -m/-X add tuples while an estimate of the command's
 * size stays within -s, then measure the command exactly (tmpl_size) and
 * give back tuples from the end while it is too long; what is given back
 * stays queued for the next job. The first time the input ends while a
 * job is being filled, its tuples are spread over the job slots (GNU
 * parallel: seq 5 | parallel -j2 -X gives "1 2 3" and "4 5"), and every
 * later job takes at most as many.
 */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "rec.h"
#include "tmplsize.h"

struct source {
	const char *name;	/* for messages */
	int fd;			/* file sources, -1 once loaded */
	int own_fd;
	struct rec_reader rr;
	int stream;		/* read one record per turn */
	/* Loaded values: offsets into store, each value NUL-terminated. */
	struct buf store;
	size_t *off;
	size_t *len;
	size_t n, cap;
	char **vals;		/* ::: values, borrowed from argv */
	/* The current value of a stream. */
	const char *cur;
	size_t curlen;
};

struct group {
	size_t first, count;	/* sources[first .. first+count) */
	int wrap;		/* --link: the longest member counts */
	size_t rows;		/* loaded groups */
	size_t row;		/* odometer position */
};

struct input {
	const struct opts *o;
	const struct tmpl *t;
	size_t max_chars;
	size_t base_size;	/* the command with no arguments */
	struct source *src;
	size_t nsrc;
	struct group *grp;
	size_t ngrp;
	int started, done;
	regex_t colsep;
	int have_colsep;
	enum trim trim;
	unsigned long long nread;	/* tuples read, for messages */
	/* --header: the column names, each NUL-terminated in colstore. */
	struct buf colstore;
	char **cols;
	size_t ncols;
	/* The current tuple, after --colsep. */
	struct tmpl_arg *tup;
	size_t ntup, tupcap;
	/* The queue of tuples for jobs of several: their arguments are
	 * joboff/joblen into jobdata, tuple k is arguments tstart[k] up to
	 * tstart[k + 1] (or njob), and qhead is the next one to give. */
	struct buf jobdata;
	size_t *joboff, *joblen;
	struct tmpl_arg *jobargs;
	size_t njob, jobcap, jobargscap;
	size_t *tstart, *tsize;
	size_t ntq, tqcap, qhead;
	int eof;		/* next_tuple() said 0 */
	int spread;		/* the input's end has been spread */
	size_t spread_max;	/* then: tuples per job at most */
};

/* Make room for one more entry in two parallel arrays. */
static int grow_pair(size_t **a, size_t **b, size_t n, size_t *cap)
{
	size_t c;
	size_t *p;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	p = realloc(*a, c * sizeof(*p));
	if (!p)
		return -ENOMEM;
	*a = p;
	p = realloc(*b, c * sizeof(*p));
	if (!p)
		return -ENOMEM;
	*b = p;
	*cap = c;
	return 0;
}

/* -E: 1 if the record is the end-of-file string. */
static int is_eof_str(const char *eof, const char *p, size_t len)
{
	return eof && strlen(eof) == len && !memcmp(eof, p, len);
}

static int src_load(struct source *s, const char *eof, char *err,
		    size_t errlen)
{
	const char *p;
	size_t len;
	int rc;

	while ((rc = rec_next(&s->rr, &p, &len)) == 1) {
		if (is_eof_str(eof, p, len)) {
			rc = 0;
			break;
		}
		if (grow_pair(&s->off, &s->len, s->n, &s->cap))
			return -ENOMEM;
		s->off[s->n] = s->store.len;
		s->len[s->n] = len;
		if (buf_add(&s->store, p, len) || buf_addch(&s->store, '\0'))
			return -ENOMEM;
		s->n++;
	}
	if (rc < 0)
		snprintf(err, errlen, "cannot read '%s': %s", s->name,
			 strerror(-rc));
	return rc;
}

static void src_value(const struct source *s, size_t i, const char **p,
		      size_t *len)
{
	if (s->stream) {
		*p = s->cur;
		*len = s->curlen;
	} else if (s->vals) {
		*p = s->vals[i % s->n];
		*len = strlen(*p);
	} else {
		*p = s->store.p + s->off[i % s->n];
		*len = s->len[i % s->n];
	}
}

/* Translate \t, \n, \r and \\ in a --colsep, which users write as they
 * would for GNU parallel's Perl regexes; POSIX EREs do not know them. */
static char *colsep_pattern(const char *s)
{
	char *p = malloc(strlen(s) + 1), *d = p;

	if (!p)
		return NULL;
	for (; *s; s++) {
		if (*s == '\\' && (s[1] == 't' || s[1] == 'n' || s[1] == 'r')) {
			s++;
			*d++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : '\r';
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
	return p;
}

static int split_value(struct input *in, const char *p, size_t len);

/* Keep one column name, NUL-terminated, in colstore. */
static int col_add(struct input *in, const char *p, size_t len)
{
	char **c = realloc(in->cols, (in->ncols + 1) * sizeof(*c));

	if (!c)
		return -ENOMEM;
	in->cols = c;
	/* An offset for now: colstore may still move. */
	c[in->ncols++] = (char *)(uintptr_t)in->colstore.len;
	if (buf_add(&in->colstore, p, len) || buf_addch(&in->colstore, '\0'))
		return -ENOMEM;
	return 0;
}

/*
 * --header: the first value of every source names its columns (split
 * with --colsep and trimmed as the values are) and is not a job.
 */
static int read_header(struct input *in, char *err, size_t errlen)
{
	size_t i, k;
	int rc;

	if (strcmp(in->o->header, ":")) {
		regex_t re;

		rc = regcomp(&re, in->o->header, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			snprintf(err, errlen, "invalid --header '%s'",
				 in->o->header);
			return -EINVAL;
		}
		regfree(&re);
	}
	for (i = 0; i < in->nsrc; i++) {
		struct source *s = &in->src[i];
		const char *p;
		size_t len;

		if (s->stream) {
			rc = rec_next(&s->rr, &p, &len);
			if (rc < 0) {
				snprintf(err, errlen, "cannot read '%s': %s",
					 s->name, strerror(-rc));
				return rc;
			}
			if (rc == 0)
				continue;
		} else if (s->n == 0) {
			continue;
		} else if (s->vals) {
			p = s->vals[0];
			len = strlen(p);
			s->vals++;
			s->n--;
		} else {
			p = s->store.p + s->off[0];
			len = s->len[0];
			memmove(s->off, s->off + 1,
				(s->n - 1) * sizeof(size_t));
			memmove(s->len, s->len + 1,
				(s->n - 1) * sizeof(size_t));
			s->n--;
		}
		in->ntup = 0;
		rc = split_value(in, p, len);
		for (k = 0; !rc && k < in->ntup; k++)
			rc = col_add(in, in->tup[k].p, in->tup[k].len);
		if (rc)
			return rc;
	}
	for (k = 0; k < in->ncols; k++)
		in->cols[k] = in->colstore.p + (uintptr_t)in->cols[k];
	in->ntup = 0;
	return 0;
}

void input_columns(const struct input *in, char *const **names, size_t *n)
{
	*names = in->cols;
	*n = in->ncols;
}

void input_set_tmpl(struct input *in, const struct tmpl *t,
		    size_t max_chars)
{
	in->t = t;
	in->max_chars = max_chars;
	in->base_size = t ? tmpl_size(t, NULL, 0) : 0;
}

int input_open(struct input **out, const struct opts *o,
	       const struct tmpl *t, size_t max_chars, char *err,
	       size_t errlen)
{
	struct input *in;
	size_t i, nsrc = o->nsrcs ? o->nsrcs : 1;
	int rc = 0, stdin_used = 0;

	*out = NULL;
	in = calloc(1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	in->o = o;
	in->t = t;
	buf_init(&in->jobdata);
	buf_init(&in->colstore);
	in->max_chars = max_chars;
	in->base_size = t ? tmpl_size(t, NULL, 0) : 0;
	in->src = calloc(nsrc, sizeof(*in->src));
	in->grp = calloc(nsrc, sizeof(*in->grp));
	if (!in->src || !in->grp) {
		rc = -ENOMEM;
		goto out;
	}
	in->nsrc = nsrc;
	for (i = 0; i < nsrc; i++) {
		const struct src_spec *sp = o->nsrcs ? &o->srcs[i] : NULL;
		struct source *s = &in->src[i];

		s->fd = -1;
		buf_init(&s->store);
		if (i == 0 || !sp->linked) {
			in->grp[in->ngrp].first = i;
			in->ngrp++;
		}
		in->grp[in->ngrp - 1].count++;
		if (sp && sp->linked == LINK_WRAP)
			in->grp[in->ngrp - 1].wrap = 1;
		if (sp && sp->kind == SRC_ARGS) {
			s->name = ":::";
			s->vals = sp->vals;
			for (s->n = 0; s->n < sp->nvals; s->n++)
				if (is_eof_str(o->eof_str, s->vals[s->n],
					       strlen(s->vals[s->n])))
					break;
			continue;
		}
		if (!sp || !strcmp(sp->path, "-")) {
			if (stdin_used++) {
				snprintf(err, errlen, "standard input given "
					 "as more than one source");
				rc = -EINVAL;
				goto out;
			}
			s->name = "standard input";
			s->fd = STDIN_FILENO;
		} else {
			struct stat st;

			s->name = sp->path;
			s->fd = open(sp->path, O_RDONLY | O_CLOEXEC);
			if (s->fd < 0) {
				rc = -errno;
				snprintf(err, errlen, "cannot open '%s': %s",
					 sp->path, strerror(errno));
				goto out;
			}
			s->own_fd = 1;
			if (fstat(s->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
				rc = -EISDIR;
				snprintf(err, errlen, "cannot read '%s': %s",
					 sp->path, strerror(EISDIR));
				goto out;
			}
		}
		rc = rec_init(&s->rr, s->fd, o->sep);
		if (rc)
			goto out;
	}
	if (o->colsep) {
		char *pat = colsep_pattern(o->colsep);

		if (!pat) {
			rc = -ENOMEM;
			goto out;
		}
		rc = regcomp(&in->colsep, pat, REG_EXTENDED);
		free(pat);
		if (rc) {
			char msg[256];

			regerror(rc, &in->colsep, msg, sizeof(msg));
			snprintf(err, errlen, "invalid --colsep '%s': %s",
				 o->colsep, msg);
			rc = -EINVAL;
			goto out;
		}
		in->have_colsep = 1;
	}
	in->trim = o->trim != TRIM_UNSET ? o->trim :
		   o->colsep ? TRIM_LR : TRIM_NONE;
	/* A lone first source streams; everything else is loaded now. */
	for (i = 0; i < nsrc; i++) {
		struct source *s = &in->src[i];

		if (s->vals)
			continue;
		if (i == 0 && in->grp[0].count == 1) {
			s->stream = 1;
			continue;
		}
		rc = src_load(s, o->eof_str, err, errlen);
		if (rc)
			goto out;
	}
	if (o->header) {
		rc = read_header(in, err, errlen);
		if (rc)
			goto out;
	}
	for (i = 0; i < in->ngrp; i++) {
		struct group *g = &in->grp[i];
		size_t k;

		g->rows = in->src[g->first].n;
		for (k = g->first; k < g->first + g->count; k++)
			if (g->wrap ? in->src[k].n > g->rows :
			    in->src[k].n < g->rows)
				g->rows = in->src[k].n;
		/* One empty member empties the group, as in GNU parallel. */
		for (k = g->first; k < g->first + g->count; k++)
			if (!in->src[k].stream && in->src[k].n == 0)
				g->rows = 0;
	}
	*out = in;
	return 0;
out:
	input_close(in);
	return rc;
}

void input_close(struct input *in)
{
	size_t i;

	if (!in)
		return;
	for (i = 0; in->src && i < in->nsrc; i++) {
		struct source *s = &in->src[i];

		if (!s->vals && s->fd >= 0)
			rec_release(&s->rr);
		if (s->own_fd)
			close(s->fd);
		buf_release(&s->store);
		free(s->off);
		free(s->len);
	}
	if (in->have_colsep)
		regfree(&in->colsep);
	free(in->src);
	free(in->grp);
	free(in->tup);
	buf_release(&in->jobdata);
	free(in->joboff);
	free(in->joblen);
	free(in->jobargs);
	free(in->tstart);
	free(in->tsize);
	buf_release(&in->colstore);
	free(in->cols);
	free(in);
}

static int tup_add(struct input *in, const char *p, size_t len)
{
	if (in->ntup == in->tupcap) {
		size_t cap = in->tupcap ? in->tupcap * 2 : 16;
		struct tmpl_arg *a = realloc(in->tup, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		in->tup = a;
		in->tupcap = cap;
	}
	in->tup[in->ntup].p = p;
	in->tup[in->ntup].len = len;
	in->ntup++;
	return 0;
}

/* White space as GNU parallel's --trim (Perl's \s) sees it. */
static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		c == '\f' || c == '\v';
}

/* Add one value or column, trimmed as --trim says. */
static int tup_add_trimmed(struct input *in, const char *p, size_t len)
{
	if (in->trim == TRIM_L || in->trim == TRIM_LR)
		while (len && is_space(*p)) {
			p++;
			len--;
		}
	if (in->trim == TRIM_R || in->trim == TRIM_LR)
		while (len && is_space(p[len - 1]))
			len--;
	return tup_add(in, p, len);
}

/*
 * Add one value to the tuple: split on --colsep, each column trimmed
 * (GNU parallel trims the columns, not the line: " a  b " split on " "
 * gives "", "a", "", "b", "").
 */
static int split_value(struct input *in, const char *p, size_t len)
{
	size_t at = 0;
	int rc;

	if (!in->have_colsep)
		return tup_add_trimmed(in, p, len);
	while (at <= len) {
		regmatch_t m[1];

		m[0].rm_so = (regoff_t)at;
		m[0].rm_eo = (regoff_t)len;
		if (regexec(&in->colsep, p, 1, m, REG_STARTEND) != 0 ||
		    m[0].rm_eo == m[0].rm_so) {
			/* No (further) separator, or one that matches the
			 * empty string, which would split forever. */
			return tup_add_trimmed(in, p + at, len - at);
		}
		rc = tup_add_trimmed(in, p + at, (size_t)m[0].rm_so - at);
		if (rc)
			return rc;
		at = (size_t)m[0].rm_eo;
	}
	return 0;
}

static int is_blank(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r\n\v\f", p[i]) || !p[i])
			return 0;
	return 1;
}

/* Advance the stream of the first group: 1, 0 at its end, -errno. */
static int stream_next(struct input *in, char *err, size_t errlen)
{
	struct source *s = &in->src[0];
	int rc = rec_next(&s->rr, &s->cur, &s->curlen);

	if (rc == 1 && is_eof_str(in->o->eof_str, s->cur, s->curlen))
		rc = 0;	/* and the stream stays ended: done is set */
	if (rc < 0)
		snprintf(err, errlen, "cannot read '%s': %s", s->name,
			 strerror(-rc));
	return rc;
}

/* Turn the odometer to the next tuple: 1, 0 at the end, -errno. */
static int next_row(struct input *in, char *err, size_t errlen)
{
	size_t g;

	if (in->done)
		return 0;
	if (!in->started) {
		in->started = 1;
		for (g = 0; g < in->ngrp; g++)
			if (!in->src[in->grp[g].first].stream &&
			    in->grp[g].rows == 0)
				goto end;
		if (in->src[0].stream) {
			int rc = stream_next(in, err, errlen);

			if (rc <= 0) {
				in->done = 1;
				return rc;
			}
		}
		return 1;
	}
	for (g = in->ngrp; g-- > 1;) {
		if (++in->grp[g].row < in->grp[g].rows)
			return 1;
		in->grp[g].row = 0;
	}
	if (in->src[0].stream) {
		int rc = stream_next(in, err, errlen);

		if (rc <= 0) {
			in->done = 1;
			return rc;
		}
		return 1;
	}
	if (++in->grp[0].row < in->grp[0].rows)
		return 1;
end:
	in->done = 1;
	return 0;
}

/* Read the next tuple that is not skipped into in->tup. */
static int next_tuple(struct input *in, char *err, size_t errlen)
{
	for (;;) {
		size_t g, k;
		int rc, blank = 1;

		rc = next_row(in, err, errlen);
		if (rc <= 0)
			return rc;
		in->ntup = 0;
		for (g = 0; g < in->ngrp; g++) {
			const struct group *gr = &in->grp[g];

			for (k = gr->first; k < gr->first + gr->count; k++) {
				const char *p;
				size_t len;

				src_value(&in->src[k], gr->row, &p, &len);
				if (blank && !is_blank(p, len))
					blank = 0;
				rc = split_value(in, p, len);
				if (rc)
					return rc;
			}
		}
		if (!(in->o->skip_empty && blank)) {
			in->nread++;
			return 1;
		}
	}
}

/* Append the current tuple to the queue, with its estimated size. */
static int queue_tuple(struct input *in, size_t size)
{
	if (grow_pair(&in->tstart, &in->tsize, in->ntq, &in->tqcap))
		return -ENOMEM;
	in->tstart[in->ntq] = in->njob;
	in->tsize[in->ntq] = size;
	in->ntq++;
	for (size_t i = 0; i < in->ntup; i++) {
		if (grow_pair(&in->joboff, &in->joblen, in->njob,
			      &in->jobcap))
			return -ENOMEM;
		in->joboff[in->njob] = in->jobdata.len;
		in->joblen[in->njob] = in->tup[i].len;
		if (buf_add(&in->jobdata, in->tup[i].p, in->tup[i].len) ||
		    buf_addch(&in->jobdata, '\0'))
			return -ENOMEM;
		in->njob++;
	}
	return 0;
}

/* Drop the tuples before qhead, which earlier jobs took. */
static void queue_compact(struct input *in)
{
	size_t a, bytes;

	if (in->qhead == 0)
		return;
	if (in->qhead == in->ntq) {
		buf_reset(&in->jobdata);
		in->njob = in->ntq = in->qhead = 0;
		return;
	}
	a = in->tstart[in->qhead];
	bytes = in->joboff[a];
	memmove(in->jobdata.p, in->jobdata.p + bytes,
		in->jobdata.len - bytes);
	in->jobdata.len -= bytes;
	for (size_t i = a; i < in->njob; i++) {
		in->joboff[i - a] = in->joboff[i] - bytes;
		in->joblen[i - a] = in->joblen[i];
	}
	in->njob -= a;
	for (size_t k = in->qhead; k < in->ntq; k++) {
		in->tstart[k - in->qhead] = in->tstart[k] - a;
		in->tsize[k - in->qhead] = in->tsize[k];
	}
	in->ntq -= in->qhead;
	in->qhead = 0;
}

/* The arguments of the first n queued tuples, in jobargs. */
static int queue_args(struct input *in, size_t n, size_t *nargs)
{
	size_t first = in->tstart[in->qhead];
	size_t end = in->qhead + n < in->ntq ? in->tstart[in->qhead + n]
					       : in->njob;

	*nargs = end - first;
	if (*nargs > in->jobargscap || !in->jobargs) {
		size_t cap = *nargs ? *nargs : 1;
		struct tmpl_arg *a = realloc(in->jobargs, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		in->jobargs = a;
		in->jobargscap = cap;
	}
	for (size_t i = first; i < end; i++) {
		in->jobargs[i - first].p = in->jobdata.p + in->joboff[i];
		in->jobargs[i - first].len = in->joblen[i];
	}
	return 0;
}

/* The size of the command made of these arguments, as -s counts it. */
static size_t cmd_size(const struct input *in, const struct tmpl_arg *a,
		       size_t n)
{
	size_t size = 0;

	if (in->t)
		return tmpl_size(in->t, a, n);
	/* Records are commands: joined with spaces, one sh -c string. */
	for (size_t i = 0; i < n; i++)
		size += a[i].len + 1;
	return size ? size : 1;
}

/* The error for a record that no command line of -s bytes can hold. */
static int too_long(const struct input *in, unsigned long long rec,
		    const struct tmpl_arg *a, size_t n, size_t size,
		    char *err, size_t errlen)
{
	const char *p = n ? a[0].p : "";
	int len = n ? (int)(a[0].len > 60 ? 60 : a[0].len) : 0;

	snprintf(err, errlen, "command line too long for -s %zu (%zu bytes) "
		 "at record %llu: '%.*s%s'", in->max_chars, size, rec,
		 len, p, n && a[0].len > 60 ? "..." : "");
	return -E2BIG;
}

int input_next(struct input *in, const struct tmpl_arg **args,
	       size_t *nargs, char *err, size_t errlen)
{
	const struct opts *o = in->o;
	size_t take = 0, size = in->base_size, n, lo, hi;
	int rc;

	/* The common case: one tuple per job, handed out without a copy. */
	if (!o->xargs && o->max_args <= 1 && !(o->positional &&
					       o->max_args == 0)) {
		rc = next_tuple(in, err, errlen);
		if (rc <= 0)
			return rc;
		if (in->max_chars) {
			size = cmd_size(in, in->tup, in->ntup);
			if (size > in->max_chars)
				return too_long(in, in->nread, in->tup,
						in->ntup, size, err, errlen);
		}
		*args = in->tup;
		*nargs = in->ntup;
		return 1;
	}
	if (o->positional && o->max_args == 0) {
		/* -N0: read one record, insert none. */
		rc = next_tuple(in, err, errlen);
		if (rc <= 0)
			return rc;
		*args = in->tup;
		*nargs = 0;
		return 1;
	}
	queue_compact(in);
	for (;;) {
		if (o->max_args && take >= (size_t)o->max_args)
			break;
		if (in->spread_max && take >= in->spread_max)
			break;
		if (in->qhead + take == in->ntq) {
			if (in->eof)
				break;
			rc = next_tuple(in, err, errlen);
			if (rc < 0)
				return rc;
			if (rc == 0) {
				in->eof = 1;
				break;
			}
			/* What the tuple adds; exact for the usual
			 * templates, checked below for the others. */
			n = o->xargs ? cmd_size(in, in->tup, in->ntup) -
				       in->base_size : 0;
			rc = queue_tuple(in, n);
			if (rc)
				return rc;
		}
		if (o->xargs) {
			n = in->tsize[in->qhead + take];
			if (take && size + n > in->max_chars)
				break;
			size += n;
		}
		take++;
	}
	/* The input ended while this job was filled: spread what there
	 * is over the job slots, once, as GNU parallel does. */
	if (o->xargs && in->eof && !in->spread) {
		in->spread = 1;
		if (take > 1 && o->jobs > 1) {
			in->spread_max = (take + o->jobs - 1) / o->jobs;
			take = in->spread_max;
		}
	}
	if (!take)
		return 0;
	rc = queue_args(in, take, nargs);
	if (rc)
		return rc;
	if (in->max_chars) {
		size = cmd_size(in, in->jobargs, *nargs);
		if (size > in->max_chars && take > 1 && o->xargs) {
			/* The estimate was short: the most tuples that fit,
			 * by bisection (the size grows with each tuple). */
			lo = 1;
			hi = take - 1;
			while (lo < hi) {
				size_t mid = lo + (hi - lo + 1) / 2;

				rc = queue_args(in, mid, nargs);
				if (rc)
					return rc;
				if (cmd_size(in, in->jobargs, *nargs) <=
				    in->max_chars)
					lo = mid;
				else
					hi = mid - 1;
			}
			take = lo;
			rc = queue_args(in, take, nargs);
			if (rc)
				return rc;
			size = cmd_size(in, in->jobargs, *nargs);
		}
		if (size > in->max_chars)
			return too_long(in, in->nread - (in->ntq - in->qhead)
					+ 1, in->jobargs, *nargs, size, err,
					errlen);
	}
	in->qhead += take;
	*args = in->jobargs;
	return 1;
}
