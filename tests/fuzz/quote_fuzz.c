/*
 * Fuzz io/quote: the promises of quote.h, checked without /bin/sh (the
 * unit test runs the shell; here fuzz_sh_words() reads the quoted form
 * back as a POSIX shell would, fast enough for millions of inputs):
 *   - quote_shell() of any bytes but NUL reads back as exactly one word
 *     with exactly those bytes, and a list of quoted words joined with
 *     blanks reads back as the list;
 *   - a word left unquoted is made only of never-special bytes and does
 *     not start with '=';
 *   - the quoted form is never longer than n + 2 + 3 per single quote
 *     (tmpl_size() counts on that);
 *   - a line quote_needs_shell() calls plain splits on blanks into the
 *     same words the shell would see; a shell word or NAME=value as the
 *     first word always needs the shell.
 * Input: words separated by NUL bytes.
 */
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "quote.h"

static int safe_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || (c && strchr("_%+,./:=@^-", c));
}

static void check_word(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i, quotes = 0;
	char *w;

	FUZZ_CHECK(quote_shell(&b, s, n) == 0, "quote_shell succeeds");
	for (i = 0; i < n; i++)
		quotes += s[i] == '\'';
	FUZZ_CHECK(b.len == n || b.len == n + 2 + 3 * quotes,
		   "quoted length is n or n + 2 + 3 per quote");
	if (b.len == n && n) {
		FUZZ_CHECK(memcmp(b.p, s, n) == 0, "unquoted means unchanged");
		for (i = 0; i < n; i++)
			FUZZ_CHECK(safe_byte((unsigned char)s[i]),
				   "only safe bytes go unquoted");
		FUZZ_CHECK(s[0] != '=', "a leading '=' is quoted");
	}
	w = malloc(b.len + 1);
	FUZZ_CHECK(w, "malloc");
	FUZZ_CHECK(fuzz_sh_words(buf_str(&b), b.len, w) == 1,
		   "a quoted word reads back as one word");
	FUZZ_CHECK(strlen(w) == n && memcmp(w, s, n) == 0,
		   "a quoted word reads back unchanged");
	if (memchr(b.p, '\'', b.len))
		FUZZ_CHECK(quote_needs_shell(b.p, b.len),
			   "quotes need the shell");
	free(w);
	buf_release(&b);
}

/* A line the shell is not needed for splits as the shell splits it. */
static void check_plain(const char *s, size_t n)
{
	char *w = malloc(n + 1), *o;
	size_t i = 0, words = 0;
	long got;

	FUZZ_CHECK(w, "malloc");
	got = fuzz_sh_words(s, n, w);
	o = w;
	while (i < n) {
		size_t start;

		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n)
			break;
		start = i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		FUZZ_CHECK(got > (long)words, "the shell sees as many words");
		FUZZ_CHECK(strlen(o) == i - start &&
			   memcmp(o, s + start, i - start) == 0,
			   "the shell sees the same words");
		o += strlen(o) + 1;
		words++;
	}
	FUZZ_CHECK(got == (long)words, "the shell sees no more words");
	free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *end = s + size, *z;
	struct buf line = BUF_INIT;
	size_t nwords = 0, i, n;
	char *w, *o;
	long got;

	/* Each piece alone, then all of them as one quoted line. */
	for (const char *p = s; p <= end; p = z + 1) {
		z = memchr(p, '\0', (size_t)(end - p));
		if (!z)
			z = end;
		check_word(p, (size_t)(z - p));
		if (nwords++)
			FUZZ_CHECK(buf_addch(&line, ' ') == 0, "buf");
		FUZZ_CHECK(quote_shell(&line, p, (size_t)(z - p)) == 0,
			   "quote_shell succeeds");
	}
	w = malloc(line.len + 1);
	FUZZ_CHECK(w, "malloc");
	got = fuzz_sh_words(buf_str(&line), line.len, w);
	FUZZ_CHECK(got == (long)nwords, "a quoted list keeps its length");
	o = w;
	for (const char *p = s; p <= end; p = z + 1) {
		z = memchr(p, '\0', (size_t)(end - p));
		if (!z)
			z = end;
		n = (size_t)(z - p);
		FUZZ_CHECK(strlen(o) == n && memcmp(o, p, n) == 0,
			   "a quoted list reads back unchanged");
		o += n + 1;
	}
	free(w);
	buf_release(&line);

	/* The whole input as a command line (up to its first NUL). */
	n = strnlen(s, size);
	if (!quote_needs_shell(s, n))
		check_plain(s, n);
	for (i = 0; i < n && s[i] != ' ' && s[i] != '\t'; i++)
		;
	if (quote_is_shell_word(s, i))
		FUZZ_CHECK(quote_needs_shell(s, n),
			   "a shell word first needs the shell");
	if (i && ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' &&
	    s[0] <= 'Z') || s[0] == '_') && memchr(s, '=', i)) {
		size_t k = 1;

		while (k < i && (s[k] == '_' || (s[k] >= '0' && s[k] <= '9') ||
				 (s[k] >= 'a' && s[k] <= 'z') ||
				 (s[k] >= 'A' && s[k] <= 'Z')))
			k++;
		if (k < i && s[k] == '=')
			FUZZ_CHECK(quote_needs_shell(s, n),
				   "NAME=value first needs the shell");
	}
	return 0;
}
