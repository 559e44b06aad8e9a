/*
 * Unit tests for io/tmpl: every replacement string and modifier, both
 * execution modes, -X, -q, -I, --tagstring (TMPL_RAW), display strings and
 * sizes. The shell-mode strings are run through /bin/sh to prove that they
 * mean what direct mode executes, for arguments made of any bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "buf.h"
#include "tmpl.h"
#include "tmplsize.h"
#include "tap.h"

#define LIST(...) ((const char *[]){ __VA_ARGS__ }), \
	(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *))
#define NONE ((const char **)NULL), 0

/* The outcome of one parse and expansion, flattened for comparison. */
struct res {
	int rc;		/* of tmpl_parse(), or else of tmpl_expand() */
	int direct;
	int shell_mode;	/* tmpl_is_shell() */
	int has_repl;	/* tmpl_has_replstr() */
	char out[8192];	/* argv joined with '|', or the shell string */
	size_t out_len;	/* shell mode: cmd.shell.len */
	char display[8192];
	size_t size;	/* tmpl_size() */
	size_t real;	/* what tmpl_size() estimates, measured */
};

static struct tmpl_arg args_buf[64];

static const struct tmpl_arg *mkargs(const char **a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		args_buf[i].p = a[i];
		args_buf[i].len = strlen(a[i]);
	}
	return args_buf;
}

static void expand_into(struct res *r, struct tmpl *t,
			const struct tmpl_arg *args, size_t nargs,
			unsigned long long seq, unsigned slot)
{
	struct tmpl_job job = { args, nargs, seq, slot, NULL };
	struct tmpl_cmd cmd;
	size_t i, o = 0;

	r->shell_mode = tmpl_is_shell(t);
	r->has_repl = tmpl_has_replstr(t);
	r->size = tmpl_size(t, args, nargs);
	r->rc = tmpl_expand(t, &job, &cmd, 1);
	r->direct = cmd.direct;
	if (r->rc == 0 && cmd.direct) {
		for (i = 0; i < cmd.argc; i++) {
			o += (size_t)snprintf(r->out + o, sizeof r->out - o,
					      "%s%s", i ? "|" : "",
					      cmd.argv[i]);
			r->real += strlen(cmd.argv[i]) + 1;
		}
		if (cmd.argv[cmd.argc] != NULL)
			snprintf(r->out, sizeof r->out, "(no NULL at end)");
		r->out_len = o;
	} else if (r->rc == 0) {
		snprintf(r->out, sizeof r->out, "%s", buf_str(&cmd.shell));
		r->out_len = cmd.shell.len;
		r->real = cmd.shell.len + 1;
	}
	snprintf(r->display, sizeof r->display, "%s", buf_str(&cmd.display));
	tmpl_cmd_release(&cmd);
}

/* Parse words with flags and replstr, expand for args; seq 7, slot 3. */
static struct res *run(const char **w, size_t nw, int flags,
		       const char *replstr, const char **a, size_t na)
{
	static struct res r;
	struct tmpl *t;
	char err[128];

	memset(&r, 0, sizeof r);
	r.rc = tmpl_parse(&t, (char *const *)w, nw, replstr, flags, err,
			  sizeof err);
	if (r.rc)
		return &r;
	expand_into(&r, t, mkargs(a, na), na, 7, 3);
	tmpl_free(t);
	return &r;
}

/* Expand and return just the flattened result. */
static const char *ex(const char **w, size_t nw, int flags, const char **a,
		      size_t na)
{
	struct res *r = run(w, nw, flags, NULL, a, na);

	return r->rc ? "(error)" : r->out;
}

/*
 * Run "printf '%s\0' CMD" through /bin/sh and store the words the shell
 * sees, each followed by a NUL, in b. Returns the exit status, or -1.
 */
static int sh_words(const char *cmd, struct buf *b)
{
	struct buf line = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f;
	int st;

	buf_reset(b);
	if (buf_addstr(&line, "printf '%s\\0' ") || buf_addstr(&line, cmd))
		return -1;
	f = popen(buf_str(&line), "r");
	buf_release(&line);
	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(b, chunk, n);
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * Expand w for args directly and, with TMPL_SHELL, through the shell; 1 if
 * the shell sees exactly the words of the direct argv.
 */
static int same_in_both_modes(const char **w, size_t nw, int flags,
			      const struct tmpl_arg *args, size_t nargs)
{
	struct tmpl *td = NULL, *ts = NULL;
	struct tmpl_job job = { args, nargs, 12, 2, NULL };
	struct tmpl_cmd cd, cs;
	struct buf want = BUF_INIT, got = BUF_INIT;
	size_t i;
	int ok = 0;

	memset(&cd, 0, sizeof cd);
	memset(&cs, 0, sizeof cs);
	if (tmpl_parse(&td, (char *const *)w, nw, NULL, flags, NULL, 0) ||
	    tmpl_parse(&ts, (char *const *)w, nw, NULL, flags | TMPL_SHELL,
		       NULL, 0))
		goto out;
	if (tmpl_is_shell(td) || !tmpl_is_shell(ts))
		goto out;
	if (tmpl_expand(td, &job, &cd, 0) || tmpl_expand(ts, &job, &cs, 0))
		goto out;
	if (!cd.direct || cd.argc == 0)
		goto out;
	for (i = 0; i < cd.argc; i++)
		buf_add(&want, cd.argv[i], strlen(cd.argv[i]) + 1);
	if (sh_words(buf_str(&cs.shell), &got) != 0)
		goto out;
	ok = got.len == want.len && memcmp(got.p, want.p, got.len) == 0;
	/* The display string is a shell command too: it must agree. */
	tmpl_cmd_release(&cd);
	memset(&cd, 0, sizeof cd);
	if (ok && (tmpl_expand(td, &job, &cd, 1) ||
		   sh_words(buf_str(&cd.display), &got) != 0 ||
		   got.len != want.len || memcmp(got.p, want.p, got.len)))
		ok = 0;
out:
	tmpl_cmd_release(&cd);
	tmpl_cmd_release(&cs);
	tmpl_free(td);
	tmpl_free(ts);
	buf_release(&want);
	buf_release(&got);
	return ok;
}

static void test_basic(void)
{
	struct res r;

	r = *run(LIST("echo", "{}"), 0, NULL, LIST("a b"));
	CHECK_INT(r.rc, 0, "parse and expand echo {}");
	CHECK_INT(r.direct, 1, "echo {} runs directly");
	CHECK_INT(r.shell_mode, 0, "tmpl_is_shell is 0");
	CHECK_INT(r.has_repl, 1, "tmpl_has_replstr is 1");
	CHECK_STR(r.out, "echo|a b", "value is one argv entry");
	CHECK_STR(r.display, "echo 'a b'", "display quotes the value");

	r = *run(LIST("echo", "{}"), TMPL_SHELL, NULL, LIST("a b"));
	CHECK_INT(r.direct, 0, "TMPL_SHELL forces shell mode");
	CHECK_INT(r.shell_mode, 1, "tmpl_is_shell is 1");
	CHECK_STR(r.out, "echo 'a b'", "shell string quotes the value");
	CHECK_STR(r.display, "echo 'a b'", "display is the shell string");

	CHECK_STR(ex(LIST("echo {} | tr a b"), 0, LIST("$(id)")),
		  "echo '$(id)' | tr a b", "one word holding a pipeline");
	CHECK_STR(ex(LIST("echo", "{}", "{}"), 0, LIST("x")), "echo|x|x",
		  "{} twice");
	CHECK_STR(ex(LIST("echo\t{}"), 0, LIST("x")), "echo|x",
		  "tab separates words");
	CHECK_STR(ex(LIST("  echo  ", " {} "), 0, LIST("x")), "echo|x",
		  "extra blanks are ignored in direct mode");
	CHECK_STR(ex(LIST("  echo  ", " {} "), TMPL_SHELL, LIST("x")),
		  "  echo    x ", "shell mode keeps the text as written");
	CHECK_STR(ex(LIST("echo", "{}"), 0, LIST("")), "echo|",
		  "empty value is an empty argument");
	CHECK_STR(ex(LIST("echo", "{}"), TMPL_SHELL, LIST("")), "echo ''",
		  "empty value is '' in shell mode");
}

static void test_modifiers(void)
{
	/* input, {.}, {/}, {//}, {/.}; see tmpl.h for the choices. */
	static const char *const cases[][5] = {
		{ "dir.x/a.tar.gz", "dir.x/a.tar", "a.tar.gz", "dir.x",
		  "a.tar" },
		{ "a.tar.gz", "a.tar", "a.tar.gz", ".", "a.tar" },
		{ "a", "a", "a", ".", "a" },
		{ "dir.x/file", "dir.x/file", "file", "dir.x", "file" },
		{ "/x", "/x", "x", "/", "x" },
		{ "/a/b.c", "/a/b", "b.c", "/a", "b" },
		{ "./a.b", "./a", "a.b", ".", "a" },
		{ "../x", "../x", "x", "..", "x" },
		{ "a b.c", "a b", "a b.c", ".", "a b" },
		{ "a.", "a", "a.", ".", "a" },
		{ "a..b", "a.", "a..b", ".", "a." },
		/* Differences from GNU parallel: hidden names. */
		{ ".bashrc", ".bashrc", ".bashrc", ".", ".bashrc" },
		{ "a/.b", "a/.b", ".b", "a", ".b" },
		{ ".a.b", ".a", ".a.b", ".", ".a" },
		{ "..", "..", "..", ".", ".." },
		{ "..foo", "..foo", "..foo", ".", "..foo" },
		{ ".", ".", ".", ".", "." },
		/* Slashes, as GNU parallel (dirname(1) for {//}). */
		{ "a/", "a/", "", ".", "" },
		{ "a.b/", "a.b/", "", ".", "" },
		{ "a/b/", "a/b/", "", "a", "" },
		{ "a//b", "a//b", "b", "a", "b" },
		{ "//x", "//x", "x", "/", "x" },
		{ "/", "/", "", "/", "" },
		{ "//", "//", "", "/", "" },
		{ "", "", "", ".", "" },
		{ "a.b/c", "a.b/c", "c", "a.b", "c" },
	};
	static const char *const forms[] = { "{.}", "{/}", "{//}", "{/.}" };
	static const char *const pforms[] = { "{1.}", "{1/}", "{1//}",
					      "{1/.}" };
	static const char *const nforms[] = { "{-1.}", "{-1/}", "{-1//}",
					      "{-1/.}" };
	char name[160], want[200];
	size_t i, j;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (j = 0; j < 4; j++) {
			const char *w[] = { "echo", forms[j] };
			const char *pw[] = { "echo", pforms[j] };
			const char *nw[] = { "echo", nforms[j] };
			const char *a[] = { cases[i][0] };

			snprintf(want, sizeof want, "echo|%s",
				 cases[i][j + 1]);
			snprintf(name, sizeof name, "%s of '%s'", forms[j],
				 cases[i][0]);
			CHECK_STR(ex(w, 2, 0, a, 1), want, name);
			snprintf(name, sizeof name, "%s of '%s'", pforms[j],
				 cases[i][0]);
			CHECK_STR(ex(pw, 2, 0, a, 1), want, name);
			snprintf(name, sizeof name, "%s of '%s'", nforms[j],
				 cases[i][0]);
			CHECK_STR(ex(nw, 2, 0, a, 1), want, name);
		}
	}
	CHECK_STR(ex(LIST("mv", "{}", "{.}.bak"), 0, LIST("a.txt")),
		  "mv|a.txt|a.bak", "modifier inside a word");
}

static void test_numbers_and_positions(void)
{
	struct tmpl *t;
	struct res r;
	const char *w[] = { "echo", "{#}", "{%}", "x{#}y" };

	CHECK_STR(ex(LIST("echo", "{#}", "{%}"), 0, LIST("a")), "echo|7|3",
		  "{#} is seq and {%} is slot");
	CHECK_INT(run(LIST("echo", "{#}"), 0, NULL, LIST("a"))->has_repl, 1,
		  "{#} counts as a replacement string");
	CHECK_STR(ex(LIST("echo", "{%}"), 0, LIST("a")), "echo|3",
		  "{%} alone: nothing appended");

	memset(&r, 0, sizeof r);
	tmpl_parse(&t, (char *const *)w, 4, NULL, 0, NULL, 0);
	expand_into(&r, t, NULL, 0, 18446744073709551615ULL, 4294967295U);
	CHECK_STR(r.out, "echo|18446744073709551615|4294967295|"
		  "x18446744073709551615y", "largest seq and slot");
	memset(&r, 0, sizeof r);
	expand_into(&r, t, NULL, 0, 0, 1);
	CHECK_STR(r.out, "echo|0|1|x0y", "seq 0");
	tmpl_free(t);

	CHECK_STR(ex(LIST("echo", "{1}", "{2}", "{3}"), 0,
		     LIST("a", "b/c.d")), "echo|a|b/c.d",
		  "{n}, out of range is missing: no word");
	CHECK_STR(ex(LIST("echo", "{-1}", "{-2}", "{-3}"), 0,
		     LIST("a", "b/c.d")), "echo|b/c.d|a",
		  "{-n}, out of range is missing: no word");
	CHECK_STR(ex(LIST("echo", "{2.}", "{2/}", "{2//}", "{2/.}"), 0,
		     LIST("a", "b/c.d")), "echo|b/c|c.d|b|c",
		  "positional modifiers");
	CHECK_STR(ex(LIST("echo", "{-1.}", "{-2/}", "{-1//}", "{-1/.}"), 0,
		     LIST("a", "b/c.d")), "echo|b/c|a|b|c",
		  "negative positional modifiers");
	CHECK_STR(ex(LIST("echo", "{01}", "{99999999999999999999999}"), 0,
		     LIST("a", "b")), "echo|a", "leading zero, huge index");
	CHECK_STR(ex(LIST("echo", "{2}", "{1}"), TMPL_SHELL,
		     LIST("a b", "c")), "echo c 'a b'",
		  "positional quoted in shell mode");
	CHECK_STR(ex(LIST("echo", "{3}"), TMPL_SHELL, LIST("a")), "echo ",
		  "out of range is nothing in shell mode, not ''");
	CHECK_STR(ex(LIST("echo", "x{3}y", "{3}"), 0, LIST("a")), "echo|xy",
		  "a word with text keeps it around a missing {n}");
	CHECK_STR(ex(LIST("echo", "{1}{2}"), 0, LIST("")), "echo|",
		  "an empty argument is a word, unlike a missing one");
	CHECK_STR(ex(LIST("echo", "{1}{2}"), 0, LIST("a", "b", "c")),
		  "echo|ab", "positionals are single-valued");

	/* Forms that are not replacement strings are literal text. */
	r = *run(LIST("echo", "{0}", "{-0}", "{x}", "{1x}", "{-}", "{"), 0,
		NULL, LIST("a"));
	CHECK_INT(r.has_repl, 0, "{0} {-0} {x} are not replacement strings");
	CHECK_INT(r.shell_mode, 1, "literal braces need the shell");
	CHECK_STR(r.out, "echo {0} {-0} {x} {1x} {-} { a",
		  "literal braces kept, argument appended");
	CHECK_STR(ex(LIST("echo", "{{}}"), 0, LIST("a")), "echo {a}",
		  "{} inside literal braces");
}

static void test_replstr(void)
{
	struct res r;

	CHECK_STR(run(LIST("cp", "@@", "@@.bak"), 0, "@@", LIST("x y"))->out,
		  "cp|x y|x y.bak", "-I @@ renames {}");
	r = *run(LIST("echo", "ZZ", "{}", "{.}"), 0, "ZZ", LIST("a.b"));
	CHECK_INT(r.has_repl, 1, "-I string counts");
	CHECK_STR(r.out, "echo a.b {} a", "with -I, {} is literal, {.} works");
	CHECK_STR(run(LIST("echo", "{}"), 0, "ZZ", LIST("a"))->out,
		  "echo {} a", "with -I and no use of it, args are appended");
	CHECK_STR(run(LIST("echo", "a{}b"), 0, "{}", LIST("x"))->out,
		  "echo|axb", "replstr {} given explicitly");
	CHECK_STR(run(LIST("echo", "X Y"), 0, "X Y", LIST("v"))->out,
		  "echo|v", "a replstr with a blank in it");
	CHECK_STR(run(LIST("echo", "%%%"), 0, "%%", LIST("v"))->out,
		  "echo|v%", "replstr matched left to right");
}

static void test_append(void)
{
	struct res r;

	r = *run(LIST("echo"), 0, NULL, LIST("a", "b c"));
	CHECK_INT(r.has_repl, 0, "no replacement string");
	CHECK_STR(r.out, "echo|a|b c", "arguments appended as words");
	CHECK_STR(r.display, "echo a 'b c'", "appended display");
	r = *run(LIST("echo"), TMPL_SHELL, NULL, LIST("a", "b c"));
	CHECK_STR(r.out, "echo a 'b c'", "appended and quoted in shell mode");
	CHECK_STR(ex(LIST("echo"), 0, NONE), "echo", "nothing to append");
	CHECK_STR(ex(LIST("echo hi |"), 0, LIST("cat")), "echo hi | cat",
		  "appended after shell text");
	CHECK_STR(ex(LIST("echo", "-n"), TMPL_QUOTE, LIST("a b")),
		  "echo|-n|a b", "appended with -q");
	CHECK_STR(ex(LIST("echo"), TMPL_CONTEXT, LIST("a", "b")),
		  "echo|a|b", "appended with -X");
}

static void test_multi(void)
{
	CHECK_STR(ex(LIST("echo", "x{}y"), 0, LIST("a", "b")), "echo|xa|by",
		  "multi {} splits in direct mode");
	CHECK_STR(ex(LIST("echo", "x{}y"), TMPL_SHELL, LIST("a", "b c")),
		  "echo xa 'b c'y", "multi {} joined and quoted, shell mode");
	CHECK_STR(ex(LIST("echo", "{}"), 0, LIST("a", "", "c")),
		  "echo|a||c", "empty value among several");
	CHECK_STR(ex(LIST("echo", "{}"), TMPL_SHELL, LIST("a", "", "c")),
		  "echo a '' c", "empty value among several, shell");
	CHECK_STR(ex(LIST("echo", "{.}", "{/}"), 0, LIST("d/a.c", "b.c")),
		  "echo|d/a|b|a.c|b.c", "modified multi values");
	CHECK_STR(ex(LIST("echo", "{}-{.}"), 0, LIST("a.c", "b.c")),
		  "echo|a.c|b.c-a|b", "two multi forms in one word");
	CHECK_STR(ex(LIST("echo", "{}", "end"), 0, NONE), "echo|end",
		  "a bare {} with no arguments vanishes");
	CHECK_STR(ex(LIST("echo", "x{}y", "{1}"), 0, NONE), "echo|xy",
		  "x{}y with no arguments is xy; {1} is missing");
	CHECK_STR(ex(LIST("echo", "{}", "end"), TMPL_SHELL, NONE),
		  "echo end", "vanishing word in shell mode, blank and all");
}

static void test_context(void)
{
	CHECK_STR(ex(LIST("echo", "x{}y", "{1}", "z"), TMPL_CONTEXT,
		     LIST("a", "b")), "echo|xay|xby|a|z", "-X direct");
	CHECK_STR(ex(LIST("echo", "x{}y", "{1}", "z"),
		     TMPL_CONTEXT | TMPL_SHELL, LIST("a b", "c")),
		  "echo x'a b'y xcy 'a b' z", "-X shell, quoted per value");
	CHECK_STR(ex(LIST("echo", "{.}-{}"), TMPL_CONTEXT, LIST("a.c", "b.c")),
		  "echo|a-a.c|b-b.c", "-X with two forms in a word");
	CHECK_STR(ex(LIST("echo", "pre{}post", "z"), TMPL_CONTEXT, NONE),
		  "echo|z", "-X with no arguments: the word vanishes");
	CHECK_STR(ex(LIST("echo pre{}post |", "cat"), TMPL_CONTEXT,
		     LIST("a", "b")), "echo preapost prebpost | cat",
		  "-X in a template that needs the shell");
	CHECK_STR(ex(LIST("echo", "a b{}"), TMPL_CONTEXT | TMPL_QUOTE,
		     LIST("1", "2")), "echo|a b1|a b2", "-X with -q");
}

static void test_quote_flag(void)
{
	struct res r;
	FILE *f;
	int st;

	r = *run(LIST("printf", "%s\\n", "a b{}", "*", ""), TMPL_QUOTE, NULL,
		LIST("x"));
	CHECK_INT(r.direct, 1, "-q runs directly");
	CHECK_STR(r.out, "printf|%s\\n|a bx|*|", "-q words stay whole");
	CHECK_STR(r.display, "printf '%s\\n' 'a bx' '*' ''", "-q display");

	r = *run(LIST("exit", "{}"), TMPL_QUOTE, NULL, LIST("3"));
	CHECK_INT(r.direct, 0, "-q with a shell word uses the shell");
	CHECK_STR(r.out, "exit 3", "-q exit {}");
	f = popen(r.out, "r");
	st = f ? pclose(f) : -1;
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3, "sh runs exit 3");

	CHECK_STR(ex(LIST("cd", "my dir", "x{}y", ""), TMPL_QUOTE,
		     LIST("$a", "b")), "cd 'my dir' x'$a' by ''",
		  "-q shell mode quotes every literal word");
	CHECK_STR(ex(LIST("echo", "a b", "*"), TMPL_QUOTE | TMPL_SHELL,
		     LIST("v")), "echo 'a b' '*' v", "-q with TMPL_SHELL");
	CHECK_STR(ex(LIST("echo", "{}", "end"), TMPL_QUOTE | TMPL_SHELL,
		     NONE), "echo end", "-q shell: a vanished word");
	CHECK_STR(ex(LIST("FOO=1", "env"), TMPL_QUOTE, NONE), "FOO=1|env",
		  "-q: an assignment is a program name");
	CHECK_STR(ex(LIST("x{}", "y"), 0, LIST("ls")), "xls|y",
		  "a program name from an argument runs directly");
	CHECK_STR(ex(LIST("A={}", "y"), 0, LIST("1")), "A=1 y",
		  "an assignment from an argument falls back to sh");
	CHECK_STR(ex(LIST("x{}", "y"), 0, LIST("a b")), "xa b|y",
		  "a program name with a blank still runs directly");
	CHECK_STR(ex(LIST("x{}", "y"), 0, LIST("$(id)")), "x'$(id)' y",
		  "the fallback quotes the value, never runs it as code");
	/* GNU parallel: a command that starts with a replacement string
	 * is the value, run as shell code, every value unquoted. */
	CHECK_STR(ex(LIST("{}", "x"), 0, LIST("echo $a")), "echo $a x",
		  "{} first: the value is shell code");
	CHECK_STR(ex(LIST("{1}", "{2}"), 0, LIST("echo a", "b 'c'")),
		  "echo a b 'c'", "{1} first: no value is quoted");
	CHECK_STR(ex(LIST("{1}", "{2}"), 0, LIST("echo a", "b  c")),
		  "echo|a|b|c", "code that needs no shell runs directly");
	CHECK_STR(ex(LIST(" {}", "x"), 0, LIST("a b")), "a b|x",
		  "a blank first: a value is one word");
	CHECK_STR(ex(LIST("{}", "x"), TMPL_QUOTE, LIST("a b")), "a b|x",
		  "-q: the value is a program name, not code");
}

static void test_decision(void)
{
	static const struct {
		const char *w;
		int shell;
	} cases[] = {
		{ "echo hi", 0 }, { "echo {}", 0 }, { "echo {.} {/} {//}", 0 },
		{ "echo {1} {-1/.} {#} {%}", 0 }, { "gzip -9 {}", 0 },
		{ "{} x", 1 }, { "echo a=b {}", 0 },
		{ "echo hi | cat", 1 }, { "echo {} > out", 1 },
		{ "exit {}", 1 }, { "cd {}", 1 }, { "FOO={} cmd", 1 },
		{ "echo '{}'", 1 }, { "echo $x{}", 1 }, { "ls *{}", 1 },
		{ "echo {0}", 1 }, { "a && b", 1 }, { "echo \"{}\"", 1 },
	};
	char name[128];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *w[] = { cases[i].w };
		const char *a[] = { "v" };

		snprintf(name, sizeof name, "%s: %s", cases[i].w,
			 cases[i].shell ? "shell" : "direct");
		CHECK_INT(run(w, 1, 0, NULL, a, 1)->shell_mode, cases[i].shell,
			  name);
	}
}

static void test_display(void)
{
	struct tmpl *t;
	struct tmpl_cmd cmd;
	struct tmpl_arg a = { "a b", 3 };
	struct tmpl_job job = { &a, 1, 1, 1, NULL };
	const char *w[] = { "echo", "{}" };
	struct res r;

	tmpl_parse(&t, (char *const *)w, 2, NULL, 0, NULL, 0);
	CHECK_INT(tmpl_expand(t, &job, &cmd, 0), 0, "expand, no display");
	CHECK_INT(cmd.display.len, 0, "no display when not wanted");
	CHECK_STR(buf_str(&cmd.display), "", "display is empty");
	tmpl_cmd_release(&cmd);
	CHECK(cmd.argv == NULL, "release clears argv");
	tmpl_free(t);

	r = *run(LIST("echo", "{}", "x"), 0, NULL,
		LIST("$(id)", "it's", "*", "a\nb"));
	CHECK_STR(r.display, "echo '$(id)' 'it'\\''s' '*' 'a\nb' x",
		  "display quotes every word");
	r = *run(LIST("echo {} >/dev/null"), 0, NULL, LIST("*"));
	CHECK_STR(r.display, "echo '*' >/dev/null", "shell display");
}

static void test_argv_block(void)
{
	struct tmpl *t;
	struct tmpl_cmd cmd;
	struct tmpl_arg a[2] = { { "aa", 2 }, { "b", 1 } };
	struct tmpl_job job = { a, 2, 1, 1, NULL };
	const char *w[] = { "x", "{}", "y{1}" };
	size_t i;
	int ok = 1;

	tmpl_parse(&t, (char *const *)w, 3, NULL, 0, NULL, 0);
	CHECK_INT(tmpl_expand(t, &job, &cmd, 0), 0, "expand x {} y{1}");
	CHECK_INT(cmd.argc, 4, "argc");
	CHECK(cmd.argv[4] == NULL, "argv is NULL-terminated");
	for (i = 0; i + 1 < cmd.argc; i++)
		ok &= cmd.argv[i + 1] == cmd.argv[i] + strlen(cmd.argv[i]) + 1;
	CHECK(ok, "argv strings are in one block");
	CHECK(cmd.argv[0] >= (char *)(cmd.argv + 5), "after the pointers");
	tmpl_cmd_release(&cmd);
	tmpl_free(t);
}

static void test_empty_direct(void)
{
	struct res r = *run(LIST("{}"), 0, NULL, NONE);

	CHECK_INT(r.rc, 0, "{} with no arguments expands");
	CHECK_INT(r.direct, 0, "no words: returned in shell mode");
	CHECK_STR(r.out, "", "as the empty command");
}

static void test_nul(void)
{
	struct tmpl *t;
	struct tmpl_cmd cmd;
	struct tmpl_arg a[2] = { { "ok", 2 }, { "a\0b", 3 } };
	struct tmpl_job job = { a, 2, 1, 1, NULL };
	const char *w[] = { "echo", "{1}" };
	const char *rw[] = { "<{}>" };

	tmpl_parse(&t, (char *const *)w, 2, NULL, 0, NULL, 0);
	CHECK_INT(tmpl_expand(t, &job, &cmd, 1), -EILSEQ, "NUL: direct");
	tmpl_cmd_release(&cmd);
	tmpl_free(t);
	tmpl_parse(&t, (char *const *)w, 2, NULL, TMPL_SHELL, NULL, 0);
	CHECK_INT(tmpl_expand(t, &job, &cmd, 1), -EILSEQ, "NUL: shell");
	tmpl_cmd_release(&cmd);
	tmpl_free(t);
	tmpl_parse(&t, (char *const *)rw, 1, NULL, TMPL_RAW, NULL, 0);
	CHECK_INT(tmpl_expand(t, &job, &cmd, 1), 0, "NUL: raw accepts it");
	CHECK(cmd.shell.len == 8 && memcmp(cmd.shell.p, "<ok a\0b>", 8) == 0,
	      "NUL: raw copies it");
	tmpl_cmd_release(&cmd);
	tmpl_free(t);
}

static void test_raw(void)
{
	struct res r;

	r = *run(LIST("{}"), TMPL_RAW, NULL, LIST("a b", "$c"));
	CHECK_INT(r.direct, 0, "raw goes to cmd->shell");
	CHECK_INT(r.shell_mode, 1, "raw: tmpl_is_shell");
	CHECK_STR(r.out, "a b $c", "raw values are not quoted");
	CHECK_STR(r.display, "a b $c", "raw display");
	CHECK_STR(run(LIST("[{#}:{%}]", " {/.}  x"), TMPL_RAW, NULL,
		      LIST("d/f.c"))->out, "[7:3]  f  x",
		  "raw keeps literal text and blanks");
	CHECK_STR(run(LIST("tag"), TMPL_RAW, NULL, LIST("a"))->out, "tag",
		  "raw appends nothing");
	CHECK_STR(run(LIST("it's", "*"), TMPL_RAW, NULL, LIST("a"))->out,
		  "it's *", "raw literal text is not quoted");
	CHECK_STR(run(LIST("a{}b"), TMPL_RAW | TMPL_CONTEXT | TMPL_QUOTE,
		      NULL, LIST("1", "2"))->out, "a1 2b",
		  "raw ignores -X and -q");
	r = *run(LIST(""), TMPL_RAW, NULL, LIST("a"));
	CHECK_INT(r.rc, 0, "raw accepts an empty template");
	CHECK_STR(r.out, "", "raw empty template");
	CHECK_STR(run(LIST("{2} {-1//}"), TMPL_RAW, NULL, LIST("x"))->out,
		  " .", "raw positional out of range");
}

static void test_errors(void)
{
	struct tmpl *t = (struct tmpl *)1;
	char err[64] = "";
	const char *w[] = { "  \t " };
	const char *e[] = { "echo" };

	CHECK_INT(tmpl_parse(&t, NULL, 0, NULL, 0, err, sizeof err), -EINVAL,
		  "no words");
	CHECK(t == NULL, "no template on error");
	CHECK(err[0] != '\0', "message for no words");
	err[0] = '\0';
	CHECK_INT(tmpl_parse(&t, (char *const *)w, 1, NULL, 0, err,
			     sizeof err), -EINVAL, "blank template");
	CHECK(err[0] != '\0', "message for a blank template");
	CHECK_INT(tmpl_parse(&t, (char *const *)e, 1, "", 0, err,
			     sizeof err), -EINVAL, "empty replstr");
	CHECK_INT(tmpl_parse(&t, (char *const *)e, 1, NULL, 0, NULL, 0), 0,
		  "err may be NULL");
	tmpl_free(t);
	tmpl_free(NULL);
}

static void test_size(void)
{
	struct res r;
	char name[64];
	size_t i;
	static const int flags[] = { 0, TMPL_SHELL, TMPL_CONTEXT,
				     TMPL_SHELL | TMPL_CONTEXT };

	for (i = 0; i < 4; i++) {
		r = *run(LIST("echo", "x{}y", "{1/}", "-{-1.}"), flags[i],
			 NULL, LIST("a/b c", "it's", "", "d.e"));
		snprintf(name, sizeof name, "size never below (flags %d)",
			 flags[i]);
		CHECK(r.size >= r.real, name);
		snprintf(name, sizeof name, "size close (flags %d)", flags[i]);
		CHECK(r.size <= r.real + 64, name);
		/* "x{}y" ends once however many values split it; the
		 * estimate counts one more for -m/-X to add up (below). */
		r = *run(LIST("echo", "x{}y", "{1}"), flags[i], NULL,
			 LIST("a/b c", "it's", "", "d.e"));
		/* tmpl_size() is exact, as -s counts; tmpl_fill_add()
		 * (below) counts one more for x{}y to add up. */
		if (!(flags[i] & TMPL_SHELL))
			CHECK_INT(r.size, r.real, "size exact in direct mode");
	}
	r = *run(LIST("echo", "{}"), 0, NULL, LIST("a/b c", "it's", ""));
	CHECK_INT(r.size, r.real, "size exact in direct mode for {}");
	r = *run(LIST("echo", "{#}", "{%}"), 0, NULL, NONE);
	CHECK_INT(r.size, 5 + 21 + 21, "seq and slot count as 20 digits");
	r = *run(LIST("echo"), 0, NULL, LIST("abc", "de"));
	CHECK_INT(r.size, 5 + 4 + 3, "appended arguments counted");
	r = *run(LIST("echo"), TMPL_SHELL, NULL, LIST("abc", "de"));
	CHECK(r.size >= strlen("echo abc de") + 1, "shell size counts string");
}

/* The size of words for args, filled value by value as -m/-X do. */
static size_t summed_size(const char **w, size_t nw, int flags,
			  const struct tmpl_arg *args, size_t nargs)
{
	struct tmpl *t = NULL;
	struct tmpl_fill f;
	char err[128];

	if (tmpl_parse(&t, (char *const *)w, nw, NULL, flags, err,
		       sizeof err))
		return 0;
	tmpl_fill_init(t, &f);
	for (size_t i = 0; i < nargs; i++)
		tmpl_fill_add(t, &f, args + i, 1);
	tmpl_free(t);
	return f.size;
}

/* Issue 12: the size must be that of what runs, however it is added up. */
static void test_size_adds_up(void)
{
	static const char *vals[31];
	const struct tmpl_arg *a;
	struct res r;
	char name[80];
	size_t i;
	static const struct {
		const char *w;
		int flags;
	} cases[] = {
		{ "{} ", 0 },		/* the first value is the program */
		{ "{}", TMPL_SHELL },
		{ "{}x", TMPL_SHELL | TMPL_CONTEXT },
		{ "echo x{}y", 0 },
		{ "echo x{}y{.}", 0 },
		{ "echo {}{.}", 0 },
		{ "echo x{}y", TMPL_SHELL },
		{ "echo {2}", TMPL_CONTEXT },
		{ "echo {-2/}", 0 },
		{ "echo {1} {-1/} {}", 0 },
		{ "{2} {}", TMPL_SHELL },
		{ "echo {1}x{}", TMPL_CONTEXT },
	};

	/* (echo cd; yes "''''''''''" | head -30) | lanes -m '{} ' */
	vals[0] = "cd";
	for (i = 1; i < 31; i++)
		vals[i] = "''''''''''";
	r = *run(LIST("{} "), 0, NULL, vals, 31);
	CHECK(r.rc == 0 && !r.direct, "cd as the program runs in the shell");
	CHECK(r.size >= r.real, "size of a shell program counts the quotes");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *w = cases[i].w;

		r = *run(&w, 1, cases[i].flags, NULL, vals, 31);
		snprintf(name, sizeof name, "value by value >= real: '%s' %d",
			 w, cases[i].flags);
		a = mkargs(vals, 31);
		CHECK(summed_size(&w, 1, cases[i].flags, a, 31) >= r.real,
		      name);
	}
	/* {//} of "" is ".": longer quoted ('.' counts 4) than '' (3). */
	{
		const char *w = "echo {1//} {-1//}";

		r = *run(&w, 1, TMPL_SHELL, NULL, LIST(""));
		a = mkargs(LIST(""));
		CHECK(summed_size(&w, 1, TMPL_SHELL, a, 1) >=
		      r.size, "filled size counts {//} of ''");
	}
}

/* Bytes 1..255 survive the shell: printf %s {} prints them back. */
static void test_round_trip(void)
{
	struct tmpl *t;
	struct tmpl_cmd cmd;
	struct tmpl_arg a;
	struct tmpl_job job = { &a, 1, 1, 1, NULL };
	const char *w[] = { "printf", "%s", "{}" };
	char all[255], one, out[512];
	size_t n;
	int c, bad = 0;
	FILE *f;

	tmpl_parse(&t, (char *const *)w, 3, NULL, TMPL_SHELL, NULL, 0);
	for (c = 1; c < 256; c++)
		all[c - 1] = (char)c;
	for (c = 0; c < 256; c++) {
		one = (char)c;
		a.p = c ? &one : all;
		a.len = c ? 1 : sizeof all;
		if (tmpl_expand(t, &job, &cmd, 0) ||
		    !(f = popen(buf_str(&cmd.shell), "r"))) {
			bad++;
			tmpl_cmd_release(&cmd);
			continue;
		}
		n = fread(out, 1, sizeof out, f);
		if (pclose(f) != 0 || n != a.len || memcmp(out, a.p, n)) {
			printf("#   byte %d did not round-trip\n", c);
			bad++;
		}
		tmpl_cmd_release(&cmd);
	}
	CHECK(bad == 0, "bytes 1..255, alone and together, survive sh");
	tmpl_free(t);
}

/* A deterministic pseudo-random generator (an LCG), for the fuzzing. */
static unsigned long rnd(void)
{
	static unsigned long x = 12345;

	x = x * 1103515245 + 12345;
	return (x >> 16) & 0x7fff;
}

/* Up to 7 bytes: mostly shell syntax, else any byte 1..255. */
static size_t random_arg(char *p)
{
	static const char pool[] = "ab./ '\"\\$*?~=-\n\t#;|&<>(){}[]!`^%";
	size_t i, len = rnd() % 8;

	for (i = 0; i < len; i++)
		p[i] = rnd() % 3 ? pool[rnd() % (sizeof pool - 1)] :
			(char)(1 + rnd() % 255);
	return len;
}

/* Direct mode and shell mode agree, word for word, on random input. */
static void test_equivalence(void)
{
	static const char *const templates[][4] = {
		{ "echo", "{}", NULL },
		{ "echo", "x{}y", "{1}" },
		{ "echo", "{.}", "{/}" },
		{ "echo", "{//}", "{/.}", "{-1}" },
		{ "echo", "a{2}b{}c", NULL },
		{ "echo", "{}{}", "-{#}-{%}-" },
		{ "echo", NULL },
		{ "echo", "{3/.}", "{-2//}", NULL },
	};
	static const int flags[] = { 0, TMPL_CONTEXT, TMPL_QUOTE,
				     TMPL_QUOTE | TMPL_CONTEXT };
	char store[4][8];
	struct tmpl_arg args[4];
	size_t i, j, k, nw, nargs;
	int f, bad = 0, runs = 0;
	char name[80];

	for (i = 0; i < sizeof templates / sizeof templates[0]; i++) {
		for (nw = 0; nw < 4 && templates[i][nw]; nw++)
			;
		for (f = 0; f < 4; f++) {
			for (k = 0; k < 6; k++) {
				nargs = 1 + k % 4;
				for (j = 0; j < nargs; j++) {
					args[j].p = store[j];
					args[j].len = random_arg(store[j]);
				}
				runs++;
				if (same_in_both_modes(
					    (const char **)templates[i], nw,
					    flags[f], args, nargs))
					continue;
				printf("#   template %zu flags %d case %zu "
				       "differs\n", i, flags[f], k);
				bad++;
			}
		}
	}
	snprintf(name, sizeof name,
		 "direct argv equals what sh sees (%d cases)", runs);
	CHECK(bad == 0, name);
}

/* --plus, compared with GNU parallel 20221122's --plus output. */
static void test_plus(void)
{
	struct tmpl *t = NULL;
	const char *cols[] = { "n", "v" };
	const char *w[] = { "echo", "{##}", "{0#}", "{0%}", "{#}" };
	const char *c[] = { "echo", "{v}-{n}-{1}" };
	char err[512] = "";
	struct res r;

	/* parallel --plus echo {..} {...} {/..} {/...} {+/} {+.} {+..}
	 *   {+...} ::: /d.x/a.tar.gz.c
	 *   /d.x/a.tar /d.x/a a.tar a /d.x c gz.c tar.gz.c */
	CHECK_STR(ex(LIST("echo", "{..}", "{...}", "{/..}", "{/...}",
			  "{+/}", "{+.}", "{+..}", "{+...}"), TMPL_PLUS,
		     LIST("/d.x/a.tar.gz.c")),
		  "echo|/d.x/a.tar|/d.x/a|a.tar|a|/d.x|c|gz.c|tar.gz.c",
		  "--plus forms");
	/* parallel --plus echo {1..} {2/...} ::: a.b.c ::: d/e.f.g */
	CHECK_STR(ex(LIST("echo", "{1..}", "{2/...}"), TMPL_PLUS,
		     LIST("a.b.c", "d/e.f.g")), "echo|a|e.f.g",
		  "--plus positional; too few extensions: unchanged");
	CHECK_STR(ex(LIST("echo", "{+/}", "{+.}", "{..}"), TMPL_PLUS,
		     LIST("x")), "echo|||x", "--plus with no / and no .");
	CHECK_STR(ex(LIST("echo", "{..}", "{##}"), 0, LIST("a.b.c")),
		  "echo {..} {##} a.b.c", "without --plus: literal text");
	tmpl_parse(&t, (char *const *)w, 5, NULL, TMPL_PLUS, NULL, 0);
	tmpl_set_counts(t, 12, 4);
	CHECK(tmpl_needs_total(t), "{##} needs the total");
	memset(&r, 0, sizeof r);
	expand_into(&r, t, NULL, 0, 7, 3);
	CHECK_STR(r.out, "echo|12|07|3|7", "{##} {0#} {0%}");
	tmpl_set_counts(t, 100, 10);
	memset(&r, 0, sizeof r);
	expand_into(&r, t, NULL, 0, 7, 3);
	CHECK_STR(r.out, "echo|100|007|03|7", "zero padding widths");
	tmpl_free(t);

	/* printf 'n v\na 1\n' | parallel --header : -C ' ' echo {v}-{n}-{1} */
	t = NULL;
	CHECK_INT(tmpl_parse_cols(&t, (char *const *)c, 2, NULL, 0,
				  (char *const *)cols, 2, NULL, 0), 0,
		  "parse with column names");
	memset(&r, 0, sizeof r);
	expand_into(&r, t, mkargs(LIST("a", "1")), 2, 1, 1);
	CHECK_STR(r.out, "echo|1-a-a", "{name} is its column");
	tmpl_free(t);
	t = NULL;
	tmpl_parse_cols(&t, (char *const *)LIST("echo", "{n.}", "{v/}"), NULL,
			0, (char *const *)cols, 2, NULL, 0);
	memset(&r, 0, sizeof r);
	expand_into(&r, t, mkargs(LIST("a.c", "d/1")), 2, 1, 1);
	/* printf 'n,v\na.c,d/1\n' | parallel --header : -C , echo {n.} {v/} */
	CHECK_STR(r.out, "echo|a|1", "{name.} and {name/}");
	tmpl_free(t);

	t = (struct tmpl *)1;
	CHECK_INT(tmpl_parse(&t, (char *const *)LIST("echo", "{= s/a/b/ =}"),
			     NULL, TMPL_PLUS, err, sizeof err), -EINVAL,
		  "{= =} is refused");
	CHECK(t == NULL, "no template for {= =}");
	CHECK(strstr(err, "'{= s/a/b/ =}'") != NULL, "the message names it");
}

int main(void)
{
	test_basic();
	test_modifiers();
	test_numbers_and_positions();
	test_replstr();
	test_append();
	test_multi();
	test_context();
	test_quote_flag();
	test_decision();
	test_display();
	test_argv_block();
	test_empty_direct();
	test_nul();
	test_raw();
	test_errors();
	test_size();
	test_size_adds_up();
	test_round_trip();
	test_equivalence();
	test_plus();
	return tap_done();
}
