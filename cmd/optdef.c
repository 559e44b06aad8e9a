/*
 * DESIGN: the table is an X-macro (OPTIONS in optdef.h) so that one line
 * per option gives its enum opt_id, its optdef_table[] entry and, from
 * that entry, its getopt names and its --help lines: getopt accepts no
 * option that --help does not list (bar the hidden GNU spellings of
 * listed ones), and --help lists them in the table's order, which
 * tests/05-options.bats compares with the man page's. Every long name
 * maps to the option's letter, or to 256 + its index when it has none.
 */
#include "optdef.h"

#include <getopt.h>
#include <stdio.h>

/* What --help prints around each section's options. */
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

/* The ALIAS column of OPTIONS, as designated initializers. */
#define NO_ALIAS .alias = NULL
#define SHOWN(a) .alias = (a), .alias_shown = 1
#define HIDDEN(a) .alias = (a), .alias_shown = 0
#define SHOWN2(a, b) .alias = (a), .alias_shown = 1, .alias2 = (b)

const struct optdef optdef_table[O_COUNT] = {
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
	"Replacement strings: {} {.} {/} {//} {/.} {#} {%} {n} {n.} {n/} "
	"{n//} {n/.}\n"
	"{-n}, {host} (the login a job runs on), {name} with --header, more\n"
	"with --plus; see lanes(1). Each job's environment has LANES_SEQ and\n"
	"LANES_SLOT (and GNU parallel's PARALLEL_SEQ, PARALLEL_JOBSLOT,\n"
	"PARALLEL_PID).\n"
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

void optdef_help(FILE *f)
{
	int i, sec = -1;

	fputs(help_head, f);
	for (i = 0; i < O_COUNT; i++) {
		const struct optdef *d = &optdef_table[i];

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
	return optdef_table[i].letter ? optdef_table[i].letter : 256 + i;
}

int optdef_index(int c)
{
	int i;

	if (c >= 256)
		return c - 256 < O_COUNT ? c - 256 : -1;
	for (i = 0; i < O_COUNT; i++)
		if (optdef_table[i].letter == c)
			return i;
	return -1;
}

void optdef_getopt(char shorts[OPTDEF_SHORTS],
		   struct option longs[OPTDEF_LONGS])
{
	int i;

	*shorts++ = '+';	/* stop at the command */
	*shorts++ = ':';	/* report a missing value as ':' */
	for (i = 0; i < O_COUNT; i++) {
		const struct optdef *d = &optdef_table[i];
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

const char *optdef_label(int i, enum optdef_naming by, char *buf,
			 size_t len)
{
	const struct optdef *d = &optdef_table[i];

	/* Every option has a letter or a long name, or both. */
	if (d->name && (by == OPTDEF_BY_NAME || !d->letter))
		snprintf(buf, len, "--%s", d->name);
	else
		snprintf(buf, len, "-%c", d->letter);
	return buf;
}
