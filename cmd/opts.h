/*
 * opts: the command line. One getopt_long table, one switch, and the
 * parsing of the trailing COMMAND and ::: / :::: sources. Prints usage
 * errors itself and exits with status 255, as only cmd/ may.
 *
 * Thread-safety: opts_parse() runs on the main thread before any other
 * thread exists; the result is read-only afterwards.
 */
#ifndef LANES_OPTS_H
#define LANES_OPTS_H

#include <stddef.h>

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
	int linked;		/* paired with the previous source */
};

struct opts {
	unsigned jobs;		/* >= 1 */
	int keep_order;
	enum out_mode output;
	int tag;
	const char *tagstring;
	int dry_run;
	int verbose;

	int quote;		/* -q */
	int use_shell_env;	/* --shell */
	const char *replstr;	/* -I */

	char sep;		/* record separator */
	int skip_empty;		/* -r */
	const char *colsep;	/* -C */
	int link;

	long long max_args;	/* -n / -N; 0 = one record per job */
	int positional;		/* -N given */
	int xargs;		/* -m */
	int context;		/* -X */
	long long max_chars;	/* -s; 0 = the system's limit */

	const char *tmpdir;

	char **cmd;		/* template words, borrowed from argv */
	size_t ncmd;
	struct src_spec *srcs;	/* in the order given, -a first */
	size_t nsrcs;
};

/* Fill o from argv. Exits 0 for --help/--version, 255 for misuse. */
void opts_parse(struct opts *o, int argc, char **argv);
void opts_release(struct opts *o);

#endif
