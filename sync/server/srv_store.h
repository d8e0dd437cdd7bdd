/* SPDX-License-Identifier: MIT */
/* The region server's storage interface. Everything blippa-server keeps
 * (roster, kiosks, events, heartbeats) goes through these functions; each
 * backend implements struct srv_store_ops in its own file, with all its SQL
 * in that one file (srv_store_sqlite.c today; a PostgreSQL backend for
 * issue 8 adds srv_store_pg.c and a line in srv_store_open()).
 *
 * A struct srv_store is safe to use from many threads at once: the backend
 * pools its own connections. Every write is one transaction: it happens
 * whole or not at all. Strings passed in have been validated by the caller
 * (import.c, api.c); the store does not check formats again. */
#ifndef BLIPPA_SRV_STORE_H
#define BLIPPA_SRV_STORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "event.h"
#include "protocol.h"
#include "roster.h"
#include "uid.h" /* the backends normalise card UIDs with uid_hex_normalize */

#define SRV_ID_MAX ROSTER_ID_MAX
#define SRV_TOKEN_HASH_LEN 32 /* SHA-256 */

/* ---- roster import: a full, validated region snapshot (import.c) ---- */

struct srv_facility {
	const char *id, *name, *timezone;
};
struct srv_group {
	const char *id, *facility_id, *name, *period_start, *period_end;
};
struct srv_session {
	const char *id, *group_id, *start, *end; /* facility-local "YYYY-MM-DD HH:MM" */
};
struct srv_participant {
	const char *id, *given_name, *family_name, *card_uid; /* card_uid "" if none */
	const char *language; /* ISO 639-1 code, "" if none (optional CSV column) */
};
struct srv_member {
	const char *group_id, *participant_id;
};
struct srv_leader {
	const char *id, *facility_id, *name, *card_uid; /* card_uid "" if none */
};

struct srv_import {
	struct srv_facility *facilities;
	size_t n_facilities;
	struct srv_group *groups;
	size_t n_groups;
	struct srv_session *sessions;
	size_t n_sessions;
	struct srv_participant *participants;
	size_t n_participants;
	struct srv_member *members;
	size_t n_members;
	struct srv_leader *leaders;
	size_t n_leaders;
	/* dry run: count what would change (stats), then roll back */
	bool dry_run;
};

struct srv_import_stats {
	long changed; /* rows inserted or updated */
	long removed; /* rows deleted because they are no longer in the files */
};

/* ---- kiosks ---- */

struct srv_kiosk {
	char id[SRV_ID_MAX + 1];
	char facility_id[SRV_ID_MAX + 1];
	char name[ROSTER_NAME_MAX + 1];
	int64_t created_ms, revoked_ms, last_seen_ms; /* 0: never */
	/* last heartbeat */
	char version[PROTOCOL_SHORT_MAX + 1];
	int64_t pending, oldest_pending_age_s, kiosk_time_ms;
	char reader[PROTOCOL_SHORT_MAX + 1];
	char last_error[PROTOCOL_REASON_MAX + 1];
	/* list_kiosks only: events whose time lies more than 2 min after the
	 * server received them (a kiosk clock running fast, issue 13) */
	int64_t clock_flagged;
};

typedef int (*srv_kiosk_fn)(void *ctx, const struct srv_kiosk *k); /* non-0 stops */

/* ---- attendance export ---- */

struct srv_export_filter {
	const char *facility_id; /* NULL: all */
	const char *from_date;	 /* "YYYY-MM-DD" inclusive on session start, or NULL */
	const char *to_date;	 /* inclusive, or NULL */
	bool open_training;	 /* export_write_csv: add the open-training visits */
};

struct srv_export_row {
	const char *facility_id, *timezone, *group_id, *session_id, *session_start;
	const char *participant_id, *given_name, *family_name;
	bool present;  /* a check-in that no void cancels */
	int64_t at_ms; /* earliest such check-in (present only) */
	enum checkin_method method;
	const char *kiosk_id; /* "" if absent */
	bool open_training;   /* an open-training visit: no group, session or start */
};

typedef int (*srv_export_fn)(void *ctx, const struct srv_export_row *row); /* non-0 stops */

/* ---- event ingest ---- */

struct srv_ingest_stats {
	size_t accepted, duplicate, rejected;
};

/* Why an event is rejected: one list for every backend. The values are
 * pinned (the PostgreSQL backend computes them in SQL); the text is the
 * "reason" of docs/protocol.md. */
enum srv_reason {
	SRV_R_OK = 0,
	SRV_R_SESSION = 1,     /* "unknown session" */
	SRV_R_SES_FAC = 2,     /* "session not in facility" */
	SRV_R_PARTICIPANT = 3, /* "unknown participant" */
	SRV_R_NOT_MEMBER = 4,  /* "participant not in group" */
	SRV_R_EVENT = 5,       /* "unknown event" (a void of no check-in here) */
	SRV_R_IN_USE = 6,      /* "card in use" */
	SRV_R_UID = 7,	       /* "bad card uid" */
	SRV_R_COUNT
};
/* The reason text; NULL for SRV_R_OK or an out-of-range value. */
const char *srv_reason_text(enum srv_reason r);

/* What this process has ingested since it started (GET /metrics):
 * rejected[r] per reason, rejected[SRV_R_OK] for a reason of no known kind. */
struct srv_ingest_counters {
	uint64_t batches, accepted, duplicate;
	uint64_t rejected[SRV_R_COUNT];
};

/* ---- back-office staff accounts (DESIGN §11, docs/backoffice.md) ---- */

#define SRV_USER_MAX 64		   /* user names: 1..64 bytes [A-Za-z0-9._@-] */
#define SRV_USER_FACILITIES_MAX 32 /* facilities named for one account */
#define SRV_PW_HASH_MAX 128	   /* crypto_pwhash_STRBYTES */

enum srv_role { SRV_ROLE_ADMIN, SRV_ROLE_COORDINATOR, SRV_ROLE_VIEWER };

struct srv_user {
	char name[SRV_USER_MAX + 1];
	enum srv_role role;
	char pw_hash[SRV_PW_HASH_MAX]; /* Argon2id string */
	int64_t created_ms;
	size_t n_facilities; /* coordinator/viewer: the facilities they may see */
	char facilities[SRV_USER_FACILITIES_MAX][SRV_ID_MAX + 1];
};

/* A staff correction of one participant's attendance at one session: stored
 * as events whose kiosk is "staff:<user>" (a check-in with method leader, or
 * voids of the live check-ins), with the reason kept beside them. */
#define SRV_REASON_MAX 200
struct srv_correction {
	const char *facility_id, *group_id, *session_id, *participant_id;
	bool present;
	const char *user, *reason;
	int64_t at_ms;
};
typedef int (*srv_correction_fn)(void *ctx, const struct srv_correction *c); /* non-0 stops */

typedef int (*srv_user_fn)(void *ctx, const struct srv_user *u); /* non-0 stops */

/* ---- attendance for the back-office pages (docs/backoffice.md) ----
 * Aggregates read from a summary the backend keeps up to date at every
 * event insert (att_session: live check-ins of current members per session;
 * att_member: sessions attended per group and participant), so a page costs
 * the same whatever the number of events. Each query streams rows of text
 * columns (NULL for SQL NULL) to a srv_row_fn. Overview queries take the
 * arguments (facility_id, today "YYYY-MM-DD", period, now "YYYY-MM-DD HH:MM")
 * where period is "current" (period_start <= today <= period_end), "past"
 * (period_end < today) or "upcoming"; group queries take (group_id). */
enum srv_att_query {
	SRV_ATT_GROUPS, /* id, name, period_start, period_end */
	/* group_id, held, present: held sessions of the row (they come
	 * first), their present counts "N,N,..." in start order; the rows of
	 * a group consecutive (a row per group or per session) */
	SRV_ATT_SESSIONS,
	SRV_ATT_MEMBERS, /* group_id, participant_id, attended (all sessions) */
	SRV_ATT_FUTURE,	 /* group_id, participant_id, sessions attended that start after now */
	/* the group page in one query, rows ordered by their first column, the
	 * kind: 0 the group: facility_id, facility name, timezone, name,
	 * period_start, period_end (none: no such group); 1 a session not
	 * removed: id, start, end; 2 a member: participant_id, given_name,
	 * family_name; 3 a live check-in at the group's sessions: session_id,
	 * participant_id, at_ms, event id, method, kiosk_id; 4 a cell with a
	 * "not present" staff correction: session_id, participant_id */
	SRV_ATT_G_PAGE,
	/* who has a live check-in there but is not a member (any more): id,
	 * given_name, family_name */
	SRV_ATT_G_LEFT,
	SRV_ATT_COUNT
};
typedef int (*srv_row_fn)(void *ctx, const char *const *col, int n); /* non-0 stops */
typedef int (*srv_facility_fn)(void *ctx, const char *id, const char *name,
			       const char *timezone); /* non-0 stops */

/* ---- for the backends: event ingest, decided once (srv_store.c) ---- */

/* What a backend looks up for one event; all of a batch is looked up before
 * anything of it is stored. */
struct srv_ev_facts {
	bool existed;	       /* an event with this id is stored already */
	bool session_found;    /* check-in with a session: it exists, not removed */
	bool session_here;     /* ... and is of the kiosk's facility */
	bool member;	       /* ... and the participant is in its group */
	bool participant_here; /* check-in, card link: the participant is in a group
				* of the kiosk's facility */
	bool voided_here;      /* void: the voided id is a check-in of the kiosk's
				* facility */
	bool card_taken;       /* card link: the UID is a leader's, or belongs to
				* another participant outside the facility */
};

/* One event of a batch while it is decided. */
struct srv_ev_state {
	struct srv_ev_facts f;		  /* the backend's lookups */
	enum srv_reason reason;		  /* srv_store.c */
	bool candidate;			  /* the row of its id that this batch inserts */
	bool inserted;			  /* ... and the backend's insert stored it now */
	char uid[ROSTER_UID_HEX_MAX + 1]; /* card link: the normalised UID ("" if bad) */
};

struct srv_id_ref {
	const char *id;
	size_t i;
};

struct srv_batch {
	const struct protocol_event *ev; /* ids lowered */
	size_t n;
	struct srv_ev_state *st;  /* n states */
	struct srv_id_ref *by_id; /* the rows sorted by (id, index) */
};

/* The first position in b->by_id whose event id is id, or b->n. */
size_t srv_batch_find(const struct srv_batch *b, const char *id);

/* How a backend looks up and stores, on one connection (conn). */
struct srv_ingest_io {
	/* Fills st[i].f for every event of b (card links by st[i].uid). */
	enum blippa_err (*facts)(void *conn, const struct srv_kiosk *k, struct srv_batch *b);
	/* Stores every row whose st[i].candidate is set, in by_id order,
	 * keeping an id already stored (the primary key decides), and sets
	 * st[i].inserted for those this call stored. */
	enum blippa_err (*insert)(void *conn, const struct srv_kiosk *k, int64_t now_ms,
				  struct srv_batch *b);
	/* An accepted card link: uid now belongs to participant_id (the
	 * participant's earlier kiosk-linked card goes). */
	enum blippa_err (*link_card)(void *conn, const char *uid, const char *participant_id);
	enum blippa_err (*bump)(void *conn); /* the roster changed: new version */
	/* Around the insert, the links and the bump when the batch links a
	 * card; NULL when the caller holds one transaction for the whole batch. */
	enum blippa_err (*tx_begin)(void *conn);
	enum blippa_err (*tx_end)(void *conn, enum blippa_err rc);
};

/* The order of the ingest checks, once for every backend: looks the batch
 * up (io->facts), gives each event its reason (the first check it fails,
 * docs/server.md), lets a void of a check-in earlier in the batch through,
 * picks per id the first acceptable row not stored before, stores those
 * (io->insert), links the accepted cards and fills res (accepted,
 * duplicate, rejected + reason). May be run again on the same batch after
 * an error (a retry). */
enum blippa_err srv_ingest_batch(const struct srv_ingest_io *io, void *conn,
				 const struct srv_kiosk *k, struct srv_batch *b, int64_t now_ms,
				 struct protocol_result *res);

/* ---- for the backends: account rows to struct srv_user ---- */

/* Folds the rows of an accounts query (name, role, created, facility or
 * NULL), sorted by name, into one struct srv_user per account for fn. */
struct srv_user_fold {
	struct srv_user u;
	bool have;
	srv_user_fn fn;
	void *ctx;
};
void srv_user_fold_init(struct srv_user_fold *f, srv_user_fn fn, void *ctx);
/* One row; false once fn asked to stop (then stop reading). */
bool srv_user_fold_row(struct srv_user_fold *f, const char *name, int role, int64_t created_ms,
		       const char *facility);
/* After the last row: hands the last account to fn. */
void srv_user_fold_end(struct srv_user_fold *f);
/* ---- portable SQL for the audit trail and the participant's rights ----
 * srv_rights.c writes its SQL once, in the dialect both backends share
 * (parameters ?1..?N, all passed as text or NULL; CAST where a type must be
 * known), and runs it through these two calls of the backend. */
typedef int (*srv_sql_row_fn)(void *ctx, int ncol, const char *const *col); /* non-0 stops */
struct srv_sql;
struct srv_sql_ops {
	/* A statement without rows; adds the rows it changed to *changes (may be NULL). */
	enum blippa_err (*exec)(struct srv_sql *q, const char *sql, int n, const char *const *v,
				long *changes);
	/* A query: fn per row, columns as text (NULL for SQL NULL). */
	enum blippa_err (*query)(struct srv_sql *q, const char *sql, int n, const char *const *v,
				 srv_sql_row_fn fn, void *ctx);
};
struct srv_sql {
	const struct srv_sql_ops *ops;
	void *conn;		/* the backend's connection */
	const char *meta_table; /* the table holding roster_version: "meta" or "blippa_meta" */
};
enum srv_sql_mode {
	SRV_SQL_READ = 0,     /* one read transaction (a consistent snapshot) */
	SRV_SQL_WRITE = 1,    /* one write transaction */
	SRV_SQL_ADMIN = 3,    /* write, serialised with imports (PostgreSQL's admin lock) */
	SRV_SQL_ROLLBACK = 4, /* or'ed in: roll back even when fn succeeds (dry runs) */
	SRV_SQL_LAZY = 8,     /* or'ed in: the commit need not wait for the disk (it is
				 durable with the next durable commit; lost only on a power
				 cut before that): SQLite synchronous=NORMAL, PostgreSQL
				 synchronous_commit=off */
};
typedef enum blippa_err (*srv_sql_fn)(struct srv_sql *q, void *ctx);

/* ---- the backend contract ---- */

struct srv_store_ops {
	const char *name;
	enum blippa_err (*open)(const char *target, bool create, void **impl, char *err,
				size_t errlen);
	void (*close)(void *impl);
	enum blippa_err (*import_roster)(void *impl, const struct srv_import *imp,
					 struct srv_import_stats *stats, char *err, size_t errlen);
	enum blippa_err (*facility_exists)(void *impl, const char *facility_id);
	enum blippa_err (*add_kiosk)(void *impl, const char *facility_id, const char *name,
				     const uint8_t token_hash[SRV_TOKEN_HASH_LEN], int64_t now_ms,
				     char id_out[SRV_ID_MAX + 1]);
	enum blippa_err (*list_kiosks)(void *impl, srv_kiosk_fn fn, void *ctx);
	enum blippa_err (*revoke_kiosk)(void *impl, const char *kiosk_id, int64_t now_ms);
	enum blippa_err (*set_leader_pin)(void *impl, const char *leader_id, const char *pin_hash);
	enum blippa_err (*auth_kiosk)(void *impl, const uint8_t token_hash[SRV_TOKEN_HASH_LEN],
				      struct srv_kiosk *out);
	enum blippa_err (*roster_version)(void *impl, int64_t *out);
	enum blippa_err (*load_roster)(void *impl, const char *facility_id, struct roster **out);
	/* Runs srv_ingest_batch() on one of its connections, with its own
	 * transaction and retry rules; fills res. srv_store.c decides and
	 * tallies. */
	enum blippa_err (*ingest_events)(void *impl, const struct srv_kiosk *k, struct srv_batch *b,
					 int64_t now_ms, struct protocol_result *res);
	enum blippa_err (*record_heartbeat)(void *impl, const char *kiosk_id,
					    const struct protocol_heartbeat *hb, int64_t now_ms);
	enum blippa_err (*export_attendance)(void *impl, const struct srv_export_filter *f,
					     srv_export_fn fn, void *ctx);
	/* Every live (not voided) check-in without a session, of facility_id
	 * (NULL: all), in facility, time order; dates are not filtered here. */
	enum blippa_err (*export_open_training)(void *impl, const char *facility_id,
						srv_export_fn fn, void *ctx);
	/* back-office accounts (srv_store_*_users.c) */
	enum blippa_err (*add_user)(void *impl, const struct srv_user *u);
	enum blippa_err (*get_user)(void *impl, const char *name, struct srv_user *out);
	enum blippa_err (*set_password)(void *impl, const char *name, const char *pw_hash);
	enum blippa_err (*list_users)(void *impl, srv_user_fn fn, void *ctx);
	enum blippa_err (*remove_user)(void *impl, const char *name);
	enum blippa_err (*list_facilities)(void *impl, srv_facility_fn fn, void *ctx);
	enum blippa_err (*correct)(void *impl, const struct srv_correction *c);
	enum blippa_err (*list_corrections)(void *impl, const char *group_id, srv_correction_fn fn,
					    void *ctx);
	/* srv_store_*_att.c */
	enum blippa_err (*attendance)(void *impl, enum srv_att_query q, const char *const *args,
				      srv_row_fn fn, void *ctx);
	enum blippa_err (*att_rebuild)(void *impl);
	/* Takes a connection, opens a transaction of mode, calls fn and commits
	 * when fn answers BLIPPA_OK (and mode has no SRV_SQL_ROLLBACK). */
	enum blippa_err (*with_sql)(void *impl, int mode, srv_sql_fn fn, void *ctx);
};

extern const struct srv_store_ops srv_store_sqlite_ops;

/* ---- for the backends: one connection pool ---- */

/* The first member of a backend's connection struct. */
struct srv_pool_conn {
	struct srv_pool_conn *next;
};

/* Up to max connections, handed out one per caller; thread-safe. */
struct srv_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct srv_pool_conn *idle;
	int n_open, max;
};

/* Starts a pool of at most max connections holding first (an open
 * connection, counted; or NULL). */
void srv_pool_init(struct srv_pool *p, int max, struct srv_pool_conn *first);
/* Takes an idle connection; else, below max, opens one with open(ctx,
 * out); else waits for one to come back. */
enum blippa_err srv_pool_get(struct srv_pool *p,
			     enum blippa_err (*open)(void *ctx, struct srv_pool_conn **out),
			     void *ctx, struct srv_pool_conn **out);
/* Gives c back (NULL is a no-op); the caller has reset its session. */
void srv_pool_put(struct srv_pool *p, struct srv_pool_conn *c);
/* Frees every idle connection with free_conn and the pool's locks. */
void srv_pool_destroy(struct srv_pool *p, void (*free_conn)(struct srv_pool_conn *c));

struct srv_store;

/* Opens the region database named by db: a file path (SQLite). With create,
 * makes a new database (mode 0600) and fails with BLIPPA_ERR_EXISTS if the
 * file is already there; without, fails with BLIPPA_ERR_NOT_FOUND if it is
 * missing. A "postgresql://" target answers BLIPPA_ERR_CONFIG (backend not
 * built yet, issue 8). err gets one line naming the database. */
enum blippa_err srv_store_open(const char *db, bool create, struct srv_store **out, char *err,
			       size_t errlen);
void srv_store_close(struct srv_store *st); /* NULL is a no-op */

/* Replaces the whole region roster with imp in one transaction (upsert what
 * changed, delete what is gone). Leader PINs and kiosk-linked cards of
 * participants who remain are kept; events are never touched. A session that
 * is gone but has check-in events is kept, marked removed (counted in
 * removed once): no longer in rosters nor accepting check-ins, but still in
 * the export; listing it again un-removes it. Importing the same snapshot
 * twice reports changed = removed = 0 and changes nothing. With
 * imp->dry_run the stats are computed the same way and nothing is kept. */
enum blippa_err srv_store_import(struct srv_store *st, const struct srv_import *imp,
				 struct srv_import_stats *stats, char *err, size_t errlen);
/* BLIPPA_OK if the facility exists, BLIPPA_ERR_NOT_FOUND if not. */
enum blippa_err srv_store_facility_exists(struct srv_store *st, const char *facility_id);

/* Registers a kiosk of an existing facility (else BLIPPA_ERR_NOT_FOUND) and
 * writes its new id ("k-" + 8 hex digits) into id_out. */
enum blippa_err srv_store_add_kiosk(struct srv_store *st, const char *facility_id, const char *name,
				    const uint8_t token_hash[SRV_TOKEN_HASH_LEN], int64_t now_ms,
				    char id_out[SRV_ID_MAX + 1]);
enum blippa_err srv_store_list_kiosks(struct srv_store *st, srv_kiosk_fn fn, void *ctx);
/* Revokes the kiosk's token for good; BLIPPA_ERR_NOT_FOUND if no such kiosk. */
enum blippa_err srv_store_revoke_kiosk(struct srv_store *st, const char *kiosk_id, int64_t now_ms);
/* Stores an Argon2id string for a leader; BLIPPA_ERR_NOT_FOUND if no such leader. */
enum blippa_err srv_store_set_leader_pin(struct srv_store *st, const char *leader_id,
					 const char *pin_hash);
/* Finds the kiosk whose token hashes to token_hash and is not revoked;
 * BLIPPA_ERR_NOT_FOUND otherwise. */
enum blippa_err srv_store_auth_kiosk(struct srv_store *st,
				     const uint8_t token_hash[SRV_TOKEN_HASH_LEN],
				     struct srv_kiosk *out);
/* A counter that grows whenever any roster content changes (import, PIN,
 * card link), also when another process changed it. */
enum blippa_err srv_store_roster_version(struct srv_store *st, int64_t *out);
/* The facility's snapshot (protocol.md GET /v1/roster), caller frees it
 * with roster_free. BLIPPA_ERR_NOT_FOUND if the facility is gone. */
enum blippa_err srv_store_load_roster(struct srv_store *st, const char *facility_id,
				      struct roster **out);
/* Decides and stores a batch of events from kiosk k in ONE transaction:
 * res[i] gets accepted / duplicate / rejected+reason for ev[i]. Event ids
 * and voids ids are compared without regard to case (lowered first, for
 * both backends; res[i].id is the lowered id). On an error
 * nothing is stored and res is undefined. */
enum blippa_err srv_store_ingest_events(struct srv_store *st, const struct srv_kiosk *k,
					const struct protocol_event *ev, size_t n, int64_t now_ms,
					struct protocol_result *res,
					struct srv_ingest_stats *stats);
/* A copy of the ingest counters of st (thread-safe). */
void srv_store_ingest_counters(struct srv_store *st, struct srv_ingest_counters *out);
enum blippa_err srv_store_record_heartbeat(struct srv_store *st, const char *kiosk_id,
					   const struct protocol_heartbeat *hb, int64_t now_ms);
/* Calls fn once per (not removed session, current member of its group), and
 * once per other (session, participant) with a live check-in: a participant
 * no longer in the group (given/family name "" if no longer in the roster)
 * or a removed session; in facility, group, session start, session,
 * participant order. Sessions whose facility is gone are left out. */
enum blippa_err srv_store_export(struct srv_store *st, const struct srv_export_filter *f,
				 srv_export_fn fn, void *ctx);
/* Calls fn once per live open-training visit (a check-in recorded without a
 * session) whose facility-local date passes f's facility and dates, with
 * row.open_training set (group, session and start ""), in facility, time
 * order. */
enum blippa_err srv_store_export_open_training(struct srv_store *st,
					       const struct srv_export_filter *f, srv_export_fn fn,
					       void *ctx);

/* Adds a staff account: BLIPPA_ERR_EXISTS if the name is taken,
 * BLIPPA_ERR_NOT_FOUND if one of u->facilities does not exist. */
enum blippa_err srv_store_add_user(struct srv_store *st, const struct srv_user *u);
/* Fills out with the account and its facilities; BLIPPA_ERR_NOT_FOUND. */
enum blippa_err srv_store_get_user(struct srv_store *st, const char *name, struct srv_user *out);
/* Replaces the Argon2id string; BLIPPA_ERR_NOT_FOUND if no such account. */
enum blippa_err srv_store_set_password(struct srv_store *st, const char *name, const char *pw_hash);
/* Calls fn per account in name order (pw_hash left empty). */
enum blippa_err srv_store_list_users(struct srv_store *st, srv_user_fn fn, void *ctx);
/* Deletes the account; BLIPPA_ERR_NOT_FOUND if there is none. */
enum blippa_err srv_store_remove_user(struct srv_store *st, const char *name);
/* Calls fn per facility in id order. */
enum blippa_err srv_store_list_facilities(struct srv_store *st, srv_facility_fn fn, void *ctx);

/* Records a correction in one transaction: present adds a check-in (method
 * leader, kiosk "staff:<user>") unless one is live; not present voids every
 * live check-in of the participant at the session. The reason is stored in
 * any case. The caller has checked group, session and participant. */
enum blippa_err srv_store_correct(struct srv_store *st, const struct srv_correction *c);
/* Calls fn per correction of the group, newest first. */
enum blippa_err srv_store_list_corrections(struct srv_store *st, const char *group_id,
					   srv_correction_fn fn, void *ctx);
/* Runs fn in one transaction of mode (enum srv_sql_mode) with portable SQL
 * (srv_rights.c); BLIPPA_ERR_CONFIG if the backend has no with_sql. */
enum blippa_err srv_store_sql(struct srv_store *st, int mode, srv_sql_fn fn, void *ctx);

/* Runs attendance query q with its arguments (4 for overview queries, 1 for
 * group queries; see enum srv_att_query), one fn call per row; the column
 * strings live until fn returns. */
enum blippa_err srv_store_attendance(struct srv_store *st, enum srv_att_query q,
				     const char *const *args, srv_row_fn fn, void *ctx);
/* Recomputes the attendance summary from the events in one transaction
 * (import does this itself when the roster changed; the benchmark after a
 * bulk load). */
enum blippa_err srv_store_att_rebuild(struct srv_store *st);

#endif
