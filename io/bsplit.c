/*
 * bsplit: record boundaries.
 *
 * DESIGN. A split is a position s where --recend ends and --recstart
 * begins. Plain strings are found with memmem()/memrchr() on their
 * concatenation, regexes with one compiled "(recend)(recstart)" whose
 * first group ends at the split; regexec() runs with REG_STARTEND, so
 * bytes before the search start give "^" its context and NULs are data.
 */
#include "bsplit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Append a regex to p with \n, \t, \r made the bytes they name, since
 * POSIX regcomp() gives them no meaning. */
static size_t re_append(char *p, const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			char c = s[1] == 'n' ? '\n' : s[1] == 't' ? '\t' :
				 s[1] == 'r' ? '\r' : 0;
			if (c)
				p[n++] = c;
			else {
				p[n++] = s[0];
				p[n++] = s[1];
			}
			s++;
			continue;
		}
		p[n++] = *s;
	}
	return n;
}

/* Compile a user's regex the way --recend, --recstart and --header use
 * it. */
static int re_compile(regex_t *re, const char *s, char *err, size_t errlen)
{
	char *pat = malloc(strlen(s) + 1);
	int e;

	if (!pat)
		return -ENOMEM;
	pat[re_append(pat, s)] = '\0';
	e = regcomp(re, pat, REG_EXTENDED | REG_NEWLINE);
	free(pat);
	if (e) {
		regerror(e, re, err, errlen);
		return -EINVAL;
	}
	return 0;
}

int bsplit_init(struct bsplit *sp, const char *recend, size_t elen,
		const char *recstart, size_t slen, int regexp, char *err,
		size_t errlen)
{
	char *pat = NULL;
	int rc = 0, e;
	size_t n = 0;

	memset(sp, 0, sizeof(*sp));
	sp->regexp = regexp;
	if (!regexp) {
		sp->elen = elen;
		sp->slen = slen;
		sp->both = malloc(sp->elen + sp->slen + 1);
		if (!sp->both)
			return -ENOMEM;
		if (sp->elen)
			memcpy(sp->both, recend, sp->elen);
		if (sp->slen)
			memcpy(sp->both + sp->elen, recstart, sp->slen);
		return 0;
	}
	pat = malloc(2 * ((recend ? strlen(recend) : 0) +
			  (recstart ? strlen(recstart) : 0)) + 8);
	if (!pat)
		return -ENOMEM;
	pat[n++] = '(';
	n += re_append(pat + n, recend ? recend : "");
	pat[n++] = ')';
	pat[n++] = '(';
	n += re_append(pat + n, recstart ? recstart : "");
	pat[n++] = ')';
	pat[n] = '\0';
	e = regcomp(&sp->re, pat, REG_EXTENDED | REG_NEWLINE);
	if (e) {
		regerror(e, &sp->re, err, errlen);
		rc = -EINVAL;
		goto out;
	}
	if (sp->re.re_nsub < 2) {
		regfree(&sp->re);
		snprintf(err, errlen, "unbalanced parentheses");
		rc = -EINVAL;
		goto out;
	}
	sp->have_re = 1;
out:
	free(pat);
	return rc;
}

void bsplit_release(struct bsplit *sp)
{
	free(sp->both);
	if (sp->have_re)
		regfree(&sp->re);
	memset(sp, 0, sizeof(*sp));
}

int bsplit_fwd(const struct bsplit *sp, const char *buf, size_t len,
	       size_t from, size_t floor, int eof, size_t *s, size_t *resume)
{
	size_t blen = sp->elen + sp->slen, i = from;
	regmatch_t m[3];
	const char *p;

	if (!sp->regexp && blen == 0) {
		/* Records end anywhere: every position is a split. */
		i = from > floor ? from : floor;
		if (i <= len) {
			*s = i;
			return 1;
		}
		*resume = from;
		return 0;
	}
	if (!sp->regexp) {
		while (i + blen <= len) {
			p = memmem(buf + i, len - i, sp->both, blen);
			if (!p)
				break;
			i = (size_t)(p - buf);
			if (i + sp->elen >= floor) {
				*s = i + sp->elen;
				return 1;
			}
			i++;
		}
		*resume = len + 1 > blen && len + 1 - blen > from ?
			  len + 1 - blen : from;
		return 0;
	}
	while (i <= len) {
		m[0].rm_so = (regoff_t)i;
		m[0].rm_eo = (regoff_t)len;
		if (regexec(&sp->re, buf, 3, m,
			    REG_STARTEND | (eof ? 0 : REG_NOTEOL)))
			break;
		if ((size_t)m[1].rm_eo >= floor) {
			*s = (size_t)m[1].rm_eo;
			return 1;
		}
		i = (size_t)m[0].rm_so + 1;
	}
	*resume = from;
	return 0;
}

int bsplit_last(const struct bsplit *sp, const char *buf, size_t len,
		size_t lo, size_t *s)
{
	size_t blen = sp->elen + sp->slen, i;
	const char *p;

	if (len < blen)
		return 0;
	i = len - blen + 1;
	while (i > lo) {
		p = memrchr(buf + lo, sp->both[0], i - lo);
		if (!p)
			return 0;
		i = (size_t)(p - buf);
		if (memcmp(p, sp->both, blen) == 0 && i + sp->elen >= 1) {
			*s = i + sp->elen;
			return 1;
		}
	}
	return 0;
}

int bsplit_head(const char *pattern, const char *buf, size_t len, int eof,
		size_t *hlen, char *err, size_t errlen)
{
	regex_t re;
	regmatch_t m[1];
	int rc;

	*hlen = 0;
	rc = re_compile(&re, pattern, err, errlen);
	if (rc)
		return rc;
	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t)len;
	if (regexec(&re, buf ? buf : "", 1, m,
		    REG_STARTEND | (eof ? 0 : REG_NOTEOL)) == 0 &&
	    m[0].rm_so == 0)
		*hlen = (size_t)m[0].rm_eo;
	regfree(&re);
	return 0;
}
