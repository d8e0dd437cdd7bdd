/* SPDX-License-Identifier: MIT */
/* Tests of the roster CSV import (sync/server/import.c) into the SQLite
 * region store: validation with file:line, atomicity, idempotence, updates
 * and removals, and what a re-import keeps (PINs, kiosk-linked cards); a
 * database open to group/others is made 0600 when opened. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "import.h"
#include "protocol.h"
#include "srv_store.h"
#include "srv_testutil.h"

struct fx {
	char *tmp;
	char db[1024];
	struct srv_store *st;
	int n_rosters;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	fx->st = tu_store_open(&fx->tmp, fx->db, sizeof(fx->db));
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

/* Loads overlay (NULL: the good roster); returns rc, message in err. */
static enum blippa_err load(struct fx *fx, const char *overlay, struct import_set **set, char *err,
			    size_t errlen)
{
	char name[32];
	snprintf(name, sizeof(name), "r%d", fx->n_rosters++);
	char *dir = tu_roster_dir(fx->tmp, name, overlay);
	enum blippa_err rc = import_load_dir(dir, set, err, errlen);
	free(dir);
	return rc;
}

static void import_ok(struct fx *fx, const char *overlay, struct srv_import_stats *stats)
{
	struct import_set *set = NULL;
	char err[512] = "";
	assert_int_equal(load(fx, overlay, &set, err, sizeof(err)), BLIPPA_OK);
	assert_int_equal(srv_store_import(fx->st, import_set_roster(set), stats, err, sizeof(err)),
			 BLIPPA_OK);
	import_set_free(set);
}

static const struct roster_participant *find_part(const struct roster *r, const char *id)
{
	for (size_t i = 0; i < r->n_participants; i++)
		if (strcmp(r->participants[i].id, id) == 0)
			return &r->participants[i];
	return NULL;
}

static void test_good_roster(void **state)
{
	struct fx *fx = *state;
	struct import_set *set = NULL;
	char err[512] = "";
	assert_int_equal(load(fx, NULL, &set, err, sizeof(err)), BLIPPA_OK);
	const struct srv_import *m = import_set_roster(set);
	assert_int_equal(m->n_facilities, 2);
	assert_int_equal(m->n_groups, 3);
	assert_int_equal(m->n_sessions, 5);
	assert_int_equal(m->n_participants, 6);
	assert_int_equal(m->n_members, 7);
	assert_int_equal(m->n_leaders, 2);
	assert_string_equal(m->facilities[1].name, "Friskis, Jönköping");
	assert_string_equal(m->participants[3].family_name, "O\"Brien");
	assert_string_equal(m->participants[2].card_uid, "04A1B2C4"); /* normalised */
	assert_string_equal(m->sessions[0].end, "2026-11-23 11:00");  /* CRLF file */
	struct srv_import_stats stats;
	assert_int_equal(srv_store_import(fx->st, m, &stats, err, sizeof(err)), BLIPPA_OK);
	assert_true(stats.changed >= 25);
	assert_int_equal(stats.removed, 0);
	import_set_free(set);

	struct roster *r = NULL;
	assert_int_equal(srv_store_load_roster(fx->st, "F1", &r), BLIPPA_OK);
	assert_string_equal(r->facility.name, "IK Hälsa");
	assert_int_equal(r->n_groups, 2);
	assert_int_equal(r->n_sessions, 4);
	assert_int_equal(r->n_participants, 4); /* P1-P4: members of F1's groups only */
	assert_null(find_part(r, "P5"));
	assert_string_equal(find_part(r, "P1")->given_name, "Åsa");
	assert_int_equal(r->n_leaders, 1);
	assert_int_equal(r->n_cards, 3); /* P1, P3, L1 */
	roster_free(r);
	assert_int_equal(srv_store_load_roster(fx->st, "F9", &r), BLIPPA_ERR_NOT_FOUND);
}

/* The optional language column: read by name wherever it stands, codes
 * lowercased, empty for none; served in the roster; a file without the
 * column (every file before it existed) still imports and clears them. */
static void test_language_column(void **state)
{
	struct fx *fx = *state;
	struct srv_import_stats st;
	struct roster *r = NULL;
	import_ok(fx, "roster-language", &st);
	assert_true(st.changed >= 25);
	assert_int_equal(srv_store_load_roster(fx->st, "F1", &r), BLIPPA_OK);
	assert_string_equal(find_part(r, "P1")->language, "sv");
	assert_null(find_part(r, "P2")->language);
	assert_string_equal(find_part(r, "P3")->language, "ar"); /* "AR" in the file */
	assert_string_equal(find_part(r, "P4")->language, "ti");
	assert_string_equal(find_part(r, "P3")->family_name, "Svensson, d.y.");
	char *json = NULL;
	size_t len = 0;
	assert_int_equal(protocol_encode_roster(r, "k", &json, &len), BLIPPA_OK);
	assert_non_null(strstr(json, "\"family_name\":\"Ärlig\"},")); /* none: left out */
	assert_non_null(strstr(json, "\"language\":\"ar\""));
	free(json);
	roster_free(r);
	import_ok(fx, "roster-language", &st);
	assert_int_equal(st.changed + st.removed, 0);
	import_ok(fx, NULL, &st); /* the four-column file: languages cleared */
	assert_int_equal(st.changed, 4);
	assert_int_equal(srv_store_load_roster(fx->st, "F1", &r), BLIPPA_OK);
	for (size_t i = 0; i < r->n_participants; i++)
		assert_null(r->participants[i].language);
	roster_free(r);
}

static void test_import_twice_changes_nothing(void **state)
{
	struct fx *fx = *state;
	struct srv_import_stats s1, s2;
	int64_t v1, v2;
	import_ok(fx, NULL, &s1);
	char *e1 = tu_export(fx->st, NULL);
	assert_int_equal(srv_store_roster_version(fx->st, &v1), BLIPPA_OK);
	import_ok(fx, NULL, &s2);
	assert_int_equal(s2.changed, 0);
	assert_int_equal(s2.removed, 0);
	assert_int_equal(srv_store_roster_version(fx->st, &v2), BLIPPA_OK);
	assert_int_equal(v1, v2);
	char *e2 = tu_export(fx->st, NULL);
	assert_string_equal(e1, e2);
	assert_non_null(strstr(e1, "P3,Anna-Lena,\"Svensson, d.y.\",absent"));
	free(e1);
	free(e2);
}

static void test_bad_files_rejected_whole(void **state)
{
	struct fx *fx = *state;
	static const struct {
		const char *overlay, *where, *why;
	} bad[] = {
	    {"roster-bad-tz", "/facilities.csv:3: ", "unknown timezone"},
	    {"roster-bad-date", "/sessions.csv:3: ", "bad start"},
	    {"roster-bad-time", "/sessions.csv:3: ", "bad start"},
	    {"roster-bad-end", "/sessions.csv:4: ", "end 2026-11-24 13:00 is not after start"},
	    {"roster-bad-ref", "/members.csv:4: ", "participant_id P9 is not in participants.csv"},
	    {"roster-bad-dup",
	     "/participants.csv:4: ", "duplicate participant_id (also on line 2)"},
	    {"roster-bad-columns", "/groups.csv:3: ", "6 fields, expected 5"},
	    {"roster-bad-quote", "/participants.csv:3: ", "unterminated quoted field"},
	    {"roster-bad-uid", "/participants.csv:3: ", "card_uid already used"},
	    {"roster-bad-language", "/participants.csv:4: ", "bad language arabic"},
	};
	struct srv_import_stats st;
	import_ok(fx, NULL, &st);
	char *before = tu_export(fx->st, NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct import_set *set = NULL;
		char err[512] = "";
		enum blippa_err rc = load(fx, bad[i].overlay, &set, err, sizeof(err));
		if (rc == BLIPPA_OK || !strstr(err, bad[i].where) || !strstr(err, bad[i].why))
			fail_msg("%s: rc %d, message '%s'", bad[i].overlay, rc, err);
		assert_null(set);
	}
	char *after = tu_export(fx->st, NULL);
	assert_string_equal(before, after);
	free(before);
	free(after);

	/* a missing file and a header-less file */
	char *dir = tu_roster_dir(fx->tmp, "nofile", NULL);
	char p[1200], err[512] = "";
	struct import_set *set = NULL;
	snprintf(p, sizeof(p), "%s/leaders.csv", dir);
	unlink(p);
	assert_int_equal(import_load_dir(dir, &set, err, sizeof(err)), BLIPPA_ERR_NOT_FOUND);
	assert_non_null(strstr(err, "leaders.csv: missing"));
	tu_write_file(p, "leader_id,facility_id,name\n");
	assert_int_equal(import_load_dir(dir, &set, err, sizeof(err)), BLIPPA_ERR_INVALID);
	assert_non_null(strstr(err, "leaders.csv:1: header has no column card_uid"));
	tu_write_file(p, "");
	assert_int_equal(import_load_dir(dir, &set, err, sizeof(err)), BLIPPA_ERR_INVALID);
	assert_non_null(strstr(err, "leaders.csv:1: empty file"));
	/* columns in another order are fine; header only is fine */
	tu_write_file(p, "name,card_uid,facility_id,leader_id\n");
	assert_int_equal(import_load_dir(dir, &set, err, sizeof(err)), BLIPPA_OK);
	assert_int_equal(import_set_roster(set)->n_leaders, 0);
	import_set_free(set);
	free(dir);
}

/* Issue 12 defect 7: a facility timezone that is not a real zone (a file
 * in the tz directory that is not one, a leap-second "right/" zone, the
 * host's own link), names that show nothing or hold bidi controls are
 * refused with file:line; zero-width joiners inside a name and posix/
 * zones are fine. */
static void test_odd_input_refused(void **state)
{
	struct fx *fx = *state;
	static const struct {
		const char *file, *text, *where, *why; /* where NULL: accepted */
	} cases[] = {
	    {"facilities.csv",
	     "facility_id,name,timezone\nF1,A,Europe/Stockholm\nF2,B,leapseconds\n",
	     "/facilities.csv:3: ", "unknown timezone"},
	    {"facilities.csv", "facility_id,name,timezone\nF1,A,right/Europe/Stockholm\nF2,B,UTC\n",
	     "/facilities.csv:2: ", "unknown timezone"},
	    {"facilities.csv", "facility_id,name,timezone\nF1,A,posixrules\nF2,B,UTC\n",
	     "/facilities.csv:2: ", "unknown timezone"},
	    {"facilities.csv", "facility_id,name,timezone\nF1,A,localtime\nF2,B,UTC\n",
	     "/facilities.csv:2: ", "unknown timezone"},
	    {"facilities.csv", "facility_id,name,timezone\nF1,A,Factory\nF2,B,UTC\n",
	     "/facilities.csv:2: ", "unknown timezone"},
	    {"facilities.csv", "facility_id,name,timezone\nF1,A,Europe\nF2,B,UTC\n",
	     "/facilities.csv:2: ", "unknown timezone"},
	    {"facilities.csv",
	     "facility_id,name,timezone\nF1,A,posix/Europe/Stockholm\nF2,B,Europe/Stockholm\n",
	     NULL, NULL},
	    {"participants.csv",
	     "participant_id,given_name,family_name,card_uid\nP1,Åsa,Östberg,\n"
	     "P2,\xe2\x80\x8b\xe2\x80\x8b,Ärlig,\nP3,A,B,\nP4,A,B,\nP5,A,B,\nP6,A,B,\n",
	     "/participants.csv:3: ", "bad given_name: no visible character"},
	    {"participants.csv",
	     "participant_id,given_name,family_name,card_uid\nP1,Åsa,Östberg,\n"
	     "P2,Örjan,\xe2\x80\xaegilrÄ,\nP3,A,B,\nP4,A,B,\nP5,A,B,\nP6,A,B,\n",
	     "/participants.csv:3: ", "bad family_name: a bidi control character"},
	    {"participants.csv",
	     "participant_id,given_name,family_name,card_uid\nP1,Åsa,Östberg,\n"
	     "P2,Örjan,Ä\xe2\x81\xa6rlig,\nP3,A,B,\nP4,A,B,\nP5,A,B,\nP6,A,B,\n",
	     "/participants.csv:3: ", "bidi"},
	    {"participants.csv",
	     "participant_id,given_name,family_name,card_uid\nP1,Åsa,Östberg,\n"
	     "P2,Ö\xe2\x80\x8d"
	     "rjan,Ärlig,\nP3,A,B,\nP4,A,B,\nP5,A,B,\nP6,A,B,\n",
	     NULL, NULL},
	    {"participants.csv",
	     "participant_id,given_name,family_name,card_uid,language\nP1,Åsa,Östberg,,sv\n"
	     "P2,A,B,,xx\nP3,A,B,,\nP4,A,B,,\nP5,A,B,,\nP6,A,B,,\n",
	     "/participants.csv:3: ", "bad language xx"},
	    {"participants.csv",
	     "participant_id,given_name,family_name,card_uid,language\nP1,Åsa,Östberg,,sv\n"
	     "P2,A,B,,\nP3,A,B,\nP4,A,B,,\nP5,A,B,,\nP6,A,B,,\n",
	     "/participants.csv:4: ", "4 fields, expected 5"},
	    {"participants.csv",
	     "participant_id,given_name,family_name,card_uid,language,language\nP1,Å,Ö,,sv,sv\n",
	     "/participants.csv:1: ", "header has 6 columns, expected 5"},
	    {"leaders.csv", "leader_id,facility_id,name,card_uid\nL1,F1,\xc2\xa0 \xef\xbb\xbf,\n",
	     "/leaders.csv:2: ", "no visible character"},
	    {"groups.csv",
	     "group_id,facility_id,name,period_start,period_end\n"
	     "G1,F1,Styrka\xc2\x85"
	     "A,2026-08-24,2026-12-18\nG2,F1,B,2026-08-24,2026-12-18\n"
	     "G3,F2,C,2026-09-01,2026-12-15\n",
	     "/groups.csv:2: ", "a control character"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[32], path[1200], err[512] = "";
		struct import_set *set = NULL;
		snprintf(name, sizeof(name), "odd%zu", i);
		char *dir = tu_roster_dir(fx->tmp, name, NULL);
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].file);
		tu_write_file(path, cases[i].text);
		enum blippa_err rc = import_load_dir(dir, &set, err, sizeof(err));
		free(dir);
		import_set_free(set);
		if (!cases[i].where && rc != BLIPPA_OK)
			fail_msg("case %zu: refused: %s", i, err);
		if (cases[i].where &&
		    (rc == BLIPPA_OK || !strstr(err, cases[i].where) || !strstr(err, cases[i].why)))
			fail_msg("case %zu: rc %d, message '%s'", i, rc, err);
	}
}

static void test_store_failure_is_atomic(void **state)
{
	struct fx *fx = *state;
	struct srv_import_stats st;
	import_ok(fx, NULL, &st);
	char *before = tu_export(fx->st, NULL);
	/* make the last table of the import fail inside the store transaction */
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TRIGGER boom BEFORE DELETE ON members BEGIN"
				      " SELECT RAISE(ABORT, 'injected failure'); END;",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	struct import_set *set = NULL;
	char err[512] = "";
	assert_int_equal(load(fx, "roster-changed", &set, err, sizeof(err)), BLIPPA_OK);
	assert_int_not_equal(
	    srv_store_import(fx->st, import_set_roster(set), &st, err, sizeof(err)), BLIPPA_OK);
	assert_non_null(strstr(err, "nothing changed"));
	char *after = tu_export(fx->st, NULL);
	assert_string_equal(before, after); /* P1's new family name was rolled back */
	assert_int_equal(sqlite3_exec(db, "DROP TRIGGER boom", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(srv_store_import(fx->st, import_set_roster(set), &st, err, sizeof(err)),
			 BLIPPA_OK);
	import_set_free(set);
	char *changed = tu_export(fx->st, NULL);
	assert_non_null(strstr(changed, "Östberg-Lind"));
	free(before);
	free(after);
	free(changed);
}

static void test_reimport_updates_and_removes(void **state)
{
	struct fx *fx = *state;
	struct srv_import_stats st;
	import_ok(fx, NULL, &st);
	char *before = tu_export(fx->st, NULL);
	assert_non_null(strstr(before, ",P2,Örjan,Ärlig,"));
	import_ok(fx, "roster-changed", &st);
	assert_int_equal(st.changed, 1); /* P1's family name */
	assert_int_equal(st.removed, 2); /* participant P2 and membership G1/P2 */
	char *after = tu_export(fx->st, NULL);
	assert_null(strstr(after, ",P2,"));
	assert_non_null(strstr(after, ",P1,Åsa,Östberg-Lind,absent"));
	/* and the changed files again: nothing */
	import_ok(fx, "roster-changed", &st);
	assert_int_equal(st.changed + st.removed, 0);
	free(before);
	free(after);
}

static void test_reimport_keeps_pin_and_linked_card(void **state)
{
	struct fx *fx = *state;
	struct srv_import_stats st;
	char pin[AUTH_PIN_HASH_MAX];
	import_ok(fx, NULL, &st);
	assert_int_equal(auth_pin_hash("4711", pin), BLIPPA_OK);
	assert_int_equal(srv_store_set_leader_pin(fx->st, "L1", pin), BLIPPA_OK);
	assert_int_equal(srv_store_set_leader_pin(fx->st, "L9", pin), BLIPPA_ERR_NOT_FOUND);
	/* a leader links a card to P2 at a kiosk */
	uint8_t hash[SRV_TOKEN_HASH_LEN] = {1};
	char kid[SRV_ID_MAX + 1];
	struct srv_kiosk k;
	assert_int_equal(srv_store_add_kiosk(fx->st, "F1", "Entré", hash, 1, kid), BLIPPA_OK);
	assert_int_equal(srv_store_auth_kiosk(fx->st, hash, &k), BLIPPA_OK);
	struct protocol_event ev = {.id = "0192f5c4-0000-7000-8000-000000000001",
				    .type = EVENT_CARD_LINK,
				    .at_ms = 1795424040000,
				    .participant_id = "P2",
				    .card_uid = "04beef01"};
	struct protocol_result res;
	struct srv_ingest_stats is;
	assert_int_equal(srv_store_ingest_events(fx->st, &k, &ev, 1, 2, &res, &is), BLIPPA_OK);
	assert_int_equal(res.status, PROTOCOL_ACCEPTED);
	import_ok(fx, NULL, &st);
	assert_int_equal(st.changed + st.removed, 0);
	struct roster *r = NULL;
	assert_int_equal(srv_store_load_roster(fx->st, "F1", &r), BLIPPA_OK);
	assert_non_null(r->leaders[0].pin_hash);
	assert_string_equal(r->leaders[0].pin_hash, pin);
	bool found = false;
	for (size_t i = 0; i < r->n_cards; i++)
		if (strcmp(r->cards[i].uid_hex, "04BEEF01") == 0 &&
		    strcmp(r->cards[i].owner_id, "P2") == 0)
			found = true;
	assert_true(found);
	roster_free(r);
	/* P2 leaves the roster: the kiosk-linked card goes with them */
	import_ok(fx, "roster-changed", &st);
	assert_int_equal(srv_store_load_roster(fx->st, "F1", &r), BLIPPA_OK);
	for (size_t i = 0; i < r->n_cards; i++)
		assert_string_not_equal(r->cards[i].uid_hex, "04BEEF01");
	roster_free(r);
}

/* A database opened with group/others permissions is taken back to 0600. */
static void test_open_makes_db_private(void **state)
{
	struct fx *fx = *state;
	struct stat sb;
	char err[256];
	srv_store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(chmod(fx->db, 0644), 0);
	assert_int_equal(srv_store_open(fx->db, false, &fx->st, err, sizeof(err)), BLIPPA_OK);
	assert_int_equal(stat(fx->db, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	srv_store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(chmod(fx->db, 0660), 0);
	assert_int_equal(srv_store_open(fx->db, false, &fx->st, err, sizeof(err)), BLIPPA_OK);
	assert_int_equal(stat(fx->db, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
}

static int int_of(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* A schema v1 database (no sessions.removed, no back-office tables) is
 * migrated to the current schema when opened, its rows kept. */
static void test_open_migrates_v1(void **state)
{
	struct fx *fx = *state;
	struct srv_import_stats st;
	char err[256];
	import_ok(fx, NULL, &st);
	srv_store_close(fx->st);
	fx->st = NULL;
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
	int current = int_of(db, "PRAGMA user_version");
	assert_int_equal(
	    sqlite3_exec(db,
			 "ALTER TABLE sessions DROP COLUMN removed;"
			 " ALTER TABLE participants DROP COLUMN language;"
			 " DROP TABLE users; DROP TABLE user_facilities;"
			 " DROP TABLE corrections; DROP TABLE audit; DROP TRIGGER att_checkin;"
			 " DROP TRIGGER att_void; DROP TRIGGER att_delete; DROP TABLE att_session;"
			 " DROP TABLE att_member; DROP INDEX groups_by_facility_id;"
			 " PRAGMA user_version = 1;",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(srv_store_open(fx->db, false, &fx->st, err, sizeof(err)), BLIPPA_OK);
	assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
	assert_int_equal(int_of(db, "PRAGMA user_version"), current);
	assert_int_equal(int_of(db, "SELECT count(*) FROM participants WHERE language = ''"), 6);
	assert_int_equal(int_of(db, "SELECT count(*) FROM users"), 0);
	assert_int_equal(int_of(db, "SELECT count(*) FROM audit"), 0);
	assert_int_equal(int_of(db, "SELECT count(*) FROM sessions WHERE removed = 0"), 5);
	/* the back-office's attendance summary is filled from what is there */
	assert_int_equal(int_of(db, "SELECT count(*) FROM att_session"), 5);
	sqlite3_close(db);
	import_ok(fx, NULL, &st);
	assert_int_equal(st.changed + st.removed, 0);
}

static void test_field_checks(void **state)
{
	(void)state;
	assert_true(import_valid_date("2028-02-29"));
	assert_false(import_valid_date("2026-02-29"));
	assert_false(import_valid_date("2026-2-28"));
	assert_false(import_valid_date("2026-04-31"));
	assert_true(import_valid_local_time("2026-03-29 02:30"));
	assert_false(import_valid_local_time("2026-03-29 2:30"));
	assert_false(import_valid_local_time("2026-03-29 23:60"));
	assert_false(import_valid_local_time("2026-03-29T10:00"));
	assert_true(import_valid_id("P-1_x"));
	assert_false(import_valid_id("P 1"));
	assert_false(import_valid_id(""));
	assert_false(import_valid_id("Å"));
}

/* Issue 12.5: the import and the kiosk's roster validators use one date
 * rule, so every date one accepts the other accepts (1970 was accepted
 * here and refused by every kiosk); a roster with such a date is refused
 * at import with file:line. */
static void test_dates_agree_with_kiosk(void **state)
{
	struct fx *fx = *state;
	static const char *const dates[] = {"1969-12-31", "1970-01-01", "1970-06-01", "1971-01-01",
					    "2000-02-29", "2100-02-29", "2028-02-29", "9999-12-31",
					    "0000-01-01", "2026-13-01"};
	struct roster *r = roster_new();
	char t[32], err[512] = "";
	assert_non_null(r);
	for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		bool kiosk = roster_add_group(r, "G", "n", dates[i], dates[i]) == BLIPPA_OK;
		if (import_valid_date(dates[i]) != kiosk)
			fail_msg("%s: import %d, kiosk %d", dates[i], !kiosk, kiosk);
		snprintf(t, sizeof(t), "%s 10:00", dates[i]);
		kiosk = roster_add_session(r, "S", "G", t, t) == BLIPPA_OK;
		if (import_valid_local_time(t) != kiosk)
			fail_msg("%s: import %d, kiosk %d", t, !kiosk, kiosk);
	}
	roster_free(r);
	char *dir = tu_roster_dir(fx->tmp, "d1970", NULL);
	char p[1200];
	struct import_set *set = NULL;
	snprintf(p, sizeof(p), "%s/groups.csv", dir);
	tu_write_file(
	    p, "group_id,facility_id,name,period_start,period_end\n"
	       "G1,F1,Styrka A,1970-06-01,2026-12-18\n"
	       "G2,F1,Balans,2026-08-24,2026-12-18\nG3,F2,Kondition,2026-09-01,2026-12-15\n");
	assert_int_equal(import_load_dir(dir, &set, err, sizeof(err)), BLIPPA_ERR_INVALID);
	if (!strstr(err, "/groups.csv:2: bad period_start 1970-06-01"))
		fail_msg("message: %s", err);
	free(dir);
}

/* Every error of a bad set is reported, not only the first: three bad rows
 * on different lines of two files (a bad date, a bad card, an unknown
 * group) give three errors with file, line and column, sorted, and the
 * CLI's text has a line each; past IMPORT_ERRORS_KEEP the rest are counted
 * ("... and N more errors"). Nothing is loaded. */
static void test_every_error_reported(void **state)
{
	struct fx *fx = *state;
	char p[1200], err[4096] = "";
	struct import_set *set = NULL;
	struct import_errors *errs = calloc(1, sizeof(*errs));
	char *dir = tu_roster_dir(fx->tmp, "many", NULL);
	snprintf(p, sizeof(p), "%s/participants.csv", dir);
	tu_write_file(p, "participant_id,given_name,family_name,card_uid\n"
			 "P1,A,B,04A1B2C3\nP2,C,D,XYZ\nP3,E,F,\nP4,G,H,\nP5,I,J,\nP6,K,L,\n");
	snprintf(p, sizeof(p), "%s/groups.csv", dir);
	tu_write_file(p, "group_id,facility_id,name,period_start,period_end\n"
			 "G1,F1,A,2026-08-24,2026-12-18\nG2,F1,B,2026-13-01,2026-12-18\n"
			 "G3,F2,C,2026-09-01,2026-12-15\n");
	snprintf(p, sizeof(p), "%s/members.csv", dir);
	tu_write_file(p, "group_id,participant_id\nG1,P1\nG1,P3\nG9,P4\n");
	assert_int_equal(import_load_dir_all(dir, &set, errs), BLIPPA_ERR_INVALID);
	assert_null(set);
	assert_int_equal(errs->total, 3);
	assert_int_equal(errs->n, 3);
	assert_string_equal(import_file_name(errs->e[0].file), "groups.csv");
	assert_int_equal(errs->e[0].line, 3);
	assert_string_equal(errs->e[0].column, "period_start");
	assert_int_equal(errs->e[0].kind, IE_DATE);
	assert_string_equal(import_file_name(errs->e[1].file), "participants.csv");
	assert_int_equal(errs->e[1].line, 3);
	assert_string_equal(errs->e[1].column, "card_uid");
	assert_string_equal(import_file_name(errs->e[2].file), "members.csv");
	assert_int_equal(errs->e[2].line, 4);
	assert_int_equal(errs->e[2].kind, IE_REF);
	/* G2 is bad but its members are not refused again: no cascade */
	assert_int_equal(import_load_dir(dir, &set, err, sizeof(err)), BLIPPA_ERR_INVALID);
	if (!strstr(err, "/groups.csv:3: bad period_start") ||
	    !strstr(err, "/participants.csv:3: bad card_uid") ||
	    !strstr(err, "/members.csv:4: group_id G9 is not in groups.csv"))
		fail_msg("message: %s", err);

	/* 60 bad rows: 50 kept, all counted, the text says how many more */
	char big[8192];
	size_t used = (size_t)snprintf(big, sizeof(big), "group_id,participant_id\n");
	for (int i = 0; i < 60; i++)
		used += (size_t)snprintf(big + used, sizeof(big) - used, "G1,Q%d\n", i);
	tu_write_file(p, big);
	assert_int_equal(import_load_dir_all(dir, &set, errs), BLIPPA_ERR_INVALID);
	assert_int_equal(errs->total, 62);
	assert_int_equal(errs->n, IMPORT_ERRORS_KEEP);
	assert_int_equal(import_load_dir(dir, &set, err, 1024), BLIPPA_ERR_INVALID);
	if (strlen(err) >= 1024 || !strstr(err, "... and ") || !strstr(err, " more errors"))
		fail_msg("message: %s", err);
	free(errs);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_good_roster, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_language_column, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_import_twice_changes_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_files_rejected_whole, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_odd_input_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_failure_is_atomic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reimport_updates_and_removes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reimport_keeps_pin_and_linked_card, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_open_makes_db_private, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_migrates_v1, setup, teardown),
	    cmocka_unit_test(test_field_checks),
	    cmocka_unit_test_setup_teardown(test_dates_agree_with_kiosk, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_every_error_reported, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
