/*
 * DESIGN: the local launcher runs a job as a child process in its own
 * process group. Each slot's group is registered under l->mu right after
 * the spawn and removed only after waitid(WNOWAIT) saw the leader exit:
 * the unreaped zombie keeps the group id from being reused, so a signal
 * sent through the registry never reaches a stranger. A signal that came
 * while a job was being spawned is remembered (killsig) and sent to the
 * new group as soon as it is registered.
 *
 * A timed-out job gets the --termseq walk; what it printed before it died
 * is still drained, for at most a second, because a grandchild that left
 * the group may hold the pipe open for good.
 */
#include "launch.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

/* The kernel's limit on one argument string (MAX_ARG_STRLEN). */
#define ARG_STRLEN_MAX (32 * 4096)

struct local {
	struct launcher l;
	long arg_max;
	pthread_mutex_t mu;
	pid_t *pgid;		/* under mu: [slot], 0 when idle */
	int killsig;		/* under mu: sent to every later job */
};

void launch_terminate(struct proc *pr, const struct termseq *ts)
{
	for (size_t k = 0; ts && k < ts->n; k++) {
		kill(-pr->pid, ts->sig[k]);
		if (spawn_wait_exit(pr, clock_now() + ts->wait[k]) == 0)
			break;
	}
	/* Grandchildren left when the job's own process died go too. */
	kill(-pr->pid, SIGKILL);
	spawn_wait_exit(pr, 0);
}

/* Check what execve would refuse with E2BIG, to say which limit. */
static int check_size(const struct local *lc, const struct launch_job *j,
		      struct launch_result *res)
{
	size_t total = 0, i;

	for (i = 0; j->envp && j->envp[i]; i++)
		total += strlen(j->envp[i]) + 1 + sizeof(char *);
	for (i = 0; j->argv[i]; i++) {
		size_t n = strlen(j->argv[i]) + 1;

		if (n > ARG_STRLEN_MAX) {
			snprintf(res->msg, sizeof(res->msg), "command line "
				 "too long (%zu bytes in one argument; the "
				 "kernel allows %d)", n - 1,
				 ARG_STRLEN_MAX - 1);
			return -E2BIG;
		}
		total += n + sizeof(char *);
	}
	if (lc->arg_max > 0 && total > (size_t)lc->arg_max) {
		snprintf(res->msg, sizeof(res->msg), "command line too long "
			 "(%zu bytes with the environment; the kernel allows "
			 "%ld)", total, lc->arg_max);
		return -E2BIG;
	}
	return 0;
}

static void set_group(struct local *lc, unsigned slot, pid_t pgid)
{
	pthread_mutex_lock(&lc->mu);
	lc->pgid[slot] = pgid;
	if (pgid > 0 && lc->killsig)
		kill(-pgid, lc->killsig);
	pthread_mutex_unlock(&lc->mu);
}

static int local_run(struct launcher *l, const struct launch_job *j,
		     struct launch_result *res)
{
	struct local *lc = (struct local *)l;
	struct proc pr;
	double deadline = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	res->host = "";
	if (j->slot < 1 || j->slot > l->nslots)
		return -EINVAL;
	rc = check_size(lc, j, res);
	if (rc)
		return rc;
	rc = spawn_start(&pr, j->argv, j->envp, j->stdin_fd,
			 j->capture ? SPAWN_CAPTURE : 0);
	if (rc && spawn_transient(rc))
		snprintf(res->msg, sizeof(res->msg), "%s: %s", pr.failed,
			 strerror(-rc));
	if (rc)
		return rc;
	res->pid = pr.pid;
	set_group(lc, j->slot, pr.pid);
	if (j->timeout > 0)
		deadline = clock_now() + j->timeout;
	rc = j->capture ? spawn_pump(&pr, j->sink, j->ctx, deadline)
			: spawn_wait_exit(&pr, deadline);
	if (rc == -ETIMEDOUT) {
		res->timed_out = 1;
		launch_terminate(&pr, j->termseq);
		if (j->capture &&
		    spawn_pump(&pr, j->sink, j->ctx, clock_now() + 1) != 0)
			spawn_close(&pr);
	} else if (rc) {
		/* The sink failed (our stdout is gone) or poll did: nobody
		 * will read this job. */
		res->stopped = 1;
		spawn_close(&pr);
		kill(-pr.pid, SIGTERM);
	}
	spawn_wait_exit(&pr, 0);
	set_group(lc, j->slot, 0);
	rc = spawn_wait(&pr, &res->status);
	return rc;
}

static unsigned local_signal(struct launcher *l, int sig)
{
	struct local *lc = (struct local *)l;
	unsigned i, n = 0;

	pthread_mutex_lock(&lc->mu);
	if (sig && sig != SIGSTOP && sig != SIGCONT && sig != SIGTSTP)
		lc->killsig = sig;
	for (i = 1; i <= l->nslots; i++)
		if (lc->pgid[i] > 0) {
			if (sig)
				kill(-lc->pgid[i], sig);
			n++;
		}
	pthread_mutex_unlock(&lc->mu);
	return n;
}

static unsigned local_running(struct launcher *l)
{
	return local_signal(l, 0);
}

static void local_free(struct launcher *l)
{
	struct local *lc = (struct local *)l;

	pthread_mutex_destroy(&lc->mu);
	free(lc->pgid);
	free(lc);
}

static const struct launcher_ops local_ops = {
	.run = local_run,
	.signal = local_signal,
	.running = local_running,
	.free = local_free,
};

int launch_local_new(struct launcher **out, unsigned nslots, long arg_max)
{
	struct local *lc = calloc(1, sizeof(*lc));

	if (!lc)
		return -ENOMEM;
	lc->pgid = calloc(nslots + 1, sizeof(*lc->pgid));
	if (!lc->pgid) {
		free(lc);
		return -ENOMEM;
	}
	pthread_mutex_init(&lc->mu, NULL);
	lc->l.ops = &local_ops;
	lc->l.nslots = nslots;
	lc->arg_max = arg_max;
	*out = &lc->l;
	return 0;
}
