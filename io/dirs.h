/*
 * dirs: "mkdir -p" relative to a directory descriptor (AT_FDCWD for the
 * working directory), for --create-dirs and the --results tree.
 *
 * Thread-safety: thread-safe (no shared state). Errors: 0 or -errno; a
 * component that already exists is not an error.
 */
#ifndef LANES_DIRS_H
#define LANES_DIRS_H

/* Create path and each missing parent, mode 0777 less the umask. */
int dirs_make(int dirfd, const char *path);

#endif
