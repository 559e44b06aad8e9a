/*
 * joblog: GNU parallel's job log format, for --joblog, --resume,
 * --resume-failed and --retry-failed. A log is a header line and one line
 * per finished job, TAB-separated:
 *
 *   Seq Host Starttime JobRuntime Send Receive Exitval Signal Command
 *
 * Host is ":" (this machine); Starttime is seconds since the epoch with
 * three decimals ("%.3f"); JobRuntime is "%10.3f" (right-aligned, GNU
 * parallel pads it); Send is 0; Receive the bytes of output; Exitval the
 * exit value; Signal the signal number or 0; Command the command line as
 * the user would type it. joblog_format() writes exitval as given; GNU
 * parallel 20221122 writes -1 for a job it killed on --timeout, but
 * Exitval 0 and the signal for a job that died of a signal by itself.
 * A newline or TAB inside the command is written as it is by GNU
 * parallel, which breaks the line format; we write "\n" and "\t" as
 * backslash escapes (and "\\" for a backslash) instead, and the reader
 * undoes them. (So a command with a backslash differs from GNU
 * parallel's line for the same command.)
 *
 * Thread-safety: no shared state; the caller serialises writes to a log.
 * Errors: 0 or -errno.
 */
#ifndef LANES_JOBLOG_H
#define LANES_JOBLOG_H

#include <stddef.h>

#include "buf.h"

struct joblog_entry {
	unsigned long long seq;
	double start;		/* seconds since the epoch */
	double runtime;		/* seconds */
	unsigned long long received;
	int exitval;		/* -1 for killed */
	int signal;
	const char *cmd;	/* unescaped; NUL-terminated when loaded */
	size_t cmdlen;
	const char *host;	/* where it ran; NULL or "" for this machine
				 * (written ":"); not kept when loaded */
	unsigned long long sent;	/* bytes fed to its stdin (--pipe) */
};

/* Append the header line, with its newline. */
int joblog_header(struct buf *b);
/* Append one entry's line, with its newline. */
int joblog_format(struct buf *b, const struct joblog_entry *e);

/*
 * The entries of a log read back, for --resume and friends. The header
 * line is skipped wherever it is and is not counted; a log without one
 * is fine. Lines that do not parse (garbage, a NUL byte, a last line
 * without its newline, which a crash tore) are skipped and counted in
 * nbad. Fields are read strictly (digits; the runtime may have leading
 * blanks); the command is the rest of the line, so a GNU parallel log
 * with a raw TAB in a command still reads, and a backslash not followed
 * by n, t or another backslash stays as it is. Of several lines for the
 * same seq (a retry) the last one in the file is kept.
 */
struct joblog {
	struct joblog_entry *e;	/* sorted by seq, one per seq (the last) */
	size_t n;
	size_t nbad;
	char *text;		/* owns the commands */
};

/*
 * Read the log at path. A missing file is an empty log (returns 0). On
 * error jl is left empty (joblog_release() is still safe).
 */
int joblog_load(struct joblog *jl, const char *path);
void joblog_release(struct joblog *jl);
/* The entry for seq, or NULL (binary search). */
const struct joblog_entry *joblog_lookup(const struct joblog *jl,
					 unsigned long long seq);

#endif
