/*
 * Unit tests for io/block: --pipe blocks and --pipe-part ranges. Every
 * test checks every byte: the blocks' bodies put together equal the input
 * after the header, every block starts with the header, and each cut is
 * where a straightforward model of GNU parallel's rules puts it. Input
 * comes through a pipe written in random pieces, so records straddle
 * read(2) boundaries, or from a file.
 */
#include "block.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct writer {
	int fd;
	const char *data;
	size_t len;
	unsigned seed;
};

/* Write the input in pieces of 1 to 70000 bytes, then close. */
static void *write_input(void *arg)
{
	struct writer *w = arg;
	size_t off = 0, n;
	ssize_t k;

	while (off < w->len) {
		n = (size_t)rand_r(&w->seed) % 70000 + 1;
		if (n > w->len - off)
			n = w->len - off;
		k = write(w->fd, w->data + off, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			break;
		off += (size_t)k;
	}
	close(w->fd);
	return NULL;
}

/* The blocks read from data; cuts[] gets each body's end in data (after
 * the header). */
struct got {
	char *cat;		/* bodies put together */
	size_t len;
	size_t cuts[100000];
	size_t n;
	int heads_ok;		/* every block began with the header */
	size_t ranges;		/* blocks that came as file ranges */
	off_t end_off;		/* the file's offset after the last block */
	int rc;
};

static struct got g;

static void read_blocks(const char *data, size_t len,
			const struct block_opts *o, const char *head,
			int use_file)
{
	struct block_reader r;
	struct block b;
	struct writer w;
	pthread_t t;
	char path[] = "/tmp/block_test.XXXXXX";
	int fds[2] = { -1, -1 }, fd = -1, rc;
	size_t hl = head ? strlen(head) : 0;

	free(g.cat);
	memset(&g, 0, sizeof(g));
	g.cat = malloc(len + 1);
	g.heads_ok = 1;
	if (use_file) {
		fd = mkstemp(path);
		unlink(path);
		if (write(fd, data, len) != (ssize_t)len)
			abort();
		lseek(fd, 0, SEEK_SET);
	} else {
		if (pipe(fds))
			abort();
		w.fd = fds[1];
		w.data = data;
		w.len = len;
		w.seed = (unsigned)len;
		pthread_create(&t, NULL, write_input, &w);
		fd = fds[0];
	}
	rc = block_init(&r, fd, o);
	if (rc) {
		g.rc = rc;
		goto out;
	}
	while ((rc = block_next(&r, &b)) == 1) {
		if (b.head_len != hl || (hl && memcmp(b.head, head, hl)))
			g.heads_ok = 0;
		if (b.seq != g.n + 1 || block_bytes(&b) == b.head_len)
			g.heads_ok = 0;
		if (b.fd >= 0) {
			g.ranges++;
			if (pread(b.fd, g.cat + g.len, (size_t)b.flen,
				  b.off) != b.flen)
				g.heads_ok = 0;
			g.len += (size_t)b.flen;
		} else {
			memcpy(g.cat + g.len, b.data, b.len);
			g.len += b.len;
		}
		g.cuts[g.n++] = g.len;
		block_put(&r, &b);
	}
	g.rc = rc;
	g.end_off = lseek(fd, 0, SEEK_CUR);
	block_release(&r);
out:
	if (!use_file)
		pthread_join(t, NULL);
	close(fd);
}

/* Is s a split of d[0, n) for plain recend e and recstart st? */
static int is_split(const char *d, size_t n, size_t s, const char *e,
		    size_t el, const char *st, size_t sl)
{
	if (s < el || s + sl > n)
		return 0;
	return (!el || memcmp(d + s - el, e, el) == 0) &&
	       (!sl || memcmp(d + s, st, sl) == 0);
}

/*
 * The model: from block start b, by size: look at [b, b + target), take
 * the last cut (a split whose count from b is a multiple of L) in it, or
 * grow target; with -N: the N*L-th split. The end of input ends a block.
 */
static size_t model(const char *d, size_t n, const struct block_opts *o,
		    size_t *cuts)
{
	size_t b = 0, nc = 0, target, e, s, cnt, last;
	unsigned long long L = o->lines ? o->lines : 1;

	while (b < n) {
		target = o->size;
		for (;;) {
			e = b + target < n ? b + target : n;
			if (o->nrec)
				e = n;
			cnt = 0;
			last = 0;
			for (s = b + 1; s <= e; s++) {
				if (!is_split(d, e, s, o->recend,
					      o->recend_len, o->recstart,
					      o->recstart_len))
					continue;
				cnt++;
				if (o->nrec && cnt == o->nrec * L) {
					last = s;
					break;
				}
				if (!o->nrec && cnt % L == 0)
					last = s;
			}
			if (o->nrec && !last)
				last = n;
			if (last)
				break;
			if (e == n) {
				last = n;
				break;
			}
			target = (e - b) + ((e - b) > o->size ? e - b : o->size);
		}
		cuts[nc++] = last;
		b = last;
	}
	return nc;
}

static size_t want_cuts[100000];

/* Check the blocks of data against the model; name the case. */
static void check_model(const char *name, const char *data, size_t len,
			const struct block_opts *o, const char *head)
{
	size_t hl = head ? strlen(head) : 0, nw, i;
	int ok;
	char msg[200];

	nw = model(data + hl, len - hl, o, want_cuts);
	for (int f = 0; f < 2; f++) {
		read_blocks(data, len, o, head, f);
		snprintf(msg, sizeof(msg), "%s (%s): status", name,
			 f ? "file" : "pipe");
		CHECK_INT(g.rc, 0, msg);
		snprintf(msg, sizeof(msg), "%s (%s): bytes", name,
			 f ? "file" : "pipe");
		CHECK(g.len == len - hl &&
		      memcmp(g.cat, data + hl, len - hl) == 0, msg);
		snprintf(msg, sizeof(msg), "%s (%s): header and numbers",
			 name, f ? "file" : "pipe");
		CHECK(g.heads_ok, msg);
		if (f && !o->regexp && !o->nrec && o->lines <= 1 &&
		    o->recend_len + o->recstart_len) {
			snprintf(msg, sizeof(msg), "%s (file): seek mode, "
				 "offset left at the end", name);
			CHECK(g.ranges == g.n && g.end_off == (off_t)len,
			      msg);
		}
		ok = g.n == nw;
		for (i = 0; ok && i < nw; i++)
			ok = g.cuts[i] == want_cuts[i];
		snprintf(msg, sizeof(msg), "%s (%s): %zu cuts where the "
			 "model puts them", name, f ? "file" : "pipe", nw);
		CHECK(ok, msg);
		if (!ok) {
			printf("#   got %zu blocks, want %zu\n", g.n, nw);
			for (i = 0; i < g.n && i < nw; i++)
				if (g.cuts[i] != want_cuts[i]) {
					printf("#   block %zu ends at %zu, "
					       "want %zu\n", i + 1,
					       g.cuts[i], want_cuts[i]);
					break;
				}
		}
	}
}

static unsigned seed = 12345;

/* n records of random length in [0, maxlen) of bytes from alphabet,
 * each followed by sep (of seplen bytes); the last one without it when
 * no_final is set. */
static char *records(size_t n, size_t maxlen, const char *alpha,
		     const char *sep, size_t seplen, int no_final,
		     size_t *len)
{
	size_t cap = n * (maxlen + seplen) + 1, off = 0, k, i, an;
	char *p = malloc(cap);

	an = strlen(alpha);
	for (i = 0; i < n; i++) {
		k = maxlen ? (size_t)rand_r(&seed) % maxlen : 0;
		while (k--)
			p[off++] = alpha[(size_t)rand_r(&seed) % an];
		if (!(no_final && i == n - 1)) {
			memcpy(p + off, sep, seplen);
			off += seplen;
		}
	}
	*len = off;
	return p;
}

static struct block_opts nl_opts(size_t size)
{
	struct block_opts o;

	memset(&o, 0, sizeof(o));
	o.recend = "\n";
	o.recend_len = 1;
	o.size = size;
	return o;
}

static void test_lines(void)
{
	struct block_opts o = nl_opts(1000);
	size_t len;
	char *d;

	d = records(5000, 300, "abc xyz", "\n", 1, 0, &len);
	check_model("random lines, --block 1000", d, len, &o, NULL);
	free(d);

	d = records(3000, 300, "abc", "\n", 1, 1, &len);
	check_model("no final newline", d, len, &o, NULL);
	free(d);

	o = nl_opts(10);
	d = records(2000, 100, "ab", "\n", 1, 0, &len);
	check_model("records longer than --block 10", d, len, &o, NULL);
	free(d);

	o = nl_opts(1000);
	d = records(3, 200000, "ab", "\n", 1, 1, &len);
	check_model("records of up to 200 KB, --block 1000", d, len, &o,
		    NULL);
	free(d);

	o = nl_opts(1024 * 1024);
	d = records(200000, 40, "0123456789", "\n", 1, 0, &len);
	check_model("4 MB of lines, --block 1M", d, len, &o, NULL);
	free(d);

	o = nl_opts(100);
	check_model("empty input", "", 0, &o, NULL);
	CHECK_INT(g.n, 0, "empty input: no block");
	check_model("one newline", "\n", 1, &o, NULL);
	CHECK_INT(g.n, 1, "one newline: one block");
	check_model("one byte, no newline", "x", 1, &o, NULL);
}

static void test_separators(void)
{
	struct block_opts o = nl_opts(500);
	size_t len;
	char *d;

	o.recend = "";
	o.recend_len = 1;	/* the NUL byte */
	d = records(3000, 100, "a\nb", "", 1, 0, &len);
	check_model("NUL-terminated records (-0)", d, len, &o, NULL);
	free(d);

	o = nl_opts(700);
	o.recend = "</r>\n";
	o.recend_len = 5;
	o.recstart = "<r>";
	o.recstart_len = 3;
	d = records(2000, 90, "<r>ab\n", "</r>\n", 5, 0, &len);
	check_model("--recend '</r>\\n' --recstart '<r>'", d, len, &o, NULL);
	free(d);

	o = nl_opts(300);
	o.recend = NULL;
	o.recend_len = 0;
	o.recstart = ">";
	o.recstart_len = 1;
	d = records(2000, 90, "ACGT\n", ">", 1, 0, &len);
	check_model("--recstart '>' alone", d, len, &o, NULL);
	free(d);

	o = nl_opts(64);
	o.recend = NULL;
	o.recend_len = 0;
	d = records(100, 90, "ab\n", "", 0, 0, &len);
	check_model("records end anywhere: --recend ''", d, len, &o, NULL);
	free(d);
}

static void test_counts(void)
{
	struct block_opts o = nl_opts(1000);
	size_t len;
	char *d;

	d = records(5000, 50, "ab", "\n", 1, 1, &len);
	o.nrec = 3;
	check_model("-N 3", d, len, &o, NULL);
	o.nrec = 1;
	check_model("-N 1", d, len, &o, NULL);
	o.nrec = 0;
	o.lines = 4;
	check_model("-L 4", d, len, &o, NULL);
	o.nrec = 2;
	o.lines = 3;
	check_model("-N 2 -L 3", d, len, &o, NULL);
	o = nl_opts(1000);
	o.nrec = 10000;
	check_model("-N 10000 (more than the input)", d, len, &o, NULL);
	CHECK_INT(g.n, 1, "-N 10000: one block");
	free(d);
}

static void test_header(void)
{
	struct block_opts o = nl_opts(1000);
	const char *head = "name,size\nunit,bytes\n";
	size_t len, hl = strlen(head);
	char *d, *body;

	body = records(3000, 60, "abc,123", "\n", 1, 0, &len);
	d = malloc(len + hl);
	memcpy(d, head, hl);
	memcpy(d + hl, body, len);
	o.header_lines = 2;
	check_model("--header 2", d, len + hl, &o, head);
	o.header_lines = 0;
	o.header_re = "(name.*\\n)(unit.*\\n)";
	check_model("--header REGEX", d, len + hl, &o, head);
	o.header_re = "nomatch";
	check_model("--header REGEX that does not match", d, len + hl, &o,
		    NULL);
	o.header_re = NULL;
	o.header_lines = 2;
	check_model("--header 2 of an input with 1 line", "a\n", 2, &o,
		    NULL);
	free(d);
	free(body);
}

/* Regexes: the model cannot check them, so known records are. */
static void test_regexp(void)
{
	struct block_opts o = nl_opts(200);
	size_t len, i, nblocks = 0;
	int ok = 1;
	char *d;

	o.regexp = 1;
	o.recend = "";
	o.recstart = "^>";
	d = records(2000, 80, "ACGT\n", "\n>", 2, 0, &len);
	d[0] = '>';
	read_blocks(d, len, &o, NULL, 0);
	CHECK_INT(g.rc, 0, "--regexp --recstart '^>': status");
	CHECK(g.len == len && memcmp(g.cat, d, len) == 0,
	      "--regexp --recstart '^>': bytes");
	for (i = 0; i + 1 < g.n; i++)
		ok &= d[g.cuts[i]] == '>' && d[g.cuts[i] - 1] == '\n';
	CHECK(ok && g.n > 10, "--regexp --recstart '^>': each block starts "
	      "a line with '>'");
	nblocks = g.n;

	/* The same with -N 1: one record per block. */
	o.nrec = 1;
	read_blocks(d, len, &o, NULL, 1);
	ok = g.len == len && memcmp(g.cat, d, len) == 0;
	for (i = 0; ok && i < g.n; i++) {
		size_t b = i ? g.cuts[i - 1] : 0;
		ok = d[b] == '>' && memmem(d + b + 1, g.cuts[i] - b - 1,
					  "\n>", 2) == NULL;
	}
	CHECK(ok && g.n > nblocks, "--regexp -N 1: one record per block");
	free(d);

	o = nl_opts(50);
	o.regexp = 1;
	o.recend = "\\n\\n+";
	d = strdup("para one\nline\n\n\npara two\n\nthree\nx\n\n\nfour");
	len = strlen(d);
	o.nrec = 1;
	read_blocks(d, len, &o, NULL, 0);
	CHECK(g.n == 4 && g.cuts[0] == 16 && g.cuts[1] == 26 &&
	      g.cuts[2] == 36 && g.len == len &&
	      memcmp(g.cat, d, len) == 0,
	      "--regexp --recend '\\n\\n+' -N 1: paragraphs");
	free(d);

	o = nl_opts(50);
	o.regexp = 1;
	o.recend = "(";
	CHECK_INT(block_init(&(struct block_reader){ 0 }, 0, &o), -EINVAL,
		  "a bad regex is -EINVAL");
}

static void test_unescape(void)
{
	char out[32];
	size_t n;

	block_unescape("a\\n\\t\\0\\\\\\x", out, &n);
	CHECK(n == 7 && memcmp(out, "a\n\t\0\\\\x", 7) == 0,
	      "block_unescape: \\n \\t \\0 \\\\, and \\x kept");
}

/* Feed ranges to a pipe and read them back. */
struct drain {
	int fd;
	char *buf;
	size_t len, cap, stop;	/* stop: read this much, then close */
};

static void *drain(void *arg)
{
	struct drain *d = arg;
	ssize_t k;

	while (d->len < d->cap && (!d->stop || d->len < d->stop)) {
		k = read(d->fd, d->buf + d->len, d->cap - d->len);
		if (k <= 0)
			break;
		d->len += (size_t)k;
	}
	close(d->fd);
	return NULL;
}

static void test_part(void)
{
	struct block_opts o = nl_opts(1000);
	struct block_part p;
	struct block b;
	struct drain dr;
	pthread_t t;
	const char *head = "h1\nh2\n";
	char path[] = "/tmp/block_test.XXXXXX";
	size_t len, hl = strlen(head), pos, i, n = 0;
	int fd, fds[2], ok = 1, cuts_ok = 1, feed_ok = 1, rc;
	unsigned long long sent;
	char *d, *body;

	body = records(20000, 100, "abc", "\n", 1, 1, &len);
	d = malloc(len + hl);
	memcpy(d, head, hl);
	memcpy(d + hl, body, len);
	len += hl;
	fd = mkstemp(path);
	unlink(path);
	if (write(fd, d, len) != (ssize_t)len)
		abort();
	lseek(fd, 0, SEEK_SET);
	o.header_lines = 2;
	rc = block_part_init(&p, fd, &o);
	CHECK_INT(rc, 0, "part: init");
	CHECK(p.head_len == hl && memcmp(p.head, head, hl) == 0,
	      "part: header found");
	pos = hl;
	dr.buf = malloc(len + 2000 * hl);
	while ((rc = block_part_next(&p, &b)) == 1) {
		n++;
		ok &= b.off == (off_t)pos && b.flen > 0 && b.seq == n;
		pos += (size_t)b.flen;
		/* Each cut is the first newline at or after off + size. */
		if (pos < len) {
			const char *nl = memchr(d + b.off + o.size, '\n',
						len - (size_t)b.off - o.size);
			cuts_ok &= nl && pos == (size_t)(nl - d) + 1;
		}
		if (pipe(fds))
			abort();
		dr.fd = fds[0];
		dr.len = 0;
		dr.cap = len + hl;
		dr.stop = 0;
		pthread_create(&t, NULL, drain, &dr);
		sent = 0;
		rc = block_feed(&b, fds[1], &sent);
		close(fds[1]);
		pthread_join(t, NULL);
		feed_ok &= rc == 0 && sent == block_bytes(&b) &&
			   dr.len == hl + (size_t)b.flen &&
			   memcmp(dr.buf, head, hl) == 0 &&
			   memcmp(dr.buf + hl, d + b.off, (size_t)b.flen) == 0;
	}
	CHECK_INT(rc, 0, "part: end");
	CHECK(ok && pos == len, "part: ranges cover the file after the "
	      "header exactly, in order");
	CHECK(cuts_ok, "part: each cut is after the first newline past "
	      "--block");
	CHECK(feed_ok && n > 100, "part: each range fed through a pipe, "
	      "header first, every byte");
	block_part_release(&p);

	/* --block -1 with 2 slots: two ranges. */
	lseek(fd, 0, SEEK_SET);
	o = nl_opts(block_part_size((off_t)len, 2, 1));
	rc = block_part_init(&p, fd, &o);
	n = 0;
	pos = 0;
	while (block_part_next(&p, &b) == 1) {
		n++;
		pos += (size_t)b.flen;
	}
	CHECK(rc == 0 && n == 2 && pos == len,
	      "part: --block -1 on 2 slots gives 2 ranges");
	block_part_release(&p);

	/* From the middle of the file: start at the descriptor's offset. */
	lseek(fd, 100, SEEK_SET);
	o = nl_opts(333);
	rc = block_part_init(&p, fd, &o);
	pos = 100;
	ok = rc == 0;
	while (block_part_next(&p, &b) == 1) {
		ok &= b.off == (off_t)pos;
		pos += (size_t)b.flen;
	}
	CHECK(ok && pos == len, "part: starts at the descriptor's offset");
	block_part_release(&p);

	/* Regex cuts, at a line starting with "ab". */
	lseek(fd, 0, SEEK_SET);
	o = nl_opts(5000);
	o.regexp = 1;
	o.recend = NULL;
	o.recstart = "^ab";
	rc = block_part_init(&p, fd, &o);
	pos = 0;
	ok = rc == 0;
	n = 0;
	while (block_part_next(&p, &b) == 1) {
		ok &= b.off == (off_t)pos;
		pos += (size_t)b.flen;
		if (pos < len)
			ok &= d[pos - 1] == '\n' && d[pos] == 'a' &&
			      d[pos + 1] == 'b';
		n++;
	}
	CHECK(ok && pos == len && n > 5, "part: --regexp --recstart '^ab'");
	block_part_release(&p);

	/* A reader that stops early: EPIPE, not a hang or a signal. */
	lseek(fd, 0, SEEK_SET);
	o = nl_opts(len);
	block_part_init(&p, fd, &o);
	block_part_next(&p, &b);
	if (pipe(fds))
		abort();
	dr.fd = fds[0];
	dr.len = 0;
	dr.stop = 10;
	pthread_create(&t, NULL, drain, &dr);
	rc = block_feed(&b, fds[1], NULL);
	close(fds[1]);
	pthread_join(t, NULL);
	CHECK_INT(rc, -EPIPE, "part: a reader that quits gives -EPIPE");
	block_part_release(&p);
	close(fd);

	if (pipe(fds))
		abort();
	CHECK_INT(block_part_init(&p, fds[0], &o), -ESPIPE,
		  "part: a pipe is not seekable");
	close(fds[0]);
	close(fds[1]);

	/* A memory block fed to a reader that quits. */
	memset(&b, 0, sizeof(b));
	b.fd = -1;
	b.data = d;
	b.len = len;
	if (pipe(fds))
		abort();
	dr.fd = fds[0];
	dr.len = 0;
	dr.stop = 1;
	pthread_create(&t, NULL, drain, &dr);
	rc = block_feed(&b, fds[1], &sent);
	close(fds[1]);
	pthread_join(t, NULL);
	CHECK_INT(rc, -EPIPE, "a memory block to a reader that quits: -EPIPE");
	(void)i;
	free(dr.buf);
	free(d);
	free(body);
}

struct taker {
	struct block_reader *r;
	struct block b;
	int rc;
};

static void *take(void *arg)
{
	struct taker *t = arg;

	t->rc = block_next(t->r, &t->b);
	return NULL;
}

/* max_out: the third block waits for one of the first two to come back;
 * block_cancel() ends a wait. */
static void test_max_out(void)
{
	struct block_opts o = nl_opts(4);
	struct block_reader r;
	struct block b1, b2;
	struct taker t = { &r, { 0 }, 0 };
	pthread_t th;
	int fds[2];

	if (pipe(fds) || write(fds[1], "aaa\nbbb\nccc\nddd\n", 16) != 16)
		abort();
	close(fds[1]);
	o.max_out = 2;
	block_init(&r, fds[0], &o);
	CHECK(block_next(&r, &b1) == 1 && block_next(&r, &b2) == 1,
	      "max_out 2: two blocks out");
	pthread_create(&th, NULL, take, &t);
	block_put(&r, &b1);
	pthread_join(th, NULL);
	CHECK(t.rc == 1 && t.b.seq == 3 && t.b.len == 4 &&
	      memcmp(t.b.data, "ccc\n", 4) == 0,
	      "max_out 2: the third block comes once one is put back");
	block_put(&r, &t.b);
	CHECK(block_next(&r, &b1) == 1 && b1.seq == 4,
	      "max_out 2: the fourth block");
	pthread_create(&th, NULL, take, &t);
	block_cancel(&r);
	pthread_join(th, NULL);
	CHECK_INT(t.rc, -ECANCELED, "block_cancel ends a wait");
	block_put(&r, &b1);
	block_put(&r, &b2);
	block_release(&r);
	close(fds[0]);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_unescape();
	test_lines();
	test_separators();
	test_counts();
	test_header();
	test_regexp();
	test_part();
	test_max_out();
	free(g.cat);
	return tap_done();
}
