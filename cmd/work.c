/*
 * DESIGN: a worker takes one job at a time from the pool. It waits for
 * its turn (--delay hands start times out in submission order, since
 * workers reach the pacing lock in any order), then tries the job up to
 * --retries times: each try expands the command, and the launcher runs
 * it with the emitter's sink for its output. A start that fails for want
 * of descriptors or processes waits for a running job to end (launch()).
 * The finished job is counted under the run's lock, which is where
 * --halt decides to stop; the emitter prints it afterwards.
 */
#include "work.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "cmdline.h"
#include "die.h"
#include "job.h"
#include "quote.h"
#include "report.h"
#include "run.h"
#include "runstate.h"

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
		s->envp = calloc(r->nenv + 6, sizeof(*s->envp));
		if (!s->envp)
			return -ENOMEM;
		memcpy(s->envp, r->env, r->nenv * sizeof(*s->envp));
		s->envp[r->nenv] = s->seq;
		s->envp[r->nenv + 1] = s->num;
		s->envp[r->nenv + 2] = s->pseq;
		s->envp[r->nenv + 3] = s->pslot;
		s->envp[r->nenv + 4] = r->pid_env;
		snprintf(s->num, sizeof(s->num), "LANES_SLOT=%u", slot);
		snprintf(s->pslot, sizeof(s->pslot), "PARALLEL_JOBSLOT=%u",
			 slot);
	}
	snprintf(s->seq, sizeof(s->seq), "LANES_SEQ=%llu", seq);
	snprintf(s->pseq, sizeof(s->pseq), "PARALLEL_SEQ=%llu", seq);
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
	int want_display = o->verbose || o->dry_run || o->trace ||
			   r->want_cmdline;
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
	if (o->verbose || o->dry_run || o->trace)
		buf_addch(&cmd.display, '\n');
	/* -t: GNU parallel's trace, on stderr as the job starts. */
	if (o->trace && !o->dry_run)
		out_write(STDERR_FILENO, cmd.display.p, cmd.display.len);
	if (o->verbose || o->dry_run) {
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
		if (hostfails >= remote_nhosts(r->remote) || run_stopping(r))
			break;
		emit_job_end(&r->emit, j);
		job_reset(j);
		if (began) {
			/* The next host gets the whole block again. */
			unsigned long long sent;

			bulk_end(r->bulk, j->slot, &bt, &sent);
			began = 0;
			rc = bulk_begin(r->bulk, j->slot, j->block.seq ?
					&j->block : NULL, &bt, &stdin_fd,
					&name);
			if (rc) {
				job_fail(j, 126, "job %llu: cannot hand over "
					 "its block: %s", j->seq,
					 strerror(-rc));
				goto out;
			}
			began = 1;
			lj.stdin_fd = stdin_fd;
		}
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
		return run_stopping(r) ? -ECANCELED : 0;
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

/*
 * Say why --halt stops lanes, in one line, as GNU parallel says which job
 * failed and how many it waits for: "lanes: --halt soon,fail=1: job 2
 * failed (exit 3); starting no more jobs, waiting for 1 running".
 */
static void halt_say(const struct halt *h, const struct job *j,
		     unsigned long long running)
{
	static const char *const whats[] = {
		[HALT_FAIL] = "fail", [HALT_SUCCESS] = "success",
		[HALT_DONE] = "done",
	};
	char spec[64], how[64], rest[96];

	if (h->is_percent)
		snprintf(spec, sizeof(spec), "%s,%s=%g%%",
			 h->when == HALT_NOW ? "now" : "soon", whats[h->what],
			 h->percent);
	else
		snprintf(spec, sizeof(spec), "%s,%s=%lld",
			 h->when == HALT_NOW ? "now" : "soon", whats[h->what],
			 h->count);
	if (!j->failed)
		snprintf(how, sizeof(how), "succeeded");
	else if (j->timed_out)
		snprintf(how, sizeof(how), "failed (timed out)");
	else if (j->sig)
		snprintf(how, sizeof(how), "failed (signal %d)", j->sig);
	else
		snprintf(how, sizeof(how), "failed (exit %d)", j->status);
	if (h->when == HALT_NOW && running)
		snprintf(rest, sizeof(rest), "ending the %llu running",
			 running);
	else if (running)
		snprintf(rest, sizeof(rest), "starting no more jobs, waiting "
			 "for %llu running", running);
	else
		snprintf(rest, sizeof(rest), "starting no more jobs");
	error("--halt %s: job %llu %s; %s", spec, j->seq, how, rest);
}

/* Count a finished job and decide whether --halt stops lanes now. */
static void job_finished(struct run *r, struct job *j)
{
	const struct halt *h = &r->o->halt;
	unsigned long long count, base, started, running = 0;
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
			started = atomic_load(&r->nstarted);
			running = started > r->ndone ? started - r->ndone : 0;
		}
	}
	pthread_mutex_unlock(&r->mu);
	if (!trigger)
		return;
	halt_say(h, j, running);
	pool_cancel(r->pool);
	if (r->o->download)
		fetch_stop(r->fetch);
	if (h->when == HALT_NOW)
		terminate_all(r);
}

void work_job(void *item, unsigned slot, void *ctx)
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
		    attempt >= r->o->retries || run_stopping(r))
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

/*
 * A remote job's host is known: it is the job's {host}. Expand the
 * command again with it (and the tag, which may show it).
 */
int work_remote_cmd(void *arg, const struct launch_job *lj,
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
