/*
 * job: one job's data, from submission (arguments) through its run (exit
 * value, captured output) to the emitter that reports it. Plain data
 * shared by run.c (which owns the lifecycle) and report.c (which writes
 * job logs, JSON, --results and --files).
 *
 * Thread-safety: the worker running a job writes it; the emitter reads it
 * after the pool handed it over (the pool's lock orders the two), except
 * the captures, which may be read while being written (see capture.h).
 */
#ifndef LANES_JOB_H
#define LANES_JOB_H

#include <stddef.h>

#include "buf.h"
#include "capture.h"
#include "tmpl.h"

struct job {
	unsigned long long seq;
	struct tmpl_arg *args;	/* into the same allocation */
	size_t nargs;
	/* Written by the worker. */
	unsigned slot;
	int ran;		/* a process ran, or a download was tried */
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
};

#endif
