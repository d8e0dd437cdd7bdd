/* SPDX-License-Identifier: MIT */
/* PostgreSQL backend of srv_store.h: the attendance summary behind the
 * back-office pages (schema v4, as SQLite's srv_store_sqlite_att.c, which
 * describes the two tables; schema v7 adds att_group, a row per group with
 * its sessions' present counts in start order, which the overview reads)
 * and the queries that read it. This file holds that SQL.
 *
 * The counters are kept by one statement-level trigger on events (a batch
 * of any size is one INSERT, so one call) with the inserted rows as a
 * transition table: for every cell (session, participant) the statement
 * touched (a check-in, or the check-in a void voids) it adds live-after
 * minus live-before to att_session (current members only) and att_member.
 * Server processes ingest at the same time under READ COMMITTED: the
 * trigger first locks the summary rows it will change, in key order
 * (groups, then sessions, then members), and only then, in a new statement
 * with a new snapshot, reads the events, so a concurrent batch on the same
 * group is either fully counted already or waits for this one; the
 * touched groups' arrays are then counted again from att_session. A delete (a purge)
 * has the touched cells' sessions and members counted again. Events are
 * never updated in place (code that would must call srv_store_att_rebuild).
 * A roster import rebuilds the summary under an EXCLUSIVE lock on the
 * three tables (in the triggers' order). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_store_pg_int.h"

/* a check-in e that no void cancels */
#define LIVE_E                                                                                     \
	" NOT EXISTS (SELECT 1 FROM events v WHERE v.type = " EVENT_DB_VOID_SQL                    \
	" AND v.voids_id = e.id)"
/* the cells of the statement's rows (transition table nt) */
#define TOUCHED                                                                                    \
	"SELECT n.session_id AS sid, n.participant_id AS pid FROM nt n"                            \
	" WHERE n.type = " EVENT_DB_CHECKIN_SQL                                                    \
	" AND n.session_id IS NOT NULL UNION SELECT x.session_id,"                                 \
	" x.participant_id FROM nt n JOIN events x ON x.id = n.voids_id WHERE n.type "             \
	"= " EVENT_DB_VOID_SQL " AND x.type = " EVENT_DB_CHECKIN_SQL                               \
	" AND x.session_id IS NOT NULL"

/* the cells of the deleted rows (transition table ot) */
#define GONE                                                                                       \
	"SELECT o.session_id AS sid, o.participant_id AS pid FROM ot o"                            \
	" WHERE o.type = " EVENT_DB_CHECKIN_SQL                                                    \
	" AND o.session_id IS NOT NULL UNION SELECT x.session_id,"                                 \
	" x.participant_id FROM ot o JOIN events x ON x.id = o.voids_id WHERE o.type "             \
	"= " EVENT_DB_VOID_SQL " AND x.type = " EVENT_DB_CHECKIN_SQL                               \
	" AND x.session_id IS NOT NULL"

/* the summary rows of the cells in T (a subquery giving sid, pid), locked
 * in key order: sessions, then members */
#define LOCK_ROWS(T)                                                                               \
	" PERFORM 1 FROM att_session a WHERE a.session_id IN (SELECT t.sid FROM (" T ") t)"        \
	" ORDER BY a.session_id FOR UPDATE;"                                                       \
	" PERFORM 1 FROM att_member m WHERE (m.facility_id, m.group_id, m.participant_id) IN"      \
	" (SELECT a.facility_id, a.group_id, t.pid FROM (" T ") t JOIN att_session a"              \
	" ON a.session_id = t.sid) ORDER BY m.facility_id, m.group_id, m.participant_id"           \
	" FOR UPDATE;"

/* The next macros call macros inside the SQL, which clang-format breaks. */
/* clang-format off */
/* the groups (facility_id, group_id) of the cells in T */
#define GROUPS_OF(T)                                                                               \
	"SELECT a.facility_id, a.group_id FROM (" T ") t JOIN att_session a"                       \
	" ON a.session_id = t.sid"

/* v7: the att_group rows of the cells in T, locked first (in key order),
 * so that what follows sees every other batch of these groups committed */
#define LOCK_GROUPS(T)                                                                             \
	" PERFORM 1 FROM att_group g WHERE (g.facility_id, g.group_id) IN ("                       \
	GROUPS_OF(T) ") ORDER BY g.facility_id, g.group_id FOR UPDATE;"

/* a group's sessions' present counts in start order (as att_group.starts) */
#define PRESENT_ARRAY(G)                                                                           \
	"ARRAY(SELECT a.present FROM att_session a WHERE a.facility_id = " G ".facility_id"        \
	" AND a.group_id = " G ".group_id ORDER BY a.start_local COLLATE \"C\","                   \
	" a.session_id COLLATE \"C\")"

/* v7: att_group counted again from att_session for the groups of T */
#define REFRESH_GROUPS(T)                                                                          \
	" UPDATE att_group g SET present = " PRESENT_ARRAY("g")                                    \
	" WHERE (g.facility_id, g.group_id) IN (" GROUPS_OF(T) ");"
/* clang-format on */

/* the counters changed by the inserted rows nt: live after minus before */
#define COUNT_INSERTED                                                                             \
	" WITH d AS (SELECT t.sid, t.pid, a.facility_id AS fid, a.group_id AS gid,"                \
	" (EXISTS (SELECT 1 FROM events e WHERE e.type = " EVENT_DB_CHECKIN_SQL                    \
	" AND e.session_id = t.sid"                                                                \
	" AND e.participant_id = t.pid AND" LIVE_E "))::int"                                       \
	" - (EXISTS (SELECT 1 FROM events e WHERE e.type = " EVENT_DB_CHECKIN_SQL                  \
	" AND e.session_id = t.sid"                                                                \
	" AND e.participant_id = t.pid AND NOT EXISTS (SELECT 1 FROM nt n WHERE n.id = e.id)"      \
	" AND NOT EXISTS (SELECT 1 FROM events v WHERE v.type = " EVENT_DB_VOID_SQL                \
	" AND v.voids_id = e.id"                                                                   \
	" AND NOT EXISTS (SELECT 1 FROM nt n WHERE n.id = v.id))))::int AS delta"                  \
	" FROM (" TOUCHED ") t JOIN att_session a ON a.session_id = t.sid"                         \
	" JOIN att_member m ON m.facility_id = a.facility_id AND m.group_id = a.group_id"          \
	" AND m.participant_id = t.pid),"                                                          \
	" us AS (UPDATE att_session a SET present = a.present + x.dp FROM (SELECT sid,"            \
	" sum(delta) AS dp FROM d GROUP BY sid) x WHERE a.session_id = x.sid AND x.dp <> 0)"       \
	" UPDATE att_member a SET attended = a.attended + x.dm FROM (SELECT fid, gid, pid,"        \
	" sum(delta) AS dm FROM d GROUP BY fid, gid, pid) x WHERE a.facility_id = x.fid"           \
	" AND a.group_id = x.gid AND a.participant_id = x.pid AND x.dm <> 0;"

/* the sessions and members of the deleted rows ot counted again */
#define RECOUNT_GONE                                                                               \
	" UPDATE att_session a SET present = (SELECT count(DISTINCT e.participant_id)"             \
	" FROM events e JOIN att_member m ON m.facility_id = a.facility_id"                        \
	" AND m.group_id = a.group_id AND m.participant_id = e.participant_id"                     \
	" WHERE e.type = " EVENT_DB_CHECKIN_SQL " AND e.session_id = a.session_id AND" LIVE_E ")"  \
	" WHERE a.session_id IN (SELECT t.sid FROM (" GONE ") t);"                                 \
	" UPDATE att_member m SET attended = (SELECT count(DISTINCT a.session_id)"                 \
	" FROM att_session a JOIN events e ON e.session_id = a.session_id AND e.type "             \
	"= " EVENT_DB_CHECKIN_SQL                                                                  \
	" AND e.participant_id = m.participant_id WHERE a.facility_id = m.facility_id"             \
	" AND a.group_id = m.group_id AND" LIVE_E ")"                                              \
	" WHERE (m.facility_id, m.group_id, m.participant_id) IN (SELECT a.facility_id,"           \
	" a.group_id, t.pid FROM (" GONE ") t JOIN att_session a ON a.session_id = t.sid);"

const char pg_schema_att[] =
    "CREATE INDEX groups_by_facility_id ON groups(facility_id, id);"
    "CREATE TABLE att_session(facility_id text NOT NULL, group_id text NOT NULL,"
    " start_local text NOT NULL, session_id text NOT NULL UNIQUE, present int NOT NULL,"
    " PRIMARY KEY(facility_id, group_id, start_local, session_id));"
    "CREATE TABLE att_member(facility_id text NOT NULL, group_id text NOT NULL,"
    " participant_id text NOT NULL, attended int NOT NULL,"
    " PRIMARY KEY(facility_id, group_id, participant_id));"
    "CREATE FUNCTION blippa_att_events() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN" LOCK_ROWS(
	TOUCHED) COUNT_INSERTED
    " RETURN NULL; END $f$;"
    "CREATE TRIGGER att_events AFTER INSERT ON events REFERENCING NEW TABLE AS nt"
    " FOR EACH STATEMENT EXECUTE FUNCTION blippa_att_events();";

const char pg_schema_att_gone[] =
    /* events deleted (a purge): their cells' sessions and members counted
     * again from the events, after the same locks */
    "CREATE FUNCTION blippa_att_events_gone() RETURNS trigger LANGUAGE plpgsql AS $f$ "
    "BEGIN" LOCK_ROWS(GONE) RECOUNT_GONE
    " RETURN NULL; END $f$;"
    "CREATE TRIGGER att_events_gone AFTER DELETE ON events REFERENCING OLD TABLE AS ot"
    " FOR EACH STATEMENT EXECUTE FUNCTION blippa_att_events_gone();";

/* v7: one row per group with its sessions' start times and present counts
 * in start order (one row instead of one per session for the overview),
 * filled from att_session, and an index of att_session by facility and
 * start; the trigger functions of v4 replaced by ones
 * that lock the touched groups' rows first and count their arrays again. */
const char pg_schema_att_group[] =
    "CREATE TABLE att_group(facility_id text NOT NULL, group_id text NOT NULL,"
    " starts text[] NOT NULL, present int[] NOT NULL, PRIMARY KEY(facility_id, group_id));"
    "INSERT INTO att_group SELECT facility_id, group_id, array_agg(start_local"
    " ORDER BY start_local COLLATE \"C\", session_id COLLATE \"C\"), array_agg(present"
    " ORDER BY start_local COLLATE \"C\", session_id COLLATE \"C\") FROM att_session"
    " GROUP BY 1, 2 ORDER BY 1, 2;"
    /* the overview's sessions not yet held (SRV_ATT_FUTURE) by range */
    "CREATE INDEX att_session_by_start ON att_session(facility_id, start_local);"
    "CREATE OR REPLACE FUNCTION blippa_att_events() RETURNS trigger LANGUAGE plpgsql AS $f$"
    " BEGIN" LOCK_GROUPS(TOUCHED) LOCK_ROWS(TOUCHED)
	COUNT_INSERTED REFRESH_GROUPS(TOUCHED) " RETURN NULL; END $f$;";

const char pg_schema_att_group_gone[] =
    "CREATE OR REPLACE FUNCTION blippa_att_events_gone() RETURNS trigger LANGUAGE plpgsql"
    " AS $f$ BEGIN" LOCK_GROUPS(GONE) LOCK_ROWS(GONE)
	RECOUNT_GONE REFRESH_GROUPS(GONE) " RETURN NULL; END $f$;";

/* Rows are written in key order: a facility's rows share pages. */
static const char att_rebuild_sql[] =
    "LOCK TABLE att_group, att_session, att_member IN EXCLUSIVE MODE;" /* the triggers' order */
    "DELETE FROM att_session;"
    "INSERT INTO att_session SELECT g.facility_id, s.group_id, s.start_local, s.id,"
    " (SELECT count(DISTINCT e.participant_id) FROM events e JOIN members m"
    " ON m.group_id = s.group_id AND m.participant_id = e.participant_id"
    " WHERE e.type = " EVENT_DB_CHECKIN_SQL " AND e.session_id = s.id AND" LIVE_E ")"
    " FROM sessions s JOIN groups g ON g.id = s.group_id WHERE s.removed = 0"
    " ORDER BY 1, 2, 3, 4;"
    "DELETE FROM att_member;"
    "INSERT INTO att_member SELECT g.facility_id, m.group_id, m.participant_id,"
    " (SELECT count(DISTINCT s.id) FROM sessions s JOIN events e ON e.session_id = s.id"
    " AND e.type = " EVENT_DB_CHECKIN_SQL " AND e.participant_id = m.participant_id"
    " WHERE s.group_id = m.group_id AND s.removed = 0 AND" LIVE_E ")"
    " FROM members m JOIN groups g ON g.id = m.group_id"
    " JOIN participants p ON p.id = m.participant_id ORDER BY 1, 2, 3;"
    "DELETE FROM att_group;"
    "INSERT INTO att_group SELECT facility_id, group_id, array_agg(start_local"
    " ORDER BY start_local COLLATE \"C\", session_id COLLATE \"C\"), array_agg(present"
    " ORDER BY start_local COLLATE \"C\", session_id COLLATE \"C\") FROM att_session"
    " GROUP BY 1, 2 ORDER BY 1, 2;"
    "ANALYZE att_session, att_member, att_group;";

#define GROUPS_IN                                                                                  \
	" g.facility_id = $1 AND CASE $3::text WHEN 'past' THEN g.period_end < $2::text"           \
	" WHEN 'upcoming' THEN g.period_start > $2::text"                                          \
	" ELSE g.period_start <= $2::text AND g.period_end >= $2::text END"

static const struct {
	const char *sql;
	int nargs;
} att_sql[SRV_ATT_COUNT] = {
    [SRV_ATT_GROUPS] = {"SELECT g.id, g.name, g.period_start, g.period_end FROM groups g"
			" WHERE" GROUPS_IN,
			3},
    /* a row per group: its held sessions come first in start order */
    [SRV_ATT_SESSIONS] = {"SELECT g.id, (SELECT count(*) FROM unnest(a.starts) s"
			  " WHERE s <= $4::text COLLATE \"C\"), array_to_string(a.present, ',')"
			  " FROM groups g JOIN att_group a ON a.facility_id = $1"
			  " AND a.group_id = g.id WHERE" GROUPS_IN,
			  4},
    [SRV_ATT_MEMBERS] = {"SELECT a.group_id, a.participant_id, a.attended FROM groups g"
			 " JOIN att_member a ON a.facility_id = $1 AND a.group_id = g.id"
			 " WHERE" GROUPS_IN,
			 3},
    /* a member's live check-in makes present > 0 */
    [SRV_ATT_FUTURE] =
	{"SELECT a.group_id, e.participant_id, count(DISTINCT a.session_id)"
	 " FROM groups g JOIN att_session a ON a.facility_id = $1"
	 " AND a.group_id = g.id AND a.start_local > $4::text AND a.present > 0"
	 " JOIN events e ON e.session_id = a.session_id AND e.type = " EVENT_DB_CHECKIN_SQL
	 " WHERE" GROUPS_IN " AND" LIVE_E " GROUP BY a.group_id, e.participant_id",
	 4},
    [SRV_ATT_G_PAGE] =
	{"SELECT 0, f.id, f.name, f.timezone, g.name, g.period_start, g.period_end"
	 " FROM groups g JOIN facilities f ON f.id = g.facility_id WHERE g.id = $1"
	 " UNION ALL SELECT 1, id, start_local, end_local, NULL, NULL, NULL FROM sessions"
	 " WHERE group_id = $1 AND removed = 0"
	 " UNION ALL SELECT 2, p.id, p.given_name, p.family_name, NULL, NULL, NULL"
	 " FROM members m JOIN participants p ON p.id = m.participant_id WHERE m.group_id = $1"
	 " UNION ALL SELECT 3, e.session_id, e.participant_id, e.at_ms::text, e.id, e.method::text,"
	 " e.kiosk_id FROM events e WHERE e.type = " EVENT_DB_CHECKIN_SQL
	 " AND e.session_id IN (SELECT s.id FROM sessions s WHERE s.group_id = $1"
	 " AND s.removed = 0) AND" LIVE_E
	 " UNION ALL SELECT 4, c.session_id, c.participant_id, NULL, NULL, NULL, NULL"
	 " FROM (SELECT DISTINCT session_id, participant_id FROM corrections"
	 " WHERE group_id = $1 AND present = 0) c ORDER BY 1",
	 1},
    [SRV_ATT_G_LEFT] = {"SELECT p.id, p.given_name, p.family_name FROM participants p"
			" WHERE p.id IN (SELECT e.participant_id FROM events e WHERE e.type "
			"= " EVENT_DB_CHECKIN_SQL
			" AND e.session_id IN (SELECT s.id FROM sessions s WHERE s.group_id = $1"
			" AND s.removed = 0) AND" LIVE_E ") AND NOT EXISTS (SELECT 1 FROM members m"
			" WHERE m.group_id = $1 AND m.participant_id = p.id)",
			1},
};

enum blippa_err pg_attendance(void *impl, enum srv_att_query q, const char *const *args,
			      srv_row_fn fn, void *ctx)
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	const char *col[16];
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	PGresult *res = NULL;
	char name[16];
	snprintf(name, sizeof(name), "att%d", (int)q);
	for (int attempt = 0; attempt < 2; attempt++) { /* once more after a lost connection */
		if (!c->att_prepared[q]) {
			res = PQprepare(c->pg, name, att_sql[q].sql, 0, NULL);
			rc = pg_result_err(c, res);
			PQclear(res);
			res = NULL;
			c->att_prepared[q] = rc == BLIPPA_OK;
		}
		if (rc == BLIPPA_OK) {
			res = PQexecPrepared(c->pg, name, att_sql[q].nargs, args, NULL, NULL, 0);
			rc = pg_result_err(c, res);
		}
		if (rc == BLIPPA_OK || !pg_conn_broken(c) || pg_conn_reset(c) != BLIPPA_OK)
			break;
		PQclear(res);
		res = NULL;
	}
	int n = res ? PQnfields(res) : 0;
	if (rc == BLIPPA_OK && n > (int)(sizeof(col) / sizeof(col[0])))
		rc = BLIPPA_ERR_INVALID;
	for (int i = 0; rc == BLIPPA_OK && i < PQntuples(res); i++) {
		for (int k = 0; k < n; k++)
			col[k] = PQgetisnull(res, i, k) ? NULL : PQgetvalue(res, i, k);
		if (fn(ctx, col, n) != 0)
			break;
	}
	PQclear(res);
	pg_conn_put(im, c);
	return rc;
}

enum blippa_err pg_att_rebuild_conn(struct pg_conn *c)
{
	return pg_exec_simple(c, att_rebuild_sql);
}

enum blippa_err pg_att_rebuild(void *impl)
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	rc = pg_tx_begin(c);
	if (rc == BLIPPA_OK)
		rc = pg_tx_end(c, pg_att_rebuild_conn(c));
	pg_conn_put(im, c);
	return rc;
}
