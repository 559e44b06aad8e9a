/*
 * report: the records lanes keeps of finished jobs besides their output:
 * the job log (--joblog, GNU parallel's format), JSON lines (--json), the
 * per-job files of --results and the output files of --files.
 *
 * Thread-safety: report_results() runs on the worker that ran the job,
 * before it hands the job over; the rest on the emitter thread only.
 * Errors: 0 or -errno, with a message for the user in err where given.
 */
#ifndef LANES_REPORT_H
#define LANES_REPORT_H

#include <stddef.h>

#include "job.h"

/*
 * Open the job log: "-" is stdout, "+FILE" appends, FILE is truncated
 * unless append is set (--resume and friends). Writes the header when the
 * file is empty. Returns the descriptor or -errno.
 */
int report_joblog_open(const char *spec, int append, char *err,
		       size_t errlen);
int report_joblog(int fd, const struct job *j);

/* Write the job as one JSON object and a newline to fd. */
int report_json(int fd, struct job *j);

/*
 * --results DIR: write DIR/1/<arg1>/2/<arg2>/.../{seq,stdout,stderr}.
 * dirfd is DIR opened once. Argument values are made path-safe: '/' and
 * '%' and NUL bytes are written as %2F, %25 and %00, a leading '.' as
 * %2E, and the empty string as a lone "%" (which no other value can give,
 * since '%' itself is always encoded). A value longer than 200 bytes is cut
 * there and "%" plus 16 hex digits of a hash of the whole value is added,
 * so distinct values stay distinct.
 */
int report_results(int dirfd, const struct job *j, char *err, size_t errlen);

/*
 * --results NAME.tsv, NAME.csv or NAME.json (-.tsv etc. for stdout): one
 * table of every job, as GNU parallel writes it. report_table_kind() says
 * which a --results value names (0: a directory). report_table() writes
 * the job's row, after the header when *header is 0 (it sets it): Seq,
 * Host, Starttime, JobRuntime, Send, Receive, Exitval, Signal, Command,
 * V1..Vn (the job's arguments), Stdout, Stderr. TSV and CSV quote a field
 * holding the separator, a quote, a blank or a line break in double
 * quotes, with each quote doubled; JSON writes one object per line.
 */
enum { TABLE_TSV = 1, TABLE_CSV, TABLE_JSON };
int report_table_kind(const char *results);
int report_table(int fd, int kind, const struct job *j, int *header);

/* --files: save the job's stdout into a new file in tmpdir and append its
 * name to name. */
int report_files(struct buf *name, struct job *j, const char *tmpdir,
		 char *err, size_t errlen);

#endif
