/*
 * mux: many byte streams over one line-oriented channel, for the Slurm
 * step whose tasks share srun's standard input and output. srun sends
 * its standard input to every task (--input=all) and merges the tasks'
 * standard output, keeping each line whole as long as it is short, so a
 * stream is cut into lines of at most MUX_LINE_MAX bytes:
 *
 *   CHANNEL ":" BASE64 "\n"
 *
 * CHANNEL is the task number in decimal (the agent's SLURM_PROCID), or
 * "*" for every task. Each reader keeps the bytes of its own channel, in
 * order; bytes of different channels may interleave line by line.
 *
 * Thread-safety: none inside; a decoder belongs to one thread.
 * Errors: 0 or -errno; a malformed line is -EPROTO with a reason in
 * mux_dec.err; nothing is printed.
 */
#ifndef LANES_MUX_H
#define LANES_MUX_H

#include <stddef.h>

#include "buf.h"

#define MUX_LINE_MAX 1000	/* srun keeps lines of 1000 bytes whole */
#define MUX_RAW_LINE 720	/* raw bytes per line: 960 in base64 */
#define MUX_ALL (-1)		/* the channel of every task */
#define MUX_CHAN_MAX 65535

/* Append n bytes for channel chan (or MUX_ALL) as lines to b. */
int mux_put(struct buf *b, int chan, const void *p, size_t n);

/*
 * Receives one line's decoded bytes; a non-zero return stops feeding.
 * For a decoder of MUX_ALL, p NULL means a line of channel chan was
 * malformed (the reason is in mux_dec.err); other channels go on.
 */
typedef int mux_sink(void *ctx, int chan, const char *p, size_t n);

struct mux_dec {
	char line[MUX_LINE_MAX];
	size_t len;
	int want;		/* a channel, or MUX_ALL for all of them */
	int failed;
	char err[120];
};

/* want: keep lines of this channel and of "*"; MUX_ALL keeps all. */
void mux_dec_init(struct mux_dec *d, int want);
/* Feed received bytes; whole lines of a kept channel go to sink. */
int mux_dec_feed(struct mux_dec *d, const char *p, size_t n,
		 mux_sink *sink, void *ctx);
/* At end of input: 0, or -EPROTO if a line was cut short. */
int mux_dec_eof(struct mux_dec *d);

#endif
