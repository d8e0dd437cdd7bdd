/* SPDX-License-Identifier: MIT */
/* Small file-system helpers shared by kiosk, sync and server. */
#ifndef BLIPPA_FSUTIL_H
#define BLIPPA_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Creates dir (and parents) with mode 0700 if missing. */
enum blippa_err fs_mkdirs(const char *dir);

/* True if path exists and neither group nor others have any permission. */
bool fs_is_private(const char *path);

/* Reads a whole small file (at most max bytes) into a malloc'd NUL-terminated
 * buffer the caller frees. BLIPPA_ERR_TOO_BIG past max. */
enum blippa_err fs_read_file(const char *path, size_t max, char **out, size_t *len);

/* Writes data to path atomically (temp file in the same dir, fsync, rename)
 * with the given mode. Nothing half-written is ever visible at path. */
enum blippa_err fs_write_atomic(const char *path, const void *data, size_t len, unsigned mode);

/* Joins dir and name into out; BLIPPA_ERR_TOO_BIG if it does not fit. */
enum blippa_err fs_join(char *out, size_t outlen, const char *dir, const char *name);

#endif
