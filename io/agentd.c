/*
 * DESIGN: one reader (the caller of agentd_run()) and one thread per
 * slot. The reader decodes frames and hands each job to an idle slot;
 * the coordinator never sends more jobs than slots, so a job that finds
 * none is a protocol error, not a queue. A slot thread runs its job with
 * a local launcher of its own (one slot each), so a SIGNAL frame for one
 * job reaches that job's process group only; because a launcher's
 * signal sticks to every later job, a slot whose job was signalled alone
 * gets a fresh launcher once that job ended.
 *
 * Output: the slot thread's sink sends OUT frames of at most
 * WIRE_CHUNK_MAX bytes and never more than the job's credit; with none
 * left it sleeps until a CREDIT frame arrives, which stops the job's
 * pipe, so memory stays flat however much a job prints. Frames are
 * written whole under wmu, the one lock held across a write: frames of
 * different slots share the stream and must not interleave.
 *
 * Ending: on BYE the slots finish (the coordinator sends it only when no
 * job is out) and the agent answers BYE. On anything else -- end of
 * input, a write error, a malformed frame, agentd_stop() -- `dying` is
 * set, which wakes every sink waiting for credit, and every launcher
 * walks the termseq over its job; then the slot threads are joined, so
 * no process of a job outlives agentd_run().
 */
#include "agentd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "launch.h"
#include "mux.h"
#include "wire.h"

#define AGENTD_SLOTS_MAX 4096

struct aslot {
	struct agentd *a;
	pthread_t th;
	int started;
	struct launcher *l;	/* swapped under a->mu */
	int busy;		/* under a->mu: holds a job */
	uint64_t id;		/* under a->mu: that job's id */
	long long credit;	/* under a->mu */
	int alone;		/* under a->mu: signalled on its own */
	/* The job, owned by the slot thread while busy. */
	char *block;		/* one allocation for all below */
	char **argv;
	char **envp;
	const char *cmdline;
	uint64_t seq;
	unsigned jslot;
	double timeout;
	struct termseq ts;
	struct buf fr, mx;	/* encoding buffers of this thread */
};

struct agentd {
	struct agentd_conf c;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct aslot *slots;
	unsigned nslots;
	int hello;		/* reader only: the coordinator's came */
	int stopping;		/* under mu: idle slot threads exit */
	int dying;		/* under mu: jobs are being ended */
	int killsig;		/* under mu: sent to every later job */
	struct termseq ts;	/* under mu: the last termseq received */
	int stopsig;		/* under mu: agentd_stop()'s signal */
	pthread_mutex_t wmu;
	int wfailed;		/* under wmu */
	int wake[2];		/* agentd_stop() and write errors wake the
				 * reader */
	size_t nbase;		/* entries in c.environ */
	struct wire_dec dec;
	struct mux_dec mdec;
	struct buf fr, mx;	/* the reader's encoding buffers */
};

__attribute__((format(printf, 3, 4)))
static int say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return 0;
}

static void wake_reader(struct agentd *a)
{
	ssize_t w = write(a->wake[1], "x", 1);

	(void)w;	/* a full pipe already wakes the reader */
}

/* Write one encoded frame (fr), through the mux if there is one. */
static int send_frame(struct agentd *a, struct buf *fr, struct buf *mx)
{
	const char *p = fr->p;
	size_t n = fr->len;
	ssize_t w;
	int rc = 0;

	if (a->c.chan >= 0) {
		buf_reset(mx);
		rc = mux_put(mx, a->c.chan, fr->p, fr->len);
		if (rc)
			return rc;
		p = mx->p;
		n = mx->len;
	}
	pthread_mutex_lock(&a->wmu);
	if (a->wfailed)
		rc = -EPIPE;
	while (!rc && n) {
		w = write(a->c.out_fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = -errno;
			a->wfailed = 1;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	pthread_mutex_unlock(&a->wmu);
	if (rc) {
		pthread_mutex_lock(&a->mu);
		a->dying = 1;
		pthread_cond_broadcast(&a->cv);
		pthread_mutex_unlock(&a->mu);
		wake_reader(a);
	}
	buf_reset(fr);
	return rc;
}

static int job_sink(void *ctx, int stream, const char *p, size_t n)
{
	struct aslot *s = ctx;
	struct agentd *a = s->a;
	size_t k;
	int rc = 0;

	while (n && !rc) {
		pthread_mutex_lock(&a->mu);
		while (s->credit <= 0 && !a->dying)
			pthread_cond_wait(&a->cv, &a->mu);
		if (a->dying) {
			pthread_mutex_unlock(&a->mu);
			return -EPIPE;
		}
		k = n < WIRE_CHUNK_MAX ? n : WIRE_CHUNK_MAX;
		if ((long long)k > s->credit)
			k = (size_t)s->credit;
		s->credit -= (long long)k;
		pthread_mutex_unlock(&a->mu);
		rc = wire_put_out(&s->fr, s->id, stream, p, k);
		if (!rc)
			rc = send_frame(a, &s->fr, &s->mx);
		p += k;
		n -= k;
	}
	return rc;
}

static void *slot_main(void *arg)
{
	struct aslot *s = arg;
	struct agentd *a = s->a;
	struct launch_job lj;
	struct launch_result res;
	struct wire_end e;
	struct launcher *fresh;
	int rc, busy;

	for (;;) {
		pthread_mutex_lock(&a->mu);
		while (!s->busy && !a->stopping)
			pthread_cond_wait(&a->cv, &a->mu);
		busy = s->busy;
		pthread_mutex_unlock(&a->mu);
		if (!busy)
			break;
		memset(&lj, 0, sizeof(lj));
		lj.seq = s->seq;
		lj.slot = 1;
		lj.argv = s->argv;
		lj.cmdline = s->cmdline;
		lj.envp = s->envp;
		lj.stdin_fd = -1;
		lj.capture = 1;		/* our stdout is the protocol */
		lj.timeout = s->timeout;
		lj.termseq = &s->ts;
		lj.sink = job_sink;
		lj.ctx = s;
		rc = launch_run(s->l, &lj, &res);
		memset(&e, 0, sizeof(e));
		e.id = s->id;
		e.rc = rc;
		e.status = res.status;
		e.pid = res.pid;
		e.timed_out = res.timed_out;
		e.stopped = res.stopped;
		e.msg = res.msg;
		/* A job ended because the agent is going away (its step was
		 * cancelled, its coordinator vanished) did not finish, even
		 * if a shell in it still exited 0: say so. */
		pthread_mutex_lock(&a->mu);
		if (a->dying) {
			e.stopped = 1;
			e.msg = "the agent ended it as it stopped";
		}
		pthread_mutex_unlock(&a->mu);
		rc = wire_put_end(&s->fr, &e);
		free(s->block);
		s->block = NULL;
		fresh = NULL;
		pthread_mutex_lock(&a->mu);
		if (s->alone && !launch_local_new(&fresh, 1, a->c.arg_max)) {
			launch_free(s->l);
			s->l = fresh;
			s->alone = 0;
			if (a->killsig)
				launch_signal(s->l, a->killsig);
		}
		/* Free before the END goes out: the coordinator sends the
		 * next job as soon as it reads it. */
		s->busy = 0;
		s->id = 0;
		pthread_cond_broadcast(&a->cv);
		pthread_mutex_unlock(&a->mu);
		if (!rc)
			send_frame(a, &s->fr, &s->mx);
	}
	return NULL;
}

int agentd_new(struct agentd **out, const struct agentd_conf *c)
{
	struct agentd *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->c = *c;
	a->wake[0] = a->wake[1] = -1;
	if (pipe2(a->wake, O_CLOEXEC | O_NONBLOCK)) {
		int rc = -errno;

		free(a);
		return rc;
	}
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	pthread_mutex_init(&a->wmu, NULL);
	wire_dec_init(&a->dec);
	mux_dec_init(&a->mdec, c->chan);
	while (c->environ && c->environ[a->nbase])
		a->nbase++;
	a->ts.sig[0] = SIGTERM;
	a->ts.wait[0] = 2;
	a->ts.n = 1;
	*out = a;
	return 0;
}

/* The coordinator's hello: start the slots. */
static int start_slots(struct agentd *a, const struct wire_msg *m,
		       char *err, size_t errlen)
{
	unsigned i, n = m->slots ? m->slots : a->c.slots;
	int rc;

	if (m->version != WIRE_VERSION) {
		say(err, errlen, "the coordinator speaks protocol version %u, "
		    "this agent %d", m->version, WIRE_VERSION);
		return -EPROTO;
	}
	if (n == 0)
		n = 1;
	if (n > AGENTD_SLOTS_MAX) {
		say(err, errlen, "the coordinator asks for %u slots (at most "
		    "%d)", n, AGENTD_SLOTS_MAX);
		return -EPROTO;
	}
	a->slots = calloc(n, sizeof(*a->slots));
	if (!a->slots)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct aslot *s = &a->slots[i];

		s->a = a;
		rc = launch_local_new(&s->l, 1, a->c.arg_max);
		if (rc)
			return rc;
		a->nslots = i + 1;
		rc = -pthread_create(&s->th, NULL, slot_main, s);
		if (rc)
			return rc;
		s->started = 1;
	}
	a->hello = 1;
	return 0;
}

/* Under a->mu. */
static struct aslot *slot_of(struct agentd *a, uint64_t id)
{
	unsigned i;

	for (i = 0; i < a->nslots; i++)
		if (a->slots[i].busy && a->slots[i].id == id)
			return &a->slots[i];
	return NULL;
}

/* Copy the job out of the decoder into one block the slot owns. */
static int take_job(struct agentd *a, struct aslot *s,
		    const struct wire_msg *m)
{
	size_t size, i, k, nenv, ptrs;
	char **v, *p;

	size = strlen(m->cmdline) + 1;
	for (i = 0; i < m->argc; i++)
		size += strlen(m->argv[i]) + 1;
	for (i = 0; i < m->nenv; i++)
		size += strlen(m->env[i]) + 1;
	ptrs = m->argc + 1 + a->nbase + m->nenv + 1;
	s->block = malloc(ptrs * sizeof(char *) + size);
	if (!s->block)
		return -ENOMEM;
	v = (char **)(void *)s->block;
	p = s->block + ptrs * sizeof(char *);
	s->argv = v;
	for (i = 0; i < m->argc; i++) {
		v[i] = p;
		p = stpcpy(p, m->argv[i]) + 1;
	}
	v[m->argc] = NULL;
	s->envp = v + m->argc + 1;
	nenv = 0;
	/* The agent's environment, less what the job sets itself. */
	for (i = 0; i < a->nbase; i++) {
		const char *b = a->c.environ[i], *eq = strchr(b, '=');
		size_t nl = eq ? (size_t)(eq - b) + 1 : strlen(b);

		for (k = 0; k < m->nenv; k++)
			if (!strncmp(m->env[k], b, nl))
				break;
		if (k == m->nenv)
			s->envp[nenv++] = (char *)b;
	}
	for (i = 0; i < m->nenv; i++) {
		s->envp[nenv++] = p;
		p = stpcpy(p, m->env[i]) + 1;
	}
	s->envp[nenv] = NULL;
	s->cmdline = p;
	strcpy(p, m->cmdline);
	s->seq = m->seq;
	s->jslot = m->slot;
	s->timeout = m->timeout;
	s->ts = m->termseq;
	return 0;
}

static int on_job(struct agentd *a, const struct wire_msg *m, char *err,
		  size_t errlen)
{
	struct aslot *s = NULL;
	struct wire_end e;
	unsigned i;
	int rc;

	pthread_mutex_lock(&a->mu);
	s = slot_of(a, m->id);
	pthread_mutex_unlock(&a->mu);
	if (s) {
		say(err, errlen, "job id %llu is already running",
		    (unsigned long long)m->id);
		return -EPROTO;
	}
	if (m->flags & WIRE_JOB_STDIN) {
		/* No --pipe yet: the job fails, the agent goes on. */
		memset(&e, 0, sizeof(e));
		e.id = m->id;
		e.rc = -EINVAL;
		e.msg = "this agent takes no standard input blocks";
		rc = wire_put_end(&a->fr, &e);
		return rc ? rc : send_frame(a, &a->fr, &a->mx);
	}
	/* Only this thread makes a slot busy: one found idle stays so. */
	pthread_mutex_lock(&a->mu);
	for (i = 0; i < a->nslots && !s; i++)
		if (!a->slots[i].busy)
			s = &a->slots[i];
	pthread_mutex_unlock(&a->mu);
	if (!s) {
		say(err, errlen, "job %llu came with all %u slots busy",
		    (unsigned long long)m->seq, a->nslots);
		return -EPROTO;
	}
	rc = take_job(a, s, m);
	if (rc)
		return rc;
	pthread_mutex_lock(&a->mu);
	if (m->termseq.n)
		a->ts = m->termseq;
	s->id = m->id;
	s->credit = WIRE_WINDOW;
	s->busy = 1;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	return 0;
}

static void on_signal(struct agentd *a, const struct wire_msg *m)
{
	struct aslot *s;
	unsigned i;

	pthread_mutex_lock(&a->mu);
	if (m->id == 0) {
		if (m->sig)
			a->killsig = m->sig;
		for (i = 0; i < a->nslots; i++)
			launch_signal(a->slots[i].l, m->sig);
	} else if ((s = slot_of(a, m->id)) && m->sig) {
		launch_signal(s->l, m->sig);
		s->alone = 1;
	}
	pthread_mutex_unlock(&a->mu);
}

static void on_credit(struct agentd *a, const struct wire_msg *m)
{
	struct aslot *s;

	pthread_mutex_lock(&a->mu);
	s = slot_of(a, m->id);
	if (s && s->credit < (long long)WIRE_FRAME_MAX * 64) {
		s->credit += m->credit;
		pthread_cond_broadcast(&a->cv);
	}
	pthread_mutex_unlock(&a->mu);
}

/* 1: BYE came; 0: go on; -errno. */
static int dispatch(struct agentd *a, const struct wire_msg *m, char *err,
		    size_t errlen)
{
	if (!a->hello && m->type != WIRE_HELLO) {
		say(err, errlen, "the coordinator sent a %s frame before its "
		    "hello", wire_type_name(m->type));
		return -EPROTO;
	}
	switch (m->type) {
	case WIRE_HELLO:
		if (a->hello)
			break;
		return start_slots(a, m, err, errlen);
	case WIRE_JOB:
		return on_job(a, m, err, errlen);
	case WIRE_SIGNAL:
		on_signal(a, m);
		return 0;
	case WIRE_CREDIT:
		on_credit(a, m);
		return 0;
	case WIRE_BYE:
		return 1;
	case WIRE_ERROR:
		say(err, errlen, "the coordinator gave up: %s", m->msg);
		return -ECONNABORTED;
	default:
		break;
	}
	say(err, errlen, "unexpected %s frame from the coordinator",
	    wire_type_name(m->type));
	return -EPROTO;
}

static int mux_to_wire(void *ctx, int chan, const char *p, size_t n)
{
	struct agentd *a = ctx;

	(void)chan;
	return wire_dec_feed(&a->dec, p, n);
}

/* Decode what arrived; 1 after BYE, 0 to go on, -errno. */
static int take_input(struct agentd *a, const char *p, size_t n, char *err,
		      size_t errlen)
{
	struct wire_msg m;
	int rc;

	if (a->c.chan >= 0) {
		rc = mux_dec_feed(&a->mdec, p, n, mux_to_wire, a);
		if (rc == -EPROTO)
			say(err, errlen, "malformed input from the "
			    "coordinator: %s", a->mdec.err);
	} else {
		rc = wire_dec_feed(&a->dec, p, n);
	}
	while (!rc && (rc = wire_dec_next(&a->dec, &m)) == 1)
		rc = dispatch(a, &m, err, errlen);
	if (rc == -EPROTO && !err[0])
		say(err, errlen, "malformed frame from the coordinator: %s",
		    a->dec.err);
	return rc;
}

static unsigned busy_slots(struct agentd *a)
{
	unsigned i, n = 0;

	for (i = 0; i < a->nslots; i++)
		n += a->slots[i].busy != 0;
	return n;
}

/* End every job with the termseq, and join the slot threads. */
static void end_all(struct agentd *a, int graceful)
{
	struct timespec ts;
	double until;
	size_t k;
	unsigned i;

	pthread_mutex_lock(&a->mu);
	a->stopping = 1;
	if (!graceful)
		a->dying = 1;
	pthread_cond_broadcast(&a->cv);
	for (k = 0; !graceful && k <= a->ts.n && busy_slots(a); k++) {
		int sig = k < a->ts.n ? a->ts.sig[k] : SIGKILL;

		a->killsig = sig;
		for (i = 0; i < a->nslots; i++)
			launch_signal(a->slots[i].l, sig);
		if (k == a->ts.n)
			break;
		until = clock_now() + a->ts.wait[k];
		while (busy_slots(a) && clock_now() < until) {
			/* The condvar uses CLOCK_REALTIME; a short wait
			 * keeps the walk right if that clock jumps. */
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 20 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&a->cv, &a->mu, &ts);
		}
	}
	pthread_mutex_unlock(&a->mu);
	for (i = 0; i < a->nslots; i++)
		if (a->slots[i].started) {
			pthread_join(a->slots[i].th, NULL);
			a->slots[i].started = 0;
		}
}

int agentd_run(struct agentd *a, char *err, size_t errlen)
{
	struct pollfd pf[2];
	char in[65536];
	ssize_t r;
	int rc;

	err[0] = '\0';
	rc = wire_put_hello(&a->fr, a->c.slots, a->c.node);
	if (!rc)
		rc = send_frame(a, &a->fr, &a->mx);
	while (!rc) {
		pf[0].fd = a->c.in_fd;
		pf[0].events = POLLIN;
		pf[1].fd = a->wake[0];
		pf[1].events = POLLIN;
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (pf[1].revents) {
			pthread_mutex_lock(&a->mu);
			rc = a->stopsig ? -EINTR : -EPIPE;
			pthread_mutex_unlock(&a->mu);
			if (rc == -EPIPE)
				say(err, errlen, "cannot write to the "
				    "coordinator");
			break;
		}
		if (!pf[0].revents)
			continue;
		r = read(a->c.in_fd, in, sizeof(in));
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0) {
			rc = -errno;
			say(err, errlen, "cannot read from the "
			    "coordinator: %s", strerror(errno));
		} else if (r == 0) {
			rc = -EPROTO;
			if (a->c.chan >= 0 && mux_dec_eof(&a->mdec))
				say(err, errlen, "input from the coordinator "
				    "ended inside a line");
			else if (wire_dec_eof(&a->dec))
				say(err, errlen, "input from the coordinator "
				    "ended inside a frame");
			else
				rc = -EPIPE;
		} else {
			rc = take_input(a, in, (size_t)r, err, errlen);
		}
	}
	if (rc == 1) {
		end_all(a, 1);
		rc = wire_put_bye(&a->fr);
		if (!rc)
			rc = send_frame(a, &a->fr, &a->mx);
		return rc;
	}
	if (rc == -EPROTO && err[0] && !wire_put_error(&a->fr, err))
		send_frame(a, &a->fr, &a->mx);
	end_all(a, 0);
	return rc;
}

void agentd_stop(struct agentd *a, int sig)
{
	pthread_mutex_lock(&a->mu);
	a->stopsig = sig ? sig : SIGTERM;
	pthread_mutex_unlock(&a->mu);
	wake_reader(a);
}

void agentd_free(struct agentd *a)
{
	unsigned i;

	if (!a)
		return;
	for (i = 0; i < a->nslots; i++) {
		launch_free(a->slots[i].l);
		free(a->slots[i].block);
		buf_release(&a->slots[i].fr);
		buf_release(&a->slots[i].mx);
	}
	free(a->slots);
	wire_dec_release(&a->dec);
	buf_release(&a->fr);
	buf_release(&a->mx);
	close(a->wake[0]);
	close(a->wake[1]);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->wmu);
	free(a);
}
