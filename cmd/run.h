/*
 * run: the jobs of one lanes invocation. Owns each job from submission to
 * the moment its result is printed: the worker function that expands the
 * template and hands the command to a launcher (io/launch.h), the
 * emitter that prints results (emit.h), the counts that --halt and the
 * progress display read, stopping, and the exit status.
 *
 * Protocol (main thread):
 *   1. run_new() starts the emitter.
 *   2. run_submit() for each job's arguments; it blocks while the reorder
 *      window is full and returns -ECANCELED once lanes is stopping.
 *   3. run_wait() waits for every job and returns the exit status.
 *   4. run_free().
 * run_stop() may be called from any thread (the signal thread) until
 * run_free().
 */
#ifndef LANES_RUN_H
#define LANES_RUN_H

#include <stddef.h>

#include "joblog.h"
#include "opts.h"
#include "tmpl.h"

struct run;

/*
 * t is NULL when each record is a command line. launcher is where the
 * jobs run, with o->jobs slots (run_new() takes it, even on failure), or
 * NULL for this machine's local launcher. Opens the job log, the
 * --results directory and the log to resume from, and starts the progress
 * display. Returns 0, or -errno with a message for the user in err.
 */
int run_new(struct run **out, const struct opts *o, const struct tmpl *t,
	    const struct tmpl *tagstring, struct launcher *launcher,
	    char *err, size_t errlen);

/*
 * Copies the arguments. The job gets the next sequence number when seq is
 * 0, or seq (--retry-failed reruns jobs under their old numbers). A job
 * that --resume says is done is skipped. With --resume*, the command of a
 * logged number must be the one the log shows; when it differs,
 * run_submit() says so and returns -ESTALE, and no job has started
 * (jobs up to the highest logged number wait until all were checked).
 * 0, -ECANCELED when stopping, or -errno.
 */
int run_submit(struct run *r, unsigned long long seq,
	       const struct tmpl_arg *args, size_t nargs);

/*
 * --pipe: in place of step 2, cut the input into blocks and submit a job
 * for each (with --round-robin, -j jobs that take them in turn). Returns
 * 0, or -errno with a message for the user in err (a read error; the jobs
 * already submitted still run).
 */
int run_pipe(struct run *r, char *err, size_t errlen);

/* The input is read to its end: the total number of jobs is now known. */
void run_input_done(struct run *r);

/* The job log loaded for --resume and friends, or NULL. */
const struct joblog *run_resume_log(struct run *r);

/* Wait for all jobs and return lanes' exit status: 0, the number of
 * failed jobs (101 for more than 100), the status of the job that made
 * --halt stop, or 128 + the signal that stopped lanes. */
int run_wait(struct run *r);
void run_free(struct run *r);

/*
 * Start no new job and send sig (if not 0) to every running job's process
 * group. cause is the signal that made lanes stop (the first one counts):
 * once every job has been accounted for, lanes exits with 128 + cause.
 * Called again with SIGKILL it ends the jobs for good.
 */
void run_stop(struct run *r, int cause, int sig);

/* Ctrl-Z: stop (stop = 1) or continue (0) every running job, whose own
 * process groups the terminal's signal does not reach. Any thread. */
void run_pause(struct run *r, int stop);

#endif
