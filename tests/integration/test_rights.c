/* SPDX-License-Identifier: MIT */
/* Integration test of the audit trail, purge, participant-report and
 * erase-participant (issue 16, docs/privacy.md): the real blippa-server
 * binary over HTTPS on 127.0.0.1 with a CA made at test time, driven by
 * libcurl (verification on) and by its commands. One scenario runs on an
 * SQLite file and, when BLIPPA_PG_URI is set (test_rights_pg under
 * tests/helpers/pg_harness.sh), again on PostgreSQL; the normalised audit
 * trail, export and register extract of both must then be identical.
 * Checks: every audited action appears exactly once and nothing secret is
 * in the trail; the trail refuses UPDATE and DELETE; purge --dry-run
 * changes nothing and purge then removes exactly the counted rows; the
 * report holds the participant's data and nobody else's; erase keeps the
 * present count of every session, and removes the name from the export,
 * the kiosks' roster and the report. The server's clock is pinned inside
 * the fixture period; CLI times are real and only ever masked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web_testutil.h"

#define DEADLINE_MS 20000
#define PW "correct horse battery"
#define BAD_PW "wrong-pw-123456"
/* 2026-12-10 12:00 UTC: inside every fixture group's period, after S1-S5 */
#define PINNED_NOW_MS 1796904000000LL

static char *tmp;
static struct tu_pki pki;

/* What one backend's run produced, normalised for comparison. */
struct result {
	char *audit, *export, *report;
};
static struct result res_sqlite, res_pg;
static struct tu_server srv; /* stopped by the teardown if a test failed */

#define run(in, out, err, ...) tu_run(BLIPPA_SERVER_BIN, tmp, in, out, err, __VA_ARGS__)

/* ---- text helpers ---- */

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static bool hexrun(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)p[i]))
			return false;
	return true;
}

/* Masks what differs between two runs: "anon-" + 16 hex, "k-" + 8 hex,
 * times with seconds, and minutes on the pinned day (in place). */
static void normalise(char *s)
{
	char *o = s;
	for (const char *p = s; *p;) {
		if (strncmp(p, "anon-", 5) == 0 && hexrun(p + 5, 16)) {
			memcpy(o, "anon-*", 6), o += 6, p += 21;
		} else if (strncmp(p, "k-", 2) == 0 && hexrun(p + 2, 8)) {
			memcpy(o, "k-*", 3), o += 3, p += 10;
		} else if (isdigit((unsigned char)p[0]) && strlen(p) >= 19 && p[4] == '-' &&
			   p[7] == '-' && p[10] == ' ' && p[13] == ':' && p[16] == ':') {
			*o++ = '*', p += 19;
		} else if (strncmp(p, "2026-12-10 ", 11) == 0 && strlen(p) >= 16 && p[13] == ':') {
			*o++ = '*', p += 16;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
}

/* Present rows per session in an export CSV: "S1=2;S2=1;..." */
static void present_counts(const char *csv, char *out, size_t outlen)
{
	static const char *const ses[] = {"S1", "S2", "S3", "S4", "S5"};
	char needle[16];
	out[0] = '\0';
	for (size_t i = 0; i < 5; i++) {
		size_t n = 0;
		snprintf(needle, sizeof(needle), ",%s,", ses[i]);
		for (const char *line = csv; line && *line;
		     line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
			const char *end = strchr(line, '\n');
			size_t len = end ? (size_t)(end - line) : strlen(line);
			char buf[512];
			snprintf(buf, sizeof(buf), "%.*s", (int)(len < 511 ? len : 511), line);
			if (strstr(buf, needle) && strstr(buf, ",present,"))
				n++;
		}
		size_t l = strlen(out);
		snprintf(out + l, outlen - l, "%s=%zu;", ses[i], n);
	}
}

static char *cli(const char *what, ...)
{
	char *out = NULL, *err = NULL;
	va_list ap;
	va_start(ap, what);
	int rc = tu_run_v(BLIPPA_SERVER_BIN, tmp, NULL, &out, &err, ap);
	va_end(ap);
	if (rc != 0)
		fail_msg("%s: exit %d: %s", what, rc, err ? err : "");
	free(err);
	return out;
}

/* Rows of a table, through the store (both backends). */
struct count_ctx {
	long n;
	const char *sql;
};
static int count_row(void *ctx, int ncol, const char *const *col)
{
	struct count_ctx *c = ctx;
	c->n = ncol > 0 && col[0] ? strtol(col[0], NULL, 10) : -1;
	return 0;
}
static enum blippa_err count_q(struct srv_sql *q, void *ctx)
{
	struct count_ctx *c = ctx;
	return q->ops->query(q, c->sql, 0, NULL, count_row, c);
}
static long db_count(const char *db, const char *sql)
{
	struct srv_store *st = NULL;
	char err[256];
	struct count_ctx c = {.n = -1, .sql = sql};
	assert_int_equal(srv_store_open(db, false, &st, err, sizeof(err)), BLIPPA_OK);
	assert_int_equal(srv_store_sql(st, SRV_SQL_READ, count_q, &c), BLIPPA_OK);
	srv_store_close(st);
	return c.n;
}
static enum blippa_err try_sql(struct srv_sql *q, void *ctx)
{
	return q->ops->exec(q, ctx, 0, NULL, NULL);
}
/* Runs one statement in a write transaction; its result. */
static enum blippa_err sql_try(const char *db, const char *sql)
{
	struct srv_store *st = NULL;
	char err[256];
	assert_int_equal(srv_store_open(db, false, &st, err, sizeof(err)), BLIPPA_OK);
	enum blippa_err rc = srv_store_sql(st, SRV_SQL_WRITE, try_sql, (void *)sql);
	srv_store_close(st);
	return rc;
}

/* ---- the scenario ---- */

#define EV(n, rest) "{\"id\":\"0192f5c4-0000-7000-8000-0000000d00" n "\"," rest "}"
#define CHECKIN(pid, sid, m, at)                                                                   \
	"\"type\":\"checkin\",\"at\":" at ",\"method\":\"" m "\",\"participant_id\":\"" pid        \
	"\",\"session_id\":\"" sid "\""
#define VOID(n, at)                                                                                \
	"\"type\":\"void\",\"at\":" at ",\"voids\":\"0192f5c4-0000-7000-8000-0000000d00" n "\""
#define AT_S1 "1795424700000" /* 2026-11-23 09:05 UTC */
#define AT_S3 "1795525500000" /* 2026-11-24 13:05 UTC */
#define AT_S2 "1796029500000" /* 2026-11-30 09:05 UTC */
#define AT_26 "1795680300000" /* 2026-11-26 08:05 UTC */

static void scenario(const char *db, const char *name, struct result *res)
{
	char *out = NULL, *err = NULL, *dir, csrf[80], form[512], etag1[128];
	assert_int_equal(run(NULL, NULL, NULL, "init", "--db", db, NULL), 0);
	dir = tu_roster_dir(tmp, name, NULL);
	free(cli("import", "import", "--db", db, dir, NULL));
	free(dir);
	assert_int_equal(run(PW "\n", NULL, NULL, "add-user", "--db", db, "--user", "root",
			     "--role", "admin", NULL),
			 0);
	assert_int_equal(run(PW "\n", NULL, NULL, "add-user", "--db", db, "--user", "coord",
			     "--role", "coordinator", "--facility", "F1", NULL),
			 0);
	char *token =
	    cli("add-kiosk", "add-kiosk", "--db", db, "--facility", "F1", "--name", "A", NULL);
	token[64] = '\0';
	assert_int_equal(
	    run(NULL, NULL, &err, "add-kiosk", "--db", db, "--facility", "F2", "--name", "B", NULL),
	    0);
	char kid2[32] = "";
	assert_non_null(strstr(err, "kiosk k-"));
	sscanf(strstr(err, "kiosk k-") + 6, "%31s", kid2);
	free(err);
	free(cli("revoke-kiosk", "revoke-kiosk", "--db", db, "--kiosk", kid2, NULL));

	const char *argv[] = {BLIPPA_SERVER_BIN, "serve",	"--db",	  db,
			      "--listen",	 "127.0.0.1:0", "--cert", pki.cert,
			      "--key",		 pki.key,	NULL};
	tu_server_start_at(&srv, argv, PINNED_NOW_MS);

	/* P1 card and P3 name at S1, P2 leader and P3 card at S2, P1 at S3;
	 * P1's S3 check-in voided the same day, P1's S1 one on 11-26 */
	const char *batch = "{\"events\":[" EV("01", CHECKIN("P1", "S1", "card", AT_S1)) "," EV(
	    "02",
	    CHECKIN(
		"P3", "S1", "name",
		AT_S1)) "," EV("03",
			       CHECKIN(
				   "P2", "S2", "leader",
				   AT_S2)) "," EV("04",
						  CHECKIN(
						      "P1", "S3", "card",
						      AT_S3)) "," EV("05",
								     CHECKIN(
									 "P3", "S2", "card",
									 AT_S2)) "," EV("06",
											VOID(
											    "04",
											    AT_S3)) "," EV("07",
													   VOID(
													       "01",
													       AT_26)) "]}";
	struct tu_reply r =
	    tu_http_req(srv.url, pki.ca, "POST", "/v1/events", token, batch, strlen(batch), NULL);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "rejected"));
	free(r.body);

	/* the browser: two failed logins, then root's work */
	struct tu_browser b, bc;
	tu_browser_open(&b, srv.url, pki.ca);
	assert_int_equal(tu_login(&b, "root", BAD_PW), 401);
	assert_int_equal(tu_login(&b, "nobody", BAD_PW), 401);
	assert_int_equal(tu_login(&b, "root", PW), 303);
	tu_csrf_of(&b, csrf);
	assert_int_equal(tu_status_of(&b, "/groups/G1", NULL), 200);
	assert_int_equal(tu_status_of(&b, "/groups/G1/participants/P1", NULL), 200);
	snprintf(form, sizeof(form),
		 "csrf=%s&participant=P2&session=S1&status=present&reason=Gl%%C3%%B6mt+kortet",
		 csrf);
	assert_int_equal(tu_status_of(&b, "/groups/G1/corrections", form), 303);
	assert_int_equal(tu_status_of(&b, "/export.csv?group=G1", NULL), 200);
	assert_int_equal(tu_status_of(&b, "/export.xlsx?facility=F1", NULL), 200);
	struct tu_page ap = tu_browse(&b, "/audit?action=login_failed", NULL);
	assert_int_equal(ap.status, 200);
	assert_non_null(strstr(ap.body, "wrong password"));
	assert_non_null(strstr(ap.body, "<td title=\"login_failed\""));
	assert_null(strstr(ap.body, "<td title=\"view_group\"")); /* filtered out */
	assert_null(strstr(ap.body, "nobody"));
	free(ap.body);
	ap = tu_browse(&b, "/audit.csv?from=2026-12-10&to=2026-12-10", NULL);
	assert_int_equal(ap.status, 200);
	assert_true(strncmp(ap.body, "at_utc,actor,action,", 20) == 0);
	assert_int_equal(count_of(ap.body, ",root,view_participant,F1,G1,,P1,"), 1);
	free(ap.body);
	snprintf(form, sizeof(form), "csrf=%s", csrf);
	assert_int_equal(tu_status_of(&b, "/logout", form), 303);
	curl_easy_cleanup(b.h);
	/* a coordinator may not see the trail (and that is not a view) */
	tu_browser_open(&bc, srv.url, pki.ca);
	assert_int_equal(tu_login(&bc, "coord", PW), 303);
	assert_int_equal(tu_status_of(&bc, "/audit", NULL), 403);
	assert_int_equal(tu_status_of(&bc, "/audit.csv", NULL), 403);
	curl_easy_cleanup(bc.h);

	free(cli("export", "export", "--db", db, NULL));
	assert_int_equal(run("another long password\n", NULL, NULL, "set-password", "--db", db,
			     "--user", "coord", NULL),
			 0);

	/* register extract: P1's data, nobody else's */
	char *rep = cli("report", "participant-report", "--db", db, "--participant", "P1", NULL);
	assert_non_null(strstr(rep, "Förnamn: Åsa"));
	assert_non_null(strstr(rep, "Efternamn: Östberg"));
	assert_non_null(strstr(rep, "Grupp G1 \"Styrka A\""));
	assert_non_null(strstr(rep, "Grupp G2"));
	assert_non_null(strstr(rep, "Ett kort är registrerat"));
	assert_null(strstr(rep, "04A1B2C3"));
	assert_null(strstr(rep, "04a1b2c3"));
	assert_non_null(strstr(rep, "2026-11-23 10:05  incheckning till pass S1, sätt: kort"));
	assert_int_equal(count_of(rep, "[makulerad]"), 2);
	assert_non_null(strstr(rep, "root  view_participant"));
	assert_non_null(strstr(rep, "root  view_group  grupp G1"));
	static const char *const others[] = {"Örjan", "Ärlig", "Anna-Lena", "Svensson", "Märta",
					     "Björn", "P2",    "P3",	    "P4",	"P5"};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (strstr(rep, others[i]))
			fail_msg("the report of P1 holds %s", others[i]);
	assert_int_not_equal(
	    run(NULL, NULL, NULL, "participant-report", "--db", db, "--participant", "P99", NULL),
	    0);
	char *js = cli("report json", "participant-report", "--db", db, "--participant", "P1",
		       "--format", "json", NULL);
	assert_non_null(strstr(js, "\"given_name\": \"Åsa\""));
	assert_non_null(strstr(js, "\"source\": \"roster\""));
	assert_int_equal(count_of(js, "\"type\": \"checkin\""), 2);
	assert_int_equal(count_of(js, "\"voided\": \"yes\""), 2);
	assert_null(strstr(js, "Örjan"));
	assert_null(strstr(js, "04A1B2C3"));
	free(js);

	/* erase P3: the same present counts, the name gone everywhere */
	char before[128], after[128];
	char *exp1 = cli("export", "export", "--db", db, NULL);
	present_counts(exp1, before, sizeof(before));
	assert_non_null(strstr(exp1, "Svensson"));
	r = tu_http_req(srv.url, pki.ca, "GET", "/v1/roster", token, NULL, 0, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "Anna-Lena"));
	snprintf(etag1, sizeof(etag1), "%s", r.etag);
	free(r.body);
	out = cli("erase", "erase-participant", "--db", db, "--participant", "P3", NULL);
	assert_non_null(strstr(out, "2 events"));
	assert_null(strstr(out, "anon-")); /* the pseudonym is not shown */
	free(out);
	char *exp2 = cli("export", "export", "--db", db, NULL);
	present_counts(exp2, after, sizeof(after));
	assert_string_equal(before, after);
	assert_null(strstr(exp2, "Svensson"));
	assert_null(strstr(exp2, "Anna-Lena"));
	assert_null(strstr(exp2, ",P3,"));
	assert_int_equal(count_of(exp2, ",anon-"), 2);
	r = tu_http_req(srv.url, pki.ca, "GET", "/v1/roster", token, NULL, 0, NULL);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "Anna-Lena"));
	assert_null(strstr(r.body, "\"P3\""));
	assert_string_not_equal(etag1, r.etag);
	free(r.body);
	assert_int_not_equal(
	    run(NULL, NULL, &err, "participant-report", "--db", db, "--participant", "P3", NULL),
	    0);
	assert_non_null(strstr(err, "nothing about participant P3"));
	free(err);
	/* nor in the back-office's attendance summary */
	assert_int_equal(
	    db_count(db, "SELECT count(*) FROM att_member WHERE participant_id = 'P3'"), 0);

	/* purge before 2026-11-25: the dry run changes nothing */
	long ev0 = db_count(db, "SELECT count(*) FROM events");
	long co0 = db_count(db, "SELECT count(*) FROM corrections");
	assert_int_equal(ev0, 8); /* 7 from the kiosk + the correction's check-in */
	out = cli("purge dry", "purge", "--db", db, "--before", "2026-11-25", "--dry-run", NULL);
	long dn = -1, dc = -1, n = -1, c = -1;
	assert_int_equal(sscanf(out, "dry run: %ld events and %ld corrections", &dn, &dc), 2);
	free(out);
	assert_int_equal(dn, 5); /* S1 x2, S3, the void of S3 and the late void of S1 */
	assert_int_equal(dc, 0);
	assert_int_equal(db_count(db, "SELECT count(*) FROM events"), ev0);
	out = cli("purge", "purge", "--db", db, "--before", "2026-11-25", NULL);
	assert_non_null(strstr(out, "removed "));
	assert_int_equal(
	    sscanf(strstr(out, "removed "), "removed %ld events and %ld corrections", &n, &c), 2);
	free(out);
	assert_int_equal(n, dn);
	assert_int_equal(c, dc);
	assert_int_equal(db_count(db, "SELECT count(*) FROM events"), ev0 - n);
	assert_int_equal(db_count(db, "SELECT count(*) FROM corrections"), co0 - c);
	char *exp3 = cli("export", "export", "--db", db, NULL);
	present_counts(exp3, after, sizeof(after));
	assert_string_equal(after, "S1=1;S2=2;S3=0;S4=0;S5=0;"); /* the correction of S1 stays */

	/* the trail: append-only, each action once, nothing secret */
	assert_int_not_equal(sql_try(db, "DELETE FROM audit"), BLIPPA_OK);
	assert_int_not_equal(sql_try(db, "UPDATE audit SET actor = 'x'"), BLIPPA_OK);
	char *audit = cli("audit", "audit", "--db", db, NULL);
	static const struct {
		const char *needle;
		size_t n;
	} once[] = {
	    {",cli,import,", 1},
	    {",cli,user_add,", 2},
	    {",cli,kiosk_add,F1,", 1},
	    {",cli,kiosk_add,F2,", 1},
	    {",cli,kiosk_revoke,", 1},
	    {",root,login_failed,", 1},
	    {",,login_failed,", 1},
	    {",root,login,", 1},
	    {",coord,login,", 1},
	    {",root,view_group,F1,G1,", 1},
	    {",root,view_participant,F1,G1,,P1,", 1},
	    {",root,correct,F1,G1,S1,P2,,present", 1},
	    {",root,export,,G1,,,,csv ", 1},
	    {",root,export,F1,,,,,xlsx ", 1},
	    {",root,view_audit,", 1},
	    {",root,export_audit,", 1},
	    {",root,logout,", 1},
	    {",cli,export,", 4},
	    {",cli,user_password,", 1},
	    {",cli,report,,,,P1,", 2}, /* text and json */
	    {",cli,erase,,,,P3,", 1},
	    {",cli,purge,", 1},
	    {",cli,export_audit,", 0}, /* recorded after this listing */
	    {",coord,view", 0},
	    {"\n", 28}, /* the header and 27 rows: nothing else */
	};
	for (size_t i = 0; i < sizeof(once) / sizeof(once[0]); i++)
		if (count_of(audit, once[i].needle) != once[i].n)
			fail_msg("audit: %zu x \"%s\", expected %zu\n%s",
				 count_of(audit, once[i].needle), once[i].needle, once[i].n, audit);
	const char *const secret[] = {"nobody", PW,	    BAD_PW,  "04A1B2C3", "04a1b2c3",
				      "Åsa",	"Svensson", "Glömt", token};
	for (size_t i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
		if (strstr(audit, secret[i]))
			fail_msg("the audit trail holds \"%s\"", secret[i]);
	assert_non_null(strstr(audit, "before 2026-11-25: 5 events, 0 corrections"));

	assert_int_equal(tu_server_stop(&srv), 0);
	srv.pid = 0;
	normalise(audit);
	normalise(exp3);
	normalise(rep);
	res->audit = audit;
	res->export = exp3;
	res->report = rep;
	free(exp1);
	free(exp2);
	free(token);
}

static void test_sqlite(void **state)
{
	(void)state;
	char db[1100];
	snprintf(db, sizeof(db), "%s/region.db", tmp);
	scenario(db, "roster-sqlite", &res_sqlite);
}

/* The same scenario on PostgreSQL: the same answers, side by side. */
static void test_pg_same(void **state)
{
	(void)state;
	const char *pg = getenv("BLIPPA_PG_URI");
	if (!pg)
		skip();
	assert_non_null(res_sqlite.audit);
	scenario(pg, "roster-pg", &res_pg);
	assert_string_equal(res_sqlite.audit, res_pg.audit);
	assert_string_equal(res_sqlite.export, res_pg.export);
	assert_string_equal(res_sqlite.report, res_pg.report);
}

/* serve --retention-days N purges at start (as actor "retention"): with the
 * clock pinned to 2026-12-10 and N = 15, what is older than 2026-11-25. */
static void test_retention(void **state)
{
	(void)state;
	char db[1100];
	snprintf(db, sizeof(db), "%s/retention.db", tmp);
	assert_int_equal(run(NULL, NULL, NULL, "init", "--db", db, NULL), 0);
	char *dir = tu_roster_dir(tmp, "roster-retention", NULL);
	free(cli("import", "import", "--db", db, dir, NULL));
	free(dir);
	char *token =
	    cli("add-kiosk", "add-kiosk", "--db", db, "--facility", "F1", "--name", "A", NULL);
	token[64] = '\0';
	const char *plain[] = {BLIPPA_SERVER_BIN, "serve",	 "--db",   db,
			       "--listen",	  "127.0.0.1:0", "--cert", pki.cert,
			       "--key",		  pki.key,	 NULL};
	tu_server_start(&srv, plain, true);
	const char *batch = "{\"events\":[" EV("01", CHECKIN("P1", "S1", "card", AT_S1)) "," EV(
	    "04", CHECKIN("P1", "S3", "card", AT_S3)) "," EV("05", CHECKIN("P3", "S2", "card",
									   AT_S2)) "]}";
	struct tu_reply r =
	    tu_http_req(srv.url, pki.ca, "POST", "/v1/events", token, batch, strlen(batch), NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
	assert_int_equal(tu_server_stop(&srv), 0);
	srv.pid = 0;
	assert_int_equal(db_count(db, "SELECT count(*) FROM events"), 3);
	/* again with a retention of 15 days: S1 and S3 (11-23, 11-24) go */
	const char *keep[] = {BLIPPA_SERVER_BIN,  "serve",  "--db",   db,      "--listen",
			      "127.0.0.1:0",	  "--cert", pki.cert, "--key", pki.key,
			      "--retention-days", "15",	    NULL};
	tu_server_start_at(&srv, keep, PINNED_NOW_MS);
	int64_t deadline = tu_now_ms() + DEADLINE_MS;
	while (db_count(db, "SELECT count(*) FROM audit WHERE actor = 'retention'") < 1 &&
	       tu_now_ms() < deadline) {
		/* the purge runs on the server's main thread right after "listening" */
		struct timespec pause = {.tv_nsec = 20 * 1000 * 1000};
		nanosleep(&pause, NULL);
	}
	assert_int_equal(tu_server_stop(&srv), 0);
	srv.pid = 0;
	assert_int_equal(db_count(db, "SELECT count(*) FROM events"), 1);
	assert_int_equal(db_count(db, "SELECT count(*) FROM audit WHERE actor = 'retention'"
				      " AND action = 'purge'"
				      " AND detail = 'before 2026-11-25: 2 events, 0 corrections'"),
			 1);
	free(token);
}

static int group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tmp = tu_mkdtemp();
	tu_pki_make(&pki, MAKE_TEST_CA, tmp);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (srv.pid > 0)
		tu_server_stop(&srv);
	struct result *rs[] = {&res_sqlite, &res_pg};
	for (size_t i = 0; i < 2; i++) {
		free(rs[i]->audit);
		free(rs[i]->export);
		free(rs[i]->report);
	}
	tu_rmtree(tmp);
	free(tmp);
	curl_global_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sqlite),
	    cmocka_unit_test(test_pg_same),
	    cmocka_unit_test(test_retention),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
