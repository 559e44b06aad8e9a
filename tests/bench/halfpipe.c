/*
 * halfpipe: what `lanes --pipe-part -a FILE -j2 --block -1 wc -l` does,
 * as a bare program with no runner around it. The first range cannot be
 * handed over as the file (the job would read past it), so it goes
 * through a pipe, moved in with splice(2) (no copy) by plain blocking
 * calls; a second `wc -l` reads the rest from its own descriptor of the
 * file at the same time, as the job of the last range does. The row it
 * makes in tests/bench/pipe.sh shows what a pipe costs here, apart from
 * what lanes costs.
 *
 * Usage: halfpipe FILE CUT. Prints what the two wc -l print (the lines
 * of [0, CUT) and of [CUT, end)); exits non-zero on any failure.
 * Not part of lanes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t wc_on(int in)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (dup2(in, STDIN_FILENO) < 0)
			_exit(127);
		execlp("wc", "wc", "-l", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int waited_ok(pid_t pid)
{
	int st;

	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 0;
}

int main(int argc, char **argv)
{
	int fd, tail, p[2], ok;
	loff_t off = 0, cut;
	pid_t a, b;
	ssize_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: halfpipe FILE CUT\n");
		return 2;
	}
	cut = strtoll(argv[2], NULL, 10);
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	tail = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || tail < 0 || lseek(tail, cut, SEEK_SET) != cut ||
	    pipe2(p, O_CLOEXEC) < 0) {
		fprintf(stderr, "halfpipe: %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	/* As lanes does, where fs.pipe-max-size allows it. */
	(void)fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	a = wc_on(p[0]);
	b = wc_on(tail);
	close(p[0]);
	close(tail);
	while (off < cut) {
		n = splice(fd, &off, p[1], NULL, (size_t)(cut - off) < 1 << 20 ?
			   (size_t)(cut - off) : 1 << 20, SPLICE_F_MOVE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "halfpipe: splice: %s\n",
				n ? strerror(errno) : "end of file");
			break;
		}
	}
	close(p[1]);
	ok = waited_ok(a);
	ok = waited_ok(b) && ok;
	return ok && off == cut ? 0 : 1;
}
