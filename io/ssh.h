/*
 * ssh: connections to remote hosts over OpenSSH. Owns the ssh command
 * (--ssh), a private directory for control sockets, and per host its
 * ControlMaster processes, its CPU count and whether it is down. Also the
 * pure pieces the remote launcher needs: the POSIX-sh wrapper a remote job
 * runs under, and the filter that takes the wrapper's status report out
 * of the job's standard error.
 *
 * Masters. Each master is an `ssh -M` child of lanes running one remote
 * `cat >/dev/null` whose standard input is a pipe lanes holds: the master
 * lives exactly as long as lanes does (even one killed by SIGKILL), and
 * its first line of output says it authenticated and how many CPUs the
 * host has. That session takes one of the server's MaxSessions (default
 * 10), so a master carries at most SSH_MASTER_JOBS job sessions at once; a
 * host with more slots gets more masters. Masters open on first use, one
 * at a time per master (never two racing for one socket), and
 * ssh_host_close() ends them all.
 *
 * Protocol:
 *   1. ssh_conf_init() once; ssh_host_init() per login.
 *   2. ssh_host_master() from any thread before a session on master mi;
 *      ssh_host_argv() builds the session's ssh command line.
 *   3. ssh_host_close() per host, then ssh_conf_release().
 *
 * Thread-safety: ssh_host_master(), ssh_host_ncpu(), ssh_host_down(),
 * ssh_host_is_down(), ssh_host_lost() from any thread; init, close and
 * release from one thread while nothing else uses the host or conf.
 * Errors: 0 or -errno; a host's failure reason (one line, e.g. "ssh:
 * connect to host 127.0.0.3 port 2222: Connection refused") is kept in
 * the host and copied out by ssh_host_reason(). Nothing is printed.
 */
#ifndef LANES_SSH_H
#define LANES_SSH_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "launch.h"
#include "sshl.h"

/* Job sessions per master: the server's default MaxSessions (10) less
 * the master's own session. */
#define SSH_MASTER_JOBS 9

struct ssh_conf {
	char **argv;		/* --ssh split into words, NULL-terminated */
	size_t argc;
	char dir[96];		/* private directory for control sockets */
	char token[17];		/* random, marks the wrapper's report */
	double timeout;		/* seconds to wait for a master, 0 = 120 */
	char *const *envp;	/* environment for ssh */
};

struct ssh_master {
	pid_t pid;		/* 0: never started */
	int in;			/* the master session's stdin, -1 */
	int out;		/* its stdout, -1 */
	int pidfd;		/* -1 when not available */
	int state;		/* under h->mu: SSH_M_* */
	unsigned active;	/* under h->mu: job sessions on it */
	char path[108];		/* ControlPath */
};

struct ssh_host {
	const struct ssh_conf *conf;
	struct sshl login;	/* a copy */
	unsigned id;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct ssh_master *m;	/* nm masters */
	size_t nm;
	unsigned ncpu;		/* under mu: 0 until the first master */
	int down;		/* under mu */
	char reason[256];	/* under mu, once down */
};

/* sshcmd: the --ssh command line, or NULL for "ssh"; words split on
 * blanks, with '...', "..." and \ quoting. */
int ssh_conf_init(struct ssh_conf *c, const char *sshcmd, char *err,
		  size_t errlen);
void ssh_conf_release(struct ssh_conf *c);

/* nm masters at most (see SSH_MASTER_JOBS); login is copied. */
int ssh_host_init(struct ssh_host *h, const struct ssh_conf *c,
		  const struct sshl *login, unsigned id, size_t nm);
/* Room for nm masters (more slots than planned). Only while no other
 * thread uses the host. */
int ssh_host_grow(struct ssh_host *h, size_t nm);
/* Open master mi unless it is up: 0, or -EHOSTDOWN with the host down. */
int ssh_host_master(struct ssh_host *h, size_t mi);
/* The host's CPU count (opening master 0 if needed), or -errno. */
int ssh_host_ncpu(struct ssh_host *h);
/* Mark the host down with reason (the first reason stays). */
void ssh_host_down(struct ssh_host *h, const char *reason);
int ssh_host_is_down(struct ssh_host *h);
void ssh_host_reason(struct ssh_host *h, char *out, size_t n);
/*
 * After a session failed the way ssh fails (255, no report): did the
 * connection behind master mi go away? Waits up to wait seconds for the
 * master to exit, marks the host down if it did, and says so (1 or 0).
 */
int ssh_host_lost(struct ssh_host *h, size_t mi, double wait);
void ssh_host_close(struct ssh_host *h);

/*
 * The command line of a session over master mi that runs remote (one
 * string for the remote shell), as a NULL-terminated argv the caller frees
 * with ssh_argv_free(). For the local machine (':') it is `sh -c remote`:
 * a local login needs no master and runs under the same wrapper.
 */
int ssh_host_argv(struct ssh_host *h, size_t mi, const char *remote,
		  char ***argv);
void ssh_argv_free(char **argv);

/*
 * Start argv with fd0, fd1, fd2 as its standard descriptors (-1: /dev/null
 * for fd0, lanes' own for 1 and 2), in its own process group, with an
 * empty signal mask and default dispositions.
 */
int ssh_spawn(pid_t *pid, char *const argv[], char *const envp[], int fd0,
	      int fd1, int fd2);

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
int ssh_wrap(struct buf *b, const char *token, const struct termseq *ts,
	     const char *cmd);

/* The remote name of a signal for the wrapper ("TERM"), or NULL. */
const char *ssh_signame(int sig);

/* Takes the wrapper's report out of a stream without delaying other
 * bytes: only a possible start of a report is held back. */
struct ssh_tail {
	char pre[32];		/* "\037lanes:TOKEN:" */
	size_t npre;
	char hold[48];
	size_t n;
	int found;		/* a report was seen */
	int status;		/* as from waitpid(), once found */
};

void ssh_tail_init(struct ssh_tail *t, const char *token);
int ssh_tail_feed(struct ssh_tail *t, const char *p, size_t n,
		  spawn_sink *sink, void *ctx, int stream);
/* At EOF: hand on whatever was held back. */
int ssh_tail_end(struct ssh_tail *t, spawn_sink *sink, void *ctx,
		 int stream);

#endif
