/*
 * DESIGN: getopt_long with a leading '+' stops at the first word that is not
 * an option, which starts the command; the command runs until the first
 * ::: / :::: separator, and each separator starts a source. The options
 * come from one table (OPTIONS in cmd/optdef.h), from which getopt's
 * tables and --help are built; the switch in opts_parse() follows its
 * order and stores each value, and cmd/optcheck.c then checks how the
 * options go together.
 */
#include "opts.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "optcheck.h"
#include "optdef.h"
#include "optval.h"
#include "rec.h"

/* Append a borrowed word to a repeatable option's list. */
static void add_word(char ***v, size_t *n, char *w)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		die("out of memory");
	nv[(*n)++] = w;
	*v = nv;
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

/*
 * Why this function is long: its switch has one short case per option,
 * in the order of the table (so of --help and the man page), each
 * checking and storing its own option's value. Splitting it by section
 * would scatter those cases away from the table's order and give the
 * pieces nothing of their own to own; the switch is on enum opt_id
 * without a default, so -Wswitch finds a missing case wherever it is.
 */
void opts_parse(struct opts *o, int argc, char **argv)
{
	char shorts[OPTDEF_SHORTS];
	struct option longs[OPTDEF_LONGS];
	const char *jobs = NULL;
	unsigned char seen[O_COUNT] = { 0 };
	char label[32];
	int c, i;

	memset(o, 0, sizeof(*o));
	o->sep = '\n';
	o->retries = 1;
	o->connect_timeout = 30;
	o->stall_timeout = 60;
	optval_termseq(&o->termseq, DEFAULT_TERMSEQ);
	o->output = OUT_GROUP;
	optdef_getopt(shorts, longs);
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (c == ':')
			die_usage("option '%s' needs a value",
				  argv[optind - 1]);
		i = optdef_index(c);
		if (i < 0) {
			if (optopt && optopt < 256)
				die_usage("unknown option '-%c'", optopt);
			die_usage("unknown option '%s'", argv[optind - 1]);
		}
		optdef_label(i, OPTDEF_BY_LETTER, label, sizeof(label));
		seen[i] = 1;
		switch ((enum opt_id)i) {
		case O_ARG_FILE:
			add_src(o, SRC_FILE, optarg, NULL, 0, 0);
			break;
		case O_NULL_SEP:
			o->sep = '\0';
			break;
		case O_DELIMITER:
			if (rec_parse_sep(optarg, &o->sep))
				die_usage("invalid delimiter '%s' (want one "
					  "character or an escape such as "
					  "\\n, \\t, \\0, \\xHH)", optarg);
			break;
		case O_NO_RUN_IF_EMPTY:
			o->skip_empty = 1;
			break;
		case O_COLSEP:
			o->colsep = optarg;
			break;
		case O_TRIM:
			o->trim = optval_trim(optarg);
			break;
		case O_HEADER:
			if (!*optarg)
				die_usage("--header needs a regular "
					  "expression (--header : for the "
					  "first line)");
			o->header = optarg;
			break;
		case O_LINK:
			o->link = 1;
			break;
		case O_MAX_ARGS:
			o->max_args = optval_count(label, optarg, 1, INT_MAX);
			if (!o->positional)
				o->pipe_nrec = o->max_args;
			break;
		case O_POSITIONAL:
			o->max_args = optval_count(label, optarg, 0, INT_MAX);
			o->positional = 1;
			o->pipe_nrec = o->max_args;
			break;
		case O_MAX_LINES:
			/* -n N, or with --pipe the lines of a record: see
			 * pipe_validate() in cmd/optcheck.c. */
			o->max_lines = optval_count(label, optarg, 1, INT_MAX);
			break;
		case O_LINES:
			o->max_args = optarg ? optval_count(label, optarg, 1,
							   INT_MAX) : 1;
			break;
		case O_XARGS:
			o->xargs = 1;
			break;
		case O_CONTEXT:
			o->xargs = 1;
			o->context = 1;
			break;
		case O_MAX_CHARS:
			o->max_chars = optval_count(label, optarg, 1, INT_MAX);
			break;
		case O_SHUF:
			o->shuf = 1;
			break;
		case O_EOF_STR:
			o->eof_str = optarg;
			break;
		case O_PIPE:
			o->pipe = 1;
			break;
		case O_PIPE_PART:
			o->pipe = 1;
			o->pipe_part = 1;
			break;
		case O_BLOCK:
			if (optarg[0] == '-') {
				o->block_per_slot = (unsigned long long)
					optval_count(label, optarg + 1, 1,
						     1000000);
				o->block_size = 0;
			} else {
				o->block_size = optval_size(label, optarg);
				o->block_per_slot = 0;
				if (o->block_size <= 0)
					die_usage("--block '%s': must be more "
						  "than zero", optarg);
			}
			break;
		case O_RECEND:
			o->recend = optarg;
			break;
		case O_RECSTART:
			o->recstart = optarg;
			break;
		case O_REGEXP:
			o->regexp = 1;
			break;
		case O_ROUND_ROBIN:
			o->round_robin = 1;
			break;
		case O_CAT:
			o->pipe_cat = 1;
			break;
		case O_FIFO:
			o->pipe_fifo = 1;
			break;
		case O_REPLSTR:
			if (!*optarg)
				die_usage("-I needs a non-empty string");
			o->replstr = optarg;
			break;
		case O_REPLSTR_OPT:
			o->replstr = optarg && *optarg ? optarg : "{}";
			break;
		case O_PLUS:
			o->plus = 1;
			break;
		case O_QUOTE:
			o->quote = 1;
			break;
		case O_SHELL:
			o->use_shell_env = 1;
			break;
		case O_JOBS:
		case O_MAX_PROCS:
			jobs = optarg;
			break;
		case O_SLURM:
			o->slurm = 1;
			break;
		case O_DRY_RUN:
			o->dry_run = 1;
			break;
		case O_TMPDIR:
			o->tmpdir = optarg;
			break;
		case O_TIMEOUT:
			o->timeout = optval_duration(label, optarg);
			if (o->timeout <= 0)
				die_usage("--timeout '%s': must be more than "
					  "zero", optarg);
			break;
		case O_TERMSEQ:
			optval_termseq(&o->termseq, optarg);
			break;
		case O_RETRIES:
			o->retries = optval_count(label, optarg, 1, 1000000);
			break;
		case O_HALT:
			optval_halt(&o->halt, optarg);
			break;
		case O_DELAY:
			o->delay = optval_duration(label, optarg);
			break;
		case O_MEMFREE:
			o->memfree = optval_size(label, optarg);
			break;
		case O_LOAD: {
			char *end;
			long cores = sysconf(_SC_NPROCESSORS_ONLN);

			o->load = strtod(optarg, &end);
			/* N% of the cores, as -j counts them (GNU). */
			if (*optarg && *end == '%' && !end[1]) {
				o->load = o->load / 100 *
					  (double)(cores > 0 ? cores : 1);
				end++;
			}
			if (!*optarg || *end || !(o->load > 0) ||
			    o->load > 1e6)
				die_usage("--load '%s': not a positive number "
					  "or percentage", optarg);
			break;
		}
		case O_NICE:
			o->nice = (int)optval_count(label, optarg, -20, 19);
			o->nice_set = 1;
			break;
		case O_JOBLOG:
			o->joblog = optarg;
			break;
		case O_RESUME:
			o->resume = 1;
			break;
		case O_RESUME_FAILED:
			o->resume_failed = 1;
			break;
		case O_RESUME_ANYWAY:
			o->resume_anyway = 1;
			break;
		case O_RETRY_FAILED:
			o->retry_failed = 1;
			break;
		case O_SSHLOGIN:
			add_word(&o->sshlogins, &o->nsshlogins, optarg);
			break;
		case O_SSHLOGINFILE:
			add_word(&o->slfs, &o->nslfs, optarg);
			break;
		case O_SSH:
			o->ssh = optarg;
			break;
		case O_TRANSFERFILE:
			add_word(&o->transferfiles, &o->ntransferfiles,
				 optarg);
			break;
		case O_RETURN:
			add_word(&o->returns, &o->nreturns, optarg);
			break;
		case O_CLEANUP:
			o->cleanup = 1;
			break;
		case O_TRC:
			add_word(&o->transferfiles, &o->ntransferfiles,
				 (char *)"{}");
			add_word(&o->returns, &o->nreturns, optarg);
			o->cleanup = 1;
			break;
		case O_BASEFILE:
			add_word(&o->basefiles, &o->nbasefiles, optarg);
			break;
		case O_WORKDIR:
			o->workdir = optarg;
			break;
		case O_FILTER_HOSTS:
			o->filter_hosts = 1;
			break;
		case O_ONALL:
			o->onall = 1;
			break;
		case O_NONALL:
			o->onall = o->nonall = 1;
			break;
		case O_KEEP_ORDER:
			o->keep_order = 1;
			break;
		case O_GROUP:
			o->output = OUT_GROUP;
			break;
		case O_LINE_BUFFER:
			o->output = OUT_LINE;
			break;
		case O_UNGROUP:
			o->output = OUT_UNGROUP;
			break;
		case O_TAG:
			o->tag = 1;
			break;
		case O_TAGSTRING:
			free(o->tagstring_buf);
			o->tagstring = o->tagstring_buf = optval_tabs(optarg);
			break;
		case O_VERBOSE:
			o->verbose = 1;
			break;
		case O_TRACE:
			o->trace = 1;
			break;
		case O_JSON:
			o->json = 1;
			break;
		case O_RESULTS:
			o->results = optarg;
			break;
		case O_FILES:
			o->files = 1;
			break;
		case O_BAR:
			o->bar = 1;
			break;
		case O_ETA:
			o->eta = 1;
			break;
		case O_PROGRESS:
			o->progress = 1;
			break;
		case O_TOTAL:
			o->total = optval_count(label, optarg, 1, LLONG_MAX);
			break;
		case O_DOWNLOAD:
			o->download = optarg;
			break;
		case O_CREATE_DIRS:
			o->create_dirs = 1;
			break;
		case O_OVERWRITE:
			o->overwrite = 1;
			break;
		case O_CONTENT_DISPOSITION:
			o->content_disposition = 1;
			break;
		case O_CHECKSUM_FILE:
			o->checksum_file = optarg;
			break;
		case O_CONNECT_TIMEOUT:
			o->connect_timeout = optval_duration(label, optarg);
			break;
		case O_STALL_TIMEOUT:
			o->stall_timeout = optval_duration(label, optarg);
			break;
		case O_MAX_FILESIZE:
			o->max_filesize = optval_size(label, optarg);
			break;
		case O_LIMIT_RATE:
			o->limit_rate = optval_size(label, optarg);
			break;
		case O_HTTP_HEADER: {
			char **h = realloc(o->headers, (o->nheaders + 1) *
					   sizeof(*h));

			if (!h)
				die("out of memory");
			o->headers = h;
			h[o->nheaders++] = optarg;
			break;
		}
		case O_USER_AGENT:
			o->user_agent = optarg;
			break;
		case O_CACERT:
			o->cacert = optarg;
			break;
		case O_HELP:
			optdef_help(stdout);
			exit(fflush(stdout) ? EXIT_LANES : 0);
		case O_VERSION:
			printf("lanes %s\n", LANES_VERSION);
			exit(fflush(stdout) ? EXIT_LANES : 0);
		case O_COUNT:	/* not an option; optdef_index() never */
			break;	/* returns it */
		}
	}
	o->jobs = jobs ? optval_jobs(jobs) : optval_jobs("100%");
	o->jobs_arg = jobs;
	/* With --slurm, -j counts per node; without it each node runs as
	 * many jobs as Slurm gave it CPUs. */
	if (o->slurm && jobs)
		o->per_node = o->jobs;
	parse_rest(o, argc - optind, argv + optind);
	if (o->link)
		for (size_t k = 1; k < o->nsrcs; k++)
			o->srcs[k].linked = LINK_WRAP;
	if (o->tmpdir == NULL) {
		o->tmpdir = getenv("TMPDIR");
		if (!o->tmpdir || !*o->tmpdir)
			o->tmpdir = "/tmp";
	}
	optcheck_opts(o, seen);
}

void opts_release(struct opts *o)
{
	free(o->tagstring_buf);
	o->tagstring_buf = NULL;
	free(o->sshlogins);
	free(o->slfs);
	free(o->transferfiles);
	free(o->returns);
	free(o->basefiles);
	free(o->headers);
	o->headers = NULL;
	free(o->srcs);
	o->srcs = NULL;
	o->nsrcs = 0;
}
