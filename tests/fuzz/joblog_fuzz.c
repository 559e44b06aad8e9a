/*
 * Fuzz io/joblog's reader, which --resume, --resume-failed and
 * --retry-failed trust with whatever a crash or another program left in
 * the log, and check what joblog.h promises:
 *   - any file loads (a bad line is counted, never fatal), into entries
 *     sorted by seq with one entry per seq, each found by
 *     joblog_lookup(), each command NUL-terminated at cmdlen;
 *   - the lines + bad lines are no more than the lines in the file;
 *   - what was loaded, written back with joblog_format(), loads again
 *     with no bad line and the same entries (times to the 3 decimals
 *     the format keeps), and writing that again gives the same bytes.
 * Input: the log file.
 */
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "fuzz.h"
#include "joblog.h"

/* Load bytes through a file, as --resume does. */
static void load(struct joblog *jl, const char *p, size_t n)
{
	char path[64];
	int fd;

	fd = memfd_create("joblog_fuzz", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0, "memfd_create");
	FUZZ_CHECK(n == 0 || write(fd, p, n) == (ssize_t)n, "write");
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	FUZZ_CHECK(joblog_load(jl, path) == 0, "any file loads");
	close(fd);
}

static void check_entries(const struct joblog *jl)
{
	for (size_t i = 0; i < jl->n; i++) {
		const struct joblog_entry *e = &jl->e[i];

		FUZZ_CHECK(i == 0 || jl->e[i - 1].seq < e->seq,
			   "sorted by seq, one per seq");
		FUZZ_CHECK(joblog_lookup(jl, e->seq) == e, "lookup finds it");
		FUZZ_CHECK(e->cmd[e->cmdlen] == '\0' &&
			   strlen(e->cmd) == e->cmdlen,
			   "command NUL-terminated at cmdlen");
		FUZZ_CHECK(e->signal >= 0, "no negative signal");
		FUZZ_CHECK(isfinite(e->start) && e->start >= 0 &&
			   isfinite(e->runtime) && e->runtime >= 0,
			   "times are finite and not negative");
	}
	if (jl->n)
		FUZZ_CHECK(!joblog_lookup(jl, jl->e[jl->n - 1].seq + 1) ||
			   jl->e[jl->n - 1].seq + 1 == 0,
			   "lookup of a missing seq fails");
}

static void format_all(struct buf *b, const struct joblog *jl)
{
	FUZZ_CHECK(joblog_header(b) == 0, "header");
	for (size_t i = 0; i < jl->n; i++)
		FUZZ_CHECK(joblog_format(b, &jl->e[i]) == 0, "format");
}

static int close_enough(double a, double b)
{
	return fabs(a - b) <= 0.0005 + fabs(a) * 1e-12;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct joblog a, b;
	struct buf t1 = BUF_INIT, t2 = BUF_INIT;
	size_t lines = 0, i;

	load(&a, (const char *)data, size);
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (size && data[size - 1] != '\n')
		lines++;
	FUZZ_CHECK(a.n + a.nbad <= lines, "no more entries than lines");
	check_entries(&a);

	format_all(&t1, &a);
	load(&b, t1.p, t1.len);
	FUZZ_CHECK(b.nbad == 0, "what was loaded writes back readable");
	FUZZ_CHECK(b.n == a.n, "and reads back whole");
	for (i = 0; i < a.n && i < b.n; i++) {
		const struct joblog_entry *x = &a.e[i], *y = &b.e[i];

		FUZZ_CHECK(x->seq == y->seq && x->exitval == y->exitval &&
			   x->signal == y->signal &&
			   x->received == y->received, "same numbers");
		FUZZ_CHECK(x->cmdlen == y->cmdlen &&
			   !memcmp(x->cmd, y->cmd, x->cmdlen),
			   "same command");
		FUZZ_CHECK(close_enough(x->start, y->start) &&
			   close_enough(x->runtime, y->runtime),
			   "same times to the millisecond");
	}
	check_entries(&b);
	format_all(&t2, &b);
	FUZZ_CHECK(t1.len == t2.len && !memcmp(t1.p, t2.p, t1.len),
		   "written again, the same bytes");

	buf_release(&t1);
	buf_release(&t2);
	joblog_release(&a);
	joblog_release(&b);
	return 0;
}
