/*
 * tmplmod: the modifiers of replacement strings. Each finds its substring
 * with memrchr() from the end of the value, so it costs no more than the
 * part of the value it looks at, and copies nothing.
 */
#include "tmplmod.h"

#include <string.h>

/* Offset of the basename: just after the last '/'. */
static size_t base_off(const char *p, size_t n)
{
	const char *s = n ? memrchr(p, '/', n) : NULL;

	return s ? (size_t)(s - p) + 1 : 0;
}

/* Length of p[0..n) without its extension (see tmpl.h for the rules). */
static size_t strip_ext(const char *p, size_t n)
{
	size_t b = base_off(p, n);
	const char *dot, *q;

	dot = n > b ? memrchr(p + b, '.', n - b) : NULL;
	if (!dot)
		return n;
	for (q = p + b; q < dot; q++) {
		if (*q != '.')
			return (size_t)(dot - p);
	}
	return n;
}

/*
 * Length of p[0..n) without its last count (2 or 3) extensions, as GNU
 * parallel's {..} and {...}: each must be a non-empty run of non-dots, and
 * the name left must not be only dots; otherwise nothing is removed.
 */
static size_t strip_exts(const char *p, size_t n, int count)
{
	size_t b = base_off(p, n), end = n;
	const char *dot, *q;

	for (int i = 0; i < count; i++) {
		dot = end > b ? memrchr(p + b, '.', end - b) : NULL;
		if (!dot || (size_t)(dot - p) + 1 == end)
			return n;
		end = (size_t)(dot - p);
	}
	for (q = p + b; q < p + end; q++)
		if (*q != '.')
			return end;
	return n;
}

/* dirname(1): a prefix of p, or "." or "/". */
static void dir_of(const char **pp, size_t *pn)
{
	const char *p = *pp, *s;
	size_t n = *pn;

	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n == 0) {
		*pp = *pn ? "/" : ".";
		*pn = 1;
		return;
	}
	s = memrchr(p, '/', n);
	if (!s) {
		*pp = ".";
		*pn = 1;
		return;
	}
	n = (size_t)(s - p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n == 0) {
		*pp = "/";
		n = 1;
	}
	*pn = n;
}

void tmplmod_apply(const struct tmpl_arg *a, int mod, const char **pp,
		   size_t *pn)
{
	const char *p = a->p;
	size_t n = a->len, b;

	switch (mod) {
	case TMPLMOD_DOT:
		n = strip_ext(p, n);
		break;
	case TMPLMOD_BASE:
	case TMPLMOD_BASEDOT:
		b = base_off(p, n);
		p += b;
		n -= b;
		if (mod == TMPLMOD_BASEDOT)
			n = strip_ext(p, n);
		break;
	case TMPLMOD_DIR:
		dir_of(&p, &n);
		break;
	case TMPLMOD_DOT2:
	case TMPLMOD_DOT3:
		n = strip_exts(p, n, mod == TMPLMOD_DOT2 ? 2 : 3);
		break;
	case TMPLMOD_BASEDOT2:
	case TMPLMOD_BASEDOT3:
		b = base_off(p, n);
		p += b;
		n = strip_exts(p, n - b, mod == TMPLMOD_BASEDOT2 ? 2 : 3);
		break;
	case TMPLMOD_PDIR:
		/* What precedes the last '/', or nothing. */
		b = base_off(p, n);
		n = b ? b - 1 : 0;
		break;
	case TMPLMOD_PEXT:
	case TMPLMOD_PEXT2:
	case TMPLMOD_PEXT3:
		/* What {.}, {..} or {...} removes, without its first dot. */
		b = mod == TMPLMOD_PEXT ? strip_ext(p, n) :
			strip_exts(p, n, mod == TMPLMOD_PEXT2 ? 2 : 3);
		p += b < n ? b + 1 : n;
		n = b < n ? n - b - 1 : 0;
		break;
	}
	*pp = p;
	*pn = n;
}

/* The --plus modifiers, in the order of enum tmplmod from TMPLMOD_DOT2. */
static const char *const plus_mods[] = {
	"..", "...", "/..", "/...", "+/", "+.", "+..", "+...",
};

/* The modifier spelled by p[0..n), or -1. */
int tmplmod_parse(const char *p, size_t n, int plus)
{
	size_t i;

	if (n == 0)
		return TMPLMOD_NONE;
	for (i = 0; plus && i < sizeof plus_mods / sizeof *plus_mods; i++)
		if (strlen(plus_mods[i]) == n && !memcmp(p, plus_mods[i], n))
			return TMPLMOD_DOT2 + (int)i;
	if (n == 1 && p[0] == '.')
		return TMPLMOD_DOT;
	if (n == 1 && p[0] == '/')
		return TMPLMOD_BASE;
	if (n == 2 && p[0] == '/' && p[1] == '/')
		return TMPLMOD_DIR;
	if (n == 2 && p[0] == '/' && p[1] == '.')
		return TMPLMOD_BASEDOT;
	return -1;
}
