/* SPDX-License-Identifier: MIT */
/* Fault tests of the real blippa-kiosk: the database fills up during a
 * check-in (SQLite max_page_count, via the control FIFO) -> the red "could
 * not register" screen, nothing earlier lost, integrity ok, and check-ins
 * work again when space returns; SIGTERM exits cleanly. */
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kiosk_harness.h"

/* Stops the kiosk if a test left it running (its exit status is not
 * checked here) and removes its data dir. */
static int teardown(void **state)
{
	struct kh *k = *state;
	if (k->pid > 0)
		kh_stop(k);
	kh_cleanup(k);
	return 0;
}

static bool integrity_ok(struct kh *k)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	bool ok = false;
	if (sqlite3_open_v2(k->db, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		ok = strcmp((const char *)sqlite3_column_text(s, 0), "ok") == 0;
	sqlite3_finalize(s);
	sqlite3_close(db);
	return ok;
}

/* The id of the last " checkin " line in the trace. */
static bool last_checkin_id(struct kh *k, char *id, size_t idlen)
{
	FILE *f = fopen(k->trace, "r");
	char l[1024];
	bool found = false;
	if (!f)
		return false;
	while (fgets(l, sizeof l, f))
		if (strstr(l, " checkin ") && kh_event_id(l, id, idlen))
			found = true;
	fclose(f);
	return found;
}

static void disk_full_shows_error_and_keeps_events(void **state)
{
	static const char *const cards[] = {"04A1B2C3", "04A1B2C4", "04A1B2C5", "04A1B2C6",
					    "04A1B2C8"};
	struct kh *k = *state;
	char line[256], id[64];
	int confirmed = 0;
	bool failed = false;

	kh_send(k, "tap 04A1B2C7"); /* Birgitta (session later today): checked in, 1 event */
	assert_true(kh_wait(k, "tap-done ok", 5000, NULL, 0));
	confirmed++;
	/* freeze the file at its current size: the next page it needs fails */
	kh_send(k, "max-pages 1");
	assert_true(kh_wait(k, "max-pages", 5000, NULL, 0));
	for (int i = 0; i < 2000 && !failed; i++) {
		/* check a card in and undo it (as a leader), round robin, until a
		 * write needs a page the file may not grow */
		kh_send(k, "tap %s", cards[i % 5]);
		assert_true(kh_wait(k, "tap-done ", 5000, line, sizeof line));
		if (strstr(line, "tap-done error")) {
			failed = true;
			break;
		}
		if (strstr(line, "tap-done ok") || strstr(line, "tap-done open-training")) {
			confirmed++;
			assert_true(last_checkin_id(k, id, sizeof id));
			kh_send(k, "void %s", id);
			assert_true(kh_wait(k, "void ", 5000, line, sizeof line));
			if (strstr(line, "control 0"))
				confirmed--; /* voided: no longer a live check-in */
		}
	}
	assert_true(failed);
	assert_true(kh_wait(k, "checkin-error", 5000, NULL, 0));
	assert_true(kh_wait(k, "-> result", 5000, NULL, 0));
	kh_send(k, "screenshot %s/result-error-1920x1080-sv.bmp", kh_shot_dir());
	assert_true(kh_wait(k, "screenshot ok", 5000, NULL, 0));
	/* every live check-in the kiosk confirmed is still there */
	assert_int_equal(kh_count(k, "type = 0 AND sync = 0 AND id NOT IN "
				     "(SELECT voids_id FROM events WHERE type = 1)"),
			 confirmed);
	assert_true(integrity_ok(k));

	/* space returns: the kiosk works again without a restart */
	kh_send(k, "max-pages 0");
	kh_send(k, "press done");
	for (int i = 0; i < 5; i++) {
		kh_send(k, "tap %s", cards[i]);
		assert_true(kh_wait(k, "tap-done ", 5000, line, sizeof line));
		assert_null(strstr(line, "error"));
	}
	assert_true(integrity_ok(k));
}

static void sigterm_exits_cleanly(void **state)
{
	struct kh *k = *state;
	kh_send(k, "tap 04A1B2C3");
	assert_true(kh_wait(k, "checkin ", 5000, NULL, 0));
	assert_int_equal(kh_term(k), 0);
	assert_true(kh_seen(k, "quit signal"));
	assert_true(integrity_ok(k));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(disk_full_shows_error_and_keeps_events,
					    kh_setup_default, teardown),
	    cmocka_unit_test_setup_teardown(sigterm_exits_cleanly, kh_setup_default, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
