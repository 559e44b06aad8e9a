/*
 * replay: runs a fuzz target's corpus without libFuzzer, so `make test`
 * proves that every input that once found a bug still passes. Built as
 * build/fuzz-replay/NAME from tests/fuzz/NAME_fuzz.c; with no arguments
 * it replays every file in tests/fuzz/corpus/NAME/ (relative to the
 * current directory, which tests/run sets to the top of the tree), else
 * the files given. Each input runs in a child process, so an abort or a
 * crash fails that input alone; the result is one TAP line per input.
 * A target with no corpus yet is reported as skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

static int n_tests, n_failed;

static void report(int ok, const char *name, const char *why)
{
	n_tests++;
	if (!ok)
		n_failed++;
	printf("%sok %d - %s%s%s\n", ok ? "" : "not ", n_tests, name,
	       why ? ": " : "", why ? why : "");
	fflush(stdout);
}

/* Read all of path into a malloc'ed block (one byte more, for size 0). */
static int slurp(const char *path, uint8_t **out, size_t *outlen)
{
	uint8_t *p = NULL, *np;
	size_t len = 0, cap = 0;
	ssize_t r;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			np = realloc(p, cap);
			if (!np) {
				rc = -ENOMEM;
				goto out;
			}
			p = np;
		}
		r = read(fd, p + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*out = p;
	*outlen = len;
	p = NULL;
out:
	free(p);
	close(fd);
	return rc;
}

static void replay(const char *path)
{
	char why[64];
	uint8_t *data = NULL;
	size_t len = 0;
	pid_t pid;
	int rc, st;

	rc = slurp(path, &data, &len);
	if (rc) {
		report(0, path, strerror(-rc));
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		report(0, path, strerror(errno));
		free(data);
		return;
	}
	if (pid == 0) {
		LLVMFuzzerTestOneInput(data, len);
		_exit(0);
	}
	free(data);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		report(1, path, NULL);
		return;
	}
	if (WIFSIGNALED(st))
		snprintf(why, sizeof why, "killed by signal %d",
			 WTERMSIG(st));
	else
		snprintf(why, sizeof why, "exit status %d", WEXITSTATUS(st));
	report(0, path, why);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file in dir, in name order, so runs compare. */
static void replay_dir(const char *dir)
{
	char **names = NULL, **nn, path[4096];
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	struct stat sb;
	DIR *d;

	d = opendir(dir);
	if (!d && errno == ENOENT) {
		/* A new target, before it has found anything. */
		printf("ok %d - %s # skip no corpus yet\n", ++n_tests, dir);
		return;
	}
	if (!d) {
		report(0, dir, strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			nn = realloc(names, cap * sizeof *names);
			if (!nn)
				break;
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, by_name);
	for (i = 0; i < n; i++) {
		int len = snprintf(path, sizeof path, "%s/%s", dir,
				   names[i]);

		if (len > 0 && (size_t)len < sizeof path &&
		    stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
			replay(path);
		free(names[i]);
	}
	free(names);
	if (!n)
		printf("ok %d - %s # skip no corpus yet\n", ++n_tests, dir);
}

int main(int argc, char **argv)
{
	char dir[4096];
	const char *name = strrchr(argv[0], '/');

	name = name ? name + 1 : argv[0];
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			replay(argv[i]);
	} else {
		snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", name);
		replay_dir(dir);
	}
	printf("1..%d\n", n_tests);
	return n_failed ? 1 : 0;
}
