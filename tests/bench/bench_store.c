/* SPDX-License-Identifier: MIT */
/* Benchmark of the local store on a real file on local disk (a directory
 * under the build tree): durable check-in latency (COMMIT with
 * synchronous=FULL), name search at 10k and 100k participants with 2- and
 * 4-letter prefixes (today-only as the kiosk asks, and all), and roster
 * replacement. Prints `BENCH <name> <value> <unit>` lines (median, p99,
 * max). Usage: bench_store [checkin_rounds] (default 300) */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "roster.h"
#include "store.h"
#include "store_int.h"

#ifndef STORE_BENCH_DIR
#define STORE_BENCH_DIR "store-bench"
#endif
#define SEARCH_QUERIES 4000
#define SEARCH_MAX_HITS 20

/* CPU time of this thread: what a query costs without the scheduler's
 * noise on a busy machine (the wall-clock figures include that noise). */
static int64_t cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void report(const char *name, const char *suffix, int64_t *v, size_t n, const char *unit)
{
	size_t p99 = (size_t)((double)(n - 1) * 0.99 + 0.5);

	qsort(v, n, sizeof v[0], cmp_i64);
	printf("BENCH %s_median%s %" PRId64 " %s\n", name, suffix, v[n / 2], unit);
	printf("BENCH %s_p99%s %" PRId64 " %s\n", name, suffix, v[p99], unit);
	printf("BENCH %s_max%s %" PRId64 " %s\n", name, suffix, v[n - 1], unit);
	fflush(stdout);
}

static void remove_db(const char *dir)
{
	static const char *const sfx[] = {"", "-wal", "-shm"};
	char p[1024];

	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s/blippa.db%s", dir, sfx[i]);
		unlink(p);
	}
}

static struct store *fresh_store(const char *dir)
{
	struct store *st = NULL;
	char err[256];

	remove_db(dir);
	if (store_open(dir, NULL, &st, err, sizeof err) != BLIPPA_OK) {
		fprintf(stderr, "bench_store: %s\n", err);
		exit(1);
	}
	return st;
}

static int64_t replace(struct store *st, const struct roster *r)
{
	char err[256];
	int64_t t0 = clock_mono_us();

	if (store_replace_roster(st, r, err, sizeof err) != BLIPPA_OK) {
		fprintf(stderr, "bench_store: replace: %s\n", err);
		exit(1);
	}
	return clock_mono_us() - t0;
}

static void bench_checkin(const char *dir, int64_t now, int rounds)
{
	struct store *st = fresh_store(dir);
	struct roster *r = roster_make_demo(now, (size_t)rounds);
	int64_t *lat = calloc((size_t)rounds, sizeof *lat);
	struct checkin_result res;
	char pid[32];

	if (!r || !lat)
		exit(1);
	replace(st, r);
	for (int i = 0; i < rounds; i++) {
		int64_t t0;
		snprintf(pid, sizeof pid, "X%07d", i + 1);
		t0 = clock_mono_us();
		if (store_checkin_participant(st, pid, CHECKIN_NAME, NULL, now + i, &res) !=
			BLIPPA_OK ||
		    (res.outcome != CHECKIN_OK && res.outcome != CHECKIN_OPEN_TRAINING)) {
			fprintf(stderr, "bench_store: check-in %d failed\n", i);
			exit(1);
		}
		lat[i] = clock_mono_us() - t0;
	}
	report("checkin_commit", "_us", lat, (size_t)rounds, "us");
	/* p50 is the median, under the name the issue asks for */
	printf("BENCH checkin_commit_p50_us %" PRId64 " us\n", lat[rounds / 2]);
	roster_free(r);
	free(lat);
	store_close(st);
}

/* Prefixes taken from real names in the roster (folded), plus some that
 * match nothing and so scan the whole set. */
static void make_prefix(const struct roster *r, unsigned seed, size_t len, char *out, size_t outlen)
{
	char fold[2 * ROSTER_NAME_MAX + 2];
	const struct roster_participant *p = &r->participants[seed % r->n_participants];

	if (seed % 10 == 9) {
		snprintf(out, outlen, "%.*s", (int)len, "qxzw");
		return;
	}
	store_fold(seed % 2 ? p->family_name : p->given_name, fold, sizeof fold);
	snprintf(out, outlen, "%.*s", (int)len, fold);
}

/* A real name part (first 7 letters) with one typo after its first letter:
 * letters swapped, dropped, doubled or replaced, in turn. */
static void make_typo(const struct roster *r, unsigned seed, char *out, size_t outlen)
{
	char fold[2 * ROSTER_NAME_MAX + 2], t[16];
	const struct roster_participant *p = &r->participants[seed % r->n_participants];
	size_t len, at;

	store_fold(seed % 2 ? p->family_name : p->given_name, fold, sizeof fold);
	snprintf(t, sizeof t, "%.7s", fold);
	len = strlen(t);
	if (len < 5) {
		snprintf(out, outlen, "%sx", t); /* one extra letter at the end */
		return;
	}
	at = 1 + (seed >> 8) % (len - 2);
	switch ((seed >> 4) % 4) {
	case 0: { /* swapped */
		char c = t[at];
		t[at] = t[at + 1];
		t[at + 1] = c;
		break;
	}
	case 1: /* dropped */
		memmove(t + at, t + at + 1, len - at);
		break;
	case 2: /* doubled */
		memmove(t + at + 1, t + at, len - at + 1);
		break;
	default: /* replaced */
		t[at] = t[at] == 'x' ? 'q' : 'x';
		break;
	}
	snprintf(out, outlen, "%s", t);
}

static void bench_search(const char *dir, int64_t now, size_t n_extra, const char *tag)
{
	struct store *st = fresh_store(dir);
	struct roster *r = roster_make_demo(now, n_extra);
	static int64_t lat_all[2 * SEARCH_QUERIES], lat_len[SEARCH_QUERIES];
	static int64_t cpu_all[2 * SEARCH_QUERIES];
	struct search_hit hits[SEARCH_MAX_HITS];
	int64_t reps[3], t0;
	char name[64], q[16];
	size_t n, k = 0;
	unsigned seed = 12345;

	if (!r)
		exit(1);
	for (int i = 0; i < 3; i++)
		reps[i] = replace(st, r) / 1000;
	snprintf(name, sizeof name, "roster_replace_ms_%s", tag);
	qsort(reps, 3, sizeof reps[0], cmp_i64);
	printf("BENCH %s %" PRId64 " ms\n", name, reps[1]);
	printf("BENCH roster_replace_max_ms_%s %" PRId64 " ms\n", tag, reps[2]);
	/* first search after a roster change builds the in-memory index */
	t0 = clock_mono_us();
	store_search_names(st, "an", true, now, hits, SEARCH_MAX_HITS, &n);
	printf("BENCH name_index_build_ms_%s %" PRId64 " ms\n", tag, (clock_mono_us() - t0) / 1000);
	for (int today = 1; today >= 0; today--) {
		for (size_t len = 2; len <= 4; len += 2) {
			for (size_t i = 0; i < SEARCH_QUERIES; i++) {
				seed = seed * 1103515245u + 12345u;
				make_prefix(r, seed >> 4, len, q, sizeof q);
				int64_t c0 = cpu_us();
				t0 = clock_mono_us();
				if (store_search_names(st, q, today, now, hits, SEARCH_MAX_HITS,
						       &n) != BLIPPA_OK)
					exit(1);
				lat_len[i] = clock_mono_us() - t0;
				if (today) {
					cpu_all[k] = cpu_us() - c0;
					lat_all[k++] = lat_len[i];
				}
			}
			snprintf(name, sizeof name, "name_search%s_%zuletter", today ? "" : "_all",
				 len);
			snprintf(q, sizeof q, "_us_%s", tag);
			report(name, q, lat_len, SEARCH_QUERIES, "us");
		}
	}
	/* one typo (store_search.c: forgiving search), today only and everyone */
	for (int today = 1; today >= 0; today--) {
		for (size_t i = 0; i < SEARCH_QUERIES; i++) {
			seed = seed * 1103515245u + 12345u;
			make_typo(r, seed >> 4, q, sizeof q);
			t0 = clock_mono_us();
			if (store_search_names(st, q, today, now, hits, SEARCH_MAX_HITS, &n) !=
			    BLIPPA_OK)
				exit(1);
			lat_len[i] = clock_mono_us() - t0;
		}
		snprintf(name, sizeof name, "_us_%s", tag);
		report(today ? "name_search_fuzzy" : "name_search_fuzzy_all", name, lat_len,
		       SEARCH_QUERIES, "us");
	}
	snprintf(name, sizeof name, "_us_%s", tag);
	report("name_search", name, lat_all, k, "us");
	report("name_search_cpu", name, cpu_all, k, "us");
	roster_free(r);
	store_close(st);
}

int main(int argc, char **argv)
{
	const char *dir = STORE_BENCH_DIR;
	int rounds = argc > 1 ? atoi(argv[1]) : 300;
	int64_t now = clock_wall_ms();

	if (rounds < 10 || rounds > 100000)
		rounds = 300;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		perror(dir);
		return 1;
	}
	printf("# bench_store: database in %s\n", dir);
	bench_checkin(dir, now, rounds);
	bench_search(dir, now, 10000, "10k");
	bench_search(dir, now, 100000, "100k");
	remove_db(dir);
	return 0;
}
