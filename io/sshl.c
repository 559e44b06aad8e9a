#include "sshl.h"

#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, const char *s, size_t n,
		const char *why)
{
	if (errlen)
		snprintf(err, errlen, "invalid sshlogin '%.*s': %s",
			 (int)(n > 200 ? 200 : n), s, why);
	return -EINVAL;
}

/* A decimal number in [lo, hi] made of digits only; -1 otherwise. */
static long digits(const char *s, size_t n, long lo, long hi)
{
	long v = 0;
	size_t i;

	if (n == 0 || n > 9)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v < lo || v > hi ? -1 : v;
}

/* Bytes a host or user name may not hold: blanks, controls, and the
 * characters that would change what ssh or a shell reads. */
static int bad_char(unsigned char c)
{
	return c <= ' ' || c == 0x7f || strchr("'\"\\`$;&|<>()*?,/", c);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int sshl_parse(struct sshl *l, const char *s, size_t n, char *err,
	       size_t errlen)
{
	const char *p, *end, *at, *hs, *he, *colon = NULL;
	struct buf name = BUF_INIT;
	long v;
	size_t i;
	int rc = 0, bracket = 0;

	memset(l, 0, sizeof(*l));
	while (n && is_blank(*s)) {
		s++;
		n--;
	}
	while (n && is_blank(s[n - 1]))
		n--;
	p = s;
	end = s + n;
	if (n == 0)
		return fail(err, errlen, s, n, "empty");
	for (i = 0; i < n; i++)
		if (s[i] == '/')
			break;
	if (i < n) {
		v = digits(s, i, 1, 100000);
		if (v < 0)
			return fail(err, errlen, s, n,
				    "job slots before '/' must be a number "
				    "from 1 to 100000");
		l->slots = (unsigned)v;
		p = s + i + 1;
	}
	if (end - p == 1 && *p == ':') {
		l->name = strdup(":");
		return l->name ? 0 : -ENOMEM;
	}
	at = memchr(p, '@', (size_t)(end - p));
	hs = at ? at + 1 : p;
	if (hs < end && *hs == '[') {
		he = memchr(hs, ']', (size_t)(end - hs));
		if (!he)
			return fail(err, errlen, s, n, "no ']' after '['");
		hs++;
		bracket = 1;
		if (he + 1 < end) {
			if (he[1] != ':')
				return fail(err, errlen, s, n,
					    "junk after ']'");
			colon = he + 1;
		}
	} else {
		colon = memchr(hs, ':', (size_t)(end - hs));
		he = colon ? colon : end;
	}
	if (at && at == p)
		return fail(err, errlen, s, n, "empty user name");
	if (he == hs)
		return fail(err, errlen, s, n, "no host");
	if (*hs == '-' || (at && *p == '-'))
		return fail(err, errlen, s, n, "it starts with '-'");
	for (i = 0; p + i < (at ? at : p); i++)
		if (bad_char((unsigned char)p[i]) || p[i] == '@')
			return fail(err, errlen, s, n,
				    "bad character in user name");
	for (i = 0; hs + i < he; i++)
		if (bad_char((unsigned char)hs[i]) || hs[i] == '@' ||
		    (!bracket && (hs[i] == '[' || hs[i] == ']')))
			return fail(err, errlen, s, n,
				    "bad character in host name");
	if (colon) {
		v = digits(colon + 1, (size_t)(end - colon - 1), 1, 65535);
		if (v < 0)
			return fail(err, errlen, s, n,
				    "port must be a number from 1 to 65535");
		l->port = (unsigned)v;
	}
	l->host = strndup(hs, (size_t)(he - hs));
	if (at)
		l->user = strndup(p, (size_t)(at - p));
	if (!l->host || (at && !l->user))
		rc = -ENOMEM;
	if (!rc)
		rc = buf_add(&name, p, (size_t)(end - p));
	if (rc) {
		buf_release(&name);
		sshl_release(l);
		return rc;
	}
	l->name = buf_detach(&name, NULL);
	return 0;
}

void sshl_release(struct sshl *l)
{
	free(l->name);
	free(l->user);
	free(l->host);
	memset(l, 0, sizeof(*l));
}

int sshl_is_local(const struct sshl *l)
{
	return l->host == NULL;
}

long sshl_list_find(const struct sshl_list *ls, const char *name)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		if (strcmp(ls->v[i].name, name) == 0)
			return (long)i;
	return -1;
}

static int list_put(struct sshl_list *ls, struct sshl *l)
{
	long k = sshl_list_find(ls, l->name);

	if (k >= 0) {
		if (l->slots)
			ls->v[k].slots = l->slots;
		sshl_release(l);
		return 0;
	}
	if (ls->n == ls->cap) {
		size_t cap = ls->cap ? ls->cap * 2 : 8;
		struct sshl *v = realloc(ls->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ls->v = v;
		ls->cap = cap;
	}
	ls->v[ls->n++] = *l;
	return 0;
}

static int add_csv(struct sshl_list *ls, const char *s, size_t n, char *err,
		   size_t errlen)
{
	const char *end = s + n;
	int rc = 0;

	while (s < end && !rc) {
		const char *c = memchr(s, ',', (size_t)(end - s));
		const char *e = c ? c : end;
		struct sshl l;

		rc = sshl_parse(&l, s, (size_t)(e - s), err, errlen);
		if (!rc)
			rc = list_put(ls, &l);
		s = c ? c + 1 : end;
	}
	return rc;
}

int sshl_list_add(struct sshl_list *ls, const char *csv, char *err,
		  size_t errlen)
{
	return add_csv(ls, csv, strlen(csv), err, errlen);
}

int sshl_list_add_text(struct sshl_list *ls, const char *text, size_t n,
		       const char *file, char *err, size_t errlen)
{
	const char *end = text + n, *p = text;
	unsigned line = 0;
	int rc = 0;

	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *q = p;
		char why[256];

		line++;
		while (q < e && is_blank(*q))
			q++;
		if (q < e && *q != '#') {
			if (memchr(q, '\0', (size_t)(e - q))) {
				snprintf(why, sizeof(why), "NUL byte");
				rc = -EINVAL;
			} else {
				rc = add_csv(ls, q, (size_t)(e - q), why,
					     sizeof(why));
			}
			if (rc == -EINVAL && errlen)
				snprintf(err, errlen, "%s:%u: %s", file, line,
					 why);
		}
		p = nl ? nl + 1 : end;
	}
	return rc;
}

int sshl_list_read(struct sshl_list *ls, const char *path, char *err,
		   size_t errlen)
{
	struct buf b = BUF_INIT;
	int fd = 0, rc = 0;
	char chunk[8192];
	ssize_t r;

	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		rc = buf_add(&b, chunk, (size_t)r);
		if (rc)
			goto out;
	}
	rc = sshl_list_add_text(ls, buf_str(&b), b.len,
				strcmp(path, "-") ? path : "(stdin)", err,
				errlen);
out:
	if (fd > 0)
		close(fd);
	buf_release(&b);
	return rc;
}

void sshl_list_release(struct sshl_list *ls)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		sshl_release(&ls->v[i]);
	free(ls->v);
	ls->v = NULL;
	ls->n = ls->cap = 0;
}
