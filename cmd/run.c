/*
 * DESIGN: the reader (main thread) wraps each job's arguments in a struct
 * job and submits it to the pool. A worker expands the template for its
 * slot, spawns the process and pumps its output into the job: into two
 * captures in grouped mode, into whole lines written at once in
 * line-buffer mode, or nowhere when the job writes to our stdout itself
 * (ungroup). The emitter thread takes finished jobs from the pool, prints
 * them (grouped mode) and counts failures. In keep-order grouped mode it
 * asks the pool for the head job as soon as that starts and streams its
 * stdout live, so the job the user waits for is never held back by the
 * jobs behind it; it is held only by the reader of our output, as if it
 * wrote to a pipe (see CAP_LIVE_AHEAD).
 *
 * Stopping (a signal, a closed stdout, or --halt) cancels the pool, so no
 * queued job starts, and signals every running job's process group. A
 * worker registers its job's process group under r->mu right after
 * spawning and removes it only after waitid(WNOWAIT) saw the leader exit:
 * the zombie keeps the group id from being reused, so we never signal a
 * stranger. Once stopping, the emitter drains what is left and ends the
 * process itself, because the reader may be blocked for good in read().
 *
 * A job's life on its worker: wait for its turn (--delay, --memfree,
 * --load), run it up to --retries times (each try discards the output of
 * the one before; with retries the head job is not streamed live, since
 * what it printed might be thrown away), write --results, then count it
 * for --halt and the progress display. The emitter then prints it and
 * writes its job log line, so a job is in the log only once its output
 * is out, which is what makes --resume safe after a crash.
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
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
#include "capture.h"
#include "clock.h"
#include "die.h"
#include "fetch.h"
#include "job.h"
#include "joblog.h"
#include "out.h"
#include "pool.h"
#include "progress.h"
#include "quote.h"
#include "report.h"
#include "spawn.h"

/* The kernel's limit on one argument string (MAX_ARG_STRLEN). */
#define ARG_STRLEN_MAX (32 * 4096)

/* Per-slot state, touched only by the worker that owns the slot. */
struct slot {
	char **envp;
	char seq[40], num[40];
	struct buf line[2];	/* --line-buffer: partial lines */
	struct out_tagger tagger[2];
	struct fetch_slot *fetch;
};

struct run {
	const struct opts *o;
	const struct tmpl *t, *tagt;
	struct pool *pool;
	pthread_t emitter;
	const char *shell;
	char **env;		/* environ without LANES_SEQ/LANES_SLOT */
	size_t nenv, envsize;
	long arg_max;
	struct slot *slots;	/* [1..jobs] */
	int live;		/* stream the head job's stdout live (-k) */
	int want_cmdline;	/* keep each job's command line */
	struct joblog resume;	/* --resume*: what a previous run did */
	int have_resume;
	int joblog_fd;		/* -1 without --joblog */
	int results_fd;		/* -1 without --results */
	struct progress *progress;
	int tty_out;		/* stdout or stderr is a terminal */
	struct fetch *fetch;	/* --download: the run's transfers, or NULL */

	pthread_mutex_t mu;
	pthread_cond_t cv;	/* stopping changed; for timed waits */
	pid_t *pgid;		/* under mu: [slot], 0 when idle */
	int stopping;		/* under mu */
	int stopsig;		/* under mu: the signal that stopped us */
	int killsig;		/* under mu: what running jobs were sent */
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

	pthread_mutex_t outmu;	/* serialises --line-buffer writes */

	/* The emitter's own. */
	unsigned long long failed;
	int broken_pipe;	/* stdout failed: write nothing more */
};

void run_stop(struct run *r, int cause, int sig)
{
	unsigned i;

	pthread_mutex_lock(&r->mu);
	if (!r->stopping)
		r->stopsig = cause;
	r->stopping = 1;
	if (sig)
		r->killsig = sig;
	for (i = 1; sig && i <= r->o->jobs; i++)
		if (r->pgid[i] > 0)
			kill(-r->pgid[i], sig);
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pool_cancel(r->pool);
	if (r->o->download)
		fetch_stop(r->fetch);
}

/*
 * A write to our stdout failed. A reader that went away (EPIPE, as with
 * | head) ends lanes quietly with 141; any other error (a full disk) would
 * lose every job's output from here on, so it is said once and lanes stops
 * the same way, exiting 255. Any thread.
 */
static void stdout_failed(struct run *r, int rc)
{
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

/* Sleep on r->cv until the monotonic time t or a stop; r->mu held. */
static void wait_until(struct run *r, double t)
{
	struct timespec ts;
	double now = clock_now();

	if (t <= now)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + (t - now);
	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 999999999L;
	while (!r->stopping &&
	       pthread_cond_timedwait(&r->cv, &r->mu, &ts) == 0)
		;
}

/*
 * --halt now: walk the --termseq, signalling every registered process
 * group, until none is left; whatever outlives the walk gets SIGKILL, as a
 * timed-out job does.
 */
static void terminate_all(struct run *r)
{
	const struct termseq *ts = &r->o->termseq;

	for (size_t k = 0; k <= ts->n; k++) {
		int sig = k < ts->n ? ts->sig[k] : SIGKILL;
		double wait = k < ts->n ? ts->wait[k] : 0;
		unsigned i, n = 0;
		double until = clock_now() + wait;

		pthread_mutex_lock(&r->mu);
		r->killsig = sig;
		for (i = 1; i <= r->o->jobs; i++)
			if (r->pgid[i] > 0) {
				kill(-r->pgid[i], sig);
				n++;
			}
		pthread_mutex_unlock(&r->mu);
		if (!n)
			return;
		/* Poll briefly for the groups to go away. */
		while (clock_now() < until) {
			usleep(5000);
			pthread_mutex_lock(&r->mu);
			for (i = 1, n = 0; i <= r->o->jobs; i++)
				n += r->pgid[i] > 0;
			pthread_mutex_unlock(&r->mu);
			if (!n)
				return;
		}
	}
}

/* One job's process group past its --timeout: the same walk. Grandchildren
 * left when the job's own process died are killed with it. */
static void terminate(struct run *r, struct proc *pr)
{
	const struct termseq *ts = &r->o->termseq;

	for (size_t k = 0; k < ts->n; k++) {
		kill(-pr->pid, ts->sig[k]);
		if (spawn_wait_exit(pr, clock_now() + ts->wait[k]) == 0)
			break;
	}
	kill(-pr->pid, SIGKILL);
	spawn_wait_exit(pr, 0);
}

int run_stopped_by(struct run *r)
{
	int sig;

	pthread_mutex_lock(&r->mu);
	sig = r->stopsig;
	pthread_mutex_unlock(&r->mu);
	return sig;
}

static void job_fail(struct job *j, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void job_fail(struct job *j, int status, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	free(j->msg);
	j->msg = m;
	j->status = status;
	j->failed = 1;
}

/* Route a line lanes itself prints for a job (-v, --dry-run) the way the
 * job's own stdout goes. */
static int job_print(struct run *r, struct job *j, struct slot *s,
		     const char *p, size_t n);

/* --line-buffer: write every complete line now, keep the rest. */
static int line_sink(struct run *r, struct slot *s, int stream,
		     const char *p, size_t n, int flush)
{
	struct buf *part = &s->line[stream - 1];
	const char *nl = NULL;
	size_t head;
	int rc = 0;

	for (size_t i = n; i-- > 0;)
		if (p[i] == '\n') {
			nl = p + i;
			break;
		}
	if (!nl && !flush)
		return buf_add(part, p, n);
	head = nl ? (size_t)(nl - p) + 1 : n;
	pthread_mutex_lock(&r->outmu);
	if (r->progress && r->tty_out)
		progress_clear(r->progress);
	if (part->len)
		rc = out_write_tagged(stream, &s->tagger[stream - 1], part->p,
				      part->len);
	if (!rc && head)
		rc = out_write_tagged(stream, &s->tagger[stream - 1], p,
				      head);
	pthread_mutex_unlock(&r->outmu);
	buf_reset(part);
	if (!rc && head < n)
		rc = buf_add(part, p + head, n - head);
	return rc;
}

struct sink_ctx {
	struct run *r;
	struct job *j;
	struct slot *s;
};

static int job_sink(void *ctx, int stream, const char *p, size_t n)
{
	struct sink_ctx *c = ctx;

	if (c->r->o->output == OUT_LINE) {
		int rc = line_sink(c->r, c->s, stream, p, n, 0);

		/* --results keeps a copy of what went by. */
		if (c->r->results_fd >= 0)
			cap_write(stream == 1 ? &c->j->out : &c->j->err, p, n);
		/* Only a failed stdout stops the job; a failed write to
		 * stderr is not worth killing it for. */
		if (rc && stream == 1) {
			stdout_failed(c->r, rc);
			return rc;
		}
		return 0;
	}
	/* A capture that cannot grow (disk full) keeps the error for the
	 * emitter to report; we go on draining so the job is not blocked. */
	cap_write(stream == 1 ? &c->j->out : &c->j->err, p, n);
	return 0;
}

static int job_print(struct run *r, struct job *j, struct slot *s,
		     const char *p, size_t n)
{
	int rc;

	switch (r->o->output) {
	case OUT_GROUP:
		/* The emitter reports a capture that failed. */
		return cap_write(&j->out, p, n);
	case OUT_LINE:
		rc = line_sink(r, s, 1, p, n, 0);
		break;
	default:
		rc = out_write(STDOUT_FILENO, p, n);
		break;
	}
	if (rc)
		stdout_failed(r, rc);
	return rc;
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
		buf_init(&s->line[0]);
		buf_init(&s->line[1]);
	}
	snprintf(s->seq, sizeof(s->seq), "LANES_SEQ=%llu", seq);
	return 0;
}

/* No template: the arguments are a command line, run directly when it
 * has no shell syntax. */
static int expand_line(struct run *r, struct job *j, struct tmpl_cmd *cmd)
{
	struct buf line = BUF_INIT;
	size_t i, nw = 0;
	char *p, **argv;
	int rc = 0;

	memset(cmd, 0, sizeof(*cmd));
	for (i = 0; i < j->nargs && !rc; i++) {
		if (memchr(j->args[i].p, '\0', j->args[i].len))
			rc = -EILSEQ;
		else if (i)
			rc = buf_addch(&line, ' ');
		if (!rc)
			rc = buf_add(&line, j->args[i].p, j->args[i].len);
	}
	if (!rc)
		rc = buf_add(&cmd->display, buf_str(&line), line.len);
	if (rc || r->o->use_shell_env ||
	    quote_needs_shell(buf_str(&line), line.len)) {
		cmd->shell = line;
		return rc;
	}
	/* Split on blanks in place; the words stay in one block. */
	p = line.p ? line.p : (char *)"";
	argv = calloc(line.len / 2 + 2, sizeof(*argv));
	if (!argv) {
		buf_release(&line);
		return -ENOMEM;
	}
	for (i = 0; i < line.len;) {
		while (i < line.len && (p[i] == ' ' || p[i] == '\t'))
			p[i++] = '\0';
		if (i < line.len)
			argv[nw++] = p + i;
		while (i < line.len && p[i] != ' ' && p[i] != '\t')
			i++;
	}
	cmd->direct = 1;
	cmd->argc = nw;
	/* argv[0] and the block it points into are freed together by
	 * tmpl_cmd_release(); keep the block at argv[nw + 1]. */
	argv[nw + 1] = line.p;
	cmd->argv = argv;
	buf_init(&line);
	return 0;
}

static void cmd_release(struct run *r, struct tmpl_cmd *cmd)
{
	if (!r->t && cmd->direct) {
		free(cmd->argv[cmd->argc + 1]);
		free(cmd->argv);
		cmd->argv = NULL;
		cmd->direct = 0;
	}
	tmpl_cmd_release(cmd);
}

static void make_tag(struct run *r, struct job *j)
{
	if (r->tagt) {
		struct tmpl_job tj = { j->args, j->nargs, j->seq, j->slot };
		struct tmpl_cmd c;

		if (tmpl_expand(r->tagt, &tj, &c, 0) == 0)
			buf_add(&j->tag, buf_str(&c.shell), c.shell.len);
		tmpl_cmd_release(&c);
	} else {
		for (size_t i = 0; i < j->nargs; i++) {
			if (i)
				buf_addch(&j->tag, ' ');
			buf_add(&j->tag, j->args[i].p, j->args[i].len);
		}
	}
	buf_addch(&j->tag, '\t');
}

/* Check what execve would refuse with E2BIG, to say which limit. */
static int check_size(struct run *r, struct job *j, char *const *argv)
{
	size_t total = r->envsize, i;

	for (i = 0; argv[i]; i++) {
		size_t n = strlen(argv[i]) + 1;

		if (n > ARG_STRLEN_MAX) {
			job_fail(j, 126, "job %llu: command line too long "
				 "(%zu bytes in one argument; the kernel "
				 "allows %d)", j->seq, n - 1,
				 ARG_STRLEN_MAX - 1);
			return -E2BIG;
		}
		total += n + sizeof(char *);
	}
	if (r->arg_max > 0 && total > (size_t)r->arg_max) {
		job_fail(j, 126, "job %llu: command line too long (%zu "
			 "bytes with the environment; the kernel allows %ld)",
			 j->seq, total, r->arg_max);
		return -E2BIG;
	}
	return 0;
}

static void run_job(struct run *r, struct job *j, struct slot *s)
{
	const struct opts *o = r->o;
	struct tmpl_job tj = { j->args, j->nargs, j->seq, j->slot };
	struct sink_ctx sc = { r, j, s };
	struct tmpl_cmd cmd;
	struct proc pr = { -1, -1, -1, -1 };
	char *shargv[4];
	char *const *argv;
	int want_display = o->verbose || o->dry_run || r->want_cmdline;
	double deadline = 0;
	int rc, status;

	if (r->t)
		rc = tmpl_expand(r->t, &tj, &cmd, want_display);
	else
		rc = expand_line(r, j, &cmd);
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
		rc = job_print(r, j, s, cmd.display.p, cmd.display.len);
		if (o->dry_run || rc)
			goto out;
	}
	if (cmd.direct) {
		if (cmd.argc == 0)
			goto out;	/* a blank command line does nothing */
		argv = cmd.argv;
	} else {
		shargv[0] = (char *)r->shell;
		shargv[1] = (char *)"-c";
		shargv[2] = cmd.shell.p ? cmd.shell.p : (char *)"";
		shargv[3] = NULL;
		argv = shargv;
	}
	if (check_size(r, j, argv))
		goto out;
	rc = slot_env(r, s, j->slot, j->seq);
	if (!rc)
		rc = spawn_start(&pr, argv, s->envp,
				 o->output == OUT_UNGROUP ? 0 : SPAWN_CAPTURE);
	if (rc) {
		if (rc == -ENOENT)
			job_fail(j, 127, "job %llu: '%s': command not found",
				 j->seq, argv[0]);
		else if (rc == -E2BIG)
			job_fail(j, 126, "job %llu: command line too long",
				 j->seq);
		else if (rc == -EACCES)
			job_fail(j, 126, "job %llu: '%s': permission denied",
				 j->seq, argv[0]);
		else
			job_fail(j, 126, "job %llu: '%s': %s", j->seq,
				 argv[0], strerror(-rc));
		goto out;
	}
	pthread_mutex_lock(&r->mu);
	r->pgid[j->slot] = pr.pid;
	/* A stop that came while we spawned did not see this job. */
	if (r->stopping && r->killsig)
		kill(-pr.pid, r->killsig);
	pthread_mutex_unlock(&r->mu);

	j->ran = 1;
	if (o->timeout > 0)
		deadline = clock_now() + o->timeout;
	rc = o->output != OUT_UNGROUP ? spawn_pump(&pr, job_sink, &sc, deadline)
				      : spawn_wait_exit(&pr, deadline);
	if (rc == -ETIMEDOUT) {
		j->timed_out = 1;
		job_fail(j, 0, "job %llu (pid %d) timed out after %gs",
			 j->seq, (int)pr.pid, o->timeout);
		terminate(r, &pr);
		/* What the group wrote before it died is still worth
		 * printing; a grandchild that left the group and keeps the
		 * pipe open is not worth waiting for. */
		if (o->output != OUT_UNGROUP &&
		    spawn_pump(&pr, job_sink, &sc, clock_now() + 1) != 0)
			spawn_close(&pr);
	} else if (rc) {
		/* Our stdout failed (the sink said so and stopped lanes), or
		 * poll did: nobody will read this job. */
		spawn_close(&pr);
		kill(-pr.pid, SIGTERM);
	}
	spawn_wait_exit(&pr, 0);
	pthread_mutex_lock(&r->mu);
	r->pgid[j->slot] = 0;
	pthread_mutex_unlock(&r->mu);
	if (spawn_wait(&pr, &status) == 0) {
		if (WIFEXITED(status)) {
			j->status = WEXITSTATUS(status);
			j->failed = j->status != 0;
		} else if (WIFSIGNALED(status)) {
			j->sig = WTERMSIG(status);
			j->status = 128 + j->sig;
			j->failed = 1;
		}
		if (j->timed_out) {
			j->failed = 1;
			if (!j->sig)
				j->sig = SIGKILL;
			j->status = 128 + j->sig;
		}
	}
out:
	if (o->output == OUT_LINE) {
		line_sink(r, s, 1, NULL, 0, 1);
		line_sink(r, s, 2, NULL, 0, 1);
	}
	if (r->t)
		tmpl_cmd_release(&cmd);
	else
		cmd_release(r, &cmd);
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

/* Wait for this job's turn: --delay, --memfree, --load. 0 to go on,
 * -ECANCELED when lanes is stopping. */
static int wait_to_start(struct run *r)
{
	const struct opts *o = r->o;
	int rc = 0;

	/* Without pacing there is nothing to wait for, but a job a worker
	 * took just before a stop cancelled the queue must still not start. */
	if (o->delay <= 0 && o->memfree <= 0 && o->load <= 0)
		return stopping(r) ? -ECANCELED : 0;
	pthread_mutex_lock(&r->mu);
	if (o->delay > 0 && !r->stopping) {
		double now = clock_now();
		double t = r->next_start > now ? r->next_start : now;

		r->next_start = t + o->delay;
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
		rc = job_print(r, j, s, j->cmdline.p, j->cmdline.len);
		j->cmdline.len--;
		j->cmdline.p[j->cmdline.len] = '\0';
		if (r->o->dry_run || rc)
			return;
	}
	j->ran = 1;
	fetch_job(r->fetch, &s->fetch, j->args, j->nargs, j->seq, &res);
	buf_addch(&res.line, '\n');
	job_print(r, j, s, res.line.p, res.line.len);
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

static void reset_job(struct job *j)
{
	cap_reset(&j->out);
	cap_reset(&j->err);
	free(j->msg);
	j->msg = NULL;
	j->failed = j->sig = j->status = j->timed_out = 0;
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
	if (wait_to_start(r)) {
		j->skipped = 1;
		goto out;
	}
	atomic_fetch_add(&r->nstarted, 1);
	if (r->o->tag || r->o->tagstring) {
		make_tag(r, j);
		if (r->o->output == OUT_LINE) {
			out_tagger_init(&s->tagger[0], j->tag.p, j->tag.len);
			out_tagger_init(&s->tagger[1], j->tag.p, j->tag.len);
		}
	}
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
		reset_job(j);
	}
	/* With -u the jobs write to our stdout themselves: one that died of
	 * SIGPIPE may mean the reader went away (| head), and then every
	 * later job would too. */
	if (j->sig == SIGPIPE && r->o->output == OUT_UNGROUP) {
		struct pollfd pf = { STDOUT_FILENO, POLLOUT, 0 };

		if (poll(&pf, 1, 0) == 1 && (pf.revents & POLLERR))
			run_stop(r, SIGPIPE, SIGTERM);
	}
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

/* The emitter's stdout failed: write nothing more there, and stop. */
static void stdout_gone(struct run *r, int rc)
{
	if (r->broken_pipe)
		return;
	r->broken_pipe = 1;
	stdout_failed(r, rc);
}

static int emit_capture(struct run *r, struct job *j, struct capture *c,
			int fd, unsigned long long off, int live)
{
	struct out_tagger tg;
	char buf[65536];
	int rc = 0, tagged = 0;

	for (;;) {
		unsigned long long len;
		int done = 1;

		/* A live job's worker writes its tag before its first byte
		 * of output; the capture's lock makes the tag visible once
		 * cap_wait() returned, and not before. */
		len = live ? cap_wait(c, off, &done) : cap_len(c);
		if (!tagged) {
			out_tagger_init(&tg, j->tag.p, j->tag.len);
			tagged = 1;
		}
		while (off < len) {
			size_t want = len - off < sizeof(buf) ?
				      (size_t)(len - off) : sizeof(buf);
			ssize_t n = cap_read(c, off, buf, want);

			if (n <= 0) {
				rc = n < 0 ? (int)n : -EIO;
				break;
			}
			off += (unsigned long long)n;
			/* --results reads the whole capture at the end. */
			if (live)
				cap_discard(c, off, r->results_fd < 0);
			if (!r->broken_pipe || fd != STDOUT_FILENO) {
				int w = out_write_tagged(fd, &tg, buf,
							 (size_t)n);

				if (w && fd == STDOUT_FILENO)
					stdout_gone(r, w);
			}
		}
		if (done || rc)
			break;
	}
	return rc;
}

static void emit_job(struct run *r, struct job *j, int started,
		     int out_done)
{
	const struct opts *o = r->o;
	char err[512];
	int rc;

	started = started && !j->skipped;
	if (started && r->progress && r->tty_out)
		progress_clear(r->progress);
	if (started && o->output == OUT_GROUP && !r->broken_pipe) {
		if (o->json) {
			rc = report_json(STDOUT_FILENO, j);
			if (rc)
				stdout_gone(r, rc);
		} else if (o->files && !out_done) {
			struct buf name = BUF_INIT;

			rc = report_files(&name, j, o->tmpdir, err,
					  sizeof(err));
			if (rc) {
				error("job %llu: %s", j->seq, err);
				j->failed = 1;
			} else if (buf_addch(&name, '\n') == 0 &&
				   (rc = out_write(STDOUT_FILENO, name.p,
						   name.len)) != 0) {
				stdout_gone(r, rc);
			}
			buf_release(&name);
		} else if (!out_done) {
			emit_capture(r, j, &j->out, STDOUT_FILENO, 0, 0);
		}
		if (!o->json)
			emit_capture(r, j, &j->err, STDERR_FILENO, 0, 0);
		rc = cap_error(&j->out);
		if (!rc)
			rc = cap_error(&j->err);
		if (rc) {
			error("job %llu: output lost: cannot keep it in '%s': "
			      "%s", j->seq, o->tmpdir, strerror(-rc));
			j->failed = 1;
		}
	}
	if (started && j->msg && !r->broken_pipe)
		error("%s", j->msg);
	if (started && j->failed)
		r->failed++;
	if (started && r->joblog_fd >= 0 && j->ran && !j->interrupted &&
	    (rc = report_joblog(r->joblog_fd, j)) != 0 && rc != -EPIPE)
		error("cannot write the job log '%s': %s", o->joblog,
		      strerror(-rc));
	cap_release(&j->out);
	cap_release(&j->err);
	buf_release(&j->tag);
	buf_release(&j->cmdline);
	free(j->msg);
	free(j);
}

static void *emitter_main(void *arg)
{
	struct run *r = arg;
	struct job *j;

	if (r->live) {
		while ((j = pool_head(r->pool, NULL))) {
			int started = pool_started(r->pool);

			/* The head streams while it runs; its retries,
			 * JSON and --files need it whole, and r->live is 0
			 * for them. */
			if (started && !r->broken_pipe)
				emit_capture(r, j, &j->out, STDOUT_FILENO, 0,
					     1);
			j = pool_next(r->pool, POOL_ORDERED, NULL);
			emit_job(r, j, started, 1);
		}
		return NULL;
	}
	while ((j = pool_next(r->pool, r->o->keep_order ? POOL_ORDERED :
			      POOL_COMPLETED, NULL)))
		emit_job(r, j, pool_started(r->pool), 0);
	return NULL;
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
		st = r->failed > 100 ? 101 : (int)r->failed;
	pthread_mutex_unlock(&r->mu);
	return st;
}

/*
 * After a stop every job has been accounted for once the emitter is done,
 * but the reader may be blocked for good in read() on a terminal or a pipe
 * that never closes, so the emitter ends the process itself.
 */
static void *emitter_thread(void *arg)
{
	struct run *r = arg;

	emitter_main(r);
	if (stopping(r)) {
		pool_shutdown(r->pool);
		if (r->progress)
			progress_stop(r->progress);
		exit(exit_status(r));
	}
	return NULL;
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
		r->envsize += strlen(environ[i]) + 1 + sizeof(char *);
	}
	r->nenv = k;
	/* Our two variables, at their longest. */
	r->envsize += 2 * (40 + sizeof(char *));
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
		buf_release(&r->slots[i].line[0]);
		buf_release(&r->slots[i].line[1]);
		if (r->slots[i].fetch)
			fetch_slot_free(r->slots[i].fetch);
	}
	if (r->joblog_fd >= 0)
		close(r->joblog_fd);
	if (r->results_fd >= 0)
		close(r->results_fd);
	if (r->have_resume)
		joblog_release(&r->resume);
	free(r->slots);
	free(r->pgid);
	free(r->env);
	fetch_teardown(r->fetch);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	pthread_mutex_destroy(&r->outmu);
	free(r);
}

/* Open what --joblog, --resume* and --results need, before any job. */
static int open_reports(struct run *r, char *err, size_t errlen)
{
	const struct opts *o = r->o;
	int rc, resuming = o->resume || o->resume_failed || o->retry_failed;

	if (resuming) {
		const char *path = o->joblog;

		if (!path || !strcmp(path, "-")) {
			snprintf(err, errlen, "--resume, --resume-failed and "
				 "--retry-failed need --joblog FILE");
			return -EINVAL;
		}
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

int run_new(struct run **out, const struct opts *o, const struct tmpl *t,
	    const struct tmpl *tagstring, char *err, size_t errlen)
{
	struct run *r;
	size_t window;
	int rc;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->o = o;
	r->t = t;
	r->tagt = tagstring;
	r->joblog_fd = -1;
	r->results_fd = -1;
	r->total = o->total > 0 ? (unsigned long long)o->total : 0;
	r->shell = "/bin/sh";
	if (o->use_shell_env && getenv("SHELL") && *getenv("SHELL"))
		r->shell = getenv("SHELL");
	r->arg_max = sysconf(_SC_ARG_MAX);
	r->want_cmdline = o->joblog || o->json;
	r->live = o->keep_order && o->output == OUT_GROUP &&
		  o->retries <= 1 && !o->json && !o->files;
	/* libcurl must be set up before any thread exists. */
	if (o->download) {
		rc = fetch_setup(&r->fetch, o, err, errlen);
		if (rc) {
			free(r);
			return rc;
		}
	}
	pthread_mutex_init(&r->mu, NULL);
	pthread_mutex_init(&r->outmu, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&r->cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	r->slots = calloc(o->jobs + 1, sizeof(*r->slots));
	r->pgid = calloc(o->jobs + 1, sizeof(*r->pgid));
	if (!r->slots || !r->pgid) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = env_setup(r);
	if (!rc)
		rc = open_reports(r, err, errlen);
	if (rc)
		goto fail;
	/* The reorder window: enough finished jobs to keep every worker
	 * busy behind a slow head, bounded so memory stays flat. */
	window = (size_t)o->jobs * 2 + 64;
	rc = pool_new(&r->pool, o->jobs, window, work, r);
	if (rc)
		goto fail;
	if (o->bar || o->eta || o->progress ||
	    (o->download && isatty(STDERR_FILENO))) {
		enum progress_style st = o->eta ? PROGRESS_ETA :
					 o->progress && !o->bar ?
					 PROGRESS_PLAIN : PROGRESS_BAR;

		r->tty_out = isatty(STDOUT_FILENO) || isatty(STDERR_FILENO);
		rc = progress_start(&r->progress, st, STDERR_FILENO, counts,
				    r);
		if (rc) {
			pool_free(r->pool);
			goto fail;
		}
	}
	rc = pthread_create(&r->emitter, NULL, emitter_thread, r);
	if (rc) {
		if (r->progress)
			progress_stop(r->progress);
		pool_free(r->pool);
		rc = -rc;
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

int run_submit_seq(struct run *r, unsigned long long seq,
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
	j = calloc(1, sizeof(*j) + tmpl_args_size(args, nargs));
	if (!j)
		return -ENOMEM;
	j->args = tmpl_args_copy(j + 1, args, nargs);
	j->nargs = nargs;
	j->seq = seq;
	cap_init(&j->out, r->o->tmpdir);
	cap_init(&j->err, r->o->tmpdir);
	buf_init(&j->tag);
	buf_init(&j->cmdline);
	rc = pool_submit(r->pool, j, NULL);
	if (rc) {
		cap_release(&j->out);
		cap_release(&j->err);
		free(j);
	}
	return rc;
}

int run_submit(struct run *r, const struct tmpl_arg *args, size_t nargs)
{
	return run_submit_seq(r, 0, args, nargs);
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
	pthread_join(r->emitter, NULL);
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
