/*
 * DESIGN: srun's standard error is read a byte at a time on a thread of
 * its own: srun says little, and only on trouble, and a line must reach
 * our standard error whole and before the task report it carries is
 * acted on.
 */
#include "srun.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

/* "srun: error: n2: task 1: Killed", "srun: error: n1: tasks 0-2,5: ..." */
static void task_report(struct srun *r, const char *line)
{
	const char *p = strstr(line, ": task"), *what;
	char *end;
	unsigned long a, b;

	if (strncmp(line, "srun: error: ", 13) || !p)
		return;
	p += 6;
	if (*p == 's')
		p++;
	if (*p++ != ' ')
		return;
	what = strstr(p, ": ");
	what = what && what[2] ? what + 2 : "its task ended";
	for (;;) {
		a = strtoul(p, &end, 10);
		if (end == p)
			return;
		b = a;
		p = end;
		if (*p == '-') {
			b = strtoul(p + 1, &end, 10);
			if (end == p + 1)
				return;
			p = end;
		}
		for (; a <= b && a < 65536; a++)
			r->task_ended(r->ctx, (unsigned)a, what);
		if (*p != ',')
			return;
		p++;
	}
}

static void *err_main(void *arg)
{
	struct srun *r = arg;
	char line[1024];
	size_t n = 0;
	ssize_t got, w;
	char c;

	while ((got = read(r->errfd, &c, 1)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (n < sizeof(line) - 1)
			line[n++] = c;
		if (c != '\n')
			continue;
		w = write(2, line, n);
		(void)w;
		line[n - 1] = '\0';
		if (r->task_ended)
			task_report(r, line);
		n = 0;
	}
	return NULL;
}

int srun_start(struct srun *r, char *const argv[], char *const envp[],
	       char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, ep[2] = { -1, -1 };
	int rc, k;
	sigset_t none, all, old;

	r->pid = 0;
	r->to = r->from = r->errfd = -1;
	r->have_errthr = 0;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) ||
	    pipe2(ep, O_CLOEXEC)) {
		rc = -errno;
		snprintf(err, errlen, "cannot make pipes for srun: %s",
			 strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, ep[1], 2);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETPGROUP);
	rc = -posix_spawnp(&r->pid, argv[0], &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc) {
		r->pid = 0;
		snprintf(err, errlen, "cannot run '%s': %s", argv[0],
			 strerror(-rc));
		goto out;
	}
	r->to = in[1];
	r->from = out[0];
	r->errfd = ep[0];
	in[1] = out[0] = ep[0] = -1;
	/* The thread takes no signal: lanes has one thread for them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = -pthread_create(&r->errthr, NULL, err_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	r->have_errthr = !rc;
	if (rc)
		snprintf(err, errlen, "cannot start a thread: %s",
			 strerror(-rc));
out:
	for (k = 0; k < 2; k++) {
		if (in[k] >= 0)
			close(in[k]);
		if (out[k] >= 0)
			close(out[k]);
		if (ep[k] >= 0)
			close(ep[k]);
	}
	return rc;
}

void srun_reap(struct srun *r, double grace)
{
	double until = clock_now() + grace;
	int st, sig = 0;
	pid_t got;

	if (r->to >= 0)
		close(r->to);
	r->to = -1;
	while (r->pid > 0 && ((got = waitpid(r->pid, &st, WNOHANG)) == 0 ||
			      (got < 0 && errno == EINTR))) {
		if (clock_now() > until) {
			/* srun passes SIGTERM on to the tasks; SIGKILL
			 * ends srun, and slurmstepd cleans up after it. */
			sig = sig ? SIGKILL : SIGTERM;
			kill(r->pid, sig);
			until = clock_now() + 5;
		}
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	r->pid = 0;
	if (r->have_errthr)
		pthread_join(r->errthr, NULL);
	r->have_errthr = 0;
	if (r->errfd >= 0)
		close(r->errfd);
	r->errfd = -1;
}
