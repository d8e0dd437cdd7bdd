/* SPDX-License-Identifier: MIT */
/* PostgreSQL backend of srv_store.h (issue 8): all of its SQL lives here.
 *
 * Target: a libpq URI (postgresql://user@host/db?...). The database must
 * exist (createdb); `init` creates the schema in it, and refuses if one is
 * there. Schema changes are numbered migrations recorded in blippa_meta
 * (key 'schema_version'), applied under an advisory lock so that several
 * server processes starting at once migrate only once.
 *
 * Several server processes may share one database: nothing is cached
 * between requests except prepared statements, every write is one
 * transaction, and event ingest relies on the primary key of events.id
 * (INSERT ... ON CONFLICT DO NOTHING RETURNING id), never on a
 * read-then-write. Each process keeps a pool of up to PG_POOL_MAX
 * connections (one per request in flight; the URI's pool_max_conns=N, a
 * parameter this backend takes out before libpq sees it as pgxpool does,
 * changes the size); a connection that broke (server restart, network) is
 * re-established and an idempotent operation retried once. Set-based statements (unnest over binary
 * array parameters) keep the round trips per import or event batch constant. */
#include "srv_store_pg_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define PG_POOL_MAX 8
#define PG_POOL_CAP 64
#define PG_POOL_PARAM "pool_max_conns="
#define PG_LOCK_KEY "4779354893174960211" /* advisory lock: migrations, imports */

/* migrations[i] takes the schema from version i to i + 1. */
static const char *const migrations[PG_SCHEMA_VERSION] = {
    "CREATE TABLE blippa_meta(key text PRIMARY KEY, value bigint NOT NULL);"
    "INSERT INTO blippa_meta VALUES('roster_version', 1), ('schema_version', 0);"
    "CREATE TABLE facilities(id text PRIMARY KEY, name text NOT NULL, timezone text NOT NULL);"
    "CREATE TABLE groups(id text PRIMARY KEY, facility_id text NOT NULL, name text NOT NULL,"
    " period_start text NOT NULL, period_end text NOT NULL);"
    "CREATE INDEX groups_by_facility ON groups(facility_id);"
    "CREATE TABLE sessions(id text PRIMARY KEY, group_id text NOT NULL,"
    " start_local text NOT NULL, end_local text NOT NULL);"
    "CREATE INDEX sessions_by_group ON sessions(group_id);"
    "CREATE TABLE participants(id text PRIMARY KEY, given_name text NOT NULL,"
    " family_name text NOT NULL);"
    "CREATE TABLE members(group_id text NOT NULL, participant_id text NOT NULL,"
    " PRIMARY KEY(group_id, participant_id));"
    "CREATE INDEX members_by_participant ON members(participant_id);"
    "CREATE TABLE leaders(id text PRIMARY KEY, facility_id text NOT NULL, name text NOT NULL,"
    " pin_hash text);"
    /* owner 0 participant, 1 leader; source 0 roster import, 1 linked at a kiosk */
    "CREATE TABLE cards(uid text PRIMARY KEY, owner int NOT NULL, owner_id text NOT NULL,"
    " source int NOT NULL);"
    "CREATE INDEX cards_by_owner ON cards(owner, owner_id);"
    "CREATE TABLE kiosks(id text PRIMARY KEY, facility_id text NOT NULL, name text NOT NULL,"
    " token_hash bytea NOT NULL UNIQUE, created_ms bigint NOT NULL, revoked_ms bigint,"
    " last_seen_ms bigint, hb_version text, hb_pending bigint, hb_oldest_age_s bigint,"
    " hb_reader text, hb_last_error text, hb_kiosk_time_ms bigint);"
    /* type 0 checkin, 1 void, 2 card_link; method 0 card, 1 name, 2 leader */
    "CREATE TABLE events(id text PRIMARY KEY, kiosk_id text NOT NULL,"
    " facility_id text NOT NULL, type int NOT NULL, at_ms bigint NOT NULL,"
    " method int, participant_id text, session_id text, voids_id text, card_uid text,"
    " received_ms bigint NOT NULL);"
    /* one narrow index for the export's sessions (every index costs each
     * of the many inserts: docs/perf-pg.md) */
    "CREATE INDEX events_checkins ON events(session_id) WHERE type = " EVENT_DB_CHECKIN_SQL ";"
    "CREATE INDEX events_voids ON events(voids_id) WHERE type = " EVENT_DB_VOID_SQL ";",
    /* v2: a session removed from sessions.csv that has check-ins is kept,
     * marked removed (not sent to kiosks, no check-ins accepted), so the
     * export still shows its attendance (as SQLite schema v2) */
    "ALTER TABLE sessions ADD COLUMN removed int NOT NULL DEFAULT 0;",
    /* v3: back-office staff accounts and corrections (as SQLite schema v3) */
    "CREATE TABLE users(name text PRIMARY KEY, role int NOT NULL, pw_hash text NOT NULL,"
    " created_ms bigint NOT NULL);"
    "CREATE TABLE user_facilities(user_name text NOT NULL, facility_id text NOT NULL,"
    " PRIMARY KEY(user_name, facility_id));"
    "CREATE TABLE corrections(id bigserial PRIMARY KEY, facility_id text NOT NULL,"
    " group_id text NOT NULL, session_id text NOT NULL, participant_id text NOT NULL,"
    " present int NOT NULL, user_name text NOT NULL, reason text NOT NULL,"
    " at_ms bigint NOT NULL);"
    "CREATE INDEX corrections_by_group ON corrections(group_id);",
    /* v4: the attendance summary of the back-office (srv_store_pg_att.c),
     * filled from the events already there */
    pg_schema_att,
    /* v5: each participant's language, '' if none (as SQLite schema v5) */
    "ALTER TABLE participants ADD COLUMN language text NOT NULL DEFAULT '';",
    /* v6: the audit trail (as SQLite schema v6): append-only, a trigger
     * refuses every UPDATE, DELETE and TRUNCATE */
    "CREATE TABLE audit(id bigserial PRIMARY KEY, at_ms bigint NOT NULL, actor text NOT NULL,"
    " action text NOT NULL, facility_id text, group_id text, session_id text,"
    " participant_id text, address text, detail text);"
    "CREATE INDEX audit_by_time ON audit(at_ms);"
    "CREATE INDEX audit_by_participant ON audit(participant_id) WHERE participant_id IS NOT NULL;"
    "CREATE FUNCTION blippa_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    " $$BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END$$;"
    "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit"
    " FOR EACH ROW EXECUTE FUNCTION blippa_audit_append_only();"
    "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit"
    " FOR EACH STATEMENT EXECUTE FUNCTION blippa_audit_append_only();",
    /* v7: the summary's per-group row for the overview (srv_store_pg_att.c),
     * filled from att_session */
    pg_schema_att_group,
};
#define PG_SCHEMA_ATT 4 /* the version that adds the summary */

#define KIOSK_COLS                                                                                 \
	"id, facility_id, name, created_ms, revoked_ms, last_seen_ms, hb_version, hb_pending,"     \
	" hb_oldest_age_s, hb_reader, hb_last_error, hb_kiosk_time_ms"
#define FAC_PARTS                                                                                  \
	"SELECT m.participant_id FROM members m JOIN groups g ON g.id = m.group_id"                \
	" WHERE g.facility_id = $1"
/* Rows of the import snapshot that are gone: anti-join on the keys given. */
#define GONE(tbl, col)                                                                             \
	"DELETE FROM " tbl                                                                         \
	" t WHERE NOT EXISTS (SELECT 1 FROM unnest($1::text[]) k(id) WHERE k.id = t." col ")"

static const char *const pg_sql[PQ_COUNT] = {
    [PQ_VERSION] = "SELECT value FROM blippa_meta WHERE key = 'roster_version'",
    [PQ_VERSION_BUMP] = "UPDATE blippa_meta SET value = value + 1 WHERE key = 'roster_version'",
    [PQ_FAC_UP] =
	"INSERT INTO facilities SELECT * FROM unnest($1::text[], $2::text[], $3::text[])"
	" ON CONFLICT(id) DO UPDATE SET name = excluded.name, timezone = excluded.timezone"
	" WHERE facilities.name IS DISTINCT FROM excluded.name"
	" OR facilities.timezone IS DISTINCT FROM excluded.timezone",
    [PQ_GRP_UP] = "INSERT INTO groups SELECT * FROM unnest($1::text[], $2::text[], $3::text[],"
		  " $4::text[], $5::text[]) ON CONFLICT(id) DO UPDATE SET"
		  " facility_id = excluded.facility_id, name = excluded.name,"
		  " period_start = excluded.period_start, period_end = excluded.period_end"
		  " WHERE groups.facility_id IS DISTINCT FROM excluded.facility_id"
		  " OR groups.name IS DISTINCT FROM excluded.name"
		  " OR groups.period_start IS DISTINCT FROM excluded.period_start"
		  " OR groups.period_end IS DISTINCT FROM excluded.period_end",
    [PQ_SES_UP] = "INSERT INTO sessions(id, group_id, start_local, end_local) SELECT * FROM"
		  " unnest($1::text[], $2::text[], $3::text[], $4::text[]) ON CONFLICT(id) DO"
		  " UPDATE SET group_id = excluded.group_id, start_local = excluded.start_local,"
		  " end_local = excluded.end_local, removed = 0"
		  " WHERE sessions.group_id IS DISTINCT FROM excluded.group_id"
		  " OR sessions.start_local IS DISTINCT FROM excluded.start_local"
		  " OR sessions.end_local IS DISTINCT FROM excluded.end_local"
		  " OR sessions.removed <> 0",
    [PQ_PAR_UP] = "INSERT INTO participants(id, given_name, family_name, language) SELECT * FROM"
		  " unnest($1::text[], $2::text[], $3::text[], $4::text[]) ON CONFLICT(id) DO"
		  " UPDATE SET given_name = excluded.given_name,"
		  " family_name = excluded.family_name, language = excluded.language"
		  " WHERE participants.given_name IS DISTINCT FROM excluded.given_name"
		  " OR participants.family_name IS DISTINCT FROM excluded.family_name"
		  " OR participants.language IS DISTINCT FROM excluded.language",
    [PQ_MEM_UP] = "INSERT INTO members SELECT * FROM unnest($1::text[], $2::text[])"
		  " ON CONFLICT DO NOTHING",
    [PQ_LEA_UP] = "INSERT INTO leaders(id, facility_id, name) SELECT * FROM unnest($1::text[],"
		  " $2::text[], $3::text[]) ON CONFLICT(id) DO UPDATE SET"
		  " facility_id = excluded.facility_id, name = excluded.name"
		  " WHERE leaders.facility_id IS DISTINCT FROM excluded.facility_id"
		  " OR leaders.name IS DISTINCT FROM excluded.name",
    [PQ_CARD_UP] = "INSERT INTO cards SELECT u, o, i, 0 FROM unnest($1::text[], $2::int4[],"
		   " $3::text[]) x(u, o, i) ON CONFLICT(uid) DO UPDATE SET owner = excluded.owner,"
		   " owner_id = excluded.owner_id, source = 0"
		   " WHERE cards.owner IS DISTINCT FROM excluded.owner"
		   " OR cards.owner_id IS DISTINCT FROM excluded.owner_id OR cards.source <> 0",
    [PQ_FAC_DEL] = GONE("facilities", "id"),
    [PQ_GRP_DEL] = GONE("groups", "id"),
    /* sessions with check-ins are only marked removed (PQ_SES_HIDE) */
    [PQ_SES_DEL] =
	GONE("sessions", "id") " AND NOT EXISTS (SELECT 1 FROM events e"
			       " WHERE e.type = " EVENT_DB_CHECKIN_SQL " AND e.session_id = t.id)",
    [PQ_SES_HIDE] = "UPDATE sessions t SET removed = 1 WHERE removed = 0 AND NOT EXISTS"
		    " (SELECT 1 FROM unnest($1::text[]) k(id) WHERE k.id = t.id)",
    [PQ_PAR_DEL] = GONE("participants", "id"),
    [PQ_MEM_DEL] = "DELETE FROM members t WHERE NOT EXISTS (SELECT 1 FROM unnest($1::text[],"
		   " $2::text[]) k(g, p) WHERE k.g = t.group_id AND k.p = t.participant_id)",
    [PQ_LEA_DEL] = GONE("leaders", "id"),
    [PQ_CARD_DEL_IMPORT] = "DELETE FROM cards t WHERE source = 0 AND NOT EXISTS (SELECT 1 FROM"
			   " unnest($1::text[]) k(id) WHERE k.id = t.uid)",
    [PQ_CARD_DEL_ORPHAN] = "DELETE FROM cards c WHERE (owner = 0 AND NOT EXISTS (SELECT 1 FROM"
			   " participants p WHERE p.id = c.owner_id)) OR (owner = 1 AND NOT"
			   " EXISTS (SELECT 1 FROM leaders l WHERE l.id = c.owner_id))",
    [PQ_FAC_GET] = "SELECT name, timezone FROM facilities WHERE id = $1",
    [PQ_KIOSK_ADD] = "INSERT INTO kiosks(id, facility_id, name, token_hash, created_ms)"
		     " VALUES($1, $2, $3, $4::bytea, $5::bigint)",
    /* + events stamped more than 2 min after they were received */
    [PQ_KIOSK_LIST] = "SELECT " KIOSK_COLS ", coalesce(f.n, 0) FROM kiosks"
		      " LEFT JOIN (SELECT kiosk_id, count(*) AS n FROM events"
		      " WHERE at_ms > received_ms + 120000 GROUP BY kiosk_id) f"
		      " ON f.kiosk_id = kiosks.id"
		      " ORDER BY facility_id COLLATE \"C\", id COLLATE \"C\"",
    [PQ_KIOSK_REVOKE] = "UPDATE kiosks SET revoked_ms = $2::bigint WHERE id = $1",
    [PQ_PIN_SET] = "UPDATE leaders SET pin_hash = $2 WHERE id = $1",
    [PQ_AUTH] = "SELECT " KIOSK_COLS " FROM kiosks WHERE token_hash = $1::bytea"
		" AND revoked_ms IS NULL",
    [PQ_R_GROUPS] = "SELECT id, name, period_start, period_end FROM groups WHERE facility_id = $1",
    [PQ_R_SESSIONS] = "SELECT s.id, s.group_id, s.start_local, s.end_local FROM sessions s"
		      " JOIN groups g ON g.id = s.group_id WHERE g.facility_id = $1"
		      " AND s.removed = 0",
    [PQ_R_PARTS] =
	"SELECT id, given_name, family_name, language FROM participants WHERE id IN (" FAC_PARTS
	")",
    [PQ_R_MEMBERS] = "SELECT m.group_id, m.participant_id FROM members m"
		     " JOIN groups g ON g.id = m.group_id WHERE g.facility_id = $1",
    [PQ_R_LEADERS] = "SELECT id, name, pin_hash FROM leaders WHERE facility_id = $1",
    [PQ_R_CARDS] = "SELECT uid, owner, owner_id FROM cards WHERE (owner = 0 AND owner_id IN"
		   " (" FAC_PARTS ")) OR (owner = 1 AND owner_id IN"
		   " (SELECT id FROM leaders WHERE facility_id = $1))",
    /* One row per event of the batch (in: index, type, participant,
     * session, voided id, event id): a reason code (0 acceptable,
     * 1 unknown session, 2 session not in facility, 3 unknown participant,
     * 4 participant not in group, 5 void of no stored check-in of this
     * facility, 6 card link of a card in use elsewhere) and, for an event with a reason, whether
     * its id is stored already (then it is a duplicate; for acceptable events the INSERT's conflict
     * tells). */
    /* The lookups of srv_ev_facts, per event of the batch (srv_store.c
     * decides from them). */
    [PQ_EV_CHECK] =
	"SELECT x.i, EXISTS (SELECT 1 FROM events e WHERE e.id = x.id),"
	" s.id IS NOT NULL, g.facility_id IS NOT DISTINCT FROM $1,"
	" x.t = " EVENT_DB_CHECKIN_SQL " AND s.id IS NOT NULL AND EXISTS (SELECT 1 FROM members m"
	"  WHERE m.group_id = s.group_id AND m.participant_id = x.p),"
	" x.t <> " EVENT_DB_VOID_SQL " AND EXISTS (SELECT 1 FROM members m"
	"  JOIN groups g2 ON g2.id = m.group_id WHERE m.participant_id = x.p"
	"  AND g2.facility_id = $1),"
	" x.t = " EVENT_DB_VOID_SQL " AND EXISTS (SELECT 1 FROM events v WHERE v.id = x.v"
	"  AND v.type = " EVENT_DB_CHECKIN_SQL " AND v.facility_id = $1),"
	/* a card link may take a UID only from nobody, the same participant or
	 * a participant of this facility (never a leader's card) */
	" x.t = " EVENT_DB_CARD_LINK_SQL " AND EXISTS (SELECT 1 FROM cards cd WHERE cd.uid = x.u"
	"  AND (cd.owner <> 0 OR (cd.owner_id <> x.p AND NOT EXISTS (SELECT 1 FROM members m3"
	"  JOIN groups g3 ON g3.id = m3.group_id WHERE m3.participant_id = cd.owner_id"
	"  AND g3.facility_id = $1))))"
	" FROM unnest($2::int4[], $3::int4[], $4::text[], $5::text[], $6::text[], $7::text[],"
	"  $8::text[]) x(i, t, p, s, v, id, u)"
	" LEFT JOIN sessions s ON s.id = x.s AND s.removed = 0"
	" LEFT JOIN groups g ON g.id = s.group_id",
    /* Sorted by id: concurrent batches with overlapping ids take the
     * index locks in the same order and cannot deadlock. */
    [PQ_EV_INS] = "INSERT INTO events SELECT x.id, $1, $2, x.t, x.at, x.m, x.p, x.s, x.v, x.u,"
		  " $3::bigint FROM unnest($4::text[], $5::int4[], $6::int8[], $7::int4[],"
		  " $8::text[], $9::text[], $10::text[], $11::text[]) x(id, t, at, m, p, s, v, u)"
		  " ORDER BY x.id COLLATE \"C\" ON CONFLICT(id) DO NOTHING RETURNING id",
    [PQ_CARD_UNLINK] = "DELETE FROM cards WHERE uid = $1"
		       " OR (owner = 0 AND owner_id = $2 AND source = 1)",
    [PQ_CARD_LINK] = "INSERT INTO cards VALUES($1, 0, $2, 1)",
    [PQ_HEARTBEAT] = "UPDATE kiosks SET last_seen_ms = $2::bigint, hb_version = $3,"
		     " hb_pending = $4::bigint, hb_oldest_age_s = $5::bigint, hb_reader = $6,"
		     " hb_last_error = $7, hb_kiosk_time_ms = $8::bigint WHERE id = $1",
    /* Part 1: every member of every (not removed) session, with the
     * earliest live check-in if any. Part 2: every other live check-in with
     * a session (the participant left the group or the roster, or the
     * session was removed from sessions.csv), so an import never hides
     * attendance; names are empty when the participant is no longer in the
     * roster. Only check-ins of sessions that can pass the filter are read. */
    [PQ_EXPORT] =
	"WITH c AS (SELECT DISTINCT ON (e.session_id, e.participant_id) e.session_id,"
	" e.participant_id, e.at_ms, e.method, e.kiosk_id, e.facility_id FROM events e"
	" WHERE e.type = " EVENT_DB_CHECKIN_SQL " AND e.session_id IN (SELECT s.id FROM sessions s"
	" LEFT JOIN groups g ON g.id = s.group_id"
	" WHERE ($1::text IS NULL OR g.id IS NULL OR g.facility_id = $1)"
	" AND ($2::text IS NULL OR substr(s.start_local, 1, 10) >= $2)"
	" AND ($3::text IS NULL OR substr(s.start_local, 1, 10) <= $3))"
	" AND NOT EXISTS (SELECT 1 FROM events v WHERE v.type = " EVENT_DB_VOID_SQL
	" AND v.voids_id = e.id)"
	" ORDER BY e.session_id, e.participant_id, e.at_ms, e.id COLLATE \"C\"),"
	" r AS (SELECT f.id AS fid, f.timezone AS tz, g.id AS gid, s.id AS sid,"
	" s.start_local AS st, p.id AS pid, p.given_name AS gn, p.family_name AS fn,"
	" c.at_ms AS at, c.method AS me, c.kiosk_id AS ki"
	" FROM sessions s JOIN groups g ON g.id = s.group_id"
	" JOIN facilities f ON f.id = g.facility_id"
	" JOIN members m ON m.group_id = g.id JOIN participants p ON p.id = m.participant_id"
	" LEFT JOIN c ON c.session_id = s.id AND c.participant_id = p.id"
	" WHERE s.removed = 0"
	" UNION ALL"
	" SELECT f.id, f.timezone, s.group_id, s.id, s.start_local, c.participant_id,"
	" COALESCE(p.given_name, ''), COALESCE(p.family_name, ''), c.at_ms, c.method,"
	" c.kiosk_id FROM c JOIN sessions s ON s.id = c.session_id"
	" LEFT JOIN groups g ON g.id = s.group_id"
	" JOIN facilities f ON f.id = COALESCE(g.facility_id, c.facility_id)"
	" LEFT JOIN participants p ON p.id = c.participant_id"
	" WHERE NOT (s.removed = 0 AND g.id IS NOT NULL AND p.id IS NOT NULL"
	" AND EXISTS (SELECT 1 FROM members m WHERE m.group_id = s.group_id"
	" AND m.participant_id = c.participant_id)))"
	" SELECT fid, tz, gid, sid, st, pid, gn, fn, at, me, ki FROM r"
	" WHERE ($1::text IS NULL OR fid = $1)"
	" AND ($2::text IS NULL OR substr(st, 1, 10) >= $2)"
	" AND ($3::text IS NULL OR substr(st, 1, 10) <= $3)"
	" ORDER BY fid COLLATE \"C\", gid COLLATE \"C\", st COLLATE \"C\", sid COLLATE \"C\","
	" pid COLLATE \"C\"",
    /* live check-ins without a session: open-training visits */
    [PQ_EXPORT_OPEN] =
	"SELECT e.facility_id, f.timezone, e.participant_id, COALESCE(p.given_name, ''),"
	" COALESCE(p.family_name, ''), e.at_ms, e.method, e.kiosk_id FROM events e"
	" JOIN facilities f ON f.id = e.facility_id"
	" LEFT JOIN participants p ON p.id = e.participant_id"
	" WHERE e.type = " EVENT_DB_CHECKIN_SQL
	" AND e.session_id IS NULL AND ($1::text IS NULL OR e.facility_id = $1)"
	" AND NOT EXISTS (SELECT 1 FROM events v WHERE v.type = " EVENT_DB_VOID_SQL
	" AND v.voids_id = e.id)"
	" ORDER BY e.facility_id COLLATE \"C\", e.at_ms, e.id COLLATE \"C\"",
};

/* ------------------------------------------------------- binary arrays */

static void arr_put(struct pg_arr *a, const void *p, size_t n)
{
	if (a->failed)
		return;
	if (dynbuf_add(&a->d, p, n) != BLIPPA_OK) {
		a->failed = true; /* memory or PG_ARR_CAP: pg_arr_finish says so */
		return;
	}
	a->buf = a->d.buf;
	a->len = a->d.len;
}

static void arr_u32(struct pg_arr *a, uint32_t v)
{
	uint32_t be = htonl(v);
	arr_put(a, &be, 4);
}

void pg_arr_init(struct pg_arr *a, uint32_t oid)
{
	memset(a, 0, sizeof(*a));
	dynbuf_init(&a->d, PG_ARR_CAP);
	a->oid = oid;
	arr_put(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20); /* header, see finish */
}

void pg_arr_free(struct pg_arr *a)
{
	dynbuf_free(&a->d);
	memset(a, 0, sizeof(*a));
}

void pg_arr_text(struct pg_arr *a, const char *s, bool empty_is_null)
{
	if (!s || (empty_is_null && !*s)) {
		pg_arr_null(a);
		return;
	}
	size_t n = strlen(s);
	arr_u32(a, (uint32_t)n);
	arr_put(a, s, n);
	a->n++;
}

void pg_arr_int4(struct pg_arr *a, int32_t v)
{
	arr_u32(a, 4);
	arr_u32(a, (uint32_t)v);
	a->n++;
}

void pg_arr_int8(struct pg_arr *a, int64_t v)
{
	arr_u32(a, 8);
	arr_u32(a, (uint32_t)((uint64_t)v >> 32));
	arr_u32(a, (uint32_t)((uint64_t)v & 0xffffffffu));
	a->n++;
}

void pg_arr_null(struct pg_arr *a)
{
	arr_u32(a, 0xffffffffu); /* length -1 */
	a->has_null = true;
	a->n++;
}

bool pg_arr_finish(struct pg_arr *a)
{
	if (a->failed || !a->buf)
		return false;
	/* ndim, has-null flag, element type, then (length, lower bound) */
	uint32_t hdr[5] = {htonl(a->n ? 1 : 0), htonl(a->has_null ? 1 : 0), htonl(a->oid),
			   htonl(a->n), htonl(1)};
	memcpy(a->d.buf, hdr, sizeof(hdr));
	if (!a->n)
		a->len = 12; /* an empty array has no dimension */
	return true;
}

/* ---------------------------------------------------------- connections */

static void conn_free(struct pg_conn *c)
{
	if (!c)
		return;
	PQfinish(c->pg);
	free(c);
}

/* Connects to uri; err (may be NULL) gets libpq's reason on failure. */
static enum blippa_err conn_open(const char *uri, const char *label, struct pg_conn **out,
				 char *err, size_t errlen)
{
	/* later keywords override earlier ones: the URI's own settings win */
	static const char *const keys[] = {"connect_timeout", "fallback_application_name",
					   "client_encoding", "dbname", NULL};
	const char *vals[] = {"10", "blippa-server", "UTF8", uri, NULL};
	enum blippa_err rc = BLIPPA_OK;
	struct pg_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return BLIPPA_ERR_NOMEM;
	c->pg = PQconnectdbParams(keys, vals, 1);
	if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
		const char *why = c->pg ? PQerrorMessage(c->pg) : "out of memory";
		if (err)
			snprintf(err, errlen, "%s: cannot connect: %.*s", label,
				 (int)strcspn(why, "\n"), why);
		log_error("pg", "%s: cannot connect: %.*s", label, (int)strcspn(why, "\n"), why);
		rc = BLIPPA_ERR_NETWORK;
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
	struct pg_impl *im = ctx;
	struct pg_conn *c = NULL;
	enum blippa_err rc = conn_open(im->uri, im->label, &c, NULL, 0);
	*out = c ? &c->link : NULL;
	return rc;
}

enum blippa_err pg_conn_get(struct pg_impl *im, struct pg_conn **out)
{
	struct srv_pool_conn *l = NULL;
	enum blippa_err rc = srv_pool_get(&im->pool, pool_open, im, &l);
	*out = (struct pg_conn *)l;
	if (*out && pg_conn_broken(*out))
		rc = pg_conn_reset(*out);
	return rc;
}

void pg_conn_put(struct pg_impl *im, struct pg_conn *c)
{
	if (!c)
		return;
	/* never hand on a connection inside a transaction or mid-result */
	PGTransactionStatusType ts = PQtransactionStatus(c->pg);
	if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
		pg_exec_simple(c, "ROLLBACK");
	else if (ts == PQTRANS_ACTIVE)
		pg_conn_reset(c);
	srv_pool_put(&im->pool, &c->link);
}

bool pg_conn_broken(const struct pg_conn *c)
{
	return PQstatus(c->pg) != CONNECTION_OK;
}

enum blippa_err pg_conn_reset(struct pg_conn *c)
{
	PQreset(c->pg);
	memset(c->prepared, 0, sizeof(c->prepared));
	memset(c->att_prepared, 0, sizeof(c->att_prepared));
	if (PQstatus(c->pg) != CONNECTION_OK) {
		const char *why = PQerrorMessage(c->pg);
		log_error("pg", "reconnect failed: %.*s", (int)strcspn(why, "\n"), why);
		return BLIPPA_ERR_NETWORK;
	}
	log_warn("pg", "database connection re-established");
	return BLIPPA_OK;
}

enum blippa_err pg_result_err(struct pg_conn *c, const PGresult *res)
{
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_SINGLE_TUPLE)
		return BLIPPA_OK;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (!msg)
		msg = PQerrorMessage(c->pg);
	if (!state)
		state = pg_conn_broken(c) ? "08006" : "XX000";
	enum blippa_err rc = BLIPPA_ERR_IO;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0)
		rc = BLIPPA_ERR_BUSY;
	else if (strcmp(state, "23505") == 0)
		rc = BLIPPA_ERR_EXISTS;
	else if (strcmp(state, "53100") == 0)
		rc = BLIPPA_ERR_FULL;
	else if (strcmp(state, "53200") == 0)
		rc = BLIPPA_ERR_NOMEM;
	else if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		rc = BLIPPA_ERR_NETWORK;
	if (rc == BLIPPA_ERR_EXISTS)
		log_debug("pg", "SQLSTATE %s: %.*s", state, (int)strcspn(msg, "\n"), msg);
	else
		log_warn("pg", "SQLSTATE %s: %.*s", state, (int)strcspn(msg, "\n"), msg);
	return rc;
}

enum blippa_err pg_prepare(struct pg_conn *c, enum pg_stmt id, char name[16])
{
	enum blippa_err rc = BLIPPA_OK;
	snprintf(name, 16, "b%d", (int)id);
	if (!c->prepared[id]) {
		PGresult *p = PQprepare(c->pg, name, pg_sql[id], 0, NULL);
		rc = pg_result_err(c, p);
		PQclear(p);
		c->prepared[id] = rc == BLIPPA_OK;
	}
	return rc;
}

PGresult *pg_run(struct pg_conn *c, enum pg_stmt id, int n, const char *const *vals,
		 const int *lens, const int *fmts, enum blippa_err *rc)
{
	char name[16];
	if ((*rc = pg_prepare(c, id, name)) != BLIPPA_OK)
		return NULL;
	PGresult *res = PQexecPrepared(c->pg, name, n, vals, lens, fmts, 0);
	*rc = pg_result_err(c, res);
	return res;
}

enum blippa_err pg_run_cmd(struct pg_conn *c, enum pg_stmt id, int n, const char *const *vals,
			   const int *lens, const int *fmts, long *changes)
{
	enum blippa_err rc;
	PGresult *res = pg_run(c, id, n, vals, lens, fmts, &rc);
	if (rc == BLIPPA_OK && changes)
		*changes += atol(PQcmdTuples(res));
	PQclear(res);
	return rc;
}

enum blippa_err pg_exec_simple(struct pg_conn *c, const char *sql)
{
	PGresult *res = PQexec(c->pg, sql);
	enum blippa_err rc = pg_result_err(c, res);
	PQclear(res);
	return rc;
}

enum blippa_err pg_lock_admin(struct pg_conn *c)
{
	return pg_exec_simple(c, "SELECT pg_advisory_xact_lock(" PG_LOCK_KEY ")");
}

enum blippa_err pg_tx_begin(struct pg_conn *c)
{
	return pg_exec_simple(c, "BEGIN");
}

enum blippa_err pg_tx_end(struct pg_conn *c, enum blippa_err rc)
{
	if (rc == BLIPPA_OK)
		rc = pg_exec_simple(c, "COMMIT");
	else if (!pg_conn_broken(c))
		pg_exec_simple(c, "ROLLBACK");
	return rc;
}

/* ------------------------------------------------------- open and schema */

/* Takes "pool_max_conns=N" out of the URI's query (in place) and returns N,
 * PG_POOL_MAX if it is not there, or 0 if N is not 1..PG_POOL_CAP. */
static int pool_param_take(char *uri)
{
	char *q = strchr(uri, '?');
	for (char *p = q; p && *p;) {
		char *start = p + 1; /* after '?' or '&' */
		if (strncmp(start, PG_POOL_PARAM, strlen(PG_POOL_PARAM)) != 0) {
			p = strchr(start, '&');
			continue;
		}
		char *val = start + strlen(PG_POOL_PARAM), *end = NULL;
		long n = strtol(val, &end, 10);
		if (end == val || (*end && *end != '&') || n < 1 || n > PG_POOL_CAP)
			return 0;
		if (*end) /* "?a&pool=N&b" -> "?a&b", "?pool=N&b" -> "?b" */
			memmove(start, end + 1, strlen(end + 1) + 1);
		else /* the last parameter: cut it with its separator */
			*p = '\0';
		return (int)n;
	}
	return PG_POOL_MAX;
}

static void make_label(const char *uri, char *out, size_t outlen)
{
	char *perr = NULL;
	const char *db = NULL, *host = NULL;
	PQconninfoOption *opts = PQconninfoParse(uri, &perr);
	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		if (strcmp(o->keyword, "dbname") == 0)
			db = o->val;
		else if (strcmp(o->keyword, "host") == 0)
			host = o->val;
	}
	snprintf(out, outlen, "PostgreSQL database %s on %s", db && *db ? db : "(default)",
		 host && *host ? host : "localhost");
	PQconninfoFree(opts);
	PQfreemem(perr);
}

/* Creates (create) or checks and migrates the schema up to version target
 * (PG_SCHEMA_VERSION but in upgrade tests), under the advisory lock, in one
 * transaction. */
static enum blippa_err migrate(struct pg_conn *c, const char *label, bool create, int target,
			       char *err, size_t errlen)
{
	int version = -1;
	PGresult *res = NULL;
	enum blippa_err rc = pg_tx_begin(c);
	if (rc == BLIPPA_OK)
		rc = pg_lock_admin(c);
	if (rc != BLIPPA_OK)
		goto out;
	res = PQexec(c->pg, "SELECT to_regclass('blippa_meta') IS NOT NULL");
	if ((rc = pg_result_err(c, res)) != BLIPPA_OK || PQntuples(res) != 1)
		goto out;
	bool exists = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	res = NULL;
	if (create && exists) {
		snprintf(err, errlen, "%s: already exists (init never overwrites)", label);
		rc = BLIPPA_ERR_EXISTS;
		goto out;
	}
	if (!create && !exists) {
		snprintf(err, errlen, "%s: no Blippa region schema in it (make one with init)",
			 label);
		rc = BLIPPA_ERR_NOT_FOUND;
		goto out;
	}
	version = 0;
	if (exists) {
		res = PQexec(c->pg, "SELECT value FROM blippa_meta WHERE key = 'schema_version'");
		if ((rc = pg_result_err(c, res)) != BLIPPA_OK)
			goto out;
		version = PQntuples(res) == 1 ? atoi(PQgetvalue(res, 0, 0)) : -1;
		PQclear(res);
		res = NULL;
	}
	if (version < 0) {
		snprintf(err, errlen, "%s: not a Blippa region database", label);
		rc = BLIPPA_ERR_CORRUPT;
		goto out;
	}
	if (version > PG_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: made by a newer blippa-server (schema %d)", label,
			 version);
		rc = BLIPPA_ERR_SCHEMA;
		goto out;
	}
	for (int v = version; rc == BLIPPA_OK && v < target; v++) {
		rc = pg_exec_simple(c, migrations[v]);
		if (rc == BLIPPA_OK && v + 1 == PG_SCHEMA_ATT) /* the rest of v4 (string length) */
			rc = pg_exec_simple(c, pg_schema_att_gone);
		if (rc == BLIPPA_OK && v + 1 == PG_SCHEMA_ATT_GROUP) /* the rest of v7 */
			rc = pg_exec_simple(c, pg_schema_att_group_gone);
	}
	/* the rebuild's SQL is the current schema's */
	if (rc == BLIPPA_OK && version < PG_SCHEMA_ATT && target == PG_SCHEMA_VERSION)
		rc = pg_att_rebuild_conn(c);
	if (rc == BLIPPA_OK && version < target) {
		char sql[96];
		snprintf(sql, sizeof(sql),
			 "UPDATE blippa_meta SET value = %d WHERE key = 'schema_version'", target);
		rc = pg_exec_simple(c, sql);
		if (rc != BLIPPA_OK)
			snprintf(err, errlen, "%s: schema migration failed", label);
	}
out:
	PQclear(res);
	rc = pg_tx_end(c, rc);
	if (rc != BLIPPA_OK && !*err)
		snprintf(err, errlen, "%s: %s: %.*s", label, blippa_strerror(rc),
			 (int)strcspn(PQerrorMessage(c->pg), "\n"), PQerrorMessage(c->pg));
	return rc;
}

static void pool_free(struct srv_pool_conn *l)
{
	conn_free((struct pg_conn *)l);
}

void pg_close(void *impl)
{
	struct pg_impl *im = impl;
	if (!im)
		return;
	srv_pool_destroy(&im->pool, pool_free);
	free(im->uri);
	free(im);
}

enum blippa_err pg_open(const char *uri, bool create, void **out, char *err, size_t errlen)
{
	enum blippa_err rc = BLIPPA_OK;
	struct pg_conn *c = NULL;
	struct pg_impl *im = calloc(1, sizeof(*im));
	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!im || !(im->uri = strdup(uri))) {
		rc = BLIPPA_ERR_NOMEM;
		goto out;
	}
	im->pool_max = pool_param_take(im->uri);
	if (im->pool_max < 1) {
		snprintf(err, errlen, "database URI: " PG_POOL_PARAM "N must be 1-%d", PG_POOL_CAP);
		rc = BLIPPA_ERR_CONFIG;
		goto out;
	}
	uri = im->uri;
	srv_pool_init(&im->pool, im->pool_max, NULL);
	make_label(uri, im->label, sizeof(im->label));
	rc = conn_open(uri, im->label, &c, err, errlen);
	if (rc == BLIPPA_OK)
		rc = migrate(c, im->label, create, PG_SCHEMA_VERSION, err, errlen);
	if (rc != BLIPPA_OK)
		goto out;
	srv_pool_put(&im->pool, &c->link);
	im->pool.n_open = 1; /* the first connection, opened here */
	c = NULL;
	*out = im;
	im = NULL;
out:
	conn_free(c);
	pg_close(im);
	return rc;
}

enum blippa_err pg_schema_make_at(const char *uri, int version, char *err, size_t errlen)
{
	char label[sizeof(((struct pg_impl *)0)->label)];
	struct pg_conn *c = NULL;
	if (version < 1 || version > PG_SCHEMA_VERSION)
		return BLIPPA_ERR_INVALID;
	if (err && errlen)
		err[0] = '\0';
	make_label(uri, label, sizeof(label));
	enum blippa_err rc = conn_open(uri, label, &c, err, errlen);
	if (rc == BLIPPA_OK)
		rc = migrate(c, label, true, version, err, errlen);
	conn_free(c);
	return rc;
}
