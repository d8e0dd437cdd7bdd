/* SPDX-License-Identifier: MIT */
/* UI tests of leader mode on the real blippa-kiosk (headless): wrong PINs
 * lock PIN entry; leader card -> today's sessions -> roster with the right
 * counts; check-in by hand and undo; link a card with the next tap; close
 * the kiosk only with the admin PIN; auto-logout; the UI keeps answering
 * while a PIN is verified on the worker thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "kiosk_harness.h"

static struct kh K;

static int setup(void **state)
{
	if (!kh_start(&K, NULL))
		return -1;
	*state = &K;
	return 0;
}

static int teardown(void **state)
{
	struct kh *k = *state;
	int rc = k->pid > 0 ? kh_stop(k) : 0;
	kh_cleanup(k);
	return rc == 0 ? 0 : -1;
}

static void enter_pin(struct kh *k, const char *pin)
{
	for (const char *p = pin; *p; p++)
		kh_send(k, "press pin-%c", *p);
	kh_send(k, "press pin-ok");
}

static void wrong_pins_lock(void **state)
{
	struct kh *k = *state;
	char line[256];
	kh_send(k, "press leader");
	assert_true(kh_wait(k, "screen home -> leader-pin", 5000, NULL, 0));
	for (int i = 0; i < 4; i++) {
		enter_pin(k, "9999");
		assert_true(kh_wait(k, "pin wrong", 15000, NULL, 0));
	}
	enter_pin(k, "9999");					    /* the fifth wrong PIN locks */
	assert_true(kh_wait(k, " pin ", 15000, line, sizeof line)); /* not "leader-pin " */
	assert_non_null(strstr(line, "pin locked"));
	/* even the right PIN is refused while locked */
	enter_pin(k, "1234");
	assert_true(kh_wait(k, "pin locked", 15000, NULL, 0));
	assert_false(kh_seen(k, "leader login"));
}

static void roster_counts_checkin_undo(void **state)
{
	struct kh *k = *state;
	char line[1024], id[64], name[64], where[160];

	/* three of the running session's five members tap in */
	kh_send(k, "tap 04A1B2C3");
	kh_send(k, "tap 04A1B2C4");
	kh_send(k, "tap 04A1B2C5");
	assert_true(kh_sync(k));
	kh_reader_tap(k, "04FFEE01"); /* leader card */
	assert_true(kh_wait(k, "leader login card", 5000, NULL, 0));
	assert_true(kh_wait(k, "sessions 3", 5000, NULL, 0));
	kh_send(k, "press session-1"); /* the one running now */
	assert_true(kh_wait(k, "roster 3/5", 5000, NULL, 0));

	assert_true(kh_find_button(k, "checkin-", name, sizeof name));
	kh_send(k, "press %s", name);
	assert_true(kh_wait(k, "checkin ", 5000, line, sizeof line));
	assert_non_null(strstr(line, " ok leader"));
	assert_true(kh_event_id(line, id, sizeof id));
	snprintf(where, sizeof where, "id = '%s' AND method = 2", id);
	assert_int_equal(kh_count(k, where), 1);
	assert_true(kh_wait(k, "roster 4/5", 5000, NULL, 0));

	snprintf(name, sizeof name, "undo-");
	assert_true(kh_find_button(k, "undo-", name, sizeof name));
	kh_send(k, "press %s", name);
	assert_true(kh_wait(k, "void ", 5000, NULL, 0));
	assert_true(kh_wait(k, "roster 3/5", 5000, NULL, 0));
	assert_int_equal(kh_count(k, "type = 1 AND sync = 0"), 1);
}

static void link_card_then_tap(void **state)
{
	struct kh *k = *state;
	char line[256];
	kh_send(k, "tap 04FFEE01");
	assert_true(kh_wait(k, "sessions 3", 5000, NULL, 0));
	kh_send(k, "press session-1");
	assert_true(kh_wait(k, "roster ", 5000, NULL, 0));
	kh_send(k, "press link-0");
	assert_true(kh_wait(k, "screen leader-roster -> link-card", 5000, NULL, 0));
	kh_reader_tap(k, "04AABBCC");
	assert_true(kh_wait(k, "link ok", 5000, NULL, 0));
	assert_true(kh_wait(k, "screen link-card -> leader-roster", 5000, NULL, 0));
	assert_int_equal(kh_count(k, "type = 2 AND card_uid = '04AABBCC'"), 1);
	kh_send(k, "press back");
	kh_send(k, "press logout");
	assert_true(kh_wait(k, "screen leader-sessions -> home", 5000, NULL, 0));
	kh_send(k, "tap 04AABBCC"); /* the new card now checks its owner in */
	assert_true(kh_wait(k, "checkin ", 5000, line, sizeof line));
	assert_non_null(strstr(line, " card"));
}

static void leader_idle_logout(void **state)
{
	struct kh *k = *state;
	kh_send(k, "tap 04FFEE01");
	assert_true(kh_wait(k, "-> leader-sessions", 5000, NULL, 0));
	kh_send(k, "expire");
	assert_true(kh_wait(k, "leader logout", 5000, NULL, 0));
	assert_true(kh_wait(k, "-> home", 5000, NULL, 0));
}

static void hash_pin(const char *pin, char *out, size_t outlen)
{
	char cmd[512];
	FILE *p;
	snprintf(cmd, sizeof cmd, "echo %s | %s --hash-pin", pin, KIOSK_BIN);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(out, (int)outlen, p));
	out[strcspn(out, "\n")] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_true(strncmp(out, "$argon2id$", 10) == 0);
}

static void exit_needs_admin_pin(void **state)
{
	struct kh *k = *state;
	char hash[256];
	struct kh_opts o = {0};
	(void)state;
	hash_pin("4321", hash, sizeof hash);
	o.admin_hash = hash;
	assert_true(kh_start(k, &o));
	kh_send(k, "tap 04FFEE01");
	assert_true(kh_wait(k, "sessions ", 5000, NULL, 0));
	kh_send(k, "press exit");
	assert_true(kh_wait(k, "-> leader-pin", 5000, NULL, 0));
	enter_pin(k, "1234"); /* a leader's PIN is not the admin PIN */
	assert_true(kh_wait(k, "pin not-admin", 15000, NULL, 0));
	enter_pin(k, "4321");
	assert_true(kh_wait(k, "exit admin", 15000, NULL, 0));
	{
		int status = 0;
		for (int i = 0; i < 1000 && waitpid(k->pid, &status, WNOHANG) == 0; i++)
			usleep(10000);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		k->pid = 0;
	}
}

/* The UI thread never blocks on Argon2id: while a PIN is verified the
 * screen says "Checking..." (a frame is presented), control commands are
 * answered, and input on the PIN pad is ignored; the result then arrives
 * and is counted as before. The worker is held before it reports
 * (control "pin-hold on"): the check is certainly still running while the
 * test acts, however loaded the machine, and if the UI thread waited for
 * the worker nothing would answer (the waits below time out). */
static void pin_check_keeps_ui_answering(void **state)
{
	struct kh *k = *state;
	char shot[512], line[256];
	long long t_check, t_frame, t_echo, t_done;

	assert_true(kh_start(k, NULL));
	kh_send(k, "press leader");
	assert_true(kh_wait(k, "screen home -> leader-pin", 5000, NULL, 0));
	kh_send(k, "pin-hold on");
	enter_pin(k, "9999");
	assert_true(kh_wait(k, "pin-check 1", 5000, line, sizeof line)); /* Kim's hash */
	t_check = strtoll(line, NULL, 10);
	/* meanwhile: a digit and Cancel are ignored, a frame is drawn, and the
	 * barrier comes back */
	kh_send(k, "press pin-1");
	kh_send(k, "press cancel");
	snprintf(shot, sizeof shot, "%s/leader-pin-checking-1920x1080-sv.bmp", kh_shot_dir());
	kh_send(k, "screenshot %s", shot);
	kh_send(k, "echo during-check");
	assert_true(kh_wait(k, "present leader-pin", 5000, line, sizeof line));
	t_frame = strtoll(line, NULL, 10);
	assert_true(kh_wait(k, "screenshot ok", 5000, NULL, 0));
	assert_true(kh_wait(k, "echo during-check", 5000, line, sizeof line));
	t_echo = strtoll(line, NULL, 10);
	assert_false(kh_seen(k, "pin-done")); /* still checking */
	kh_send(k, "pin-hold off");
	assert_true(kh_wait(k, "pin-done wrong", 30000, line, sizeof line));
	t_done = strtoll(line, NULL, 10);
	print_message("frame after %lld us, echo after %lld us, done after %lld us\n",
		      t_frame - t_check, t_echo - t_check, t_done - t_check);
	assert_true(t_frame < t_done && t_echo < t_done);
	assert_true(kh_wait(k, "pin wrong", 5000, NULL, 0));
	assert_false(kh_seen(k, "leader-pin -> home")); /* Cancel was ignored */
	assert_false(kh_seen(k, "control-error"));
	/* the ignored "1" did not stick: the right PIN alone logs in */
	enter_pin(k, "1234");
	assert_true(kh_wait(k, "leader login pin", 30000, NULL, 0));
	assert_true(kh_wait(k, "screen leader-pin -> leader-sessions", 5000, NULL, 0));
	/* the failure was counted in the store and the success reset it */
	assert_true(kh_seen(k, "pin-done ok"));
}

static int setup_none(void **state)
{
	memset(&K, 0, sizeof K);
	*state = &K;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(wrong_pins_lock, setup, teardown),
	    cmocka_unit_test_setup_teardown(roster_counts_checkin_undo, setup, teardown),
	    cmocka_unit_test_setup_teardown(link_card_then_tap, setup, teardown),
	    cmocka_unit_test_setup_teardown(leader_idle_logout, setup, teardown),
	    cmocka_unit_test_setup_teardown(exit_needs_admin_pin, setup_none, teardown),
	    cmocka_unit_test_setup_teardown(pin_check_keeps_ui_answering, setup_none, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
