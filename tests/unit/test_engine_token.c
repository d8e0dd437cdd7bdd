/* SPDX-License-Identifier: MIT */
/* Tests for the sync engine's token file (sync/client/engine_token.c)
 * against the scripted mock server (tests/helpers/engine_mock.c, which
 * accepts only "Bearer test-token"): a refused token reads "token refused"
 * and keeps the events; a good token replacing the file - by rename or in
 * place - is used at the next round; a file made 0644, emptied or removed
 * keeps the token in memory and is reported in last_error; and the sync
 * thread, paused for 15 minutes after a 401, delivers the queue within
 * moments of a new token file. The real kiosk and server run the same
 * story in tests/ui/test_kiosk_token.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "engine.h"
#include "engine_mock.h"
#include "store.h"
#include "sync.h"

static struct engine_mock *const M = &engine_mock_state;

static char tmpdir[64], tokpath[96];
static struct roster *demo;

static int setup(void **state)
{
	(void)state;
	demo = roster_make_demo(clock_wall_ms(), 50);
	assert_non_null(demo);
	engine_mock_start(demo);
	snprintf(tmpdir, sizeof tmpdir, "/tmp/blippa-etok.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(tokpath, sizeof tokpath, "%s/token", tmpdir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	engine_mock_stop();
	roster_free(demo);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Replaces the token file atomically (write a new file, rename over). */
static void token_rename(const char *text, mode_t mode)
{
	char tmp[128];
	snprintf(tmp, sizeof tmp, "%s.new", tokpath);
	FILE *f = fopen(tmp, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(tmp, mode), 0);
	assert_int_equal(rename(tmp, tokpath), 0);
}

/* Overwrites the token file in place (same inode and mode). */
static void token_in_place(const char *text)
{
	FILE *f = fopen(tokpath, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void options(struct sync_options *o, char *url, size_t urllen)
{
	snprintf(url, urllen, "http://127.0.0.1:%d", M->port);
	memset(o, 0, sizeof *o);
	o->server_url = url;
	o->token_file = tokpath;
	o->data_dir = tmpdir;
	o->auth_pause_ms = 900000;
	o->interval_ms = 30000;
}

static void checkins(struct store *st, size_t first, size_t n)
{
	struct checkin_result res;
	for (size_t i = first; i < first + n; i++)
		assert_int_equal(store_checkin_participant(st, demo->participants[i].id,
							   CHECKIN_NAME, NULL, clock_wall_ms(),
							   &res),
				 BLIPPA_OK);
}

static struct store_sync_status status(struct store *st)
{
	struct store_sync_status s;
	assert_int_equal(store_get_sync_status(st, &s), BLIPPA_OK);
	return s;
}

#define assert_last_error_has(st, needle)                                                          \
	do {                                                                                       \
		struct store_sync_status s_ = status(st);                                          \
		if (!strstr(s_.last_error, needle))                                                \
			fail_msg("last_error \"%s\" lacks \"%s\"", s_.last_error, needle);         \
	} while (0)

/* The engine (as `blippa-sync once` and the kiosk's thread run it) reads
 * the file again when it changes; a file it cannot use keeps the token. */
static void test_reread_and_keep(void **state)
{
	struct sync_options o;
	struct sync_engine *e = NULL;
	struct sync_report rep;
	struct store *st;
	char url[64], err[256];
	(void)state;

	token_rename("wrong-token\n", 0600);
	options(&o, url, sizeof url);
	assert_int_equal(sync_engine_open(&o, &e, err, sizeof err), BLIPPA_OK);
	st = sync_engine_store(e);
	assert_int_equal(store_replace_roster(st, demo, err, sizeof err), BLIPPA_OK);
	checkins(st, 0, 3);

	/* refused: a plain message, nothing lost */
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_AUTH);
	assert_last_error_has(st, "token refused: put the new token in token_file");
	assert_true(status(st).unauthorised);
	assert_int_equal(rep.pending, 3);

	/* the right token, but readable by others: not used, said so */
	token_rename("test-token\n", 0644);
	assert_true(sync_engine_token_check(e));
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_AUTH);
	assert_last_error_has(st, "old token kept");
	assert_last_error_has(st, "readable by others; run: chmod 600");
	assert_int_equal(rep.pending, 3);

	/* chmod 600 (only the ctime changes): used at the next round */
	assert_int_equal(chmod(tokpath, 0600), 0);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.pending, 0);
	assert_string_equal(status(st).last_error, "");
	assert_false(status(st).unauthorised);
	assert_false(sync_engine_token_check(e)); /* unchanged: nothing to do */

	/* emptied in place, then removed: the good token in memory is kept */
	token_in_place("");
	checkins(st, 3, 1);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.pending, 0);
	assert_last_error_has(st, "token file is empty");
	assert_int_equal(unlink(tokpath), 0);
	checkins(st, 4, 1);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.pending, 0);
	assert_last_error_has(st, "cannot read token file");
	assert_null(strstr(status(st).last_error, "test-token"));

	/* a wrong token is used (and refused); the right one written in
	 * place over it is used again */
	token_rename("wrong-token\n", 0600);
	checkins(st, 5, 2);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_AUTH);
	assert_int_equal(rep.pending, 2);
	token_in_place("test-token\n");
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.pending, 0);
	assert_string_equal(status(st).last_error, "");
	sync_engine_close(e);
}

/* blippa-sync and a kiosk starting: no usable token at open is a
 * configuration error naming the file, never the token. */
static void test_open_needs_a_token(void **state)
{
	struct sync_options o;
	struct sync_engine *e = NULL;
	char url[64], err[256];
	(void)state;

	options(&o, url, sizeof url);
	token_rename("test-token\n", 0644);
	assert_int_equal(sync_engine_open(&o, &e, err, sizeof err), BLIPPA_ERR_CONFIG);
	assert_null(e);
	assert_non_null(strstr(err, "readable by others"));
	assert_null(strstr(err, "test-token"));
	token_rename("\n", 0600);
	assert_int_equal(sync_engine_open(&o, &e, err, sizeof err), BLIPPA_ERR_CONFIG);
	assert_non_null(strstr(err, "token file is empty"));
}

/* The thread, paused for 15 minutes after a 401, sends the queue within
 * moments of a new token file, without a restart. */
static void test_thread_new_token(void **state)
{
	struct sync_options o;
	struct sync_thread *t = NULL;
	struct store *st = NULL;
	struct store_rules rules;
	char url[64], err[256];
	int64_t deadline = clock_mono_ms() + 20000;
	(void)state;

	store_rules_default(&rules);
	assert_int_equal(store_open(tmpdir, &rules, &st, err, sizeof err), BLIPPA_OK);
	assert_int_equal(store_replace_roster(st, demo, err, sizeof err), BLIPPA_OK);
	checkins(st, 0, 3);
	token_rename("wrong-token\n", 0600);
	options(&o, url, sizeof url);
	o.token_check_ms = 20;
	assert_int_equal(sync_thread_start_opts(&o, NULL, &t, err, sizeof err), BLIPPA_OK);
	while (!status(st).unauthorised) {
		assert_true(clock_mono_ms() < deadline);
		struct timespec ts = {0, 2000000};
		nanosleep(&ts, NULL); /* a pause inside a poll with a deadline */
	}
	assert_int_equal(status(st).pending, 3);
	token_rename("test-token\n", 0600);
	/* pending counts the events; unauthorised is written when the round ends */
	while (status(st).pending > 0 || status(st).unauthorised) {
		assert_true(clock_mono_ms() < deadline);
		struct timespec ts = {0, 2000000};
		nanosleep(&ts, NULL);
	}
	assert_string_equal(status(st).last_error, "");
	sync_thread_stop(t);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_reread_and_keep, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_needs_a_token, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_thread_new_token, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
