/* SPDX-License-Identifier: MIT */
/* Private to the SQLite backend of srv_store.h: the connection pool, the
 * statement ids (their SQL text is in srv_store_sqlite.c, the one file that
 * holds SQL) and the helpers shared by srv_store_sqlite.c (schema, import),
 * srv_store_sqlite_kiosks.c (kiosks, PINs, auth, ops table) and
 * srv_store_sqlite_events.c (roster, ingest, heartbeat, export). */
#ifndef BLIPPA_SRV_STORE_SQLITE_INT_H
#define BLIPPA_SRV_STORE_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "srv_store.h"

enum sq_stmt {
	Q_VERSION,
	Q_VERSION_BUMP,
	Q_KEY,
	Q_FAC_UP,
	Q_GRP_UP,
	Q_SES_UP,
	Q_PAR_UP,
	Q_MEM_UP,
	Q_LEA_UP,
	Q_CARD_UP,
	Q_FAC_DEL,
	Q_GRP_DEL,
	Q_SES_DEL,
	Q_SES_HIDE,
	Q_PAR_DEL,
	Q_MEM_DEL,
	Q_LEA_DEL,
	Q_CARD_DEL_IMPORT,
	Q_CARD_DEL_ORPHAN,
	Q_FAC_GET,
	Q_KIOSK_ADD,
	Q_KIOSK_LIST,
	Q_KIOSK_REVOKE,
	Q_PIN_SET,
	Q_AUTH,
	Q_R_GROUPS,
	Q_R_SESSIONS,
	Q_R_PARTS,
	Q_R_MEMBERS,
	Q_R_LEADERS,
	Q_R_CARDS,
	Q_SES_INFO,
	Q_MEMBER,
	Q_PART_IN_FAC,
	Q_EV_GET,
	Q_EV_INS,
	Q_CARD_OWNER,
	Q_CARD_UNLINK,
	Q_CARD_LINK,
	Q_HEARTBEAT,
	Q_EXPORT,
	Q_EXPORT_OPEN,
	Q_COUNT
};

struct sq_conn {
	struct srv_pool_conn link; /* first: the pool's */
	sqlite3 *db;
	sqlite3_stmt *stmt[Q_COUNT];
	sqlite3_stmt *att[SRV_ATT_COUNT]; /* srv_store_sqlite_att.c, prepared once */
};

struct sq_impl {
	char *path;
	struct srv_pool pool;	  /* at most SQ_POOL_MAX connections */
	pthread_mutex_t write_mu; /* one write transaction at a time in this process */
};

#define COL(s, i) ((const char *)sqlite3_column_text(s, i))

/* SQLite result code -> enum blippa_err. */
enum blippa_err sq_err(int rc);
/* Takes an idle connection from the pool (opening one if below the cap,
 * else waiting); give it back with sq_conn_put (NULL is a no-op). */
enum blippa_err sq_conn_get(struct sq_impl *im, struct sq_conn **out);
void sq_conn_put(struct sq_impl *im, struct sq_conn *c);
/* The prepared statement id on c, reset and unbound; NULL on failure. */
sqlite3_stmt *sq_stmt(struct sq_conn *c, enum sq_stmt id);
void sq_bind_texts(sqlite3_stmt *s, const char *const *v, int n);
/* Binds v, or NULL when v is NULL or "". */
void sq_bind_opt(sqlite3_stmt *s, int i, const char *v);
/* Steps a statement that returns no rows; adds its changes to *changes. */
enum blippa_err sq_run(struct sq_conn *c, sqlite3_stmt *s, long *changes);
enum blippa_err sq_run_texts(struct sq_conn *c, enum sq_stmt id, const char *const *v, int n,
			     long *changes);
/* BEGIN IMMEDIATE under the process write lock; sq_tx_end commits when rc
 * is BLIPPA_OK (else rolls back), releases the lock and returns the result. */
enum blippa_err sq_tx_begin(struct sq_impl *im, struct sq_conn *c);
enum blippa_err sq_tx_end(struct sq_impl *im, struct sq_conn *c, enum blippa_err rc);
/* fn(c, ctx) on a pooled connection in one write transaction (sq_tx_begin
 * .. sq_tx_end): committed if it answers BLIPPA_OK, else rolled back. */
enum blippa_err sq_write_tx(struct sq_impl *im, enum blippa_err (*fn)(struct sq_conn *c, void *ctx),
			    void *ctx);

/* srv_store_sqlite.c: open/close the database, replace the roster. */
enum blippa_err sq_open(const char *path, bool create, void **out, char *err, size_t errlen);
void sq_close(void *impl);
enum blippa_err sq_import(void *impl, const struct srv_import *m, struct srv_import_stats *st,
			  char *err, size_t errlen);

/* srv_store_sqlite_events.c */
enum blippa_err sq_load_roster(void *impl, const char *facility_id, struct roster **out);
enum blippa_err sq_ingest(void *impl, const struct srv_kiosk *k, struct srv_batch *b,
			  int64_t now_ms, struct protocol_result *res);
enum blippa_err sq_heartbeat(void *impl, const char *kiosk_id, const struct protocol_heartbeat *hb,
			     int64_t now_ms);
enum blippa_err sq_export_open(void *impl, const char *facility_id, srv_export_fn fn, void *ctx);
enum blippa_err sq_export(void *impl, const struct srv_export_filter *f, srv_export_fn fn,
			  void *ctx);

/* srv_store_sqlite_users.c: back-office accounts and the facility list */
enum blippa_err sq_add_user(void *impl, const struct srv_user *u);
enum blippa_err sq_get_user(void *impl, const char *name, struct srv_user *out);
enum blippa_err sq_set_password(void *impl, const char *name, const char *pw_hash);
enum blippa_err sq_list_users(void *impl, srv_user_fn fn, void *ctx);
enum blippa_err sq_remove_user(void *impl, const char *name);
enum blippa_err sq_list_facilities(void *impl, srv_facility_fn fn, void *ctx);
enum blippa_err sq_correct(void *impl, const struct srv_correction *c);
enum blippa_err sq_list_corrections(void *impl, const char *group_id, srv_correction_fn fn,
				    void *ctx);

/* srv_store_sqlite_att.c: the attendance summary (schema v4) */
extern const char sq_schema_att[], sq_schema_att_gone[]; /* run in this order */
enum blippa_err sq_attendance(void *impl, enum srv_att_query q, const char *const *args,
			      srv_row_fn fn, void *ctx);
enum blippa_err sq_att_rebuild(void *impl);
/* Inside a write transaction on c. */
enum blippa_err sq_att_rebuild_conn(struct sq_conn *c);

/* srv_store_sqlite_sql.c: the runner of srv_rights.c's portable SQL */
enum blippa_err sq_with_sql(void *impl, int mode, srv_sql_fn fn, void *ctx);

#endif
