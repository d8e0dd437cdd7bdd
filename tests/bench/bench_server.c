/* SPDX-License-Identifier: MIT */
/* Benchmark: event ingest of blippa-server over HTTPS with several
 * concurrent kiosk clients (issue 6: server_ingest_events_per_s, goal
 * >= 50,000 events/s on SQLite). The server runs in this process on
 * 127.0.0.1 with a test CA (tests/helpers/make-test-ca.sh) and a real SQLite
 * file (WAL, synchronous=FULL); each kiosk is a thread with its own token and
 * libcurl handle (keep-alive, verification on) posting batches of 500 unique
 * check-ins. Both threading modes of the server are measured. Then the
 * roster of a facility with 10,000 participants is pulled in full and with
 * If-None-Match (server side of roster_pull_10k_ms / roster_pull_304_ms).
 * Usage: bench_server [kiosks 1..32] [batches per kiosk] [rounds]
 * Prints "BENCH <name> <value> <unit>" lines. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api.h"
#include "auth.h"
#include "clock.h"
#include "export.h"
#include "http.h"
#include "import.h"
#include "srv_store.h"
#include "srv_testutil.h"
#include "uuid.h"

#define BATCH 500
#define MAX_KIOSKS 32

struct kiosk_client {
	pthread_t thread;
	char token[AUTH_TOKEN_HEX + 1];
	char url[256];
	const char *ca;
	int batches;
	char **bodies;
	double *lat_ms; /* per batch */
	size_t accepted;
	int failed;
};

static size_t count_accepted(char *p, size_t sz, size_t n, void *ud)
{
	size_t len = sz * n, *acc = ud;
	/* count "accepted" in this chunk (a word never split in practice, as
	 * answers are small; a split would only under-count) */
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
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
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

/* One round: n kiosks x batches; returns events/s, adds latencies. */
static double round_run(struct kiosk_client *ks, int n, int batches, const char *url,
			const char *ca, double *lat, size_t *nlat)
{
	for (int i = 0; i < n; i++) {
		ks[i].batches = batches;
		snprintf(ks[i].url, sizeof(ks[i].url), "%s/v1/events", url);
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
		fprintf(stderr, "bench_server: %d failed batches, %zu accepted of %d\n", failed,
			acc, n * batches * BATCH);
		exit(1);
	}
	return (double)acc / s;
}

/* Writes a roster of one facility FB with n participants in groups of 20,
 * each group with 15 weekly sessions, every participant with a card. */
static void write_big_roster(const char *dir, int n)
{
	char p[1200];
	FILE *f[6];
	static const char *const names[6] = {"facilities",   "groups",	"sessions",
					     "participants", "members", "leaders"};
	for (int i = 0; i < 6; i++) {
		snprintf(p, sizeof(p), "%s/%s.csv", dir, names[i]);
		f[i] = fopen(p, "w");
		if (!f[i])
			exit(1);
	}
	fprintf(f[0], "facility_id,name,timezone\nFB,Stora Föreningen,Europe/Stockholm\n");
	fprintf(f[1], "group_id,facility_id,name,period_start,period_end\n");
	fprintf(f[2], "session_id,group_id,start,end\n");
	fprintf(f[3], "participant_id,given_name,family_name,card_uid\n");
	fprintf(f[4], "group_id,participant_id\n");
	fprintf(f[5], "leader_id,facility_id,name,card_uid\nLB,FB,Kim Lind,\n");
	for (int g = 0; g < (n + 19) / 20; g++) {
		fprintf(f[1], "G%d,FB,Grupp %d,2026-08-24,2026-12-18\n", g, g);
		for (int w = 0; w < 15; w++)
			fprintf(f[2], "S%d-%d,G%d,2026-%02d-%02d 10:00,2026-%02d-%02d 11:00\n", g,
				w, g, 9 + w / 4, 1 + (w % 4) * 7, 9 + w / 4, 1 + (w % 4) * 7);
	}
	for (int i = 0; i < n; i++) {
		fprintf(f[3], "P%d,Åsa%d,Östberg,%08X\n", i, i, 0x04000000u + (unsigned)i);
		fprintf(f[4], "G%d,P%d\n", i / 20, i);
	}
	for (int i = 0; i < 6; i++)
		fclose(f[i]);
}

static size_t sink(char *p, size_t sz, size_t n, void *ud)
{
	(void)p;
	*(size_t *)ud += sz * n;
	return sz * n;
}

static void bench_roster(struct srv_store *st, const char *tmp, const char *cert, const char *key,
			 const char *ca)
{
	enum { PULLS = 21 };
	char dir[1100], err[512], url[160], auth[128], inm[128];
	char tok[AUTH_TOKEN_HEX + 1], id[SRV_ID_MAX + 1];
	uint8_t hash[SRV_TOKEN_HASH_LEN];
	struct import_set *set = NULL;
	struct srv_import_stats is;
	snprintf(dir, sizeof(dir), "%s/big", tmp);
	mkdir(dir, 0700);
	write_big_roster(dir, 10000);
	int64_t t0 = clock_mono_us();
	if (import_load_dir(dir, &set, err, sizeof(err)) != BLIPPA_OK ||
	    srv_store_import(st, import_set_roster(set), &is, err, sizeof(err)) != BLIPPA_OK) {
		fprintf(stderr, "bench_server: %s\n", err);
		exit(1);
	}
	printf("BENCH server_import_10k_ms %.1f ms\n", (double)(clock_mono_us() - t0) / 1000.0);
	import_set_free(set);
	auth_token_new(tok, hash);
	srv_store_add_kiosk(st, "FB", "bench", hash, 1, id);
	struct api *api = NULL;
	struct srv_http *h = NULL;
	api_new(st, &api);
	struct srv_http_config cfg = {.listen = "127.0.0.1:0", .cert_file = cert, .key_file = key};
	if (srv_http_start(&cfg, api, &h, err, sizeof(err)) != BLIPPA_OK)
		exit(1);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/v1/roster", srv_http_port(h));
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
	CURL *c = curl_easy_init();
	size_t bytes = 0;
	char etag[128] = "";
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &bytes);
	double full[PULLS], cond[PULLS];
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < PULLS; i++) {
			struct curl_slist *hd = curl_slist_append(NULL, auth);
			if (pass)
				hd = curl_slist_append(hd, inm);
			curl_easy_setopt(c, CURLOPT_HTTPHEADER, hd);
			bytes = 0;
			int64_t s0 = clock_mono_us();
			long status = 0;
			curl_easy_perform(c);
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
			(pass ? cond : full)[i] = (double)(clock_mono_us() - s0) / 1000.0;
			curl_slist_free_all(hd);
			if (status != (pass ? 304 : 200))
				exit(1);
			if (!pass && i == 0) {
				/* the ETag is the hex SHA-256 of the body: fetch it once */
				struct curl_header *eh = NULL;
				if (curl_easy_header(c, "ETag", 0, CURLH_HEADER, -1, &eh) ==
				    CURLHE_OK)
					snprintf(etag, sizeof(etag), "%s", eh->value);
				snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
				printf("bench_server: roster of 10,000 participants: %zu bytes\n",
				       bytes);
			}
		}
	}
	qsort(full, PULLS, sizeof(double), cmp_d);
	qsort(cond, PULLS, sizeof(double), cmp_d);
	printf("BENCH server_roster_10k_ms %.1f ms\n", full[PULLS / 2]);
	printf("BENCH server_roster_10k_ms_max %.1f ms\n", full[PULLS - 1]);
	printf("BENCH server_roster_304_ms %.2f ms\n", cond[PULLS / 2]);
	printf("BENCH server_roster_304_ms_max %.2f ms\n", cond[PULLS - 1]);
	curl_easy_cleanup(c);
	srv_http_stop(h);
	api_free(api);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	int batches = argc > 2 ? atoi(argv[2]) : 40;
	int rounds = argc > 3 ? atoi(argv[3]) : 5;
	if (n < 1 || n > MAX_KIOSKS || batches < 1 || batches > 10000 || rounds < 1 ||
	    rounds > 50) {
		fprintf(stderr, "usage: bench_server [kiosks 1..32] [batches] [rounds 1..50]\n");
		return 2;
	}
	char err[512], db[1024], cmd[1200], ca[1100], cert[1100], key[1100];
	char *tmp = tu_mkdtemp();
	snprintf(db, sizeof(db), "%s/region.db", tmp);
	snprintf(cmd, sizeof(cmd), "sh '%s' '%s/pki'", MAKE_TEST_CA, tmp);
	snprintf(ca, sizeof(ca), "%s/pki/ca.pem", tmp);
	snprintf(cert, sizeof(cert), "%s/pki/server.pem", tmp);
	snprintf(key, sizeof(key), "%s/pki/server-key.pem", tmp);
	if (system(cmd) != 0 || auth_init() != BLIPPA_OK)
		return 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct srv_store *st = NULL;
	struct import_set *set = NULL;
	struct srv_import_stats is;
	char *dir = tu_roster_dir(tmp, "roster", NULL);
	if (srv_store_open(db, true, &st, err, sizeof(err)) != BLIPPA_OK ||
	    import_load_dir(dir, &set, err, sizeof(err)) != BLIPPA_OK ||
	    srv_store_import(st, import_set_roster(set), &is, err, sizeof(err)) != BLIPPA_OK) {
		fprintf(stderr, "bench_server: %s\n", err);
		return 1;
	}
	import_set_free(set);
	free(dir);
	struct kiosk_client ks[MAX_KIOSKS] = {0};
	for (int i = 0; i < n; i++) {
		uint8_t hash[SRV_TOKEN_HASH_LEN];
		char id[SRV_ID_MAX + 1];
		auth_token_new(ks[i].token, hash);
		srv_store_add_kiosk(st, "F1", "bench", hash, 1, id);
		ks[i].bodies = calloc((size_t)batches, sizeof(char *));
		ks[i].lat_ms = calloc((size_t)batches, sizeof(double));
	}
	double *lat = calloc((size_t)(n * batches * rounds), sizeof(double));
	static const struct {
		unsigned threads;
		const char *name;
	} modes[] = {{0, "thread_per_conn"}, {4, "pool4"}};
	printf("bench_server: %d kiosks x %d batches x %d events, %d rounds per mode\n", n, batches,
	       BATCH, rounds);
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		struct api *api = NULL;
		struct srv_http *h = NULL;
		char url[128];
		api_new(st, &api);
		struct srv_http_config cfg = {.listen = "127.0.0.1:0",
					      .cert_file = cert,
					      .key_file = key,
					      .threads = modes[m].threads};
		if (srv_http_start(&cfg, api, &h, err, sizeof(err)) != BLIPPA_OK) {
			fprintf(stderr, "bench_server: %s\n", err);
			return 1;
		}
		snprintf(url, sizeof(url), "https://127.0.0.1:%u", srv_http_port(h));
		double eps[50];
		size_t nlat = 0;
		for (int r = 0; r < rounds; r++)
			eps[r] = round_run(ks, n, batches, url, ca, lat, &nlat);
		qsort(eps, (size_t)rounds, sizeof(double), cmp_d);
		qsort(lat, nlat, sizeof(double), cmp_d);
		const char *sfx = m == 0 ? "" : "_pool4";
		printf("BENCH server_ingest_events_per_s%s %.0f events/s\n", sfx, eps[rounds / 2]);
		printf("BENCH server_ingest_events_per_s%s_min %.0f events/s\n", sfx, eps[0]);
		printf("BENCH server_ingest_events_per_s%s_max %.0f events/s\n", sfx,
		       eps[rounds - 1]);
		printf("BENCH server_ingest_batch%s_median %.1f ms\n", sfx, lat[nlat / 2]);
		printf("BENCH server_ingest_batch%s_p99 %.1f ms\n", sfx,
		       lat[(size_t)((double)nlat * 0.99)]);
		printf("BENCH server_ingest_batch%s_max %.1f ms\n", sfx, lat[nlat - 1]);
		fflush(stdout);
		srv_http_stop(h);
		api_free(api);
	}
	/* the export over everything ingested above */
	FILE *devnull = fopen("/dev/null", "w");
	int64_t e0 = clock_mono_us();
	if (!devnull || export_write_csv(st, &(struct srv_export_filter){0}, devnull) != BLIPPA_OK)
		return 1;
	fclose(devnull);
	printf("bench_server: export over %d stored events\n", 2 * n * batches * rounds * BATCH);
	printf("BENCH server_export_ms %.1f ms\n", (double)(clock_mono_us() - e0) / 1000.0);
	bench_roster(st, tmp, cert, key, ca);
	for (int i = 0; i < n; i++) {
		free(ks[i].bodies);
		free(ks[i].lat_ms);
	}
	free(lat);
	srv_store_close(st);
	tu_rmtree(tmp);
	free(tmp);
	curl_global_cleanup();
	return 0;
}
