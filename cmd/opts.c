/*
 * DESIGN: getopt_long with a leading '+' stops at the first word that is not
 * an option, which starts the command; the command runs until the first
 * ::: / :::: separator, and each separator starts a source. Every long
 * option has a short letter or an OPT_ value above 255, and the switch
 * follows the order of --help and the man page.
 */
#include "opts.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "die.h"
#include "num.h"
#include "rec.h"

enum {
	OPT_LINK = 256,
	OPT_SHELL,
	OPT_DRY_RUN,
	OPT_TMPDIR,
	OPT_GROUP,
	OPT_LINE_BUFFER,
	OPT_TAG,
	OPT_TAGSTRING,
	OPT_VERSION,
	OPT_TIMEOUT,
	OPT_TERMSEQ,
	OPT_RETRIES,
	OPT_HALT,
	OPT_DELAY,
	OPT_MEMFREE,
	OPT_LOAD,
	OPT_JOBLOG,
	OPT_RESUME,
	OPT_RESUME_FAILED,
	OPT_RETRY_FAILED,
	OPT_RESULTS,
	OPT_JSON,
	OPT_BAR,
	OPT_ETA,
	OPT_PROGRESS,
	OPT_TOTAL,
	OPT_SHUF,
	OPT_NICE,
	OPT_FILES,
	OPT_DOWNLOAD,
	OPT_CREATE_DIRS,
	OPT_OVERWRITE,
	OPT_CONTENT_DISPOSITION,
	OPT_CONNECT_TIMEOUT,
	OPT_STALL_TIMEOUT,
	OPT_MAX_FILESIZE,
	OPT_LIMIT_RATE,
	OPT_HEADER,
	OPT_USER_AGENT,
	OPT_CACERT,
	OPT_CHECKSUM_FILE,
};

static const char short_opts[] = "+:a:0d:rC:n:N:mXs:I:qj:P:kuvh";

static const struct option long_opts[] = {
	{ "arg-file",		required_argument, NULL, 'a' },
	{ "null",		no_argument,	   NULL, '0' },
	{ "delimiter",		required_argument, NULL, 'd' },
	{ "no-run-if-empty",	no_argument,	   NULL, 'r' },
	{ "colsep",		required_argument, NULL, 'C' },
	{ "link",		no_argument,	   NULL, OPT_LINK },
	{ "max-args",		required_argument, NULL, 'n' },
	{ "xargs",		no_argument,	   NULL, 'm' },
	{ "max-chars",		required_argument, NULL, 's' },
	{ "shuf",		no_argument,	   NULL, OPT_SHUF },
	{ "quote",		no_argument,	   NULL, 'q' },
	{ "shell",		no_argument,	   NULL, OPT_SHELL },
	{ "jobs",		required_argument, NULL, 'j' },
	{ "max-procs",		required_argument, NULL, 'P' },
	{ "dry-run",		no_argument,	   NULL, OPT_DRY_RUN },
	{ "tmpdir",		required_argument, NULL, OPT_TMPDIR },
	{ "timeout",		required_argument, NULL, OPT_TIMEOUT },
	{ "termseq",		required_argument, NULL, OPT_TERMSEQ },
	{ "retries",		required_argument, NULL, OPT_RETRIES },
	{ "halt",		required_argument, NULL, OPT_HALT },
	{ "halt-on-error",	required_argument, NULL, OPT_HALT },
	{ "delay",		required_argument, NULL, OPT_DELAY },
	{ "memfree",		required_argument, NULL, OPT_MEMFREE },
	{ "load",		required_argument, NULL, OPT_LOAD },
	{ "nice",		required_argument, NULL, OPT_NICE },
	{ "joblog",		required_argument, NULL, OPT_JOBLOG },
	{ "resume",		no_argument,	   NULL, OPT_RESUME },
	{ "resume-failed",	no_argument,	   NULL, OPT_RESUME_FAILED },
	{ "retry-failed",	no_argument,	   NULL, OPT_RETRY_FAILED },
	{ "keep-order",		no_argument,	   NULL, 'k' },
	{ "group",		no_argument,	   NULL, OPT_GROUP },
	{ "line-buffer",	no_argument,	   NULL, OPT_LINE_BUFFER },
	{ "lb",			no_argument,	   NULL, OPT_LINE_BUFFER },
	{ "ungroup",		no_argument,	   NULL, 'u' },
	{ "tag",		no_argument,	   NULL, OPT_TAG },
	{ "tagstring",		required_argument, NULL, OPT_TAGSTRING },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "results",		required_argument, NULL, OPT_RESULTS },
	{ "files",		no_argument,	   NULL, OPT_FILES },
	{ "json",		no_argument,	   NULL, OPT_JSON },
	{ "bar",		no_argument,	   NULL, OPT_BAR },
	{ "eta",		no_argument,	   NULL, OPT_ETA },
	{ "progress",		no_argument,	   NULL, OPT_PROGRESS },
	{ "total",		required_argument, NULL, OPT_TOTAL },
	{ "total-jobs",		required_argument, NULL, OPT_TOTAL },
	{ "download",		required_argument, NULL, OPT_DOWNLOAD },
	{ "create-dirs",	no_argument,	   NULL, OPT_CREATE_DIRS },
	{ "overwrite",		no_argument,	   NULL, OPT_OVERWRITE },
	{ "content-disposition", no_argument,	   NULL,
	  OPT_CONTENT_DISPOSITION },
	{ "connect-timeout",	required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "stall-timeout",	required_argument, NULL, OPT_STALL_TIMEOUT },
	{ "max-filesize",	required_argument, NULL, OPT_MAX_FILESIZE },
	{ "limit-rate",		required_argument, NULL, OPT_LIMIT_RATE },
	{ "header",		required_argument, NULL, OPT_HEADER },
	{ "user-agent",		required_argument, NULL, OPT_USER_AGENT },
	{ "cacert",		required_argument, NULL, OPT_CACERT },
	{ "checksum-file",	required_argument, NULL, OPT_CHECKSUM_FILE },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "version",		no_argument,	   NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static const char help_text[] =
	"Usage: lanes [OPTION]... [COMMAND [ARG]...] [::: ARG... | :::: FILE...]...\n"
	"       lanes --download DIR [OPTION]... < URLS\n"
	"Run a command once per input record, N jobs at a time.\n"
	"\n"
	"Input records come from standard input, or from -a FILE, ::: ARG... and\n"
	":::: FILE... sources (several sources combine as a cartesian product).\n"
	"Without COMMAND each record is itself a command line.\n"
	"\n"
	"Input:\n"
	"  -a, --arg-file FILE      read records from FILE (- is stdin); repeatable\n"
	"  -0, --null               records end with NUL instead of newline\n"
	"  -d, --delimiter CHAR     records end with CHAR (\\n \\t \\0 \\xHH escapes)\n"
	"  -r, --no-run-if-empty    skip records that are empty or blank\n"
	"  -C, --colsep REGEX       split each record into {1} {2}... on REGEX\n"
	"      --link               pair input sources instead of combining them\n"
	"  -n, --max-args N         put up to N records on each command line\n"
	"  -N N                     N records per job, as {1}..{N}; -N0 inserts none\n"
	"  -m, --xargs              put as many records as fit on each command line\n"
	"  -X                       like -m, repeating each word that has {} per record\n"
	"  -s, --max-chars N        command lines are at most N bytes (-m, -X)\n"
	"      --shuf               run the jobs in a random order (reads all input)\n"
	"\n"
	"Command:\n"
	"  -I STR                   use STR instead of {} for the record\n"
	"  -q, --quote              run COMMAND's words as given (no shell)\n"
	"      --shell              run shell syntax with $SHELL, not /bin/sh\n"
	"\n"
	"Execution:\n"
	"  -j, --jobs N             run N jobs at once: a number, N% of the cores,\n"
	"                           +N or -N cores, or 0 for no limit (default:\n"
	"                           the number of cores)\n"
	"  -P, --max-procs N        same as --jobs\n"
	"      --dry-run            print each command instead of running it\n"
	"      --tmpdir DIR         spill large captured output to DIR (default\n"
	"                           $TMPDIR, else /tmp)\n"
	"      --timeout DURATION   kill a job that runs longer (30, 1.5s, 2m, 1h)\n"
	"      --termseq SEQ        how to kill: signals and waits in ms\n"
	"                           (default TERM,200,TERM,100,TERM,50,KILL,25)\n"
	"      --retries N          run a failing job up to N times in all\n"
	"      --halt WHEN,WHY=N    stop early: WHEN is now or soon, WHY is fail,\n"
	"                           success or done, N a count or a percentage\n"
	"      --delay DURATION     wait this long between job starts\n"
	"      --memfree SIZE       start no job while free memory is below SIZE\n"
	"      --load N             start no job while the load average is above N\n"
	"      --nice N             run the jobs with this niceness\n"
	"      --joblog FILE        log each job (GNU parallel format; - is stdout,\n"
	"                           +FILE appends)\n"
	"      --resume             skip the jobs the --joblog shows as done\n"
	"      --resume-failed      skip the jobs the --joblog shows as succeeded\n"
	"      --retry-failed       run again the jobs the --joblog shows as failed\n"
	"\n"
	"Output:\n"
	"  -k, --keep-order         print output in input order, not completion order\n"
	"      --group              print each job's output in one piece (default)\n"
	"      --line-buffer, --lb  print whole lines as jobs produce them\n"
	"  -u, --ungroup            pass output through as it comes (fastest)\n"
	"      --tag                prefix each output line with the job's arguments\n"
	"      --tagstring STR      prefix each output line with STR (expanded)\n"
	"  -v, --verbose            print each command before its output\n"
	"      --json               print one JSON object per job instead of output\n"
	"      --results DIR        also save each job's output under DIR\n"
	"      --files              save each job's output to a file; print its name\n"
	"      --bar                show a progress bar on standard error\n"
	"      --eta                show the estimated time left on standard error\n"
	"      --progress           show running/done counts on standard error\n"
	"      --total N            the number of jobs, for --bar and --eta\n"
	"\n"
	"Downloads (--download DIR: each record is URL [TAB NAME] [TAB sha256:HEX]):\n"
	"      --download DIR       download each URL into DIR instead of running\n"
	"      --create-dirs        create DIR if it does not exist\n"
	"      --overwrite          replace files that exist (default: skip them)\n"
	"      --content-disposition  use the name the server suggests\n"
	"      --checksum-file FILE check downloads against FILE (sha256sum format)\n"
	"      --connect-timeout DURATION  give up connecting after this (30s)\n"
	"      --stall-timeout DURATION    give up when no byte came for this (60s)\n"
	"      --max-filesize SIZE  refuse bodies larger than SIZE (e.g. 500M)\n"
	"      --limit-rate SIZE    download at most SIZE bytes per second in all\n"
	"      --header 'NAME: VALUE'  send this header; repeatable\n"
	"      --user-agent STR     send this User-Agent\n"
	"      --cacert FILE        trust the certificates in FILE for HTTPS\n"
	"  (--timeout and --retries apply to downloads too; only transient\n"
	"  failures are retried)\n"
	"\n"
	"  -h, --help               print this help and exit\n"
	"      --version            print the version and exit\n"
	"\n"
	"Replacement strings: {} {.} {/} {//} {/.} {#} {%} {n} {n.} {n/} {n//} {n/.}\n"
	"{-n}; see lanes(1). Each job's environment has LANES_SEQ and LANES_SLOT.\n"
	"Exit status: 0 if every job succeeded, 1-100 the number of jobs that\n"
	"failed, 101 if more failed, 255 for errors of lanes itself, 128+N when\n"
	"stopped by signal N; with --halt, the status of the job that stopped it.\n";

/* The most jobs -j 0 allows: each running job holds up to six descriptors
 * (two pipes while it runs, two spill files after). */
static unsigned jobs_unlimited(void)
{
	struct rlimit rl;
	unsigned long long n = 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
	    && rl.rlim_cur / 8 < n)
		n = rl.rlim_cur > 64 ? rl.rlim_cur / 8 : 8;
	return (unsigned)n;
}

/* -j: N, N%, +N, -N, or 0. */
static unsigned parse_jobs(const char *s)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = strlen(s);
	long long v, j;
	char num[32];

	if (cores < 1)
		cores = 1;
	if (n && n < sizeof(num) && s[n - 1] == '%') {
		memcpy(num, s, n - 1);
		num[n - 1] = '\0';
		if (num_parse(num, 1, 100000, &v))
			goto bad;
		j = cores * v / 100;
	} else if (s[0] == '+' || s[0] == '-') {
		if (num_parse(s + 1, 0, 100000, &v) || s[1] == '+' ||
		    s[1] == '-')
			goto bad;
		j = s[0] == '+' ? cores + v : cores - v;
	} else {
		if (num_parse(s, 0, 100000, &v))
			goto bad;
		if (v == 0)
			return jobs_unlimited();
		j = v;
	}
	return j < 1 ? 1 : (unsigned)j;
bad:
	die_usage("invalid number of jobs '%s' (want N, N%%, +N, -N or 0)",
		  s);
}

static long long parse_count(const char *opt, const char *s, long long min,
			     long long max)
{
	long long v;
	int rc = num_parse(s, min, max, &v);

	if (rc == -ERANGE)
		die_usage("%s '%s': out of range (%lld to %lld)", opt, s, min,
			  max);
	if (rc)
		die_usage("%s '%s': not a number", opt, s);
	return v;
}

static double parse_duration(const char *opt, const char *s)
{
	double v;

	if (num_duration(s, &v))
		die_usage("%s '%s': not a duration (want e.g. 30, 1.5s, 2m, "
			  "1h)", opt, s);
	return v;
}

static long long parse_size(const char *opt, const char *s)
{
	long long v;

	if (num_size(s, &v))
		die_usage("%s '%s': not a size (want e.g. 500M, 2G, 4096)",
			  opt, s);
	return v;
}

static int parse_signal(const char *s)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
		{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
		{ "TERM", SIGTERM }, { "ALRM", SIGALRM }, { "CONT", SIGCONT },
		{ "STOP", SIGSTOP },
	};
	long long n;

	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcmp(s, sigs[i].name))
			return sigs[i].sig;
	if (!num_parse(s, 1, 64, &n))
		return (int)n;
	return -1;
}

/* --termseq SIG,MS,SIG,MS,...: GNU parallel's form; the last wait may be
 * left out. */
static void parse_termseq(struct termseq *t, const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	size_t i = 0;

	if (!copy)
		die("out of memory");
	t->n = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save), i++) {
		long long ms;

		if (i % 2 == 0) {
			int sig = parse_signal(tok);

			if (sig < 0 || t->n == sizeof(t->sig) / sizeof(t->sig[0]))
				goto bad;
			t->sig[t->n] = sig;
			t->wait[t->n++] = 0.025;
		} else {
			if (num_parse(tok, 0, 86400000, &ms))
				goto bad;
			t->wait[t->n - 1] = (double)ms / 1000;
		}
	}
	free(copy);
	if (t->n)
		return;
	copy = NULL;
bad:
	free(copy);
	die_usage("invalid --termseq '%s' (want e.g. TERM,200,KILL,25)", arg);
}

/* --halt: never | 0 | 1 | 2 | WHEN,WHAT=N | WHEN,WHAT=N% */
static void parse_halt(struct halt *h, const char *s)
{
	const char *what;
	char num[32];
	size_t n;
	long long v;

	memset(h, 0, sizeof(*h));
	h->count = 1;
	if (!strcmp(s, "never") || !strcmp(s, "0"))
		return;
	if (!strcmp(s, "1") || !strcmp(s, "2")) {
		h->when = s[0] == '1' ? HALT_SOON : HALT_NOW;
		return;
	}
	if (!strncmp(s, "now,", 4))
		h->when = HALT_NOW;
	else if (!strncmp(s, "soon,", 5))
		h->when = HALT_SOON;
	else
		goto bad;
	what = strchr(s, ',') + 1;
	if (!strncmp(what, "fail=", 5))
		h->what = HALT_FAIL;
	else if (!strncmp(what, "success=", 8))
		h->what = HALT_SUCCESS;
	else if (!strncmp(what, "done=", 5))
		h->what = HALT_DONE;
	else
		goto bad;
	what = strchr(what, '=') + 1;
	n = strlen(what);
	if (n && n < sizeof(num) && what[n - 1] == '%') {
		double pct;
		char *end;

		memcpy(num, what, n - 1);
		num[n - 1] = '\0';
		pct = strtod(num, &end);
		if (!*num || *end || !(pct > 0 && pct <= 100))
			goto bad;
		h->is_percent = 1;
		h->percent = pct;
		return;
	}
	if (num_parse(what, 1, LLONG_MAX, &v))
		goto bad;
	h->count = v;
	return;
bad:
	die_usage("invalid --halt '%s' (want e.g. now,fail=1, soon,fail=10%%, "
		  "now,success=1, now,done=5)", s);
}

static void add_src(struct opts *o, enum src_kind kind, const char *path,
		    char **vals, size_t nvals, int linked)
{
	struct src_spec *s;

	s = realloc(o->srcs, (o->nsrcs + 1) * sizeof(*s));
	if (!s)
		die("out of memory");
	o->srcs = s;
	s += o->nsrcs++;
	s->kind = kind;
	s->path = path;
	s->vals = vals;
	s->nvals = nvals;
	s->linked = linked;
}

static int sep_kind(const char *w, int *file, int *linked)
{
	if (!strcmp(w, ":::") || !strcmp(w, ":::+")) {
		*file = 0;
	} else if (!strcmp(w, "::::") || !strcmp(w, "::::+")) {
		*file = 1;
	} else {
		return 0;
	}
	*linked = w[strlen(w) - 1] == '+' ? LINK_STOP : 0;
	return 1;
}

/* COMMAND words, then ::: VALUES... and :::: FILES... sources. */
static void parse_rest(struct opts *o, int argc, char **argv)
{
	int i = 0, file, linked;

	while (i < argc && !sep_kind(argv[i], &file, &linked))
		i++;
	o->cmd = i ? argv : NULL;
	o->ncmd = (size_t)i;
	while (i < argc) {
		int start;

		sep_kind(argv[i], &file, &linked);
		if (linked && o->nsrcs == 0)
			die_usage("'%s' needs an input source before it",
				  argv[i]);
		start = ++i;
		while (i < argc && !sep_kind(argv[i], &(int){0}, &(int){0}))
			i++;
		if (!file) {
			add_src(o, SRC_ARGS, NULL, argv + start,
				(size_t)(i - start), linked);
			continue;
		}
		if (i == start)
			die_usage("'::::' needs at least one file");
		/* "::::+ A B" links A to the source before it. */
		add_src(o, SRC_FILE, argv[start], NULL, 0, linked);
		while (++start < i)
			add_src(o, SRC_FILE, argv[start], NULL, 0, 0);
	}
}

void opts_parse(struct opts *o, int argc, char **argv)
{
	const char *jobs = NULL;
	int c;

	memset(o, 0, sizeof(*o));
	o->sep = '\n';
	o->retries = 1;
	o->connect_timeout = 30;
	o->stall_timeout = 60;
	parse_termseq(&o->termseq, "TERM,200,TERM,100,TERM,50,KILL,25");
	o->output = OUT_GROUP;
	opterr = 0;
	while ((c = getopt_long(argc, argv, short_opts, long_opts,
				NULL)) != -1) {
		switch (c) {
		case 'a':
			add_src(o, SRC_FILE, optarg, NULL, 0, 0);
			break;
		case '0':
			o->sep = '\0';
			break;
		case 'd':
			if (rec_parse_sep(optarg, &o->sep))
				die_usage("invalid delimiter '%s' (want one "
					  "character or an escape such as "
					  "\\n, \\t, \\0, \\xHH)", optarg);
			break;
		case 'r':
			o->skip_empty = 1;
			break;
		case 'C':
			o->colsep = optarg;
			break;
		case OPT_LINK:
			o->link = 1;
			break;
		case 'n':
			o->max_args = parse_count("-n", optarg, 1, INT_MAX);
			break;
		case 'N':
			o->max_args = parse_count("-N", optarg, 0, INT_MAX);
			o->positional = 1;
			break;
		case 'm':
			o->xargs = 1;
			break;
		case 'X':
			o->xargs = 1;
			o->context = 1;
			break;
		case 's':
			o->max_chars = parse_count("-s", optarg, 1, INT_MAX);
			break;
		case OPT_SHUF:
			o->shuf = 1;
			break;
		case 'I':
			if (!*optarg)
				die_usage("-I needs a non-empty string");
			o->replstr = optarg;
			break;
		case 'q':
			o->quote = 1;
			break;
		case OPT_SHELL:
			o->use_shell_env = 1;
			break;
		case 'j':
		case 'P':
			jobs = optarg;
			break;
		case OPT_DRY_RUN:
			o->dry_run = 1;
			break;
		case OPT_TMPDIR:
			o->tmpdir = optarg;
			break;
		case OPT_TIMEOUT:
			o->timeout = parse_duration("--timeout", optarg);
			if (o->timeout <= 0)
				die_usage("--timeout '%s': must be more than "
					  "zero", optarg);
			break;
		case OPT_TERMSEQ:
			parse_termseq(&o->termseq, optarg);
			break;
		case OPT_RETRIES:
			o->retries = parse_count("--retries", optarg, 1,
						 1000000);
			break;
		case OPT_HALT:
			parse_halt(&o->halt, optarg);
			break;
		case OPT_DELAY:
			o->delay = parse_duration("--delay", optarg);
			break;
		case OPT_MEMFREE:
			o->memfree = parse_size("--memfree", optarg);
			break;
		case OPT_LOAD: {
			char *end;

			o->load = strtod(optarg, &end);
			if (!*optarg || *end || !(o->load > 0) ||
			    o->load > 1e6)
				die_usage("--load '%s': not a positive number",
					  optarg);
			break;
		}
		case OPT_NICE:
			o->nice = (int)parse_count("--nice", optarg, -20, 19);
			o->nice_set = 1;
			break;
		case OPT_JOBLOG:
			o->joblog = optarg;
			break;
		case OPT_RESUME:
			o->resume = 1;
			break;
		case OPT_RESUME_FAILED:
			o->resume_failed = 1;
			break;
		case OPT_RETRY_FAILED:
			o->retry_failed = 1;
			break;
		case 'k':
			o->keep_order = 1;
			break;
		case OPT_GROUP:
			o->output = OUT_GROUP;
			break;
		case OPT_LINE_BUFFER:
			o->output = OUT_LINE;
			break;
		case 'u':
			o->output = OUT_UNGROUP;
			break;
		case OPT_TAG:
			o->tag = 1;
			break;
		case OPT_TAGSTRING:
			o->tagstring = optarg;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case OPT_RESULTS:
			o->results = optarg;
			break;
		case OPT_FILES:
			o->files = 1;
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		case OPT_BAR:
			o->bar = 1;
			break;
		case OPT_ETA:
			o->eta = 1;
			break;
		case OPT_PROGRESS:
			o->progress = 1;
			break;
		case OPT_TOTAL:
			o->total = parse_count("--total", optarg, 1, LLONG_MAX);
			break;
		case OPT_DOWNLOAD:
			o->download = optarg;
			break;
		case OPT_CREATE_DIRS:
			o->create_dirs = 1;
			break;
		case OPT_OVERWRITE:
			o->overwrite = 1;
			break;
		case OPT_CONTENT_DISPOSITION:
			o->content_disposition = 1;
			break;
		case OPT_CONNECT_TIMEOUT:
			o->connect_timeout = parse_duration(
				"--connect-timeout", optarg);
			break;
		case OPT_STALL_TIMEOUT:
			o->stall_timeout = parse_duration("--stall-timeout",
							  optarg);
			break;
		case OPT_MAX_FILESIZE:
			o->max_filesize = parse_size("--max-filesize", optarg);
			break;
		case OPT_LIMIT_RATE:
			o->limit_rate = parse_size("--limit-rate", optarg);
			break;
		case OPT_HEADER: {
			char **h = realloc(o->headers, (o->nheaders + 1) *
					   sizeof(*h));

			if (!h)
				die("out of memory");
			if (!strchr(optarg, ':'))
				die_usage("--header '%s': want 'Name: value'",
					  optarg);
			o->headers = h;
			h[o->nheaders++] = optarg;
			break;
		}
		case OPT_USER_AGENT:
			o->user_agent = optarg;
			break;
		case OPT_CACERT:
			o->cacert = optarg;
			break;
		case OPT_CHECKSUM_FILE:
			o->checksum_file = optarg;
			break;
		case 'h':
			fputs(help_text, stdout);
			exit(fflush(stdout) ? EXIT_LANES : 0);
		case OPT_VERSION:
			printf("lanes %s\n", LANES_VERSION);
			exit(fflush(stdout) ? EXIT_LANES : 0);
		case ':':
			die_usage("option '%s' needs a value",
				  argv[optind - 1]);
		default:
			if (optopt && optopt < 256)
				die_usage("unknown option '-%c'", optopt);
			die_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	o->jobs = jobs ? parse_jobs(jobs) : parse_jobs("100%");
	parse_rest(o, argc - optind, argv + optind);
	if (o->link)
		for (size_t i = 1; i < o->nsrcs; i++)
			o->srcs[i].linked = LINK_WRAP;
	if (o->tmpdir == NULL) {
		o->tmpdir = getenv("TMPDIR");
		if (!o->tmpdir || !*o->tmpdir)
			o->tmpdir = "/tmp";
	}
}

void opts_release(struct opts *o)
{
	free(o->headers);
	o->headers = NULL;
	free(o->srcs);
	o->srcs = NULL;
	o->nsrcs = 0;
}
