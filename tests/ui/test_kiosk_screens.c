/* SPDX-License-Identifier: MIT */
/* Visits every screen of the real blippa-kiosk on the panels kiosks are
 * built with (7" 800x480 up to 21.5" 1080x1920 portrait; the kiosk is told
 * each panel's diagonal through [kiosk] screen_diagonal_in) in Swedish and
 * English, and checks the layout a user would notice: every touch target
 * lies inside the screen, is at least 12 mm on that panel in both
 * directions, and no two overlap. With BLIPPA_SCREENSHOTS=all it also saves
 * every screen as BMP under <build>/screenshots (the `screenshots` target
 * converts them to PNG); by default it saves none, to keep CI's disk use
 * small. BLIPPA_PANEL=WxH limits the run to one panel. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kiosk_harness.h"

struct step {
	const char *cmds; /* ';'-separated control commands */
	const char *wait; /* trace needle that shows the screen is there */
	const char *shot; /* screen name for the file */
};

static const struct step steps[] = {
    {"", "present home", "home"},
    {"press search", "-> search", "search"},
    {"type asa", "search 1", "search-asa"},
    {"press row-0", "-> confirm", "confirm"},
    {"press yes", "ok name", "result-name"},
    {"press undo", "void ", "result-undone"},
    {"press done;tap 04A1B2C3", "ok card", "result-ok"},
    {"tap 04A1B2C3", "tap already", "result-already"},
    {"tap 04A1B2C8", "open-training card", "result-open-training"},
    {"tap 04D1E2F3", "tap unknown-card", "result-unknown"},
    {"tap 08A1B2C3", "tap random-uid", "result-random"},
    {"press done;press leader", "-> leader-pin", "leader-pin"},
    {"press pin-9;press pin-9;press pin-ok", "pin wrong", "leader-pin-wrong"},
    {"press cancel;tap 04FFEE01", "sessions 3", "leader-sessions"},
    {"press session-1", "roster 1/5", "leader-roster"},
    {"press link-0", "-> link-card", "link-card"},
    {"press cancel;press back;press status", "-> leader-status", "leader-status"},
    {"press back;press exit", "-> leader-pin", "exit-pin"},
};

static void send_cmds(struct kh *k, const char *cmds)
{
	char buf[256];
	char *save = NULL;
	snprintf(buf, sizeof buf, "%s", cmds);
	for (char *c = strtok_r(buf, ";", &save); c; c = strtok_r(NULL, ";", &save))
		kh_send(k, "%s", c);
}

/* Reads the "button-at" lines of the current screen and checks them. */
static void check_layout(struct kh *k, int w, int h, double diag_in, const char *where)
{
	enum { MAXB = 128 };
	int x[MAXB], y[MAXB], bw[MAXB], bh[MAXB];
	char names[MAXB][40];
	int n = 0;
	char line[512];
	double mm = hypot(w, h) / (diag_in * 25.4);
	int min_px = (int)ceil(12.0 * mm - 0.01);

	kh_send(k, "buttons");
	assert_true(kh_sync(k));
	/* re-read from the end of the previous section: the lines just written */
	{
		FILE *f = fopen(k->trace, "r");
		long last_start = -1;
		assert_non_null(f);
		/* find the last "buttons" burst: lines after the previous echo */
		while (fgets(line, sizeof line, f)) {
			if (strstr(line, " echo sync-"))
				last_start = ftell(f);
			if (strstr(line, " button-at ") && n < MAXB) {
				if (last_start >= 0) { /* a new burst started after an echo */
					n = 0;
					last_start = -1;
				}
				if (sscanf(strstr(line, "button-at ") + 10, "%39s %d %d %d %d",
					   names[n], &x[n], &y[n], &bw[n], &bh[n]) == 5)
					n++;
			}
		}
		fclose(f);
	}
	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		if (x[i] < 0 || y[i] < 0 || x[i] + bw[i] > w || y[i] + bh[i] > h ||
		    bw[i] < min_px || bh[i] < min_px)
			fail_msg(
			    "%s: button %s at %d,%d %dx%d is off screen or under 12 mm (%d px)",
			    where, names[i], x[i], y[i], bw[i], bh[i], min_px);
		for (int j = i + 1; j < n; j++) {
			bool apart = x[i] + bw[i] <= x[j] || x[j] + bw[j] <= x[i] ||
				     y[i] + bh[i] <= y[j] || y[j] + bh[j] <= y[i];
			if (!apart)
				fail_msg("%s: buttons %s and %s overlap", where, names[i],
					 names[j]);
		}
	}
}

static struct kh kiosk; /* the running kiosk, stopped by teardown after a failure */
static bool k_running;

static int stop_kiosk(void **state)
{
	(void)state;
	if (k_running) {
		kh_term(&kiosk);
		kh_cleanup(&kiosk);
		k_running = false;
	}
	return 0;
}

static void visit_all(const char *size, double diag_in, const char *lang)
{
	struct kh_opts o = {0};
	int w = 0, h = 0;
	bool shots = getenv("BLIPPA_SCREENSHOTS") != NULL;
	char ini[64];
	const char *only = getenv("BLIPPA_PANEL");

	if (only && strcmp(only, size) != 0)
		return;
	assert_int_equal(sscanf(size, "%dx%d", &w, &h), 2);
	snprintf(ini, sizeof ini, "screen_diagonal_in = %.1f", diag_in);
	o.size = size;
	o.lang = lang;
	o.extra_ini = ini;
	k_running = kh_start(&kiosk, &o);
	assert_true(k_running);
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		char where[96];
		snprintf(where, sizeof where, "%s %s %s", steps[i].shot, size, lang);
		send_cmds(&kiosk, steps[i].cmds);
		if (!kh_wait(&kiosk, steps[i].wait, 15000, NULL, 0))
			fail_msg("%s: never reached", where);
		assert_true(kh_sync(&kiosk));
		check_layout(&kiosk, w, h, diag_in, where);
		if (shots) {
			kh_send(&kiosk, "screenshot %s/%s-%s-%s.bmp", kh_shot_dir(), steps[i].shot,
				size, lang);
			assert_true(kh_wait(&kiosk, "screenshot ok", 5000, NULL, 0));
		}
	}
	assert_false(kh_seen(&kiosk, "control-error"));
	k_running = false;
	assert_int_equal(kh_stop(&kiosk), 0);
	kh_cleanup(&kiosk);
}

/* The panels of issue 17: the Raspberry Pi 7" display, the 10.1" panels gyms
 * buy, 11.6" and 13.3" laptops-turned-kiosks, the 15.6" reference, and a
 * 21.5" portrait floor stand. */
#define PANEL_TEST(fn, size, diag, lang)                                                           \
	static void fn(void **state)                                                               \
	{                                                                                          \
		(void)state;                                                                       \
		visit_all(size, diag, lang);                                                       \
	}
PANEL_TEST(pi7_sv, "800x480", 7.0, "sv")
PANEL_TEST(pi7_en, "800x480", 7.0, "en")
PANEL_TEST(tab10_sv, "1280x800", 10.1, "sv")
PANEL_TEST(tab10_en, "1280x800", 10.1, "en")
PANEL_TEST(lap11_sv, "1366x768", 11.6, "sv")
PANEL_TEST(lap13_sv, "1280x720", 13.3, "sv")
PANEL_TEST(lap13_en, "1280x720", 13.3, "en")
PANEL_TEST(ref15_sv, "1920x1080", 15.6, "sv")
PANEL_TEST(ref15_en, "1920x1080", 15.6, "en")
PANEL_TEST(portrait21_sv, "1080x1920", 21.5, "sv")
PANEL_TEST(portrait21_en, "1080x1920", 21.5, "en")

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(pi7_sv, stop_kiosk),
	    cmocka_unit_test_teardown(pi7_en, stop_kiosk),
	    cmocka_unit_test_teardown(tab10_sv, stop_kiosk),
	    cmocka_unit_test_teardown(tab10_en, stop_kiosk),
	    cmocka_unit_test_teardown(lap11_sv, stop_kiosk),
	    cmocka_unit_test_teardown(lap13_sv, stop_kiosk),
	    cmocka_unit_test_teardown(lap13_en, stop_kiosk),
	    cmocka_unit_test_teardown(ref15_sv, stop_kiosk),
	    cmocka_unit_test_teardown(ref15_en, stop_kiosk),
	    cmocka_unit_test_teardown(portrait21_sv, stop_kiosk),
	    cmocka_unit_test_teardown(portrait21_en, stop_kiosk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
