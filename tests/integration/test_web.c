/* SPDX-License-Identifier: MIT */
/* Integration test of the back-office (DESIGN §11, docs/backoffice.md):
 * the real blippa-server binary over HTTPS on 127.0.0.1 with a CA made at
 * test time, driven by libcurl with verification ON and its own cookie jar
 * per "browser". The server's clock is pinned (BLIPPA_CLOCK_OFFSET_MS) to a
 * day inside the fixture roster's period, so nothing depends on the date the
 * test runs. Covers the account commands, security headers and cookie
 * attributes, no session -> 303 /login, the role matrix (each role sees
 * exactly its facilities, 403 for the rest, also in exports), CSRF refusal,
 * escaping of hostile names, the attendance marks and "N av M", login
 * throttling, an expired idle session and corrections. With BLIPPA_PG_URI
 * set (test_web_pg, under tests/helpers/pg_harness.sh) it runs on
 * PostgreSQL instead of an SQLite file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web_testutil.h"

#define DEADLINE_MS 20000
#define PW "correct horse battery"
/* 2026-12-10 12:00 UTC: inside every fixture group's period, after S1-S5 */
#define PINNED_NOW_MS 1796904000000LL

static char *tmp;
static char db[1024];
static struct tu_pki pki;
static struct tu_server srv;

#define run(in, out, err, ...) tu_run(BLIPPA_SERVER_BIN, tmp, in, out, err, __VA_ARGS__)

static void expect_redirect_login(struct tu_browser *b, const char *path)
{
	struct tu_page p = tu_browse(b, path, NULL);
	if (p.status != 303 || !tu_header_has(&p, "Location: /login"))
		fail_msg("%s: expected 303 to /login, got %ld", path, p.status);
	tu_page_free(&p);
}

/* ---- fixture ---- */

static void add_user(const char *name, const char *role, const char *fac)
{
	tu_add_user(BLIPPA_SERVER_BIN, tmp, db, name, role, fac);
}

#define EV(n, rest) "{\"id\":\"0192f5c4-0000-7000-8000-0000000b00" n "\"," rest "}"
#define CHECKIN(pid, sid, m)                                                                       \
	"\"type\":\"checkin\",\"at\":1795424040000,\"method\":\"" m "\",\"participant_id\":\"" pid \
	"\",\"session_id\":\"" sid "\""

static void server_start(struct tu_server *s, const char *idle)
{
	const char *argv[14] = {BLIPPA_SERVER_BIN, "serve",  "--db",   db,	"--listen",
				"127.0.0.1:0",	   "--cert", pki.cert, "--key", pki.key};
	int n = 10;
	if (idle) {
		argv[n++] = "--session-idle";
		argv[n++] = idle;
	}
	argv[n] = NULL;
	tu_server_start_at(s, argv, PINNED_NOW_MS);
}

static int group_setup(void **state)
{
	(void)state;
	char path[1200], *out = NULL, *dir;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tmp = tu_mkdtemp();
	/* run by pg_harness.sh (test_web_pg): the same tests on PostgreSQL */
	tu_region_db(db, sizeof(db), tmp);
	tu_pki_make(&pki, MAKE_TEST_CA, tmp);
	assert_int_equal(run(NULL, NULL, NULL, "init", "--db", db, NULL), 0);
	dir = tu_roster_dir(tmp, "roster", NULL);
	/* hostile names: must render as text */
	snprintf(path, sizeof(path), "%s/participants.csv", dir);
	tu_write_file(path, "participant_id,given_name,family_name,card_uid\n"
			    "P1,Åsa,Östberg,04A1B2C3\n"
			    "P2,Örjan,Ärlig,\n"
			    "P3,Anna-Lena,\"Svensson, d.y.\",04a1b2c4\n"
			    "P4,<script>alert(1)</script>,Brien,\n"
			    "P5,Björn,Åkesson,04A1B2C5\n"
			    "P6,Karl,\"\"\"><img src=x onerror=alert(1)>\",04A1B2C6\n");
	assert_int_equal(run(NULL, &out, NULL, "import", "--db", db, dir, NULL), 0);
	free(out);
	free(dir);
	add_user("root", "admin", NULL);
	add_user("coord", "coordinator", "F1");
	add_user("view", "viewer", "F2");
	add_user("locked", "viewer", "F2");
	server_start(&srv, NULL);
	/* check-ins from a kiosk of F1: P1 by card, P3 by name at S1, P2 by a leader at S2 */
	assert_int_equal(run(NULL, &out, NULL, "add-kiosk", "--db", db, "--facility", "F1",
			     "--name", "Entré", NULL),
			 0);
	out[64] = '\0';
	const char *batch = "{\"events\":[" EV("01", CHECKIN("P1", "S1", "card")) "," EV(
	    "02", CHECKIN("P3", "S1", "name")) "," EV("03", CHECKIN("P2", "S2", "leader")) "]}";
	struct tu_reply r =
	    tu_http_req(srv.url, pki.ca, "POST", "/v1/events", out, batch, strlen(batch), NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "accepted"));
	assert_null(strstr(r.body, "rejected"));
	free(r.body);
	free(out);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	assert_int_equal(tu_server_stop(&srv), 0);
	tu_rmtree(tmp);
	free(tmp);
	curl_global_cleanup();
	return 0;
}

/* ---- tests ---- */

static void test_user_commands(void **state)
{
	(void)state;
	char *out = NULL, *err = NULL;
	assert_int_not_equal(run("too short\n", NULL, &err, "add-user", "--db", db, "--user", "x",
				 "--role", "admin", NULL),
			     0);
	assert_non_null(strstr(err, "at least 12"));
	free(err);
	assert_int_not_equal(run(PW "\n", NULL, NULL, "add-user", "--db", db, "--user", "root",
				 "--role", "admin", NULL),
			     0); /* taken */
	assert_int_not_equal(run(PW "\n", NULL, NULL, "add-user", "--db", db, "--user", "v2",
				 "--role", "viewer", NULL),
			     0); /* a viewer needs a facility */
	assert_int_not_equal(run(PW "\n", NULL, NULL, "add-user", "--db", db, "--user", "v2",
				 "--role", "viewer", "--facility", "NOPE", NULL),
			     0);
	assert_int_equal(run(PW "\n", NULL, NULL, "add-user", "--db", db, "--user", "tmp.user",
			     "--role", "coordinator", "--facility", "F1", "--facility", "F2", NULL),
			 0);
	assert_int_equal(run(NULL, &out, NULL, "list-users", "--db", db, NULL), 0);
	assert_non_null(strstr(out, "tmp.user\tcoordinator\tF1,F2\n"));
	assert_non_null(strstr(out, "root\tadmin\t*\n"));
	assert_null(strstr(out, "argon2")); /* no hashes shown */
	free(out);
	struct tu_browser b;
	tu_browser_open(&b, srv.url, pki.ca);
	assert_int_equal(tu_login(&b, "tmp.user", PW), 303);
	assert_int_equal(run("another long password\n", NULL, NULL, "set-password", "--db", db,
			     "--user", "tmp.user", NULL),
			 0);
	assert_int_equal(
	    run(NULL, NULL, NULL, "remove-user", "--db", db, "--user", "tmp.user", NULL), 0);
	/* a removed account's session ends at once */
	expect_redirect_login(&b, "/");
	assert_int_equal(tu_login(&b, "tmp.user", "another long password"), 401);
	assert_int_not_equal(
	    run(NULL, NULL, NULL, "remove-user", "--db", db, "--user", "tmp.user", NULL), 0);
	tu_browser_close(&b);
}

static void test_headers_and_cookie(void **state)
{
	(void)state;
	struct tu_browser b;
	tu_browser_open(&b, srv.url, pki.ca);
	struct tu_page p = tu_browse(&b, "/login", NULL);
	assert_int_equal(p.status, 200);
	assert_true(tu_header_has(&p, "Content-Security-Policy: default-src 'self'"));
	assert_true(tu_header_has(&p, "X-Frame-Options: DENY"));
	assert_true(tu_header_has(&p, "Referrer-Policy: no-referrer"));
	char form[256];
	snprintf(form, sizeof(form), "csrf=%s&username=coord&password=correct+horse+battery",
		 p.csrf);
	tu_page_free(&p);
	p = tu_browse(&b, "/login", form);
	assert_int_equal(p.status, 303);
	assert_true(tu_header_has(&p, "Set-Cookie: __Host-blippa_session="));
	const char *sc = strstr(p.headers, "Set-Cookie: __Host-blippa_session=");
	const char *eol = strstr(sc, "\r\n");
	char line[512];
	snprintf(line, sizeof(line), "%.*s", (int)(eol - sc), sc);
	assert_non_null(strstr(line, "; HttpOnly"));
	assert_non_null(strstr(line, "; Secure"));
	assert_non_null(strstr(line, "; SameSite=Strict"));
	assert_non_null(strstr(line, "; Path=/"));
	assert_null(strstr(line, "Domain"));
	tu_page_free(&p);
	p = tu_browse(&b, "/", NULL);
	assert_int_equal(p.status, 200);
	assert_true(tu_header_has(&p, "Content-Security-Policy: default-src 'self'"));
	assert_true(tu_header_has(&p, "X-Frame-Options: DENY"));
	assert_true(tu_header_has(&p, "Cache-Control: no-store"));
	assert_null(strstr(p.body, "http://")); /* no external resources */
	assert_null(strstr(p.body, "https://"));
	tu_page_free(&p);
	p = tu_browse(&b, "/static/blippa.css", NULL);
	assert_int_equal(p.status, 200);
	assert_true(tu_header_has(&p, "Content-Type: text/css"));
	tu_page_free(&p);
	tu_browser_close(&b);
}

static void test_no_session_redirects(void **state)
{
	(void)state;
	struct tu_browser b;
	tu_browser_open(&b, srv.url, pki.ca);
	expect_redirect_login(&b, "/");
	expect_redirect_login(&b, "/groups/G1");
	expect_redirect_login(&b, "/groups/G1/participants/P1");
	expect_redirect_login(&b, "/export.csv");
	expect_redirect_login(&b, "/export.xlsx?facility=F1");
	expect_redirect_login(&b, "/kiosks");
	/* a made-up session cookie is no session */
	curl_easy_setopt(b.h, CURLOPT_COOKIE,
			 "__Host-blippa_session="
			 "00000000000000000000000000000000"
			 "00000000000000000000000000000000");
	expect_redirect_login(&b, "/");
	tu_browser_close(&b);
}

struct role_case {
	const char *user;
	long g1, g3, p1, exp_f1, exp_f2, xlsx_g3;
	bool sees_f1, sees_f2;
};

static void test_role_matrix(void **state)
{
	(void)state;
	static const struct role_case cases[] = {
	    {"root", 200, 200, 200, 200, 200, 200, true, true},
	    {"coord", 200, 403, 200, 200, 403, 403, true, false},
	    {"view", 403, 200, 403, 403, 200, 200, false, true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct role_case *rc = &cases[i];
		struct tu_browser b;
		tu_browser_open(&b, srv.url, pki.ca);
		assert_int_equal(tu_login(&b, rc->user, PW), 303);
		struct tu_page p = tu_browse(&b, "/", NULL);
		assert_int_equal(p.status, 200);
		assert_int_equal(strstr(p.body, "IK Hälsa") != NULL, rc->sees_f1);
		assert_int_equal(strstr(p.body, "Friskis, Jönköping") != NULL, rc->sees_f2);
		assert_int_equal(strstr(p.body, "/groups/G1\"") != NULL, rc->sees_f1);
		assert_int_equal(strstr(p.body, "/groups/G3\"") != NULL, rc->sees_f2);
		tu_page_free(&p);
		assert_int_equal(tu_status_of(&b, "/groups/G1", NULL), rc->g1);
		assert_int_equal(tu_status_of(&b, "/groups/G3", NULL), rc->g3);
		assert_int_equal(tu_status_of(&b, "/groups/G1/participants/P1", NULL), rc->p1);
		assert_int_equal(tu_status_of(&b, "/export.csv?facility=F1", NULL), rc->exp_f1);
		assert_int_equal(tu_status_of(&b, "/export.csv?facility=F2", NULL), rc->exp_f2);
		assert_int_equal(tu_status_of(&b, "/export.csv?group=G3", NULL), rc->g3);
		assert_int_equal(tu_status_of(&b, "/export.xlsx?group=G3", NULL), rc->xlsx_g3);
		assert_int_equal(tu_status_of(&b, "/groups/NOPE", NULL),
				 rc->sees_f1 && rc->sees_f2 ? 404 : 403);
		/* the unfiltered export holds exactly the facilities the account may see */
		p = tu_browse(&b, "/export.csv", NULL);
		assert_int_equal(p.status, 200);
		assert_true(tu_header_has(&p, "Content-Disposition: attachment"));
		assert_int_equal(strncmp(p.body,
					 "facility_id,group_id,session_id,session_start,"
					 "participant_id,given_name,family_name,status,"
					 "checked_in_at,method,kiosk\n",
					 118),
				 0);
		assert_int_equal(strstr(p.body, "\nF1,") != NULL, rc->sees_f1);
		assert_int_equal(strstr(p.body, "\nF2,") != NULL, rc->sees_f2);
		tu_page_free(&p);
		tu_browser_close(&b);
	}
}

static void test_csrf_refused(void **state)
{
	(void)state;
	struct tu_browser b;
	tu_browser_open(&b, srv.url, pki.ca);
	/* login without the token (a cross-site form) */
	struct tu_page p = tu_browse(&b, "/login", "username=coord&password=correct+horse+battery");
	assert_int_equal(p.status, 403);
	assert_false(tu_header_has(&p, "__Host-blippa_session="));
	tu_page_free(&p);
	assert_int_equal(tu_login(&b, "coord", PW), 303);
	/* logout without / with a wrong token: refused, the session stays */
	p = tu_browse(&b, "/logout", "x=1");
	assert_int_equal(p.status, 403);
	tu_page_free(&p);
	p = tu_browse(&b, "/logout",
		      "csrf=0000000000000000000000000000000000000000000000000000000000000000");
	assert_int_equal(p.status, 403);
	tu_page_free(&p);
	assert_int_equal(tu_status_of(&b, "/", NULL), 200);
	/* with the page's token: logged out */
	p = tu_browse(&b, "/", NULL);
	char form[128];
	snprintf(form, sizeof(form), "csrf=%s", p.csrf);
	tu_page_free(&p);
	p = tu_browse(&b, "/logout", form);
	assert_int_equal(p.status, 303);
	assert_true(tu_header_has(&p, "Location: /login"));
	tu_page_free(&p);
	expect_redirect_login(&b, "/");
	tu_browser_close(&b);
}

static void test_hostile_names_escaped(void **state)
{
	(void)state;
	struct tu_browser b;
	tu_browser_open(&b, srv.url, pki.ca);
	assert_int_equal(tu_login(&b, "root", PW), 303);
	struct tu_page p = tu_browse(&b, "/groups/G2", NULL);
	assert_int_equal(p.status, 200);
	assert_non_null(strstr(p.body, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_null(strstr(p.body, "<script"));
	tu_page_free(&p);
	p = tu_browse(&b, "/groups/G3", NULL);
	assert_int_equal(p.status, 200);
	assert_non_null(strstr(p.body, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
	assert_null(strstr(p.body, "<img"));
	tu_page_free(&p);
	p = tu_browse(&b, "/groups/G3/participants/P6", NULL);
	assert_int_equal(p.status, 200);
	assert_null(strstr(p.body, "<img"));
	tu_page_free(&p);
	tu_browser_close(&b);
}

static void test_group_marks(void **state)
{
	(void)state;
	struct tu_browser b;
	tu_browser_open(&b, srv.url, pki.ca);
	assert_int_equal(tu_login(&b, "coord", PW), 303);
	/* the overview: G1's chart has a bar per held session (S5, S1, S2), the
	 * one at S1 for 2 of 3 members; ended and upcoming periods apart */
	struct tu_page p = tu_browse(&b, "/", NULL);
	assert_int_equal(p.status, 200);
	assert_non_null(strstr(p.body, "d=\"M0 32v-1h9v1zM10 32v-21h9v21zM20 32v-11h9v11z\""));
	assert_non_null(strstr(p.body, ">Styrka A<"));
	tu_page_free(&p);
	p = tu_browse(&b, "/?period=past", NULL);
	assert_int_equal(p.status, 200);
	assert_null(strstr(p.body, ">Styrka A<"));
	tu_page_free(&p);
	p = tu_browse(&b, "/groups/G1", NULL);
	assert_int_equal(p.status, 200);
	/* S5, S1, S2 held; P1 card at S1, P3 name at S1, P2 leader at S2 */
	assert_non_null(strstr(p.body, "m-card"));
	assert_non_null(strstr(p.body, "m-name"));
	assert_non_null(strstr(p.body, "m-leader"));
	assert_non_null(strstr(p.body, "1 av 3"));
	assert_null(strstr(p.body, "2 av 3"));
	/* follow-up: P1 and P3 missed S2 but came to S1; nobody missed both of
	 * the last two, so the list is empty */
	assert_non_null(strstr(p.body, "Ingen har missat"));
	tu_page_free(&p);
	p = tu_browse(&b, "/groups/G1?lang=en", NULL);
	assert_non_null(strstr(p.body, "1 of 3"));
	tu_page_free(&p);
	p = tu_browse(&b, "/groups/G2", NULL); /* the English choice sticks (cookie) */
	assert_non_null(strstr(p.body, "Follow up"));
	tu_page_free(&p);
	p = tu_browse(&b, "/export.csv?group=G1&from=2026-11-23&to=2026-11-23", NULL);
	assert_int_equal(p.status, 200);
	assert_non_null(strstr(p.body, "\nF1,G1,S1,2026-11-23 10:00,P1,Åsa,Östberg,present,"));
	assert_non_null(strstr(p.body, ",card,"));
	assert_null(strstr(p.body, ",S2,"));
	assert_null(strstr(p.body, "\nF1,G2,"));
	tu_page_free(&p);
	assert_int_equal(tu_status_of(&b, "/export.csv?from=2026-13-01", NULL), 400);
	p = tu_browse(&b, "/export.xlsx?group=G1", NULL);
	assert_int_equal(p.status, 200);
	assert_true(p.len > 100);
	assert_int_equal(memcmp(p.body, "PK", 2), 0); /* a zip container */
	tu_page_free(&p);
	tu_browser_close(&b);
}

static void test_login_throttled(void **state)
{
	(void)state;
	struct tu_browser b;
	tu_browser_open(&b, srv.url, pki.ca);
	for (int i = 0; i < 5; i++)
		assert_int_equal(tu_login(&b, "locked", "wrong password!!"), 401);
	/* the account is locked for a while, even with the right password */
	assert_int_equal(tu_login(&b, "locked", PW), 429);
	/* other accounts from the same address still work */
	assert_int_equal(tu_login(&b, "view", PW), 303);
	tu_browser_close(&b);
}

static void test_idle_session_expires(void **state)
{
	(void)state;
	struct tu_server s2;
	server_start(&s2, "1");
	struct tu_browser b;
	tu_browser_open(&b, s2.url, pki.ca);
	assert_int_equal(tu_login(&b, "root", PW), 303);
	int64_t t0 = tu_now_ms();
	assert_int_equal(tu_status_of(&b, "/", NULL), 200);
	/* Idle for more than the timeout (1 s): a request would refresh the
	 * session, so the condition polled is the clock itself. */
	while (tu_now_ms() < t0 + 2100) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	long st = tu_status_of(&b, "/", NULL);
	if (st != 303)
		tu_server_stop(&s2);
	assert_int_equal(st, 303);
	expect_redirect_login(&b, "/");
	tu_browser_close(&b);
	assert_int_equal(tu_server_stop(&s2), 0);
}

/* POSTs a correction with the page's CSRF token; returns the status. */
static long correct(struct tu_browser *b, const char *group, const char *form_rest)
{
	char path[128], form[512];
	snprintf(path, sizeof(path), "/groups/%s", group);
	struct tu_page p = tu_browse(b, path, NULL);
	snprintf(form, sizeof(form), "csrf=%s&%s", p.csrf, form_rest);
	tu_page_free(&p);
	snprintf(path, sizeof(path), "/groups/%s/corrections", group);
	p = tu_browse(b, path, form);
	long st = p.status;
	tu_page_free(&p);
	return st;
}

static void test_corrections(void **state)
{
	(void)state;
	struct tu_browser v, k;
	tu_browser_open(&v, srv.url, pki.ca);
	tu_browser_open(&k, srv.url, pki.ca);
	/* a viewer cannot correct, nor gets the form */
	assert_int_equal(tu_login(&v, "view", PW), 303);
	struct tu_page p = tu_browse(&v, "/groups/G3", NULL);
	assert_null(strstr(p.body, "/corrections\""));
	tu_page_free(&p);
	assert_int_equal(
	    correct(&v, "G3", "participant=P5&session=S4&status=present&reason=forgot+card"), 403);
	/* a coordinator cannot correct outside their facility */
	assert_int_equal(tu_login(&k, "coord", PW), 303);
	assert_int_equal(correct(&k, "G1", "participant=P5&session=S4&status=present&reason=x"),
			 400);
	struct tu_browser k2;
	tu_browser_open(&k2, srv.url, pki.ca);
	assert_int_equal(tu_login(&k2, "coord", PW), 303);
	p = tu_browse(&k2, "/", NULL);
	char form[256];
	snprintf(form, sizeof(form), "csrf=%s&participant=P5&session=S4&status=present&reason=x",
		 p.csrf);
	tu_page_free(&p);
	p = tu_browse(&k2, "/groups/G3/corrections", form);
	assert_int_equal(p.status, 403);
	tu_page_free(&p);
	tu_browser_close(&k2);
	/* without the CSRF token: refused */
	p = tu_browse(&k, "/groups/G1/corrections",
		      "participant=P1&session=S2&status=present&reason=x");
	assert_int_equal(p.status, 403);
	tu_page_free(&p);
	/* P1 came to S2 but forgot the card; P3 was checked in at S1 by mistake */
	assert_int_equal(
	    correct(&k, "G1", "participant=P1&session=S2&status=present&reason=Gl%C3%B6mt+kort"),
	    303);
	assert_int_equal(
	    correct(&k, "G1", "participant=P3&session=S1&status=absent&reason=<b>fel</b>"), 303);
	p = tu_browse(&k, "/groups/G1", NULL);
	assert_int_equal(p.status, 200);
	assert_non_null(strstr(p.body, "Glömt kort"));
	assert_non_null(strstr(p.body, "&lt;b&gt;fel&lt;/b&gt;"));
	assert_non_null(strstr(p.body, "m-staff"));
	assert_non_null(strstr(p.body, "2 av 3")); /* P1: S1 by card, S2 corrected */
	/* P3 at S1: "not present" by a correction, a mark of its own */
	assert_non_null(strstr(p.body, "class=\"m-absent m-void\""));
	tu_page_free(&p);
	p = tu_browse(&k, "/groups/G1/participants/P3", NULL);
	assert_int_equal(p.status, 200);
	assert_non_null(strstr(p.body, "class=\"m-absent m-void\""));
	tu_page_free(&p);
	p = tu_browse(&k, "/export.csv?group=G1", NULL);
	assert_non_null(strstr(p.body, "\nF1,G1,S2,2026-11-30 10:00,P1,Åsa,Östberg,present,"));
	assert_non_null(strstr(p.body, ",leader,staff:coord\n"));
	assert_non_null(
	    strstr(p.body, "\nF1,G1,S1,2026-11-23 10:00,P3,Anna-Lena,\"Svensson, d.y.\",absent,"));
	tu_page_free(&p);
	/* a future session cannot be corrected (none in G1 at the pinned time:
	 * an unknown session stands in) */
	assert_int_equal(correct(&k, "G1", "participant=P1&session=NOPE&status=present&reason=x"),
			 400);
	tu_browser_close(&v);
	tu_browser_close(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_user_commands),
	    cmocka_unit_test(test_headers_and_cookie),
	    cmocka_unit_test(test_no_session_redirects),
	    cmocka_unit_test(test_role_matrix),
	    cmocka_unit_test(test_csrf_refused),
	    cmocka_unit_test(test_hostile_names_escaped),
	    cmocka_unit_test(test_group_marks),
	    cmocka_unit_test(test_login_throttled),
	    cmocka_unit_test(test_idle_session_expires),
	    cmocka_unit_test(test_corrections),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
