/*
 * tmplint: INTERNAL to the tmpl modules (tmpl.c, tmplwalk.c, tmplsize.c);
 * no other file includes it. It shows the parsed template, which tmpl.h
 * keeps opaque: tmpl_parse() in tmpl.c builds it, the walks in
 * tmplwalk.c read it, and tmplsize.c sizes it.
 *
 * A template is its literal text (t->text) and an array of words, each a
 * run of segments: a piece of literal text, or one replacement string.
 * The literal text of a word keeps the blanks before it, so shell mode
 * reproduces the text exactly as written while -X still knows where words
 * start. A template whose program name comes from an argument has a
 * shell-mode twin (t->twin) for the jobs where that name needs a shell.
 * Thread-safety: a parsed struct tmpl is read-only except through
 * tmpl_set_counts(), which runs before any expansion.
 */
#ifndef LANES_TMPLINT_H
#define LANES_TMPLINT_H

#include <stddef.h>

#include "tmpl.h"
#include "tmplmod.h"

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

struct seg {
	unsigned char kind;
	unsigned char mod;	/* enum tmplmod */
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

#endif
