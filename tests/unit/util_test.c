/*
 * Unit tests for the small shared helpers of io/: clock (timed waits on
 * the monotonic clock), hash, hex, errbuf and dirs. No check depends on
 * how fast the machine is: a timed wait is only asked to end, never to
 * end within a given time.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "dirs.h"
#include "errbuf.h"
#include "hash.h"
#include "hex.h"
#include "tap.h"

struct flag {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int set;
};

static void *set_flag(void *arg)
{
	struct flag *f = arg;

	pthread_mutex_lock(&f->mu);
	f->set = 1;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

static void test_clock(void)
{
	struct flag f = { .set = 0 };
	pthread_t tid;
	double t0 = clock_now(), t1;
	int rc = 0;

	pthread_mutex_init(&f.mu, NULL);
	CHECK_INT(clock_cond_init(&f.cv), 0, "clock_cond_init");
	pthread_mutex_lock(&f.mu);
	CHECK_INT(clock_timedwait(&f.cv, &f.mu, t0 - 1), ETIMEDOUT,
		  "a deadline in the past times out at once");
	while (rc == 0)
		rc = clock_timedwait(&f.cv, &f.mu, clock_now() + 0.01);
	CHECK_INT(rc, ETIMEDOUT, "a near deadline times out");
	t1 = clock_now();
	CHECK(t1 >= t0 + 0.01, "the clock moved at least as far as waited");
	pthread_create(&tid, NULL, set_flag, &f);
	rc = 0;
	while (!f.set && rc == 0)
		rc = clock_timedwait(&f.cv, &f.mu, clock_now() + 1e9);
	CHECK(f.set && rc == 0, "a signal ends a wait with a far deadline");
	pthread_mutex_unlock(&f.mu);
	pthread_join(tid, NULL);
	pthread_cond_destroy(&f.cv);
	pthread_mutex_destroy(&f.mu);
}

static void test_hash_hex_errbuf(void)
{
	char err[8];
	uint64_t st = 1, a, b;

	CHECK(hash_fnv(HASH_FNV_INIT, "", 0) == HASH_FNV_INIT,
	      "fnv of nothing is the offset basis");
	/* The published FNV-1a 64 test vector for "a". */
	CHECK(hash_fnv(HASH_FNV_INIT, "a", 1) == 0xaf63dc4c8601ec8cULL,
	      "fnv-1a of 'a'");
	CHECK(hash_fnv_str(hash_fnv_str(HASH_FNV_INIT, "ab"), "c") ==
	      hash_fnv(HASH_FNV_INIT, "abc", 3), "fnv continues");
	CHECK(hash_mix64(1) != hash_mix64(2), "mix64 tells 1 from 2");
	a = hash_splitmix64(&st);
	b = hash_splitmix64(&st);
	CHECK(a != b && st == 1 + 2 * 0x9e3779b97f4a7c15ULL,
	      "splitmix64 steps its state");
	CHECK(hex_val('0') == 0 && hex_val('9') == 9 && hex_val('a') == 10 &&
	      hex_val('F') == 15, "hex digits");
	CHECK(hex_val('g') == -1 && hex_val('/') == -1 && hex_val(0x80) == -1,
	      "not hex digits");
	errbuf_set(err, sizeof(err), "%s %d", "abcdef", 42);
	CHECK_STR(err, "abcdef ", "errbuf cuts to its size");
	errbuf_set(err, 0, "%s", "xyz");
	CHECK_STR(err, "abcdef ", "errbuf of size 0 takes nothing");
}

static void test_dirs(void)
{
	char tmpl[] = "/tmp/lanes-util-XXXXXX", *d = mkdtemp(tmpl);
	int dfd, fd;
	struct stat st;

	if (!d) {
		CHECK(0, "mkdtemp");
		return;
	}
	dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK_INT(dirs_make(dfd, "a/b/c"), 0, "dirs: a/b/c");
	CHECK(!fstatat(dfd, "a/b/c", &st, 0) && S_ISDIR(st.st_mode),
	      "dirs: a/b/c is a directory");
	CHECK_INT(dirs_make(dfd, "a/b"), 0, "dirs: what exists is fine");
	CHECK_INT(dirs_make(dfd, "a//x/"), 0, "dirs: doubled and final /");
	fd = openat(dfd, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
	close(fd);
	CHECK_INT(dirs_make(dfd, "f/g"), -ENOTDIR, "dirs: a file in the way");
	unlinkat(dfd, "f", 0);
	unlinkat(dfd, "a/x", AT_REMOVEDIR);
	unlinkat(dfd, "a/b/c", AT_REMOVEDIR);
	unlinkat(dfd, "a/b", AT_REMOVEDIR);
	unlinkat(dfd, "a", AT_REMOVEDIR);
	close(dfd);
	CHECK_INT(rmdir(d), 0, "dirs: nothing else was made");
}

int main(void)
{
	test_clock();
	test_hash_hex_errbuf();
	test_dirs();
	return tap_done();
}
