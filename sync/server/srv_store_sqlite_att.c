/* SPDX-License-Identifier: MIT */
/* SQLite backend of srv_store.h: the attendance summary behind the
 * back-office pages (schema v4) and the queries that read it. This file
 * holds that SQL: the two summary tables, the triggers that keep them up to
 * date at every insert into events (kiosk ingest and staff corrections
 * alike), the full rebuild (migration, import) and the page queries.
 *
 * att_session has a row per session not removed, keyed by group and start
 * so that a group's sessions are one range: present = distinct current
 * members with a live (not voided) check-in. att_member has a row per
 * current member: attended = distinct sessions of the group (not removed)
 * with a live check-in. Sessions and members change only by a roster
 * import, which rebuilds both; between imports the triggers only update
 * counters (SQLite runs them row by row, one writer at a time): a check-in
 * counts when it makes its cell (session, participant) live, a void when it
 * leaves its cell without a live check-in; a deleted event (a purge) has its
 * cell's session and member counted again from the events. Events are never
 * updated in place; code that would must call srv_store_att_rebuild. */
#include "srv_store_sqlite_int.h"

#include <stdio.h>
#include <string.h>

/* a check-in e that no void cancels */
#define LIVE_E                                                                                     \
	" NOT EXISTS (SELECT 1 FROM events v WHERE v.type = " EVENT_DB_VOID_SQL                    \
	" AND v.voids_id = e.id)"

const char sq_schema_att[] =
    "CREATE INDEX groups_by_facility_id ON groups(facility_id, id);"
    "CREATE TABLE att_session(facility_id TEXT NOT NULL, group_id TEXT NOT NULL,"
    " start_local TEXT NOT NULL, session_id TEXT NOT NULL UNIQUE, present INTEGER NOT NULL,"
    " PRIMARY KEY(facility_id, group_id, start_local, session_id)) WITHOUT ROWID;"
    "CREATE TABLE att_member(facility_id TEXT NOT NULL, group_id TEXT NOT NULL,"
    " participant_id TEXT NOT NULL, attended INTEGER NOT NULL,"
    " PRIMARY KEY(facility_id, group_id, participant_id)) WITHOUT ROWID;"
    /* a check-in that makes its cell live */
    "CREATE TRIGGER att_checkin AFTER INSERT ON events"
    " WHEN NEW.type = " EVENT_DB_CHECKIN_SQL " AND NEW.session_id IS NOT NULL AND NOT EXISTS"
    " (SELECT 1 FROM events e WHERE e.type = " EVENT_DB_CHECKIN_SQL
    " AND e.session_id = NEW.session_id"
    " AND e.participant_id = NEW.participant_id AND e.id <> NEW.id AND" LIVE_E ")"
    " BEGIN"
    " UPDATE att_member SET attended = attended + 1"
    " WHERE (facility_id, group_id, participant_id) = (SELECT a.facility_id, a.group_id,"
    " NEW.participant_id FROM att_session a WHERE a.session_id = NEW.session_id);"
    " UPDATE att_session SET present = present + 1 WHERE session_id = NEW.session_id"
    " AND EXISTS (SELECT 1 FROM att_member m WHERE m.facility_id = att_session.facility_id"
    " AND m.group_id = att_session.group_id AND m.participant_id = NEW.participant_id);"
    " END;"
    /* a void of a live check-in that leaves its cell without one */
    "CREATE TRIGGER att_void AFTER INSERT ON events"
    " WHEN NEW.type = " EVENT_DB_VOID_SQL
    " AND EXISTS (SELECT 1 FROM events x WHERE x.id = NEW.voids_id"
    " AND x.type = " EVENT_DB_CHECKIN_SQL
    " AND x.session_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM events v"
    " WHERE v.type = " EVENT_DB_VOID_SQL " AND v.voids_id = x.id AND v.id <> NEW.id) AND NOT EXISTS"
    " (SELECT 1 FROM events e WHERE e.type = " EVENT_DB_CHECKIN_SQL
    " AND e.session_id = x.session_id"
    " AND e.participant_id = x.participant_id AND e.id <> x.id AND" LIVE_E "))"
    " BEGIN"
    " UPDATE att_member SET attended = attended - 1"
    " WHERE (facility_id, group_id, participant_id) = (SELECT a.facility_id, a.group_id,"
    " x.participant_id FROM events x JOIN att_session a ON a.session_id = x.session_id"
    " WHERE x.id = NEW.voids_id);"
    " UPDATE att_session SET present = present - 1"
    " WHERE session_id = (SELECT x.session_id FROM events x WHERE x.id = NEW.voids_id)"
    " AND EXISTS (SELECT 1 FROM att_member m, events x WHERE x.id = NEW.voids_id"
    " AND m.facility_id = att_session.facility_id AND m.group_id = att_session.group_id"
    " AND m.participant_id = x.participant_id);"
    " END;";

const char sq_schema_att_gone[] =
    /* events deleted (a purge): the cells they were in are counted again */
    "CREATE TRIGGER att_delete AFTER DELETE ON events WHEN OLD.type IN (" EVENT_DB_CHECKIN_SQL
    ", " EVENT_DB_VOID_SQL ") BEGIN"
    " UPDATE att_session SET present = (SELECT count(DISTINCT e.participant_id)"
    " FROM events e JOIN att_member m ON m.facility_id = att_session.facility_id"
    " AND m.group_id = att_session.group_id AND m.participant_id = e.participant_id"
    " WHERE e.type = " EVENT_DB_CHECKIN_SQL " AND e.session_id = att_session.session_id AND" LIVE_E
    ")"
    " WHERE session_id IN (OLD.session_id,"
    " (SELECT x.session_id FROM events x WHERE x.id = OLD.voids_id));"
    " UPDATE att_member SET attended = (SELECT count(DISTINCT a.session_id)"
    " FROM att_session a JOIN events e ON e.session_id = a.session_id AND e.type "
    "= " EVENT_DB_CHECKIN_SQL " AND e.participant_id = att_member.participant_id"
    " WHERE a.facility_id = att_member.facility_id AND a.group_id = att_member.group_id"
    " AND" LIVE_E ") WHERE (facility_id, group_id) IN (SELECT a.facility_id, a.group_id"
    " FROM att_session a WHERE a.session_id IN (OLD.session_id,"
    " (SELECT x.session_id FROM events x WHERE x.id = OLD.voids_id)))"
    " AND participant_id IN (OLD.participant_id,"
    " (SELECT x.participant_id FROM events x WHERE x.id = OLD.voids_id));"
    " END;";

static const char att_rebuild_sql[] =
    "DELETE FROM att_session;"
    "INSERT INTO att_session SELECT g.facility_id, s.group_id, s.start_local, s.id,"
    " (SELECT count(DISTINCT e.participant_id) FROM events e JOIN members m"
    " ON m.group_id = s.group_id AND m.participant_id = e.participant_id"
    " WHERE e.type = " EVENT_DB_CHECKIN_SQL " AND e.session_id = s.id AND" LIVE_E ")"
    " FROM sessions s JOIN groups g ON g.id = s.group_id WHERE s.removed = 0;"
    "DELETE FROM att_member;"
    "INSERT INTO att_member SELECT g.facility_id, m.group_id, m.participant_id,"
    " (SELECT count(DISTINCT s.id) FROM sessions s JOIN events e ON e.session_id = s.id"
    " AND e.type = " EVENT_DB_CHECKIN_SQL " AND e.participant_id = m.participant_id"
    " WHERE s.group_id = m.group_id AND s.removed = 0 AND" LIVE_E ")"
    " FROM members m JOIN groups g ON g.id = m.group_id"
    " JOIN participants p ON p.id = m.participant_id;";

/* the groups g of facility ?1 in the period ?3 relative to today ?2 */
#define GROUPS_IN                                                                                  \
	" g.facility_id = ?1 AND CASE ?3 WHEN 'past' THEN g.period_end < ?2"                       \
	" WHEN 'upcoming' THEN g.period_start > ?2"                                                \
	" ELSE g.period_start <= ?2 AND g.period_end >= ?2 END"

/* Overview rows of one facility come from one range of each summary
 * table; the per-group figures are summed up in C (web_data.c). CROSS JOIN
 * makes SQLite walk the facility's groups and read each one's range, rather
 * than look its group up for every summary row (4x slower). */
static const struct {
	const char *sql;
	int nargs;
} att_sql[SRV_ATT_COUNT] = {
    [SRV_ATT_GROUPS] = {"SELECT g.id, g.name, g.period_start, g.period_end FROM groups g"
			" WHERE" GROUPS_IN,
			3},
    [SRV_ATT_SESSIONS] = {"SELECT a.group_id, a.start_local <= ?4, a.present FROM groups g"
			  " CROSS JOIN att_session a ON a.facility_id = ?1 AND a.group_id = g.id"
			  " WHERE" GROUPS_IN " ORDER BY g.id, a.start_local, a.session_id",
			  4},
    [SRV_ATT_MEMBERS] = {"SELECT a.group_id, a.participant_id, a.attended FROM groups g"
			 " CROSS JOIN att_member a ON a.facility_id = ?1 AND a.group_id = g.id"
			 " WHERE" GROUPS_IN,
			 3},
    /* a member's live check-in makes present > 0 */
    [SRV_ATT_FUTURE] =
	{"SELECT a.group_id, e.participant_id, count(DISTINCT a.session_id)"
	 " FROM groups g CROSS JOIN att_session a ON a.facility_id = ?1"
	 " AND a.group_id = g.id AND a.start_local > ?4 AND a.present > 0"
	 " JOIN events e ON e.session_id = a.session_id AND e.type = " EVENT_DB_CHECKIN_SQL
	 " WHERE" GROUPS_IN " AND" LIVE_E " GROUP BY a.group_id, e.participant_id",
	 4},
    /* SQLite runs the parts of a UNION ALL one after the other, in order:
     * no ORDER BY (a temporary B-tree, as long as the query itself);
     * web_data.c refuses rows out of kind order. */
    [SRV_ATT_G_PAGE] =
	{"SELECT 0, f.id, f.name, f.timezone, g.name, g.period_start, g.period_end"
	 " FROM groups g JOIN facilities f ON f.id = g.facility_id WHERE g.id = ?1"
	 " UNION ALL SELECT 1, id, start_local, end_local, NULL, NULL, NULL FROM sessions"
	 " WHERE group_id = ?1 AND removed = 0"
	 " UNION ALL SELECT 2, p.id, p.given_name, p.family_name, NULL, NULL, NULL"
	 " FROM members m JOIN participants p ON p.id = m.participant_id WHERE m.group_id = ?1"
	 " UNION ALL SELECT 3, e.session_id, e.participant_id, e.at_ms, e.id, e.method,"
	 " e.kiosk_id FROM events e WHERE e.type = " EVENT_DB_CHECKIN_SQL
	 " AND e.session_id IN (SELECT s.id FROM sessions s WHERE s.group_id = ?1"
	 " AND s.removed = 0) AND" LIVE_E
	 " UNION ALL SELECT 4, c.session_id, c.participant_id, NULL, NULL, NULL, NULL"
	 " FROM (SELECT DISTINCT session_id, participant_id FROM corrections"
	 " WHERE group_id = ?1 AND present = 0) c",
	 1},
    [SRV_ATT_G_LEFT] = {"SELECT p.id, p.given_name, p.family_name FROM participants p"
			" WHERE p.id IN (SELECT e.participant_id FROM events e WHERE e.type "
			"= " EVENT_DB_CHECKIN_SQL
			" AND e.session_id IN (SELECT s.id FROM sessions s WHERE s.group_id = ?1"
			" AND s.removed = 0) AND" LIVE_E ") AND NOT EXISTS (SELECT 1 FROM members m"
			" WHERE m.group_id = ?1 AND m.participant_id = p.id)",
			1},
};

enum blippa_err sq_attendance(void *impl, enum srv_att_query q, const char *const *args,
			      srv_row_fn fn, void *ctx)
{
	struct sq_impl *im = impl;
	struct sq_conn *c = NULL;
	sqlite3_stmt *s = NULL;
	const char *col[16];
	enum blippa_err rc = sq_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		return rc;
	if (!c->att[q])
		rc = sq_err(sqlite3_prepare_v3(c->db, att_sql[q].sql, -1, SQLITE_PREPARE_PERSISTENT,
					       &c->att[q], NULL));
	s = c->att[q];
	if (rc != BLIPPA_OK)
		goto out;
	for (int i = 0; i < att_sql[q].nargs; i++)
		sqlite3_bind_text(s, i + 1, args[i], -1, SQLITE_STATIC);
	int n = sqlite3_column_count(s), src;
	if (n > (int)(sizeof(col) / sizeof(col[0]))) {
		rc = BLIPPA_ERR_INVALID;
		goto out;
	}
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++)
			col[i] = COL(s, i);
		if (fn(ctx, col, n) != 0)
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = sq_err(src);
out:
	if (s) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
	sq_conn_put(im, c);
	return rc;
}

enum blippa_err sq_att_rebuild_conn(struct sq_conn *c)
{
	return sq_err(sqlite3_exec(c->db, att_rebuild_sql, NULL, NULL, NULL));
}

static enum blippa_err rebuild_tx(struct sq_conn *c, void *ctx)
{
	(void)ctx;
	return sq_att_rebuild_conn(c);
}

enum blippa_err sq_att_rebuild(void *impl)
{
	return sq_write_tx(impl, rebuild_tx, NULL);
}
