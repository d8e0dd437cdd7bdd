/* SPDX-License-Identifier: MIT */
/* The sync side of the event log: pending events in local order, acks
 * (synced / rejected with a reason), the list of rejected events, the sync
 * status row, and the retention purge of synced events. */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"

static const char sql_pending[] =
    "SELECT seq, id, type, at_ms, method, participant_id, session_id, voids_id, card_uid,"
    " kiosk_id, device_ms, clock_unsure FROM events WHERE sync = 0 ORDER BY seq LIMIT ?";
static const char sql_ack[] = "UPDATE events SET sync = ?, reason = ?, synced_ms = ?"
			      " WHERE id = ? AND sync = 0";
static const char sql_rejected[] =
    "SELECT e.id, e.at_ms, e.reason, e.type, p.given_name || ' ' || p.family_name, g.name,"
    " s.start_ms FROM events e LEFT JOIN participants p ON p.id = e.participant_id"
    " LEFT JOIN sessions s ON s.id = e.session_id LEFT JOIN groups g ON g.id = s.group_id"
    " WHERE e.sync = 2 ORDER BY e.seq DESC LIMIT ?";
static const char sql_counts[] = "SELECT (SELECT count(*) FROM events WHERE sync = 0),"
				 " (SELECT min(at_ms) FROM events WHERE sync = 0),"
				 " (SELECT count(*) FROM events WHERE sync = 2)";
static const char sql_status[] = "SELECT last_success_ms, last_attempt_ms, last_error, skew_ms,"
				 " reachable, unauthorised FROM sync_status WHERE id = 1";
static const char sql_status_put[] =
    "UPDATE sync_status SET last_success_ms = ?, last_attempt_ms = ?, last_error = ?,"
    " skew_ms = ?, reachable = ?, unauthorised = ? WHERE id = 1";
/* Check-ins (and their voids) for sessions still in the roster are the
 * leader's period attendance ("7 av 9"): they stay until the roster drops
 * the session, however old. Everything else synced goes after retention. */
static const char sql_purge[] =
    "DELETE FROM events WHERE sync = 1 AND at_ms < ?"
    " AND NOT (type IN (" EVENT_DB_CHECKIN_SQL ", " EVENT_DB_VOID_SQL ")"
    " AND session_id IS NOT NULL"
    " AND session_id IN (SELECT id FROM sessions))";

/* The rows of sql (its one parameter: LIMIT max) into out; see
 * store_read_rows. */
static enum blippa_err read_limited(struct store *st, const char *sql, void *out, size_t elem,
				    size_t max, void (*row)(sqlite3_stmt *s, void *x), size_t *n)
{
	sqlite3_stmt *s = store_prep(st, sql);

	*n = 0;
	if (!s)
		return BLIPPA_ERR_IO;
	sqlite3_bind_int64(s, 1, (int64_t)max);
	return store_read_rows(s, out, elem, max, row, n);
}

static void pending_row(sqlite3_stmt *s, void *x)
{
	struct event_record *e = x;
	memset(e, 0, sizeof *e);
	e->seq = sqlite3_column_int64(s, 0);
	store_col_text(s, 1, e->id, sizeof e->id);
	/* the stored code IS the enum value (event.h) */
	e->type = (enum event_type)sqlite3_column_int(s, 2);
	e->at_ms = sqlite3_column_int64(s, 3);
	e->method = (enum checkin_method)sqlite3_column_int(s, 4);
	store_col_text(s, 5, e->participant_id, sizeof e->participant_id);
	store_col_text(s, 6, e->session_id, sizeof e->session_id);
	store_col_text(s, 7, e->voids_id, sizeof e->voids_id);
	store_col_text(s, 8, e->card_uid, sizeof e->card_uid);
	store_col_text(s, 9, e->kiosk_id, sizeof e->kiosk_id);
	e->device_ms = sqlite3_column_int64(s, 10); /* NULL -> 0 */
	e->clock_unsure = sqlite3_column_int(s, 11) != 0;
}

enum blippa_err store_pending_events(struct store *st, struct event_record *out, size_t max,
				     size_t *n)
{
	return read_limited(st, sql_pending, out, sizeof *out, max, pending_row, n);
}

enum blippa_err store_ack_events(struct store *st, const struct store_ack *acks, size_t n)
{
	enum blippa_err rc;
	sqlite3_stmt *s;
	int64_t now = 0;

	if (n == 0)
		return BLIPPA_OK;
	if (!acks)
		return BLIPPA_ERR_INVALID;
	now = clock_wall_ms();
	if ((rc = store_begin(st)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		const struct store_ack *a = &acks[i];
		char reason[128];
		if (!a->event_id || (a->state != EVENT_SYNCED && a->state != EVENT_REJECTED)) {
			rc = BLIPPA_ERR_INVALID;
			goto out;
		}
		if (!(s = store_prep(st, sql_ack))) {
			rc = BLIPPA_ERR_IO;
			goto out;
		}
		snprintf(reason, sizeof reason, "%s",
			 a->state == EVENT_REJECTED && a->reason ? a->reason : "");
		sqlite3_bind_int(s, 1, (int)a->state);
		store_bind_text(s, 2, reason, true);
		sqlite3_bind_int64(s, 3, now);
		sqlite3_bind_text(s, 4, a->event_id, -1, SQLITE_STATIC);
		rc = store_err_from_sqlite(sqlite3_step(s));
		sqlite3_reset(s);
		if (rc)
			goto out;
	}
	rc = store_commit(st);
out:
	store_rollback(st);
	return rc;
}

static void rejected_row(sqlite3_stmt *s, void *x)
{
	struct store_rejected *r = x;
	store_col_text(s, 0, r->event_id, sizeof r->event_id);
	r->at_ms = sqlite3_column_int64(s, 1);
	store_col_text(s, 2, r->reason, sizeof r->reason);
	r->type = sqlite3_column_int(s, 3);
	store_col_text(s, 4, r->full_name, sizeof r->full_name);
	store_col_text(s, 5, r->group_name, sizeof r->group_name);
	r->session_start_ms = sqlite3_column_int64(s, 6);
}

enum blippa_err store_rejected_events(struct store *st, struct store_rejected *out, size_t max,
				      size_t *n)
{
	return read_limited(st, sql_rejected, out, sizeof *out, max, rejected_row, n);
}

enum blippa_err store_get_sync_status(struct store *st, struct store_sync_status *out)
{
	sqlite3_stmt *s;
	int src;

	memset(out, 0, sizeof *out);
	if (!(s = store_prep(st, sql_counts)))
		return BLIPPA_ERR_IO;
	src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		out->pending = sqlite3_column_int64(s, 0);
		out->oldest_pending_ms = sqlite3_column_int64(s, 1); /* NULL -> 0 */
		out->rejected = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	if (src != SQLITE_ROW)
		return store_err_from_sqlite(src == SQLITE_DONE ? SQLITE_CORRUPT : src);
	if (!(s = store_prep(st, sql_status)))
		return BLIPPA_ERR_IO;
	src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		out->last_success_ms = sqlite3_column_int64(s, 0);
		out->last_attempt_ms = sqlite3_column_int64(s, 1);
		store_col_text(s, 2, out->last_error, sizeof out->last_error);
		out->skew_ms = sqlite3_column_int64(s, 3);
		out->server_reachable = sqlite3_column_int(s, 4) != 0;
		out->unauthorised = sqlite3_column_int(s, 5) != 0;
	}
	sqlite3_reset(s);
	if (src != SQLITE_ROW)
		return store_err_from_sqlite(src == SQLITE_DONE ? SQLITE_CORRUPT : src);
	return BLIPPA_OK;
}

enum blippa_err store_put_sync_status(struct store *st, const struct store_sync_status *in)
{
	sqlite3_stmt *s = store_prep(st, sql_status_put);
	enum blippa_err rc;
	char err[sizeof in->last_error];

	if (!s)
		return BLIPPA_ERR_IO;
	snprintf(err, sizeof err, "%s", in->last_error);
	sqlite3_bind_int64(s, 1, in->last_success_ms);
	sqlite3_bind_int64(s, 2, in->last_attempt_ms);
	sqlite3_bind_text(s, 3, err, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, in->skew_ms);
	sqlite3_bind_int(s, 5, in->server_reachable ? 1 : 0);
	sqlite3_bind_int(s, 6, in->unauthorised ? 1 : 0);
	rc = store_err_from_sqlite(sqlite3_step(s));
	sqlite3_reset(s);
	return rc;
}

enum blippa_err store_purge_synced(struct store *st, int64_t now_ms, int days, int64_t *deleted)
{
	sqlite3_stmt *s = store_prep(st, sql_purge);
	enum blippa_err rc;

	if (deleted)
		*deleted = 0;
	if (!s)
		return BLIPPA_ERR_IO;
	if (days < 1)
		return BLIPPA_ERR_INVALID;
	sqlite3_bind_int64(s, 1, now_ms - (int64_t)days * 86400000);
	rc = store_err_from_sqlite(sqlite3_step(s));
	sqlite3_reset(s);
	if (rc == BLIPPA_OK && deleted)
		*deleted = sqlite3_changes64(st->db);
	return rc;
}
