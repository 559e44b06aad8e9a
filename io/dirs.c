#include "dirs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int dirs_make(int dirfd, const char *path)
{
	char *p = strdup(path), *s, c;
	int rc = 0;

	if (!p)
		return -ENOMEM;
	/* From the second byte: a leading '/' names the root. */
	for (s = *p ? p + 1 : p;; s++) {
		if (*s && *s != '/')
			continue;
		c = *s;
		*s = '\0';
		if (*p && mkdirat(dirfd, p, 0777) && errno != EEXIST) {
			rc = -errno;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return rc;
}
