/* SPDX-License-Identifier: MIT */
/* The real blippa-server binary on PostgreSQL (issue 8): admin commands
 * with --db postgresql://... on a throwaway PostgreSQL 15 (BLIPPA_PG_URI from
 * tests/helpers/pg_harness.sh), then TWO `serve` processes on that one
 * database over HTTPS on 127.0.0.1 (CA made at test time, libcurl with
 * verification on). The server's key checks, as for SQLite
 * (test_server_http.c): init never overwrites, import twice = unchanged and a
 * bad import changes nothing, token scoping (401/403, revoked), event
 * results with duplicates and void, export present/absent; and what several
 * processes add: a batch answered by one process is duplicate at the other,
 * the roster ETag is the same from both, many clients racing the same events
 * across both processes store each once, a lost database connection is
 * re-established, and both stop cleanly on SIGTERM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "srv_testutil.h"

#define N_SRV 2

static char *tmp;
static const char *db; /* the PostgreSQL URI */
static char pki[1024], ca[1100], cert[1100], key[1100];
static char tok_a[80], tok_b[80], tok_revoked[80];
static struct tu_server srv[N_SRV];

/* Runs blippa-server with args (NULL-terminated), stdin from in; stdout /
 * stderr into malloc'd *out / *err (may be NULL). Returns the exit status. */
static int run(const char *in, char **out, char **err, ...)
{
	va_list ap;
	va_start(ap, err);
	int rc = tu_run_v(BLIPPA_SERVER_BIN, tmp, in, out, err, ap);
	va_end(ap);
	return rc;
}

static void server_start(struct tu_server *s)
{
	const char *const argv[] = {BLIPPA_SERVER_BIN, "serve",	      "--db",	db,
				    "--listen",	       "127.0.0.1:0", "--cert", cert,
				    "--key",	       key,	      NULL};
	tu_server_start(s, argv, true);
}

/* One request to server s. token NULL: none; body NULL: GET. */
static struct tu_reply req(int s, const char *path, const char *token, const char *body,
			   const char *hdr)
{
	return tu_http_req(srv[s].url, ca, body ? "POST" : "GET", path, token, body,
			   body ? strlen(body) : 0, hdr);
}

static void expect(struct tu_reply *r, long status, const char *text)
{
	if (r->status != status || (text && (!r->body || !strstr(r->body, text))))
		fail_msg("expected %ld '%s', got %ld '%s'", status, text ? text : "", r->status,
			 r->body ? r->body : "");
	free(r->body);
	r->body = NULL;
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;
	for (const char *p = s; p && (p = strstr(p, what)) != NULL; p += strlen(what))
		n++;
	return n;
}

static void token_of(const char *fac, const char *name, char out[80])
{
	char *o = NULL, *e = NULL;
	assert_int_equal(
	    run(NULL, &o, &e, "add-kiosk", "--db", db, "--facility", fac, "--name", name, NULL), 0);
	assert_int_equal(strlen(o), 65);
	assert_non_null(strstr(e, "shown only once"));
	snprintf(out, 80, "%.64s", o);
	free(o);
	free(e);
}

static int group_setup(void **state)
{
	(void)state;
	char cmd[1200], *out = NULL, *err = NULL;
	db = getenv("BLIPPA_PG_URI");
	if (!db || strncmp(db, "postgresql://", 13) != 0) {
		fprintf(stderr, "BLIPPA_PG_URI not set: run under tests/helpers/pg_harness.sh\n");
		return -1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tmp = tu_mkdtemp();
	snprintf(pki, sizeof(pki), "%s/pki", tmp);
	snprintf(ca, sizeof(ca), "%s/ca.pem", pki);
	snprintf(cert, sizeof(cert), "%s/server.pem", pki);
	snprintf(key, sizeof(key), "%s/server-key.pem", pki);
	snprintf(cmd, sizeof(cmd), "sh '%s' '%s'", MAKE_TEST_CA, pki);
	assert_int_equal(system(cmd), 0);
	/* an empty database: commands other than init refuse it */
	assert_int_equal(run(NULL, NULL, &err, "export", "--db", db, NULL), 1);
	assert_non_null(strstr(err, "make one with init"));
	free(err);
	assert_int_equal(run(NULL, &out, NULL, "init", "--db", db, NULL), 0);
	free(out);
	char *dir = tu_roster_dir(tmp, "roster", NULL);
	assert_int_equal(run(NULL, &out, NULL, "import", "--db", db, dir, NULL), 0);
	free(out);
	free(dir);
	token_of("F1", "Entré A", tok_a);
	token_of("F2", "Entré B", tok_b);
	token_of("F1", "Gammal", tok_revoked);
	for (int i = 0; i < N_SRV; i++)
		server_start(&srv[i]);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	int bad = 0;
	for (int i = 0; i < N_SRV; i++)
		if (tu_server_stop(&srv[i]) != 0)
			bad++;
	tu_rmtree(tmp);
	free(tmp);
	curl_global_cleanup();
	if (bad)
		fprintf(stderr, "%d server(s) did not exit 0 on SIGTERM\n", bad);
	return bad ? -1 : 0;
}

static void test_cli_init_import(void **state)
{
	(void)state;
	char *out = NULL, *err = NULL, *e1 = NULL, *e2 = NULL;
	assert_int_equal(run(NULL, NULL, &err, "init", "--db", db, NULL), 1);
	assert_non_null(strstr(err, "already exists"));
	assert_null(strstr(err, "postgresql://"));
	free(err);
	char *dir = tu_roster_dir(tmp, "again", NULL);
	assert_int_equal(run(NULL, &e1, NULL, "export", "--db", db, NULL), 0);
	assert_int_equal(run(NULL, &out, NULL, "import", "--db", db, dir, NULL), 0);
	assert_non_null(strstr(out, ": 0 rows added or changed, 0 removed"));
	free(out);
	char *bad = tu_roster_dir(tmp, "bad", "roster-bad-end");
	assert_int_equal(run(NULL, NULL, &err, "import", "--db", db, bad, NULL), 1);
	assert_non_null(strstr(err, "nothing imported"));
	free(err);
	assert_int_equal(run(NULL, &e2, NULL, "export", "--db", db, NULL), 0);
	assert_string_equal(e1, e2);
	assert_non_null(strstr(e1, "F1,G1,S1,2026-11-23 10:00,P1,Åsa,Östberg,absent,,,\n"));
	assert_int_equal(
	    run(NULL, NULL, &err, "add-kiosk", "--db", db, "--facility", "F9", "--name", "x", NULL),
	    1);
	assert_non_null(strstr(err, "no facility F9"));
	free(err);
	assert_int_equal(run("4711\n", NULL, &err, "set-pin", "--db", db, "--leader", "L9", NULL),
			 1);
	assert_non_null(strstr(err, "no leader L9"));
	free(err);
	free(e1);
	free(e2);
	free(dir);
	free(bad);
}

static void test_auth_and_scoping(void **state)
{
	(void)state;
	struct tu_reply r = req(0, "/v1/roster", NULL, NULL, NULL);
	expect(&r, 401, "missing bearer token");
	r = req(1, "/v1/roster", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		NULL, NULL);
	expect(&r, 401, "unknown or revoked token");
	r = req(0, "/v1/roster", tok_revoked, NULL, NULL);
	assert_int_equal(r.status, 200);
	char kid[32] = "";
	const char *p = strstr(r.body, "\"kiosk_id\":\"");
	assert_non_null(p);
	snprintf(kid, sizeof(kid), "%.*s", (int)strcspn(p + 12, "\""), p + 12);
	free(r.body);
	char *out = NULL;
	assert_int_equal(run(NULL, &out, NULL, "revoke-kiosk", "--db", db, "--kiosk", kid, NULL),
			 0);
	free(out);
	for (int s = 0; s < N_SRV; s++) { /* both processes see it at once */
		r = req(s, "/v1/roster", tok_revoked, NULL, NULL);
		expect(&r, 401, "unknown or revoked token");
	}
	r = req(1, "/v1/roster?facility=F2", tok_a, NULL, NULL);
	expect(&r, 403, "facility");
	r = req(0, "/v1/roster", tok_a, NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"Östberg\""));
	assert_null(strstr(r.body, "Åkesson"));
	free(r.body);
	r = req(1, "/v1/roster", tok_b, NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "Åkesson"));
	assert_null(strstr(r.body, "Östberg"));
	free(r.body);
	r = req(1, "/v1/events", tok_b,
		"{\"events\":[{\"id\":\"0192f5c4-0000-7000-8000-00000000b001\",\"type\":"
		"\"checkin\",\"at\":1795424040000,\"method\":\"card\",\"participant_id\":\"P1\","
		"\"session_id\":\"S1\"}]}",
		NULL);
	expect(&r, 200, "session not in facility");
}

static void test_roster_etag_across_processes(void **state)
{
	(void)state;
	char inm[200];
	struct tu_reply r = req(0, "/v1/roster", tok_a, NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(strlen(r.etag), 66);
	free(r.body);
	snprintf(inm, sizeof(inm), "If-None-Match: %s", r.etag);
	struct tu_reply r2 = req(1, "/v1/roster", tok_a, NULL, inm); /* the other process */
	assert_int_equal(r2.status, 304);
	assert_string_equal(r2.etag, r.etag);
	free(r2.body);
	char *out = NULL;
	assert_int_equal(run("4711\n", &out, NULL, "set-pin", "--db", db, "--leader", "L1", NULL),
			 0);
	free(out);
	for (int s = 0; s < N_SRV; s++) {
		r2 = req(s, "/v1/roster", tok_a, NULL, inm);
		assert_int_equal(r2.status, 200);
		assert_string_not_equal(r2.etag, r.etag);
		assert_non_null(strstr(r2.body, "$argon2id$"));
		free(r2.body);
	}
}

#define EV(n, rest) "{\"id\":\"0192f5c4-0000-7000-8000-0000000a00" n "\"," rest "}"
#define CHECKIN(pid, sid, m)                                                                       \
	"\"type\":\"checkin\",\"at\":1795424040000,\"method\":\"" m "\",\"participant_id\":\"" pid \
	"\",\"session_id\":\"" sid "\""

static void test_events_void_and_export(void **state)
{
	(void)state;
	const char *batch = "{\"events\":[" EV("01", CHECKIN("P1", "S1", "card")) "," EV(
	    "02", CHECKIN("P3", "S1",
			  "name")) "," EV("03",
					  "\"type\":\"void\",\"at\":1795424045000,"
					  "\"voids\":\"0192f5c4-0000-7000-8000-"
					  "0000000a0002\"") "," EV("04", CHECKIN("P9", "S1",
										 "card")) "]}";
	struct tu_reply r = req(0, "/v1/events", tok_a, batch, NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(count(r.body, "\"accepted\""), 3);
	assert_non_null(strstr(r.body, "unknown participant"));
	free(r.body);
	/* the retry reaches the other process: duplicates there */
	r = req(1, "/v1/events", tok_a, batch, NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(count(r.body, "\"duplicate\""), 3);
	assert_int_equal(count(r.body, "\"rejected\""), 1);
	free(r.body);
	r = req(1, "/v1/heartbeat", tok_a,
		"{\"version\":\"0.1.0\",\"pending\":7,\"oldest_pending_age_s\":30,"
		"\"reader\":\"ready\",\"last_error\":\"\",\"time\":1795428000123}",
		NULL);
	assert_int_equal(r.status, 200);
	const char *p = strstr(r.body, "\"kiosk_id\":\"");
	assert_non_null(p);
	char kid[32], line[256];
	snprintf(kid, sizeof(kid), "%.*s", (int)strcspn(p + 12, "\""), p + 12);
	free(r.body);
	char *out = NULL;
	assert_int_equal(run(NULL, &out, NULL, "export", "--db", db, "--facility", "F1", "--from",
			     "2026-11-23", "--to", "2026-11-23", NULL),
			 0);
	snprintf(line, sizeof(line),
		 "F1,G1,S1,2026-11-23 10:00,P1,Åsa,Östberg,present,2026-11-23 09:54,card,%s\n",
		 kid);
	assert_non_null(strstr(out, line));
	assert_non_null(strstr(out, "F1,G1,S1,2026-11-23 10:00,P3,Anna-Lena,\"Svensson, d.y.\","
				    "absent,,,\n"));
	assert_null(strstr(out, ",S2,")); /* the date filter */
	free(out);
	assert_int_equal(run(NULL, &out, NULL, "list-kiosks", "--db", db, NULL), 0);
	assert_non_null(strstr(out, kid));
	assert_non_null(strstr(out, "pending 7"));
	free(out);
}

struct racer {
	pthread_t t;
	int server;
	const char *body;
	size_t accepted, duplicate;
	long status;
};

static void *racer_run(void *arg)
{
	struct racer *r = arg;
	struct tu_reply rep = req(r->server, "/v1/events", tok_a, r->body, NULL);
	r->status = rep.status;
	r->accepted = count(rep.body, "\"accepted\"");
	r->duplicate = count(rep.body, "\"duplicate\"");
	free(rep.body);
	return NULL;
}

static void test_same_events_across_processes_stored_once(void **state)
{
	(void)state;
	enum { N_EV = 300, N_CLIENTS = 6 };
	size_t cap = N_EV * 220;
	char *body[2] = {malloc(cap), malloc(cap)};
	for (int v = 0; v < 2; v++) { /* the same events, in opposite orders */
		size_t o = (size_t)snprintf(body[v], cap, "{\"events\":[");
		for (int j = 0; j < N_EV; j++) {
			int i = v ? N_EV - 1 - j : j;
			o += (size_t)snprintf(
			    body[v] + o, cap - o,
			    "%s{\"id\":\"0192f5c4-0000-7000-8000-0000000c%04d\","
			    "\"type\":\"checkin\",\"at\":1795424040000,\"method\":"
			    "\"card\",\"participant_id\":\"P%d\",\"session_id\":\"S2\"}",
			    j ? "," : "", i, 1 + i % 3);
		}
		snprintf(body[v] + o, cap - o, "]}");
	}
	struct racer rs[N_CLIENTS];
	memset(rs, 0, sizeof(rs));
	for (int i = 0; i < N_CLIENTS; i++) {
		rs[i].server = i % N_SRV;
		rs[i].body = body[(i / N_SRV) % 2];
		assert_int_equal(pthread_create(&rs[i].t, NULL, racer_run, &rs[i]), 0);
	}
	size_t acc = 0, dup = 0;
	for (int i = 0; i < N_CLIENTS; i++) {
		pthread_join(rs[i].t, NULL);
		assert_int_equal(rs[i].status, 200);
		acc += rs[i].accepted;
		dup += rs[i].duplicate;
	}
	free(body[0]);
	free(body[1]);
	assert_int_equal(acc, N_EV);
	assert_int_equal(dup, (size_t)N_EV * (N_CLIENTS - 1));
	assert_int_equal(
	    tu_pg_count(db, "SELECT count(*) FROM events WHERE id LIKE '0192f5c4-0000-7000-"
			    "8000-0000000c%'"),
	    N_EV);
}

static void test_database_connection_lost(void **state)
{
	(void)state;
	/* every server session of the database ends (restart, failover) */
	assert_true(
	    tu_pg_count(db, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE"
			    " datname = current_database() AND pid <> pg_backend_pid()") >= 1);
	for (int s = 0; s < N_SRV; s++) {
		struct tu_reply r = req(s, "/v1/roster", tok_b, NULL, NULL);
		expect(&r, 200, "Åkesson");
	}
	tu_pg_count(db, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE"
			" datname = current_database() AND pid <> pg_backend_pid()");
	struct tu_reply r = req(1, "/v1/events", tok_a,
				"{\"events\":[" EV("99", CHECKIN("P2", "S2", "card")) "]}", NULL);
	expect(&r, 200, "\"accepted\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cli_init_import),
	    cmocka_unit_test(test_auth_and_scoping),
	    cmocka_unit_test(test_roster_etag_across_processes),
	    cmocka_unit_test(test_events_void_and_export),
	    cmocka_unit_test(test_same_events_across_processes_stored_once),
	    cmocka_unit_test(test_database_connection_lost),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
