/* SPDX-License-Identifier: MIT */
/* The sync engine against the REAL blippa-server over HTTPS on 127.0.0.1
 * with a CA made at test time (tests/helpers/make-test-ca.sh; fixture and
 * helpers in tests/helpers/sync_testutil.c):
 *  - an unchanged roster answers 304;
 *  - a wrong CA (and the system store alone) fails with a TLS error and
 *    marks nothing synced;
 *  - the real server's 400 for a malformed event isolates just that event;
 *  - retention: synced events older than retention_days are purged;
 *  - faults: 10,000 check-ins on 3 kiosks (3 store files, 3 facilities)
 *    synced concurrently through tests/helpers/faultproxy with random faults
 *    (drops before/after the server processed a batch, cuts, 500, 429,
 *    garbage, delays) -> the server holds exactly those 10,000 events.
 * The tests that run the blippa-sync program are in test_sync_cli.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "engine.h"
#include "store.h"
#include "sync_testutil.h"
#include "tz.h"

#define FAULT_KIOSKS 3
#define FAULT_DAYS 10
#define FAULT_TOTAL 10000

/* ------------------------------------------------------------ tests */

/* Unchanged roster: 304, nothing rewritten. */
static void test_roster_not_modified(void **state)
{
	char dir[128], ini[192];
	struct sync_report rep;
	(void)state;
	stu_make_kiosk("k-304", stu.token_a, stu.ca, stu.srv.port, dir, sizeof dir, ini,
		       sizeof ini);
	struct sync_engine *e = stu_engine_for(dir, stu.token_a, stu.ca, stu.srv.port);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_true(rep.roster_updated);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_false(rep.roster_updated);
	assert_int_equal(rep.pull, BLIPPA_OK);
	sync_engine_close(e);
}

/* The server's certificate is signed by a CA the kiosk does not trust. */
static void test_wrong_ca(void **state)
{
	char dir[128], ini[192], other[192];
	struct sync_report rep;
	struct checkin_result res;
	struct store_sync_status s;
	(void)state;
	snprintf(other, sizeof other, "%s/other-ca.pem", stu.pki);
	stu_make_kiosk("k-ca", stu.token_a, stu.ca, stu.srv.port, dir, sizeof dir, ini, sizeof ini);
	struct sync_engine *e = stu_engine_for(dir, stu.token_a, stu.ca, stu.srv.port);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK); /* roster in */
	assert_int_equal(store_checkin_participant(sync_engine_store(e), "P3", CHECKIN_NAME, NULL,
						   clock_wall_ms(), &res),
			 BLIPPA_OK);
	sync_engine_close(e);

	const char *cas[] = {other, ""}; /* wrong extra CA; system store only */
	for (size_t i = 0; i < 2; i++) {
		e = stu_engine_for(dir, stu.token_a, cas[i], stu.srv.port);
		assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_TLS);
		assert_int_equal(rep.push, BLIPPA_ERR_TLS);
		assert_int_equal(rep.pull, BLIPPA_ERR_TLS);
		assert_int_equal(rep.sent, 0);
		assert_int_equal(rep.pending, 1);
		assert_int_equal(store_get_sync_status(sync_engine_store(e), &s), BLIPPA_OK);
		assert_non_null(strstr(s.last_error, "certificate"));
		assert_false(s.server_reachable);
		sync_engine_close(e);
	}
}

/* The real server's 400 for a malformed event carries Blippa-Protocol and
 * names the event (the contract the kiosk relies on): the event is isolated
 * and rejected locally, the others delivered. Damaged via sqlite3: a
 * negative time (encodable, but out of range for the server's decoder). */
static void test_poison_real_server(void **state)
{
	char dir[128], ini[192], db[192], q[256];
	struct sync_report rep;
	struct checkin_result res[3];
	struct store_rejected rej[2];
	size_t n;
	sqlite3 *h = NULL;
	(void)state;

	stu_make_kiosk("k-poison", stu.token_a, stu.ca, stu.srv.port, dir, sizeof dir, ini,
		       sizeof ini);
	struct sync_engine *e = stu_engine_for(dir, stu.token_a, stu.ca, stu.srv.port);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK); /* roster in */
	const char *who[] = {"P1", "P2", "P4"};
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(store_checkin_participant(sync_engine_store(e), who[i],
							   CHECKIN_NAME, NULL, clock_wall_ms(),
							   &res[i]),
				 BLIPPA_OK);
	snprintf(db, sizeof db, "%s/blippa.db", dir);
	snprintf(q, sizeof q, "UPDATE events SET at_ms = -5 WHERE id = '%s'", res[1].event_id);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	assert_int_equal(sqlite3_exec(h, q, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_changes(h), 1);
	sqlite3_close(h);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.rejected, 1);
	assert_int_equal(rep.accepted + rep.duplicate, 2);
	assert_int_equal(rep.pending, 0);
	assert_int_equal(store_rejected_events(sync_engine_store(e), rej, 2, &n), BLIPPA_OK);
	assert_int_equal(n, 1);
	assert_string_equal(rej[0].event_id, res[1].event_id);
	assert_non_null(strstr(rej[0].reason, "refused by server"));
	assert_non_null(strstr(rej[0].reason, "events[0].at"));
	sync_engine_close(e);
}

/* Retention (docs/sync.md): after a round that pushed, synced events older than
 * retention_days are deleted from the kiosk; recent ones and pending ones
 * stay. */
static void test_retention_purge(void **state)
{
	char dir[128], ini[192], db[192];
	struct sync_report rep;
	struct checkin_result old_res, new_res;
	int64_t now = clock_wall_ms();
	(void)state;

	stu_make_kiosk("k-ret", stu.token_a, stu.ca, stu.srv.port, dir, sizeof dir, ini,
		       sizeof ini);
	snprintf(db, sizeof db, "%s/blippa.db", dir);
	struct sync_engine *e = stu_engine_for(dir, stu.token_a, stu.ca, stu.srv.port);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK); /* roster in */
	/* an open-training visit 120 days ago (older than the default 90) and
	 * one today */
	assert_int_equal(store_checkin_participant(sync_engine_store(e), "P1", CHECKIN_LEADER, NULL,
						   now - 120LL * 86400000, &old_res),
			 BLIPPA_OK);
	assert_int_equal(old_res.outcome, CHECKIN_OPEN_TRAINING);
	assert_int_equal(store_checkin_participant(sync_engine_store(e), "P2", CHECKIN_NAME, NULL,
						   now, &new_res),
			 BLIPPA_OK);
	assert_int_equal(stu_sql_count(db, "SELECT count(*) FROM events"), 2);
	/* the purge runs at most hourly per engine: a fresh one purges at once */
	sync_engine_close(e);
	e = stu_engine_for(dir, stu.token_a, stu.ca, stu.srv.port);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.accepted, 2);
	assert_int_equal(stu_sql_count(db, "SELECT count(*) FROM events"), 1);
	char q[160];
	snprintf(q, sizeof q, "SELECT count(*) FROM events WHERE id = '%s'", new_res.event_id);
	assert_int_equal(stu_sql_count(db, q), 1);
	sync_engine_close(e);
}

/* ------------------------------------------------------------ faults */

struct fault_kiosk {
	char dir[128];
	char token[80];
	char facility[8];
	int proxy_port;
	size_t first, count; /* participants [first, first+count) of the run */
	char days[FAULT_DAYS][11];
	size_t duplicates, rounds;
	enum blippa_err last;
};

/* Records count x FAULT_DAYS check-ins, then syncs until nothing is
 * pending (rounds back to back: the backoff delay is the thread's job). */
static void *fault_kiosk_run(void *arg)
{
	struct fault_kiosk *k = arg;
	struct sync_report rep;
	struct checkin_result res;
	char url[64], err[256], pid[70], when[20], fname[140], ftz[70];
	struct sync_options o = {0};
	struct sync_engine *e = NULL;

	snprintf(url, sizeof url, "https://127.0.0.1:%d", k->proxy_port);
	o.server_url = url;
	o.token = k->token;
	o.ca_file = stu.ca;
	o.data_dir = k->dir;
	o.low_speed_time_s = 5;
	if (sync_engine_open(&o, &e, err, sizeof err) != BLIPPA_OK) {
		k->last = BLIPPA_ERR_CONFIG;
		return NULL;
	}
	/* the roster first (faults may hit it too) */
	for (int i = 0; i < 50; i++) {
		sync_engine_round(e, 0, &rep);
		if (rep.pull == BLIPPA_OK &&
		    store_facility(sync_engine_store(e), pid, sizeof pid, fname, sizeof fname, ftz,
				   sizeof ftz) == BLIPPA_OK &&
		    pid[0])
			break;
	}
	for (int d = 0; d < FAULT_DAYS; d++) {
		int64_t at;
		snprintf(when, sizeof when, "%s 10:05", k->days[d]);
		if (tz_local_to_utc_ms(ZONE, when, &at) != BLIPPA_OK)
			goto out;
		for (size_t i = k->first; i < k->first + k->count; i++) {
			snprintf(pid, sizeof pid, "P%zu", i);
			if (store_checkin_participant(sync_engine_store(e), pid, CHECKIN_NAME, NULL,
						      at, &res) != BLIPPA_OK ||
			    res.outcome != CHECKIN_OK) {
				k->last = BLIPPA_ERR_INVALID;
				goto out;
			}
		}
	}
	for (k->rounds = 0; k->rounds < 400; k->rounds++) {
		k->last = sync_engine_round(e, 0, &rep);
		k->duplicates += rep.duplicate;
		if (rep.push == BLIPPA_OK && rep.pending == 0)
			break;
	}
	k->last = rep.pending == 0 ? BLIPPA_OK : k->last;
out:
	sync_engine_close(e);
	return NULL;
}

static void test_faults_10k(void **state)
{
	struct fault_kiosk k[FAULT_KIOSKS];
	struct stu_server fsrv = {0};
	char dir[192], path[256], db[192], *text, pf[192], up[32], ctl[192];
	size_t cap = 1 << 20, o = 0;
	int64_t now = clock_wall_ms();
	pid_t proxy;
	(void)state;

	memset(k, 0, sizeof k);
	/* participants P0..P999 split 334/333/333 over facilities F1..F3 */
	size_t per[FAULT_KIOSKS] = {334, 333, 333}, first = 0;
	for (int i = 0; i < FAULT_KIOSKS; i++) {
		k[i].first = first;
		k[i].count = per[i];
		first += per[i];
		snprintf(k[i].facility, sizeof k[i].facility, "F%d", i + 1);
		for (int d = 0; d < FAULT_DAYS; d++)
			stu_local(now - (int64_t)(FAULT_DAYS - d) * 86400000, k[i].days[d], up);
	}
	assert_int_equal(first * FAULT_DAYS, FAULT_TOTAL);
	char pstart[11], pend[11];
	stu_local(now - 40LL * 86400000, pstart, up);
	stu_local(now + 40LL * 86400000, pend, up);

	snprintf(dir, sizeof dir, "%s/fault-roster", stu.base);
	assert_int_equal(mkdir(dir, 0700), 0);
	text = malloc(cap);
	assert_non_null(text);
#define EMIT(...) (o += (size_t)snprintf(text + o, cap - o, __VA_ARGS__))
#define FLUSH(name)                                                                                \
	do {                                                                                       \
		snprintf(path, sizeof path, "%s/" name, dir);                                      \
		stu_write_file(path, text, 0600);                                                  \
		o = 0;                                                                             \
	} while (0)
	EMIT("facility_id,name,timezone\n");
	for (int i = 0; i < FAULT_KIOSKS; i++)
		EMIT("F%d,Förening %d," ZONE "\n", i + 1, i + 1);
	FLUSH("facilities.csv");
	EMIT("group_id,facility_id,name,period_start,period_end\n");
	for (int i = 0; i < FAULT_KIOSKS; i++)
		EMIT("G%d,F%d,Grupp %d,%s,%s\n", i + 1, i + 1, i + 1, pstart, pend);
	FLUSH("groups.csv");
	EMIT("session_id,group_id,start,end\n");
	for (int i = 0; i < FAULT_KIOSKS; i++)
		for (int d = 0; d < FAULT_DAYS; d++)
			EMIT("S%d-%d,G%d,%s 10:00,%s 11:00\n", i + 1, d, i + 1, k[i].days[d],
			     k[i].days[d]);
	FLUSH("sessions.csv");
	EMIT("participant_id,given_name,family_name,card_uid\n");
	for (size_t p = 0; p < first; p++)
		EMIT("P%zu,Namn%zu,Efternamn,\n", p, p);
	FLUSH("participants.csv");
	EMIT("group_id,participant_id\n");
	for (int i = 0; i < FAULT_KIOSKS; i++)
		for (size_t p = k[i].first; p < k[i].first + k[i].count; p++)
			EMIT("G%d,P%zu\n", i + 1, p);
	FLUSH("members.csv");
	EMIT("leader_id,facility_id,name,card_uid\n");
	FLUSH("leaders.csv");
	free(text);

	snprintf(db, sizeof db, "%s/fault-server.db", stu.base);
	char *init[] = {BLIPPA_SERVER_EXE, "init", "--db", db, NULL};
	stu_run_ok(init, NULL);
	char *imp[] = {BLIPPA_SERVER_EXE, "import", "--db", db, dir, NULL};
	stu_run_ok(imp, NULL);
	for (int i = 0; i < FAULT_KIOSKS; i++) {
		char name[16], *out = NULL;
		snprintf(name, sizeof name, "K%d", i + 1);
		char *add[] = {BLIPPA_SERVER_EXE, "add-kiosk", "--db", db,  "--facility",
			       k[i].facility,	  "--name",    name,   NULL};
		stu_run_ok(add, &out);
		snprintf(k[i].token, sizeof k[i].token, "%.*s", (int)strcspn(out, "\n"), out);
		free(out);
		snprintf(k[i].dir, sizeof k[i].dir, "%s/fk%d", stu.base, i + 1);
		assert_int_equal(mkdir(k[i].dir, 0700), 0);
	}
	/* the server speaks plain HTTP on loopback behind the TLS-terminating
	 * proxy, which holds the test CA's server certificate */
	stu_server_start(&fsrv, db, false);
	snprintf(pf, sizeof pf, "%s/proxy.port", stu.base);
	snprintf(ctl, sizeof ctl, "%s/proxy.log", stu.base);
	snprintf(up, sizeof up, "127.0.0.1:%d", fsrv.port);
	char cert[192], key[192];
	snprintf(cert, sizeof cert, "%s/server.pem", stu.pki);
	snprintf(key, sizeof key, "%s/server-key.pem", stu.pki);
	proxy = fork();
	assert_true(proxy >= 0);
	if (proxy == 0) {
		/* a scripted fault of every kind on the event batches first (the
		 * server processes some batches whose answers are lost: the
		 * retries must come back duplicate), then 30% random faults on
		 * every request */
		execl(FAULTPROXY_EXE, "faultproxy", "--listen", "127.0.0.1:0", "--upstream", up,
		      "--cert", cert, "--key", key, "--port-file", pf, "--log", ctl, "--script",
		      "drop_response@/v1/events,drop_response@/v1/events,cut@/v1/events,"
		      "drop_request@/v1/events,500@/v1/events,429:0@/v1/events,"
		      "garbage@/v1/events,delay:50@/v1/events,drop_response@/v1/events",
		      "--random", "30", "--seed", "42", (char *)NULL);
		_exit(127);
	}
	int64_t deadline = clock_mono_ms() + 10000;
	FILE *f;
	while (!(f = fopen(pf, "r"))) {
		assert_true(clock_mono_ms() < deadline);
		struct timespec ts = {0, 5000000};
		nanosleep(&ts, NULL);
	}
	int pport = 0;
	assert_int_equal(fscanf(f, "%d", &pport), 1);
	fclose(f);

	pthread_t th[FAULT_KIOSKS];
	for (int i = 0; i < FAULT_KIOSKS; i++) {
		k[i].proxy_port = pport;
		assert_int_equal(pthread_create(&th[i], NULL, fault_kiosk_run, &k[i]), 0);
	}
	size_t dups = 0;
	for (int i = 0; i < FAULT_KIOSKS; i++) {
		pthread_join(th[i], NULL);
		print_message("kiosk %d: %zu rounds, %zu duplicates, last %d\n", i + 1, k[i].rounds,
			      k[i].duplicates, k[i].last);
		assert_int_equal(k[i].last, BLIPPA_OK);
		dups += k[i].duplicates;
	}
	kill(proxy, SIGTERM);
	waitpid(proxy, NULL, 0);
	/* what the proxy did: one line per request "N MODE METHOD PATH" */
	{
		static const char *const modes[] = {"pass",  "drop_request", "drop_response",
						    "delay", "cut",	     "500",
						    "429",   "garbage"};
		size_t cnt[8] = {0}, faults = 0, posts_dropped_after = 0;
		char line[512];
		f = fopen(ctl, "r");
		assert_non_null(f);
		while (fgets(line, sizeof line, f)) {
			char mode[32] = "", method[16] = "", path2[128] = "";
			if (sscanf(line, "%*s %31s %15s %127s", mode, method, path2) != 3)
				continue;
			for (size_t m = 0; m < 8; m++)
				if (strcmp(mode, modes[m]) == 0)
					cnt[m]++;
			if (strcmp(mode, "drop_response") == 0 && strcmp(path2, "/v1/events") == 0)
				posts_dropped_after++;
		}
		fclose(f);
		for (size_t m = 1; m < 8; m++)
			faults += cnt[m];
		print_message("proxy: %zu requests passed, %zu faulted (drop_request %zu, "
			      "drop_response %zu [%zu on event batches], delay %zu, cut %zu, "
			      "500 %zu, 429 %zu, garbage %zu)\n",
			      cnt[0], faults, cnt[1], cnt[2], posts_dropped_after, cnt[3], cnt[4],
			      cnt[5], cnt[6], cnt[7]);
		assert_true(faults >= 8);
		assert_true(posts_dropped_after >= 3);
	}
	stu_server_stop(&fsrv);
	assert_true(dups > 0); /* lost answers really happened and were absorbed */

	/* exactly the 10,000 events, each once, each from the right kiosk */
	assert_int_equal(stu_sql_count(db, "SELECT COUNT(*) FROM events"), FAULT_TOTAL);
	assert_int_equal(stu_sql_count(db, "SELECT COUNT(DISTINCT id) FROM events"), FAULT_TOTAL);
	for (int i = 0; i < FAULT_KIOSKS; i++) {
		char kdb[256];
		snprintf(kdb, sizeof kdb, "%.200s/blippa.db", k[i].dir);
		assert_int_equal(stu_sql_count(kdb, "SELECT COUNT(*) FROM events WHERE sync = 1"),
				 (int64_t)(k[i].count * FAULT_DAYS));
	}
	char *exp[] = {BLIPPA_SERVER_EXE, "export", "--db", db, NULL};
	char *out = NULL;
	stu_run_ok(exp, &out);
	size_t present = 0;
	for (char *p = out; (p = strstr(p, ",present,")); p++)
		present++;
	free(out);
	assert_int_equal(present, FAULT_TOTAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roster_not_modified), cmocka_unit_test(test_wrong_ca),
	    cmocka_unit_test(test_retention_purge),	cmocka_unit_test(test_poison_real_server),
	    cmocka_unit_test(test_faults_10k),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, stu_setup, stu_teardown);
}
