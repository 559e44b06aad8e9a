#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirs.h"
#include "hash.h"
#include "joblog.h"
#include "json.h"
#include "out.h"

int report_joblog_open(const char *spec, int append, char *err,
		       size_t errlen)
{
	struct buf b = BUF_INIT;
	struct stat st;
	int fd, flags = O_WRONLY | O_CREAT | O_CLOEXEC;

	if (!strcmp(spec, "-"))
		fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	else {
		if (spec[0] == '+') {
			spec++;
			append = 1;
		}
		flags |= append ? O_APPEND | O_RDWR : O_TRUNC;
		if (append)
			flags &= ~O_WRONLY;
		fd = open(spec, flags, 0666);
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot open job log '%s': %s", spec,
			 strerror(errno));
		return -errno;
	}
	/* A log torn by a crash must not glue our first line onto its last. */
	if (append && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > 0) {
		char last;

		if (pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n' &&
		    out_write(fd, "\n", 1)) {
			snprintf(err, errlen, "cannot write job log '%s': %s",
				 spec, strerror(errno));
			close(fd);
			return -EIO;
		}
	}
	if (!strcmp(spec, "-") || (fstat(fd, &st) == 0 &&
				   (!S_ISREG(st.st_mode) || st.st_size == 0))) {
		int rc = joblog_header(&b);

		if (!rc)
			rc = out_write(fd, b.p, b.len);
		buf_release(&b);
		if (rc) {
			snprintf(err, errlen, "cannot write job log '%s': %s",
				 spec, strerror(-rc));
			close(fd);
			return rc;
		}
	}
	return fd;
}

int report_joblog(int fd, const struct job *j)
{
	struct joblog_entry e;
	struct buf b = BUF_INIT;
	int rc;

	e.seq = j->seq;
	e.start = j->start;
	e.runtime = j->runtime;
	e.sent = j->sent;
	e.received = cap_total(&j->out) + cap_total(&j->err) + j->streamed;
	/* As GNU parallel: -1 for a job we killed on --timeout; a job that
	 * died of a signal on its own has exit value 0 and the signal. */
	e.exitval = j->timed_out ? -1 : j->sig ? 0 : j->status;
	e.signal = j->sig;
	e.host = j->host;
	e.cmd = buf_str(&j->cmdline);
	e.cmdlen = j->cmdline.len;
	rc = joblog_format(&b, &e);
	if (!rc)
		rc = out_write(fd, b.p, b.len);
	buf_release(&b);
	return rc;
}

struct json_sink {
	int fd;
	struct buf *b;
	struct json_stream js;
};

static int json_sink_add(void *ctx, const char *p, size_t n)
{
	struct json_sink *s = ctx;
	int rc = json_chunk(&s->js, s->b, p, n);

	if (!rc && s->b->len > (1 << 20)) {
		rc = out_write(s->fd, s->b->p, s->b->len);
		buf_reset(s->b);
	}
	return rc;
}

/* Stream a capture into b as a JSON string, flushing b to fd as it grows
 * so a job's gigabytes never sit in memory at once. */
static int json_capture(int fd, struct buf *b,
			const struct capture *c)
{
	struct json_sink s = { .fd = fd, .b = b };
	int rc = json_begin(&s.js, b);

	if (!rc)
		rc = cap_each(c, json_sink_add, &s);
	if (!rc)
		rc = json_end(&s.js, b);
	return rc;
}

int report_json(int fd, struct job *j)
{
	struct buf b = BUF_INIT;
	char num[128];
	size_t i;
	int rc;

	snprintf(num, sizeof(num), "{\"seq\":%llu,\"slot\":%u,",
		 j->seq, j->slot);
	rc = buf_addstr(&b, num);
	/* The node a remote job ran on (--slurm); none for local jobs. */
	if (!rc && j->host[0]) {
		rc = buf_addstr(&b, "\"node\":");
		if (!rc)
			rc = json_str(&b, j->host, strlen(j->host));
		if (!rc)
			rc = buf_addch(&b, ',');
	}
	if (!rc)
		rc = buf_addstr(&b, "\"command\":");
	if (!rc)
		rc = json_str(&b, buf_str(&j->cmdline), j->cmdline.len);
	if (!rc)
		rc = buf_addstr(&b, ",\"args\":[");
	for (i = 0; !rc && i < j->nargs; i++) {
		if (i)
			rc = buf_addch(&b, ',');
		if (!rc)
			rc = json_str(&b, j->args[i].p, j->args[i].len);
	}
	if (!rc)
		rc = buf_addch(&b, ']');
	/* A remote job says where it ran; a local one has no host. */
	if (!rc && j->host[0]) {
		rc = buf_addstr(&b, ",\"host\":");
		if (!rc)
			rc = json_str(&b, j->host, strlen(j->host));
	}
	if (!rc) {
		snprintf(num, sizeof(num), ",\"exit\":%d,\"signal\":%d,"
			 "\"timed_out\":%s,\"start\":%.3f,\"runtime\":%.3f,"
			 "\"stdout\":",
			 j->timed_out ? -1 : j->sig ? 0 : j->status, j->sig,
			 j->timed_out ? "true" : "false", j->start,
			 j->runtime);
		rc = buf_addstr(&b, num);
	}
	if (!rc)
		rc = json_capture(fd, &b, &j->out);
	if (!rc)
		rc = buf_addstr(&b, ",\"stderr\":");
	if (!rc)
		rc = json_capture(fd, &b, &j->err);
	if (!rc)
		rc = buf_addstr(&b, ",\"error\":");
	if (!rc)
		rc = j->msg ? json_str(&b, j->msg, strlen(j->msg))
			    : buf_addstr(&b, "null");
	if (!rc)
		rc = buf_addstr(&b, "}\n");
	if (!rc)
		rc = out_write(fd, b.p, b.len);
	buf_release(&b);
	return rc;
}

int report_table_kind(const char *results)
{
	size_t n = strlen(results);

	if (n > 4 && !strcmp(results + n - 4, ".tsv"))
		return TABLE_TSV;
	if (n > 4 && !strcmp(results + n - 4, ".csv"))
		return TABLE_CSV;
	if (n > 5 && !strcmp(results + n - 5, ".json"))
		return TABLE_JSON;
	return 0;
}

static int needs_quotes(const char *p, size_t n, char sep)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == sep || p[i] == '"' || p[i] == ' ' ||
		    p[i] == '\t' || p[i] == '\n' || p[i] == '\r')
			return 1;
	return 0;
}

/* One CSV/TSV field of n bytes at p, quoted when needed. */
static int table_chunk(struct buf *b, const char *p, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++)
		rc = p[i] == '"' ? buf_add(b, "\"\"", 2)
				 : buf_addch(b, p[i]);
	return rc;
}

static int table_field(struct buf *b, const char *p, size_t n, char sep)
{
	int q = needs_quotes(p, n, sep), rc;

	rc = buf_addch(b, sep);
	if (!rc && q)
		rc = buf_addch(b, '"');
	if (!rc)
		rc = q ? table_chunk(b, p, n) : buf_add(b, p, n);
	if (!rc && q)
		rc = buf_addch(b, '"');
	return rc;
}

/* A capture as one field: a first pass decides on quotes. */
static int table_capture(int fd, struct buf *b, struct capture *c, char sep)
{
	unsigned long long off, len = cap_len(c);
	char chunk[65536];
	int q = 0, rc;

	for (off = 0; !q && off < len;) {
		ssize_t n = cap_read(c, off, chunk, sizeof(chunk));

		if (n <= 0)
			return n < 0 ? (int)n : -EIO;
		off += (unsigned long long)n;
		q = needs_quotes(chunk, (size_t)n, sep);
	}
	rc = buf_addch(b, sep);
	if (!rc && q)
		rc = buf_addch(b, '"');
	for (off = 0; !rc && off < len;) {
		ssize_t n = cap_read(c, off, chunk, sizeof(chunk));

		if (n <= 0)
			return n < 0 ? (int)n : -EIO;
		off += (unsigned long long)n;
		rc = q ? table_chunk(b, chunk, (size_t)n)
		       : buf_add(b, chunk, (size_t)n);
		if (!rc && b->len > (1 << 20)) {
			rc = out_write(fd, b->p, b->len);
			buf_reset(b);
		}
	}
	if (!rc && q)
		rc = buf_addch(b, '"');
	return rc;
}

static int table_header(struct buf *b, int kind, size_t nargs)
{
	static const char *const cols[] = {
		"Seq", "Host", "Starttime", "JobRuntime", "Send", "Receive",
		"Exitval", "Signal", "Command",
	};
	char sep = kind == TABLE_CSV ? ',' : '\t', v[32];
	int rc = 0;

	for (size_t i = 0; !rc && i < sizeof(cols) / sizeof(*cols); i++) {
		if (i)
			rc = buf_addch(b, sep);
		if (!rc)
			rc = buf_addstr(b, cols[i]);
	}
	for (size_t i = 0; !rc && i < nargs; i++) {
		snprintf(v, sizeof(v), "%cV%zu", sep, i + 1);
		rc = buf_addstr(b, v);
	}
	if (!rc)
		rc = buf_addch(b, sep);
	if (!rc)
		rc = buf_addstr(b, "Stdout");
	if (!rc)
		rc = buf_addch(b, sep);
	if (!rc)
		rc = buf_addstr(b, "Stderr\n");
	return rc;
}

int report_table(int fd, int kind, const struct job *j, int *header)
{
	struct job *jj = (struct job *)j;	/* captures are read only */
	struct buf b = BUF_INIT;
	char num[256], sep = kind == TABLE_CSV ? ',' : '\t';
	unsigned long long received = cap_total(&jj->out) +
				      cap_total(&jj->err) + j->streamed;
	int exitval = j->timed_out ? -1 : j->sig ? 0 : j->status, rc = 0;
	size_t i;

	if (kind != TABLE_JSON && !*header)
		rc = table_header(&b, kind, j->nargs);
	*header = 1;
	if (kind == TABLE_JSON) {
		snprintf(num, sizeof(num), "{ \"Seq\": %llu, \"Host\": \":\", "
			 "\"Starttime\": %.3f, \"JobRuntime\": %.3f, "
			 "\"Send\": 0, \"Receive\": %llu, \"Exitval\": %d, "
			 "\"Signal\": %d, \"Command\": ", j->seq, j->start,
			 j->runtime, received, exitval, j->sig);
		rc = buf_addstr(&b, num);
		if (!rc)
			rc = json_str(&b, buf_str(&j->cmdline),
				      j->cmdline.len);
		if (!rc)
			rc = buf_addstr(&b, ", \"V\": [ ");
		for (i = 0; !rc && i < j->nargs; i++) {
			if (i)
				rc = buf_addch(&b, ',');
			if (!rc)
				rc = json_str(&b, j->args[i].p,
					      j->args[i].len);
		}
		if (!rc)
			rc = buf_addstr(&b, " ], \"Stdout\": ");
		if (!rc)
			rc = json_capture(fd, &b, &jj->out);
		if (!rc)
			rc = buf_addstr(&b, ", \"Stderr\": ");
		if (!rc)
			rc = json_capture(fd, &b, &jj->err);
		if (!rc)
			rc = buf_addstr(&b, " }\n");
		goto out;
	}
	snprintf(num, sizeof(num), "%llu%c:%c%.3f%c%.3f%c0%c%llu%c%d%c%d",
		 j->seq, sep, sep, j->start, sep, j->runtime, sep, sep,
		 received, sep, exitval, sep, j->sig);
	if (!rc)
		rc = buf_addstr(&b, num);
	if (!rc)
		rc = table_field(&b, buf_str(&j->cmdline), j->cmdline.len,
				 sep);
	for (i = 0; !rc && i < j->nargs; i++)
		rc = table_field(&b, j->args[i].p, j->args[i].len, sep);
	if (!rc)
		rc = table_capture(fd, &b, &jj->out, sep);
	if (!rc)
		rc = table_capture(fd, &b, &jj->err, sep);
	if (!rc)
		rc = buf_addch(&b, '\n');
out:
	if (!rc)
		rc = out_write(fd, b.p, b.len);
	buf_release(&b);
	return rc;
}

/* A path component for an argument value; see report.h. */
static int safe_name(struct buf *b, const char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, cut = n > 200 ? 200 : n;
	int rc = 0;

	if (n == 0)
		return buf_addch(b, '%');
	for (i = 0; i < cut && !rc; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '/' || c == '%' || c == '\0' || (i == 0 && c == '.')) {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };

			rc = buf_add(b, e, 3);
		} else {
			rc = buf_addch(b, (char)c);
		}
	}
	if (!rc && cut < n) {
		/* FNV-1a: distinct long values keep distinct names. */
		char tail[24];

		snprintf(tail, sizeof(tail), "%%%016llx",
			 (unsigned long long)hash_fnv(HASH_FNV_INIT, p, n));
		rc = buf_addstr(b, tail);
	}
	return rc;
}

static int fd_add(void *ctx, const char *p, size_t n)
{
	return out_write(*(int *)ctx, p, n);
}

static int write_capture(int dirfd, const char *name,
			 const struct capture *c)
{
	int fd, rc;

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
		    O_NOFOLLOW, 0666);
	if (fd < 0)
		return -errno;
	rc = cap_each(c, fd_add, &fd);
	if (close(fd) && !rc)
		rc = -errno;
	return rc;
}

int report_results(int dirfd, const struct job *j, char *err, size_t errlen)
{
	struct buf path = BUF_INIT;
	char num[32], seq[32];
	size_t i;
	int fd = -1, rc = 0;

	for (i = 0; i < j->nargs && !rc; i++) {
		snprintf(num, sizeof(num), "%s%zu/", i ? "/" : "", i + 1);
		rc = buf_addstr(&path, num);
		if (!rc)
			rc = safe_name(&path, j->args[i].p, j->args[i].len);
	}
	/* A job without arguments (a --pipe block, -N0) is named by its
	 * number, as if that were its one value: one shared directory
	 * would keep only the last job's output. */
	if (!rc && j->nargs == 0) {
		snprintf(num, sizeof(num), "1/%llu", j->seq);
		rc = buf_addstr(&path, num);
	}
	if (rc)
		goto out;
	rc = dirs_make(dirfd, path.p);
	if (rc)
		goto out;
	fd = openat(dirfd, path.p, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
		    O_NOFOLLOW);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	snprintf(seq, sizeof(seq), "%llu\n", j->seq);
	{
		int sfd = openat(fd, "seq", O_WRONLY | O_CREAT | O_TRUNC |
				 O_CLOEXEC | O_NOFOLLOW, 0666);

		if (sfd < 0) {
			rc = -errno;
			goto out;
		}
		rc = out_write(sfd, seq, strlen(seq));
		close(sfd);
	}
	if (!rc)
		rc = write_capture(fd, "stdout", &j->out);
	if (!rc)
		rc = write_capture(fd, "stderr", &j->err);
out:
	if (rc)
		snprintf(err, errlen, "cannot write results in '%s': %s",
			 buf_str(&path), strerror(-rc));
	if (fd >= 0)
		close(fd);
	buf_release(&path);
	return rc;
}

int report_files(struct buf *name, struct job *j, const char *tmpdir,
		 char *err, size_t errlen)
{
	char path[4096];
	int ofd, rc;

	if (snprintf(path, sizeof(path), "%s/lanes.%llu.XXXXXX", tmpdir,
		     j->seq) >= (int)sizeof(path)) {
		snprintf(err, errlen, "--tmpdir '%s' is too long", tmpdir);
		return -ENAMETOOLONG;
	}
	ofd = mkostemp(path, O_CLOEXEC);
	if (ofd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot create a file in '%s': %s",
			 tmpdir, strerror(errno));
		return rc;
	}
	close(ofd);
	{
		char *slash = strrchr(path, '/');
		int dfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		rc = dfd < 0 ? -errno
			     : write_capture(dfd, slash + 1, &j->out);
		if (dfd >= 0)
			close(dfd);
	}
	if (rc) {
		snprintf(err, errlen, "cannot write '%s': %s", path,
			 strerror(-rc));
		return rc;
	}
	return buf_addstr(name, path);
}
