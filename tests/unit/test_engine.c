/* SPDX-License-Identifier: MIT */
/* Tests for the sync engine's decisions against a scripted mock server
 * (tests/helpers/engine_mock.c: libmicrohttpd, plain HTTP on 127.0.0.1,
 * which the engine allows only on loopback): batching and 413 halving, a
 * poison event isolated by 400, per-event results (accepted/duplicate/
 * rejected), nothing marked on any error, pull despite a failed push,
 * Retry-After, 401 pause, ETag/304, a bad snapshot keeping the old roster,
 * the response cap, the lock, and the thread stopping fast mid-transfer; a
 * proxy answering 400 to everything marks nothing rejected, at most one
 * event per round is rejected on a 400, a damaged row is rejected locally,
 * and a kick after a network failure ends the backoff within
 * kick_backoff_max_ms. The real server is used by
 * tests/integration/test_sync.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "engine_mock.h"
#include "engine.h"
#include "protocol.h"
#include "store.h"
#include "sync.h"

/* The scripted mock server (tests/helpers/engine_mock.c). */
static struct engine_mock *const M = &engine_mock_state;

static char tmpdir[64];
static struct roster *demo;

static int setup(void **state)
{
	(void)state;
	demo = roster_make_demo(clock_wall_ms(), 1500);
	assert_non_null(demo);
	engine_mock_start(demo);
	snprintf(tmpdir, sizeof tmpdir, "/tmp/blippa-engine.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
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

static void options(struct sync_options *o, char *url, size_t urllen, const char *token)
{
	snprintf(url, urllen, "http://127.0.0.1:%d", M->port);
	memset(o, 0, sizeof *o);
	o->server_url = url;
	o->token = token;
	o->data_dir = tmpdir;
	o->backoff_base_ms = 1000;
	o->backoff_cap_ms = 8000;
	o->auth_pause_ms = 900000;
	o->interval_ms = 30000;
}

/* Records n check-ins (name, open training or session) for distinct
 * participants of the demo roster. */
static void checkins(struct store *st, size_t first, size_t n)
{
	struct checkin_result res;
	int64_t now = clock_wall_ms();
	assert_true(first + n <= demo->n_participants);
	for (size_t i = first; i < first + n; i++) {
		assert_int_equal(store_checkin_participant(st, demo->participants[i].id,
							   CHECKIN_NAME, NULL, now, &res),
				 BLIPPA_OK);
		assert_true(res.outcome == CHECKIN_OK || res.outcome == CHECKIN_OPEN_TRAINING);
	}
}

/* Yields briefly inside a poll-with-deadline loop (not a wait by itself). */
static void poll_pause(void)
{
	struct timespec ts = {0, 2000000};
	nanosleep(&ts, NULL);
}

static int64_t pending(struct store *st)
{
	struct store_sync_status s;
	assert_int_equal(store_get_sync_status(st, &s), BLIPPA_OK);
	return s.pending;
}

/* An engine on tmpdir whose store already holds the demo roster (as after
 * a first pull, without asking the server). */
static struct sync_engine *open_engine(const char *token)
{
	struct sync_options o;
	struct sync_engine *e = NULL;
	char url[64], err[256];
	options(&o, url, sizeof url, token);
	if (sync_engine_open(&o, &e, err, sizeof err) != BLIPPA_OK)
		fail_msg("engine: %s", err);
	if (store_replace_roster(sync_engine_store(e), demo, err, sizeof err) != BLIPPA_OK)
		fail_msg("roster: %s", err);
	return e;
}

/* First round: roster arrives; then events flow in batches. */
static void test_push_pull_batches(void **state)
{
	struct sync_engine *e = open_engine("test-token");
	struct sync_report rep;
	struct store_sync_status s;
	(void)state;

	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_true(rep.roster_updated); /* the demo roster has no ETag yet */
	assert_int_equal(M->gets, 1);
	checkins(sync_engine_store(e), 0, 1200);
	assert_int_equal(pending(sync_engine_store(e)), 1200);
	M->max_batch = 300; /* 500 -> 413 -> 250 */
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.sent, 1200);
	assert_int_equal(rep.accepted, 1200);
	assert_int_equal(rep.pending, 0);
	assert_false(rep.roster_updated); /* If-None-Match -> 304 */
	assert_int_equal(M->not_modified, 1);
	assert_int_equal(M->n_ids, 1200);
	assert_int_equal(M->posts, 1 + 5); /* one 413, then 5 batches of <= 250 */
	assert_int_equal(rep.next_delay_ms, 30000);
	assert_int_equal(store_get_sync_status(sync_engine_store(e), &s), BLIPPA_OK);
	assert_true(s.last_success_ms > 0);
	assert_string_equal(s.last_error, "");
	assert_true(s.server_reachable);
	assert_true(s.skew_ms > 4000 && s.skew_ms < 6000); /* mock runs 5 s ahead */
	sync_engine_close(e);
}

/* Server errors: nothing marked, pull still runs, backoff with jitter,
 * results for other ids refused, duplicates count as delivered. */
static void test_failures_mark_nothing(void **state)
{
	struct sync_engine *e = open_engine("test-token");
	struct sync_report rep;
	struct store_sync_status s;
	(void)state;

	checkins(sync_engine_store(e), 0, 10);
	M->fail_status[0] = 500;
	M->n_fail = 1;
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_SERVER);
	assert_int_equal(rep.push, BLIPPA_ERR_SERVER);
	assert_int_equal(rep.pull, BLIPPA_OK); /* a failed push never stops the pull */
	assert_true(rep.roster_updated);
	assert_int_equal(rep.pending, 10);
	assert_true(rep.next_delay_ms >= 0 && rep.next_delay_ms < 1000);
	assert_int_equal(store_get_sync_status(sync_engine_store(e), &s), BLIPPA_OK);
	assert_non_null(strstr(s.last_error, "HTTP 500"));

	/* the server got the batch but its answer names other events */
	M->wrong_ids = true;
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_PROTOCOL);
	assert_int_equal(rep.pending, 10);
	assert_true(rep.next_delay_ms < 2000); /* second failure: ceiling 2 s */
	M->wrong_ids = false;
	/* retry: the server already has them -> duplicate == delivered */
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.duplicate, 10);
	assert_int_equal(rep.pending, 0);

	/* 429 with Retry-After: honoured, pull skipped (no hammering) */
	checkins(sync_engine_store(e), 10, 1);
	M->fail_status[0] = 429;
	M->n_fail = 1;
	M->retry_after = 7;
	int gets = M->gets;
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_SERVER);
	assert_true(rep.next_delay_ms >= 7000);
	assert_int_equal(M->gets, gets);
	M->retry_after = 0;
	sync_engine_close(e);
}

/* 401: unauthorised status, one request only, a long pause. */
static void test_unauthorised(void **state)
{
	struct sync_engine *e = open_engine("wrong-token");
	struct sync_report rep;
	struct store_sync_status s;
	(void)state;

	checkins(sync_engine_store(e), 0, 3);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_AUTH);
	assert_int_equal(M->requests, 1);
	assert_int_equal(rep.next_delay_ms, 900000);
	assert_int_equal(rep.pending, 3);
	assert_int_equal(store_get_sync_status(sync_engine_store(e), &s), BLIPPA_OK);
	assert_true(s.unauthorised);
	sync_engine_close(e);
}

/* A rejected event is kept, shown, and never sent again; a poison event
 * (400 even alone) is isolated and does not block the others. */
static void test_rejected_and_poison(void **state)
{
	struct sync_engine *e = open_engine("test-token");
	struct event_record ev[20];
	struct store_rejected rej[4];
	struct sync_report rep;
	size_t n, nrej;
	(void)state;

	checkins(sync_engine_store(e), 0, 20);
	assert_int_equal(store_pending_events(sync_engine_store(e), ev, 20, &n), BLIPPA_OK);
	assert_int_equal(n, 20);
	memcpy(M->reject, ev[3].id, UUID_STR_LEN);
	memcpy(M->poison, ev[11].id, UUID_STR_LEN);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.pending, 0);
	assert_int_equal(rep.rejected, 2);
	assert_int_equal(M->n_ids, 18);
	assert_int_equal(store_rejected_events(sync_engine_store(e), rej, 4, &nrej), BLIPPA_OK);
	assert_int_equal(nrej, 2);
	bool saw_reason = false, saw_poison = false;
	for (size_t i = 0; i < nrej; i++) {
		if (strcmp(rej[i].event_id, ev[3].id) == 0)
			saw_reason = strcmp(rej[i].reason, "unknown session") == 0;
		if (strcmp(rej[i].event_id, ev[11].id) == 0)
			saw_poison = strstr(rej[i].reason, "refused by server") != NULL;
	}
	assert_true(saw_reason);
	assert_true(saw_poison);
	/* next round sends nothing */
	size_t before = M->events_received;
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.sent, 0);
	assert_int_equal(M->events_received, before);
	sync_engine_close(e);
}

/* A snapshot failing validation is rejected whole; the old roster stays;
 * a body over 32 MiB is refused. */
static void test_bad_and_huge_roster(void **state)
{
	struct sync_engine *e = open_engine("test-token");
	struct sync_report rep;
	char etag[80], id[64], name[160], tz[64];
	(void)state;

	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(store_roster_etag(sync_engine_store(e), etag, sizeof etag), BLIPPA_OK);
	assert_string_equal(etag, "etag-1");
	M->bad_roster = true;
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_PROTOCOL);
	assert_int_equal(rep.push, BLIPPA_OK);
	assert_non_null(strstr(rep.error, "rejected snapshot"));
	assert_int_equal(
	    store_facility(sync_engine_store(e), id, sizeof id, name, sizeof name, tz, sizeof tz),
	    BLIPPA_OK);
	assert_string_equal(id, demo->facility.id);
	M->bad_roster = false;
	M->huge_roster = true;
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_PROTOCOL);
	assert_non_null(strstr(rep.error, "larger than the limit"));
	M->huge_roster = false;
	sync_engine_close(e);
}

static void test_lock(void **state)
{
	struct sync_engine *e = open_engine("test-token");
	struct sync_report rep;
	int fd;
	(void)state;

	assert_int_equal(sync_lock_acquire(tmpdir, 0, &fd), BLIPPA_OK);
	assert_int_equal(sync_engine_round(e, 50, &rep), BLIPPA_ERR_BUSY);
	assert_int_equal(M->requests, 0);
	sync_lock_release(fd);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	sync_engine_close(e);
}

static atomic_int callbacks;
static void on_status(void *user, const struct store_sync_status *s)
{
	(void)user;
	(void)s;
	atomic_fetch_add(&callbacks, 1);
}

/* The thread syncs, reports, wakes on a kick, and stops within a second
 * while a request hangs on the server. */
static void test_thread_kick_and_fast_stop(void **state)
{
	struct sync_options o;
	struct sync_thread *t = NULL;
	struct sync_callbacks cb = {.status_changed = on_status};
	struct store *st = NULL;
	struct store_rules rules;
	char url[64], err[256];
	(void)state;

	options(&o, url, sizeof url, "test-token");
	atomic_store(&callbacks, 0);
	assert_int_equal(sync_thread_start_opts(&o, &cb, &t, err, sizeof err), BLIPPA_OK);
	int64_t deadline = clock_mono_ms() + 10000;
	while (atomic_load(&callbacks) < 1) {
		assert_true(clock_mono_ms() < deadline);
		poll_pause();
	}
	store_rules_default(&rules);
	assert_int_equal(store_open(tmpdir, &rules, &st, err, sizeof err), BLIPPA_OK);
	checkins(st, 0, 5);
	sync_thread_kick(t);
	while (pending(st) > 0) {
		assert_true(clock_mono_ms() < deadline);
		poll_pause();
	}
	assert_int_equal(M->n_ids, 5);

	/* park the server; kick; stop must not wait for it */
	pthread_mutex_lock(&M->mu);
	M->hold = true;
	int req = M->requests;
	pthread_mutex_unlock(&M->mu);
	checkins(st, 5, 1);
	sync_thread_kick(t);
	for (;;) {
		pthread_mutex_lock(&M->mu);
		bool parked = M->requests > req;
		pthread_mutex_unlock(&M->mu);
		if (parked)
			break;
		assert_true(clock_mono_ms() < deadline);
		poll_pause();
	}
	int64_t t0 = clock_mono_ms();
	sync_thread_stop(t);
	int64_t took = clock_mono_ms() - t0;
	assert_true(took < 1000);
	assert_int_equal(pending(st), 1); /* nothing marked */
	pthread_mutex_lock(&M->mu);
	M->hold = false;
	pthread_cond_broadcast(&M->cv);
	pthread_mutex_unlock(&M->mu);
	store_close(st);
}

/* Changes a script flag the mock's threads read under M->mu. */
static void mock_set(bool *flag, bool v)
{
	pthread_mutex_lock(&M->mu);
	*flag = v;
	pthread_mutex_unlock(&M->mu);
}

static int64_t rejected_count(struct store *st)
{
	struct store_sync_status s;
	assert_int_equal(store_get_sync_status(st, &s), BLIPPA_OK);
	return s.rejected;
}

/* A proxy/WAF/load balancer answering 400 to everything (HTML, no
 * Blippa-Protocol header) is not "one bad event": nothing is marked
 * rejected, no halving, backoff, and the status says what is wrong. A Blippa
 * server's 400 that names no event ("malformed JSON") marks nothing either. */
static void test_foreign_400_marks_nothing(void **state)
{
	struct sync_engine *e = open_engine("test-token");
	struct sync_report rep;
	struct store_sync_status s;
	(void)state;

	checkins(sync_engine_store(e), 0, 30);
	mock_set(&M->foreign400, true);
	for (int round = 1; round <= 3; round++) {
		assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_PROTOCOL);
		assert_int_equal(rep.push, BLIPPA_ERR_PROTOCOL);
		assert_int_equal(rep.sent, 0);
		assert_int_equal(rep.rejected, 0);
		assert_int_equal(rep.pending, 30);
		assert_int_equal(M->posts, round);	 /* one POST a round: no halving */
		assert_true(rep.next_delay_ms < 8000);	 /* backoff, not the interval */
		assert_int_equal(rep.kick_delay_ms, -1); /* the server answered */
	}
	assert_int_equal(rejected_count(sync_engine_store(e)), 0);
	assert_int_equal(store_get_sync_status(sync_engine_store(e), &s), BLIPPA_OK);
	assert_non_null(strstr(s.last_error, "server answered 400 (not a Blippa server? "
					     "check the URL or proxy)"));
	mock_set(&M->foreign400, false);

	mock_set(&M->malformed400, true);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_PROTOCOL);
	assert_int_equal(rep.rejected, 0);
	assert_int_equal(rep.pending, 30);
	assert_non_null(strstr(rep.error, "malformed JSON"));
	mock_set(&M->malformed400, false);

	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.accepted, 30);
	assert_int_equal(rep.pending, 0);
	assert_int_equal(rejected_count(sync_engine_store(e)), 0);
	sync_engine_close(e);
}

/* At most one event per round is marked rejected on a 400: the second poison
 * event waits for the next round. */
static void test_one_poison_per_round(void **state)
{
	struct sync_engine *e = open_engine("test-token");
	struct event_record ev[20];
	struct sync_report rep;
	size_t n;
	(void)state;

	checkins(sync_engine_store(e), 0, 20);
	assert_int_equal(store_pending_events(sync_engine_store(e), ev, 20, &n), BLIPPA_OK);
	assert_int_equal(n, 20);
	memcpy(M->poison, ev[5].id, UUID_STR_LEN);
	memcpy(M->poison2, ev[12].id, UUID_STR_LEN);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_PROTOCOL);
	assert_int_equal(rep.rejected, 1);
	assert_true(rep.pending > 0);
	assert_int_equal(rejected_count(sync_engine_store(e)), 1);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.rejected, 1);
	assert_int_equal(rep.pending, 0);
	assert_int_equal(rejected_count(sync_engine_store(e)), 2);
	assert_int_equal(M->n_ids, 18);
	sync_engine_close(e);
}

/* A damaged row (method = 7) cannot be encoded: it is rejected locally and
 * the rest of the queue still goes out. */
static void test_unencodable_row(void **state)
{
	struct sync_engine *e = open_engine("test-token");
	struct event_record ev[5];
	struct store_rejected rej[2];
	struct sync_report rep;
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	char path[128];
	size_t n, nrej;
	(void)state;

	checkins(sync_engine_store(e), 0, 5);
	assert_int_equal(store_pending_events(sync_engine_store(e), ev, 5, &n), BLIPPA_OK);
	assert_int_equal(n, 5);
	snprintf(path, sizeof path, "%s/blippa.db", tmpdir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(
	    sqlite3_prepare_v2(db, "UPDATE events SET method = 7 WHERE id = ?", -1, &q, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(q, 1, ev[2].id, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_close(db);

	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.rejected, 1);
	assert_int_equal(rep.accepted, 4);
	assert_int_equal(rep.pending, 0);
	assert_int_equal(M->n_ids, 4);
	assert_int_equal(store_rejected_events(sync_engine_store(e), rej, 2, &nrej), BLIPPA_OK);
	assert_int_equal(nrej, 1);
	assert_string_equal(rej[0].event_id, ev[2].id);
	assert_non_null(strstr(rej[0].reason, "cannot be encoded"));
	sync_engine_close(e);
}

/* After a round that could not reach the server, new events (a kick) run the
 * next round within kick_backoff_max_ms, not after the whole backoff; after
 * an answer that asked us to wait (5xx) kicks still wait. */
static void test_kick_after_network_failure(void **state)
{
	struct sync_options o;
	struct sync_thread *t = NULL;
	struct sync_callbacks cb = {.status_changed = on_status};
	struct sync_engine *e = NULL;
	struct sync_report rep;
	struct store *st = NULL;
	struct store_rules rules;
	char url[64], err[256];
	(void)state;

	options(&o, url, sizeof url, "test-token");
	o.backoff_base_ms = 600000; /* a backoff far longer than the test */
	o.backoff_cap_ms = 600000;
	o.kick_backoff_max_ms = 200;

	/* the engine's advice */
	assert_int_equal(sync_engine_open(&o, &e, err, sizeof err), BLIPPA_OK);
	mock_set(&M->drop, true);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_NETWORK);
	assert_true(rep.kick_delay_ms >= 0 && rep.kick_delay_ms <= 200);
	mock_set(&M->drop, false);
	M->fail_status[0] = 503;
	M->n_fail = 1;
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_SERVER);
	assert_int_equal(rep.kick_delay_ms, -1);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.kick_delay_ms, 0);
	sync_engine_close(e);

	/* the thread follows it */
	mock_set(&M->drop, true);
	atomic_store(&callbacks, 0);
	assert_int_equal(sync_thread_start_opts(&o, &cb, &t, err, sizeof err), BLIPPA_OK);
	int64_t deadline = clock_mono_ms() + 10000;
	while (atomic_load(&callbacks) < 1) {
		assert_true(clock_mono_ms() < deadline);
		poll_pause();
	}
	store_rules_default(&rules);
	assert_int_equal(store_open(tmpdir, &rules, &st, err, sizeof err), BLIPPA_OK);
	assert_int_equal(store_replace_roster(st, demo, err, sizeof err), BLIPPA_OK);
	checkins(st, 0, 3);
	mock_set(&M->drop, false); /* the server is back */
	sync_thread_kick(t);
	while (pending(st) > 0) {
		assert_true(clock_mono_ms() < deadline);
		poll_pause();
	}
	assert_int_equal(M->n_ids, 3);
	sync_thread_stop(t);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_push_pull_batches, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failures_mark_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unauthorised, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rejected_and_poison, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_and_huge_roster, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_thread_kick_and_fast_stop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_foreign_400_marks_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_one_poison_per_round, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unencodable_row, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kick_after_network_failure, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
