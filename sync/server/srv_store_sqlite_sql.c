/* SPDX-License-Identifier: MIT */
/* SQLite backend of srv_store.h: with_sql, the runner of the portable SQL of
 * srv_rights.c (audit trail, purge, participant report, erasure). The SQL
 * text itself lives in srv_rights.c, shared with PostgreSQL; statements are
 * prepared per call (admin commands and one audit row per page view). */
#include "srv_store_sqlite_int.h"

#include <stdio.h>

static enum blippa_err bind_all(struct sq_conn *c, const char *sql, int n, const char *const *v,
				sqlite3_stmt **s)
{
	int src = sqlite3_prepare_v2(c->db, sql, -1, s, NULL);
	if (src != SQLITE_OK)
		return sq_err(src);
	for (int i = 0; i < n; i++) {
		if (v[i])
			sqlite3_bind_text(*s, i + 1, v[i], -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(*s, i + 1);
	}
	return BLIPPA_OK;
}

static enum blippa_err sql_exec(struct srv_sql *q, const char *sql, int n, const char *const *v,
				long *changes)
{
	struct sq_conn *c = q->conn;
	sqlite3_stmt *s = NULL;
	enum blippa_err rc = bind_all(c, sql, n, v, &s);
	if (rc == BLIPPA_OK) {
		int src = sqlite3_step(s);
		if (src != SQLITE_DONE && src != SQLITE_ROW)
			rc = sq_err(src);
		else if (changes)
			*changes += sqlite3_changes(c->db);
	}
	sqlite3_finalize(s);
	return rc;
}

static enum blippa_err sql_query(struct srv_sql *q, const char *sql, int n, const char *const *v,
				 srv_sql_row_fn fn, void *ctx)
{
	struct sq_conn *c = q->conn;
	sqlite3_stmt *s = NULL;
	const char *col[16];
	enum blippa_err rc = bind_all(c, sql, n, v, &s);
	int src = SQLITE_DONE;
	while (rc == BLIPPA_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
		int nc = sqlite3_column_count(s);
		if (nc > 16)
			nc = 16;
		for (int i = 0; i < nc; i++)
			col[i] = COL(s, i);
		if (fn(ctx, nc, col) != 0)
			break;
	}
	if (rc == BLIPPA_OK && src != SQLITE_DONE && src != SQLITE_ROW)
		rc = sq_err(src);
	sqlite3_finalize(s);
	return rc;
}

static const struct srv_sql_ops sq_sql_ops = {.exec = sql_exec, .query = sql_query};

enum blippa_err sq_with_sql(void *impl, int mode, srv_sql_fn fn, void *ctx)
{
	struct sq_impl *im = impl;
	struct sq_conn *c = NULL;
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	struct srv_sql q = {.ops = &sq_sql_ops, .conn = c, .meta_table = "meta"};
	if (mode & SRV_SQL_LAZY)
		sqlite3_exec(c->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	if (mode & SRV_SQL_WRITE) {
		rc = sq_tx_begin(im, c);
		if (rc == BLIPPA_OK) {
			rc = fn(&q, ctx);
			if (rc == BLIPPA_OK && (mode & SRV_SQL_ROLLBACK)) {
				sq_tx_end(im, c, BLIPPA_ERR_INVALID); /* rolls back */
			} else {
				rc = sq_tx_end(im, c, rc);
			}
		}
	} else {
		int src = sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL);
		rc = src == SQLITE_OK ? fn(&q, ctx) : sq_err(src);
		if (src == SQLITE_OK)
			sqlite3_exec(c->db, rc == BLIPPA_OK ? "COMMIT" : "ROLLBACK", NULL, NULL,
				     NULL);
	}
	if (mode & SRV_SQL_LAZY) /* back to the pool's setting */
		sqlite3_exec(c->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
	sq_conn_put(im, c);
	return rc;
}
