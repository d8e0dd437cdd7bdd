/* SPDX-License-Identifier: MIT */
/* Integration test of the real blippa-server binary: admin commands on a
 * real SQLite file, then `serve` over HTTPS on 127.0.0.1 (port 0) with a CA
 * and certificate made at test time (tests/helpers/make-test-ca.sh), driven
 * by libcurl with verification ON. Covers token scoping, 401/403/404/405/413/
 * 400, ETag/304, event results, void, export, heartbeat, a wrong CA, plain
 * HTTP refused off loopback, a stalled client not blocking others, 401
 * without reading the body, the per-IP connection limit, card links scoped
 * to the kiosk's facility, and a clean exit on SIGTERM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "srv_testutil.h"

#define DEADLINE_MS 20000

static char *tmp;
static char db[1024];
static struct tu_pki pki;
static char tok_a[80], tok_b[80], tok_revoked[80];
static struct tu_server srv;

/* Runs blippa-server with args (NULL-terminated), stdin from in (may be
 * NULL); stdout/stderr into malloc'd *out / *err (may be NULL). Returns the
 * exit status, or -1 if it did not exit normally. */
#define run(in, out, err, ...) tu_run(BLIPPA_SERVER_BIN, tmp, in, out, err, __VA_ARGS__)

/* Starts `serve` with extra args; waits for "listening on" (deadline). */
static void server_start(struct tu_server *s, const char *listen, bool tls, const char *per_ip)
{
	const char *argv[12] = {BLIPPA_SERVER_BIN, "serve", "--db", db, "--listen", listen};
	int n = 6;
	if (tls) {
		argv[n++] = "--cert";
		argv[n++] = pki.cert;
		argv[n++] = "--key";
		argv[n++] = pki.key;
	} else if (per_ip) {
		argv[n++] = "--per-ip-limit";
		argv[n++] = per_ip;
	}
	argv[n] = NULL;
	tu_server_start(s, argv, tls);
}

/* One request. token NULL: no Authorization; body NULL: GET. */
static struct tu_reply req(const char *method, const char *path, const char *token,
			   const char *body, size_t body_len, const char *hdr, const char *cafile)
{
	return tu_http_req(srv.url, cafile ? cafile : pki.ca, method, path, token, body, body_len,
			   hdr);
}

static struct tu_reply get(const char *path, const char *token, const char *hdr)
{
	return req("GET", path, token, NULL, 0, hdr, NULL);
}

static struct tu_reply post(const char *path, const char *token, const char *body)
{
	return req("POST", path, token, body, strlen(body), NULL, NULL);
}

static void expect_error(struct tu_reply *r, long status, const char *reason)
{
	if (r->status != status || !r->body || !strstr(r->body, reason))
		fail_msg("expected %ld '%s', got %ld (curl %d) '%s'", status, reason, r->status,
			 r->cc, r->body ? r->body : "");
	free(r->body);
	r->body = NULL;
}

static char *token_of(const char *fac, const char *name)
{
	char *out = NULL, *err = NULL;
	assert_int_equal(
	    run(NULL, &out, &err, "add-kiosk", "--db", db, "--facility", fac, "--name", name, NULL),
	    0);
	assert_int_equal(strlen(out), 65); /* 64 hex + newline */
	assert_non_null(strstr(err, "shown only once"));
	out[64] = '\0';
	free(err);
	return out;
}

static int group_setup(void **state)
{
	(void)state;
	char *out = NULL, *dir;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tmp = tu_mkdtemp();
	snprintf(db, sizeof(db), "%s/region.db", tmp);
	tu_pki_make(&pki, MAKE_TEST_CA, tmp);
	assert_int_equal(run(NULL, NULL, NULL, "init", "--db", db, NULL), 0);
	dir = tu_roster_dir(tmp, "roster", NULL);
	assert_int_equal(run(NULL, &out, NULL, "import", "--db", db, dir, NULL), 0);
	free(out);
	free(dir);
	char *t = token_of("F1", "Entré A");
	snprintf(tok_a, sizeof(tok_a), "%s", t);
	free(t);
	t = token_of("F2", "Entré B");
	snprintf(tok_b, sizeof(tok_b), "%s", t);
	free(t);
	t = token_of("F1", "Gammal");
	snprintf(tok_revoked, sizeof(tok_revoked), "%s", t);
	free(t);
	server_start(&srv, "127.0.0.1:0", true, NULL);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	int rc = tu_server_stop(&srv);
	tu_rmtree(tmp);
	free(tmp);
	curl_global_cleanup();
	if (rc != 0) {
		fprintf(stderr, "server did not exit 0 on SIGTERM (%d)\n", rc);
		return -1;
	}
	return 0;
}

static void test_cli_contract(void **state)
{
	(void)state;
	static const char *const cmds[] = {"init",  "import", "add-kiosk",   "set-pin",
					   "serve", "export", "list-kiosks", "revoke-kiosk"};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char *out = NULL;
		assert_int_equal(run(NULL, &out, NULL, cmds[i], "--help", NULL), 0);
		assert_non_null(strstr(out, "usage: blippa-server"));
		free(out);
	}
	char *err = NULL;
	assert_int_equal(run(NULL, NULL, &err, "frobnicate", NULL), 2);
	free(err);
	assert_int_equal(run(NULL, NULL, &err, "init", "--db", db, NULL), 1);
	assert_non_null(strstr(err, "already exists"));
	free(err);
	assert_int_equal(run(NULL, NULL, &err, "export", "--db", db, "--from", "2026-13-01", NULL),
			 1);
	free(err);
	assert_int_equal(run("12ab\n", NULL, &err, "set-pin", "--db", db, "--leader", "L1", NULL),
			 1);
	assert_non_null(strstr(err, "4-12 digits"));
	free(err);
	assert_int_equal(
	    run(NULL, NULL, &err, "add-kiosk", "--db", db, "--facility", "F9", "--name", "x", NULL),
	    1);
	assert_non_null(strstr(err, "no facility F9"));
	free(err);
}

static void test_import_cli_idempotent_and_atomic(void **state)
{
	(void)state;
	char *out = NULL, *err = NULL, *e1 = NULL, *e2 = NULL;
	char *dir = tu_roster_dir(tmp, "again", NULL);
	assert_int_equal(run(NULL, &e1, NULL, "export", "--db", db, NULL), 0);
	assert_int_equal(run(NULL, &out, NULL, "import", "--db", db, dir, NULL), 0);
	assert_non_null(strstr(out, ": 0 rows added or changed, 0 removed"));
	free(out);
	char *bad = tu_roster_dir(tmp, "bad", "roster-bad-end");
	assert_int_equal(run(NULL, NULL, &err, "import", "--db", db, bad, NULL), 1);
	assert_non_null(strstr(err, "/sessions.csv:4: end"));
	assert_non_null(strstr(err, "nothing imported"));
	free(err);
	/* three files with an error each: all three, one a line, in file order */
	char p[1200], *bad3 = tu_roster_dir(tmp, "bad3", "roster-bad-end");
	snprintf(p, sizeof(p), "%s/participants.csv", bad3);
	tu_write_file(p, "participant_id,given_name,family_name,card_uid\n"
			 "P1,A,B,04A1B2C3\nP2,C,D,04a1b2c3\nP3,E,F,\nP4,G,H,\nP5,I,J,\nP6,K,L,\n");
	snprintf(p, sizeof(p), "%s/members.csv", bad3);
	tu_write_file(p, "group_id,participant_id\nG1,P1\nG1,P2\nG2,P9\n");
	assert_int_equal(run(NULL, NULL, &err, "import", "--db", db, bad3, NULL), 1);
	const char *l1 = strstr(err, "/sessions.csv:4: end 2026-11-24 13:00 is not after start"),
		   *l2 = strstr(err, "\n"), *l3 = l2 ? strstr(l2 + 1, "\n") : NULL;
	if (!l1 || !l2 || !l3 || !strstr(l2, "/participants.csv:3: card_uid already used") ||
	    !strstr(l3, "/members.csv:4: participant_id P9 is not in participants.csv") ||
	    !strstr(l3, "nothing imported"))
		fail_msg("import said: %s", err);
	free(bad3);
	assert_int_equal(run(NULL, &e2, NULL, "export", "--db", db, NULL), 0);
	assert_string_equal(e1, e2);
	free(err);
	free(e1);
	free(e2);
	free(dir);
	free(bad);
}

static void test_auth_and_scoping(void **state)
{
	(void)state;
	struct tu_reply r = get("/v1/roster", NULL, NULL);
	expect_error(&r, 401, "missing bearer token");
	r = get("/v1/roster", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		NULL);
	expect_error(&r, 401, "unknown or revoked token");
	r = get("/v1/roster", "not-a-token", NULL);
	expect_error(&r, 401, "unknown or revoked token");
	/* a revoked kiosk: its token worked, then never again */
	r = get("/v1/roster", tok_revoked, NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
	char *out = NULL;
	r = get("/v1/roster", tok_revoked, NULL);
	json_t *root = json_loads(r.body, 0, NULL);
	assert_non_null(root);
	const char *kid = json_string_value(json_object_get(root, "kiosk_id"));
	assert_non_null(kid);
	assert_int_equal(run(NULL, &out, NULL, "revoke-kiosk", "--db", db, "--kiosk", kid, NULL),
			 0);
	json_decref(root);
	free(r.body);
	free(out);
	r = get("/v1/roster", tok_revoked, NULL);
	expect_error(&r, 401, "unknown or revoked token");
	/* kiosk A (F1) asking for facility F2 */
	r = get("/v1/roster?facility=F2", tok_a, NULL);
	expect_error(&r, 403, "facility");
	r = get("/v1/roster?facility=F1", tok_a, NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
	/* A's roster holds F1's people only; B's holds F2's */
	r = get("/v1/roster", tok_a, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"Östberg\""));
	assert_null(strstr(r.body, "Åkesson"));
	assert_null(strstr(r.body, "\"F2\""));
	free(r.body);
	r = get("/v1/roster", tok_b, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "Åkesson"));
	assert_null(strstr(r.body, "Östberg"));
	free(r.body);
	/* B cannot post events for A's sessions */
	r = post("/v1/events", tok_b,
		 "{\"events\":[{\"id\":\"0192f5c4-0000-7000-8000-00000000b001\",\"type\":"
		 "\"checkin\",\"at\":1795424040000,\"method\":\"card\",\"participant_id\":\"P1\","
		 "\"session_id\":\"S1\"}]}");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "session not in facility"));
	free(r.body);
}

static void test_roster_etag_304(void **state)
{
	(void)state;
	char inm[200];
	struct tu_reply r = get("/v1/roster", tok_a, NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(strlen(r.etag), 66); /* quoted hex SHA-256 */
	json_error_t je;
	json_t *root = json_loads(r.body, 0, &je);
	assert_non_null(root);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(root, "facility"), "id")), "F1");
	json_decref(root);
	free(r.body);
	snprintf(inm, sizeof(inm), "If-None-Match: %s", r.etag);
	struct tu_reply r2 = get("/v1/roster", tok_a, inm);
	assert_int_equal(r2.status, 304);
	assert_int_equal(r2.len, 0);
	assert_string_equal(r2.etag, r.etag);
	free(r2.body);
	/* a changed roster (a new PIN) gives 200 and a new ETag */
	char *out = NULL;
	assert_int_equal(run("4711\n", &out, NULL, "set-pin", "--db", db, "--leader", "L1", NULL),
			 0);
	free(out);
	r2 = get("/v1/roster", tok_a, inm);
	assert_int_equal(r2.status, 200);
	assert_string_not_equal(r2.etag, r.etag);
	assert_non_null(strstr(r2.body, "$argon2id$"));
	free(r2.body);
	r2 = get("/v1/roster", tok_a, "If-None-Match: \"0000\"");
	assert_int_equal(r2.status, 200);
	free(r2.body);
}

#define EV(n, rest) "{\"id\":\"0192f5c4-0000-7000-8000-0000000a00" n "\"," rest "}"
#define CHECKIN(pid, sid, m)                                                                       \
	"\"type\":\"checkin\",\"at\":1795424040000,\"method\":\"" m "\",\"participant_id\":\"" pid \
	"\",\"session_id\":\"" sid "\""

static void test_events_void_and_export(void **state)
{
	(void)state;
	const char *batch =
	    "{\"events\":[" EV("01", CHECKIN("P1", "S1", "card")) "," EV("02", CHECKIN("P3", "S1", "name")) "," EV(
		"03",
		"\"type\":\"void\",\"at\":1795424045000,\"voids\":"
		"\"0192f5c4-0000-7000-8000-0000000a0002\"") "," EV("04",
								   CHECKIN(
								       "P9", "S1",
								       "card")) "," EV("05",
										       CHECKIN(
											   "P1",
											   "S4",
											   "card")) "]}";
	struct tu_reply r = post("/v1/events", tok_a, batch);
	assert_int_equal(r.status, 200);
	json_t *root = json_loads(r.body, 0, NULL);
	assert_non_null(root);
	json_t *res = json_object_get(root, "results");
	assert_int_equal(json_array_size(res), 5);
	static const char *const want[][2] = {{"accepted", NULL},
					      {"accepted", NULL},
					      {"accepted", NULL},
					      {"rejected", "unknown participant"},
					      {"rejected", "session not in facility"}};
	for (size_t i = 0; i < 5; i++) {
		json_t *o = json_array_get(res, i);
		assert_string_equal(json_string_value(json_object_get(o, "status")), want[i][0]);
		if (want[i][1])
			assert_string_equal(json_string_value(json_object_get(o, "reason")),
					    want[i][1]);
	}
	json_decref(root);
	free(r.body);
	/* the same batch again (a retry after a lost answer): duplicates */
	r = post("/v1/events", tok_a, batch);
	assert_int_equal(r.status, 200);
	root = json_loads(r.body, 0, NULL);
	res = json_object_get(root, "results");
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(
		    json_string_value(json_object_get(json_array_get(res, i), "status")),
		    "duplicate");
	json_decref(root);
	free(r.body);
	/* the export shows P1 present (card, kiosk A), P3 absent (voided) */
	r = post("/v1/heartbeat", tok_a,
		 "{\"version\":\"0.1.0\",\"pending\":7,\"oldest_pending_age_s\":30,"
		 "\"reader\":\"ready\",\"last_error\":\"\",\"time\":1795428000123}");
	assert_int_equal(r.status, 200);
	root = json_loads(r.body, 0, NULL);
	char kid[80];
	snprintf(kid, sizeof(kid), "%s", json_string_value(json_object_get(root, "kiosk_id")));
	json_int_t st = json_integer_value(json_object_get(root, "server_time"));
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	assert_true(llabs((long long)st - ((long long)ts.tv_sec * 1000)) < 60000);
	json_decref(root);
	free(r.body);
	char *out = NULL, line[256];
	assert_int_equal(run(NULL, &out, NULL, "export", "--db", db, "--facility", "F1", "--from",
			     "2026-11-23", "--to", "2026-11-23", NULL),
			 0);
	snprintf(line, sizeof(line),
		 "F1,G1,S1,2026-11-23 10:00,P1,Åsa,Östberg,present,2026-11-23 09:54,card,%s\n",
		 kid);
	assert_non_null(strstr(out, line));
	assert_non_null(strstr(out, "F1,G1,S1,2026-11-23 10:00,P3,Anna-Lena,\"Svensson, d.y.\","
				    "absent,,,\n"));
	free(out);
	assert_int_equal(run(NULL, &out, NULL, "list-kiosks", "--db", db, NULL), 0);
	assert_non_null(strstr(out, kid));
	assert_non_null(strstr(out, "pending 7"));
	/* what the heartbeat told, and no event from a clock running fast yet */
	assert_non_null(strstr(out, "version 0.1.0"));
	assert_non_null(strstr(out, "oldest pending 30s"));
	assert_non_null(strstr(out, "clock skew +")); /* that "time" is weeks back */
	assert_non_null(strstr(out, "clock-flagged events 0"));
	free(out);
	/* a check-in stamped 2 h ahead of the server's clock is flagged */
	char fast[512];
	snprintf(fast, sizeof(fast),
		 "{\"events\":[" EV("09", "\"type\":\"checkin\",\"at\":%lld,\"method\":\"card\","
					  "\"participant_id\":\"P1\",\"session_id\":\"S1\"") "]}",
		 (long long)ts.tv_sec * 1000 + 7200000);
	r = post("/v1/events", tok_a, fast);
	assert_int_equal(r.status, 200);
	free(r.body);
	assert_int_equal(run(NULL, &out, NULL, "list-kiosks", "--db", db, NULL), 0);
	assert_non_null(strstr(out, "clock-flagged events 1"));
	free(out);
}

static void test_strict_input(void **state)
{
	(void)state;
	struct tu_reply r = post("/v1/events", tok_a, "{\"events\":[{\"id\":");
	expect_error(&r, 400, "");
	r = post("/v1/events", tok_a, "garbage");
	expect_error(&r, 400, "");
	r = post("/v1/heartbeat", tok_a, "[]");
	expect_error(&r, 400, "");
	r = get("/v1/nope", tok_a, NULL);
	expect_error(&r, 404, "unknown path");
	r = get("/v2/roster", NULL, NULL);
	expect_error(&r, 404, "unknown path");
	r = get("/v1/roster/x", tok_a, NULL);
	expect_error(&r, 404, "unknown path");
	r = get("/blippa/v1/roster", tok_a, NULL); /* under a proxy prefix */
	assert_int_equal(r.status, 200);
	free(r.body);
	r = get("/v1/events", tok_a, NULL);
	expect_error(&r, 405, "method not allowed");
	r = get("/v1/roster", tok_a, "Blippa-Protocol: 2");
	expect_error(&r, 400, "unsupported protocol version");
	/* a body over 1 MiB: 413 */
	size_t big = 1024 * 1024 + 100;
	char *body = malloc(big + 1);
	memset(body, ' ', big);
	body[big] = '\0';
	r = req("POST", "/v1/events", tok_a, body, big, NULL, NULL);
	expect_error(&r, 413, "");
	free(body);
	/* 501 events (well under 1 MiB): 413 */
	size_t cap = 600 * 200, o = 0;
	body = malloc(cap);
	o += (size_t)snprintf(body + o, cap - o, "{\"events\":[");
	for (int i = 0; i < 501; i++)
		o += (size_t)snprintf(body + o, cap - o,
				      "%s{\"id\":\"0192f5c4-0000-7000-8000-%012d\",\"type\":"
				      "\"checkin\",\"at\":1795424040000,\"method\":\"card\","
				      "\"participant_id\":\"P1\",\"session_id\":\"S1\"}",
				      i ? "," : "", i);
	o += (size_t)snprintf(body + o, cap - o, "]}");
	r = req("POST", "/v1/events", tok_a, body, o, NULL, NULL);
	expect_error(&r, 413, "");
	free(body);
	/* the server still serves */
	r = get("/v1/roster", tok_b, NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
}

static void test_wrong_ca_fails(void **state)
{
	(void)state;
	struct tu_reply r = req("GET", "/v1/roster", tok_a, NULL, 0, NULL, pki.other_ca);
	assert_int_equal(r.cc, CURLE_PEER_FAILED_VERIFICATION);
	free(r.body);
}

static void test_stalled_client_does_not_block(void **state)
{
	(void)state;
	unsigned port = 0;
	assert_int_equal(sscanf(srv.url, "https://127.0.0.1:%u", &port), 1);
	int fds[4];
	for (int i = 0; i < 4; i++) { /* connect, never speak TLS */
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_port = htons((uint16_t)port),
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		assert_int_equal(connect(fds[i], (struct sockaddr *)&a, sizeof(a)), 0);
	}
	int64_t t0 = tu_now_ms();
	struct tu_reply r = get("/v1/roster", tok_b, NULL);
	assert_int_equal(r.status, 200);
	assert_true(tu_now_ms() - t0 < 5000);
	free(r.body);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
}

static void test_plain_http_only_on_loopback(void **state)
{
	(void)state;
	char *err = NULL;
	assert_int_equal(run(NULL, NULL, &err, "serve", "--db", db, "--listen", "0.0.0.0:0", NULL),
			 1);
	assert_non_null(strstr(err, "refusing plain HTTP on non-loopback address 0.0.0.0:0"));
	free(err);
	assert_int_equal(run(NULL, NULL, &err, "serve", "--db", db, "--listen", "[::]:0", NULL), 1);
	assert_non_null(strstr(err, "refusing plain HTTP"));
	free(err);
	/* a key that does not belong to the certificate, a missing file */
	assert_int_equal(run(NULL, NULL, &err, "serve", "--db", db, "--listen", "127.0.0.1:0",
			     "--cert", pki.other_ca, "--key", pki.key, NULL),
			 1);
	assert_non_null(strstr(err, "bad certificate/key"));
	free(err);
	assert_int_equal(run(NULL, NULL, &err, "serve", "--db", db, "--listen", "127.0.0.1:0",
			     "--cert", "/nonexistent.pem", "--key", pki.key, NULL),
			 1);
	assert_non_null(strstr(err, "/nonexistent.pem: cannot read"));
	free(err);
	/* on 127.0.0.1 plain HTTP is allowed */
	struct tu_server plain;
	struct tu_server saved = srv;
	server_start(&plain, "127.0.0.1:0", false, NULL);
	srv = plain;
	struct tu_reply r = get("/v1/roster", tok_a, NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
	srv = saved;
	assert_int_equal(tu_server_stop(&plain), 0);
}

struct racer {
	pthread_t t;
	const char *token, *body;
	size_t accepted, duplicate;
	long status;
};

static void *racer_run(void *arg)
{
	struct racer *r = arg;
	struct tu_reply rep = post("/v1/events", r->token, r->body);
	r->status = rep.status;
	for (const char *p = rep.body; p && (p = strstr(p, "\"status\":\"")) != NULL; p += 10) {
		if (strncmp(p + 10, "accepted", 8) == 0)
			r->accepted++;
		else if (strncmp(p + 10, "duplicate", 9) == 0)
			r->duplicate++;
	}
	free(rep.body);
	return NULL;
}

static void test_same_events_from_many_clients_stored_once(void **state)
{
	(void)state;
	enum { N_EV = 300, N_CLIENTS = 6 };
	size_t cap = N_EV * 220, o = 0;
	char *body = malloc(cap);
	o += (size_t)snprintf(body + o, cap - o, "{\"events\":[");
	for (int i = 0; i < N_EV; i++)
		o += (size_t)snprintf(body + o, cap - o,
				      "%s{\"id\":\"0192f5c4-0000-7000-8000-0000000c%04d\",\"type\":"
				      "\"checkin\",\"at\":1795424040000,\"method\":\"card\","
				      "\"participant_id\":\"P%d\",\"session_id\":\"S2\"}",
				      i ? "," : "", i, 1 + i % 3);
	snprintf(body + o, cap - o, "]}");
	struct racer rs[N_CLIENTS];
	memset(rs, 0, sizeof(rs));
	for (int i = 0; i < N_CLIENTS; i++) {
		rs[i].token = tok_a;
		rs[i].body = body;
		assert_int_equal(pthread_create(&rs[i].t, NULL, racer_run, &rs[i]), 0);
	}
	size_t acc = 0, dup = 0;
	for (int i = 0; i < N_CLIENTS; i++) {
		pthread_join(rs[i].t, NULL);
		assert_int_equal(rs[i].status, 200);
		acc += rs[i].accepted;
		dup += rs[i].duplicate;
	}
	free(body);
	assert_int_equal(acc, N_EV);
	assert_int_equal(dup, (size_t)N_EV * (N_CLIENTS - 1));
}

static size_t read_zeros(char *buf, size_t sz, size_t n, void *ud)
{
	size_t *left = ud, k = sz * n < *left ? sz * n : *left;
	memset(buf, ' ', k);
	*left -= k;
	return k;
}

static void test_chunked_body_over_cap(void **state)
{
	(void)state;
	struct tu_reply r = {0};
	char url[256], auth[160];
	size_t left = 3u * 1024u * 1024u;
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Transfer-Encoding: chunked");
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok_a);
	h = curl_slist_append(h, auth);
	snprintf(url, sizeof(url), "%s/v1/events", srv.url);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, pki.ca);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_zeros);
	curl_easy_setopt(c, CURLOPT_READDATA, &left);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, tu_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	r.cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	expect_error(&r, 413, "too large");
}

/* A plain-HTTP connection to port on 127.0.0.1; sends head and reads until
 * the end of the answer's headers or the deadline. Returns the socket (the
 * caller closes it); out gets what was read ("" if nothing). */
static int raw_exchange(unsigned port, const char *head, int64_t deadline_ms, char *out,
			size_t outlen)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	size_t hl = strlen(head);
	assert_int_equal(send(fd, head, hl, MSG_NOSIGNAL), (ssize_t)hl);
	size_t n = 0;
	out[0] = '\0';
	int64_t end = tu_now_ms() + deadline_ms;
	while (!strstr(out, "\r\n\r\n") && n + 1 < outlen) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int left = (int)(end - tu_now_ms());
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			break;
		ssize_t r = recv(fd, out + n, outlen - 1 - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
		out[n] = '\0';
	}
	return fd;
}

/* Without a kiosk's token the server answers 401 from the headers alone:
 * the client announced ~1 MB and never sends it. */
static void test_unauthenticated_body_not_read(void **state)
{
	(void)state;
	struct tu_server plain;
	server_start(&plain, "127.0.0.1:0", false, NULL);
	unsigned port = 0;
	assert_int_equal(sscanf(plain.url, "http://127.0.0.1:%u", &port), 1);
	static const char *const auth[] = {
	    "", "Authorization: Basic dXNlcjpwYXNz\r\n", "Authorization: Bearer not-a-token\r\n",
	    "Authorization: Bearer "
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\r\n"};
	char head[512], ans[4096], got[5][16];
	/* answers are checked after the server is stopped, so a failure leaves
	 * no server behind */
	for (size_t i = 0; i < sizeof(auth) / sizeof(auth[0]); i++) {
		snprintf(head, sizeof(head),
			 "POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n%s"
			 "Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n",
			 auth[i]);
		int fd = raw_exchange(port, head, 5000, ans, sizeof(ans));
		snprintf(got[i], sizeof(got[i]), "%.12s", ans);
		close(fd);
	}
	/* with a kiosk's token the body is read and handled */
	const char *hb = "{\"version\":\"0.1.0\",\"pending\":0,\"oldest_pending_age_s\":0,"
			 "\"reader\":\"sim\",\"last_error\":\"\",\"time\":1795428000123}";
	snprintf(head, sizeof(head),
		 "POST /v1/heartbeat HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
		 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		 tok_a, strlen(hb), hb);
	int fd = raw_exchange(port, head, DEADLINE_MS, ans, sizeof(ans));
	snprintf(got[4], sizeof(got[4]), "%.12s", ans);
	close(fd);
	assert_int_equal(tu_server_stop(&plain), 0);
	for (size_t i = 0; i < 5; i++)
		if (strcmp(got[i], i < 4 ? "HTTP/1.1 401" : "HTTP/1.1 200") != 0)
			fail_msg("case %zu: expected %s without the body, got '%s'", i,
				 i < 4 ? "401" : "200", got[i]);
}

/* --per-ip-limit 2: a third simultaneous connection from 127.0.0.1 is
 * refused; once one closes, requests are served again. */
static void test_per_ip_limit(void **state)
{
	(void)state;
	char *err = NULL;
	assert_int_equal(run(NULL, NULL, &err, "serve", "--db", db, "--listen", "127.0.0.1:0",
			     "--per-ip-limit", "0", NULL),
			 2);
	assert_non_null(strstr(err, "--per-ip-limit"));
	free(err);
	struct tu_server plain, saved = srv;
	server_start(&plain, "127.0.0.1:0", false, "2");
	unsigned port = 0;
	assert_int_equal(sscanf(plain.url, "http://127.0.0.1:%u", &port), 1);
	char head[512], ans[8192];
	snprintf(head, sizeof(head),
		 "GET /v1/roster HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n",
		 tok_a);
	int fds[2];
	bool kept[2];
	for (int i = 0; i < 2; i++) { /* two kept-alive connections */
		fds[i] = raw_exchange(port, head, DEADLINE_MS, ans, sizeof(ans));
		kept[i] = strncmp(ans, "HTTP/1.1 200", 12) == 0;
	}
	srv = plain;
	struct tu_reply r = get("/v1/roster", tok_a, NULL);
	long third = r.status; /* 0: closed without an answer */
	free(r.body);
	close(fds[0]);
	int64_t end = tu_now_ms() + DEADLINE_MS;
	do { /* the server notices the close; poll until served */
		r = get("/v1/roster", tok_a, NULL);
		free(r.body);
	} while (r.status != 200 && tu_now_ms() < end && poll(NULL, 0, 20) == 0);
	srv = saved;
	close(fds[1]);
	assert_int_equal(tu_server_stop(&plain), 0);
	assert_true(kept[0] && kept[1]);
	assert_int_equal(third, 0);
	assert_int_equal(r.status, 200);
}

/* Kiosk A (F1) and kiosk B (F2) cannot link cards that belong to a leader
 * or to the other facility's participants. */
static void test_card_link_scope(void **state)
{
	(void)state;
#define LINK(n, pid, uid)                                                                          \
	"{\"id\":\"0192f5c4-0000-7000-8000-0000000d00" n "\",\"type\":\"card_link\","              \
	"\"at\":1795424040000,\"participant_id\":\"" pid "\",\"card_uid\":\"" uid "\"}"
	static const char *const cases[][3] = {
	    {"a", "{\"events\":[" LINK("01", "P2", "04A1B2C5") "]}", "card in use"},
	    {"a", "{\"events\":[" LINK("02", "P2", "04FFEE01") "]}", "card in use"},
	    {"b", "{\"events\":[" LINK("03", "P6", "04A1B2C3") "]}", "card in use"},
	    {"b", "{\"events\":[" LINK("04", "P6", "04ffee01") "]}", "card in use"},
	    {"a", "{\"events\":[" LINK("05", "P2", "04C0FFEE") "]}", "accepted"},
	};
#undef LINK
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tu_reply r =
		    post("/v1/events", cases[i][0][0] == 'a' ? tok_a : tok_b, cases[i][1]);
		assert_int_equal(r.status, 200);
		if (!strstr(r.body, cases[i][2]))
			fail_msg("case %zu: expected '%s' in %s", i, cases[i][2], r.body);
		free(r.body);
	}
	struct tu_reply r = get("/v1/roster", tok_b, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "04A1B2C5"));
	assert_null(strstr(r.body, "04FFEE01"));
	free(r.body);
	r = get("/v1/roster", tok_a, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "04FFEE01"));
	assert_non_null(strstr(r.body, "04A1B2C3"));
	assert_non_null(strstr(r.body, "04C0FFEE"));
	free(r.body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cli_contract),
	    cmocka_unit_test(test_import_cli_idempotent_and_atomic),
	    cmocka_unit_test(test_auth_and_scoping),
	    cmocka_unit_test(test_roster_etag_304),
	    cmocka_unit_test(test_events_void_and_export),
	    cmocka_unit_test(test_strict_input),
	    cmocka_unit_test(test_same_events_from_many_clients_stored_once),
	    cmocka_unit_test(test_chunked_body_over_cap),
	    cmocka_unit_test(test_wrong_ca_fails),
	    cmocka_unit_test(test_stalled_client_does_not_block),
	    cmocka_unit_test(test_plain_http_only_on_loopback),
	    cmocka_unit_test(test_unauthenticated_body_not_read),
	    cmocka_unit_test(test_per_ip_limit),
	    cmocka_unit_test(test_card_link_scope),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
