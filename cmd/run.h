/*
 * run: the jobs of one lanes invocation. Owns each job from submission to
 * the moment its result is printed: the worker function that expands the
 * template, spawns the process and captures its output, the emitter thread
 * that prints results in completion or input order, the registry of
 * running process groups that signals and a closed stdout act on, and the
 * count of failed jobs that decides the exit status.
 *
 * Protocol (main thread):
 *   1. run_new() starts the emitter.
 *   2. run_submit() for each job's arguments; it blocks while the reorder
 *      window is full and returns -ECANCELED once lanes is stopping.
 *   3. run_finish() waits for every job and returns the exit status.
 * run_stop() may be called from any thread (the signal thread) at any time.
 */
#ifndef LANES_RUN_H
#define LANES_RUN_H

#include <stddef.h>

#include "opts.h"
#include "tmpl.h"

struct run;

/* t is NULL when each record is a command line. Returns 0 or -errno. */
int run_new(struct run **out, const struct opts *o, const struct tmpl *t,
	    const struct tmpl *tagstring);

/* Copies the arguments. 0, -ECANCELED when stopping, or -errno. */
int run_submit(struct run *r, const struct tmpl_arg *args, size_t nargs);

/* Wait for all jobs, free everything, return lanes' exit status. */
int run_finish(struct run *r);

/*
 * Start no new job and send sig (if not 0) to every running job's process
 * group. cause is the signal that made lanes stop (the first one counts):
 * once every job has been accounted for, lanes exits with 128 + cause.
 * Called again with SIGKILL it ends the jobs for good.
 */
void run_stop(struct run *r, int cause, int sig);

/* The signal that stopped the run (0 if none), for the exit status. */
int run_stopped_by(struct run *r);

#endif
