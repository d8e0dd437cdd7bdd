/* SPDX-License-Identifier: MIT */
/* Attendance CSV writer over srv_store_export(); see export.h. */
#include "export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "log.h"
#include "protocol.h"
#include "tz.h"

struct export_ctx {
	FILE *out;
	enum blippa_err rc;
	size_t unshown; /* check-ins whose time has no local calendar form */
	export_keep_fn keep;
	void *keep_ctx;
};

bool export_fields(const struct srv_export_row *row, char at[32], const char *f[EXPORT_COLUMNS])
{
	char date[11], hhmm[6];
	const char *method = "";
	bool shown = true;
	at[0] = '\0';
	if (row->present) {
		/* Never fail on what the store holds: a time no calendar shows
		 * (stored before the server refused such times) is left empty. */
		if (tz_utc_ms_to_local(row->timezone, row->at_ms, date, hhmm) == BLIPPA_OK)
			snprintf(at, 32, "%s %s", date, hhmm);
		else
			shown = false;
		method = protocol_method_name(row->method);
		if (!method)
			method = "";
	}
	const char *v[EXPORT_COLUMNS] = {row->facility_id,
					 row->group_id,
					 row->session_id,
					 row->session_start,
					 row->participant_id,
					 row->given_name,
					 row->family_name,
					 row->open_training ? "open_training" : row->present ? "present" : "absent",
					 at,
					 method,
					 row->kiosk_id};
	memcpy(f, v, sizeof(v));
	return shown;
}

static int export_row(void *ctx, const struct srv_export_row *row)
{
	struct export_ctx *x = ctx;
	char at[32];
	const char *f[EXPORT_COLUMNS];
	if (x->keep && !x->keep(x->keep_ctx, row))
		return 0;
	if (!export_fields(row, at, f))
		x->unshown++;
	for (size_t i = 0; i < EXPORT_COLUMNS; i++) {
		if ((i > 0 && fputc(',', x->out) == EOF) || csv_write_cell(x->out, f[i]) != 0) {
			x->rc = BLIPPA_ERR_IO;
			return 1;
		}
	}
	if (fputc('\n', x->out) == EOF) {
		x->rc = BLIPPA_ERR_IO;
		return 1;
	}
	return 0;
}

enum blippa_err export_write_csv(struct srv_store *st, const struct srv_export_filter *f, FILE *out)
{
	return export_write_csv_where(st, f, NULL, NULL, out);
}

enum blippa_err export_write_csv_where(struct srv_store *st, const struct srv_export_filter *f,
				       export_keep_fn keep, void *keep_ctx, FILE *out)
{
	struct export_ctx x = {.out = out, .rc = BLIPPA_OK, .keep = keep, .keep_ctx = keep_ctx};
	if (fputs(EXPORT_HEADER "\n", out) == EOF)
		return BLIPPA_ERR_IO;
	enum blippa_err rc = srv_store_export(st, f, export_row, &x);
	if (rc == BLIPPA_OK)
		rc = x.rc;
	if (rc == BLIPPA_OK && f->open_training) {
		rc = srv_store_export_open_training(st, f, export_row, &x);
		if (rc == BLIPPA_OK)
			rc = x.rc;
	}
	if (rc == BLIPPA_OK && fflush(out) != 0)
		rc = BLIPPA_ERR_IO;
	if (x.unshown)
		log_warn("export",
			 "%zu check-in(s) with a time that cannot be shown: checked_in_at "
			 "left empty",
			 x.unshown);
	return rc;
}

/* fsync of the directory holding path, so the rename itself is durable. */
static int sync_dir_of(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		return -1;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	close(fd);
	return r;
}

enum blippa_err export_write_file(struct srv_store *st, const struct srv_export_filter *f,
				  const char *path)
{
	char tmp[4096];
	FILE *out = NULL;
	int saved = 0;
	enum blippa_err rc = BLIPPA_ERR_IO;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return BLIPPA_ERR_IO;
	}
	int fd = mkstemp(tmp); /* mode 0600: attendance is health data */
	if (fd < 0)
		return BLIPPA_ERR_IO;
	out = fdopen(fd, "w");
	if (!out) {
		saved = errno;
		close(fd);
		goto fail;
	}
	rc = export_write_csv(st, f, out);
	if (rc == BLIPPA_OK && (fflush(out) != 0 || fsync(fileno(out)) != 0))
		rc = BLIPPA_ERR_IO;
	saved = errno;
	if (fclose(out) != 0 && rc == BLIPPA_OK) {
		saved = errno;
		rc = BLIPPA_ERR_IO;
	}
	if (rc != BLIPPA_OK)
		goto fail;
	if (rename(tmp, path) != 0) {
		saved = errno;
		rc = BLIPPA_ERR_IO;
		goto fail;
	}
	sync_dir_of(path); /* best effort: the file is complete either way */
	return BLIPPA_OK;
fail:
	unlink(tmp);
	errno = saved;
	return rc;
}
