/*
 * Unit tests for io/quote: the quoting rules, a round trip of every byte
 * through /bin/sh, the login-shell quoting read back by every shell that
 * is installed (sh, dash, bash, ksh, zsh, fish, tcsh, csh; a missing one
 * is a TAP skip), and the shell-or-direct decision.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* ---- login shells -------------------------------------------------- */

extern char **environ;

/* A TAP skip line; tests/run counts it as skipped, not passed. */
static void skip(const char *name, const char *why)
{
	tap_n++;
	printf("ok %d - %s # skip %s\n", tap_n, name, why);
}

/* quote_login(s) as a C string, in a static buffer. */
static const char *ql(const char *s)
{
	static char out[1024];
	struct buf b = BUF_INIT;

	if (quote_login(&b, s, strlen(s)) != 0)
		return "(error)";
	snprintf(out, sizeof out, "%s", buf_str(&b));
	buf_release(&b);
	return out;
}

/* The full path of program name in $PATH, or NULL. */
static const char *find_shell(const char *name)
{
	static char path[4096];
	const char *p = getenv("PATH");

	while (p && *p) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		snprintf(path, sizeof path, "%.*s/%s", (int)n, p, name);
		if (n && access(path, X_OK) == 0)
			return path;
		p = e ? e + 1 : NULL;
	}
	return NULL;
}

/*
 * Run `shell -c line` as sshd runs a login shell's command, stdin
 * /dev/null, stderr passed on; its stdout in *out. 0 if it exited 0.
 */
static int run_shell(const char *shell, const char *line, struct buf *out)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)shell, (char *)"-c", (char *)line, NULL };
	char chunk[4096];
	int p[2], st = -1;
	ssize_t r;
	pid_t pid;

	buf_reset(out);
	if (pipe2(p, O_CLOEXEC))
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (posix_spawn(&pid, shell, &fa, NULL, argv, environ))
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	while ((r = read(p[0], chunk, sizeof chunk)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		buf_add(out, chunk, (size_t)r);
	}
	close(p[0]);
	if (pid > 0)
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	return pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Words the login quoting must carry; the last ones hold newlines. */
static const char *const login_words[] = {
	"", " ", "a b  c", "'", "''", "a'b", "\\", "\\\\", "\\'", "'\\",
	"'\\''", "a\\'b", "\\037lanes:%s\\n", "$HOME", "${HOME}", "$(id)",
	"`id`", "\"", "\"$HOME\"", "*", "?", "[a]", "~", "~root", "!",
	"!!", "a!b", "!$", "\\!", "#x", "a#b", "-n", "--", "{a,b}", "=x",
	"%s", "%1", "^x^y", "a\tb", "\t", ";", "&", "|", "<>", "()",
	"x=$y", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac", "\xff\xfe\x80",
	"a'\\\\'b\\\"c\"$d`e`!f", "@:,+./_-",
	"a\nb", "\n", "a\n\n", "'\n'", "\\\n", "x\\\ny\n!",
};

/* The index of the first word with a newline. */
static size_t first_newline_word(void)
{
	size_t i;

	for (i = 0; i < sizeof login_words / sizeof login_words[0]; i++)
		if (strchr(login_words[i], '\n'))
			return i;
	return i;
}

/*
 * 1 if `shell -c 'printf %s. W...'` prints each word of words[0..n)
 * followed by a '.', each word quoted by quote_login(). On a mismatch,
 * each word is tried alone and the ones that differ are shown.
 */
static int login_read_back(const char *shell, const char *const *words,
			   const size_t *lens, size_t n)
{
	struct buf line = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	size_t i;
	int ok;

	buf_addstr(&line, "printf %s.");
	for (i = 0; i < n; i++) {
		buf_addch(&line, ' ');
		quote_login(&line, words[i], lens[i]);
		buf_add(&want, words[i], lens[i]);
		buf_addch(&want, '.');
	}
	ok = run_shell(shell, buf_str(&line), &got) == 0 &&
	     got.len == want.len && memcmp(got.p, want.p, want.len) == 0;
	for (i = 0; !ok && i < n; i++) {
		buf_reset(&line);
		buf_addstr(&line, "printf %s ");
		quote_login(&line, words[i], lens[i]);
		if (run_shell(shell, buf_str(&line), &got) != 0 ||
		    got.len != lens[i] || memcmp(got.p, words[i], lens[i]))
			printf("#   %s: word %zu (%s) read back as '%s'\n",
			       shell, i, buf_str(&line), buf_str(&got));
	}
	buf_release(&line);
	buf_release(&want);
	buf_release(&got);
	return ok;
}

/*
 * 1 if the line quote_login_sh() makes for {script, "lanes", words...},
 * run by `shell -c`, has sh print $0, $# and each word with a '.'.
 */
static int login_sh_read_back(const char *shell, const char *const *words,
			      size_t n)
{
	const char *argv[2 + 64];
	struct buf line = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	char num[32];
	size_t i;
	int ok;

	argv[0] = "printf %s. \"$0\" \"$#\" \"$@\"";
	argv[1] = "lanes";
	snprintf(num, sizeof num, "lanes.%zu.", n);
	buf_addstr(&want, num);
	for (i = 0; i < n && i < 64; i++) {
		argv[2 + i] = words[i];
		buf_addstr(&want, words[i]);
		buf_addch(&want, '.');
	}
	ok = quote_login_sh(&line, argv, 2 + i) == 0 &&
	     run_shell(shell, buf_str(&line), &got) == 0 &&
	     got.len == want.len && memcmp(got.p, want.p, want.len) == 0;
	if (!ok)
		printf("#   %s -c '%s'\n#   printed '%s'\n", shell,
		       buf_str(&line), buf_str(&got));
	buf_release(&line);
	buf_release(&want);
	buf_release(&got);
	return ok;
}

/* 1 if a script with a newline and no arguments (as io/sshx sends) runs
 * under shell as it is, with $# 0. */
static int script_alone(const char *shell)
{
	const char *argv[] = { "printf '%s|' \"$#\"\nprintf 'a\\\\b\\n'" };
	struct buf line = BUF_INIT, got = BUF_INIT;
	int ok;

	ok = quote_login_sh(&line, argv, 1) == 0 &&
	     run_shell(shell, buf_str(&line), &got) == 0 &&
	     strcmp(buf_str(&got), "0|a\\b\n") == 0;
	buf_release(&line);
	buf_release(&got);
	return ok;
}

static void test_login_forms(void)
{
	struct buf b = BUF_INIT;
	const char *one[] = { "echo hi" }, *two[] = { "echo 'a\nb'", "x" };

	CHECK_STR(ql(""), "''", "login: empty string is ''");
	CHECK_STR(ql("abc/x.y-1_2,3:4+5@6"), "abc/x.y-1_2,3:4+5@6",
		  "login: safe word unquoted");
	CHECK_STR(ql("a b"), "'a b'", "login: blank quoted");
	CHECK_STR(ql("%x"), "'%x'", "login: % quoted (csh job)");
	CHECK_STR(ql("^x"), "'^x'", "login: ^ quoted (csh history)");
	CHECK_STR(ql("=x"), "'=x'", "login: = quoted (zsh)");
	CHECK_STR(ql("a'b"), "'a'\\''b'", "login: ' outside the quotes");
	CHECK_STR(ql("a\\b"), "'a'\\\\'b'", "login: \\ outside the quotes");
	CHECK_STR(ql("a!b"), "'a'\\!'b'", "login: ! outside the quotes");
	CHECK_STR(ql("'\\!"), "\\'\\\\\\!", "login: only escapes, no quotes");
	CHECK_STR(ql("$x\ny"), "'$x\ny'", "login: newline inside the quotes");

	quote_login_sh(&b, one, 1);
	CHECK_STR(buf_str(&b), "exec sh -c 'echo hi'", "login_sh: plain form");
	buf_reset(&b);
	quote_login_sh(&b, two, 2);
	CHECK(strchr(buf_str(&b), '\n') == NULL,
	      "login_sh: no newline reaches the login shell");
	CHECK_STR(strstr(buf_str(&b), " lanes "),
		  " lanes 'echo '\\''a'\\\\'nb'\\' x",
		  "login_sh: newline sent as \\n, \\ as \\\\");
	buf_release(&b);
}

static void test_login_shells(void)
{
	static const char *const shells[] = {
		"sh", "dash", "bash", "ksh", "zsh", "fish", "tcsh", "csh",
	};
	const size_t nw = sizeof login_words / sizeof login_words[0];
	const size_t nl = first_newline_word();
	const char *words[256 + sizeof login_words / sizeof login_words[0]];
	size_t lens[256 + sizeof login_words / sizeof login_words[0]];
	char bytes[255], all[255], name[128];
	size_t i, k, m;

	for (k = 0; k < sizeof shells / sizeof shells[0]; k++) {
		const char *sh = shells[k], *path = find_shell(sh);
		int csh = strstr(sh, "csh") != NULL;

		if (!path) {
			snprintf(name, sizeof name, "%s: reads back "
				 "quote_login() and quote_login_sh()", sh);
			skip(name, "not installed");
			continue;
		}
		path = strdup(path);
		/* Every byte 1..255 alone, and all of them in one word
		 * (csh: but the newline, see quote.h). */
		for (i = 1, m = 0; i < 256; i++) {
			if (csh && i == '\n')
				continue;
			bytes[i - 1] = (char)i;
			all[m] = (char)i;
			words[m] = &bytes[i - 1];
			lens[m++] = 1;
		}
		words[m] = all;
		lens[m] = m;
		m++;
		snprintf(name, sizeof name, "%s: every byte read back "
			 "from quote_login()%s", sh, csh ? " (not \\n)" : "");
		CHECK(login_read_back(path, words, lens, m), name);

		m = csh ? nl : nw;
		for (i = 0; i < m; i++) {
			words[i] = login_words[i];
			lens[i] = strlen(login_words[i]);
		}
		snprintf(name, sizeof name, "%s: tricky words read back "
			 "from quote_login()", sh);
		CHECK(login_read_back(path, words, lens, m), name);
		/* csh cannot quote a newline (quote.h): there the
		 * quote_login_sh() checks below cover newlines. */
		snprintf(name, sizeof name, "%s: words with a newline from "
			 "quote_login()", sh);
		if (!csh)
			CHECK(login_read_back(path, words + nl, lens + nl,
					      nw - nl), name);

		snprintf(name, sizeof name, "%s: quote_login_sh() without "
			 "newlines runs sh with those bytes", sh);
		CHECK(login_sh_read_back(path, login_words, nl), name);
		snprintf(name, sizeof name, "%s: quote_login_sh() with "
			 "newlines runs sh with those bytes", sh);
		CHECK(login_sh_read_back(path, login_words, nw), name);
		snprintf(name, sizeof name, "%s: quote_login_sh() with no "
			 "argument after the script", sh);
		CHECK(script_alone(path), name);
		free((void *)path);
	}
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
	test_login_forms();
	test_login_shells();
	test_needs_shell();
	test_shell_word();
	return tap_done();
}
