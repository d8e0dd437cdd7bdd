/* SPDX-License-Identifier: MIT */
/* Visits every screen of the real blippa-kiosk at several resolutions and
 * aspects (1920x1080, 1080x1920 portrait, 1280x800) in Swedish and English
 * and checks the layout a user would notice: every touch target lies inside
 * the screen, is at least 12 mm (reference 15.6" panel) in both directions,
 * and no two overlap. With BLIPPA_SCREENSHOTS=all it also saves every screen
 * as BMP under <build>/screenshots (the `screenshots` target converts them
 * to PNG); by default it saves none, to keep CI's disk use small. */
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
    {"type asa", "search 2 distinct 2", "search-asa"},
    {"press row-1", "-> confirm", "confirm"},
    {"press yes", "ok name", "result-name"},
    {"press undo", "void ", "result-undone"},
    {"press done;tap 04A1B2C3", "ok card", "result-ok"},
    {"tap 04A1B2C3", "tap already", "result-already"},
    {"tap 04A1B2C8", "open-training card", "result-open-training"},
    {"tap 04A1B2C7", "ok card", "result-early"}, /* Birgitta, two hours early */
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
static void check_layout(struct kh *k, int w, int h, const char *where)
{
	enum { MAXB = 128 };
	int x[MAXB], y[MAXB], bw[MAXB], bh[MAXB];
	char names[MAXB][40];
	int n = 0;
	char line[512];
	double mm = hypot(w, h) / (15.6 * 25.4);
	int min_px = (int)floor(12.0 * mm) - 1;

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

static void visit_all(const char *size, const char *lang)
{
	struct kh k;
	struct kh_opts o = {0};
	int w = 0, h = 0;
	bool shots = getenv("BLIPPA_SCREENSHOTS") != NULL;

	assert_int_equal(sscanf(size, "%dx%d", &w, &h), 2);
	o.size = size;
	o.lang = lang;
	assert_true(kh_start(&k, &o));
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		char where[96];
		snprintf(where, sizeof where, "%s %s %s", steps[i].shot, size, lang);
		send_cmds(&k, steps[i].cmds);
		if (!kh_wait(&k, steps[i].wait, 15000, NULL, 0))
			fail_msg("%s: never reached", where);
		assert_true(kh_sync(&k));
		check_layout(&k, w, h, where);
		if (shots) {
			kh_send(&k, "screenshot %s/%s-%s-%s.bmp", kh_shot_dir(), steps[i].shot,
				size, lang);
			assert_true(kh_wait(&k, "screenshot ok", 5000, NULL, 0));
		}
	}
	assert_false(kh_seen(&k, "control-error"));
	assert_int_equal(kh_stop(&k), 0);
	kh_cleanup(&k);
}

static void landscape_sv(void **state)
{
	(void)state;
	visit_all("1920x1080", "sv");
}

static void portrait_en(void **state)
{
	(void)state;
	visit_all("1080x1920", "en");
}

static void small_sv(void **state)
{
	(void)state;
	visit_all("1280x800", "sv");
}

static void landscape_en(void **state)
{
	(void)state;
	visit_all("1920x1080", "en");
}

static void portrait_sv(void **state)
{
	(void)state;
	visit_all("1080x1920", "sv");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(landscape_sv), cmocka_unit_test(portrait_en),
	    cmocka_unit_test(small_sv),	    cmocka_unit_test(landscape_en),
	    cmocka_unit_test(portrait_sv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
