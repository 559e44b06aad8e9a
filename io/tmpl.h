/*
 * tmpl: command templates and replacement strings. A template is parsed
 * once (on the main thread) and then expanded for each job (on any worker
 * thread) into either an argv for direct execution or a command string for
 * /bin/sh -c.
 *
 * Replacement strings, as GNU parallel spells them:
 *   {}      all of the job's arguments, separated by spaces
 *   {.}     without the extension      {/}  basename     {//} dirname
 *   {/.}    basename without extension
 *   {#}     the job's sequence number  {%}  the job slot (1..N)
 *   {host}  the sshlogin the job runs on (tmpl_job.host; "" if NULL),
 *           one word: shell-quoted like an argument in shell mode, an
 *           argv entry (empty for a local job) in direct mode
 *   {n} {n.} {n/} {n//} {n/.}   the n-th argument (1-based), modified
 *   {-n} ...                    the n-th argument from the end
 * The replacement for {} can be renamed (-I STR); the other forms keep their
 * spelling (with -I STR, "{}" is literal text). A brace sequence that is
 * none of these is literal text; so are {0} and {-0}. Leading zeros are
 * allowed ({01} is {1}).
 * Modifiers work on bytes: {.} removes a final ".ext" of the basename (not a
 * leading dot, "a.tar.gz" -> "a.tar"); {/} keeps what follows the last '/';
 * {//} keeps what precedes it, as dirname(1) does ("." when there is no
 * '/', "/" for "/x").
 * With TMPL_PLUS (--plus), also GNU parallel's
 *   {..} {...}     without the last two / three extensions (each a
 *                  non-empty run of non-dots; when there are fewer,
 *                  the value is unchanged, as GNU's s:\.[^/.]+\.[^/.]+$::)
 *   {/..} {/...}   the same of the basename
 *   {+/}           what precedes the last '/' ("" when none)
 *   {+.} {+..} {+...}  what {.} {..} {...} remove, without the first dot
 * and the same after a positional index ({2..}, {-1+.}); and
 *   {##}  the total number of jobs     {0#}  {#} zero-padded to its width
 *   {0%}  {%} zero-padded to the width of the number of slots
 * as tmpl_set_counts() gives them.
 * GNU's Perl expressions {= ... =} are refused by tmpl_parse() (-EINVAL
 * with a message naming the expression); so are they in TMPL_RAW.
 * A positional index beyond the arguments is missing: it expands to
 * nothing, in shell mode too (no '' word), and a direct-mode word made
 * only of missing ones vanishes, as in GNU parallel ("echo {1} {2}" with
 * one argument runs "echo 5 ").
 * Edge cases, compared with GNU parallel 20221122:
 *   {.}  "dir.x/file" and "a/" are unchanged; "a." -> "a" (as GNU).
 *        A dot that only dots precede in the basename starts a hidden
 *        name, not an extension: ".bashrc", "a/.b", ".." and "..foo" are
 *        unchanged (GNU gives "", "a/", "." and "."); ".a.b" -> ".a".
 *   {/}  "a/" -> "" and "/" -> "" (as GNU; basename(1) differs).
 *   {//} is dirname(1), as GNU: trailing slashes are ignored and repeated
 *        ones collapse, so "a/" -> ".", "a//b" -> "a", "//x" -> "/",
 *        "/" -> "/", "" -> ".".
 *   {/.} is {.} applied to {/}: ".bashrc" -> ".bashrc" (GNU gives "").
 *
 * The two execution modes give the user identical results:
 *   - shell mode: every substituted value is shell-quoted (quote_shell), the
 *     literal text is kept as written, and the result is one string.
 *   - direct mode (template text needs no shell, see quote_needs_shell, or
 *     TMPL_QUOTE was given): the text is split into words on blanks, values
 *     are substituted without quoting, and each word becomes one argv entry.
 *     A word that expands {} (or any multi-valued form) over several
 *     arguments yields one word per argument, as the shell would split the
 *     quoted list: "x{}y" with a,b gives "xa" "by". A word made only of a
 *     multi-valued replacement with zero arguments vanishes.
 * With TMPL_CONTEXT (-X), a word that contains a multi-valued replacement
 * is repeated once per argument with that argument alone: "x{}y" with a,b
 * gives "xay xby" (quoted per value in shell mode); with no arguments the
 * word vanishes. Words are delimited by blanks (space, tab, newline) in
 * the literal text, also in shell mode, where quotes are not parsed.
 * With no replacement string in the template at all, the arguments are
 * appended, each as its own word (quoted in shell mode), after a space.
 * ({#}, {%} and {host} count as replacement strings.)
 *
 * A command that starts with a replacement string (no blank before it,
 * "{} x") is shell code: it runs in shell mode with every value unquoted,
 * as GNU parallel does ('{} x' with "echo a" prints "a x"). Not so with
 * TMPL_QUOTE. When that code needs no shell it runs directly, split on
 * blanks, as a record that is a command does (cmdline_expand()).
 * Choosing the mode: the literal text, with each replacement string read
 * as a plain character, goes through quote_needs_shell(). When the first
 * word holds a replacement string after text ("x{} y"), the expanded
 * program name is checked too: one that only the shell understands
 * ("cd", "exit", "FOO=1", or anything quote_needs_shell() flags) makes
 * that job run in
 * shell mode, so both modes keep giving the same result. With TMPL_QUOTE the
 * template runs directly unless its first word is a shell word
 * (quote_is_shell_word(): "exit", "cd", ...), in which case it runs in
 * shell mode with every literal piece quoted. TMPL_SHELL forces shell mode
 * (with TMPL_QUOTE too).
 * A direct-mode expansion can leave no word at all ("{}" with no
 * arguments); it is then returned in shell mode as the empty command,
 * which sh runs as success; so cmd->direct == 1 means argc >= 1.
 *
 * The size of a command before it is expanded (-s, -m, -X) is tmplsize.h's;
 * the modifiers are tmplmod.h's.
 *
 * Thread-safety: tmpl_parse() and tmpl_free() on one thread; tmpl_expand()
 * and the query functions may run concurrently on a parsed template.
 * Errors: 0 or -errno (-ENOMEM); tmpl_parse() returns -EINVAL with a
 * message in err for an empty template.
 */
#ifndef LANES_TMPL_H
#define LANES_TMPL_H

#include <stddef.h>

#include "buf.h"

struct tmpl;

enum {
	TMPL_QUOTE = 1,		/* -q: words are literal, never split */
	TMPL_CONTEXT = 2,	/* -X: context replace */
	TMPL_SHELL = 4,		/* force shell mode */
	TMPL_RAW = 8,		/* raw text into cmd->shell, see below */
	TMPL_PLUS = 16,		/* --plus replacement strings */
};

/*
 * TMPL_RAW: expand into cmd->shell with values not quoted, literal text not
 * split, and nothing appended when there is no replacement string; used
 * for --tagstring. The result is the words joined with spaces exactly as
 * given, with each replacement string replaced by its value(s), several
 * values joined with single spaces. TMPL_QUOTE, TMPL_CONTEXT and
 * TMPL_SHELL are ignored, an empty template ("") is allowed, and
 * arguments may contain NUL bytes, which are copied (cmd->shell.len counts
 * them). display, if wanted, is the same string; tmpl_is_shell() is 1.
 */

struct tmpl_arg {
	const char *p;		/* may contain any byte, NUL included */
	size_t len;
};

struct tmpl_job {
	const struct tmpl_arg *args;
	size_t nargs;
	unsigned long long seq;	/* {#} */
	unsigned slot;		/* {%} */
	const char *host;	/* {host}; NULL is "" (a local job) */
};

/* The result of one expansion. */
struct tmpl_cmd {
	int direct;		/* 1: argv is set; 0: shell is set */
	char **argv;		/* NULL-terminated; strings in one block */
	size_t argc;
	struct buf shell;	/* the command for sh -c (direct == 0) */
	struct buf display;	/* the command as a user would type it */
};

/*
 * Parse the template given as command-line words (joined with spaces unless
 * TMPL_QUOTE). replstr is the spelling of {} ("{}" if NULL). Empty means
 * no words, or (without TMPL_QUOTE and TMPL_RAW) only blanks; an empty
 * replstr is refused the same way.
 */
int tmpl_parse(struct tmpl **out, char *const *words, size_t nwords,
	       const char *replstr, int flags, char *err, size_t errlen);
/*
 * The same, with the column names of --header: {NAME} is the positional
 * {n} of the n-th name. cols is read during the call only.
 */
int tmpl_parse_cols(struct tmpl **out, char *const *words, size_t nwords,
		    const char *replstr, int flags, char *const *cols,
		    size_t ncols, char *err, size_t errlen);
void tmpl_free(struct tmpl *t);

/*
 * The total number of jobs ({##}, {0#}) and of slots ({0%}), for --plus.
 * Call before any tmpl_expand(); tmpl_needs_total() says whether the
 * caller must count the jobs first (read the whole input).
 */
void tmpl_set_counts(struct tmpl *t, unsigned long long total,
		     unsigned slots);
int tmpl_needs_total(const struct tmpl *t);

/* 1 if the template contains at least one replacement string. */
int tmpl_has_replstr(const struct tmpl *t);
/* 1 if the template uses {%} or {0%}: its command depends on the slot. */
int tmpl_uses_slot(const struct tmpl *t);
/* 1 if the template runs through the shell. */
int tmpl_is_shell(const struct tmpl *t);
/*
 * 1 if some expansion may run through the shell: the template does, or
 * its program name comes from an argument that may turn out to need the
 * shell. Then the whole command can be one argument of sh -c, which the
 * kernel bounds more tightly than an argv (MAX_ARG_STRLEN).
 */
int tmpl_may_be_shell(const struct tmpl *t);

/*
 * Expand for one job into cmd (which the function initialises; release it
 * with tmpl_cmd_release() whatever the result). With want_display == 0 the
 * display string is left empty, to save work on the hot path. In direct
 * mode an argument containing a NUL byte makes the expansion fail with
 * -EILSEQ; shell mode rejects it the same way.
 */
int tmpl_expand(const struct tmpl *t, const struct tmpl_job *job,
		struct tmpl_cmd *cmd, int want_display);
void tmpl_cmd_release(struct tmpl_cmd *cmd);

/*
 * Copy an argument list into one block: tmpl_args_size() says how many
 * bytes it needs, tmpl_args_copy() fills dst (suitably aligned, e.g. from
 * malloc) with the array followed by the NUL-terminated values, and
 * returns the array.
 */
size_t tmpl_args_size(const struct tmpl_arg *args, size_t nargs);
struct tmpl_arg *tmpl_args_copy(void *dst, const struct tmpl_arg *args,
				size_t nargs);

#endif
