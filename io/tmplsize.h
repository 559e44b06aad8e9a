/*
 * tmplsize: the size of a template's command before it is expanded, for
 * -s, -m and -X (cmd/input.c): tmpl_size() exactly, as xargs and GNU
 * parallel count it, and the fill, which bounds a growing line in
 * constant time per tuple. Neither allocates or expands anything.
 * Thread-safety: any thread, on a parsed template (tmpl.h).
 * Errors: none.
 */
#ifndef LANES_TMPLSIZE_H
#define LANES_TMPLSIZE_H

#include <stddef.h>

#include "tmpl.h"

/* tmpl_size() counts {host} as this many bytes. */
#define TMPL_HOST_MAX 255

/*
 * The size in bytes of the command as it is executed, what -s bounds as
 * xargs and GNU parallel count it: the sum of strlen+1 over argv in direct
 * mode, the length of the sh -c string plus one in shell mode. Exact,
 * except that seq and slot are taken as 20 digits (so never below the
 * real size); when the program name comes from an argument, so that a
 * job may run in shell mode after all ("cd" as the program), it is the
 * larger of the direct and the shell size. Cost: one pass over the
 * arguments (two in the last case), no allocation.
 */
size_t tmpl_size(const struct tmpl *t, const struct tmpl_arg *args,
		 size_t nargs);

/*
 * Filling a command line one tuple at a time with a bound that needs
 * constant time per tuple whatever the line holds already (cmd/input.c
 * measures with tmpl_size() instead, and gives tuples back when over):
 *   1. tmpl_fill_init(t, &f): f.size is the size with no arguments.
 *   2. For each tuple: copy f, tmpl_fill_add(t, &copy, tuple, n); if
 *      copy.size is over the limit, the tuple starts the next line (keep
 *      f); else f = copy.
 * f.size is never below tmpl_size() of all the arguments added so far:
 * quoted values count at their longest plus a blank, the shell form 32
 * bytes for "sh -c", a word several values split one terminator more
 * per value, and a positional replacement string ({2}, {-1}) as long as
 * the longest argument so far, as often as it is expanded.
 */
struct tmpl_fill {
	size_t size;		/* the line's size so far: read this */
	size_t nargs;		/* the rest is tmplsize.c's */
	size_t sum_direct, sum_shell;
	size_t longest, longest_quoted;
};

void tmpl_fill_init(const struct tmpl *t, struct tmpl_fill *f);
void tmpl_fill_add(const struct tmpl *t, struct tmpl_fill *f,
		   const struct tmpl_arg *args, size_t nargs);

#endif
