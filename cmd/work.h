/*
 * work: a job's life on its worker slot. Waits for its turn (--delay,
 * --memfree, --load), expands its command, runs it on the run's launcher
 * up to --retries times (on another host when a host failed), writes
 * --results, and counts it for --halt, which may stop the run.
 *
 * Thread-safety: work_job() is the pool's work function; it runs on many
 * workers at once, one job per slot.
 */
#ifndef LANES_WORK_H
#define LANES_WORK_H

/* The pool's work function; ctx is the struct run. */
void work_job(void *item, unsigned slot, void *ctx);

struct buf;
struct launch_job;

/* The SSH launcher's hook once a remote job's host is chosen: the command
 * line again with {host} filled in (and the tag, which may show it). */
int work_remote_cmd(void *arg, const struct launch_job *lj,
		    const char *host, struct buf *line);

#endif
