/*
 * DESIGN: in grouped mode a job's output is captured while it runs and
 * printed whole by the emitter thread, the only writer of our stdout, so
 * two jobs never interleave. In keep-order grouped mode the emitter asks
 * the pool for the head job as soon as that starts and streams its stdout
 * live, so the job the user waits for is never held back by the jobs
 * behind it; it is held only by the reader of our output, as if it wrote
 * to a pipe (see CAP_LIVE_AHEAD). With --line-buffer the workers write
 * whole lines themselves under one lock, and the emitter only reports
 * each job's end. A job is written to the job log only once its output is
 * out, which is what makes --resume safe after a crash.
 */
#include "emit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "die.h"
#include "report.h"

void outpol_decide(struct outpol *p, const struct opts *o)
{
	int ordered = o->keep_order || o->dry_run;
	int sink = o->output == OUT_LINE ? SINK_LINES :
		   o->output == OUT_UNGROUP ? SINK_DIRECT : SINK_CAPTURE;
	int redo = o->retries > 1 || o->nsshlogins || o->nslfs;

	memset(p, 0, sizeof(*p));
	/* --json and --files need each job's output whole; in input order
	 * the head streams live anyway, which is what --line-buffer is
	 * for. */
	if (o->json || o->files || (ordered && sink == SINK_LINES))
		sink = SINK_CAPTURE;
	/* --results: the output goes to the files, not to us, as in GNU
	 * parallel; captured whole, for the files. */
	if (o->results)
		sink = SINK_CAPTURE;
	p->sink = sink;
	p->ordered = ordered;
	p->show = sink != SINK_CAPTURE ? SHOW_NOTHING :
		  o->json ? SHOW_JSON : o->files ? SHOW_FILES :
		  o->results ? SHOW_NOTHING : SHOW_OUTPUT;
	/* A retried job's output may be thrown away, so it cannot stream;
	 * nor can a remote job's, which runs again on another host when
	 * its own fails under it. */
	p->live = ordered && p->show == SHOW_OUTPUT && !redo;
	p->claim = !ordered && p->show == SHOW_OUTPUT && !redo && !o->results;
	p->tagged = o->tag || o->tagstring;
}

int emit_init(struct emitter *e, const struct opts *o,
	      const struct tmpl *tagt, int joblog_fd, int results_fd,
	      void (*stdout_failed)(void *ctx, int rc), void *ctx)
{
	memset(e, 0, sizeof(*e));
	e->o = o;
	outpol_decide(&e->pol, o);
	e->tagt = tagt;
	e->joblog_fd = joblog_fd;
	e->results_fd = results_fd;
	e->table_fd = -1;
	e->stdout_failed = stdout_failed;
	e->ctx = ctx;
	e->slots = calloc(o->jobs + 1, sizeof(*e->slots));
	if (!e->slots)
		return -ENOMEM;
	for (unsigned i = 0; i <= o->jobs; i++) {
		cap_init(&e->slots[i].line[0], o->tmpdir);
		cap_init(&e->slots[i].line[1], o->tmpdir);
	}
	pthread_mutex_init(&e->linemu, NULL);
	pthread_mutex_init(&e->ownmu, NULL);
	pthread_cond_init(&e->owncv, NULL);
	return 0;
}

void emit_release(struct emitter *e)
{
	for (unsigned i = 0; e->slots && i <= e->o->jobs; i++) {
		cap_release(&e->slots[i].line[0]);
		cap_release(&e->slots[i].line[1]);
	}
	free(e->slots);
	e->slots = NULL;
	pthread_mutex_destroy(&e->linemu);
	pthread_mutex_destroy(&e->ownmu);
	pthread_cond_destroy(&e->owncv);
}

struct tagged {
	int fd;
	struct out_tagger *tagger;
};

static int write_tagged(void *ctx, const char *p, size_t n)
{
	struct tagged *t = ctx;

	return out_write_tagged(t->fd, t->tagger, p, n);
}

/*
 * --line-buffer: write every complete line now, keep the rest. The rest
 * is kept in a capture, so a line without an end takes at most
 * CAP_MEM_MAX of memory and goes to --tmpdir beyond that; it is written
 * whole, under the lock, once it ends, so lines of two jobs never mix.
 */
static int line_sink(struct emitter *e, struct job *j, int stream,
		     const char *p, size_t n, int flush)
{
	struct emit_slot *s = &e->slots[j->slot];
	struct capture *part = &s->line[stream - 1];
	struct tagged t = { stream, &s->tagger[stream - 1] };
	const char *nl = NULL;
	size_t head;
	int rc = 0, lost;

	for (size_t i = n; i-- > 0;)
		if (p[i] == '\n') {
			nl = p + i;
			break;
		}
	if (!nl && !flush) {
		cap_write(part, p, n);	/* a failure shows in cap_error() */
		return 0;
	}
	head = nl ? (size_t)(nl - p) + 1 : n;
	pthread_mutex_lock(&e->linemu);
	if (e->progress && e->tty_out)
		progress_clear(e->progress);
	if (cap_len(part))
		rc = cap_each(part, write_tagged, &t);
	if (!rc && head)
		rc = out_write_tagged(stream, t.tagger, p, head);
	pthread_mutex_unlock(&e->linemu);
	lost = cap_error(part);
	if (lost)
		error("job %llu: output lost: cannot keep a long line in "
		      "'%s': %s", j->seq, e->o->tmpdir, strerror(-lost));
	cap_reset(part);
	if (head < n)
		cap_write(part, p + head, n - head);
	return rc;
}

/*
 * The emitter handed the job's stdout over (cap_hand_over()): it is the
 * job the user is watching, so its worker writes to our stdout itself,
 * with no copy through the capture and the emitter thread.
 */
static int write_direct(struct emitter *e, struct job *j, const char *p,
			size_t n)
{
	struct emit_slot *s = &e->slots[j->slot];
	int rc;

	if (!s->direct) {
		s->direct = 1;
		out_tagger_init(&s->tagger[0], j->tag.p, j->tag.len);
		s->tagger[0].midline = cap_direct_midline(&j->out);
	}
	rc = out_write_tagged(STDOUT_FILENO, &s->tagger[0], p, n);
	if (rc)
		e->stdout_failed(e->ctx, rc);
	return rc;
}

static int write_tagged_out(void *ctx, const char *p, size_t n)
{
	return out_write_tagged(STDOUT_FILENO, ctx, p, n);
}

/*
 * Grouped mode: a job that has printed more than fits in memory takes our
 * stdout while it runs, if nobody is printing, and writes the rest
 * itself: its bytes then go through no spill file and no emitter thread.
 * Its output stays in one piece, since the emitter prints no other job
 * until it lets go (emit_job_end()). 1 when taken, 0 when not, -errno.
 */
static int claim_stdout(struct emitter *e, struct job *j)
{
	struct emit_slot *s = &e->slots[j->slot];
	unsigned long long len;
	int rc, mine;

	pthread_mutex_lock(&e->ownmu);
	mine = !e->owner && !e->printing;
	if (mine)
		e->owner = j;
	pthread_mutex_unlock(&e->ownmu);
	if (!mine)
		return 0;
	if (e->progress && e->tty_out)
		progress_clear(e->progress);
	out_tagger_init(&s->tagger[0], j->tag.p, j->tag.len);
	len = cap_len(&j->out);
	rc = cap_each(&j->out, write_tagged_out, &s->tagger[0]);
	if (rc) {
		e->stdout_failed(e->ctx, rc);
		return rc;
	}
	j->out_done = 1;
	/* The worker is the capture's only reader from here on. */
	cap_discard(&j->out, len, 1);
	cap_hand_over(&j->out);
	return 1;
}

int emit_sink(void *ctx, int stream, const char *p, size_t n)
{
	struct emit_ctx *c = ctx;
	struct emitter *e = c->e;
	struct job *j = c->j;
	int rc;

	if (e->pol.sink != SINK_LINES) {
		/* A capture that cannot grow (disk full) keeps the error
		 * for the emitter to report; we go on draining so the job
		 * is not blocked. */
		if (stream == 1 && e->pol.claim && !j->out_done &&
		    cap_len(&j->out) + n > CAP_MEM_MAX &&
		    (rc = claim_stdout(e, j)) < 0)
			return rc;
		rc = cap_write(stream == 1 ? &j->out : &j->err, p, n);
		if (rc == CAP_DIRECT)
			return write_direct(e, j, p, n);
		return 0;
	}
	rc = line_sink(e, j, stream, p, n, 0);
	j->streamed += n;	/* for the job log's Receive */
	/* Only a failed stdout stops the job; a failed write to stderr is
	 * not worth killing it for. */
	if (rc && stream == 1) {
		e->stdout_failed(e->ctx, rc);
		return rc;
	}
	return 0;
}

int emit_print(struct emitter *e, struct job *j, const char *p, size_t n)
{
	int rc;

	switch (e->pol.sink) {
	case SINK_CAPTURE:
		/* The emitter reports a capture that failed. */
		rc = cap_write(&j->out, p, n);
		return rc == CAP_DIRECT ? write_direct(e, j, p, n) : 0;
	case SINK_LINES:
		rc = line_sink(e, j, 1, p, n, 0);
		break;
	default:
		rc = out_write(STDOUT_FILENO, p, n);
		break;
	}
	if (rc)
		e->stdout_failed(e->ctx, rc);
	return rc;
}

static void make_tag(struct emitter *e, struct job *j)
{
	buf_reset(&j->tag);
	if (e->tagt) {
		struct tmpl_job tj = { j->args, j->nargs, j->seq, j->slot,
				       j->host };
		struct tmpl_cmd c;

		if (tmpl_expand(e->tagt, &tj, &c, 0) == 0)
			buf_add(&j->tag, buf_str(&c.shell), c.shell.len);
		tmpl_cmd_release(&c);
	} else if (j->onhost) {
		/* --onall --tag: the host, as GNU parallel tags it. */
		buf_addstr(&j->tag, j->host);
	} else {
		for (size_t i = 0; i < j->nargs; i++) {
			if (i)
				buf_addch(&j->tag, ' ');
			buf_add(&j->tag, j->args[i].p, j->args[i].len);
		}
	}
	buf_addch(&j->tag, '\t');
}

void emit_job_begin(struct emitter *e, struct job *j)
{
	struct emit_slot *s = &e->slots[j->slot];

	s->direct = 0;
	if (!e->pol.tagged)
		return;
	make_tag(e, j);
	out_tagger_init(&s->tagger[0], j->tag.p, j->tag.len);
	out_tagger_init(&s->tagger[1], j->tag.p, j->tag.len);
}

void emit_job_end(struct emitter *e, struct job *j)
{
	pthread_mutex_lock(&e->ownmu);
	if (e->owner == j) {
		e->owner = NULL;
		pthread_cond_broadcast(&e->owncv);
	}
	pthread_mutex_unlock(&e->ownmu);
	if (e->pol.sink != SINK_LINES)
		return;
	line_sink(e, j, 1, NULL, 0, 1);
	line_sink(e, j, 2, NULL, 0, 1);
}

/* The emitter's stdout failed: write nothing more there, and stop. */
static void stdout_gone(struct emitter *e, int rc)
{
	if (e->broken_pipe)
		return;
	e->broken_pipe = 1;
	e->stdout_failed(e->ctx, rc);
}

static int emit_capture(struct emitter *e, struct job *j,
			struct capture *c, int fd, int live)
{
	struct out_tagger tg;
	unsigned long long off = 0;
	char buf[65536];
	int rc = 0, tagged = 0, offered = 0;

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
			ssize_t n = 0;

			/* Untagged bytes in the spill file go out without
			 * passing through here. */
			if (!j->tag.len && (!e->broken_pipe ||
					    fd != STDOUT_FILENO)) {
				n = cap_send(c, off, fd, len - off > (1 << 30) ?
					     (1 << 30) : (size_t)(len - off));
				if (n < 0) {
					if (fd == STDOUT_FILENO)
						stdout_gone(e, (int)n);
					n = 0;
				} else if (n > 0) {
					off += (unsigned long long)n;
					if (live)
						cap_discard(c, off,
							    e->results_fd < 0);
					continue;
				}
			}
			n = cap_read(c, off, buf, want);

			if (n <= 0) {
				rc = n < 0 ? (int)n : -EIO;
				break;
			}
			off += (unsigned long long)n;
			if (!e->broken_pipe || fd != STDOUT_FILENO) {
				int w = out_write_tagged(fd, &tg, buf,
							 (size_t)n);

				if (w && fd == STDOUT_FILENO)
					stdout_gone(e, w);
			}
			/* Only now: once handed over, the writer takes
			 * stdout as soon as this says all is consumed.
			 * --results reads the whole capture at the end. */
			if (live)
				cap_discard(c, off, e->results_fd < 0);
		}
		if (done || rc)
			break;
		/* All printed and more to come: let the job write the rest
		 * itself. --results needs the whole capture at the end. */
		if (live && !offered && e->results_fd < 0 && !e->broken_pipe &&
		    fd == STDOUT_FILENO) {
			cap_hand_over(c);
			offered = 1;
		}
	}
	return rc;
}

/* --files: the name of a file holding the job's stdout. */
static void show_files(struct emitter *e, struct job *j)
{
	struct buf name = BUF_INIT;
	char err[512];
	int rc;

	rc = report_files(&name, j, e->o->tmpdir, err, sizeof(err));
	if (rc) {
		error("job %llu: %s", j->seq, err);
		j->failed = 1;
	} else if (buf_addch(&name, '\n') == 0 &&
		   (rc = out_write(STDOUT_FILENO, name.p, name.len)) != 0) {
		stdout_gone(e, rc);
	}
	buf_release(&name);
}

static void show_job(struct emitter *e, struct job *j, int out_done)
{
	int rc;

	switch (e->pol.show) {
	case SHOW_JSON:
		rc = report_json(STDOUT_FILENO, j);
		if (rc)
			stdout_gone(e, rc);
		break;
	case SHOW_FILES:
		if (!out_done)
			show_files(e, j);
		break;
	case SHOW_OUTPUT:
		if (!out_done)
			emit_capture(e, j, &j->out, STDOUT_FILENO, 0);
		break;
	case SHOW_NOTHING:
		return;
	}
	if (e->pol.show != SHOW_JSON)
		emit_capture(e, j, &j->err, STDERR_FILENO, 0);
	rc = cap_error(&j->out);
	if (!rc)
		rc = cap_error(&j->err);
	if (rc) {
		error("job %llu: output lost: cannot keep it in '%s': %s",
		      j->seq, e->o->tmpdir, strerror(-rc));
		j->failed = 1;
	}
}

/* Report one job the pool handed over, and free it. */
static void emit_job(struct emitter *e, struct job *j, int started,
		     int out_done)
{
	int rc;

	started = started && !j->skipped;
	/* A job that took stdout while it runs has it until it ends. */
	pthread_mutex_lock(&e->ownmu);
	while (e->owner)
		pthread_cond_wait(&e->owncv, &e->ownmu);
	e->printing = 1;
	pthread_mutex_unlock(&e->ownmu);
	if (started && e->progress && e->tty_out)
		progress_clear(e->progress);
	if (started && !e->broken_pipe)
		show_job(e, j, out_done || j->out_done);
	pthread_mutex_lock(&e->ownmu);
	e->printing = 0;
	pthread_mutex_unlock(&e->ownmu);
	if (started && j->msg && !e->broken_pipe)
		error("%s", j->msg);
	if (started && j->failed)
		e->failed++;
	if (started && e->joblog_fd >= 0 && j->ran && !j->interrupted &&
	    (rc = report_joblog(e->joblog_fd, j)) != 0 && rc != -EPIPE)
		error("cannot write the job log '%s': %s", e->o->joblog,
		      strerror(-rc));
	if (started && e->table_fd >= 0 && j->ran && !j->interrupted &&
	    (rc = report_table(e->table_fd, e->table_kind, j,
			       &e->table_header)) != 0 && rc != -EPIPE)
		error("cannot write --results '%s': %s", e->o->results,
		      strerror(-rc));
	job_free(j);
}

static void *emitter_main(void *arg)
{
	struct emitter *e = arg;
	struct job *j;

	if (e->pol.live) {
		while ((j = pool_head(e->pool, NULL))) {
			int started = pool_started(e->pool);

			if (started && !e->broken_pipe)
				emit_capture(e, j, &j->out, STDOUT_FILENO, 1);
			j = pool_next(e->pool, POOL_ORDERED, NULL);
			emit_job(e, j, started, 1);
		}
	} else {
		while ((j = pool_next(e->pool, e->pol.ordered ? POOL_ORDERED :
				      POOL_COMPLETED, NULL)))
			emit_job(e, j, pool_started(e->pool), 0);
	}
	if (e->drained)
		e->drained(e->ctx);
	return NULL;
}

int emit_start(struct emitter *e, struct pool *pool,
	       void (*drained)(void *ctx))
{
	e->pool = pool;
	e->drained = drained;
	e->tty_out = isatty(STDOUT_FILENO) || isatty(STDERR_FILENO);
	return -pthread_create(&e->thread, NULL, emitter_main, e);
}

void emit_join(struct emitter *e)
{
	pthread_join(e->thread, NULL);
}
