/*
 * libFuzzer target for io/wire's decoder. The first input byte picks the
 * size of the pieces the rest is fed in, so split frames are explored
 * too. Every decoded frame is encoded again and must decode to the same
 * type: the encoder and decoder agree on what is valid.
 */
#include "wire.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz.h"
#include <string.h>

static void reencode(const struct wire_msg *m)
{
	struct buf b = BUF_INIT;
	struct wire_dec d;
	struct wire_msg m2;
	struct wire_end e;
	struct wire_job j;
	int rc = 0;

	switch (m->type) {
	case WIRE_HELLO:
		rc = wire_put_hello(&b, m->slots, m->node);
		break;
	case WIRE_JOB:
		memset(&j, 0, sizeof(j));
		j.id = m->id;
		j.seq = m->seq;
		j.slot = m->slot;
		j.flags = m->flags;
		j.timeout = m->timeout;
		j.termseq = &m->termseq;
		j.cmdline = m->cmdline;
		j.argv = m->argv;
		j.env = m->env;
		rc = wire_put_job(&b, &j);
		break;
	case WIRE_OUT:
		rc = wire_put_out(&b, m->id, m->stream, m->data, m->len);
		break;
	case WIRE_END:
		memset(&e, 0, sizeof(e));
		e.id = m->id;
		e.rc = m->rc;
		e.msg = m->msg;
		rc = wire_put_end(&b, &e);
		break;
	default:
		return;
	}
	FUZZ_CHECK(rc == 0, "a decoded frame encodes again");
	wire_dec_init(&d);
	FUZZ_CHECK(wire_dec_feed(&d, b.p, b.len) == 0 &&
		   wire_dec_next(&d, &m2) == 1 && m2.type == m->type,
		   "and decodes to the same type");
	wire_dec_release(&d);
	buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_dec d;
	struct wire_msg m;
	size_t piece, off = 1;
	int rc = 0;

	if (size < 1)
		return 0;
	piece = (size_t)data[0] + 1;
	wire_dec_init(&d);
	while (off < size && rc >= 0) {
		size_t n = size - off < piece ? size - off : piece;

		if (wire_dec_feed(&d, data + off, n))
			break;
		off += n;
		while ((rc = wire_dec_next(&d, &m)) == 1)
			reencode(&m);
	}
	if (rc == 0)
		wire_dec_eof(&d);
	wire_dec_release(&d);
	return 0;
}
