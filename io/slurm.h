/*
 * slurm: the launcher (launch.h) that runs jobs on the nodes of a Slurm
 * allocation. It starts ONE job step, srun with one task per node, each
 * task running this lanes binary as an agent (lanes --agent --mux), and
 * talks to the agents over the step's standard input and output with the
 * wire protocol (wire.h) carried by the mux (mux.h). A job goes to a
 * free slot of a live agent; its output comes back in bounded chunks
 * under credit; res->host is the node's name. An agent that ends (its
 * task killed or failed, a malformed frame) takes its slots out: jobs
 * running there end with host_failed set and a message that names the
 * node, later jobs go to the nodes left.
 *
 * Protocol:
 *   1. slurm_launcher_new() inside an allocation: starts the step, waits
 *      for every agent's hello; nslots = the slots they offer (or
 *      per_node each).
 *   2.-4. As for any launcher (launch.h). launch_free() says bye to the
 *      agents, closes the step's input and reaps srun.
 *
 * Thread-safety: as launch.h says for every launcher.
 * Errors: slurm_launcher_new() returns -errno with a one-line reason in
 * err (-ENOENT outside an allocation, saying how to get one). run()
 * returns -EHOSTDOWN with res->host_failed set when the node failed.
 * Nothing is printed; srun's own diagnostics pass through to stderr.
 */
#ifndef LANES_SLURM_H
#define LANES_SLURM_H

#include <stddef.h>

#include "launch.h"

struct slurm_conf {
	const char *self;	/* the lanes binary; NULL: /proc/self/exe */
	const char *srun;	/* the srun program; NULL: "srun" */
	unsigned per_node;	/* slots per node; 0: what Slurm gave */
	char *const *envp;	/* srun's environment */
};

int slurm_launcher_new(struct launcher **out, const struct slurm_conf *c,
		       char *err, size_t errlen);

#endif
