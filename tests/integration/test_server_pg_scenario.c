/* SPDX-License-Identifier: MIT */
/* Region-scale scenario (issue 8): THREE blippa-server processes on one
 * throwaway PostgreSQL 15 database (BLIPPA_PG_URI, tests/helpers/
 * pg_harness.sh), each behind its own tests/helpers/faultproxy (TLS with a
 * CA made at test time, scripted + 25 % random faults: drops before and
 * after the server processed a batch, cuts, 500, 429, garbage, delays).
 * FIVE kiosks (five facilities, real kiosk stores, the real sync engine)
 * record 20,000 check-ins and sync concurrently; every round a kiosk talks
 * to the next proxy, so a batch whose answer was lost at one process is
 * retried at another; and one server process is killed (-9) mid-sync and
 * restarted. Then PostgreSQL holds exactly 20,000 events, each id once,
 * every kiosk has all its events marked synced, and the export shows 20,000
 * present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <libpq-fe.h>
#include <poll.h>
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
#include "srv_testutil.h"
#include "store.h"
#include "tz.h"

#define ZONE "Europe/Stockholm"
#define N_SRV 3
#define N_KIOSK 5
#define DAYS 10
#define PER_KIOSK 400 /* participants per facility: 5 x 400 x 10 days = 20,000 */
#define TOTAL (N_KIOSK * PER_KIOSK * DAYS)

struct kiosk {
	int n;
	char dir[160];
	char token[80];
	char days[DAYS][11];
	size_t duplicates, rounds;
	enum blippa_err last;
};

static char base[64], pki[128];
static const char *uri;
static int proxy_port[N_SRV];

/* Runs argv; stdout into *out (malloc'd) if out; fails the test on exit != 0. */
static void run_ok(char *const argv[], char **out)
{
	int po[2];
	assert_int_equal(pipe(po), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(po[1], 1);
		close(po[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(po[1]);
	char *buf = calloc(1, 1);
	size_t len = 0;
	char tmp[4096];
	ssize_t r;
	while ((r = read(po[0], tmp, sizeof tmp)) > 0) {
		buf = realloc(buf, len + (size_t)r + 1);
		memcpy(buf + len, tmp, (size_t)r);
		len += (size_t)r;
		buf[len] = '\0';
	}
	close(po[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s %s failed", argv[0], argv[1]);
	if (out)
		*out = buf;
	else
		free(buf);
}

/* Starts a child, its stdout to a pipe whose first line is returned. */
static pid_t spawn_line(char *const argv[], char *line, size_t len)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	size_t n = 0;
	struct pollfd pf = {p[0], POLLIN, 0};
	line[0] = '\0';
	while (!memchr(line, '\n', n)) {
		assert_true(poll(&pf, 1, 20000) > 0);
		ssize_t r = read(p[0], line + n, len - 1 - n);
		assert_true(r > 0);
		n += (size_t)r;
		line[n] = '\0';
	}
	close(p[0]);
	return pid;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	chmod(path, 0600);
}

static int64_t kiosk_synced(const struct kiosk *k)
{
	char db[256];
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;
	int64_t n = -1;
	snprintf(db, sizeof db, "%s/blippa.db", k->dir);
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	assert_int_equal(
	    sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM events WHERE sync = 1", -1, &s, NULL),
	    SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return n;
}

/* One round of kiosk k through proxy p. */
static enum blippa_err kiosk_round(struct kiosk *k, int p, struct sync_report *rep,
				   struct sync_engine **keep)
{
	char url[64], ca[192], err[256];
	struct sync_options o = {0};
	struct sync_engine *e = NULL;
	snprintf(url, sizeof url, "https://127.0.0.1:%d", proxy_port[p]);
	snprintf(ca, sizeof ca, "%s/ca.pem", pki);
	o.server_url = url;
	o.token = k->token;
	o.ca_file = ca;
	o.data_dir = k->dir;
	o.low_speed_time_s = 5;
	memset(rep, 0, sizeof(*rep));
	if (sync_engine_open(&o, &e, err, sizeof err) != BLIPPA_OK)
		return BLIPPA_ERR_CONFIG;
	enum blippa_err rc = sync_engine_round(e, 0, rep);
	if (keep)
		*keep = e;
	else
		sync_engine_close(e);
	return rc;
}

static void *kiosk_run(void *arg)
{
	struct kiosk *k = arg;
	struct sync_report rep;
	struct checkin_result res;
	struct sync_engine *e = NULL;
	char fid[70], fname[140], ftz[70], pid[32], when[20];
	int r = 0;
	k->last = BLIPPA_ERR_NETWORK;
	/* the roster first (faults may hit it too) */
	for (;; r++) {
		if (r >= 100)
			return NULL;
		kiosk_round(k, (k->n + r) % N_SRV, &rep, &e);
		if (rep.pull == BLIPPA_OK &&
		    store_facility(sync_engine_store(e), fid, sizeof fid, fname, sizeof fname, ftz,
				   sizeof ftz) == BLIPPA_OK &&
		    fid[0])
			break;
		sync_engine_close(e);
		e = NULL;
	}
	for (int d = 0; d < DAYS; d++) {
		int64_t at;
		snprintf(when, sizeof when, "%s 10:05", k->days[d]);
		if (tz_local_to_utc_ms(ZONE, when, &at) != BLIPPA_OK)
			goto out;
		for (int i = 0; i < PER_KIOSK; i++) {
			snprintf(pid, sizeof pid, "P%d-%d", k->n, i);
			if (store_checkin_participant(sync_engine_store(e), pid, CHECKIN_NAME, NULL,
						      at, &res) != BLIPPA_OK ||
			    res.outcome != CHECKIN_OK) {
				k->last = BLIPPA_ERR_INVALID;
				goto out;
			}
		}
	}
	sync_engine_close(e);
	e = NULL;
	for (k->rounds = 0; k->rounds < 400; k->rounds++, r++) {
		k->last = kiosk_round(k, (k->n + r) % N_SRV, &rep, NULL);
		k->duplicates += rep.duplicate;
		if (rep.push == BLIPPA_OK && rep.pending == 0)
			break;
	}
	k->last = rep.pending == 0 ? BLIPPA_OK : k->last;
out:
	sync_engine_close(e);
	return NULL;
}

static void make_roster(const char *dir, struct kiosk *k)
{
	size_t cap = 1 << 20, o = 0;
	char *t = malloc(cap), path[256], ps[11], pe[11], hm[6];
	int64_t now = clock_wall_ms();
	assert_int_equal(tz_utc_ms_to_local(ZONE, now - 40LL * 86400000, ps, hm), BLIPPA_OK);
	assert_int_equal(tz_utc_ms_to_local(ZONE, now + 40LL * 86400000, pe, hm), BLIPPA_OK);
#define EMIT(...) (o += (size_t)snprintf(t + o, cap - o, __VA_ARGS__))
#define FLUSH(name)                                                                                \
	do {                                                                                       \
		snprintf(path, sizeof path, "%s/" name, dir);                                      \
		write_file(path, t);                                                               \
		o = 0;                                                                             \
	} while (0)
	EMIT("facility_id,name,timezone\n");
	for (int i = 0; i < N_KIOSK; i++)
		EMIT("F%d,Förening %d," ZONE "\n", i, i);
	FLUSH("facilities.csv");
	EMIT("group_id,facility_id,name,period_start,period_end\n");
	for (int i = 0; i < N_KIOSK; i++)
		EMIT("G%d,F%d,Grupp %d,%s,%s\n", i, i, i, ps, pe);
	FLUSH("groups.csv");
	EMIT("session_id,group_id,start,end\n");
	for (int i = 0; i < N_KIOSK; i++)
		for (int d = 0; d < DAYS; d++)
			EMIT("S%d-%d,G%d,%s 10:00,%s 11:00\n", i, d, i, k[i].days[d], k[i].days[d]);
	FLUSH("sessions.csv");
	EMIT("participant_id,given_name,family_name,card_uid\n");
	for (int i = 0; i < N_KIOSK; i++)
		for (int p = 0; p < PER_KIOSK; p++)
			EMIT("P%d-%d,Namn,Efternamn,\n", i, p);
	FLUSH("participants.csv");
	EMIT("group_id,participant_id\n");
	for (int i = 0; i < N_KIOSK; i++)
		for (int p = 0; p < PER_KIOSK; p++)
			EMIT("G%d,P%d-%d\n", i, i, p);
	FLUSH("members.csv");
	EMIT("leader_id,facility_id,name,card_uid\n");
	FLUSH("leaders.csv");
	free(t);
#undef EMIT
#undef FLUSH
}

static void test_three_servers_five_kiosks_20k(void **state)
{
	(void)state;
	struct kiosk k[N_KIOSK];
	pid_t srv[N_SRV], proxy[N_SRV];
	int srv_port[N_SRV];
	char dir[192], line[256], cert[192], key[192];
	int64_t now = clock_wall_ms();
	memset(k, 0, sizeof k);
	for (int i = 0; i < N_KIOSK; i++) {
		k[i].n = i;
		char hm[6];
		for (int d = 0; d < DAYS; d++)
			assert_int_equal(tz_utc_ms_to_local(ZONE,
							    now - (int64_t)(DAYS - d) * 86400000,
							    k[i].days[d], hm),
					 BLIPPA_OK);
	}
	snprintf(dir, sizeof dir, "%s/roster", base);
	assert_int_equal(mkdir(dir, 0700), 0);
	make_roster(dir, k);
	char *init[] = {BLIPPA_SERVER_EXE, "init", "--db", (char *)uri, NULL};
	run_ok(init, NULL);
	char *imp[] = {BLIPPA_SERVER_EXE, "import", "--db", (char *)uri, dir, NULL};
	run_ok(imp, NULL);
	for (int i = 0; i < N_KIOSK; i++) {
		char fac[8], name[16], *out = NULL;
		snprintf(fac, sizeof fac, "F%d", i);
		snprintf(name, sizeof name, "K%d", i);
		char *add[] = {BLIPPA_SERVER_EXE, "add-kiosk",	"--db",
			       (char *)uri,	  "--facility", fac,
			       "--name",	  name,		NULL};
		run_ok(add, &out);
		snprintf(k[i].token, sizeof k[i].token, "%.*s", (int)strcspn(out, "\n"), out);
		free(out);
		snprintf(k[i].dir, sizeof k[i].dir, "%s/k%d", base, i);
		assert_int_equal(mkdir(k[i].dir, 0700), 0);
	}
	snprintf(cert, sizeof cert, "%s/server.pem", pki);
	snprintf(key, sizeof key, "%s/server-key.pem", pki);
	for (int s = 0; s < N_SRV; s++) {
		/* plain HTTP on loopback behind the TLS-terminating proxy */
		char *serve[] = {BLIPPA_SERVER_EXE, "serve",	   "--db", (char *)uri,
				 "--listen",	    "127.0.0.1:0", NULL};
		srv[s] = spawn_line(serve, line, sizeof line);
		char up[32], pf[192], log[192], seed[16];
		srv_port[s] = atoi(strrchr(line, ':') + 1);
		snprintf(up, sizeof up, "127.0.0.1:%d", srv_port[s]);
		snprintf(pf, sizeof pf, "%s/proxy%d.port", base, s);
		snprintf(log, sizeof log, "%s/proxy%d.log", base, s);
		snprintf(seed, sizeof seed, "%d", 42 + s);
		proxy[s] = fork();
		assert_true(proxy[s] >= 0);
		if (proxy[s] == 0) {
			execl(FAULTPROXY_EXE, "faultproxy", "--listen", "127.0.0.1:0", "--upstream",
			      up, "--cert", cert, "--key", key, "--port-file", pf, "--log", log,
			      "--script",
			      "drop_response@/v1/events,cut@/v1/events,drop_request@/v1/events,"
			      "500@/v1/events,429:0@/v1/events,garbage@/v1/events,"
			      "delay:50@/v1/events,drop_response@/v1/events",
			      "--random", "25", "--seed", seed, (char *)NULL);
			_exit(127);
		}
		int64_t deadline = clock_mono_ms() + 10000;
		FILE *f;
		while (!(f = fopen(pf, "r")) || fscanf(f, "%d", &proxy_port[s]) != 1) {
			if (f)
				fclose(f);
			assert_true(clock_mono_ms() < deadline);
			struct timespec ts = {0, 5000000};
			nanosleep(&ts, NULL); /* re-check the port file until the deadline */
		}
		fclose(f);
	}
	int64_t t0 = clock_mono_ms();
	pthread_t th[N_KIOSK];
	for (int i = 0; i < N_KIOSK; i++)
		assert_int_equal(pthread_create(&th[i], NULL, kiosk_run, &k[i]), 0);
	/* mid-sync, one server process dies (kill -9: batches in flight are
	 * cut anywhere, before or after their commit) and comes back on its port */
	int64_t deadline = clock_mono_ms() + 60000;
	while (tu_pg_count(uri, "SELECT count(*) FROM events") < TOTAL / 4) {
		assert_true(clock_mono_ms() < deadline);
		struct pollfd none = {.fd = -1};
		poll(&none, 0, 20); /* re-check the count every 20 ms until the deadline */
	}
	kill(srv[1], SIGKILL);
	waitpid(srv[1], NULL, 0);
	char listen[32];
	snprintf(listen, sizeof listen, "127.0.0.1:%d", srv_port[1]);
	char *again[] = {BLIPPA_SERVER_EXE, "serve", "--db", (char *)uri, "--listen", listen, NULL};
	srv[1] = spawn_line(again, line, sizeof line);
	assert_non_null(strstr(line, listen));
	print_message("server 2 killed (-9) at >= %d stored events and restarted\n", TOTAL / 4);
	size_t dups = 0;
	for (int i = 0; i < N_KIOSK; i++) {
		pthread_join(th[i], NULL);
		print_message("kiosk %d: %zu rounds, %zu duplicates, last %d\n", i, k[i].rounds,
			      k[i].duplicates, k[i].last);
		assert_int_equal(k[i].last, BLIPPA_OK);
		dups += k[i].duplicates;
	}
	print_message("synced %d events in %.1f s\n", TOTAL,
		      (double)(clock_mono_ms() - t0) / 1000.0);
	size_t faults = 0, dropped_after = 0;
	for (int s = 0; s < N_SRV; s++) {
		kill(proxy[s], SIGTERM);
		waitpid(proxy[s], NULL, 0);
		char log[192], l[512];
		snprintf(log, sizeof log, "%s/proxy%d.log", base, s);
		FILE *f = fopen(log, "r");
		assert_non_null(f);
		while (fgets(l, sizeof l, f)) {
			char mode[32] = "", method[16] = "", path[128] = "";
			if (sscanf(l, "%*s %31s %15s %127s", mode, method, path) != 3)
				continue;
			faults += strcmp(mode, "pass") != 0;
			dropped_after +=
			    strcmp(mode, "drop_response") == 0 && strcmp(path, "/v1/events") == 0;
		}
		fclose(f);
	}
	print_message("proxies: %zu faults, %zu event batches processed but answer lost, "
		      "%zu duplicates absorbed\n",
		      faults, dropped_after, dups);
	assert_true(faults >= 3 * 8);
	assert_true(dropped_after >= 3 * 2);
	assert_true(dups > 0);
	for (int s = 0; s < N_SRV; s++) {
		kill(srv[s], SIGTERM);
		int status = 0;
		waitpid(srv[s], &status, 0);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	/* exactly the 20,000 events, each once, from the right kiosks */
	assert_int_equal(tu_pg_count(uri, "SELECT count(*) FROM events"), TOTAL);
	assert_int_equal(tu_pg_count(uri, "SELECT count(DISTINCT id) FROM events"), TOTAL);
	assert_int_equal(
	    tu_pg_count(uri, "SELECT count(*) FROM events e JOIN kiosks k ON k.id = e.kiosk_id"
			     " WHERE k.facility_id <> e.facility_id"),
	    0);
	assert_int_equal(tu_pg_count(uri, "SELECT count(DISTINCT kiosk_id) FROM events"), N_KIOSK);
	/* the back-office's attendance summary, kept by a trigger while three
	 * processes ingested at once, equals a recount from the events */
	assert_true(tu_pg_count(uri, "SELECT sum(present) FROM att_session") > 0);
	assert_int_equal(
	    tu_pg_count(uri,
			"SELECT count(*) FROM att_session a WHERE a.present <>"
			" (SELECT count(DISTINCT e.participant_id) FROM events e JOIN members m"
			" ON m.group_id = a.group_id AND m.participant_id = e.participant_id"
			" WHERE e.type = 0 AND e.session_id = a.session_id AND NOT EXISTS"
			" (SELECT 1 FROM events v WHERE v.type = 1 AND v.voids_id = e.id))"),
	    0);
	assert_int_equal(
	    tu_pg_count(uri,
			"SELECT count(*) FROM att_member m WHERE m.attended <>"
			" (SELECT count(DISTINCT a.session_id) FROM att_session a JOIN events e"
			" ON e.session_id = a.session_id AND e.type = 0"
			" AND e.participant_id = m.participant_id WHERE a.group_id = m.group_id"
			" AND NOT EXISTS (SELECT 1 FROM events v WHERE v.type = 1"
			" AND v.voids_id = e.id))"),
	    0);
	/* and each group's row holds its sessions' counts in start order */
	assert_int_equal(
	    tu_pg_count(uri, "SELECT count(*) FROM att_group g WHERE g.present IS DISTINCT FROM"
			     " ARRAY(SELECT a.present FROM att_session a WHERE a.facility_id ="
			     " g.facility_id AND a.group_id = g.group_id ORDER BY a.start_local"
			     " COLLATE \"C\", a.session_id COLLATE \"C\")"),
	    0);
	assert_int_equal(tu_pg_count(uri, "SELECT count(DISTINCT group_id) FROM att_session"),
			 tu_pg_count(uri, "SELECT count(*) FROM att_group"));
	for (int i = 0; i < N_KIOSK; i++)
		assert_int_equal(kiosk_synced(&k[i]), PER_KIOSK * DAYS);
	char *exp[] = {BLIPPA_SERVER_EXE, "export", "--db", (char *)uri, NULL}, *out = NULL;
	run_ok(exp, &out);
	size_t present = 0;
	for (char *p = out; (p = strstr(p, ",present,")); p++)
		present++;
	free(out);
	assert_int_equal(present, TOTAL);
}

static int setup(void **state)
{
	(void)state;
	uri = getenv("BLIPPA_PG_URI");
	if (!uri || !*uri) {
		fprintf(stderr, "BLIPPA_PG_URI not set: run under tests/helpers/pg_harness.sh\n");
		return -1;
	}
	snprintf(base, sizeof base, "/tmp/blippa-pg-sc.XXXXXX");
	assert_non_null(mkdtemp(base));
	snprintf(pki, sizeof pki, "%s/pki", base);
	char *mk[] = {"/bin/sh", MAKE_TEST_CA, pki, NULL};
	run_ok(mk, NULL);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_three_servers_five_kiosks_20k),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
