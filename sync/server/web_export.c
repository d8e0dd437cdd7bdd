/* SPDX-License-Identifier: MIT */
/* The back-office downloads: GET /export.csv (the §10 export, filtered by
 * facility, group, from, to and by the account's facilities) and GET
 * /export.xlsx (the same rows as a workbook, plus a per-participant period
 * summary sheet), written with libxlsxwriter. */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "audit.h"
#include "clock.h"
#include "dynarr.h"
#include "export.h"
#include "fsutil.h"
#include "import.h"
#include "log.h"
#include "tz.h"
#include "web_data.h"

#define XLSX_MAX (256u * 1024u * 1024u)

struct keep_ctx {
	struct web_ctx *c;
	const char *group;
};

static bool keep_row(void *ctx, const struct srv_export_row *row)
{
	struct keep_ctx *k = ctx;
	return web_may_see(k->c, row->facility_id) &&
	       (!k->group || strcmp(k->group, row->group_id) == 0);
}

/* ---- xlsx ---- */

struct sum_row {
	char pid[SRV_ID_MAX + 1], gid[SRV_ID_MAX + 1];
	char given[ROSTER_NAME_MAX + 1], family[ROSTER_NAME_MAX + 1];
	unsigned held, attended;
};

struct xlsx_ctx {
	struct keep_ctx keep;
	lxw_worksheet *rows;
	lxw_row_t row;
	struct sum_row *sum;
	size_t n_sum, cap_sum;
	char today[17]; /* now, local in tz */
	char tz[64];
	int64_t now_ms;
	enum blippa_err rc;
};

static struct sum_row *sum_of(struct xlsx_ctx *x, const struct srv_export_row *r)
{
	/* rows come in facility, group, session order: look for the participant
	 * among the rows of the current group only */
	for (size_t i = x->n_sum; i-- > 0;) {
		if (strcmp(x->sum[i].gid, r->group_id) != 0)
			break;
		if (strcmp(x->sum[i].pid, r->participant_id) == 0)
			return &x->sum[i];
	}
	enum blippa_err rc;
	DYNARR_RESERVE(rc, x->sum, x->cap_sum, x->n_sum + 1, MODEL_SNAPSHOT_ROWS_MAX);
	if (rc != BLIPPA_OK)
		return NULL;
	struct sum_row *s = &x->sum[x->n_sum++];
	memset(s, 0, sizeof(*s));
	snprintf(s->pid, sizeof(s->pid), "%s", r->participant_id);
	snprintf(s->gid, sizeof(s->gid), "%s", r->group_id);
	snprintf(s->given, sizeof(s->given), "%s", r->given_name);
	snprintf(s->family, sizeof(s->family), "%s", r->family_name);
	return s;
}

static int xlsx_row(void *ctx, const struct srv_export_row *row)
{
	struct xlsx_ctx *x = ctx;
	char at[32];
	const char *f[EXPORT_COLUMNS];
	if (!keep_row(&x->keep, row))
		return 0;
	(void)export_fields(row, at, f); /* an unshowable time stays empty */
	x->row++;
	for (lxw_col_t i = 0; i < EXPORT_COLUMNS; i++)
		worksheet_write_string(x->rows, x->row, i, f[i], NULL);
	struct sum_row *s = sum_of(x, row);
	if (!s) {
		x->rc = BLIPPA_ERR_NOMEM;
		return 1;
	}
	/* a session counts as held once it has started, in the facility's zone */
	if (strcmp(x->tz, row->timezone) != 0) {
		char date[11], hhmm[6];
		snprintf(x->tz, sizeof(x->tz), "%s", row->timezone);
		if (tz_utc_ms_to_local(row->timezone, x->now_ms, date, hhmm) != BLIPPA_OK) {
			x->rc = BLIPPA_ERR_INVALID;
			return 1;
		}
		snprintf(x->today, sizeof(x->today), "%s %s", date, hhmm);
	}
	if (strcmp(row->session_start, x->today) <= 0 || row->present) {
		s->held++;
		if (row->present)
			s->attended++;
	}
	return 0;
}

static enum blippa_err write_xlsx(struct web_ctx *c, const struct srv_export_filter *f,
				  const char *group, char **out, size_t *len)
{
	static const char *const head[EXPORT_COLUMNS] = {
	    "facility_id",    "group_id",   "session_id",  "session_start",
	    "participant_id", "given_name", "family_name", "status",
	    "checked_in_at",  "method",	    "kiosk"};
	static const char *const sum_head[] = {"participant_id", "given_name",	  "family_name",
					       "group_id",	 "sessions_held", "attended"};
	enum blippa_err rc = BLIPPA_OK;
	char dir[] = "/tmp/blippa-xlsx-XXXXXX", path[64];
	struct xlsx_ctx x = {.keep = {.c = c, .group = group}};
	lxw_workbook *wb = NULL;
	*out = NULL;
	if (!mkdtemp(dir))
		return BLIPPA_ERR_IO;
	snprintf(path, sizeof(path), "%s/export.xlsx", dir);
	lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = dir};
	wb = workbook_new_opt(path, &opt);
	if (!wb) {
		rc = BLIPPA_ERR_IO;
		goto out;
	}
	x.rows = workbook_add_worksheet(wb, c->lang == WEB_EN ? "Attendance" : "Närvaro");
	lxw_worksheet *sum =
	    workbook_add_worksheet(wb, c->lang == WEB_EN ? "Summary" : "Sammanfattning");
	if (!x.rows || !sum) {
		rc = BLIPPA_ERR_NOMEM;
		goto out;
	}
	for (lxw_col_t i = 0; i < EXPORT_COLUMNS; i++)
		worksheet_write_string(x.rows, 0, i, head[i], NULL);
	x.now_ms = clock_wall_ms();
	x.rc = BLIPPA_OK;
	rc = srv_store_export(c->w->store, f, xlsx_row, &x);
	if (rc == BLIPPA_OK)
		rc = x.rc;
	if (rc != BLIPPA_OK)
		goto out;
	for (lxw_col_t i = 0; i < 6; i++)
		worksheet_write_string(sum, 0, i, sum_head[i], NULL);
	for (size_t i = 0; i < x.n_sum; i++) {
		lxw_row_t r = (lxw_row_t)(i + 1);
		worksheet_write_string(sum, r, 0, x.sum[i].pid, NULL);
		worksheet_write_string(sum, r, 1, x.sum[i].given, NULL);
		worksheet_write_string(sum, r, 2, x.sum[i].family, NULL);
		worksheet_write_string(sum, r, 3, x.sum[i].gid, NULL);
		worksheet_write_number(sum, r, 4, x.sum[i].held, NULL);
		worksheet_write_number(sum, r, 5, x.sum[i].attended, NULL);
	}
	lxw_error e = workbook_close(wb);
	wb = NULL;
	if (e != LXW_NO_ERROR) {
		log_error("web", "xlsx: %s", lxw_strerror(e));
		rc = BLIPPA_ERR_IO;
		goto out;
	}
	rc = fs_read_file(path, XLSX_MAX, out, len);
out:
	if (wb)
		workbook_close(wb);
	free(x.sum);
	unlink(path);
	rmdir(dir);
	return rc;
}

void web_export(struct web_ctx *c, bool xlsx)
{
	const struct web_request *req = c->req;
	const char *fac = req->arg ? req->arg(req->arg_ctx, "facility") : NULL;
	const char *group = req->arg ? req->arg(req->arg_ctx, "group") : NULL;
	const char *from = req->arg ? req->arg(req->arg_ctx, "from") : NULL;
	const char *to = req->arg ? req->arg(req->arg_ctx, "to") : NULL;
	struct web_response *r = c->resp;
	enum blippa_err rc;
	/* empty parameters (a form's blank fields) mean "not given" */
	fac = fac && *fac ? fac : NULL;
	group = group && *group ? group : NULL;
	from = from && *from ? from : NULL;
	to = to && *to ? to : NULL;
	if ((from && !import_valid_date(from)) || (to && !import_valid_date(to)) ||
	    (fac && strlen(fac) > SRV_ID_MAX) || (group && strlen(group) > SRV_ID_MAX)) {
		web_send_status(c, 400);
		return;
	}
	if (fac && !web_may_see(c, fac)) {
		web_send_status(c, 403);
		return;
	}
	if (group) {
		struct web_data *d = NULL;
		char gfac[SRV_ID_MAX + 1];
		rc = web_find_group(c, group, &d, gfac);
		web_data_free(d);
		if (rc == BLIPPA_OK && !web_may_see(c, gfac)) {
			web_send_status(c, 403);
			return;
		}
		if (rc != BLIPPA_OK && rc != BLIPPA_ERR_NOT_FOUND) {
			web_send_status(c, 503);
			return;
		}
	}
	struct srv_export_filter f = {.facility_id = fac, .from_date = from, .to_date = to};
	if (xlsx) {
		rc = write_xlsx(c, &f, group, &r->body, &r->body_len);
		r->content_type =
		    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
		snprintf(r->disposition, sizeof(r->disposition),
			 "attachment; filename=\"blippa-export.xlsx\"");
	} else {
		FILE *mem = open_memstream(&r->body, &r->body_len);
		struct keep_ctx k = {.c = c, .group = group};
		rc = mem ? export_write_csv_where(c->w->store, &f, keep_row, &k, mem)
			 : BLIPPA_ERR_NOMEM;
		if (mem && fclose(mem) != 0 && rc == BLIPPA_OK)
			rc = BLIPPA_ERR_IO;
		r->content_type = "text/csv; charset=utf-8";
		snprintf(r->disposition, sizeof(r->disposition),
			 "attachment; filename=\"blippa-export.csv\"");
	}
	if (rc != BLIPPA_OK) {
		log_error("web", "export: %s", blippa_strerror(rc));
		free(r->body);
		r->body = NULL;
		r->body_len = 0;
		r->disposition[0] = '\0';
		web_send_status(c, 500);
		return;
	}
	char detail[160];
	snprintf(detail, sizeof(detail), "%s facility=%s group=%s from=%s to=%s",
		 xlsx ? "xlsx" : "csv", fac ? fac : "", group ? group : "", from ? from : "",
		 to ? to : "");
	if (SRV_AUDIT(c->w->store, c->user.name, AUDIT_EXPORT, .facility_id = fac,
		      .group_id = group, .detail = detail) != BLIPPA_OK) {
		free(r->body);
		r->body = NULL;
		r->body_len = 0;
		r->disposition[0] = '\0';
		web_send_status(c, 503);
		return;
	}
	r->status = 200;
	log_info("web", "user %s downloaded an export (%s)", c->user.name, xlsx ? "xlsx" : "csv");
}
