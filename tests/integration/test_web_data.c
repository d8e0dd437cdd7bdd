/* SPDX-License-Identifier: MIT */
/* The back-office figures from the attendance summary (web_data.c, the
 * att_* tables kept by triggers at every event insert) must equal the
 * reference fold of the export rows (web_data_ref.c, how the pages computed
 * them before): the overview per group and session, the group grid per
 * member and session (marks, "N av M", follow-up), on a real region store.
 * The data set is generated (fixed seed): several check-ins in one cell,
 * voids (also twice, also in the same batch as their check-in), check-ins
 * at sessions not yet held, staff corrections both ways, then a roster
 * re-import that removes a member (who becomes "left") and a session with
 * check-ins, then more events, then a full rebuild, which must change
 * nothing, then a purge deleting some check-ins and voids behind the
 * store's back (SQL). Time is a parameter (PINNED_NOW_MS), never the run date. With
 * BLIPPA_PG_URI set (test_web_data_pg under pg_harness.sh) it runs on
 * PostgreSQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "srv_testutil.h"
#include "web_data.h"
#include "web_data_ref.h"

/* 2026-12-10 12:00 UTC */
#define PINNED_NOW_MS 1796904000000LL
#define N_GROUPS 6
#define N_SESSIONS 9
#define N_PARTS 40
#define N_MEMBERS 7

static struct srv_store *st;
static char *tmp, db[1024];
static const char *pg;
static struct srv_kiosk kiosk[2];
static struct tu_events ev = {.st = &st, .kiosk = kiosk, .now_ms = PINNED_NOW_MS, .seed = 12345};

static uint32_t rnd(uint32_t n)
{
	return tu_ev_rnd(&ev, n);
}

/* ---- the roster ---- */

static char ids[4096][24];
static size_t n_ids;

/* A formatted string that lives until the next import. */
#define str(...)                                                                                   \
	(assert_true(n_ids < sizeof(ids) / sizeof(ids[0])),                                        \
	 snprintf(ids[n_ids], sizeof(ids[0]), __VA_ARGS__), (const char *)ids[n_ids++])

static const char *dup_date(int year, int month, int day)
{
	return str("%04d-%02d-%02d 10:00", year, month, day);
}

static int member_of[N_GROUPS][N_MEMBERS];

/* Facilities F0 (Stockholm: G0-G3) and F1 (Helsinki: G4, G5). G3 ended in
 * the spring, G5 starts next year, the others run now. drop_member: G0's
 * first member is no longer listed in G0 (still in G1); drop_session: G1's
 * fourth session is gone from the files. */
static void import(bool changed)
{
	struct srv_facility fac[2] = {{"F0", "Förening Noll", "Europe/Stockholm"},
				      {"F1", "Förening Ett", "Europe/Helsinki"}};
	struct srv_group grp[N_GROUPS];
	struct srv_session ses[N_GROUPS * N_SESSIONS];
	struct srv_participant par[N_PARTS];
	struct srv_member mem[N_GROUPS * N_MEMBERS + 1];
	size_t ns = 0, nm = 0;
	n_ids = 0;
	for (int g = 0; g < N_GROUPS; g++) {
		const char *from = g == 3 ? "2026-03-02" : g == 5 ? "2027-01-04" : "2026-10-05";
		const char *to = g == 3 ? "2026-06-12" : g == 5 ? "2027-05-28" : "2026-12-18";
		grp[g] = (struct srv_group){str("G%d", g), g < 4 ? "F0" : "F1", str("Grupp %d", g),
					    from, to};
		for (int s = 0; s < N_SESSIONS; s++) {
			if (changed && g == 1 && s == 3)
				continue;
			/* weekly from the period start (day 10 + 7 s of the month
			 * the period starts); the last of the running groups is
			 * today: 12:30 local held (F0: 13:00 now), 14:30 not */
			int month = g == 3 ? 3 : g == 5 ? 1 : 10;
			int year = g == 5 ? 2027 : 2026;
			int day = 1 + 7 * s;
			month += (day - 1) / 28;
			day = (day - 1) % 28 + 1;
			const char *start;
			if (g != 3 && g != 5 && s == N_SESSIONS - 1)
				start = g % 2 ? "2026-12-10 14:30" : "2026-12-10 12:30";
			else if (g != 3 && g != 5 && s == N_SESSIONS - 2)
				start = "2026-12-15 10:00";
			else
				start = dup_date(year, month, day);
			ses[ns++] = (struct srv_session){str("S%d-%d", g, s), grp[g].id, start,
							 "2026-12-31 23:59"};
		}
	}
	for (int p = 0; p < N_PARTS; p++)
		par[p] = (struct srv_participant){str("P%d", p), str("Förnamn%d", p),
						  str("Efternamn%d", p), "", ""};
	for (int g = 0; g < N_GROUPS; g++)
		for (int m = 0; m < N_MEMBERS; m++) {
			if (changed && g == 0 && m == 0)
				continue;
			mem[nm++] = (struct srv_member){grp[g].id, par[member_of[g][m]].id};
		}
	if (changed) /* a newcomer in G2 */
		mem[nm++] = (struct srv_member){"G2", "P39"};
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

/* ---- events ---- */

/* Check-ins of the current members at every session of every group,
 * with duplicates and voids; skip_g0m0: G0's first member has left. */
static void events(bool after_reimport)
{
	ev.n_live = 0;
	for (int g = 0; g < N_GROUPS; g++) {
		int fac = g < 4 ? 0 : 1;
		for (int s = 0; s < N_SESSIONS; s++) {
			if (after_reimport && g == 1 && s == 3)
				continue;
			char sid[16];
			snprintf(sid, sizeof(sid), "S%d-%d", g, s);
			for (int m = 0; m < N_MEMBERS; m++) {
				if (after_reimport && g == 0 && m == 0)
					continue;
				char pid[8];
				snprintf(pid, sizeof(pid), "P%d", member_of[g][m]);
				uint32_t r = rnd(100);
				if (r < 45)
					continue;
				const char *a = tu_ev_checkin(&ev, fac, sid, pid);
				if (r < 55) {
					const char *b = tu_ev_checkin(&ev, fac, sid, pid);
					if (rnd(2))
						tu_ev_void(&ev, fac, b);
				}
				if (r >= 90)
					tu_ev_void(&ev, fac, a);
				if (r >= 97)
					tu_ev_void(&ev, fac, a); /* twice */
			}
		}
		tu_ev_flush(&ev, fac);
	}
}

static void correct(const char *fid, const char *gid, const char *sid, const char *pid,
		    bool present)
{
	struct srv_correction k = {.facility_id = fid,
				   .group_id = gid,
				   .session_id = sid,
				   .participant_id = pid,
				   .present = present,
				   .user = "tester",
				   .reason = "test",
				   .at_ms = PINNED_NOW_MS};
	assert_int_equal(srv_store_correct(st, &k), BLIPPA_OK);
}

/* ---- the comparison ---- */

static unsigned char norm(unsigned char m)
{
	/* the reference has no "not present" correction mark */
	return (m & WM_MASK) == WM_ABSENT ? WM_ABSENT : m;
}

static void same_group_counts(const struct web_data *a, const struct wd_group *ga,
			      const struct web_data *b, const struct wd_group *gb)
{
	assert_string_equal(ga->g->id, gb->g->id);
	assert_int_equal(ga->n_sessions, gb->n_sessions);
	assert_int_equal(ga->n_held, gb->n_held);
	assert_int_equal(ga->n_members, gb->n_members);
	assert_int_equal(ga->present_total, gb->present_total);
	if (ga->half != gb->half)
		fail_msg("%s: half %zu, reference %zu (held %zu members %zu)", ga->g->id, ga->half,
			 gb->half, ga->n_held, ga->n_members);
	for (size_t s = 0; s < ga->n_sessions; s++) {
		const struct wd_session *sa = &a->sessions[ga->first_session + s];
		const struct wd_session *sb = &b->sessions[gb->first_session + s];
		if (sa->s) /* the overview names no session */
			assert_string_equal(sa->s->id, sb->s->id);
		assert_int_equal(sa->held, sb->held);
		if (sa->held)
			assert_int_equal(sa->present, sb->present);
	}
}

static size_t voided_marks;

static void same_grid(const char *fid, const char *gid)
{
	struct web_data *a = NULL, *b = NULL;
	assert_int_equal(web_data_group_load(st, gid, PINNED_NOW_MS, &a), BLIPPA_OK);
	assert_int_equal(ref_data_load(st, fid, gid, PINNED_NOW_MS, &b), BLIPPA_OK);
	assert_string_equal(a->r->facility.id, fid);
	assert_string_equal(a->now_local, b->now_local);
	const struct wd_group *ga = &a->groups[0], *gb = &b->groups[0];
	same_group_counts(a, ga, b, gb);
	assert_int_equal(ga->n_all, gb->n_all);
	for (size_t i = 0; i < ga->n_all; i++) {
		const struct wd_member *ma = &a->members[ga->first_member + i];
		const struct wd_member *mb = &b->members[gb->first_member + i];
		assert_string_equal(ma->p->id, mb->p->id);
		assert_int_equal(ma->left, mb->left);
		assert_int_equal(ma->attended, mb->attended);
		assert_int_equal(ma->follow_up, mb->follow_up);
		for (size_t s = 0; s < ga->n_sessions; s++) {
			if (ma->marks[s] == (WM_ABSENT | WM_STAFF))
				voided_marks++;
			if (norm(ma->marks[s]) != norm(mb->marks[s]))
				fail_msg("%s %s session %zu: mark %d, reference %d", gid, ma->p->id,
					 s, ma->marks[s], mb->marks[s]);
		}
	}
	web_data_free(a);
	ref_data_free(b);
}

static void same_overview(const char *fid, const char *name, const char *tz)
{
	static const char *const periods[] = {"current", "past", "upcoming"};
	struct web_data *b = NULL;
	size_t seen = 0;
	assert_int_equal(ref_data_load(st, fid, NULL, PINNED_NOW_MS, &b), BLIPPA_OK);
	for (size_t p = 0; p < 3; p++) {
		struct web_data *a = NULL;
		assert_int_equal(
		    web_data_overview(st, fid, name, tz, periods[p], PINNED_NOW_MS, &a), BLIPPA_OK);
		for (size_t g = 0; g < a->n_groups; g++) {
			size_t gi = ref_data_group(b, a->groups[g].g->id);
			assert_true(gi != (size_t)-1);
			same_group_counts(a, &a->groups[g], b, &b->groups[gi]);
			/* the group's period is the one asked for */
			const char *today = "2026-12-10";
			const struct roster_group *rg = a->groups[g].g;
			int cur = strcmp(rg->period_start, today) <= 0 &&
				  strcmp(rg->period_end, today) >= 0;
			int past = strcmp(rg->period_end, today) < 0;
			assert_int_equal(p == 0 ? cur : p == 1 ? past : !cur && !past, 1);
			seen++;
		}
		web_data_free(a);
	}
	assert_int_equal(seen, b->n_groups); /* each group in exactly one period */
	ref_data_free(b);
}

static void check_all(void)
{
	same_overview("F0", "Förening Noll", "Europe/Stockholm");
	same_overview("F1", "Förening Ett", "Europe/Helsinki");
	for (int g = 0; g < N_GROUPS; g++) {
		char gid[8];
		snprintf(gid, sizeof(gid), "G%d", g);
		same_grid(g < 4 ? "F0" : "F1", gid);
	}
}

static void test_summary_equals_export_fold(void **state)
{
	(void)state;
	for (int g = 0; g < N_GROUPS; g++) /* G0's first member is also in G1 */
		for (int m = 0; m < N_MEMBERS; m++)
			member_of[g][m] =
			    g == 1 && m == 0 ? member_of[0][0] : (int)rnd(N_PARTS - 1);
	for (int g = 0; g < N_GROUPS; g++) /* distinct members per group */
		for (int m = 0; m < N_MEMBERS; m++)
			for (int k = 0; k < m; k++)
				if (member_of[g][k] == member_of[g][m]) {
					member_of[g][m] = (member_of[g][m] + 1) % (N_PARTS - 1);
					k = -1;
				}
	import(false);
	uint8_t hash[SRV_TOKEN_HASH_LEN];
	char kid[SRV_ID_MAX + 1];
	for (int f = 0; f < 2; f++) {
		memset(hash, 7 + f, sizeof(hash));
		assert_int_equal(srv_store_add_kiosk(st, f ? "F1" : "F0", "Kiosk", hash, 1, kid),
				 BLIPPA_OK);
		assert_int_equal(srv_store_auth_kiosk(st, hash, &kiosk[f]), BLIPPA_OK);
	}
	events(false);
	/* corrections: a no-show marked present, a check-in marked not present */
	char p0[8], p1[8];
	snprintf(p0, sizeof(p0), "P%d", member_of[2][1]);
	snprintf(p1, sizeof(p1), "P%d", member_of[2][2]);
	correct("F0", "G2", "S2-1", p0, true);
	correct("F0", "G2", "S2-2", p1, false);
	correct("F0", "G2", "S2-3", p1, false);
	correct("F0", "G2", "S2-3", p1, true); /* changed their mind: present */
	voided_marks = 0;
	check_all();
	assert_int_equal(voided_marks, 1); /* S2-2 only: S2-3 is present again */
	/* the roster changes: a member leaves G0, a session of G1 is gone */
	import(true);
	check_all();
	events(true);
	snprintf(p0, sizeof(p0), "P%d", member_of[0][1]);
	correct("F0", "G0", "S0-0", p0, false);
	check_all();
	assert_int_equal(srv_store_att_rebuild(st), BLIPPA_OK);
	check_all();
	/* a purge: about one event in five goes, check-ins and voids alike */
	static const char purge[] =
	    "DELETE FROM events WHERE type IN (0, 1) AND substr(id, 36, 1) IN ('3', 'a', 'c')";
	if (pg) {
		PGconn *c = PQconnectdb(pg);
		PGresult *r = PQexec(c, purge);
		assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
		assert_true(atoi(PQcmdTuples(r)) > 10);
		PQclear(r);
		PQfinish(c);
	} else {
		sqlite3 *c = NULL;
		assert_int_equal(sqlite3_open(db, &c), SQLITE_OK);
		sqlite3_busy_timeout(c, 10000);
		assert_int_equal(sqlite3_exec(c, purge, NULL, NULL, NULL), SQLITE_OK);
		assert_true(sqlite3_changes(c) > 10);
		sqlite3_close(c);
	}
	check_all();
}

static int setup(void **state)
{
	(void)state;
	char err[512];
	pg = getenv("BLIPPA_PG_URI");
	if (pg) {
		assert_int_equal(auth_init(), BLIPPA_OK);
		tmp = tu_mkdtemp();
		assert_int_equal(srv_store_open(pg, true, &st, err, sizeof(err)), BLIPPA_OK);
	} else {
		st = tu_store_open(&tmp, db, sizeof(db));
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_store_close(st, tmp);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_summary_equals_export_fold),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
