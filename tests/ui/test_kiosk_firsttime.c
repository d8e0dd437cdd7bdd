/* SPDX-License-Identifier: MIT */
/* A scripted first-time user on the real blippa-kiosk (headless, on the
 * 7" 800x480 panel, the smallest the kiosk is sold with): she has no card,
 * finds her name on screen and checks in. Every touch is counted. A unique
 * name takes at most 5 touches (Sök ditt namn, two letters, her row, Ja);
 * a name typed with one mistake ("Nyts" for Nyström) at most 7 -- the
 * forgiving search finds it from 4 letters. Someone whose group does not
 * meet today is told when it meets next. A card tap by a participant whose
 * roster row says Arabic is greeted in Arabic, then the kiosk is Swedish
 * again. Asserts on the trace channel and on the SQLite file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kiosk_harness.h"

static struct kh kiosk;
static int taps;

static int setup(void **state)
{
	struct kh_opts o = {0};
	o.size = "800x480";
	o.extra_ini = "screen_diagonal_in = 7";
	if (!kh_start(&kiosk, &o))
		return -1;
	*state = &kiosk;
	return 0;
}

static int teardown(void **state)
{
	int rc = kh_stop(&kiosk);
	(void)state;
	kh_cleanup(&kiosk);
	return rc == 0 ? 0 : -1;
}

/* One touch on a drawn button, as a finger would (control "press"). */
static void touch(const char *button)
{
	kh_send(&kiosk, "press %s", button);
	taps++;
}

/* The last trace line whose text (after the timestamp) starts with needle. */
static bool last_line(const char *needle, char *out, size_t outlen)
{
	FILE *f = fopen(kiosk.trace, "r");
	char line[512];
	bool found = false;
	if (!f)
		return false;
	while (fgets(line, sizeof line, f))
		if (strchr(line, ' ') && strncmp(strchr(line, ' '), needle, strlen(needle)) == 0) {
			snprintf(out, outlen, "%s", line);
			found = true;
		}
	fclose(f);
	return found;
}

/* Types letters on the on-screen keyboard, one touch each. */
static void type(const char *letters)
{
	for (const char *c = letters; *c; c++) {
		char key[16];
		snprintf(key, sizeof key, "key-%c", *c);
		touch(key);
	}
}

static void checks_in(const char *letters, const char *shown, int max_taps)
{
	char line[512];

	taps = 0;
	touch("search");
	assert_true(kh_wait(&kiosk, "-> search", 5000, NULL, 0));
	type(letters);
	assert_true(kh_sync(&kiosk));
	assert_false(kh_seen(&kiosk, "control-error"));
	assert_true(last_line(" search ", line, sizeof line));
	if (!strstr(line, " search 1 distinct 1\n")) /* one name: hers */
		fail_msg("after \"%s\": %s", letters, line);
	touch("row-0");
	assert_true(kh_wait(&kiosk, "-> confirm", 5000, line, sizeof line));
	touch("yes");
	assert_true(kh_wait(&kiosk, "checkin ", 5000, line, sizeof line));
	assert_non_null(strstr(line, " ok name"));
	assert_true(kh_wait(&kiosk, "present result", 5000, NULL, 0));
	assert_false(kh_seen(&kiosk, "control-error"));
	printf("%s: checked in with %d touches\n", shown, taps);
	assert_true(taps <= max_taps);
	touch("done");
	assert_true(kh_wait(&kiosk, "-> home", 5000, NULL, 0));
}

static void unique_name_in_five(void **state)
{
	(void)state;
	int before = kh_count(&kiosk, "type = 0");
	checks_in("gu", "Gunnar L.", 5); /* Gunnar Lindqvist, the only "gu" today */
	assert_int_equal(kh_count(&kiosk, "type = 0"), before + 1);
}

static void typo_in_seven(void **state)
{
	(void)state;
	/* "nyt" (3 letters) finds nobody; "nyts" finds Lars Nyström */
	int before = kh_count(&kiosk, "type = 0");
	checks_in("nyts", "Lars N.", 7);
	assert_int_equal(kh_count(&kiosk, "type = 0"), before + 1);
}

/* She reads Arabic: the language button on home, then her check-in; after
 * it (and after idle) the kiosk speaks its own language again. */
static void own_language_then_back(void **state)
{
	char line[512];
	(void)state;
	touch("language");
	assert_true(kh_wait(&kiosk, "-> language", 5000, NULL, 0));
	touch("lang-ar");
	assert_true(kh_wait(&kiosk, "language ar", 5000, NULL, 0));
	kh_send(&kiosk, "layout");
	assert_true(kh_wait(&kiosk, " panel ", 5000, line, sizeof line));
	assert_non_null(strstr(line, " home ar"));
	checks_in("or", "Örjan E.", 5); /* Örjan Ek: "or" finds only him today */
	kh_send(&kiosk, "layout");
	assert_true(kh_wait(&kiosk, " panel ", 5000, line, sizeof line));
	assert_non_null(strstr(line, " home sv"));
	/* chosen, then left alone: idle brings Swedish back */
	touch("language");
	touch("lang-ti");
	assert_true(kh_wait(&kiosk, "language ti", 5000, NULL, 0));
	kh_send(&kiosk, "expire");
	assert_true(kh_wait(&kiosk, "idle home", 5000, NULL, 0));
	kh_send(&kiosk, "layout");
	assert_true(kh_wait(&kiosk, " panel ", 5000, line, sizeof line));
	assert_non_null(strstr(line, " home sv"));
}

/* The result screen's language, from "layout". */
static void expect_screen_lang(const char *screen_lang)
{
	char line[512];
	kh_send(&kiosk, "layout");
	assert_true(kh_wait(&kiosk, " panel ", 5000, line, sizeof line));
	if (!strstr(line, screen_lang))
		fail_msg("want \"%s\": %s", screen_lang, line);
}

/* The trace's "result next YYYY-MM-DD HH:MM" is her group's next session
 * in blippa.db (the demo's G4 meets two days from now, never today). */
static void expect_next_meeting(void)
{
	char line[512], want[64];
	long long n = kh_query(&kiosk, "SELECT CAST(replace(replace(replace(start_local, '-', ''),"
				       " ' ', ''), ':', '') AS INTEGER) FROM sessions"
				       " WHERE group_id = 'G4' AND start_ms > unixepoch() * 1000"
				       " ORDER BY start_ms LIMIT 1");
	assert_true(n > 197101010000LL);
	snprintf(want, sizeof want, " result next %04lld-%02lld-%02lld %02lld:%02lld\n",
		 n / 100000000, n / 1000000 % 100, n / 10000 % 100, n / 100 % 100, n % 100);
	assert_true(kh_wait(&kiosk, " result next ", 5000, line, sizeof line));
	if (!strstr(line, want))
		fail_msg("want \"%s\": %s", want, line);
}

/* Amal Haddad reads Arabic (her roster row says so). Her card (after her
 * name check-in above: "already"): the result greets her in Arabic and
 * tells her when her group (none today) meets next; then home is Swedish
 * again. */
static void card_greets_in_her_language(void **state)
{
	(void)state;
	expect_screen_lang(" home sv");
	kh_send(&kiosk, "tap 04A1B2CA");
	assert_true(kh_wait(&kiosk, "tap already", 5000, NULL, 0)); /* by name before */
	assert_true(kh_wait(&kiosk, "result language ar", 5000, NULL, 0));
	expect_next_meeting();
	assert_true(kh_wait(&kiosk, "present result", 5000, NULL, 0));
	expect_screen_lang(" result ar");
	touch("done");
	assert_true(kh_wait(&kiosk, "-> home", 5000, NULL, 0));
	expect_screen_lang(" home sv");
}

/* Found by name (everyone: her group does not meet today), in the language
 * she chose on the button (English): told when her group meets next. */
static void name_not_today_told_next_meeting(void **state)
{
	char line[512];
	(void)state;
	touch("language");
	touch("lang-en");
	assert_true(kh_wait(&kiosk, "language en", 5000, NULL, 0));
	touch("search");
	assert_true(kh_wait(&kiosk, "-> search", 5000, NULL, 0));
	type("amal");
	assert_true(kh_wait(&kiosk, " search 0 ", 5000, NULL, 0)); /* nobody today */
	touch("everyone");
	assert_true(kh_wait(&kiosk, " search 1 distinct 1", 5000, NULL, 0));
	touch("row-0");
	assert_true(kh_wait(&kiosk, "-> confirm", 5000, NULL, 0));
	touch("yes");
	assert_true(kh_wait(&kiosk, "checkin ", 5000, line, sizeof line));
	assert_non_null(strstr(line, " open-training name"));
	expect_next_meeting();
	assert_true(kh_wait(&kiosk, "present result", 5000, NULL, 0));
	expect_screen_lang(" result en"); /* her choice, not the roster's */
	touch("done");
	assert_true(kh_wait(&kiosk, "-> home", 5000, NULL, 0));
	expect_screen_lang(" home sv");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(unique_name_in_five),
	    cmocka_unit_test(typo_in_seven),
	    cmocka_unit_test(own_language_then_back),
	    cmocka_unit_test(name_not_today_told_next_meeting),
	    cmocka_unit_test(card_greets_in_her_language),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
