/* SPDX-License-Identifier: MIT */
/* SQLite backend of srv_store.h: back-office staff accounts (users,
 * user_facilities; schema v3) and the facility list the web pages need.
 * Rarely run (admin commands, one login per session), so the statements are
 * prepared per call rather than kept in the connection's statement table.
 * Also staff corrections of attendance (events by "staff:<user>" plus the
 * reason in corrections). */
#include "srv_store_sqlite_int.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "uuid.h"

static enum blippa_err prep(struct sq_conn *c, const char *sql, sqlite3_stmt **s)
{
	return sq_err(sqlite3_prepare_v2(c->db, sql, -1, s, NULL));
}

static enum blippa_err step_done(sqlite3_stmt *s)
{
	int src = sqlite3_step(s);
	return src == SQLITE_DONE || src == SQLITE_ROW ? BLIPPA_OK : sq_err(src);
}

enum blippa_err sq_add_user(void *impl, const struct srv_user *u)
{
	struct sq_impl *im = impl;
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	rc = sq_tx_begin(im, c);
	if (rc != BLIPPA_OK)
		goto out;
	rc = prep(c, "SELECT 1 FROM users WHERE name = ?1", &s);
	if (rc == BLIPPA_OK) {
		sqlite3_bind_text(s, 1, u->name, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			rc = BLIPPA_ERR_EXISTS;
	}
	sqlite3_finalize(s);
	s = NULL;
	for (size_t i = 0; rc == BLIPPA_OK && i < u->n_facilities; i++) {
		rc = prep(c, "SELECT 1 FROM facilities WHERE id = ?1", &s);
		if (rc == BLIPPA_OK) {
			sqlite3_bind_text(s, 1, u->facilities[i], -1, SQLITE_STATIC);
			if (sqlite3_step(s) != SQLITE_ROW)
				rc = BLIPPA_ERR_NOT_FOUND;
		}
		sqlite3_finalize(s);
		s = NULL;
	}
	if (rc == BLIPPA_OK)
		rc = prep(c, "INSERT INTO users VALUES(?1, ?2, ?3, ?4)", &s);
	if (rc == BLIPPA_OK) {
		sqlite3_bind_text(s, 1, u->name, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 2, (int)u->role);
		sqlite3_bind_text(s, 3, u->pw_hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, u->created_ms);
		rc = step_done(s);
	}
	sqlite3_finalize(s);
	s = NULL;
	for (size_t i = 0; rc == BLIPPA_OK && i < u->n_facilities; i++) {
		rc = prep(c, "INSERT OR IGNORE INTO user_facilities VALUES(?1, ?2)", &s);
		if (rc == BLIPPA_OK) {
			sqlite3_bind_text(s, 1, u->name, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 2, u->facilities[i], -1, SQLITE_STATIC);
			rc = step_done(s);
		}
		sqlite3_finalize(s);
		s = NULL;
	}
	rc = sq_tx_end(im, c, rc);
out:
	sq_conn_put(im, c);
	return rc;
}

enum blippa_err sq_get_user(void *impl, const char *name, struct srv_user *out)
{
	struct sq_impl *im = impl;
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	memset(out, 0, sizeof(*out));
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	rc = prep(c, "SELECT name, role, pw_hash, created_ms FROM users WHERE name = ?1", &s);
	if (rc == BLIPPA_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		int src = sqlite3_step(s);
		if (src == SQLITE_ROW) {
			snprintf(out->name, sizeof(out->name), "%s", COL(s, 0));
			out->role = (enum srv_role)sqlite3_column_int(s, 1);
			snprintf(out->pw_hash, sizeof(out->pw_hash), "%s", COL(s, 2));
			out->created_ms = sqlite3_column_int64(s, 3);
		} else {
			rc = src == SQLITE_DONE ? BLIPPA_ERR_NOT_FOUND : sq_err(src);
		}
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc == BLIPPA_OK)
		rc = prep(c,
			  "SELECT facility_id FROM user_facilities WHERE user_name = ?1"
			  " ORDER BY facility_id",
			  &s);
	if (rc == BLIPPA_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		while (sqlite3_step(s) == SQLITE_ROW && out->n_facilities < SRV_USER_FACILITIES_MAX)
			snprintf(out->facilities[out->n_facilities++], SRV_ID_MAX + 1, "%s",
				 COL(s, 0));
	}
	sqlite3_finalize(s);
	sq_conn_put(im, c);
	return rc;
}

/* Runs one statement on c with name as ?1 and, unless NULL, text2 as ?2.
 * must_change: BLIPPA_ERR_NOT_FOUND when it changed no row. */
static enum blippa_err exec_for_user(struct sq_conn *c, const char *sql, const char *name,
				     const char *text2, bool must_change)
{
	sqlite3_stmt *s = NULL;
	enum blippa_err rc = prep(c, sql, &s);
	if (rc == BLIPPA_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		if (text2)
			sqlite3_bind_text(s, 2, text2, -1, SQLITE_STATIC);
		rc = step_done(s);
		if (rc == BLIPPA_OK && must_change && sqlite3_changes(c->db) == 0)
			rc = BLIPPA_ERR_NOT_FOUND;
	}
	sqlite3_finalize(s);
	return rc;
}

struct pw_args {
	const char *name, *pw_hash;
};

static enum blippa_err set_password_tx(struct sq_conn *c, void *ctx)
{
	const struct pw_args *a = ctx;
	return exec_for_user(c, "UPDATE users SET pw_hash = ?2 WHERE name = ?1", a->name,
			     a->pw_hash, true);
}

enum blippa_err sq_set_password(void *impl, const char *name, const char *pw_hash)
{
	struct pw_args a = {name, pw_hash};
	return sq_write_tx(impl, set_password_tx, &a);
}

static enum blippa_err remove_user_tx(struct sq_conn *c, void *ctx)
{
	const char *name = ((const struct pw_args *)ctx)->name;
	enum blippa_err rc =
	    exec_for_user(c, "DELETE FROM users WHERE name = ?1", name, NULL, true);
	if (rc == BLIPPA_OK)
		rc = exec_for_user(c, "DELETE FROM user_facilities WHERE user_name = ?1", name,
				   NULL, false);
	return rc;
}

enum blippa_err sq_remove_user(void *impl, const char *name)
{
	struct pw_args a = {name, NULL};
	return sq_write_tx(impl, remove_user_tx, &a);
}

enum blippa_err sq_list_users(void *impl, srv_user_fn fn, void *ctx)
{
	struct sq_impl *im = impl;
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	struct srv_user_fold f;
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	srv_user_fold_init(&f, fn, ctx);
	rc = prep(c,
		  "SELECT u.name, u.role, u.created_ms, f.facility_id FROM users u"
		  " LEFT JOIN user_facilities f ON f.user_name = u.name"
		  " ORDER BY u.name, f.facility_id",
		  &s);
	int src = SQLITE_DONE;
	while (rc == BLIPPA_OK && (src = sqlite3_step(s)) == SQLITE_ROW)
		if (!srv_user_fold_row(&f, COL(s, 0), sqlite3_column_int(s, 1),
				       sqlite3_column_int64(s, 2), COL(s, 3)))
			goto out;
	if (rc == BLIPPA_OK && src != SQLITE_DONE)
		rc = sq_err(src);
	if (rc == BLIPPA_OK)
		srv_user_fold_end(&f);
out:
	sqlite3_finalize(s);
	sq_conn_put(im, c);
	return rc;
}

enum blippa_err sq_list_facilities(void *impl, srv_facility_fn fn, void *ctx)
{
	struct sq_impl *im = impl;
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	rc = prep(c, "SELECT id, name, timezone FROM facilities ORDER BY id", &s);
	int src = SQLITE_DONE;
	while (rc == BLIPPA_OK && (src = sqlite3_step(s)) == SQLITE_ROW)
		if (fn(ctx, COL(s, 0), COL(s, 1), COL(s, 2)) != 0)
			goto out;
	if (rc == BLIPPA_OK && src != SQLITE_DONE)
		rc = sq_err(src);
out:
	sqlite3_finalize(s);
	sq_conn_put(im, c);
	return rc;
}

/* A live check-in: not voided. */
#define LIVE_CHECKINS                                                                              \
	"SELECT e.id FROM events e WHERE e.type = " EVENT_DB_CHECKIN_SQL " AND e.session_id = ?1"  \
	" AND e.participant_id = ?2 AND NOT EXISTS"                                                \
	" (SELECT 1 FROM events v WHERE v.type = " EVENT_DB_VOID_SQL " AND v.voids_id = e.id)"

static enum blippa_err insert_event(struct sq_conn *c, const struct srv_correction *k, int type,
				    const char *voids)
{
	sqlite3_stmt *s = NULL;
	char id[UUID_STR_LEN], kiosk[SRV_USER_MAX + 8];
	uuid7_make(k->at_ms, id);
	snprintf(kiosk, sizeof(kiosk), "staff:%s", k->user);
	enum blippa_err rc =
	    prep(c,
		 "INSERT INTO events(id, kiosk_id, facility_id, type, at_ms, method,"
		 " participant_id, session_id, voids_id, card_uid, received_ms)"
		 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL, ?5)",
		 &s);
	if (rc == BLIPPA_OK) {
		sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, kiosk, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, k->facility_id, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 4, type);
		sqlite3_bind_int64(s, 5, k->at_ms);
		if (type == 0) {
			sqlite3_bind_int(s, 6, CHECKIN_LEADER);
			sqlite3_bind_text(s, 7, k->participant_id, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 8, k->session_id, -1, SQLITE_STATIC);
		} else {
			sqlite3_bind_text(s, 9, voids, -1, SQLITE_TRANSIENT);
		}
		rc = step_done(s);
	}
	sqlite3_finalize(s);
	return rc;
}

enum blippa_err sq_correct(void *impl, const struct srv_correction *k)
{
	struct sq_impl *im = impl;
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	char live[16][UUID_STR_LEN];
	size_t n = 0;
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	rc = sq_tx_begin(im, c);
	if (rc != BLIPPA_OK)
		goto out;
	rc = prep(c, LIVE_CHECKINS, &s);
	if (rc == BLIPPA_OK) {
		sqlite3_bind_text(s, 1, k->session_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, k->participant_id, -1, SQLITE_STATIC);
		while (n < 16 && sqlite3_step(s) == SQLITE_ROW)
			snprintf(live[n++], UUID_STR_LEN, "%s", COL(s, 0));
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc == BLIPPA_OK && k->present && n == 0)
		rc = insert_event(c, k, 0, NULL);
	for (size_t i = 0; rc == BLIPPA_OK && !k->present && i < n; i++)
		rc = insert_event(c, k, 1, live[i]);
	if (rc == BLIPPA_OK)
		rc = prep(c,
			  "INSERT INTO corrections(facility_id, group_id, session_id,"
			  " participant_id, present, user_name, reason, at_ms)"
			  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
			  &s);
	if (rc == BLIPPA_OK) {
		const char *v[] = {k->facility_id, k->group_id, k->session_id, k->participant_id};
		sq_bind_texts(s, v, 4);
		sqlite3_bind_int(s, 5, k->present);
		sqlite3_bind_text(s, 6, k->user, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 7, k->reason, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 8, k->at_ms);
		rc = step_done(s);
	}
	sqlite3_finalize(s);
	rc = sq_tx_end(im, c, rc);
out:
	sq_conn_put(im, c);
	return rc;
}

enum blippa_err sq_list_corrections(void *impl, const char *group_id, srv_correction_fn fn,
				    void *ctx)
{
	struct sq_impl *im = impl;
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	rc = prep(c,
		  "SELECT facility_id, group_id, session_id, participant_id, present, user_name,"
		  " reason, at_ms FROM corrections WHERE group_id = ?1 ORDER BY id DESC",
		  &s);
	int src = SQLITE_DONE;
	if (rc == BLIPPA_OK)
		sqlite3_bind_text(s, 1, group_id, -1, SQLITE_STATIC);
	while (rc == BLIPPA_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
		struct srv_correction k = {.facility_id = COL(s, 0),
					   .group_id = COL(s, 1),
					   .session_id = COL(s, 2),
					   .participant_id = COL(s, 3),
					   .present = sqlite3_column_int(s, 4) != 0,
					   .user = COL(s, 5),
					   .reason = COL(s, 6),
					   .at_ms = sqlite3_column_int64(s, 7)};
		if (fn(ctx, &k) != 0)
			goto out;
	}
	if (rc == BLIPPA_OK && src != SQLITE_DONE)
		rc = sq_err(src);
out:
	sqlite3_finalize(s);
	sq_conn_put(im, c);
	return rc;
}
