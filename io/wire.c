/*
 * DESIGN: the decoder never trusts a length. The header's payload length
 * is checked against WIRE_FRAME_MAX before a byte of the payload is
 * awaited, and inside a payload every count and string length is checked
 * against the bytes that are left before anything is read or allocated,
 * so a peer can make us wait for at most one frame's bytes and never
 * allocate more than the frame it sent. A frame is decoded only once all
 * of it is buffered; a payload with bytes left over is malformed too, so
 * a stream that lost sync fails at once instead of mis-reading the next
 * frame.
 */
#include "wire.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char wire_magic[8] = "lanes\0wp";

const char *wire_type_name(int type)
{
	static const char *const names[] = {
		NULL, "hello", "job", "stdin", "output", "end", "signal",
		"credit", "bye", "error",
	};

	return type > 0 && type <= WIRE_TYPE_MAX ? names[type] : "?";
}

/* --- encoding ----------------------------------------------------------- */

static void put_u32(char *p, uint32_t v)
{
	p[0] = (char)(v >> 24);
	p[1] = (char)(v >> 16);
	p[2] = (char)(v >> 8);
	p[3] = (char)v;
}

static int add_u8(struct buf *b, unsigned v)
{
	return buf_addch(b, (char)v);
}

static int add_u32(struct buf *b, uint32_t v)
{
	char p[4];

	put_u32(p, v);
	return buf_add(b, p, 4);
}

static int add_u64(struct buf *b, uint64_t v)
{
	char p[8];

	put_u32(p, (uint32_t)(v >> 32));
	put_u32(p + 4, (uint32_t)v);
	return buf_add(b, p, 8);
}

static int add_str(struct buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	int rc;

	if (n > WIRE_FRAME_MAX)
		return -EINVAL;
	rc = add_u32(b, (uint32_t)n);
	return rc ? rc : buf_add(b, s, n);
}

static uint64_t secs_to_us(double s)
{
	if (!(s > 0))
		return 0;
	if (s > 1e12)
		s = 1e12;
	return (uint64_t)(s * 1e6 + 0.5);
}

/* Start a frame: the header with a length patched in by frame_end(). */
static size_t frame_begin(struct buf *b, int type, int *rc)
{
	char h[WIRE_HDR] = { 0 };
	size_t at = b->len;

	h[4] = (char)type;
	*rc = buf_add(b, h, sizeof(h));
	return at;
}

/* Patch the length in, or take the frame back out on any error. */
static int frame_end(struct buf *b, size_t at, int rc)
{
	size_t n = b->len - at - WIRE_HDR;

	if (!rc && n > WIRE_FRAME_MAX)
		rc = -EINVAL;
	if (rc) {
		b->len = at;
		if (b->p)
			b->p[at] = '\0';
		return rc;
	}
	put_u32(b->p + at, (uint32_t)n);
	return 0;
}

int wire_put_hello(struct buf *b, unsigned slots, const char *node)
{
	int rc;
	size_t at = frame_begin(b, WIRE_HELLO, &rc);

	if (!rc)
		rc = buf_add(b, wire_magic, sizeof(wire_magic));
	if (!rc)
		rc = add_u32(b, WIRE_VERSION);
	if (!rc)
		rc = add_u32(b, slots);
	if (!rc)
		rc = add_str(b, node);
	return frame_end(b, at, rc);
}

static int add_strv(struct buf *b, char *const *v)
{
	size_t n = 0, i;
	int rc;

	while (v && v[n])
		n++;
	rc = add_u32(b, (uint32_t)n);
	for (i = 0; !rc && i < n; i++)
		rc = add_str(b, v[i]);
	return rc;
}

int wire_put_job(struct buf *b, const struct wire_job *j)
{
	const struct termseq *ts = j->termseq;
	size_t nts = ts ? ts->n : 0, i;
	int rc;
	size_t at;

	if (!j->id || !j->argv || !j->argv[0] || nts > 8)
		return -EINVAL;
	at = frame_begin(b, WIRE_JOB, &rc);
	if (!rc)
		rc = add_u64(b, j->id);
	if (!rc)
		rc = add_u64(b, j->seq);
	if (!rc)
		rc = add_u32(b, j->slot);
	if (!rc)
		rc = add_u32(b, j->flags);
	if (!rc)
		rc = add_u64(b, secs_to_us(j->timeout));
	if (!rc)
		rc = add_u32(b, (uint32_t)nts);
	for (i = 0; !rc && i < nts; i++) {
		rc = add_u32(b, (uint32_t)ts->sig[i]);
		if (!rc)
			rc = add_u64(b, secs_to_us(ts->wait[i]));
	}
	if (!rc)
		rc = add_str(b, j->cmdline);
	if (!rc)
		rc = add_strv(b, j->argv);
	if (!rc)
		rc = add_strv(b, j->env);
	return frame_end(b, at, rc);
}

static int put_chunk(struct buf *b, int type, uint64_t id, int stream,
		     const void *p, size_t n)
{
	int rc;
	size_t at;

	if (!id || n > WIRE_CHUNK_MAX)
		return -EINVAL;
	at = frame_begin(b, type, &rc);
	if (!rc)
		rc = add_u64(b, id);
	if (!rc && type == WIRE_OUT)
		rc = add_u8(b, (unsigned)stream);
	if (!rc)
		rc = buf_add(b, p, n);
	return frame_end(b, at, rc);
}

int wire_put_stdin(struct buf *b, uint64_t id, const void *p, size_t n)
{
	return put_chunk(b, WIRE_STDIN, id, 0, p, n);
}

int wire_put_out(struct buf *b, uint64_t id, int stream, const void *p,
		 size_t n)
{
	if (stream != 1 && stream != 2)
		return -EINVAL;
	return put_chunk(b, WIRE_OUT, id, stream, p, n);
}

/* A message cut to WIRE_MSG_MAX bytes, as the decoder accepts it. */
static int add_msg(struct buf *b, const char *msg)
{
	size_t n = msg ? strnlen(msg, WIRE_MSG_MAX) : 0;
	int rc = add_u32(b, (uint32_t)n);

	return rc ? rc : buf_add(b, msg, n);
}

int wire_put_end(struct buf *b, const struct wire_end *e)
{
	int rc;
	size_t at;

	if (!e->id)
		return -EINVAL;
	at = frame_begin(b, WIRE_END, &rc);
	if (!rc)
		rc = add_u64(b, e->id);
	if (!rc)
		rc = add_u32(b, (uint32_t)e->rc);
	if (!rc)
		rc = add_u32(b, (uint32_t)e->status);
	if (!rc)
		rc = add_u32(b, (uint32_t)e->pid);
	if (!rc)
		rc = add_u8(b, !!e->timed_out);
	if (!rc)
		rc = add_u8(b, !!e->stopped);
	if (!rc)
		rc = add_msg(b, e->msg);
	return frame_end(b, at, rc);
}

int wire_put_signal(struct buf *b, uint64_t id, int sig)
{
	int rc;
	size_t at;

	if (sig < 0 || sig > WIRE_SIG_MAX)
		return -EINVAL;
	at = frame_begin(b, WIRE_SIGNAL, &rc);
	if (!rc)
		rc = add_u64(b, id);
	if (!rc)
		rc = add_u32(b, (uint32_t)sig);
	return frame_end(b, at, rc);
}

int wire_put_credit(struct buf *b, uint64_t id, uint32_t n)
{
	int rc;
	size_t at;

	if (!id)
		return -EINVAL;
	at = frame_begin(b, WIRE_CREDIT, &rc);
	if (!rc)
		rc = add_u64(b, id);
	if (!rc)
		rc = add_u32(b, n);
	return frame_end(b, at, rc);
}

int wire_put_bye(struct buf *b)
{
	int rc;
	size_t at = frame_begin(b, WIRE_BYE, &rc);

	return frame_end(b, at, rc);
}

int wire_put_error(struct buf *b, const char *msg)
{
	int rc;
	size_t at = frame_begin(b, WIRE_ERROR, &rc);

	if (!rc)
		rc = add_msg(b, msg);
	return frame_end(b, at, rc);
}

/* --- decoding ----------------------------------------------------------- */

void wire_dec_init(struct wire_dec *d)
{
	memset(d, 0, sizeof(*d));
	buf_init(&d->in);
	buf_init(&d->scratch);
}

void wire_dec_release(struct wire_dec *d)
{
	buf_release(&d->in);
	buf_release(&d->scratch);
	free(d->vec);
	d->vec = NULL;
}

int wire_dec_feed(struct wire_dec *d, const void *p, size_t n)
{
	if (d->off) {
		/* Drop what was decoded before growing. */
		memmove(d->in.p, d->in.p + d->off, d->in.len - d->off);
		d->in.len -= d->off;
		d->off = 0;
	}
	return buf_add(&d->in, p, n);
}

__attribute__((format(printf, 2, 3)))
static int fail(struct wire_dec *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	d->failed = 1;
	return -EPROTO;
}

/* A cursor over one payload; ok drops to 0 on the first short read. */
struct rd {
	const unsigned char *p;
	size_t left;
	int ok;
	int nul;		/* a string held a NUL */
	const char *what;	/* the field being read, for the message */
};

static uint32_t get_u32(struct rd *r, const char *what)
{
	uint32_t v;

	if (!r->ok || r->left < 4) {
		if (r->ok)
			r->what = what;
		r->ok = 0;
		return 0;
	}
	v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	    (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->left -= 4;
	return v;
}

static uint64_t get_u64(struct rd *r, const char *what)
{
	uint64_t hi = get_u32(r, what);

	return hi << 32 | get_u32(r, what);
}

static unsigned get_u8(struct rd *r, const char *what)
{
	if (!r->ok || r->left < 1) {
		if (r->ok)
			r->what = what;
		r->ok = 0;
		return 0;
	}
	r->left--;
	return *r->p++;
}

/*
 * Total bytes of the strings of this payload, with terminators: at most
 * the payload, so scratch can be sized once and pointers into it never
 * move while a frame is decoded.
 */
static int scratch_for(struct wire_dec *d, size_t payload)
{
	buf_reset(&d->scratch);
	return buf_reserve(&d->scratch, payload + 1);
}

/* A string's copy in scratch; NULL (and r->ok 0) if it does not fit. */
static char *get_str(struct wire_dec *d, struct rd *r, const char *what,
		     size_t max)
{
	uint32_t n = get_u32(r, what);
	char *s;

	if (!r->ok)
		return NULL;
	if (n > r->left || n > max) {
		r->what = what;
		r->ok = 0;
		return NULL;
	}
	if (memchr(r->p, '\0', n)) {
		r->what = what;
		r->ok = 0;
		r->nul = 1;
		return NULL;
	}
	/* Cannot fail: scratch_for() reserved the whole payload. */
	s = d->scratch.p + d->scratch.len;
	buf_add(&d->scratch, r->p, n);
	buf_addch(&d->scratch, '\0');
	r->p += n;
	r->left -= n;
	return s;
}

/* n strings into vec[at..at+n], NULL after them. */
static int get_strv(struct wire_dec *d, struct rd *r, size_t at,
		    const char *what, size_t *count)
{
	uint32_t n = get_u32(r, what);
	size_t i;

	if (!r->ok)
		return 0;
	/* Each string takes at least its 4-byte length. */
	if (n > r->left / 4) {
		r->what = what;
		r->ok = 0;
		return 0;
	}
	if (at + n + 1 > d->veccap) {
		size_t cap = at + n + 1;
		char **v = realloc(d->vec, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->vec = v;
		d->veccap = cap;
	}
	for (i = 0; i < n && r->ok; i++)
		d->vec[at + i] = get_str(d, r, what, WIRE_FRAME_MAX);
	d->vec[at + n] = NULL;
	*count = n;
	return 0;
}

static int dec_job(struct wire_dec *d, struct rd *r, struct wire_msg *m)
{
	size_t i;
	int rc;

	m->id = get_u64(r, "job id");
	m->seq = get_u64(r, "sequence number");
	m->slot = get_u32(r, "slot");
	m->flags = get_u32(r, "flags");
	m->timeout = (double)get_u64(r, "timeout") / 1e6;
	m->termseq.n = get_u32(r, "termseq length");
	if (r->ok && m->termseq.n > 8)
		return fail(d, "job frame: %zu termseq steps (at most 8)",
			    m->termseq.n);
	for (i = 0; r->ok && i < m->termseq.n; i++) {
		m->termseq.sig[i] = (int)get_u32(r, "termseq signal");
		m->termseq.wait[i] = (double)get_u64(r, "termseq wait") / 1e6;
		if (r->ok && (m->termseq.sig[i] < 1 ||
			      m->termseq.sig[i] > WIRE_SIG_MAX))
			return fail(d, "job frame: bad termseq signal %d",
				    m->termseq.sig[i]);
	}
	m->cmdline = get_str(d, r, "command line", WIRE_FRAME_MAX);
	rc = get_strv(d, r, 0, "argument", &m->argc);
	if (rc)
		return rc;
	if (r->ok && m->argc == 0)
		return fail(d, "job frame: empty argument list");
	rc = get_strv(d, r, m->argc + 1, "environment", &m->nenv);
	if (rc)
		return rc;
	if (!r->ok)
		return 0;
	m->argv = d->vec;
	m->env = d->vec + m->argc + 1;
	for (i = 0; i < m->nenv; i++)
		if (!strchr(m->env[i], '=') || m->env[i][0] == '=')
			return fail(d, "job frame: environment entry without "
				    "a name: '%.40s'", m->env[i]);
	if (!m->id)
		return fail(d, "job frame: job id 0");
	if (m->flags & ~(unsigned)WIRE_JOB_STDIN)
		return fail(d, "job frame: unknown flags %#x", m->flags);
	return 0;
}

static int dec_payload(struct wire_dec *d, int type, struct rd *r,
		       struct wire_msg *m)
{
	int rc = 0;

	switch (type) {
	case WIRE_HELLO:
		if (r->left < sizeof(wire_magic) ||
		    memcmp(r->p, wire_magic, sizeof(wire_magic)))
			return fail(d, "hello frame: not a lanes peer "
				    "(bad magic)");
		r->p += sizeof(wire_magic);
		r->left -= sizeof(wire_magic);
		m->version = get_u32(r, "version");
		m->slots = get_u32(r, "slots");
		m->node = get_str(d, r, "node name", 1024);
		break;
	case WIRE_JOB:
		rc = dec_job(d, r, m);
		break;
	case WIRE_STDIN:
	case WIRE_OUT:
		m->id = get_u64(r, "job id");
		if (type == WIRE_OUT)
			m->stream = (int)get_u8(r, "stream");
		if (!r->ok)
			break;
		if (!m->id)
			return fail(d, "%s frame: job id 0",
				    wire_type_name(type));
		if (type == WIRE_OUT && m->stream != 1 && m->stream != 2)
			return fail(d, "output frame: bad stream %d",
				    m->stream);
		if (r->left > WIRE_CHUNK_MAX)
			return fail(d, "%s frame: chunk of %zu bytes (at most "
				    "%u)", wire_type_name(type), r->left,
				    WIRE_CHUNK_MAX);
		m->data = (const char *)r->p;
		m->len = r->left;
		r->p += r->left;
		r->left = 0;
		break;
	case WIRE_END:
		m->id = get_u64(r, "job id");
		m->rc = (int)get_u32(r, "return code");
		m->status = (int)get_u32(r, "status");
		m->pid = (long)get_u32(r, "pid");
		m->timed_out = (int)get_u8(r, "timed out");
		m->stopped = (int)get_u8(r, "stopped");
		m->msg = get_str(d, r, "message", WIRE_MSG_MAX);
		if (r->ok && (!m->id || m->rc > 0 || m->timed_out > 1 ||
				  m->stopped > 1))
			return fail(d, "end frame: bad values");
		break;
	case WIRE_SIGNAL:
		m->id = get_u64(r, "job id");
		m->sig = (int)get_u32(r, "signal");
		if (r->ok && (m->sig < 0 || m->sig > WIRE_SIG_MAX))
			return fail(d, "signal frame: bad signal %d", m->sig);
		break;
	case WIRE_CREDIT:
		m->id = get_u64(r, "job id");
		m->credit = get_u32(r, "credit");
		if (r->ok && !m->id)
			return fail(d, "credit frame: job id 0");
		break;
	case WIRE_BYE:
		break;
	case WIRE_ERROR:
		m->msg = get_str(d, r, "message", WIRE_MSG_MAX);
		break;
	default:
		return fail(d, "unknown frame type %d", type);
	}
	return rc;
}

int wire_dec_next(struct wire_dec *d, struct wire_msg *m)
{
	const unsigned char *h;
	size_t have = d->in.len - d->off;
	uint32_t n;
	struct rd r;
	int type, rc;

	if (d->failed)
		return -EPROTO;
	if (have < WIRE_HDR)
		return 0;
	h = (const unsigned char *)d->in.p + d->off;
	n = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
	    (uint32_t)h[2] << 8 | h[3];
	type = h[4];
	if (type < 1 || type > WIRE_TYPE_MAX)
		return fail(d, "unknown frame type %d", type);
	if (h[5] || h[6] || h[7])
		return fail(d, "%s frame: reserved header bytes are not 0",
			    wire_type_name(type));
	if (n > WIRE_FRAME_MAX)
		return fail(d, "%s frame of %lu bytes (at most %u)",
			    wire_type_name(type), (unsigned long)n,
			    WIRE_FRAME_MAX);
	if (have - WIRE_HDR < n)
		return 0;
	memset(m, 0, sizeof(*m));
	m->type = type;
	rc = scratch_for(d, n);
	if (rc)
		return rc;
	r.p = h + WIRE_HDR;
	r.left = n;
	r.ok = 1;
	r.nul = 0;
	r.what = "";
	rc = dec_payload(d, type, &r, m);
	if (rc)
		return rc;
	if (r.nul)
		return fail(d, "%s frame: NUL byte in %s",
			    wire_type_name(type), r.what);
	if (!r.ok)
		return fail(d, "%s frame: %s runs past the end of the frame",
			    wire_type_name(type), r.what);
	if (r.left)
		return fail(d, "%s frame: %zu bytes left over",
			    wire_type_name(type), r.left);
	d->off += WIRE_HDR + n;
	return 1;
}

int wire_dec_eof(struct wire_dec *d)
{
	size_t have = d->in.len - d->off;

	if (d->failed)
		return -EPROTO;
	if (!have)
		return 0;
	return fail(d, "stream ended inside a frame (%zu bytes of it)", have);
}
