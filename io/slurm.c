/*
 * DESIGN: one srun step carries every agent. Its standard input goes to
 * all tasks (--input=all), so a frame for agent i is written as mux
 * lines on channel i; its standard output merges the tasks' lines, and
 * one reader thread splits them by channel into a wire decoder per
 * agent. io/srun.c reads srun's standard error on a thread of its own,
 * passes every line on to ours, and reports srun's word that a task
 * ended ("srun: error: n2: task 1: Killed") to task_ended(): a task that
 * dies says nothing on its own channel, and srun keeps the step going
 * for the others.
 *
 * Jobs: a worker's job takes a free slot of the agent that owns its
 * pool slot, or of any live agent when that one is full or down, so the
 * workers of a lost node share the nodes left. Job ids carry the pool
 * slot in their low 16 bits; the reader finds a job's mailbox from its
 * id alone. The reader appends output chunks to the mailbox; the worker
 * hands them to the job's sink outside any lock and only then returns
 * the credit, so the chunks waiting in a mailbox never exceed the window
 * the agent was given, whatever the sink's speed.
 *
 * Failure: an agent that ends, sends an ERROR or a malformed frame, or
 * breaks the credit, is marked down; its jobs' mailboxes get `failed`
 * and their workers return host_failed. srun's stdout reaching EOF takes
 * every agent down.
 */
#include "slurm.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "mux.h"
#include "srun.h"
#include "wire.h"

#define SLURM_SLOTS_MAX 65535	/* job ids keep the slot in 16 bits */

struct chunk {
	struct chunk *next;
	int stream;
	size_t len;
	char data[];
};

struct sagent {
	char node[64];
	unsigned slots;
	unsigned running;	/* under mu */
	int hello;		/* under mu */
	int up;			/* under mu */
	char why[200];		/* under mu: why it is down */
	struct wire_dec dec;	/* reader only */
};

struct mailbox {
	pthread_cond_t cv;
	uint64_t id;		/* under mu: 0 when no job */
	struct sagent *ag;	/* under mu */
	struct chunk *head, *tail;	/* under mu */
	unsigned long long queued;	/* under mu: bytes in the list */
	int ended;		/* under mu */
	int failed;		/* under mu: the agent went down */
	int rc, status, timed_out, stopped;	/* under mu, from END */
	long pid;
	char msg[256];
};

struct slurm {
	struct launcher l;
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* hellos, free capacity */
	struct sagent *ag;
	unsigned nag;
	unsigned *home;		/* [slot]: the index of its agent */
	struct mailbox *mb;	/* [slot] */
	unsigned long long next_id;	/* under mu */
	int killsig;		/* under mu */
	int eof;		/* under mu: srun's stdout ended */
	unsigned rr;		/* under mu: round robin for spare slots */
	pthread_mutex_t wmu;
	struct srun step;	/* step.to under wmu; -1 once closed */
	int started;
	pthread_t reader;
	int have_reader;
	struct mux_dec mdec;	/* reader only */
};

/* --- writing ------------------------------------------------------------ */

/* Send one frame in fr to agent chan (or MUX_ALL). */
static int send_to(struct slurm *s, int chan, struct buf *fr)
{
	struct buf mx = BUF_INIT;
	const char *p;
	size_t n;
	ssize_t w;
	int rc = mux_put(&mx, chan, fr->p, fr->len);

	p = mx.p;
	n = mx.len;
	pthread_mutex_lock(&s->wmu);
	if (!rc && s->step.to < 0)
		rc = -EPIPE;
	while (!rc && n) {
		w = write(s->step.to, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = -errno;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	pthread_mutex_unlock(&s->wmu);
	buf_release(&mx);
	buf_reset(fr);
	return rc;
}

/* --- agents going down ------------------------------------------------- */

/* Under mu. */
static void agent_down(struct slurm *s, struct sagent *ag, const char *why)
{
	unsigned i;

	if (!ag->up && ag->why[0])
		return;
	ag->up = 0;
	snprintf(ag->why, sizeof(ag->why), "%s", why);
	for (i = 1; i <= s->l.nslots; i++)
		if (s->mb[i].id && s->mb[i].ag == ag) {
			s->mb[i].failed = 1;
			pthread_cond_signal(&s->mb[i].cv);
		}
	pthread_cond_broadcast(&s->cv);
}

__attribute__((format(printf, 3, 4)))
static void down(struct slurm *s, struct sagent *ag, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&s->mu);
	agent_down(s, ag, why);
	pthread_mutex_unlock(&s->mu);
}

/* --- the reader ---------------------------------------------------------- */

static struct mailbox *box_of(struct slurm *s, uint64_t id)
{
	unsigned slot = (unsigned)(id & 0xffff);

	if (slot < 1 || slot > s->l.nslots || s->mb[slot].id != id)
		return NULL;
	return &s->mb[slot];
}

/* One frame from agent ag; under mu. 0, or -EPROTO (why in why). */
static int frame(struct slurm *s, struct sagent *ag, const struct wire_msg *m,
		 char *why, size_t whylen)
{
	struct mailbox *b = NULL;
	struct chunk *c;

	if (!ag->hello && m->type != WIRE_HELLO) {
		snprintf(why, whylen, "its agent sent a %s frame before its "
			 "hello", wire_type_name(m->type));
		return -EPROTO;
	}
	if (m->type == WIRE_OUT || m->type == WIRE_END) {
		b = box_of(s, m->id);
		if (!b || b->ag != ag) {
			snprintf(why, whylen, "its agent sent a %s frame for "
				 "an unknown job", wire_type_name(m->type));
			return -EPROTO;
		}
	}
	switch (m->type) {
	case WIRE_HELLO:
		if (ag->hello)
			break;
		if (m->version != WIRE_VERSION) {
			snprintf(why, whylen, "its agent speaks protocol "
				 "version %u, this lanes %d", m->version,
				 WIRE_VERSION);
			return -EPROTO;
		}
		snprintf(ag->node, sizeof(ag->node), "%s", m->node);
		if (!ag->slots)
			ag->slots = m->slots ? m->slots : 1;
		ag->hello = 1;
		ag->up = 1;
		pthread_cond_broadcast(&s->cv);
		return 0;
	case WIRE_OUT:
		if (b->queued + m->len > WIRE_WINDOW) {
			snprintf(why, whylen, "its agent sent more output "
				 "than its credit");
			return -EPROTO;
		}
		c = malloc(sizeof(*c) + m->len);
		if (!c) {
			snprintf(why, whylen, "out of memory");
			return -EPROTO;
		}
		c->next = NULL;
		c->stream = m->stream;
		c->len = m->len;
		memcpy(c->data, m->data, m->len);
		if (b->tail)
			b->tail->next = c;
		else
			b->head = c;
		b->tail = c;
		b->queued += m->len;
		pthread_cond_signal(&b->cv);
		return 0;
	case WIRE_END:
		b->ended = 1;
		b->rc = m->rc;
		b->status = m->status;
		b->timed_out = m->timed_out;
		b->stopped = m->stopped;
		b->pid = m->pid;
		snprintf(b->msg, sizeof(b->msg), "%s", m->msg);
		pthread_cond_signal(&b->cv);
		return 0;
	case WIRE_BYE:
		agent_down(s, ag, "its agent said bye");
		return 0;
	case WIRE_ERROR:
		snprintf(why, whylen, "its agent gave up: %s", m->msg);
		return -EPROTO;
	default:
		break;
	}
	snprintf(why, whylen, "its agent sent an unexpected %s frame",
		 wire_type_name(m->type));
	return -EPROTO;
}

/*
 * An agent we gave up on may be alive with jobs running: tell it, so it
 * ends them (it answers ERROR with the termseq walk) instead of leaving
 * them to the end of the step.
 */
static void dismiss(struct slurm *s, int chan, const char *why)
{
	struct buf fr = BUF_INIT;
	char msg[WIRE_MSG_MAX + 1];

	snprintf(msg, sizeof(msg), "the coordinator dropped this agent: %s",
		 why);
	if (!wire_put_error(&fr, msg))
		send_to(s, chan, &fr);
	buf_release(&fr);
}

static int from_agent(void *ctx, int chan, const char *p, size_t n)
{
	struct slurm *s = ctx;
	struct sagent *ag;
	struct wire_msg m;
	char why[200];
	int rc = 0;

	if (chan < 0 || (unsigned)chan >= s->nag)
		return -EPROTO;
	ag = &s->ag[chan];
	pthread_mutex_lock(&s->mu);
	if (ag->dec.failed || (ag->why[0] && !ag->up)) {
		/* Already down: the rest of its stream means nothing. */
		pthread_mutex_unlock(&s->mu);
		return 0;
	}
	if (!p) {
		snprintf(why, sizeof(why), "malformed output from its agent: "
			 "%s", s->mdec.err);
		rc = -EPROTO;
	} else {
		rc = wire_dec_feed(&ag->dec, p, n);
		while (!rc && (rc = wire_dec_next(&ag->dec, &m)) == 1)
			rc = frame(s, ag, &m, why, sizeof(why));
		if (rc == -EPROTO && ag->dec.failed)
			snprintf(why, sizeof(why), "malformed frame from its "
				 "agent: %s", ag->dec.err);
		if (rc && rc != -EPROTO)
			snprintf(why, sizeof(why), "out of memory");
	}
	if (rc)
		agent_down(s, ag, why);
	pthread_mutex_unlock(&s->mu);
	if (rc)
		dismiss(s, chan, why);
	return 0;
}

static void all_down(struct slurm *s, const char *why)
{
	unsigned i;

	pthread_mutex_lock(&s->mu);
	s->eof = 1;
	for (i = 0; i < s->nag; i++)
		agent_down(s, &s->ag[i], why);
	pthread_mutex_unlock(&s->mu);
}

static void *reader_main(void *arg)
{
	struct slurm *s = arg;
	char in[65536];
	const char *why = "the srun step ended";
	ssize_t r;
	int rc = 0;

	for (;;) {
		r = read(s->step.from, in, sizeof(in));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		rc = mux_dec_feed(&s->mdec, in, (size_t)r, from_agent, s);
		if (rc) {
			why = rc == -EPROTO && s->mdec.err[0] ? s->mdec.err
				: "srun printed a line that is not from an "
				  "agent";
			break;
		}
	}
	all_down(s, why);
	return NULL;
}

/* srun reported that task `task` ended; on srun's stderr thread. */
static void task_ended(void *ctx, unsigned task, const char *why)
{
	struct slurm *s = ctx;

	pthread_mutex_lock(&s->mu);
	if (task < s->nag)
		agent_down(s, &s->ag[task], why);
	pthread_mutex_unlock(&s->mu);
}

/* --- the launcher ------------------------------------------------------- */

/* Pick an agent with a free slot for pool slot `slot`; under mu. */
static struct sagent *pick(struct slurm *s, unsigned slot)
{
	struct sagent *ag = &s->ag[s->home[slot]];
	unsigned i;

	if (ag->up && ag->running < ag->slots)
		return ag;
	for (i = 0; i < s->nag; i++) {
		ag = &s->ag[(s->rr + i) % s->nag];
		if (ag->up && ag->running < ag->slots) {
			s->rr = (s->rr + i + 1) % s->nag;
			return ag;
		}
	}
	return NULL;
}

static int any_up(struct slurm *s)
{
	unsigned i;

	for (i = 0; i < s->nag; i++)
		if (s->ag[i].up)
			return 1;
	return 0;
}

/* The environment entries lanes set for the job: the rest is already in
 * the agent's environment, which srun copied from ours. */
static char **lanes_env(char *const *envp)
{
	size_t n = 0, i, k = 0;
	char **v;

	for (i = 0; envp && envp[i]; i++)
		n += !strncmp(envp[i], "LANES_", 6);
	v = calloc(n + 1, sizeof(*v));
	for (i = 0; v && envp && envp[i]; i++)
		if (!strncmp(envp[i], "LANES_", 6))
			v[k++] = envp[i];
	return v;
}

static void write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static int slurm_run(struct launcher *l, const struct launch_job *j,
		     struct launch_result *res)
{
	struct slurm *s = (struct slurm *)l;
	struct mailbox *b;
	struct sagent *ag = NULL;
	struct wire_job wj;
	struct buf fr = BUF_INIT;
	struct chunk *c;
	char **env = NULL;
	int rc = 0, sinkfail = 0, chan;

	memset(res, 0, sizeof(*res));
	res->host = "";
	if (j->slot < 1 || j->slot > l->nslots)
		return -EINVAL;
	b = &s->mb[j->slot];
	pthread_mutex_lock(&s->mu);
	while (!(ag = pick(s, j->slot)) && any_up(s))
		pthread_cond_wait(&s->cv, &s->mu);
	if (ag) {
		ag->running++;
		b->id = ++s->next_id << 16 | j->slot;
		b->ag = ag;
		b->ended = b->failed = 0;
		b->msg[0] = '\0';
	}
	pthread_mutex_unlock(&s->mu);
	if (!ag) {
		res->host_failed = 1;
		snprintf(res->msg, sizeof(res->msg), "no node of the "
			 "allocation is left (every agent ended)");
		return -EHOSTDOWN;
	}
	res->host = ag->node;
	chan = (int)(ag - s->ag);
	env = lanes_env(j->envp);
	memset(&wj, 0, sizeof(wj));
	wj.id = b->id;
	wj.seq = j->seq;
	wj.slot = j->slot;
	wj.timeout = j->timeout;
	wj.termseq = j->termseq;
	wj.cmdline = j->cmdline;
	wj.argv = j->argv;
	wj.env = env;
	rc = env ? wire_put_job(&fr, &wj) : -ENOMEM;
	if (rc == -EINVAL) {
		snprintf(res->msg, sizeof(res->msg), "command line too long "
			 "for the agent protocol (%u bytes at most)",
			 WIRE_FRAME_MAX);
		rc = -E2BIG;
	}
	if (!rc && send_to(s, chan, &fr))
		down(s, ag, "cannot write to the srun step");
	pthread_mutex_lock(&s->mu);
	while (!rc) {
		while (!b->head && !b->ended && !b->failed)
			pthread_cond_wait(&b->cv, &s->mu);
		c = b->head;
		if (!c)
			break;
		b->head = c->next;
		if (!b->head)
			b->tail = NULL;
		pthread_mutex_unlock(&s->mu);
		if (sinkfail) {
			;	/* nobody reads this job any more */
		} else if (j->capture) {
			if (j->sink(j->ctx, c->stream, c->data, c->len)) {
				sinkfail = 1;
				res->stopped = 1;
				if (!wire_put_signal(&fr, b->id, SIGTERM))
					send_to(s, chan, &fr);
			}
		} else {
			write_all(c->stream, c->data, c->len);
		}
		if (!wire_put_credit(&fr, b->id, (uint32_t)c->len))
			send_to(s, chan, &fr);
		pthread_mutex_lock(&s->mu);
		b->queued -= c->len;
		free(c);
	}
	if (rc) {
		;	/* never sent */
	} else if (b->ended && b->stopped && !sinkfail) {
		/* The agent ended it on its way out: the node failed. */
		rc = -EHOSTDOWN;
		res->host_failed = 1;
		snprintf(res->msg, sizeof(res->msg), "node %.60s failed: %.180s",
			 ag->node, b->msg);
	} else if (b->ended) {
		rc = b->rc;
		res->status = b->status;
		res->timed_out = b->timed_out;
		res->stopped |= b->stopped;
		res->pid = (pid_t)b->pid;
		snprintf(res->msg, sizeof(res->msg), "%s", b->msg);
	} else {
		rc = -EHOSTDOWN;
		res->host_failed = 1;
		snprintf(res->msg, sizeof(res->msg),
			 "node %.60s failed: %.180s", ag->node, ag->why);
	}
	while ((c = b->head)) {
		b->head = c->next;
		free(c);
	}
	b->tail = NULL;
	b->queued = 0;
	b->id = 0;
	ag->running--;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	free(env);
	buf_release(&fr);
	return rc;
}

static unsigned slurm_signal(struct launcher *l, int sig)
{
	struct slurm *s = (struct slurm *)l;
	struct buf fr = BUF_INIT;
	unsigned i, n = 0;

	pthread_mutex_lock(&s->mu);
	if (sig)
		s->killsig = sig;
	for (i = 1; i <= l->nslots; i++)
		n += s->mb[i].id != 0;
	pthread_mutex_unlock(&s->mu);
	if (sig && !wire_put_signal(&fr, 0, sig))
		send_to(s, MUX_ALL, &fr);
	buf_release(&fr);
	return n;
}

static unsigned slurm_running(struct launcher *l)
{
	return slurm_signal(l, 0);
}

static void slurm_free(struct launcher *l)
{
	struct slurm *s = (struct slurm *)l;
	struct buf fr = BUF_INIT;
	unsigned i;

	if (s->started) {
		if (!wire_put_bye(&fr))
			send_to(s, MUX_ALL, &fr);
		pthread_mutex_lock(&s->wmu);
		if (s->step.to >= 0)
			close(s->step.to);
		s->step.to = -1;
		pthread_mutex_unlock(&s->wmu);
		srun_reap(&s->step, 10);
	}
	/* srun is gone, so its output ended, and so did the reader. */
	if (s->have_reader)
		pthread_join(s->reader, NULL);
	if (s->step.from >= 0)
		close(s->step.from);
	for (i = 0; i < s->nag; i++)
		wire_dec_release(&s->ag[i].dec);
	for (i = 1; s->mb && i <= l->nslots; i++)
		pthread_cond_destroy(&s->mb[i].cv);
	buf_release(&fr);
	free(s->ag);
	free(s->home);
	free(s->mb);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->wmu);
	free(s);
}

static const struct launcher_ops slurm_ops = {
	.run = slurm_run,
	.signal = slurm_signal,
	.running = slurm_running,
	.free = slurm_free,
};

/* A positive number from the environment, or 0. */
static unsigned env_count(const char *name)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return 0;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n == 0 || n > SLURM_SLOTS_MAX)
		return 0;
	return (unsigned)n;
}

/* Start the step: one agent per node, on srun's stdin and stdout. */
static int start_step(struct slurm *s, const struct slurm_conf *c,
		      const char *self, char *err, size_t errlen)
{
	char nodes[32], tasks[32], jobs[32];
	char *argv[16];
	int rc, k = 0;

	snprintf(nodes, sizeof(nodes), "--nodes=%u", s->nag);
	snprintf(tasks, sizeof(tasks), "--ntasks=%u", s->nag);
	argv[k++] = (char *)(c->srun ? c->srun : "srun");
	argv[k++] = nodes;
	argv[k++] = tasks;
	argv[k++] = (char *)"--ntasks-per-node=1";
	/* Every task reads all of our frames and keeps its own channel. */
	argv[k++] = (char *)"--input=all";
	/* One agent that dies must not end the others. */
	argv[k++] = (char *)"--kill-on-bad-exit=0";
	/* All the CPUs the job has on each node, for the agent's jobs. */
	argv[k++] = (char *)"--whole";
	argv[k++] = (char *)self;
	argv[k++] = (char *)"--agent";
	argv[k++] = (char *)"--mux";
	if (c->per_node) {
		snprintf(jobs, sizeof(jobs), "--jobs=%u", c->per_node);
		argv[k++] = jobs;
	}
	argv[k] = NULL;
	s->step.task_ended = task_ended;
	s->step.ctx = s;
	rc = srun_start(&s->step, argv, c->envp, err, errlen);
	s->started = s->step.pid > 0;
	return rc;
}

/* Wait for every agent's hello (or its end); then lay the slots out. */
static int meet_agents(struct slurm *s, unsigned per_node, char *err,
		       size_t errlen)
{
	struct buf fr = BUF_INIT;
	unsigned i, k, n = 0, waiting, slot;
	int rc;

	rc = wire_put_hello(&fr, per_node, "");
	if (!rc)
		rc = send_to(s, MUX_ALL, &fr);
	buf_release(&fr);
	if (rc) {
		snprintf(err, errlen, "cannot talk to the srun step: %s",
			 strerror(-rc));
		return rc;
	}
	pthread_mutex_lock(&s->mu);
	for (;;) {
		waiting = 0;
		for (i = 0; i < s->nag; i++)
			waiting += !s->ag[i].hello && !s->ag[i].why[0];
		if (!waiting || s->eof)
			break;
		pthread_cond_wait(&s->cv, &s->mu);
	}
	for (i = 0; i < s->nag; i++)
		if (s->ag[i].up)
			n += s->ag[i].slots;
	if (n == 0 || n > SLURM_SLOTS_MAX) {
		for (i = 0; i < s->nag && !s->ag[i].why[0]; i++)
			;
		if (n)
			snprintf(err, errlen, "the agents offer %u slots (at "
				 "most %d)", n, SLURM_SLOTS_MAX);
		else if (i < s->nag)
			snprintf(err, errlen, "no agent started in the srun "
				 "step: task %u: %s", i, s->ag[i].why);
		else
			snprintf(err, errlen, "no agent started in the srun "
				 "step");
		pthread_mutex_unlock(&s->mu);
		return -EHOSTDOWN;
	}
	pthread_mutex_unlock(&s->mu);
	s->home = calloc(n + 1, sizeof(*s->home));
	s->mb = calloc(n + 1, sizeof(*s->mb));
	if (!s->home || !s->mb)
		return -ENOMEM;
	slot = 1;
	for (i = 0; i < s->nag; i++)
		for (k = 0; s->ag[i].up && k < s->ag[i].slots; k++)
			s->home[slot++] = i;
	for (i = 1; i <= n; i++)
		pthread_cond_init(&s->mb[i].cv, NULL);
	/* Publish nslots under mu: the reader reads it to find jobs. */
	pthread_mutex_lock(&s->mu);
	s->l.nslots = n;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

int slurm_launcher_new(struct launcher **out, const struct slurm_conf *c,
		       char *err, size_t errlen)
{
	struct slurm *s = NULL;
	char self[PATH_MAX];
	const char *me = c->self;
	ssize_t n;
	unsigned nodes;
	sigset_t all, old;
	int rc;

	err[0] = '\0';
	if (!getenv("SLURM_JOB_ID") || !*getenv("SLURM_JOB_ID")) {
		snprintf(err, errlen, "--slurm runs inside a Slurm allocation "
			 "(SLURM_JOB_ID is not set): start lanes with "
			 "'salloc -N 3 lanes --slurm ...' or in an sbatch "
			 "script");
		return -ENOENT;
	}
	nodes = env_count("SLURM_JOB_NUM_NODES");
	if (!nodes)
		nodes = env_count("SLURM_NNODES");
	if (!nodes) {
		snprintf(err, errlen, "--slurm: the allocation's node count "
			 "(SLURM_JOB_NUM_NODES) is missing or invalid");
		return -EINVAL;
	}
	if (!me) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0) {
			rc = -errno;
			snprintf(err, errlen, "cannot find the lanes binary "
				 "in '/proc/self/exe': %s", strerror(errno));
			return rc;
		}
		self[n] = '\0';
		me = self;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->l.ops = &slurm_ops;
	s->step.to = s->step.from = s->step.errfd = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	pthread_mutex_init(&s->wmu, NULL);
	mux_dec_init(&s->mdec, MUX_ALL);
	s->nag = nodes;
	s->ag = calloc(nodes, sizeof(*s->ag));
	if (!s->ag) {
		rc = -ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < nodes; i++) {
		wire_dec_init(&s->ag[i].dec);
		s->ag[i].slots = c->per_node;
		snprintf(s->ag[i].node, sizeof(s->ag[i].node), "task %u", i);
	}
	rc = start_step(s, c, me, err, errlen);
	if (rc)
		goto fail;
	/* The reader takes no signal: lanes has one thread for them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = -pthread_create(&s->reader, NULL, reader_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	s->have_reader = !rc;
	if (!rc)
		rc = meet_agents(s, c->per_node, err, errlen);
	if (rc)
		goto fail;
	*out = &s->l;
	return 0;
fail:
	if (!err[0])
		snprintf(err, errlen, "cannot start the Slurm step: %s",
			 strerror(-rc));
	slurm_free(&s->l);
	return rc;
}
