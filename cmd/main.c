/*
 * lanes: run a command once per input record, N jobs at a time.
 *
 * main() wires the parts together: options, the template, the input, the
 * run (pool, workers, emitter) and a thread that owns signal delivery. The
 * main thread is the reader: it submits one job per group of records and
 * blocks when the reorder window is full, which keeps memory flat.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "input.h"
#include "opts.h"
#include "run.h"
#include "spawn.h"
#include "tmpl.h"

/* The kernel's limit on one argument string, minus room for "sh -c". */
#define SHELL_LINE_MAX (32 * 4096 - 64)

/* Signals lanes handles on its signal thread; blocked everywhere else. */
static const int handled[] = { SIGINT, SIGTERM, SIGHUP };

struct sigctx {
	struct run *run;
	sigset_t set;
};

/*
 * First SIGINT or SIGTERM: start nothing new and pass SIGTERM to every
 * running job's process group; the emitter prints what finishes and lanes
 * exits 128+signal. A second one sends SIGKILL. SIGHUP lets running jobs
 * finish.
 */
static void *signal_main(void *arg)
{
	struct sigctx *sc = arg;
	int sig, count = 0;

	for (;;) {
		if (sigwait(&sc->set, &sig))
			continue;
		if (sig == SIGHUP && !count) {
			run_stop(sc->run, SIGHUP, 0);
			continue;
		}
		run_stop(sc->run, sig, count++ ? SIGKILL : SIGTERM);
	}
	return NULL;
}

/* Descriptors 0-2 must exist, or our first pipe would become stdout. */
static void std_fds(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 &&
		    open("/dev/null", fd ? O_WRONLY : O_RDONLY) < 0)
			exit(EXIT_LANES);
}

static size_t max_chars(const struct opts *o, const struct tmpl *t)
{
	long arg_max = sysconf(_SC_ARG_MAX);
	size_t limit = SHELL_LINE_MAX;

	/* A direct command line is bounded by ARG_MAX as a whole (less the
	 * environment, which the kernel counts too); a shell command line is
	 * one argument, bounded by the per-string limit. */
	if (t && !tmpl_is_shell(t) && arg_max > 0) {
		extern char **environ;
		size_t env = 0;

		for (char **e = environ; *e; e++)
			env += strlen(*e) + 1 + sizeof(char *);
		limit = (size_t)arg_max > env + 8192 ?
			(size_t)arg_max - env - 4096 : SHELL_LINE_MAX;
	}
	if (o->max_chars && (size_t)o->max_chars > limit)
		die_usage("-s %lld: larger than the system's limit of %zu",
			  o->max_chars, limit);
	return o->max_chars ? (size_t)o->max_chars : limit;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct tmpl *t = NULL, *tagt = NULL;
	struct input *in = NULL;
	struct run *r = NULL;
	struct sigctx sc;
	pthread_t sigthread;
	char err[512];
	struct stat st;
	int devnull, rc, status, read_failed = 0;
	size_t i;

	std_fds();
	signal(SIGPIPE, SIG_IGN);
	opts_parse(&o, argc, argv);
	if (o.dry_run)
		o.keep_order = 1;	/* nothing to wait for: input order */
	if (o.keep_order && o.output == OUT_LINE)
		o.output = OUT_GROUP;	/* the head streams live anyway */
	if (stat(o.tmpdir, &st) || !S_ISDIR(st.st_mode) ||
	    access(o.tmpdir, W_OK | X_OK))
		die_usage("cannot use '%s' for temporary files: %s", o.tmpdir,
		    errno ? strerror(errno) : "Not a directory");

	err[0] = '\0';
	/* A command that is only {} runs each record as a command line, as
	 * in GNU parallel: quoting it would make it one word. */
	if (o.ncmd == 1 && !o.quote &&
	    !strcmp(o.cmd[0], o.replstr ? o.replstr : "{}"))
		o.ncmd = 0;
	if (o.ncmd) {
		int flags = (o.quote ? TMPL_QUOTE : 0) |
			    (o.context ? TMPL_CONTEXT : 0);

		rc = tmpl_parse(&t, o.cmd, o.ncmd, o.replstr, flags, err,
				sizeof(err));
		if (rc)
			die_usage("%s", *err ? err : strerror(-rc));
	} else if (o.quote || o.context) {
		die_usage("%s needs a command", o.quote ? "-q" : "-X");
	}
	if (o.tagstring) {
		char *w[1] = { (char *)o.tagstring };

		rc = tmpl_parse(&tagt, w, 1, o.replstr, TMPL_RAW | TMPL_QUOTE,
				err, sizeof(err));
		if (rc)
			die_usage("--tagstring: %s",
				  *err ? err : strerror(-rc));
	}

	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0)
		die("cannot open '/dev/null': %s", strerror(errno));
	rc = spawn_setup(devnull);
	if (rc)
		die("cannot set up process spawning: %s", strerror(-rc));

	rc = input_open(&in, &o, t, max_chars(&o, t), err, sizeof(err));
	if (rc)
		die_usage("%s", *err ? err : strerror(-rc));

	/* Block before any thread exists, so every thread inherits it and
	 * only the signal thread ever receives these. */
	sigemptyset(&sc.set);
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaddset(&sc.set, handled[i]);
	rc = pthread_sigmask(SIG_BLOCK, &sc.set, NULL);
	if (!rc)
		rc = -run_new(&r, &o, t, tagt);
	if (rc)
		die("cannot start: %s", strerror(rc));
	sc.run = r;
	rc = pthread_create(&sigthread, NULL, signal_main, &sc);
	if (rc)
		die("cannot start the signal thread: %s", strerror(rc));
	pthread_detach(sigthread);

	for (;;) {
		const struct tmpl_arg *args;
		size_t nargs;

		err[0] = '\0';
		rc = input_next(in, &args, &nargs, err, sizeof(err));
		if (rc == 0)
			break;
		if (rc < 0) {
			/* Jobs already started still run and print. */
			error("%s", *err ? err : strerror(-rc));
			read_failed = 1;
			break;
		}
		rc = run_submit(r, args, nargs);
		if (rc == -ECANCELED)
			break;
		if (rc) {
			error("cannot queue a job: %s", strerror(-rc));
			read_failed = 1;
			break;
		}
	}
	status = run_finish(r);
	input_close(in);
	tmpl_free(t);
	tmpl_free(tagt);
	opts_release(&o);
	close(devnull);
	return read_failed ? EXIT_LANES : status;
}
