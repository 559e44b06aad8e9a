/*
 * quote: shell quoting and the "does this need a shell?" test. Pure
 * functions over byte strings; nothing here allocates except through the
 * caller's buffer.
 *
 * Thread-safety: every function is thread-safe (no shared state).
 * Errors: functions that append return 0 or -ENOMEM.
 */
#ifndef LANES_QUOTE_H
#define LANES_QUOTE_H

#include <stddef.h>

#include "buf.h"

/*
 * Append s[0..n) to b so that a POSIX shell reads it back as exactly one
 * word with exactly those bytes. Words made only of characters that are
 * never special ([A-Za-z0-9_%+,./:=@^-], with '=' and '~' not leading) are
 * appended as they are; anything else is wrapped in single quotes with each
 * ' written as '\''. The empty string becomes ''. NUL bytes cannot be
 * represented in a shell word; the caller must reject them first.
 */
int quote_shell(struct buf *b, const char *s, size_t n);

/* The number of bytes quote_shell() would append for s[0..n). */
size_t quote_shell_len(const char *s, size_t n);

/*
 * Append s[0..n) to b as one word that the remote login shell reads back
 * as exactly those bytes, whichever shell that is: sh, dash, bash, ksh,
 * zsh, fish and tcsh/csh alike. Words of [A-Za-z0-9_./:,+@-] are appended
 * as they are; otherwise every byte but ', \ and ! goes inside single
 * quotes, and those three go outside them as \', \\ and \! (fish reads
 * \\ and \' inside single quotes as escapes, and csh expands ! there
 * even when it is not interactive). The one byte no word can carry to
 * csh is a newline: it is written inside the quotes, which every shell
 * above but csh/tcsh reads back, and csh rejects as an unmatched quote.
 * Use quote_login_sh() for anything that may hold a newline.
 */
int quote_login(struct buf *b, const char *s, size_t n);

/*
 * Append a command line that makes the remote login shell (any of those
 * quote_login() names, csh included) run `sh -c ARGV0 ARGV1 ...` with
 * exactly the argc >= 1 strings of argv, which must not hold NUL bytes:
 * argv[0] is the script, argv[1] its $0 and the rest $1 and on. Without
 * a newline in any of them that is `exec sh -c` and each quoted by
 * quote_login(). With one, each string is sent with \ as \\ and a
 * newline as \n, and a one-line sh script that every login shell passes
 * on puts them back (printf %b) before it runs `exec sh -c` itself.
 */
int quote_login_sh(struct buf *b, const char *const argv[], size_t argc);

/*
 * 1 if the command line s[0..n) needs /bin/sh to mean what it says: any
 * quoting, expansion, redirection, pipe, list, grouping, glob, comment,
 * leading assignment (NAME=value as the first word), a leading '~', a
 * backslash, a brace, a newline, or a first word that is a shell reserved
 * word or a builtin with no program of the same effect (cd, exit, export,
 * set, ulimit, ., :, eval, exec, etc.). 0 if splitting it on blanks (space
 * and tab) and executing the words directly gives the same result.
 */
int quote_needs_shell(const char *s, size_t n);

/* 1 if s is one of the shell words quote_needs_shell() treats as special
 * when it is the first word of a command. */
int quote_is_shell_word(const char *s, size_t n);

#endif
