/*
 * block: --pipe blocks and --pipe-part ranges.
 *
 * DESIGN. A split is a position s where --recend ends and --recstart
 * begins. Plain strings are found with memmem()/memrchr() on their
 * concatenation, regexes with one compiled "(recend)(recstart)" whose
 * first group ends at the split; regexec() runs with REG_STARTEND, so
 * bytes before the search start give "^" its context and NULs are data.
 *
 * The stream reader keeps one buffer in which [start, len) is unread. By
 * size it fills the buffer to --block bytes and cuts at the last split
 * (searching backwards, so only the tail is looked at); with no split it
 * reads twice as much and looks again, only at what is new. With -N it
 * counts splits forwards and cuts after the N-th (times -L). A cut hands
 * out the smaller side with a copy: usually the carry (a partial record)
 * moves to a fresh buffer and the block keeps the buffer it was read
 * into, so the bytes are copied once, by read(2); when many small blocks
 * come out of one read (-N 1) each block is copied out instead. Buffers
 * come back through block_put() and are reused, so a steady run neither
 * allocates nor faults in new pages.
 *
 * The part reader never reads the data it hands out: for each cut it
 * reads a window from cut position onwards until a split shows up.
 */
#include "block.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#define WINDOW (128 * 1024)
#define MOVE_MAX (1024 * 1024)

void block_unescape(const char *s, char *out, size_t *len)
{
	size_t n = 0;

	for (; *s; s++) {
		if (*s != '\\' || !s[1]) {
			out[n++] = *s;
			continue;
		}
		switch (s[1]) {
		case '0': out[n++] = '\0'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case '\'': case '"': case '\\': out[n++] = s[1]; break;
		default:
			out[n++] = s[0];
			out[n++] = s[1];
			break;
		}
		s++;
	}
	*len = n;
}

/* Append a regex to p with \n, \t, \r made the bytes they name, since
 * POSIX regcomp() gives them no meaning. */
static size_t re_append(char *p, const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			char c = s[1] == 'n' ? '\n' : s[1] == 't' ? '\t' :
				 s[1] == 'r' ? '\r' : 0;
			if (c)
				p[n++] = c;
			else {
				p[n++] = s[0];
				p[n++] = s[1];
			}
			s++;
			continue;
		}
		p[n++] = *s;
	}
	return n;
}

/* Compile a user's regex the way --recend, --recstart and --header use
 * it. */
static int re_compile(regex_t *re, const char *s, char *err, size_t errlen)
{
	char *pat = malloc(strlen(s) + 1);
	int e;

	if (!pat)
		return -ENOMEM;
	pat[re_append(pat, s)] = '\0';
	e = regcomp(re, pat, REG_EXTENDED | REG_NEWLINE);
	free(pat);
	if (e) {
		regerror(e, re, err, errlen);
		return -EINVAL;
	}
	return 0;
}

static int split_init(struct block_split *sp, const struct block_opts *o,
		      char *err, size_t errlen)
{
	char *pat = NULL;
	int rc = 0, e;
	size_t n = 0;

	memset(sp, 0, sizeof(*sp));
	sp->regexp = o->regexp;
	if (!o->regexp) {
		sp->elen = o->recend_len;
		sp->slen = o->recstart_len;
		sp->both = malloc(sp->elen + sp->slen + 1);
		if (!sp->both)
			return -ENOMEM;
		if (sp->elen)
			memcpy(sp->both, o->recend, sp->elen);
		if (sp->slen)
			memcpy(sp->both + sp->elen, o->recstart, sp->slen);
		return 0;
	}
	pat = malloc(2 * ((o->recend ? strlen(o->recend) : 0) +
			  (o->recstart ? strlen(o->recstart) : 0)) + 8);
	if (!pat)
		return -ENOMEM;
	pat[n++] = '(';
	n += re_append(pat + n, o->recend ? o->recend : "");
	pat[n++] = ')';
	pat[n++] = '(';
	n += re_append(pat + n, o->recstart ? o->recstart : "");
	pat[n++] = ')';
	pat[n] = '\0';
	e = regcomp(&sp->re, pat, REG_EXTENDED | REG_NEWLINE);
	if (e) {
		regerror(e, &sp->re, err, errlen);
		rc = -EINVAL;
		goto out;
	}
	if (sp->re.re_nsub < 2) {
		regfree(&sp->re);
		snprintf(err, errlen, "unbalanced parentheses");
		rc = -EINVAL;
		goto out;
	}
	sp->have_re = 1;
out:
	free(pat);
	return rc;
}

static void split_release(struct block_split *sp)
{
	free(sp->both);
	if (sp->have_re)
		regfree(&sp->re);
	memset(sp, 0, sizeof(*sp));
}

/*
 * The first split s >= floor whose recend starts at or after from, in
 * buf[0, len). Returns 1 and *s, or 0 and *resume: where to search from
 * once more bytes follow (earlier starts were decided). eof says that
 * len is the end of the input, so "$" may match there.
 */
static int split_fwd(const struct block_split *sp, const char *buf,
		     size_t len, size_t from, size_t floor, int eof,
		     size_t *s, size_t *resume)
{
	size_t blen = sp->elen + sp->slen, i = from;
	regmatch_t m[3];
	const char *p;

	if (!sp->regexp && blen == 0) {
		/* Records end anywhere: every position is a split. */
		i = from > floor ? from : floor;
		if (i <= len) {
			*s = i;
			return 1;
		}
		*resume = from;
		return 0;
	}
	if (!sp->regexp) {
		while (i + blen <= len) {
			p = memmem(buf + i, len - i, sp->both, blen);
			if (!p)
				break;
			i = (size_t)(p - buf);
			if (i + sp->elen >= floor) {
				*s = i + sp->elen;
				return 1;
			}
			i++;
		}
		*resume = len + 1 > blen && len + 1 - blen > from ?
			  len + 1 - blen : from;
		return 0;
	}
	while (i <= len) {
		m[0].rm_so = (regoff_t)i;
		m[0].rm_eo = (regoff_t)len;
		if (regexec(&sp->re, buf, 3, m,
			    REG_STARTEND | (eof ? 0 : REG_NOTEOL)))
			break;
		if ((size_t)m[1].rm_eo >= floor) {
			*s = (size_t)m[1].rm_eo;
			return 1;
		}
		i = (size_t)m[0].rm_so + 1;
	}
	*resume = from;
	return 0;
}

/* Plain only, blen > 0: the last split s >= 1 whose recend starts at or
 * after lo. */
static int split_last(const struct block_split *sp, const char *buf,
		      size_t len, size_t lo, size_t *s)
{
	size_t blen = sp->elen + sp->slen, i;
	const char *p;

	if (len < blen)
		return 0;
	i = len - blen + 1;
	while (i > lo) {
		p = memrchr(buf + lo, sp->both[0], i - lo);
		if (!p)
			return 0;
		i = (size_t)(p - buf);
		if (memcmp(p, sp->both, blen) == 0 && i + sp->elen >= 1) {
			*s = i + sp->elen;
			return 1;
		}
	}
	return 0;
}

static int opts_check(const struct block_opts *o, char *err, size_t errlen)
{
	if (o->size == 0) {
		snprintf(err, errlen, "block size must be positive");
		return -EINVAL;
	}
	return 0;
}

/* ---- the stream reader ---- */

int block_init(struct block_reader *r, int fd, const struct block_opts *o)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->o = *o;
	if (r->o.lines == 0)
		r->o.lines = 1;
	if (r->o.keep == 0)
		r->o.keep = 2;
	rc = opts_check(o, r->errbuf, sizeof(r->errbuf));
	if (rc)
		return rc;
	rc = split_init(&r->sp, o, r->errbuf, sizeof(r->errbuf));
	if (rc)
		return rc;
	r->spare = calloc(r->o.keep, sizeof(*r->spare));
	r->spare_cap = calloc(r->o.keep, sizeof(*r->spare_cap));
	if (!r->spare || !r->spare_cap) {
		free(r->spare);
		free(r->spare_cap);
		split_release(&r->sp);
		return -ENOMEM;
	}
	/* Reading a pipe 64 KiB at a time costs a wake-up of the writer
	 * per read: ask for a larger pipe (it fails quietly for anything
	 * that is not a pipe, or above fs.pipe-max-size). */
	(void)fcntl(fd, F_SETPIPE_SZ, 1024 * 1024);
	rc = pthread_mutex_init(&r->mu, NULL);
	if (!rc) {
		rc = pthread_cond_init(&r->cv, NULL);
		if (rc)
			pthread_mutex_destroy(&r->mu);
	}
	if (rc) {
		free(r->spare);
		free(r->spare_cap);
		split_release(&r->sp);
		return -rc;
	}
	return 0;
}

void block_release(struct block_reader *r)
{
	unsigned i;

	for (i = 0; i < r->nspare; i++)
		free(r->spare[i]);
	free(r->spare);
	free(r->spare_cap);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	split_release(&r->sp);
	free(r->head);
	free(r->buf);
	r->buf = r->head = NULL;
}

/* A buffer of at least need bytes: a spare one if it is large enough. */
static char *get_buf(struct block_reader *r, size_t need, size_t *cap)
{
	char *p = NULL;

	pthread_mutex_lock(&r->mu);
	if (need >= r->o.size && r->nspare &&
	    r->spare_cap[r->nspare - 1] >= need) {
		r->nspare--;
		p = r->spare[r->nspare];
		*cap = r->spare_cap[r->nspare];
	}
	pthread_mutex_unlock(&r->mu);
	if (!p) {
		p = malloc(need ? need : 1);
		*cap = need;
	}
	return p;
}

void block_put(struct block_reader *r, struct block *b)
{
	char *p = b->base;

	pthread_mutex_lock(&r->mu);
	if (p && b->cap >= r->o.size && r->nspare < r->o.keep) {
		r->spare[r->nspare] = p;
		r->spare_cap[r->nspare] = b->cap;
		r->nspare++;
		p = NULL;
	}
	if (b->seq && r->out > 0) {
		r->out--;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	free(p);
	memset(b, 0, sizeof(*b));
	b->fd = -1;
}

void block_cancel(struct block_reader *r)
{
	pthread_mutex_lock(&r->mu);
	r->cancel = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* Wait until fewer than max_out blocks are out; count the next one. */
static int take_turn(struct block_reader *r)
{
	int rc = 0;

	pthread_mutex_lock(&r->mu);
	while (!r->cancel && r->o.max_out && r->out >= r->o.max_out)
		pthread_cond_wait(&r->cv, &r->mu);
	if (r->cancel)
		rc = -ECANCELED;
	else
		r->out++;
	pthread_mutex_unlock(&r->mu);
	return rc;
}

/* A block was not handed out after all. */
static void untake(struct block_reader *r)
{
	pthread_mutex_lock(&r->mu);
	r->out--;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* Room for want unread bytes after start (moving them to the front). */
static int ensure(struct block_reader *r, size_t want)
{
	size_t avail = r->len - r->start, ncap;
	char *p;

	if (r->cap - r->start >= want + 1)
		return 0;
	if (r->start) {
		memmove(r->buf, r->buf + r->start, avail);
		r->start = 0;
		r->len = avail;
	}
	if (r->cap >= want + 1)
		return 0;
	ncap = r->cap < SIZE_MAX / 2 ? r->cap * 2 : want + 1;
	if (ncap < want + 1)
		ncap = want + 1;
	p = realloc(r->buf, ncap);
	if (!p)
		return -ENOMEM;
	r->buf = p;
	r->cap = ncap;
	return 0;
}

/* Read until at least want bytes are unread, or the end. */
static int fill(struct block_reader *r, size_t want)
{
	ssize_t n;
	int rc;

	rc = ensure(r, want);
	if (rc)
		return rc;
	while (!r->eof && r->len - r->start < want) {
		n = read(r->fd, r->buf + r->len, r->start + want - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			r->eof = 1;
		r->len += (size_t)n;
	}
	r->buf[r->len] = '\0';	/* for sanitizers' regexec() */
	return 0;
}

/* Read once (up to more bytes); for -N, which looks after every read. */
static int fill_some(struct block_reader *r, size_t more)
{
	size_t avail = r->len - r->start;
	ssize_t n;
	int rc;

	rc = ensure(r, avail + more);
	if (rc)
		return rc;
	do
		n = read(r->fd, r->buf + r->len, more);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		r->eof = 1;
	r->len += (size_t)n;
	r->buf[r->len] = '\0';
	return 0;
}

static int read_header(struct block_reader *r)
{
	unsigned long long lines = 0;
	size_t pos = 0, hlen = 0, want = r->o.size;
	const char *nl;
	regex_t re;
	regmatch_t m[1];
	int rc = 0;

	if (r->o.header_lines) {
		for (;;) {
			rc = fill(r, want);
			if (rc)
				return rc;
			while (lines < r->o.header_lines &&
			       (nl = memchr(r->buf + pos, '\n',
					    r->len - pos)) != NULL) {
				pos = (size_t)(nl - r->buf) + 1;
				lines++;
			}
			if (lines == r->o.header_lines || r->eof)
				break;
			want = r->len * 2;
		}
		if (lines == r->o.header_lines)
			hlen = pos;
	} else if (r->o.header_re) {
		rc = fill(r, want);
		if (rc)
			return rc;
		rc = re_compile(&re, r->o.header_re, r->errbuf,
				sizeof(r->errbuf));
		if (rc)
			return rc;
		m[0].rm_so = 0;
		m[0].rm_eo = (regoff_t)r->len;
		if (regexec(&re, r->buf ? r->buf : "", 1, m,
			    REG_STARTEND | (r->eof ? 0 : REG_NOTEOL)) == 0 &&
		    m[0].rm_so == 0)
			hlen = (size_t)m[0].rm_eo;
		regfree(&re);
	}
	if (hlen) {
		r->head = malloc(hlen);
		if (!r->head)
			return -ENOMEM;
		memcpy(r->head, r->buf, hlen);
		r->head_len = hlen;
		r->start = hlen;
	}
	return 0;
}

/*
 * Where the next block ends, relative to start: 0 while more input is
 * needed (then *want says how much to have unread), or the cut.
 */
static size_t find_cut_size(struct block_reader *r, size_t *scan,
			    size_t *target)
{
	const char *p = r->buf + r->start;
	size_t avail = r->len - r->start, s = 0, last = 0, cnt = 0;
	size_t from = 0, resume = 0, all = avail;

	if ((avail < *target && !r->eof) || avail == 0)
		return 0;
	/* A carry left by a long record may hold more than a block: look
	 * at one block's worth only. */
	if (avail > *target)
		avail = *target;
	if (!r->sp.regexp && r->sp.elen + r->sp.slen == 0)
		return avail - avail % r->o.lines ? avail - avail % r->o.lines :
		       r->eof && avail == all ? avail : 0;
	if (!r->sp.regexp && r->o.lines == 1 &&
	    r->sp.elen + r->sp.slen > 0) {
		if (split_last(&r->sp, p, avail, *scan, &s))
			return s;
		*scan = avail + 1 > r->sp.elen + r->sp.slen ?
			avail + 1 - r->sp.elen - r->sp.slen : 0;
	} else {
		/* -L or a regex: count splits from the block's start. */
		while (split_fwd(&r->sp, p, avail, from, s + 1, r->eof, &s,
				 &resume)) {
			cnt++;
			if (cnt % r->o.lines == 0)
				last = s;
			from = s;
		}
		if (last)
			return last;
	}
	if (r->eof && avail == all)
		return avail;
	*target = avail + (avail > r->o.size ? avail : r->o.size);
	return 0;
}

/*
 * Seek mode, for a regular file on standard input with plain separators
 * and blocks by size: the same cuts as reading would give, found by
 * reading windows backwards from where the block would end, and the block
 * handed out as a file range that block_feed() splices. The bytes never
 * pass through lanes.
 */
static int seek_able(struct block_reader *r)
{
	struct stat st;

	if (r->o.stream || r->sp.regexp || r->o.nrec || r->o.lines > 1 ||
	    r->sp.elen + r->sp.slen == 0)
		return 0;
	return fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* Switch to seek mode after the header: the unread buffered bytes are
 * given back to the file by position. */
static int seek_begin(struct block_reader *r)
{
	struct stat st;
	off_t cur = lseek(r->fd, 0, SEEK_CUR);

	if (cur < 0 || fstat(r->fd, &st) < 0)
		return 0;
	r->pos = cur - (off_t)(r->len - r->start);
	r->end = st.st_size;
	r->start = r->len = 0;
	r->seek = 1;
	return 1;
}

static int seek_read(struct block_reader *r, off_t off, size_t n)
{
	ssize_t got;
	size_t have = 0;
	int rc;

	rc = ensure(r, n);
	if (rc)
		return rc;
	while (have < n) {
		got = pread(r->fd, r->buf + have, n - have, off + (off_t)have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return -EIO;	/* the file shrank under us */
		have += (size_t)got;
	}
	return 0;
}

/* The end of the block that starts at r->pos (the model of the stream
 * reader: last split within --block, or grow). */
static int seek_cut(struct block_reader *r, off_t *cut)
{
	size_t blen = r->sp.elen + r->sp.slen, target = r->o.size, s;
	size_t win = WINDOW > 2 * blen ? WINDOW : 2 * blen;
	off_t b = r->pos, lo = b, e, hi, ws;
	struct stat st;
	int rc;

	for (;;) {
		e = (off_t)target < r->end - b ? b + (off_t)target : r->end;
		for (hi = e; hi - lo >= (off_t)blen; hi = ws + (off_t)blen - 1) {
			ws = hi - lo > (off_t)win ? hi - (off_t)win : lo;
			rc = seek_read(r, ws, (size_t)(hi - ws));
			if (rc)
				return rc;
			if (split_last(&r->sp, r->buf, (size_t)(hi - ws), 0,
				       &s) && ws + (off_t)s > b) {
				*cut = ws + (off_t)s;
				return 0;
			}
			if (ws == lo)
				break;
		}
		if (e == r->end) {
			/* A file that grew is read on, as a pipe would be. */
			if (fstat(r->fd, &st) == 0 && st.st_size > r->end) {
				r->end = st.st_size;
				continue;
			}
			*cut = e;
			return 0;
		}
		lo = e - b + 1 > (off_t)blen ? e - (off_t)blen + 1 : b;
		target = (size_t)(e - b) + ((size_t)(e - b) > r->o.size ?
					    (size_t)(e - b) : r->o.size);
	}
}

static int seek_next(struct block_reader *r, struct block *b)
{
	off_t cut;
	int rc;

	if (r->pos >= r->end) {
		/* Leave the offset after what was read, as read(2) would. */
		(void)lseek(r->fd, r->end, SEEK_SET);
		return 0;
	}
	rc = seek_cut(r, &cut);
	if (rc) {
		r->err = rc;
		return rc;
	}
	b->fd = r->fd;
	b->off = r->pos;
	b->flen = cut - r->pos;
	b->head = r->head;
	b->head_len = r->head_len;
	b->seq = ++r->seq;
	r->pos = cut;
	return 1;
}

static int next_block(struct block_reader *r, struct block *b)
{
	unsigned long long need = r->o.nrec * r->o.lines, cnt = 0;
	size_t scan = 0, target = r->o.size, cut = 0, avail, carry, ncap;
	size_t from = 0, s = 0, resume = 0;
	char *nb;
	int rc;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	if (r->err)
		return r->err;
	if (!r->started) {
		r->started = 1;
		rc = read_header(r);
		if (rc)
			goto fail;
		if (seek_able(r))
			seek_begin(r);
	}
	if (r->seek)
		return seek_next(r, b);
	for (;;) {
		avail = r->len - r->start;
		if (need && avail == 0) {
			cut = 0;
		} else if (need) {
			while (cnt < need &&
			       split_fwd(&r->sp, r->buf + r->start, avail,
					 from, s + 1, r->eof, &s, &resume)) {
				cnt++;
				from = s;
			}
			if (cnt == need)
				cut = s;
			else if (r->eof)
				cut = avail;
			else
				from = resume;
		} else {
			cut = find_cut_size(r, &scan, &target);
		}
		if (cut || (r->eof && (need || avail == 0)))
			break;
		if (r->eof)	/* a larger target looks further */
			continue;
		rc = need ? fill_some(r, r->o.size) : fill(r, target);
		if (rc)
			goto fail;
	}
	if (cut == 0)
		return 0;
	carry = avail - cut;
	if (cut <= carry) {
		nb = get_buf(r, cut, &ncap);
		if (!nb) {
			rc = -ENOMEM;
			goto fail;
		}
		memcpy(nb, r->buf + r->start, cut);
		b->base = nb;
		b->cap = ncap;
		b->data = nb;
		r->start += cut;
	} else {
		ncap = r->o.size + 1 > carry * 2 ? r->o.size + 1 : carry * 2;
		nb = get_buf(r, ncap, &ncap);
		if (!nb) {
			rc = -ENOMEM;
			goto fail;
		}
		memcpy(nb, r->buf + r->start + cut, carry);
		nb[carry] = '\0';
		b->base = r->buf;
		b->cap = r->cap;
		b->data = r->buf + r->start;
		r->buf = nb;
		r->cap = ncap;
		r->start = 0;
		r->len = carry;
	}
	b->len = cut;
	b->head = r->head;
	b->head_len = r->head_len;
	b->seq = ++r->seq;
	return 1;
fail:
	r->err = rc;
	return rc;
}

int block_next(struct block_reader *r, struct block *b)
{
	int rc = take_turn(r);

	if (rc) {
		memset(b, 0, sizeof(*b));
		b->fd = -1;
		return rc;
	}
	rc = next_block(r, b);
	if (rc != 1)
		untake(r);
	return rc;
}

/* ---- the part reader ---- */

/* Read [off, off + n) of the file into the window at wlen. Returns the
 * bytes read (0 at the end) or -errno. */
static ssize_t win_read(struct block_part *p, off_t off, size_t wlen,
			size_t n)
{
	size_t ncap;
	ssize_t got;
	char *w;

	if (wlen + n + 1 > p->wcap) {
		ncap = p->wcap ? p->wcap : WINDOW + 1;
		while (ncap < wlen + n + 1)
			ncap *= 2;
		w = realloc(p->win, ncap);
		if (!w)
			return -ENOMEM;
		p->win = w;
		p->wcap = ncap;
	}
	do
		got = pread(p->fd, p->win + wlen, n, off);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return -errno;
	p->win[wlen + (size_t)got] = '\0';
	return got;
}

static int part_header(struct block_part *p)
{
	unsigned long long lines = 0;
	size_t wlen = 0, pos = 0, hlen = 0;
	const char *nl;
	ssize_t got;
	regex_t re;
	regmatch_t m[1];
	int rc, eof = 0;

	if (!p->o.header_lines && !p->o.header_re)
		return 0;
	while (!eof && (p->o.header_lines ? lines < p->o.header_lines :
			wlen < p->o.size)) {
		got = win_read(p, p->pos + (off_t)wlen, wlen, WINDOW);
		if (got < 0)
			return (int)got;
		eof = got == 0;
		wlen += (size_t)got;
		while (p->o.header_lines && lines < p->o.header_lines &&
		       (nl = memchr(p->win + pos, '\n', wlen - pos))) {
			pos = (size_t)(nl - p->win) + 1;
			lines++;
		}
	}
	if (p->o.header_lines) {
		if (lines == p->o.header_lines)
			hlen = pos;
	} else {
		rc = re_compile(&re, p->o.header_re, p->errbuf,
				sizeof(p->errbuf));
		if (rc)
			return rc;
		m[0].rm_so = 0;
		m[0].rm_eo = (regoff_t)wlen;
		if (regexec(&re, p->win ? p->win : "", 1, m,
			    REG_STARTEND | (eof ? 0 : REG_NOTEOL)) == 0 &&
		    m[0].rm_so == 0)
			hlen = (size_t)m[0].rm_eo;
		regfree(&re);
	}
	if (hlen) {
		p->head = malloc(hlen);
		if (!p->head)
			return -ENOMEM;
		memcpy(p->head, p->win, hlen);
		p->head_len = hlen;
		p->pos += (off_t)hlen;
	}
	return 0;
}

int block_part_init(struct block_part *p, int fd, const struct block_opts *o)
{
	struct stat st;
	off_t cur;
	int rc;

	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->o = *o;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return -ESPIPE;
	cur = lseek(fd, 0, SEEK_CUR);
	p->end = lseek(fd, 0, SEEK_END);
	if (cur < 0 || p->end < 0 || lseek(fd, cur, SEEK_SET) < 0)
		return -errno;
	p->pos = cur;
	rc = opts_check(o, p->errbuf, sizeof(p->errbuf));
	if (!rc)
		rc = split_init(&p->sp, o, p->errbuf, sizeof(p->errbuf));
	if (!rc) {
		rc = part_header(p);
		if (rc)
			block_part_release(p);
	}
	return rc;
}

void block_part_release(struct block_part *p)
{
	split_release(&p->sp);
	free(p->head);
	free(p->win);
	p->head = p->win = NULL;
}

/* The first split at or after pos (its recend starting there or later):
 * 1 and *cut, 0 when the file ends first. */
static int part_cut(struct block_part *p, off_t pos, off_t *cut)
{
	size_t wlen = 0, from = 0, s, resume, back = pos > 0;
	off_t base = pos - (off_t)back;
	ssize_t got;
	int eof = 0;

	/* One byte before pos gives "^" its context. */
	from = back;
	while (!eof) {
		got = win_read(p, base + (off_t)wlen, wlen,
			       wlen > WINDOW ? wlen : WINDOW);
		if (got < 0)
			return (int)got;
		eof = got == 0;
		wlen += (size_t)got;
		if (split_fwd(&p->sp, p->win, wlen, from, back, eof, &s,
			      &resume)) {
			*cut = base + (off_t)s;
			return 1;
		}
		from = resume;
	}
	return 0;
}

int block_part_next(struct block_part *p, struct block *b)
{
	off_t cut = p->end;
	int rc;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	if (p->pos >= p->end)
		return 0;
	if ((off_t)p->o.size < p->end - p->pos) {
		rc = part_cut(p, p->pos + (off_t)p->o.size, &cut);
		if (rc < 0)
			return rc;
		if (rc == 0 || cut > p->end)
			cut = p->end;
	}
	b->fd = p->fd;
	b->off = p->pos;
	b->flen = cut - p->pos;
	b->head = p->head;
	b->head_len = p->head_len;
	b->seq = ++p->seq;
	p->pos = cut;
	return 1;
}

size_t block_part_size(off_t total, unsigned slots, unsigned long long n)
{
	unsigned long long t = total > 0 ? (unsigned long long)total : 0;

	if (slots == 0)
		slots = 1;
	if (n == 0)
		n = 1;
	return (size_t)(1 + t / slots / n);
}

/* ---- feeding ---- */

/* Wait until fd can take more (for a non-blocking descriptor). */
static int wait_out(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
		return -errno;
	return 0;
}

static int write_all(int fd, const char *p, size_t n,
		     unsigned long long *sent)
{
	ssize_t w;
	int rc;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			rc = wait_out(fd);
			if (rc)
				return rc;
			continue;
		}
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
		*sent += (unsigned long long)w;
	}
	return 0;
}

/* The slow way for a descriptor that neither splice nor sendfile take. */
static int copy_range(int in, off_t off, off_t n, int out,
		      unsigned long long *sent)
{
	char *buf = malloc(WINDOW);
	ssize_t got;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	while (n > 0) {
		got = pread(in, buf, n < WINDOW ? (size_t)n : WINDOW, off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			rc = got < 0 ? -errno : 0;
			break;
		}
		rc = write_all(out, buf, (size_t)got, sent);
		if (rc)
			break;
		off += got;
		n -= got;
	}
	free(buf);
	return rc;
}

static int feed_range(int in, off_t off, off_t n, int out,
		      unsigned long long *sent)
{
	int use_splice = 1;
	size_t chunk;
	ssize_t m;
	int rc;

	while (n > 0) {
		chunk = n < MOVE_MAX ? (size_t)n : MOVE_MAX;
		if (use_splice)
			m = splice(in, &off, out, NULL, chunk, SPLICE_F_MOVE);
		else
			m = sendfile(out, in, &off, chunk);
		if (m < 0 && errno == EINTR)
			continue;
		if (m < 0 && errno == EAGAIN) {
			rc = wait_out(out);
			if (rc)
				return rc;
			continue;
		}
		if (m < 0 && (errno == EINVAL || errno == ENOSYS)) {
			if (use_splice) {
				use_splice = 0;
				continue;
			}
			return copy_range(in, off, n, out, sent);
		}
		if (m < 0)
			return -errno;
		if (m == 0)	/* the file got shorter: nothing more */
			break;
		n -= m;
		*sent += (unsigned long long)m;
	}
	return 0;
}

int block_feed(const struct block *b, int fd, unsigned long long *sent)
{
	unsigned long long dummy = 0;
	int rc;

	if (!sent)
		sent = &dummy;
	rc = write_all(fd, b->head, b->head_len, sent);
	if (rc)
		return rc;
	if (b->fd >= 0)
		return feed_range(b->fd, b->off, b->flen, fd, sent);
	return write_all(fd, b->data, b->len, sent);
}

/* A range into a regular file: the kernel copies (or shares) it. */
static int file_range(int in, off_t off, off_t n, int out,
		      unsigned long long *sent)
{
	ssize_t m;

	while (n > 0) {
		m = copy_file_range(in, &off, out, NULL,
				    n < MOVE_MAX ? (size_t)n : MOVE_MAX, 0);
		if (m < 0 && errno == EINTR)
			continue;
		if (m <= 0)
			break;
		n -= m;
		*sent += (unsigned long long)m;
	}
	return n > 0 ? feed_range(in, off, n, out, sent) : 0;
}

int block_to_file(const struct block *b, const char *dir, char *path,
		  size_t pathlen)
{
	unsigned long long sent = 0;
	int fd, rc;

	if ((size_t)snprintf(path, pathlen, "%s/lanes-cat.XXXXXX", dir) >=
	    pathlen)
		return -ENAMETOOLONG;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = write_all(fd, b->head, b->head_len, &sent);
	if (!rc && b->fd >= 0)
		rc = file_range(b->fd, b->off, b->flen, fd, &sent);
	else if (!rc)
		rc = write_all(fd, b->data, b->len, &sent);
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (rc)
		unlink(path);
	return rc;
}

int block_mkfifo(const char *dir, unsigned long long seq, char *path,
		 size_t pathlen)
{
	unsigned n;

	for (n = 0; n < 1000; n++) {
		if ((size_t)snprintf(path, pathlen, "%s/lanes-%ld-%llu-%u.fifo",
				     dir, (long)getpid(), seq, n) >= pathlen)
			return -ENAMETOOLONG;
		if (mkfifo(path, 0600) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

unsigned long long block_bytes(const struct block *b)
{
	return (unsigned long long)b->head_len +
	       (b->fd >= 0 ? (unsigned long long)b->flen :
			     (unsigned long long)b->len);
}
