/*
 * DESIGN: one mutex (mu) guards the slot accounting of every host and
 * the table of running jobs; it is never held while spawning, pumping
 * output or waiting for ssh. A worker takes a slot on a host (acquire),
 * opens the host's master if it is the first user, and gives the slot
 * back when its job is over (release), waking any worker whose own host
 * is down or full. Lock order: mu, then a host's own mutex (inside the
 * ssh_host_*() calls); never the other way.
 *
 * Each running job's entry holds the write end of its ssh's standard
 * input, non-blocking: launch_signal() writes one line per job under mu
 * and can never block there (a line is a few bytes; the pipe holds 64K).
 * The entry is cleared before that descriptor is closed, and the
 * descriptor is closed only after ssh exited, because its EOF is what
 * tells the remote wrapper to kill the job.
 *
 * A job with input (--pipe) has the job's stdin as its ssh's, so the
 * signal lines take a second session on the same master, started once
 * the wrapper made the FIFO they go to; the same pipe feeds it, and is
 * closed the same way. A master then carries half as many jobs.
 */
#include "sshrun.h"

#include "clock.h"
#include "sshx.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct rhost {
	struct ssh_host *h;
	unsigned slots;
	unsigned first;		/* its first worker slot, 1-based */
	size_t nm;		/* masters */
	unsigned busy;		/* under mu */
	unsigned *active;	/* under mu: sessions per master */
	int bf;			/* under mu: basefiles 0 not sent, 1 being
				 * sent, 2 sent */
	int reported;		/* under mu: its failure was told */
	int retired;		/* under mu: takes no new job (it left the
				 * login file); pinned jobs still run */
};

struct rjob {
	int ctl;		/* under mu: ssh's stdin, -1 when idle */
	int killed;		/* under mu: KILL was sent */
};

struct sshrun {
	struct launcher base;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct rhost **hs;	/* under mu once running: sshrun_change()
				 * grows it; each entry stays put */
	size_t n, cap;		/* under mu */
	unsigned next_first;	/* under mu: the next new host's first
				 * worker slot */
	unsigned long long ticket, serving;	/* under mu: the order in
				 * which unpinned jobs get slots */
	struct rjob *jobs;	/* [1..nslots] */
	int stopsig;		/* under mu */
	struct sshrun_opts o;
};

size_t sshrun_masters(unsigned slots, int input)
{
	unsigned per = input ? SSH_MASTER_JOBS / 2 : SSH_MASTER_JOBS;

	return slots ? (slots + per - 1) / per : 1;
}

static int is_local(const struct rhost *rh)
{
	return rh->h->login.host == NULL;
}

/* The host worker slot s belongs to, or NULL (a spare slot); under mu. */
static struct rhost *own_host(const struct sshrun *L, unsigned s)
{
	size_t i;

	for (i = 0; i < L->n; i++)
		if (s >= L->hs[i]->first &&
		    s - L->hs[i]->first < L->hs[i]->slots)
			return L->hs[i];
	return NULL;
}

static int usable(const struct rhost *rh)
{
	return !rh->retired && !ssh_host_is_down(rh->h);
}

/*
 * Take a slot for worker slot s: its own host if it can, else the
 * usable host with most free slots. With pin, on that host only.
 * Unpinned jobs take slots in the order they asked (a ticket each), so
 * jobs waiting for a slot (a host down, spare workers) start in the
 * order they came here rather than in whatever order their workers
 * wake. Workers reach this in about input order, not exactly: job 3 may
 * ask before job 1 does.
 */
static int acquire(struct sshrun *L, unsigned s, struct rhost *pin,
		   struct rhost **out, size_t *mi)
{
	struct rhost *own, *best;
	unsigned long long my = 0;
	size_t i, k;
	int rc = 0;

	pthread_mutex_lock(&L->mu);
	own = pin ? pin : own_host(L, s);
	if (!pin)
		my = L->ticket++;
	for (;;) {
		size_t up = 0;
		int mine;

		best = NULL;
		if (pin && ssh_host_is_down(pin->h)) {
			rc = -EHOSTDOWN;
			goto out;
		}
		if (pin && pin->busy < pin->slots)
			best = pin;
		if (!pin && own && usable(own) && own->busy < own->slots)
			best = own;
		mine = best != NULL;
		for (i = 0; i < L->n && !mine && !pin; i++) {
			struct rhost *rh = L->hs[i];

			if (!usable(rh))
				continue;
			up++;
			if (rh->busy < rh->slots &&
			    (!best || rh->slots - rh->busy >
				      best->slots - best->busy))
				best = rh;
		}
		if (best && (pin || my == L->serving))
			break;
		if (!pin && !up && !best && my == L->serving) {
			rc = -EHOSTDOWN;
			goto out;
		}
		if (!L->o.idle) {
			pthread_cond_wait(&L->cv, &L->mu);
			continue;
		}
		/* A host may join while every worker waits here. */
		if (clock_timedwait(&L->cv, &L->mu, clock_now() + 1.0) ==
		    ETIMEDOUT) {
			pthread_mutex_unlock(&L->mu);
			L->o.idle(L->o.idle_arg);
			pthread_mutex_lock(&L->mu);
		}
	}
	best->busy++;
	for (k = 0, i = 1; i < best->nm; i++)
		if (best->active[i] < best->active[k])
			k = i;
	best->active[k]++;
	*out = best;
	*mi = k;
out:
	if (!pin) {
		L->serving++;
		pthread_cond_broadcast(&L->cv);
	}
	pthread_mutex_unlock(&L->mu);
	return rc;
}

static void release(struct sshrun *L, struct rhost *rh, size_t mi)
{
	pthread_mutex_lock(&L->mu);
	rh->busy--;
	rh->active[mi]--;
	pthread_cond_broadcast(&L->cv);
	pthread_mutex_unlock(&L->mu);
}

/* The host failed under a job: say why once per host. */
static void host_failed(struct sshrun *L, struct rhost *rh,
			struct launch_result *res)
{
	char why[256];
	int first;

	res->host_failed = 1;
	ssh_host_reason(rh->h, why, sizeof(why));
	pthread_mutex_lock(&L->mu);
	first = !rh->reported;
	rh->reported = 1;
	pthread_cond_broadcast(&L->cv);
	pthread_mutex_unlock(&L->mu);
	if (first)
		snprintf(res->msg, sizeof(res->msg), "host %.60s is down: %.180s",
			 rh->h->login.name, why);
}

static void all_down(struct sshrun *L, struct launch_result *res)
{
	struct rhost *rh = NULL;
	char why[200];
	size_t i;

	pthread_mutex_lock(&L->mu);
	for (i = 0; i < L->n && !rh; i++)
		if (ssh_host_is_down(L->hs[i]->h))
			rh = L->hs[i];
	pthread_mutex_unlock(&L->mu);
	if (!rh) {
		snprintf(res->msg, sizeof(res->msg), "no host is up (every "
			 "host left the login file)");
		return;
	}
	ssh_host_reason(rh->h, why, sizeof(why));
	snprintf(res->msg, sizeof(res->msg), "no host is up (%.60s: %.160s)",
		 rh->h->login.name, why);
}

/* Send one signal line to slot s's job, under mu. */
static int send_locked(struct sshrun *L, unsigned s, int sig)
{
	const char *name = sshw_signame(sig);
	char line[16];
	int n;

	if (L->jobs[s].ctl < 0)
		return 0;
	if (!name)
		name = "TERM";
	n = snprintf(line, sizeof(line), "%s\n", name);
	if (write(L->jobs[s].ctl, line, (size_t)n) < 0)
		return 0;
	if (sig == SIGKILL)
		L->jobs[s].killed = 1;
	return 1;
}

static void send_sig(struct sshrun *L, unsigned s, int sig)
{
	pthread_mutex_lock(&L->mu);
	send_locked(L, s, sig);
	pthread_mutex_unlock(&L->mu);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Output of a job that is not captured: straight to lanes' own. */
static int fd_sink(void *ctx, int stream, const char *p, size_t n)
{
	(void)ctx;
	return write_all(stream, p, n);
}

struct sctx {
	struct sshw_tail tail;
	const struct launch_job *j;
	/* A job with input: its control session (sshw_ctl()). */
	struct ssh_host *h;
	size_t mi;
	int ctl_in;		/* the control's stdin until it starts */
	struct proc ctl;	/* pid -1 until started */
};

/*
 * The wrapper of a job with input made its FIFO: start the session that
 * carries the signal lines to it. Lines written before now wait in the
 * pipe. If it cannot start, signals do not reach the job (lanes' own
 * stop still ends the job's ssh); the job's stderr says why, as it
 * would show ssh's own complaint.
 */
static int start_control(struct sctx *c, spawn_sink *sink, void *ctx)
{
	struct buf remote = BUF_INIT;
	char **argv = NULL;
	int rc, null;

	rc = sshw_ctl(&remote, c->h->conf->token, c->tail.pid);
	if (!rc)
		rc = ssh_host_argv(c->h, c->mi, buf_str(&remote), &argv);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (!rc && null < 0)
		rc = -errno;
	if (!rc)
		rc = ssh_spawn(&c->ctl.pid, argv, c->h->conf->envp, c->ctl_in,
			       null, -1);
	if (null >= 0)
		close(null);
	close(c->ctl_in);
	c->ctl_in = -1;
	ssh_argv_free(argv);
	buf_release(&remote);
	if (rc) {
		char msg[200];
		int n = snprintf(msg, sizeof(msg), "lanes: cannot start the "
				 "session for the job's signals on %.60s: %s\n",
				 c->h->login.name, strerror(-rc));

		c->ctl.pid = -1;
		return sink(ctx, 2, msg, n < (int)sizeof(msg) ? (size_t)n :
			    sizeof(msg) - 1);
	}
	return 0;
}

/*
 * After the job's own session ended: the control session has nothing
 * left to carry. Waiting for it to see the lines' EOF would cost every
 * job a round trip, so its local ssh goes at once; the master then
 * closes the channel, which the remote side takes as that same EOF (a
 * job still running there, after its own ssh was killed, is stopped by
 * its wrapper). SIGKILL, so that ssh says nothing of it on our stderr.
 */
static void end_control(struct sctx *c)
{
	int st;

	if (c->ctl_in >= 0)
		close(c->ctl_in);
	c->ctl_in = -1;
	if (c->ctl.pid < 0)
		return;
	kill(-c->ctl.pid, SIGKILL);
	spawn_wait(&c->ctl, &st);
}

static int job_sink(void *ctx, int stream, const char *p, size_t n)
{
	struct sctx *c = ctx;
	spawn_sink *inner = c->j->capture ? c->j->sink : fd_sink;
	void *ictx = c->j->capture ? c->j->ctx : NULL;
	int rc;

	if (stream != 2)
		return inner(ictx, 1, p, n);
	rc = sshw_tail_feed(&c->tail, p, n, inner, ictx, 2);
	if (!rc && c->tail.ready && c->ctl_in >= 0)
		rc = start_control(c, inner, ictx);
	return rc;
}

/*
 * Walk the termseq over the remote job by naming signals to its wrapper,
 * draining output meanwhile, then KILL; a session that still does not
 * end (a hung connection) loses its local ssh.
 */
static void terminate(struct sshrun *L, unsigned s, struct proc *pr,
		      struct sctx *c, const struct termseq *ts)
{
	static const struct termseq def = {
		.sig = { SIGTERM }, .wait = { 0.2 }, .n = 1,
	};
	size_t k;

	if (!ts || !ts->n)
		ts = &def;
	for (k = 0; k <= ts->n; k++) {
		int sig = k < ts->n ? ts->sig[k] : SIGKILL;
		double until = clock_now() + (k < ts->n ? ts->wait[k] : 10);
		int rc;

		send_sig(L, s, sig);
		if (pr->out >= 0 || pr->err >= 0) {
			rc = spawn_pump(pr, job_sink, c, until);
			if (rc == -ETIMEDOUT)
				continue;
			if (rc < 0)
				spawn_close(pr);
		}
		if (spawn_wait_exit(pr, until) == 0)
			return;
	}
	kill(-pr->pid, SIGKILL);
	spawn_close(pr);
}

/* Run the job's command line on rh over master mi; fills res. 1 if the
 * host was lost under it. */
static int session(struct sshrun *L, struct rhost *rh, size_t mi,
		   const struct launch_job *j, const char *cmd,
		   struct launch_result *res)
{
	struct buf remote = BUF_INIT;
	struct proc pr = { -1, -1, -1, -1, NULL };
	struct sctx c;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	char **argv = NULL;
	int rc, st = 0, lost = 0, killed, input = j->stdin_fd >= 0;
	unsigned s = j->slot;

	sshw_tail_init(&c.tail, rh->h->conf->token);
	c.j = j;
	c.h = rh->h;
	c.mi = mi;
	c.ctl_in = -1;
	c.ctl = (struct proc){ -1, -1, -1, -1, NULL };
	rc = sshw_wrap(&remote, rh->h->conf->token, j->termseq, cmd,
		       input);
	if (!rc)
		rc = ssh_host_argv(rh->h, mi, buf_str(&remote), &argv);
	if (!rc && (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) ||
		    pipe2(err, O_CLOEXEC) ||
		    fcntl(in[1], F_SETFL, O_NONBLOCK)))
		rc = -errno;
	if (!rc)
		rc = ssh_spawn(&pr.pid, argv, rh->h->conf->envp,
			       input ? j->stdin_fd : in[0], out[1], err[1]);
	if (rc) {
		snprintf(res->msg, sizeof(res->msg), "cannot run '%s': %s",
			 argv ? argv[0] : "ssh", strerror(-rc));
		goto out;
	}
	res->pid = pr.pid;
	if (input)
		c.ctl_in = in[0];	/* for the control session */
	else
		close(in[0]);
	close(out[1]);
	close(err[1]);
	in[0] = out[1] = err[1] = -1;
	pr.out = out[0];
	pr.err = err[0];
	out[0] = err[0] = -1;
	pthread_mutex_lock(&L->mu);
	L->jobs[s].ctl = in[1];
	L->jobs[s].killed = 0;
	if (L->stopsig)
		send_locked(L, s, L->stopsig);
	pthread_mutex_unlock(&L->mu);

	rc = spawn_pump(&pr, job_sink, &c, j->timeout > 0 ?
			clock_now() + j->timeout : 0);
	if (rc == -ETIMEDOUT) {
		res->timed_out = 1;
		terminate(L, s, &pr, &c, j->termseq);
	} else if (rc < 0) {
		res->stopped = 1;
		spawn_close(&pr);
		terminate(L, s, &pr, &c, j->termseq);
	}
	rc = 0;
	if (!res->stopped)
		sshw_tail_end(&c.tail, job_sink, &c, 2);
	spawn_close(&pr);
	spawn_wait(&pr, &st);
	pthread_mutex_lock(&L->mu);
	killed = L->jobs[s].killed;
	L->jobs[s].ctl = -1;
	pthread_mutex_unlock(&L->mu);
	if (input) {
		close(in[1]);
		in[1] = -1;
		end_control(&c);
	}

	if (c.tail.found)
		res->status = c.tail.status;
	else if (killed)
		res->status = SIGKILL;
	else if (!is_local(rh) && WIFEXITED(st) && WEXITSTATUS(st) == 255 &&
		 ssh_host_lost(rh->h, mi, 1.0))
		lost = 1;
	else
		res->status = st;
out:
	spawn_pipe_close(in);
	spawn_pipe_close(out);
	spawn_pipe_close(err);
	ssh_argv_free(argv);
	buf_release(&remote);
	return rc ? rc : lost;
}

/* --basefile: once per host, before its first job. */
static int send_basefiles(struct sshrun *L, struct rhost *rh, size_t mi,
			  struct launch_result *res)
{
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&L->mu);
	while (rh->bf == 1)
		pthread_cond_wait(&L->cv, &L->mu);
	if (rh->bf == 2) {
		pthread_mutex_unlock(&L->mu);
		return 0;
	}
	rh->bf = 1;
	pthread_mutex_unlock(&L->mu);
	for (i = 0; i < L->o.nbasefiles && !rc; i++)
		rc = sshx_send(rh->h, mi, NULL, L->o.basefiles[i], res->msg,
			       sizeof(res->msg));
	pthread_mutex_lock(&L->mu);
	rh->bf = rc ? 0 : 2;
	pthread_cond_broadcast(&L->cv);
	pthread_mutex_unlock(&L->mu);
	return rc;
}

/*
 * The command the remote shell runs: the job's environment variables
 * first (the remote shell does not inherit ours), then cd into the
 * workdir.
 */
static int job_cmd(struct buf *b, const struct launch_job *j, const char *wd,
		   const char *cmdline)
{
	char env[256];
	int rc = 0;

	snprintf(env, sizeof(env), "LANES_SEQ=%llu LANES_SLOT=%u "
		 "PARALLEL_SEQ=%llu PARALLEL_JOBSLOT=%u PARALLEL_PID=%ld; "
		 "export LANES_SEQ LANES_SLOT PARALLEL_SEQ PARALLEL_JOBSLOT "
		 "PARALLEL_PID; ", j->seq, j->slot, j->seq, j->slot,
		 (long)getpid());
	rc = buf_addstr(b, env);
	if (!rc)
		rc = sshx_cd(b, wd, " || exit 255; ");
	if (!rc)
		rc = buf_addstr(b, cmdline);
	return rc;
}

/*
 * After a job ran: fetch its --return files, then remove what was sent
 * and fetched (--cleanup) and a temporary working directory. -EHOSTDOWN
 * when the host went away while fetching; any other failure is only
 * noted in res->msg, since the job itself did run.
 */
static int fetch_back(struct sshrun *L, struct rhost *rh, size_t mi,
		      int remote, const char *wd, const struct buf *send,
		      const struct buf *ret, int tempwd,
		      struct launch_result *res)
{
	const char *p;
	char why[256];

	for (p = ret->p; p && p < ret->p + ret->len; p += strlen(p) + 1) {
		int r = sshx_fetch(rh->h, mi, wd, p, why, sizeof(why));

		if (r == -EHOSTDOWN)
			return -EHOSTDOWN;
		if (r && !res->msg[0])
			snprintf(res->msg, sizeof(res->msg), "%.250s", why);
	}
	if (remote && (tempwd || (L->o.cleanup && (send->len || ret->len)))) {
		struct buf all = BUF_INIT;

		if (L->o.cleanup) {
			buf_add(&all, send->p, send->len);
			buf_add(&all, ret->p, ret->len);
		}
		if (sshx_remove(rh->h, mi, wd, all.p, all.len, tempwd, why,
				sizeof(why)) &&
		    !res->msg[0])
			snprintf(res->msg, sizeof(res->msg), "%.250s", why);
		buf_release(&all);
	}
	return 0;
}

static int run_on(struct sshrun *L, struct rhost *pin,
		  const struct launch_job *j, struct launch_result *res)
{
	struct buf send = BUF_INIT, ret = BUF_INIT, wd = BUF_INIT;
	struct buf cmd = BUF_INIT, line = BUF_INIT;
	struct rhost *rh = NULL;
	const char *p;
	size_t mi = 0;
	int rc, remote, tempwd = 0;

	memset(res, 0, sizeof(*res));
	res->host = "";
	rc = acquire(L, j->slot, pin, &rh, &mi);
	if (rc && pin) {
		rh = pin;
		res->host = rh->h->login.name;
		host_failed(L, rh, res);
		return rc;
	}
	if (rc) {
		all_down(L, res);
		return rc;
	}
	res->host = rh->h->login.name;
	remote = !is_local(rh);
	rc = ssh_host_master(rh->h, mi);
	if (rc)
		goto hostfail;
	if (remote && L->o.files)
		rc = L->o.files(L->o.arg, j, &send, &ret);
	if (rc) {
		snprintf(res->msg, sizeof(res->msg), "%s", strerror(-rc));
		goto out;
	}
	if (remote && L->o.workdir && strcmp(L->o.workdir, "...") == 0) {
		char d[80];

		snprintf(d, sizeof(d), ".lanes/tmp/%s.%llu",
			 rh->h->conf->token, j->seq);
		rc = buf_addstr(&wd, d);
		tempwd = 1;
	} else if (remote && L->o.workdir) {
		rc = buf_addstr(&wd, L->o.workdir);
	}
	if (!rc && remote && L->o.nbasefiles)
		rc = send_basefiles(L, rh, mi, res);
	for (p = send.p; !rc && p && p < send.p + send.len;
	     p += strlen(p) + 1)
		rc = sshx_send(rh->h, mi, buf_str(&wd), p, res->msg,
			       sizeof(res->msg));
	if (rc == -EHOSTDOWN)
		goto hostfail;
	if (rc)
		goto out;
	if (!rc && L->o.cmdline) {
		rc = L->o.cmdline(L->o.arg, j, rh->h->login.name, &line);
		if (rc) {
			snprintf(res->msg, sizeof(res->msg), "%s",
				 strerror(-rc));
			goto out;
		}
	}
	rc = job_cmd(&cmd, j, buf_str(&wd), L->o.cmdline ? buf_str(&line) :
		     j->cmdline);
	if (!rc)
		rc = session(L, rh, mi, j, buf_str(&cmd), res);
	if (rc == 1)
		goto hostfail;
	if (rc)
		goto out;
	rc = fetch_back(L, rh, mi, remote, buf_str(&wd), &send, &ret, tempwd,
			res);
	if (rc)
		goto hostfail;
	goto out;
hostfail:
	host_failed(L, rh, res);
	rc = -EHOSTDOWN;
out:
	if (rh)
		release(L, rh, mi);
	buf_release(&send);
	buf_release(&ret);
	buf_release(&wd);
	buf_release(&cmd);
	buf_release(&line);
	return rc;
}

static int sr_run(struct launcher *l, const struct launch_job *j,
		  struct launch_result *res)
{
	return run_on((struct sshrun *)l, NULL, j, res);
}

int sshrun_run_on(struct launcher *l, size_t host,
		  const struct launch_job *j, struct launch_result *res)
{
	struct sshrun *L = (struct sshrun *)l;
	struct rhost *rh = NULL;

	pthread_mutex_lock(&L->mu);
	if (host < L->n)
		rh = L->hs[host];
	pthread_mutex_unlock(&L->mu);
	if (!rh) {
		memset(res, 0, sizeof(*res));
		res->host = "";
		return -EINVAL;
	}
	return run_on(L, rh, j, res);
}

/* A new host, or one more rhost slot in L->hs; under mu. */
static struct rhost *rhost_new(struct sshrun *L, struct ssh_host *h,
			       unsigned slots)
{
	struct rhost *rh;

	if (L->n == L->cap) {
		size_t cap = L->cap ? 2 * L->cap : 4;
		struct rhost **v = realloc(L->hs, cap * sizeof(*v));

		if (!v)
			return NULL;
		L->hs = v;
		L->cap = cap;
	}
	rh = calloc(1, sizeof(*rh));
	if (rh)
		rh->active = calloc(h->nm ? h->nm : 1, sizeof(*rh->active));
	if (!rh || !rh->active) {
		free(rh);
		return NULL;
	}
	rh->h = h;
	rh->slots = slots ? slots : 1;
	rh->first = L->next_first;
	rh->nm = h->nm;
	L->next_first += rh->slots;
	L->hs[L->n++] = rh;
	return rh;
}

int sshrun_change(struct launcher *l, struct ssh_host *const *add,
		  const unsigned *slots, size_t nadd, const char *retired,
		  size_t nretired)
{
	struct sshrun *L = (struct sshrun *)l;
	size_t i, n0;

	pthread_mutex_lock(&L->mu);
	n0 = L->n;
	for (i = 0; i < nadd; i++)
		if (!rhost_new(L, add[i], slots[i]))
			break;
	if (i < nadd) {
		/* Undo: the run goes on as it was. */
		while (L->n > n0) {
			struct rhost *rh = L->hs[--L->n];

			L->next_first -= rh->slots;
			free(rh->active);
			free(rh);
		}
		pthread_mutex_unlock(&L->mu);
		return -ENOMEM;
	}
	for (i = 0; i < nretired && i < n0; i++)
		L->hs[i]->retired = retired[i] != 0;
	pthread_cond_broadcast(&L->cv);
	pthread_mutex_unlock(&L->mu);
	return 0;
}

static unsigned sr_signal(struct launcher *l, int sig)
{
	struct sshrun *L = (struct sshrun *)l;
	unsigned s, n = 0;

	pthread_mutex_lock(&L->mu);
	if (sig)
		L->stopsig = sig;
	for (s = 1; s <= L->base.nslots; s++) {
		if (L->jobs[s].ctl < 0)
			continue;
		if (sig)
			send_locked(L, s, sig);
		n++;
	}
	pthread_mutex_unlock(&L->mu);
	return n;
}

static unsigned sr_running(struct launcher *l)
{
	return sr_signal(l, 0);
}

static void sr_free(struct launcher *l)
{
	struct sshrun *L = (struct sshrun *)l;
	size_t i;

	for (i = 0; i < L->n; i++) {
		struct rhost *rh = L->hs[i];

		/* --cleanup takes the basefiles away again. */
		if (L->o.cleanup && rh->bf == 2 && L->o.nbasefiles &&
		    !ssh_host_is_down(rh->h)) {
			struct buf names = BUF_INIT;
			char why[256];
			size_t k;

			for (k = 0; k < L->o.nbasefiles; k++)
				buf_add(&names, L->o.basefiles[k],
					strlen(L->o.basefiles[k]) + 1);
			sshx_remove(rh->h, 0, NULL, names.p, names.len, 0,
				    why, sizeof(why));
			buf_release(&names);
		}
		free(rh->active);
		free(rh);
	}
	free(L->hs);
	free(L->jobs);
	pthread_cond_destroy(&L->cv);
	pthread_mutex_destroy(&L->mu);
	free(L);
}

static const struct launcher_ops sshrun_ops = {
	.run = sr_run,
	.signal = sr_signal,
	.running = sr_running,
	.free = sr_free,
};

int sshrun_new(struct launcher **out, struct ssh_host *const *hosts,
	       const unsigned *slots, size_t n, const struct sshrun_opts *o)
{
	struct sshrun *L;
	unsigned total = 0, s;
	size_t i;

	*out = NULL;
	if (n == 0)
		return -EINVAL;
	L = calloc(1, sizeof(*L));
	if (!L)
		return -ENOMEM;
	L->next_first = 1;
	for (i = 0; i < n; i++) {
		if (!rhost_new(L, hosts[i], slots[i]))
			goto nomem;
		total += L->hs[i]->slots;
	}
	if (o)
		L->o = *o;
	total += L->o.spare;
	L->jobs = calloc(total + 1, sizeof(*L->jobs));
	if (!L->jobs)
		goto nomem;
	for (s = 0; s <= total; s++)
		L->jobs[s].ctl = -1;
	pthread_mutex_init(&L->mu, NULL);
	clock_cond_init(&L->cv);
	L->base.ops = &sshrun_ops;
	L->base.nslots = total;
	*out = &L->base;
	return 0;
nomem:
	for (i = 0; i < L->n; i++) {
		free(L->hs[i]->active);
		free(L->hs[i]);
	}
	free(L->hs);
	free(L);
	return -ENOMEM;
}
