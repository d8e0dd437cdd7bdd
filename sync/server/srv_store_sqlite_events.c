/* SPDX-License-Identifier: MIT */
/* SQLite backend, second half: the facility roster snapshot, event ingest
 * (one transaction per batch, idempotent by event id), heartbeats and the
 * attendance export. Statements are run by id; their SQL is in
 * srv_store_sqlite.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_store_sqlite_int.h"

/* ---------------------------------------------------------------- roster */

/* Runs roster query id for facility_id and adds each row to r with the
 * matching roster_add_* (which validate the fields again). */
static enum blippa_err roster_fill(struct sq_conn *c, enum sq_stmt id, const char *facility_id,
				   struct roster *r)
{
	sqlite3_stmt *s = sq_stmt(c, id);
	if (!s)
		return sq_err(sqlite3_errcode(c->db));
	sqlite3_bind_text(s, 1, facility_id, -1, SQLITE_STATIC);
	enum blippa_err rc = BLIPPA_OK;
	int src = SQLITE_DONE;
	while (rc == BLIPPA_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
		switch (id) {
		case Q_R_GROUPS:
			rc = roster_add_group(r, COL(s, 0), COL(s, 1), COL(s, 2), COL(s, 3));
			break;
		case Q_R_SESSIONS:
			rc = roster_add_session(r, COL(s, 0), COL(s, 1), COL(s, 2), COL(s, 3));
			break;
		case Q_R_PARTS:
			rc = roster_add_participant_lang(r, COL(s, 0), COL(s, 1), COL(s, 2),
							 COL(s, 3));
			break;
		case Q_R_MEMBERS:
			rc = roster_add_member(r, COL(s, 0), COL(s, 1));
			break;
		case Q_R_LEADERS:
			rc = roster_add_leader(r, COL(s, 0), COL(s, 1), COL(s, 2));
			break;
		case Q_R_CARDS:
			rc =
			    roster_add_card(r, COL(s, 0),
					    sqlite3_column_int(s, 1) == 1 ? ROSTER_CARD_LEADER
									  : ROSTER_CARD_PARTICIPANT,
					    COL(s, 2));
			break;
		default:
			rc = BLIPPA_ERR_INVALID;
		}
	}
	if (rc == BLIPPA_OK && src != SQLITE_DONE)
		rc = sq_err(src);
	sqlite3_reset(s);
	return rc;
}

enum blippa_err sq_load_roster(void *impl, const char *facility_id, struct roster **out)
{
	struct sq_impl *im = impl;
	struct sq_conn *c = NULL;
	struct roster *r = NULL;
	*out = NULL;
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	if (sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		rc = sq_err(sqlite3_errcode(c->db));
		goto out;
	}
	r = roster_new();
	sqlite3_stmt *s = r ? sq_stmt(c, Q_FAC_GET) : NULL;
	if (!s) {
		rc = r ? BLIPPA_ERR_IO : BLIPPA_ERR_NOMEM;
		goto end;
	}
	sqlite3_bind_text(s, 1, facility_id, -1, SQLITE_STATIC);
	int src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		rc = roster_set_facility(r, facility_id, COL(s, 0), COL(s, 1));
	else
		rc = src == SQLITE_DONE ? BLIPPA_ERR_NOT_FOUND : sq_err(src);
	sqlite3_reset(s);
	static const enum sq_stmt parts[] = {Q_R_GROUPS,  Q_R_SESSIONS, Q_R_PARTS,
					     Q_R_MEMBERS, Q_R_LEADERS,	Q_R_CARDS};
	for (size_t i = 0; rc == BLIPPA_OK && i < sizeof(parts) / sizeof(parts[0]); i++)
		rc = roster_fill(c, parts[i], facility_id, r);
end:
	sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
out:
	sq_conn_put(im, c);
	if (rc == BLIPPA_OK)
		*out = r;
	else
		roster_free(r);
	return rc;
}

/* ---------------------------------------------------------------- ingest */

/* 1 if the statement (with up to two text params) returns a row, 0 if not,
 * -1 on error. */
static int exists2(struct sq_conn *c, enum sq_stmt id, const char *a, const char *b)
{
	sqlite3_stmt *s = sq_stmt(c, id);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(s, 2, b, -1, SQLITE_STATIC);
	int src = sqlite3_step(s);
	sqlite3_reset(s);
	return src == SQLITE_ROW ? 1 : src == SQLITE_DONE ? 0 : -1;
}

struct ses_cache {
	char id[SRV_ID_MAX + 1];
	char group_id[SRV_ID_MAX + 1];
	char facility_id[SRV_ID_MAX + 1];
	int found; /* 1 found, 0 not, -1 nothing cached */
};

static int session_lookup(struct sq_conn *c, const char *sid, struct ses_cache *sc)
{
	if (sc->found >= 0 && strcmp(sc->id, sid) == 0)
		return sc->found;
	sqlite3_stmt *s = sq_stmt(c, Q_SES_INFO);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, sid, -1, SQLITE_STATIC);
	int src = sqlite3_step(s);
	snprintf(sc->id, sizeof(sc->id), "%s", sid);
	sc->found = src == SQLITE_ROW;
	if (src == SQLITE_ROW) {
		snprintf(sc->group_id, sizeof(sc->group_id), "%s", COL(s, 0));
		snprintf(sc->facility_id, sizeof(sc->facility_id), "%s", COL(s, 1));
	}
	sqlite3_reset(s);
	return src == SQLITE_ROW || src == SQLITE_DONE ? sc->found : (sc->found = -1, -1);
}

/* A kiosk may take a UID only from nobody, from the same participant or from
 * a participant of its own facility: never from a leader (of any facility)
 * nor from another facility's participant. NULL if the link may go ahead,
 * "card in use" if not, "" on a database error. */
static const char *card_owner_check(struct sq_conn *c, const struct srv_kiosk *k, const char *pid,
				    const char *uid)
{
	char owner_id[SRV_ID_MAX + 1] = "";
	sqlite3_stmt *s = sq_stmt(c, Q_CARD_OWNER);
	if (!s)
		return "";
	sqlite3_bind_text(s, 1, uid, -1, SQLITE_STATIC);
	int src = sqlite3_step(s);
	int owner = src == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
	if (src == SQLITE_ROW)
		snprintf(owner_id, sizeof(owner_id), "%s", COL(s, 1) ? COL(s, 1) : "");
	sqlite3_reset(s);
	if (src == SQLITE_DONE)
		return NULL;
	if (src != SQLITE_ROW)
		return "";
	if (owner != 0)
		return srv_reason_text(SRV_R_IN_USE);
	if (strcmp(owner_id, pid) == 0)
		return NULL;
	int r = exists2(c, Q_PART_IN_FAC, owner_id, k->facility_id);
	return r < 0 ? "" : r ? NULL : srv_reason_text(SRV_R_IN_USE);
}

/* The reason ev must be rejected, NULL if it is acceptable, or "" on a
 * database error. uid gets the normalised card UID of a card_link. */
static const char *event_check(struct sq_conn *c, const struct srv_kiosk *k,
			       const struct protocol_event *ev, struct ses_cache *sc,
			       char uid[ROSTER_UID_HEX_MAX + 1])
{
	int r;
	switch (ev->type) {
	case EVENT_CHECKIN:
		if (ev->session_id[0]) {
			r = session_lookup(c, ev->session_id, sc);
			if (r <= 0)
				return r < 0 ? "" : srv_reason_text(SRV_R_SESSION);
			if (strcmp(sc->facility_id, k->facility_id) != 0)
				return srv_reason_text(SRV_R_SES_FAC);
			r = exists2(c, Q_MEMBER, sc->group_id, ev->participant_id);
			if (r != 0)
				return r < 0 ? "" : NULL;
		}
		r = exists2(c, Q_PART_IN_FAC, ev->participant_id, k->facility_id);
		if (r <= 0)
			return r < 0 ? "" : srv_reason_text(SRV_R_PARTICIPANT);
		return ev->session_id[0] ? srv_reason_text(SRV_R_NOT_MEMBER) : NULL;
	case EVENT_VOID: {
		sqlite3_stmt *s = sq_stmt(c, Q_EV_GET);
		if (!s)
			return "";
		sqlite3_bind_text(s, 1, ev->voids_id, -1, SQLITE_STATIC);
		int src = sqlite3_step(s);
		bool ok = src == SQLITE_ROW && sqlite3_column_int(s, 0) == EVENT_DB_CHECKIN &&
			  strcmp(COL(s, 1), k->facility_id) == 0;
		sqlite3_reset(s);
		if (src != SQLITE_ROW && src != SQLITE_DONE)
			return "";
		return ok ? NULL : srv_reason_text(SRV_R_EVENT);
	}
	case EVENT_CARD_LINK:
		if (!uid_hex_normalize(ev->card_uid, uid))
			return srv_reason_text(SRV_R_UID);
		r = exists2(c, Q_PART_IN_FAC, ev->participant_id, k->facility_id);
		if (r <= 0)
			return r < 0 ? "" : srv_reason_text(SRV_R_PARTICIPANT);
		return card_owner_check(c, k, ev->participant_id, uid);
	}
	return "unknown event type";
}

static enum blippa_err ingest_one(struct sq_conn *c, const struct srv_kiosk *k,
				  const struct protocol_event *ev, int64_t now_ms,
				  struct ses_cache *sc, struct protocol_result *res, bool *bump)
{
	char uid[ROSTER_UID_HEX_MAX + 1] = "";
	snprintf(res->id, sizeof(res->id), "%s", ev->id);
	res->reason[0] = '\0';
	const char *why = event_check(c, k, ev, sc, uid);
	if (why && !*why)
		return BLIPPA_ERR_IO;
	if (why) {
		int r = exists2(c, Q_EV_GET, ev->id, NULL);
		if (r < 0)
			return BLIPPA_ERR_IO;
		res->status = r ? PROTOCOL_DUPLICATE : PROTOCOL_REJECTED;
		if (!r)
			snprintf(res->reason, sizeof(res->reason), "%s", why);
		return BLIPPA_OK;
	}
	sqlite3_stmt *s = sq_stmt(c, Q_EV_INS);
	if (!s)
		return BLIPPA_ERR_IO;
	sqlite3_bind_text(s, 1, ev->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, k->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, k->facility_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, event_type_db(ev->type));
	sqlite3_bind_int64(s, 5, ev->at_ms);
	if (ev->type == EVENT_CHECKIN)
		sqlite3_bind_int(s, 6, checkin_method_db(ev->method));
	sq_bind_opt(s, 7, ev->participant_id);
	sq_bind_opt(s, 8, ev->type == EVENT_CHECKIN ? ev->session_id : NULL);
	sq_bind_opt(s, 9, ev->type == EVENT_VOID ? ev->voids_id : NULL);
	sq_bind_opt(s, 10, uid);
	sqlite3_bind_int64(s, 11, now_ms);
	long changed = 0;
	enum blippa_err rc = sq_run(c, s, &changed);
	if (rc != BLIPPA_OK)
		return rc;
	res->status = changed ? PROTOCOL_ACCEPTED : PROTOCOL_DUPLICATE;
	if (changed && ev->type == EVENT_CARD_LINK) {
		const char *v[] = {uid, ev->participant_id};
		rc = sq_run_texts(c, Q_CARD_UNLINK, v, 2, NULL);
		if (rc == BLIPPA_OK)
			rc = sq_run_texts(c, Q_CARD_LINK, v, 2, NULL);
		*bump = true;
	}
	return rc;
}

enum blippa_err sq_ingest(void *impl, const struct srv_kiosk *k, const struct protocol_event *ev,
			  size_t n, int64_t now_ms, struct protocol_result *res)
{
	struct sq_impl *im = impl;
	struct sq_conn *c = NULL;
	struct ses_cache sc = {.found = -1};
	bool bump = false;
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	rc = sq_tx_begin(im, c);
	if (rc != BLIPPA_OK)
		goto out;
	enum blippa_err r2 = BLIPPA_OK;
	for (size_t i = 0; r2 == BLIPPA_OK && i < n; i++)
		r2 = ingest_one(c, k, &ev[i], now_ms, &sc, &res[i], &bump);
	if (r2 == BLIPPA_OK && bump)
		r2 = sq_run(c, sq_stmt(c, Q_VERSION_BUMP), NULL);
	rc = sq_tx_end(im, c, r2);
out:
	sq_conn_put(im, c);
	return rc;
}

enum blippa_err sq_heartbeat(void *impl, const char *kiosk_id, const struct protocol_heartbeat *hb,
			     int64_t now_ms)
{
	struct sq_impl *im = impl;
	struct sq_conn *c = NULL;
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	rc = sq_tx_begin(im, c);
	if (rc == BLIPPA_OK) {
		sqlite3_stmt *s = sq_stmt(c, Q_HEARTBEAT);
		if (s) {
			sqlite3_bind_text(s, 1, kiosk_id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 2, now_ms);
			sqlite3_bind_text(s, 3, hb->version, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 4, hb->pending);
			sqlite3_bind_int64(s, 5, hb->oldest_pending_age_s);
			sqlite3_bind_text(s, 6, hb->reader, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 7, hb->last_error, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 8, hb->time_ms);
		}
		rc = sq_tx_end(im, c, sq_run(c, s, NULL));
	}
	sq_conn_put(im, c);
	return rc;
}

/* ---------------------------------------------------------------- export */

enum blippa_err sq_export(void *impl, const struct srv_export_filter *f, srv_export_fn fn,
			  void *ctx)
{
	struct sq_impl *im = impl;
	struct sq_conn *c = NULL;
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL);
	sqlite3_stmt *s = sq_stmt(c, Q_EXPORT);
	int src = SQLITE_ERROR;
	if (s) {
		sq_bind_opt(s, 1, f->facility_id);
		sq_bind_opt(s, 2, f->from_date);
		sq_bind_opt(s, 3, f->to_date);
		while ((src = sqlite3_step(s)) == SQLITE_ROW) {
			struct srv_export_row row = {
			    .facility_id = COL(s, 0),
			    .timezone = COL(s, 1),
			    .group_id = COL(s, 2),
			    .session_id = COL(s, 3),
			    .session_start = COL(s, 4),
			    .participant_id = COL(s, 5),
			    .given_name = COL(s, 6),
			    .family_name = COL(s, 7),
			    .present = sqlite3_column_type(s, 8) != SQLITE_NULL,
			    .at_ms = sqlite3_column_int64(s, 8),
			    .method = (enum checkin_method)sqlite3_column_int(s, 9),
			    .kiosk_id = COL(s, 10) ? COL(s, 10) : "",
			};
			if (fn(ctx, &row) != 0) {
				src = SQLITE_DONE;
				break;
			}
		}
		sqlite3_reset(s);
	}
	rc = src == SQLITE_DONE ? BLIPPA_OK : sq_err(src);
	sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
	sq_conn_put(im, c);
	return rc;
}

enum blippa_err sq_export_open(void *impl, const char *facility_id, srv_export_fn fn, void *ctx)
{
	struct sq_impl *im = impl;
	struct sq_conn *c = NULL;
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	sqlite3_stmt *s = sq_stmt(c, Q_EXPORT_OPEN);
	int src = SQLITE_ERROR;
	if (s) {
		sq_bind_opt(s, 1, facility_id);
		while ((src = sqlite3_step(s)) == SQLITE_ROW) {
			struct srv_export_row row = {
			    .facility_id = COL(s, 0),
			    .timezone = COL(s, 1),
			    .participant_id = COL(s, 2),
			    .given_name = COL(s, 3),
			    .family_name = COL(s, 4),
			    .present = true,
			    .at_ms = sqlite3_column_int64(s, 5),
			    .method = (enum checkin_method)sqlite3_column_int(s, 6),
			    .kiosk_id = COL(s, 7) ? COL(s, 7) : "",
			    .open_training = true,
			};
			if (fn(ctx, &row) != 0) {
				src = SQLITE_DONE;
				break;
			}
		}
		sqlite3_reset(s);
	}
	rc = src == SQLITE_DONE ? BLIPPA_OK : sq_err(src);
	sq_conn_put(im, c);
	return rc;
}
