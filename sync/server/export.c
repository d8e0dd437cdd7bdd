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
};

static int export_row(void *ctx, const struct srv_export_row *row)
{
	struct export_ctx *x = ctx;
	char at[32] = "", date[11], hhmm[6];
	const char *method = "";
	if (row->present) {
		if (tz_utc_ms_to_local(row->timezone, row->at_ms, date, hhmm) != BLIPPA_OK) {
			x->rc = BLIPPA_ERR_INVALID;
			return 1;
		}
		snprintf(at, sizeof(at), "%s %s", date, hhmm);
		method = protocol_method_name(row->method);
		if (!method)
			method = "";
	}
	const char *f[] = {row->facility_id,
			   row->group_id,
			   row->session_id,
			   row->session_start,
			   row->participant_id,
			   row->given_name,
			   row->family_name,
			   row->open_training ? "open_training"
			   : row->present     ? "present"
					      : "absent",
			   at,
			   method,
			   row->kiosk_id};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
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
	struct export_ctx x = {.out = out, .rc = BLIPPA_OK};
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
	return rc;
}
