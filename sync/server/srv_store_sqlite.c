/* SPDX-License-Identifier: MIT */
/* SQLite backend of srv_store.h: all of the server's SQL lives here.
 *
 * One database file in WAL mode, synchronous=FULL (an event answered
 * "accepted" is on disk). A small pool of connections serves the HTTP
 * threads (each connection used by one thread at a time, statements prepared
 * once per connection); write transactions are serialised by a mutex in the
 * process (no SQLITE_BUSY spinning between our own threads) and by
 * busy_timeout against other processes (admin commands while serving).
 * Schema changes are numbered migrations keyed on PRAGMA user_version. */
#include "srv_store_sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define SQ_APP_ID 0x426c7053 /* "BlpS": a Blippa region database */
#define SQ_SCHEMA_VERSION 6
#define SQ_POOL_MAX 8
#define SQ_BUSY_MS 10000

static const char *const schema_v1 =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "INSERT INTO meta VALUES('roster_version', 1);"
    "CREATE TABLE facilities(id TEXT PRIMARY KEY, name TEXT NOT NULL, timezone TEXT NOT NULL);"
    "CREATE TABLE groups(id TEXT PRIMARY KEY, facility_id TEXT NOT NULL, name TEXT NOT NULL,"
    " period_start TEXT NOT NULL, period_end TEXT NOT NULL);"
    "CREATE INDEX groups_by_facility ON groups(facility_id);"
    "CREATE TABLE sessions(id TEXT PRIMARY KEY, group_id TEXT NOT NULL,"
    " start_local TEXT NOT NULL, end_local TEXT NOT NULL);"
    "CREATE INDEX sessions_by_group ON sessions(group_id);"
    "CREATE TABLE participants(id TEXT PRIMARY KEY, given_name TEXT NOT NULL,"
    " family_name TEXT NOT NULL);"
    "CREATE TABLE members(group_id TEXT NOT NULL, participant_id TEXT NOT NULL,"
    " PRIMARY KEY(group_id, participant_id)) WITHOUT ROWID;"
    "CREATE INDEX members_by_participant ON members(participant_id);"
    "CREATE TABLE leaders(id TEXT PRIMARY KEY, facility_id TEXT NOT NULL, name TEXT NOT NULL,"
    " pin_hash TEXT);"
    /* owner 0 participant, 1 leader; source 0 roster import, 1 linked at a kiosk */
    "CREATE TABLE cards(uid TEXT PRIMARY KEY, owner INTEGER NOT NULL, owner_id TEXT NOT NULL,"
    " source INTEGER NOT NULL);"
    "CREATE INDEX cards_by_owner ON cards(owner, owner_id);"
    "CREATE TABLE kiosks(id TEXT PRIMARY KEY, facility_id TEXT NOT NULL, name TEXT NOT NULL,"
    " token_hash BLOB NOT NULL UNIQUE, created_ms INTEGER NOT NULL, revoked_ms INTEGER,"
    " last_seen_ms INTEGER, hb_version TEXT, hb_pending INTEGER, hb_oldest_age_s INTEGER,"
    " hb_reader TEXT, hb_last_error TEXT, hb_kiosk_time_ms INTEGER);"
    /* type 0 checkin, 1 void, 2 card_link; method 0 card, 1 name, 2 leader */
    "CREATE TABLE events(id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL,"
    " facility_id TEXT NOT NULL, type INTEGER NOT NULL, at_ms INTEGER NOT NULL,"
    " method INTEGER, participant_id TEXT, session_id TEXT, voids_id TEXT, card_uid TEXT,"
    " received_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX events_checkins ON events(session_id, participant_id) WHERE type "
    "= " EVENT_DB_CHECKIN_SQL ";"
    "CREATE INDEX events_voids ON events(voids_id) WHERE type = " EVENT_DB_VOID_SQL ";";
/* v2: a session removed from sessions.csv that has check-ins is kept,
 * marked removed (not sent to kiosks, no check-ins accepted), so the export
 * still shows its attendance. */
static const char *const schema_v2 =
    "ALTER TABLE sessions ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;";

/* v3: back-office staff accounts (DESIGN §11); role 0 admin, 1 coordinator,
 * 2 viewer; user_facilities names the facilities of coordinators/viewers;
 * corrections keeps the reason of each staff correction (its events are in
 * events, kiosk_id "staff:<user>"). */
static const char *const schema_v3 =
    "CREATE TABLE users(name TEXT PRIMARY KEY, role INTEGER NOT NULL, pw_hash TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL);"
    "CREATE TABLE user_facilities(user_name TEXT NOT NULL, facility_id TEXT NOT NULL,"
    " PRIMARY KEY(user_name, facility_id)) WITHOUT ROWID;"
    "CREATE TABLE corrections(id INTEGER PRIMARY KEY, facility_id TEXT NOT NULL,"
    " group_id TEXT NOT NULL, session_id TEXT NOT NULL, participant_id TEXT NOT NULL,"
    " present INTEGER NOT NULL, user_name TEXT NOT NULL, reason TEXT NOT NULL,"
    " at_ms INTEGER NOT NULL);"
    "CREATE INDEX corrections_by_group ON corrections(group_id);";

/* v5: each participant's language (ISO 639-1, '' if none), from the optional
 * language column of participants.csv; kiosks greet in it. */
static const char *const schema_v5 =
    "ALTER TABLE participants ADD COLUMN language TEXT NOT NULL DEFAULT '';";

/* v6: the audit trail (audit.h, docs/privacy.md): append-only, the
 * triggers refuse every UPDATE and DELETE. */
static const char *const schema_v6 =
    "CREATE TABLE audit(id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, actor TEXT NOT NULL,"
    " action TEXT NOT NULL, facility_id TEXT, group_id TEXT, session_id TEXT,"
    " participant_id TEXT, address TEXT, detail TEXT);"
    "CREATE INDEX audit_by_time ON audit(at_ms);"
    "CREATE INDEX audit_by_participant ON audit(participant_id) WHERE participant_id IS NOT NULL;"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;";

#define KIOSK_COLS                                                                                 \
	"id, facility_id, name, created_ms, revoked_ms, last_seen_ms, hb_version, hb_pending,"     \
	" hb_oldest_age_s, hb_reader, hb_last_error, hb_kiosk_time_ms"
#define FAC_PARTS                                                                                  \
	"SELECT m.participant_id FROM members m JOIN groups g ON g.id = m.group_id"                \
	" WHERE g.facility_id = ?1"

static const char *const sq_sql[Q_COUNT] = {
    [Q_VERSION] = "SELECT value FROM meta WHERE key = 'roster_version'",
    [Q_VERSION_BUMP] = "UPDATE meta SET value = value + 1 WHERE key = 'roster_version'",
    [Q_KEY] = "INSERT OR IGNORE INTO temp.imp_keys VALUES(?1, ?2, ?3)",
    [Q_FAC_UP] = "INSERT INTO facilities VALUES(?1, ?2, ?3) ON CONFLICT(id) DO UPDATE SET"
		 " name = excluded.name, timezone = excluded.timezone"
		 " WHERE name IS NOT excluded.name OR timezone IS NOT excluded.timezone",
    [Q_GRP_UP] = "INSERT INTO groups VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO UPDATE SET"
		 " facility_id = excluded.facility_id, name = excluded.name,"
		 " period_start = excluded.period_start, period_end = excluded.period_end"
		 " WHERE facility_id IS NOT excluded.facility_id OR name IS NOT excluded.name"
		 " OR period_start IS NOT excluded.period_start"
		 " OR period_end IS NOT excluded.period_end",
    [Q_SES_UP] = "INSERT INTO sessions(id, group_id, start_local, end_local)"
		 " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(id) DO UPDATE SET"
		 " group_id = excluded.group_id, start_local = excluded.start_local,"
		 " end_local = excluded.end_local, removed = 0"
		 " WHERE group_id IS NOT excluded.group_id"
		 " OR start_local IS NOT excluded.start_local"
		 " OR end_local IS NOT excluded.end_local OR removed <> 0",
    [Q_PAR_UP] = "INSERT INTO participants(id, given_name, family_name, language)"
		 " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(id) DO UPDATE SET"
		 " given_name = excluded.given_name, family_name = excluded.family_name,"
		 " language = excluded.language"
		 " WHERE given_name IS NOT excluded.given_name"
		 " OR family_name IS NOT excluded.family_name"
		 " OR language IS NOT excluded.language",
    [Q_MEM_UP] = "INSERT OR IGNORE INTO members VALUES(?1, ?2)",
    [Q_LEA_UP] = "INSERT INTO leaders(id, facility_id, name) VALUES(?1, ?2, ?3)"
		 " ON CONFLICT(id) DO UPDATE SET facility_id = excluded.facility_id,"
		 " name = excluded.name WHERE facility_id IS NOT excluded.facility_id"
		 " OR name IS NOT excluded.name",
    [Q_CARD_UP] = "INSERT INTO cards VALUES(?1, ?2, ?3, 0) ON CONFLICT(uid) DO UPDATE SET"
		  " owner = excluded.owner, owner_id = excluded.owner_id, source = 0"
		  " WHERE owner IS NOT excluded.owner OR owner_id IS NOT excluded.owner_id"
		  " OR source <> 0",
    [Q_FAC_DEL] = "DELETE FROM facilities WHERE id NOT IN"
		  " (SELECT k1 FROM temp.imp_keys WHERE tbl = 0)",
    [Q_GRP_DEL] = "DELETE FROM groups WHERE id NOT IN"
		  " (SELECT k1 FROM temp.imp_keys WHERE tbl = 1)",
    /* sessions with check-ins are only marked removed (Q_SES_HIDE) */
    [Q_SES_DEL] = "DELETE FROM sessions WHERE id NOT IN"
		  " (SELECT k1 FROM temp.imp_keys WHERE tbl = 2) AND NOT EXISTS"
		  " (SELECT 1 FROM events e WHERE e.type = " EVENT_DB_CHECKIN_SQL
		  " AND e.session_id = sessions.id)",
    [Q_SES_HIDE] = "UPDATE sessions SET removed = 1 WHERE removed = 0 AND id NOT IN"
		   " (SELECT k1 FROM temp.imp_keys WHERE tbl = 2)",
    [Q_PAR_DEL] = "DELETE FROM participants WHERE id NOT IN"
		  " (SELECT k1 FROM temp.imp_keys WHERE tbl = 3)",
    [Q_MEM_DEL] = "DELETE FROM members WHERE (group_id, participant_id) NOT IN"
		  " (SELECT k1, k2 FROM temp.imp_keys WHERE tbl = 4)",
    [Q_LEA_DEL] = "DELETE FROM leaders WHERE id NOT IN"
		  " (SELECT k1 FROM temp.imp_keys WHERE tbl = 5)",
    [Q_CARD_DEL_IMPORT] = "DELETE FROM cards WHERE source = 0 AND uid NOT IN"
			  " (SELECT k1 FROM temp.imp_keys WHERE tbl = 6)",
    [Q_CARD_DEL_ORPHAN] = "DELETE FROM cards WHERE (owner = 0 AND owner_id NOT IN"
			  " (SELECT id FROM participants)) OR (owner = 1 AND owner_id NOT IN"
			  " (SELECT id FROM leaders))",
    [Q_FAC_GET] = "SELECT name, timezone FROM facilities WHERE id = ?1",
    [Q_KIOSK_ADD] = "INSERT INTO kiosks(id, facility_id, name, token_hash, created_ms)"
		    " VALUES(?1, ?2, ?3, ?4, ?5)",
    /* + events stamped more than 2 min after they were received */
    [Q_KIOSK_LIST] = "SELECT " KIOSK_COLS ", coalesce(f.n, 0) FROM kiosks"
		     " LEFT JOIN (SELECT kiosk_id, count(*) AS n FROM events"
		     " WHERE at_ms > received_ms + 120000 GROUP BY kiosk_id) f"
		     " ON f.kiosk_id = kiosks.id ORDER BY facility_id, id",
    [Q_KIOSK_REVOKE] = "UPDATE kiosks SET revoked_ms = ?2 WHERE id = ?1",
    [Q_PIN_SET] = "UPDATE leaders SET pin_hash = ?2 WHERE id = ?1",
    [Q_AUTH] = "SELECT " KIOSK_COLS " FROM kiosks WHERE token_hash = ?1 AND revoked_ms IS NULL",
    [Q_R_GROUPS] = "SELECT id, name, period_start, period_end FROM groups WHERE facility_id = ?1",
    [Q_R_SESSIONS] = "SELECT s.id, s.group_id, s.start_local, s.end_local FROM sessions s"
		     " JOIN groups g ON g.id = s.group_id WHERE g.facility_id = ?1"
		     " AND s.removed = 0",
    [Q_R_PARTS] =
	"SELECT id, given_name, family_name, language FROM participants WHERE id IN (" FAC_PARTS
	")",
    [Q_R_MEMBERS] = "SELECT m.group_id, m.participant_id FROM members m"
		    " JOIN groups g ON g.id = m.group_id WHERE g.facility_id = ?1",
    [Q_R_LEADERS] = "SELECT id, name, pin_hash FROM leaders WHERE facility_id = ?1",
    [Q_R_CARDS] = "SELECT uid, owner, owner_id FROM cards WHERE (owner = 0 AND owner_id IN"
		  " (" FAC_PARTS ")) OR (owner = 1 AND owner_id IN"
		  " (SELECT id FROM leaders WHERE facility_id = ?1))",
    [Q_SES_INFO] = "SELECT s.group_id, g.facility_id FROM sessions s"
		   " JOIN groups g ON g.id = s.group_id WHERE s.id = ?1 AND s.removed = 0",
    [Q_MEMBER] = "SELECT 1 FROM members WHERE group_id = ?1 AND participant_id = ?2",
    [Q_PART_IN_FAC] = "SELECT 1 FROM members m JOIN groups g ON g.id = m.group_id"
		      " WHERE m.participant_id = ?1 AND g.facility_id = ?2 LIMIT 1",
    [Q_EV_GET] = "SELECT type, facility_id FROM events WHERE id = ?1",
    [Q_EV_INS] = "INSERT INTO events VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
		 " ON CONFLICT(id) DO NOTHING",
    [Q_CARD_UNLINK] = "DELETE FROM cards WHERE uid = ?1"
		      " OR (owner = 0 AND owner_id = ?2 AND source = 1)",
    [Q_CARD_OWNER] = "SELECT owner, owner_id FROM cards WHERE uid = ?1",
    [Q_CARD_LINK] = "INSERT INTO cards VALUES(?1, 0, ?2, 1)",
    [Q_HEARTBEAT] = "UPDATE kiosks SET last_seen_ms = ?2, hb_version = ?3, hb_pending = ?4,"
		    " hb_oldest_age_s = ?5, hb_reader = ?6, hb_last_error = ?7,"
		    " hb_kiosk_time_ms = ?8 WHERE id = ?1",
    /* Part 1: every member of every (not removed) session, with the earliest
     * live check-in if any. Part 2: every other live check-in with a session
     * (the participant left the group, or left the roster, or the session
     * was removed from sessions.csv) so an import never hides attendance;
     * names are empty when the participant is no longer in the roster. */
    [Q_EXPORT] =
	"WITH c AS (SELECT e.session_id, e.participant_id, e.at_ms, e.method, e.kiosk_id,"
	" e.facility_id, ROW_NUMBER() OVER (PARTITION BY e.session_id, e.participant_id"
	" ORDER BY e.at_ms, e.id) AS rn FROM events e"
	" WHERE e.type = " EVENT_DB_CHECKIN_SQL " AND e.session_id IS NOT NULL AND NOT EXISTS"
	" (SELECT 1 FROM events v WHERE v.type = " EVENT_DB_VOID_SQL " AND v.voids_id = e.id)),"
	" r AS (SELECT f.id AS fid, f.timezone AS tz, g.id AS gid, s.id AS sid,"
	" s.start_local AS st, p.id AS pid, p.given_name AS gn, p.family_name AS fn,"
	" c.at_ms AS at, c.method AS me, c.kiosk_id AS ki"
	" FROM sessions s JOIN groups g ON g.id = s.group_id"
	" JOIN facilities f ON f.id = g.facility_id"
	" JOIN members m ON m.group_id = g.id JOIN participants p ON p.id = m.participant_id"
	" LEFT JOIN c ON c.session_id = s.id AND c.participant_id = p.id AND c.rn = 1"
	" WHERE s.removed = 0"
	" UNION ALL"
	" SELECT f.id, f.timezone, s.group_id, s.id, s.start_local, c.participant_id,"
	" COALESCE(p.given_name, ''), COALESCE(p.family_name, ''), c.at_ms, c.method,"
	" c.kiosk_id FROM c JOIN sessions s ON s.id = c.session_id"
	" LEFT JOIN groups g ON g.id = s.group_id"
	" JOIN facilities f ON f.id = COALESCE(g.facility_id, c.facility_id)"
	" LEFT JOIN participants p ON p.id = c.participant_id"
	" WHERE c.rn = 1 AND NOT (s.removed = 0 AND g.id IS NOT NULL AND p.id IS NOT NULL"
	" AND EXISTS (SELECT 1 FROM members m WHERE m.group_id = s.group_id"
	" AND m.participant_id = c.participant_id)))"
	" SELECT fid, tz, gid, sid, st, pid, gn, fn, at, me, ki FROM r"
	" WHERE (?1 IS NULL OR fid = ?1)"
	" AND (?2 IS NULL OR substr(st, 1, 10) >= ?2)"
	" AND (?3 IS NULL OR substr(st, 1, 10) <= ?3)"
	" ORDER BY fid, gid, st, sid, pid",
    /* live check-ins without a session: open-training visits */
    [Q_EXPORT_OPEN] =
	"SELECT e.facility_id, f.timezone, e.participant_id, COALESCE(p.given_name, ''),"
	" COALESCE(p.family_name, ''), e.at_ms, e.method, e.kiosk_id FROM events e"
	" JOIN facilities f ON f.id = e.facility_id"
	" LEFT JOIN participants p ON p.id = e.participant_id"
	" WHERE e.type = " EVENT_DB_CHECKIN_SQL
	" AND e.session_id IS NULL AND (?1 IS NULL OR e.facility_id = ?1)"
	" AND NOT EXISTS (SELECT 1 FROM events v WHERE v.type = " EVENT_DB_VOID_SQL
	" AND v.voids_id = e.id)"
	" ORDER BY e.facility_id, e.at_ms, e.id",
};

enum blippa_err sq_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return BLIPPA_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return BLIPPA_ERR_BUSY;
	case SQLITE_FULL:
		return BLIPPA_ERR_FULL;
	case SQLITE_NOMEM:
		return BLIPPA_ERR_NOMEM;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return BLIPPA_ERR_CORRUPT;
	case SQLITE_CANTOPEN:
		return BLIPPA_ERR_NOT_FOUND;
	default:
		return BLIPPA_ERR_IO;
	}
}

static void conn_free(struct sq_conn *c)
{
	if (!c)
		return;
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(c->stmt[i]);
	for (int i = 0; i < SRV_ATT_COUNT; i++)
		sqlite3_finalize(c->att[i]);
	sqlite3_close_v2(c->db);
	free(c);
}

static enum blippa_err conn_open(const char *path, bool create, struct sq_conn **out, char *err,
				 size_t errlen)
{
	enum blippa_err rc = BLIPPA_OK;
	struct sq_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return BLIPPA_ERR_NOMEM;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	int src = sqlite3_open_v2(path, &c->db, flags, NULL);
	if (src != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open: %s", path, sqlite3_errstr(src));
		rc = sq_err(src);
		goto out;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, SQ_BUSY_MS);
	src = sqlite3_exec(c->db,
			   "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
			   " PRAGMA foreign_keys = OFF; PRAGMA cache_size = -16000;"
			   " CREATE TEMP TABLE imp_keys(tbl INTEGER, k1 TEXT, k2 TEXT,"
			   " PRIMARY KEY(tbl, k1, k2)) WITHOUT ROWID;",
			   NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(c->db));
		rc = sq_err(src);
		goto out;
	}
out:
	if (rc != BLIPPA_OK) {
		conn_free(c);
		c = NULL;
	}
	*out = c;
	return rc;
}

static enum blippa_err pool_open(void *ctx, struct srv_pool_conn **out)
{
	struct sq_impl *im = ctx;
	struct sq_conn *c = NULL;
	char err[256];
	enum blippa_err rc = conn_open(im->path, false, &c, err, sizeof(err));
	*out = c ? &c->link : NULL;
	return rc;
}

enum blippa_err sq_conn_get(struct sq_impl *im, struct sq_conn **out)
{
	struct srv_pool_conn *l = NULL;
	enum blippa_err rc = srv_pool_get(&im->pool, pool_open, im, &l);
	*out = (struct sq_conn *)l;
	return rc;
}

void sq_conn_put(struct sq_impl *im, struct sq_conn *c)
{
	srv_pool_put(&im->pool, c ? &c->link : NULL);
}

/* The prepared statement id, reset and unbound; NULL on failure. */
sqlite3_stmt *sq_stmt(struct sq_conn *c, enum sq_stmt id)
{
	if (!c->stmt[id]) {
		if (sqlite3_prepare_v3(c->db, sq_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
				       &c->stmt[id], NULL) != SQLITE_OK)
			return NULL;
	} else {
		sqlite3_reset(c->stmt[id]);
		sqlite3_clear_bindings(c->stmt[id]);
	}
	return c->stmt[id];
}

/* Binds texts (NULL or "" stays as given; use bind_opt for NULL-if-empty). */
void sq_bind_texts(sqlite3_stmt *s, const char *const *v, int n)
{
	for (int i = 0; i < n; i++)
		sqlite3_bind_text(s, i + 1, v[i], -1, SQLITE_STATIC);
}

void sq_bind_opt(sqlite3_stmt *s, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

/* Runs a statement that returns no rows; adds its changes to *changes. */
enum blippa_err sq_run(struct sq_conn *c, sqlite3_stmt *s, long *changes)
{
	if (!s)
		return sq_err(sqlite3_errcode(c->db));
	int src = sqlite3_step(s);
	sqlite3_reset(s);
	if (src != SQLITE_DONE && src != SQLITE_ROW)
		return sq_err(src);
	if (changes)
		*changes += sqlite3_changes(c->db);
	return BLIPPA_OK;
}

enum blippa_err sq_run_texts(struct sq_conn *c, enum sq_stmt id, const char *const *v, int n,
			     long *changes)
{
	sqlite3_stmt *s = sq_stmt(c, id);
	if (s)
		sq_bind_texts(s, v, n);
	return sq_run(c, s, changes);
}

enum blippa_err sq_tx_begin(struct sq_impl *im, struct sq_conn *c)
{
	pthread_mutex_lock(&im->write_mu);
	int src = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		pthread_mutex_unlock(&im->write_mu);
		return sq_err(src);
	}
	return BLIPPA_OK;
}

/* Commits when rc is OK, else rolls back; releases the write lock. */
enum blippa_err sq_tx_end(struct sq_impl *im, struct sq_conn *c, enum blippa_err rc)
{
	if (rc == BLIPPA_OK) {
		int src = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
		if (src != SQLITE_OK)
			rc = sq_err(src);
	}
	if (rc != BLIPPA_OK)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&im->write_mu);
	return rc;
}

enum blippa_err sq_write_tx(struct sq_impl *im, enum blippa_err (*fn)(struct sq_conn *c, void *ctx),
			    void *ctx)
{
	struct sq_conn *c = NULL;
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	rc = sq_tx_begin(im, c);
	if (rc == BLIPPA_OK)
		rc = sq_tx_end(im, c, fn(c, ctx));
	sq_conn_put(im, c);
	return rc;
}

static enum blippa_err migrate(struct sq_conn *c, const char *path, bool create, char *err,
			       size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int version = -1, app = -1;
	if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (sqlite3_prepare_v2(c->db, "PRAGMA application_id", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		app = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (version < 0 || app < 0) {
		snprintf(err, errlen, "%s: not an SQLite database: %s", path,
			 sqlite3_errmsg(c->db));
		return BLIPPA_ERR_CORRUPT;
	}
	if (!create && (app != SQ_APP_ID || version == 0)) {
		snprintf(err, errlen, "%s: not a Blippa region database (make one with init)",
			 path);
		return BLIPPA_ERR_CORRUPT;
	}
	if (version > SQ_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: made by a newer blippa-server (schema %d)", path,
			 version);
		return BLIPPA_ERR_SCHEMA;
	}
	if (version == SQ_SCHEMA_VERSION)
		return BLIPPA_OK;
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", SQ_SCHEMA_VERSION);
	int src = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (src == SQLITE_OK && version < 1) {
		src = sqlite3_exec(c->db, schema_v1, NULL, NULL, NULL);
		if (src == SQLITE_OK)
			src = sqlite3_exec(c->db, "PRAGMA application_id = 1114402899", NULL, NULL,
					   NULL);
	}
	if (src == SQLITE_OK && version < 2)
		src = sqlite3_exec(c->db, schema_v2, NULL, NULL, NULL);
	if (src == SQLITE_OK && version < 3)
		src = sqlite3_exec(c->db, schema_v3, NULL, NULL, NULL);
	/* v4: the attendance summary of the back-office (srv_store_sqlite_att.c) */
	if (src == SQLITE_OK && version < 4) {
		src = sqlite3_exec(c->db, sq_schema_att, NULL, NULL, NULL);
		if (src == SQLITE_OK)
			src = sqlite3_exec(c->db, sq_schema_att_gone, NULL, NULL, NULL);
		if (src == SQLITE_OK)
			src = sq_att_rebuild_conn(c) == BLIPPA_OK ? SQLITE_OK : SQLITE_ERROR;
	}
	if (src == SQLITE_OK && version < 5)
		src = sqlite3_exec(c->db, schema_v5, NULL, NULL, NULL);
	if (src == SQLITE_OK && version < 6)
		src = sqlite3_exec(c->db, schema_v6, NULL, NULL, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		snprintf(err, errlen, "%s: schema migration failed: %s", path,
			 sqlite3_errmsg(c->db));
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		return sq_err(src);
	}
	return BLIPPA_OK;
}

static void pool_free(struct srv_pool_conn *l)
{
	conn_free((struct sq_conn *)l);
}

void sq_close(void *impl)
{
	struct sq_impl *im = impl;
	if (!im)
		return;
	srv_pool_destroy(&im->pool, pool_free);
	pthread_mutex_destroy(&im->write_mu);
	free(im->path);
	free(im);
}

/* The database (and its -wal/-shm files) hold names and tokens: if group or
 * others have any permission on one of them (copied, restored from a backup,
 * chmod'ed), take it back to 0600 and say so. A file that is missing or not
 * ours to chmod is left alone (SQLite's open reports real problems). */
static void enforce_private(const char *path)
{
	static const char *const sfx[] = {"", "-wal", "-shm"};
	char name[4096];
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		struct stat sb;
		if (snprintf(name, sizeof(name), "%s%s", path, sfx[i]) >= (int)sizeof(name))
			return;
		int fd = open(name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 077) != 0) {
			if (fchmod(fd, 0600) == 0)
				log_warn("store",
					 "%s had mode %04o (open to group/others): set to 0600",
					 name, (unsigned)(sb.st_mode & 07777));
			else
				log_warn("store", "%s has mode %04o and cannot be made 0600: %s",
					 name, (unsigned)(sb.st_mode & 07777), strerror(errno));
		}
		close(fd);
	}
}

enum blippa_err sq_open(const char *path, bool create, void **out, char *err, size_t errlen)
{
	enum blippa_err rc = BLIPPA_OK;
	struct sq_conn *c = NULL;
	struct sq_impl *im = NULL;
	bool made = false;
	*out = NULL;
	if (create) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			snprintf(err, errlen, "%s: %s", path,
				 errno == EEXIST ? "already exists (init never overwrites)"
						 : strerror(errno));
			rc = errno == EEXIST ? BLIPPA_ERR_EXISTS : BLIPPA_ERR_IO;
			goto out;
		}
		close(fd);
		made = true;
	} else if (access(path, F_OK) != 0) {
		snprintf(err, errlen, "%s: no such database (make one with init)", path);
		rc = BLIPPA_ERR_NOT_FOUND;
		goto out;
	} else {
		enforce_private(path);
	}
	rc = conn_open(path, create, &c, err, errlen);
	if (rc == BLIPPA_OK)
		rc = migrate(c, path, create, err, errlen);
	if (rc != BLIPPA_OK)
		goto out;
	im = calloc(1, sizeof(*im));
	if (!im || !(im->path = strdup(path))) {
		rc = BLIPPA_ERR_NOMEM;
		goto out;
	}
	srv_pool_init(&im->pool, SQ_POOL_MAX, &c->link);
	pthread_mutex_init(&im->write_mu, NULL);
	c = NULL;
	*out = im;
	im = NULL;
out:
	conn_free(c);
	if (im) {
		free(im->path);
		free(im);
	}
	if (rc != BLIPPA_OK && made) {
		char side[4096];
		unlink(path);
		snprintf(side, sizeof(side), "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", path);
		unlink(side);
	}
	return rc;
}

/* ---------------------------------------------------------------- import */

static enum blippa_err key_add(struct sq_conn *c, int tbl, const char *k1, const char *k2)
{
	sqlite3_stmt *s = sq_stmt(c, Q_KEY);
	if (s) {
		sqlite3_bind_int(s, 1, tbl);
		sqlite3_bind_text(s, 2, k1, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, k2 ? k2 : "", -1, SQLITE_STATIC);
	}
	return sq_run(c, s, NULL);
}

static enum blippa_err card_add(struct sq_conn *c, const char *uid, int owner, const char *owner_id,
				long *changed)
{
	if (!uid || !*uid)
		return BLIPPA_OK;
	enum blippa_err rc = key_add(c, 6, uid, NULL);
	sqlite3_stmt *s = rc == BLIPPA_OK ? sq_stmt(c, Q_CARD_UP) : NULL;
	if (rc != BLIPPA_OK)
		return rc;
	if (s) {
		sqlite3_bind_text(s, 1, uid, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 2, owner);
		sqlite3_bind_text(s, 3, owner_id, -1, SQLITE_STATIC);
	}
	return sq_run(c, s, changed);
}

static enum blippa_err import_rows(struct sq_conn *c, const struct srv_import *m,
				   struct srv_import_stats *st)
{
	enum blippa_err rc =
	    sqlite3_exec(c->db, "DELETE FROM temp.imp_keys", NULL, NULL, NULL) == SQLITE_OK
		? BLIPPA_OK
		: BLIPPA_ERR_IO;
	for (size_t i = 0; rc == BLIPPA_OK && i < m->n_facilities; i++) {
		const struct srv_facility *f = &m->facilities[i];
		const char *v[] = {f->id, f->name, f->timezone};
		rc = sq_run_texts(c, Q_FAC_UP, v, 3, &st->changed);
		if (rc == BLIPPA_OK)
			rc = key_add(c, 0, f->id, NULL);
	}
	for (size_t i = 0; rc == BLIPPA_OK && i < m->n_groups; i++) {
		const struct srv_group *g = &m->groups[i];
		const char *v[] = {g->id, g->facility_id, g->name, g->period_start, g->period_end};
		rc = sq_run_texts(c, Q_GRP_UP, v, 5, &st->changed);
		if (rc == BLIPPA_OK)
			rc = key_add(c, 1, g->id, NULL);
	}
	for (size_t i = 0; rc == BLIPPA_OK && i < m->n_sessions; i++) {
		const struct srv_session *s = &m->sessions[i];
		const char *v[] = {s->id, s->group_id, s->start, s->end};
		rc = sq_run_texts(c, Q_SES_UP, v, 4, &st->changed);
		if (rc == BLIPPA_OK)
			rc = key_add(c, 2, s->id, NULL);
	}
	for (size_t i = 0; rc == BLIPPA_OK && i < m->n_participants; i++) {
		const struct srv_participant *p = &m->participants[i];
		const char *v[] = {p->id, p->given_name, p->family_name,
				   p->language ? p->language : ""};
		rc = sq_run_texts(c, Q_PAR_UP, v, 4, &st->changed);
		if (rc == BLIPPA_OK)
			rc = key_add(c, 3, p->id, NULL);
		if (rc == BLIPPA_OK)
			rc = card_add(c, p->card_uid, 0, p->id, &st->changed);
	}
	for (size_t i = 0; rc == BLIPPA_OK && i < m->n_members; i++) {
		const struct srv_member *mb = &m->members[i];
		const char *v[] = {mb->group_id, mb->participant_id};
		rc = sq_run_texts(c, Q_MEM_UP, v, 2, &st->changed);
		if (rc == BLIPPA_OK)
			rc = key_add(c, 4, mb->group_id, mb->participant_id);
	}
	for (size_t i = 0; rc == BLIPPA_OK && i < m->n_leaders; i++) {
		const struct srv_leader *l = &m->leaders[i];
		const char *v[] = {l->id, l->facility_id, l->name};
		rc = sq_run_texts(c, Q_LEA_UP, v, 3, &st->changed);
		if (rc == BLIPPA_OK)
			rc = key_add(c, 5, l->id, NULL);
		if (rc == BLIPPA_OK)
			rc = card_add(c, l->card_uid, 1, l->id, &st->changed);
	}
	static const enum sq_stmt dels[] = {Q_FAC_DEL,	Q_GRP_DEL,	   Q_SES_DEL,
					    Q_SES_HIDE, Q_PAR_DEL,	   Q_MEM_DEL,
					    Q_LEA_DEL,	Q_CARD_DEL_IMPORT, Q_CARD_DEL_ORPHAN};
	for (size_t i = 0; rc == BLIPPA_OK && i < sizeof(dels) / sizeof(dels[0]); i++)
		rc = sq_run(c, sq_stmt(c, dels[i]), &st->removed);
	if (rc == BLIPPA_OK && st->changed + st->removed > 0)
		rc = sq_run(c, sq_stmt(c, Q_VERSION_BUMP), NULL);
	/* membership and sessions decide the attendance summary */
	if (rc == BLIPPA_OK && st->changed + st->removed > 0)
		rc = sq_att_rebuild_conn(c);
	return rc;
}

enum blippa_err sq_import(void *impl, const struct srv_import *m, struct srv_import_stats *st,
			  char *err, size_t errlen)
{
	struct sq_impl *im = impl;
	struct sq_conn *c = NULL;
	memset(st, 0, sizeof(*st));
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		goto out;
	rc = sq_tx_begin(im, c);
	if (rc != BLIPPA_OK)
		goto out;
	rc = import_rows(c, m, st);
	/* a dry run rolls back what it counted (any error code does) */
	bool roll = rc == BLIPPA_OK && m->dry_run;
	rc = sq_tx_end(im, c, roll ? BLIPPA_ERR_EXISTS : rc);
	if (roll)
		rc = BLIPPA_OK;
out:
	if (rc != BLIPPA_OK)
		snprintf(err, errlen, "%s: import failed, nothing changed: %s%s%s", im->path,
			 blippa_strerror(rc), c ? ": " : "", c ? sqlite3_errmsg(c->db) : "");
	sq_conn_put(im, c);
	return rc;
}
