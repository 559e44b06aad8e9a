/*
 * tmplmod: the modifiers of replacement strings, what follows the index or
 * name in {.}, {/}, {//}, {/.}, {2.} and, with --plus, {..}, {+/} and the
 * rest (tmpl.h gives the rules and the edge cases). A modified value is
 * never a copy: it is a substring of its argument, or the constant "." or
 * "/", which is what lets tmpl expansion count bytes before copying them.
 * Used by the tmpl modules; pure functions, safe from any thread.
 * Errors: none; tmplmod_parse() returns -1 for text that is no modifier.
 */
#ifndef LANES_TMPLMOD_H
#define LANES_TMPLMOD_H

#include <stddef.h>

#include "tmpl.h"

enum tmplmod {
	TMPLMOD_NONE,
	TMPLMOD_DOT,		/* {.} */
	TMPLMOD_BASE,		/* {/} */
	TMPLMOD_DIR,		/* {//} */
	TMPLMOD_BASEDOT,	/* {/.} */
	/* --plus */
	TMPLMOD_DOT2,		/* {..} */
	TMPLMOD_DOT3,		/* {...} */
	TMPLMOD_BASEDOT2,	/* {/..} */
	TMPLMOD_BASEDOT3,	/* {/...} */
	TMPLMOD_PDIR,		/* {+/} */
	TMPLMOD_PEXT,		/* {+.} */
	TMPLMOD_PEXT2,		/* {+..} */
	TMPLMOD_PEXT3,		/* {+...} */
};

/*
 * The modifier spelled by p[0..n) ("" is TMPLMOD_NONE; the --plus forms
 * only with plus set), or -1.
 */
int tmplmod_parse(const char *p, size_t n, int plus);

/* Set *pp, *pn to argument a modified by mod (an enum tmplmod). */
void tmplmod_apply(const struct tmpl_arg *a, int mod, const char **pp,
		   size_t *pn);

#endif
