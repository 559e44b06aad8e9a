/*
 * Unit tests for io/dlparse, the pure parts of downloads: records, file
 * names from URLs and from Content-Disposition, Retry-After,
 * Content-Range and checksum lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl.h"
#include "dlparse.h"
#include "tap.h"

static char name[NAME_MAX + 1];

static const char *from_url(const char *url)
{
	dlparse_name_from_url(url, name);
	return name;
}

static const char *clean(const char *s, size_t n)
{
	if (!dlparse_name_clean(s, n, name))
		return "";
	return name;
}

static const char *from_cd(const char *v)
{
	if (dlparse_name_from_cd(v, name))
		return "(none)";
	return name;
}

static void test_names(void)
{
	char fb[NAME_MAX + 1], big[600], want[NAME_MAX + 1];
	size_t n;

	CHECK_STR(from_url("https://h/a/b/file.tar.gz"), "file.tar.gz",
		  "last segment");
	CHECK_STR(from_url("http://h/dir/x.iso?token=1#frag"), "x.iso",
		  "query and fragment dropped");
	CHECK_STR(from_url("http://h/a%20b%2Ec"), "a b.c",
		  "percent-decoded");
	CHECK_STR(from_url("http://h/a%2Fb"), "a_b", "decoded '/' replaced");
	CHECK_STR(from_url("http://h/..%2F..%2Fetc%2Fpasswd"),
		  "_.._etc_passwd", "decoded ../ cannot climb");
	CHECK_STR(from_url("http://h/%2e%2e"), from_url("http://h/%2e%2e"),
		  "decoded .. is deterministic");
	dlparse_name_fallback("http://h/%2e%2e", fb);
	CHECK_STR(from_url("http://h/%2e%2e"), fb, "decoded .. falls back");
	CHECK_STR(from_url("http://h/a%00b%0a"), "a_b_", "NUL and LF");
	CHECK_STR(from_url("http://h/bad%zzpct%4"), "bad%zzpct%4",
		  "broken escapes stay");
	CHECK_STR(from_url("http://h/.bashrc"), "bashrc", "leading dot");
	CHECK_STR(from_url("http://h/...x"), "x", "leading dots");
	CHECK_STR(from_url("http://h/a\\b"), "a_b", "backslash");

	dlparse_name_fallback("http://h/", fb);
	CHECK(!strncmp(fb, "download-", 9) && strlen(fb) == 25,
	      "fallback is download- and 16 hex digits");
	CHECK_STR(from_url("http://h/"), fb, "no name: fallback");
	CHECK_STR(from_url("http://h"), from_url("http://h"),
		  "no path: same name each time");
	CHECK(strcmp(from_url("http://h"), fb) != 0,
	      "fallback depends on the URL");
	dlparse_name_fallback("http://h/..", fb);
	CHECK_STR(from_url("http://h/.."), fb, "'..' falls back");
	dlparse_name_fallback("http://h/d/?x=1", fb);
	CHECK_STR(from_url("http://h/d/?x=1"), fb, "trailing slash");

	CHECK_STR(clean("a/b", 3), "a_b", "clean '/'");
	CHECK_STR(clean("..", 2), "", "clean '..' is empty");
	CHECK_STR(clean(".", 1), "", "clean '.' is empty");
	CHECK_STR(clean("", 0), "", "clean empty");
	CHECK_STR(clean("a\x7f\x1b[0m", 6), "a__[0m", "DEL and ESC");
	CHECK_STR(clean("x\xc2\x9b" "1m", 5), "x_1m", "C1 CSI in UTF-8");
	CHECK_STR(clean("caf\xc3\xa9", 5), "caf\xc3\xa9", "UTF-8 kept");
	CHECK_STR(clean("a..b", 4), "a..b", "inner dots kept");

	memset(big, 'a', sizeof(big));
	memcpy(big + sizeof(big) - 4, ".iso", 4);
	n = dlparse_name_clean(big, sizeof(big), name);
	CHECK_INT(n, DLPARSE_NAME_MAX, "long name cut to DLPARSE_NAME_MAX");
	CHECK(!strcmp(name + n - 4, ".iso"), "extension kept");
	/* A cut inside a two-byte character backs off to its start. */
	for (n = 0; n + 1 < sizeof(big); n += 2) {
		big[n] = (char)0xc3;
		big[n + 1] = (char)0xa9;
	}
	n = dlparse_name_clean(big, sizeof(big) - (sizeof(big) & 1), name);
	CHECK(n <= DLPARSE_NAME_MAX && n % 2 == 0,
	      "long UTF-8 name cut at a boundary");
	memset(want, 'b', DLPARSE_NAME_MAX);
	want[DLPARSE_NAME_MAX] = '\0';
	memset(big, 'b', sizeof(big));
	n = dlparse_name_clean(big, sizeof(big), name);
	CHECK_STR(name, want, "no extension: plain cut");

	CHECK_STR(from_cd("attachment; filename=\"report.pdf\""),
		  "report.pdf", "cd quoted");
	CHECK_STR(from_cd("attachment; filename=plain.txt; size=3"),
		  "plain.txt", "cd token");
	CHECK_STR(from_cd("attachment; filename=\"../../evil.sh\""),
		  "evil.sh", "cd ../ stripped");
	CHECK_STR(from_cd("attachment; filename=\"..\\\\..\\\\x.bat\""),
		  "x.bat", "cd backslashes stripped");
	CHECK_STR(from_cd("attachment; filename=\"/etc/passwd\""), "passwd",
		  "cd absolute path");
	CHECK_STR(from_cd("attachment; filename=\"..\""), "(none)",
		  "cd '..' unusable");
	CHECK_STR(from_cd("attachment; filename=\".hidden\""), "hidden",
		  "cd leading dot");
	CHECK_STR(from_cd("inline; filename=\"a.txt\"; "
			  "filename*=UTF-8''%E2%82%AC%20rates.txt"),
		  "\xe2\x82\xac rates.txt", "cd filename* preferred");
	CHECK_STR(from_cd("attachment; filename*=iso-8859-1'en'caf%E9"),
		  "caf\xc3\xa9", "cd latin-1 to UTF-8");
	CHECK_STR(from_cd("attachment; filename*=UTF-8''..%2F..%2Fx"), "x",
		  "cd encoded ../ stripped");
	CHECK_STR(from_cd("attachment; filename*=UTF-8''a%00b.txt"),
		  "a_b.txt", "cd filename*: a decoded NUL becomes _");
	CHECK_STR(from_cd("attachment"), "(none)", "cd without filename");
	CHECK_STR(from_cd("attachment; FileName=\"q\\\"t\""), "q\"t",
		  "cd escapes and case");
}

/*
 * Whatever the input, a cleaned name is not empty (or is reported as no
 * name), not ".", "..", hidden, nor the .part of another name.
 */
static int name_ok(const char *s, size_t n)
{
	return n > 0 && n <= DLPARSE_NAME_MAX && strlen(s) == n &&
	       s[0] != '.' && !(n >= 5 && !strcmp(s + n - 5, ".part"));
}

/* Issue 12: long names of UTF-8 continuation bytes walked the cut back to
 * the extension, leaving ".", "..part", ".zip" or ".part". */
static void test_cut_names(void)
{
	static const char *const tails[] = { ".", ".zip", ".part", "",
					     ".tar.gz", "..", "x.part" };
	char big[600], url[2000], out[NAME_MAX + 1];
	size_t i, k, n;
	int ok;

	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		size_t t = strlen(tails[i]);

		memset(big, 0x80, 300);
		memcpy(big + 300, tails[i], t);
		char what[64];

		n = dlparse_name_clean(big, 300 + t, out);
		snprintf(what, sizeof(what),
			 "0x80 x 300 + '%s': a usable name", tails[i]);
		CHECK(name_ok(out, n), what);
	}
	memset(big, 0x80, 300);
	big[300] = '.';
	n = dlparse_name_clean(big, 301, out);
	CHECK_INT(n, DLPARSE_NAME_MAX, "0x80 x 300 + '.': cut, not emptied");
	CHECK(out[n - 1] == '.', "0x80 x 300 + '.': the dot stays last");

	/* The URL of the issue, percent-encoded. */
	strcpy(url, "http://h/ok/");
	for (k = 0; k < 300; k++)
		strcat(url, "%80");
	strcat(url, ".");
	dlparse_name_from_url(url, out);
	CHECK(name_ok(out, strlen(out)), "URL %80 x 300 + '.' has a name");

	/* Every mix of dots, continuation bytes and a two-byte character
	 * around the cut. */
	ok = 1;
	for (k = 0; k < 4096 && ok; k++) {
		size_t len = 240 + k % 40;

		for (i = 0; i < len; i++) {
			unsigned r = (unsigned)((k * 2654435761u + i * 40503u)
						>> (i % 7));

			big[i] = r % 5 == 0 ? '.' : r % 5 == 1 ?
				 (char)0x80 : r % 5 == 2 ? (char)0xc3 :
				 r % 5 == 3 ? 'a' : (char)0xa9;
		}
		n = dlparse_name_clean(big, len, out);
		if (n && !name_ok(out, n))
			ok = 0;
	}
	CHECK(ok, "4096 mixed long names: none hidden or .part");

	CHECK_STR(clean("x.part", 6), "x_part", "a .part name is renamed");
	CHECK_STR(clean("x.zip.part", 10), "x.zip_part",
		  "only the last .part counts");
	CHECK_STR(clean("x.parts", 7), "x.parts", "'.parts' is no part");
	CHECK_STR(clean(".part", 5), "part", "'.part' loses its dot");
	CHECK_STR(clean("...", 3), "", "only dots: no name");
}

static void test_record(void)
{
	char rec[256], err[128];
	struct dlparse_record r;
	const char *hex = "e3b0c44298fc1c149afbf4c8996fb924"
			  "27ae41e4649b934ca495991b7852b855";

	strcpy(rec, "http://h/x");
	CHECK_INT(dlparse_record(rec, strlen(rec), &r, err, sizeof(err)), 0,
		  "record: URL only");
	CHECK_STR(r.url, "http://h/x", "record url");
	CHECK(!r.name && !r.has_sum, "record: no name, no sum");

	snprintf(rec, sizeof(rec), " http://h/x \tnew name\tsha256:%s\r",
		 hex);
	CHECK_INT(dlparse_record(rec, strlen(rec), &r, err, sizeof(err)), 0,
		  "record: all fields");
	CHECK_STR(r.url, "http://h/x", "record url trimmed");
	CHECK_STR(r.name, "new name", "record name");
	CHECK(r.has_sum && r.sum[0] == 0xe3 && r.sum[31] == 0x55,
	      "record sum");

	snprintf(rec, sizeof(rec), "http://h/x\tSHA256:%s\t\tn", hex);
	CHECK_INT(dlparse_record(rec, strlen(rec), &r, err, sizeof(err)), 0,
		  "record: sum first, empty field skipped");
	CHECK_STR(r.name, "n", "record name after sum");

	strcpy(rec, "http://h/x\tsha256:abc");
	CHECK_INT(dlparse_record(rec, strlen(rec), &r, err, sizeof(err)),
		  -EINVAL, "record: short sum");
	CHECK(strstr(err, "bad checksum") != NULL, "record: says why");
	strcpy(rec, "http://h/x\ta\tb");
	CHECK_INT(dlparse_record(rec, strlen(rec), &r, err, sizeof(err)),
		  -EINVAL, "record: two names");
	strcpy(rec, "  \tname");
	CHECK_INT(dlparse_record(rec, strlen(rec), &r, err, sizeof(err)),
		  -EINVAL, "record: empty URL");
	memcpy(rec, "http://h/\0x", 12);
	CHECK_INT(dlparse_record(rec, 11, &r, err, sizeof(err)), -EINVAL,
		  "record: NUL byte");
}

static void test_headers(void)
{
	long long a, b, t;
	double s;

	CHECK_INT(dlparse_retry_after("120", 0, &s), 0, "retry-after seconds");
	CHECK(s == 120, "retry-after 120");
	CHECK_INT(dlparse_retry_after(" 0 ", 0, &s), 0, "retry-after 0");
	CHECK(s == 0, "retry-after is 0");
	CHECK_INT(dlparse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT",
				 1445412470, &s), 0, "retry-after date");
	CHECK(s == 10, "retry-after date is 10 s ahead");
	CHECK_INT(dlparse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT",
				 1445412490, &s), 0, "retry-after past");
	CHECK(s == 0, "a date in the past is no wait");
	CHECK_INT(dlparse_retry_after("soon", 0, &s), -EINVAL,
		  "retry-after junk");
	CHECK_INT(dlparse_retry_after("12x", 0, &s), -EINVAL,
		  "retry-after 12x");
	CHECK_INT(dlparse_retry_after("99999999999999999999999", 0, &s), 0,
		  "retry-after huge");
	CHECK(s >= 1e9, "retry-after huge is clamped high");

	CHECK_INT(dlparse_content_range("bytes 100-199/200", &a, &b, &t), 0,
		  "content-range");
	CHECK(a == 100 && b == 199 && t == 200, "content-range values");
	CHECK_INT(dlparse_content_range("bytes */4096", &a, &b, &t), 0,
		  "content-range */T");
	CHECK(a == -1 && b == -1 && t == 4096, "content-range */T values");
	CHECK_INT(dlparse_content_range("bytes 5-9/*", &a, &b, &t), 0,
		  "content-range A-B/*");
	CHECK(a == 5 && t == -1, "content-range unknown total");
	CHECK_INT(dlparse_content_range("bytes 9-5/10", &a, &b, &t), -EINVAL,
		  "content-range backwards");
	CHECK_INT(dlparse_content_range("items 1-2/3", &a, &b, &t), -EINVAL,
		  "content-range unit");
	CHECK_INT(dlparse_content_range("bytes 0-499/1", &a, &b, &t), -EINVAL,
		  "content-range ending past the total");
	CHECK_INT(dlparse_content_range("bytes 0-1/1", &a, &b, &t), -EINVAL,
		  "content-range ending at the total");
	CHECK_INT(dlparse_content_range("bytes 0-0/1", &a, &b, &t), 0,
		  "content-range of a one-byte file");
	CHECK_INT(dlparse_content_range("bytes */*", &a, &b, &t), -EINVAL,
		  "content-range with neither range nor total");

	CHECK_STR(dlparse_http_reason(404), "Not Found", "reason 404");
	CHECK_STR(dlparse_http_reason(503), "Service Unavailable",
		  "reason 503");
	CHECK(dlparse_http_reason(299) == NULL, "reason unknown");
	CHECK(dlparse_url_is_http("HTTPS://h/") &&
	      dlparse_url_is_http("http://h/"),
	      "http schemes");
	CHECK(!dlparse_url_is_http("file:///etc/passwd") &&
	      !dlparse_url_is_http("h/x") && !dlparse_url_is_http("httpx://h"),
	      "other schemes");
}

static void test_sums(void)
{
	const char *hex = "E3B0C44298FC1C149AFBF4C8996FB924"
			  "27AE41E4649B934CA495991B7852B855";
	unsigned char sum[DLPARSE_SHA256_LEN];
	char line[512], *n;

	snprintf(line, sizeof(line), "%s  file.bin\n", hex);
	CHECK_INT(dlparse_sum_line(line, sum, &n), 0, "sum line text mode");
	CHECK_STR(n, "file.bin", "sum line name");
	CHECK(sum[0] == 0xe3 && sum[31] == 0x55, "sum line digest");
	snprintf(line, sizeof(line), "%s *dir/b in.bin\r\n", hex);
	CHECK_INT(dlparse_sum_line(line, sum, &n), 0, "sum line binary mode");
	CHECK_STR(n, "dir/b in.bin", "sum line name with space and CR");
	snprintf(line, sizeof(line), "\\%s  a\\nb\\\\c\n", hex);
	CHECK_INT(dlparse_sum_line(line, sum, &n), 0, "sum line escaped");
	CHECK_STR(n, "a\nb\\c", "sum line unescaped");
	snprintf(line, sizeof(line), "SHA256 (x (1).iso) = %s\n", hex);
	CHECK_INT(dlparse_sum_line(line, sum, &n), 0, "sum line BSD");
	CHECK_STR(n, "x (1).iso", "sum line BSD name");
	strcpy(line, "# comment\n");
	CHECK_INT(dlparse_sum_line(line, sum, &n), 1, "sum line comment");
	strcpy(line, "  \n");
	CHECK_INT(dlparse_sum_line(line, sum, &n), 1, "sum line blank");
	snprintf(line, sizeof(line), "%s file\n", hex);
	CHECK_INT(dlparse_sum_line(line, sum, &n), -EINVAL,
		  "sum line one space");
	snprintf(line, sizeof(line), "%.63s  file\n", hex);
	CHECK_INT(dlparse_sum_line(line, sum, &n), -EINVAL, "sum line short");
	snprintf(line, sizeof(line), "%s  \n", hex);
	CHECK_INT(dlparse_sum_line(line, sum, &n), -EINVAL,
		  "sum line no name");
	CHECK_INT(dlparse_hex_sum("zz", 2, sum), -EINVAL, "hex sum short");
}

int main(void)
{
	char err[256];

	if (dl_global_init(err, sizeof(err))) {
		printf("not ok 1 - load libcurl: %s\n", err);
		return 1;
	}
	test_names();
	test_cut_names();
	test_record();
	test_headers();
	test_sums();
	return tap_done();
}
