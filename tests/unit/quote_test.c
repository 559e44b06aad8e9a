/*
 * Unit tests for io/quote: the quoting rules, a round trip of every byte
 * through /bin/sh, and the shell-or-direct decision.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "quote.h"
#include "tap.h"

/* quote_shell(s) as a C string, in a static buffer. */
static const char *q(const char *s)
{
	static char out[1024];
	struct buf b = BUF_INIT;

	if (quote_shell(&b, s, strlen(s)) != 0)
		return "(error)";
	snprintf(out, sizeof out, "%s", buf_str(&b));
	buf_release(&b);
	return out;
}

/* A test name on one line: control bytes shown as '.'. */
static const char *name_of(const char *what, const char *s)
{
	static char name[128];
	size_t i;

	snprintf(name, sizeof name, "%s%s", what, s);
	for (i = 0; name[i]; i++) {
		if ((unsigned char)name[i] < ' ')
			name[i] = '.';
	}
	return name;
}

static int ns(const char *s)
{
	return quote_needs_shell(s, strlen(s));
}

/*
 * Run printf '%s' WORD through /bin/sh, WORD being s[0..n) quoted, and
 * return 1 if the shell printed exactly s[0..n).
 */
static int round_trip(const char *s, size_t n)
{
	struct buf cmd = BUF_INIT;
	char out[4096];
	size_t got;
	FILE *f;
	int ok = 0;

	if (buf_addstr(&cmd, "printf '%s' ") || quote_shell(&cmd, s, n))
		goto out;
	f = popen(buf_str(&cmd), "r");
	if (!f)
		goto out;
	got = fread(out, 1, sizeof out, f);
	ok = pclose(f) == 0 && got == n && memcmp(out, s, n) == 0;
out:
	buf_release(&cmd);
	return ok;
}

static void test_quote(void)
{
	struct buf b = BUF_INIT;

	CHECK_STR(q(""), "''", "empty string is ''");
	CHECK_STR(q("abcXYZ019"), "abcXYZ019", "alphanumerics unquoted");
	CHECK_STR(q("_%+,./:=@^-"), "_%+,./:=@^-",
		  "safe punctuation unquoted");
	CHECK_STR(q("a=b"), "a=b", "'=' not leading is unquoted");
	CHECK_STR(q("=a"), "'=a'", "leading '=' is quoted");
	CHECK_STR(q("~x"), "'~x'", "leading '~' is quoted");
	CHECK_STR(q("x~"), "'x~'", "'~' elsewhere is quoted too");
	CHECK_STR(q("a b"), "'a b'", "space");
	CHECK_STR(q("a\tb"), "'a\tb'", "tab");
	CHECK_STR(q("it's"), "'it'\\''s'", "single quote");
	CHECK_STR(q("'"), "''\\'''", "lone single quote");
	CHECK_STR(q("\"x\""), "'\"x\"'", "double quotes");
	CHECK_STR(q("$(id)"), "'$(id)'", "command substitution");
	CHECK_STR(q("`id`"), "'`id`'", "backquotes");
	CHECK_STR(q("*"), "'*'", "glob");
	CHECK_STR(q("a\nb"), "'a\nb'", "newline");
	CHECK_STR(q("\xc3\xa9t\xc3\xa9"), "'\xc3\xa9t\xc3\xa9'",
		  "high bytes are quoted");
	CHECK_STR(q("a;b&c|d"), "'a;b&c|d'", "operators");

	/* quote_shell appends and keeps what was there. */
	buf_addstr(&b, "echo ");
	quote_shell(&b, "x y", 3);
	buf_addch(&b, ' ');
	quote_shell(&b, "", 0);
	CHECK_STR(buf_str(&b), "echo 'x y' ''", "appends to the buffer");
	CHECK_INT(b.len, strlen("echo 'x y' ''"), "length kept");
	buf_release(&b);
}

static void test_round_trip(void)
{
	char all[255], one[1];
	int c, bad = 0;
	static const char *const samples[] = {
		"", "'", "''", "a'b", "\\", "\\'", "'\\''", "$HOME", "$(id)",
		"`id`", "*", "?", "[a]", "~", "~root", "a\nb\n", "!", "#x",
		"-n", "--", "{a,b}", "=x", "a b  c", "\"", "%s",
	};
	size_t i;

	for (c = 1; c < 256; c++) {
		one[0] = (char)c;
		all[c - 1] = (char)c;
		if (!round_trip(one, 1)) {
			printf("#   byte %d did not round-trip\n", c);
			bad++;
		}
	}
	CHECK(bad == 0, "every byte 1..255 alone survives sh");
	CHECK(round_trip(all, sizeof all), "bytes 1..255 together survive sh");
	bad = 0;
	for (i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		if (!round_trip(samples[i], strlen(samples[i]))) {
			printf("#   '%s' did not round-trip\n", samples[i]);
			bad++;
		}
	}
	CHECK(bad == 0, "tricky words survive sh");
}

static void test_needs_shell(void)
{
	static const char *const yes[] = {
		"exit 3", "cd /", "FOO=1 cmd", "a|b", "a && b", "a; b",
		"a > f", "a < f", "(a)", "echo $HOME", "echo `id`",
		"echo a\\ b", "echo \"a\"", "echo 'a'", "ls *", "ls ?",
		"ls [ab]", "echo # c", "ls ~", "echo {a,b}", "! true",
		"echo a\nb", "  exit", "\tcd /tmp", "export A=1", "set -e",
		". ./x", ": nothing", "eval x", "exec ls", "ulimit -n",
		"if", "time ls", "source f", "_X1=2 y", "read x", "wait",
		"umask 022", "alias a=b", "command -v ls", "type ls",
		"unset X", "trap x INT", "shift", "return 1", "local x",
		"while", "for", "case",
	};
	static const char *const no[] = {
		"", "   ", "\t", "echo hi", "gzip -9 file.txt", "true",
		"echo a=b", "a-b=c x", "=x y", "cdx /", "exitcode 3",
		"ls -l /tmp", "printf %s x", "echo a,b:c@d^e+f%g",
		"  echo   spaced  ", "echo\tx", "kill -0 1", "test -e f",
		"echo \xc3\xa9", "sleep 0.1", "echo exit",
	};
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++)
		CHECK_INT(ns(yes[i]), 1, name_of("needs shell: ", yes[i]));
	for (i = 0; i < sizeof no / sizeof no[0]; i++)
		CHECK_INT(ns(no[i]), 0, name_of("no shell: ", no[i]));
	/* Only the first n bytes count. */
	CHECK_INT(quote_needs_shell("echo hi | cat", 7), 0, "length honoured");
	CHECK_INT(quote_needs_shell("cd /", 2), 1, "length: cd alone");
}

static void test_shell_word(void)
{
	CHECK(quote_is_shell_word("cd", 2), "cd is a shell word");
	CHECK(quote_is_shell_word("exit", 4), "exit is a shell word");
	CHECK(quote_is_shell_word(".", 1), ". is a shell word");
	CHECK(quote_is_shell_word(":", 1), ": is a shell word");
	CHECK(quote_is_shell_word("if", 2), "if is a shell word");
	CHECK(quote_is_shell_word("exitx", 4), "only n bytes count");
	CHECK(!quote_is_shell_word("echo", 4), "echo is a program");
	CHECK(!quote_is_shell_word("c", 1), "prefix of cd is not");
	CHECK(!quote_is_shell_word("cdx", 3), "cdx is not");
	CHECK(!quote_is_shell_word("", 0), "empty is not");
	CHECK(!quote_is_shell_word("FOO=1", 5), "an assignment is not a word");
}

int main(void)
{
	test_quote();
	test_round_trip();
	test_needs_shell();
	test_shell_word();
	return tap_done();
}
