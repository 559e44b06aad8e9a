/*
 * sshw: the wrapper a remote job runs under, and the filter that takes
 * the wrapper's status report out of the job's standard error. Owns the
 * wrapper script, its quoting for the remote login shell and the report's
 * format; knows nothing of connections (io/ssh) or sessions (io/sshrun).
 *
 * Thread-safety: every function may run on any thread; an sshw_tail
 * belongs to the one thread that reads its stream.
 * Errors: sshw_wrap() returns 0 or -ENOMEM; the sshw_tail functions
 * return what the sink returned (0 or -errno). Nothing is printed.
 */
#ifndef LANES_SSHWRAP_H
#define LANES_SSHWRAP_H

#include <stddef.h>

#include "buf.h"
#include "launch.h"

/*
 * Append to b the remote command that runs the shell command line cmd
 * under the wrapper: `exec sh -c 'WRAPPER' lanes TOKEN TERMSEQ CMD`, every
 * part quoted for the remote login shell. The wrapper runs cmd with
 * standard input /dev/null in `sh -c`, watches its own standard input:
 * a line naming a signal ("TERM") sends it to the session's process group
 * (sshd makes each session its own), EOF walks ts and ends with KILL. It
 * reports how cmd ended as the last bytes on standard error:
 * "\037lanes:TOKEN:x:N\n" (exit N) or "...:s:N\n" (signal N).
 */
int sshw_wrap(struct buf *b, const char *token, const struct termseq *ts,
	      const char *cmd);

/* The remote name of a signal for the wrapper ("TERM"), or NULL. */
const char *sshw_signame(int sig);

/* Takes the wrapper's report out of a stream without delaying other
 * bytes: only a possible start of a report is held back. */
struct sshw_tail {
	char pre[32];		/* "\037lanes:TOKEN:" */
	size_t npre;
	char hold[48];
	size_t n;
	int found;		/* a report was seen */
	int status;		/* as from waitpid(), once found */
};

void sshw_tail_init(struct sshw_tail *t, const char *token);
int sshw_tail_feed(struct sshw_tail *t, const char *p, size_t n,
		   spawn_sink *sink, void *ctx, int stream);
/* At EOF: hand on whatever was held back. */
int sshw_tail_end(struct sshw_tail *t, spawn_sink *sink, void *ctx,
		  int stream);

#endif
