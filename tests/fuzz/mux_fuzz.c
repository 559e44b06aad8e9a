/*
 * libFuzzer target for io/mux's line decoder, as both sides use it: the
 * coordinator reads every channel (a bad line of one channel is reported
 * for that channel only), an agent reads its own. The first input byte
 * picks the piece size and which reader; the decoded bytes go on into a
 * wire decoder, as they do in lanes.
 */
#include "mux.h"
#include "wire.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz.h"

static int to_wire(void *ctx, int chan, const char *p, size_t n)
{
	struct wire_dec *d = ctx;
	struct wire_msg m;
	int rc;

	FUZZ_CHECK(chan >= -1 && chan <= MUX_CHAN_MAX, "a valid channel");
	if (!p)
		return 0;	/* that channel broke; the others go on */
	FUZZ_CHECK(n > 0 && n < MUX_LINE_MAX, "a line's bytes are bounded");
	rc = wire_dec_feed(d, p, n);
	while (!rc && (rc = wire_dec_next(d, &m)) == 1)
		;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mux_dec md;
	struct wire_dec wd;
	size_t piece, off = 1;
	int rc = 0;

	if (size < 1)
		return 0;
	piece = (size_t)(data[0] & 0x7f) + 1;
	mux_dec_init(&md, data[0] & 0x80 ? 1 : MUX_ALL);
	wire_dec_init(&wd);
	while (off < size && !rc) {
		size_t n = size - off < piece ? size - off : piece;

		rc = mux_dec_feed(&md, (const char *)data + off, n, to_wire,
				  &wd);
		off += n;
	}
	if (!rc)
		mux_dec_eof(&md);
	wire_dec_release(&wd);
	return 0;
}
