/* SPDX-License-Identifier: MIT */
/* File-system helpers: private dirs, permission checks, capped reads and
 * atomic writes. */
#include "fsutil.h"
#include "dynbuf.h"

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
	struct dynbuf b;
	char chunk[16384];
	int fd;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno_to_err(errno);
	dynbuf_init(&b, max); /* one byte past max: BLIPPA_ERR_TOO_BIG */
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = errno_to_err(errno);
			break;
		}
		if (n == 0) /* end: an empty file is "" too, never NULL */
			rc = dynbuf_add(&b, "", 0);
		else
			rc = dynbuf_add(&b, chunk, (size_t)n);
		if (n == 0 || rc != BLIPPA_OK)
			break;
	}
	close(fd);
	if (rc == BLIPPA_OK)
		*out = dynbuf_take(&b, len);
	dynbuf_free(&b);
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
