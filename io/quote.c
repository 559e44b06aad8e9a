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

/* Bytes that no login shell (see quote.h) reads as anything but
 * themselves, wherever they are in a word. */
static int is_login_safe(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	switch (c) {
	case '_': case '.': case '/': case ':': case ',': case '+':
	case '@': case '-':
		return 1;
	}
	return 0;
}

/* Bytes that quote_login() writes outside the quotes, after a \. */
static int is_login_escaped(char c)
{
	return c == '\'' || c == '\\' || c == '!';
}

/* The bytes quote_login() appends for s[0..n), n > 0 and not all safe:
 * two per escaped byte, and a pair of quotes around each run of others. */
static size_t login_len(const char *s, size_t n)
{
	size_t i, len = 0;
	int in = 0;

	for (i = 0; i < n; i++) {
		if (is_login_escaped(s[i])) {
			len += 2 + (in ? 1 : 0);
			in = 0;
		} else {
			len += 1 + (in ? 0 : 1);
			in = 1;
		}
	}
	return len + (in ? 1 : 0);
}

int quote_login(struct buf *b, const char *s, size_t n)
{
	size_t i, len;
	int in = 0, rc;

	if (n == 0)
		return buf_add(b, "''", 2);
	for (i = 0; i < n; i++) {
		if (!is_login_safe((unsigned char)s[i]))
			break;
	}
	if (i == n)
		return buf_add(b, s, n);
	/* At most three bytes per byte: ' becomes '\'. */
	if (n > ((size_t)-1 - 1) / 3)
		return -ENOMEM;
	len = login_len(s, n);
	/* Reserved first, the adds below cannot fail: no half word. */
	rc = buf_reserve(b, len);
	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		if (is_login_escaped(s[i])) {
			if (in)
				buf_addch(b, '\'');
			in = 0;
			buf_addch(b, '\\');
		} else if (!in) {
			buf_addch(b, '\'');
			in = 1;
		}
		buf_addch(b, s[i]);
	}
	if (in)
		buf_addch(b, '\'');
	return 0;
}

/*
 * Run by the login shell as `sh -c DECODE lanes E0 E1 ...`: each Ei
 * decoded by printf %b (the x keeps a trailing newline from $(...)),
 * then `sh -c D0 D1 ...`. One line, and no \, ! or ' in it, so that
 * quote_login() gives every shell the same script.
 */
static const char decode_sh[] =
	"for a;do x=$(printf %bx \"$a\");set -- \"$@\" \"${x%x}\";shift;"
	"done;exec sh -c \"$@\"";

/* Append quote_login() of s with \ as \\ and a newline as \n. */
static int login_encoded(struct buf *b, const char *s)
{
	struct buf e = BUF_INIT;
	int rc = 0;

	for (; *s && !rc; s++) {
		if (*s == '\\')
			rc = buf_add(&e, "\\\\", 2);
		else if (*s == '\n')
			rc = buf_add(&e, "\\n", 2);
		else
			rc = buf_addch(&e, *s);
	}
	if (!rc)
		rc = quote_login(b, e.p ? e.p : "", e.len);
	buf_release(&e);
	return rc;
}

int quote_login_sh(struct buf *b, const char *const argv[], size_t argc)
{
	size_t i, start = b->len;
	int nl = 0, rc;

	for (i = 0; i < argc && !nl; i++)
		nl = strchr(argv[i], '\n') != NULL;
	rc = buf_addstr(b, "exec sh -c ");
	if (!rc && nl) {
		rc = quote_login(b, decode_sh, sizeof(decode_sh) - 1);
		if (!rc)
			rc = buf_addstr(b, " lanes");
	}
	for (i = 0; i < argc && !rc; i++) {
		if (i || nl)
			rc = buf_addch(b, ' ');
		if (!rc && nl)
			rc = login_encoded(b, argv[i]);
		else if (!rc)
			rc = quote_login(b, argv[i], strlen(argv[i]));
	}
	if (rc && b->p) {
		b->len = start;
		b->p[start] = '\0';
	}
	return rc;
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
