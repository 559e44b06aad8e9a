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
