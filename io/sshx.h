/*
 * sshx: files to and from a remote host over its ControlMaster, for
 * --transferfile, --return, --cleanup, --basefile and --workdir. Each
 * transfer is one ssh session that runs `cat` at the far end (no rsync,
 * no scp, no sftp needed), so names with blanks, quotes or newlines pass
 * intact: every name is quoted for the remote shell.
 *
 * Paths. A file sent as "a/b" lands at "a/b" under the remote working
 * directory, "/x/y" at "/x/y"; a "/./" in a name marks where the remote
 * part starts, as in GNU parallel ("/tmp/./d/f" is sent as "d/f"). A file
 * returned is written under the local working directory only: its
 * relative name may not be absolute or hold "..", and no directory on
 * the way may be a symbolic link (every step opens with O_NOFOLLOW), so a
 * hostile name or a planted link cannot write elsewhere. A returned file
 * appears under its name only when complete.
 *
 * Working directory (wd): NULL or "" is the remote home; a relative path
 * is under the remote home; it is created if missing.
 *
 * Thread-safety: every function may run on many threads at once.
 * Errors: 0 or -errno, with a one-line reason in err; -EHOSTDOWN when the
 * connection itself went away (the host is then marked down).
 */
#ifndef LANES_SSHX_H
#define LANES_SSHX_H

#include <stddef.h>

#include "buf.h"
#include "ssh.h"

/* The remote name of a local file name: what follows "/./", else the
 * name itself. */
const char *sshx_remote_name(const char *local);

/* 0 if rel may be written under the local working directory, else
 * -EINVAL (absolute, empty, or a ".." component). */
int sshx_check_return(const char *rel);

/*
 * The remote working directory for GNU parallel's "." (the same relative
 * directory as here): the current directory relative to $HOME, or the
 * absolute current directory when it is not under $HOME.
 */
int sshx_dot_workdir(struct buf *out);

/* Append "mkdir -p -- WD && cd -- WD" and then for the remote shell
 * (then is " && " to go on, or " || exit 255; " to end the session with
 * ssh's own failure status), or nothing when wd is NULL or "". */
int sshx_cd(struct buf *b, const char *wd, const char *then);

int sshx_send(struct ssh_host *h, size_t mi, const char *wd,
	      const char *local, char *err, size_t errlen);
/* Fetch the remote file sshx_remote_name(name) to name, relative to the
 * local working directory. */
int sshx_fetch(struct ssh_host *h, size_t mi, const char *wd,
	       const char *name, char *err, size_t errlen);
/* Remove the remote names of n NUL-separated files in names (under wd),
 * then wd itself when rmwd (a per-job directory). */
int sshx_remove(struct ssh_host *h, size_t mi, const char *wd,
		const char *names, size_t len, int rmwd, char *err,
		size_t errlen);

/*
 * Run the remote shell command line cmd over master mi with the given
 * descriptors (-1 for /dev/null) and put its exit status in *status;
 * whatever it wrote on stderr (its last line) becomes err. The lower
 * level under the three above.
 */
int sshx_exec(struct ssh_host *h, size_t mi, const char *cmd, int fd0,
	      int fd1, int *status, char *err, size_t errlen);

#endif
