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
 * A job's life on its worker is in work.c; the state both share is in
 * runstate.h.
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

#include "runstate.h"
#include "work.h"

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
void run_stdout_failed(void *ctx, int rc)
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

int run_stopping(struct run *r)
{
	int st;

	pthread_mutex_lock(&r->mu);
	st = r->stopping;
	pthread_mutex_unlock(&r->mu);
	return st;
}

/*
 * The exit status after --halt, as GNU parallel 20221122 gives it: 0 for
 * success=; the status of the job that made it stop for fail=1 and
 * done=1; the number of failed jobs for a larger count; and for a
 * percentage, the percentage of all jobs that failed, rounded up.
 * Called under mu.
 */
static int halt_exit(struct run *r)
{
	const struct halt *h = &r->o->halt;
	unsigned long long base = r->total ? r->total : r->nsubmitted;

	if (h->what == HALT_SUCCESS)
		return 0;
	if (h->is_percent)
		return base ? (int)((r->nfailed * 100 + base - 1) / base) : 0;
	if (h->count == 1)
		return r->halt_status;
	return r->nfailed > 100 ? 101 : (int)r->nfailed;
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
		st = halt_exit(r);
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

	if (!run_stopping(r))
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
		    !strncmp(environ[i], "LANES_SLOT=", 11) ||
		    !strncmp(environ[i], "PARALLEL_SEQ=", 13) ||
		    !strncmp(environ[i], "PARALLEL_JOBSLOT=", 17) ||
		    !strncmp(environ[i], "PARALLEL_PID=", 13))
			continue;
		r->env[k++] = environ[i];
	}
	r->nenv = k;
	snprintf(r->pid_env, sizeof(r->pid_env), "PARALLEL_PID=%ld",
		 (long)getpid());
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
	/* Jobs --resume skips are not this run's work: a resumed bar ends
	 * at 100% too. */
	if (c->total > r->nskipped)
		c->total -= r->nskipped;
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
	if (r->table_fd >= 0)
		close(r->table_fd);
	if (r->have_resume)
		joblog_release(&r->resume);
	for (size_t i = 0; i < r->nheld; i++)
		job_free(r->held[i]);
	free(r->held);
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
	bo.block.nrec = (unsigned long long)o->pipe_nrec;
	bo.block.lines = o->max_lines > 0 ? (unsigned long long)o->max_lines
					  : 0;
	if (o->header) {
		const char *h = o->header;

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
		/* optcheck_opts() made sure --joblog names a file. */
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
		if (r->resume.n)
			r->resume_max = r->resume.e[r->resume.n - 1].seq;
		/* A command that holds {%} differs from run to run. */
		r->resume_check = !o->retry_failed && !o->resume_anyway &&
				  !(r->t && tmpl_uses_slot(r->t));
	}
	if (o->joblog) {
		r->joblog_fd = report_joblog_open(o->joblog, resuming, err,
						  errlen);
		if (r->joblog_fd < 0)
			return r->joblog_fd;
	}
	if (o->results && report_table_kind(o->results)) {
		/* "-.tsv" and the like: the table on our stdout. */
		if (!strncmp(o->results, "-.", 2))
			r->table_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		else
			r->table_fd = open(o->results, O_WRONLY | O_CREAT |
					   O_TRUNC | O_CLOEXEC, 0666);
		if (r->table_fd < 0) {
			rc = -errno;
			snprintf(err, errlen, "cannot open '%s': %s",
				 o->results, strerror(errno));
			return rc;
		}
	} else if (o->results) {
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
	ro.files.input = o->pipe;
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
	ro.files.cmdline = work_remote_cmd;
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
	r->table_fd = -1;
	r->total = o->total > 0 ? (unsigned long long)o->total : 0;
	r->shell = "/bin/sh";
	if (o->use_shell_env && getenv("SHELL") && *getenv("SHELL"))
		r->shell = getenv("SHELL");
	r->want_cmdline = o->joblog || o->json || o->results;
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
			       r->results_fd, run_stdout_failed, r);
	if (!rc && r->table_fd >= 0) {
		r->emit.table_fd = r->table_fd;
		r->emit.table_kind = report_table_kind(o->results);
	}
	if (!rc && !r->launcher)
		rc = launch_local_new(&r->launcher, o->jobs,
				      sysconf(_SC_ARG_MAX));
	if (rc)
		goto fail;
	/* The reorder window: enough finished jobs to keep every worker
	 * busy behind a slow head, bounded so memory stays flat. */
	window = (size_t)o->jobs * 2 + 64;
	rc = pool_new(&r->pool, o->jobs, window, work_job, r);
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

/* The command the job log would show for these arguments. */
static int logged_form(struct run *r, unsigned long long seq,
		       const struct tmpl_arg *args, size_t nargs,
		       struct buf *b)
{
	struct tmpl_job tj = { args, nargs, seq, 1, NULL };
	struct tmpl_cmd cmd;
	int rc = 0;

	if (r->o->download) {
		for (size_t i = 0; i < nargs && !rc; i++) {
			if (i)
				rc = buf_addch(b, '\t');
			if (!rc)
				rc = buf_add(b, args[i].p, args[i].len);
		}
		return rc;
	}
	rc = r->t ? tmpl_expand(r->t, &tj, &cmd, 1)
		  : cmdline_expand(args, nargs, r->o->use_shell_env, &cmd);
	if (!rc)
		rc = buf_add(b, buf_str(&cmd.display), cmd.display.len);
	tmpl_cmd_release(&cmd);
	return rc;
}

/*
 * --resume: 0 if the log's command for seq is the one lanes would run now
 * (or the log has none); else say so, and return -ESTALE.
 */
static int resume_matches(struct run *r, unsigned long long seq,
			  const struct tmpl_arg *args, size_t nargs)
{
	const struct joblog_entry *e = joblog_lookup(&r->resume, seq);
	struct buf now = BUF_INIT;
	int rc;

	if (!e)
		return 0;
	rc = logged_form(r, seq, args, nargs, &now);
	if (rc == 0 && (now.len != e->cmdlen ||
			memcmp(buf_str(&now), e->cmd, now.len))) {
		error("--resume: job %llu in '%s' ran '%.*s', the input now "
		      "makes it '%.*s': the input changed, and skipping by "
		      "number would skip the wrong jobs; use a new --joblog, "
		      "or --resume-anyway to skip by number all the same",
		      seq, r->o->joblog[0] == '+' ? r->o->joblog + 1
						  : r->o->joblog,
		      (int)(e->cmdlen > 200 ? 200 : e->cmdlen), e->cmd,
		      (int)(now.len > 200 ? 200 : now.len), buf_str(&now));
		rc = -ESTALE;
	}
	buf_release(&now);
	return rc == -EILSEQ ? 0 : rc;
}

static int submit_job(struct run *r, struct job *j)
{
	int rc;

	/* Only the reader submits, so turns follow the queue's order. */
	pthread_mutex_lock(&r->mu);
	j->turn = r->nturns++;
	pthread_mutex_unlock(&r->mu);
	rc = pool_submit(r->pool, j, NULL);
	if (rc)
		job_free(j);
	return rc;
}

/* --onall: a copy of the job on every host in the run now, each pinned
 * to its host. Takes j. */
static int submit_onall(struct run *r, struct job *j)
{
	int rc = 0;

	for (size_t h = 0; !rc && h < remote_nhosts(r->remote); h++) {
		struct job *c;

		if (remote_host_retired(r->remote, h))
			continue;
		c = job_new(j->seq, j->args, j->nargs, r->o->tmpdir);
		if (!c) {
			rc = -ENOMEM;
			break;
		}
		c->onhost = (unsigned)h + 1;
		snprintf(c->host, sizeof(c->host), "%s",
			 remote_host_name(r->remote, h));
		rc = submit_job(r, c);
	}
	job_free(j);
	return rc;
}

/* Submit the jobs that waited for the --resume check. */
static int release_held(struct run *r)
{
	int rc = 0;
	size_t i;

	for (i = 0; i < r->nheld && !rc; i++)
		rc = submit_job(r, r->held[i]);
	for (; i < r->nheld; i++)
		job_free(r->held[i]);
	r->nheld = 0;
	return rc;
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
	if (r->resume_check && seq <= r->resume_max) {
		rc = resume_matches(r, seq, args, nargs);
		if (rc)
			return rc;
	}
	if (already_done(r, seq)) {
		pthread_mutex_lock(&r->mu);
		r->nskipped++;
		pthread_mutex_unlock(&r->mu);
		return 0;
	}
	j = job_new(seq, args, nargs, r->o->tmpdir);
	if (!j)
		return -ENOMEM;
	if (r->resume_check && seq <= r->resume_max) {
		if (r->nheld == r->heldcap) {
			size_t cap = r->heldcap ? r->heldcap * 2 : 64;
			struct job **h = realloc(r->held, cap * sizeof(*h));

			if (!h) {
				job_free(j);
				return -ENOMEM;
			}
			r->held = h;
			r->heldcap = cap;
		}
		r->held[r->nheld++] = j;
		return 0;
	}
	rc = release_held(r);
	if (rc) {
		job_free(j);
		return rc;
	}
	return r->o->onall ? submit_onall(r, j) : submit_job(r, j);
}

/* A job for block b, or with b NULL a --round-robin job. */
static int run_submit_block(struct run *r, struct block *b)
{
	struct job *j;
	int rc;

	/* --resume goes by block number alone: a block's bytes are not in
	 * the log, so its command could not tell a changed input. */
	if (b && already_done(r, b->seq)) {
		pthread_mutex_lock(&r->mu);
		if (b->seq > r->nsubmitted)
			r->nsubmitted = b->seq;
		r->nskipped++;
		pthread_mutex_unlock(&r->mu);
		bulk_put(r->bulk, b);
		return 0;
	}
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
	if (release_held(r))
		run_stop(r, SIGTERM, 0);
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
