/*
 * remote: the run's side of -S/--sshlogin, --sshloginfile, --ssh, -j per
 * host, --filter-hosts and the file options. Turns the option values into
 * ssh hosts (io/ssh.h) and the remote launcher (io/sshrun.h), so the run
 * only swaps launch_local_new() for remote_new() + remote_launcher().
 *
 * Start-up opens every host's first master at once (one thread per host),
 * so a run on many hosts waits for the slowest login, not for their sum;
 * that also learns each host's CPU count, which "-j 50%" and a login
 * without "N/" need. A host that fails then is reported through warn()
 * (one line each) and, with --filter-hosts, left out; without it, it stays
 * in the list and its slots' jobs go to the other hosts. No host left is
 * an error.
 *
 * --slf files (not "-") are watched while the run goes on: between jobs,
 * at most once a second, the launcher stats them, and when one changed
 * (inode, size or mtime) it reads every login again. A login new to the
 * run joins it (its master is opened by the worker that noticed; a host
 * that is down is said and tried again at the next change); a host no
 * longer listed takes no new job, and its running jobs finish; one listed
 * again comes back. Hosts that join use spare workers: a run with a
 * watched file has as many worker slots again as its hosts start with
 * (at least 8), which the launcher's nslots counts.
 *
 * Thread-safety: remote_new() and remote_free() on the main thread; the
 * launcher as io/launch.h says; the host queries and remote_run_on()
 * from any thread.
 * Errors: 0 or -errno with a one-line reason in err (the caller prints
 * it). Nothing else is printed here; warnings go to warn().
 */
#ifndef LANES_REMOTE_H
#define LANES_REMOTE_H

#include <stddef.h>

#include "buf.h"
#include "launch.h"
#include "sshrun.h"
#include "tmpl.h"

struct remote_opts {
	const char *const *logins;	/* -S values, each a comma list */
	size_t nlogins;
	const char *const *slfs;	/* --slf files ("-" is stdin) */
	size_t nslfs;
	const char *ssh;		/* --ssh, NULL for "ssh" */
	const char *jobs;		/* -j as given; NULL: each host's
					 * CPU count */
	int filter_hosts;		/* --filter-hosts */
	struct sshrun_opts files;	/* --wd, --cleanup, --bf, --tf... */
	void (*warn)(void *arg, const char *msg);
	void *warn_arg;
};

struct remote;

int remote_new(struct remote **out, const struct remote_opts *o, char *err,
	       size_t errlen);
struct launcher *remote_launcher(struct remote *r);
/* The hosts in the run (in the launcher's order; the count only grows)
 * and their slots, e.g. for --onall. */
size_t remote_nhosts(struct remote *r);
const char *remote_host_name(struct remote *r, size_t i);
unsigned remote_host_slots(struct remote *r, size_t i);
/* 1 if host i left the login file (it takes no new job). */
int remote_host_retired(struct remote *r, size_t i);
/* --onall/--nonall: run j on host i only (sshrun_run_on()), after the
 * same login-file check as a launch_run(). */
int remote_run_on(struct remote *r, size_t i, const struct launch_job *j,
		  struct launch_result *res);
/*
 * For a run that exits with the launcher still allocated (a stop): close
 * every master and remove the socket directory. The launcher's signal
 * and running operations stay safe (they touch no host); nothing else
 * may be called afterwards.
 */
void remote_shutdown(struct remote *r);
/* Frees the launcher, closes every master, removes the socket dir. */
void remote_free(struct remote *r);

/*
 * -j for one host with ncpu CPUs, as GNU parallel reads it with -S: "N"
 * (0: SSH_MASTER_JOBS masters' worth, 4 * SSH_MASTER_JOBS), "N%" of the
 * CPUs, "+N", "-N" (at least 1). -EINVAL for anything else.
 */
int remote_jobs(const char *spec, unsigned ncpu, unsigned *out);

/*
 * --transferfile/--return names: patterns that may hold replacement
 * strings ({}, {.}, {/}, {#}...), expanded per job as raw text (the name
 * itself, not shell-quoted: sshx quotes it for the remote shell).
 */
struct remote_names {
	struct tmpl **t;
	size_t n;
};

int remote_names_parse(struct remote_names *rn, const char *const *pats,
		       size_t n, const char *replstr, char *err,
		       size_t errlen);
/* Append each name, NUL-terminated, to out; -EILSEQ for a name that
 * would hold a NUL byte, -EINVAL for an empty one. */
int remote_names_expand(const struct remote_names *rn,
			const struct tmpl_job *tj, struct buf *out);
void remote_names_release(struct remote_names *rn);

#endif
