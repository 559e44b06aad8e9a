/*
 * DESIGN: getopt_long with a leading '+' stops at the first word that is not
 * an option, which starts the command; the command runs until the first
 * ::: / :::: separator, and each separator starts a source. The option
 * table below is the only list of options: getopt's short string and long
 * array are built from it on each run (every long name maps to the
 * option's letter, or to 256 + its index), --help prints it, and the
 * switch in opts_parse() follows its order. --help and man/lanes.1 list
 * the options in the same order, which tests/05-options.bats checks.
 */
#include "opts.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "num.h"
#include "optval.h"
#include "rec.h"

/*
 * THE OPTION TABLE, in the order of --help and of man/lanes.1's OPTIONS
 * section (tests/05-options.bats compares the two). One X() per option:
 *
 *   X(ID, SHORT, LONG, ALIAS, KIND, SECTION, ARGNAME, HELP)
 *
 * ID       the name of its case in opts_parse()'s switch (O_ID)
 * SHORT    its letter, or 0; getopt returns the letter, or 256 + the
 *          option's index when it has none
 * LONG     its long name without "--", or NULL (-N, -X, -I have none)
 * ALIAS    NO_ALIAS, SHOWN("lb") for a second name --help and the man
 *          page list, or HIDDEN("x") for a GNU parallel spelling that is
 *          accepted but not listed
 * KIND     what its value is (enum arg_kind); ARG_NONE takes none
 * SECTION  its --help section (enum section)
 * ARGNAME  the value's placeholder in --help, "" for none
 * HELP     its --help text; "\n" starts an indented continuation line
 */
#define OPTIONS(X)							\
X(ARG_FILE, 'a', "arg-file", NO_ALIAS, ARG_STRING, S_INPUT, "FILE",	\
  "read records from FILE (- is stdin); repeatable")			\
X(NULL_SEP, '0', "null", NO_ALIAS, ARG_NONE, S_INPUT, "",		\
  "records end with NUL instead of newline")				\
X(DELIMITER, 'd', "delimiter", NO_ALIAS, ARG_CHAR, S_INPUT, "CHAR",	\
  "records end with CHAR (\\n \\t \\0 \\xHH escapes)")			\
X(NO_RUN_IF_EMPTY, 'r', "no-run-if-empty", NO_ALIAS, ARG_NONE, S_INPUT,\
  "", "skip records that are empty or blank")				\
X(COLSEP, 'C', "colsep", NO_ALIAS, ARG_STRING, S_INPUT, "REGEX",	\
  "split each record into {1} {2}... on REGEX")			\
X(TRIM, 0, "trim", NO_ALIAS, ARG_STRING, S_INPUT, "HOW",		\
  "trim blanks of values or -C columns: n, l, r,\n"			\
  "lr or rl (default: rl with -C, else n)")				\
X(HEADER, 0, "header", NO_ALIAS, ARG_STRING, S_INPUT, "REGEX",		\
  "the first line names the columns: {name}\n"			\
  "(--header : is the usual form)")					\
X(LINK, 0, "link", HIDDEN("xapply"), ARG_NONE, S_INPUT, "",		\
  "pair input sources instead of combining them")			\
X(MAX_ARGS, 'n', "max-args", NO_ALIAS, ARG_COUNT, S_INPUT, "N",	\
  "put up to N records on each command line")				\
X(POSITIONAL, 'N', NULL, NO_ALIAS, ARG_COUNT, S_INPUT, "N",		\
  "N records per job, as {1}..{N}; -N0 inserts none")			\
X(MAX_LINES, 'L', "max-lines", NO_ALIAS, ARG_COUNT, S_INPUT, "N",	\
  "as -n N (xargs); with --pipe: a record is N lines")		\
X(LINES, 'l', NULL, NO_ALIAS, ARG_OPTIONAL, S_INPUT, "[N]",		\
  "as -n N; 1 when N is left out (xargs -l)")				\
X(XARGS, 'm', "xargs", NO_ALIAS, ARG_NONE, S_INPUT, "",		\
  "put as many records as fit on each command line")			\
X(CONTEXT, 'X', NULL, NO_ALIAS, ARG_NONE, S_INPUT, "",			\
  "like -m, repeating each word that has {} per record")		\
X(MAX_CHARS, 's', "max-chars", NO_ALIAS, ARG_COUNT, S_INPUT, "N",	\
  "command lines are at most N bytes (default\n"			\
  "128 KiB, as xargs); -m and -X fill them")			\
X(SHUF, 0, "shuf", NO_ALIAS, ARG_NONE, S_INPUT, "",			\
  "run the jobs in a random order (reads all input)")			\
X(EOF_STR, 'E', NULL, NO_ALIAS, ARG_STRING, S_INPUT, "STR",		\
  "a record equal to STR ends the input")				\
X(PIPE, 0, "pipe", HIDDEN("spreadstdin"), ARG_NONE, S_INPUT, "",	\
  "cut standard input into blocks, each one job's stdin")		\
X(PIPE_PART, 0, "pipe-part", NO_ALIAS, ARG_NONE, S_INPUT, "",		\
  "--pipe over the seekable -a FILE, cut by seeking")			\
X(BLOCK, 0, "block", HIDDEN("block-size"), ARG_STRING, S_INPUT, "SIZE",\
  "blocks of about SIZE bytes (k/M/G; default 1M);\n"		\
  "-N: N blocks per job slot (--pipe-part)")				\
X(RECEND, 0, "recend", NO_ALIAS, ARG_STRING, S_INPUT, "STR",		\
  "records end with STR (--pipe; default \\n)")			\
X(RECSTART, 0, "recstart", NO_ALIAS, ARG_STRING, S_INPUT, "STR",	\
  "records start with STR (--pipe)")					\
X(REGEXP, 0, "regexp", NO_ALIAS, ARG_NONE, S_INPUT, "",		\
  "--recend and --recstart are regular expressions")			\
X(ROUND_ROBIN, 0, "round-robin", NO_ALIAS, ARG_NONE, S_INPUT, "",	\
  "start -j jobs once and give them blocks in turn")			\
X(CAT, 0, "cat", NO_ALIAS, ARG_NONE, S_INPUT, "",			\
  "give each block as a temporary file, {} its name")			\
X(FIFO, 0, "fifo", NO_ALIAS, ARG_NONE, S_INPUT, "",			\
  "give each block through a named pipe, {} its name")		\
X(REPLSTR, 'I', NULL, NO_ALIAS, ARG_STRING, S_COMMAND, "STR",		\
  "use STR instead of {} for the record")				\
X(REPLSTR_OPT, 'i', NULL, NO_ALIAS, ARG_OPTIONAL, S_COMMAND, "[STR]",	\
  "as -I STR; {} when STR is left out (xargs -i)")			\
X(PLUS, 0, "plus", NO_ALIAS, ARG_NONE, S_COMMAND, "",			\
  "also GNU parallel's {..} {/..} {+.} {##}...")			\
X(QUOTE, 'q', "quote", NO_ALIAS, ARG_NONE, S_COMMAND, "",		\
  "run COMMAND's words as given (no shell)")				\
X(SHELL, 0, "shell", NO_ALIAS, ARG_NONE, S_COMMAND, "",		\
  "run shell syntax with $SHELL, not /bin/sh")				\
X(JOBS, 'j', "jobs", NO_ALIAS, ARG_JOBS, S_EXECUTION, "N",		\
  "run N jobs at once: a number, N% of the cores,\n"			\
  "+N or -N cores, or 0 for no limit (default:\n"			\
  "the number of cores)")						\
X(MAX_PROCS, 'P', "max-procs", NO_ALIAS, ARG_JOBS, S_EXECUTION, "N",	\
  "same as --jobs")							\
X(SLURM, 0, "slurm", NO_ALIAS, ARG_NONE, S_EXECUTION, "",		\
  "run the jobs on the nodes of this Slurm allocation,\n"		\
  "one agent per node (-j: jobs per node)")				\
X(DRY_RUN, 0, "dry-run", NO_ALIAS, ARG_NONE, S_EXECUTION, "",		\
  "print each command instead of running it")				\
X(TMPDIR, 0, "tmpdir", NO_ALIAS, ARG_STRING, S_EXECUTION, "DIR",	\
  "spill large captured output to DIR (default\n"			\
  "$TMPDIR, else /tmp)")						\
X(TIMEOUT, 0, "timeout", NO_ALIAS, ARG_DURATION, S_EXECUTION,		\
  "DURATION", "kill a job that runs longer (30, 1.5s, 2m, 1h)")	\
X(TERMSEQ, 0, "termseq", NO_ALIAS, ARG_TERMSEQ, S_EXECUTION, "SEQ",	\
  "how to kill: signals and waits in ms\n"				\
  "(default " DEFAULT_TERMSEQ ")")					\
X(RETRIES, 0, "retries", NO_ALIAS, ARG_COUNT, S_EXECUTION, "N",	\
  "run a failing job up to N times in all")				\
X(HALT, 0, "halt", HIDDEN("halt-on-error"), ARG_HALT, S_EXECUTION,	\
  "WHEN,WHY=N", "stop early: WHEN is now or soon, WHY is fail,\n"	\
  "success or done, N a count or a percentage")				\
X(DELAY, 0, "delay", NO_ALIAS, ARG_DURATION, S_EXECUTION, "DURATION",	\
  "wait this long between job starts")					\
X(MEMFREE, 0, "memfree", NO_ALIAS, ARG_SIZE, S_EXECUTION, "SIZE",	\
  "start no job while free memory is below SIZE")			\
X(LOAD, 0, "load", NO_ALIAS, ARG_REAL, S_EXECUTION, "N",		\
  "start no job while the load average is above N")			\
X(NICE, 0, "nice", NO_ALIAS, ARG_COUNT, S_EXECUTION, "N",		\
  "run the jobs with this niceness")					\
X(JOBLOG, 0, "joblog", NO_ALIAS, ARG_STRING, S_EXECUTION, "FILE",	\
  "log each job (GNU parallel format; - is stdout,\n"			\
  "+FILE appends)")							\
X(RESUME, 0, "resume", NO_ALIAS, ARG_NONE, S_EXECUTION, "",		\
  "skip the jobs the --joblog shows as done")				\
X(RESUME_FAILED, 0, "resume-failed", NO_ALIAS, ARG_NONE, S_EXECUTION,	\
  "", "skip the jobs the --joblog shows as succeeded")			\
X(RESUME_ANYWAY, 0, "resume-anyway", NO_ALIAS, ARG_NONE, S_EXECUTION,	\
  "", "skip by number even when the log's commands\n"			\
  "differ from the input's")						\
X(RETRY_FAILED, 0, "retry-failed", NO_ALIAS, ARG_NONE, S_EXECUTION,	\
  "", "run again the jobs the --joblog shows as failed")		\
X(SSHLOGIN, 'S', "sshlogin", NO_ALIAS, ARG_STRING, S_REMOTE, "LIST",	\
  "run jobs on these hosts: [N/][user@]host[:port],\n"			\
  "comma-separated, ':' for this machine; N/ is the\n"		\
  "host's job slots (default: -j of its cores)")			\
X(SSHLOGINFILE, 0, "sshloginfile", SHOWN("slf"), ARG_STRING, S_REMOTE,	\
  "FILE", "read logins from FILE, one a line")				\
X(SSH, 0, "ssh", NO_ALIAS, ARG_STRING, S_REMOTE, "CMD",			\
  "run CMD instead of ssh (e.g. 'ssh -F cfg')")				\
X(TRANSFERFILE, 0, "transferfile", SHOWN("tf"), ARG_STRING, S_REMOTE,	\
  "FILE", "copy FILE ({} allowed) to the host first")			\
X(RETURN, 0, "return", NO_ALIAS, ARG_STRING, S_REMOTE, "FILE",		\
  "copy FILE back from the host afterwards")				\
X(CLEANUP, 0, "cleanup", NO_ALIAS, ARG_NONE, S_REMOTE, "",		\
  "remove transferred and returned files remotely")			\
X(TRC, 0, "trc", NO_ALIAS, ARG_STRING, S_REMOTE, "FILE",		\
  "--tf {} --return FILE --cleanup")					\
X(BASEFILE, 0, "basefile", SHOWN("bf"), ARG_STRING, S_REMOTE, "FILE",	\
  "copy FILE to each host before its first job")			\
X(WORKDIR, 0, "workdir", SHOWN("wd"), ARG_STRING, S_REMOTE, "DIR",	\
  "run remote jobs in DIR ('...': a fresh one per\n"			\
  "job; '.': the same as here, relative to home)")			\
X(FILTER_HOSTS, 0, "filter-hosts", NO_ALIAS, ARG_NONE, S_REMOTE, "",	\
  "leave out hosts that cannot be reached")				\
X(ONALL, 0, "onall", NO_ALIAS, ARG_NONE, S_REMOTE, "",			\
  "run every job once on every host")					\
X(NONALL, 0, "nonall", NO_ALIAS, ARG_NONE, S_REMOTE, "",		\
  "run the command, without arguments, once on\n"			\
  "every host")							\
X(KEEP_ORDER, 'k', "keep-order", NO_ALIAS, ARG_NONE, S_OUTPUT, "",	\
  "print output in input order, not completion order")			\
X(GROUP, 0, "group", NO_ALIAS, ARG_NONE, S_OUTPUT, "",			\
  "print each job's output in one piece (default)")			\
X(LINE_BUFFER, 0, "line-buffer", SHOWN2("lb", "linebuffer"), ARG_NONE,\
  S_OUTPUT, "",							\
  "print whole lines as jobs produce them")				\
X(UNGROUP, 'u', "ungroup", NO_ALIAS, ARG_NONE, S_OUTPUT, "",		\
  "pass output through as it comes (fastest)")				\
X(TAG, 0, "tag", NO_ALIAS, ARG_NONE, S_OUTPUT, "",			\
  "prefix each output line with the job's arguments")			\
X(TAGSTRING, 0, "tagstring", NO_ALIAS, ARG_STRING, S_OUTPUT, "STR",	\
  "prefix each output line with STR (expanded)")			\
X(VERBOSE, 'v', "verbose", NO_ALIAS, ARG_NONE, S_OUTPUT, "",		\
  "print each command before its output")				\
X(TRACE, 't', NULL, NO_ALIAS, ARG_NONE, S_OUTPUT, "",			\
  "print each command on stderr as it starts")				\
X(JSON, 0, "json", NO_ALIAS, ARG_NONE, S_OUTPUT, "",			\
  "print one JSON object per job instead of output")			\
X(RESULTS, 0, "results", HIDDEN("res"), ARG_STRING, S_OUTPUT, "DIR",	\
  "save each job's output under DIR, or in one\n"			\
  "table DIR.tsv, .csv or .json (-.tsv: stdout)")			\
X(FILES, 0, "files", NO_ALIAS, ARG_NONE, S_OUTPUT, "",			\
  "save each job's output to a file; print its name")			\
X(BAR, 0, "bar", NO_ALIAS, ARG_NONE, S_OUTPUT, "",			\
  "show a progress bar on standard error")				\
X(ETA, 0, "eta", NO_ALIAS, ARG_NONE, S_OUTPUT, "",			\
  "show the estimated time left on standard error")			\
X(PROGRESS, 0, "progress", NO_ALIAS, ARG_NONE, S_OUTPUT, "",		\
  "show running/done counts on standard error")			\
X(TOTAL, 0, "total", HIDDEN("total-jobs"), ARG_COUNT, S_OUTPUT, "N",	\
  "the number of jobs, for --bar and --eta")				\
X(DOWNLOAD, 0, "download", NO_ALIAS, ARG_STRING, S_DOWNLOADS, "DIR",	\
  "download each URL into DIR instead of running")			\
X(CREATE_DIRS, 0, "create-dirs", NO_ALIAS, ARG_NONE, S_DOWNLOADS, "",	\
  "create DIR if it does not exist")					\
X(OVERWRITE, 0, "overwrite", NO_ALIAS, ARG_NONE, S_DOWNLOADS, "",	\
  "replace files that exist (default: skip them)")			\
X(CONTENT_DISPOSITION, 0, "content-disposition", NO_ALIAS, ARG_NONE,	\
  S_DOWNLOADS, "", "use the name the server suggests")			\
X(CHECKSUM_FILE, 0, "checksum-file", NO_ALIAS, ARG_STRING, S_DOWNLOADS,\
  "FILE", "check downloads against FILE (sha256sum format)")		\
X(CONNECT_TIMEOUT, 0, "connect-timeout", NO_ALIAS, ARG_DURATION,	\
  S_DOWNLOADS, "DURATION", "give up connecting after this (30s)")	\
X(STALL_TIMEOUT, 0, "stall-timeout", NO_ALIAS, ARG_DURATION,		\
  S_DOWNLOADS, "DURATION", "give up when no byte came for this (60s)")	\
X(MAX_FILESIZE, 0, "max-filesize", NO_ALIAS, ARG_SIZE, S_DOWNLOADS,	\
  "SIZE", "refuse bodies larger than SIZE (e.g. 500M)")		\
X(LIMIT_RATE, 0, "limit-rate", NO_ALIAS, ARG_SIZE, S_DOWNLOADS, "SIZE",\
  "download at most SIZE bytes per second in all")			\
X(HTTP_HEADER, 'H', "http-header", NO_ALIAS, ARG_STRING, S_DOWNLOADS,	\
  "HEADER", "send HEADER ('Name: value'); repeatable")			\
X(USER_AGENT, 0, "user-agent", NO_ALIAS, ARG_STRING, S_DOWNLOADS, "STR",\
  "send this User-Agent")						\
X(CACERT, 0, "cacert", NO_ALIAS, ARG_STRING, S_DOWNLOADS, "FILE",	\
  "trust the certificates in FILE for HTTPS")				\
X(HELP, 'h', "help", NO_ALIAS, ARG_NONE, S_INFO, "",			\
  "print this help and exit")						\
X(VERSION, 0, "version", NO_ALIAS, ARG_NONE, S_INFO, "",		\
  "print the version and exit")

#define DEFAULT_TERMSEQ "TERM,200,TERM,100,TERM,50,KILL,25"

/* What an option's value is; each kind has one checked parser below. */
enum arg_kind {
	ARG_NONE,	/* a flag */
	ARG_STRING,	/* text or a path, taken as given */
	ARG_CHAR,	/* one character or an escape: rec_parse_sep() */
	ARG_COUNT,	/* a whole number within bounds: num_parse() */
	ARG_SIZE,	/* bytes with k/M/G/T: num_size() */
	ARG_DURATION,	/* seconds with s/m/h/d: num_duration() */
	ARG_REAL,	/* a positive decimal number */
	ARG_JOBS,	/* N, N%, +N, -N or 0: optval_jobs() */
	ARG_TERMSEQ,	/* SIG,MS,...: optval_termseq() */
	ARG_HALT,	/* WHEN,WHY=N: optval_halt() */
	ARG_OPTIONAL,	/* text that may be left out, attached: -l2 */
};

/* The --help sections, in order, and what --help prints around each. */
enum section {
	S_INPUT,
	S_COMMAND,
	S_EXECUTION,
	S_REMOTE,
	S_OUTPUT,
	S_DOWNLOADS,
	S_INFO,
};

static const struct {
	const char *title;	/* NULL for none */
	const char *after;	/* a note after its options, or NULL */
} sections[] = {
	[S_INPUT] = { "Input:", NULL },
	[S_COMMAND] = { "Command:", NULL },
	[S_EXECUTION] = { "Execution:", NULL },
	[S_REMOTE] = { "Remote hosts (over OpenSSH):", NULL },
	[S_OUTPUT] = { "Output:", NULL },
	[S_DOWNLOADS] = {
		"Downloads (--download DIR: each record is URL [TAB NAME] "
		"[TAB sha256:HEX]):",
		"  (--timeout and --retries apply to downloads too; only "
		"transient\n  failures are retried)\n" },
	[S_INFO] = { NULL, NULL },
};

enum opt_id {
#define X(id, ...) O_##id,
	OPTIONS(X)
#undef X
	O_COUNT
};

struct optdef {
	char letter;		/* 0 for none */
	const char *name;	/* NULL for none */
	const char *alias;	/* NULL for none */
	int alias_shown;	/* listed in --help and the man page */
	const char *alias2;	/* a third name, never listed, or NULL */
	enum arg_kind kind;
	enum section section;
	const char *argname;
	const char *help;
};

#define NO_ALIAS .alias = NULL
#define SHOWN(a) .alias = (a), .alias_shown = 1
#define HIDDEN(a) .alias = (a), .alias_shown = 0
#define SHOWN2(a, b) .alias = (a), .alias_shown = 1, .alias2 = (b)

static const struct optdef optdefs[O_COUNT] = {
#define X(id, l, n, alias, k, s, arg, h)				\
	[O_##id] = { .letter = (l), .name = (n), alias, .kind = (k),	\
		     .section = (s), .argname = (arg), .help = (h) },
	OPTIONS(X)
#undef X
};

static const char help_head[] =
	"Usage: lanes [OPTION]... [COMMAND [ARG]...] [::: ARG... | :::: FILE...]...\n"
	"       lanes --download DIR [OPTION]... < URLS\n"
	"Run a command once per input record, N jobs at a time.\n"
	"\n"
	"Input records come from standard input, or from -a FILE, ::: ARG... and\n"
	":::: FILE... sources (several sources combine as a cartesian product).\n"
	"Without COMMAND each record is itself a command line.\n";

static const char help_tail[] =
	"Replacement strings: {} {.} {/} {//} {/.} {#} {%} {n} {n.} {n/} {n//} {n/.}\n"
	"{-n}, {name} with --header, more with --plus; see lanes(1). Each job's\n"
	"environment has LANES_SEQ and LANES_SLOT (and GNU parallel's PARALLEL_SEQ,\n"
	"PARALLEL_JOBSLOT, PARALLEL_PID).\n"
	"Exit status: 0 if every job succeeded, 1-100 the number of jobs that\n"
	"failed, 101 if more failed, 255 for errors of lanes itself, 128+N when\n"
	"stopped by signal N; with --halt, as GNU parallel (see lanes(1)).\n";

/* The column where help texts start. */
#define HELP_COL 27

/* One option's --help lines: "  -a, --arg-file FILE" and its text. */
static void help_option(FILE *f, const struct optdef *d)
{
	const char *h;
	int n;

	if (d->letter)
		n = fprintf(f, "  -%c%s", d->letter, d->name ? ", " : "");
	else
		n = fprintf(f, "      ");
	if (d->name)
		n += fprintf(f, "--%s", d->name);
	if (d->alias && d->alias_shown)
		n += fprintf(f, ", --%s", d->alias);
	if (*d->argname)
		n += fprintf(f, " %s", d->argname);
	/* A long left column gets two spaces, so it stays readable. */
	fprintf(f, "%*s", n < HELP_COL ? HELP_COL - n : 2, "");
	for (h = d->help; *h; h++) {
		fputc(*h, f);
		if (*h == '\n')
			fprintf(f, "%*s", HELP_COL, "");
	}
	fputc('\n', f);
}

/* --help: the table, a section at a time, between a head and a tail. */
static void help(FILE *f)
{
	int i, sec = -1;

	fputs(help_head, f);
	for (i = 0; i < O_COUNT; i++) {
		const struct optdef *d = &optdefs[i];

		if ((int)d->section != sec) {
			if (sec >= 0 && sections[sec].after)
				fputs(sections[sec].after, f);
			sec = (int)d->section;
			fputc('\n', f);
			if (sections[sec].title)
				fprintf(f, "%s\n", sections[sec].title);
		}
		help_option(f, d);
	}
	if (sec >= 0 && sections[sec].after)
		fputs(sections[sec].after, f);
	fputc('\n', f);
	fputs(help_tail, f);
}

/* What getopt_long returns for an option, and back. */
static int opt_val(int i)
{
	return optdefs[i].letter ? optdefs[i].letter : 256 + i;
}

static int opt_index(int c)
{
	int i;

	if (c >= 256)
		return c - 256 < O_COUNT ? c - 256 : -1;
	for (i = 0; i < O_COUNT; i++)
		if (optdefs[i].letter == c)
			return i;
	return -1;
}

/* getopt's short string ("+:" then "a:0d:...") and long table, from the
 * option table. Every option has at most two long names. */
static void getopt_tables(char *shorts, struct option *longs)
{
	int i;

	*shorts++ = '+';	/* stop at the command */
	*shorts++ = ':';	/* report a missing value as ':' */
	for (i = 0; i < O_COUNT; i++) {
		const struct optdef *d = &optdefs[i];
		int has = d->kind == ARG_NONE ? no_argument :
			  d->kind == ARG_OPTIONAL ? optional_argument :
			  required_argument;

		if (d->letter) {
			*shorts++ = d->letter;
			if (has != no_argument)
				*shorts++ = ':';
			if (has == optional_argument)
				*shorts++ = ':';
		}
		if (d->name)
			*longs++ = (struct option){ d->name, has, NULL,
						    opt_val(i) };
		if (d->alias)
			*longs++ = (struct option){ d->alias, has, NULL,
						    opt_val(i) };
		if (d->alias2)
			*longs++ = (struct option){ d->alias2, has, NULL,
						    opt_val(i) };
	}
	*shorts = '\0';
	*longs = (struct option){ NULL, 0, NULL, 0 };
}

/* How messages name an option: its letter if it has one (-n), else its
 * long name (--timeout). */
static void opt_label(const struct optdef *d, char *buf, size_t len)
{
	if (d->letter)
		snprintf(buf, len, "-%c", d->letter);
	else
		snprintf(buf, len, "--%s", d->name);
}

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

/* --pipe and its options; --header means the block header there, an
 * HTTP header with --download. */
static void pipe_validate(struct opts *o)
{
	size_t i;

	if (!o->pipe) {
		if (o->block_size || o->block_per_slot || o->recend ||
		    o->recstart || o->regexp || o->round_robin ||
		    o->pipe_cat || o->pipe_fifo)
			die_usage("--block, --recend, --recstart, --regexp, "
				  "--round-robin, --cat and --fifo need "
				  "--pipe or --pipe-part");
		/* Without --pipe, -L N is xargs' -L: N records a job. */
		if (o->max_lines)
			o->max_args = o->max_lines;
		return;
	}
	if (o->download)
		die_usage("--pipe and --download do not go together");
	if (!o->ncmd)
		die_usage("--pipe needs a command to give the blocks to");
	if (o->pipe_cat && o->pipe_fifo)
		die_usage("--cat and --fifo do not go together");
	if (o->block_per_slot && !o->pipe_part)
		die_usage("--block -N (blocks per job slot) needs --pipe-part");
	if (o->shuf)
		die_usage("--shuf does not apply to --pipe blocks");
	for (i = 0; i < o->nsrcs; i++) {
		if (o->srcs[i].kind != SRC_FILE || o->nsrcs > 1)
			die_usage("--pipe reads one input: standard input or "
				  "-a FILE");
		if (strcmp(o->srcs[i].path, "-"))
			o->pipe_file = o->srcs[i].path;
	}
	if (o->pipe_part && !o->pipe_file)
		die_usage("--pipe-part needs -a FILE");
	if (!o->block_size && !o->block_per_slot) {
		/* GNU parallel's defaults: 1 MiB; --pipe-part without
		 * --block makes 10 blocks per job slot. */
		if (o->pipe_part)
			o->block_per_slot = o->round_robin ? 1 : 10;
		else
			o->block_size = 1024 * 1024;
	}
}

/* How a usage error names an option: its long name if it has one. */
static const char *opt_name(int i, char *buf, size_t len)
{
	if (optdefs[i].name)
		snprintf(buf, len, "--%s", optdefs[i].name);
	else
		snprintf(buf, len, "-%c", optdefs[i].letter);
	return buf;
}

/* Refuse A with B, naming both, and why when it helps ("" if not). */
static void refuse_pair(const unsigned char *seen, int a, int b,
			const char *why)
{
	char na[32], nb[32];

	if (seen[a] && seen[b])
		die_usage("%s and %s do not go together%s",
			  opt_name(a, na, sizeof(na)),
			  opt_name(b, nb, sizeof(nb)), why);
}

/*
 * Options that only mean something beside another one, and modes that
 * exclude each other: given together (or alone) they would otherwise be
 * accepted and ignored. seen[i] is whether option i was on the command
 * line.
 */
static void pairs_validate(const struct opts *o, const unsigned char *seen)
{
	static const int remote_only[] = {
		O_SSH, O_TRANSFERFILE, O_RETURN, O_CLEANUP, O_TRC,
		O_BASEFILE, O_WORKDIR, O_FILTER_HOSTS,
	};
	char n[32];

	/* Every option of the Downloads section is one of --download's. */
	for (int i = 0; i < O_COUNT; i++)
		if (seen[i] && optdefs[i].section == S_DOWNLOADS &&
		    i != O_DOWNLOAD && !o->download)
			die_usage("%s needs --download DIR",
				  opt_name(i, n, sizeof(n)));
	for (size_t i = 0; i < sizeof(remote_only) / sizeof(*remote_only);
	     i++)
		if (seen[remote_only[i]] && !o->nsshlogins && !o->nslfs)
			die_usage("%s needs -S or --sshloginfile",
				  opt_name(remote_only[i], n, sizeof(n)));
	refuse_pair(seen, O_JSON, O_FILES,
		    ": --json already has each job's output");
	/* -u passes the output straight through, --json and --files keep
	 * it whole: GNU parallel lets -u win over --files, lanes did the
	 * opposite, so neither is safe to guess. (--line-buffer only says
	 * how printed output is buffered; with these nothing of it is
	 * printed, so it may stay, as in GNU parallel.) The last of
	 * --group, --line-buffer and -u is the one in force. */
	if (o->output == OUT_UNGROUP) {
		refuse_pair(seen, O_JSON, O_UNGROUP,
			    ": --json keeps each job's output whole");
		refuse_pair(seen, O_FILES, O_UNGROUP,
			    ": --files keeps each job's output whole");
	}
	if (o->download && (o->nsshlogins || o->nslfs))
		die_usage("--download and %s do not go together: downloads "
			  "run on this machine",
			  o->nsshlogins ? "-S" : "--sshloginfile");
	if (o->slurm && (o->nsshlogins || o->nslfs))
		die_usage("--slurm and %s do not go together: the jobs run "
			  "on the allocation's nodes",
			  o->nsshlogins ? "-S" : "--sshloginfile");
}

/*
 * Every check that involves more than one option, and the fix-ups one
 * option makes to another, in one place; opts_parse() ends with it.
 */
static void opts_validate(struct opts *o, const unsigned char *seen)
{
	struct stat st;
	const char *why = NULL;

	/* Checked here, after --help had its chance to run. */
	for (size_t i = 0; i < o->nheaders; i++)
		if (!strchr(o->headers[i], ':'))
			die_usage("--http-header '%s': want 'Name: value'",
				  o->headers[i]);

	/* How output flows follows from the options in one place,
	 * outpol_decide() (cmd/emit.c); only misuse is refused here. */
	if (stat(o->tmpdir, &st))
		why = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		why = "Not a directory";
	else if (access(o->tmpdir, W_OK | X_OK))
		why = strerror(errno);
	if (why)
		die_usage("cannot use '%s' for temporary files: %s", o->tmpdir,
			  why);
	if (o->slurm && o->download)
		die_usage("--slurm runs commands on the nodes; it cannot be "
			  "used with --download");
	pairs_validate(o, seen);
	if (o->download && o->ncmd)
		die_usage("--download takes no command: each record is a URL");
	pipe_validate(o);
	if (o->download && (o->xargs || o->max_args))
		die_usage("--download runs one URL per job; -m, -X, -n and "
			  "-N do not apply");
	if (o->retry_failed)
		o->ncmd = 0;	/* the log has the commands */
	if (o->results && o->output == OUT_UNGROUP && !o->json && !o->files)
		die_usage("--results needs the jobs' output, which -u passes "
			  "straight through");
	/* A command that is only {} runs each record as a command line, as
	 * in GNU parallel: quoting it would make it one word. */
	if (o->ncmd == 1 && !o->quote &&
	    !strcmp(o->cmd[0], o->replstr ? o->replstr : "{}"))
		o->ncmd = 0;
	if (!o->ncmd && (o->quote || o->context) && !o->retry_failed)
		die_usage("%s needs a command", o->quote ? "-q" : "-X");
	if (o->onall && !o->nsshlogins && !o->nslfs)
		die_usage("--%s needs hosts (-S or --slf)",
			  o->nonall ? "nonall" : "onall");
	if (o->nonall && (o->nsrcs || o->pipe))
		die_usage("--nonall runs the command without arguments: it "
			  "takes no input");
	if (o->nonall && !o->ncmd)
		die_usage("--nonall needs a command");
	if ((o->resume || o->resume_failed || o->retry_failed) &&
	    (!o->joblog || !strcmp(o->joblog, "-")))
		die_usage("--resume, --resume-failed and --retry-failed need "
			  "--joblog FILE");
}

/*
 * The switch follows the table, so it reads in the order of --help; it is
 * on enum opt_id without a default, so -Wswitch finds a missing case. It
 * is long because it has one short case per option, and splitting it by
 * section would only scatter them.
 */
void opts_parse(struct opts *o, int argc, char **argv)
{
	char shorts[3 + 2 * O_COUNT];
	struct option longs[2 * O_COUNT + 1];
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
	getopt_tables(shorts, longs);
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (c == ':')
			die_usage("option '%s' needs a value",
				  argv[optind - 1]);
		i = opt_index(c);
		if (i < 0) {
			if (optopt && optopt < 256)
				die_usage("unknown option '-%c'", optopt);
			die_usage("unknown option '%s'", argv[optind - 1]);
		}
		opt_label(&optdefs[i], label, sizeof(label));
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
			break;
		case O_POSITIONAL:
			o->max_args = optval_count(label, optarg, 0, INT_MAX);
			o->positional = 1;
			break;
		case O_MAX_LINES:
			/* -n N, or with --pipe the lines of a record: see
			 * pipe_validate(). */
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
			help(stdout);
			exit(fflush(stdout) ? EXIT_LANES : 0);
		case O_VERSION:
			printf("lanes %s\n", LANES_VERSION);
			exit(fflush(stdout) ? EXIT_LANES : 0);
		case O_COUNT:	/* not an option; opt_index() never */
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
	opts_validate(o, seen);
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
