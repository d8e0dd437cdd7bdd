/* SPDX-License-Identifier: MIT */
/* Tests of leader mode's store functions (sync/store/store_leader.c):
 * today's sessions with counts, a session roster with status and period
 * attendance (attended / held), linking a card, and the PIN check with its
 * persistent lockout. */
#include <sodium.h>

#include "store_testutil.h"

/* Argon2id of "4711" with the libsodium MIN limits: fast for tests. */
static char pin_hash[crypto_pwhash_STRBYTES];
static char admin_hash[crypto_pwhash_STRBYTES];

static int group_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0 ||
	    crypto_pwhash_str(pin_hash, "4711", 4, crypto_pwhash_OPSLIMIT_MIN,
			      crypto_pwhash_MEMLIMIT_MIN) != 0 ||
	    crypto_pwhash_str(admin_hash, "999999", 6, crypto_pwhash_OPSLIMIT_MIN,
			      crypto_pwhash_MEMLIMIT_MIN) != 0)
		return -1;
	return 0;
}

/* The small roster plus leader L2 with PIN 4711. */
static int setup(void **state)
{
	struct roster *r = small_roster();

	assert_int_equal(roster_add_leader(r, "L2", "Maria Holm", pin_hash), 0);
	*state = fx_open(r);
	return 0;
}

static void name_in(struct fx *f, const char *pid, const char *sid, const char *local)
{
	struct checkin_result r;

	assert_int_equal(
	    store_checkin_participant(f->st, pid, CHECKIN_LEADER, sid, at(local, 0), &r),
	    BLIPPA_OK);
	assert_int_equal(r.outcome, CHECKIN_OK);
}

static void test_today_sessions(void **state)
{
	struct fx *f = *state;
	struct store_session_info s[4];
	struct checkin_result r;
	size_t n = 0;

	assert_int_equal(store_checkin_card(f->st, uid_p2, 7, at("2026-11-23 09:55", 0), &r), 0);
	assert_int_equal(store_checkin_participant(f->st, "P3", CHECKIN_NAME, NULL,
						   at("2026-11-23 09:56", 0), &r),
			 0);
	assert_int_equal(store_void_checkin(f->st, r.event_id, false, at("2026-11-23 09:56", 2000)),
			 0);
	assert_int_equal(store_today_sessions(f->st, at("2026-11-23 12:00", 0), s, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(s[0].session_id, "S1");
	assert_string_equal(s[0].group_name, "Styrka A");
	assert_int_equal(s[0].start_ms, at("2026-11-23 10:00", 0));
	assert_int_equal(s[0].end_ms, at("2026-11-23 11:00", 0));
	assert_int_equal(s[0].n_members, 4);
	assert_int_equal(s[0].n_present, 1); /* P3's was undone */
	assert_string_equal(s[1].session_id, "S2");
	assert_int_equal(s[1].n_present, 0);
	assert_int_equal(store_today_sessions(f->st, at("2026-11-23 12:00", 0), s, 1, &n), 0);
	assert_int_equal(n, 1);
}

static void test_session_roster_and_attendance(void **state)
{
	struct fx *f = *state;
	struct store_roster_row rows[8];
	struct checkin_result r;
	size_t n = 0;

	/* S0a (11-09), S0b (11-16) happened; S1 today; S4 next week */
	name_in(f, "P1", "S0a", "2026-11-09 10:00");
	name_in(f, "P1", "S0b", "2026-11-16 10:00");
	name_in(f, "P2", "S0a", "2026-11-09 10:00");
	name_in(f, "P4", "S0b", "2026-11-16 10:02");
	assert_int_equal(store_checkin_participant(f->st, "P4", CHECKIN_NAME, NULL,
						   at("2026-11-23 09:57", 0), &r),
			 0);
	assert_int_equal(r.outcome, CHECKIN_OK);
	/* a voided visit does not count */
	assert_int_equal(store_checkin_participant(f->st, "P3", CHECKIN_LEADER, "S0b",
						   at("2026-11-16 10:00", 0), &r),
			 0);
	assert_int_equal(store_void_checkin(f->st, r.event_id, true, at("2026-11-16 10:01", 0)), 0);

	assert_int_equal(store_session_roster(f->st, "S1", at("2026-11-23 10:05", 0), rows, 8, &n),
			 0);
	assert_int_equal(n, 4);
	/* sorted by name, Swedish order: Lars Nyström, Åsa Östberg, Ängla Berg, Örjan Ek */
	assert_string_equal(rows[0].full_name, "Lars Nyström");
	assert_string_equal(rows[1].full_name, "Åsa Östberg");
	assert_string_equal(rows[2].full_name, "Ängla Berg");
	assert_string_equal(rows[3].full_name, "Örjan Ek");
	assert_false(rows[2].present);
	assert_int_equal(rows[2].attended, 0);
	assert_int_equal(rows[1].attended, 2);
	assert_int_equal(rows[1].held, 3);
	assert_true(rows[0].present);
	assert_int_equal(rows[0].checked_in_ms, at("2026-11-23 09:57", 0));
	assert_true(uuid_is_valid(rows[0].event_id));
	assert_int_equal(rows[0].attended, 2);
	assert_int_equal(rows[3].attended, 1);
	/* before today's start, today's session is not yet held */
	assert_int_equal(store_session_roster(f->st, "S1", at("2026-11-23 09:00", 0), rows, 8, &n),
			 0);
	assert_int_equal(rows[1].held, 2);
	assert_int_equal(store_session_roster(f->st, "S1", at("2026-11-23 10:05", 0), rows, 2, &n),
			 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].full_name, "Lars Nyström");
	assert_string_equal(rows[1].full_name, "Åsa Östberg");
	assert_int_equal(
	    store_session_roster(f->st, "nope", at("2026-11-23 10:05", 0), rows, 8, &n),
	    BLIPPA_ERR_NOT_FOUND);
}

/* The leader roster is in Swedish order (Å, Ä, Ö after Z; case and other
 * accents do not count), also for a file whose participants were numbered
 * in another order (an older build). */
static void test_roster_swedish_order(void **state)
{
	struct fx *f = *state;
	struct store_roster_row rows[16];
	struct roster *r = small_roster();
	static const char *const want[] = {
	    "Émile Berg",      "Eva Berg",   "Gunnar Holm", "Lars Nyström",
	    "Olle Zetterlund", "Ulla Ek",    "Üwe Ek",	    "Åsa Östberg",
	    "ängla Ahl",       "Ängla Berg", "Örjan Ek",
	};
	size_t n = 0;

	/* given names that differ only in case/accents fall back to the family name */
	assert_int_equal(roster_add_participant(r, "Q1", "Gunnar", "Holm"), 0);
	assert_int_equal(roster_add_participant(r, "Q2", "Émile", "Berg"), 0);
	assert_int_equal(roster_add_participant(r, "Q3", "Eva", "Berg"), 0);
	assert_int_equal(roster_add_participant(r, "Q4", "Olle", "Zetterlund"), 0);
	assert_int_equal(roster_add_participant(r, "Q5", "Üwe", "Ek"), 0);
	assert_int_equal(roster_add_participant(r, "Q6", "Ulla", "Ek"), 0);
	assert_int_equal(roster_add_participant(r, "Q7", "ängla", "Ahl"), 0);
	for (int i = 1; i <= 7; i++) {
		char id[4];
		snprintf(id, sizeof id, "Q%d", i);
		assert_int_equal(roster_add_member(r, "G1", id), 0);
	}
	load_roster(f->st, r);
	for (int pass = 0; pass < 2; pass++) {
		assert_int_equal(
		    store_session_roster(f->st, "S1", at("2026-11-23 10:05", 0), rows, 16, &n), 0);
		assert_int_equal(n, sizeof want / sizeof want[0]);
		for (size_t i = 0; i < n; i++)
			assert_string_equal(rows[i].full_name, want[i]);
		/* an older build numbered them by the folded name (Å as A) */
		raw_exec(f->t.db,
			 "UPDATE participants SET pno = pno + 1000;"
			 "UPDATE participants SET pno = (SELECT count(*) FROM participants q"
			 " WHERE q.given_fold || ' ' || q.family_fold <="
			 " participants.given_fold || ' ' || participants.family_fold)");
	}
}

static void test_link_card(void **state)
{
	struct fx *f = *state;
	struct checkin_result r;
	const uint8_t card[4] = {0x04, 0x12, 0x34, 0x56};
	const uint8_t rnd[4] = {0x08, 0x12, 0x34, 0x56};
	int64_t now = at("2026-11-23 09:50", 0);

	assert_int_equal(store_checkin_card(f->st, card, 4, now, &r), 0);
	assert_int_equal(r.outcome, CHECKIN_UNKNOWN_CARD);
	assert_int_equal(store_link_card(f->st, card, 4, "P3", now), BLIPPA_OK);
	assert_int_equal(store_checkin_card(f->st, card, 4, now + 1000, &r), 0);
	assert_int_equal(r.outcome, CHECKIN_OK);
	assert_string_equal(r.participant_id, "P3");
	/* re-linking the same UID moves it */
	assert_int_equal(store_link_card(f->st, card, 4, "P4", now + 2000), BLIPPA_OK);
	assert_int_equal(store_checkin_card(f->st, card, 4, now + 3000, &r), 0);
	assert_string_equal(r.participant_id, "P4");
	assert_int_equal(store_link_card(f->st, rnd, 4, "P4", now), BLIPPA_ERR_INVALID);
	assert_int_equal(store_link_card(f->st, card, 5, "P4", now), BLIPPA_ERR_INVALID);
	assert_int_equal(store_link_card(f->st, card, 4, "P99", now), BLIPPA_ERR_NOT_FOUND);
	/* a leader's card is never turned into a participant's card */
	static const uint8_t leader[4] = {0x04, 0xFF, 0xEE, 0x01};
	assert_int_equal(store_link_card(f->st, leader, 4, "P4", now), BLIPPA_ERR_EXISTS);
	assert_int_equal(store_checkin_card(f->st, leader, 4, now + 4000, &r), 0);
	assert_int_equal(r.outcome, CHECKIN_LEADER_CARD);
	assert_int_equal(raw_int(f->t.db, "SELECT count(*) FROM events WHERE type = 2 AND "
					  "card_uid = '04123456' AND sync = 0"),
			 2);
}

static void test_pin(void **state)
{
	struct fx *f = *state;
	char who[65];
	int retry = -1;
	int64_t now = at("2026-11-23 09:00", 0);

	assert_int_equal(store_check_pin(f->st, "4711", NULL, now, who, sizeof who, &retry),
			 BLIPPA_OK);
	assert_string_equal(who, "L2");
	assert_int_equal(store_check_pin(f->st, "999999", admin_hash, now, who, sizeof who, &retry),
			 BLIPPA_OK);
	assert_string_equal(who, "admin");
	assert_int_equal(store_check_pin(f->st, "999999", NULL, now, who, sizeof who, &retry),
			 BLIPPA_ERR_AUTH);
	assert_string_equal(who, "");
}

static void test_pin_lockout_persists(void **state)
{
	struct fx *f = *state;
	char who[65];
	int retry = -1;
	int64_t now = at("2026-11-23 09:00", 0);
	struct store *again;

	for (int i = 0; i < 4; i++)
		assert_int_equal(store_check_pin(f->st, "0000", NULL, now, who, sizeof who, &retry),
				 BLIPPA_ERR_AUTH);
	assert_int_equal(store_check_pin(f->st, "0000", NULL, now, who, sizeof who, &retry),
			 BLIPPA_ERR_LOCKED_OUT);
	assert_int_equal(retry, 300);
	/* even the right PIN is refused while locked, also after a restart */
	store_close(f->st);
	again = open_store(&f->t, NULL);
	f->st = again;
	assert_int_equal(
	    store_check_pin(f->st, "4711", NULL, now + 100000, who, sizeof who, &retry),
	    BLIPPA_ERR_LOCKED_OUT);
	assert_int_equal(retry, 200);
	assert_int_equal(
	    store_check_pin(f->st, "4711", NULL, now + 300000, who, sizeof who, &retry), BLIPPA_OK);
	/* a success resets the count */
	for (int i = 0; i < 4; i++)
		assert_int_equal(
		    store_check_pin(f->st, "0000", NULL, now + 300001, who, sizeof who, &retry),
		    BLIPPA_ERR_AUTH);
	assert_int_equal(
	    store_check_pin(f->st, "4711", NULL, now + 300002, who, sizeof who, &retry), BLIPPA_OK);
	assert_int_equal(
	    store_check_pin(f->st, "0000", NULL, now + 300003, who, sizeof who, &retry),
	    BLIPPA_ERR_AUTH);
}

/* Locks in a row escalate (5 min, 10 min, 20 min, ... at most a day) until a
 * correct PIN; then the next lock is short again. */
static void test_pin_lockout_escalates(void **state)
{
	struct fx *f = *state;
	char who[65];
	int retry = -1;
	int64_t now = at("2026-11-23 09:00", 0), t = now;
	const int expect[] = {300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 76800, 86400};

	for (size_t k = 0; k < sizeof expect / sizeof expect[0]; k++) {
		for (int i = 0; i < 4; i++)
			assert_int_equal(
			    store_check_pin(f->st, "0000", NULL, t, who, sizeof who, &retry),
			    BLIPPA_ERR_AUTH);
		assert_int_equal(store_check_pin(f->st, "0000", NULL, t, who, sizeof who, &retry),
				 BLIPPA_ERR_LOCKED_OUT);
		assert_int_equal(retry, expect[k]);
		/* still locked one second before the end, open at the end */
		assert_int_equal(store_check_pin(f->st, "4711", NULL, t + expect[k] * 1000LL - 1000,
						 who, sizeof who, &retry),
				 BLIPPA_ERR_LOCKED_OUT);
		t += expect[k] * 1000LL;
	}
	assert_int_equal(store_check_pin(f->st, "4711", NULL, t, who, sizeof who, &retry),
			 BLIPPA_OK);
	for (int i = 0; i < 4; i++)
		assert_int_equal(store_check_pin(f->st, "0000", NULL, t, who, sizeof who, &retry),
				 BLIPPA_ERR_AUTH);
	assert_int_equal(store_check_pin(f->st, "0000", NULL, t, who, sizeof who, &retry),
			 BLIPPA_ERR_LOCKED_OUT);
	assert_int_equal(retry, 300);
}

/* The split check (candidates on the store thread, verify anywhere,
 * record on the store thread) counts exactly like store_check_pin. */
static void test_pin_split(void **state)
{
	struct fx *f = *state;
	struct store_pin_candidate *c = NULL;
	char who[65];
	size_t n = 0;
	int retry = -1;
	int64_t now = at("2026-11-23 09:00", 0);

	assert_int_equal(store_pin_candidates(f->st, admin_hash, now, &c, &n, &retry), BLIPPA_OK);
	assert_int_equal(n, 2); /* L1 has no PIN; L2, then admin */
	assert_string_equal(c[0].id, "L2");
	assert_string_equal(c[1].id, "admin");
	assert_true(store_pin_verify(c, n, "999999", who, sizeof who));
	assert_string_equal(who, "admin");
	assert_true(store_pin_verify(c, n, "4711", who, sizeof who));
	assert_string_equal(who, "L2");
	assert_false(store_pin_verify(c, n, "1111", who, sizeof who));
	assert_string_equal(who, "");
	assert_false(store_pin_verify(c, n, "", who, sizeof who));
	free(c);
	/* four wrong, then the fifth locks; candidates are refused while locked */
	for (int i = 0; i < 4; i++)
		assert_int_equal(store_pin_record(f->st, false, now, &retry), BLIPPA_ERR_AUTH);
	assert_int_equal(store_pin_record(f->st, false, now, &retry), BLIPPA_ERR_LOCKED_OUT);
	assert_int_equal(retry, 300);
	c = (void *)1;
	assert_int_equal(store_pin_candidates(f->st, NULL, now + 1000, &c, &n, &retry),
			 BLIPPA_ERR_LOCKED_OUT);
	assert_null(c);
	assert_int_equal(retry, 299);
	/* the old one-call check sees the same lock */
	assert_int_equal(store_check_pin(f->st, "4711", NULL, now + 1000, who, sizeof who, &retry),
			 BLIPPA_ERR_LOCKED_OUT);
	assert_int_equal(store_pin_candidates(f->st, NULL, now + 300000, &c, &n, &retry), 0);
	assert_int_equal(n, 1);
	free(c);
	/* a success resets the count */
	for (int i = 0; i < 4; i++)
		assert_int_equal(store_pin_record(f->st, false, now + 300000, &retry),
				 BLIPPA_ERR_AUTH);
	assert_int_equal(store_pin_record(f->st, true, now + 300000, &retry), BLIPPA_OK);
	assert_int_equal(store_pin_record(f->st, false, now + 300000, &retry), BLIPPA_ERR_AUTH);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_today_sessions),
	    T(test_session_roster_and_attendance),
	    T(test_roster_swedish_order),
	    T(test_link_card),
	    T(test_pin),
	    T(test_pin_lockout_persists),
	    T(test_pin_lockout_escalates),
	    T(test_pin_split),
	};
#undef T
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
