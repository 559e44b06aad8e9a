/*
 * input: turns the input sources (stdin, -a files, ::: values, :::: files)
 * into the argument list of each job. Sources are combined as a cartesian
 * product (the first varying slowest) or, where linked, in lockstep
 * (:::+ stops at the shortest, --link wraps the shorter ones around);
 * records may be split into columns (--colsep), trimmed (--trim, implied
 * rl by --colsep as in GNU parallel), named by a header line (--header),
 * skipped when blank (-r), and grouped several to a job (-N, -n, -m, -X).
 *
 * Memory: the first source is streamed one record at a time when it is
 * not linked to others; every other source is held in memory, because the
 * product walks it again for each record of the first. So memory grows
 * with the size of the second and later sources, never with the number of
 * jobs.
 *
 * Thread-safety: the reader (main) thread only.
 * Errors: 0 / 1 or -errno, with a message for the user in err.
 */
#ifndef LANES_INPUT_H
#define LANES_INPUT_H

#include <stddef.h>

#include "opts.h"
#include "tmpl.h"

struct input;

/*
 * Open every source now, so that an unreadable file is reported before any
 * job runs. t is the template (NULL when each record is a command); it
 * sizes command lines, which hold at most max_chars bytes (0: no limit)
 * counted as tmpl_size() counts them: -m/-X fill them up to that, and a
 * record that cannot fit is an error (-E2BIG, "command line too long", as
 * in xargs and GNU parallel). With --header the first value of each source
 * is read now: its columns name {NAME}, see input_columns(); parse the
 * template with them, then give it with input_set_tmpl().
 */
int input_open(struct input **out, const struct opts *o,
	       const struct tmpl *t, size_t max_chars, char *err,
	       size_t errlen);

/* The --header column names, in argument order; valid until close. */
void input_columns(const struct input *in, char *const **names, size_t *n);

/* Set the template and limit after input_open(), before input_next(). */
void input_set_tmpl(struct input *in, const struct tmpl *t,
		    size_t max_chars);

/*
 * The next job's arguments: 1 with args/nargs valid until the next call,
 * 0 at the end of input, -errno on a read error.
 */
int input_next(struct input *in, const struct tmpl_arg **args,
	       size_t *nargs, char *err, size_t errlen);

void input_close(struct input *in);

#endif
