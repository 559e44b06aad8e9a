/*
 * DESIGN: struct fetch is the run's download state. fetch_setup() fills
 * it before any thread exists and fetch_teardown() frees it after they
 * are gone, so between the two it is read-only here (what changes lives
 * in io/dlrun, behind its own locks and atomics) and any thread may use
 * the handle.
 */
#include "fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "dirs.h"
#include "dl.h"

struct fetch_slot {
	struct dl_worker *w;
};

struct fetch {
	struct dlrun *run;
	int dirfd;
	const char *dir;	/* as given, for the result lines */
	int slash;		/* dir ends with '/' */
	char ua[64];
};

/* Read a sha256sum file into the run's list. */
static int read_sums(struct fetch *f, const char *path, char *err,
		     size_t errlen)
{
	FILE *in = fopen(path, "re");
	char *line = NULL, *name;
	unsigned char sum[DLPARSE_SHA256_LEN];
	size_t cap = 0;
	unsigned long n = 0;
	int rc = 0;

	if (!in) {
		snprintf(err, errlen, "cannot open '%s': %s", path,
			 strerror(errno));
		return -errno;
	}
	while (getline(&line, &cap, in) >= 0) {
		n++;
		rc = dlparse_sum_line(line, sum, &name);
		if (rc == 1) {
			rc = 0;
			continue;
		}
		if (rc) {
			snprintf(err, errlen, "'%s' line %lu: not in "
				 "sha256sum format", path, n);
			goto out;
		}
		rc = dlrun_add_sum(f->run, name, sum);
		if (rc == -EEXIST) {
			snprintf(err, errlen, "'%s' line %lu: another "
				 "checksum for '%s'", path, n, name);
			goto out;
		}
		if (rc) {
			snprintf(err, errlen, "'%s': %s", path,
				 strerror(-rc));
			goto out;
		}
	}
	if (ferror(in)) {
		rc = -errno;
		snprintf(err, errlen, "cannot read '%s': %s", path,
			 strerror(errno));
	}
out:
	free(line);
	fclose(in);
	return rc;
}

int fetch_setup(struct fetch **out, const struct opts *o, char *err,
		size_t errlen)
{
	struct dlrun_config cfg;
	struct fetch *fetch;
	int rc;

	*out = NULL;
	err[0] = '\0';
	rc = dl_global_init(err, errlen);
	if (rc)
		return rc;
	fetch = calloc(1, sizeof(*fetch));
	if (!fetch) {
		dl_global_cleanup();
		return -ENOMEM;
	}
	fetch->dirfd = -1;
	if (o->create_dirs) {
		rc = dirs_make(AT_FDCWD, o->download);
		if (rc) {
			snprintf(err, errlen, "cannot create '%s': %s",
				 o->download, strerror(-rc));
			goto out;
		}
	}
	fetch->dirfd = open(o->download, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fetch->dirfd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open '%s': %s%s", o->download,
			 strerror(errno), rc == -ENOENT ?
			 " (--create-dirs creates it)" : "");
		goto out;
	}
	fetch->dir = o->download;
	fetch->slash = *o->download &&
		       o->download[strlen(o->download) - 1] == '/';
	snprintf(fetch->ua, sizeof(fetch->ua), "lanes/%s", LANES_VERSION);

	memset(&cfg, 0, sizeof(cfg));
	cfg.dirfd = fetch->dirfd;
	cfg.connect_timeout = o->connect_timeout;
	cfg.stall_timeout = o->stall_timeout;
	cfg.timeout = o->timeout;
	cfg.attempts = o->retries > 0 ? (long)o->retries : 1;
	cfg.max_filesize = o->max_filesize;
	cfg.limit_rate = o->limit_rate;
	cfg.headers = o->headers;
	cfg.nheaders = o->nheaders;
	cfg.user_agent = o->user_agent ? o->user_agent : fetch->ua;
	cfg.cacert = o->cacert;
	cfg.overwrite = o->overwrite;
	cfg.content_disposition = o->content_disposition;
	rc = dlrun_new(&fetch->run, &cfg);
	if (rc) {
		snprintf(err, errlen, "cannot set up downloads: %s",
			 strerror(-rc));
		goto out;
	}
	if (o->checksum_file)
		rc = read_sums(fetch, o->checksum_file, err, errlen);
out:
	if (rc)
		fetch_teardown(fetch);
	else
		*out = fetch;
	return rc;
}

/* Append s with control characters shown as '?', so a field never
 * breaks the line or its columns. */
static void add_field(struct buf *b, const char *s)
{
	for (; *s; s++)
		buf_addch(b, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' :
			  *s);
}

void fetch_job(struct fetch *f, struct fetch_slot **slot,
	       const struct tmpl_arg *args, size_t nargs,
	       unsigned long long seq, struct fetch_result *res)
{
	static const char *const status[] = {
		[DL_OK] = "ok", [DL_EXISTS] = "exists", [DL_FAILED] = "failed",
	};
	struct buf rec = BUF_INIT;
	struct dlparse_record r;
	struct dl_req req;
	struct dl_res d;
	const char *url = "";
	char num[64];
	double t0 = clock_now();
	size_t i;
	int rc;

	memset(&d, 0, sizeof(d));
	d.status = DL_FAILED;
	for (i = 0; i < nargs; i++) {
		if (i)
			buf_addch(&rec, '\t');
		buf_add(&rec, args[i].p, args[i].len);
	}
	if (!rec.p && buf_reserve(&rec, 1)) {
		snprintf(d.reason, sizeof(d.reason), "%s", strerror(ENOMEM));
		goto out;
	}
	url = rec.p;
	rc = dlparse_record(rec.p, rec.len, &r, d.reason, sizeof(d.reason));
	if (rc)
		goto out;
	url = r.url;
	if (!*slot) {
		struct fetch_slot *s = calloc(1, sizeof(*s));

		rc = s ? dl_worker_new(&s->w, f->run) : -ENOMEM;
		if (rc) {
			free(s);
			snprintf(d.reason, sizeof(d.reason),
				 "cannot start a transfer: %s", strerror(-rc));
			goto out;
		}
		*slot = s;
	}
	req.url = r.url;
	req.name = r.name;
	req.sha256 = r.has_sum ? r.sum : NULL;
	req.seq = seq;
	dl_get((*slot)->w, &req, &d);
out:
	res->failed = d.status == DL_FAILED;
	res->http = d.http;
	snprintf(res->reason, sizeof(res->reason), "%s", d.reason);
	buf_addstr(&res->line, status[d.status]);
	snprintf(num, sizeof(num), "\t%ld\t%llu\t%.3f\t", d.http, d.bytes,
		 clock_now() - t0);
	buf_addstr(&res->line, num);
	if (*d.name) {
		add_field(&res->line, f->dir);
		if (!f->slash)
			buf_addch(&res->line, '/');
		add_field(&res->line, d.name);
	} else {
		buf_addch(&res->line, '-');
	}
	buf_addch(&res->line, '\t');
	add_field(&res->line, url);
	if (res->failed) {
		buf_addch(&res->line, '\t');
		add_field(&res->line, d.reason);
	}
	buf_release(&rec);
}

void fetch_stop(struct fetch *f)
{
	if (f)
		dlrun_stop(f->run);
}

unsigned long long fetch_bytes(const struct fetch *f)
{
	return f ? dlrun_bytes(f->run) : 0;
}

void fetch_slot_free(struct fetch_slot *slot)
{
	if (!slot)
		return;
	dl_worker_free(slot->w);
	free(slot);
}

void fetch_teardown(struct fetch *f)
{
	if (!f)
		return;
	dlrun_free(f->run);
	if (f->dirfd >= 0)
		close(f->dirfd);
	free(f);
	dl_global_cleanup();
}
