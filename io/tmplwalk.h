/*
 * tmplwalk: the walks over a parsed template's words (tmplint.h) that
 * expansion and sizing share. INTERNAL to the tmpl modules.
 *   - tmplwalk_shell() writes the shell-mode command into a sink, or only
 *     counts its bytes (exactly, or with estimate at the -m/-X fill's
 *     bound);
 *   - tmplwalk_direct() counts the direct-mode words and bytes, or, once
 *     the caller has allocated that much, copies them into argv.
 * The caller fills struct tmplwalk_vals with the job's values, the
 * numbers already formatted, so that a walk never allocates.
 * Thread-safety: walks only read the template; any thread may walk.
 * Errors: a shell walk that writes leaves -ENOMEM in sink->err (sticky);
 * a direct walk cannot fail.
 */
#ifndef LANES_TMPLWALK_H
#define LANES_TMPLWALK_H

#include <stddef.h>

#include "buf.h"
#include "tmplint.h"

/* The per-job values that a walk reads. */
struct tmplwalk_vals {
	const struct tmpl_arg *args;
	size_t nargs;
	const char *seq, *slot;
	size_t seq_len, slot_len;
	const char *total, *seq0, *slot0;	/* --plus */
	size_t total_len, seq0_len, slot0_len;
	const char *host;	/* {host}: the login, "" locally */
	size_t host_len;
};

/*
 * Where shell-mode text goes: into b, or, with b NULL, only counted in n
 * (as quote_shell() would write them, for tmpl_size()). err is sticky.
 */
struct tmplwalk_sink {
	struct buf *b;
	size_t n;
	int quote;
	int estimate;	/* the -m/-X fill's bound, see tmpl_fill_add() */
	int nopos;	/* count no positional value, see tmpl_fill_add() */
	int err;
};

/*
 * Where argv strings go. With p NULL the walk only counts words (argc)
 * and bytes, terminators included; then argv and p are set and the same
 * walk fills them.
 */
struct tmplwalk_out {
	char **argv;
	char *p;
	size_t argc;
	size_t bytes;
	size_t start;	/* where the current word began */
	int estimate;	/* for tmpl_fill_add(), see tmplwalk.c */
	int nopos;	/* count no positional value, see tmpl_fill_add() */
};

void tmplwalk_shell(const struct tmpl *t, struct tmplwalk_sink *s,
		    const struct tmplwalk_vals *v);
void tmplwalk_direct(const struct tmpl *t, struct tmplwalk_out *o,
		     const struct tmplwalk_vals *v);

/*
 * The most bytes a value takes in a shell command: quoted at its longest,
 * plus the blank that may separate it from the next value (without it,
 * -m/-X, which add up one value at a time, would miss one byte per value
 * after the first).
 */
size_t tmplwalk_quoted_max(const char *p, size_t n);

#endif
