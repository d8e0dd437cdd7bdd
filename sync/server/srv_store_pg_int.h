/* SPDX-License-Identifier: MIT */
/* Private to the PostgreSQL backend of srv_store.h (issue 8): the
 * connection pool, the statement ids (their SQL text is in srv_store_pg.c,
 * the one file that holds this backend's SQL), binary array parameters, and
 * the helpers shared by srv_store_pg.c (connections, schema, SQL),
 * srv_store_pg_import.c, srv_store_pg_kiosks.c (kiosks, auth, ops table)
 * and srv_store_pg_events.c (roster, ingest, heartbeat, export). */
#ifndef BLIPPA_SRV_STORE_PG_INT_H
#define BLIPPA_SRV_STORE_PG_INT_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "dynbuf.h"
#include "srv_store.h"
#include "srv_store_pg.h"

/* The schema version this code migrates to, and the version that added
 * att_group (the upgrade test builds the one before it). */
#define PG_SCHEMA_VERSION 7
#define PG_SCHEMA_ATT_GROUP 7

enum pg_stmt {
	PQ_VERSION,
	PQ_VERSION_BUMP,
	PQ_FAC_UP,
	PQ_GRP_UP,
	PQ_SES_UP,
	PQ_PAR_UP,
	PQ_MEM_UP,
	PQ_LEA_UP,
	PQ_CARD_UP,
	PQ_FAC_DEL,
	PQ_GRP_DEL,
	PQ_SES_DEL,
	PQ_SES_HIDE,
	PQ_PAR_DEL,
	PQ_MEM_DEL,
	PQ_LEA_DEL,
	PQ_CARD_DEL_IMPORT,
	PQ_CARD_DEL_ORPHAN,
	PQ_FAC_GET,
	PQ_KIOSK_ADD,
	PQ_KIOSK_LIST,
	PQ_KIOSK_REVOKE,
	PQ_PIN_SET,
	PQ_AUTH,
	PQ_R_GROUPS,
	PQ_R_SESSIONS,
	PQ_R_PARTS,
	PQ_R_MEMBERS,
	PQ_R_LEADERS,
	PQ_R_CARDS,
	PQ_EV_CHECK,
	PQ_EV_INS,
	PQ_CARD_UNLINK,
	PQ_CARD_LINK,
	PQ_HEARTBEAT,
	PQ_EXPORT,
	PQ_EXPORT_OPEN,
	PQ_COUNT
};

struct pg_conn {
	struct srv_pool_conn link; /* first: the pool's */
	PGconn *pg;
	bool prepared[PQ_COUNT];	  /* per connection; cleared by a reconnect */
	bool att_prepared[SRV_ATT_COUNT]; /* srv_store_pg_att.c, likewise */
};

struct pg_impl {
	char *uri;	      /* as given, less pool_max_conns (may hold a password:
				 never printed) */
	char label[200];      /* "PostgreSQL database D on H": for messages */
	struct srv_pool pool; /* at most pool_max connections */
	int pool_max;
};

/* A one-dimensional array parameter in PostgreSQL's binary format
 * (array_send), built row by row; capped at PG_ARR_CAP bytes. */
#define PG_ARR_CAP (64u * 1024u * 1024u)
#define PG_OID_INT4 23u
#define PG_OID_INT8 20u
#define PG_OID_TEXT 25u

struct pg_arr {
	struct dynbuf d; /* the bytes, capped at PG_ARR_CAP */
	const char *buf; /* d's content (NULL until pg_arr_init) ... */
	size_t len;	 /* ... and its length as a parameter */
	uint32_t n, oid;
	bool has_null, failed;
};

void pg_arr_init(struct pg_arr *a, uint32_t oid);
void pg_arr_free(struct pg_arr *a);
/* Appends a text element; NULL (or "" when empty_is_null) is SQL NULL. */
void pg_arr_text(struct pg_arr *a, const char *s, bool empty_is_null);
void pg_arr_int4(struct pg_arr *a, int32_t v);
void pg_arr_int8(struct pg_arr *a, int64_t v);
void pg_arr_null(struct pg_arr *a);
/* Writes the header; false if any append failed (memory, cap). The array
 * is then a parameter of a->len bytes at a->buf, format 1 (binary). */
bool pg_arr_finish(struct pg_arr *a);

/* Takes an idle connection (opening one if below the cap, else waiting);
 * give it back with pg_conn_put (NULL is a no-op). */
enum blippa_err pg_conn_get(struct pg_impl *im, struct pg_conn **out);
void pg_conn_put(struct pg_impl *im, struct pg_conn *c);
/* True when c's server connection is gone; pg_conn_reset reconnects it
 * (BLIPPA_OK) so the caller may retry an idempotent operation once. */
bool pg_conn_broken(const struct pg_conn *c);
enum blippa_err pg_conn_reset(struct pg_conn *c);

/* Prepares statement id on c once (name "b<id>" into name). */
enum blippa_err pg_prepare(struct pg_conn *c, enum pg_stmt id, char name[16]);
/* Runs statement id (prepared once per connection) with n parameters:
 * vals[i] text or binary (fmts[i] 1, lens[i] bytes); fmts NULL: all text.
 * Returns the result (caller PQclear's it) or NULL; *rc gets the mapped
 * status (BLIPPA_OK for PGRES_COMMAND_OK / PGRES_TUPLES_OK). */
PGresult *pg_run(struct pg_conn *c, enum pg_stmt id, int n, const char *const *vals,
		 const int *lens, const int *fmts, enum blippa_err *rc);
/* pg_run for statements whose rows do not matter; adds the affected row
 * count to *changes when changes is not NULL. */
enum blippa_err pg_run_cmd(struct pg_conn *c, enum pg_stmt id, int n, const char *const *vals,
			   const int *lens, const int *fmts, long *changes);
/* A plain SQL command without parameters (BEGIN, COMMIT, ...). */
enum blippa_err pg_exec_simple(struct pg_conn *c, const char *sql);
/* Result status -> enum blippa_err: BUSY for serialization failures and
 * deadlocks (retry), EXISTS for unique violations, IO otherwise. Logs the
 * SQLSTATE and the primary message (never DETAIL: it may hold values). */
enum blippa_err pg_result_err(struct pg_conn *c, const PGresult *res);
/* Inside a transaction: waits for the region-wide admin lock (imports,
 * migrations), held until the transaction ends. */
enum blippa_err pg_lock_admin(struct pg_conn *c);
/* BEGIN; pg_tx_end commits when rc is BLIPPA_OK (else rolls back). */
enum blippa_err pg_tx_begin(struct pg_conn *c);
enum blippa_err pg_tx_end(struct pg_conn *c, enum blippa_err rc);

/* srv_store_pg.c, srv_store_pg_import.c: the ops of those names */
enum blippa_err pg_open(const char *uri, bool create, void **out, char *err, size_t errlen);
void pg_close(void *impl);
/* For upgrade tests: creates the schema of version (1..PG_SCHEMA_VERSION)
 * in the database at uri, which must have none, with the same migration
 * steps as pg_open (no rebuild of the attendance summary: the tables are
 * empty). */
enum blippa_err pg_schema_make_at(const char *uri, int version, char *err, size_t errlen);
enum blippa_err pg_import(void *impl, const struct srv_import *m, struct srv_import_stats *st,
			  char *err, size_t errlen);

/* srv_store_pg_events.c */
enum blippa_err pg_load_roster(void *impl, const char *facility_id, struct roster **out);
enum blippa_err pg_ingest(void *impl, const struct srv_kiosk *k, struct srv_batch *b,
			  int64_t now_ms, struct protocol_result *res);
enum blippa_err pg_heartbeat(void *impl, const char *kiosk_id, const struct protocol_heartbeat *hb,
			     int64_t now_ms);
enum blippa_err pg_export_open(void *impl, const char *facility_id, srv_export_fn fn, void *ctx);
enum blippa_err pg_export(void *impl, const struct srv_export_filter *f, srv_export_fn fn,
			  void *ctx);

/* srv_store_pg_users.c: back-office accounts, facility list, corrections */
enum blippa_err pg_add_user(void *impl, const struct srv_user *u);
enum blippa_err pg_get_user(void *impl, const char *name, struct srv_user *out);
enum blippa_err pg_set_password(void *impl, const char *name, const char *hash);
enum blippa_err pg_remove_user(void *impl, const char *name);
enum blippa_err pg_list_users(void *impl, srv_user_fn fn, void *ctx);
enum blippa_err pg_list_facilities(void *impl, srv_facility_fn fn, void *ctx);
enum blippa_err pg_correct(void *impl, const struct srv_correction *k);
enum blippa_err pg_list_corrections(void *impl, const char *group_id, srv_correction_fn fn,
				    void *ctx);

/* srv_store_pg_att.c: the attendance summary (schema v4) */
extern const char pg_schema_att[], pg_schema_att_gone[];	     /* run in this order */
extern const char pg_schema_att_group[], pg_schema_att_group_gone[]; /* v7, the same */
enum blippa_err pg_attendance(void *impl, enum srv_att_query q, const char *const *args,
			      srv_row_fn fn, void *ctx);
enum blippa_err pg_att_rebuild(void *impl);
/* Inside a transaction on c. */
enum blippa_err pg_att_rebuild_conn(struct pg_conn *c);

/* srv_store_pg_sql.c: the runner of srv_rights.c's portable SQL */
enum blippa_err pg_with_sql(void *impl, int mode, srv_sql_fn fn, void *ctx);

#endif
