#include "sshx.h"

#include "quote.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *sshx_remote_name(const char *local)
{
	const char *p = strstr(local, "/./");

	if (p)
		return p + 3;
	if (strncmp(local, "./", 2) == 0)
		return local + 2;
	return local;
}

int sshx_check_return(const char *rel)
{
	const char *p = rel;

	if (!*rel || *rel == '/')
		return -EINVAL;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return -EINVAL;
		p += n;
		while (*p == '/')
			p++;
	}
	return 0;
}

int sshx_dot_workdir(struct buf *out)
{
	const char *home = getenv("HOME");
	char *cwd = getcwd(NULL, 0);
	size_t n;
	int rc;

	if (!cwd)
		return -errno;
	n = home ? strlen(home) : 0;
	while (n > 1 && home[n - 1] == '/')
		n--;
	if (n > 1 && strncmp(cwd, home, n) == 0 &&
	    (cwd[n] == '/' || cwd[n] == '\0'))
		rc = buf_addstr(out, cwd[n] ? cwd + n + 1 : "");
	else
		rc = buf_addstr(out, cwd);
	free(cwd);
	return rc;
}

int sshx_cd(struct buf *b, const char *wd, const char *then)
{
	int rc = 0;

	if (!wd || !*wd)
		return 0;
	rc = buf_addstr(b, "mkdir -p -- ");
	if (!rc)
		rc = quote_shell(b, wd, strlen(wd));
	if (!rc)
		rc = buf_addstr(b, " && cd -- ");
	if (!rc)
		rc = quote_shell(b, wd, strlen(wd));
	if (!rc)
		rc = buf_addstr(b, then);
	return rc;
}

/* `exec sh -c SCRIPT`, quoted for whatever the login shell is. */
static int in_sh(struct buf *out, const struct buf *script)
{
	const char *argv[] = { buf_str(script) };

	return quote_login_sh(out, argv, 1);
}

int sshx_exec(struct ssh_host *h, size_t mi, const char *cmd, int fd0,
	      int fd1, int *status, char *err, size_t errlen)
{
	char **argv = NULL, chunk[1024];
	int ep[2] = { -1, -1 }, rc, st = 0;
	struct buf e = BUF_INIT;
	pid_t pid;
	ssize_t r;

	rc = ssh_host_argv(h, mi, cmd, &argv);
	if (!rc && pipe2(ep, O_CLOEXEC))
		rc = -errno;
	if (!rc)
		rc = ssh_spawn(&pid, argv, h->conf->envp, fd0, fd1, ep[1]);
	if (rc) {
		snprintf(err, errlen, "cannot run ssh: %s", strerror(-rc));
		goto out;
	}
	close(ep[1]);
	ep[1] = -1;
	/* Keep the tail only: the reason is the last line. */
	while ((r = read(ep[0], chunk, sizeof(chunk))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (e.len > 4096)
			buf_reset(&e);
		buf_add(&e, chunk, (size_t)r);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	*status = st;
	if (st != 0) {
		char *p = e.p ? e.p : (char *)"";
		size_t n = e.len;

		while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
			p[--n] = '\0';
		p = n ? strrchr(p, '\n') : NULL;
		snprintf(err, errlen, "%s", p ? p + 1 : buf_str(&e));
		if (WIFEXITED(st) && WEXITSTATUS(st) == 255 &&
		    ssh_host_lost(h, mi, 1.0)) {
			ssh_host_reason(h, err, errlen);
			rc = -EHOSTDOWN;
		}
	}
out:
	spawn_pipe_close(ep);
	ssh_argv_free(argv);
	buf_release(&e);
	return rc;
}

/* The directory part of a remote name ("" for none) and its base. */
static void split_name(const char *name, size_t *dirlen)
{
	const char *s = strrchr(name, '/');

	*dirlen = s ? (size_t)(s - name) : 0;
	if (s && *dirlen == 0)
		*dirlen = 1;	/* "/f": the directory is "/" */
}

/* A failed remote step: -EHOSTDOWN stays, anything else is -EIO. */
static int step_failed(int rc, int st)
{
	if (rc)
		return rc;
	return st ? -EIO : 0;
}

int sshx_send(struct ssh_host *h, size_t mi, const char *wd,
	      const char *local, char *err, size_t errlen)
{
	const char *name = sshx_remote_name(local);
	struct buf s = BUF_INIT, cmd = BUF_INIT;
	char why[256] = "";
	size_t dl;
	int fd, rc, st = 0;

	fd = open(local, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open '%s': %s", local,
			 strerror(errno));
		return rc;
	}
	split_name(name, &dl);
	rc = sshx_cd(&s, wd, " && ");
	if (!rc && dl) {
		rc = buf_addstr(&s, "mkdir -p -- ");
		if (!rc)
			rc = quote_shell(&s, name, dl);
		if (!rc)
			rc = buf_addstr(&s, " && ");
	}
	if (!rc)
		rc = buf_addstr(&s, "cat > ");
	if (!rc)
		rc = quote_shell(&s, name, strlen(name));
	if (!rc)
		rc = in_sh(&cmd, &s);
	if (!rc)
		rc = sshx_exec(h, mi, buf_str(&cmd), fd, -1, &st, why,
			       sizeof(why));
	rc = step_failed(rc, st);
	if (rc)
		snprintf(err, errlen, "cannot transfer '%s' to %s: %s", local,
			 h->login.name, why[0] ? why : "remote cat failed");
	close(fd);
	buf_release(&s);
	buf_release(&cmd);
	return rc;
}

/*
 * Open the directory of rel under the current directory, creating what
 * is missing, never following a symbolic link: a directory fd, with
 * *base at rel's last component.
 */
static int open_parent(const char *rel, const char **base)
{
	int dfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const char *p = rel;

	while (dfd >= 0) {
		const char *e = strchr(p, '/');
		char part[256];
		size_t n;
		int nfd;

		if (!e)
			break;
		n = (size_t)(e - p);
		if (n >= sizeof(part)) {
			close(dfd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(part, p, n);
		part[n] = '\0';
		p = e + 1;
		while (*p == '/')
			p++;
		if (n == 0 || (n == 1 && part[0] == '.'))
			continue;
		if (mkdirat(dfd, part, 0777) && errno != EEXIST) {
			nfd = -1;
		} else {
			nfd = openat(dfd, part, O_RDONLY | O_DIRECTORY |
				     O_NOFOLLOW | O_CLOEXEC);
		}
		close(dfd);
		dfd = nfd;
	}
	*base = p;
	return dfd;
}

int sshx_fetch(struct ssh_host *h, size_t mi, const char *wd,
	       const char *name, char *err, size_t errlen)
{
	const char *rname = sshx_remote_name(name), *base = NULL;
	struct buf s = BUF_INIT, cmd = BUF_INIT;
	char why[256] = "", tmp[300];
	int dfd = -1, fd = -1, rc, st = 0;

	if (sshx_check_return(rname)) {
		snprintf(err, errlen, "refusing to return '%s': the name "
			 "leaves the working directory", name);
		return -EINVAL;
	}
	dfd = open_parent(rname, &base);
	if (dfd < 0 || !*base) {
		rc = dfd < 0 ? -errno : -EISDIR;
		snprintf(err, errlen, "cannot write '%s': %s", rname,
			 strerror(-rc));
		goto out;
	}
	snprintf(tmp, sizeof(tmp), ".%.200s.lanes-%ld", base, (long)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
		    O_CLOEXEC, 0666);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot write '%s': %s", rname,
			 strerror(errno));
		goto out;
	}
	rc = sshx_cd(&s, wd, " && ");
	if (!rc)
		rc = buf_addstr(&s, "exec cat -- ");
	if (!rc)
		rc = quote_shell(&s, rname, strlen(rname));
	if (!rc)
		rc = in_sh(&cmd, &s);
	if (!rc)
		rc = sshx_exec(h, mi, buf_str(&cmd), -1, fd, &st, why,
			       sizeof(why));
	rc = step_failed(rc, st);
	if (!rc && renameat(dfd, tmp, dfd, base))
		rc = -errno;
	if (rc) {
		unlinkat(dfd, tmp, 0);
		snprintf(err, errlen, "cannot return '%s' from %s: %s", rname,
			 h->login.name, why[0] ? why : strerror(-rc));
	}
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	buf_release(&s);
	buf_release(&cmd);
	return rc;
}

int sshx_remove(struct ssh_host *h, size_t mi, const char *wd,
		const char *names, size_t len, int rmwd, char *err,
		size_t errlen)
{
	struct buf s = BUF_INIT, cmd = BUF_INIT;
	const char *p = names, *end = names + len;
	char why[256] = "";
	int rc = 0, st = 0;

	if (wd && *wd) {
		rc = buf_addstr(&s, "cd -- ");
		if (!rc)
			rc = quote_shell(&s, wd, strlen(wd));
		if (!rc)
			rc = buf_addstr(&s, " && ");
	}
	if (!rc)
		rc = buf_addstr(&s, "rm -f --");
	for (; !rc && p < end; p += strlen(p) + 1) {
		const char *rn = sshx_remote_name(p);

		rc = buf_addch(&s, ' ');
		if (!rc)
			rc = quote_shell(&s, rn, strlen(rn));
	}
	if (!rc && rmwd && wd && *wd) {
		/* Back home first: wd is relative to it. */
		rc = buf_addstr(&s, "; cd && rm -rf -- ");
		if (!rc)
			rc = quote_shell(&s, wd, strlen(wd));
	}
	if (!rc)
		rc = in_sh(&cmd, &s);
	if (!rc)
		rc = sshx_exec(h, mi, buf_str(&cmd), -1, -1, &st, why,
			       sizeof(why));
	rc = step_failed(rc, st);
	if (rc)
		snprintf(err, errlen, "cannot clean up on %s: %s",
			 h->login.name, why[0] ? why : strerror(-rc));
	buf_release(&s);
	buf_release(&cmd);
	return rc;
}
