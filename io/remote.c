#include "remote.h"

#include "ssh.h"
#include "sshl.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct remote {
	struct ssh_conf conf;
	int have_conf;
	struct ssh_host *hosts;
	size_t nhosts;		/* initialised hosts */
	struct ssh_host **up;	/* the hosts in the run (--filter-hosts
				 * leaves some out) */
	unsigned *slots;	/* theirs */
	size_t nup;
	struct launcher *l;
};

/* A decimal number from 0 to 100000, digits only: 0 or -EINVAL. */
static int num(const char *s, long long *v)
{
	size_t i;

	*v = 0;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 6)
			return -EINVAL;
		*v = *v * 10 + (s[i] - '0');
	}
	return i && *v <= 100000 ? 0 : -EINVAL;
}

int remote_jobs(const char *spec, unsigned ncpu, unsigned *out)
{
	size_t n = spec ? strlen(spec) : 0;
	long long v, j;
	char buf[32];

	if (!spec) {
		*out = ncpu ? ncpu : 1;
		return 0;
	}
	if (n && n < sizeof(buf) && spec[n - 1] == '%') {
		memcpy(buf, spec, n - 1);
		buf[n - 1] = '\0';
		if (num(buf, &v) || v < 1)
			return -EINVAL;
		j = (long long)ncpu * v / 100;
	} else if (spec[0] == '+' || spec[0] == '-') {
		if (spec[1] == '+' || spec[1] == '-' ||
		    num(spec + 1, &v))
			return -EINVAL;
		j = spec[0] == '+' ? (long long)ncpu + v :
				     (long long)ncpu - v;
	} else {
		if (num(spec, &v))
			return -EINVAL;
		j = v ? v : 4 * SSH_MASTER_JOBS;
	}
	*out = j < 1 ? 1 : (unsigned)j;
	return 0;
}

static void *open_first(void *arg)
{
	ssh_host_master(arg, 0);
	return NULL;
}

/* Open master 0 of every host at once. */
static void open_all(struct ssh_host *h, size_t n)
{
	pthread_t *t = calloc(n, sizeof(*t));
	char *started = calloc(n, 1);
	size_t i;

	for (i = 0; i < n; i++)
		started[i] = t && started &&
			     pthread_create(&t[i], NULL, open_first,
					    &h[i]) == 0;
	for (i = 0; i < n; i++) {
		if (started && started[i])
			pthread_join(t[i], NULL);
		else
			ssh_host_master(&h[i], 0);
	}
	free(t);
	free(started);
}

/* "host NAME is down: WHY" (or "is left out" with --filter-hosts). */
static void say(const struct remote_opts *o, const char *name,
		const char *why)
{
	char msg[512];

	if (!o->warn)
		return;
	snprintf(msg, sizeof(msg), "host %.100s is %s: %.300s", name,
		 o->filter_hosts ? "left out" : "down", why);
	o->warn(o->warn_arg, msg);
}

int remote_new(struct remote **out, const struct remote_opts *o, char *err,
	       size_t errlen)
{
	struct sshl_list ls = SSHL_LIST_INIT;
	struct remote *r;
	size_t i, k, nup = 0;
	unsigned probe;
	int rc = 0;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0; i < o->nlogins && !rc; i++)
		rc = sshl_list_add(&ls, o->logins[i], err, errlen);
	for (i = 0; i < o->nslfs && !rc; i++) {
		rc = sshl_list_read(&ls, o->slfs[i], err, errlen);
		if (rc && rc != -EINVAL)
			snprintf(err, errlen, "cannot read '%s': %s",
				 o->slfs[i], strerror(-rc));
	}
	if (!rc && ls.n == 0) {
		snprintf(err, errlen, "no sshlogin given");
		rc = -EINVAL;
	}
	if (!rc && o->jobs && remote_jobs(o->jobs, 1, &probe)) {
		snprintf(err, errlen, "invalid number of jobs '%s' (want N, "
			 "N%%, +N, -N or 0)", o->jobs);
		rc = -EINVAL;
	}
	if (!rc) {
		rc = ssh_conf_init(&r->conf, o->ssh, err, errlen);
		r->have_conf = !rc;
	}
	if (!rc) {
		r->hosts = calloc(ls.n, sizeof(*r->hosts));
		r->up = calloc(ls.n, sizeof(*r->up));
		r->slots = calloc(ls.n, sizeof(*r->slots));
		if (!r->hosts || !r->up || !r->slots)
			rc = -ENOMEM;
	}
	for (i = 0; i < ls.n && !rc; i++) {
		rc = ssh_host_init(&r->hosts[i], &r->conf, &ls.v[i],
				   (unsigned)i, 1);
		if (!rc)
			r->nhosts++;
	}
	if (rc)
		goto out;
	open_all(r->hosts, r->nhosts);
	for (i = 0, k = 0; i < r->nhosts; i++) {
		struct ssh_host *h = &r->hosts[i];
		char why[256];
		unsigned n;

		if (ssh_host_is_down(h)) {
			ssh_host_reason(h, why, sizeof(why));
			say(o, h->login.name, why);
			if (o->filter_hosts) {
				ssh_host_close(h);
				continue;
			}
			n = 1;
		} else {
			nup++;
			n = h->login.slots;
			if (!n)
				remote_jobs(o->jobs,
					    (unsigned)ssh_host_ncpu(h), &n);
		}
		rc = ssh_host_grow(h, sshrun_masters(n));
		if (rc)
			goto out;
		r->up[k] = h;
		r->slots[k++] = n;
	}
	r->nup = k;
	if (!nup) {
		snprintf(err, errlen, "no host is up");
		rc = -EHOSTDOWN;
		goto out;
	}
	rc = sshrun_new(&r->l, r->up, r->slots, r->nup, &o->files);
out:
	sshl_list_release(&ls);
	if (rc) {
		remote_free(r);
		r = NULL;
	}
	*out = r;
	return rc;
}

struct launcher *remote_launcher(struct remote *r)
{
	return r->l;
}

size_t remote_nhosts(const struct remote *r)
{
	return r->nup;
}

const char *remote_host_name(const struct remote *r, size_t i)
{
	return r->up[i]->login.name;
}

unsigned remote_host_slots(const struct remote *r, size_t i)
{
	return r->slots[i];
}

void remote_shutdown(struct remote *r)
{
	size_t i;

	for (i = 0; i < r->nhosts; i++)
		ssh_host_close(&r->hosts[i]);
	if (r->have_conf)
		ssh_conf_release(&r->conf);
	r->have_conf = 0;
}

void remote_free(struct remote *r)
{
	size_t i;

	if (!r)
		return;
	launch_free(r->l);
	for (i = 0; i < r->nhosts; i++)
		ssh_host_close(&r->hosts[i]);
	free(r->hosts);
	free(r->up);
	free(r->slots);
	if (r->have_conf)
		ssh_conf_release(&r->conf);
	free(r);
}

int remote_names_parse(struct remote_names *rn, const char *const *pats,
		       size_t n, const char *replstr, char *err,
		       size_t errlen)
{
	size_t i;
	int rc = 0;

	rn->n = 0;
	rn->t = n ? calloc(n, sizeof(*rn->t)) : NULL;
	if (n && !rn->t)
		return -ENOMEM;
	for (i = 0; i < n && !rc; i++) {
		char *w[1] = { (char *)pats[i] };

		rc = tmpl_parse(&rn->t[i], w, 1, replstr, TMPL_RAW, err,
				errlen);
		if (!rc)
			rn->n++;
	}
	if (rc)
		remote_names_release(rn);
	return rc;
}

int remote_names_expand(const struct remote_names *rn,
			const struct tmpl_job *tj, struct buf *out)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < rn->n && !rc; i++) {
		struct tmpl_cmd c;

		rc = tmpl_expand(rn->t[i], tj, &c, 0);
		if (!rc && c.shell.len == 0)
			rc = -EINVAL;
		if (!rc && memchr(buf_str(&c.shell), '\0', c.shell.len))
			rc = -EILSEQ;
		if (!rc)
			rc = buf_add(out, buf_str(&c.shell), c.shell.len + 1);
		tmpl_cmd_release(&c);
	}
	return rc;
}

void remote_names_release(struct remote_names *rn)
{
	size_t i;

	for (i = 0; i < rn->n; i++)
		tmpl_free(rn->t[i]);
	free(rn->t);
	rn->t = NULL;
	rn->n = 0;
}
