/*
 * DESIGN: the reader (main thread) wraps each job's arguments in a struct
 * job and submits it to the pool. A worker expands the template for its
 * slot, spawns the process and pumps its output into the job: into two
 * captures in grouped mode, into whole lines written at once in
 * line-buffer mode, or nowhere when the job writes to our stdout itself
 * (ungroup). The emitter thread takes finished jobs from the pool, prints
 * them (grouped mode) and counts failures. In keep-order grouped mode it
 * asks the pool for the head job as soon as that starts and streams its
 * stdout live, so the job the user waits for is never held back.
 *
 * Stopping (a signal, or a closed stdout) cancels the pool, so no queued
 * job starts, and signals every running job's process group. A worker
 * registers its job's process group under r->mu right after spawning and
 * removes it only after waitid(WNOWAIT) saw the leader exit: the zombie
 * keeps the group id from being reused, so we never signal a stranger.
 */
#include "run.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "capture.h"
#include "die.h"
#include "out.h"
#include "pool.h"
#include "quote.h"
#include "spawn.h"

/* The kernel's limit on one argument string (MAX_ARG_STRLEN). */
#define ARG_STRLEN_MAX (32 * 4096)

struct job {
	unsigned long long seq;
	struct tmpl_arg *args;	/* into the same allocation */
	size_t nargs;
	/* Written by the worker, read by the emitter after pool_next(). */
	unsigned slot;
	int status;		/* exit value */
	int sig;		/* killed by this signal, or 0 */
	int failed;
	char *msg;		/* lanes' own message about the job */
	struct buf tag;		/* line prefix, --tag / --tagstring */
	struct capture out, err;
};

/* Per-slot state, touched only by the worker that owns the slot. */
struct slot {
	char **envp;
	char seq[40], num[40];
	struct buf line[2];	/* --line-buffer: partial lines */
	struct out_tagger tagger[2];
};

struct run {
	const struct opts *o;
	const struct tmpl *t, *tagt;
	struct tmpl *tsh;	/* t in shell mode, see first_word_shell() */
	struct pool *pool;
	pthread_t emitter;
	const char *shell;
	char **env;		/* environ without LANES_SEQ/LANES_SLOT */
	size_t nenv, envsize;
	long arg_max;
	struct slot *slots;	/* [1..jobs] */
	unsigned long long nsubmitted;

	pthread_mutex_t mu;
	pid_t *pgid;		/* under mu: [slot], 0 when idle */
	int stopping;		/* under mu */
	int stopsig;		/* under mu: what stopped us */
	int killsig;		/* under mu: what running jobs were sent */

	pthread_mutex_t outmu;	/* serialises --line-buffer writes */

	/* The emitter's own. */
	unsigned long long failed;
	int broken_pipe;
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
	pthread_mutex_unlock(&r->mu);
	pool_cancel(r->pool);
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

		/* Only a closed stdout stops the job; a failed write to
		 * stderr is not worth killing it for. */
		return rc == -EPIPE && stream == 1 ? rc : 0;
	}
	/* A capture that cannot grow (disk full) keeps the error for the
	 * emitter to report; we go on draining so the job is not blocked. */
	cap_write(stream == 1 ? &c->j->out : &c->j->err, p, n);
	return 0;
}

static int job_print(struct run *r, struct job *j, struct slot *s,
		     const char *p, size_t n)
{
	switch (r->o->output) {
	case OUT_GROUP:
		return cap_write(&j->out, p, n);
	case OUT_LINE:
		return line_sink(r, s, 1, p, n, 0);
	case OUT_UNGROUP:
		break;
	}
	return out_write(STDOUT_FILENO, p, n);
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

/*
 * A direct command whose first word came from an argument may turn out to
 * be something only the shell knows ("cd", "exit", "FOO=1"); run it the
 * way sh would, so both modes keep giving the same result.
 */
static int first_word_shell(const char *w)
{
	const char *eq = strchr(w, '=');
	const char *p;

	if (quote_is_shell_word(w, strlen(w)))
		return 1;
	if (!eq || eq == w || (*w >= '0' && *w <= '9'))
		return 0;
	for (p = w; p < eq; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return 0;
	return 1;
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
	struct proc pr = { -1, -1, -1 };
	char *shargv[4];
	char *const *argv;
	int want_display = o->verbose || o->dry_run;
	int rc, status;
	siginfo_t si;

	if (r->t) {
		rc = tmpl_expand(r->t, &tj, &cmd, want_display);
		if (!rc && cmd.direct && r->tsh &&
		    first_word_shell(cmd.argv[0])) {
			tmpl_cmd_release(&cmd);
			rc = tmpl_expand(r->tsh, &tj, &cmd, want_display);
		}
	} else {
		rc = expand_line(r, j, &cmd);
	}
	if (rc == -EILSEQ) {
		job_fail(j, 126, "job %llu: an argument contains a NUL byte, "
			 "which a command line cannot hold", j->seq);
		goto out;
	}
	if (rc) {
		job_fail(j, 126, "job %llu: %s", j->seq, strerror(-rc));
		goto out;
	}
	if (want_display) {
		buf_addch(&cmd.display, '\n');
		rc = job_print(r, j, s, cmd.display.p, cmd.display.len);
		if (rc == -EPIPE)
			run_stop(r, SIGPIPE, SIGTERM);
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

	if (o->output != OUT_UNGROUP) {
		rc = spawn_pump(&pr, job_sink, &sc);
		if (rc) {
			/* Our stdout is gone: nobody will read any job. */
			spawn_close(&pr);
			run_stop(r, SIGPIPE, SIGTERM);
			kill(-pr.pid, SIGTERM);
		}
	}
	while (waitid(P_PID, (id_t)pr.pid, &si, WEXITED | WNOWAIT) < 0 &&
	       errno == EINTR)
		;
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

static void work(void *item, unsigned slot, void *ctx)
{
	struct run *r = ctx;
	struct job *j = item;
	struct slot *s = &r->slots[slot];

	j->slot = slot;
	if (r->o->tag || r->o->tagstring) {
		make_tag(r, j);
		if (r->o->output == OUT_LINE) {
			out_tagger_init(&s->tagger[0], j->tag.p, j->tag.len);
			out_tagger_init(&s->tagger[1], j->tag.p, j->tag.len);
		}
	}
	run_job(r, j, s);
	cap_finish(&j->out);
	cap_finish(&j->err);
}

/* Stdout went away (| head): stop quietly and promptly. */
static void broken_pipe(struct run *r)
{
	if (r->broken_pipe)
		return;
	r->broken_pipe = 1;
	run_stop(r, SIGPIPE, SIGTERM);
}

static int emit_capture(struct run *r, struct job *j, struct capture *c,
			int fd, unsigned long long off, int live)
{
	struct out_tagger tg;
	char buf[65536];
	int rc = 0;

	out_tagger_init(&tg, j->tag.p, j->tag.len);
	for (;;) {
		unsigned long long len;
		int done = 1;

		len = live ? cap_wait(c, off, &done) : cap_len(c);
		while (off < len) {
			size_t want = len - off < sizeof(buf) ?
				      (size_t)(len - off) : sizeof(buf);
			ssize_t n = cap_read(c, off, buf, want);

			if (n <= 0) {
				rc = n < 0 ? (int)n : -EIO;
				break;
			}
			off += (unsigned long long)n;
			if (!r->broken_pipe || fd != STDOUT_FILENO) {
				int w = out_write_tagged(fd, &tg, buf,
							 (size_t)n);

				if (w == -EPIPE && fd == STDOUT_FILENO)
					broken_pipe(r);
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
	int rc;

	if (started && r->o->output == OUT_GROUP) {
		if (!out_done)
			emit_capture(r, j, &j->out, STDOUT_FILENO, 0, 0);
		emit_capture(r, j, &j->err, STDERR_FILENO, 0, 0);
		rc = cap_error(&j->out);
		if (!rc)
			rc = cap_error(&j->err);
		if (rc) {
			error("job %llu: output lost: cannot keep it in '%s': "
			      "%s", j->seq, r->o->tmpdir, strerror(-rc));
			j->failed = 1;
		}
	}
	if (j->msg)
		error("%s", j->msg);
	if (started && j->failed)
		r->failed++;
	cap_release(&j->out);
	cap_release(&j->err);
	buf_release(&j->tag);
	free(j->msg);
	free(j);
}

static void *emitter_main(void *arg)
{
	struct run *r = arg;
	struct job *j;

	if (r->o->keep_order && r->o->output == OUT_GROUP) {
		while ((j = pool_head(r->pool, NULL))) {
			int started = pool_started(r->pool);

			if (started)
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

/*
 * After a stop every job has been accounted for once the emitter is done,
 * but the reader may be blocked for good in read() on a terminal or a pipe
 * that never closes, so the emitter ends the process itself.
 */
static void *emitter_thread(void *arg)
{
	struct run *r = arg;
	int sig;

	emitter_main(r);
	sig = run_stopped_by(r);
	if (sig) {
		pool_shutdown(r->pool);
		exit(128 + sig);
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

int run_new(struct run **out, const struct opts *o, const struct tmpl *t,
	    const struct tmpl *tagstring)
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
	r->shell = "/bin/sh";
	if (o->use_shell_env && getenv("SHELL") && *getenv("SHELL"))
		r->shell = getenv("SHELL");
	r->arg_max = sysconf(_SC_ARG_MAX);
	if (t && !tmpl_is_shell(t) && o->ncmd) {
		int flags = TMPL_SHELL | (o->quote ? TMPL_QUOTE : 0) |
			    (o->context ? TMPL_CONTEXT : 0);
		char err[256];

		rc = tmpl_parse(&r->tsh, o->cmd, o->ncmd, o->replstr, flags,
				err, sizeof(err));
		if (rc) {
			free(r);
			return rc;
		}
	}
	pthread_mutex_init(&r->mu, NULL);
	pthread_mutex_init(&r->outmu, NULL);
	r->slots = calloc(o->jobs + 1, sizeof(*r->slots));
	r->pgid = calloc(o->jobs + 1, sizeof(*r->pgid));
	if (!r->slots || !r->pgid) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = env_setup(r);
	if (rc)
		goto fail;
	/* The reorder window: enough finished jobs to keep every worker
	 * busy behind a slow head, bounded so memory stays flat. */
	window = (size_t)o->jobs * 2 + 64;
	rc = pool_new(&r->pool, o->jobs, window, work, r);
	if (rc)
		goto fail;
	rc = pthread_create(&r->emitter, NULL, emitter_thread, r);
	if (rc) {
		pool_free(r->pool);
		rc = -rc;
		goto fail;
	}
	*out = r;
	return 0;
fail:
	tmpl_free(r->tsh);
	free(r->slots);
	free(r->pgid);
	free(r->env);
	free(r);
	return rc;
}

int run_submit(struct run *r, const struct tmpl_arg *args, size_t nargs)
{
	struct job *j;
	size_t i, bytes = 0;
	char *p;
	int rc;

	for (i = 0; i < nargs; i++)
		bytes += args[i].len + 1;
	j = calloc(1, sizeof(*j) + nargs * sizeof(*j->args) + bytes);
	if (!j)
		return -ENOMEM;
	j->args = (struct tmpl_arg *)(j + 1);
	j->nargs = nargs;
	p = (char *)(j->args + nargs);
	for (i = 0; i < nargs; i++) {
		memcpy(p, args[i].p, args[i].len);
		p[args[i].len] = '\0';
		j->args[i].p = p;
		j->args[i].len = args[i].len;
		p += args[i].len + 1;
	}
	j->seq = ++r->nsubmitted;
	cap_init(&j->out, r->o->tmpdir);
	cap_init(&j->err, r->o->tmpdir);
	buf_init(&j->tag);
	rc = pool_submit(r->pool, j, NULL);
	if (rc) {
		r->nsubmitted--;
		cap_release(&j->out);
		cap_release(&j->err);
		free(j);
	}
	return rc;
}

int run_finish(struct run *r)
{
	unsigned long long failed;
	unsigned i;
	int sig;

	pool_close(r->pool);
	pthread_join(r->emitter, NULL);
	pool_free(r->pool);
	failed = r->failed;
	sig = run_stopped_by(r);
	for (i = 0; i <= r->o->jobs; i++) {
		free(r->slots[i].envp);
		buf_release(&r->slots[i].line[0]);
		buf_release(&r->slots[i].line[1]);
	}
	free(r->slots);
	free(r->pgid);
	free(r->env);
	tmpl_free(r->tsh);
	pthread_mutex_destroy(&r->mu);
	pthread_mutex_destroy(&r->outmu);
	free(r);
	if (sig)
		return 128 + sig;
	return failed > 100 ? 101 : (int)failed;
}
