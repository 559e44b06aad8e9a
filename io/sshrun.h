/*
 * sshrun: the remote launcher. Implements struct launcher_ops over a set
 * of ssh hosts (io/ssh.h): each host offers a number of job slots and the
 * launcher's nslots is their sum. A job runs as `ssh -S CTL host -- WRAP`
 * over one of the host's masters, under the wrapper of sshw_wrap(), whose
 * standard input stays a pipe lanes holds: launch_signal() and --timeout
 * name signals on it, and its EOF (lanes gone, connection gone) ends the
 * job's whole remote process group. Around the job it sends the job's
 * --transferfile files, fetches its --return files, and with --cleanup
 * removes them; --basefile files go once per host before its first job.
 *
 * Slots and hosts. Worker slot s belongs to one host (slots are dealt out
 * host by host, in the order given, then to hosts added later), or to
 * none (a spare slot, see sshrun_opts.spare). A job runs on its slot's
 * host when that host is up, not retired and has a free slot; otherwise
 * on the usable host with the most free slots, waiting for one if none is
 * free. So when a host is
 * down its workers' jobs go to the others, and no host ever runs more
 * jobs at once than its slots. A host with more than SSH_MASTER_JOBS
 * slots gets one master per SSH_MASTER_JOBS slots, so a server with the
 * default MaxSessions (10) never refuses a session.
 *
 * Failures. A host that cannot be reached, refuses the login or drops
 * the connection is marked down; the job on it ends with res->host_failed
 * set (its output so far is not to be trusted: the caller drops it and
 * runs the job again, and a later launch_run() goes to another host).
 * res->msg says why for the first job that found the host down only, so
 * the caller prints one message per host. When every host is down,
 * launch_run() returns -EHOSTDOWN without host_failed, and msg says so.
 *
 * A remote job reads /dev/null, or with stdin_fd >= 0 that descriptor,
 * through its ssh (the remote process gets the bytes as they come, and
 * EOF with their end). Such a job takes two sessions on its master, the
 * second for its signals; sshrun_opts.input says that all may.
 * launch_job.cmdline is what runs (argv and envp are not used): the
 * remote login shell gets it quoted as one word, so every value the
 * caller quoted for a local shell arrives intact. It runs with LANES_SEQ,
 * LANES_SLOT, PARALLEL_SEQ, PARALLEL_JOBSLOT and PARALLEL_PID exported
 * (seq, slot and lanes' pid), since the remote shell inherits nothing.
 *
 * Hosts may join a running launcher and leave it (sshrun_change(): no
 * new job goes to a host that left; running ones finish).
 *
 * Thread-safety and errors: as io/launch.h says.
 */
#ifndef LANES_SSHRUN_H
#define LANES_SSHRUN_H

#include <stddef.h>

#include "buf.h"
#include "launch.h"
#include "ssh.h"
#include "sshwrap.h"

struct sshrun_opts {
	const char *workdir;	/* --workdir: NULL for the remote home,
				 * "..." for a fresh directory per job
				 * (removed after it), else a path */
	int cleanup;		/* --cleanup */
	const char *const *basefiles;	/* --basefile, nbasefiles of them */
	size_t nbasefiles;
	/*
	 * Per job: append the job's --transferfile names to send and its
	 * --return names to ret, each ending in a NUL byte. NULL when no
	 * job transfers files. Called on the job's worker.
	 */
	int (*files)(void *arg, const struct launch_job *j, struct buf *send,
		     struct buf *ret);
	/*
	 * Per job, once its host is known and before anything is sent
	 * there: append the command line to run to line (for {host}); it
	 * replaces launch_job.cmdline. NULL: the cmdline as given. Called
	 * on the job's worker, again for each host a job is tried on.
	 */
	int (*cmdline)(void *arg, const struct launch_job *j,
		       const char *host, struct buf *line);
	void *arg;
	/*
	 * Called about once a second, without locks, by a worker that
	 * waits for a free slot (a new host may be about to join: see
	 * sshrun_change()). NULL: waiters just wait.
	 */
	void (*idle)(void *idle_arg);
	void *idle_arg;
	unsigned spare;	/* worker slots beyond the hosts' own, for hosts
			 * that join later (nslots includes them) */
	int input;	/* jobs read lanes' data (--pipe): masters carry
			 * half as many, see sshrun_masters() */
};

/*
 * hosts[0..n) (initialised, owned by the caller, closed after
 * launch_free()), slots[i] for hosts[i] (at least 1 each; a host needs
 * sshrun_masters(slots[i], o->input) masters, see ssh_host_grow()). The
 * options are copied (the strings they point to are borrowed).
 */
int sshrun_new(struct launcher **out, struct ssh_host *const *hosts,
	       const unsigned *slots, size_t n, const struct sshrun_opts *o);

/*
 * --onall/--nonall: run the job on hosts[host] and nowhere else, as
 * launch_run() does otherwise (waiting for a free slot there). A host
 * that is down gives -EHOSTDOWN with host_failed; the caller does not
 * move the job elsewhere. j->slot still names the worker's slot (the
 * one launch_signal() reaches the job through).
 */
int sshrun_run_on(struct launcher *l, size_t host,
		  const struct launch_job *j, struct launch_result *res);

/*
 * The hosts change, all at once so that no job finds the run half
 * changed (a host already gone from the login file taking a job while a
 * new one joins). Hosts add[0..nadd) join with slots[i] job slots each
 * (their masters grown as sshrun_masters() says, and opened or down);
 * they take the next indexes for sshrun_run_on(), and the caller keeps
 * them until launch_free(). Then host k < nretired is retired when
 * retired[k] is non-zero (it takes no new job; jobs pinned to it still
 * run) and back otherwise. 0 or -ENOMEM (and nothing changed). Any
 * thread.
 */
int sshrun_change(struct launcher *l, struct ssh_host *const *add,
		  const unsigned *slots, size_t nadd, const char *retired,
		  size_t nretired);

/* Masters a host with this many slots needs; input as in sshrun_opts. */
size_t sshrun_masters(unsigned slots, int input);

#endif
