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

/* exists2 into *out; false on a database error. */
static bool fact(struct sq_conn *c, enum sq_stmt id, const char *a, const char *b, bool *out)
{
	int r = exists2(c, id, a, b);
	*out = r == 1;
	return r >= 0;
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
 * nor from another facility's participant. *taken tells; false on a
 * database error. */
static bool card_taken(struct sq_conn *c, const struct srv_kiosk *k, const char *pid,
		       const char *uid, bool *taken)
{
	char owner_id[SRV_ID_MAX + 1] = "";
	sqlite3_stmt *s = sq_stmt(c, Q_CARD_OWNER);
	*taken = false;
	if (!s)
		return false;
	sqlite3_bind_text(s, 1, uid, -1, SQLITE_STATIC);
	int src = sqlite3_step(s);
	int owner = src == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
	if (src == SQLITE_ROW)
		snprintf(owner_id, sizeof(owner_id), "%s", COL(s, 1) ? COL(s, 1) : "");
	sqlite3_reset(s);
	if (src != SQLITE_ROW)
		return src == SQLITE_DONE;
	if (owner != 0 || strcmp(owner_id, pid) == 0) {
		*taken = owner != 0;
		return true;
	}
	bool here;
	if (!fact(c, Q_PART_IN_FAC, owner_id, k->facility_id, &here))
		return false;
	*taken = !here;
	return true;
}

/* The voided event is a check-in of the kiosk's facility. */
static bool voided_here(struct sq_conn *c, const struct srv_kiosk *k, const char *voids_id,
			bool *out)
{
	sqlite3_stmt *s = sq_stmt(c, Q_EV_GET);
	if (!s)
		return false;
	sqlite3_bind_text(s, 1, voids_id, -1, SQLITE_STATIC);
	int src = sqlite3_step(s);
	*out = src == SQLITE_ROW && sqlite3_column_int(s, 0) == EVENT_DB_CHECKIN &&
	       strcmp(COL(s, 1), k->facility_id) == 0;
	sqlite3_reset(s);
	return src == SQLITE_ROW || src == SQLITE_DONE;
}

/* The lookups of one event (srv_ev_facts). */
static bool event_facts(struct sq_conn *c, const struct srv_kiosk *k,
			const struct protocol_event *ev, struct ses_cache *sc,
			struct srv_ev_state *st)
{
	struct srv_ev_facts *f = &st->f;
	if (!fact(c, Q_EV_GET, ev->id, NULL, &f->existed))
		return false;
	if (ev->type == EVENT_VOID)
		return voided_here(c, k, ev->voids_id, &f->voided_here);
	if (!fact(c, Q_PART_IN_FAC, ev->participant_id, k->facility_id, &f->participant_here))
		return false;
	if (ev->type == EVENT_CARD_LINK)
		return !st->uid[0] || card_taken(c, k, ev->participant_id, st->uid, &f->card_taken);
	if (ev->type != EVENT_CHECKIN || !ev->session_id[0])
		return true;
	int r = session_lookup(c, ev->session_id, sc);
	if (r <= 0)
		return r == 0;
	f->session_found = true;
	f->session_here = strcmp(sc->facility_id, k->facility_id) == 0;
	return fact(c, Q_MEMBER, sc->group_id, ev->participant_id, &f->member);
}

static enum blippa_err sq_ev_facts(void *conn, const struct srv_kiosk *k, struct srv_batch *b)
{
	struct ses_cache sc = {.found = -1};
	for (size_t i = 0; i < b->n; i++)
		if (!event_facts(conn, k, &b->ev[i], &sc, &b->st[i]))
			return BLIPPA_ERR_IO;
	return BLIPPA_OK;
}

/* Inserts one candidate row; *stored if it was not there yet. */
static enum blippa_err insert_one(struct sq_conn *c, const struct srv_kiosk *k,
				  const struct protocol_event *ev, const char *uid, int64_t now_ms,
				  bool *stored)
{
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
	*stored = rc == BLIPPA_OK && changed;
	return rc;
}

static enum blippa_err sq_ev_insert(void *conn, const struct srv_kiosk *k, int64_t now_ms,
				    struct srv_batch *b)
{
	enum blippa_err rc = BLIPPA_OK;
	for (size_t p = 0; rc == BLIPPA_OK && p < b->n; p++) {
		struct srv_ev_state *st = &b->st[b->by_id[p].i];
		if (st->candidate)
			rc = insert_one(conn, k, &b->ev[b->by_id[p].i], st->uid, now_ms,
					&st->inserted);
	}
	return rc;
}

static enum blippa_err sq_ev_link_card(void *conn, const char *uid, const char *participant_id)
{
	const char *v[] = {uid, participant_id};
	enum blippa_err rc = sq_run_texts(conn, Q_CARD_UNLINK, v, 2, NULL);
	return rc == BLIPPA_OK ? sq_run_texts(conn, Q_CARD_LINK, v, 2, NULL) : rc;
}

static enum blippa_err sq_ev_bump(void *conn)
{
	struct sq_conn *c = conn;
	return sq_run(c, sq_stmt(c, Q_VERSION_BUMP), NULL);
}

/* The whole batch is one transaction of its own (sq_ingest). */
static const struct srv_ingest_io sq_ingest_io = {
    .facts = sq_ev_facts,
    .insert = sq_ev_insert,
    .link_card = sq_ev_link_card,
    .bump = sq_ev_bump,
};

struct ingest_args {
	const struct srv_kiosk *k;
	struct srv_batch *b;
	int64_t now_ms;
	struct protocol_result *res;
};

static enum blippa_err ingest_tx(struct sq_conn *c, void *ctx)
{
	struct ingest_args *a = ctx;
	return srv_ingest_batch(&sq_ingest_io, c, a->k, a->b, a->now_ms, a->res);
}

enum blippa_err sq_ingest(void *impl, const struct srv_kiosk *k, struct srv_batch *b,
			  int64_t now_ms, struct protocol_result *res)
{
	struct ingest_args a = {k, b, now_ms, res};
	return sq_write_tx(impl, ingest_tx, &a);
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
