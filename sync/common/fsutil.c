/* SPDX-License-Identifier: MIT */
/* File-system helpers: private dirs, permission checks, capped reads and
 * atomic writes. */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static enum blippa_err errno_to_err(int e)
{
	switch (e) {
	case ENOSPC:
	case EDQUOT:
		return BLIPPA_ERR_FULL;
	case EACCES:
	case EPERM:
		return BLIPPA_ERR_PERM;
	case ENOENT:
		return BLIPPA_ERR_NOT_FOUND;
	case ENOMEM:
		return BLIPPA_ERR_NOMEM;
	default:
		return BLIPPA_ERR_IO;
	}
}

enum blippa_err fs_mkdirs(const char *dir)
{
	char buf[4096];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof buf)
		return BLIPPA_ERR_INVALID;
	memcpy(buf, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char c = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return errno_to_err(errno);
		buf[i] = c;
	}
	return BLIPPA_OK;
}

bool fs_is_private(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && (sb.st_mode & 077) == 0;
}

enum blippa_err fs_read_file(const char *path, size_t max, char **out, size_t *len)
{
	enum blippa_err rc = BLIPPA_OK;
	char *buf = NULL;
	size_t used = 0, cap;
	struct stat sb;
	int fd;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno_to_err(errno);
	/* Start at the file's size (not at max: a 64 MiB cap must not cost
	 * 64 MiB for a 1 KiB file) and grow by doubling up to max + 1, the one
	 * byte past max that tells an over-long file. */
	cap = 4096;
	if (fstat(fd, &sb) == 0 && sb.st_size > 0 && (uintmax_t)sb.st_size < (uintmax_t)max)
		cap = (size_t)sb.st_size + 2;
	if (cap > max + 1)
		cap = max + 1;
	buf = malloc(cap + 1);
	if (!buf) {
		rc = BLIPPA_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n;
		if (used == cap) {
			size_t ncap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
			char *nbuf;
			if (ncap == cap) { /* read max + 1 bytes: too big */
				rc = BLIPPA_ERR_TOO_BIG;
				goto out;
			}
			nbuf = realloc(buf, ncap + 1);
			if (!nbuf) {
				rc = BLIPPA_ERR_NOMEM;
				goto out;
			}
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + used, cap - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = errno_to_err(errno);
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			rc = BLIPPA_ERR_TOO_BIG;
			goto out;
		}
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

enum blippa_err fs_join(char *out, size_t outlen, const char *dir, const char *name)
{
	int n = snprintf(out, outlen, "%s/%s", dir, name);
	return (n < 0 || (size_t)n >= outlen) ? BLIPPA_ERR_TOO_BIG : BLIPPA_OK;
}

enum blippa_err fs_write_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
	char tmp[4096];
	const char *p = data;
	enum blippa_err rc = BLIPPA_OK;
	int fd, n;

	n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof tmp)
		return BLIPPA_ERR_TOO_BIG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return errno_to_err(errno);
	if (fchmod(fd, (mode_t)mode) != 0) {
		rc = errno_to_err(errno);
		goto fail;
	}
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			rc = errno_to_err(errno);
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) != 0) {
		rc = errno_to_err(errno);
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = errno_to_err(errno);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = errno_to_err(errno);
		goto fail;
	}
	return BLIPPA_OK;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}
