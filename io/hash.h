/*
 * hash: the non-cryptographic hashes lanes uses to tell names apart
 * (the download name set, --results directory names). FNV-1a is simple
 * and streams (a hash can be continued with more bytes); hash_mix64()
 * spreads its bits for use as a table index. hash_splitmix64() is a
 * fast seedable sequence, plenty for jitter (not for secrets).
 *
 * Thread-safety: pure functions. Errors: none.
 */
#ifndef LANES_HASH_H
#define LANES_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV_INIT 0xcbf29ce484222325ULL

/* FNV-1a of p[0..n), continuing from h (HASH_FNV_INIT to start). */
uint64_t hash_fnv(uint64_t h, const void *p, size_t n);
/* The same over a NUL-terminated string. */
uint64_t hash_fnv_str(uint64_t h, const char *s);
/* A bijective finaliser (MurmurHash3's): every input bit moves every
 * output bit. */
uint64_t hash_mix64(uint64_t h);
/* The next number of the splitmix64 sequence whose state is *state. */
uint64_t hash_splitmix64(uint64_t *state);

#endif
