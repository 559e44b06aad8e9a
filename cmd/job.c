#include "job.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct job *job_new(unsigned long long seq, const struct tmpl_arg *args,
		    size_t nargs, const char *tmpdir)
{
	struct job *j = calloc(1, sizeof(*j) + tmpl_args_size(args, nargs));

	if (!j)
		return NULL;
	j->args = tmpl_args_copy(j + 1, args, nargs);
	j->nargs = nargs;
	j->seq = seq;
	cap_init(&j->out, tmpdir);
	cap_init(&j->err, tmpdir);
	buf_init(&j->tag);
	buf_init(&j->cmdline);
	return j;
}

void job_free(struct job *j)
{
	if (!j)
		return;
	cap_release(&j->out);
	cap_release(&j->err);
	buf_release(&j->tag);
	buf_release(&j->cmdline);
	free(j->msg);
	free(j);
}

void job_fail(struct job *j, int status, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	free(j->msg);
	j->msg = m;
	j->status = status;
	j->failed = 1;
}

void job_reset(struct job *j)
{
	cap_reset(&j->out);
	cap_reset(&j->err);
	free(j->msg);
	j->msg = NULL;
	j->failed = j->sig = j->status = j->timed_out = 0;
	j->streamed = 0;
}
