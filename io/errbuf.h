/*
 * errbuf: filling a caller's error buffer, as libcurl's
 * CURLOPT_ERRORBUFFER: lower layers that have more to say than an errno
 * write one line into a buffer the caller gives (err, errlen), and cmd/
 * prints it. A NULL or empty buffer takes nothing.
 *
 * Thread-safety: as snprintf. Errors: none.
 */
#ifndef LANES_ERRBUF_H
#define LANES_ERRBUF_H

#include <stdarg.h>
#include <stddef.h>

void errbuf_set(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void errbuf_vset(char *err, size_t errlen, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif
