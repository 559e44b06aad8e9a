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
	{ "quote",		no_argument,	   NULL, 'q' },
	{ "shell",		no_argument,	   NULL, OPT_SHELL },
	{ "jobs",		required_argument, NULL, 'j' },
	{ "max-procs",		required_argument, NULL, 'P' },
	{ "dry-run",		no_argument,	   NULL, OPT_DRY_RUN },
	{ "tmpdir",		required_argument, NULL, OPT_TMPDIR },
	{ "keep-order",		no_argument,	   NULL, 'k' },
	{ "group",		no_argument,	   NULL, OPT_GROUP },
	{ "line-buffer",	no_argument,	   NULL, OPT_LINE_BUFFER },
	{ "lb",			no_argument,	   NULL, OPT_LINE_BUFFER },
	{ "ungroup",		no_argument,	   NULL, 'u' },
	{ "tag",		no_argument,	   NULL, OPT_TAG },
	{ "tagstring",		required_argument, NULL, OPT_TAGSTRING },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "version",		no_argument,	   NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static const char help_text[] =
	"Usage: lanes [OPTION]... [COMMAND [ARG]...] [::: ARG... | :::: FILE...]...\n"
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
	"\n"
	"Output:\n"
	"  -k, --keep-order         print output in input order, not completion order\n"
	"      --group              print each job's output in one piece (default)\n"
	"      --line-buffer, --lb  print whole lines as jobs produce them\n"
	"  -u, --ungroup            pass output through as it comes (fastest)\n"
	"      --tag                prefix each output line with the job's arguments\n"
	"      --tagstring STR      prefix each output line with STR (expanded)\n"
	"  -v, --verbose            print each command before its output\n"
	"\n"
	"  -h, --help               print this help and exit\n"
	"      --version            print the version and exit\n"
	"\n"
	"Replacement strings: {} {.} {/} {//} {/.} {#} {%} {n} {n.} {n/} {n//} {n/.}\n"
	"{-n}; see lanes(1). Each job's environment has LANES_SEQ and LANES_SLOT.\n"
	"Exit status: 0 if every job succeeded, 1-100 the number of jobs that\n"
	"failed, 101 if more failed, 255 for errors of lanes itself.\n";

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
	*linked = w[strlen(w) - 1] == '+';
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
			o->srcs[i].linked = 1;
	if (o->tmpdir == NULL) {
		o->tmpdir = getenv("TMPDIR");
		if (!o->tmpdir || !*o->tmpdir)
			o->tmpdir = "/tmp";
	}
}

void opts_release(struct opts *o)
{
	free(o->srcs);
	o->srcs = NULL;
	o->nsrcs = 0;
}
