/*
 * optcheck: how options go together. Owns every check that involves more
 * than one option (a mode that excludes another, an option that only
 * means something beside another) and the fix-ups one option makes to
 * another (-L as xargs' -L without --pipe, --pipe's block defaults, a
 * command taken from the --joblog by --retry-failed, a lone {} command),
 * so that the rules are in one place rather than spread over the cases
 * of opts_parse()'s switch, each of which looks at its own value only.
 *
 * Thread-safety: the main thread, at the end of opts_parse().
 * Errors: misuse prints a usage error naming the options and exits with
 * status 255, as only cmd/ may.
 */
#ifndef LANES_OPTCHECK_H
#define LANES_OPTCHECK_H

#include "opts.h"

/*
 * Check o, and fix it up, once every option and the trailing COMMAND
 * and sources are in it (o->tmpdir set). seen[i] is whether the option
 * of enum opt_id i (cmd/optdef.h) was on the command line.
 */
void optcheck_opts(struct opts *o, const unsigned char *seen);

#endif
