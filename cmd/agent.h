/*
 * agent: `lanes --agent`, the program an agent runs on each node. It
 * speaks the wire protocol on its standard input and output (through the
 * mux with --mux, as in a Slurm step) and runs the jobs it is sent with
 * the local launcher (io/agentd.h does the work). The coordinator starts
 * it; users do not.
 *
 * main() calls agent_main() when its first argument is --agent, before
 * anything else is set up: the agent has its own few options
 *   --agent         required, first
 *   --mux           stream = base64 lines on channel $SLURM_PROCID
 *   -j, --jobs N    slots to offer (default: $SLURM_CPUS_ON_NODE divided
 *                   by $SLURM_NTASKS_PER_NODE, else the online CPUs)
 *   --node NAME     name in the hello (default: $SLURMD_NODENAME, else
 *                   the host name)
 * Thread-safety: called once, from main. Prints its own diagnostics.
 * Exit status: 0 after the coordinator's bye or when its input ended;
 * 128+N when ended by signal N; 255 on a protocol or setup error.
 */
#ifndef LANES_AGENT_H
#define LANES_AGENT_H

int agent_main(int argc, char **argv);

#endif
