/*
 * lanes: run a command once per input record, N jobs at a time.
 *
 * main() wires the parts together: options, the template, the input, the
 * run (pool, workers, emitter) and a thread that owns signal delivery. The
 * main thread is the reader: it submits one job per group of records and
 * blocks when the reorder window is full, which keeps memory flat.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "clock.h"
#include "die.h"
#include "input.h"
#include "opts.h"
#include "run.h"
#include "slurm.h"
#include "spawn.h"
#include "tmpl.h"

/* The kernel's limit on one argument string (MAX_ARG_STRLEN), which
 * holds a shell command line, its NUL included. */
#define SHELL_LINE_MAX (32 * 4096)

/* -s when not given, as xargs and GNU parallel: 128 KiB. */
#define DEFAULT_MAX_CHARS (128 * 1024)

/* Signals lanes handles on its signal thread; blocked everywhere else. */
static const int handled[] = { SIGINT, SIGTERM, SIGHUP, SIGTSTP, SIGCONT };

struct sigctx {
	pthread_mutex_t mu;
	struct run *run;	/* under mu; NULL once the run is over */
	sigset_t set;
};

/*
 * First SIGINT or SIGTERM: start nothing new and pass SIGTERM to every
 * running job's process group; the emitter prints what finishes and lanes
 * exits 128+signal. A second one sends SIGKILL. SIGHUP lets running jobs
 * finish. Ctrl-Z (SIGTSTP) stops the jobs, which run in their own process
 * groups and so never see the terminal's signal, then lanes itself; on
 * SIGCONT they go on, and the time spent stopped counts against neither
 * --timeout nor --delay.
 */
static void *signal_main(void *arg)
{
	struct sigctx *sc = arg;
	int sig, count = 0;
	sigset_t cont;

	sigemptyset(&cont);
	sigaddset(&cont, SIGCONT);

	for (;;) {
		if (sigwait(&sc->set, &sig))
			continue;
		pthread_mutex_lock(&sc->mu);
		if (sig == SIGTSTP) {
			clock_freeze();
			if (sc->run)
				run_pause(sc->run, 1);
			/* kill() returns before the stop takes hold: wait
			 * for the SIGCONT that ends it, or the jobs would go
			 * on at once. */
			kill(getpid(), SIGSTOP);
			while (sigwait(&cont, &sig) || sig != SIGCONT)
				;
			clock_resume();
			if (sc->run)
				run_pause(sc->run, 0);
		} else if (!sc->run) {
			;
		} else if (sig == SIGCONT) {
			run_pause(sc->run, 0);
		} else if (sig == SIGHUP && !count)
			run_stop(sc->run, SIGHUP, 0);
		else
			run_stop(sc->run, sig, count++ ? SIGKILL : SIGTERM);
		pthread_mutex_unlock(&sc->mu);
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
	 * one argument, bounded by the per-string limit, also when only
	 * some jobs run in the shell ("cd" as a value of '{} x'). */
	if (t && !tmpl_may_be_shell(t) && arg_max > 0) {
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
	if (o->max_chars)
		return (size_t)o->max_chars;
	return limit < DEFAULT_MAX_CHARS ? limit : DEFAULT_MAX_CHARS;
}

/* 1 if standard input is one of the input sources. */
static int reads_stdin(const struct opts *o)
{
	if (!o->nsrcs)
		return 1;
	for (size_t i = 0; i < o->nsrcs; i++)
		if (o->srcs[i].kind == SRC_FILE &&
		    !strcmp(o->srcs[i].path, "-"))
			return 1;
	return 0;
}

/* Submit one job; 0 to go on, 1 to stop reading (lanes is stopping),
 * -1 on an error (reported). */
static int submit(struct run *r, unsigned long long seq,
		  const struct tmpl_arg *args, size_t nargs)
{
	int rc = run_submit(r, seq, args, nargs);

	if (rc == -ECANCELED)
		return 1;
	if (rc == -ESTALE)
		return -1;	/* --resume found a changed input; said so */
	if (rc) {
		error("cannot queue a job: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

/* --retry-failed: the failed jobs of the log, under their numbers, as
 * the command lines the log recorded. */
static int feed_retry_failed(struct run *r)
{
	const struct joblog *jl = run_resume_log(r);
	size_t i;

	for (i = 0; jl && i < jl->n; i++) {
		const struct joblog_entry *e = &jl->e[i];
		struct tmpl_arg a = { e->cmd, e->cmdlen };
		int rc;

		if (e->exitval == 0 && e->signal == 0)
			continue;
		rc = submit(r, e->seq, &a, 1);
		if (rc)
			return rc < 0 ? -1 : 0;
	}
	return 0;
}

/* A copy of one job's arguments, for --shuf. */
struct held {
	struct tmpl_arg *args;
	size_t nargs;
	unsigned long long seq;	/* in input order */
};

static int hold(struct held **hv, size_t *n, size_t *cap,
		const struct tmpl_arg *args, size_t nargs)
{
	struct held *h;

	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 1024;

		h = realloc(*hv, c * sizeof(*h));
		if (!h)
			return -ENOMEM;
		*hv = h;
		*cap = c;
	}
	h = &(*hv)[*n];
	h->nargs = nargs;
	h->seq = *n + 1;
	h->args = malloc(tmpl_args_size(args, nargs) + 1);
	if (!h->args)
		return -ENOMEM;
	tmpl_args_copy(h->args, args, nargs);
	(*n)++;
	return 0;
}

/*
 * The reader: every job of the input, in order, or, with --shuf, all of
 * them read first and then submitted in a random order (which is why
 * --shuf holds the whole input in memory). Shuffled jobs keep the numbers
 * of their input order, so {#} and the job log (and --resume) do not
 * depend on the shuffle. {##} and {0#} (--plus) need the number of jobs
 * before the first one runs, so they hold the whole input the same way.
 * Returns 0, or -1 after an error it reported.
 */
static int feed(struct run *r, struct input *in, int shuf, struct tmpl *t,
		struct tmpl *tagt, unsigned slots)
{
	struct held *hv = NULL;
	size_t n = 0, cap = 0, i;
	char err[512];
	int rc, ret = 0;
	int held = shuf || (t && tmpl_needs_total(t)) ||
		   (tagt && tmpl_needs_total(tagt));

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
			ret = -1;
			break;
		}
		if (held) {
			if (hold(&hv, &n, &cap, args, nargs)) {
				error("out of memory holding the input for "
				      "%s", shuf ? "--shuf" : "{##}");
				ret = -1;
				break;
			}
			continue;
		}
		rc = submit(r, 0, args, nargs);
		if (rc)
			return rc < 0 ? -1 : 0;
	}
	if (held && ret == 0) {
		unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();

		if (t)
			tmpl_set_counts(t, n, slots);
		if (tagt)
			tmpl_set_counts(tagt, n, slots);
		for (i = n; shuf && i > 1; i--) {
			size_t k = (size_t)rand_r(&seed) % i;
			struct held tmp = hv[i - 1];

			hv[i - 1] = hv[k];
			hv[k] = tmp;
		}
		for (i = 0; i < n && !ret; i++)
			if ((rc = submit(r, hv[i].seq, hv[i].args,
					 hv[i].nargs)))
				ret = rc < 0 ? -1 : 0;
	}
	for (i = 0; i < n; i++)
		free(hv[i].args);
	free(hv);
	if (ret == 0)
		run_input_done(r);
	return ret;
}

/* Tasks (processes and threads) that uid has now, from /proc. */
static long user_tasks(uid_t uid)
{
	char path[300], line[256];
	long n = 0;
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		FILE *f;
		long threads = 0;
		unsigned long ruid = (unsigned long)-1;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "Uid: %lu", &ruid);
			sscanf(line, "Threads: %ld", &threads);
		}
		fclose(f);
		if (ruid == (unsigned long)uid)
			n += threads;
	}
	closedir(d);
	return n;
}

/*
 * Under a limit on the user's processes (ulimit -u), every worker thread
 * counts as one, and so does every job: -j workers could leave no room to
 * start a single job, and every job would fail with EAGAIN. Fit -j to
 * the room there is, counting a thread and a process per job and a few
 * threads of lanes' own, and say so. (Root is not held to the limit.)
 */
static void fit_jobs_to_nproc(struct opts *o)
{
	struct rlimit rl;
	long used, room;
	unsigned fit;

	/* Counting the user's tasks reads /proc: only where the limit is
	 * near enough to matter, not on every start. */
	if (getuid() == 0 || getrlimit(RLIMIT_NPROC, &rl) ||
	    rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > 2 * (rlim_t)o->jobs + 4096)
		return;
	used = user_tasks(getuid());
	if (used < 0)
		return;
	room = (long)rl.rlim_cur - used - 4;
	fit = room >= 4 ? (unsigned)(room / 2) : 1;
	if (fit >= o->jobs)
		return;
	error("only %ld more processes allowed for this user (ulimit -u "
	      "%ld): running at most %u jobs at once", (long)rl.rlim_cur -
	      used, (long)rl.rlim_cur, fit);
	o->jobs = fit;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct tmpl *t = NULL, *tagt = NULL;
	struct input *in = NULL;
	struct run *r = NULL;
	struct launcher *launcher = NULL;
	struct sigctx sc;
	pthread_t sigthread;
	char err[512];
	char *const *cols = NULL;
	size_t ncols = 0;
	int rc, status, failed;
	size_t i;

	std_fds();
	signal(SIGPIPE, SIG_IGN);
	/* The agent a --slurm coordinator starts on each node. */
	if (argc > 1 && !strcmp(argv[1], "--agent"))
		return agent_main(argc, argv);
	opts_parse(&o, argc, argv);
	if (!o.slurm && !o.nsshlogins && !o.nslfs)
		fit_jobs_to_nproc(&o);

	err[0] = '\0';
	/* GNU parallel warns too: a user who forgot ::: or the pipe would
	 * otherwise wait on a silent terminal. */
	if (!o.retry_failed && !o.nonall && reads_stdin(&o) &&
	    isatty(STDIN_FILENO))
		error("reading records from the terminal; end them with "
		      "Ctrl-D (or give them with :::, -a FILE or a pipe)");
	/* Before the template: --header names its columns. --pipe reads
	 * its input itself. */
	if (!o.retry_failed && !o.pipe && !o.nonall) {
		rc = input_open(&in, &o, NULL, 0, err, sizeof(err));
		if (rc)
			die_usage("%s", *err ? err : strerror(-rc));
		input_columns(in, &cols, &ncols);
	}
	if (o.ncmd) {
		int flags = (o.quote ? TMPL_QUOTE : 0) |
			    (o.context ? TMPL_CONTEXT : 0) |
			    (o.plus ? TMPL_PLUS : 0);

		rc = tmpl_parse_cols(&t, o.cmd, o.ncmd, o.replstr, flags,
				     cols, ncols, err, sizeof(err));
		if (rc)
			die_usage("%s", *err ? err : strerror(-rc));
	}
	if (o.tagstring) {
		char *w[1] = { (char *)o.tagstring };

		rc = tmpl_parse_cols(&tagt, w, 1, o.replstr, TMPL_RAW |
				     TMPL_QUOTE | (o.plus ? TMPL_PLUS : 0),
				     cols, ncols, err, sizeof(err));
		if (rc)
			die_usage("--tagstring: %s",
				  *err ? err : strerror(-rc));
	}
	/* The blocks of --pipe are counted as they are cut: no job could
	 * be given the total before the input ended. */
	if (o.pipe && ((t && tmpl_needs_total(t)) ||
		       (tagt && tmpl_needs_total(tagt))))
		die_usage("{##} and {0#} need the number of jobs, which "
			  "--pipe does not know before its input ends");
	/* Threads inherit the nice value of the thread that creates them,
	 * and so do the jobs they spawn. */
	if (o.nice_set && setpriority(PRIO_PROCESS, 0, o.nice))
		die("cannot set --nice %d: %s", o.nice, strerror(errno));

	rc = spawn_setup(-1);
	if (rc)
		die("cannot set up process spawning: %s", strerror(-rc));

	/* The agents say how many slots they have, which is -j from here
	 * on. Their threads block every signal; a Ctrl-C while they start
	 * ends lanes, and the agents follow when their input closes. */
	if (o.slurm) {
		struct slurm_conf sc_ = { .per_node = o.per_node,
					  .envp = environ };

		rc = slurm_launcher_new(&launcher, &sc_, err, sizeof(err));
		if (rc)
			die("%s", err);
		o.jobs = launcher->nslots;
	}
	/* A URL is no command line: -s does not apply to downloads. */
	if (in)
		input_set_tmpl(in, t, o.download ? 0 : max_chars(&o, t));
	/* {0%} needs the number of slots; {##} waits for the input. */
	if (t)
		tmpl_set_counts(t, 0, o.jobs);
	if (tagt)
		tmpl_set_counts(tagt, 0, o.jobs);
	/* Block before any thread exists, so every thread inherits it and
	 * only the signal thread ever receives these. */
	sigemptyset(&sc.set);
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaddset(&sc.set, handled[i]);
	rc = pthread_sigmask(SIG_BLOCK, &sc.set, NULL);
	if (rc)
		die("cannot block signals: %s", strerror(rc));
	err[0] = '\0';
	rc = run_new(&r, &o, t, tagt, launcher, err, sizeof(err));
	if (rc)
		die_usage("%s", *err ? err : strerror(-rc));
	pthread_mutex_init(&sc.mu, NULL);
	sc.run = r;
	rc = pthread_create(&sigthread, NULL, signal_main, &sc);
	if (rc)
		die("cannot start the signal thread: %s", strerror(rc));
	pthread_detach(sigthread);

	if (o.pipe) {
		err[0] = '\0';
		failed = 0;
		rc = run_pipe(r, err, sizeof(err));
		if (rc) {
			error("%s", *err ? err : strerror(-rc));
			failed = -1;
		}
	} else if (o.nonall) {
		/* One job with no arguments, which --onall runs on every
		 * host. */
		failed = submit(r, 0, NULL, 0) < 0 ? -1 : 0;
		run_input_done(r);
	} else {
		failed = o.retry_failed ? feed_retry_failed(r) :
			 feed(r, in, o.shuf, t, tagt, o.jobs);
	}
	status = run_wait(r);
	pthread_mutex_lock(&sc.mu);
	sc.run = NULL;
	pthread_mutex_unlock(&sc.mu);
	run_free(r);
	input_close(in);
	tmpl_free(t);
	tmpl_free(tagt);
	opts_release(&o);
	return failed ? EXIT_LANES : status;
}
