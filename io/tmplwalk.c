/*
 * tmplwalk: the shell-mode and direct-mode walks over a template's words.
 * Modifiers never copy (tmplmod.h), so the same walk can count first and
 * copy second: direct mode walks twice, once to count the words and bytes
 * and once to copy, so that argv and all its strings come from one
 * malloc() of the exact size; shell mode appends to a buf. With nothing
 * written, the same walks give tmpl_size() and the -m/-X fill.
 */
#include "tmplwalk.h"

#include <string.h>

#include "quote.h"

/*
 * The value of a positional segment. Out of range it is missing (returns
 * 0): nothing at all, not even the empty word '', as in GNU parallel.
 */
static int pos_value(const struct tmplwalk_vals *v, const struct seg *g,
		     const char **pp, size_t *pn)
{
	const struct tmpl_arg *a;

	if (g->n > v->nargs) {
		*pp = "";
		*pn = 0;
		return 0;
	}
	a = &v->args[g->from_end ? v->nargs - g->n : g->n - 1];
	tmplmod_apply(a, g->mod, pp, pn);
	return 1;
}

/* ---- Shell mode --------------------------------------------------- */

static void sink_put(struct tmplwalk_sink *s, const char *p, size_t n)
{
	if (s->err)
		return;
	if (s->b)
		s->err = buf_add(s->b, p, n);
	else
		s->n += n;
}

/*
 * The most bytes a value takes in a shell command: quoted at its longest,
 * plus the blank that may separate it from the next value (without it,
 * -m/-X, which add up one value at a time, would miss one byte per value
 * after the first).
 */
size_t tmplwalk_quoted_max(const char *p, size_t n)
{
	const char *q, *end = p + n;
	size_t quotes = 0;

	for (q = p; q < end && (q = memchr(q, '\'', (size_t)(end - q))); q++)
		quotes++;
	return n + 3 + 3 * quotes;
}

static void sink_val(struct tmplwalk_sink *s, const char *p, size_t n)
{
	if (!s->quote)
		sink_put(s, p, n);
	else if (s->err)
		;
	else if (s->b)
		s->err = quote_shell(s->b, p, n);
	else if (s->estimate)
		s->n += tmplwalk_quoted_max(p, n);
	else
		s->n += quote_shell_len(p, n);
}

/* The blank between two values, which tmplwalk_quoted_max() counts already. */
static void sink_blank(struct tmplwalk_sink *s)
{
	if (!(s->estimate && s->quote && !s->b))
		sink_put(s, " ", 1);
}

/* One word; with only set, every multi-valued segment uses that alone. */
static void shell_word(const struct tmpl *t, struct tmplwalk_sink *s,
		       const struct word *w, const struct tmplwalk_vals *v,
		       const struct tmpl_arg *only)
{
	const struct seg *g;
	const char *p;
	size_t i, k, n;

	for (k = 0; k < w->nsegs; k++) {
		g = &t->segs[w->first + k];
		switch (g->kind) {
		case SEG_LIT:
			sink_put(s, t->text + g->sh_off, g->sh_len);
			break;
		case SEG_POS:
			if (!s->nopos && pos_value(v, g, &p, &n))
				sink_val(s, p, n);
			break;
		case SEG_SEQ:
			sink_put(s, v->seq, v->seq_len);
			break;
		case SEG_SLOT:
			sink_put(s, v->slot, v->slot_len);
			break;
		case SEG_TOTAL:
			sink_put(s, v->total, v->total_len);
			break;
		case SEG_SEQ0:
			sink_put(s, v->seq0, v->seq0_len);
			break;
		case SEG_SLOT0:
			sink_put(s, v->slot0, v->slot0_len);
			break;
		case SEG_HOST:
			sink_val(s, v->host, v->host_len);
			break;
		case SEG_ALL:
			if (only) {
				tmplmod_apply(only, g->mod, &p, &n);
				sink_val(s, p, n);
				break;
			}
			for (i = 0; i < v->nargs; i++) {
				if (i)
					sink_blank(s);
				tmplmod_apply(&v->args[i], g->mod, &p, &n);
				sink_val(s, p, n);
			}
			break;
		}
	}
}

void tmplwalk_shell(const struct tmpl *t, struct tmplwalk_sink *s,
		    const struct tmplwalk_vals *v)
{
	const struct word *w;
	size_t i, k;

	for (k = 0; k < t->nwords; k++) {
		w = &t->words[k];
		/* A word that is only {} over no arguments vanishes, blank
		 * before it included, as in direct mode: no trailing space
		 * in what -N0 shows. */
		if (w->only_multi && v->nargs == 0)
			continue;
		sink_put(s, t->text + w->sep_off, w->sep_len);
		if (w->multi && t->context) {
			for (i = 0; i < v->nargs; i++) {
				if (i)
					sink_blank(s);
				shell_word(t, s, w, v, &v->args[i]);
			}
		} else {
			shell_word(t, s, w, v, NULL);
		}
	}
	sink_put(s, t->text + t->tail_off, t->tail_len);
}

/* ---- Direct mode -------------------------------------------------- */

static void out_add(struct tmplwalk_out *o, const char *p, size_t n)
{
	if (o->p && n)
		memcpy(o->p + o->bytes, p, n);
	o->bytes += n;
}

static void out_end(struct tmplwalk_out *o)
{
	if (o->p) {
		o->p[o->bytes] = '\0';
		o->argv[o->argc] = o->p + o->start;
	}
	o->bytes++;
	o->argc++;
	o->start = o->bytes;
}

static void direct_word(const struct tmpl *t, struct tmplwalk_out *o,
			const struct word *w, const struct tmplwalk_vals *v,
			const struct tmpl_arg *only)
{
	const struct seg *g;
	const char *p;
	size_t i, k, n;
	int some = 0;	/* a word made only of missing {n} vanishes */

	if (!only && w->only_multi && v->nargs == 0)
		return;
	for (k = 0; k < w->nsegs; k++) {
		g = &t->segs[w->first + k];
		switch (g->kind) {
		case SEG_LIT:
			out_add(o, t->text + g->off, g->len);
			some = 1;
			break;
		case SEG_POS:
			if (o->nopos)
				some = 1;	/* the fill adds the value */
			else if (pos_value(v, g, &p, &n)) {
				out_add(o, p, n);
				some = 1;
			}
			break;
		case SEG_SEQ:
			out_add(o, v->seq, v->seq_len);
			some = 1;
			break;
		case SEG_SLOT:
			out_add(o, v->slot, v->slot_len);
			some = 1;
			break;
		case SEG_TOTAL:
			out_add(o, v->total, v->total_len);
			some = 1;
			break;
		case SEG_SEQ0:
			out_add(o, v->seq0, v->seq0_len);
			some = 1;
			break;
		case SEG_SLOT0:
			out_add(o, v->slot0, v->slot0_len);
			some = 1;
			break;
		case SEG_HOST:
			out_add(o, v->host, v->host_len);
			some = 1;
			break;
		case SEG_ALL:
			some |= only || v->nargs;
			if (only) {
				tmplmod_apply(only, g->mod, &p, &n);
				out_add(o, p, n);
				break;
			}
			/* As the shell splits the quoted list: each value
			 * after the first starts a new word. */
			for (i = 0; i < v->nargs; i++) {
				if (i)
					out_end(o);
				tmplmod_apply(&v->args[i], g->mod, &p, &n);
				out_add(o, p, n);
			}
			break;
		}
	}
	/*
	 * -m/-X add up the sizes of single values, each time minus the
	 * size with none, but a word like "x{}y" ends once however many
	 * values split it: without this, each value after the first
	 * would miss its terminator, once per multi-valued segment. A
	 * word made only of those vanishes with no values, so the size
	 * with none holds none of its terminators and one fewer will do.
	 */
	if (some && o->estimate && !only && v->nargs)
		o->bytes += (size_t)w->multi - (w->only_multi ? 1 : 0);
	if (some)
		out_end(o);
}

void tmplwalk_direct(const struct tmpl *t, struct tmplwalk_out *o,
		     const struct tmplwalk_vals *v)
{
	const struct word *w;
	size_t i, k;

	for (k = 0; k < t->nwords; k++) {
		w = &t->words[k];
		if (w->multi && t->context) {
			for (i = 0; i < v->nargs; i++)
				direct_word(t, o, w, v, &v->args[i]);
		} else {
			direct_word(t, o, w, v, NULL);
		}
	}
}
