/*
 * agentd: the agent's side of the wire protocol (wire.h). Reads frames
 * from the coordinator, runs each job on this machine with the local
 * launcher (launch.h: same spawning, process groups, timeouts and
 * capture as local jobs), streams the output back in bounded chunks
 * under the coordinator's credit, and reports each job's end. Nothing of
 * a job outlives agentd_run(): on end of input, a write error, a
 * malformed frame or agentd_stop(), every job's process group gets the
 * last --termseq the coordinator sent (SIGTERM, 2 s, then SIGKILL if it
 * sent none) and agentd_run() returns once all are reaped.
 *
 * Protocol, for the program that hosts an agent (cmd/agent.c):
 *   1. spawn_setup() with /dev/null: the agent's stdin is the protocol.
 *   2. agentd_new(), then agentd_run() on the thread that reads input.
 *   3. agentd_stop() from any thread (a signal thread) to end it early.
 *   4. agentd_free() after agentd_run() returned.
 *
 * Thread-safety: agentd_stop() from any thread; the rest from one.
 * Errors: agentd_run() returns 0 after the coordinator's BYE, -EPIPE when
 * its input ended between frames (err empty: the coordinator is gone) or
 * output broke, -EPROTO for a malformed, truncated or unexpected frame,
 * -ECONNABORTED when the coordinator sent ERROR, -EINTR after
 * agentd_stop(), other -errno; err then says why in one line. Nothing is
 * printed.
 */
#ifndef LANES_AGENTD_H
#define LANES_AGENTD_H

#include <stddef.h>

struct agentd_conf {
	int in_fd;		/* frames from the coordinator */
	int out_fd;		/* frames to it */
	int chan;		/* mux.h channel (the srun task number), or
				 * -1 for a plain byte stream (ssh) */
	unsigned slots;		/* offered; the coordinator may ask for
				 * another number */
	const char *node;	/* this node's name, for the hello */
	long arg_max;		/* sysconf(_SC_ARG_MAX) */
	char *const *environ;	/* jobs' base environment */
};

struct agentd;

int agentd_new(struct agentd **out, const struct agentd_conf *c);
int agentd_run(struct agentd *a, char *err, size_t errlen);
void agentd_stop(struct agentd *a, int sig);
void agentd_free(struct agentd *a);

#endif
