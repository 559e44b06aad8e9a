/*
 * DESIGN: a master is `ssh -M -S PATH HOST -- CMD` where CMD prints one
 * line "lanes-ready NCPU" and then copies its standard input to
 * /dev/null. Reading that line tells three things at once: the
 * connection is up, authentication passed (ssh creates the control socket
 * before it opens the session, so the socket is there by then) and how
 * many CPUs the host has. ssh's standard error goes to an unlinked file
 * so a chatty master can never block on a full pipe, and its last line
 * is the reason when the master fails. BatchMode=yes and no terminal make
 * a host that wants a password fail at once.
 *
 * Ending a master: closing its standard input ends the remote cat, the
 * master session closes, and the master exits as soon as its last job
 * session has gone; `ssh -O exit` and then SIGTERM are for a master that
 * does not. If lanes dies, the pipe closes all the same.
 *
 * Job sessions use `-S PATH -o ControlMaster=no`; they never open their
 * own connection as long as the master is up.
 */
#include "ssh.h"

#include "spawn.h"

#include "buf.h"
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum { SSH_M_CLOSED, SSH_M_OPENING, SSH_M_UP, SSH_M_FAILED };

extern char **environ;

/* Copy s into d[0..n), cut short if it must be. */
static void scopy(char *d, size_t n, const char *s)
{
	size_t k = strlen(s);

	if (!n)
		return;
	if (k >= n)
		k = n - 1;
	memcpy(d, s, k);
	d[k] = '\0';
}

/* Split a command line into words: blanks separate, '...' and "..." and
 * backslash quote as in the shell (no expansions). */
static int split_words(const char *s, char ***out, size_t *outn)
{
	char **v = NULL, **nv;
	size_t n = 0;
	struct buf w = BUF_INIT;
	int rc = 0, inword = 0;

	for (;; s++) {
		char c = *s;

		if (c == '\0' || c == ' ' || c == '\t' || c == '\n') {
			if (inword) {
				nv = realloc(v, (n + 2) * sizeof(*v));
				if (!nv) {
					rc = -ENOMEM;
					goto out;
				}
				v = nv;
				if (buf_reserve(&w, 1)) {
					rc = -ENOMEM;
					goto out;
				}
				v[n++] = buf_detach(&w, NULL);
				v[n] = NULL;
				inword = 0;
			}
			if (c == '\0')
				break;
			continue;
		}
		inword = 1;
		if (c == '\'') {
			const char *e = strchr(s + 1, '\'');

			if (!e) {
				rc = -EINVAL;
				goto out;
			}
			rc = buf_add(&w, s + 1, (size_t)(e - s - 1));
			s = e;
		} else if (c == '"') {
			for (s++; *s && *s != '"'; s++) {
				if (*s == '\\' && s[1] &&
				    strchr("\"\\$`", s[1]))
					s++;
				if ((rc = buf_addch(&w, *s)))
					break;
			}
			if (!rc && !*s)
				rc = -EINVAL;
		} else if (c == '\\' && s[1]) {
			rc = buf_addch(&w, *++s);
		} else {
			rc = buf_addch(&w, c);
		}
		if (rc)
			goto out;
	}
	if (n == 0)
		rc = -EINVAL;
out:
	buf_release(&w);
	if (rc) {
		while (n)
			free(v[--n]);
		free(v);
		v = NULL;
	}
	*out = v;
	*outn = n;
	return rc;
}

int ssh_conf_init(struct ssh_conf *c, const char *sshcmd, char *err,
		  size_t errlen)
{
	unsigned char rnd[8];
	const char *tmp = getenv("TMPDIR");
	size_t i;
	int rc;

	memset(c, 0, sizeof(*c));
	c->envp = environ;
	rc = split_words(sshcmd ? sshcmd : "ssh", &c->argv, &c->argc);
	if (rc) {
		if (rc == -EINVAL && errlen)
			snprintf(err, errlen, "invalid --ssh '%s'", sshcmd);
		return rc;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		rc = -errno;
		goto out;
	}
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(c->token + 2 * i, 3, "%02x", rnd[i]);
	/* A socket path must fit in 108 bytes: a long TMPDIR falls back to
	 * /tmp. */
	if (!tmp || !*tmp || strlen(tmp) > 60)
		tmp = "/tmp";
	snprintf(c->dir, sizeof(c->dir), "%s/lanes-ssh.XXXXXX", tmp);
	if (!mkdtemp(c->dir)) {
		rc = -errno;
		if (errlen)
			snprintf(err, errlen,
				 "cannot create a directory in '%s': %s",
				 tmp, strerror(errno));
	}
out:
	if (rc) {
		for (i = 0; i < c->argc; i++)
			free(c->argv[i]);
		free(c->argv);
		c->argv = NULL;
		c->dir[0] = '\0';
	}
	return rc;
}

void ssh_conf_release(struct ssh_conf *c)
{
	size_t i;

	for (i = 0; i < c->argc; i++)
		free(c->argv[i]);
	free(c->argv);
	c->argv = NULL;
	if (c->dir[0])
		rmdir(c->dir);
	c->dir[0] = '\0';
}

int ssh_host_init(struct ssh_host *h, const struct ssh_conf *c,
		  const struct sshl *login, unsigned id, size_t nm)
{
	size_t i;

	memset(h, 0, sizeof(*h));
	h->conf = c;
	h->id = id;
	h->nm = nm ? nm : 1;
	h->m = calloc(h->nm, sizeof(*h->m));
	h->login.name = strdup(login->name);
	h->login.host = login->host ? strdup(login->host) : NULL;
	h->login.user = login->user ? strdup(login->user) : NULL;
	h->login.port = login->port;
	h->login.slots = login->slots;
	if (!h->m || !h->login.name || (login->host && !h->login.host) ||
	    (login->user && !h->login.user)) {
		free(h->m);
		h->m = NULL;
		sshl_release(&h->login);
		return -ENOMEM;
	}
	for (i = 0; i < h->nm; i++) {
		h->m[i].in = h->m[i].out = h->m[i].pidfd = -1;
		snprintf(h->m[i].path, sizeof(h->m[i].path), "%.80s/%u.%u",
			 c->dir, id % 100000, (unsigned)i % 1000);
	}
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	return 0;
}

int ssh_host_grow(struct ssh_host *h, size_t nm)
{
	struct ssh_master *m;
	size_t i;

	if (nm <= h->nm)
		return 0;
	m = realloc(h->m, nm * sizeof(*m));
	if (!m)
		return -ENOMEM;
	memset(m + h->nm, 0, (nm - h->nm) * sizeof(*m));
	for (i = h->nm; i < nm; i++) {
		m[i].in = m[i].out = m[i].pidfd = -1;
		snprintf(m[i].path, sizeof(m[i].path), "%.80s/%u.%u",
			 h->conf->dir, h->id % 100000, (unsigned)i % 1000);
	}
	h->m = m;
	h->nm = nm;
	return 0;
}

void ssh_argv_free(char **argv)
{
	size_t i;

	if (!argv)
		return;
	for (i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* The ssh words, then extra (NULL-terminated), then the login, "--" and
 * remote. */
static int build_argv(const struct ssh_host *h, const char *const *extra,
		      const char *remote, char ***out)
{
	const struct ssh_conf *c = h->conf;
	size_t n = 0, k, cap = c->argc + 16;
	char port[16], **v;
	int rc = 0;

	for (k = 0; extra[k]; k++)
		cap++;
	v = calloc(cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (k = 0; k < c->argc; k++)
		v[n++] = strdup(c->argv[k]);
	for (k = 0; extra[k]; k++)
		v[n++] = strdup(extra[k]);
	if (h->login.user) {
		v[n++] = strdup("-l");
		v[n++] = strdup(h->login.user);
	}
	if (h->login.port) {
		snprintf(port, sizeof(port), "%u", h->login.port);
		v[n++] = strdup("-p");
		v[n++] = strdup(port);
	}
	v[n++] = strdup(h->login.host);
	v[n++] = strdup("--");
	v[n++] = strdup(remote);
	for (k = 0; k < n; k++)
		if (!v[k])
			rc = -ENOMEM;
	if (rc) {
		ssh_argv_free(v);
		v = NULL;
	}
	*out = v;
	return rc;
}

int ssh_host_argv(struct ssh_host *h, size_t mi, const char *remote,
		  char ***argv)
{
	if (!h->login.host) {
		/* ':' runs the same remote command with the local sh. */
		char **v = calloc(4, sizeof(*v));

		if (v) {
			v[0] = strdup("sh");
			v[1] = strdup("-c");
			v[2] = strdup(remote);
		}
		if (!v || !v[0] || !v[1] || !v[2]) {
			ssh_argv_free(v);
			return -ENOMEM;
		}
		*argv = v;
		return 0;
	}
	const char *extra[] = {
		"-S", h->m[mi].path, "-o", "ControlMaster=no", "-T", "-x",
		"-o", "BatchMode=yes", NULL,
	};

	return build_argv(h, extra, remote, argv);
}

int ssh_spawn(pid_t *pid, char *const argv[], char *const envp[], int fd0,
	      int fd1, int fd2)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int rc;

	rc = spawn_attr_init(&attr);
	if (rc)
		return rc;
	rc = posix_spawn_file_actions_init(&fa);
	if (rc) {
		posix_spawnattr_destroy(&attr);
		return -rc;
	}
	rc = fd0 >= 0 ? posix_spawn_file_actions_adddup2(&fa, fd0, 0) :
			posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
							 O_RDONLY, 0);
	if (!rc && fd1 >= 0)
		rc = posix_spawn_file_actions_adddup2(&fa, fd1, 1);
	if (!rc && fd2 >= 0)
		rc = posix_spawn_file_actions_adddup2(&fa, fd2, 2);
	if (!rc)
		rc = posix_spawnp(pid, argv[0], &fa, &attr, argv,
				  envp ? envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return -rc;
}

/* The last non-empty line of the file at fd, as the reason a master
 * failed. */
static void last_line(int fd, char *out, size_t n)
{
	char buf[4096], *p, *e;
	off_t size = lseek(fd, 0, SEEK_END);
	off_t off = size > (off_t)sizeof(buf) - 1 ?
		    size - (off_t)sizeof(buf) + 1 : 0;
	ssize_t r = pread(fd, buf, sizeof(buf) - 1, off);

	out[0] = '\0';
	if (r <= 0)
		return;
	buf[r] = '\0';
	e = buf + r;
	while (e > buf && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '))
		*--e = '\0';
	p = strrchr(buf, '\n');
	p = p ? p + 1 : buf;
	for (e = p; *e; e++)
		if ((unsigned char)*e < ' ')
			*e = ' ';
	scopy(out, n, p);
}

/* Reap pid, waiting up to wait seconds (then kill it): its status. */
static int reap(pid_t pid, double wait)
{
	double until = clock_now() + wait;
	int st = 0;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return st;
		if (clock_now() >= until) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			return st;
		}
		usleep(2000);
	}
}

/* Read the master's first lines until "lanes-ready N": N, or -1 with
 * the pipe at EOF or past the deadline. */
static int read_ready(int fd, double deadline)
{
	char buf[512];
	size_t n = 0;

	for (;;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		double left = deadline - clock_now();
		char *nl;
		ssize_t r;
		int pr;

		if (left <= 0)
			return -1;
		pr = poll(&pf, 1, (int)(left * 1000) + 1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return -1;
		r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = '\0';
		/* A login script may print first: skip whole lines. */
		while ((nl = strchr(buf, '\n'))) {
			unsigned long v;
			char *end;

			*nl = '\0';
			if (strncmp(buf, "lanes-ready ", 12) == 0) {
				v = strtoul(buf + 12, &end, 10);
				return v >= 1 && v < 100000 ? (int)v : 1;
			}
			n -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, n + 1);
		}
		if (n == sizeof(buf) - 1)
			n = 0;
	}
}

/* What quote_login_sh() would make of it, written out: no \, ! or
 * newline, so every login shell (fish and csh too) reads it alike. */
static const char master_cmd[] =
	"exec sh -c 'echo lanes-ready $(nproc 2>/dev/null || "
	"getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1); "
	"exec cat >/dev/null'";

/* Start master mi, without h->mu held: 0 or -EHOSTDOWN with why. */
static int master_start(struct ssh_host *h, struct ssh_master *m,
			int *ncpu, char *why, size_t whylen)
{
	const char *extra[] = {
		"-M", "-S", m->path, "-o", "ControlPersist=no", "-o",
		"BatchMode=yes", "-o", "ClearAllForwardings=yes", "-T", "-x",
		NULL,
	};
	char errpath[128], **argv = NULL;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errfd = -1, rc;
	double wait = h->conf->timeout > 0 ? h->conf->timeout : 120;
	struct stat st;
	pid_t pid = 0;

	why[0] = '\0';
	snprintf(errpath, sizeof(errpath), "%s.err", m->path);
	unlink(m->path);
	errfd = open(errpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (errfd >= 0)
		unlink(errpath);
	rc = build_argv(h, extra, master_cmd, &argv);
	if (!rc && (errfd < 0 || pipe2(in, O_CLOEXEC) ||
		    pipe2(out, O_CLOEXEC)))
		rc = -errno;
	if (!rc)
		rc = ssh_spawn(&pid, argv, h->conf->envp, in[0], out[1],
			       errfd);
	if (rc) {
		snprintf(why, whylen, "cannot run '%s': %s",
			 h->conf->argv[0], strerror(-rc));
		pid = 0;
		goto out;
	}
	close(in[0]);
	close(out[1]);
	in[0] = out[1] = -1;
	*ncpu = read_ready(out[0], clock_now() + wait);
	if (*ncpu < 0 || stat(m->path, &st) || !S_ISSOCK(st.st_mode)) {
		/* Failed: give ssh a moment to say why, then end it. */
		close(in[1]);
		in[1] = -1;
		reap(pid, 2);
		pid = 0;
		last_line(errfd, why, whylen);
		if (!why[0])
			snprintf(why, whylen, *ncpu < 0 ?
				 "no answer from the host" :
				 "ssh made no control socket");
		rc = -EHOSTDOWN;
		goto out;
	}
	m->pid = pid;
	m->in = in[1];
	m->out = out[0];
	m->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	in[1] = out[0] = -1;
out:
	if (rc && rc != -EHOSTDOWN)
		rc = -EHOSTDOWN;
	spawn_pipe_close(in);
	spawn_pipe_close(out);
	if (errfd >= 0)
		close(errfd);
	ssh_argv_free(argv);
	return rc;
}

/* 1 if pid has exited (not reaped: its pid stays ours). */
static int exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno != EINTR;
	return si.si_pid == pid;
}

static void down_locked(struct ssh_host *h, const char *reason)
{
	if (!h->down) {
		h->down = 1;
		scopy(h->reason, sizeof(h->reason), reason);
	}
	pthread_cond_broadcast(&h->cv);
}

int ssh_host_master(struct ssh_host *h, size_t mi)
{
	struct ssh_master *m = &h->m[mi];
	char why[256];
	int rc = 0, ncpu = 0;

	pthread_mutex_lock(&h->mu);
	while (m->state == SSH_M_OPENING && !h->down)
		pthread_cond_wait(&h->cv, &h->mu);
	if (h->down || m->state == SSH_M_FAILED) {
		rc = -EHOSTDOWN;
		goto out;
	}
	if (m->state == SSH_M_UP) {
		/* A master that died between jobs (its connection dropped)
		 * must not let the next session fall back to a login of its
		 * own: the host is down, as if a job had seen it go. */
		if (m->pid > 0 && exited(m->pid)) {
			snprintf(why, sizeof(why), "connection to %.200s lost",
				 h->login.name);
			down_locked(h, why);
			rc = -EHOSTDOWN;
		}
		goto out;
	}
	if (!h->login.host) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		m->state = SSH_M_UP;
		h->ncpu = n > 0 ? (unsigned)n : 1;
		goto out;
	}
	m->state = SSH_M_OPENING;
	pthread_mutex_unlock(&h->mu);
	rc = master_start(h, m, &ncpu, why, sizeof(why));
	pthread_mutex_lock(&h->mu);
	if (rc) {
		m->state = SSH_M_FAILED;
		down_locked(h, why);
	} else {
		m->state = SSH_M_UP;
		if (!h->ncpu)
			h->ncpu = (unsigned)ncpu;
	}
	pthread_cond_broadcast(&h->cv);
out:
	pthread_mutex_unlock(&h->mu);
	return rc;
}

int ssh_host_ncpu(struct ssh_host *h)
{
	int rc = ssh_host_master(h, 0);

	if (rc)
		return rc;
	pthread_mutex_lock(&h->mu);
	rc = (int)h->ncpu;
	pthread_mutex_unlock(&h->mu);
	return rc;
}

void ssh_host_down(struct ssh_host *h, const char *reason)
{
	pthread_mutex_lock(&h->mu);
	down_locked(h, reason);
	pthread_mutex_unlock(&h->mu);
}

int ssh_host_is_down(struct ssh_host *h)
{
	int d;

	pthread_mutex_lock(&h->mu);
	d = h->down;
	pthread_mutex_unlock(&h->mu);
	return d;
}

void ssh_host_reason(struct ssh_host *h, char *out, size_t n)
{
	pthread_mutex_lock(&h->mu);
	scopy(out, n, h->reason);
	pthread_mutex_unlock(&h->mu);
}

int ssh_host_lost(struct ssh_host *h, size_t mi, double wait)
{
	struct ssh_master *m = &h->m[mi];
	double until = clock_now() + wait;
	int gone = 0;

	for (;;) {
		if (m->pid <= 0 || exited(m->pid)) {
			gone = 1;
			break;
		}
		if (clock_now() >= until)
			break;
		if (m->pidfd >= 0) {
			struct pollfd pf = { .fd = m->pidfd, .events = POLLIN };
			double left = until - clock_now();

			poll(&pf, 1, left > 0 ? (int)(left * 1000) + 1 : 0);
		} else {
			usleep(5000);
		}
	}
	if (gone) {
		char why[300];

		snprintf(why, sizeof(why), "connection to %s lost",
			 h->login.name);
		ssh_host_down(h, why);
	}
	return gone;
}

void ssh_host_close(struct ssh_host *h)
{
	size_t i;

	if (!h->m)
		return;
	/* Close every master's stdin first so they all wind down at
	 * once. */
	for (i = 0; i < h->nm; i++)
		if (h->m[i].in >= 0) {
			close(h->m[i].in);
			h->m[i].in = -1;
		}
	for (i = 0; i < h->nm; i++) {
		struct ssh_master *m = &h->m[i];
		double until = clock_now() + 3;
		int st;

		if (m->pid <= 0)
			continue;
		while (waitpid(m->pid, &st, WNOHANG) == 0 &&
		       clock_now() < until)
			usleep(2000);
		if (waitpid(m->pid, &st, WNOHANG) == 0) {
			const char *extra[] = { "-S", m->path, "-O", "exit",
						NULL };
			char **argv = NULL;
			pid_t p;

			/* build_argv appends "--" and a command: -O wants
			 * neither, so cut them off. */
			if (build_argv(h, extra, "", &argv) == 0) {
				size_t n = 0;

				while (argv[n])
					n++;
				free(argv[n - 1]);
				free(argv[n - 2]);
				argv[n - 2] = NULL;
				if (ssh_spawn(&p, argv, h->conf->envp, -1, -1,
					      -1) == 0)
					reap(p, 5);
				ssh_argv_free(argv);
			}
			kill(m->pid, SIGTERM);
			reap(m->pid, 2);
		}
		m->pid = 0;
		if (m->out >= 0)
			close(m->out);
		if (m->pidfd >= 0)
			close(m->pidfd);
		m->out = m->pidfd = -1;
		unlink(m->path);
	}
	free(h->m);
	h->m = NULL;
	sshl_release(&h->login);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
}
