/*
 * sshl: sshlogins, the places a remote run may send jobs, as GNU parallel
 * spells them: "[N/][user@]host[:port]", ':' for this machine, comma
 * lists (-S a,b) and login files (--slf: one login or comma list a line,
 * '#' comments, blank lines ignored, "-" is standard input). Pure parsing;
 * nothing here connects anywhere.
 *
 * A login never reaches ssh as an option: a host or user that starts with
 * '-' is rejected, so a hostile login file cannot smuggle "-oProxyCommand"
 * onto ssh's command line. IPv6 addresses go in brackets, "[::1]:2222".
 *
 * Thread-safety: none inside; a list belongs to one thread at a time.
 * Errors: 0 or -errno; -EINVAL comes with a one-line reason in the
 * caller's err buffer ("invalid sshlogin 'x': ...").
 */
#ifndef LANES_SSHL_H
#define LANES_SSHL_H

#include <stddef.h>

struct sshl {
	char *name;	/* the login without "N/": "user@host:port", ":"
			 * for this machine; what {host} and the job log
			 * show, and what identifies it in a list */
	char *user;	/* NULL when not given */
	char *host;	/* NULL for ':' */
	unsigned port;	/* 0 when not given */
	unsigned slots;	/* "N/", or 0: the host's CPU count */
};

struct sshl_list {
	struct sshl *v;
	size_t n, cap;
};

#define SSHL_LIST_INIT { NULL, 0, 0 }

/* Parse one login s[0..n), surrounding blanks ignored, into *l (which the
 * caller releases with sshl_release()). */
int sshl_parse(struct sshl *l, const char *s, size_t n, char *err,
	       size_t errlen);
void sshl_release(struct sshl *l);

/* 1 for the local machine (':'). */
int sshl_is_local(const struct sshl *l);

/*
 * Add every login of a comma list. A login whose name is already in the
 * list is not added twice; a later "N/" replaces its slots. On error the
 * list keeps the logins added before the bad one.
 */
int sshl_list_add(struct sshl_list *ls, const char *csv, char *err,
		  size_t errlen);

/* Add the logins of a login file's text, line by line; err names the
 * line ("FILE:3: invalid sshlogin ..."), with file as the name. */
int sshl_list_add_text(struct sshl_list *ls, const char *text, size_t n,
		       const char *file, char *err, size_t errlen);

/* Read a login file ("-" is standard input) and add its logins. */
int sshl_list_read(struct sshl_list *ls, const char *path, char *err,
		   size_t errlen);

/* The index of the login named name, or -1. */
long sshl_list_find(const struct sshl_list *ls, const char *name);

void sshl_list_release(struct sshl_list *ls);

#endif
