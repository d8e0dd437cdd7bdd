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
 * HTTP), which is the database's share of the ceiling.
 * Usage: bench_server_pg [kiosks 1..200] [batches per kiosk] [rounds]
 * Prints "BENCH <name> <value> <unit>" lines. */
#include <curl/curl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
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

/* The storage alone: 8 threads of srv_store_ingest_events, no HTTP. */
static void bench_store_only(struct srv_store *st)
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
	printf("BENCH server_ingest_store_only_pg %.0f events/s\n",
	       (double)(WORKERS * BATCHES * BATCH) / s);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 50;
	int batches = argc > 2 ? atoi(argv[2]) : 4;
	int rounds = argc > 3 ? atoi(argv[3]) : 5;
	if (n < 1 || n > MAX_KIOSKS || batches < 1 || batches > 1000 || rounds < 1 || rounds > 50) {
		fprintf(stderr,
			"usage: bench_server_pg [kiosks 1..200] [batches] [rounds 1..50]\n");
		return 2;
	}
	char err[512], cmd[1400], ca[1100], cert[1100], key[1100], pgdir[512] = "", uri[600];
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
		if (!p || !fgets(pgdir, sizeof(pgdir), p) || !fgets(uri, sizeof(uri), p))
			die("cannot start PostgreSQL (tests/helpers/pg_harness.sh)");
		pclose(p);
		pgdir[strcspn(pgdir, "\n")] = '\0';
		uri[strcspn(uri, "\n")] = '\0';
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
	printf("bench_server_pg: %d kiosks x %d batches x %d events, %d rounds, %ld CPUs\n", n,
	       batches, BATCH, rounds, sysconf(_SC_NPROCESSORS_ONLN));
	bench_store_only(st);
	static const int procs_of[] = {1, 3};
	for (size_t m = 0; m < sizeof(procs_of) / sizeof(procs_of[0]); m++) {
		int procs = procs_of[m];
		pid_t pids[MAX_PROCS];
		char urls[MAX_PROCS][128];
		for (int p = 0; p < procs; p++)
			pids[p] = serve_start(uri, cert, key, urls[p]);
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
	       8 * 25 * BATCH + 2 * n * batches * rounds * BATCH);
	printf("BENCH server_export_ms_pg %.1f ms\n", (double)(clock_mono_us() - e0) / 1000.0);
	for (int i = 0; i < n; i++) {
		free(ks[i].bodies);
		free(ks[i].lat_ms);
	}
	free(ks);
	free(lat);
	srv_store_close(st);
	if (pgdir[0]) {
		snprintf(cmd, sizeof(cmd), "sh '%s' stop '%s'", PG_HARNESS, pgdir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_server_pg: stopping PostgreSQL failed\n");
	}
	tu_rmtree(tmp);
	free(tmp);
	curl_global_cleanup();
	return 0;
}
