/* SPDX-License-Identifier: MIT */
/* PostgreSQL backend, second half: the facility roster snapshot, event
 * ingest, heartbeats and the attendance export. Statements are run by id;
 * their SQL is in srv_store_pg.c.
 *
 * Ingest of a batch is two set-based statements whatever the batch size
 * (two round trips): PQ_EV_CHECK validates every event (session, facility,
 * membership, voided check-in) and tells which ids are stored already;
 * PQ_EV_INS stores the acceptable ones, all in one statement (so one
 * transaction) with ON CONFLICT(id) DO NOTHING RETURNING id. An id that comes back was stored by
 * this batch (accepted); one that does not was stored by someone else, also by another server
 * process at the same moment (duplicate): the primary key decides, never a read-then-write.
 * Accepted card links then touch the cards table one by one (rare). The per-event decisions follow
 * docs/server.md exactly as the SQLite backend makes them, batch order included. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "srv_store_pg_int.h"

#define INGEST_ATTEMPTS 4 /* deadlock / serialization failure / lost connection */

/* One retry after the connection broke and came back. */
#define RETRY_READ(c, rc, expr)                                                                    \
	for (int attempt_ = 0; attempt_ < 2; attempt_++) {                                         \
		rc = (expr);                                                                       \
		if (rc == BLIPPA_OK || rc == BLIPPA_ERR_NOT_FOUND || !pg_conn_broken(c) ||         \
		    pg_conn_reset(c) != BLIPPA_OK)                                                 \
			break;                                                                     \
	}

/* ---------------------------------------------------------------- roster */

static enum blippa_err roster_fill(struct pg_conn *c, enum pg_stmt id, const char *facility_id,
				   struct roster *r)
{
	enum blippa_err rc;
	const char *v[] = {facility_id};
	PGresult *res = pg_run(c, id, 1, v, NULL, NULL, &rc);
	for (int i = 0; rc == BLIPPA_OK && i < PQntuples(res); i++) {
#define C(k) (PQgetisnull(res, i, k) ? NULL : PQgetvalue(res, i, k))
		switch (id) {
		case PQ_R_GROUPS:
			rc = roster_add_group(r, C(0), C(1), C(2), C(3));
			break;
		case PQ_R_SESSIONS:
			rc = roster_add_session(r, C(0), C(1), C(2), C(3));
			break;
		case PQ_R_PARTS:
			rc = roster_add_participant_lang(r, C(0), C(1), C(2), C(3));
			break;
		case PQ_R_MEMBERS:
			rc = roster_add_member(r, C(0), C(1));
			break;
		case PQ_R_LEADERS:
			rc = roster_add_leader(r, C(0), C(1), C(2));
			break;
		case PQ_R_CARDS:
			rc = roster_add_card(r, C(0),
					     atoi(PQgetvalue(res, i, 1)) == 1
						 ? ROSTER_CARD_LEADER
						 : ROSTER_CARD_PARTICIPANT,
					     C(2));
			break;
		default:
			rc = BLIPPA_ERR_INVALID;
		}
#undef C
	}
	PQclear(res);
	return rc;
}

static enum blippa_err roster_read(struct pg_conn *c, const char *facility_id, struct roster **out)
{
	struct roster *r = NULL;
	PGresult *res = NULL;
	*out = NULL;
	/* one snapshot for all seven reads */
	enum blippa_err rc = pg_exec_simple(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	if (rc != BLIPPA_OK)
		return rc;
	r = roster_new();
	if (!r) {
		rc = BLIPPA_ERR_NOMEM;
		goto out;
	}
	const char *v[] = {facility_id};
	res = pg_run(c, PQ_FAC_GET, 1, v, NULL, NULL, &rc);
	if (rc == BLIPPA_OK && PQntuples(res) != 1)
		rc = BLIPPA_ERR_NOT_FOUND;
	if (rc == BLIPPA_OK)
		rc = roster_set_facility(r, facility_id, PQgetvalue(res, 0, 0),
					 PQgetvalue(res, 0, 1));
	static const enum pg_stmt parts[] = {PQ_R_GROUPS,  PQ_R_SESSIONS, PQ_R_PARTS,
					     PQ_R_MEMBERS, PQ_R_LEADERS,  PQ_R_CARDS};
	for (size_t i = 0; rc == BLIPPA_OK && i < sizeof(parts) / sizeof(parts[0]); i++)
		rc = roster_fill(c, parts[i], facility_id, r);
out:
	PQclear(res);
	if (!pg_conn_broken(c))
		pg_exec_simple(c, "COMMIT");
	if (rc == BLIPPA_OK)
		*out = r;
	else
		roster_free(r);
	return rc;
}

enum blippa_err pg_load_roster(void *impl, const char *facility_id, struct roster **out)
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc == BLIPPA_OK)
		RETRY_READ(c, rc, roster_read(c, facility_id, out));
	pg_conn_put(im, c);
	return rc;
}

/* ---------------------------------------------------------------- ingest */

/* Reason codes: enum srv_reason (srv_store.h), also computed in SQL. */
#define R_OK SRV_R_OK
#define R_SESSION SRV_R_SESSION
#define R_SES_FAC SRV_R_SES_FAC
#define R_PARTICIPANT SRV_R_PARTICIPANT
#define R_NOT_MEMBER SRV_R_NOT_MEMBER
#define R_EVENT SRV_R_EVENT
#define R_IN_USE SRV_R_IN_USE
#define R_UID SRV_R_UID

struct ev_state {
	int reason;	/* R_* */
	bool existed;	/* id stored before this batch (checked for rejected rows only) */
	bool candidate; /* the row of its id that this batch inserts */
	bool inserted;	/* ... and the insert stored it */
	char uid[ROSTER_UID_HEX_MAX + 1]; /* normalised card_link UID */
};

struct id_ref {
	const char *id;
	size_t i;
};

struct batch {
	const struct protocol_event *ev;
	size_t n;
	struct ev_state *st;
	struct id_ref *by_id; /* rows sorted by (id, index) */
};

static int cmp_by_id(const void *a, const void *b)
{
	const struct id_ref *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

static void by_id_sort(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		b->by_id[i] = (struct id_ref){b->ev[i].id, i};
	qsort(b->by_id, b->n, sizeof(b->by_id[0]), cmp_by_id);
}

/* First position in by_id whose event id is id, or b->n. */
static size_t by_id_find(const struct batch *b, const char *id)
{
	size_t lo = 0, hi = b->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(b->by_id[mid].id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->n && strcmp(b->by_id[lo].id, id) == 0 ? lo : b->n;
}

/* PQ_EV_CHECK over the whole batch: reasons and "stored already". */
static enum blippa_err batch_check(struct pg_conn *c, const struct srv_kiosk *k, struct batch *b)
{
	struct pg_arr a[7];
	static const uint32_t oids[7] = {PG_OID_INT4, PG_OID_INT4, PG_OID_TEXT, PG_OID_TEXT,
					 PG_OID_TEXT, PG_OID_TEXT, PG_OID_TEXT};
	for (int j = 0; j < 7; j++)
		pg_arr_init(&a[j], oids[j]);
	for (size_t i = 0; i < b->n; i++) {
		const struct protocol_event *e = &b->ev[i];
		pg_arr_int4(&a[0], (int32_t)i);
		pg_arr_int4(&a[1], event_type_db(e->type));
		pg_arr_text(&a[2], e->type == EVENT_VOID ? NULL : e->participant_id, true);
		pg_arr_text(&a[3], e->type == EVENT_CHECKIN ? e->session_id : NULL, true);
		pg_arr_text(&a[4], e->type == EVENT_VOID ? e->voids_id : NULL, true);
		pg_arr_text(&a[5], e->id, false);
		pg_arr_text(&a[6], e->type == EVENT_CARD_LINK ? b->st[i].uid : NULL, true);
	}
	const char *vals[8] = {k->facility_id};
	int lens[8] = {0}, fmts[8] = {0};
	enum blippa_err rc = BLIPPA_OK;
	for (int j = 0; j < 7; j++) {
		if (!pg_arr_finish(&a[j]))
			rc = BLIPPA_ERR_NOMEM;
		vals[j + 1] = a[j].buf;
		lens[j + 1] = (int)a[j].len;
		fmts[j + 1] = 1;
	}
	PGresult *res = NULL;
	if (rc == BLIPPA_OK)
		res = pg_run(c, PQ_EV_CHECK, 8, vals, lens, fmts, &rc);
	for (int r = 0; rc == BLIPPA_OK && r < PQntuples(res); r++) {
		long i = atol(PQgetvalue(res, r, 0));
		if (i < 0 || (size_t)i >= b->n) {
			rc = BLIPPA_ERR_IO;
			break;
		}
		struct ev_state *s = &b->st[i];
		if (s->reason != R_UID) /* the UID is judged first, as in SQLite */
			s->reason = atoi(PQgetvalue(res, r, 1));
		s->existed = PQgetvalue(res, r, 2)[0] == 't';
	}
	PQclear(res);
	for (int j = 0; j < 7; j++)
		pg_arr_free(&a[j]);
	return rc;
}

/* A void of a check-in that is not stored yet is still good when that
 * check-in is acceptable and comes earlier in this very batch. */
static void batch_voids(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		if (b->ev[i].type != EVENT_VOID || b->st[i].reason != R_EVENT)
			continue;
		for (size_t p = by_id_find(b, b->ev[i].voids_id);
		     p < b->n && strcmp(b->by_id[p].id, b->ev[i].voids_id) == 0; p++) {
			size_t j = b->by_id[p].i;
			if (j < i && b->ev[j].type == EVENT_CHECKIN && b->st[j].reason == R_OK) {
				b->st[i].reason = R_OK;
				break;
			}
		}
	}
}

/* Marks, per id not stored before, the first acceptable row as the one to
 * insert. True if a card link is among them (it needs more than one
 * statement, so an explicit transaction). */
static bool batch_mark(struct batch *b)
{
	bool links = false;
	for (size_t p = 0; p < b->n; p++) {
		size_t i = b->by_id[p].i;
		if (p > 0 && strcmp(b->by_id[p - 1].id, b->ev[i].id) == 0)
			continue; /* not the first row of its id */
		for (size_t q = p; q < b->n && strcmp(b->by_id[q].id, b->ev[i].id) == 0; q++) {
			size_t j = b->by_id[q].i;
			if (!b->st[j].existed && b->st[j].reason == R_OK) {
				b->st[j].candidate = true;
				links = links || b->ev[j].type == EVENT_CARD_LINK;
				break;
			}
		}
	}
	return links;
}

/* Inserts the candidate rows (sorted by id: no lock-order deadlocks between
 * batches with overlapping ids) and marks those that were stored now. */
static enum blippa_err batch_insert(struct pg_conn *c, const struct srv_kiosk *k, int64_t now_ms,
				    struct batch *b)
{
	struct pg_arr a[8];
	static const uint32_t oids[8] = {PG_OID_TEXT, PG_OID_INT4, PG_OID_INT8, PG_OID_INT4,
					 PG_OID_TEXT, PG_OID_TEXT, PG_OID_TEXT, PG_OID_TEXT};
	for (int j = 0; j < 8; j++)
		pg_arr_init(&a[j], oids[j]);
	for (size_t p = 0; p < b->n; p++) {
		size_t i = b->by_id[p].i;
		if (!b->st[i].candidate)
			continue;
		const struct protocol_event *e = &b->ev[i];
		pg_arr_text(&a[0], e->id, false);
		pg_arr_int4(&a[1], event_type_db(e->type));
		pg_arr_int8(&a[2], e->at_ms);
		if (e->type == EVENT_CHECKIN)
			pg_arr_int4(&a[3], checkin_method_db(e->method));
		else
			pg_arr_null(&a[3]);
		pg_arr_text(&a[4], e->type == EVENT_VOID ? NULL : e->participant_id, true);
		pg_arr_text(&a[5], e->type == EVENT_CHECKIN ? e->session_id : NULL, true);
		pg_arr_text(&a[6], e->type == EVENT_VOID ? e->voids_id : NULL, true);
		pg_arr_text(&a[7], e->type == EVENT_CARD_LINK ? b->st[i].uid : NULL, true);
	}
	char now[24];
	snprintf(now, sizeof(now), "%lld", (long long)now_ms);
	const char *vals[11] = {k->id, k->facility_id, now};
	int lens[11] = {0}, fmts[11] = {0};
	enum blippa_err rc = BLIPPA_OK;
	bool any = a[0].n > 0;
	for (int j = 0; j < 8; j++) {
		if (!pg_arr_finish(&a[j]))
			rc = BLIPPA_ERR_NOMEM;
		vals[j + 3] = a[j].buf;
		lens[j + 3] = (int)a[j].len;
		fmts[j + 3] = 1;
	}
	PGresult *res = NULL;
	if (rc == BLIPPA_OK && any)
		res = pg_run(c, PQ_EV_INS, 11, vals, lens, fmts, &rc);
	for (int r = 0; rc == BLIPPA_OK && any && r < PQntuples(res); r++) {
		for (size_t p = by_id_find(b, PQgetvalue(res, r, 0));
		     p < b->n && strcmp(b->by_id[p].id, PQgetvalue(res, r, 0)) == 0; p++)
			if (b->st[b->by_id[p].i].candidate)
				b->st[b->by_id[p].i].inserted = true;
	}
	PQclear(res);
	for (int j = 0; j < 8; j++)
		pg_arr_free(&a[j]);
	return rc;
}

/* Per-row results from the states; rows of an id are judged in batch order. */
static void batch_results(struct batch *b, struct protocol_result *res)
{
	for (size_t p = 0; p < b->n;) {
		size_t q = p, cand = b->n;
		bool stored_elsewhere = false;
		while (q < b->n && strcmp(b->by_id[q].id, b->by_id[p].id) == 0) {
			size_t j = b->by_id[q++].i;
			if (b->st[j].candidate) {
				cand = j;
				stored_elsewhere = !b->st[j].inserted;
			}
			stored_elsewhere = stored_elsewhere || b->st[j].existed;
		}
		for (size_t r = p; r < q; r++) {
			size_t i = b->by_id[r].i;
			struct protocol_result *o = &res[i];
			snprintf(o->id, sizeof(o->id), "%s", b->ev[i].id);
			o->reason[0] = '\0';
			if (stored_elsewhere || (cand < b->n && i > cand)) {
				o->status = PROTOCOL_DUPLICATE;
			} else if (i == cand) {
				o->status = PROTOCOL_ACCEPTED;
			} else {
				o->status = PROTOCOL_REJECTED;
				snprintf(o->reason, sizeof(o->reason), "%s",
					 b->st[i].reason > R_OK && b->st[i].reason <= R_UID
					     ? srv_reason_text((enum srv_reason)b->st[i].reason)
					     : "rejected");
			}
		}
		p = q;
	}
}

/* The whole batch. The checks are one read-only statement; the writes are
 * one INSERT (a transaction by itself) or, with card links, BEGIN, the
 * INSERT, the card changes and the version bump, COMMIT. Reading before
 * writing is safe here: the primary key, not the check, decides accepted
 * versus duplicate, and a READ COMMITTED transaction around both would see
 * the same roster changes between its statements. */
static enum blippa_err batch_run(struct pg_conn *c, const struct srv_kiosk *k, int64_t now_ms,
				 struct batch *b, struct protocol_result *res)
{
	for (size_t i = 0; i < b->n; i++) {
		memset(&b->st[i], 0, sizeof(b->st[i]));
		if (b->ev[i].type == EVENT_CARD_LINK &&
		    !uid_hex_normalize(b->ev[i].card_uid, b->st[i].uid))
			b->st[i].reason = R_UID;
	}
	enum blippa_err rc = batch_check(c, k, b);
	if (rc != BLIPPA_OK)
		return rc;
	batch_voids(b);
	if (!batch_mark(b)) {
		rc = batch_insert(c, k, now_ms, b);
		if (rc == BLIPPA_OK)
			batch_results(b, res);
		return rc;
	}
	rc = pg_tx_begin(c);
	if (rc != BLIPPA_OK)
		return rc;
	bool bump = false;
	enum blippa_err r2 = batch_insert(c, k, now_ms, b);
	if (r2 == BLIPPA_OK)
		batch_results(b, res);
	for (size_t i = 0; r2 == BLIPPA_OK && i < b->n; i++) {
		if (res[i].status != PROTOCOL_ACCEPTED || b->ev[i].type != EVENT_CARD_LINK)
			continue;
		const char *v[] = {b->st[i].uid, b->ev[i].participant_id};
		r2 = pg_run_cmd(c, PQ_CARD_UNLINK, 2, v, NULL, NULL, NULL);
		if (r2 == BLIPPA_OK)
			r2 = pg_run_cmd(c, PQ_CARD_LINK, 2, v, NULL, NULL, NULL);
		bump = true;
	}
	if (r2 == BLIPPA_OK && bump) /* the roster changed: new ETag */
		r2 = pg_run_cmd(c, PQ_VERSION_BUMP, 0, NULL, NULL, NULL, NULL);
	return pg_tx_end(c, r2);
}

enum blippa_err pg_ingest(void *impl, const struct srv_kiosk *k, const struct protocol_event *ev,
			  size_t n, int64_t now_ms, struct protocol_result *res)
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	struct batch b = {.ev = ev, .n = n};
	if (n == 0)
		return BLIPPA_OK;
	if (n > PROTOCOL_BATCH_MAX)
		return BLIPPA_ERR_TOO_BIG;
	b.st = calloc(n, sizeof(*b.st));
	b.by_id = calloc(n, sizeof(*b.by_id));
	enum blippa_err rc = b.st && b.by_id ? pg_conn_get(im, &c) : BLIPPA_ERR_NOMEM;
	if (rc != BLIPPA_OK)
		goto out;
	by_id_sort(&b);
	/* Retried whole: after a deadlock or serialization failure (rolled
	 * back), or a lost connection (then the batch may have committed: the
	 * retry answers duplicate for it, which the kiosk takes as success). */
	for (int attempt = 0; attempt < INGEST_ATTEMPTS; attempt++) {
		rc = batch_run(c, k, now_ms, &b, res);
		if (rc == BLIPPA_OK)
			break;
		if (pg_conn_broken(c)) {
			if (pg_conn_reset(c) != BLIPPA_OK)
				break;
		} else if (rc != BLIPPA_ERR_BUSY) {
			break;
		}
		log_warn("pg", "kiosk %s: batch of %zu events retried (%s)", k->id, n,
			 blippa_strerror(rc));
	}
out:
	pg_conn_put(im, c);
	free(b.st);
	free(b.by_id);
	return rc;
}

/* ------------------------------------------------------------- heartbeat */

enum blippa_err pg_heartbeat(void *impl, const char *kiosk_id, const struct protocol_heartbeat *hb,
			     int64_t now_ms)
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	char now[24], pend[24], age[24], kt[24];
	snprintf(now, sizeof(now), "%lld", (long long)now_ms);
	snprintf(pend, sizeof(pend), "%lld", (long long)hb->pending);
	snprintf(age, sizeof(age), "%lld", (long long)hb->oldest_pending_age_s);
	snprintf(kt, sizeof(kt), "%lld", (long long)hb->time_ms);
	const char *v[] = {kiosk_id, now, hb->version, pend, age, hb->reader, hb->last_error, kt};
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc == BLIPPA_OK) /* idempotent: retried once on a lost connection */
		RETRY_READ(c, rc, pg_run_cmd(c, PQ_HEARTBEAT, 8, v, NULL, NULL, NULL));
	pg_conn_put(im, c);
	return rc;
}

/* ---------------------------------------------------------------- export */

/* Streams the export rows (single-row mode: memory stays flat). */
static enum blippa_err export_run(struct pg_conn *c, const struct srv_export_filter *f,
				  srv_export_fn fn, void *ctx)
{
	char name[16];
	enum blippa_err rc = pg_prepare(c, PQ_EXPORT, name);
	if (rc != BLIPPA_OK)
		return rc;
	const char *v[] = {f->facility_id, f->from_date, f->to_date};
	if (!PQsendQueryPrepared(c->pg, name, 3, v, NULL, NULL, 0))
		return pg_result_err(c, NULL);
	PQsetSingleRowMode(c->pg); /* if refused, the rows come in one result */
	bool stop = false;
	PGresult *res;
	while ((res = PQgetResult(c->pg)) != NULL) {
		ExecStatusType st = PQresultStatus(res);
		if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && rc == BLIPPA_OK)
			rc = pg_result_err(c, res);
		for (int r = 0; rc == BLIPPA_OK && !stop && r < PQntuples(res); r++) {
#define C(k) PQgetvalue(res, r, k)
			struct srv_export_row row = {
			    .facility_id = C(0),
			    .timezone = C(1),
			    .group_id = C(2),
			    .session_id = C(3),
			    .session_start = C(4),
			    .participant_id = C(5),
			    .given_name = C(6),
			    .family_name = C(7),
			    .present = !PQgetisnull(res, r, 8),
			    .at_ms = strtoll(C(8), NULL, 10),
			    .method = (enum checkin_method)atoi(C(9)),
			    .kiosk_id = C(10),
			};
#undef C
			stop = fn(ctx, &row) != 0;
		}
		PQclear(res); /* drain to the end even after a stop */
	}
	return rc;
}

enum blippa_err pg_export(void *impl, const struct srv_export_filter *f, srv_export_fn fn,
			  void *ctx)
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc == BLIPPA_OK) /* memory for sorting a region's check-ins, this query only */
		rc = pg_exec_simple(c, "BEGIN READ ONLY; SET LOCAL work_mem = '64MB'");
	if (rc == BLIPPA_OK)
		rc = pg_tx_end(c, export_run(c, f, fn, ctx));
	pg_conn_put(im, c);
	return rc;
}

enum blippa_err pg_export_open(void *impl, const char *facility_id, srv_export_fn fn, void *ctx)
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	PGresult *res = NULL;
	char name[16];
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc == BLIPPA_OK)
		rc = pg_prepare(c, PQ_EXPORT_OPEN, name);
	if (rc == BLIPPA_OK) {
		const char *v[] = {facility_id};
		res = PQexecPrepared(c->pg, name, 1, v, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			rc = pg_result_err(c, res);
	}
	for (int r = 0; rc == BLIPPA_OK && r < PQntuples(res); r++) {
#define C(k) PQgetvalue(res, r, k)
		struct srv_export_row row = {
		    .facility_id = C(0),
		    .timezone = C(1),
		    .participant_id = C(2),
		    .given_name = C(3),
		    .family_name = C(4),
		    .present = true,
		    .at_ms = strtoll(C(5), NULL, 10),
		    .method = (enum checkin_method)atoi(C(6)),
		    .kiosk_id = C(7),
		    .open_training = true,
		};
#undef C
		if (fn(ctx, &row) != 0)
			break;
	}
	PQclear(res);
	pg_conn_put(im, c);
	return rc;
}
