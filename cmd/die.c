#include "die.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "out.h"

static void vreport(const char *fmt, va_list ap, int hint)
{
	char msg[4096];
	int n, m;

	n = snprintf(msg, sizeof(msg), "lanes: ");
	m = vsnprintf(msg + n, sizeof(msg) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(msg) - 2)
		n = (int)sizeof(msg) - 2;
	msg[n++] = '\n';
	if (hint)
		n += snprintf(msg + n, sizeof(msg) - (size_t)n,
			      "Try 'lanes --help' for more information.\n");
	if (n > (int)sizeof(msg) - 1)
		n = (int)sizeof(msg) - 1;
	out_write(STDERR_FILENO, msg, (size_t)n);
}

void error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap, 0);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap, 0);
	va_end(ap);
	exit(EXIT_LANES);
}

void die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap, 1);
	va_end(ap);
	exit(EXIT_LANES);
}
