/*
 * Unit tests for io/bulk: a small run (worker threads, the local
 * launcher, real processes) that does what lanes --pipe -k cat does, and
 * checks every byte: the jobs' outputs in block order equal the input,
 * through a pipe and from a file, for --pipe-part with --block -N and
 * --header, --cat, --fifo and --round-robin; a job that reads one line
 * (head -n1) exits 0 and every other block is whole.
 */
#include "bulk.h"
#include "launch.h"
#include "spawn.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAXJOBS 4096
#define J 3

struct out {
	char *p;
	size_t len, cap;
};

static struct out outs[MAXJOBS];
static int statuses[MAXJOBS];
static unsigned long long sents[MAXJOBS];
static unsigned long long nblocks;
static int errors;

static struct bulk *bk;
static struct launcher *L;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static const char *const *cmd;

static void fail(void)
{
	pthread_mutex_lock(&mu);
	errors++;
	pthread_mutex_unlock(&mu);
}

static int sink(void *ctx, int stream, const char *p, size_t n)
{
	struct out *o = ctx;

	if (stream != 1)
		return 0;
	if (o->len + n > o->cap) {
		o->cap = (o->len + n) * 2;
		o->p = realloc(o->p, o->cap);
	}
	memcpy(o->p + o->len, p, n);
	o->len += n;
	return 0;
}

/* One job: block b (NULL for round robin), output to outs[seq]. */
static void run_job(unsigned slot, const struct block *b,
		    unsigned long long seq)
{
	struct launch_job lj;
	struct launch_result res;
	struct bulk_try t;
	const char *name;
	char *argv[8];
	int stdin_fd, rc, i;

	rc = bulk_begin(bk, slot, b, &t, &stdin_fd, &name);
	if (rc) {
		fail();
		return;
	}
	for (i = 0; cmd[i]; i++)
		argv[i] = (char *)(strcmp(cmd[i], "{}") || !name ? cmd[i] :
				   name);
	argv[i] = NULL;
	memset(&lj, 0, sizeof(lj));
	lj.seq = seq;
	lj.slot = slot;
	lj.argv = argv;
	lj.envp = environ;
	lj.stdin_fd = stdin_fd;
	lj.capture = 1;
	lj.sink = sink;
	lj.ctx = &outs[seq];
	rc = launch_run(L, &lj, &res);
	if (rc)
		fail();
	statuses[seq] = res.status;
	if (bulk_end(bk, slot, &t, &sents[seq]))
		fail();
}

static void *worker(void *arg)
{
	unsigned slot = (unsigned)(long)arg;
	char err[256];
	struct block b;
	int rc;

	if (bulk_jobs(bk)) {
		run_job(slot, NULL, slot);
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&mu);
		rc = bulk_next(bk, &b, err, sizeof(err));
		if (rc == 1 && b.seq > nblocks)
			nblocks = b.seq;
		pthread_mutex_unlock(&mu);
		if (rc != 1)
			break;
		if (b.seq >= MAXJOBS)
			abort();
		run_job(slot, &b, b.seq);
		bulk_put(bk, &b);
	}
	if (rc < 0)
		fail();
	return NULL;
}

struct writer {
	int fd;
	const char *p;
	size_t n;
};

static void *write_all(void *arg)
{
	struct writer *w = arg;
	size_t off = 0;
	ssize_t k;

	while (off < w->n) {
		k = write(w->fd, w->p + off, w->n - off > 10000 ? 10000 :
			  w->n - off);
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	close(w->fd);
	return NULL;
}

/*
 * Run command c over data with o; from_pipe feeds stdin through a pipe,
 * otherwise stdin (or o->file) is the file path. Returns the outputs
 * concatenated in block order (or job order for round robin).
 */
static char *run(const struct bulk_opts *o, const char *const *c,
		 const char *data, size_t len, const char *path,
		 int from_pipe, size_t *outlen)
{
	pthread_t th[J], wt;
	struct writer w;
	char err[256];
	struct block b;
	int saved = fcntl(0, F_DUPFD_CLOEXEC, 3), fds[2], rc;
	unsigned long long i;
	char *all;
	size_t total = 0;

	for (i = 0; i < MAXJOBS; i++) {
		free(outs[i].p);
		memset(&outs[i], 0, sizeof(outs[i]));
		statuses[i] = -1;
	}
	nblocks = 0;
	errors = 0;
	cmd = c;
	if (from_pipe) {
		/* Close-on-exec, or the jobs hold the write end open. */
		if (pipe2(fds, O_CLOEXEC))
			abort();
		dup2(fds[0], 0);
		close(fds[0]);
		w.fd = fds[1];
		w.p = data;
		w.n = len;
		pthread_create(&wt, NULL, write_all, &w);
	} else if (!o->file) {
		int fd = open(path, O_RDONLY);
		dup2(fd, 0);
		close(fd);
	}
	rc = bulk_new(&bk, o, err, sizeof(err));
	if (rc) {
		printf("# bulk_new: %s\n", err);
		errors++;
		goto out;
	}
	for (i = 0; i < J; i++)
		pthread_create(&th[i], NULL, worker, (void *)(long)(i + 1));
	if (bulk_jobs(bk)) {
		while (bulk_next(bk, &b, err, sizeof(err)) == 1) {
			nblocks++;
			if (bulk_push(bk, &b))
				errors++;
		}
		bulk_input_done(bk);
	}
	for (i = 0; i < J; i++)
		pthread_join(th[i], NULL);
	bulk_free(bk);
out:
	if (from_pipe)
		pthread_join(wt, NULL);
	dup2(saved, 0);
	close(saved);
	for (i = 0; i < MAXJOBS; i++)
		total += outs[i].len;
	all = malloc(total + 1);
	*outlen = 0;
	for (i = 0; i < MAXJOBS; i++) {
		if (outs[i].len)
			memcpy(all + *outlen, outs[i].p, outs[i].len);
		*outlen += outs[i].len;
	}
	return all;
}

static int cmp_lines(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;

	return strcmp(x, y);
}

/* The lines of d[0, n) (every line ends in "\n"), sorted. */
static char **sorted_lines(char *d, size_t n, size_t *count)
{
	char **v = malloc(sizeof(*v) * (n + 1));
	size_t k = 0, i, s = 0;

	for (i = 0; i < n; i++)
		if (d[i] == '\n') {
			d[i] = '\0';
			v[k++] = d + s;
			s = i + 1;
		}
	qsort(v, k, sizeof(*v), cmp_lines);
	*count = k;
	return v;
}

int main(void)
{
	static const char *const cat[] = { "cat", NULL };
	static const char *const cat_name[] = { "cat", "{}", NULL };
	static const char *const head1[] = { "head", "-n1", NULL };
	const char *head = "id,value\n";
	char path[] = "/tmp/bulk_test.XXXXXX", hpath[] = "/tmp/bulk_hd.XXXXXX";
	struct bulk_opts o;
	size_t len = 0, n, i, k, hl = strlen(head), na, nb;
	char *data, *hdata, *got, **blocks, *a, *b2, **la, **lb;
	size_t *blens;
	unsigned long long nb_cat, s;
	int fd, ok;
	unsigned seed = 7;

	signal(SIGPIPE, SIG_IGN);
	spawn_setup(open("/dev/null", O_RDONLY | O_CLOEXEC));
	launch_local_new(&L, J, 0);

	data = malloc(4 << 20);
	while (len < (3 << 20)) {
		k = (size_t)rand_r(&seed) % 200;
		len += (size_t)snprintf(data + len, 32, "%zu,", len);
		while (k--)
			data[len++] = (char)('a' + rand_r(&seed) % 26);
		data[len++] = '\n';
	}
	fd = mkstemp(path);
	if (write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);

	memset(&o, 0, sizeof(o));
	o.block.recend = "\n";
	o.block.recend_len = 1;
	o.block.size = 100000;
	o.jobs = J;
	o.tmpdir = "/tmp";

	got = run(&o, cat, data, len, path, 1, &n);
	ok = !errors && n == len && memcmp(got, data, len) == 0;
	for (s = 1; s <= nblocks; s++)
		ok &= statuses[s] == 0 && sents[s] == outs[s].len;
	CHECK(ok && nblocks > 20, "--pipe cat from a pipe: every byte, in "
	      "block order; Send is each block's size");
	free(got);
	/* Keep the blocks to check head -n1 against. */
	nb_cat = nblocks;
	blocks = malloc(sizeof(*blocks) * (nb_cat + 1));
	blens = malloc(sizeof(*blens) * (nb_cat + 1));
	for (s = 1; s <= nb_cat; s++) {
		blocks[s] = outs[s].p;
		blens[s] = outs[s].len;
		outs[s].p = NULL;
		outs[s].len = 0;
	}

	got = run(&o, cat, data, len, path, 0, &n);
	ok = !errors && n == len && memcmp(got, data, len) == 0 &&
	     nblocks == nb_cat;
	for (s = 1; ok && s <= nblocks; s++)
		ok = outs[s].len == blens[s] &&
		     memcmp(outs[s].p, blocks[s], blens[s]) == 0;
	CHECK(ok, "--pipe cat < FILE: the same blocks, every byte");
	free(got);

	got = run(&o, head1, data, len, path, 1, &n);
	ok = !errors && nblocks == nb_cat;
	for (s = 1; ok && s <= nblocks; s++) {
		const char *nl = memchr(blocks[s], '\n', blens[s]);

		ok = statuses[s] == 0 && nl &&
		     outs[s].len == (size_t)(nl - blocks[s]) + 1 &&
		     memcmp(outs[s].p, blocks[s], outs[s].len) == 0;
	}
	CHECK(ok, "--pipe head -n1: each job prints its block's first line "
	      "and exits 0");
	free(got);

	o.mode = BULK_CAT;
	got = run(&o, cat_name, data, len, path, 1, &n);
	CHECK(!errors && n == len && memcmp(got, data, len) == 0,
	      "--pipe --cat cat {}: every byte");
	free(got);

	o.mode = BULK_FIFO;
	got = run(&o, cat_name, data, len, path, 1, &n);
	CHECK(!errors && n == len && memcmp(got, data, len) == 0,
	      "--pipe --fifo cat {}: every byte");
	free(got);

	o.mode = BULK_FIFO;
	got = run(&o, head1, data, len, path, 1, &n);
	CHECK(!errors && nblocks == nb_cat,
	      "--pipe --fifo head -n1: no job reads the fifo, none hangs");
	free(got);

	o.mode = BULK_STDIN;
	o.part = 1;
	o.file = path;
	o.per_slot = 2;
	got = run(&o, cat, data, len, path, 0, &n);
	CHECK(!errors && n == len && memcmp(got, data, len) == 0 &&
	      nblocks >= 2 * J - 1 && nblocks <= 2 * J,
	      "--pipe-part -a FILE --block -2: every byte, 2 blocks a slot");
	free(got);

	hdata = malloc(len + hl);
	memcpy(hdata, head, hl);
	memcpy(hdata + hl, data, len);
	fd = mkstemp(hpath);
	if (write(fd, hdata, len + hl) != (ssize_t)(len + hl))
		abort();
	close(fd);
	o.file = hpath;
	o.per_slot = 0;
	o.block.header_lines = 1;
	got = run(&o, cat, hdata, len + hl, hpath, 0, &n);
	ok = !errors && n == len + nblocks * hl;
	for (s = 1, k = 0; ok && s <= nblocks; s++) {
		ok = outs[s].len > hl && memcmp(outs[s].p, head, hl) == 0 &&
		     memcmp(outs[s].p + hl, data + k, outs[s].len - hl) == 0;
		k += outs[s].len - hl;
	}
	CHECK(ok && k == len, "--pipe-part --header 1: the header on every "
	      "block, every byte");
	free(got);
	o.block.header_lines = 0;

	o.part = 0;
	o.file = NULL;
	o.round_robin = 1;
	got = run(&o, cat, data, len, path, 1, &n);
	ok = !errors && n == len;
	for (s = 1; ok && s <= J; s++)
		ok = statuses[s] == 0;
	if (ok) {
		a = malloc(len);
		b2 = malloc(len);
		memcpy(a, got, len);
		memcpy(b2, data, len);
		la = sorted_lines(a, len, &na);
		lb = sorted_lines(b2, len, &nb);
		ok = na == nb;
		for (i = 0; ok && i < na; i++)
			ok = strcmp(la[i], lb[i]) == 0;
		free(la);
		free(lb);
		free(a);
		free(b2);
	}
	CHECK(ok && nblocks > 20, "--round-robin cat: 3 jobs, every line "
	      "once");
	free(got);

	for (s = 1; s <= nb_cat; s++)
		free(blocks[s]);
	free(blocks);
	free(blens);
	for (i = 0; i < MAXJOBS; i++)
		free(outs[i].p);
	launch_free(L);
	unlink(path);
	unlink(hpath);
	free(data);
	free(hdata);
	return tap_done();
}
