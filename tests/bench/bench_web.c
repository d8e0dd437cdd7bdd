/* SPDX-License-Identifier: MIT */
/* Benchmark of the back-office pages, server time in process (web_handle,
 * the function the HTTP front calls, without TLS and sockets), on a real
 * region database filled with set-based SQL in one transaction:
 *   GROUPS groups (default 5000) in 10 facilities, 10 members x 40 held
 *   weekly sessions each, ~75 % present: ~2,000,000 check-in events; plus
 *   one group GBIG of 30 participants x 40 sessions.
 *   web_overview: one admin's overview (every group is in its period);
 *   web_group:    the page of GBIG.
 * The attendance summary is filled as a migration fills it: the events are
 * loaded in bulk (on PostgreSQL with triggers off), then
 * srv_store_att_rebuild. With BLIPPA_PG_URI set (an empty database, e.g.
 * under `sh tests/helpers/pg_harness.sh run --durable -- bench_web`) it
 * runs on PostgreSQL, else on an SQLite file in a temp dir.
 * Prints BENCH web_{group,overview}_{median,p99,max}[_pg] <ms> ms.
 * Usage: bench_web [GROUPS]   (goals: group p99 <= 20 ms, overview <= 300 ms;
 * BENCH_WEB_RUNS=N overview requests, default 10; BENCH_WEB_DB=PATH: SQLite
 * file to create and keep, or to reuse as it is) */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "clock.h"
#include "srv_testutil.h"
#include "users_cmd.h"
#include "web.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of this thread: the server's own work, without the waits a
 * machine shared with other jobs adds to the wall clock. */
static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "bench_web: %s\n", err);
		exit(1);
	}
}

/* groups G<g> in facility F<g % 10>, members P<g*10+i>, sessions weekly
 * from 2021-01-04 (all held); GBIG in F0 with B0..B29 */
static void fill_sqlite(const char *path, int groups)
{
	sqlite3 *db = NULL;
	char sql[4096];
	if (sqlite3_open(path, &db) != SQLITE_OK)
		exit(1);
	exec(db, "PRAGMA synchronous = OFF; BEGIN;");
	exec(db, "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9)"
		 " INSERT INTO facilities SELECT 'F' || i, 'Förening ' || i, 'Europe/Stockholm'"
		 " FROM n;");
	snprintf(
	    sql, sizeof(sql),
	    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
	    " INSERT INTO groups SELECT 'G' || i, 'F' || (i %% 10), 'Grupp ' || i,"
	    " '2020-01-01', '2099-12-31' FROM n WHERE i < %d;"
	    "INSERT INTO groups VALUES('GBIG', 'F0', 'Stor grupp', '2020-01-01', '2099-12-31');",
	    groups, groups);
	exec(db, sql);
	snprintf(sql, sizeof(sql),
		 "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
		 " INSERT INTO participants(id, given_name, family_name) SELECT 'P' || i, "
		 "'Förnamn' || i, 'Efternamn' || i"
		 " FROM n WHERE i < %d;"
		 "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 29)"
		 " INSERT INTO participants(id, given_name, family_name) SELECT 'B' || i, "
		 "'Förnamn' || i, 'Efternamn' || i"
		 " FROM n;"
		 "INSERT INTO members SELECT CASE WHEN id LIKE 'B%%' THEN 'GBIG'"
		 " ELSE 'G' || (CAST(substr(id, 2) AS INTEGER) / 10) END, id FROM participants;",
		 groups * 10, groups * 10);
	exec(db, sql);
	exec(db, "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 39)"
		 " INSERT INTO sessions(id, group_id, start_local, end_local)"
		 " SELECT 'S' || g.id || '-' || n.i, g.id,"
		 " strftime('%Y-%m-%d 10:00', '2021-01-04', '+' || (7 * n.i) || ' days'),"
		 " strftime('%Y-%m-%d 11:00', '2021-01-04', '+' || (7 * n.i) || ' days')"
		 " FROM groups g, n;");
	/* ~75 % present: skip (participant + session) % 4 == 0 */
	exec(db, "INSERT INTO events SELECT 'e-' || s.id || '-' || m.participant_id, 'k-bench',"
		 " g.facility_id, 0, 1610000000000, 0, m.participant_id, s.id, NULL, NULL,"
		 " 1610000000000 FROM sessions s JOIN groups g ON g.id = s.group_id"
		 " JOIN members m ON m.group_id = g.id"
		 " WHERE (length(m.participant_id) + s.rowid) % 4 <> 0;");
	exec(db, "COMMIT;");
	sqlite3_close(db);
}

static void pg_exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "bench_web: %s\n", PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
}

/* The same data set on PostgreSQL, the events with triggers off. */
static void fill_pg(const char *uri, int groups)
{
	PGconn *c = PQconnectdb(uri);
	char sql[4096];
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "bench_web: %s\n", PQerrorMessage(c));
		exit(1);
	}
	pg_exec(c, "BEGIN;"
		   "INSERT INTO facilities SELECT 'F' || i, 'Förening ' || i, 'Europe/Stockholm'"
		   " FROM generate_series(0, 9) i;");
	snprintf(
	    sql, sizeof(sql),
	    "INSERT INTO groups SELECT 'G' || i, 'F' || (i %% 10), 'Grupp ' || i,"
	    " '2020-01-01', '2099-12-31' FROM generate_series(0, %d) i;"
	    "INSERT INTO groups VALUES('GBIG', 'F0', 'Stor grupp', '2020-01-01', '2099-12-31');"
	    "INSERT INTO participants SELECT 'P' || i, 'Förnamn' || i, 'Efternamn' || i"
	    " FROM generate_series(0, %d) i;"
	    "INSERT INTO participants SELECT 'B' || i, 'Förnamn' || i, 'Efternamn' || i"
	    " FROM generate_series(0, 29) i;"
	    "INSERT INTO members SELECT CASE WHEN id LIKE 'B%%' THEN 'GBIG'"
	    " ELSE 'G' || (substr(id, 2)::int / 10) END, id FROM participants;",
	    groups - 1, groups * 10 - 1);
	pg_exec(c, sql);
	pg_exec(c, "INSERT INTO sessions(id, group_id, start_local, end_local)"
		   " SELECT 'S' || g.id || '-' || n, g.id,"
		   " to_char(date '2021-01-04' + 7 * n, 'YYYY-MM-DD') || ' 10:00',"
		   " to_char(date '2021-01-04' + 7 * n, 'YYYY-MM-DD') || ' 11:00'"
		   " FROM groups g, generate_series(0, 39) n;"
		   "SET LOCAL session_replication_role = replica;"
		   "INSERT INTO events SELECT 'e-' || s.id || '-' || m.participant_id, 'k-bench',"
		   " g.facility_id, 0, 1610000000000, 0, m.participant_id, s.id, NULL, NULL,"
		   " 1610000000000 FROM sessions s JOIN groups g ON g.id = s.group_id"
		   " JOIN members m ON m.group_id = g.id"
		   " WHERE (length(m.participant_id) + hashtext(s.id)) % 4 <> 0;"
		   "COMMIT; ANALYZE;");
	PQfinish(c);
}

struct cookie_jar {
	char pre[80], session[80];
};

static const char *no_arg(void *ctx, const char *key)
{
	(void)ctx;
	(void)key;
	return NULL;
}

static void cookie_of(const struct web_response *r, const char *name, char *out, size_t n)
{
	for (int i = 0; i < WEB_COOKIES_MAX; i++) {
		size_t nl = strlen(name);
		if (strncmp(r->cookies[i], name, nl) == 0 && r->cookies[i][nl] == '=') {
			snprintf(out, n, "%.*s", (int)strcspn(r->cookies[i] + nl + 1, ";"),
				 r->cookies[i] + nl + 1);
		}
	}
}

static char *login(struct web *w)
{
	struct web_request rq = {
	    .method = "GET", .path = "/login", .client = "127.0.0.1", .arg = no_arg};
	struct web_response r;
	char pre[80] = "", cookie[200], body[300], *sess = calloc(1, 300);
	web_handle(w, &rq, &r);
	cookie_of(&r, "__Host-blippa_login", pre, sizeof(pre));
	web_response_clear(&r);
	snprintf(cookie, sizeof(cookie), "__Host-blippa_login=%s", pre);
	snprintf(body, sizeof(body), "csrf=%s&username=bench&password=correct+horse+battery", pre);
	rq = (struct web_request){.method = "POST",
				  .path = "/login",
				  .cookie = cookie,
				  .client = "127.0.0.1",
				  .body = body,
				  .body_len = strlen(body),
				  .arg = no_arg};
	web_handle(w, &rq, &r);
	char tok[80] = "";
	cookie_of(&r, "__Host-blippa_session", tok, sizeof(tok));
	if (r.status != 303 || !tok[0]) {
		fprintf(stderr, "bench_web: login failed (%u)\n", r.status);
		exit(1);
	}
	web_response_clear(&r);
	snprintf(sess, 300, "__Host-blippa_session=%s", tok);
	return sess;
}

/* BENCH_WEB_DUMP=DIR: the first answer of each page into DIR/NAME.html. */
static void dump(const char *name, const struct web_response *r)
{
	const char *dir = getenv("BENCH_WEB_DUMP");
	char path[1024];
	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s.html", dir, name);
	FILE *f = fopen(path, "w");
	if (!f || fwrite(r->body, 1, r->body_len, f) != r->body_len)
		fprintf(stderr, "bench_web: cannot write %s\n", path);
	if (f)
		fclose(f);
}

/* Times n requests of path; prints median, p99 and max of the wall clock,
 * and the median CPU time (SQLite: all of it is in this thread). */
static void measure(struct web *w, const char *cookie, const char *name, const char *sfx,
		    const char *path, int n)
{
	double *t = calloc((size_t)n, sizeof(*t)), *cpu = calloc((size_t)n, sizeof(*cpu));
	struct web_request rq = {
	    .method = "GET", .path = path, .cookie = cookie, .client = "127.0.0.1", .arg = no_arg};
	for (int i = -1; i < n; i++) { /* one more first: warms the caches */
		struct web_response r;
		double t0 = now_ms(), c0 = cpu_ms();
		web_handle(w, &rq, &r);
		if (i >= 0) {
			t[i] = now_ms() - t0;
			cpu[i] = cpu_ms() - c0;
		}
		if (r.status != 200) {
			fprintf(stderr, "bench_web: %s: %u\n", path, r.status);
			exit(1);
		}
		if (i < 0) {
			fprintf(stderr, "bench_web: %s: %zu bytes\n", path, r.body_len);
			dump(name, &r);
		}
		web_response_clear(&r);
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_d);
	printf("BENCH %s_median%s %.1f ms\n", name, sfx, t[n / 2]);
	printf("BENCH %s_p99%s %.1f ms\n", name, sfx, t[(size_t)((n - 1) * 0.99)]);
	printf("BENCH %s_max%s %.1f ms\n", name, sfx, t[n - 1]);
	qsort(cpu, (size_t)n, sizeof(*cpu), cmp_d);
	printf("BENCH %s_cpu_median%s %.1f ms\n", name, sfx, cpu[n / 2]);
	printf("BENCH %s_cpu_p99%s %.1f ms\n", name, sfx, cpu[(size_t)((n - 1) * 0.99)]);
	fflush(stdout);
	free(t);
	free(cpu);
}

int main(int argc, char **argv)
{
	int groups = argc > 1 ? atoi(argv[1]) : 5000;
	int runs = getenv("BENCH_WEB_RUNS") ? atoi(getenv("BENCH_WEB_RUNS")) : 10;
	const char *pg = getenv("BLIPPA_PG_URI");
	const char *sfx = pg ? "_pg" : "";
	char *tmp = NULL, db[1024], err[512];
	struct srv_store *st = NULL;
	bool reuse = false;
	if (groups < 1 || runs < 1 || auth_init() != BLIPPA_OK)
		return 1;
	double t0 = now_ms();
	if (pg) {
		if (srv_store_open(pg, true, &st, err, sizeof(err)) != BLIPPA_OK) {
			fprintf(stderr, "bench_web: %s\n", err);
			return 1;
		}
		fill_pg(pg, groups);
	} else if (getenv("BENCH_WEB_DB")) { /* kept for a look afterwards; reused if there */
		snprintf(db, sizeof(db), "%s", getenv("BENCH_WEB_DB"));
		reuse = srv_store_open(db, false, &st, err, sizeof(err)) == BLIPPA_OK;
		if (!reuse && srv_store_open(db, true, &st, err, sizeof(err)) != BLIPPA_OK) {
			fprintf(stderr, "bench_web: %s\n", err);
			return 1;
		}
		if (!reuse)
			fill_sqlite(db, groups);
	} else {
		st = tu_store_open(&tmp, db, sizeof(db));
		fill_sqlite(db, groups);
	}
	double t1 = now_ms();
	if (!reuse && srv_store_att_rebuild(st) != BLIPPA_OK)
		return 1;
	fprintf(stderr,
		"bench_web: %d groups x 10 members x 40 sessions (+ GBIG) filled in %.0f ms,"
		" summary rebuilt in %.0f ms\n",
		groups, t1 - t0, now_ms() - t1);
	struct srv_user u = {.name = "bench", .role = SRV_ROLE_ADMIN};
	enum blippa_err rc = users_pw_hash("correct horse battery", u.pw_hash);
	if (rc == BLIPPA_OK)
		rc = srv_store_add_user(st, &u);
	if (rc != BLIPPA_OK && !(reuse && rc == BLIPPA_ERR_EXISTS))
		return 1;
	struct web *w = NULL;
	if (web_new(st, NULL, &w) != BLIPPA_OK)
		return 1;
	char *cookie = login(w);
	measure(w, cookie, "web_group", sfx, "/groups/GBIG", 200);
	measure(w, cookie, "web_overview", sfx, "/", runs);
	free(cookie);
	web_free(w);
	if (tmp)
		tu_store_close(st, tmp);
	else
		srv_store_close(st);
	return 0;
}
