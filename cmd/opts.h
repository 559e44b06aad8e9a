/*
 * opts: the command line. Fills struct opts from argv: one switch that
 * stores each option's value, and the parsing of the trailing COMMAND and
 * ::: / :::: sources. The option table it follows (OPTIONS: names,
 * letters, --help) is cmd/optdef's; the checks across options are
 * cmd/optcheck's; values beyond plain numbers are cmd/optval's. Prints
 * usage errors itself and exits with status 255, as only cmd/ may.
 *
 * Adding an option:
 *   1. One X() line in OPTIONS (cmd/optdef.h), where --help should list
 *      it: its names, letter (or 0), argument kind, section and help text.
 *   2. Its field in struct opts below, and its case in opts_parse()'s
 *      switch (cmd/opts.c), at the same place as in the table (the switch
 *      is on the table's enum, so the build fails until the case exists;
 *      -Wswitch). Numbers go through the kind's checked parser
 *      (optval_count, optval_duration, optval_size: cmd/optval.c, over
 *      cmd/num.c). A check against other options, or a fix-up of one,
 *      goes in optcheck_opts() (cmd/optcheck.c).
 *   3. Its use, wherever it takes effect.
 *   4. Its entry in man/lanes.1's OPTIONS section, in the same place:
 *      tests/05-options.bats fails when the man page and --help disagree
 *      on the set or the order of options.
 *   5. A bats test of what it does.
 *
 * Thread-safety: opts_parse() runs on the main thread before any other
 * thread exists; the result is read-only afterwards.
 */
#ifndef LANES_OPTS_H
#define LANES_OPTS_H

#include <stddef.h>

#include "launch.h"

#define LANES_VERSION "0.1.0"

enum out_mode {
	OUT_GROUP,
	OUT_LINE,
	OUT_UNGROUP,
};

enum src_kind {
	SRC_STDIN,	/* the default when no source is named */
	SRC_ARGS,	/* ::: values */
	SRC_FILE,	/* :::: FILE or -a FILE ("-" is stdin) */
};

struct src_spec {
	enum src_kind kind;
	char **vals;		/* SRC_ARGS: borrowed from argv */
	size_t nvals;
	const char *path;	/* SRC_FILE */
	int linked;		/* paired with the previous one: LINK_* */
};

enum {
	LINK_STOP = 1,		/* :::+ stops at the shortest, as GNU */
	LINK_WRAP = 2,		/* --link: the shorter ones wrap */
};

enum trim {
	TRIM_UNSET,		/* none, or rl with --colsep (as GNU) */
	TRIM_NONE,		/* --trim n */
	TRIM_L,
	TRIM_R,
	TRIM_LR,
};

struct opts {
	unsigned jobs;		/* >= 1 */
	int slurm;		/* --slurm: jobs run on the allocation's nodes */
	unsigned per_node;	/* --slurm -j N: N; 0 for what Slurm gave */
	int keep_order;
	enum out_mode output;
	int tag;
	const char *tagstring;
	char *tagstring_buf;	/* --tagstring with \t made a tab, owned */
	int dry_run;
	int verbose;
	int trace;		/* -t: each command on stderr as it starts */

	int quote;		/* -q */
	int use_shell_env;	/* --shell */
	const char *replstr;	/* -I */

	char sep;		/* record separator */
	int skip_empty;		/* -r */
	const char *eof_str;	/* -E: a record equal to it ends the input */
	const char *colsep;	/* -C */
	enum trim trim;		/* --trim */
	const char *header;	/* --header : or REGEX: first line names */
	int plus;		/* --plus */
	int link;

	long long max_args;	/* -n / -N; 0 = one record per job */
	int positional;		/* -N given */
	long long pipe_nrec;	/* --pipe: records a block, from -N (which
				 * wins) or -n, as in GNU parallel */
	int xargs;		/* -m */
	int context;		/* -X */
	long long max_chars;	/* -s; 0 = the system's limit */

	const char *tmpdir;

	/* --pipe (GNU parallel's spellings). */
	int pipe;		/* --pipe or --pipe-part */
	int pipe_part;		/* --pipe-part */
	const char *pipe_file;	/* -a FILE, NULL for stdin */
	long long block_size;	/* --block bytes, 0 with block_per_slot */
	unsigned long long block_per_slot;	/* --block -N */
	const char *recend;	/* --recend, NULL when not given */
	const char *recstart;	/* --recstart */
	int regexp;		/* --regexp */
	long long max_lines;	/* -L */
	int round_robin;	/* --round-robin */
	int pipe_cat;		/* --cat */
	int pipe_fifo;		/* --fifo */

	/* Job control (GNU parallel's spellings). */
	double timeout;		/* --timeout seconds, 0 = none */
	struct termseq termseq;	/* --termseq */
	long long retries;	/* --retries: runs in total, >= 1 */
	struct halt {
		enum { HALT_NEVER, HALT_SOON, HALT_NOW } when;
		enum { HALT_FAIL, HALT_SUCCESS, HALT_DONE } what;
		long long count;	/* when !percent */
		double percent;		/* 0 < percent <= 100 */
		int is_percent;
	} halt;
	double delay;		/* --delay seconds between starts */
	long long memfree;	/* --memfree bytes, 0 = no check */
	double load;		/* --load, 0 = no check */
	const char *joblog;	/* --joblog FILE, "-" stdout, "+FILE" append */
	int resume;		/* --resume */
	int resume_failed;	/* --resume-failed */
	int resume_anyway;	/* --resume-anyway: even if commands differ */
	int retry_failed;	/* --retry-failed */
	const char *results;	/* --results DIR */
	int json;		/* --json */
	int bar, eta, progress;	/* --bar, --eta, --progress */
	long long total;	/* --total N, 0 = unknown */
	int shuf;		/* --shuf */
	int nice;		/* --nice N, 0 = unchanged */
	int nice_set;
	int files;		/* --files */

	/* Download jobs (--download DIR). */
	const char *download;	/* the output directory, NULL for commands */
	int create_dirs;	/* --create-dirs */
	int overwrite;		/* --overwrite */
	int content_disposition;/* --content-disposition */
	double connect_timeout;	/* --connect-timeout seconds (default 30) */
	double stall_timeout;	/* --stall-timeout seconds (default 60) */
	long long max_filesize;	/* --max-filesize bytes, 0 = no limit */
	long long limit_rate;	/* --limit-rate bytes/s in total, 0 = none */
	char **headers;		/* -H, repeatable, borrowed */
	size_t nheaders;
	const char *user_agent;	/* --user-agent */
	const char *cacert;	/* --cacert FILE */
	const char *checksum_file; /* --checksum-file FILE (sha256sum) */

	/* Remote hosts over OpenSSH (GNU parallel's spellings). */
	char **sshlogins;	/* -S/--sshlogin, repeatable, borrowed */
	size_t nsshlogins;
	char **slfs;		/* --sshloginfile/--slf, repeatable */
	size_t nslfs;
	const char *ssh;	/* --ssh CMD */
	const char *jobs_arg;	/* -j as given: with -S it is per host */
	char **transferfiles;	/* --transferfile/--tf, repeatable */
	size_t ntransferfiles;
	char **returns;		/* --return, repeatable */
	size_t nreturns;
	int cleanup;		/* --cleanup */
	char **basefiles;	/* --basefile/--bf, repeatable */
	size_t nbasefiles;
	const char *workdir;	/* --workdir/--wd */
	int filter_hosts;	/* --filter-hosts */
	int onall;		/* --onall, and --nonall */
	int nonall;		/* --nonall: one job, no arguments */

	char **cmd;		/* template words, borrowed from argv */
	size_t ncmd;
	struct src_spec *srcs;	/* in the order given, -a first */
	size_t nsrcs;
};

/*
 * Fill o from argv, then validate it: o comes back consistent (the output
 * mode fixed up for -k, --dry-run, --json and --files, --tmpdir usable, a
 * --joblog FILE for the --resume options). Exits 0 for --help/--version,
 * 255 for misuse.
 */
void opts_parse(struct opts *o, int argc, char **argv);
void opts_release(struct opts *o);

#endif
