/* SPDX-License-Identifier: MIT */
/* SQLite backend, kiosks and small reads: facilities, kiosk tokens, leader
 * PINs, token auth, the roster version, and the ops table of the backend.
 * Statements are run by id; their SQL is in srv_store_sqlite.c. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "srv_store_sqlite_int.h"

/* ------------------------------------------------------- kiosks and pins */

static enum blippa_err sq_facility_exists(void *impl, const char *facility_id)
{
	struct sq_impl *im = impl;
	struct sq_conn *c = NULL;
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	sqlite3_stmt *s = sq_stmt(c, Q_FAC_GET);
	if (!s) {
		rc = BLIPPA_ERR_IO;
	} else {
		sqlite3_bind_text(s, 1, facility_id, -1, SQLITE_STATIC);
		int src = sqlite3_step(s);
		rc = src == SQLITE_ROW	  ? BLIPPA_OK
		     : src == SQLITE_DONE ? BLIPPA_ERR_NOT_FOUND
					  : sq_err(src);
		sqlite3_reset(s);
	}
	sq_conn_put(im, c);
	return rc;
}

static enum blippa_err sq_add_kiosk(void *impl, const char *facility_id, const char *name,
				    const uint8_t hash[SRV_TOKEN_HASH_LEN], int64_t now_ms,
				    char id_out[SRV_ID_MAX + 1])
{
	struct sq_impl *im = impl;
	struct sq_conn *c = NULL;
	enum blippa_err rc = sq_facility_exists(impl, facility_id);
	if (rc != BLIPPA_OK)
		return rc;
	rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	for (int attempt = 0; attempt < 8; attempt++) {
		uint8_t rnd[4];
		randombytes_buf(rnd, sizeof(rnd));
		snprintf(id_out, SRV_ID_MAX + 1, "k-%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
			 rnd[3]);
		rc = sq_tx_begin(im, c);
		if (rc != BLIPPA_OK)
			break;
		sqlite3_stmt *s = sq_stmt(c, Q_KIOSK_ADD);
		if (s) {
			const char *v[] = {id_out, facility_id, name};
			sq_bind_texts(s, v, 3);
			sqlite3_bind_blob(s, 4, hash, SRV_TOKEN_HASH_LEN, SQLITE_STATIC);
			sqlite3_bind_int64(s, 5, now_ms);
		}
		int src = s ? sqlite3_step(s) : SQLITE_ERROR;
		if (s)
			sqlite3_reset(s);
		rc = sq_tx_end(im, c, src == SQLITE_DONE ? BLIPPA_OK : sq_err(src));
		if (src != SQLITE_CONSTRAINT_PRIMARYKEY)
			break; /* retry only an id collision */
	}
	sq_conn_put(im, c);
	return rc;
}

static void kiosk_from_row(sqlite3_stmt *s, struct srv_kiosk *k)
{
	memset(k, 0, sizeof(*k));
#define COL_TEXT(i, dst)                                                                           \
	snprintf(dst, sizeof(dst), "%s",                                                           \
		 sqlite3_column_text(s, i) ? (const char *)sqlite3_column_text(s, i) : "")
	COL_TEXT(0, k->id);
	COL_TEXT(1, k->facility_id);
	COL_TEXT(2, k->name);
	k->created_ms = sqlite3_column_int64(s, 3);
	k->revoked_ms = sqlite3_column_int64(s, 4);
	k->last_seen_ms = sqlite3_column_int64(s, 5);
	COL_TEXT(6, k->version);
	k->pending = sqlite3_column_int64(s, 7);
	k->oldest_pending_age_s = sqlite3_column_int64(s, 8);
	COL_TEXT(9, k->reader);
	COL_TEXT(10, k->last_error);
	k->kiosk_time_ms = sqlite3_column_int64(s, 11);
#undef COL_TEXT
}

static enum blippa_err sq_list_kiosks(void *impl, srv_kiosk_fn fn, void *ctx)
{
	struct sq_impl *im = impl;
	struct sq_conn *c = NULL;
	struct srv_kiosk k;
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	sqlite3_stmt *s = sq_stmt(c, Q_KIOSK_LIST);
	int src = s ? SQLITE_ROW : SQLITE_ERROR;
	while (s && (src = sqlite3_step(s)) == SQLITE_ROW) {
		kiosk_from_row(s, &k);
		k.clock_flagged = sqlite3_column_int64(s, 12);
		if (fn(ctx, &k) != 0) {
			src = SQLITE_DONE;
			break;
		}
	}
	rc = src == SQLITE_DONE ? BLIPPA_OK : sq_err(src);
	if (s)
		sqlite3_reset(s);
	sq_conn_put(im, c);
	return rc;
}

/* One UPDATE in a write transaction; NOT_FOUND when no row matched. */
static enum blippa_err update_one(struct sq_impl *im, enum sq_stmt id, const char *key,
				  const char *text, int64_t num)
{
	struct sq_conn *c = NULL;
	long changed = 0;
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	rc = sq_tx_begin(im, c);
	if (rc == BLIPPA_OK) {
		sqlite3_stmt *s = sq_stmt(c, id);
		if (s) {
			sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
			if (text)
				sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
			else
				sqlite3_bind_int64(s, 2, num);
		}
		enum blippa_err r2 = sq_run(c, s, &changed);
		if (r2 == BLIPPA_OK && changed == 0)
			r2 = BLIPPA_ERR_NOT_FOUND;
		if (r2 == BLIPPA_OK && id == Q_PIN_SET)
			r2 = sq_run(c, sq_stmt(c, Q_VERSION_BUMP), NULL);
		rc = sq_tx_end(im, c, r2);
	}
	sq_conn_put(im, c);
	return rc;
}

static enum blippa_err sq_revoke_kiosk(void *impl, const char *kiosk_id, int64_t now_ms)
{
	return update_one(impl, Q_KIOSK_REVOKE, kiosk_id, NULL, now_ms);
}

static enum blippa_err sq_set_leader_pin(void *impl, const char *leader_id, const char *hash)
{
	return update_one(impl, Q_PIN_SET, leader_id, hash, 0);
}

static enum blippa_err sq_auth_kiosk(void *impl, const uint8_t hash[SRV_TOKEN_HASH_LEN],
				     struct srv_kiosk *out)
{
	struct sq_impl *im = impl;
	struct sq_conn *c = NULL;
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	sqlite3_stmt *s = sq_stmt(c, Q_AUTH);
	int src = SQLITE_ERROR;
	if (s) {
		sqlite3_bind_blob(s, 1, hash, SRV_TOKEN_HASH_LEN, SQLITE_STATIC);
		src = sqlite3_step(s);
		if (src == SQLITE_ROW)
			kiosk_from_row(s, out);
		sqlite3_reset(s);
	}
	rc = src == SQLITE_ROW	  ? BLIPPA_OK
	     : src == SQLITE_DONE ? BLIPPA_ERR_NOT_FOUND
				  : sq_err(src);
	sq_conn_put(im, c);
	return rc;
}

static enum blippa_err sq_roster_version(void *impl, int64_t *out)
{
	struct sq_impl *im = impl;
	struct sq_conn *c = NULL;
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	sqlite3_stmt *s = sq_stmt(c, Q_VERSION);
	int src = s ? sqlite3_step(s) : SQLITE_ERROR;
	if (src == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	if (s)
		sqlite3_reset(s);
	rc = src == SQLITE_ROW ? BLIPPA_OK : src == SQLITE_DONE ? BLIPPA_ERR_CORRUPT : sq_err(src);
	sq_conn_put(im, c);
	return rc;
}

const struct srv_store_ops srv_store_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .import_roster = sq_import,
    .facility_exists = sq_facility_exists,
    .add_kiosk = sq_add_kiosk,
    .list_kiosks = sq_list_kiosks,
    .revoke_kiosk = sq_revoke_kiosk,
    .set_leader_pin = sq_set_leader_pin,
    .auth_kiosk = sq_auth_kiosk,
    .roster_version = sq_roster_version,
    .load_roster = sq_load_roster,
    .ingest_events = sq_ingest,
    .record_heartbeat = sq_heartbeat,
    .export_attendance = sq_export,
    .export_open_training = sq_export_open,
    .add_user = sq_add_user,
    .get_user = sq_get_user,
    .set_password = sq_set_password,
    .list_users = sq_list_users,
    .remove_user = sq_remove_user,
    .list_facilities = sq_list_facilities,
    .correct = sq_correct,
    .list_corrections = sq_list_corrections,
    .attendance = sq_attendance,
    .att_rebuild = sq_att_rebuild,
    .with_sql = sq_with_sql,
};
