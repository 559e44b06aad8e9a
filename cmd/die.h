/*
 * die: lanes' diagnostics, in one format: "lanes: MESSAGE" on standard
 * error, lower case, the subject in single quotes, no full stop. Only cmd/
 * prints; lower layers return error codes.
 *
 * Thread-safety: error() may be called from any thread (one write(2) per
 * message, so messages never interleave); die*() end the process.
 */
#ifndef LANES_DIE_H
#define LANES_DIE_H

#define EXIT_LANES 255

/* Print the message and go on. */
void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the message and exit 255. */
_Noreturn void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* Print the message and the --help hint and exit 255. */
_Noreturn void die_usage(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif
