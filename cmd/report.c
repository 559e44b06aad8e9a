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
	e.received = cap_total(&j->out) + cap_total(&j->err);
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
	if (!rc && j->nargs == 0)
		rc = buf_addstr(&path, "1/%");
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
