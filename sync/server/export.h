/* SPDX-License-Identifier: MIT */
/* Attendance export (docs/csv.md): one CSV row per participant per session of
 * their group, present or absent, with the facility-local check-in time. */
#ifndef BLIPPA_EXPORT_H
#define BLIPPA_EXPORT_H

#include <stdio.h>

#include "err.h"
#include "srv_store.h"

#define EXPORT_HEADER                                                                              \
	"facility_id,group_id,session_id,session_start,participant_id,given_name,family_name,"     \
	"status,checked_in_at,method,kiosk"

/* Writes the header and the rows matching f to out (LF line ends, RFC 4180
 * quoting). BLIPPA_ERR_IO if out fails; store errors as they come. */
enum blippa_err export_write_csv(struct srv_store *st, const struct srv_export_filter *f,
				 FILE *out);

/* export_write_csv into the file path, whole or not at all: the CSV goes to
 * a temporary file (mode 0600) in path's directory, is fsync'd and renamed
 * over path only when complete. On any failure the temporary file is
 * removed, path is left as it was, and errno tells why (BLIPPA_ERR_IO). */
enum blippa_err export_write_file(struct srv_store *st, const struct srv_export_filter *f,
				  const char *path);

#endif
