/* SPDX-License-Identifier: MIT */
/* PostgreSQL backend, kiosks and small reads: facilities, kiosk tokens,
 * leader PINs, token auth, the roster version, and the ops table of the
 * backend. Statements are run by id; their SQL is in srv_store_pg.c. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_store_pg_int.h"

/* One retry of a read after the connection broke and came back. */
#define RETRY_READ(c, rc, expr)                                                                    \
	for (int attempt_ = 0; attempt_ < 2; attempt_++) {                                         \
		rc = (expr);                                                                       \
		if (rc == BLIPPA_OK || rc == BLIPPA_ERR_NOT_FOUND || !pg_conn_broken(c) ||         \
		    pg_conn_reset(c) != BLIPPA_OK)                                                 \
			break;                                                                     \
	}

static enum blippa_err fac_get(struct pg_conn *c, const char *facility_id)
{
	enum blippa_err rc;
	const char *v[] = {facility_id};
	PGresult *res = pg_run(c, PQ_FAC_GET, 1, v, NULL, NULL, &rc);
	if (rc == BLIPPA_OK && PQntuples(res) == 0)
		rc = BLIPPA_ERR_NOT_FOUND;
	PQclear(res);
	return rc;
}

static enum blippa_err pg_facility_exists(void *impl, const char *facility_id)
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc == BLIPPA_OK)
		RETRY_READ(c, rc, fac_get(c, facility_id));
	pg_conn_put(im, c);
	return rc;
}

static enum blippa_err pg_add_kiosk(void *impl, const char *facility_id, const char *name,
				    const uint8_t hash[SRV_TOKEN_HASH_LEN], int64_t now_ms,
				    char id_out[SRV_ID_MAX + 1])
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	char now[24];
	enum blippa_err rc = pg_facility_exists(impl, facility_id);
	if (rc != BLIPPA_OK)
		return rc;
	rc = pg_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	snprintf(now, sizeof(now), "%lld", (long long)now_ms);
	for (int attempt = 0; attempt < 8; attempt++) {
		uint8_t rnd[4];
		randombytes_buf(rnd, sizeof(rnd));
		snprintf(id_out, SRV_ID_MAX + 1, "k-%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
			 rnd[3]);
		const char *v[] = {id_out, facility_id, name, (const char *)hash, now};
		const int lens[] = {0, 0, 0, SRV_TOKEN_HASH_LEN, 0};
		const int fmts[] = {0, 0, 0, 1, 0};
		/* a single INSERT is its own transaction */
		rc = pg_run_cmd(c, PQ_KIOSK_ADD, 5, v, lens, fmts, NULL);
		if (rc != BLIPPA_ERR_EXISTS)
			break; /* retry only an id collision */
	}
	pg_conn_put(im, c);
	return rc;
}

static void text_col(const PGresult *res, int row, int col, char *dst, size_t len)
{
	snprintf(dst, len, "%s", PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
}

static int64_t int_col(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static void kiosk_from_row(const PGresult *res, int row, struct srv_kiosk *k)
{
	memset(k, 0, sizeof(*k));
	text_col(res, row, 0, k->id, sizeof(k->id));
	text_col(res, row, 1, k->facility_id, sizeof(k->facility_id));
	text_col(res, row, 2, k->name, sizeof(k->name));
	k->created_ms = int_col(res, row, 3);
	k->revoked_ms = int_col(res, row, 4);
	k->last_seen_ms = int_col(res, row, 5);
	text_col(res, row, 6, k->version, sizeof(k->version));
	k->pending = int_col(res, row, 7);
	k->oldest_pending_age_s = int_col(res, row, 8);
	text_col(res, row, 9, k->reader, sizeof(k->reader));
	text_col(res, row, 10, k->last_error, sizeof(k->last_error));
	k->kiosk_time_ms = int_col(res, row, 11);
}

static enum blippa_err kiosks_get(struct pg_conn *c, PGresult **out)
{
	enum blippa_err rc;
	*out = pg_run(c, PQ_KIOSK_LIST, 0, NULL, NULL, NULL, &rc);
	if (rc != BLIPPA_OK) {
		PQclear(*out);
		*out = NULL;
	}
	return rc;
}

static enum blippa_err pg_list_kiosks(void *impl, srv_kiosk_fn fn, void *ctx)
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	PGresult *res = NULL;
	struct srv_kiosk k;
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc == BLIPPA_OK)
		RETRY_READ(c, rc, kiosks_get(c, &res));
	pg_conn_put(im, c);
	for (int i = 0; rc == BLIPPA_OK && i < PQntuples(res); i++) {
		kiosk_from_row(res, i, &k);
		k.clock_flagged = int_col(res, i, 12);
		if (fn(ctx, &k) != 0)
			break;
	}
	PQclear(res);
	return rc;
}

/* One UPDATE (its own transaction, plus the roster version bump for a PIN);
 * NOT_FOUND when no row matched. */
static enum blippa_err update_one(struct pg_impl *im, enum pg_stmt id, const char *key,
				  const char *val)
{
	struct pg_conn *c = NULL;
	long changed = 0;
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	rc = pg_tx_begin(c);
	if (rc == BLIPPA_OK) {
		const char *v[] = {key, val};
		enum blippa_err r2 = pg_run_cmd(c, id, 2, v, NULL, NULL, &changed);
		if (r2 == BLIPPA_OK && changed == 0)
			r2 = BLIPPA_ERR_NOT_FOUND;
		if (r2 == BLIPPA_OK && id == PQ_PIN_SET)
			r2 = pg_run_cmd(c, PQ_VERSION_BUMP, 0, NULL, NULL, NULL, NULL);
		rc = pg_tx_end(c, r2);
	}
	pg_conn_put(im, c);
	return rc;
}

static enum blippa_err pg_revoke_kiosk(void *impl, const char *kiosk_id, int64_t now_ms)
{
	char now[24];
	snprintf(now, sizeof(now), "%lld", (long long)now_ms);
	return update_one(impl, PQ_KIOSK_REVOKE, kiosk_id, now);
}

static enum blippa_err pg_set_leader_pin(void *impl, const char *leader_id, const char *hash)
{
	return update_one(impl, PQ_PIN_SET, leader_id, hash);
}

static enum blippa_err auth_get(struct pg_conn *c, const uint8_t hash[SRV_TOKEN_HASH_LEN],
				struct srv_kiosk *out)
{
	enum blippa_err rc;
	const char *v[] = {(const char *)hash};
	const int lens[] = {SRV_TOKEN_HASH_LEN}, fmts[] = {1};
	PGresult *res = pg_run(c, PQ_AUTH, 1, v, lens, fmts, &rc);
	if (rc == BLIPPA_OK) {
		if (PQntuples(res) == 1)
			kiosk_from_row(res, 0, out);
		else
			rc = BLIPPA_ERR_NOT_FOUND;
	}
	PQclear(res);
	return rc;
}

static enum blippa_err pg_auth_kiosk(void *impl, const uint8_t hash[SRV_TOKEN_HASH_LEN],
				     struct srv_kiosk *out)
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc == BLIPPA_OK)
		RETRY_READ(c, rc, auth_get(c, hash, out));
	pg_conn_put(im, c);
	return rc;
}

static enum blippa_err version_get(struct pg_conn *c, int64_t *out)
{
	enum blippa_err rc;
	PGresult *res = pg_run(c, PQ_VERSION, 0, NULL, NULL, NULL, &rc);
	if (rc == BLIPPA_OK) {
		if (PQntuples(res) == 1)
			*out = int_col(res, 0, 0);
		else
			rc = BLIPPA_ERR_CORRUPT;
	}
	PQclear(res);
	return rc;
}

static enum blippa_err pg_roster_version(void *impl, int64_t *out)
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc == BLIPPA_OK)
		RETRY_READ(c, rc, version_get(c, out));
	pg_conn_put(im, c);
	return rc;
}

const struct srv_store_ops srv_store_pg_ops = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .import_roster = pg_import,
    .facility_exists = pg_facility_exists,
    .add_kiosk = pg_add_kiosk,
    .list_kiosks = pg_list_kiosks,
    .revoke_kiosk = pg_revoke_kiosk,
    .set_leader_pin = pg_set_leader_pin,
    .auth_kiosk = pg_auth_kiosk,
    .roster_version = pg_roster_version,
    .load_roster = pg_load_roster,
    .ingest_events = pg_ingest,
    .record_heartbeat = pg_heartbeat,
    .export_attendance = pg_export,
    .export_open_training = pg_export_open,
    .add_user = pg_add_user,
    .get_user = pg_get_user,
    .set_password = pg_set_password,
    .list_users = pg_list_users,
    .remove_user = pg_remove_user,
    .list_facilities = pg_list_facilities,
    .correct = pg_correct,
    .list_corrections = pg_list_corrections,
    .attendance = pg_attendance,
    .att_rebuild = pg_att_rebuild,
    .with_sql = pg_with_sql,
};

bool srv_store_pg_target(const char *db)
{
	return strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0;
}
