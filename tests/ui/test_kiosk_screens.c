/* SPDX-License-Identifier: MIT */
/* Visits every screen of the real blippa-kiosk on the panels kiosks are
 * built with (7" 800x480 up to 21.5" 1080x1920 portrait; the kiosk is told
 * each panel's diagonal through [kiosk] screen_diagonal_in) in Swedish and
 * English, and checks the layout a user would notice: every touch target
 * lies inside the screen, is at least 12 mm on that panel in both
 * directions, and no two overlap. With BLIPPA_SCREENSHOTS=all it also saves
 * every screen as BMP under <build>/screenshots (the `screenshots` target
 * converts them to PNG); by default it saves none, to keep CI's disk use
 * small. BLIPPA_PANEL=WxH limits the run to one panel. With --a11y (ctest
 * test_kiosk_a11y) every screen is also measured against the accessibility
 * floors from its screenshot and the kiosk's layout dump (a11y_measure.h). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "a11y_measure.h"
#include "kiosk_harness.h"

struct step {
	const char *cmds; /* ';'-separated control commands */
	const char *wait; /* trace needle that shows the screen is there */
	const char *shot; /* screen name for the file */
};

static const struct step steps[] = {
    {"", "present home", "home"},
    {"reader-state failed", "home fault reader", "home-reader-failed"}, /* issue 13.4 */
    /* the status line's warning (statusline.c) on screens other than home,
     * where the fault home does not replace it: it must fit too */
    {"press search", "-> search", "search-reader-failed"},
    {"press back;reader-state ready;press language", "-> language", "language"},
    {"press back;press search", "-> search", "search"},
    {"type asa", "search 2 distinct 2", "search-asa"},
    {"press key-space;type ost;press row-0", "-> confirm",
     "confirm"}, /* Åsa Östberg: on every size */
    {"press yes", "ok name", "result-name"},
    {"press undo", "void ", "result-undone"},
    {"press done;tap 04A1B2C3", "ok card", "result-ok"},
    {"tap 04A1B2C3", "tap already", "result-already"},
    {"tap 04A1B2C8", "open-training card", "result-open-training"},
    {"tap 04A1B2C7", "ok card", "result-early"}, /* Birgitta, two hours early */
    {"tap 04D1E2F3", "tap unknown-card", "result-unknown"},
    {"tap 08A1B2C3", "tap random-uid", "result-random"},
    /* Amal's roster row says Arabic: greeted in it, told her next meeting */
    {"tap 04A1B2CA", "result next", "result-own-language"},
    {"press done;press leader", "-> leader-pin", "leader-pin"},
    {"press pin-9;press pin-9;press pin-ok", "pin wrong", "leader-pin-wrong"},
    {"press cancel;tap 04FFEE01", "sessions 3", "leader-sessions"},
    {"press session-1", "roster 1/5", "leader-roster"},
    {"press link-0", "-> link-card", "link-card"},
    {"press cancel;press back;press status", "-> leader-status", "leader-status"},
    {"press back;press earlier", "-> leader-history", "leader-history"}, /* issue 13.6 */
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

static bool a11y;		/* --a11y */
static struct a11y_figures all; /* lowest figures over the whole run */
static struct kh kiosk;		/* the running kiosk, stopped by teardown after a failure */
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
	char ini[192];
	const char *only = getenv("BLIPPA_PANEL");

	double px_mm;
	struct a11y_figures fig;
	int violations = 0;

	if (only && strcmp(only, size) != 0)
		return;
	a11y_init(&fig);
	assert_int_equal(sscanf(size, "%dx%d", &w, &h), 2);
	px_mm = hypot(w, h) / (diag_in * 25.4);
	/* long timers: no screen may time out between its screenshot and its
	 * layout dump, however slow the build (ASan) or the machine */
	snprintf(ini, sizeof ini,
		 "screen_diagonal_in = %.1f\nresult_seconds = 60\nidle_seconds = 600\n"
		 "undo_seconds = 60\nleader_idle_seconds = 3600",
		 diag_in);
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
		if (shots || a11y) {
			char path[600], why[300];
			if (shots)
				snprintf(path, sizeof path, "%s/%s-%s-%s.bmp", kh_shot_dir(),
					 steps[i].shot, size, lang);
			else
				snprintf(path, sizeof path, "%s/shot.bmp", kiosk.dir);
			kh_send(&kiosk, "screenshot %s", path);
			assert_true(kh_wait(&kiosk, "screenshot ok", 5000, NULL, 0));
			if (a11y) {
				kh_send(&kiosk, "layout");
				assert_true(kh_wait(&kiosk, "layout-end", 5000, NULL, 0));
				bool participant = strncmp(steps[i].shot, "leader", 6) != 0 &&
						   strcmp(steps[i].shot, "link-card") != 0 &&
						   strcmp(steps[i].shot, "exit-pin") != 0;
				if (!a11y_measure(kiosk.trace, path, px_mm, participant, where,
						  &fig, why, sizeof why)) {
					printf("A11Y-FAIL %s\n", why);
					violations++;
				}
				if (!shots)
					unlink(path);
			}
		}
	}
	assert_false(kh_seen(&kiosk, "control-error"));
	if (a11y) {
		printf("A11Y %s %.1f\" %s: target %.1f mm, capitals %.2f mm, text %.1f:1, "
		       "non-text %.2f:1 (%s)\n",
		       size, diag_in, lang, fig.target_mm, fig.cap_mm, fig.text_cr, fig.nontext_cr,
		       fig.nontext_at);
		if (fig.target_mm < all.target_mm) {
			all.target_mm = fig.target_mm;
			snprintf(all.target_at, sizeof all.target_at, "%s", fig.target_at);
		}
		if (fig.cap_mm < all.cap_mm) {
			all.cap_mm = fig.cap_mm;
			snprintf(all.cap_at, sizeof all.cap_at, "%s", fig.cap_at);
		}
		if (fig.text_cr < all.text_cr) {
			all.text_cr = fig.text_cr;
			snprintf(all.text_at, sizeof all.text_at, "%s", fig.text_at);
		}
		if (fig.nontext_cr < all.nontext_cr) {
			all.nontext_cr = fig.nontext_cr;
			snprintf(all.nontext_at, sizeof all.nontext_at, "%s", fig.nontext_at);
		}
		all.screens += fig.screens;
		all.buttons += fig.buttons;
		all.texts += fig.texts;
		all.clipped += fig.clipped;
		all.leader_clipped += fig.leader_clipped;
	}
	k_running = false;
	assert_int_equal(kh_stop(&kiosk), 0);
	kh_cleanup(&kiosk);
	if (violations)
		fail_msg("%d screens below the accessibility floors on %s %s", violations, size,
			 lang);
}

/* Languages the kiosk has (assets/po). */
static const char *const langs[] = {"sv", "en", "fi", "ar", "fa", "so", "ti"};

/* The panels of issue 17: the Raspberry Pi 7" display, the 10.1" panels gyms
 * buy, 11.6" and 13.3" laptops-turned-kiosks, the 15.6" reference, and a
 * 21.5" portrait floor stand. Each runs in every language. */
#define PANEL_TEST(fn, size, diag)                                                                 \
	static void fn(void **state)                                                               \
	{                                                                                          \
		(void)state;                                                                       \
		for (size_t l = 0; l < sizeof langs / sizeof langs[0]; l++)                        \
			visit_all(size, diag, langs[l]);                                           \
	}
PANEL_TEST(pi7, "800x480", 7.0)
PANEL_TEST(tab10, "1280x800", 10.1)
PANEL_TEST(lap11, "1366x768", 11.6)
PANEL_TEST(lap13, "1280x720", 13.3)
PANEL_TEST(ref15, "1920x1080", 15.6)
PANEL_TEST(portrait21, "1080x1920", 21.5)

/* --a11y: also measure every screen (a11y_measure.h) and print the figures. */
static int print_figures(void **state)
{
	(void)state;
	if (a11y)
		printf(
		    "A11Y all: %d screens, %d targets, %d texts; lowest: target %.1f mm "
		    "(%s), capitals %.2f mm (%s), text contrast %.2f:1 (%s), non-text "
		    "contrast %.2f:1 (%s); texts that do not fit: %d on participant screens, %d on "
		    "leader screens\n",
		    all.screens, all.buttons, all.texts, all.target_mm, all.target_at, all.cap_mm,
		    all.cap_at, all.text_cr, all.text_at, all.nontext_cr, all.nontext_at,
		    all.clipped, all.leader_clipped);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(pi7, stop_kiosk),
	    cmocka_unit_test_teardown(tab10, stop_kiosk),
	    cmocka_unit_test_teardown(lap11, stop_kiosk),
	    cmocka_unit_test_teardown(lap13, stop_kiosk),
	    cmocka_unit_test_teardown(ref15, stop_kiosk),
	    cmocka_unit_test_teardown(portrait21, stop_kiosk),
	};
	a11y = argc > 1 && strcmp(argv[1], "--a11y") == 0;
	a11y_init(&all);
	return cmocka_run_group_tests(tests, NULL, print_figures);
}
