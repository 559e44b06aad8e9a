/*
 * json: writing JSON text for --json. Any byte string becomes a valid JSON
 * string: valid UTF-8 passes through (with the escapes JSON requires:
 * quote, backslash, control characters as \n \t \r \b \f or \u00XX, and
 * U+2028/U+2029 escaped as \u2028/\u2029 for JavaScript's sake); every
 * byte that is not part of valid UTF-8 (including overlong forms,
 * surrogates encoded in UTF-8, and code points above U+10FFFF) is written
 * as the lone low surrogate \udcXX where XX is the byte, Python's
 * "surrogateescape" convention: deterministic, and reversible by a reader
 * that knows it (Python: s.encode('utf-8', 'surrogateescape')). Hex
 * digits are lower case, as Python writes them. The output is ASCII plus
 * the input's valid UTF-8, so it is valid UTF-8 itself.
 *
 * Thread-safety: no shared state. Errors: 0 or -ENOMEM; on error the
 * buffer (and a stream's state) is as it was before the call.
 */
#ifndef LANES_JSON_H
#define LANES_JSON_H

#include <stddef.h>

#include "buf.h"

/* Append s[0..n) as a JSON string, with the surrounding quotes. */
int json_str(struct buf *b, const char *s, size_t n);

/*
 * Streaming form, for strings too long to hold in memory: json_begin()
 * appends the opening quote, json_chunk() appends escaped bytes (a UTF-8
 * sequence split across chunks is handled: the state carries up to three
 * pending bytes), json_end() flushes pending bytes and appends the closing
 * quote. json_begin() initialises the state. The output is the same bytes
 * as json_str() gives for the whole string, however it is cut.
 */
struct json_stream {
	unsigned char pend[4];
	size_t npend;
};

int json_begin(struct json_stream *js, struct buf *b);
int json_chunk(struct json_stream *js, struct buf *b, const char *s,
	       size_t n);
int json_end(struct json_stream *js, struct buf *b);

#endif
