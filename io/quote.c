/*
 * quote: shell quoting and the "does this need a shell?" test.
 *
 * Both functions err on the side of the shell. Quoting a word that did not
 * need it costs two bytes; failing to quote one turns data into code.
 * Sending a plain command line to /bin/sh costs a fork; executing a line
 * that needed the shell directly gives a wrong result. So the tests below
 * look at single bytes and never try to parse shell grammar.
 */
#include "quote.h"

#include <errno.h>
#include <string.h>

/*
 * Shell reserved words and builtins that no program can replace (they act
 * on the shell itself, or are syntax). Builtins such as echo, printf, test,
 * true, false, kill and pwd are left out on purpose: running the program of
 * the same name gives the same result, without the cost of a shell.
 */
static const char *const shell_words[] = {
	/* Reserved words (POSIX, plus what bash and ksh add). */
	"if", "then", "else", "elif", "fi", "do", "done", "case", "esac",
	"while", "until", "for", "in", "!", "{", "}", "[[", "]]",
	"function", "select", "time",
	/* Special builtins. */
	"break", ":", "continue", ".", "eval", "exec", "exit", "export",
	"readonly", "return", "set", "shift", "times", "trap", "unset",
	/* Regular builtins that change or query the shell's own state. */
	"cd", "alias", "unalias", "umask", "wait", "ulimit", "command",
	"read", "getopts", "jobs", "fg", "bg", "type", "hash", "fc",
	"local", "source",
};

/* Bytes that never mean anything to a POSIX shell (see quote.h). */
static int is_safe(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	switch (c) {
	case '_': case '%': case '+': case ',': case '.': case '/':
	case ':': case '=': case '@': case '^': case '-':
		return 1;
	}
	return 0;
}

/* Bytes that make a command line need the shell, wherever they are. */
static int is_special(unsigned char c)
{
	switch (c) {
	case '|': case '&': case ';': case '<': case '>': case '(':
	case ')': case '$': case '`': case '\\': case '"': case '\'':
	case '*': case '?': case '[': case ']': case '#': case '~':
	case '{': case '}': case '!': case '\n':
		return 1;
	}
	return 0;
}

static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static int is_name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char(unsigned char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

int quote_shell(struct buf *b, const char *s, size_t n)
{
	size_t i, quotes = 0, extra;
	const char *q;
	int rc;

	if (n == 0)
		return buf_add(b, "''", 2);
	for (i = 0; i < n; i++) {
		if (!is_safe((unsigned char)s[i]))
			break;
	}
	/* A leading '=' is special to zsh, which --shell may run. */
	if (i == n && s[0] != '=')
		return buf_add(b, s, n);

	for (q = s; (q = memchr(q, '\'', n - (size_t)(q - s))); q++)
		quotes++;
	/* Each ' grows by three bytes; reserving first makes the adds
	 * below unable to fail, so the buffer is never left half written. */
	if (quotes > ((size_t)-1 - n - 2) / 3)
		return -ENOMEM;
	extra = 2 + 3 * quotes;
	rc = buf_reserve(b, n + extra);
	if (rc)
		return rc;
	buf_addch(b, '\'');
	while ((q = memchr(s, '\'', n))) {
		buf_add(b, s, (size_t)(q - s));
		buf_add(b, "'\\''", 4);
		n -= (size_t)(q - s) + 1;
		s = q + 1;
	}
	buf_add(b, s, n);
	buf_addch(b, '\'');
	return 0;
}

int quote_is_shell_word(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof shell_words / sizeof shell_words[0]; i++) {
		if (strlen(shell_words[i]) == n &&
		    memcmp(shell_words[i], s, n) == 0)
			return 1;
	}
	return 0;
}

size_t quote_shell_len(const char *s, size_t n)
{
	size_t i, len = n + 2;
	int plain = n > 0 && s[0] != '=';

	for (i = 0; i < n; i++) {
		if (s[i] == '\'')
			len += 3;
		if (!is_safe((unsigned char)s[i]))
			plain = 0;
	}
	return plain ? n : len;
}

int quote_needs_shell(const char *s, size_t n)
{
	size_t i, start, end;

	for (i = 0; i < n; i++) {
		if (is_special((unsigned char)s[i]))
			return 1;
	}

	start = 0;
	while (start < n && is_blank((unsigned char)s[start]))
		start++;
	if (start == n)
		return 0;
	end = start;
	while (end < n && !is_blank((unsigned char)s[end]))
		end++;
	if (quote_is_shell_word(s + start, end - start))
		return 1;

	/* NAME=value sets a variable for the command that follows. */
	if (is_name_start((unsigned char)s[start])) {
		i = start + 1;
		while (i < end && is_name_char((unsigned char)s[i]))
			i++;
		if (i < end && s[i] == '=')
			return 1;
	}
	return 0;
}
