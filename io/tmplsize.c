/*
 * tmplsize: sizes of a template's command, from the counting walks of
 * tmplwalk.h (nothing is written or allocated).
 */
#include "tmplsize.h"

#include <string.h>

#include "tmplint.h"
#include "tmplwalk.h"

/* Room for the shell's path and "-c" in the -m/-X fill's estimate. */
#define SH_OVERHEAD 32

/*
 * The size of one template (not its twin): exact, or with estimate the
 * -m/-X fill's bound; nopos: see struct tmplwalk_sink.
 */
static size_t size_one(const struct tmpl *t, const struct tmpl_arg *args,
		       size_t nargs, int estimate, int nopos)
{
	static const char twenty[] = "00000000000000000000";
	char host[TMPL_HOST_MAX];
	struct tmplwalk_vals v;
	struct tmplwalk_sink s;
	struct tmplwalk_out o;

	memset(&v, 0, sizeof v);
	v.args = args;
	v.nargs = nargs;
	v.seq = v.slot = v.total = v.seq0 = v.slot0 = twenty;
	v.seq_len = v.slot_len = v.total_len = v.seq0_len = v.slot0_len =
		sizeof twenty - 1;
	memset(host, 'x', sizeof host);
	v.host = host;
	v.host_len = sizeof host;
	if (t->shell) {
		memset(&s, 0, sizeof s);
		s.quote = t->quote;
		s.estimate = estimate;
		s.nopos = nopos;
		tmplwalk_shell(t, &s, &v);
		return s.n + 1 + (estimate ? SH_OVERHEAD : 0);
	}
	memset(&o, 0, sizeof o);
	o.estimate = estimate;
	o.nopos = nopos;
	tmplwalk_direct(t, &o, &v);
	return o.bytes;
}

size_t tmpl_size(const struct tmpl *t, const struct tmpl_arg *args,
		 size_t nargs)
{
	size_t n = size_one(t, args, nargs, 0, 0), sh;

	/* With a program name taken from an argument, tmpl_expand() may run
	 * the shell twin instead, whose quoted form can be longer. */
	if (t->twin) {
		sh = size_one(t->twin, args, nargs, 0, 0);
		if (sh > n)
			n = sh;
	}
	return n;
}

/*
 * DESIGN of the fill. Everything but positional values adds up: the size
 * of a line is the size with no values plus, for each tuple, its size
 * alone minus the size with no values (size_one() with estimate counts
 * the bytes that would otherwise go missing, see direct_word() in
 * tmplwalk.c and tmplwalk_quoted_max()). A positional value cannot be
 * added up: {2} of a lone tuple is empty, and in a word -X repeats, {1}
 * is repeated once per value. So positional values are left out of the
 * sums and bounded at the end by the longest value so far, times the
 * number of times they are expanded.
 */
static size_t fill_total(const struct tmpl *t, const struct tmpl_fill *f,
			 size_t sum, size_t longest)
{
	return sum + (t->npos_once + t->npos_each * f->nargs) * longest;
}

static void fill_size(const struct tmpl *t, struct tmpl_fill *f)
{
	const struct tmpl *sh = t->shell ? t : t->twin;
	size_t n = 0, m;

	if (!t->shell)
		n = fill_total(t, f, f->sum_direct, f->longest);
	if (sh) {
		m = fill_total(sh, f, f->sum_shell, f->longest_quoted);
		if (m > n)
			n = m;
	}
	f->size = n;
}

void tmpl_fill_init(const struct tmpl *t, struct tmpl_fill *f)
{
	const struct tmpl *sh = t->shell ? t : t->twin;

	memset(f, 0, sizeof *f);
	if (!t->shell)
		f->sum_direct = size_one(t, NULL, 0, 1, 1);
	if (sh)
		f->sum_shell = size_one(sh, NULL, 0, 1, 1);
	/* An index past the arguments gives "", which sh reads as ''. */
	f->longest_quoted = tmplwalk_quoted_max("", 0);
	fill_size(t, f);
}

void tmpl_fill_add(const struct tmpl *t, struct tmpl_fill *f,
		   const struct tmpl_arg *args, size_t nargs)
{
	const struct tmpl *sh = t->shell ? t : t->twin;
	size_t i, n;

	if (!t->shell)
		f->sum_direct += size_one(t, args, nargs, 1, 1) -
			size_one(t, NULL, 0, 1, 1);
	if (sh)
		f->sum_shell += size_one(sh, args, nargs, 1, 1) -
			size_one(sh, NULL, 0, 1, 1);
	for (i = 0; i < nargs; i++) {
		/* A modified value is a part of its argument, or "." or
		 * "/" ({//}), so it is never longer than this. */
		n = args[i].len ? args[i].len : 1;
		if (n > f->longest)
			f->longest = n;
		n = tmplwalk_quoted_max(args[i].p, args[i].len);
		if (n < tmplwalk_quoted_max(".", 1))
			n = tmplwalk_quoted_max(".", 1);
		if (n > f->longest_quoted)
			f->longest_quoted = n;
	}
	f->nargs += nargs;
	fill_size(t, f);
}
