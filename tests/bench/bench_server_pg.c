/* SPDX-License-Identifier: MIT */
/* Benchmark (issue 8): event ingest of blippa-server on PostgreSQL,
 * server_ingest_events_per_s_pg with 1 and with 3 server processes on one
 * database, 50 simulated kiosks (goal >= 50,000 events/s with 3 processes).
 *
 * PostgreSQL 15 is a throwaway instance from tests/helpers/pg_harness.sh
 * with its durable defaults (fsync, synchronous_commit on: an accepted batch
 * is on disk), unless BLIPPA_PG_URI names another database (it must be
 * empty: the bench runs init). The servers are the real blippa-server
 * binary (`serve` over HTTPS, test CA); each kiosk is a thread with its own
 * token and libcurl handle (keep-alive, verification on) posting batches of
 * 500 unique check-ins; kiosk i talks to process i % P. Also measured: the
 * storage alone (srv_store_ingest_events from 8 threads in this process, no
 * HTTP), which is the database's share of the ceiling (with and without the
 * attendance summary's trigger), and three ways of
 * sending a batch's rows (unnest, multi-row VALUES, COPY + INSERT SELECT).
 * Usage: bench_server_pg [kiosks 1..200] [batches per kiosk] [rounds]
 *        [database connections per server process (pool_max_conns)]
 * Prints "BENCH <name> <value> <unit>" lines. */
#include <curl/curl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth.h"
#include "clock.h"
#include "export.h"
#include "import.h"
#include "srv_store.h"
#include "srv_testutil.h"
#include "uuid.h"

#define BATCH 500
#define MAX_KIOSKS 200
#define MAX_PROCS 3

struct kiosk_client {
	pthread_t thread;
	char token[AUTH_TOKEN_HEX + 1];
	char url[256];
	const char *ca;
	int batches;
	char **bodies;
	double *lat_ms;
	size_t accepted;
	int failed;
};

static char pg_dir[512]; /* the instance this bench started, stopped at exit */

static void pg_stop_at_exit(void)
{
	char cmd[1200];
	if (!pg_dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "sh '%s' stop '%s'", PG_HARNESS, pg_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_server_pg: stopping PostgreSQL failed\n");
	pg_dir[0] = '\0';
}

static void die(const char *what)
{
	fprintf(stderr, "bench_server_pg: %s\n", what);
	exit(1);
}

static size_t count_accepted(char *p, size_t sz, size_t n, void *ud)
{
	size_t len = sz * n, *acc = ud;
	for (size_t i = 0; i + 8 <= len; i++)
		if (memcmp(p + i, "accepted", 8) == 0)
			(*acc)++;
	return len;
}

static void *kiosk_run(void *arg)
{
	struct kiosk_client *k = arg;
	char auth[128];
	CURL *c = curl_easy_init();
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", k->token);
	struct curl_slist *h = curl_slist_append(NULL, auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Blippa-Protocol: 1");
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, k->url);
	curl_easy_setopt(c, CURLOPT_CAINFO, k->ca);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, count_accepted);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &k->accepted);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	for (int b = 0; b < k->batches; b++) {
		int64_t t0 = clock_mono_us();
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, k->bodies[b]);
		long status = 0;
		if (curl_easy_perform(c) != CURLE_OK ||
		    (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status), status != 200))
			k->failed++;
		k->lat_ms[b] = (double)(clock_mono_us() - t0) / 1000.0;
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return NULL;
}

static char *make_batch(void)
{
	static const char *const parts[] = {"P1", "P2", "P3"};
	size_t cap = BATCH * 200 + 32, o = 0;
	char *b = malloc(cap);
	char id[UUID_STR_LEN];
	if (!b)
		die("out of memory");
	o += (size_t)snprintf(b + o, cap - o, "{\"events\":[");
	for (int i = 0; i < BATCH; i++) {
		uuid7_make(clock_wall_ms(), id);
		o += (size_t)snprintf(b + o, cap - o,
				      "%s{\"id\":\"%s\",\"type\":\"checkin\",\"at\":1795424040000,"
				      "\"method\":\"card\",\"participant_id\":\"%s\","
				      "\"session_id\":\"S1\"}",
				      i ? "," : "", id, parts[i % 3]);
	}
	snprintf(b + o, cap - o, "]}");
	return b;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* n kiosks x batches against the processes' urls; returns events/s. */
static double round_run(struct kiosk_client *ks, int n, int batches, char urls[][128], int procs,
			const char *ca, double *lat, size_t *nlat)
{
	for (int i = 0; i < n; i++) {
		ks[i].batches = batches;
		snprintf(ks[i].url, sizeof(ks[i].url), "%s/v1/events", urls[i % procs]);
		ks[i].ca = ca;
		ks[i].accepted = 0;
		ks[i].failed = 0;
		for (int b = 0; b < batches; b++)
			ks[i].bodies[b] = make_batch();
	}
	int64_t t0 = clock_mono_us();
	for (int i = 0; i < n; i++)
		pthread_create(&ks[i].thread, NULL, kiosk_run, &ks[i]);
	size_t acc = 0;
	int failed = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(ks[i].thread, NULL);
		acc += ks[i].accepted;
		failed += ks[i].failed;
		for (int b = 0; b < batches; b++) {
			lat[(*nlat)++] = ks[i].lat_ms[b];
			free(ks[i].bodies[b]);
		}
	}
	double s = (double)(clock_mono_us() - t0) / 1e6;
	if (failed || acc != (size_t)n * (size_t)batches * BATCH) {
		fprintf(stderr, "bench_server_pg: %d failed batches, %zu accepted of %d\n", failed,
			acc, n * batches * BATCH);
		exit(1);
	}
	return (double)acc / s;
}

static pid_t serve_start(const char *uri, const char *cert, const char *key, char url[128])
{
	int p[2];
	if (pipe(p) != 0)
		die("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execl(BLIPPA_SERVER_EXE, "blippa-server", "serve", "--db", uri, "--listen",
		      "127.0.0.1:0", "--cert", cert, "--key", key, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	char line[256] = "";
	size_t n = 0;
	struct pollfd pf = {p[0], POLLIN, 0};
	while (!memchr(line, '\n', n)) {
		if (poll(&pf, 1, 20000) <= 0)
			die("server did not start");
		ssize_t r = read(p[0], line + n, sizeof(line) - 1 - n);
		if (r <= 0)
			die("server did not start");
		n += (size_t)r;
		line[n] = '\0';
	}
	close(p[0]);
	snprintf(url, 128, "https://127.0.0.1:%d", atoi(strrchr(line, ':') + 1));
	return pid;
}

struct store_worker {
	pthread_t t;
	struct srv_store *st;
	struct srv_kiosk k;
	int batches;
	int failed;
};

static void *store_worker_run(void *arg)
{
	struct store_worker *w = arg;
	struct protocol_event *ev = calloc(BATCH, sizeof(*ev));
	struct protocol_result *res = calloc(BATCH, sizeof(*res));
	struct srv_ingest_stats st;
	for (int b = 0; ev && res && b < w->batches; b++) {
		for (int i = 0; i < BATCH; i++) {
			ev[i] = (struct protocol_event){
			    .type = EVENT_CHECKIN, .at_ms = 1795424040000, .method = CHECKIN_CARD};
			uuid7_make(clock_wall_ms(), ev[i].id);
			snprintf(ev[i].participant_id, sizeof(ev[i].participant_id), "P%d",
				 1 + i % 3);
			snprintf(ev[i].session_id, sizeof(ev[i].session_id), "S1");
		}
		if (srv_store_ingest_events(w->st, &w->k, ev, BATCH, clock_wall_ms(), res, &st) !=
			BLIPPA_OK ||
		    st.accepted != BATCH)
			w->failed++;
	}
	free(ev);
	free(res);
	return NULL;
}

/* The storage alone: 8 threads of srv_store_ingest_events, no HTTP; events
 * per second. */
static double store_only_run(struct srv_store *st)
{
	enum { WORKERS = 8, BATCHES = 25 };
	struct store_worker w[WORKERS];
	memset(w, 0, sizeof(w));
	int64_t t0 = clock_mono_us();
	for (int i = 0; i < WORKERS; i++) {
		w[i].st = st;
		w[i].batches = BATCHES;
		snprintf(w[i].k.id, sizeof(w[i].k.id), "k-store%d", i);
		snprintf(w[i].k.facility_id, sizeof(w[i].k.facility_id), "F1");
		pthread_create(&w[i].t, NULL, store_worker_run, &w[i]);
	}
	int failed = 0;
	for (int i = 0; i < WORKERS; i++) {
		pthread_join(w[i].t, NULL);
		failed += w[i].failed;
	}
	if (failed)
		die("store-only ingest failed");
	double s = (double)(clock_mono_us() - t0) / 1e6;
	return (double)(WORKERS * BATCHES * BATCH) / s;
}

/* The storage alone, with the back-office's attendance summary (its
 * trigger on events) and without (trigger disabled), alternating three
 * times: the median of each. The summary is rebuilt afterwards. */
static void bench_store_only(struct srv_store *st, const char *uri)
{
	double with[3], without[3];
	PGconn *c = PQconnectdb(uri);
	if (PQstatus(c) != CONNECTION_OK)
		die("connect");
	for (int r = 0; r < 3; r++) {
		with[r] = store_only_run(st);
		PQclear(PQexec(c, "ALTER TABLE events DISABLE TRIGGER att_events"));
		without[r] = store_only_run(st);
		PQclear(PQexec(c, "ALTER TABLE events ENABLE TRIGGER att_events"));
	}
	PQfinish(c);
	if (srv_store_att_rebuild(st) != BLIPPA_OK)
		die("summary rebuild");
	qsort(with, 3, sizeof(double), cmp_d);
	qsort(without, 3, sizeof(double), cmp_d);
	printf("BENCH server_ingest_store_only_pg %.0f events/s\n", with[1]);
	printf("BENCH server_ingest_store_only_no_summary_pg %.0f events/s\n", without[1]);
}

/* ------------------------------------------- insert methods, compared */

static PGresult *must(PGconn *c, PGresult *r, const char *what)
{
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_COPY_IN) {
		fprintf(stderr, "bench_server_pg: %s: %s", what, PQerrorMessage(c));
		exit(1);
	}
	return r;
}

/* text[] literal of the batch's ids (they need no quoting) */
static void ids_array(char ids[][UUID_STR_LEN], int n, char *out, size_t cap)
{
	size_t o = (size_t)snprintf(out, cap, "{");
	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "," : "", ids[i]);
	snprintf(out + o, cap - o, "}");
}

/* How to send a batch of 500 events to PostgreSQL: unnest over array
 * parameters (what the backend does), one multi-row VALUES with 500
 * parameters, or COPY into a temp table then INSERT ... SELECT. Same
 * table shape and indexes as events, ON CONFLICT DO NOTHING RETURNING id in
 * each, one connection, batches back to back. */
static void bench_insert_methods(const char *uri)
{
	enum { BATCHES = 100 };
	PGconn *c = PQconnectdb(uri);
	if (PQstatus(c) != CONNECTION_OK)
		die("connect");
	PQclear(must(c,
		     PQexec(c, "CREATE TABLE bench_ev (LIKE events INCLUDING ALL);"
			       "CREATE TEMP TABLE bench_in (LIKE events) ON COMMIT DELETE ROWS"),
		     "create"));
	static char ids[BATCH][UUID_STR_LEN];
	size_t cap = BATCH * 48 + 16;
	char *arr = malloc(cap), *copy = malloc(BATCH * 128);
	const char **vals = calloc(BATCH * 11, sizeof(char *));
	if (!arr || !copy || !vals)
		die("out of memory");
	static const char *const names[] = {"unnest", "values", "copy"};
	for (int m = 0; m < 3; m++) {
		int64_t t0 = clock_mono_us();
		for (int b = 0; b < BATCHES; b++) {
			for (int i = 0; i < BATCH; i++)
				uuid7_make(clock_wall_ms(), ids[i]);
			PGresult *r = NULL;
			if (m == 0) {
				ids_array(ids, BATCH, arr, cap);
				const char *v[] = {arr};
				r = PQexecParams(
				    c,
				    "INSERT INTO bench_ev SELECT x, 'k-1', 'F1', 0, 1795424040000, "
				    "0,"
				    " 'P1', 'S1', NULL, NULL, 1 FROM unnest($1::text[]) x"
				    " ORDER BY x COLLATE \"C\" ON CONFLICT(id) DO NOTHING "
				    "RETURNING id",
				    1, NULL, v, NULL, NULL, 0);
			} else if (m == 1) {
				char sql[BATCH * 64 + 256];
				size_t o = (size_t)snprintf(sql, sizeof(sql),
							    "INSERT INTO bench_ev VALUES ");
				for (int i = 0; i < BATCH && o < sizeof(sql); i++) {
					o += (size_t)snprintf(sql + o, sizeof(sql) - o,
							      "%s($%d,'k-1','F1',0,1795424040000,0,"
							      "'P1','S1',NULL,NULL,1)",
							      i ? "," : "", i + 1);
					vals[i] = ids[i];
				}
				if (o >= sizeof(sql) - 64)
					die("values: statement buffer too small");
				snprintf(sql + o, sizeof(sql) - o,
					 " ON CONFLICT(id) DO NOTHING RETURNING id");
				r = PQexecParams(c, sql, BATCH, NULL, vals, NULL, NULL, 0);
			} else {
				PQclear(must(c, PQexec(c, "BEGIN"), "begin"));
				PQclear(must(c, PQexec(c, "COPY bench_in FROM STDIN"), "copy"));
				size_t o = 0;
				for (int i = 0; i < BATCH; i++)
					o += (size_t)snprintf(
					    copy + o, BATCH * 128 - o,
					    "%s\tk-1\tF1\t0\t1795424040000\t0\tP1\t"
					    "S1\t\\N\t\\N\t1\n",
					    ids[i]);
				if (PQputCopyData(c, copy, (int)o) != 1 ||
				    PQputCopyEnd(c, NULL) != 1)
					die("copy data");
				PQclear(must(c, PQgetResult(c), "copy end"));
				r = PQexec(
				    c, "INSERT INTO bench_ev SELECT * FROM bench_in ORDER BY"
				       " id COLLATE \"C\" ON CONFLICT(id) DO NOTHING RETURNING id");
			}
			must(c, r, names[m]);
			if (PQntuples(r) != BATCH)
				die("insert methods: not all rows stored");
			PQclear(r);
			if (m == 2)
				PQclear(must(c, PQexec(c, "COMMIT"), "commit"));
		}
		printf("BENCH server_pg_insert_%s %.0f events/s\n", names[m],
		       (double)(BATCHES * BATCH) / ((double)(clock_mono_us() - t0) / 1e6));
	}
	PQclear(PQexec(c, "DROP TABLE bench_ev"));
	free(arr);
	free(copy);
	free(vals);
	PQfinish(c);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 50;
	int batches = argc > 2 ? atoi(argv[2]) : 4;
	int rounds = argc > 3 ? atoi(argv[3]) : 5;
	int pool = argc > 4 ? atoi(argv[4]) : 0; /* per server process; 0: default */
	if (n < 1 || n > MAX_KIOSKS || batches < 1 || batches > 1000 || rounds < 1 || rounds > 50 ||
	    pool < 0 || pool > 64) {
		fprintf(stderr, "usage: bench_server_pg [kiosks 1..200] [batches] [rounds 1..50] "
				"[pool 1..64]\n");
		return 2;
	}
	char err[512], cmd[1400], ca[1100], cert[1100], key[1100], uri[600];
	char *tmp = tu_mkdtemp();
	signal(SIGPIPE, SIG_IGN);
	snprintf(cmd, sizeof(cmd), "sh '%s' '%s/pki'", MAKE_TEST_CA, tmp);
	snprintf(ca, sizeof(ca), "%s/pki/ca.pem", tmp);
	snprintf(cert, sizeof(cert), "%s/pki/server.pem", tmp);
	snprintf(key, sizeof(key), "%s/pki/server-key.pem", tmp);
	if (system(cmd) != 0 || auth_init() != BLIPPA_OK)
		die("test CA");
	const char *env = getenv("BLIPPA_PG_URI");
	if (env && *env) {
		snprintf(uri, sizeof(uri), "%s", env);
	} else {
		snprintf(cmd, sizeof(cmd), "sh '%s' start --durable", PG_HARNESS);
		FILE *p = popen(cmd, "r");
		bool ok = p && fgets(pg_dir, sizeof(pg_dir), p) && fgets(uri, sizeof(uri), p);
		if (p)
			pclose(p);
		pg_dir[strcspn(pg_dir, "\n")] = '\0';
		uri[strcspn(uri, "\n")] = '\0';
		if (pg_dir[0])
			atexit(pg_stop_at_exit);
		if (!ok)
			die("cannot start PostgreSQL (tests/helpers/pg_harness.sh)");
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct srv_store *st = NULL;
	struct import_set *set = NULL;
	struct srv_import_stats is;
	char *dir = tu_roster_dir(tmp, "roster", NULL);
	if (srv_store_open(uri, true, &st, err, sizeof(err)) != BLIPPA_OK ||
	    import_load_dir(dir, &set, err, sizeof(err)) != BLIPPA_OK ||
	    srv_store_import(st, import_set_roster(set), &is, err, sizeof(err)) != BLIPPA_OK)
		die(err);
	import_set_free(set);
	free(dir);
	struct kiosk_client *ks = calloc((size_t)n, sizeof(*ks));
	for (int i = 0; i < n; i++) {
		uint8_t hash[SRV_TOKEN_HASH_LEN];
		char id[SRV_ID_MAX + 1];
		auth_token_new(ks[i].token, hash);
		if (srv_store_add_kiosk(st, "F1", "bench", hash, 1, id) != BLIPPA_OK)
			die("add-kiosk");
		ks[i].bodies = calloc((size_t)batches, sizeof(char *));
		ks[i].lat_ms = calloc((size_t)batches, sizeof(double));
	}
	double *lat = calloc((size_t)n * (size_t)batches * (size_t)rounds, sizeof(double));
	printf("bench_server_pg: %d kiosks x %d batches x %d events, %d rounds, %ld CPUs, "
	       "pool %d\n",
	       n, batches, BATCH, rounds, sysconf(_SC_NPROCESSORS_ONLN), pool ? pool : 8);
	bench_insert_methods(uri);
	bench_store_only(st, uri);
	static const int procs_of[] = {1, 3};
	for (size_t m = 0; m < sizeof(procs_of) / sizeof(procs_of[0]); m++) {
		int procs = procs_of[m];
		pid_t pids[MAX_PROCS];
		char urls[MAX_PROCS][128];
		char suri[700];
		snprintf(suri, sizeof(suri), "%s", uri);
		if (pool > 0)
			snprintf(suri, sizeof(suri), "%s%spool_max_conns=%d", uri,
				 strchr(uri, '?') ? "&" : "?", pool);
		for (int p = 0; p < procs; p++)
			pids[p] = serve_start(suri, cert, key, urls[p]);
		double eps[50];
		size_t nlat = 0;
		for (int r = 0; r < rounds; r++)
			eps[r] = round_run(ks, n, batches, urls, procs, ca, lat, &nlat);
		for (int p = 0; p < procs; p++) {
			kill(pids[p], SIGTERM);
			waitpid(pids[p], NULL, 0);
		}
		qsort(eps, (size_t)rounds, sizeof(double), cmp_d);
		qsort(lat, nlat, sizeof(double), cmp_d);
		printf("BENCH server_ingest_events_per_s_pg_%dproc %.0f events/s\n", procs,
		       eps[rounds / 2]);
		printf("BENCH server_ingest_events_per_s_pg_%dproc_min %.0f events/s\n", procs,
		       eps[0]);
		printf("BENCH server_ingest_events_per_s_pg_%dproc_max %.0f events/s\n", procs,
		       eps[rounds - 1]);
		printf("BENCH server_ingest_batch_pg_%dproc_median %.1f ms\n", procs,
		       lat[nlat / 2]);
		printf("BENCH server_ingest_batch_pg_%dproc_p99 %.1f ms\n", procs,
		       lat[(size_t)((double)nlat * 0.99)]);
		printf("BENCH server_ingest_batch_pg_%dproc_max %.1f ms\n", procs, lat[nlat - 1]);
		fflush(stdout);
	}
	/* the export over everything ingested above (one pass over the events) */
	FILE *devnull = fopen("/dev/null", "w");
	int64_t e0 = clock_mono_us();
	if (!devnull || export_write_csv(st, &(struct srv_export_filter){0}, devnull) != BLIPPA_OK)
		die("export");
	fclose(devnull);
	printf("bench_server_pg: export over %d stored events\n",
	       6 * 8 * 25 * BATCH + 2 * n * batches * rounds * BATCH);
	printf("BENCH server_export_ms_pg %.1f ms\n", (double)(clock_mono_us() - e0) / 1000.0);
	for (int i = 0; i < n; i++) {
		free(ks[i].bodies);
		free(ks[i].lat_ms);
	}
	free(ks);
	free(lat);
	srv_store_close(st);
	pg_stop_at_exit();
	tu_rmtree(tmp);
	free(tmp);
	curl_global_cleanup();
	return 0;
}
