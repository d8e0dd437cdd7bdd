/* SPDX-License-Identifier: MIT */
/* Attendance CSV writer over srv_store_export(); see export.h. */
#include "export.h"

#include <string.h>

#include "csv.h"
#include "protocol.h"
#include "tz.h"

struct export_ctx {
	FILE *out;
	enum blippa_err rc;
	export_keep_fn keep;
	void *keep_ctx;
};

enum blippa_err export_fields(const struct srv_export_row *row, char at[32],
			      const char *f[EXPORT_COLUMNS])
{
	char date[11], hhmm[6];
	const char *method = "";
	at[0] = '\0';
	if (row->present) {
		if (tz_utc_ms_to_local(row->timezone, row->at_ms, date, hhmm) != BLIPPA_OK)
			return BLIPPA_ERR_INVALID;
		snprintf(at, 32, "%s %s", date, hhmm);
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
					 row->present ? "present" : "absent",
					 at,
					 method,
					 row->kiosk_id};
	memcpy(f, v, sizeof(v));
	return BLIPPA_OK;
}

static int export_row(void *ctx, const struct srv_export_row *row)
{
	struct export_ctx *x = ctx;
	char at[32];
	const char *f[EXPORT_COLUMNS];
	if (x->keep && !x->keep(x->keep_ctx, row))
		return 0;
	if (export_fields(row, at, f) != BLIPPA_OK) {
		x->rc = BLIPPA_ERR_INVALID;
		return 1;
	}
	for (size_t i = 0; i < EXPORT_COLUMNS; i++) {
		if ((i > 0 && fputc(',', x->out) == EOF) || csv_write_field(x->out, f[i]) != 0) {
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
	if (rc == BLIPPA_OK && fflush(out) != 0)
		rc = BLIPPA_ERR_IO;
	return rc;
}
