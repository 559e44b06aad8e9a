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
 * under the wrapper: `exec sh -c 'WRAPPER' lanes TOKEN TERMSEQ CMD MODE`,
 * every part quoted for the remote login shell. The wrapper runs cmd in
 * `sh -c` and reads signal lines: a line naming a signal ("TERM") sends
 * it to the session's process group (sshd makes each session its own),
 * EOF walks ts and ends with KILL. It reports how cmd ended as the last
 * bytes on standard error: "\037lanes:TOKEN:x:N\n" (exit N) or
 * "...:s:N\n" (signal N).
 *
 * Without input, cmd reads /dev/null and the signal lines come on the
 * session's standard input. With input, cmd reads the session's standard
 * input, and the wrapper first makes a FIFO for the signal lines and
 * says so on standard error with "\037lanes:TOKEN:r:PID\n": a second
 * session on the host, started with sshw_ctl(TOKEN, PID), then carries
 * the lines (and its EOF means what the first's would).
 */
int sshw_wrap(struct buf *b, const char *token, const struct termseq *ts,
	      const char *cmd, int input);

/* Append to b the control session's remote command for the wrapper that
 * announced pid (digits). */
int sshw_ctl(struct buf *b, const char *token, const char *pid);

/* The remote name of a signal for the wrapper ("TERM"), or NULL. */
const char *sshw_signame(int sig);

/* Takes the wrapper's reports out of a stream without delaying other
 * bytes: only a possible start of a report is held back. */
struct sshw_tail {
	char pre[32];		/* "\037lanes:TOKEN:" */
	size_t npre;
	char hold[48];
	size_t n;
	int found;		/* a report was seen */
	int status;		/* as from waitpid(), once found */
	int ready;		/* an input wrapper announced its FIFO */
	char pid[16];		/* ... as its pid, once ready */
};

void sshw_tail_init(struct sshw_tail *t, const char *token);
int sshw_tail_feed(struct sshw_tail *t, const char *p, size_t n,
		   spawn_sink *sink, void *ctx, int stream);
/* At EOF: hand on whatever was held back. */
int sshw_tail_end(struct sshw_tail *t, spawn_sink *sink, void *ctx,
		  int stream);

#endif
