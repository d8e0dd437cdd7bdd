/* SPDX-License-Identifier: MIT */
/* Integration tests of the libnfc reader backend (kiosk/reader/reader_nfc.c)
 * through libnfc's real pn532_uart driver, against the PN532 emulator on a
 * pty: one TAP per presentation, a held card stays one tap, remove and
 * present again is a second tap, random UIDs are flagged, 4/7/10-byte UIDs
 * (four card types = four ways to check presence), a reader absent at start, an
 * emulator killed and restarted (FAILED -> READY, next tap works), a hung
 * chip (while the reader waits, and on the command that arms the wait), and
 * a quick close. Waits are conditions with deadlines. No UID may
 * appear in the log. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "pn532_emu_ctl.h"
#include "reader.h"
#include "reader_evq.h"

#define WAIT_MS 5000

static char dir[] = "/tmp/blippa-test-nfc-XXXXXX";
static char link_path[300];
static char conn[400];
static char logpath[300];
static int saved_stderr = -1;

struct fixture {
	struct evq q;
	struct pn532_emu *emu;
	struct reader *rd;
};

static void pause_ms(int ms)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000L};
	nanosleep(&ts, NULL);
}

/* Waits until the emulator counter at offset off reaches at least target. */
static bool wait_counter(struct pn532_emu *emu, size_t off, unsigned long target)
{
	int64_t deadline = evq_now_us() + (int64_t)WAIT_MS * 1000;
	while (evq_now_us() < deadline) {
		struct pn532_emu_stats st;
		if (pn532_emu_stats(emu, &st) == 0 &&
		    *(unsigned long *)((char *)&st + off) >= target)
			return true;
		pause_ms(5); /* polling a condition, with a deadline */
	}
	return false;
}

static unsigned long counter(struct pn532_emu *emu, size_t off)
{
	struct pn532_emu_stats st;
	assert_int_equal(pn532_emu_stats(emu, &st), 0);
	return *(unsigned long *)((char *)&st + off);
}

#define OFF(f) offsetof(struct pn532_emu_stats, f)

static void fx_start(struct fixture *fx)
{
	size_t mark;
	memset(fx, 0, sizeof *fx);
	evq_init(&fx->q);
	assert_int_equal(pn532_emu_start(link_path, &fx->emu), 0);
	mark = evq_state_mark(&fx->q);
	assert_int_equal(reader_open(conn, evq_cb, &fx->q, &fx->rd), BLIPPA_OK);
	assert_true(evq_wait_state(&fx->q, mark, READER_STATE_READY, WAIT_MS));
	assert_int_equal(reader_get_state(fx->rd), READER_STATE_READY);
}

static void fx_close_quickly(struct fixture *fx)
{
	int64_t t0 = evq_now_us();
	reader_close(fx->rd);
	int64_t took = evq_now_us() - t0;
	print_message("reader_close took %lld us\n", (long long)took);
	assert_true(took < 1000000);
	pn532_emu_stop(fx->emu);
	evq_destroy(&fx->q);
}

static void expect_tap(struct fixture *fx, const char *hex, bool random)
{
	struct reader_event ev;
	uint8_t uid[READER_UID_MAX];
	size_t len;
	assert_true(evq_take_tap(&fx->q, WAIT_MS, &ev, NULL));
	assert_int_equal(ev.kind, READER_EV_TAP);
	assert_int_equal(reader_parse_uid(hex, uid, &len), BLIPPA_OK);
	assert_int_equal(ev.uid_len, len);
	assert_memory_equal(ev.uid, uid, len);
	assert_int_equal(ev.random_uid, random);
}

/* Present, tap once, hold (several presence checks, still one tap), remove,
 * wait until the reader waits in the chip for a card again, present again:
 * second tap. */
static void tap_hold_retap(struct fixture *fx, const char *hex, const char *kind)
{
	size_t before = evq_tap_total(&fx->q);
	unsigned long ok0;

	assert_int_equal(pn532_emu_present(fx->emu, hex, kind, NULL), 0);
	expect_tap(fx, hex, false);
	ok0 = counter(fx->emu, OFF(presence_ok));
	assert_true(wait_counter(fx->emu, OFF(presence_ok), ok0 + 4)); /* held */
	assert_int_equal(evq_tap_total(&fx->q), before + 1);

	assert_int_equal(pn532_emu_remove(fx->emu), 0);
	assert_true(wait_counter(fx->emu, OFF(armed), 1)); /* waiting again */
	assert_int_equal(evq_tap_total(&fx->q), before + 1);

	assert_int_equal(pn532_emu_present(fx->emu, hex, kind, NULL), 0);
	expect_tap(fx, hex, false);
	assert_int_equal(evq_tap_total(&fx->q), before + 2);
	assert_int_equal(pn532_emu_remove(fx->emu), 0);
	assert_true(wait_counter(fx->emu, OFF(armed), 1));
}

static void test_mifare_classic_4byte(void **state)
{
	struct fixture fx;
	(void)state;
	fx_start(&fx);
	tap_hold_retap(&fx, "04A1B2C3", NULL);
	fx_close_quickly(&fx);
}

static void test_ultralight_7byte(void **state)
{
	struct fixture fx;
	(void)state;
	fx_start(&fx);
	tap_hold_retap(&fx, "04112233445566", "ul");
	fx_close_quickly(&fx);
}

static void test_iso14443_4_10byte(void **state)
{
	struct fixture fx;
	(void)state;
	fx_start(&fx);
	tap_hold_retap(&fx, "00112233445566778899", "iso4");
	/* a 7-byte ISO 14443-4 card too */
	tap_hold_retap(&fx, "04556677889900", "iso4");
	fx_close_quickly(&fx);
}

/* A card type libnfc cannot ping: the reader selects it again by UID. */
static void test_unpingable_card(void **state)
{
	struct fixture fx;
	(void)state;
	fx_start(&fx);
	tap_hold_retap(&fx, "04A1B2C3D4E5F6", "plain");
	fx_close_quickly(&fx);
}

static void test_random_uid(void **state)
{
	struct fixture fx;
	(void)state;
	fx_start(&fx);
	assert_int_equal(pn532_emu_present(fx.emu, "08A1B2C3", "iso4", NULL), 0);
	expect_tap(&fx, "08A1B2C3", true);
	fx_close_quickly(&fx); /* close while a card is held */
}

static void test_emulator_killed_and_restarted(void **state)
{
	struct fixture fx;
	size_t mark;
	(void)state;
	fx_start(&fx);
	assert_int_equal(pn532_emu_present(fx.emu, "04A1B2C3", NULL, NULL), 0);
	expect_tap(&fx, "04A1B2C3", false);

	mark = evq_state_mark(&fx.q);
	pn532_emu_kill(fx.emu); /* the reader is unplugged */
	fx.emu = NULL;
	assert_true(evq_wait_state(&fx.q, mark, READER_STATE_FAILED, WAIT_MS));

	mark = evq_state_mark(&fx.q);
	assert_int_equal(pn532_emu_start(link_path, &fx.emu), 0); /* plugged in again */
	assert_true(evq_wait_state(&fx.q, mark, READER_STATE_READY, WAIT_MS));
	assert_int_equal(pn532_emu_present(fx.emu, "04A1B2C3", NULL, NULL), 0);
	expect_tap(&fx, "04A1B2C3", false);
	assert_int_equal(evq_tap_total(&fx.q), 2);
	fx_close_quickly(&fx);
}

static void test_absent_at_start(void **state)
{
	struct fixture fx;
	size_t mark;
	(void)state;
	memset(&fx, 0, sizeof fx);
	evq_init(&fx.q);
	unlink(link_path);
	assert_int_equal(reader_open(conn, evq_cb, &fx.q, &fx.rd), BLIPPA_OK);
	assert_true(evq_wait_state(&fx.q, 0, READER_STATE_FAILED, WAIT_MS));
	mark = evq_state_mark(&fx.q);
	assert_int_equal(pn532_emu_start(link_path, &fx.emu), 0);
	assert_true(evq_wait_state(&fx.q, mark, READER_STATE_READY, WAIT_MS));
	assert_int_equal(pn532_emu_present(fx.emu, "04A1B2C3", NULL, NULL), 0);
	expect_tap(&fx, "04A1B2C3", false);
	fx_close_quickly(&fx);
}

static void test_hung_chip(void **state)
{
	struct fixture fx;
	size_t mark;
	(void)state;
	fx_start(&fx);
	/* The chip hangs while the reader waits in it for a card (where the
	 * reader spends its time): the periodic re-arm finds it. */
	assert_true(wait_counter(fx.emu, OFF(armed), 1));
	mark = evq_state_mark(&fx.q);
	assert_int_equal(pn532_emu_cmd(fx.emu, "mute 1", NULL, 0), 0);
	assert_true(evq_wait_state(&fx.q, mark, READER_STATE_FAILED, WAIT_MS));
	mark = evq_state_mark(&fx.q);
	assert_int_equal(pn532_emu_cmd(fx.emu, "mute 0", NULL, 0), 0);
	assert_true(evq_wait_state(&fx.q, mark, READER_STATE_READY, 2 * WAIT_MS));
	assert_int_equal(pn532_emu_present(fx.emu, "04A1B2C3", NULL, NULL), 0);
	expect_tap(&fx, "04A1B2C3", false);
	fx_close_quickly(&fx);
}

/* With no card the reader leaves the waiting to the chip: until the
 * periodic re-arm (the host's ACK cancels the wait) it sends nothing, and
 * the re-arm itself is two frames (check the chip, arm again), where
 * polling would send a frame every few tens of ms. */
static void test_idle_is_quiet(void **state)
{
	struct fixture fx;
	unsigned long f0, a0;
	(void)state;
	fx_start(&fx);
	assert_true(wait_counter(fx.emu, OFF(armed), 1));
	f0 = counter(fx.emu, OFF(frames));
	a0 = counter(fx.emu, OFF(aborts));
	assert_true(wait_counter(fx.emu, OFF(aborts), a0 + 1)); /* the re-arm, after 2 s */
	assert_true(wait_counter(fx.emu, OFF(armed), 1));	/* armed again */
	print_message("frames from one arm to the next: %lu\n", counter(fx.emu, OFF(frames)) - f0);
	assert_true(counter(fx.emu, OFF(frames)) - f0 <= 4);
	fx_close_quickly(&fx);
}

/* The chip hangs on the very command that arms the card wait, before it
 * ACKs it: libnfc waits for that ACK without a timeout and without looking
 * at the abort pipe, so the thread stays in libnfc. The watchdog must still
 * report FAILED (its re-arm abort is not answered), and unplugging the
 * reader (the read fails) must bring the thread back: replugged, READY, and
 * the next tap works. */
static void test_chip_hangs_at_arm(void **state)
{
	struct fixture fx;
	size_t mark;
	(void)state;
	fx_start(&fx);
	assert_true(wait_counter(fx.emu, OFF(armed), 1));
	mark = evq_state_mark(&fx.q);
	/* the next re-arm (within 2 s) sends InAutoPoll (0x60) to a chip that hangs */
	assert_int_equal(pn532_emu_cmd(fx.emu, "hang-at 60", NULL, 0), 0);
	assert_true(evq_wait_state(&fx.q, mark, READER_STATE_FAILED, 3 * WAIT_MS));
	mark = evq_state_mark(&fx.q);
	pn532_emu_kill(fx.emu); /* unplugged */
	fx.emu = NULL;
	assert_int_equal(pn532_emu_start(link_path, &fx.emu), 0); /* plugged in again */
	assert_true(evq_wait_state(&fx.q, mark, READER_STATE_READY, 2 * WAIT_MS));
	assert_int_equal(pn532_emu_present(fx.emu, "04A1B2C3", NULL, NULL), 0);
	expect_tap(&fx, "04A1B2C3", false);
	fx_close_quickly(&fx);
}

/* "auto" lets libnfc choose: here the device named in LIBNFC_DEVICE. */
static void test_auto_uses_libnfc_choice(void **state)
{
	struct fixture fx;
	(void)state;
	memset(&fx, 0, sizeof fx);
	evq_init(&fx.q);
	assert_int_equal(pn532_emu_start(link_path, &fx.emu), 0);
	assert_int_equal(setenv("LIBNFC_DEVICE", conn, 1), 0); /* no other thread yet */
	assert_int_equal(reader_open("auto", evq_cb, &fx.q, &fx.rd), BLIPPA_OK);
	assert_true(evq_wait_state(&fx.q, 0, READER_STATE_READY, WAIT_MS));
	assert_int_equal(pn532_emu_present(fx.emu, "04A1B2C3", NULL, NULL), 0);
	expect_tap(&fx, "04A1B2C3", false);
	fx_close_quickly(&fx);
	unsetenv("LIBNFC_DEVICE");
}

static void test_close_while_absent_is_quick(void **state)
{
	struct evq q;
	struct reader *rd = NULL;
	(void)state;
	evq_init(&q);
	unlink(link_path);
	assert_int_equal(reader_open(conn, evq_cb, &q, &rd), BLIPPA_OK);
	assert_true(evq_wait_state(&q, 0, READER_STATE_FAILED, WAIT_MS));
	int64_t t0 = evq_now_us();
	reader_close(rd);
	assert_true(evq_now_us() - t0 < 1000000);
	evq_destroy(&q);
}

static int setup(void **state)
{
	int fd;
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(link_path, sizeof link_path, "%s/reader", dir);
	snprintf(conn, sizeof conn, "pn532_uart:%s", link_path);
	/* Everything logged (debug level) goes to a file checked for UIDs. */
	snprintf(logpath, sizeof logpath, "%s/log", dir);
	fd = open(logpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	blippa_log_set_level(BLIPPA_LOG_DEBUG);
	return 0;
}

static int teardown(void **state)
{
	static const char *const uids[] = {
	    "04A1B2C3",
	    "04a1b2c3",
	    "04 a1 b2 c3",
	    "04  a1  b2  c3",
	    "04:A1:B2:C3",
	    "04112233445566",
	    "00112233445566778899",
	    "08A1B2C3",
	    "08a1b2c3",
	    "a1b2c3",
	    "A1B2C3",
	};
	char text[65536], cmd[400];
	ssize_t n;
	int fd, bad = 0;
	(void)state;
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	fd = open(logpath, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
	if (fd >= 0)
		close(fd);
	text[n > 0 ? n : 0] = '\0';
	fprintf(stderr, "%s", text);
	for (size_t i = 0; i < sizeof uids / sizeof uids[0]; i++) {
		if (strcasestr(text, uids[i])) {
			fprintf(stderr, "FAIL: a UID appears in the log\n");
			bad = 1;
		}
	}
	if (!strstr(text, "tap (4-byte uid)")) {
		fprintf(stderr, "FAIL: the debug log was not captured\n");
		bad = 1;
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		bad = 1;
	return bad ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mifare_classic_4byte),
	    cmocka_unit_test(test_ultralight_7byte),
	    cmocka_unit_test(test_iso14443_4_10byte),
	    cmocka_unit_test(test_unpingable_card),
	    cmocka_unit_test(test_random_uid),
	    cmocka_unit_test(test_emulator_killed_and_restarted),
	    cmocka_unit_test(test_absent_at_start),
	    cmocka_unit_test(test_idle_is_quiet),
	    cmocka_unit_test(test_hung_chip),
	    cmocka_unit_test(test_chip_hangs_at_arm),
	    cmocka_unit_test(test_auto_uses_libnfc_choice),
	    cmocka_unit_test(test_close_while_absent_is_quick),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
