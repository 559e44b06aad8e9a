/*
 * emit: where job output goes. Owns the output policy, decided once from
 * the options; the sinks a running job's output is handed to (a capture,
 * whole lines written at once with --line-buffer, or nothing when the job
 * writes to our stdout itself with -u); and the emitter thread, which
 * takes finished jobs from the pool in completion or input order, prints
 * them, writes their job log lines and counts the failures. The emitter
 * never starts a job: a failed standard output and the end of the run are
 * reported to its owner through callbacks.
 *
 * Protocol:
 *   1. emit_init() on the main thread; set progress if there is one.
 *   2. emit_start() starts the emitter thread on a pool.
 *   3. Workers, for each job: emit_job_begin() before its first try,
 *      emit_sink() as the launcher's sink (ctx: a struct emit_ctx),
 *      emit_print() for lines lanes prints for the job (-v, --dry-run,
 *      download results), emit_job_end() after each try. A try may
 *      call emit_job_begin() again before its first output, when what
 *      the tag shows changed (a remote job's {host}).
 *   4. emit_join() once the pool is closed; emit_failed() then counts the
 *      failed jobs that were reported. emit_release().
 *
 * Thread-safety: as in the protocol; the worker functions may run on many
 * workers at once, each for the job in its own slot.
 * Errors: failures to write our stdout go to the stdout_failed callback;
 * other errors are printed with the job they concern.
 */
#ifndef LANES_EMIT_H
#define LANES_EMIT_H

#include <pthread.h>
#include <stddef.h>

#include "buf.h"
#include "capture.h"
#include "job.h"
#include "opts.h"
#include "out.h"
#include "pool.h"
#include "progress.h"
#include "tmpl.h"

/* The output policy: every output decision, made once from the options. */
struct outpol {
	enum {
		SINK_CAPTURE,	/* kept whole, printed by the emitter */
		SINK_LINES,	/* --line-buffer: whole lines, at once */
		SINK_DIRECT,	/* -u: the job writes to our stdout */
	} sink;
	enum {
		SHOW_OUTPUT,	/* the captured output */
		SHOW_JSON,	/* one JSON object per job */
		SHOW_FILES,	/* --files: the name of a file holding it */
		SHOW_NOTHING,	/* already written while the job ran */
	} show;
	int ordered;		/* -k: in input order */
	int live;		/* -k: the head job's stdout streams live */
	int claim;		/* grouped: a job printing much may take
				 * stdout while it runs */
	int tagged;		/* --tag / --tagstring */
};

void outpol_decide(struct outpol *p, const struct opts *o);

/* Per slot, touched only by the worker that owns the slot. */
struct emit_slot {
	struct capture line[2];		/* --line-buffer: partial lines,
					 * spilled to --tmpdir when long */
	struct out_tagger tagger[2];
	int direct;			/* the job writes its stdout itself */
};

struct emitter {
	const struct opts *o;
	struct outpol pol;
	const struct tmpl *tagt;	/* --tagstring, or NULL */
	struct progress *progress;	/* or NULL */
	int tty_out;			/* stdout or stderr is a terminal */
	int joblog_fd;			/* -1 without --joblog */
	int results_fd;			/* -1 without --results DIR */
	int table_fd;			/* --results NAME.tsv..., or -1 */
	int table_kind;			/* TABLE_TSV... (report.h) */
	int table_header;		/* its header is written */
	void (*stdout_failed)(void *ctx, int rc);
	void *ctx;

	struct pool *pool;
	pthread_t thread;
	void (*drained)(void *ctx);	/* on the emitter thread, at its end */
	struct emit_slot *slots;	/* [1..jobs] */
	pthread_mutex_t linemu;		/* serialises --line-buffer writes */
	pthread_mutex_t ownmu;
	pthread_cond_t owncv;
	struct job *owner;		/* under ownmu: writes our stdout */
	int printing;			/* under ownmu: the emitter prints */

	/* The emitter thread's own. */
	unsigned long long failed;
	int broken_pipe;		/* stdout failed: write nothing more */
};

/* What the launcher's sink needs to know about the job it serves. */
struct emit_ctx {
	struct emitter *e;
	struct job *j;
};

int emit_init(struct emitter *e, const struct opts *o,
	      const struct tmpl *tagt, int joblog_fd, int results_fd,
	      void (*stdout_failed)(void *ctx, int rc), void *ctx);
/* drained runs on the emitter thread once every job was reported. */
int emit_start(struct emitter *e, struct pool *pool,
	       void (*drained)(void *ctx));
void emit_join(struct emitter *e);
void emit_release(struct emitter *e);

void emit_job_begin(struct emitter *e, struct job *j);
int emit_sink(void *ctx, int stream, const char *p, size_t n);
int emit_print(struct emitter *e, struct job *j, const char *p, size_t n);
void emit_job_end(struct emitter *e, struct job *j);

#endif
