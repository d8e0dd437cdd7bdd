/* SPDX-License-Identifier: MIT */
/* UI tests of the participant flows on the real blippa-kiosk (headless):
 * card tap -> green -> home by itself; second tap -> already; name search
 * "asa" -> Åsa -> confirm -> event -> undo -> void; unknown and random
 * cards -> red; open training; idle -> home; result tones with sound = yes
 * only. Asserts on the trace channel
 * (state transitions) and on the SQLite file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kiosk_harness.h"

#define PENDING_CHECKINS "type = 0 AND sync = 0"

static int setup(void **state)
{
	static struct kh k;
	if (!kh_start(&k, NULL))
		return -1;
	*state = &k;
	return 0;
}

static int teardown(void **state)
{
	struct kh *k = *state;
	int rc = kh_stop(k);
	kh_cleanup(k);
	return rc == 0 ? 0 : -1;
}

static void tap_green_then_home(void **state)
{
	struct kh *k = *state;
	char line[1024], id[64], where[128];

	kh_reader_tap(k, "04A1B2C3"); /* through the simulated reader's FIFO */
	assert_true(kh_wait(k, "checkin ", 5000, line, sizeof line));
	assert_non_null(strstr(line, " ok card"));
	assert_true(kh_event_id(line, id, sizeof id));
	assert_true(kh_wait(k, "screen home -> result", 5000, NULL, 0));
	assert_true(kh_wait(k, "present result", 5000, NULL, 0));
	/* durable before the screen said so: the row is in the file */
	snprintf(where, sizeof where, "id = '%s' AND type = 0", id);
	assert_int_equal(kh_count(k, where), 1);
	/* back home by itself (result_seconds = 2) */
	assert_true(kh_wait(k, "screen result -> home", 8000, NULL, 0));

	/* second tap: already checked in, no new event */
	kh_send(k, "tap 04A1B2C3");
	assert_true(kh_wait(k, "tap already", 5000, NULL, 0));
	assert_true(kh_wait(k, "screen home -> result", 5000, NULL, 0));
	assert_int_equal(kh_count(k, PENDING_CHECKINS), 1);
}

static void name_search_confirm_undo(void **state)
{
	struct kh *k = *state;
	char line[1024], id[64], where[160];

	kh_send(k, "press search");
	assert_true(kh_wait(k, "screen home -> search", 5000, NULL, 0));
	kh_send(k, "type a");
	assert_true(kh_sync(k));
	assert_false(kh_seen(k, "search 1")); /* nothing from one letter */
	kh_send(k, "type sa");
	/* "asa" finds the two Åsa Ö. (Öberg, Östberg), on rows that differ */
	assert_true(kh_wait(k, "search 2 distinct 2", 5000, NULL, 0));
	kh_send(k, "press row-1"); /* Åsa Ös., in the session running now */
	assert_true(kh_wait(k, "screen search -> confirm", 5000, NULL, 0));
	assert_int_equal(kh_count(k, PENDING_CHECKINS), 0); /* not before confirming */
	kh_send(k, "press yes");
	assert_true(kh_wait(k, "checkin ", 5000, line, sizeof line));
	assert_non_null(strstr(line, " ok name"));
	assert_true(kh_event_id(line, id, sizeof id));
	assert_true(kh_wait(k, "screen confirm -> result", 5000, NULL, 0));
	snprintf(where, sizeof where, "id = '%s' AND type = 0 AND method = 1", id);
	assert_int_equal(kh_count(k, where), 1);

	kh_send(k, "press undo");
	assert_true(kh_wait(k, "void ", 5000, line, sizeof line));
	assert_non_null(strstr(line, id));
	snprintf(where, sizeof where, "type = 1 AND voids_id = '%s'", id);
	assert_int_equal(kh_count(k, where), 1);
	assert_true(kh_wait(k, "screen result -> result", 5000, NULL, 0));
	kh_send(k, "press done");
	assert_true(kh_wait(k, "screen result -> home", 5000, NULL, 0));
}

static void not_listed_searches_everyone(void **state)
{
	struct kh *k = *state;
	char line[256];
	kh_send(k, "press search");
	kh_send(k, "type anna"); /* Anna-Lena is in no group: no session here today */
	assert_true(kh_wait(k, "search 0", 5000, line, sizeof line));
	kh_send(k, "press everyone");
	assert_true(kh_wait(k, "search 1", 5000, NULL, 0));
}

static void unknown_and_random_cards_are_red(void **state)
{
	struct kh *k = *state;
	kh_send(k, "tap 04D1E2F3");
	assert_true(kh_wait(k, "tap unknown-card", 5000, NULL, 0));
	assert_true(kh_wait(k, "screen home -> result", 5000, NULL, 0));
	kh_send(k, "press search"); /* the way forward offered on the red screen */
	assert_true(kh_wait(k, "screen result -> search", 5000, NULL, 0));
	kh_send(k, "press back");
	kh_send(k, "tap 08A1B2C3");
	assert_true(kh_wait(k, "tap random-uid", 5000, NULL, 0));
	assert_int_equal(kh_count(k, PENDING_CHECKINS), 0);
}

static void open_training_recorded(void **state)
{
	struct kh *k = *state;
	char line[1024];
	kh_send(k, "tap 04A1B2C8"); /* Anna-Lena: in no group */
	assert_true(kh_wait(k, "checkin ", 5000, line, sizeof line));
	assert_non_null(strstr(line, " open-training card"));
	assert_int_equal(
	    kh_count(k, PENDING_CHECKINS " AND (session_id IS NULL OR session_id = '')"), 1);
}

static void demo_keys_tap_demo_cards(void **state)
{
	struct kh *k = *state;
	kh_send(k, "key 7"); /* demo key 7: the card nobody has linked */
	assert_true(kh_wait(k, "tap unknown-card", 5000, NULL, 0));
	kh_send(k, "key 1"); /* on a result screen too: Åsa */
	assert_true(kh_wait(k, "ok card", 5000, NULL, 0));
	kh_send(k, "press done");
	kh_send(k, "press search");
	kh_send(k, "key 1"); /* the search screen takes keys as text, not taps */
	kh_send(k, "text 1");
	assert_true(kh_sync(k));
	assert_int_equal(kh_count(k, PENDING_CHECKINS), 1);
}

static void touch_and_mouse_events_reach_buttons(void **state)
{
	struct kh *k = *state;
	int x, y;
	/* real SDL finger events through input.c */
	assert_true(kh_button_centre(k, "search", &x, &y));
	kh_send(k, "finger %d %d", x, y);
	assert_true(kh_wait(k, "screen home -> search", 5000, NULL, 0));
	/* a touch outside any button does nothing */
	kh_send(k, "finger 1 1");
	assert_true(kh_sync(k));
	assert_false(kh_seen(k, "search -> home"));
	/* and a mouse click */
	assert_true(kh_button_centre(k, "back", &x, &y));
	kh_send(k, "mouse %d %d", x, y);
	assert_true(kh_wait(k, "screen search -> home", 5000, NULL, 0));
}

/* A press that slides off its button fires nothing; while one finger is
 * down a second finger neither presses nor releases anything. */
static void finger_slide_off_and_second_finger(void **state)
{
	struct kh *k = *state;
	int x, y, lx, ly;
	assert_true(kh_button_centre(k, "search", &x, &y));
	assert_true(kh_button_centre(k, "leader", &lx, &ly));
	/* down on "search", up on empty panel: nothing */
	kh_send(k, "finger-down 1 %d %d", x, y);
	kh_send(k, "finger-up 1 1 1");
	assert_true(kh_sync(k));
	assert_false(kh_seen(k, "screen home -> search"));
	/* finger 1 on "search"; finger 2 taps "leader" meanwhile; finger 1
	 * lifts on "search": only "search" fires */
	kh_send(k, "finger-down 1 %d %d", x, y);
	kh_send(k, "finger-down 2 %d %d", lx, ly);
	kh_send(k, "finger-up 2 %d %d", lx, ly);
	kh_send(k, "finger-up 1 %d %d", x, y);
	assert_true(kh_wait(k, "screen home -> search", 5000, NULL, 0));
	assert_true(kh_sync(k));
	assert_false(kh_seen(k, "button leader"));
	assert_false(kh_seen(k, "-> leader"));
}

static void reader_absent_name_search_still_works(void **state)
{
	struct kh k2;
	struct kh_opts o = {0};
	char line[1024];
	(void)state;
	o.reader = "pn532_uart:/dev/blippa-no-such-reader";
	assert_true(kh_start(&k2, &o));
	assert_true(kh_wait(&k2, "reader failed", 10000, NULL, 0));
	kh_send(&k2, "press search");
	kh_send(&k2, "type asa");
	assert_true(kh_wait(&k2, "search 2", 5000, NULL, 0));
	kh_send(&k2, "press row-1");
	kh_send(&k2, "press yes");
	assert_true(kh_wait(&k2, "checkin ", 5000, line, sizeof line));
	assert_non_null(strstr(line, " ok name"));
	assert_int_equal(kh_stop(&k2), 0);
	kh_cleanup(&k2);
}

static void idle_returns_home(void **state)
{
	struct kh *k = *state;
	kh_send(k, "press search");
	assert_true(kh_wait(k, "screen home -> search", 5000, NULL, 0));
	/* idle_seconds = 5: the real timer, no touch */
	assert_true(kh_wait(k, "idle search", 9000, NULL, 0));
	assert_true(kh_wait(k, "screen search -> home", 2000, NULL, 0));
}

/* [kiosk] sound = yes: a tone is queued on every result screen (SDL's dummy
 * audio driver in tests): "sound ok" for green, "sound warn" for amber and
 * red. The default (no) queues nothing; no audio device: silent, works on. */
static void sound_follows_config(void **state)
{
	struct kh k2;
	struct kh_opts o = {0};
	(void)state;
	o.extra_ini = "sound = yes";
	assert_true(kh_start(&k2, &o));
	assert_true(kh_seen(&k2, "sound on"));
	kh_send(&k2, "tap 04A1B2C3"); /* green */
	assert_true(kh_wait(&k2, "screen home -> result", 5000, NULL, 0));
	assert_true(kh_wait(&k2, "sound ok", 5000, NULL, 0));
	assert_false(kh_seen(&k2, "sound warn"));
	kh_send(&k2, "tap 04A1B2C3"); /* already checked in: amber */
	assert_true(kh_wait(&k2, "sound warn", 5000, NULL, 0));
	kh_send(&k2, "tap 04D1E2F3"); /* unknown card: red */
	assert_true(kh_wait(&k2, "tap unknown-card", 5000, NULL, 0));
	assert_true(kh_wait(&k2, "sound warn", 5000, NULL, 0));
	assert_int_equal(kh_stop(&k2), 0);
	kh_cleanup(&k2);

	/* sound = yes but no audio device: said once in the log, then silent */
	o.audio_driver = "blippa-no-such-audio-driver";
	assert_true(kh_start(&k2, &o));
	assert_true(kh_seen(&k2, "sound none"));
	kh_send(&k2, "tap 04A1B2C3");
	assert_true(kh_wait(&k2, "checkin ", 5000, NULL, 0));
	assert_true(kh_wait(&k2, "present result", 5000, NULL, 0));
	assert_true(kh_sync(&k2));
	assert_false(kh_seen(&k2, "sound ok"));
	assert_int_equal(kh_stop(&k2), 0);
	kh_cleanup(&k2);

	assert_true(kh_start(&k2, NULL)); /* sound = no (default) */
	kh_send(&k2, "tap 04A1B2C3");
	kh_send(&k2, "tap 04D1E2F3");
	assert_true(kh_wait(&k2, "tap unknown-card", 5000, NULL, 0));
	assert_true(kh_sync(&k2));
	assert_false(kh_seen(&k2, "sound"));
	assert_int_equal(kh_stop(&k2), 0);
	kh_cleanup(&k2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(tap_green_then_home, setup, teardown),
	    cmocka_unit_test_setup_teardown(name_search_confirm_undo, setup, teardown),
	    cmocka_unit_test_setup_teardown(not_listed_searches_everyone, setup, teardown),
	    cmocka_unit_test_setup_teardown(unknown_and_random_cards_are_red, setup, teardown),
	    cmocka_unit_test_setup_teardown(open_training_recorded, setup, teardown),
	    cmocka_unit_test_setup_teardown(demo_keys_tap_demo_cards, setup, teardown),
	    cmocka_unit_test_setup_teardown(touch_and_mouse_events_reach_buttons, setup, teardown),
	    cmocka_unit_test_setup_teardown(finger_slide_off_and_second_finger, setup, teardown),
	    cmocka_unit_test(reader_absent_name_search_still_works),
	    cmocka_unit_test_setup_teardown(idle_returns_home, setup, teardown),
	    cmocka_unit_test(sound_follows_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
