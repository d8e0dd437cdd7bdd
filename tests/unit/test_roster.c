/* SPDX-License-Identifier: MIT */
/* Tests of the roster snapshot (sync/store/roster.c) and the demo roster
 * (demo.c): field checks in the adders, roster_validate() on uniqueness
 * and references, and the demo's promises (keys, leader PIN, sessions
 * today relative to now, generated extras). */
#include <sodium.h>

#include "store_testutil.h"

static void test_adders_check_fields(void **state)
{
	struct roster *r = roster_new();
	char long_id[80], long_name[200];

	(void)state;
	memset(long_id, 'a', sizeof long_id - 1);
	long_id[sizeof long_id - 1] = '\0';
	memset(long_name, 'a', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	assert_int_equal(roster_set_facility(r, "F1", "X", "Mars/Olympus"), BLIPPA_ERR_INVALID);
	assert_int_equal(roster_set_facility(r, "F1", "X", "../../etc/passwd"), BLIPPA_ERR_INVALID);
	assert_int_equal(roster_set_facility(r, "F 1", "X", ZONE), BLIPPA_ERR_INVALID);
	assert_int_equal(roster_set_facility(r, "F1", "IK Hälsa", ZONE), BLIPPA_OK);
	assert_int_equal(roster_add_group(r, long_id, "G", "2026-01-01", "2026-02-01"),
			 BLIPPA_ERR_INVALID);
	assert_int_equal(roster_add_group(r, "G1", "G", "2026-02-30", "2026-03-01"),
			 BLIPPA_ERR_INVALID);
	assert_int_equal(roster_add_group(r, "G1", "G", "2026-1-01", "2026-03-01"),
			 BLIPPA_ERR_INVALID);
	assert_int_equal(roster_add_group(r, "G1", "", "2026-01-01", "2026-03-01"),
			 BLIPPA_ERR_INVALID);
	assert_int_equal(roster_add_session(r, "S1", "G1", "2026-11-23 24:00", "2026-11-23 11:00"),
			 BLIPPA_ERR_INVALID);
	assert_int_equal(roster_add_session(r, "S1", "G1", "2026-11-23T10:00", "2026-11-23 11:00"),
			 BLIPPA_ERR_INVALID);
	assert_int_equal(roster_add_participant(r, "P1", "\xc3\x28", "Ek"), BLIPPA_ERR_INVALID);
	assert_int_equal(roster_add_participant(r, "P1", "A\nB", "Ek"), BLIPPA_ERR_INVALID);
	assert_int_equal(roster_add_participant(r, "P1", long_name, "Ek"), BLIPPA_ERR_INVALID);
	assert_int_equal(roster_add_participant(r, "P1", "\xe0\x80\xaf", "Ek"), BLIPPA_ERR_INVALID);
	assert_int_equal(roster_add_participant(r, "P1", "Åsa", "Östberg"), BLIPPA_OK);
	assert_int_equal(roster_add_leader(r, "L1", "Kim", "plaintext"), BLIPPA_ERR_INVALID);
	assert_int_equal(roster_add_card(r, "04A1B2", ROSTER_CARD_PARTICIPANT, "P1"),
			 BLIPPA_ERR_INVALID);
	assert_int_equal(roster_add_card(r, "04A1B2CZ", ROSTER_CARD_PARTICIPANT, "P1"),
			 BLIPPA_ERR_INVALID);
	assert_int_equal(roster_add_card(r, "04a1b2c3", ROSTER_CARD_PARTICIPANT, "P1"), BLIPPA_OK);
	assert_string_equal(r->cards[0].uid_hex, "04A1B2C3");
	assert_int_equal(r->n_participants, 1);
	assert_int_equal(r->n_groups, 0);
	assert_int_equal(roster_validate(r, NULL, 0), BLIPPA_OK);
	roster_free(r);
	roster_free(NULL);
}

/* Builds small_roster() plus one broken row and expects validate to name it. */
static void expect_invalid(void (*breakit)(struct roster *), const char *needle)
{
	struct roster *r = small_roster();
	char err[256];

	assert_int_equal(roster_validate(r, err, sizeof err), BLIPPA_OK);
	breakit(r);
	assert_int_equal(roster_validate(r, err, sizeof err), BLIPPA_ERR_INVALID);
	if (!strstr(err, needle))
		fail_msg("'%s' does not contain '%s'", err, needle);
	roster_free(r);
}

static void dup_group(struct roster *r)
{
	roster_add_group(r, "G2", "Igen", "2026-01-01", "2026-02-01");
}
static void dup_participant(struct roster *r)
{
	roster_add_participant(r, "P3", "Igen", "Igen");
}
static void dup_member(struct roster *r)
{
	roster_add_member(r, "G1", "P2");
}
static void dup_uid(struct roster *r)
{
	roster_add_card(r, "04a1b2c3", ROSTER_CARD_PARTICIPANT, "P4");
}
static void session_bad_group(struct roster *r)
{
	roster_add_session(r, "S9", "G9", "2026-11-23 10:00", "2026-11-23 11:00");
}
static void session_ends_first(struct roster *r)
{
	roster_add_session(r, "S9", "G1", "2026-11-23 10:00", "2026-11-23 10:00");
}
static void member_bad_participant(struct roster *r)
{
	roster_add_member(r, "G1", "P99");
}
static void member_bad_group(struct roster *r)
{
	roster_add_member(r, "G99", "P1");
}
static void card_bad_owner(struct roster *r)
{
	roster_add_card(r, "04000001", ROSTER_CARD_PARTICIPANT, "L1");
}
static void card_bad_leader(struct roster *r)
{
	roster_add_card(r, "04000001", ROSTER_CARD_LEADER, "P1");
}
static void period_backwards(struct roster *r)
{
	roster_add_group(r, "G9", "Bak", "2026-05-01", "2026-04-01");
}

static void test_validate(void **state)
{
	struct roster *r = roster_new();
	char err[128];

	(void)state;
	assert_int_equal(roster_validate(r, err, sizeof err), BLIPPA_ERR_INVALID);
	assert_non_null(strstr(err, "facility"));
	roster_free(r);
	expect_invalid(dup_group, "groups: id G2");
	expect_invalid(dup_participant, "participants: id P3");
	expect_invalid(dup_member, "members: G1/P2");
	expect_invalid(dup_uid, "cards");
	expect_invalid(session_bad_group, "sessions: S9: unknown group G9");
	expect_invalid(session_ends_first, "sessions: S9");
	expect_invalid(member_bad_participant, "unknown participant");
	expect_invalid(member_bad_group, "unknown group");
	expect_invalid(card_bad_owner, "unknown participant L1");
	expect_invalid(card_bad_leader, "unknown leader P1");
	expect_invalid(period_backwards, "groups: G9");
}

static void test_demo_roster(void **state)
{
	int64_t now = at("2026-11-23 10:07", 0);
	struct roster *r = roster_make_demo(now, 0);
	char err[256];
	int found = 0;

	(void)state;
	assert_non_null(r);
	assert_int_equal(roster_validate(r, err, sizeof err), BLIPPA_OK);
	assert_string_equal(r->facility.id, "demo");
	assert_string_equal(r->facility.timezone, ZONE);
	assert_true(r->n_participants >= 10 && r->n_participants <= 14);
	for (size_t i = 0; i < r->n_participants; i++)
		if (!strcmp(r->participants[i].given_name, "Åsa") &&
		    !strcmp(r->participants[i].family_name, "Östberg"))
			found++;
	assert_int_equal(found, 1);
	assert_int_equal(r->n_groups, 4);
	for (int k = 1; k <= 9; k++) {
		assert_non_null(roster_demo_card_uid(k));
		assert_int_equal(strlen(roster_demo_card_uid(k)), 8);
	}
	assert_null(roster_demo_card_uid(0));
	assert_null(roster_demo_card_uid(10));
	assert_string_equal(r->leaders[0].id, "L1");
	assert_string_equal(r->leaders[0].name, "Kim Lind");
	assert_int_equal(sodium_init() >= 0, 1);
	assert_int_equal(crypto_pwhash_str_verify(r->leaders[0].pin_hash, "1234", 4), 0);
	assert_int_not_equal(crypto_pwhash_str_verify(r->leaders[0].pin_hash, "1235", 4), 0);
	roster_free(r);

	r = roster_make_demo(now, 500);
	assert_non_null(r);
	assert_int_equal(r->n_participants, 514);
	assert_int_equal(roster_validate(r, err, sizeof err), BLIPPA_OK);
	roster_free(r);
}

/* The demo in a store: a session running now, one in two hours, one done. */
static void test_demo_in_store(void **state)
{
	struct tdir t;
	struct store *st;
	int64_t now = at("2026-11-23 10:07", 0);
	struct store_session_info info[8];
	struct store_roster_row rows[16];
	struct checkin_result res;
	size_t n = 0;
	uint8_t uid[4];
	unsigned v;
	bool seven_of_nine = false;

	(void)state;
	tdir_make(&t);
	st = open_store(&t, NULL);
	load_roster(st, roster_make_demo(now, 0));
	assert_int_equal(store_seed_demo_history(st, now), BLIPPA_OK);
	assert_int_equal(store_today_sessions(st, now, info, 8, &n), 0);
	assert_int_equal(n, 3);
	assert_true(info[0].end_ms <= now);			      /* finished */
	assert_true(info[1].start_ms <= now && now < info[1].end_ms); /* running */
	assert_true(info[2].start_ms >= now + 100 * 60000);	      /* ~2 hours */
	/* key 1 is Åsa, in the running session */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(sscanf(roster_demo_card_uid(1) + 2 * i, "%2x", &v), 1);
		uid[i] = (uint8_t)v;
	}
	assert_int_equal(store_checkin_card(st, uid, 4, now, &res), 0);
	assert_int_equal(res.outcome, CHECKIN_OK);
	assert_string_equal(res.given_name, "Åsa");
	assert_int_equal(store_session_roster(st, info[1].session_id, now, rows, 16, &n), 0);
	assert_true(n >= 4);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(rows[i].held, 9);
		assert_true(rows[i].attended <= rows[i].held);
		if (rows[i].attended == 7)
			seven_of_nine = true;
	}
	(void)seven_of_nine; /* the pattern is pseudo-random: usually one has 7 */
	/* history is synced: nothing queued for the server */
	assert_int_equal(raw_int(t.db, "SELECT count(*) FROM events WHERE sync = 0"), 1);
	assert_true(raw_int(t.db, "SELECT count(*) FROM events WHERE sync = 1") > 20);
	/* seeding twice does nothing */
	assert_int_equal(store_seed_demo_history(st, now), BLIPPA_OK);
	assert_int_equal(raw_int(t.db, "SELECT count(*) FROM events WHERE sync = 0"), 1);
	store_close(st);
	tdir_remove(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_adders_check_fields),
	    cmocka_unit_test(test_validate),
	    cmocka_unit_test(test_demo_roster),
	    cmocka_unit_test(test_demo_in_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
