/* SPDX-License-Identifier: MIT */
/* The audit trail: srv_audit, the filtered listing and its CSV (audit.h).
 * The SQL is the portable dialect of srv_store_sql (both backends). */
#include "audit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "csv.h"
#include "import.h"
#include "log.h"

static const char *nul_if_empty(const char *s)
{
	return s && *s ? s : NULL;
}

struct add_ctx {
	const char *v[9];
};

static enum blippa_err add_row(struct srv_sql *q, void *ctx)
{
	struct add_ctx *a = ctx;
	return q->ops->exec(q,
			    "INSERT INTO audit(at_ms, actor, action, facility_id, group_id,"
			    " session_id, participant_id, address, detail)"
			    " VALUES(CAST(?1 AS bigint), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
			    9, a->v, NULL);
}

/* Cuts s to at most max bytes without splitting a UTF-8 sequence. */
static void cut_utf8(char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	s[max] = '\0';
}

enum blippa_err srv_audit(struct srv_store *st, const char *actor, const char *action,
			  const struct srv_audit_subject *subj)
{
	char at[24], detail[AUDIT_DETAIL_MAX + 8] = "";
	static const struct srv_audit_subject none = {0};
	if (!subj)
		subj = &none;
	snprintf(at, sizeof(at), "%lld", (long long)clock_wall_ms());
	if (subj->detail) {
		snprintf(detail, sizeof(detail), "%.*s", AUDIT_DETAIL_MAX + 4, subj->detail);
		cut_utf8(detail, AUDIT_DETAIL_MAX);
	}
	struct add_ctx a = {.v = {at, actor ? actor : "", action, nul_if_empty(subj->facility_id),
				  nul_if_empty(subj->group_id), nul_if_empty(subj->session_id),
				  nul_if_empty(subj->participant_id), nul_if_empty(subj->address),
				  nul_if_empty(detail)}};
	/* A page view must not wait for the disk (about 4 ms for each fsync);
	 * its row is durable with the next durable commit (any kiosk batch). */
	bool view = strncmp(action, "view_", 5) == 0;
	enum blippa_err rc =
	    srv_store_sql(st, SRV_SQL_WRITE | (view ? SRV_SQL_LAZY : 0), add_row, &a);
	if (rc != BLIPPA_OK)
		log_error("audit", "cannot record %s: %s", action, blippa_strerror(rc));
	return rc;
}

/* ---------------------------------------------------------------- listing */

struct list_ctx {
	const char *v[7];
	srv_audit_fn fn;
	void *ctx;
};

static int list_row(void *ctx, int ncol, const char *const *col)
{
	struct list_ctx *l = ctx;
	const char *c[10];
	for (int i = 0; i < 10; i++)
		c[i] = i < ncol && col[i] ? col[i] : "";
	struct srv_audit_row r = {.id = strtoll(c[0], NULL, 10),
				  .at_ms = strtoll(c[1], NULL, 10),
				  .actor = c[2],
				  .action = c[3],
				  .facility_id = c[4],
				  .group_id = c[5],
				  .session_id = c[6],
				  .participant_id = c[7],
				  .address = c[8],
				  .detail = c[9]};
	return l->fn(l->ctx, &r);
}

static enum blippa_err list_rows(struct srv_sql *q, void *ctx)
{
	struct list_ctx *l = ctx;
	return q->ops->query(
	    q,
	    "SELECT id, at_ms, actor, action, facility_id, group_id, session_id, participant_id,"
	    " address, detail FROM audit"
	    " WHERE (CAST(?1 AS text) IS NULL OR actor = ?1)"
	    " AND (CAST(?2 AS text) IS NULL OR action = ?2)"
	    " AND (CAST(?3 AS bigint) IS NULL OR at_ms >= CAST(?3 AS bigint))"
	    " AND (CAST(?4 AS bigint) IS NULL OR at_ms < CAST(?4 AS bigint))"
	    " AND (CAST(?5 AS text) IS NULL OR participant_id = ?5)"
	    " AND (CAST(?6 AS text) IS NULL OR group_id = ?6)"
	    " ORDER BY id DESC LIMIT CAST(?7 AS bigint)",
	    7, l->v, list_row, l);
}

/* Milliseconds of date 00:00 UTC (+ days). */
static bool date_ms(const char *date, int days, char out[24])
{
	struct tm tm = {0};
	if (!import_valid_date(date) ||
	    sscanf(date, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_mday += days;
	snprintf(out, 24, "%lld", (long long)timegm(&tm) * 1000);
	return true;
}

enum blippa_err srv_audit_list(struct srv_store *st, const struct srv_audit_filter *f,
			       srv_audit_fn fn, void *ctx)
{
	char from[24], to[24], limit[24];
	struct list_ctx l = {.fn = fn, .ctx = ctx};
	if ((nul_if_empty(f->from_date) && !date_ms(f->from_date, 0, from)) ||
	    (nul_if_empty(f->to_date) && !date_ms(f->to_date, 1, to)))
		return BLIPPA_ERR_INVALID;
	snprintf(limit, sizeof(limit), "%ld", f->limit > 0 ? f->limit : 1000000000L);
	l.v[0] = nul_if_empty(f->actor);
	l.v[1] = nul_if_empty(f->action);
	l.v[2] = nul_if_empty(f->from_date) ? from : NULL;
	l.v[3] = nul_if_empty(f->to_date) ? to : NULL;
	l.v[4] = nul_if_empty(f->participant_id);
	l.v[5] = nul_if_empty(f->group_id);
	l.v[6] = limit;
	return srv_store_sql(st, SRV_SQL_READ, list_rows, &l);
}

void audit_time(int64_t ms, char out[24])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(out, 24, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, 24, "?");
}

struct csv_ctx {
	FILE *out;
	bool failed;
};

static int csv_row(void *ctx, const struct srv_audit_row *r)
{
	struct csv_ctx *c = ctx;
	char at[24];
	audit_time(r->at_ms, at);
	const char *f[] = {at,		r->actor,      r->action,	  r->facility_id,
			   r->group_id, r->session_id, r->participant_id, r->address,
			   r->detail};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if ((i && fputc(',', c->out) == EOF) || csv_write_cell(c->out, f[i]) != 0) {
			c->failed = true;
			return 1;
		}
	}
	if (fputc('\n', c->out) == EOF) {
		c->failed = true;
		return 1;
	}
	return 0;
}

enum blippa_err audit_write_csv(struct srv_store *st, const struct srv_audit_filter *f, FILE *out)
{
	struct csv_ctx c = {.out = out};
	if (fputs(AUDIT_CSV_HEADER "\n", out) == EOF)
		return BLIPPA_ERR_IO;
	enum blippa_err rc = srv_audit_list(st, f, csv_row, &c);
	if (rc == BLIPPA_OK && c.failed)
		rc = BLIPPA_ERR_IO;
	return rc;
}
