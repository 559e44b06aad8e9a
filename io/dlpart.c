#include "dlpart.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errbuf.h"

int dlpart_open(int dirfd, const char *part, long long max_size,
		long long *have, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	/* Usually there is no part yet: a new file needs no checks (and
	 * O_EXCL fails on anything already there, a symbolic link too). */
	fd = openat(dirfd, part, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
		    0666);
	if (fd >= 0) {
		if (!flock(fd, LOCK_EX | LOCK_NB)) {
			*have = 0;
			return fd;
		}
		/* Another process opened it in between: see below. */
		close(fd);
	} else if (errno != EEXIST) {
		errbuf_set(err, errlen, "cannot open '%s': %s", part,
			   strerror(errno));
		return -1;
	}
	fd = openat(dirfd, part, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC, 0666);
	if (fd < 0) {
		if (errno == ELOOP)
			errbuf_set(err, errlen, "'%s' is a symbolic link",
				   part);
		else
			errbuf_set(err, errlen, "cannot open '%s': %s", part,
				   strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		errbuf_set(err, errlen, "cannot open '%s': %s", part,
			   strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		errbuf_set(err, errlen, "'%s' is not a regular file", part);
	} else if (st.st_nlink > 1) {
		errbuf_set(err, errlen, "'%s' has other hard links", part);
	} else if (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno == EWOULDBLOCK)
			errbuf_set(err, errlen,
				   "'%s' is in use by another process", part);
		else
			errbuf_set(err, errlen, "cannot lock '%s': %s", part,
				   strerror(errno));
	} else {
		*have = st.st_size;
		if (max_size && *have > max_size && !ftruncate(fd, 0))
			*have = 0;
		return fd;
	}
	close(fd);
	return -1;
}

int dlpart_commit(int dirfd, const char *part, const char *name,
		  int overwrite)
{
	int rc;

	rc = renameat2(dirfd, part, dirfd, name,
		       overwrite ? 0 : RENAME_NOREPLACE);
	if (rc && errno == EINVAL && !overwrite) {
		/* The file system cannot refuse to replace: check, then
		 * rename, which leaves a small window. */
		struct stat st;

		if (!fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
			errno = EEXIST;
		else
			rc = renameat(dirfd, part, dirfd, name);
	}
	return rc ? -errno : 0;
}
