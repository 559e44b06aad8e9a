/*
 * tmpl: command templates.
 *
 * DESIGN. tmpl_parse() does all the work that does not depend on a job: it
 * joins the words, finds the replacement strings, splits the text into
 * words on blanks and each word into segments (literal text, or one
 * replacement string; see tmplint.h), decides between shell and direct
 * mode, and, for TMPL_QUOTE in shell mode, quotes the literal pieces once.
 *
 * tmpl_expand() then only walks the segments (tmplwalk.h), with the
 * modifiers of tmplmod.h, which never copy. Direct mode walks twice, once
 * to count the words and bytes and once to copy, so argv and all its
 * strings come from one malloc() of the exact size. Shell mode appends to
 * cmd->shell. The same walks, with nothing written, give tmplsize.h.
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
#include "tmplint.h"
#include "tmplwalk.h"

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
	mod = tmplmod_parse(p, blen, ps->plus);
	if (mod > 0) {
		g->kind = SEG_ALL;
		g->mod = (unsigned char)mod;
		return blen + 2;
	}

	/* {name}, and {name.} or another modifier after it (--header). */
	for (i = 0; i < ps->ncols; i++) {
		size_t nl = strlen(ps->cols[i]);

		if (nl && nl <= blen && !memcmp(p, ps->cols[i], nl) &&
		    (mod = tmplmod_parse(p + nl, blen - nl, ps->plus)) >= 0) {
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
	mod = tmplmod_parse(p + i, blen - i, ps->plus);
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

/* Join the words with spaces into text. */
static int join_words(struct buf *text, char *const *words, size_t nwords)
{
	int rc = 0;

	for (size_t k = 0; !rc && k < nwords; k++) {
		rc = buf_addstr(text, words[k]);
		if (!rc && k + 1 < nwords)
			rc = buf_addch(text, ' ');
	}
	return rc;
}

/*
 * Split ps->s (len bytes) into words: with quote, one per command-line
 * word, else on blanks outside replacement strings.
 */
static void scan_all(struct parse *ps, char *const *words, size_t nwords,
		     int quote, size_t len)
{
	struct tmpl *t = ps->t;
	struct seg tmp;
	size_t i, k, start, sep;

	if (quote) {
		start = 0;
		for (k = 0; k < nwords; k++) {
			size_t n = strlen(words[k]);

			scan_word(ps, start, start + n, 0,
				  k ? start - 1 : 0, k ? 1 : 0);
			start += n + 1;
		}
		return;
	}
	i = 0;
	for (;;) {
		sep = i;
		while (i < len && is_blank(ps->s[i]) &&
		       !match_repl(ps, ps->s + i, len - i, &tmp))
			i++;
		if (i == len) {
			t->tail_off = sep;
			t->tail_len = i - sep;
			return;
		}
		i = scan_word(ps, i, len, 1, sep, i - sep);
	}
}

/* Shell or direct mode, and whether values are quoted (see tmpl.h). */
static void choose_mode(struct tmpl *t, const struct parse *ps,
			char *const *words, int flags, int quote)
{
	if (t->raw)
		t->shell = 1;
	else if (quote)
		t->shell = (flags & TMPL_SHELL) ||
			quote_is_shell_word(words[0], strlen(words[0]));
	else
		t->shell = (flags & TMPL_SHELL) ||
			quote_needs_shell(ps->check.p, ps->check.len);
	t->quote = t->shell && !t->raw;
	/* "{} x" with 'echo a': the command is the value, run as shell
	 * code with every value unquoted, as GNU parallel documents. */
	if (!quote && !t->raw && starts_with_repl(t)) {
		t->shell = 1;
		t->quote = 0;
		t->lead_raw = !(flags & TMPL_SHELL);
	}
}

/*
 * Point each literal segment at its shell-mode text: the text as
 * written, or with quote in shell mode a quoted copy appended to text.
 */
static int shell_lits(struct tmpl *t, size_t nsegs, struct buf *text,
		      int quote)
{
	struct buf quoted = BUF_INIT;
	struct seg *g;
	int rc = 0;

	/* The quoted copies go to their own buffer first: quoting from
	 * text into text could move the bytes being read. */
	for (size_t k = 0; !rc && k < nsegs; k++) {
		g = &t->segs[k];
		if (g->kind != SEG_LIT)
			continue;
		if (quote && t->shell) {
			g->sh_off = text->len + quoted.len;
			rc = quote_shell(&quoted, text->p + g->off, g->len);
			g->sh_len = text->len + quoted.len - g->sh_off;
		} else {
			g->sh_off = g->off;
			g->sh_len = g->len;
		}
	}
	if (!rc)
		rc = buf_add(text, quoted.p, quoted.len);
	buf_release(&quoted);
	return rc;
}

/* No replacement string: append a word that is a bare {} (see DESIGN). */
static int add_args_word(struct parse *ps, struct buf *text)
{
	struct tmpl *t = ps->t;
	struct word *w = &t->words[t->nwords++];
	struct seg *g;

	memset(w, 0, sizeof *w);
	w->sep_off = text->len;
	w->sep_len = 1;
	w->first = ps->nsegs;
	w->nsegs = 1;
	w->multi = w->only_multi = 1;
	g = &t->segs[ps->nsegs++];
	memset(g, 0, sizeof *g);
	g->kind = SEG_ALL;
	return buf_addch(text, ' ');
}

/* How often positional strings are expanded, for tmpl_fill_add(). */
static void count_pos(struct tmpl *t)
{
	const struct word *w;

	for (size_t k = 0; k < t->nwords; k++) {
		w = &t->words[k];
		for (size_t i = w->first; i < w->first + w->nsegs; i++) {
			if (t->segs[i].kind != SEG_POS)
				continue;
			if (t->context && w->multi)
				t->npos_each++;
			else
				t->npos_once++;
		}
	}
}

/* 1 if text holds nothing but blanks. */
static int all_blank(const struct buf *text)
{
	size_t i;

	for (i = 0; i < text->len && is_blank(text->p[i]); i++)
		;
	return i == text->len;
}

static void parse_init(struct parse *ps, const char *replstr, int flags,
		       char *const *cols, size_t ncols)
{
	memset(ps, 0, sizeof *ps);
	buf_init(&ps->check);
	ps->rs = replstr ? replstr : "{}";
	ps->rlen = strlen(ps->rs);
	ps->plus = !!(flags & TMPL_PLUS);
	ps->cols = cols;
	ps->ncols = ncols;
}

int tmpl_parse_cols(struct tmpl **out, char *const *words, size_t nwords,
		    const char *replstr, int flags, char *const *cols,
		    size_t ncols, char *err, size_t errlen)
{
	struct parse ps;
	struct buf text = BUF_INIT;
	struct tmpl *t = NULL;
	size_t max;
	int rc, quote;

	*out = NULL;
	parse_init(&ps, replstr, flags, cols, ncols);
	if (ps.rlen == 0 || nwords == 0) {
		errbuf_set(err, errlen, ps.rlen ? "empty command template" :
			   "empty replacement string");
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

	rc = join_words(&text, words, nwords);
	if (rc)
		goto out;
	if (perl_expr(text.p, text.len, err, errlen)) {
		rc = -EINVAL;
		goto out;
	}
	if (!quote && !t->raw && all_blank(&text)) {
		errbuf_set(err, errlen, "empty command template");
		rc = -EINVAL;
		goto out;
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
	scan_all(&ps, words, nwords, quote, text.len);
	rc = ps.err;
	if (rc)
		goto out;

	choose_mode(t, &ps, words, flags, quote);
	rc = shell_lits(t, ps.nsegs, &text, quote);
	if (!rc && !t->has_repl && !t->raw)
		rc = add_args_word(&ps, &text);
	if (rc)
		goto out;
	count_pos(t);
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

/* Room for the numbers of one job, formatted (see set_vals()). */
struct numbufs {
	char seq[24], slot[24], total[24], seq0[24], slot0[24];
};

/* The values that expanding job reads, the numbers formatted into nb. */
static void set_vals(const struct tmpl *t, const struct tmpl_job *job,
		     struct tmplwalk_vals *v, struct numbufs *nb)
{
	memset(v, 0, sizeof *v);
	v->args = job->args;
	v->nargs = job->nargs;
	v->host = job->host ? job->host : "";
	v->host_len = strlen(v->host);
	if (!t->numbers)
		return;
	v->seq = fmt_ull(nb->seq, job->seq);
	v->seq_len = (size_t)(nb->seq + sizeof nb->seq - v->seq);
	v->slot = fmt_ull(nb->slot, job->slot);
	v->slot_len = (size_t)(nb->slot + sizeof nb->slot - v->slot);
	v->total = fmt_ull(nb->total, t->total);
	v->total_len = (size_t)(nb->total + sizeof nb->total - v->total);
	v->seq0 = fmt_pad(nb->seq0, job->seq, t->total);
	v->seq0_len = (size_t)(nb->seq0 + sizeof nb->seq0 - v->seq0);
	v->slot0 = fmt_pad(nb->slot0, job->slot, t->slots);
	v->slot0_len = (size_t)(nb->slot0 + sizeof nb->slot0 - v->slot0);
}

/* Shell mode: the command into cmd->shell (and cmd->display). */
static int expand_shell(const struct tmpl *t, const struct tmplwalk_vals *v,
			struct tmpl_cmd *cmd, int want_display)
{
	struct tmplwalk_sink s;
	int rc;

	memset(&s, 0, sizeof s);
	s.b = &cmd->shell;
	s.quote = t->quote;
	tmplwalk_shell(t, &s, v);
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

/*
 * Direct mode: argv and its strings in one block, counted by a first
 * walk and filled by a second. No word at all leaves cmd in shell mode,
 * the empty command (see tmpl.h).
 */
static int expand_direct(const struct tmpl *t,
			 const struct tmplwalk_vals *v, struct tmpl_cmd *cmd)
{
	struct tmplwalk_out o;
	size_t hdr;
	void *block;

	memset(&o, 0, sizeof o);
	tmplwalk_direct(t, &o, v);
	if (o.argc == 0)
		return 0;
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
	tmplwalk_direct(t, &o, v);
	cmd->argv[o.argc] = NULL;
	cmd->argc = o.argc;
	cmd->direct = 1;
	return 0;
}

int tmpl_expand(const struct tmpl *t, const struct tmpl_job *job,
		struct tmpl_cmd *cmd, int want_display)
{
	struct numbufs nb;
	struct tmplwalk_vals v;
	size_t i;
	int rc;

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
	set_vals(t, job, &v, &nb);
	if (t->shell)
		return expand_shell(t, &v, cmd, want_display);

	rc = expand_direct(t, &v, cmd);
	if (rc || !cmd->direct)
		return rc;
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
