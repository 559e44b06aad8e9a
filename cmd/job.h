/*
 * job: one job's data, from submission (arguments) through its run (exit
 * value, captured output) to the emitter that reports it. Plain data
 * shared by run.c (which owns the lifecycle), emit.c (which prints it) and
 * report.c (which writes job logs, JSON, --results and --files).
 *
 * Thread-safety: the worker running a job writes it; the emitter reads it
 * after the pool handed it over (the pool's lock orders the two), except
 * the captures, which may be read while being written (see capture.h).
 */
#ifndef LANES_JOB_H
#define LANES_JOB_H

#include <stddef.h>

#include "block.h"
#include "buf.h"
#include "capture.h"
#include "tmpl.h"

struct job {
	unsigned long long seq;
	struct tmpl_arg *args;	/* into the same allocation */
	size_t nargs;
	unsigned long long turn;	/* place in the queue, for --delay */
	unsigned onhost;	/* --onall: 1 + the index of the host it
				 * must run on; 0: any */
	/* Written by the worker. */
	unsigned slot;
	int ran;		/* a process ran, or a download was tried */
	int out_done;		/* its stdout was printed while it ran */
	int skipped;		/* stopped before it started: not reported */
	int status;		/* exit value; 128+sig when killed */
	int sig;		/* killed by this signal, or 0 */
	int timed_out;
	int interrupted;	/* failed while a signal was stopping lanes */
	int failed;
	double start;		/* wall clock, seconds since the epoch */
	double runtime;		/* seconds */
	char *msg;		/* lanes' own message about the job */
	struct buf cmdline;	/* as a user would type it (when needed) */
	struct buf tag;		/* line prefix, --tag / --tagstring */
	struct capture out, err;
	/* --line-buffer: bytes written straight through, not captured;
	 * the job log's Receive column counts them, as GNU parallel does */
	unsigned long long streamed;
	char host[64];		/* where it ran; "" for this machine */
	/* --pipe: the job's block (block.seq is 0 for none), given back
	 * by the worker after the last try; the bytes the job took. */
	struct block block;
	unsigned long long sent;
};

/* Copies the arguments; NULL when out of memory. */
struct job *job_new(unsigned long long seq, const struct tmpl_arg *args,
		    size_t nargs, const char *tmpdir);
void job_free(struct job *j);

/* The job failed with status, for the reason fmt says (lanes' own
 * message, printed with the job's output). */
void job_fail(struct job *j, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Forget the outcome of a try, for a retry. */
void job_reset(struct job *j);

#endif
