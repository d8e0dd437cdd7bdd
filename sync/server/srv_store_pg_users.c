/* SPDX-License-Identifier: MIT */
/* PostgreSQL backend of srv_store.h: back-office staff accounts, the
 * facility list and staff corrections (schema v3; the SQLite twin is
 * srv_store_sqlite_users.c). Rarely run, so plain parameterised queries
 * (PQexecParams) rather than statements prepared per connection. */
#include "srv_store_pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uuid.h"

/* One parameterised query on c; result (caller clears) or NULL, *rc set. */
static PGresult *q(struct pg_conn *c, const char *sql, int n, const char *const *v,
		   enum blippa_err *rc)
{
	PGresult *res = PQexecParams(c->pg, sql, n, NULL, v, NULL, NULL, 0);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	*rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? BLIPPA_OK : pg_result_err(c, res);
	return res;
}

static enum blippa_err cmd(struct pg_conn *c, const char *sql, int n, const char *const *v,
			   long *changed)
{
	enum blippa_err rc;
	PGresult *res = q(c, sql, n, v, &rc);
	if (rc == BLIPPA_OK && changed)
		*changed += strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return rc;
}

enum blippa_err pg_add_user(void *impl, const struct srv_user *u)
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	char role[4], created[24];
	snprintf(role, sizeof(role), "%d", (int)u->role);
	snprintf(created, sizeof(created), "%lld", (long long)u->created_ms);
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	rc = pg_tx_begin(c);
	if (rc != BLIPPA_OK)
		goto out;
	enum blippa_err r2 = BLIPPA_OK;
	for (size_t i = 0; r2 == BLIPPA_OK && i < u->n_facilities; i++) {
		const char *v[] = {u->facilities[i]};
		PGresult *res = q(c, "SELECT 1 FROM facilities WHERE id = $1", 1, v, &r2);
		if (r2 == BLIPPA_OK && PQntuples(res) == 0)
			r2 = BLIPPA_ERR_NOT_FOUND;
		PQclear(res);
	}
	if (r2 == BLIPPA_OK) {
		const char *v[] = {u->name, role, u->pw_hash, created};
		r2 = cmd(c, "INSERT INTO users VALUES($1, $2, $3, $4)", 4, v, NULL);
	}
	for (size_t i = 0; r2 == BLIPPA_OK && i < u->n_facilities; i++) {
		const char *v[] = {u->name, u->facilities[i]};
		r2 = cmd(c, "INSERT INTO user_facilities VALUES($1, $2) ON CONFLICT DO NOTHING", 2,
			 v, NULL);
	}
	rc = pg_tx_end(c, r2);
out:
	pg_conn_put(im, c);
	return rc;
}

enum blippa_err pg_get_user(void *impl, const char *name, struct srv_user *out)
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	const char *v[] = {name};
	memset(out, 0, sizeof(*out));
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	PGresult *res =
	    q(c, "SELECT name, role, pw_hash, created_ms FROM users WHERE name = $1", 1, v, &rc);
	if (rc == BLIPPA_OK && PQntuples(res) == 1) {
		snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(res, 0, 0));
		out->role = (enum srv_role)atoi(PQgetvalue(res, 0, 1));
		snprintf(out->pw_hash, sizeof(out->pw_hash), "%s", PQgetvalue(res, 0, 2));
		out->created_ms = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	} else if (rc == BLIPPA_OK) {
		rc = BLIPPA_ERR_NOT_FOUND;
	}
	PQclear(res);
	if (rc == BLIPPA_OK) {
		res = q(c,
			"SELECT facility_id FROM user_facilities WHERE user_name = $1"
			" ORDER BY facility_id",
			1, v, &rc);
		for (int i = 0; rc == BLIPPA_OK && i < PQntuples(res) &&
				out->n_facilities < SRV_USER_FACILITIES_MAX;
		     i++)
			snprintf(out->facilities[out->n_facilities++], SRV_ID_MAX + 1, "%s",
				 PQgetvalue(res, i, 0));
		PQclear(res);
	}
	pg_conn_put(im, c);
	return rc;
}

/* One write transaction of up to two commands; NOT_FOUND if the first
 * touched no row. */
static enum blippa_err write2(struct pg_impl *im, const char *sql1, const char *sql2, int n,
			      const char *const *v)
{
	struct pg_conn *c = NULL;
	long changed = 0;
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	rc = pg_tx_begin(c);
	if (rc == BLIPPA_OK) {
		enum blippa_err r2 = cmd(c, sql1, n, v, &changed);
		if (r2 == BLIPPA_OK && changed == 0)
			r2 = BLIPPA_ERR_NOT_FOUND;
		if (r2 == BLIPPA_OK && sql2)
			r2 = cmd(c, sql2, 1, v, NULL);
		rc = pg_tx_end(c, r2);
	}
	pg_conn_put(im, c);
	return rc;
}

enum blippa_err pg_set_password(void *impl, const char *name, const char *hash)
{
	const char *v[] = {name, hash};
	return write2(impl, "UPDATE users SET pw_hash = $2 WHERE name = $1", NULL, 2, v);
}

enum blippa_err pg_remove_user(void *impl, const char *name)
{
	const char *v[] = {name};
	return write2(impl, "DELETE FROM users WHERE name = $1",
		      "DELETE FROM user_facilities WHERE user_name = $1", 1, v);
}

enum blippa_err pg_list_users(void *impl, srv_user_fn fn, void *ctx)
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	struct srv_user_fold f;
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	srv_user_fold_init(&f, fn, ctx);
	PGresult *res = q(c,
			  "SELECT u.name, u.role, u.created_ms, f.facility_id FROM users u"
			  " LEFT JOIN user_facilities f ON f.user_name = u.name"
			  " ORDER BY u.name, f.facility_id",
			  0, NULL, &rc);
	for (int i = 0; rc == BLIPPA_OK && i < PQntuples(res); i++)
		if (!srv_user_fold_row(&f, PQgetvalue(res, i, 0), atoi(PQgetvalue(res, i, 1)),
				       strtoll(PQgetvalue(res, i, 2), NULL, 10),
				       PQgetisnull(res, i, 3) ? NULL : PQgetvalue(res, i, 3)))
			break;
	if (rc == BLIPPA_OK)
		srv_user_fold_end(&f);
	PQclear(res);
	pg_conn_put(im, c);
	return rc;
}

enum blippa_err pg_list_facilities(void *impl, srv_facility_fn fn, void *ctx)
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	PGresult *res = q(c, "SELECT id, name, timezone FROM facilities ORDER BY id", 0, NULL, &rc);
	for (int i = 0; rc == BLIPPA_OK && i < PQntuples(res); i++)
		if (fn(ctx, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2)) !=
		    0)
			break;
	PQclear(res);
	pg_conn_put(im, c);
	return rc;
}

static enum blippa_err insert_event(struct pg_conn *c, const struct srv_correction *k, bool void_,
				    const char *voids)
{
	char id[UUID_STR_LEN], kiosk[SRV_USER_MAX + 8], at[24], method[4];
	uuid7_make(k->at_ms, id);
	snprintf(kiosk, sizeof(kiosk), "staff:%s", k->user);
	snprintf(at, sizeof(at), "%lld", (long long)k->at_ms);
	snprintf(method, sizeof(method), "%d", (int)CHECKIN_LEADER);
	const char *v[] = {id,
			   kiosk,
			   k->facility_id,
			   void_ ? "1" : "0",
			   at,
			   void_ ? NULL : method,
			   void_ ? NULL : k->participant_id,
			   void_ ? NULL : k->session_id,
			   voids};
	return cmd(
	    c,
	    "INSERT INTO events(id, kiosk_id, facility_id, type, at_ms, method,"
	    " participant_id, session_id, voids_id, card_uid, received_ms)"
	    " VALUES($1, $2, $3, $4::int, $5::bigint, $6::int, $7, $8, $9, NULL, $5::bigint)",
	    9, v, NULL);
}

enum blippa_err pg_correct(void *impl, const struct srv_correction *k)
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	char at[24];
	snprintf(at, sizeof(at), "%lld", (long long)k->at_ms);
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	rc = pg_tx_begin(c);
	if (rc != BLIPPA_OK)
		goto out;
	enum blippa_err r2;
	const char *lv[] = {k->session_id, k->participant_id};
	PGresult *res = q(c,
			  "SELECT e.id FROM events e WHERE e.type = " EVENT_DB_CHECKIN_SQL
			  " AND e.session_id = $1"
			  " AND e.participant_id = $2 AND NOT EXISTS (SELECT 1 FROM events v"
			  " WHERE v.type = " EVENT_DB_VOID_SQL " AND v.voids_id = e.id) FOR UPDATE",
			  2, lv, &r2);
	int n = r2 == BLIPPA_OK ? PQntuples(res) : 0;
	if (r2 == BLIPPA_OK && k->present && n == 0)
		r2 = insert_event(c, k, false, NULL);
	for (int i = 0; r2 == BLIPPA_OK && !k->present && i < n; i++)
		r2 = insert_event(c, k, true, PQgetvalue(res, i, 0));
	PQclear(res);
	if (r2 == BLIPPA_OK) {
		const char *v[] = {
		    k->facility_id,	    k->group_id, k->session_id, k->participant_id,
		    k->present ? "1" : "0", k->user,	 k->reason,	at};
		r2 = cmd(c,
			 "INSERT INTO corrections(facility_id, group_id, session_id,"
			 " participant_id, present, user_name, reason, at_ms)"
			 " VALUES($1, $2, $3, $4, $5::int, $6, $7, $8::bigint)",
			 8, v, NULL);
	}
	rc = pg_tx_end(c, r2);
out:
	pg_conn_put(im, c);
	return rc;
}

enum blippa_err pg_list_corrections(void *impl, const char *group_id, srv_correction_fn fn,
				    void *ctx)
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	const char *v[] = {group_id};
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	PGresult *res = q(c,
			  "SELECT facility_id, group_id, session_id, participant_id, present,"
			  " user_name, reason, at_ms FROM corrections WHERE group_id = $1"
			  " ORDER BY id DESC",
			  1, v, &rc);
	for (int i = 0; rc == BLIPPA_OK && i < PQntuples(res); i++) {
		struct srv_correction k = {.facility_id = PQgetvalue(res, i, 0),
					   .group_id = PQgetvalue(res, i, 1),
					   .session_id = PQgetvalue(res, i, 2),
					   .participant_id = PQgetvalue(res, i, 3),
					   .present = atoi(PQgetvalue(res, i, 4)) != 0,
					   .user = PQgetvalue(res, i, 5),
					   .reason = PQgetvalue(res, i, 6),
					   .at_ms = strtoll(PQgetvalue(res, i, 7), NULL, 10)};
		if (fn(ctx, &k) != 0)
			break;
	}
	PQclear(res);
	pg_conn_put(im, c);
	return rc;
}
