/*
 * bsplit: record boundaries for --pipe and --pipe-part, with GNU
 * parallel's meaning of --recend, --recstart, --regexp and --header REGEX.
 * Owns the compiled separators; io/block cuts blocks with them.
 *
 * A record boundary (a "split") is a position where --recend matches just
 * before it and --recstart just after it; --regexp makes both POSIX
 * extended regular expressions (with REG_NEWLINE: "." and "[^x]" stop at a
 * newline, "^" and "$" match at lines), plain strings are bytes (see
 * block_unescape() for \n, \t, \0 ...). Both empty means any position.
 *
 * Thread-safety: a bsplit is read-only after bsplit_init(), so
 * bsplit_fwd() and bsplit_last() may run on any thread at once; init and
 * release on the owner's thread. bsplit_head() keeps no state.
 * Errors: 0 or -errno; a bad regular expression is -EINVAL with the
 * reason in the caller's err buffer. Nothing is printed.
 */
#ifndef LANES_BSPLIT_H
#define LANES_BSPLIT_H

#include <regex.h>
#include <stddef.h>

struct bsplit {
	int regexp;
	char *both;			/* plain: recend then recstart */
	size_t elen, slen;
	regex_t re;			/* regexp: (recend)(recstart) */
	int have_re;
};

/*
 * Plain separators are elen and slen bytes; with regexp they are
 * NUL-terminated regexes (NULL for empty) and the lengths are not used.
 * After a failure there is nothing to release.
 */
int bsplit_init(struct bsplit *sp, const char *recend, size_t elen,
		const char *recstart, size_t slen, int regexp, char *err,
		size_t errlen);
void bsplit_release(struct bsplit *sp);

/*
 * The first split s >= floor whose recend starts at or after from, in
 * buf[0, len). Returns 1 and *s, or 0 and *resume: where to search from
 * once more bytes follow (earlier starts were decided). eof says that
 * len is the end of the input, so "$" may match there.
 */
int bsplit_fwd(const struct bsplit *sp, const char *buf, size_t len,
	       size_t from, size_t floor, int eof, size_t *s, size_t *resume);

/* Plain separators only, not both empty: the last split s >= 1 whose
 * recend starts at or after lo, in buf[0, len). 1 and *s, or 0. */
int bsplit_last(const struct bsplit *sp, const char *buf, size_t len,
		size_t lo, size_t *s);

/*
 * --header REGEX: *hlen is the length of the match of pattern at the very
 * start of buf[0, len) (buf may be NULL when len is 0), 0 for none. eof
 * as for bsplit_fwd(). 0, or -EINVAL for a bad regex (err says why).
 */
int bsplit_head(const char *pattern, const char *buf, size_t len, int eof,
		size_t *hlen, char *err, size_t errlen);

#endif
