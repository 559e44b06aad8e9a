/*
 * dlparse: the pure parts of downloads: the fields of a download record,
 * file names (from a URL, a record, a Content-Disposition header), the
 * Retry-After and Content-Range headers, sha256sum lines and HTTP reason
 * phrases. Nothing here touches the network, a file or shared state.
 *
 * File names. A name from the URL is the last segment of its path (before
 * any query or fragment), percent-decoded, then cleaned by
 * dlparse_name_clean(). Decoding gives the name a person expects
 * ("a%20b.pdf" is "a b.pdf") and is safe because cleaning comes after it:
 * a decoded "/" or NUL cannot survive. A URL with no usable name (no path,
 * a path ending in "/", only dots) gets "download-" and the first 16 hex
 * digits of the SHA-256 of the URL, so a re-run picks the same name. A
 * name given in the record is cleaned the same way, without decoding.
 * A Content-Disposition filename (filename*= is preferred to filename=) is
 * reduced to what follows its last '/' or '\' and cleaned.
 *
 * Cleaning, whatever the input:
 *   - '/', '\', NUL and other control characters (C0, DEL, and C1 as
 *     UTF-8) become '_';
 *   - leading dots go: a name is never hidden, "." or "..";
 *   - a name longer than DLPARSE_NAME_MAX bytes is cut to that length,
 *     keeping an extension of up to 16 bytes ("x.tar.gz" keeps ".gz");
 *     the cut moves back to a UTF-8 character boundary, at most three
 *     bytes (more continuation bytes are not UTF-8 and are cut where
 *     they stand), and leading dots left by the cut go too;
 *   - a name ending in ".part" gets "_part" instead: NAME.part is where
 *     NAME is downloaded to, so a file called "x.part" would be taken
 *     for an unfinished "x" and resumed;
 *   - what is left may be empty: then there is no usable name.
 *
 * Thread-safety: every function may run on any thread at once. The two
 * that use libcurl or libcrypto (dlparse_name_fallback() and so
 * dlparse_name_from_url(), dlparse_retry_after()) need libs_load() first
 * (dl_global_init() does it). Errors: -EINVAL (or -ENOENT where said);
 * nothing prints.
 */
#ifndef LANES_DLPARSE_H
#define LANES_DLPARSE_H

#include <limits.h>
#include <stddef.h>
#include <time.h>

#define DLPARSE_SHA256_LEN 32
/* The longest name: NAME.part must fit in NAME_MAX. */
#define DLPARSE_NAME_MAX (NAME_MAX - 5)

/*
 * A record: URL [TAB FIELD [TAB FIELD]], a FIELD being "sha256:HEX" or a
 * file name (at most one of each). The URL loses surrounding blanks, the
 * record a final CR. Parsed in place (rec[len] is written, so rec needs
 * len + 1 bytes); -EINVAL with a message in err.
 */
struct dlparse_record {
	char *url;
	char *name;			/* NULL when not given */
	int has_sum;
	unsigned char sum[DLPARSE_SHA256_LEN];
};

int dlparse_record(char *rec, size_t len, struct dlparse_record *r,
		   char *err, size_t errlen);

/*
 * Clean n bytes into out (DLPARSE_NAME_MAX + 1 bytes) by the rules
 * above. Returns the length; 0 means no usable name.
 */
size_t dlparse_name_clean(const char *in, size_t n, char *out);
/* "download-" and 16 hex digits of SHA-256(url). */
void dlparse_name_fallback(const char *url, char *out);
/* The name for a URL as described above, never empty. */
void dlparse_name_from_url(const char *url, char *out);
/* The cleaned name from a Content-Disposition value; -ENOENT if none. */
int dlparse_name_from_cd(const char *value, char *out);

/*
 * If the header line p[0..n) (not NUL-terminated, as libcurl gives it) is
 * "name: value" in any case, copy the value (trimmed, NUL-terminated, cut
 * to outsz - 1 bytes) into out and return 1; else 0.
 */
int dlparse_header(const char *p, size_t n, const char *name, char *out,
		   size_t outsz);

/* 1 if the URL's scheme is http or https (in any case). */
int dlparse_url_is_http(const char *url);

/*
 * Retry-After: delta-seconds or an HTTP date (taken relative to now).
 * 0 and *secs >= 0, or -EINVAL.
 */
int dlparse_retry_after(const char *value, time_t now, double *secs);

/*
 * Content-Range: "bytes A-B/T", or with "*" for the range or for T (not
 * both); what is unknown is -1. A <= B < T, as RFC 9110 wants.
 */
int dlparse_content_range(const char *value, long long *start,
			  long long *end, long long *total);

/* 64 hex digits (either case) into sum; -EINVAL otherwise. */
int dlparse_hex_sum(const char *hex, size_t n,
		    unsigned char sum[DLPARSE_SHA256_LEN]);

/*
 * One line of sha256sum output, in place: "HEX  NAME", "HEX *NAME" (and
 * the "\" form that escapes "\n" and "\\" in NAME), or the BSD tag form
 * "SHA256 (NAME) = HEX". A trailing newline or CR is ignored. Returns 0
 * with *name set, 1 for a blank or '#' line, -EINVAL otherwise.
 */
int dlparse_sum_line(char *line, unsigned char sum[DLPARSE_SHA256_LEN],
		     char **name);

/* The standard reason phrase of an HTTP status, or NULL. */
const char *dlparse_http_reason(long code);

/* An HTTP status worth another try: a timeout, too many requests, or a
 * server error that may pass (408, 429, 500, 502, 503, 504). */
int dlparse_http_transient(long code);

#endif
