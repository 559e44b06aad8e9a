/*
 * optdef: the option table. Owns OPTIONS, the one list of lanes' options
 * (names, letter, kind of value, --help section and text), and all that is
 * built from it: --help, getopt_long's short string and long array, and
 * the names messages give an option. What an option does with its value
 * is opts_parse()'s (cmd/opts.c); how options go together is optcheck's.
 *
 * Using it, as opts_parse() does:
 *   1. optdef_getopt() fills arrays of OPTDEF_SHORTS and OPTDEF_LONGS
 *      entries for getopt_long().
 *   2. optdef_index() turns what getopt_long() returned into the
 *      option's enum opt_id, the index of its optdef_table[] entry.
 *   3. optdef_label() names it in messages.
 *
 * Thread-safety: the table is constant; the functions keep no state.
 * Errors: none; optdef_help() leaves write errors in the FILE's error
 * flag for its caller's fflush().
 */
#ifndef LANES_OPTDEF_H
#define LANES_OPTDEF_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

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
X(ROUND_ROBIN, 0, "round-robin", HIDDEN("roundrobin"), ARG_NONE,	\
  S_INPUT, "",								\
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

/* --termseq when it is not given; --help shows it. */
#define DEFAULT_TERMSEQ "TERM,200,TERM,100,TERM,50,KILL,25"

/* What an option's value is; each kind has one checked parser, called
 * from opts_parse()'s switch. */
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

/* The --help sections, in the order --help prints them. */
enum section {
	S_INPUT,
	S_COMMAND,
	S_EXECUTION,
	S_REMOTE,
	S_OUTPUT,
	S_DOWNLOADS,
	S_INFO,
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

/* The table, indexed by enum opt_id, in the order of --help. */
extern const struct optdef optdef_table[O_COUNT];

/* Sizes of optdef_getopt()'s arrays: "+:", each letter with up to two
 * colons, a NUL; up to three long names per option and the end mark. */
#define OPTDEF_SHORTS (3 + 3 * O_COUNT)
#define OPTDEF_LONGS (3 * O_COUNT + 1)

/* --help: the table a section at a time, between a head and a tail. */
void optdef_help(FILE *f);
/* getopt's short string ("+:" then "a:0d:...") and long array. */
void optdef_getopt(char shorts[OPTDEF_SHORTS],
		   struct option longs[OPTDEF_LONGS]);
/* The option getopt_long() returned c for, or -1 for none. */
int optdef_index(int c);
/*
 * Option i's name for a message, in buf (returned): a bad value names it
 * by its letter if it has one (-n, --timeout: OPTDEF_BY_LETTER); options
 * that do not go together are named by their long names if they have
 * them (--max-args, -N: OPTDEF_BY_NAME).
 */
enum optdef_naming { OPTDEF_BY_LETTER, OPTDEF_BY_NAME };
const char *optdef_label(int i, enum optdef_naming by, char *buf,
			 size_t len);

#endif
