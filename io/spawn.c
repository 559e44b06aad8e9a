/*
 * DESIGN: posix_spawn() (a vfork-style clone in glibc) is both the fastest
 * and the safest way to start a process from a threaded program: no code of
 * ours runs in the child, so no lock another thread held at fork time can
 * deadlock it. The attributes are built once in spawn_setup() and only read
 * afterwards. File actions are per job because the pipe descriptors are;
 * dup2 onto 1 and 2 clears close-on-exec for the child's copies only.
 */
#include "spawn.h"

#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static posix_spawnattr_t spawn_attr;
static int spawn_stdin = -1;

int spawn_attr_init(posix_spawnattr_t *attr)
{
	static const int defsigs[] = {
		SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1,
		SIGUSR2, SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU, SIGXFSZ,
	};
	sigset_t def, empty;
	size_t i;
	int rc;

	sigemptyset(&def);
	for (i = 0; i < sizeof(defsigs) / sizeof(defsigs[0]); i++)
		sigaddset(&def, defsigs[i]);
	sigemptyset(&empty);
	rc = posix_spawnattr_init(attr);
	if (rc)
		return -rc;
	rc = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK |
				      POSIX_SPAWN_SETSIGDEF |
				      POSIX_SPAWN_SETPGROUP);
	if (!rc)
		rc = posix_spawnattr_setsigmask(attr, &empty);
	if (!rc)
		rc = posix_spawnattr_setsigdefault(attr, &def);
	if (!rc)
		rc = posix_spawnattr_setpgroup(attr, 0);
	if (rc) {
		posix_spawnattr_destroy(attr);
		return -rc;
	}
	return 0;
}

int spawn_setup(int stdin_fd)
{
	int rc = spawn_attr_init(&spawn_attr);

	if (rc)
		return rc;
	if (stdin_fd < 0)
		stdin_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (stdin_fd < 0) {
		rc = -errno;
		posix_spawnattr_destroy(&spawn_attr);
		return rc;
	}
	spawn_stdin = stdin_fd;
	return 0;
}

int spawn_start(struct proc *pr, char *const argv[], char *const envp[],
		int stdin_fd, int flags)
{
	posix_spawn_file_actions_t fa;
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int rc;

	pr->pid = -1;
	pr->out = -1;
	pr->err = -1;
	pr->pidfd = -1;
	pr->failed = "posix_spawn_file_actions_init";
	rc = posix_spawn_file_actions_init(&fa);
	if (rc)
		return -rc;
	if (stdin_fd < 0)
		stdin_fd = spawn_stdin;
	if (stdin_fd != 0)
		rc = posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0);
	if (!rc && (flags & SPAWN_CAPTURE)) {
		pr->failed = "pipe2";
		if (pipe2(outp, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) {
			rc = errno;
			goto out;
		}
		rc = posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
		if (!rc)
			rc = posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	}
	if (rc)
		goto out;
	pr->failed = "posix_spawn";
	rc = posix_spawnp(&pr->pid, argv[0], &fa, &spawn_attr, argv, envp);
	if (rc) {
		pr->pid = -1;
		goto out;
	}
	pr->out = outp[0];
	pr->err = errp[0];
	outp[0] = errp[0] = -1;
out:
	posix_spawn_file_actions_destroy(&fa);
	spawn_pipe_close(outp);
	spawn_pipe_close(errp);
	return -rc;
}

int spawn_transient(int rc)
{
	return rc == -EMFILE || rc == -ENFILE || rc == -EAGAIN ||
	       rc == -ENOMEM;
}

/* Read what is there; 1 at EOF, 0 for data or nothing, -errno. */
static int pump_one(int *fd, int stream, spawn_sink *sink, void *ctx,
		    char *buf, size_t size)
{
	ssize_t r;

	r = read(*fd, buf, size);
	if (r < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (r == 0) {
		close(*fd);
		*fd = -1;
		return 1;
	}
	return sink(ctx, stream, buf, (size_t)r);
}

/* Milliseconds until the deadline, for poll(): -1 for none. */
static int ms_left(double deadline)
{
	double left;

	if (deadline <= 0)
		return -1;
	left = deadline - clock_now();
	if (left <= 0)
		return 0;
	return left > 1e6 ? 1000000000 : (int)(left * 1000) + 1;
}

/* Has the child exited? It stays a zombie (WNOWAIT). */
static int exited(struct proc *pr)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)pr->pid, &si,
		      WEXITED | WNOWAIT | WNOHANG) < 0)
		if (errno != EINTR)
			return 1;	/* not ours to wait for: gone */
	return si.si_pid == pr->pid;
}

static void open_pidfd(struct proc *pr)
{
	if (pr->pidfd < 0)
		pr->pidfd = (int)syscall(SYS_pidfd_open, pr->pid, 0);
}

/*
 * The pump watches the child's pidfd beside its pipes: once the child
 * exited, what is left in the pipes is drained for SPAWN_GRACE seconds and
 * then the pipes are closed, because a background process the job left
 * behind may hold them open for as long as it lives. A job that exited is
 * never timed out: the deadline is checked only after what is ready was
 * read and only while the child still runs, so a lanes that was stopped
 * (SIGSTOP) past a deadline does not turn finished jobs into timeouts.
 */
int spawn_pump(struct proc *pr, spawn_sink *sink, void *ctx,
	       double deadline)
{
	char buf[65536];
	struct pollfd pf[3];
	double grace = 0;	/* the child exited: close the pipes then */
	int rc;

	open_pidfd(pr);
	while (pr->out >= 0 || pr->err >= 0) {
		int n = 0, pid_at = -1, i, r, ms;

		if (pr->out >= 0) {
			pf[n].fd = pr->out;
			pf[n++].events = POLLIN;
		}
		if (pr->err >= 0) {
			pf[n].fd = pr->err;
			pf[n++].events = POLLIN;
		}
		if (!grace && pr->pidfd >= 0) {
			pid_at = n;
			pf[n].fd = pr->pidfd;
			pf[n++].events = POLLIN;
		}
		ms = ms_left(grace ? grace : deadline);
		/* Without a pidfd (a kernel before 5.3), look now and then. */
		if (!grace && pr->pidfd < 0 && (ms < 0 || ms > 50))
			ms = 50;
		r = poll(pf, (nfds_t)n, ms);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n; i++) {
			int *fd;

			if (!pf[i].revents || i == pid_at)
				continue;
			fd = pf[i].fd == pr->out ? &pr->out : &pr->err;
			rc = pump_one(fd, fd == &pr->out ? 1 : 2, sink, ctx,
				      buf, sizeof(buf));
			if (rc < 0)
				return rc;
		}
		if (!grace && ((pid_at >= 0 && pf[pid_at].revents) ||
			       (pr->pidfd < 0 && exited(pr)))) {
			grace = clock_now() + SPAWN_GRACE;
			continue;
		}
		if (grace && clock_now() >= grace) {
			spawn_close(pr);
			break;
		}
		if (!grace && deadline > 0 && clock_now() >= deadline) {
			if (!exited(pr))
				return -ETIMEDOUT;
			grace = clock_now() + SPAWN_GRACE;
		}
	}
	return 0;
}

void spawn_pipe_close(int p[2])
{
	for (int i = 0; i < 2; i++) {
		if (p[i] >= 0)
			close(p[i]);
		p[i] = -1;
	}
}

void spawn_close(struct proc *pr)
{
	if (pr->out >= 0)
		close(pr->out);
	if (pr->err >= 0)
		close(pr->err);
	pr->out = pr->err = -1;
}

int spawn_wait_exit(struct proc *pr, double deadline)
{
	struct pollfd pf;
	siginfo_t si;
	int ms, r;

	open_pidfd(pr);
	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)pr->pid, &si,
			   WEXITED | WNOWAIT | WNOHANG) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (si.si_pid == pr->pid)
			return 0;
		ms = ms_left(deadline);
		if (ms == 0)
			return -ETIMEDOUT;
		if (pr->pidfd < 0) {
			/* No pidfd (a kernel before 5.3): look again soon. */
			usleep(ms < 0 || ms > 10 ? 10000 : (useconds_t)ms * 1000);
			continue;
		}
		pf.fd = pr->pidfd;
		pf.events = POLLIN;
		r = poll(&pf, 1, ms);
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

int spawn_wait(struct proc *pr, int *status)
{
	pid_t r;

	if (pr->pidfd >= 0) {
		close(pr->pidfd);
		pr->pidfd = -1;
	}
	do
		r = waitpid(pr->pid, status, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return 0;
}
