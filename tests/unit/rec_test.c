/*
 * Unit tests for io/rec: record splitting on any separator, records of any
 * length and content, records that straddle read(2) boundaries, sticky end
 * and error states, and the -d argument parser.
 */
#include "rec.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A writer thread that feeds a pipe in pieces of `chunk` bytes. */
struct feeder {
	int fd;
	const char *data;
	size_t len, chunk;
};

static void *feed(void *arg)
{
	struct feeder *f = arg;
	size_t off = 0, n;
	ssize_t w;

	while (off < f->len) {
		n = f->len - off < f->chunk ? f->len - off : f->chunk;
		w = write(f->fd, f->data + off, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		off += (size_t)w;
	}
	close(f->fd);
	return NULL;
}

/* An unlinked temporary file holding data, positioned at its start. */
static int temp_fd(const char *data, size_t len)
{
	char name[] = "/tmp/rec_test.XXXXXX";
	size_t off = 0;
	ssize_t w;
	int fd = mkstemp(name);

	if (fd < 0)
		return -1;
	unlink(name);
	while (off < len) {
		w = write(fd, data + off, len - off);
		if (w < 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Read every record of fd and compare each with the records that splitting
 * want[0..wlen) on sep by hand gives. Returns 1 if they all match, each is
 * NUL-terminated, and the reader then stays at its end.
 */
static int reads_as(int fd, char sep, const char *want, size_t wlen)
{
	struct rec_reader r;
	const char *p, *w = want, *end = want + wlen, *q;
	size_t len, n;
	int rc, ok = 1;

	if (rec_init(&r, fd, sep) != 0)
		return 0;
	while ((rc = rec_next(&r, &p, &len)) == 1) {
		if (w >= end) {
			ok = 0;
			break;
		}
		q = memchr(w, (unsigned char)sep, (size_t)(end - w));
		n = q ? (size_t)(q - w) : (size_t)(end - w);
		if (len != n || memcmp(p, w, n) != 0 || p[len] != '\0') {
			ok = 0;
			break;
		}
		w += n + (q ? 1 : 0);
	}
	if (rc != 1 && (rc != 0 || w != end))
		ok = 0;
	if (ok && (rec_next(&r, &p, &len) != 0 || rec_next(&r, &p, &len) != 0))
		ok = 0;
	rec_release(&r);
	return ok;
}

/* The same through a pipe written `chunk` bytes at a time. */
static int pipe_reads_as(char sep, const char *data, size_t len,
			 size_t chunk)
{
	struct feeder f;
	pthread_t t;
	int fds[2], ok;

	if (pipe(fds) != 0)
		return 0;
	f.fd = fds[1];
	f.data = data;
	f.len = len;
	f.chunk = chunk;
	if (pthread_create(&t, NULL, feed, &f) != 0) {
		close(fds[0]);
		close(fds[1]);
		return 0;
	}
	ok = reads_as(fds[0], sep, data, len);
	/* Drain what is left so the feeder can finish. */
	while (read(fds[0], &sep, 1) > 0)
		;
	pthread_join(t, NULL);
	close(fds[0]);
	return ok;
}

static int file_reads_as(char sep, const char *data, size_t len)
{
	int fd = temp_fd(data, len), ok;

	if (fd < 0)
		return 0;
	ok = reads_as(fd, sep, data, len);
	close(fd);
	return ok;
}

/* Read all records of a string into one "|"-joined string. */
static const char *joined(const char *data, size_t len, char sep)
{
	static char out[256];
	struct rec_reader r;
	const char *p;
	size_t n, at = 0;
	int fd = temp_fd(data, len), rc;

	if (fd < 0 || rec_init(&r, fd, sep) != 0)
		return "(setup failed)";
	out[0] = '\0';
	while ((rc = rec_next(&r, &p, &n)) == 1) {
		if (at + n + 2 > sizeof(out))
			break;
		memcpy(out + at, p, n);
		at += n;
		out[at++] = '|';
		out[at] = '\0';
	}
	rec_release(&r);
	close(fd);
	if (rc < 0)
		return "(error)";
	return out;
}

static void test_basic(void)
{
	CHECK_STR(joined("a\nb\nc\n", 6, '\n'), "a|b|c|", "newline records");
	CHECK_STR(joined("a\nb", 3, '\n'), "a|b|", "final record w/o sep");
	CHECK_STR(joined("", 0, '\n'), "", "empty input: no record");
	CHECK_STR(joined("\n", 1, '\n'), "|", "one empty record");
	CHECK_STR(joined("\n\na\n\n", 5, '\n'), "||a||", "empty records");
	CHECK_STR(joined("a\r\nb\r\n", 6, '\n'), "a\r|b\r|", "\\r is kept");
	CHECK_STR(joined("a b\0c\nd\0", 8, '\0'), "a b|c\nd|",
		  "NUL separator");
	CHECK_STR(joined("a\0b", 3, '\0'), "a|b|", "NUL: final w/o sep");
	CHECK_STR(joined("x,y,,z\n", 7, ','), "x|y||z\n|", "custom separator");
	CHECK_STR(joined("  a  \n", 6, '\n'), "  a  |", "blanks are kept");
}

static void test_binary(void)
{
	static const char data[] = "x\0y\xff\x01\n\x80\0\n\0";
	struct rec_reader r;
	const char *p;
	size_t len;
	int fd = temp_fd(data, sizeof(data) - 1);

	CHECK(fd >= 0 && rec_init(&r, fd, '\n') == 0, "binary: setup");
	CHECK_INT(rec_next(&r, &p, &len), 1, "binary: first record");
	CHECK(len == 5 && memcmp(p, "x\0y\xff\x01", 5) == 0 && p[5] == '\0',
	      "binary: NUL and high bytes inside a record");
	CHECK_INT(rec_next(&r, &p, &len), 1, "binary: second record");
	CHECK(len == 2 && memcmp(p, "\x80\0", 2) == 0, "binary: second bytes");
	CHECK_INT(rec_next(&r, &p, &len), 1, "binary: lone NUL record");
	CHECK(len == 1 && p[0] == '\0', "binary: lone NUL bytes");
	CHECK_INT(rec_next(&r, &p, &len), 0, "binary: end");
	rec_release(&r);
	close(fd);

	/* Every byte value once, as both data and, in turn, separator. */
	{
		char all[256 * 3];
		int c, ok = 1;

		for (c = 0; c < 256 * 3; c++)
			all[c] = (char)(c * 7);
		for (c = 0; c < 256 && ok; c += 17)
			ok = file_reads_as((char)c, all, sizeof(all));
		CHECK(ok, "binary: any byte works as a separator");
	}
}

static void test_big(void)
{
	size_t n = 10 * 1024 * 1024, i, len;
	char *big = malloc(n + 16);
	struct rec_reader r;
	const char *p;
	int fd, ok;

	if (!big) {
		CHECK(0, "10 MB: malloc");
		return;
	}
	for (i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	memcpy(big + n, "\ntail\n", 6);

	fd = temp_fd(big, n + 6);
	CHECK(fd >= 0 && rec_init(&r, fd, '\n') == 0, "10 MB: setup");
	CHECK_INT(rec_next(&r, &p, &len), 1, "10 MB: got the record");
	ok = len == n && p[n] == '\0';
	for (i = 0; ok && i < n; i++)
		ok = p[i] == (char)('a' + i % 26);
	CHECK(ok, "10 MB: record intact");
	CHECK_INT(rec_next(&r, &p, &len), 1, "10 MB: next record");
	CHECK_STR(p, "tail", "10 MB: next record intact");
	CHECK_INT(rec_next(&r, &p, &len), 0, "10 MB: end");
	rec_release(&r);
	close(fd);

	CHECK(pipe_reads_as('\n', big, n + 6, 4093), "10 MB through a pipe");
	/* Without the final separator the big record is the last one. */
	CHECK(file_reads_as('\n', big, n), "10 MB as the final record");
	free(big);
}

/*
 * Records of every length from 0 to a few hundred bytes, plus a few longer
 * than one read, so records start and end on every side of each read(2).
 */
static void test_boundaries(void)
{
	size_t cap = 3 * 1024 * 1024, len = 0, k, i, rl;
	char *data = malloc(cap);
	unsigned x = 12345;
	int ok;

	if (!data) {
		CHECK(0, "boundaries: malloc");
		return;
	}
	for (k = 0; len < cap - 400 * 1024; k++) {
		x = x * 1103515245 + 12345;
		rl = k % 50 == 49 ? 200 * 1024 + (x >> 8) % 1000
				  : (x >> 8) % 300;
		for (i = 0; i < rl; i++)
			data[len++] = (char)('!' + (i + k) % 90);
		data[len++] = '\n';
	}
	CHECK(file_reads_as('\n', data, len), "boundaries: file");
	/* A byte per write is slow, so only the first 300 kB go that way. */
	CHECK(pipe_reads_as('\n', data, 300000, 1),
	      "boundaries: pipe, 1 byte");
	CHECK(pipe_reads_as('\n', data, len, 777), "boundaries: pipe, 777");
	CHECK(pipe_reads_as('\n', data, len, 65537),
	      "boundaries: pipe, 64 KiB + 1");
	/* Drop the last separator: the last record ends at EOF. */
	CHECK(pipe_reads_as('\n', data, len - 1, 4096),
	      "boundaries: pipe, no final separator");

	/* Only separators: every record empty. */
	memset(data, '\0', 300000);
	CHECK(file_reads_as('\0', data, 300000), "300000 empty records");
	ok = pipe_reads_as('\0', data, 300000, 1000);
	CHECK(ok, "300000 empty records through a pipe");
	free(data);
}

static void test_errors(void)
{
	struct rec_reader r;
	const char *p;
	size_t len;
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	CHECK(fd >= 0 && rec_init(&r, fd, '\n') == 0, "error: setup");
	CHECK_INT(rec_next(&r, &p, &len), -EISDIR, "error: read fails");
	close(fd);
	CHECK_INT(rec_next(&r, &p, &len), -EISDIR, "error: is sticky");
	rec_release(&r);

	CHECK(rec_init(&r, -1, '\n') == 0, "bad fd: setup");
	CHECK_INT(rec_next(&r, &p, &len), -EBADF, "bad fd: -EBADF");
	rec_release(&r);
}

static int sep_of(const char *s)
{
	char c = 'Z';
	int rc = rec_parse_sep(s, &c);

	return rc ? rc : (unsigned char)c;
}

static void test_parse_sep(void)
{
	CHECK_INT(sep_of(","), ',', "sep: plain byte");
	CHECK_INT(sep_of("\\"), '\\', "sep: lone backslash");
	CHECK_INT(sep_of("\n"), '\n', "sep: literal newline");
	CHECK_INT(sep_of("\\n"), '\n', "sep: \\n");
	CHECK_INT(sep_of("\\t"), '\t', "sep: \\t");
	CHECK_INT(sep_of("\\r"), '\r', "sep: \\r");
	CHECK_INT(sep_of("\\0"), 0, "sep: \\0");
	CHECK_INT(sep_of("\\\\"), '\\', "sep: \\\\");
	CHECK_INT(sep_of("\\a"), '\a', "sep: \\a");
	CHECK_INT(sep_of("\\b"), '\b', "sep: \\b");
	CHECK_INT(sep_of("\\f"), '\f', "sep: \\f");
	CHECK_INT(sep_of("\\v"), '\v', "sep: \\v");
	CHECK_INT(sep_of("\\x2c"), ',', "sep: \\x2c");
	CHECK_INT(sep_of("\\xFF"), 0xff, "sep: \\xFF");
	CHECK_INT(sep_of("\\x9"), '\t', "sep: \\x9");
	CHECK_INT(sep_of("\\x00"), 0, "sep: \\x00");
	CHECK_INT(sep_of("\\054"), ',', "sep: \\054");
	CHECK_INT(sep_of("\\12"), '\n', "sep: \\12");
	CHECK_INT(sep_of("\\377"), 0xff, "sep: \\377");
	CHECK_INT(sep_of("\\000"), 0, "sep: \\000");
	CHECK_INT(sep_of("\xe9"), 0xe9, "sep: high byte");

	CHECK_INT(sep_of(""), -EINVAL, "sep: empty is invalid");
	CHECK_INT(sep_of("ab"), -EINVAL, "sep: two bytes are invalid");
	CHECK_INT(sep_of("\\q"), -EINVAL, "sep: unknown escape");
	CHECK_INT(sep_of("\\x"), -EINVAL, "sep: \\x without digits");
	CHECK_INT(sep_of("\\xg"), -EINVAL, "sep: \\x with a non-hex digit");
	CHECK_INT(sep_of("\\x123"), -EINVAL, "sep: \\x with 3 digits");
	CHECK_INT(sep_of("\\400"), -EINVAL, "sep: octal over 255");
	CHECK_INT(sep_of("\\0123"), -EINVAL, "sep: octal with 4 digits");
	CHECK_INT(sep_of("\\8"), -EINVAL, "sep: \\8");
	CHECK_INT(sep_of("\\nx"), -EINVAL, "sep: junk after escape");
	CHECK_INT(sep_of("\\0x"), -EINVAL, "sep: junk after octal");
	CHECK_INT(sep_of("\\\\\\"), -EINVAL, "sep: three backslashes");
	CHECK_INT(sep_of(NULL), -EINVAL, "sep: NULL");
}

int main(void)
{
	test_basic();
	test_binary();
	test_big();
	test_boundaries();
	test_errors();
	test_parse_sep();
	return tap_done();
}
