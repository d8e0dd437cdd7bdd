/* SPDX-License-Identifier: MIT */
/* PostgreSQL backend of srv_store.h: with_sql, the runner of the portable
 * SQL of srv_rights.c (audit trail, purge, participant report, erasure; the
 * SQLite twin is srv_store_sqlite_sql.c). The shared text writes parameters
 * as ?N; here they become $N. All parameters go as text, their types
 * inferred from the statement. */
#include "srv_store_pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQL_MAX 8192

/* "?12" -> "$12" (the shared SQL holds no other question marks). */
static bool dollar(const char *sql, char *out, size_t outlen)
{
	size_t n = strlen(sql);
	if (n >= outlen)
		return false;
	for (size_t i = 0; i <= n; i++)
		out[i] = sql[i] == '?' ? '$' : sql[i];
	return true;
}

static PGresult *run(struct srv_sql *q, const char *sql, int n, const char *const *v,
		     enum blippa_err *rc)
{
	struct pg_conn *c = q->conn;
	char text[SQL_MAX];
	if (!dollar(sql, text, sizeof(text))) {
		*rc = BLIPPA_ERR_INVALID;
		return NULL;
	}
	PGresult *res = PQexecParams(c->pg, text, n, NULL, v, NULL, NULL, 0);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	*rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? BLIPPA_OK : pg_result_err(c, res);
	return res;
}

static enum blippa_err sql_exec(struct srv_sql *q, const char *sql, int n, const char *const *v,
				long *changes)
{
	enum blippa_err rc;
	PGresult *res = run(q, sql, n, v, &rc);
	if (rc == BLIPPA_OK && changes)
		*changes += strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return rc;
}

static enum blippa_err sql_query(struct srv_sql *q, const char *sql, int n, const char *const *v,
				 srv_sql_row_fn fn, void *ctx)
{
	enum blippa_err rc;
	const char *col[16];
	PGresult *res = run(q, sql, n, v, &rc);
	int nc = rc == BLIPPA_OK ? PQnfields(res) : 0;
	if (nc > 16)
		nc = 16;
	for (int r = 0; rc == BLIPPA_OK && r < PQntuples(res); r++) {
		for (int i = 0; i < nc; i++)
			col[i] = PQgetisnull(res, r, i) ? NULL : PQgetvalue(res, r, i);
		if (fn(ctx, nc, col) != 0)
			break;
	}
	PQclear(res);
	return rc;
}

static const struct srv_sql_ops pg_sql_ops = {.exec = sql_exec, .query = sql_query};

enum blippa_err pg_with_sql(void *impl, int mode, srv_sql_fn fn, void *ctx)
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	struct srv_sql q = {.ops = &pg_sql_ops, .conn = c, .meta_table = "blippa_meta"};
	const char *begin =
	    mode & SRV_SQL_WRITE ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
	rc = pg_exec_simple(c, begin);
	/* a connection that went away while idle: reconnect once (nothing ran yet) */
	if (rc != BLIPPA_OK && pg_conn_broken(c) && pg_conn_reset(c) == BLIPPA_OK)
		rc = pg_exec_simple(c, begin);
	if (rc == BLIPPA_OK && (mode & SRV_SQL_ADMIN) == SRV_SQL_ADMIN)
		rc = pg_lock_admin(c);
	if (rc == BLIPPA_OK && (mode & SRV_SQL_LAZY)) /* this transaction only */
		rc = pg_exec_simple(c, "SET LOCAL synchronous_commit = off");
	if (rc == BLIPPA_OK)
		rc = fn(&q, ctx);
	if (rc == BLIPPA_OK && (mode & SRV_SQL_ROLLBACK))
		pg_tx_end(c, BLIPPA_ERR_INVALID); /* rolls back */
	else
		rc = pg_tx_end(c, rc);
	pg_conn_put(im, c);
	return rc;
}
