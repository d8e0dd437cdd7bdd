/* SPDX-License-Identifier: MIT */
/* Unit test of fleet_health() (sync/server/fleet.c): the one rule for
 * "needs attention" behind list-kiosks, the Kiosks page and /metrics, at
 * the edges of each reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "fleet.h"

#define NOW 1796904000000LL

static struct srv_kiosk fine(void)
{
	struct srv_kiosk k = {0};
	snprintf(k.id, sizeof(k.id), "k-00000001");
	k.created_ms = NOW - 86400000;
	k.last_seen_ms = NOW - 1000;
	k.kiosk_time_ms = k.last_seen_ms;
	snprintf(k.reader, sizeof(k.reader), "ready");
	return k;
}

static void test_fine(void **state)
{
	(void)state;
	struct srv_kiosk k = fine();
	struct fleet_health h = fleet_health(&k, NOW, 900);
	assert_int_equal(h.reasons, 0);
	assert_true(h.seen);
	assert_int_equal(h.since_seen_s, 1);
	assert_true(h.has_skew);
	assert_int_equal(h.skew_s, 0);
}

static void test_not_seen(void **state)
{
	(void)state;
	struct srv_kiosk k = fine();
	k.last_seen_ms = k.kiosk_time_ms = NOW - 900000;
	assert_int_equal(fleet_health(&k, NOW, 900).reasons, 0);
	k.last_seen_ms = NOW - 900001;
	k.kiosk_time_ms = k.last_seen_ms;
	assert_int_equal(fleet_health(&k, NOW, 900).reasons, FLEET_NOT_SEEN);
	assert_int_equal(fleet_health(&k, NOW, 3600).reasons, 0); /* configurable */
	/* never seen: from when it was added */
	k.last_seen_ms = k.kiosk_time_ms = 0;
	k.created_ms = NOW - 60000;
	struct fleet_health h = fleet_health(&k, NOW, 900);
	assert_int_equal(h.reasons, 0);
	assert_false(h.seen);
	assert_false(h.has_skew);
	k.created_ms = NOW - 3600000;
	assert_int_equal(fleet_health(&k, NOW, 900).reasons, FLEET_NOT_SEEN);
}

static void test_backlog(void **state)
{
	(void)state;
	struct srv_kiosk k = fine();
	k.pending = 4;
	k.oldest_pending_age_s = 3599;
	k.last_seen_ms = k.kiosk_time_ms = NOW; /* just now */
	assert_int_equal(fleet_health(&k, NOW, 900).reasons, 0);
	k.oldest_pending_age_s = 3601;
	assert_int_equal(fleet_health(&k, NOW, 900).reasons, FLEET_BACKLOG);
	/* the oldest event keeps ageing after the heartbeat */
	k.oldest_pending_age_s = 3000;
	k.last_seen_ms = k.kiosk_time_ms = NOW - 700000;
	assert_int_equal(fleet_health(&k, NOW, 900).reasons, FLEET_BACKLOG);
	k.pending = 0; /* nothing pending: no backlog */
	assert_int_equal(fleet_health(&k, NOW, 900).reasons, 0);
}

static void test_reader_and_clock(void **state)
{
	(void)state;
	struct srv_kiosk k = fine();
	snprintf(k.reader, sizeof(k.reader), "absent");
	assert_int_equal(fleet_health(&k, NOW, 900).reasons, FLEET_READER);
	snprintf(k.reader, sizeof(k.reader), "error");
	assert_int_equal(fleet_health(&k, NOW, 900).reasons, FLEET_READER);
	snprintf(k.reader, sizeof(k.reader), "sim");
	assert_int_equal(fleet_health(&k, NOW, 900).reasons, 0);
	k.kiosk_time_ms = k.last_seen_ms - 120000; /* 2 min slow: still fine */
	assert_int_equal(fleet_health(&k, NOW, 900).reasons, 0);
	k.kiosk_time_ms = k.last_seen_ms - 120001;
	struct fleet_health h = fleet_health(&k, NOW, 900);
	assert_int_equal(h.reasons, FLEET_CLOCK);
	assert_int_equal(h.skew_s, 120);
	k.kiosk_time_ms = k.last_seen_ms + 300000; /* 5 min fast */
	h = fleet_health(&k, NOW, 900);
	assert_int_equal(h.reasons, FLEET_CLOCK);
	assert_int_equal(h.skew_s, -300);
	/* a revoked kiosk never needs attention */
	k.revoked_ms = NOW - 1000;
	assert_int_equal(fleet_health(&k, NOW, 900).reasons, 0);
	assert_string_equal(fleet_reason_key(FLEET_NOT_SEEN), "not_seen");
	assert_string_equal(fleet_reason_key(FLEET_CLOCK), "clock");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fine),
	    cmocka_unit_test(test_not_seen),
	    cmocka_unit_test(test_backlog),
	    cmocka_unit_test(test_reader_and_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
