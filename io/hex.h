/*
 * hex: hexadecimal digits, the one place that reads them (percent
 * escapes in URLs, SHA-256 digests, "\xHH" separators).
 *
 * Thread-safety: pure functions. Errors: -1 for a byte that is not a
 * digit.
 */
#ifndef LANES_HEX_H
#define LANES_HEX_H

/* The value 0..15 of a hex digit in either case, or -1. */
int hex_val(int c);

#endif
