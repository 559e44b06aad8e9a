/*
 * tmpl: command templates.
 *
 * DESIGN. tmpl_parse() does all the work that does not depend on a job: it
 * joins the words, finds the replacement strings, splits the text into
 * words on blanks and each word into segments (literal text, or one
 * replacement string), decides between shell and direct mode, and, for
 * TMPL_QUOTE in shell mode, quotes the literal pieces once. The literal
 * text of a word keeps the blanks before it, so shell mode can reproduce
 * the text exactly as written while -X still knows where words start.
 *
 * tmpl_expand() then only walks the segments. Modifiers ({.}, {/}, {//})
 * never copy: each is a substring of its argument or a constant, found with
 * memrchr(). Direct mode walks the segments twice, once to count the words
 * and bytes and once to copy, so argv and all its strings come from one
 * malloc() of the exact size. Shell mode appends to cmd->shell. The same
 * walks, with nothing written, give tmpl_size().
 *
 * Template without a replacement string: parsing adds a last word made of
 * a bare {}, which yields exactly "the arguments appended, each as its own
 * word" in both modes, so expansion needs no special case.
 */
#include "tmpl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "errbuf.h"
#include "quote.h"

/* Room for the shell's path and "-c" in the -m/-X fill's estimate. */
#define SH_OVERHEAD 32

enum seg_kind {
	SEG_LIT,	/* literal text */
	SEG_ALL,	/* {} and its modified forms: one value per argument */
	SEG_POS,	/* {n}, {-n} and modified forms */
	SEG_SEQ,	/* {#} */
	SEG_SLOT,	/* {%} */
	SEG_TOTAL,	/* {##} (--plus) */
	SEG_SEQ0,	/* {0#} (--plus): zero-padded */
	SEG_SLOT0,	/* {0%} (--plus): zero-padded */
	SEG_HOST,	/* {host} */
};

enum seg_mod {
	MOD_NONE,
	MOD_DOT,	/* {.} */
	MOD_BASE,	/* {/} */
	MOD_DIR,	/* {//} */
	MOD_BASEDOT,	/* {/.} */
	/* --plus */
	MOD_DOT2,	/* {..} */
	MOD_DOT3,	/* {...} */
	MOD_BASEDOT2,	/* {/..} */
	MOD_BASEDOT3,	/* {/...} */
	MOD_PDIR,	/* {+/} */
	MOD_PEXT,	/* {+.} */
	MOD_PEXT2,	/* {+..} */
	MOD_PEXT3,	/* {+...} */
};

struct seg {
	unsigned char kind;
	unsigned char mod;
	unsigned char from_end;	/* SEG_POS: {-n} */
	size_t n;		/* SEG_POS: 1-based index */
	size_t off, len;	/* SEG_LIT: the text as written, in t->text */
	size_t sh_off, sh_len;	/* SEG_LIT: the text for shell mode */
};

struct word {
	size_t sep_off, sep_len;	/* the blanks before it, as written */
	size_t first, nsegs;		/* its segments in t->segs */
	int multi;			/* how many SEG_ALL it has */
	int only_multi;			/* it has nothing else */
};

struct tmpl {
	int shell;		/* expand into cmd->shell */
	int quote;		/* quote values (shell mode, not raw) */
	int raw;		/* TMPL_RAW */
	int context;		/* TMPL_CONTEXT, not raw */
	int has_repl;		/* the user wrote a replacement string */
	int lead_raw;		/* starts with a replacement string */
	size_t npos_once;	/* positional strings expanded once */
	size_t npos_each;	/* ... and once per value (-X words) */
	int numbers;		/* {#}, {%} or a --plus count appear */
	int needs_total;	/* {##} or {0#} appear */
	unsigned long long total;	/* tmpl_set_counts() */
	unsigned slots;
	char *text;		/* every literal, plus quoted copies */
	struct seg *segs;
	struct word *words;
	size_t nwords;
	size_t tail_off, tail_len;	/* blanks after the last word */
	struct tmpl *twin;	/* the same in shell mode, see tmpl_expand() */
};

/* The per-job values that expansion reads. */
struct vals {
	const struct tmpl_arg *args;
	size_t nargs;
	const char *seq, *slot;
	size_t seq_len, slot_len;
	const char *total, *seq0, *slot0;	/* --plus */
	size_t total_len, seq0_len, slot0_len;
	const char *host;	/* {host}: the login, "" locally */
	size_t host_len;
};

/* ---- Modifiers ---------------------------------------------------- */

/* Offset of the basename: just after the last '/'. */
static size_t base_off(const char *p, size_t n)
{
	const char *s = n ? memrchr(p, '/', n) : NULL;

	return s ? (size_t)(s - p) + 1 : 0;
}

/* Length of p[0..n) without its extension (see tmpl.h for the rules). */
static size_t strip_ext(const char *p, size_t n)
{
	size_t b = base_off(p, n);
	const char *dot, *q;

	dot = n > b ? memrchr(p + b, '.', n - b) : NULL;
	if (!dot)
		return n;
	for (q = p + b; q < dot; q++) {
		if (*q != '.')
			return (size_t)(dot - p);
	}
	return n;
}

/*
 * Length of p[0..n) without its last count (2 or 3) extensions, as GNU
 * parallel's {..} and {...}: each must be a non-empty run of non-dots, and
 * the name left must not be only dots; otherwise nothing is removed.
 */
static size_t strip_exts(const char *p, size_t n, int count)
{
	size_t b = base_off(p, n), end = n;
	const char *dot, *q;

	for (int i = 0; i < count; i++) {
		dot = end > b ? memrchr(p + b, '.', end - b) : NULL;
		if (!dot || (size_t)(dot - p) + 1 == end)
			return n;
		end = (size_t)(dot - p);
	}
	for (q = p + b; q < p + end; q++)
		if (*q != '.')
			return end;
	return n;
}

/* dirname(1): a prefix of p, or "." or "/". */
static void dir_of(const char **pp, size_t *pn)
{
	const char *p = *pp, *s;
	size_t n = *pn;

	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n == 0) {
		*pp = *pn ? "/" : ".";
		*pn = 1;
		return;
	}
	s = memrchr(p, '/', n);
	if (!s) {
		*pp = ".";
		*pn = 1;
		return;
	}
	n = (size_t)(s - p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n == 0) {
		*pp = "/";
		n = 1;
	}
	*pn = n;
}

static void modify(const struct tmpl_arg *a, int mod, const char **pp,
		   size_t *pn)
{
	const char *p = a->p;
	size_t n = a->len, b;

	switch (mod) {
	case MOD_DOT:
		n = strip_ext(p, n);
		break;
	case MOD_BASE:
	case MOD_BASEDOT:
		b = base_off(p, n);
		p += b;
		n -= b;
		if (mod == MOD_BASEDOT)
			n = strip_ext(p, n);
		break;
	case MOD_DIR:
		dir_of(&p, &n);
		break;
	case MOD_DOT2:
	case MOD_DOT3:
		n = strip_exts(p, n, mod == MOD_DOT2 ? 2 : 3);
		break;
	case MOD_BASEDOT2:
	case MOD_BASEDOT3:
		b = base_off(p, n);
		p += b;
		n = strip_exts(p, n - b, mod == MOD_BASEDOT2 ? 2 : 3);
		break;
	case MOD_PDIR:
		/* What precedes the last '/', or nothing. */
		b = base_off(p, n);
		n = b ? b - 1 : 0;
		break;
	case MOD_PEXT:
	case MOD_PEXT2:
	case MOD_PEXT3:
		/* What {.}, {..} or {...} removes, without its first dot. */
		b = mod == MOD_PEXT ? strip_ext(p, n) :
			strip_exts(p, n, mod == MOD_PEXT2 ? 2 : 3);
		p += b < n ? b + 1 : n;
		n = b < n ? n - b - 1 : 0;
		break;
	}
	*pp = p;
	*pn = n;
}

/*
 * The value of a positional segment. Out of range it is missing (returns
 * 0): nothing at all, not even the empty word '', as in GNU parallel.
 */
static int pos_value(const struct vals *v, const struct seg *g,
		     const char **pp, size_t *pn)
{
	const struct tmpl_arg *a;

	if (g->n > v->nargs) {
		*pp = "";
		*pn = 0;
		return 0;
	}
	a = &v->args[g->from_end ? v->nargs - g->n : g->n - 1];
	modify(a, g->mod, pp, pn);
	return 1;
}

/* ---- Parsing ------------------------------------------------------ */

struct parse {
	struct tmpl *t;
	const char *s;		/* the joined text */
	const char *rs;		/* replstr */
	size_t rlen;
	int plus;		/* TMPL_PLUS */
	char *const *cols;	/* --header column names */
	size_t ncols;
	size_t nsegs;
	struct buf check;	/* the text with each replstr as '_' */
	int err;		/* sticky, from check */
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* The --plus modifiers, in the order of enum seg_mod from MOD_DOT2. */
static const char *const plus_mods[] = {
	"..", "...", "/..", "/...", "+/", "+.", "+..", "+...",
};

/* The modifier spelled by p[0..n), or -1. */
static int parse_mod(const char *p, size_t n, int plus)
{
	size_t i;

	if (n == 0)
		return MOD_NONE;
	for (i = 0; plus && i < sizeof plus_mods / sizeof *plus_mods; i++)
		if (strlen(plus_mods[i]) == n && !memcmp(p, plus_mods[i], n))
			return MOD_DOT2 + (int)i;
	if (n == 1 && p[0] == '.')
		return MOD_DOT;
	if (n == 1 && p[0] == '/')
		return MOD_BASE;
	if (n == 2 && p[0] == '/' && p[1] == '/')
		return MOD_DIR;
	if (n == 2 && p[0] == '/' && p[1] == '.')
		return MOD_BASEDOT;
	return -1;
}

/*
 * If a replacement string starts at s[0..n), describe it in g and return
 * its length; else return 0.
 */
static size_t match_repl(const struct parse *ps, const char *s, size_t n,
			 struct seg *g)
{
	const char *close, *p;
	size_t blen, i, idx;
	int mod;

	memset(g, 0, sizeof *g);
	if (n >= ps->rlen && memcmp(s, ps->rs, ps->rlen) == 0) {
		g->kind = SEG_ALL;
		return ps->rlen;
	}
	if (s[0] != '{' || n < 3)
		return 0;
	/* No replacement string is longer; the bound keeps a text full of
	 * unclosed braces from costing quadratic time. */
	close = memchr(s + 1, '}', n - 1 < 64 ? n - 1 : 64);
	if (!close)
		return 0;
	p = s + 1;
	blen = (size_t)(close - p);
	if (blen == 1 && (p[0] == '#' || p[0] == '%')) {
		g->kind = p[0] == '#' ? SEG_SEQ : SEG_SLOT;
		return 3;
	}
	if (ps->plus && blen == 2 && (!memcmp(p, "##", 2) ||
				      !memcmp(p, "0#", 2) ||
				      !memcmp(p, "0%", 2))) {
		g->kind = p[1] == '%' ? SEG_SLOT0 :
			  p[0] == '#' ? SEG_TOTAL : SEG_SEQ0;
		return 4;
	}
	if (blen == 4 && memcmp(p, "host", 4) == 0) {
		g->kind = SEG_HOST;
		return 6;
	}
	mod = parse_mod(p, blen, ps->plus);
	if (mod > 0) {
		g->kind = SEG_ALL;
		g->mod = (unsigned char)mod;
		return blen + 2;
	}

	/* {name}, and {name.} or another modifier after it (--header). */
	for (i = 0; i < ps->ncols; i++) {
		size_t nl = strlen(ps->cols[i]);

		if (nl && nl <= blen && !memcmp(p, ps->cols[i], nl) &&
		    (mod = parse_mod(p + nl, blen - nl, ps->plus)) >= 0) {
			g->kind = SEG_POS;
			g->mod = (unsigned char)mod;
			g->n = i + 1;
			return blen + 2;
		}
	}
	i = 0;
	if (p[0] == '-') {
		g->from_end = 1;
		i = 1;
	}
	if (i == blen || p[i] < '0' || p[i] > '9')
		return 0;
	for (idx = 0; i < blen && p[i] >= '0' && p[i] <= '9'; i++) {
		/* Any index this large is out of range anyway. */
		if (idx > ((size_t)-1 - 9) / 10)
			idx = ((size_t)-1 - 9) / 10;
		idx = idx * 10 + (size_t)(p[i] - '0');
	}
	mod = parse_mod(p + i, blen - i, ps->plus);
	if (mod < 0 || idx == 0)
		return 0;
	g->kind = SEG_POS;
	g->mod = (unsigned char)mod;
	g->n = idx;
	return blen + 2;
}

static void check_add(struct parse *ps, const char *p, size_t n)
{
	if (!ps->err)
		ps->err = buf_add(&ps->check, p, n);
}

/*
 * Parse the word that starts at s[i] and ends at s[end] or, if split, at
 * the first blank outside a replacement string. Return the index after it.
 */
static size_t scan_word(struct parse *ps, size_t i, size_t end, int split,
			size_t sep_off, size_t sep_len)
{
	struct tmpl *t = ps->t;
	struct word *w = &t->words[t->nwords++];
	struct seg g, *last = NULL;
	size_t k;

	w->sep_off = sep_off;
	w->sep_len = sep_len;
	w->first = ps->nsegs;
	check_add(ps, ps->s + sep_off, sep_len);
	while (i < end) {
		k = match_repl(ps, ps->s + i, end - i, &g);
		if (k) {
			t->segs[ps->nsegs++] = g;
			t->has_repl = 1;
			if (g.kind != SEG_ALL && g.kind != SEG_POS)
				t->numbers = 1;
			if (g.kind == SEG_TOTAL || g.kind == SEG_SEQ0)
				t->needs_total = 1;
			check_add(ps, "_", 1);
			last = NULL;
			i += k;
			continue;
		}
		if (split && is_blank(ps->s[i]))
			break;
		if (last) {
			last->len++;
		} else {
			last = &t->segs[ps->nsegs++];
			memset(last, 0, sizeof *last);
			last->kind = SEG_LIT;
			last->off = i;
			last->len = 1;
		}
		check_add(ps, ps->s + i, 1);
		i++;
	}
	if (ps->nsegs == w->first) {
		/* An empty word, only possible with TMPL_QUOTE. */
		last = &t->segs[ps->nsegs++];
		memset(last, 0, sizeof *last);
		last->kind = SEG_LIT;
		last->off = i;
	}
	w->nsegs = ps->nsegs - w->first;
	w->only_multi = 1;
	for (k = w->first; k < ps->nsegs; k++) {
		if (t->segs[k].kind == SEG_ALL)
			w->multi++;
		else
			w->only_multi = 0;
	}
	return i;
}

/* 1 if the first word holds a replacement string. */
static int first_word_varies(const struct tmpl *t)
{
	const struct word *w = &t->words[0];

	for (size_t k = 0; k < w->nsegs; k++)
		if (t->segs[w->first + k].kind != SEG_LIT)
			return 1;
	return 0;
}

/*
 * GNU parallel's {= perl =}: 1 and a message in err if s holds one. There
 * is no Perl to run it; passing it on as text would run a wrong command.
 */
static int perl_expr(const char *s, size_t n, char *err, size_t errlen)
{
	const char *open = n > 1 ? memmem(s, n, "{=", 2) : NULL, *close;
	size_t len;

	if (!open)
		return 0;
	close = memmem(open + 2, n - (size_t)(open - s) - 2, "=}", 2);
	if (!close)
		return 0;
	len = (size_t)(close - open) + 2;
	if (err && errlen)
		snprintf(err, errlen, "'%.*s': Perl expressions cannot run "
			 "in lanes; use a --plus replacement string ({..}, "
			 "{/..}, {+.}...) or shell code in the command, "
			 "e.g. \"$(printf %%s {} | sed 's/a/b/')\"",
			 len > 200 ? 200 : (int)len, open);
	return 1;
}

/* 1 if the command starts with a replacement string (no blank first). */
static int starts_with_repl(const struct tmpl *t)
{
	const struct word *w = &t->words[0];

	return t->nwords && w->sep_len == 0 && w->nsegs &&
		t->segs[w->first].kind != SEG_LIT;
}

int tmpl_parse(struct tmpl **out, char *const *words, size_t nwords,
	       const char *replstr, int flags, char *err, size_t errlen)
{
	return tmpl_parse_cols(out, words, nwords, replstr, flags, NULL, 0,
			       err, errlen);
}

int tmpl_parse_cols(struct tmpl **out, char *const *words, size_t nwords,
		    const char *replstr, int flags, char *const *cols,
		    size_t ncols, char *err, size_t errlen)
{
	struct parse ps;
	struct buf text = BUF_INIT, quoted = BUF_INIT;
	struct tmpl *t = NULL;
	struct seg *g;
	struct word *w;
	size_t i, k, start, sep, max;
	int rc, quote;

	memset(&ps, 0, sizeof ps);
	buf_init(&ps.check);
	*out = NULL;
	ps.rs = replstr ? replstr : "{}";
	ps.rlen = strlen(ps.rs);
	ps.plus = !!(flags & TMPL_PLUS);
	ps.cols = cols;
	ps.ncols = ncols;
	if (ps.rlen == 0) {
		errbuf_set(err, errlen, "empty replacement string");
		rc = -EINVAL;
		goto out;
	}
	if (nwords == 0) {
		errbuf_set(err, errlen, "empty command template");
		rc = -EINVAL;
		goto out;
	}

	t = calloc(1, sizeof *t);
	if (!t) {
		rc = -ENOMEM;
		goto out;
	}
	t->raw = !!(flags & TMPL_RAW);
	t->context = !t->raw && (flags & TMPL_CONTEXT);
	quote = !t->raw && (flags & TMPL_QUOTE);

	for (k = 0; k < nwords; k++) {
		rc = buf_addstr(&text, words[k]);
		if (!rc && k + 1 < nwords)
			rc = buf_addch(&text, ' ');
		if (rc)
			goto out;
	}
	if (perl_expr(text.p, text.len, err, errlen)) {
		rc = -EINVAL;
		goto out;
	}
	if (!quote && !t->raw) {
		for (i = 0; i < text.len && is_blank(text.p[i]); i++)
			;
		if (i == text.len) {
			errbuf_set(err, errlen, "empty command template");
			rc = -EINVAL;
			goto out;
		}
	}

	/* Every segment but an empty word's holds at least one byte, and
	 * one more word may be added for the arguments. */
	max = text.len + nwords + 1;
	t->segs = calloc(max, sizeof *t->segs);
	t->words = calloc(max, sizeof *t->words);
	if (!t->segs || !t->words) {
		rc = -ENOMEM;
		goto out;
	}
	ps.t = t;
	ps.s = buf_str(&text);

	if (quote) {
		start = 0;
		for (k = 0; k < nwords; k++) {
			size_t len = strlen(words[k]);

			scan_word(&ps, start, start + len, 0,
				  k ? start - 1 : 0, k ? 1 : 0);
			start += len + 1;
		}
	} else {
		i = 0;
		for (;;) {
			struct seg tmp;

			sep = i;
			while (i < text.len && is_blank(ps.s[i]) &&
			       !match_repl(&ps, ps.s + i, text.len - i, &tmp))
				i++;
			if (i == text.len) {
				t->tail_off = sep;
				t->tail_len = i - sep;
				break;
			}
			i = scan_word(&ps, i, text.len, 1, sep, i - sep);
		}
	}
	if (ps.err) {
		rc = ps.err;
		goto out;
	}

	if (t->raw)
		t->shell = 1;
	else if (quote)
		t->shell = (flags & TMPL_SHELL) ||
			quote_is_shell_word(words[0], strlen(words[0]));
	else
		t->shell = (flags & TMPL_SHELL) ||
			quote_needs_shell(ps.check.p, ps.check.len);
	t->quote = t->shell && !t->raw;
	/* "{} x" with 'echo a': the command is the value, run as shell
	 * code with every value unquoted, as GNU parallel documents. */
	if (!quote && !t->raw && starts_with_repl(t)) {
		t->shell = 1;
		t->quote = 0;
		t->lead_raw = !(flags & TMPL_SHELL);
	}

	/* The quoted copies go to their own buffer first: quoting from
	 * text into text could move the bytes being read. */
	for (k = 0; k < ps.nsegs; k++) {
		g = &t->segs[k];
		if (g->kind != SEG_LIT)
			continue;
		if (quote && t->shell) {
			g->sh_off = text.len + quoted.len;
			rc = quote_shell(&quoted, text.p + g->off, g->len);
			if (rc)
				goto out;
			g->sh_len = text.len + quoted.len - g->sh_off;
		} else {
			g->sh_off = g->off;
			g->sh_len = g->len;
		}
	}
	rc = buf_add(&text, quoted.p, quoted.len);
	if (rc)
		goto out;

	if (!t->has_repl && !t->raw) {
		w = &t->words[t->nwords++];
		memset(w, 0, sizeof *w);
		w->sep_off = text.len;
		w->sep_len = 1;
		w->first = ps.nsegs;
		w->nsegs = 1;
		w->multi = w->only_multi = 1;
		g = &t->segs[ps.nsegs++];
		memset(g, 0, sizeof *g);
		g->kind = SEG_ALL;
		rc = buf_addch(&text, ' ');
		if (rc)
			goto out;
	}

	for (k = 0; k < t->nwords; k++) {
		w = &t->words[k];
		for (i = w->first; i < w->first + w->nsegs; i++) {
			if (t->segs[i].kind != SEG_POS)
				continue;
			if (t->context && w->multi)
				t->npos_each++;
			else
				t->npos_once++;
		}
	}
	t->text = buf_detach(&text, NULL);
	if (!t->text) {
		rc = -ENOMEM;
		goto out;
	}
	/* A direct command whose program name comes from an argument can
	 * turn out to name something only the shell knows; keep a shell-mode
	 * twin to fall back on. */
	if (!t->shell && !t->raw && t->nwords && first_word_varies(t)) {
		rc = tmpl_parse_cols(&t->twin, words, nwords, replstr,
				     flags | TMPL_SHELL, cols, ncols, err,
				     errlen);
		if (rc)
			goto out;
	}
	*out = t;
	t = NULL;
	rc = 0;
out:
	buf_release(&text);
	buf_release(&quoted);
	buf_release(&ps.check);
	tmpl_free(t);
	return rc;
}

void tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	tmpl_free(t->twin);
	free(t->text);
	free(t->segs);
	free(t->words);
	free(t);
}

int tmpl_has_replstr(const struct tmpl *t)
{
	return t->has_repl;
}

int tmpl_uses_slot(const struct tmpl *t)
{
	for (size_t k = 0; k < t->nwords; k++) {
		const struct word *w = &t->words[k];

		for (size_t i = 0; i < w->nsegs; i++)
			if (t->segs[w->first + i].kind == SEG_SLOT ||
			    t->segs[w->first + i].kind == SEG_SLOT0)
				return 1;
	}
	return 0;
}

int tmpl_is_shell(const struct tmpl *t)
{
	return t->shell;
}

int tmpl_may_be_shell(const struct tmpl *t)
{
	return t->shell || t->twin;
}

/* ---- Shell mode --------------------------------------------------- */

/*
 * Where shell-mode text goes: into b, or, with b NULL, only counted in n
 * (as quote_shell() would write them, for tmpl_size()). err is sticky.
 */
struct sink {
	struct buf *b;
	size_t n;
	int quote;
	int estimate;	/* the -m/-X fill's bound, see tmpl_fill_add() */
	int nopos;	/* count no positional value, see tmpl_fill_add() */
	int err;
};

static void sink_put(struct sink *s, const char *p, size_t n)
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
static size_t quoted_max(const char *p, size_t n)
{
	const char *q, *end = p + n;
	size_t quotes = 0;

	for (q = p; q < end && (q = memchr(q, '\'', (size_t)(end - q))); q++)
		quotes++;
	return n + 3 + 3 * quotes;
}

static void sink_val(struct sink *s, const char *p, size_t n)
{
	if (!s->quote)
		sink_put(s, p, n);
	else if (s->err)
		;
	else if (s->b)
		s->err = quote_shell(s->b, p, n);
	else if (s->estimate)
		s->n += quoted_max(p, n);
	else
		s->n += quote_shell_len(p, n);
}

/* The blank between two values, which quoted_max() counts already. */
static void sink_blank(struct sink *s)
{
	if (!(s->estimate && s->quote && !s->b))
		sink_put(s, " ", 1);
}

/* One word; with only set, every multi-valued segment uses that alone. */
static void shell_word(const struct tmpl *t, struct sink *s,
		       const struct word *w, const struct vals *v,
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
				modify(only, g->mod, &p, &n);
				sink_val(s, p, n);
				break;
			}
			for (i = 0; i < v->nargs; i++) {
				if (i)
					sink_blank(s);
				modify(&v->args[i], g->mod, &p, &n);
				sink_val(s, p, n);
			}
			break;
		}
	}
}

static void shell_all(const struct tmpl *t, struct sink *s,
		      const struct vals *v)
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

/*
 * Where argv strings go. With p NULL the walk only counts words (argc)
 * and bytes, terminators included; then argv and p are set and the same
 * walk fills them.
 */
struct out {
	char **argv;
	char *p;
	size_t argc;
	size_t bytes;
	size_t start;	/* where the current word began */
	int estimate;	/* for tmpl_fill_add(), see direct_word() */
	int nopos;	/* count no positional value, see tmpl_fill_add() */
};

static void out_add(struct out *o, const char *p, size_t n)
{
	if (o->p && n)
		memcpy(o->p + o->bytes, p, n);
	o->bytes += n;
}

static void out_end(struct out *o)
{
	if (o->p) {
		o->p[o->bytes] = '\0';
		o->argv[o->argc] = o->p + o->start;
	}
	o->bytes++;
	o->argc++;
	o->start = o->bytes;
}

static void direct_word(const struct tmpl *t, struct out *o,
			const struct word *w, const struct vals *v,
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
				modify(only, g->mod, &p, &n);
				out_add(o, p, n);
				break;
			}
			/* As the shell splits the quoted list: each value
			 * after the first starts a new word. */
			for (i = 0; i < v->nargs; i++) {
				if (i)
					out_end(o);
				modify(&v->args[i], g->mod, &p, &n);
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

static void direct_all(const struct tmpl *t, struct out *o,
		       const struct vals *v)
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

/* ---- Expansion ---------------------------------------------------- */

/* Write x in decimal at the end of buf[0..24); return where it starts. */
static char *fmt_ull(char buf[24], unsigned long long x)
{
	char *p = buf + 24;

	do {
		*--p = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	return p;
}

/* Write x zero-padded to the width of max's digits (GNU's {0#}). */
static char *fmt_pad(char buf[24], unsigned long long x,
		     unsigned long long max)
{
	char tmp[24];
	char *p = fmt_ull(buf, x);
	size_t w = (size_t)(tmp + 24 - fmt_ull(tmp, max));

	while ((size_t)(buf + 24 - p) < w)
		*--p = '0';
	return p;
}

void tmpl_set_counts(struct tmpl *t, unsigned long long total,
		     unsigned slots)
{
	t->total = total;
	t->slots = slots;
	if (t->twin)
		tmpl_set_counts(t->twin, total, slots);
}

int tmpl_needs_total(const struct tmpl *t)
{
	return t->needs_total;
}

int tmpl_expand(const struct tmpl *t, const struct tmpl_job *job,
		struct tmpl_cmd *cmd, int want_display)
{
	char seqbuf[24], slotbuf[24], totbuf[24], seq0buf[24], slot0buf[24];
	struct vals v;
	struct sink s;
	struct out o;
	size_t i, hdr;
	void *block;
	int rc = 0;

	memset(cmd, 0, sizeof *cmd);
	buf_init(&cmd->shell);
	buf_init(&cmd->display);

	if (!t->raw) {
		for (i = 0; i < job->nargs; i++) {
			if (job->args[i].len &&
			    memchr(job->args[i].p, '\0', job->args[i].len))
				return -EILSEQ;
		}
	}
	memset(&v, 0, sizeof v);
	v.args = job->args;
	v.nargs = job->nargs;
	v.host = job->host ? job->host : "";
	v.host_len = strlen(v.host);
	if (t->numbers) {
		v.seq = fmt_ull(seqbuf, job->seq);
		v.seq_len = (size_t)(seqbuf + sizeof seqbuf - v.seq);
		v.slot = fmt_ull(slotbuf, job->slot);
		v.slot_len = (size_t)(slotbuf + sizeof slotbuf - v.slot);
		v.total = fmt_ull(totbuf, t->total);
		v.total_len = (size_t)(totbuf + sizeof totbuf - v.total);
		v.seq0 = fmt_pad(seq0buf, job->seq, t->total);
		v.seq0_len = (size_t)(seq0buf + sizeof seq0buf - v.seq0);
		v.slot0 = fmt_pad(slot0buf, job->slot, t->slots);
		v.slot0_len = (size_t)(slot0buf + sizeof slot0buf - v.slot0);
	}

	if (t->shell) {
		memset(&s, 0, sizeof s);
		s.b = &cmd->shell;
		s.quote = t->quote;
		shell_all(t, &s, &v);
		rc = s.err;
		if (!rc && t->lead_raw) {
			/* Code from the values: it runs directly when it
			 * needs no shell, as a record that is a command. */
			struct tmpl_arg line = { cmd->shell.p, cmd->shell.len };
			struct tmpl_cmd c;

			rc = cmdline_expand(&line, 1, 0, &c);
			if (rc || !c.direct || c.argc) {
				tmpl_cmd_release(cmd);
				*cmd = c;
				return rc;
			}
			/* Only blanks: the empty shell command, see tmpl.h. */
			tmpl_cmd_release(&c);
		}
		if (!rc && want_display)
			rc = buf_add(&cmd->display, buf_str(&cmd->shell),
				     cmd->shell.len);
		return rc;
	}

	memset(&o, 0, sizeof o);
	direct_all(t, &o, &v);
	if (o.argc == 0)
		return 0;	/* the empty shell command; see tmpl.h */
	if (o.argc > ((size_t)-1 - o.bytes) / sizeof(char *) - 1)
		return -ENOMEM;
	hdr = (o.argc + 1) * sizeof(char *);
	block = malloc(hdr + o.bytes);
	if (!block)
		return -ENOMEM;
	cmd->argv = block;
	memset(&o, 0, sizeof o);
	o.argv = block;
	o.p = (char *)block + hdr;
	direct_all(t, &o, &v);
	cmd->argv[o.argc] = NULL;
	cmd->argc = o.argc;
	cmd->direct = 1;
	/* "cd", "exit" or "FOO=1" as the program: only sh means it. */
	if (t->twin && quote_needs_shell(cmd->argv[0], strlen(cmd->argv[0]))) {
		tmpl_cmd_release(cmd);
		return tmpl_expand(t->twin, job, cmd, want_display);
	}

	for (i = 0; want_display && !rc && i < cmd->argc; i++) {
		if (i)
			rc = buf_addch(&cmd->display, ' ');
		if (!rc)
			rc = quote_shell(&cmd->display, cmd->argv[i],
					 strlen(cmd->argv[i]));
	}
	return rc;
}

void tmpl_cmd_release(struct tmpl_cmd *cmd)
{
	free(cmd->argv);
	cmd->argv = NULL;
	cmd->argc = 0;
	cmd->direct = 0;
	buf_release(&cmd->shell);
	buf_release(&cmd->display);
}

/*
 * The size of one template (not its twin): exact, or with estimate the
 * -m/-X fill's bound; nopos: see struct sink.
 */
static size_t size_one(const struct tmpl *t, const struct tmpl_arg *args,
		       size_t nargs, int estimate, int nopos)
{
	static const char twenty[] = "00000000000000000000";
	char host[TMPL_HOST_MAX];
	struct vals v;
	struct sink s;
	struct out o;

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
		shell_all(t, &s, &v);
		return s.n + 1 + (estimate ? SH_OVERHEAD : 0);
	}
	memset(&o, 0, sizeof o);
	o.estimate = estimate;
	o.nopos = nopos;
	direct_all(t, &o, &v);
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
 * the bytes that would otherwise go missing, see direct_word() and
 * quoted_max()). A positional value cannot be added up: {2} of a lone
 * tuple is empty, and in a word -X repeats, {1} is repeated once per
 * value. So positional values are left out of the sums and bounded at
 * the end by the longest value so far, times the number of times they
 * are expanded.
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
	f->longest_quoted = quoted_max("", 0);
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
		n = quoted_max(args[i].p, args[i].len);
		if (n < quoted_max(".", 1))
			n = quoted_max(".", 1);
		if (n > f->longest_quoted)
			f->longest_quoted = n;
	}
	f->nargs += nargs;
	fill_size(t, f);
}

size_t tmpl_args_size(const struct tmpl_arg *args, size_t nargs)
{
	size_t bytes = nargs * sizeof(*args);

	for (size_t i = 0; i < nargs; i++)
		bytes += args[i].len + 1;
	return bytes;
}

struct tmpl_arg *tmpl_args_copy(void *dst, const struct tmpl_arg *args,
				size_t nargs)
{
	struct tmpl_arg *a = dst;
	char *p = (char *)(a + nargs);

	for (size_t i = 0; i < nargs; i++) {
		memcpy(p, args[i].p, args[i].len);
		p[args[i].len] = '\0';
		a[i].p = p;
		a[i].len = args[i].len;
		p += args[i].len + 1;
	}
	return a;
}
