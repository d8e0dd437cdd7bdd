/* SPDX-License-Identifier: MIT */
/* The real blippa-kiosk (headless: SDL offscreen driver, software renderer,
 * demo roster) with `[reader] device = pn532_uart:<link>`, the link pointing
 * at the PN532 emulator's pty, so every tap goes through libnfc's real
 * pn532_uart driver, the reader thread and the SDL queue into the UI:
 *   - a card presented: exactly one check-in event; held: still one;
 *   - removed and presented again: "already checked in", no new event;
 *   - a random UID (08xxxxxx): the rejected screen, no event;
 *   - the emulator killed (reader unplugged): the trace says "reader failed",
 *     name search and a name check-in still work; emulator restarted on the
 *     same link: "reader ready" and the next tap is a check-in.
 * Asserts on the trace channel and the SQLite file; every wait is a
 * condition polled with a deadline. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "kiosk_harness.h"
#include "pn532_emu_ctl.h"

#define WAIT_MS 8000
#define NEW_CHECKINS "type = 0 AND sync = 0" /* the demo's history is marked synced */

struct fx {
	struct kh k;
	struct pn532_emu *emu;
	char link[400];
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap(void)
{
	struct timespec ts = {0, 5 * 1000 * 1000};
	nanosleep(&ts, NULL);
}

static unsigned long emu_counter(struct pn532_emu *emu, size_t off)
{
	struct pn532_emu_stats st;
	if (pn532_emu_stats(emu, &st) != 0)
		return 0;
	return *(unsigned long *)((char *)&st + off);
}

/* Polls the emulator counter at off until it reaches target (deadline). */
static bool wait_counter(struct pn532_emu *emu, size_t off, unsigned long target)
{
	int64_t deadline = mono_ms() + WAIT_MS;
	while (mono_ms() < deadline) {
		if (emu_counter(emu, off) >= target)
			return true;
		nap();
	}
	return false;
}

#define OFF(f) offsetof(struct pn532_emu_stats, f)

/* Counts trace lines (whole file) that contain needle. */
static int trace_count(const struct kh *k, const char *needle)
{
	FILE *f = fopen(k->trace, "r");
	char line[1024];
	int n = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strchr(line, '\n') && strstr(line, needle))
			n++;
	fclose(f);
	return n;
}

/* The screen of the last "screen A -> B" trace line (B), into out. */
static bool last_screen(const struct kh *k, char *out, size_t outlen)
{
	FILE *f = fopen(k->trace, "r");
	char line[1024];
	bool found = false;
	if (!f)
		return false;
	while (fgets(line, sizeof line, f)) {
		const char *p = strstr(line, " screen ");
		const char *arrow = p ? strstr(p, " -> ") : NULL;
		if (!strchr(line, '\n') || !arrow)
			continue;
		snprintf(out, outlen, "%.*s", (int)strcspn(arrow + 4, " \n"), arrow + 4);
		found = true;
	}
	fclose(f);
	return found;
}

/* Polls until the kiosk's current screen is name (deadline). */
static bool wait_screen(struct kh *k, const char *name)
{
	int64_t deadline = mono_ms() + WAIT_MS;
	char cur[64];
	while (mono_ms() < deadline) {
		if (kh_sync(k) && last_screen(k, cur, sizeof cur) && strcmp(cur, name) == 0)
			return true;
		nap();
	}
	fprintf(stderr, "the kiosk did not reach screen %s\n", name);
	return false;
}

struct fx_dirs {
	char emu_dir[256]; /* the emulator's link lives here, outside the kiosk's dir */
};
static struct fx_dirs dirs;

/* The kiosk through the shared harness (its clock pinned to 10:00 like every
 * UI test, so the demo roster's running session is the same whatever time
 * the suite runs), with the libnfc reader on the emulator's link instead of
 * the sim FIFO. */
static int setup(void **state)
{
	static struct fx fx;
	struct kh_opts o = {.size = "1280x800"};
	char reader[420];
	const char *tmp = getenv("TMPDIR");

	memset(&fx, 0, sizeof fx);
	snprintf(dirs.emu_dir, sizeof dirs.emu_dir, "%s/blippa-kiosknfc-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dirs.emu_dir))
		return -1;
	snprintf(fx.link, sizeof fx.link, "%s/pn532", dirs.emu_dir);
	if (pn532_emu_start(fx.link, &fx.emu) != 0)
		return -1;
	snprintf(reader, sizeof reader, "pn532_uart:%s", fx.link);
	o.reader = reader;
	if (!kh_start(&fx.k, &o) || !kh_wait(&fx.k, "reader ready", WAIT_MS, NULL, 0)) {
		fprintf(stderr, "kiosk or reader did not come up (see %s)\n", fx.k.dir);
		return -1;
	}
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	int rc = kh_stop(&fx->k);
	pn532_emu_stop(fx->emu);
	kh_cleanup(&fx->k);
	unlink(fx->link); /* a killed emulator leaves its link */
	rmdir(dirs.emu_dir);
	return rc == 0 ? 0 : -1;
}

/* Puts a card in the emulator's field. */
static void present(struct fx *fx, const char *hex)
{
	assert_int_equal(pn532_emu_present(fx->emu, hex, NULL, NULL), 0);
}

/* Removes the card and waits until the reader waits for the next one (its
 * card wait is armed in the chip again). */
static void take_away(struct fx *fx)
{
	assert_int_equal(pn532_emu_remove(fx->emu), 0);
	assert_true(wait_counter(fx->emu, OFF(armed), 1));
}

static void tap_hold_retap(void **state)
{
	struct fx *fx = *state;
	struct kh *k = &fx->k;
	char line[1024], id[64], where[128];
	unsigned long ok0;

	/* tap: exactly one event, durable, the green screen */
	present(fx, "04A1B2C3");
	assert_true(kh_wait(k, "checkin ", WAIT_MS, line, sizeof line));
	assert_non_null(strstr(line, " ok card"));
	assert_true(kh_event_id(line, id, sizeof id));
	snprintf(where, sizeof where, "id = '%s' AND type = 0", id);
	assert_int_equal(kh_count(k, where), 1);
	assert_true(kh_wait(k, "-> result", WAIT_MS, NULL, 0));

	/* hold: several more presence checks answered "still here", still one */
	ok0 = emu_counter(fx->emu, OFF(presence_ok));
	assert_true(wait_counter(fx->emu, OFF(presence_ok), ok0 + 5));
	assert_true(kh_sync(k)); /* everything the reader pushed has been handled */
	assert_int_equal(trace_count(k, "tap-done "), 1);
	assert_int_equal(kh_count(k, NEW_CHECKINS), 1);

	/* remove and tap again: "already checked in", no new event */
	take_away(fx);
	present(fx, "04A1B2C3");
	assert_true(kh_wait(k, "tap already", WAIT_MS, NULL, 0));
	assert_true(kh_wait(k, "-> result", WAIT_MS, NULL, 0));
	assert_int_equal(trace_count(k, "tap-done "), 2);
	assert_int_equal(kh_count(k, NEW_CHECKINS), 1);
	take_away(fx);
}

static void random_uid_rejected(void **state)
{
	struct fx *fx = *state;
	struct kh *k = &fx->k;
	int all = kh_count(k, "1");

	present(fx, "08A1B2C3"); /* a phone or bank card */
	assert_true(kh_wait(k, "tap random-uid", WAIT_MS, NULL, 0));
	assert_true(kh_wait(k, "-> result", WAIT_MS, NULL, 0));
	assert_int_equal(kh_count(k, "1"), all);
	take_away(fx);
	assert_true(kh_sync(k));
	assert_int_equal(kh_count(k, "1"), all);
}

static void reader_unplugged_and_back(void **state)
{
	struct fx *fx = *state;
	struct kh *k = &fx->k;
	char line[1024];
	int before = kh_count(k, NEW_CHECKINS);
	int64_t t0;

	t0 = mono_ms();
	pn532_emu_kill(fx->emu); /* the reader is unplugged */
	fx->emu = NULL;
	assert_true(kh_wait(k, "reader failed", WAIT_MS, NULL, 0));
	print_message("reader failed %lld ms after the emulator was killed\n",
		      (long long)(mono_ms() - t0));
	assert_false(kh_seen(k, "quit"));

	/* meanwhile the kiosk works by name: "orj" finds Örjan, confirm, event */
	kh_send(k, "expire"); /* result screen -> home now (if not there already) */
	assert_true(wait_screen(k, "home"));
	kh_send(k, "press search");
	assert_true(kh_wait(k, "screen home -> search", WAIT_MS, NULL, 0));
	kh_send(k, "type orj");
	assert_true(kh_wait(k, "search 1", WAIT_MS, NULL, 0));
	kh_send(k, "press row-0");
	assert_true(kh_wait(k, "screen search -> confirm", WAIT_MS, NULL, 0));
	kh_send(k, "press yes");
	assert_true(kh_wait(k, "checkin ", WAIT_MS, line, sizeof line));
	assert_non_null(strstr(line, " name"));
	assert_int_equal(kh_count(k, NEW_CHECKINS), before + 1);
	kh_send(k, "press done");
	assert_true(wait_screen(k, "home"));

	/* plugged in again on the same path: the reader reopens by itself */
	t0 = mono_ms();
	assert_int_equal(pn532_emu_start(fx->link, &fx->emu), 0);
	assert_true(kh_wait(k, "reader ready", 3 * WAIT_MS, NULL, 0));
	print_message("reader ready %lld ms after the emulator was back\n",
		      (long long)(mono_ms() - t0));
	present(fx, "04A1B2C5"); /* Ängla: her session is running now */
	assert_true(kh_wait(k, "checkin ", WAIT_MS, line, sizeof line));
	assert_non_null(strstr(line, " card"));
	assert_int_equal(kh_count(k, NEW_CHECKINS), before + 2);
	take_away(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(tap_hold_retap),
	    cmocka_unit_test(random_uid_rejected),
	    cmocka_unit_test(reader_unplugged_and_back),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
