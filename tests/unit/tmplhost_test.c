/*
 * Unit tests for {host} in io/tmpl: the login a remote job runs on, as a
 * value (quoted in shell mode, one word in direct mode), empty for a
 * local job, counted by tmpl_size() at its longest. Kept apart from
 * tmpl_test.c so the two change independently.
 */
#include <string.h>

#include "tap.h"
#include "tmpl.h"
#include "tmplsize.h"

/* Expand words for one job on host; argv joined with '|' in direct
 * mode, the sh -c string in shell mode. */
static const char *expand(const char *words, int flags, const char *host,
			  size_t *size)
{
	static char out[512];
	struct tmpl_arg a = { "x", 1 };
	struct tmpl_job tj = { &a, 1, 3, 2, host };
	struct tmpl_cmd c;
	struct tmpl *t = NULL;
	char *w[1] = { (char *)words };
	char err[128];
	size_t i, o = 0;

	out[0] = '\0';
	if (tmpl_parse(&t, w, 1, NULL, flags, err, sizeof(err)))
		return "(parse failed)";
	if (size)
		*size = tmpl_size(t, &a, 1);
	if (tmpl_expand(t, &tj, &c, 0) == 0) {
		if (c.direct)
			for (i = 0; i < c.argc; i++)
				o += (size_t)snprintf(out + o, sizeof(out) - o,
						      "%s%s", i ? "|" : "",
						      c.argv[i]);
		else
			snprintf(out, sizeof(out), "%s", buf_str(&c.shell));
	}
	tmpl_cmd_release(&c);
	tmpl_free(t);
	return out;
}

int main(void)
{
	size_t size = 0;

	CHECK_STR(expand("echo {host} {}", 0, "u@h1:22", NULL),
		  "echo|u@h1:22|x", "direct: {host} is one word");
	CHECK_STR(expand("echo {host} {} | cat", 0, "h2", NULL),
		  "echo h2 x | cat", "shell: a plain {host} needs no quotes");
	CHECK_STR(expand("echo {host}; :", 0, "a b", NULL),
		  "echo 'a b'; :", "shell: a login with a blank stays one");
	CHECK_STR(expand("echo [{host}]", 0, NULL, NULL), "echo ['']",
		  "no host: empty");
	CHECK_STR(expand("{host}/{#}/{%}", TMPL_RAW, "h3", NULL),
		  "h3/3/2", "raw (--tagstring): as given");
	CHECK_STR(expand("echo {hosts} {ho}", 0, "h1", NULL),
		  "echo {hosts} {ho} x", "other braces stay literal");
	expand("echo {host}", 0, "h1", &size);
	CHECK(size >= strlen("echo") + 1 + TMPL_HOST_MAX + 1,
	      "tmpl_size counts {host} at its longest");
	return tap_done();
}
