/*
 * fuzz: what every tests/fuzz/NAME_fuzz.c target shares. A target defines
 * LLVMFuzzerTestOneInput() and checks the promises of the module it
 * fuzzes with FUZZ_CHECK(); a broken promise aborts, so libFuzzer keeps
 * the input as a crash, and the replay driver (replay.c) reports it as a
 * failed test. Targets return 0 and keep no state between inputs.
 *
 * Targets are built twice by the Makefile: with clang and libFuzzer for
 * `make fuzz`, and with the normal compiler and replay.c for `make test`.
 */
#ifndef LANES_FUZZ_H
#define LANES_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with where and what, so a failed property reads like a crash. */
#define FUZZ_CHECK(cond, what) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",	\
			__FILE__, __LINE__, (what));			\
		abort();						\
	}								\
} while (0)

/*
 * The words a POSIX shell reads from s[0..n), for command lines whose
 * only syntax is what quote_shell() writes: blanks (space, tab, newline)
 * between words, '...' quoting and backslash escapes outside quotes.
 * Any other byte is taken as itself, so pass only text in which the shell
 * would do the same (no $, `, ", globs or operators unquoted). Each word
 * is written NUL-terminated into out (at least n + 1 bytes), one after
 * the other; returns the number of words, or -1 for an unterminated
 * quote or a trailing backslash. A Bourne shell would need fork and exec
 * per input; this keeps the fuzzers fast and needs no /bin/sh.
 */
static inline long fuzz_sh_words(const char *s, size_t n, char *out)
{
	size_t i = 0, o = 0;
	long words = 0;
	int in_word = 0;

	while (i < n) {
		char c = s[i++];

		if (c == ' ' || c == '\t' || c == '\n') {
			if (in_word) {
				out[o++] = '\0';
				words++;
				in_word = 0;
			}
			continue;
		}
		in_word = 1;
		if (c == '\'') {
			while (i < n && s[i] != '\'')
				out[o++] = s[i++];
			if (i == n)
				return -1;
			i++;
		} else if (c == '\\') {
			if (i == n)
				return -1;
			out[o++] = s[i++];
		} else {
			out[o++] = c;
		}
	}
	if (in_word) {
		out[o++] = '\0';
		words++;
	}
	return words;
}

#endif
