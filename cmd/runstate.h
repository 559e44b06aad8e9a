/*
 * runstate: what the run (run.c) and the work on each job slot (work.c)
 * share: the per-slot state and struct run. Only those two include it;
 * everything else sees struct run as opaque (run.h).
 *
 * Thread-safety: fields marked "under mu" are read and written with
 * r->mu held; the rest is set up by run_new() before any worker starts
 * and read-only afterwards, except a slot's state, which only the worker
 * of that slot touches.
 */
#ifndef LANES_RUNSTATE_H
#define LANES_RUNSTATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "bulk.h"
#include "emit.h"
#include "fetch.h"
#include "joblog.h"
#include "launch.h"
#include "opts.h"
#include "pool.h"
#include "progress.h"
#include "remote.h"
#include "tmpl.h"

/* Per-slot state, touched only by the worker that owns the slot. */
struct slot {
	char **envp;
	char seq[40], num[40];
	char pseq[48], pslot[48];	/* GNU parallel's names, too */
	struct fetch_slot *fetch;
};

struct run {
	const struct opts *o;
	struct opts ropts;	/* with -S: the options, -j the sum of the
				 * hosts' slots */
	struct remote *remote;	/* -S/--slf, else NULL */
	struct remote_names tf, ret;	/* --transferfile, --return */
	const struct tmpl *t;
	struct pool *pool;
	struct emitter emit;
	struct launcher *launcher;
	const char *shell;
	char **env;		/* environ without what slot_env sets */
	size_t nenv;
	char pid_env[40];	/* PARALLEL_PID=, as GNU parallel sets it */
	struct slot *slots;	/* [1..jobs] */
	int want_cmdline;	/* keep each job's command line */
	struct joblog resume;	/* --resume*: what a previous run did */
	int have_resume;
	/* --resume checks each logged command against the one it would
	 * run now; jobs it must run wait in held until every logged number
	 * was checked, so a changed input stops lanes before anything runs.
	 * Reader thread only. */
	unsigned long long resume_max;	/* the highest logged number */
	int resume_check;
	struct job **held;
	size_t nheld, heldcap;
	unsigned long long nskipped;	/* under mu: done in the log */
	int joblog_fd;		/* -1 without --joblog */
	int results_fd;		/* -1 without --results DIR */
	int table_fd;		/* -1 without --results NAME.tsv... */
	struct progress *progress;
	struct fetch *fetch;	/* --download: the run's transfers, or NULL */
	struct bulk *bulk;	/* --pipe: blocks and feeders, or NULL */
	char *pipe_seps;	/* --recend and --recstart, unescaped */

	pthread_mutex_t mu;
	pthread_cond_t cv;	/* stopping changed; for timed waits */
	int stopping;		/* under mu */
	int stopsig;		/* under mu: the signal that stopped us */
	unsigned long long nsubmitted;	/* under mu */
	unsigned long long total;	/* under mu: 0 while unknown */
	_Atomic unsigned long long nstarted;
	unsigned long long ndone;	/* under mu */
	unsigned long long nfailed;	/* under mu */
	unsigned long long nsucceeded;	/* under mu */
	int out_err;		/* under mu: a write to our stdout failed */
	int halted;		/* under mu */
	int halt_status;	/* under mu */
	double next_start;	/* under mu: --delay */
	unsigned long long nturns;	/* under mu: jobs given a turn */
	unsigned nrunning;	/* under mu: jobs inside launch_run() */
	unsigned cap;		/* under mu: at most this many at once */
	int cap_said;		/* under mu: the lower cap was announced */
	unsigned long long next_turn;	/* under mu: whose start is next */
};

/* Is the run stopping (a signal, a closed stdout, --halt)? Any thread. */
int run_stopping(struct run *r);

/* The emitter's or a worker's write to our stdout failed (-errno): stop,
 * quietly for EPIPE. Any thread. */
void run_stdout_failed(void *ctx, int rc);

#endif
