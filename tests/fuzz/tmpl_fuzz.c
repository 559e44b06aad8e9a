/*
 * Fuzz io/tmpl: parse any template, expand it for any arguments, and check
 * what tmpl.h promises:
 *   - parsing fails only with -EINVAL, for an empty template or replstr;
 *   - expansion fails only with -EILSEQ, for a NUL in an argument;
 *   - a direct expansion has argc >= 1, a NULL after the last argument,
 *     and (unless -q) a program name that needs no shell;
 *   - the same template forced into shell mode means the same words: the
 *     shell string, read back as sh would (fuzz_sh_words), gives argv;
 *   - only a template that tmpl_may_be_shell() expands for the shell;
 *   - tmpl_size() is never below the size of what is executed (argv, or
 *     sh -c STRING), and neither is the size tmpl_fill_add() reaches
 *     tuple by tuple, as cmd/input.c fills -m/-X lines.
 *
 * Input: byte 0 holds the flags (bits 0-3 TMPL_*, bit 4: a replstr
 * follows, bits 5-6: tuple size - 1), byte 1 the slot, byte 2 the seq.
 * The rest is split on 0x01: the template (words split on 0x02), then
 * the replstr if bit 4, then one field per argument.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "quote.h"
#include "tmpl.h"
#include "tmplsize.h"

#define MAX_WORDS 64
#define MAX_ARGS 256

static size_t real_size(const struct tmpl_cmd *cmd)
{
	size_t n = 0;

	/* The sh -c string and its NUL, as -s counts it (as xargs and GNU
	 * parallel do): the kernel's per-string limit is on it alone. */
	if (!cmd->direct)
		return cmd->shell.len + 1;
	for (size_t i = 0; i < cmd->argc; i++)
		n += strlen(cmd->argv[i]) + 1;
	return n;
}

/* Shell mode says the same as direct mode, read back without a shell. */
static void check_twin(char *const *words, size_t nwords, const char *rs,
		       int flags, const struct tmpl_job *job,
		       const struct tmpl_cmd *direct)
{
	struct tmpl *sh = NULL;
	struct tmpl_cmd cmd;
	char err[128], *w;
	long nw;
	int rc;

	rc = tmpl_parse(&sh, words, nwords, rs, flags | TMPL_SHELL, err,
			sizeof err);
	FUZZ_CHECK(rc == 0, "shell twin parses");
	rc = tmpl_expand(sh, job, &cmd, 0);
	FUZZ_CHECK(rc == 0, "shell twin expands");
	FUZZ_CHECK(!cmd.direct, "shell twin is shell");
	w = malloc(cmd.shell.len + 1);
	FUZZ_CHECK(w, "malloc");
	nw = fuzz_sh_words(cmd.shell.p ? cmd.shell.p : "", cmd.shell.len, w);
	FUZZ_CHECK(nw == (long)direct->argc, "same number of words");
	for (long i = 0, o = 0; i < nw; i++) {
		FUZZ_CHECK(strcmp(w + o, direct->argv[i]) == 0,
			   "same words in both modes");
		o += (long)strlen(w + o) + 1;
	}
	free(w);
	tmpl_cmd_release(&cmd);
	tmpl_free(sh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *words[MAX_WORDS], *rs = NULL, *copy = NULL, err[128];
	struct tmpl_arg args[MAX_ARGS];
	struct tmpl *t = NULL;
	struct tmpl_cmd cmd;
	struct tmpl_job job;
	struct tmpl_fill fill;
	size_t nwords = 0, nargs = 0, i, n, tup, real;
	int flags, rc, has_nul = 0, field = 0;
	char *p, *end, *f;

	if (size < 3)
		return 0;
	flags = data[0] & 15;
	tup = (size_t)((data[0] >> 5) & 3) + 1;
	job.slot = data[1];
	job.seq = data[2];
	copy = malloc(size - 3 + 1);
	FUZZ_CHECK(copy, "malloc");
	memcpy(copy, data + 3, size - 3);
	copy[size - 3] = '\0';
	end = copy + (size - 3);

	/* Split into fields on 0x01; the template's words on 0x02. */
	for (p = copy; p <= end; p = f + 1, field++) {
		f = memchr(p, 1, (size_t)(end - p));
		if (!f)
			f = end;
		*f = '\0';
		if (field == 0) {
			char *q = p, *s;

			for (;;) {
				s = strchr(q, 2);
				if (s)
					*s = '\0';
				if (nwords < MAX_WORDS)
					words[nwords++] = q;
				if (!s)
					break;
				q = s + 1;
			}
		} else if (field == 1 && (data[0] & 16)) {
			rs = p;
		} else if (nargs < MAX_ARGS) {
			args[nargs].p = p;
			args[nargs].len = (size_t)(f - p);
			nargs++;
		}
	}
	/* 0x02 in an argument stands for a NUL byte (a NUL is one too). */
	for (i = 0; i < nargs; i++) {
		for (n = 0; n < args[i].len; n++)
			if (args[i].p[n] == 2)
				((char *)args[i].p)[n] = '\0';
		if (memchr(args[i].p, '\0', args[i].len))
			has_nul = 1;
	}

	rc = tmpl_parse(&t, words, nwords, rs, flags, err, sizeof err);
	if (rc) {
		FUZZ_CHECK(rc == -EINVAL, "parse fails only with EINVAL");
		FUZZ_CHECK(err[0], "parse error has a message");
		goto out;
	}
	job.args = args;
	job.nargs = nargs;
	rc = tmpl_expand(t, &job, &cmd, 1);
	if (rc) {
		FUZZ_CHECK(rc == -EILSEQ && has_nul && !(flags & TMPL_RAW),
			   "expand fails only for a NUL in an argument");
		tmpl_cmd_release(&cmd);
		goto out;
	}
	FUZZ_CHECK(!has_nul || (flags & TMPL_RAW), "NUL byte refused");
	FUZZ_CHECK(cmd.direct || tmpl_may_be_shell(t),
		   "a shell command only where the shell was foreseen");
	if (cmd.direct) {
		FUZZ_CHECK(cmd.argc >= 1, "direct means a program");
		FUZZ_CHECK(cmd.argv[cmd.argc] == NULL, "argv ends with NULL");
		FUZZ_CHECK((flags & TMPL_QUOTE) ||
			   !quote_needs_shell(cmd.argv[0],
					      strlen(cmd.argv[0])),
			   "a direct program name needs no shell");
		check_twin(words, nwords, rs, flags, &job, &cmd);
	}

	if (!(flags & TMPL_RAW)) {
		real = real_size(&cmd);
		FUZZ_CHECK(tmpl_size(t, args, nargs) >= real,
			   "size estimate >= real size");
		/* -m/-X as cmd/input.c fills a line, tuple by tuple. */
		tmpl_fill_init(t, &fill);
		for (i = 0; i < nargs; i += tup) {
			n = nargs - i < tup ? nargs - i : tup;
			tmpl_fill_add(t, &fill, args + i, n);
			FUZZ_CHECK(fill.size >= tmpl_size(t, args, i + n),
				   "the fill never below tmpl_size()");
		}
		FUZZ_CHECK(fill.size >= real, "filled size >= real size");
	}
	tmpl_cmd_release(&cmd);
out:
	tmpl_free(t);
	free(copy);
	return 0;
}
