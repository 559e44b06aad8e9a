#include "remote.h"

#include "clock.h"
#include "ssh.h"
#include "sshl.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

/* A login file watched for changes (not "-"). */
struct watch {
	const char *path;
	struct stat st;		/* as last read; zeroes when missing */
};

struct remote {
	struct ssh_conf conf;
	int have_conf;
	struct remote_opts o;	/* a copy, for the refreshes */
	struct launcher base;	/* sshrun's, watching the login files */
	pthread_mutex_t mu;
	struct ssh_host **hosts;	/* under mu: every host initialised */
	size_t nhosts, hcap;	/* under mu */
	struct ssh_host **up;	/* under mu: the hosts in the run, in the
				 * launcher's order (--filter-hosts
				 * leaves some out) */
	unsigned *slots;	/* under mu: theirs */
	char *retired;		/* under mu: left the login file */
	size_t nup, ucap;	/* under mu */
	struct watch *w;
	size_t nw;
	double next_check;	/* under mu: clock_now() of the next stat */
	int refreshing;		/* under mu: a worker re-reads them */
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
static void open_all(struct ssh_host **h, size_t n)
{
	pthread_t *t = calloc(n, sizeof(*t));
	char *started = calloc(n, 1);
	size_t i;

	for (i = 0; i < n; i++)
		started[i] = t && started &&
			     pthread_create(&t[i], NULL, open_first,
					    h[i]) == 0;
	for (i = 0; i < n; i++) {
		if (started && started[i])
			pthread_join(t[i], NULL);
		else
			ssh_host_master(h[i], 0);
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

/* Room for one more in the host lists; under mu. */
static int room(struct remote *r)
{
	if (r->nhosts == r->hcap) {
		size_t cap = r->hcap ? 2 * r->hcap : 8;
		struct ssh_host **v = realloc(r->hosts, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->hosts = v;
		r->hcap = cap;
	}
	if (r->nup == r->ucap) {
		size_t cap = r->ucap ? 2 * r->ucap : 8;
		struct ssh_host **u = realloc(r->up, cap * sizeof(*u));
		unsigned *sl;
		char *re;

		if (u)
			r->up = u;
		sl = u ? realloc(r->slots, cap * sizeof(*sl)) : NULL;
		if (sl)
			r->slots = sl;
		re = sl ? realloc(r->retired, cap) : NULL;
		if (!re)
			return -ENOMEM;
		r->retired = re;
		r->ucap = cap;
	}
	return 0;
}

/* A new, initialised host for login l, kept in r->hosts. */
static int host_new(struct remote *r, const struct sshl *l,
		    struct ssh_host **out)
{
	struct ssh_host *h = calloc(1, sizeof(*h));
	int rc = h ? 0 : -ENOMEM;

	pthread_mutex_lock(&r->mu);
	if (!rc)
		rc = room(r);
	if (!rc)
		rc = ssh_host_init(h, &r->conf, l, (unsigned)r->nhosts, 1);
	if (!rc)
		r->hosts[r->nhosts++] = h;
	pthread_mutex_unlock(&r->mu);
	if (rc)
		free(h);
	*out = rc ? NULL : h;
	return rc;
}

/* The slots of a host whose first master was opened: "N/", else -j
 * of its CPUs (1 for a host that is down). */
static unsigned host_slots(const struct remote_opts *o, struct ssh_host *h)
{
	unsigned n = h->login.slots;

	if (ssh_host_is_down(h))
		return 1;
	if (!n)
		remote_jobs(o->jobs, (unsigned)ssh_host_ncpu(h), &n);
	return n;
}

/* Every login of -S and the login files; err says what is wrong. */
static int read_logins(const struct remote_opts *o, struct sshl_list *ls,
		       char *err, size_t errlen)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < o->nlogins && !rc; i++)
		rc = sshl_list_add(ls, o->logins[i], err, errlen);
	for (i = 0; i < o->nslfs && !rc; i++) {
		rc = sshl_list_read(ls, o->slfs[i], err, errlen);
		if (rc && rc != -EINVAL)
			snprintf(err, errlen, "cannot read '%s': %s",
				 o->slfs[i], strerror(-rc));
	}
	return rc;
}

/* Note what each watched login file is now; 1 if any changed. */
static int watch_stat(struct remote *r)
{
	int changed = 0;
	size_t i;

	for (i = 0; i < r->nw; i++) {
		struct stat st;

		if (stat(r->w[i].path, &st))
			memset(&st, 0, sizeof(st));
		if (st.st_ino != r->w[i].st.st_ino ||
		    st.st_dev != r->w[i].st.st_dev ||
		    st.st_size != r->w[i].st.st_size ||
		    st.st_mtim.tv_sec != r->w[i].st.st_mtim.tv_sec ||
		    st.st_mtim.tv_nsec != r->w[i].st.st_mtim.tv_nsec)
			changed = 1;
		r->w[i].st = st;
	}
	return changed;
}

/* The login files changed: logins new to the run join it (a host that
 * is down is said and left out, to be tried at the next change), those
 * no longer listed are retired, those listed again come back. */
static void reread(struct remote *r)
{
	const struct remote_opts *o = &r->o;
	struct sshl_list ls = SSHL_LIST_INIT;
	struct ssh_host **join = NULL;
	unsigned *join_slots = NULL;
	char err[512], msg[600], *gone = NULL;
	size_t i, k, njoin = 0, nold;

	if (read_logins(o, &ls, err, sizeof(err))) {
		snprintf(msg, sizeof(msg), "cannot re-read the login file: "
			 "%.500s", err);
		if (o->warn)
			o->warn(o->warn_arg, msg);
		goto out;
	}
	join = calloc(ls.n ? ls.n : 1, sizeof(*join));
	join_slots = calloc(ls.n ? ls.n : 1, sizeof(*join_slots));
	if (!join || !join_slots)
		goto out;
	/* Open the new hosts first (that takes a login each), and change
	 * the run only then, in one go: a host gone from the file must not
	 * take a job while the new ones log in. */
	for (i = 0; i < ls.n; i++) {
		struct ssh_host *h = NULL;
		long found = -1;
		unsigned n;

		pthread_mutex_lock(&r->mu);
		for (k = 0; k < r->nup && found < 0; k++)
			if (!strcmp(r->up[k]->login.name, ls.v[i].name))
				found = (long)k;
		pthread_mutex_unlock(&r->mu);
		if (found >= 0 || host_new(r, &ls.v[i], &h))
			continue;
		ssh_host_master(h, 0);
		if (ssh_host_is_down(h)) {
			ssh_host_reason(h, err, sizeof(err));
			snprintf(msg, sizeof(msg), "host %.100s is down: "
				 "%.300s", h->login.name, err);
			if (o->warn)
				o->warn(o->warn_arg, msg);
			continue;	/* closed with the rest at the end */
		}
		n = host_slots(o, h);
		if (ssh_host_grow(h, sshrun_masters(n, o->files.input)))
			continue;
		join[njoin] = h;
		join_slots[njoin++] = n;
	}
	pthread_mutex_lock(&r->mu);
	nold = r->nup;
	gone = malloc(nold ? nold : 1);
	for (k = 0; gone && k < nold; k++)
		gone[k] = sshl_list_find(&ls, r->up[k]->login.name) < 0;
	/* Room for every joining host in up[], slots[] and retired[]. */
	for (i = 0; gone && i < njoin; i++) {
		if (room(r))
			break;
		r->up[r->nup] = join[i];
		r->slots[r->nup] = join_slots[i];
		r->retired[r->nup++] = 0;
	}
	if (!gone || sshrun_change(r->l, join, join_slots, r->nup - nold,
				   gone, nold))
		r->nup = nold;	/* they stay in hosts[], closed at the end */
	else
		memcpy(r->retired, gone, nold);
	pthread_mutex_unlock(&r->mu);
out:
	free(gone);
	free(join);
	free(join_slots);
	sshl_list_release(&ls);
}

/* Between jobs, at most once a second: did a login file change? */
static void refresh(struct remote *r)
{
	double now;
	int changed;

	if (!r->nw)
		return;
	now = clock_now();
	pthread_mutex_lock(&r->mu);
	if (r->refreshing || now < r->next_check) {
		pthread_mutex_unlock(&r->mu);
		return;
	}
	r->next_check = now + 1.0;
	changed = watch_stat(r);
	r->refreshing = changed;
	pthread_mutex_unlock(&r->mu);
	if (!changed)
		return;
	reread(r);
	pthread_mutex_lock(&r->mu);
	r->refreshing = 0;
	pthread_mutex_unlock(&r->mu);
}

static void idle(void *arg)
{
	refresh(arg);
}

static int rl_run(struct launcher *l, const struct launch_job *j,
		  struct launch_result *res)
{
	struct remote *r = (struct remote *)((char *)l -
					     offsetof(struct remote, base));

	int rc;

	/* Before the job, and after it: a worker that waits for a free
	 * slot does not come by here, the one that frees it does. */
	refresh(r);
	rc = launch_run(r->l, j, res);
	refresh(r);
	return rc;
}

static unsigned rl_signal(struct launcher *l, int sig)
{
	struct remote *r = (struct remote *)((char *)l -
					     offsetof(struct remote, base));

	return launch_signal(r->l, sig);
}

static unsigned rl_running(struct launcher *l)
{
	return rl_signal(l, 0);
}

/* remote_free() frees the real launcher. */
static void rl_free(struct launcher *l)
{
	(void)l;
}

static const struct launcher_ops remote_ops = {
	.run = rl_run,
	.signal = rl_signal,
	.running = rl_running,
	.free = rl_free,
};

int remote_new(struct remote **out, const struct remote_opts *o, char *err,
	       size_t errlen)
{
	struct sshl_list ls = SSHL_LIST_INIT;
	struct sshrun_opts so = o->files;
	struct remote *r;
	size_t i, nup = 0, nh;
	unsigned probe, total = 0;
	int rc = 0;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	pthread_mutex_init(&r->mu, NULL);
	r->o = *o;
	r->w = o->nslfs ? calloc(o->nslfs, sizeof(*r->w)) : NULL;
	if (o->nslfs && !r->w)
		rc = -ENOMEM;
	for (i = 0; i < o->nslfs && !rc; i++)
		if (strcmp(o->slfs[i], "-") != 0)
			r->w[r->nw++].path = o->slfs[i];
	/* Before reading, so that a change made meanwhile is seen. */
	watch_stat(r);
	if (!rc)
		rc = read_logins(o, &ls, err, errlen);
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
	for (i = 0; i < ls.n && !rc; i++) {
		struct ssh_host *h;

		rc = host_new(r, &ls.v[i], &h);
	}
	if (rc)
		goto out;
	nh = r->nhosts;
	open_all(r->hosts, nh);
	for (i = 0; i < nh; i++) {
		struct ssh_host *h = r->hosts[i];
		char why[256];
		unsigned n;

		if (ssh_host_is_down(h)) {
			ssh_host_reason(h, why, sizeof(why));
			say(o, h->login.name, why);
			if (o->filter_hosts) {
				ssh_host_close(h);
				continue;
			}
		} else {
			nup++;
		}
		n = host_slots(o, h);
		rc = ssh_host_grow(h, sshrun_masters(n, o->files.input));
		if (!rc)
			rc = room(r);
		if (rc)
			goto out;
		r->up[r->nup] = h;
		r->retired[r->nup] = 0;
		r->slots[r->nup++] = n;
		total += n;
	}
	if (!nup) {
		snprintf(err, errlen, "no host is up");
		rc = -EHOSTDOWN;
		goto out;
	}
	/* Hosts that join later need workers: room for as many slots
	 * again as the run starts with (at least 8). */
	if (r->nw) {
		so.spare = total < 8 ? 8 : total;
		so.idle = idle;
		so.idle_arg = r;
	}
	rc = sshrun_new(&r->l, r->up, r->slots, r->nup, &so);
	if (rc)
		goto out;
	r->base.ops = &remote_ops;
	r->base.nslots = r->l->nslots;
	r->next_check = clock_now() + 1.0;
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
	return &r->base;
}

int remote_run_on(struct remote *r, size_t host, const struct launch_job *j,
		  struct launch_result *res)
{
	int rc;

	refresh(r);
	rc = sshrun_run_on(r->l, host, j, res);
	refresh(r);
	return rc;
}

size_t remote_nhosts(struct remote *r)
{
	size_t n;

	pthread_mutex_lock(&r->mu);
	n = r->nup;
	pthread_mutex_unlock(&r->mu);
	return n;
}

const char *remote_host_name(struct remote *r, size_t i)
{
	const char *name;

	pthread_mutex_lock(&r->mu);
	name = r->up[i]->login.name;
	pthread_mutex_unlock(&r->mu);
	return name;
}

unsigned remote_host_slots(struct remote *r, size_t i)
{
	unsigned n;

	pthread_mutex_lock(&r->mu);
	n = r->slots[i];
	pthread_mutex_unlock(&r->mu);
	return n;
}

int remote_host_retired(struct remote *r, size_t i)
{
	int re;

	pthread_mutex_lock(&r->mu);
	re = r->retired[i];
	pthread_mutex_unlock(&r->mu);
	return re;
}

void remote_shutdown(struct remote *r)
{
	size_t i;

	for (i = 0; i < r->nhosts; i++)
		ssh_host_close(r->hosts[i]);
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
	for (i = 0; i < r->nhosts; i++) {
		ssh_host_close(r->hosts[i]);
		free(r->hosts[i]);
	}
	free(r->hosts);
	free(r->up);
	free(r->slots);
	free(r->retired);
	free(r->w);
	if (r->have_conf)
		ssh_conf_release(&r->conf);
	pthread_mutex_destroy(&r->mu);
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
