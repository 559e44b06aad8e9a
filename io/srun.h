/*
 * srun: one srun process with pipes for its standard input, output and
 * error. Its standard error passes through to ours line by line, and
 * srun's reports that a task ended ("srun: error: n2: task 1: Killed",
 * "tasks 0-2: ...") go to a callback, because a task that dies says
 * nothing on the step's standard output, which srun keeps open for the
 * other tasks.
 *
 * Protocol:
 *   1. srun_start(): srun runs in its own process group (a Ctrl-C on the
 *      terminal reaches lanes, which ends the jobs through the agents,
 *      not srun, which would abort the step); `to` and `from` are ours.
 *   2. The caller closes `to` (and sets it to -1) when it is done.
 *   3. srun_reap(): waits for srun, ending it if it lingers. Then the
 *      caller closes `from` once nothing reads it any more (srun's end
 *      is what ends a reader of it).
 *
 * Thread-safety: task_ended is called on srun's own stderr thread.
 * Errors: srun_start() returns -errno with a reason in err. Nothing else
 * is printed than what srun itself writes to its standard error.
 */
#ifndef LANES_SRUN_H
#define LANES_SRUN_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

struct srun {
	pid_t pid;
	int to;			/* srun's standard input */
	int from;		/* srun's standard output */
	int errfd;		/* srun's standard error, for its thread */
	pthread_t errthr;
	int have_errthr;
	void (*task_ended)(void *ctx, unsigned task, const char *why);
	void *ctx;
};

/* argv[0] is searched in PATH; r->task_ended and r->ctx set before. */
int srun_start(struct srun *r, char *const argv[], char *const envp[],
	       char *err, size_t errlen);
/* Close `to`; wait up to grace seconds, then SIGTERM and SIGKILL srun. */
void srun_reap(struct srun *r, double grace);

#endif
