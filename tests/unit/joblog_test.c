/*
 * Unit tests for io/joblog: the line format column by column (and against
 * a log written by GNU parallel when it is installed), the escapes and
 * their round trip, and the loader on normal, missing, torn, duplicated,
 * garbled and header-less logs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "joblog.h"
#include "tap.h"

static char dir[] = "/tmp/lanes-joblog-XXXXXX";
static char path[sizeof(dir) + 32];

/* joblog_format() of one entry, in a static buffer. */
static const char *fmt(unsigned long long seq, double start, double rt,
		       unsigned long long recv, int exitval, int sig,
		       const char *cmd)
{
	static struct buf b = BUF_INIT;
	struct joblog_entry e = { 0 };

	e.seq = seq;
	e.start = start;
	e.runtime = rt;
	e.received = recv;
	e.exitval = exitval;
	e.signal = sig;
	e.cmd = cmd;
	e.cmdlen = strlen(cmd);
	e.host = NULL;
	buf_reset(&b);
	if (joblog_format(&b, &e) != 0)
		return "(error)";
	return buf_str(&b);
}

/* Write s to the test log file, replacing it. */
static void put_file(const char *s, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, s, n) != (ssize_t)n)
		perror("lanes joblog_test: write");
	if (fd >= 0)
		close(fd);
}

static void put_str(const char *s)
{
	put_file(s, strlen(s));
}

static void test_format(void)
{
	struct buf b = BUF_INIT;

	CHECK(joblog_header(&b) == 0, "header appended");
	CHECK_STR(buf_str(&b), "Seq\tHost\tStarttime\tJobRuntime\tSend\t"
		  "Receive\tExitval\tSignal\tCommand\n",
		  "header is GNU parallel's");
	buf_release(&b);

	CHECK_STR(fmt(1, 1795306190.273, 0.0031, 2, 0, 0, "echo 0; exit 0"),
		  "1\t:\t1795306190.273\t     0.003\t0\t2\t0\t0\t"
		  "echo 0; exit 0\n", "a plain line");
	CHECK_STR(fmt(2, 1795306190.3876, 1.7394, 0, -1, 15, "sleep 3"),
		  "2\t:\t1795306190.388\t     1.739\t0\t0\t-1\t15\tsleep 3\n",
		  "a killed job: -1 and the signal; times rounded");
	CHECK_STR(fmt(18446744073709551615ULL, 0, 12345.6789,
		      18446744073709551615ULL, 255, 0, "x"),
		  "18446744073709551615\t:\t0.000\t 12345.679\t0\t"
		  "18446744073709551615\t255\t0\tx\n",
		  "largest numbers; runtime right-aligned in ten");
	CHECK_STR(fmt(3, 1.5, 1234567.25, 0, 1, 0, "y"),
		  "3\t:\t1.500\t1234567.250\t0\t0\t1\t0\ty\n",
		  "a runtime wider than ten is not cut");
	CHECK_STR(fmt(4, 0, 0, 0, 0, 0, ""), "4\t:\t0.000\t     0.000\t0\t"
		  "0\t0\t0\t\n", "empty command");
	CHECK_STR(fmt(5, 0, 0, 0, 0, 0, "a\tb\nc\\d\\n"),
		  "5\t:\t0.000\t     0.000\t0\t0\t0\t0\t"
		  "a\\tb\\nc\\\\d\\\\n\n",
		  "TAB, newline and backslash escaped");

	/* Appending keeps what was there. */
	buf_addstr(&b, "before\n");
	{
		struct joblog_entry e = { 7, 0, 0, 0, 0, 0, "z", 1, NULL, 0 };

		CHECK(joblog_format(&b, &e) == 0, "format appends");
	}
	CHECK_STR(buf_str(&b), "before\n7\t:\t0.000\t     0.000\t0\t0\t0\t0\t"
		  "z\n", "earlier contents kept");
	buf_release(&b);
}

/* Write entries with awkward commands, read them back. */
static void test_round_trip(void)
{
	static const char *const cmds[] = {
		"plain", "", "a\tb", "line1\nline2\n", "\\", "x\\", "\\n",
		"\\\\t", "\\\n\t\\", "printf '%s\\n' \"$x\"", "\t\t",
		"\xff\xfe binary \x01",
	};
	size_t n = sizeof(cmds) / sizeof(cmds[0]), i, bad = 0;
	struct buf b = BUF_INIT;
	struct joblog jl;
	const struct joblog_entry *e;

	joblog_header(&b);
	for (i = 0; i < n; i++) {
		struct joblog_entry w = {
			i + 1, 1700000000.125 + (double)i, 0.5 * (double)i,
			i * 10, (int)i - 1, (int)i % 3, cmds[i],
			strlen(cmds[i]), NULL, 0,
		};

		joblog_format(&b, &w);
	}
	put_file(b.p, b.len);
	buf_release(&b);

	CHECK_INT(joblog_load(&jl, path), 0, "round trip: load");
	CHECK_INT(jl.n, n, "round trip: every entry back");
	CHECK_INT(jl.nbad, 0, "round trip: header not counted as bad");
	for (i = 0; i < n; i++) {
		e = joblog_lookup(&jl, i + 1);
		if (!e || e->cmdlen != strlen(cmds[i]) ||
		    memcmp(e->cmd, cmds[i], e->cmdlen) != 0 ||
		    e->cmd[e->cmdlen] != '\0' ||
		    e->start != 1700000000.125 + (double)i ||
		    e->runtime != 0.5 * (double)i ||
		    e->received != i * 10 || e->exitval != (int)i - 1 ||
		    e->signal != (int)i % 3) {
			printf("# entry %zu differs\n", i + 1);
			bad++;
		}
	}
	CHECK(bad == 0, "round trip: every field and command equal");
	joblog_release(&jl);
}

static void test_load(void)
{
	struct joblog jl;
	const struct joblog_entry *e;
	char missing[sizeof(path) + 16];
	static const char hdr[] = "Seq\tHost\tStarttime\tJobRuntime\tSend\t"
				  "Receive\tExitval\tSignal\tCommand\n";

	snprintf(missing, sizeof(missing), "%s/none", dir);
	CHECK_INT(joblog_load(&jl, missing), 0, "missing file: returns 0");
	CHECK(jl.n == 0 && jl.nbad == 0 && jl.e == NULL,
	      "missing file: an empty log");
	CHECK(joblog_lookup(&jl, 1) == NULL, "missing file: lookup finds no");
	joblog_release(&jl);

	put_str("");
	CHECK_INT(joblog_load(&jl, path), 0, "empty file: returns 0");
	CHECK(jl.n == 0 && jl.nbad == 0, "empty file: an empty log");
	joblog_release(&jl);

	put_str(hdr);
	CHECK_INT(joblog_load(&jl, path), 0, "header only: returns 0");
	CHECK(jl.n == 0 && jl.nbad == 0, "header only: an empty log");
	joblog_release(&jl);

	CHECK_INT(joblog_load(&jl, dir), -EISDIR, "a directory: -EISDIR");
	CHECK(jl.n == 0 && jl.e == NULL && jl.text == NULL,
	      "a directory: the log is left empty");

	/* Out of order (as jobs finish), with a retry of seq 2. */
	put_str("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\t"
		"Signal\tCommand\n"
		"3\t:\t100.000\t     1.000\t0\t5\t0\t0\tthree\n"
		"2\t:\t100.000\t     2.000\t0\t0\t1\t0\ttwo first\n"
		"1\t:\t100.000\t     3.000\t0\t0\t0\t0\tone\n"
		"2\t:\t103.000\t     0.500\t0\t7\t0\t0\ttwo again\n"
		"10\t:\t104.000\t     0.500\t0\t7\t-1\t9\tten\n");
	CHECK_INT(joblog_load(&jl, path), 0, "normal log: returns 0");
	CHECK_INT(jl.n, 4, "normal log: one entry per seq");
	CHECK_INT(jl.nbad, 0, "normal log: nothing bad");
	CHECK(jl.n == 4 && jl.e[0].seq == 1 && jl.e[1].seq == 2 &&
	      jl.e[2].seq == 3 && jl.e[3].seq == 10, "sorted by seq");
	e = joblog_lookup(&jl, 2);
	CHECK(e && !strcmp(e->cmd, "two again") && e->exitval == 0 &&
	      e->received == 7 && e->start == 103.0 && e->runtime == 0.5,
	      "duplicate seq: the last line wins");
	e = joblog_lookup(&jl, 10);
	CHECK(e && e->exitval == -1 && e->signal == 9 &&
	      !strcmp(e->cmd, "ten"),
	      "killed job read back");
	e = joblog_lookup(&jl, 1);
	CHECK(e && e->runtime == 3.0 && !strcmp(e->cmd, "one"), "lookup 1");
	CHECK(joblog_lookup(&jl, 3) && joblog_lookup(&jl, 3)->received == 5,
	      "lookup 3");
	CHECK(!joblog_lookup(&jl, 0) && !joblog_lookup(&jl, 4) &&
	      !joblog_lookup(&jl, 9) && !joblog_lookup(&jl, 11),
	      "lookup misses below, between and above");
	joblog_release(&jl);
	CHECK(jl.n == 0 && jl.e == NULL && jl.text == NULL,
	      "release empties the log");

	/* Same seq many times: the last of them, wherever sorting puts it. */
	{
		struct buf b = BUF_INIT;
		char line[128];
		int i;

		for (i = 0; i < 300; i++) {
			snprintf(line, sizeof(line),
				 "%d\t:\t1.000\t     0.000\t0\t0\t0\t0\tv%d\n",
				 i % 7 + 1, i);
			buf_addstr(&b, line);
		}
		put_file(b.p, b.len);
		buf_release(&b);
		CHECK_INT(joblog_load(&jl, path), 0, "many retries: load");
		CHECK_INT(jl.n, 7, "many retries: seven seqs");
		e = joblog_lookup(&jl, 1);
		CHECK(e && !strcmp(e->cmd, "v294"), "many retries: seq 1");
		e = joblog_lookup(&jl, 6);
		CHECK(e && !strcmp(e->cmd, "v299"), "many retries: seq 6");
		joblog_release(&jl);
	}

	/* No header: fine. Torn last line: skipped and counted. */
	put_str("1\t:\t100.000\t     3.000\t0\t0\t0\t0\tone\n"
		"2\t:\t100.000\t     3.000\t0\t0\t0\t0\tsleep 10");
	CHECK_INT(joblog_load(&jl, path), 0, "torn last line: returns 0");
	CHECK_INT(jl.n, 1, "no header: the entry is read");
	CHECK_INT(jl.nbad, 1, "torn last line: counted");
	CHECK(!joblog_lookup(&jl, 2), "torn last line: not an entry, though "
	      "its fields parse");
	joblog_release(&jl);

	put_str("1\t:\t100.000\t     3.000\t0\t0\t0\t0\tone\n2\t:\t100.0");
	CHECK_INT(joblog_load(&jl, path), 0, "torn mid-field: returns 0");
	CHECK(jl.n == 1 && jl.nbad == 1, "torn mid-field: one bad");
	joblog_release(&jl);

	/* Garbage of every kind. */
	put_str("1\t:\t100.000\t     3.000\t0\t0\t0\t0\tgood\n"
		"\n"
		"hello world\n"
		"x\t:\t100.000\t     3.000\t0\t0\t0\t0\tbad seq\n"
		"-2\t:\t100.000\t     3.000\t0\t0\t0\t0\tnegative seq\n"
		"3\t:\tnan\t     3.000\t0\t0\t0\t0\tnan start\n"
		"4\t:\t1e3\t     3.000\t0\t0\t0\t0\texponent\n"
		"5\t:\t100.000\t     3.000\t0\t0\t0\t0\n"
		"6\t:\t100.000\t     3.000\t0\t-1\t0\t0\tnegative bytes\n"
		"7\t:\t100.000\t     3.000\t0\t0\t0x1\t0\thex exit\n"
		"8\t:\t100.000\t     3.000\t0\t0\t9999999999\t0\tbig exit\n"
		"9\t:\t100.000\t     3.000\t0\t0\t0\t-9\tnegative signal\n"
		"10\t\t100.000\t     3.000\t0\t0\t0\t0\tno host\n"
		"99999999999999999999\t:\t1.0\t1.0\t0\t0\t0\t0\toverflow\n"
		"11\t:\t100.000\t 3.000 \t0\t0\t0\t0\ttrailing blank\n"
		"12\t:\t 100.000\t3.000\t0\t0\t0\t0\tblank start\n"
		"13\t:\t100.\t.5\t0\t0\t0\t0\tno digits after dot\n"
		"14\t:\t100\t1\t0\t0\t0\t0\tintegers are fine\n");
	CHECK_INT(joblog_load(&jl, path), 0, "garbage: returns 0");
	CHECK_INT(jl.n, 2, "garbage: only the good lines");
	CHECK_INT(jl.nbad, 16, "garbage: every bad line counted");
	CHECK(joblog_lookup(&jl, 1) && joblog_lookup(&jl, 14) &&
	      joblog_lookup(&jl, 14)->start == 100.0 &&
	      joblog_lookup(&jl, 14)->runtime == 1.0,
	      "garbage: the good lines are 1 and 14");
	joblog_release(&jl);

	/* A NUL inside a line (what a crash can leave) makes it bad. */
	{
		static const char nul[] =
			"1\t:\t1.000\t1.000\t0\t0\t0\t0\tok\n"
			"2\0\t:\t1.000\t1.000\t0\t0\t0\t0\tnul\n"
			"\0\0\0\0\n";

		put_file(nul, sizeof(nul) - 1);
	}
	CHECK_INT(joblog_load(&jl, path), 0, "NUL bytes: returns 0");
	CHECK(jl.n == 1 && jl.nbad == 2, "NUL bytes: those lines are bad");
	joblog_release(&jl);

	/* A time too long for a double would be written back as "inf",
	 * which no reader takes (found by tests/fuzz/joblog_fuzz.c). */
	{
		char nines[401], line[512];
		int n;

		memset(nines, '9', 400);
		nines[400] = '\0';
		n = snprintf(line, sizeof line, "1\t:\t%s\t1.0\t0\t0\t0\t0\t"
			     "inf start\n2\t:\t1.0\t1.0\t0\t0\t0\t0\tok\n",
			     nines);
		put_file(line, (size_t)n);
	}
	CHECK_INT(joblog_load(&jl, path), 0, "overflowing time: returns 0");
	CHECK(jl.n == 1 && jl.nbad == 1 && jl.e[0].seq == 2,
	      "a time that overflows a double makes the line bad");
	joblog_release(&jl);

	/* GNU parallel writes a TAB in a command raw: keep it. */
	put_str("1\t:\t1.000\t1.000\t0\t0\t0\t0\tprintf a\tb\n");
	CHECK_INT(joblog_load(&jl, path), 0, "raw TAB: returns 0");
	CHECK(jl.n == 1 && !strcmp(jl.e[0].cmd, "printf a\tb"),
	      "raw TAB in the command kept (GNU parallel's logs)");
	joblog_release(&jl);
}

/*
 * Against the real thing: have GNU parallel write a log, read it, write
 * it again with joblog_format(), and compare byte for byte.
 */
static void test_gnu(void)
{
	char cmd[256], gnu[sizeof(path) + 8];
	struct buf b = BUF_INIT, want = BUF_INIT;
	struct joblog jl;
	size_t i;
	FILE *f;
	char chunk[4096];
	size_t got;

	if (system("parallel --version >/dev/null 2>&1") != 0) {
		printf("ok %d - GNU parallel's log # skip no parallel\n",
		       ++tap_n);
		return;
	}
	snprintf(gnu, sizeof(gnu), "%s/gnu", dir);
	snprintf(cmd, sizeof(cmd), "parallel -j1 --joblog %s "
		 "'echo {}; exit {}' ::: 0 1 2 </dev/null >/dev/null 2>&1",
		 gnu);
	if (system(cmd) == -1 || !(f = fopen(gnu, "r"))) {
		CHECK(0, "GNU parallel wrote a log");
		return;
	}
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&want, chunk, got);
	fclose(f);

	CHECK_INT(joblog_load(&jl, gnu), 0, "GNU parallel's log loads");
	CHECK(jl.n == 3 && jl.nbad == 0, "GNU parallel's log: three entries");
	joblog_header(&b);
	for (i = 0; i < jl.n; i++)
		joblog_format(&b, &jl.e[i]);
	CHECK_STR(buf_str(&b), buf_str(&want),
		  "GNU parallel's log written again is the same bytes");
	CHECK(jl.n == 3 && jl.e[2].exitval == 2 && jl.e[2].received == 2 &&
	      !strcmp(jl.e[2].cmd, "echo 2; exit 2"), "GNU fields read");
	joblog_release(&jl);
	buf_release(&b);
	buf_release(&want);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("lanes joblog_test: mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/log", dir);

	test_format();
	test_round_trip();
	test_load();
	test_gnu();

	unlink(path);
	snprintf(path, sizeof(path), "%s/gnu", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
