/*
 * dlpart: the file protocol of one download. NAME is written as
 * NAME.part in the output directory and renamed to NAME only when
 * complete and verified, so a crash leaves either the whole file or a
 * part that a re-run resumes. Both are opened relative to the
 * directory's descriptor, never by a path with a '/' in it.
 *
 * Rules for NAME.part:
 *   - a new one is created with O_EXCL, which fails on anything already
 *     there, a symbolic link too;
 *   - an existing one is reused only if it is a regular file with one
 *     link, opened with O_NOFOLLOW (a planted symbolic link fails);
 *   - it is locked with flock() for the whole job, so two lanes runs
 *     never write the same part;
 *   - a part larger than the size limit starts over from empty.
 * The rename refuses to replace NAME (RENAME_NOREPLACE) unless told to
 * overwrite; it replaces a symbolic link at NAME rather than follow it.
 *
 * Thread-safety: no shared state; any thread. Errors: see each function;
 * nothing prints.
 */
#ifndef LANES_DLPART_H
#define LANES_DLPART_H

#include <stddef.h>

/*
 * Open (or create) part in dirfd for writing, by the rules above. Returns
 * the locked descriptor with *have set to the bytes it already holds, or
 * -1 with the reason in err ("'x.part' is a symbolic link").
 */
int dlpart_open(int dirfd, const char *part, long long max_size,
		long long *have, char *err, size_t errlen);

/*
 * Rename part to name in dirfd. 0, -EEXIST if name is there and
 * overwrite is 0, or -errno.
 */
int dlpart_commit(int dirfd, const char *part, const char *name,
		  int overwrite);

#endif
