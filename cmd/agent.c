/*
 * DESIGN: the agent blocks SIGINT, SIGTERM and SIGHUP before any thread
 * starts; one thread waits for them and asks agentd to end every job
 * (slurmstepd sends SIGTERM when a step is cancelled, then SIGKILL after
 * KillWait, so the jobs' process groups get their termseq first).
 * SIGPIPE is ignored: a coordinator that went away is a write error.
 */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "agentd.h"
#include "die.h"
#include "mux.h"
#include "num.h"
#include "spawn.h"

extern char **environ;

/* The signal that ended the agent, for its exit status. */
static _Atomic int agent_sig;
/* The agent the signal thread stops; NULL once it is being freed. */
static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static struct agentd *live;	/* under live_mu */

static void *sig_main(void *arg)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	for (;;)
		if (sigwait(&set, &sig) == 0) {
			agent_sig = sig;
			pthread_mutex_lock(&live_mu);
			if (live)
				agentd_stop(live, sig);
			pthread_mutex_unlock(&live_mu);
		}
	return arg;
}

/* An environment number of at least 1, or 0. */
static long long env_num(const char *name)
{
	const char *s = getenv(name);
	long long v;

	if (!s || num_parse(s, 1, 1 << 20, &v))
		return 0;
	return v;
}

static unsigned default_slots(void)
{
	long long cpus = env_num("SLURM_CPUS_ON_NODE");
	long long per = env_num("SLURM_NTASKS_PER_NODE");
	long n;

	if (cpus)
		return (unsigned)(per > 1 && cpus / per ? cpus / per : cpus);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

int agent_main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "agent", no_argument, NULL, 'A' },
		{ "mux", no_argument, NULL, 'M' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "node", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	struct agentd_conf c;
	struct agentd *a = NULL;
	struct utsname un;
	pthread_t th;
	sigset_t set;
	char err[256];
	long long v;
	int opt, mux = 0, rc;

	memset(&c, 0, sizeof(c));
	c.chan = -1;
	c.in_fd = 0;
	c.out_fd = 1;
	c.arg_max = sysconf(_SC_ARG_MAX);
	c.environ = environ;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+j:", longs, NULL)) != -1) {
		switch (opt) {
		case 'A':
			break;
		case 'M':
			mux = 1;
			break;
		case 'j':
			if (num_parse(optarg, 1, 4096, &v))
				die_usage("--agent: invalid number of jobs "
					  "'%s'", optarg);
			c.slots = (unsigned)v;
			break;
		case 'N':
			c.node = optarg;
			break;
		default:
			die_usage("--agent: unknown option '%s'",
				  argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("--agent: unexpected argument '%s'", argv[optind]);
	if (mux) {
		const char *id = getenv("SLURM_PROCID");

		if (!id || num_parse(id, 0, MUX_CHAN_MAX, &v))
			die("--agent --mux: no task number in SLURM_PROCID; "
			    "the agent runs inside the coordinator's srun "
			    "step");
		c.chan = (int)v;
	}
	if (!c.slots)
		c.slots = default_slots();
	if (!c.node)
		c.node = getenv("SLURMD_NODENAME");
	if (!c.node || !*c.node)
		c.node = uname(&un) == 0 ? un.nodename : "?";

	rc = spawn_setup(-1);
	if (rc)
		die("cannot set up process spawning: %s", strerror(-rc));
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	rc = pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (rc)
		die("cannot block signals: %s", strerror(rc));
	rc = agentd_new(&a, &c);
	if (rc)
		die("agent on %s: %s", c.node, strerror(-rc));
	live = a;
	rc = pthread_create(&th, NULL, sig_main, NULL);
	if (rc)
		die("cannot start the signal thread: %s", strerror(rc));
	pthread_detach(th);
	rc = agentd_run(a, err, sizeof(err));
	if (rc == -EINTR) {
		rc = 128 + (agent_sig ? agent_sig : SIGTERM);
	} else if (rc == -EPIPE && !err[0]) {
		rc = 0;
	} else if (rc) {
		error("agent on %s: %s", c.node,
		      err[0] ? err : strerror(-rc));
		rc = EXIT_LANES;
	}
	pthread_mutex_lock(&live_mu);
	live = NULL;
	pthread_mutex_unlock(&live_mu);
	agentd_free(a);
	return rc;
}
