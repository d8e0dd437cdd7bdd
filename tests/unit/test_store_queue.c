/* SPDX-License-Identifier: MIT */
/* Tests of the event queue (sync/store/store_queue.c): pending events in
 * local order with every field the server needs, acks (synced, rejected
 * with reason, unknown ids ignored), the rejected list, the sync status
 * row, and the retention purge that only removes synced events. */
#include "store_testutil.h"

static void test_pending_fields_and_order(void **state)
{
	struct fx *f = *state;
	struct checkin_result a, b;
	struct event_record ev[8];
	const uint8_t card[4] = {0x04, 0x12, 0x34, 0x56};
	int64_t t = at("2026-11-23 09:55", 0);
	size_t n = 0;

	assert_int_equal(store_meta_set(f->st, "kiosk_id", "K1"), 0);
	assert_int_equal(store_checkin_card(f->st, uid_p1, 4, t, &a), 0);
	assert_int_equal(store_checkin_participant(f->st, "P6", CHECKIN_NAME, NULL, t + 1, &b), 0);
	assert_int_equal(store_void_checkin(f->st, b.event_id, false, t + 2), 0);
	assert_int_equal(store_link_card(f->st, card, 4, "P6", t + 3), 0);
	assert_int_equal(store_pending_events(f->st, ev, 8, &n), 0);
	assert_int_equal(n, 4);
	assert_true(ev[0].seq < ev[1].seq && ev[1].seq < ev[2].seq && ev[2].seq < ev[3].seq);
	assert_string_equal(ev[0].id, a.event_id);
	assert_int_equal(ev[0].type, EVENT_CHECKIN);
	assert_int_equal(ev[0].method, CHECKIN_CARD);
	assert_int_equal(ev[0].at_ms, t);
	assert_string_equal(ev[0].participant_id, "P1");
	assert_string_equal(ev[0].session_id, "S1");
	assert_string_equal(ev[0].kiosk_id, "K1");
	assert_int_equal(ev[1].type, EVENT_CHECKIN);
	assert_string_equal(ev[1].session_id, ""); /* open training */
	assert_int_equal(ev[1].method, CHECKIN_NAME);
	assert_int_equal(ev[2].type, EVENT_VOID);
	assert_string_equal(ev[2].voids_id, b.event_id);
	assert_true(uuid_is_valid(ev[2].id));
	assert_int_equal(ev[3].type, EVENT_CARD_LINK);
	assert_string_equal(ev[3].card_uid, "04123456");
	assert_string_equal(ev[3].participant_id, "P6");
	/* ids are time-ordered UUIDv7 */
	assert_true(strcmp(ev[0].id, ev[1].id) < 0 && strcmp(ev[2].id, ev[3].id) < 0);
	assert_int_equal(store_pending_events(f->st, ev, 2, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ev[0].id, a.event_id);
}

static void test_ack_and_status(void **state)
{
	struct fx *f = *state;
	struct checkin_result a, b, c;
	struct event_record ev[8];
	struct store_rejected rej[4];
	struct store_sync_status s;
	int64_t t = at("2026-11-23 09:55", 0);
	size_t n = 0;

	assert_int_equal(store_get_sync_status(f->st, &s), 0);
	assert_int_equal(s.pending, 0);
	assert_int_equal(s.oldest_pending_ms, 0);
	assert_int_equal(store_checkin_participant(f->st, "P2", CHECKIN_NAME, NULL, t, &a), 0);
	assert_int_equal(store_checkin_participant(f->st, "P3", CHECKIN_NAME, NULL, t + 5, &b), 0);
	assert_int_equal(store_checkin_participant(f->st, "P4", CHECKIN_NAME, NULL, t + 9, &c), 0);
	assert_int_equal(store_get_sync_status(f->st, &s), 0);
	assert_int_equal(s.pending, 3);
	assert_int_equal(s.oldest_pending_ms, t);
	{
		const struct store_ack acks[] = {
		    {a.event_id, EVENT_SYNCED, NULL},
		    {b.event_id, EVENT_REJECTED, "unknown participant"},
		    {"01234567-89ab-7def-8123-456789abcdef", EVENT_SYNCED, NULL},
		};
		assert_int_equal(store_ack_events(f->st, acks, 3), 0);
	}
	assert_int_equal(store_pending_events(f->st, ev, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ev[0].id, c.event_id);
	assert_int_equal(store_rejected_events(f->st, rej, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(rej[0].event_id, b.event_id);
	assert_string_equal(rej[0].reason, "unknown participant");
	assert_int_equal(rej[0].at_ms, t + 5);
	/* a rejected event is not re-acked into synced by a late duplicate */
	{
		const struct store_ack late = {b.event_id, EVENT_SYNCED, NULL};
		assert_int_equal(store_ack_events(f->st, &late, 1), 0);
	}
	assert_int_equal(store_get_sync_status(f->st, &s), 0);
	assert_int_equal(s.pending, 1);
	assert_int_equal(s.oldest_pending_ms, t + 9);
	assert_int_equal(s.rejected, 1);
	/* the check-in itself still counts locally */
	{
		struct checkin_result again;
		assert_int_equal(
		    store_checkin_participant(f->st, "P2", CHECKIN_NAME, NULL, t + 60000, &again),
		    0);
		assert_int_equal(again.outcome, CHECKIN_ALREADY);
	}
	s.last_success_ms = t;
	s.last_attempt_ms = t + 1;
	snprintf(s.last_error, sizeof s.last_error, "%s", "connection refused");
	s.skew_ms = -1500;
	s.server_reachable = true;
	s.unauthorised = true;
	assert_int_equal(store_put_sync_status(f->st, &s), 0);
	{
		struct store *other = open_store(&f->t, NULL);
		struct store_sync_status o;
		assert_int_equal(store_get_sync_status(other, &o), 0);
		assert_int_equal(o.last_success_ms, t);
		assert_int_equal(o.last_attempt_ms, t + 1);
		assert_string_equal(o.last_error, "connection refused");
		assert_int_equal(o.skew_ms, -1500);
		assert_true(o.server_reachable);
		assert_true(o.unauthorised);
		assert_int_equal(o.pending, 1);
		store_close(other);
	}
}

static void test_purge_only_synced(void **state)
{
	struct fx *f = *state;
	struct checkin_result a, b, c;
	int64_t t = at("2026-11-23 12:00", 0), deleted = -1;

	assert_int_equal(store_checkin_participant(f->st, "P6", CHECKIN_NAME, NULL, t, &a), 0);
	assert_int_equal(store_checkin_participant(f->st, "P5", CHECKIN_NAME, NULL, t, &b), 0);
	assert_int_equal(store_checkin_participant(f->st, "P4", CHECKIN_NAME, NULL,
						   t + INT64_C(20) * 86400000, &c),
			 0);
	{
		const struct store_ack acks[] = {
		    {a.event_id, EVENT_SYNCED, NULL},
		    {c.event_id, EVENT_SYNCED, NULL},
		};
		assert_int_equal(store_ack_events(f->st, acks, 2), 0);
	}
	/* 30 days later with 14 days retention: only a (synced and old) goes */
	assert_int_equal(store_purge_synced(f->st, t + INT64_C(30) * 86400000, 14, &deleted), 0);
	assert_int_equal(deleted, 1);
	assert_int_equal(raw_int(f->t.db, "SELECT count(*) FROM events"), 2);
	assert_int_equal(store_purge_synced(f->st, t, 0, &deleted), BLIPPA_ERR_INVALID);
}

/* A session check-in from weeks ago still counts in "7 av 9" while its
 * session is in the roster; once the roster drops it, retention applies. */
static void test_purge_keeps_period_attendance(void **state)
{
	struct fx *f = *state;
	struct checkin_result a, v;
	struct store_roster_row rows[8];
	int64_t t = at("2026-11-09 10:00", 0), deleted = -1, later = at("2026-11-23 10:30", 0);
	size_t n = 0;
	struct roster *r;

	assert_int_equal(store_checkin_participant(f->st, "P2", CHECKIN_LEADER, "S0a", t, &a), 0);
	assert_int_equal(store_checkin_participant(f->st, "P3", CHECKIN_LEADER, "S0a", t, &v), 0);
	assert_int_equal(store_void_checkin(f->st, v.event_id, true, t + 1000), 0);
	{
		struct event_record ev[8];
		struct store_ack acks[8];
		assert_int_equal(store_pending_events(f->st, ev, 8, &n), 0);
		assert_int_equal(n, 3);
		for (size_t i = 0; i < n; i++)
			acks[i] = (struct store_ack){ev[i].id, EVENT_SYNCED, NULL};
		assert_int_equal(store_ack_events(f->st, acks, n), 0);
	}
	assert_int_equal(store_purge_synced(f->st, later, 7, &deleted), 0);
	assert_int_equal(deleted, 0);
	assert_int_equal(store_session_roster(f->st, "S1", later, rows, 8, &n), 0);
	assert_string_equal(rows[3].full_name, "Örjan Ek");
	assert_int_equal(rows[3].attended, 1);
	assert_string_equal(rows[2].full_name, "Ängla Berg");
	assert_int_equal(rows[2].attended, 0); /* Ängla's was voided */
	/* the next term's roster no longer has S0a: now they go */
	r = small_roster();
	r->n_sessions = 0; /* drop all sessions (and with them S0a) */
	load_roster(f->st, r);
	assert_int_equal(store_purge_synced(f->st, later, 7, &deleted), 0);
	assert_int_equal(deleted, 3);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_pending_fields_and_order),
	    T(test_ack_and_status),
	    T(test_purge_only_synced),
	    T(test_purge_keeps_period_attendance),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
