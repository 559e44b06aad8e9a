/*
 * launch: the one seam between what a job runs and where it runs. A
 * launcher starts one job's command, carries its output to a sink it is
 * given, says how the job ended, and can signal every job it is running
 * (each job's whole process tree). The local launcher (this module) spawns
 * with posix_spawn; the SSH launcher and the Slurm agents implement the
 * same operations. Nothing above a launcher (reader, pool, emitter, job
 * log, exit status) knows which one ran a job.
 *
 * Protocol:
 *   1. Create a launcher (launch_local_new(), or a remote one); its
 *      nslots is the number of job slots it offers (the pool's workers).
 *   2. On the worker of slot s, for each try of a job: fill a struct
 *      launch_job and call launch_run(). It starts the command, pumps its
 *      output into the sink until the job ended, applies the timeout with
 *      the --termseq walk, and fills the struct launch_result.
 *   3. From any thread at any time: launch_signal() sends a signal to
 *      every job running now and, for a signal that ends jobs (not 0,
 *      SIGSTOP, SIGTSTP or SIGCONT), to every job that starts afterwards
 *      (a stop that raced with a spawn must not miss it);
 *      launch_running() counts running jobs.
 *   4. launch_free() once no worker is inside launch_run().
 *
 * Thread-safety: launch_run() from many workers at once, one job per slot;
 * launch_signal() and launch_running() from any thread.
 * Errors: launch_run() returns 0 once a job ran (whatever its exit status)
 * and -errno when it could not start it, with res->msg saying why where
 * errno alone does not. A start that failed for want of descriptors or
 * processes (spawn_transient()) may work once another job has ended; the
 * caller decides whether to wait and try again. Nothing is printed.
 */
#ifndef LANES_LAUNCH_H
#define LANES_LAUNCH_H

#include <stddef.h>
#include <sys/types.h>

#include "spawn.h"

/* --termseq: the signals a timed-out or halted job gets, and the waits
 * after each; SIGKILL follows the last. */
struct termseq {
	int sig[8];
	double wait[8];
	size_t n;
};

struct launch_job {
	unsigned long long seq;		/* {#} */
	unsigned slot;			/* {%}: 1..nslots */
	char *const *argv;		/* what to execute; argv[0] is searched
					 * in PATH */
	const char *cmdline;		/* the same command as one line for a
					 * shell, for launchers that hand it
					 * to a remote shell */
	char *const *envp;		/* the whole environment (local) */
	int stdin_fd;			/* the job's standard input; -1 for
					 * the launcher's default */
	int capture;			/* 1: output to the sink; 0: the job
					 * writes to lanes' own stdout/err */
	double timeout;			/* seconds, 0 for none */
	const struct termseq *termseq;
	spawn_sink *sink;		/* receives output when capture is 1 */
	void *ctx;
};

struct launch_result {
	pid_t pid;			/* local pid, for messages; 0 if none */
	int status;			/* as from waitpid() */
	int timed_out;			/* ended by the timeout */
	int stopped;			/* the sink failed: the job was ended */
	const char *host;		/* where it ran ("" locally); stays
					 * valid until launch_free() */
	int host_failed;		/* the host, not the job, failed: the
					 * job may run again elsewhere */
	char msg[256];			/* a reason, when the launcher has a
					 * better one than errno */
};

struct launcher;

struct launcher_ops {
	int (*run)(struct launcher *l, const struct launch_job *j,
		   struct launch_result *res);
	unsigned (*signal)(struct launcher *l, int sig);
	unsigned (*running)(struct launcher *l);
	void (*free)(struct launcher *l);
};

struct launcher {
	const struct launcher_ops *ops;
	unsigned nslots;
};

static inline int launch_run(struct launcher *l, const struct launch_job *j,
			     struct launch_result *res)
{
	return l->ops->run(l, j, res);
}

/* Returns the number of jobs signalled (with sig 0: running). */
static inline unsigned launch_signal(struct launcher *l, int sig)
{
	return l->ops->signal(l, sig);
}

static inline unsigned launch_running(struct launcher *l)
{
	return l->ops->running(l);
}

static inline void launch_free(struct launcher *l)
{
	if (l)
		l->ops->free(l);
}

/*
 * The local launcher: nslots slots on this machine. arg_max is the
 * kernel's limit on argv plus environment (sysconf(_SC_ARG_MAX)), checked
 * before spawning so a too long command gets a message that says which
 * limit it broke. spawn_setup() must have run.
 */
int launch_local_new(struct launcher **out, unsigned nslots, long arg_max);

/*
 * Walk a termseq over one process group: each signal, then up to its
 * wait for the group leader to exit; SIGKILL at the end. For launchers
 * that run a local process per job (ssh runs one too).
 */
void launch_terminate(struct proc *pr, const struct termseq *ts);

#endif
