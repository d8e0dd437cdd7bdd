/* SPDX-License-Identifier: MIT */
/* The PostgreSQL upgrade to the schema that added att_group (the overview's
 * per-group row, PG_SCHEMA_ATT_GROUP), from the version before it, on a
 * real region with real data, started with the real blippa-server.
 *
 * The old database: the current store fills a region (two imports, a member
 * who left, a removed session with check-ins, check-ins with voids of
 * voids, duplicates, sessions not yet held, staff corrections both ways, an
 * account); then its public schema is set aside, the schema of version
 * PG_SCHEMA_ATT_GROUP - 1 is made in a new one by the migration code itself
 * (pg_schema_make_at: the same steps as an upgrade, no hand-written copy),
 * and every table of that schema gets the rows the server wrote (triggers
 * off, so the counters are copied, not counted twice).
 *
 * Then: a `blippa-server export` killed -9 while its migration waits on a
 * lock halfway (att_group made and filled, not committed), and one whose
 * migration fails halfway (an index of the same name), leave the old
 * database exactly as it was (the migration is one transaction); a clean
 * start migrates: the schema version is PG_SCHEMA_VERSION, att_group equals
 * what the server kept before and what a full rebuild gives, the export and
 * the back-office figures (web_data: overview of every period, every group
 * page) equal those before; a second start changes no row (xmin); the
 * triggers keep att_group after it. Fails if the backfill is taken out of
 * the migration. Time is PINNED_NOW_MS, never the run date. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth.h"
#include "srv_store_pg_int.h"
#include "srv_testutil.h"
#include "web_data.h"

/* 2026-12-10 12:00 UTC */
#define PINNED_NOW_MS 1796904000000LL
#define N_GROUPS 4
#define N_SESSIONS 7
#define N_PARTS 24
#define N_MEMBERS 8
#define OUT_CAP (256 * 1024)

static const char *uri;
static char *tmp;
static struct srv_store *st;
static struct srv_kiosk kiosk[2];
static struct tu_events ev = {.st = &st, .kiosk = kiosk, .now_ms = PINNED_NOW_MS, .seed = 4242};

static uint32_t rnd(uint32_t n)
{
	return tu_ev_rnd(&ev, n);
}

/* ---- text buffers (capped) ---- */

struct out {
	char *p;
	size_t len;
};

static void outf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void outf(struct out *o, const char *fmt, ...)
{
	if (!o->p)
		o->p = calloc(1, OUT_CAP);
	assert_non_null(o->p);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->p + o->len, OUT_CAP - o->len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < OUT_CAP - o->len);
	o->len += (size_t)n;
}

/* Every row of sql on the admin connection, '|' between columns. */
static char *rows(PGconn *c, const char *sql)
{
	struct out o = {calloc(1, OUT_CAP), 0};
	assert_non_null(o.p);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	for (int i = 0; i < PQntuples(r); i++)
		for (int k = 0; k < PQnfields(r); k++)
			outf(&o, "%s%s", PQgetisnull(r, i, k) ? "NULL" : PQgetvalue(r, i, k),
			     k + 1 < PQnfields(r) ? "|" : "\n");
	PQclear(r);
	return o.p;
}

static void exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

static int schema_version(PGconn *c)
{
	char *v = rows(c, "SELECT value FROM blippa_meta WHERE key = 'schema_version'");
	int n = atoi(v);
	free(v);
	return n;
}

/* ---- the region ---- */

static int member_of[N_GROUPS][N_MEMBERS];
static char ids[1024][24];
static size_t n_ids;

#define str(...)                                                                                   \
	(assert_true(n_ids < sizeof(ids) / sizeof(ids[0])),                                        \
	 snprintf(ids[n_ids], sizeof(ids[0]), __VA_ARGS__), (const char *)ids[n_ids++])

/* F0 (Stockholm: G0-G2) and F1 (Helsinki: G3). Weekly sessions from
 * 2026-11-05; the last two after PINNED_NOW_MS. changed: G0's first member
 * and G1's third session (which has check-ins) are gone from the files. */
static void import(bool changed)
{
	struct srv_facility fac[2] = {{"F0", "Förening Noll", "Europe/Stockholm"},
				      {"F1", "Förening Ett", "Europe/Helsinki"}};
	struct srv_group grp[N_GROUPS];
	struct srv_session ses[N_GROUPS * N_SESSIONS];
	struct srv_participant par[N_PARTS];
	struct srv_member mem[N_GROUPS * N_MEMBERS];
	size_t ns = 0, nm = 0;
	n_ids = 0;
	for (int g = 0; g < N_GROUPS; g++) {
		grp[g] = (struct srv_group){str("G%d", g), g < 3 ? "F0" : "F1", str("Grupp %d", g),
					    "2026-11-01", "2026-12-31"};
		for (int s = 0; s < N_SESSIONS; s++) {
			if (changed && g == 1 && s == 2)
				continue;
			int day = 5 + 7 * s; /* Nov 5, 12, ... Dec 17 */
			const char *start = day <= 30 ? str("2026-11-%02d 1%d:00", day, g)
						      : str("2026-12-%02d 1%d:00", day - 30, g);
			ses[ns++] = (struct srv_session){str("S%d-%d", g, s), grp[g].id, start,
							 "2026-12-31 23:59"};
		}
		for (int m = 0; m < N_MEMBERS; m++)
			if (!(changed && g == 0 && m == 0))
				mem[nm++] =
				    (struct srv_member){grp[g].id, str("P%d", member_of[g][m])};
	}
	for (int p = 0; p < N_PARTS; p++)
		par[p] = (struct srv_participant){str("P%d", p), str("Förnamn%d", p),
						  str("Efternamn%d", p), "", ""};
	struct srv_import imp = {.facilities = fac,
				 .n_facilities = 2,
				 .groups = grp,
				 .n_groups = N_GROUPS,
				 .sessions = ses,
				 .n_sessions = ns,
				 .participants = par,
				 .n_participants = N_PARTS,
				 .members = mem,
				 .n_members = nm};
	struct srv_import_stats stats;
	char err[512];
	assert_int_equal(srv_store_import(st, &imp, &stats, err, sizeof(err)), BLIPPA_OK);
}

/* Check-ins at every session (also those not yet held), duplicates, voids
 * (also twice). */
static void events(void)
{
	ev.n_live = 0;
	for (int g = 0; g < N_GROUPS; g++) {
		int fac = g < 3 ? 0 : 1;
		for (int s = 0; s < N_SESSIONS; s++)
			for (int m = 0; m < N_MEMBERS; m++) {
				uint32_t r = rnd(100);
				if (r < 40)
					continue;
				char sid[16], pid[8];
				snprintf(sid, sizeof(sid), "S%d-%d", g, s);
				snprintf(pid, sizeof(pid), "P%d", member_of[g][m]);
				const char *a = tu_ev_checkin(&ev, fac, sid, pid);
				if (r < 50)
					tu_ev_void(&ev, fac, tu_ev_checkin(&ev, fac, sid, pid));
				if (r >= 88)
					tu_ev_void(&ev, fac, a);
				if (r >= 96)
					tu_ev_void(&ev, fac, a);
			}
		tu_ev_flush(&ev, fac);
	}
}

static void correct(const char *gid, const char *sid, int m, bool present)
{
	char pid[8];
	snprintf(pid, sizeof(pid), "P%d", member_of[gid[1] - '0'][m]);
	struct srv_correction k = {.facility_id = "F0",
				   .group_id = gid,
				   .session_id = sid,
				   .participant_id = pid,
				   .present = present,
				   .user = "samordnare",
				   .reason = "papperslista",
				   .at_ms = PINNED_NOW_MS};
	assert_int_equal(srv_store_correct(st, &k), BLIPPA_OK);
}

/* ---- what the pages show ---- */

/* The overview of every facility and period and every group page, as text. */
static char *figures(struct srv_store *s)
{
	static const char *const fac[2][3] = {{"F0", "Förening Noll", "Europe/Stockholm"},
					      {"F1", "Förening Ett", "Europe/Helsinki"}};
	static const char *const periods[] = {"current", "past", "upcoming"};
	struct out o = {0};
	for (int f = 0; f < 2; f++)
		for (int p = 0; p < 3; p++) {
			struct web_data *d = NULL;
			assert_int_equal(web_data_overview(s, fac[f][0], fac[f][1], fac[f][2],
							   periods[p], PINNED_NOW_MS, &d),
					 BLIPPA_OK);
			for (size_t g = 0; g < d->n_groups; g++) {
				const struct wd_group *wg = &d->groups[g];
				outf(&o,
				     "%s %s: %s sessions %zu held %zu members %zu present %zu"
				     " half %zu [",
				     fac[f][0], periods[p], wg->g->id, wg->n_sessions, wg->n_held,
				     wg->n_members, wg->present_total, wg->half);
				for (size_t k = 0; k < wg->n_sessions; k++) {
					const struct wd_session *ws =
					    &d->sessions[wg->first_session + k];
					outf(&o, " %d:%zu", ws->held, ws->present);
				}
				outf(&o, " ]\n");
			}
			web_data_free(d);
		}
	for (int g = 0; g < N_GROUPS; g++) {
		char gid[8];
		struct web_data *d = NULL;
		snprintf(gid, sizeof(gid), "G%d", g);
		assert_int_equal(web_data_group_load(s, gid, PINNED_NOW_MS, &d), BLIPPA_OK);
		const struct wd_group *wg = &d->groups[0];
		outf(&o, "%s: held %zu members %zu present %zu half %zu\n", gid, wg->n_held,
		     wg->n_members, wg->present_total, wg->half);
		for (size_t m = 0; m < wg->n_all; m++) {
			const struct wd_member *wm = &d->members[wg->first_member + m];
			outf(&o, " %s %zu av %zu left %d follow %d:", wm->p->id, wm->attended,
			     wg->n_held, wm->left, wm->follow_up);
			for (size_t k = 0; k < wg->n_sessions; k++)
				outf(&o, " %x", wm->marks[k]);
			outf(&o, "\n");
		}
		web_data_free(d);
	}
	return o.p;
}

/* The old schema and its counters: compared before and after a failed
 * upgrade. */
static char *old_state(PGconn *c)
{
	static const char *const q[] = {
	    "SELECT key, value FROM blippa_meta ORDER BY 1",
	    "SELECT to_regclass('att_group') IS NULL",
	    "SELECT proname, md5(prosrc) FROM pg_proc WHERE proname LIKE 'blippa%' ORDER BY 1",
	    "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
	    "SELECT * FROM att_session ORDER BY session_id",
	    "SELECT * FROM att_member ORDER BY 1, 2, 3",
	    "SELECT count(*), md5(string_agg(id, ',' ORDER BY id)) FROM events",
	    "SELECT count(*) FROM corrections",
	};
	struct out o = {0};
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		char *r = rows(c, q[i]);
		outf(&o, "%s\n%s", q[i], r);
		free(r);
	}
	return o.p;
}

#define ATT_GROUP_ROWS "SELECT * FROM att_group ORDER BY 1, 2"
/* att_group as the backfill and the rebuild count it: from att_session */
#define ATT_GROUP_FROM_SESSIONS                                                                    \
	"SELECT facility_id, group_id, array_agg(start_local ORDER BY start_local COLLATE \"C\","  \
	" session_id COLLATE \"C\"), array_agg(present ORDER BY start_local COLLATE \"C\","        \
	" session_id COLLATE \"C\") FROM att_session GROUP BY 1, 2 ORDER BY 1, 2"

/* ---- the old database ---- */

static char *fig_before, *export_before, *att_group_before;

/* The public schema set aside, the old version's schema made by the
 * migration code, the server's rows copied into it, triggers off. */
static void make_old_database(PGconn *adm)
{
	char err[512], sql[512];
	exec_ok(adm, "ALTER SCHEMA public RENAME TO v_current; CREATE SCHEMA public");
	if (pg_schema_make_at(uri, PG_SCHEMA_ATT_GROUP - 1, err, sizeof(err)) != BLIPPA_OK)
		fail_msg("pg_schema_make_at: %s", err);
	exec_ok(adm, "SET session_replication_role = replica");
	PGresult *t = PQexec(adm, "SELECT table_name FROM information_schema.tables"
				  " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
	assert_int_equal(PQresultStatus(t), PGRES_TUPLES_OK);
	assert_true(PQntuples(t) > 10);
	for (int i = 0; i < PQntuples(t); i++) {
		const char *name = PQgetvalue(t, i, 0);
		if (strcmp(name, "blippa_meta") == 0)
			snprintf(
			    sql, sizeof(sql),
			    "INSERT INTO public.blippa_meta SELECT * FROM v_current.blippa_meta"
			    " WHERE key <> 'schema_version' ON CONFLICT (key) DO UPDATE"
			    " SET value = EXCLUDED.value");
		else
			snprintf(sql, sizeof(sql),
				 "INSERT INTO public.%s SELECT * FROM v_current.%s", name, name);
		exec_ok(adm, sql);
	}
	PQclear(t);
	/* the serial columns go on from the rows copied */
	t = PQexec(adm, "SELECT table_name, column_name FROM information_schema.columns"
			" WHERE table_schema = 'public' AND column_default LIKE 'nextval%'");
	assert_int_equal(PQresultStatus(t), PGRES_TUPLES_OK);
	for (int i = 0; i < PQntuples(t); i++) {
		const char *tb = PQgetvalue(t, i, 0), *col = PQgetvalue(t, i, 1);
		snprintf(sql, sizeof(sql),
			 "SELECT setval(pg_get_serial_sequence('%s', '%s'),"
			 " (SELECT coalesce(max(%s), 0) + 1 FROM %s), false)",
			 tb, col, col, tb);
		exec_ok(adm, sql);
	}
	PQclear(t);
	exec_ok(adm, "RESET session_replication_role; DROP SCHEMA v_current CASCADE");
}

static int setup(void **state)
{
	(void)state;
	char err[512];
	uri = getenv("BLIPPA_PG_URI");
	if (!uri || !*uri) {
		fprintf(stderr, "BLIPPA_PG_URI not set: run under tests/helpers/pg_harness.sh\n");
		return -1;
	}
	assert_int_equal(auth_init(), BLIPPA_OK);
	tmp = tu_mkdtemp();
	if (srv_store_open(uri, true, &st, err, sizeof(err)) != BLIPPA_OK) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	for (int g = 0; g < N_GROUPS; g++)
		for (int m = 0; m < N_MEMBERS; m++)
			member_of[g][m] = (g * 5 + m * (g + 1)) % N_PARTS;
	for (int g = 0; g < N_GROUPS; g++) /* distinct members per group */
		for (int m = 0; m < N_MEMBERS; m++)
			for (int k = 0; k < m; k++)
				if (member_of[g][k] == member_of[g][m]) {
					member_of[g][m] = (member_of[g][m] + 1) % N_PARTS;
					k = -1;
				}
	import(false);
	uint8_t hash[SRV_TOKEN_HASH_LEN];
	char kid[SRV_ID_MAX + 1];
	for (int f = 0; f < 2; f++) {
		memset(hash, 9 + f, sizeof(hash));
		assert_int_equal(srv_store_add_kiosk(st, f ? "F1" : "F0", "Kiosk", hash, 1, kid),
				 BLIPPA_OK);
		assert_int_equal(srv_store_auth_kiosk(st, hash, &kiosk[f]), BLIPPA_OK);
	}
	events();
	correct("G2", "S2-1", 1, true);
	correct("G2", "S2-2", 2, false);
	correct("G2", "S2-3", 2, false);
	correct("G2", "S2-3", 2, true);
	import(true); /* a member leaves G0, S1-2 (with check-ins) is removed */
	correct("G0", "S0-0", 1, false);
	struct srv_user u = {.role = SRV_ROLE_ADMIN, .created_ms = PINNED_NOW_MS};
	snprintf(u.name, sizeof(u.name), "admin");
	snprintf(u.pw_hash, sizeof(u.pw_hash), "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA");
	assert_int_equal(srv_store_add_user(st, &u), BLIPPA_OK);
	fig_before = figures(st);
	export_before = tu_export(st, NULL);
	srv_store_close(st);
	st = NULL;
	PGconn *adm = PQconnectdb(uri);
	assert_int_equal(PQstatus(adm), CONNECTION_OK);
	att_group_before = rows(adm, ATT_GROUP_ROWS);
	assert_non_null(strstr(att_group_before, "G3|")); /* not an empty region */
	make_old_database(adm);
	PQfinish(adm);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	srv_store_close(st);
	free(fig_before);
	free(export_before);
	free(att_group_before);
	if (tmp)
		tu_rmtree(tmp);
	free(tmp);
	return 0;
}

/* `blippa-server export` on the database, stdout and stderr discarded. */
static pid_t server_spawn(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execl(BLIPPA_SERVER_BIN, BLIPPA_SERVER_BIN, "export", "--db", uri, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* The first column of the first row of sql, "" if no row (malloc'd). */
static char *first(PGconn *c, const char *sql)
{
	char *r = rows(c, sql);
	r[strcspn(r, "|\n")] = '\0';
	return r;
}

/* A migration killed halfway, and one failing halfway, leave the old
 * database as it was. */
static void test_interrupted_upgrade_changes_nothing(void **state)
{
	(void)state;
	PGconn *adm = PQconnectdb(uri), *locker = PQconnectdb(uri);
	assert_int_equal(PQstatus(adm), CONNECTION_OK);
	assert_int_equal(PQstatus(locker), CONNECTION_OK);
	assert_int_equal(schema_version(adm), PG_SCHEMA_ATT_GROUP - 1);
	char *before = old_state(adm);
	assert_non_null(strstr(before, "to_regclass('att_group') IS NULL\nt\n"));

	/* killed: the migration's backfill waits on att_session */
	exec_ok(locker, "BEGIN; LOCK TABLE att_session IN ACCESS EXCLUSIVE MODE");
	pid_t pid = server_spawn();
	char *backend = NULL;
	for (int64_t end = tu_now_ms() + 20000; !backend && tu_now_ms() < end;) {
		backend = first(adm, "SELECT pid FROM pg_stat_activity WHERE wait_event_type ="
				     " 'Lock' AND query LIKE '%CREATE TABLE att_group%'");
		if (!*backend) {
			free(backend);
			backend = NULL;
			usleep(20000); /* polling the condition, not waiting for it */
		}
	}
	if (!backend) { /* no hang behind the lock: the child and the lock go first */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		PQfinish(locker);
		fail_msg("the migration never waited on att_session");
	}
	/* it has made att_group by now, in its transaction */
	int status = 0;
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	exec_ok(locker, "ROLLBACK");
	/* its backend finds the client gone and rolls back */
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", backend);
	int64_t end = tu_now_ms() + 30000;
	while (tu_pg_count(uri, sql) != 0 && tu_now_ms() < end)
		usleep(20000);
	assert_int_equal(tu_pg_count(uri, sql), 0);
	free(backend);
	char *after = old_state(adm);
	assert_string_equal(after, before);
	free(after);

	/* failing after the backfill (its index name is taken): the same */
	exec_ok(adm, "CREATE INDEX att_session_by_start ON att_session(present)");
	char *err = NULL;
	int rc = tu_run(BLIPPA_SERVER_BIN, tmp, NULL, NULL, &err, "export", "--db", uri, NULL);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(err, "att_session_by_start"));
	free(err);
	exec_ok(adm, "DROP INDEX att_session_by_start");
	after = old_state(adm);
	assert_string_equal(after, before);
	free(after);
	free(before);
	PQfinish(locker);
	PQfinish(adm);
}

/* A clean start migrates: version, att_group, the export and the pages;
 * a second start is a no-op. */
static void test_upgrade_keeps_the_figures(void **state)
{
	(void)state;
	char err[512];
	PGconn *adm = PQconnectdb(uri);
	assert_int_equal(PQstatus(adm), CONNECTION_OK);
	assert_int_equal(schema_version(adm), PG_SCHEMA_ATT_GROUP - 1);
	char *out = NULL;
	assert_int_equal(
	    tu_run(BLIPPA_SERVER_BIN, tmp, NULL, &out, NULL, "export", "--db", uri, NULL), 0);
	assert_string_equal(out, export_before);
	free(out);
	assert_int_equal(schema_version(adm), PG_SCHEMA_VERSION);
	assert_int_equal(tu_pg_count(uri, "SELECT count(*) FROM pg_indexes"
					  " WHERE indexname = 'att_session_by_start'"),
			 1);
	/* att_group: what the server kept, and what att_session says */
	char *g = rows(adm, ATT_GROUP_ROWS);
	assert_string_equal(g, att_group_before);
	char *from = rows(adm, ATT_GROUP_FROM_SESSIONS);
	assert_string_equal(g, from);
	free(from);
	/* a second start changes no row */
	static const char snap_sql[] =
	    "SELECT xmin::text, key, value FROM blippa_meta UNION ALL SELECT xmin::text,"
	    " group_id, 0 FROM att_group UNION ALL SELECT xmin::text, session_id, present"
	    " FROM att_session ORDER BY 2, 1";
	char *snap = rows(adm, snap_sql);
	char *procs = rows(adm, "SELECT xmin, proname FROM pg_proc WHERE proname LIKE 'blippa%'"
				" ORDER BY 2");
	assert_int_equal(srv_store_open(uri, false, &st, err, sizeof(err)), BLIPPA_OK);
	char *snap2 = rows(adm, snap_sql);
	char *procs2 = rows(adm, "SELECT xmin, proname FROM pg_proc WHERE proname LIKE 'blippa%'"
				 " ORDER BY 2");
	assert_string_equal(snap2, snap);
	assert_string_equal(procs2, procs);
	free(snap);
	free(snap2);
	free(procs);
	free(procs2);
	/* the pages */
	char *fig = figures(st);
	assert_string_equal(fig, fig_before);
	free(fig);
	/* a full rebuild finds nothing to change */
	assert_int_equal(srv_store_att_rebuild(st), BLIPPA_OK);
	char *g2 = rows(adm, ATT_GROUP_ROWS);
	assert_string_equal(g2, g);
	free(g2);
	free(g);
	/* the new triggers keep att_group: a check-in where there was none,
	 * and one voided in the same batch */
	char *cell = rows(adm, "SELECT m.participant_id, s.id FROM members m JOIN sessions s"
			       " ON s.group_id = m.group_id WHERE m.group_id = 'G3' AND NOT EXISTS"
			       " (SELECT 1 FROM events e WHERE e.session_id = s.id"
			       " AND e.participant_id = m.participant_id) ORDER BY 2, 1 LIMIT 1");
	char *bar = strchr(cell, '|');
	assert_non_null(bar);
	*bar = '\0';
	bar[strcspn(bar + 1, "\n") + 1] = '\0';
	ev.n_live = 0;
	tu_ev_checkin(&ev, 1, bar + 1, cell);
	tu_ev_void(&ev, 1, tu_ev_checkin(&ev, 1, "S3-0", cell));
	tu_ev_flush(&ev, 1);
	free(cell);
	g = rows(adm, ATT_GROUP_ROWS);
	assert_string_not_equal(g, att_group_before);
	assert_int_equal(srv_store_att_rebuild(st), BLIPPA_OK);
	g2 = rows(adm, ATT_GROUP_ROWS);
	assert_string_equal(g2, g);
	free(g2);
	free(g);
	PQfinish(adm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_interrupted_upgrade_changes_nothing),
	    cmocka_unit_test(test_upgrade_keeps_the_figures),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
