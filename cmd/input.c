/*
 * DESIGN: sources are cut into groups: a group is a source plus every
 * source linked to it (--link, :::+). A group yields rows: row i takes
 * value i modulo its length from each member, and has as many rows as its
 * longest member. Groups combine like an odometer: the last group turns
 * fastest, and when it wraps it carries into the one before. Only the
 * first group may be a stream (a single unlinked file or stdin), read one
 * record per turn of the odometer; the others are loaded whole at open.
 * A tuple (one value per source) is then split into columns with --colsep
 * and a job gets one tuple, or N of them (-N, -n), or as many as fit on a
 * command line (-m, -X).
 */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "rec.h"

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
	size_t rows;		/* loaded groups */
	size_t row;		/* odometer position */
};

struct input {
	const struct opts *o;
	const struct tmpl *t;
	size_t max_chars;
	struct source *src;
	size_t nsrc;
	struct group *grp;
	size_t ngrp;
	int started, done;
	regex_t colsep;
	int have_colsep;
	/* The current tuple, after --colsep. */
	struct tmpl_arg *tup;
	size_t ntup, tupcap;
	int pending;		/* tup was read but not yet given to a job */
	/* The job being assembled from several tuples. */
	struct buf jobdata;
	size_t *joboff, *joblen;
	struct tmpl_arg *jobargs;
	size_t njob, jobcap, jobargscap;
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

static int src_load(struct source *s, char *err, size_t errlen)
{
	const char *p;
	size_t len;
	int rc;

	while ((rc = rec_next(&s->rr, &p, &len)) == 1) {
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
	in->max_chars = max_chars;
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
		if (sp && sp->kind == SRC_ARGS) {
			s->name = ":::";
			s->vals = sp->vals;
			s->n = sp->nvals;
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
	/* A lone first source streams; everything else is loaded now. */
	for (i = 0; i < nsrc; i++) {
		struct source *s = &in->src[i];

		if (s->vals)
			continue;
		if (i == 0 && in->grp[0].count == 1) {
			s->stream = 1;
			continue;
		}
		rc = src_load(s, err, errlen);
		if (rc)
			goto out;
	}
	for (i = 0; i < in->ngrp; i++) {
		struct group *g = &in->grp[i];
		size_t k;

		for (k = g->first; k < g->first + g->count; k++)
			if (in->src[k].n > g->rows)
				g->rows = in->src[k].n;
		/* One empty member empties the group, as in GNU parallel. */
		for (k = g->first; k < g->first + g->count; k++)
			if (!in->src[k].stream && in->src[k].n == 0)
				g->rows = 0;
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
	buf_init(&in->jobdata);
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

/* Split one value on --colsep into tuple entries. */
static int split_cols(struct input *in, const char *p, size_t len)
{
	size_t at = 0;
	int rc;

	while (at <= len) {
		regmatch_t m[1];

		m[0].rm_so = (regoff_t)at;
		m[0].rm_eo = (regoff_t)len;
		if (regexec(&in->colsep, p, 1, m, REG_STARTEND) != 0 ||
		    m[0].rm_eo == m[0].rm_so) {
			/* No (further) separator, or one that matches the
			 * empty string, which would split forever. */
			return tup_add(in, p + at, len - at);
		}
		rc = tup_add(in, p + at, (size_t)m[0].rm_so - at);
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
				rc = in->have_colsep ? split_cols(in, p, len)
						     : tup_add(in, p, len);
				if (rc)
					return rc;
			}
		}
		if (!(in->o->skip_empty && blank))
			return 1;
	}
}

/* Append the current tuple to the job being assembled. */
static int job_add_tuple(struct input *in)
{
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

/*
 * Add the tuple to the size of the command line f if it fits in
 * max_chars, or if first (a job too long for the kernel then fails
 * alone, with a message); return whether it was added.
 */
static int tuple_fits(struct input *in, struct tmpl_fill *f, int first)
{
	struct tmpl_fill next = *f;

	if (in->t) {
		tmpl_fill_add(in->t, &next, in->tup, in->ntup);
	} else {
		for (size_t i = 0; i < in->ntup; i++)
			next.size += in->tup[i].len + 1;
	}
	if (!first && next.size > in->max_chars)
		return 0;
	*f = next;
	return 1;
}

int input_next(struct input *in, const struct tmpl_arg **args,
	       size_t *nargs, char *err, size_t errlen)
{
	const struct opts *o = in->o;
	struct tmpl_fill fill;
	size_t ntuples = 0;
	int rc;

	/* The common case: one tuple per job, handed out without a copy. */
	if (!o->xargs && o->max_args <= 1 && !(o->positional &&
					       o->max_args == 0)) {
		rc = next_tuple(in, err, errlen);
		if (rc <= 0)
			return rc;
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
	buf_reset(&in->jobdata);
	in->njob = 0;
	memset(&fill, 0, sizeof fill);
	if (in->t)
		tmpl_fill_init(in->t, &fill);
	for (;;) {
		if (!in->pending) {
			rc = next_tuple(in, err, errlen);
			if (rc < 0)
				return rc;
			if (rc == 0)
				break;
			in->pending = 1;
		}
		if (o->xargs && !tuple_fits(in, &fill, !ntuples))
			break;
		rc = job_add_tuple(in);
		if (rc)
			return rc;
		in->pending = 0;
		ntuples++;
		if (o->max_args && ntuples >= (size_t)o->max_args)
			break;
	}
	if (!ntuples)
		return 0;
	if (in->njob > in->jobargscap || !in->jobargs) {
		size_t cap = in->njob ? in->njob : 1;
		struct tmpl_arg *a = realloc(in->jobargs, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		in->jobargs = a;
		in->jobargscap = cap;
	}
	for (size_t i = 0; i < in->njob; i++) {
		in->jobargs[i].p = in->jobdata.p + in->joboff[i];
		in->jobargs[i].len = in->joblen[i];
	}
	*args = in->jobargs;
	*nargs = in->njob;
	return 1;
}
