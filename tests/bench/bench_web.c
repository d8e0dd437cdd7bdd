/* SPDX-License-Identifier: MIT */
/* Benchmark of the back-office pages, server time in process (web_handle,
 * the function the HTTP front calls, without TLS and sockets), on a real
 * SQLite region database filled with SQL:
 *   group:    one group of 30 participants x 40 held sessions, ~75 % present
 *   overview: GROUPS groups (default 5000) of 10 members x 40 sessions,
 *             ~2,000,000 check-in events, one admin's overview
 * Prints BENCH web_group_p99 <ms> ms, BENCH web_overview_p99 <ms> ms.
 * Usage: bench_web [GROUPS]   (goals: group <= 20 ms, overview <= 300 ms) */
#include <sqlite3.h>
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

/* groups G<g> in facility F<g % 10>, members m, sessions s (weekly, all held) */
static void fill(const char *path, int groups, int members, int sessions)
{
	sqlite3 *db = NULL;
	char sql[4096];
	if (sqlite3_open(path, &db) != SQLITE_OK)
		exit(1);
	exec(db, "PRAGMA synchronous = OFF; BEGIN;");
	snprintf(sql, sizeof(sql),
		 "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
		 " INSERT INTO facilities SELECT 'F' || i, 'Förening ' || i, 'Europe/Stockholm'"
		 " FROM n WHERE i < 10;",
		 groups);
	exec(db, sql);
	snprintf(sql, sizeof(sql),
		 "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
		 " INSERT INTO groups SELECT 'G' || i, 'F' || (i %% 10), 'Grupp ' || i,"
		 " '2020-01-01', '2099-12-31' FROM n WHERE i < %d;",
		 groups, groups);
	exec(db, sql);
	snprintf(sql, sizeof(sql),
		 "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
		 " INSERT INTO participants SELECT 'P' || i, 'Förnamn' || i, 'Efternamn' || i"
		 " FROM n WHERE i < %d;",
		 groups * members, groups * members);
	exec(db, sql);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO members SELECT 'G' || (CAST(substr(id, 2) AS INTEGER) / %d), id"
		 " FROM participants;",
		 members);
	exec(db, sql);
	snprintf(sql, sizeof(sql),
		 "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
		 " INSERT INTO sessions(id, group_id, start_local, end_local)"
		 " SELECT 'S' || g.id || '-' || n.i, g.id,"
		 " strftime('%%Y-%%m-%%d 10:00', '2021-01-04', '+' || (7 * n.i) || ' days'),"
		 " strftime('%%Y-%%m-%%d 11:00', '2021-01-04', '+' || (7 * n.i) || ' days')"
		 " FROM groups g, n WHERE n.i < %d;",
		 sessions, sessions);
	exec(db, sql);
	/* ~75 % present: skip (participant + session) % 4 == 0 */
	exec(db, "INSERT INTO events SELECT 'e-' || s.id || '-' || m.participant_id, 'k-bench',"
		 " g.facility_id, 0, 1610000000000, 0, m.participant_id, s.id, NULL, NULL,"
		 " 1610000000000 FROM sessions s JOIN groups g ON g.id = s.group_id"
		 " JOIN members m ON m.group_id = g.id"
		 " WHERE (length(m.participant_id) + s.rowid) % 4 <> 0;");
	exec(db, "COMMIT;");
	sqlite3_close(db);
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

static double p99(struct web *w, const char *cookie, const char *path, int n)
{
	double *t = calloc((size_t)n, sizeof(*t));
	struct web_request rq = {
	    .method = "GET", .path = path, .cookie = cookie, .client = "127.0.0.1", .arg = no_arg};
	for (int i = 0; i < n; i++) {
		struct web_response r;
		double t0 = now_ms();
		web_handle(w, &rq, &r);
		t[i] = now_ms() - t0;
		if (r.status != 200) {
			fprintf(stderr, "bench_web: %s: %u\n", path, r.status);
			exit(1);
		}
		web_response_clear(&r);
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_d);
	double v = t[(size_t)((n - 1) * 0.99)];
	free(t);
	return v;
}

static void run(const char *name, int groups, int members, int sessions, const char *path, int n)
{
	char *tmp = NULL, db[1024];
	struct srv_store *st = tu_store_open(&tmp, db, sizeof(db));
	double t0 = now_ms();
	fill(db, groups, members, sessions);
	fprintf(stderr, "bench_web: %s: %d groups x %d members x %d sessions filled in %.0f ms\n",
		name, groups, members, sessions, now_ms() - t0);
	struct srv_user u = {.name = "bench", .role = SRV_ROLE_ADMIN};
	if (users_pw_hash("correct horse battery", u.pw_hash) != BLIPPA_OK ||
	    srv_store_add_user(st, &u) != BLIPPA_OK)
		exit(1);
	struct web *w = NULL;
	if (web_new(st, NULL, &w) != BLIPPA_OK)
		exit(1);
	char *cookie = login(w);
	p99(w, cookie, path, 1); /* warm the page cache */
	printf("BENCH %s %.1f ms\n", name, p99(w, cookie, path, n));
	fflush(stdout);
	free(cookie);
	web_free(w);
	tu_store_close(st, tmp);
}

int main(int argc, char **argv)
{
	int groups = argc > 1 ? atoi(argv[1]) : 5000;
	if (auth_init() != BLIPPA_OK)
		return 1;
	run("web_group_p99", 1, 30, 40, "/groups/G0", 200);
	run("web_overview_p99", groups, 10, 40, "/", 10);
	return 0;
}
