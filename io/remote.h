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
 * Thread-safety: remote_new() and remote_free() on the main thread; the
 * launcher as io/launch.h says.
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
/* The hosts in the run and their slots, e.g. for --onall. */
size_t remote_nhosts(const struct remote *r);
const char *remote_host_name(const struct remote *r, size_t i);
unsigned remote_host_slots(const struct remote *r, size_t i);
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
