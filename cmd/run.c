/*
 * DESIGN: the reader (main thread) wraps each job's arguments in a struct
 * job and submits it to the pool. A worker expands the template for its
 * slot and hands the command to the launcher, with the emitter's sink for
 * its output; the emitter thread takes finished jobs from the pool and
 * prints them (see emit.c). The run wires the two together and owns what
 * they share: the counts that --halt and the progress display read, and
 * stopping.
 *
 * Stopping (a signal, a closed stdout, or --halt) cancels the pool, so no
 * queued job starts, and has the launcher signal every running job's
 * process group (a job that is being spawned at that moment is signalled
 * as soon as it exists). Once stopping, the emitter drains what is left
 * and the run ends the process from the emitter thread, because the
 * reader may be blocked for good in read().
 *
 * A job's life on its worker: wait for its turn (--delay, --memfree,
 * --load), run it up to --retries times (each try discards the output of
 * the one before), write --results, then count it for --halt and the
 * progress display. The emitter then prints it and writes its job log
 * line.
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdatomic.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "bulk.h"
#include "clock.h"
#include "cmdline.h"
#include "die.h"
#include "emit.h"
#include "fetch.h"
#include "job.h"
#include "joblog.h"
#include "launch.h"
#include "pool.h"
#include "progress.h"
#include "quote.h"
#include "remote.h"
#include "report.h"

/* Per-slot state, touched only by the worker that owns the slot. */
struct slot {
	char **envp;
	char seq[40], num[40];
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
	char **env;		/* environ without LANES_SEQ/LANES_SLOT */
	size_t nenv;
	struct slot *slots;	/* [1..jobs] */
	int want_cmdline;	/* keep each job's command line */
	struct joblog resume;	/* --resume*: what a previous run did */
	int have_resume;
	int joblog_fd;		/* -1 without --joblog */
	int results_fd;		/* -1 without --results */
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

void run_stop(struct run *r, int cause, int sig)
{
	pthread_mutex_lock(&r->mu);
	if (!r->stopping)
		r->stopsig = cause;
	r->stopping = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (sig)
		launch_signal(r->launcher, sig);
	pool_cancel(r->pool);
	if (r->bulk)
		bulk_cancel(r->bulk);
	if (r->o->download)
		fetch_stop(r->fetch);
}

void run_pause(struct run *r, int stop)
{
	launch_signal(r->launcher, stop ? SIGSTOP : SIGCONT);
}

/*
 * A write to our stdout failed. A reader that went away (EPIPE, as with
 * | head) ends lanes quietly with 141; any other error (a full disk) would
 * lose every job's output from here on, so it is said once and lanes stops
 * the same way, exiting 255. Any thread.
 */
static void stdout_failed(void *ctx, int rc)
{
	struct run *r = ctx;
	int first;

	if (rc == -EPIPE) {
		run_stop(r, SIGPIPE, SIGTERM);
		return;
	}
	pthread_mutex_lock(&r->mu);
	first = !r->out_err;
	if (first)
		r->out_err = rc;
	pthread_mutex_unlock(&r->mu);
	if (first)
		error("cannot write to standard output: %s", strerror(-rc));
	run_stop(r, 0, SIGTERM);
}

static int stopping(struct run *r)
{
	int st;

	pthread_mutex_lock(&r->mu);
	st = r->stopping;
	pthread_mutex_unlock(&r->mu);
	return st;
}

/* Sleep on r->cv until clock_now() reaches t or a stop; r->mu held. */
static void wait_until(struct run *r, double t)
{
	while (!r->stopping &&
	       clock_timedwait(&r->cv, &r->mu, t) != ETIMEDOUT)
		;
}

/*
 * --halt now: walk the --termseq over every running job until none is
 * left; whatever outlives the walk gets SIGKILL, as a timed-out job does.
 */
static void terminate_all(struct run *r)
{
	const struct termseq *ts = &r->o->termseq;

	for (size_t k = 0; k <= ts->n; k++) {
		int sig = k < ts->n ? ts->sig[k] : SIGKILL;
		double until = clock_now() + (k < ts->n ? ts->wait[k] : 0);

		if (!launch_signal(r->launcher, sig))
			return;
		/* Poll briefly for the groups to go away. */
		while (clock_now() < until) {
			usleep(5000);
			if (!launch_running(r->launcher))
				return;
		}
	}
}

static int slot_env(struct run *r, struct slot *s, unsigned slot,
		    unsigned long long seq)
{
	if (!s->envp) {
		s->envp = calloc(r->nenv + 3, sizeof(*s->envp));
		if (!s->envp)
			return -ENOMEM;
		memcpy(s->envp, r->env, r->nenv * sizeof(*s->envp));
		s->envp[r->nenv] = s->seq;
		s->envp[r->nenv + 1] = s->num;
		snprintf(s->num, sizeof(s->num), "LANES_SLOT=%u", slot);
	}
	snprintf(s->seq, sizeof(s->seq), "LANES_SEQ=%llu", seq);
	return 0;
}

/* The remote shell gets one command line: a direct command's words are
 * quoted back into one. */
static int remote_cmdline(const struct tmpl_cmd *cmd, struct buf *line)
{
	size_t i;
	int rc = 0;

	if (!cmd->direct)
		return buf_add(line, buf_str(&cmd->shell), cmd->shell.len);
	for (i = 0; i < cmd->argc && !rc; i++) {
		if (i)
			rc = buf_addch(line, ' ');
		if (!rc)
			rc = quote_shell(line, cmd->argv[i],
					 strlen(cmd->argv[i]));
	}
	return rc;
}

/* Why a launcher could not start a job, as a shell would say it. */
static void start_failed(struct job *j, int rc, const char *prog,
			 const struct launch_result *res)
{
	if (res->msg[0])
		job_fail(j, 126, "job %llu: %s", j->seq, res->msg);
	else if (rc == -ENOENT)
		job_fail(j, 127, "job %llu: '%s': command not found", j->seq,
			 prog);
	else if (rc == -E2BIG)
		job_fail(j, 126, "job %llu: command line too long", j->seq);
	else if (rc == -EACCES)
		job_fail(j, 126, "job %llu: '%s': permission denied", j->seq,
			 prog);
	else
		job_fail(j, 126, "job %llu: '%s': %s", j->seq, prog,
			 strerror(-rc));
}

/* How the job ended, from the launcher's result. */
static void job_ended(struct job *j, const struct launch_result *res)
{
	int status = res->status;

	if (WIFEXITED(status)) {
		j->status = WEXITSTATUS(status);
		j->failed = j->status != 0;
	} else if (WIFSIGNALED(status)) {
		j->sig = WTERMSIG(status);
		j->status = 128 + j->sig;
		j->failed = 1;
	}
	if (res->timed_out) {
		j->timed_out = 1;
		j->failed = 1;
		if (!j->sig)
			j->sig = SIGKILL;
		j->status = 128 + j->sig;
	}
}

/*
 * Run a job on the launcher, within the number of jobs this machine has
 * shown it can hold. A start that fails for want of descriptors or
 * processes while other jobs run is not the job's fault: the limit drops
 * to the jobs running now (said once), and the job waits for one of them
 * to end and tries again. Only a job that cannot start while nothing
 * else runs fails.
 */
static int launch(struct run *r, const struct launch_job *lj,
		  unsigned onhost, struct launch_result *res)
{
	int rc;

	for (;;) {
		unsigned others;

		pthread_mutex_lock(&r->mu);
		while (!r->stopping && r->nrunning >= r->cap)
			pthread_cond_wait(&r->cv, &r->mu);
		r->nrunning++;
		pthread_mutex_unlock(&r->mu);
		rc = onhost ? remote_run_on(r->remote, onhost - 1, lj, res) :
			      launch_run(r->launcher, lj, res);
		pthread_mutex_lock(&r->mu);
		others = --r->nrunning;
		pthread_cond_broadcast(&r->cv);
		if (!rc || !spawn_transient(rc) || !others || r->stopping) {
			pthread_mutex_unlock(&r->mu);
			return rc;
		}
		if (others < r->cap) {
			r->cap = others;
			if (!r->cap_said++)
				error("cannot start more jobs (%s): running at "
				      "most %u at once from now on", res->msg,
				      others);
		}
		pthread_mutex_unlock(&r->mu);
	}
}

static void run_job(struct run *r, struct job *j, struct slot *s)
{
	const struct opts *o = r->o;
	struct tmpl_job tj = { j->args, j->nargs, j->seq, j->slot,
			       j->host };
	struct tmpl_arg name_arg;
	struct bulk_try bt;
	const char *name = NULL;
	int stdin_fd = -1, began = 0;
	struct emit_ctx ec = { &r->emit, j };
	struct launch_job lj;
	struct launch_result res;
	struct tmpl_cmd cmd;
	struct buf remote_line = BUF_INIT;
	size_t hostfails;
	char *shargv[4];
	int want_display = o->verbose || o->dry_run || r->want_cmdline;
	int rc;

	memset(&cmd, 0, sizeof(cmd));
	if (r->bulk && !o->dry_run) {
		/* The block goes in before the command is expanded: with
		 * --cat and --fifo, {} is where it is. */
		rc = bulk_begin(r->bulk, j->slot,
				j->block.seq ? &j->block : NULL, &bt,
				&stdin_fd, &name);
		if (rc) {
			job_fail(j, 126, "job %llu: cannot hand over its "
				 "block: %s", j->seq, strerror(-rc));
			goto out_nocmd;
		}
		began = 1;
		if (name) {
			name_arg.p = name;
			name_arg.len = strlen(name);
			tj.args = &name_arg;
			tj.nargs = 1;
		}
	}
	if (r->t)
		rc = tmpl_expand(r->t, &tj, &cmd, want_display);
	else
		rc = cmdline_expand(j->args, j->nargs, o->use_shell_env, &cmd);
	if (rc == -EILSEQ) {
		job_fail(j, 126, "job %llu: an argument contains a NUL byte, "
			 "which a command line cannot hold", j->seq);
		goto out;
	}
	if (rc) {
		job_fail(j, 126, "job %llu: %s", j->seq, strerror(-rc));
		goto out;
	}
	if (r->want_cmdline) {
		buf_reset(&j->cmdline);
		buf_add(&j->cmdline, buf_str(&cmd.display), cmd.display.len);
	}
	if (o->verbose || o->dry_run) {
		buf_addch(&cmd.display, '\n');
		rc = emit_print(&r->emit, j, cmd.display.p, cmd.display.len);
		if (o->dry_run || rc)
			goto out;
	}
	memset(&lj, 0, sizeof(lj));
	if (cmd.direct) {
		if (cmd.argc == 0)
			goto out;	/* a blank command line does nothing */
		lj.argv = cmd.argv;
	} else {
		shargv[0] = (char *)r->shell;
		shargv[1] = (char *)"-c";
		shargv[2] = cmd.shell.p ? cmd.shell.p : (char *)"";
		shargv[3] = NULL;
		lj.argv = shargv;
	}
	rc = slot_env(r, s, j->slot, j->seq);
	if (rc) {
		job_fail(j, 126, "job %llu: %s", j->seq, strerror(-rc));
		goto out;
	}
	lj.seq = j->seq;
	lj.slot = j->slot;
	lj.envp = s->envp;
	lj.stdin_fd = stdin_fd;
	lj.capture = r->emit.pol.sink != SINK_DIRECT;
	lj.timeout = o->timeout;
	lj.termseq = &o->termseq;
	lj.sink = emit_sink;
	lj.ctx = &ec;
	if (r->remote) {
		rc = remote_cmdline(&cmd, &remote_line);
		if (rc) {
			job_fail(j, 126, "job %llu: %s", j->seq,
				 strerror(-rc));
			goto out;
		}
		lj.cmdline = buf_str(&remote_line);
	}
	j->ran = 1;
	for (hostfails = 0;; hostfails++) {
		rc = launch(r, &lj, j->onhost, &res);
		/* A host that failed under the job: say so once, drop what
		 * the job printed there and run it on another host; at most
		 * once per host, so a run whose hosts all die still ends.
		 * This is not a --retries try. (A Slurm node's failure is
		 * the run's retry loop's; an --onall job stays on its
		 * host.) */
		if (!res.host_failed || !r->remote)
			break;
		if (j->onhost) {
			if (!res.msg[0])
				snprintf(res.msg, sizeof(res.msg),
					 "host %s is down", j->host);
			break;
		}
		if (res.msg[0])
			error("%s", res.msg);
		if (hostfails >= remote_nhosts(r->remote) || stopping(r))
			break;
		emit_job_end(&r->emit, j);
		job_reset(j);
	}
	snprintf(j->host, sizeof(j->host), "%s", res.host ? res.host : "");
	if (rc) {
		/* A job whose node failed under it did run: log it. */
		j->ran = res.host_failed;
		start_failed(j, rc, lj.argv[0], &res);
		goto out;
	}
	job_ended(j, &res);
	/* The job ran, but a launcher step around it failed (a remote
	 * --return): the job counts as failed, with the reason. */
	if (res.msg[0] && !res.timed_out)
		job_fail(j, j->status ? j->status : 1, "job %llu: %s", j->seq,
			 res.msg);
	if (res.timed_out)
		job_fail(j, j->status, "job %llu (pid %d) timed out after %gs",
			 j->seq, (int)res.pid, o->timeout);
out:
	tmpl_cmd_release(&cmd);
	buf_release(&remote_line);
out_nocmd:
	if (began) {
		/* A job that stopped reading its block is no error of
		 * lanes: its exit status says how it went. */
		rc = bulk_end(r->bulk, j->slot, &bt, &j->sent);
		if (rc && !j->failed)
			job_fail(j, 1, "job %llu: cannot feed its block: %s",
				 j->seq, strerror(-rc));
	}
	emit_job_end(&r->emit, j);
}

/* MemAvailable from /proc/meminfo in bytes, or -1 if unknown. */
static long long mem_available(void)
{
	char line[256];
	long long kb = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

static int too_busy(const struct opts *o)
{
	double load;

	if (o->memfree > 0) {
		long long avail = mem_available();

		if (avail >= 0 && avail < o->memfree)
			return 1;
	}
	if (o->load > 0 && getloadavg(&load, 1) == 1 && load > o->load)
		return 1;
	return 0;
}

/*
 * Wait for this job's turn: --delay, --memfree, --load. 0 to go on,
 * -ECANCELED when lanes is stopping. With --delay, start times are handed
 * out in submission order: workers reach this point in whatever order the
 * scheduler lets them, and a job that lost that race would otherwise
 * start (and print) one or more delays after the jobs behind it.
 */
static int wait_to_start(struct run *r, struct job *j)
{
	const struct opts *o = r->o;
	int rc = 0;

	/* Without pacing there is nothing to wait for, but a job a worker
	 * took just before a stop cancelled the queue must still not start. */
	if (o->delay <= 0 && o->memfree <= 0 && o->load <= 0)
		return stopping(r) ? -ECANCELED : 0;
	pthread_mutex_lock(&r->mu);
	while (o->delay > 0 && !r->stopping && r->next_turn != j->turn)
		pthread_cond_wait(&r->cv, &r->mu);
	if (o->delay > 0 && !r->stopping) {
		double now = clock_now();
		double t = r->next_start > now ? r->next_start : now;

		r->next_start = t + o->delay;
		r->next_turn++;
		pthread_cond_broadcast(&r->cv);
		wait_until(r, t);
	}
	while (!r->stopping && (o->memfree > 0 || o->load > 0)) {
		int busy;

		pthread_mutex_unlock(&r->mu);
		busy = too_busy(o);
		pthread_mutex_lock(&r->mu);
		if (!busy)
			break;
		wait_until(r, clock_now() + 0.25);
	}
	if (r->stopping)
		rc = -ECANCELED;
	pthread_mutex_unlock(&r->mu);
	return rc;
}

/* A download job: its result line is its stdout. */
static void run_fetch(struct run *r, struct job *j, struct slot *s)
{
	struct fetch_result res;
	size_t urllen;
	int rc;

	memset(&res, 0, sizeof(res));
	buf_reset(&j->cmdline);
	for (size_t i = 0; i < j->nargs; i++) {
		if (i)
			buf_addch(&j->cmdline, '\t');
		buf_add(&j->cmdline, j->args[i].p, j->args[i].len);
	}
	if (r->o->verbose || r->o->dry_run) {
		buf_addch(&j->cmdline, '\n');
		rc = emit_print(&r->emit, j, j->cmdline.p, j->cmdline.len);
		j->cmdline.len--;
		j->cmdline.p[j->cmdline.len] = '\0';
		if (r->o->dry_run || rc)
			return;
	}
	j->ran = 1;
	fetch_job(r->fetch, &s->fetch, j->args, j->nargs, j->seq, &res);
	buf_addch(&res.line, '\n');
	emit_print(&r->emit, j, res.line.p, res.line.len);
	if (res.failed) {
		urllen = strcspn(buf_str(&j->cmdline), "\t");
		job_fail(j, 1, "job %llu: '%.*s': %s", j->seq, (int)urllen,
			 buf_str(&j->cmdline), res.reason);
	}
	buf_release(&res.line);
}

/* Count a finished job and decide whether --halt stops lanes now. */
static void job_finished(struct run *r, struct job *j)
{
	const struct halt *h = &r->o->halt;
	unsigned long long count, base;
	int trigger = 0;

	pthread_mutex_lock(&r->mu);
	r->ndone++;
	if (j->failed)
		r->nfailed++;
	else
		r->nsucceeded++;
	if (h->when != HALT_NEVER && !r->halted && !r->stopping) {
		count = h->what == HALT_FAIL ? r->nfailed :
			h->what == HALT_SUCCESS ? r->nsucceeded : r->ndone;
		/* Percentages are of all jobs once the input is read to
		 * its end, of the jobs submitted so far before that. */
		base = r->total ? r->total : r->nsubmitted;
		if (h->what == HALT_FAIL && !j->failed)
			trigger = 0;
		else if (h->what == HALT_SUCCESS && j->failed)
			trigger = 0;
		else if (h->is_percent)
			trigger = (double)count * 100 >= h->percent *
				  (double)base;
		else
			trigger = count >= (unsigned long long)h->count;
		if (trigger) {
			r->halted = 1;
			r->halt_status = h->what == HALT_SUCCESS ? 0 : j->status;
			if (h->what == HALT_FAIL && r->halt_status == 0)
				r->halt_status = 1;
			r->stopping = 1;
			pthread_cond_broadcast(&r->cv);
		}
	}
	pthread_mutex_unlock(&r->mu);
	if (!trigger)
		return;
	pool_cancel(r->pool);
	if (r->o->download)
		fetch_stop(r->fetch);
	if (h->when == HALT_NOW)
		terminate_all(r);
}

static void work(void *item, unsigned slot, void *ctx)
{
	struct run *r = ctx;
	struct job *j = item;
	struct slot *s = &r->slots[slot];
	struct timeval tv;
	long long attempt;
	double t0;

	j->slot = slot;
	if (wait_to_start(r, j)) {
		j->skipped = 1;
		goto out;
	}
	atomic_fetch_add(&r->nstarted, 1);
	emit_job_begin(&r->emit, j);
	for (attempt = 1;; attempt++) {
		gettimeofday(&tv, NULL);
		j->start = (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
		t0 = clock_now();
		if (r->o->download)
			run_fetch(r, j, s);
		else
			run_job(r, j, s);
		j->runtime = clock_now() - t0;
		/* Downloads retry transient failures themselves. */
		if (!j->failed || r->o->download ||
		    attempt >= r->o->retries || stopping(r))
			break;
		job_reset(j);
	}
	/* With -u the jobs write to our stdout themselves: one that died of
	 * SIGPIPE may mean the reader went away (| head), and then every
	 * later job would too. */
	if (j->sig == SIGPIPE && r->emit.pol.sink == SINK_DIRECT) {
		struct pollfd pf = { STDOUT_FILENO, POLLOUT, 0 };

		if (poll(&pf, 1, 0) == 1 && (pf.revents & POLLERR))
			run_stop(r, SIGPIPE, SIGTERM);
	}
	/* The block's memory goes back now, not when the job is printed,
	 * so finished jobs waiting for -k hold none. */
	if (r->bulk && j->block.seq)
		bulk_put(r->bulk, &j->block);
	if (r->results_fd >= 0 && j->ran) {
		char err[512];

		if (report_results(r->results_fd, j, err, sizeof(err))) {
			if (!j->msg)
				job_fail(j, j->status ? j->status : 1,
					 "job %llu: %s", j->seq, err);
			j->failed = 1;
		}
	}
	/* A job our own stop killed did not finish: keep it out of the job
	 * log, so --resume runs it again. */
	if (j->sig || j->failed) {
		pthread_mutex_lock(&r->mu);
		j->interrupted = r->stopsig && r->stopsig != SIGPIPE;
		pthread_mutex_unlock(&r->mu);
	}
	job_finished(r, j);
out:
	cap_finish(&j->out);
	cap_finish(&j->err);
}

static int exit_status(struct run *r)
{
	int st;

	pthread_mutex_lock(&r->mu);
	if (r->stopsig)
		st = 128 + r->stopsig;
	else if (r->out_err)
		st = EXIT_LANES;
	else if (r->halted)
		st = r->halt_status;
	else
		st = r->emit.failed > 100 ? 101 : (int)r->emit.failed;
	pthread_mutex_unlock(&r->mu);
	return st;
}

/*
 * On the emitter thread once every job was reported. After a stop the
 * reader may be blocked for good in read() on a terminal or a pipe that
 * never closes, so the process ends here.
 */
static void drained(void *ctx)
{
	struct run *r = ctx;

	if (!stopping(r))
		return;
	pool_shutdown(r->pool);
	if (r->progress)
		progress_stop(r->progress);
	/* Every job is over: close the ssh masters and remove their socket
	 * directory rather than leave them to die with us. */
	if (r->remote)
		remote_shutdown(r->remote);
	exit(exit_status(r));
}

static int env_setup(struct run *r)
{
	extern char **environ;
	size_t n = 0, i, k = 0;

	for (i = 0; environ[i]; i++)
		n++;
	r->env = calloc(n + 1, sizeof(*r->env));
	if (!r->env)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!strncmp(environ[i], "LANES_SEQ=", 10) ||
		    !strncmp(environ[i], "LANES_SLOT=", 11))
			continue;
		r->env[k++] = environ[i];
	}
	r->nenv = k;
	return 0;
}

static void counts(void *ctx, struct progress_counts *c)
{
	struct run *r = ctx;

	pthread_mutex_lock(&r->mu);
	c->done = r->ndone;
	c->failed = r->nfailed;
	c->running = atomic_load(&r->nstarted) - r->ndone;
	/* A --total that was too small must not show 5/2 done. */
	c->total = r->total && r->total < r->nsubmitted ? r->nsubmitted
							 : r->total;
	pthread_mutex_unlock(&r->mu);
	c->bytes = r->o->download ? fetch_bytes(r->fetch) : 0;
}

/* Everything run_new() sets up but the pool and the threads. */
static void release(struct run *r)
{
	for (unsigned i = 0; r->slots && i <= r->o->jobs; i++) {
		free(r->slots[i].envp);
		if (r->slots[i].fetch)
			fetch_slot_free(r->slots[i].fetch);
	}
	if (r->joblog_fd >= 0)
		close(r->joblog_fd);
	if (r->results_fd >= 0)
		close(r->results_fd);
	if (r->have_resume)
		joblog_release(&r->resume);
	emit_release(&r->emit);
	if (r->remote)
		remote_free(r->remote);	/* and its launcher */
	else
		launch_free(r->launcher);
	remote_names_release(&r->tf);
	remote_names_release(&r->ret);
	free(r->slots);
	free(r->env);
	fetch_teardown(r->fetch);
	bulk_free(r->bulk);
	free(r->pipe_seps);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* --pipe: the block source and the feeders, from the options. */
static int bulk_setup(struct run *r, char *err, size_t errlen)
{
	const struct opts *o = r->o;
	struct bulk_opts bo;
	size_t n;
	int rc;

	memset(&bo, 0, sizeof(bo));
	if (o->regexp) {
		bo.block.regexp = 1;
		bo.block.recend = o->recend;
		bo.block.recstart = o->recstart;
		if (!o->recend && !o->recstart)
			bo.block.recend = o->sep ? "\\n" : "\\0";
		/* GNU parallel: --regexp --recend '' is any byte. */
		if (o->recend && !*o->recend && !o->recstart)
			bo.block.recend = "(.|\n)";
	} else {
		char *e = r->pipe_seps, *st;

		/* -0 (or -d) makes the record end the separator, unless
		 * --recend or --recstart says otherwise. */
		if (!o->recend && !o->recstart) {
			e[0] = o->sep;
			bo.block.recend_len = 1;
		} else if (o->recend) {
			block_unescape(o->recend, e, &bo.block.recend_len);
		}
		st = e + bo.block.recend_len + 1;
		if (o->recstart)
			block_unescape(o->recstart, st,
				       &bo.block.recstart_len);
		bo.block.recend = e;
		bo.block.recstart = st;
	}
	bo.block.size = o->block_size ? (size_t)o->block_size : 1024 * 1024;
	bo.block.nrec = o->positional ? (unsigned long long)o->max_args : 0;
	bo.block.lines = o->max_lines > 0 ? (unsigned long long)o->max_lines
					  : 0;
	if (o->nheaders == 1) {
		const char *h = o->headers[0];

		n = strspn(h, "0123456789");
		if (!strcmp(h, ":"))
			bo.block.header_lines = 1;
		else if (*h && !h[n])
			bo.block.header_lines = strtoull(h, NULL, 10);
		else
			bo.block.header_re = h;
	}
	bo.part = o->pipe_part;
	bo.file = o->pipe_file;
	bo.per_slot = o->block_per_slot;
	bo.mode = o->pipe_cat ? BULK_CAT : o->pipe_fifo ? BULK_FIFO :
		  BULK_STDIN;
	bo.round_robin = o->round_robin;
	bo.jobs = o->jobs;
	bo.tmpdir = o->tmpdir;
	rc = bulk_new(&r->bulk, &bo, err, errlen);
	return rc;
}

/* Open what --joblog, --resume* and --results need, before any job. */
static int open_reports(struct run *r, char *err, size_t errlen)
{
	const struct opts *o = r->o;
	int rc, resuming = o->resume || o->resume_failed || o->retry_failed;

	if (resuming) {
		/* opts_validate() made sure --joblog names a file. */
		const char *path = o->joblog;

		if (path[0] == '+')
			path++;
		rc = joblog_load(&r->resume, path);
		if (rc) {
			snprintf(err, errlen, "cannot read the job log '%s': "
				 "%s", path, strerror(-rc));
			return rc;
		}
		r->have_resume = 1;
	}
	if (o->joblog) {
		r->joblog_fd = report_joblog_open(o->joblog, resuming, err,
						  errlen);
		if (r->joblog_fd < 0)
			return r->joblog_fd;
	}
	if (o->results) {
		if (mkdir(o->results, 0777) && errno != EEXIST) {
			rc = -errno;
			snprintf(err, errlen, "cannot create '%s': %s",
				 o->results, strerror(errno));
			return rc;
		}
		r->results_fd = open(o->results, O_RDONLY | O_DIRECTORY |
				     O_CLOEXEC);
		if (r->results_fd < 0) {
			rc = -errno;
			snprintf(err, errlen, "cannot open '%s': %s",
				 o->results, strerror(errno));
			return rc;
		}
	}
	return 0;
}

/* The progress display, when one was asked for (downloads show one on a
 * terminal by default). */
static int start_progress(struct run *r)
{
	const struct opts *o = r->o;
	enum progress_style st = o->eta ? PROGRESS_ETA :
				 o->progress && !o->bar ? PROGRESS_PLAIN :
				 PROGRESS_BAR;

	if (!o->bar && !o->eta && !o->progress &&
	    !(o->download && isatty(STDERR_FILENO)))
		return 0;
	return progress_start(&r->progress, st, STDERR_FILENO, counts, r);
}

/* --transferfile and --return names of the job the launcher runs. */
static int remote_files(void *arg, const struct launch_job *lj,
			struct buf *send, struct buf *ret)
{
	struct run *r = arg;
	const struct emit_ctx *ec = lj->ctx;
	struct tmpl_job tj = { ec->j->args, ec->j->nargs, ec->j->seq,
			       ec->j->slot, ec->j->host };
	int rc = remote_names_expand(&r->tf, &tj, send);

	return rc ? rc : remote_names_expand(&r->ret, &tj, ret);
}

/*
 * A remote job's host is known: it is the job's {host}. Expand the
 * command again with it (and the tag, which may show it).
 */
static int remote_cmd(void *arg, const struct launch_job *lj,
		      const char *host, struct buf *line)
{
	struct run *r = arg;
	struct job *j = ((const struct emit_ctx *)lj->ctx)->j;
	struct tmpl_job tj = { j->args, j->nargs, j->seq, j->slot, host };
	struct tmpl_cmd cmd;
	int rc;

	snprintf(j->host, sizeof(j->host), "%s", host);
	if (r->emit.pol.tagged)
		emit_job_begin(&r->emit, j);
	if (!r->t)
		return buf_addstr(line, lj->cmdline);
	rc = tmpl_expand(r->t, &tj, &cmd, r->want_cmdline);
	if (!rc)
		rc = remote_cmdline(&cmd, line);
	if (!rc && r->want_cmdline) {
		buf_reset(&j->cmdline);
		rc = buf_add(&j->cmdline, buf_str(&cmd.display),
			     cmd.display.len);
	}
	tmpl_cmd_release(&cmd);
	return rc;
}

static void remote_warn(void *arg, const char *msg)
{
	(void)arg;
	error("%s", msg);
}

/* -S/--slf: the hosts and their launcher; -j becomes the sum of their
 * slots, in a copy of the options the run and the emitter read. */
static int start_remote(struct run *r, char *err, size_t errlen)
{
	const struct opts *o = r->o;
	struct remote_opts ro;
	int rc;

	memset(&ro, 0, sizeof(ro));
	ro.logins = (const char *const *)o->sshlogins;
	ro.nlogins = o->nsshlogins;
	ro.slfs = (const char *const *)o->slfs;
	ro.nslfs = o->nslfs;
	ro.ssh = o->ssh;
	ro.jobs = o->jobs_arg;
	ro.filter_hosts = o->filter_hosts;
	ro.files.workdir = o->workdir;
	ro.files.cleanup = o->cleanup;
	ro.files.basefiles = (const char *const *)o->basefiles;
	ro.files.nbasefiles = o->nbasefiles;
	ro.warn = remote_warn;
	rc = remote_names_parse(&r->tf,
				(const char *const *)o->transferfiles,
				o->ntransferfiles, o->replstr, err, errlen);
	if (!rc)
		rc = remote_names_parse(&r->ret,
					(const char *const *)o->returns,
					o->nreturns, o->replstr, err, errlen);
	if (rc)
		return rc;
	if (o->ntransferfiles || o->nreturns)
		ro.files.files = remote_files;
	ro.files.cmdline = remote_cmd;
	ro.files.arg = r;
	rc = remote_new(&r->remote, &ro, err, errlen);
	if (rc)
		return rc;
	r->launcher = remote_launcher(r->remote);
	r->ropts = *o;
	r->ropts.jobs = r->launcher->nslots;
	r->o = &r->ropts;
	return 0;
}

int run_new(struct run **out, const struct opts *o, const struct tmpl *t,
	    const struct tmpl *tagstring, struct launcher *launcher,
	    char *err, size_t errlen)
{
	struct run *r;
	size_t window;
	int rc;

	r = calloc(1, sizeof(*r));
	if (!r) {
		launch_free(launcher);
		return -ENOMEM;
	}
	r->launcher = launcher;
	r->o = o;
	r->t = t;
	r->joblog_fd = -1;
	r->results_fd = -1;
	r->total = o->total > 0 ? (unsigned long long)o->total : 0;
	r->shell = "/bin/sh";
	if (o->use_shell_env && getenv("SHELL") && *getenv("SHELL"))
		r->shell = getenv("SHELL");
	r->want_cmdline = o->joblog || o->json;
	r->cap = o->jobs;
	/* libcurl must be set up before any thread exists. */
	if (o->download) {
		rc = fetch_setup(&r->fetch, o, err, errlen);
		if (rc) {
			launch_free(launcher);
			free(r);
			return rc;
		}
	}
	pthread_mutex_init(&r->mu, NULL);
	clock_cond_init(&r->cv);
	if (o->nsshlogins || o->nslfs) {
		rc = start_remote(r, err, errlen);
		if (rc)
			goto fail;
		o = r->o;
	}
	r->cap = o->jobs;	/* with -S, the hosts' slots */
	r->slots = calloc(o->jobs + 1, sizeof(*r->slots));
	rc = r->slots ? env_setup(r) : -ENOMEM;
	if (!rc && o->pipe) {
		r->pipe_seps = malloc((o->recend ? strlen(o->recend) : 1) +
				      (o->recstart ? strlen(o->recstart) : 0) +
				      2);
		rc = r->pipe_seps ? bulk_setup(r, err, errlen) : -ENOMEM;
	}
	if (!rc)
		rc = open_reports(r, err, errlen);
	if (!rc)
		rc = emit_init(&r->emit, o, tagstring, r->joblog_fd,
			       r->results_fd, stdout_failed, r);
	if (!rc && !r->launcher)
		rc = launch_local_new(&r->launcher, o->jobs,
				      sysconf(_SC_ARG_MAX));
	if (rc)
		goto fail;
	/* The reorder window: enough finished jobs to keep every worker
	 * busy behind a slow head, bounded so memory stays flat. */
	window = (size_t)o->jobs * 2 + 64;
	rc = pool_new(&r->pool, o->jobs, window, work, r);
	if (rc)
		goto fail;
	rc = start_progress(r);
	r->emit.progress = r->progress;
	if (!rc)
		rc = emit_start(&r->emit, r->pool, drained);
	if (rc) {
		if (r->progress)
			progress_stop(r->progress);
		pool_free(r->pool);
		goto fail;
	}
	*out = r;
	return 0;
fail:
	if (rc && !*err)
		snprintf(err, errlen, "%s", strerror(-rc));
	release(r);
	return rc;
}

/* --resume: jobs the log shows as done (with --resume-failed: done and
 * successful) are skipped, keeping their sequence numbers. */
static int already_done(struct run *r, unsigned long long seq)
{
	const struct joblog_entry *e;

	if (!r->have_resume || r->o->retry_failed)
		return 0;
	e = joblog_lookup(&r->resume, seq);
	if (!e)
		return 0;
	if (r->o->resume_failed)
		return e->exitval == 0 && e->signal == 0;
	return 1;
}

int run_submit(struct run *r, unsigned long long seq,
	       const struct tmpl_arg *args, size_t nargs)
{
	struct job *j;
	int rc;

	pthread_mutex_lock(&r->mu);
	if (seq == 0)
		seq = r->nsubmitted + 1;
	if (seq > r->nsubmitted)
		r->nsubmitted = seq;
	pthread_mutex_unlock(&r->mu);
	if (already_done(r, seq))
		return 0;
	/* --onall: the job once on every host in the run now. */
	for (size_t h = 0; h < (r->o->onall ? remote_nhosts(r->remote) : 1);
	     h++) {
		if (r->o->onall && remote_host_retired(r->remote, h))
			continue;
		j = job_new(seq, args, nargs, r->o->tmpdir);
		if (!j)
			return -ENOMEM;
		if (r->o->onall) {
			j->onhost = (unsigned)h + 1;
			snprintf(j->host, sizeof(j->host), "%s",
				 remote_host_name(r->remote, h));
		}
		/* Only the reader submits, so turns follow the queue's
		 * order. */
		pthread_mutex_lock(&r->mu);
		j->turn = r->nturns++;
		pthread_mutex_unlock(&r->mu);
		rc = pool_submit(r->pool, j, NULL);
		if (rc) {
			job_free(j);
			return rc;
		}
	}
	return 0;
}

/* A job for block b, or with b NULL a --round-robin job. */
static int run_submit_block(struct run *r, struct block *b)
{
	struct job *j;
	int rc;

	j = job_new(b ? b->seq : 0, NULL, 0, r->o->tmpdir);
	if (!j) {
		if (b)
			bulk_put(r->bulk, b);
		return -ENOMEM;
	}
	if (b)
		j->block = *b;
	pthread_mutex_lock(&r->mu);
	if (j->seq == 0)
		j->seq = r->nsubmitted + 1;
	if (j->seq > r->nsubmitted)
		r->nsubmitted = j->seq;
	j->turn = r->nturns++;
	pthread_mutex_unlock(&r->mu);
	rc = pool_submit(r->pool, j, NULL);
	if (rc) {
		if (b)
			bulk_put(r->bulk, &j->block);
		job_free(j);
	}
	return rc;
}

int run_pipe(struct run *r, char *err, size_t errlen)
{
	struct block b;
	unsigned i, n = bulk_jobs(r->bulk);
	int rc = 0;

	/* --round-robin: -j jobs that take blocks from a queue. */
	for (i = 0; i < n && !rc; i++)
		rc = run_submit_block(r, NULL);
	while (!rc && (rc = bulk_next(r->bulk, &b, err, errlen)) == 1)
		rc = n ? bulk_push(r->bulk, &b) : run_submit_block(r, &b);
	if (n)
		bulk_input_done(r->bulk);
	if (rc == -EPIPE || rc == -ECANCELED)
		rc = 0;
	if (rc == 0)
		run_input_done(r);
	return rc;
}

const struct joblog *run_resume_log(struct run *r)
{
	return r->have_resume ? &r->resume : NULL;
}

void run_input_done(struct run *r)
{
	pthread_mutex_lock(&r->mu);
	if (!r->total)
		r->total = r->nsubmitted;
	pthread_mutex_unlock(&r->mu);
}

int run_wait(struct run *r)
{
	pool_close(r->pool);
	emit_join(&r->emit);
	if (r->progress)
		progress_stop(r->progress);
	r->progress = NULL;
	return exit_status(r);
}

void run_free(struct run *r)
{
	pool_free(r->pool);
	release(r);
}
