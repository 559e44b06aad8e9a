/*
 * spawn: starts one job's process and carries its output to the caller.
 * The child gets its own process group, an empty signal mask, default
 * dispositions for every signal lanes handles or ignores, a descriptor
 * for standard input (the job's own, or the default set up once), and
 * either pipes for stdout and stderr
 * (SPAWN_CAPTURE) or lanes' own. Every descriptor lanes opens is
 * close-on-exec, so a pipe end never leaks into a sibling job.
 *
 * Protocol, for each job:
 *   1. spawn_start(); on error nothing was started and the return value
 *      says why (-ENOENT: not found, -EACCES/-ENOEXEC: cannot execute,
 *      -E2BIG: argument list too long).
 *   2. With SPAWN_CAPTURE, spawn_pump() until both pipes reach EOF.
 *   3. spawn_wait() reaps the child. A job is over when both happened.
 *
 * Thread-safety: spawn_setup() once before threads start; the rest may run
 * on many threads at once, each with its own struct proc.
 * Errors: 0 or -errno; nothing is printed.
 */
#ifndef LANES_SPAWN_H
#define LANES_SPAWN_H

#include <stddef.h>
#include <spawn.h>
#include <sys/types.h>

enum {
	SPAWN_CAPTURE = 1,	/* pipes for stdout and stderr */
};

/* Seconds the pipes stay open after the child exited. */
#define SPAWN_GRACE 0.5

struct proc {
	pid_t pid;
	int out;	/* read ends, -1 when not captured or at EOF */
	int err;
	int pidfd;	/* opened on demand by spawn_wait_exit(), or -1 */
	const char *failed;	/* after a failed spawn_start(): the call
				 * that failed ("pipe2", "posix_spawn") */
};

/* A spawn_start() error that goes away when another job ends and gives
 * its descriptors or its process back: try again later. */
int spawn_transient(int rc);

/*
 * The sink receives output as it arrives: stream is 1 or 2. It returns 0,
 * or -errno to stop the pump, which then returns that value; the caller
 * kills the job and still calls spawn_wait().
 */
typedef int spawn_sink(void *ctx, int stream, const char *p, size_t n);

/* stdin_fd: descriptor the children get as standard input by default;
 * -1 for /dev/null (opened here, kept for the life of the process). */
int spawn_setup(int stdin_fd);

/*
 * Fill a fresh attr as every child of lanes gets it: an empty signal
 * mask, default dispositions for the signals lanes handles or ignores,
 * a process group of its own. For callers that spawn with their own file
 * actions (the SSH masters); release with posix_spawnattr_destroy().
 */
int spawn_attr_init(posix_spawnattr_t *attr);

/* argv[0] without a '/' is searched in PATH. stdin_fd is the child's
 * standard input, or -1 for the one given to spawn_setup(). */
int spawn_start(struct proc *pr, char *const argv[], char *const envp[],
		int stdin_fd, int flags);
/*
 * Carry output to the sink until both pipes reach EOF, or until the child
 * has exited and SPAWN_GRACE seconds passed: a job ends with its own
 * process, and a background process it left holding the pipes loses what
 * it writes later (the pipes are closed; its writes fail with EPIPE).
 * deadline is a clock_now() time, or 0 for none; reaching it while the
 * child still runs returns -ETIMEDOUT with the pipes still open (pump
 * again to drain them). A child that exited is never timed out.
 */
int spawn_pump(struct proc *pr, spawn_sink *sink, void *ctx,
	       double deadline);
/*
 * Wait until the child has exited, without reaping it (the zombie keeps its
 * pid and process group id from being reused): 0, or -ETIMEDOUT at the
 * deadline (0 for none).
 */
int spawn_wait_exit(struct proc *pr, double deadline);

/* Close any pipe still open (after a failed pump). */
void spawn_close(struct proc *pr);
/* Close both ends of a pipe(2) pair that are still open (>= 0), and
 * mark them closed (-1): the cleanup path of whoever made the pair. */
void spawn_pipe_close(int p[2]);
/* Reap the child (and close its pidfd); *status as from waitpid(). */
int spawn_wait(struct proc *pr, int *status);

#endif
