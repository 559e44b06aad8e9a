/*
 * wire: the protocol between a coordinating lanes and its agents (lanes
 * --agent on a node of a Slurm allocation; later at the far end of an ssh
 * connection). It is written for one ordered byte stream each way and
 * knows nothing about how that stream is carried.
 *
 * A frame is an 8-byte header -- payload length (u32, big-endian), type
 * (u8), two reserved zero bytes and a zero pad byte -- and the payload.
 * Integers are big-endian; a string is a u32 length and its bytes (no
 * NUL inside). A payload never exceeds WIRE_FRAME_MAX and an output or
 * stdin chunk never exceeds WIRE_CHUNK_MAX, so a reader's memory is
 * bounded whatever the peer sends.
 *
 * Conversation:
 *   1. Each side sends HELLO first (magic, WIRE_VERSION, node name,
 *      slots). The agent's slots are those it offers; the coordinator's
 *      are those it asks for (0: the agent decides). A peer whose
 *      version differs is refused with an ERROR frame.
 *   2. The coordinator sends JOB frames (job ids are its own, never 0),
 *      at most one per agent slot at a time, and SIGNAL frames (id 0:
 *      every job, now and later).
 *   3. The agent streams OUT chunks of a job's output. It starts with
 *      WIRE_WINDOW bytes of credit per job and may send no more than the
 *      credit the coordinator granted with CREDIT frames as it consumed
 *      them: a slow reader stops the job's pipe, not the agent's memory.
 *   4. END says how a job ended; no frame of that job follows it.
 *   5. BYE from the coordinator: no more jobs; the agent answers BYE and
 *      exits. End of stream without BYE means the peer is gone: the agent
 *      ends every job. ERROR carries a fatal reason before a side quits.
 *
 * Thread-safety: none inside; an encoder buffer or decoder belongs to one
 * thread at a time.
 * Errors: encoders return 0, -ENOMEM, or -EINVAL for a value the protocol
 * cannot carry (a frame over WIRE_FRAME_MAX, a NUL in a string). The
 * decoder returns -EPROTO for a malformed frame and leaves a one-line
 * reason in wire_dec.err; nothing is printed.
 */
#ifndef LANES_WIRE_H
#define LANES_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "launch.h"

#define WIRE_VERSION 1
#define WIRE_HDR 8
#define WIRE_FRAME_MAX (4u << 20)
#define WIRE_CHUNK_MAX (64u << 10)
#define WIRE_WINDOW (256u << 10)
#define WIRE_MSG_MAX 255	/* END and ERROR messages */
#define WIRE_SIG_MAX 64

enum wire_type {
	WIRE_HELLO = 1,
	WIRE_JOB,
	WIRE_STDIN,	/* a --pipe block for a job's stdin; 0 bytes: EOF */
	WIRE_OUT,
	WIRE_END,
	WIRE_SIGNAL,
	WIRE_CREDIT,
	WIRE_BYE,
	WIRE_ERROR,
	WIRE_TYPE_MAX = WIRE_ERROR
};

enum {
	WIRE_JOB_STDIN = 1,	/* stdin comes in STDIN frames, else
				 * /dev/null */
};

/*
 * A decoded frame. Which fields mean something depends on type; strings
 * and arrays point into the decoder and stay valid until its next
 * wire_dec_next() or wire_dec_feed().
 */
struct wire_msg {
	int type;
	uint64_t id;			/* JOB STDIN OUT END SIGNAL CREDIT:
				 * the coordinator's job id */
	/* HELLO */
	unsigned version;
	unsigned slots;
	const char *node;
	/* JOB */
	uint64_t seq;
	unsigned slot;
	unsigned flags;
	double timeout;			/* seconds, 0 for none */
	struct termseq termseq;
	const char *cmdline;
	char **argv;			/* NULL-terminated */
	size_t argc;
	char **env;			/* "NAME=value", NULL-terminated */
	size_t nenv;
	/* STDIN OUT */
	int stream;			/* OUT: 1 or 2 */
	const char *data;
	size_t len;
	/* END */
	int rc;				/* what launch_run() returned */
	int status;			/* as from waitpid() */
	long pid;
	int timed_out;
	int stopped;
	const char *msg;		/* END, ERROR */
	/* SIGNAL */
	int sig;
	/* CREDIT */
	uint32_t credit;
};

/* What a JOB frame carries; the encoder's input. */
struct wire_job {
	uint64_t id;
	uint64_t seq;
	unsigned slot;
	unsigned flags;
	double timeout;
	const struct termseq *termseq;	/* NULL: none */
	const char *cmdline;
	char *const *argv;		/* NULL-terminated, not empty */
	char *const *env;		/* additions, NULL-terminated; or
					 * NULL */
};

struct wire_end {
	uint64_t id;
	int rc;
	int status;
	long pid;
	int timed_out;
	int stopped;
	const char *msg;		/* "" or NULL for none */
};

/* Encoders append one whole frame to b (or leave b as it was). */
int wire_put_hello(struct buf *b, unsigned slots, const char *node);
int wire_put_job(struct buf *b, const struct wire_job *j);
int wire_put_stdin(struct buf *b, uint64_t id, const void *p, size_t n);
int wire_put_out(struct buf *b, uint64_t id, int stream, const void *p,
		 size_t n);
int wire_put_end(struct buf *b, const struct wire_end *e);
int wire_put_signal(struct buf *b, uint64_t id, int sig);
int wire_put_credit(struct buf *b, uint64_t id, uint32_t n);
int wire_put_bye(struct buf *b);
int wire_put_error(struct buf *b, const char *msg);

/* The incremental decoder: bytes may arrive split anywhere. */
struct wire_dec {
	struct buf in;		/* received, not yet decoded */
	size_t off;		/* decoded prefix of in */
	struct buf scratch;	/* NUL-terminated copies of strings */
	char **vec;		/* argv and env pointers */
	size_t veccap;
	int failed;		/* sticky -EPROTO */
	char err[160];
};

void wire_dec_init(struct wire_dec *d);
void wire_dec_release(struct wire_dec *d);
/* Append received bytes. 0 or -ENOMEM. */
int wire_dec_feed(struct wire_dec *d, const void *p, size_t n);
/*
 * The next whole frame: 1 and *m filled, 0 when more bytes are needed,
 * -EPROTO for a malformed frame (sticky; d->err says why), -ENOMEM.
 */
int wire_dec_next(struct wire_dec *d, struct wire_msg *m);
/* At end of stream: 0, or -EPROTO if a frame was cut short. */
int wire_dec_eof(struct wire_dec *d);

/* "hello", "job", ...: for messages; "?" for an unknown type. */
const char *wire_type_name(int type);

#endif
