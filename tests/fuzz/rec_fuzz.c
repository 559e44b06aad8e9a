/*
 * Fuzz io/rec: read any input as records and check what rec.h promises:
 *   - the records joined with the separator, plus one separator more if
 *     the input ended with one, give back the input byte for byte (so no
 *     record holds the separator, none is lost, an empty input has none
 *     and a last record without its separator still counts);
 *   - each record is followed by a NUL that is not part of it;
 *   - after the end, rec_next() stays at the end.
 * And rec_parse_sep(): any string gives 0 or -EINVAL; every byte spelled
 * as \xHH, \xH, \NNN or \N (octal) or as itself reads back as that byte.
 *
 * Input: byte 0 picks the separator (bits 0-1: newline, NUL, byte 1, or
 * byte 1 again) and how many times the rest is repeated (bits 2-7, plus
 * one), so records can outgrow the reader's 32 KiB buffer.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "rec.h"

static void check_sep_spellings(unsigned char c)
{
	char s[8], sep;

	snprintf(s, sizeof s, "\\x%02x", c);
	FUZZ_CHECK(rec_parse_sep(s, &sep) == 0 && (unsigned char)sep == c,
		   "\\xHH reads back");
	snprintf(s, sizeof s, "\\x%x", c);
	FUZZ_CHECK(rec_parse_sep(s, &sep) == 0 && (unsigned char)sep == c,
		   "\\xH reads back");
	snprintf(s, sizeof s, "\\%03o", c);
	FUZZ_CHECK(rec_parse_sep(s, &sep) == 0 && (unsigned char)sep == c,
		   "\\NNN reads back");
	snprintf(s, sizeof s, "\\%o", c);
	FUZZ_CHECK(rec_parse_sep(s, &sep) == 0 && (unsigned char)sep == c,
		   "\\N reads back");
	if (c) {
		s[0] = (char)c;
		s[1] = '\0';
		FUZZ_CHECK(rec_parse_sep(s, &sep) == 0 && sep == (char)c,
			   "a single byte is itself");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_reader r;
	const char *p, *in;
	char *whole = NULL, *s = NULL, sep;
	size_t n, len, reps, got = 0, i, records = 0;
	int fd = -1, rc;

	if (size < 2)
		return 0;
	check_sep_spellings(data[1]);

	/* The input (to its first NUL) as a -d argument. */
	s = malloc(size + 1);
	FUZZ_CHECK(s, "malloc");
	memcpy(s, data, size);
	s[size] = '\0';
	rc = rec_parse_sep(s, &sep);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "parse_sep: 0 or EINVAL");
	free(s);

	sep = (data[0] & 3) == 0 ? '\n' : (data[0] & 3) == 1 ? '\0' :
		(char)data[1];
	reps = (size_t)(data[0] >> 2) + 1;
	in = (const char *)data + 2;
	n = size - 2;
	whole = malloc(n * reps + 1);
	FUZZ_CHECK(whole, "malloc");
	for (i = 0; i < reps; i++)
		memcpy(whole + i * n, in, n);
	n *= reps;

	fd = memfd_create("rec_fuzz", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0, "memfd_create");
	FUZZ_CHECK(write(fd, whole, n) == (ssize_t)n, "write");
	FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek");

	FUZZ_CHECK(rec_init(&r, fd, sep) == 0, "rec_init");
	while ((rc = rec_next(&r, &p, &len)) == 1) {
		FUZZ_CHECK(p[len] == '\0', "a NUL follows the record");
		FUZZ_CHECK(!memchr(p, sep, len), "no separator in a record");
		FUZZ_CHECK(got + len <= n && !memcmp(whole + got, p, len),
			   "records are the input in order");
		got += len;
		records++;
		/* Its separator, unless this is a last unterminated one. */
		if (got < n) {
			FUZZ_CHECK(whole[got] == sep, "separator between");
			got++;
		}
	}
	FUZZ_CHECK(rc == 0, "the end, not an error");
	FUZZ_CHECK(got == n, "every byte read");
	FUZZ_CHECK(n || !records, "an empty input has no records");
	FUZZ_CHECK(rec_next(&r, &p, &len) == 0, "the end stays the end");
	rec_release(&r);
	close(fd);
	free(whole);
	return 0;
}
