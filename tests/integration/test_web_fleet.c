/* SPDX-License-Identifier: MIT */
/* Integration test of the region operations in the back-office (issue 16,
 * docs/backoffice.md): the real blippa-server over HTTPS with a CA made at
 * test time, libcurl with verification on. Covers the Kiosks page and
 * `list-kiosks` showing the same "needs attention" (a kiosk that stops
 * syncing turns stale when the server's clock — BLIPPA_CLOCK_OFFSET_MS —
 * moves 20 minutes on; reader and clock reasons from a heartbeat), add and
 * revoke from the browser, GET /metrics and its bearer token, the roster
 * upload (dry run changes nothing, a bad file shows file:line, apply then
 * the same upload again shows no changes), leader PINs set by a coordinator
 * and delivered in the roster, and who may do what. With BLIPPA_PG_URI set
 * (test_web_fleet_pg, under tests/helpers/pg_harness.sh) it runs on
 * PostgreSQL instead of an SQLite file. */
#include <archive.h>
#include <archive_entry.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "web_testutil.h"

#define DEADLINE_MS 20000
#define PW "correct horse battery"
/* 2026-12-10 12:00 UTC: inside every fixture group's period */
#define PINNED_NOW_MS 1796904000000LL
#define METRICS_TOKEN "metrics-token-for-the-test-0123456789"

static char *tmp;
static char db[1024], mtok[1100];
static struct tu_pki pki;
static struct tu_server srv;
static int64_t server_now_ms; /* the server's pinned clock */

#define run(in, out, err, ...) tu_run(BLIPPA_SERVER_BIN, tmp, in, out, err, __VA_ARGS__)

static void login(struct tu_browser *b, const char *user)
{
	assert_int_equal(tu_login(b, user, PW), 303);
}

/* ---- fixture ---- */

static void add_user(const char *name, const char *role, const char *fac)
{
	tu_add_user(BLIPPA_SERVER_BIN, tmp, db, name, role, fac);
}

/* (Re)starts the server with its clock at now_ms. */
static void server_at(int64_t now_ms)
{
	if (srv.pid > 0)
		assert_int_equal(tu_server_stop(&srv), 0);
	const char *argv[] = {BLIPPA_SERVER_BIN,
			      "serve",
			      "--db",
			      db,
			      "--listen",
			      "127.0.0.1:0",
			      "--cert",
			      pki.cert,
			      "--key",
			      pki.key,
			      "--stale-after",
			      "900",
			      "--metrics-token-file",
			      mtok,
			      NULL};
	tu_server_start_at(&srv, argv, now_ms);
	server_now_ms = now_ms;
}

/* add-kiosk: the token into tok (65 bytes). */
static void add_kiosk(const char *fac, const char *name, char tok[65])
{
	char *out = NULL;
	assert_int_equal(
	    run(NULL, &out, NULL, "add-kiosk", "--db", db, "--facility", fac, "--name", name, NULL),
	    0);
	snprintf(tok, 65, "%.64s", out);
	free(out);
}

static void heartbeat(const char *tok, const char *reader, int64_t kiosk_time_ms)
{
	char body[256];
	snprintf(body, sizeof(body),
		 "{\"version\":\"0.9.1\",\"pending\":3,\"oldest_pending_age_s\":60,"
		 "\"reader\":\"%s\",\"last_error\":\"\",\"time\":%lld}",
		 reader, (long long)kiosk_time_ms);
	struct tu_reply r =
	    tu_http_req(srv.url, pki.ca, "POST", "/v1/heartbeat", tok, body, strlen(body), NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
}

static int group_setup(void **state)
{
	(void)state;
	char *out = NULL, *dir;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tmp = tu_mkdtemp();
	tu_region_db(db, sizeof(db), tmp);
	snprintf(mtok, sizeof(mtok), "%s/metrics.token", tmp);
	tu_write_file(mtok, METRICS_TOKEN "\n");
	tu_pki_make(&pki, MAKE_TEST_CA, tmp);
	assert_int_equal(run(NULL, NULL, NULL, "init", "--db", db, NULL), 0);
	dir = tu_roster_dir(tmp, "roster", NULL);
	assert_int_equal(run(NULL, &out, NULL, "import", "--db", db, dir, NULL), 0);
	free(out);
	free(dir);
	add_user("root", "admin", NULL);
	add_user("coord", "coordinator", "F1");
	add_user("view", "viewer", "F1");
	server_at(PINNED_NOW_MS);
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

/* ---- fleet health ---- */

/* The <tr id="ID" ...> row of the Kiosks page, as a malloc'd string. */
static char *kiosk_row(const char *body, const char *id)
{
	char needle[96];
	snprintf(needle, sizeof(needle), "<tr id=\"%s\"", id);
	const char *s = strstr(body, needle);
	if (!s)
		return NULL;
	const char *e = strstr(s, "</tr>");
	assert_non_null(e);
	return strndup(s, (size_t)(e - s));
}

static char *metrics(const char *token, long *status)
{
	struct tu_reply r = tu_http_req(srv.url, pki.ca, "GET", "/metrics", token, NULL, 0, NULL);
	*status = r.status;
	return r.body;
}

/* The value of one metrics line "name{labels} V" (labels as written). */
static long long metric(const char *text, const char *series)
{
	char needle[256];
	snprintf(needle, sizeof(needle), "\n%s ", series);
	const char *p = strstr(text, needle);
	if (!p)
		fail_msg("no metric %s", series);
	return strtoll(p + strlen(needle), NULL, 10);
}

static void test_fleet_health(void **state)
{
	(void)state;
	char tok_a[65], tok_b[65], id_a[32] = "", id_b[32] = "", *out = NULL;
	add_kiosk("F1", "Entré", tok_a);
	add_kiosk("F2", "Hall B", tok_b);
	heartbeat(tok_a, "ready", server_now_ms);
	/* kiosk B: its reader failed and its clock is 5 minutes slow */
	heartbeat(tok_b, "absent", server_now_ms - 5 * 60 * 1000);
	assert_int_equal(run(NULL, &out, NULL, "list-kiosks", "--db", db, NULL), 0);
	char *line_a = strstr(out, "\tEntré\t"), *line_b = strstr(out, "\tHall B\t");
	assert_non_null(line_a);
	assert_non_null(line_b);
	/* ids: the first field of each line */
	for (char *p = line_a; p > out && p[-1] != '\n'; p--)
		sscanf(p - 1, "%31[^\t]", id_a);
	for (char *p = line_b; p > out && p[-1] != '\n'; p--)
		sscanf(p - 1, "%31[^\t]", id_b);
	assert_int_equal(strncmp(id_a, "k-", 2), 0);
	assert_int_equal(strncmp(id_b, "k-", 2), 0);
	*strchr(line_a, '\n') = '\0';
	assert_non_null(strstr(line_a, "\tattention -"));
	assert_non_null(strstr(line_b, "\tattention reader,clock\n"));
	assert_non_null(strstr(line_b, "clock skew +30")); /* 300 s + the test's own time */
	free(out);

	struct tu_browser b;
	tu_browser_open(&b, srv.url, pki.ca);
	login(&b, "root");
	struct tu_page p = tu_browse(&b, "/kiosks", NULL);
	assert_int_equal(p.status, 200);
	char *ra = kiosk_row(p.body, id_a), *rb = kiosk_row(p.body, id_b);
	assert_non_null(ra);
	assert_non_null(rb);
	assert_null(strstr(ra, "attention"));
	assert_non_null(strstr(ra, "0.9.1"));
	assert_non_null(strstr(rb, "class=\"attention\""));
	assert_non_null(strstr(rb, "data-reason=\"reader\""));
	assert_non_null(strstr(rb, "data-reason=\"clock\""));
	assert_null(strstr(rb, "data-reason=\"not_seen\""));
	assert_non_null(strstr(rb, "+30"));
	free(ra);
	free(rb);
	tu_page_free(&p);

	long st;
	char *m = metrics(METRICS_TOKEN, &st);
	assert_int_equal(st, 200);
	char series[200];
	snprintf(series, sizeof(series),
		 "blippa_kiosk_needs_attention{kiosk=\"%s\",facility=\"F1\"}", id_a);
	assert_int_equal(metric(m, series), 0);
	snprintf(series, sizeof(series),
		 "blippa_kiosk_attention{kiosk=\"%s\",facility=\"F2\",reason=\"clock\"}", id_b);
	assert_int_equal(metric(m, series), 1);
	snprintf(series, sizeof(series),
		 "blippa_kiosk_pending_events{kiosk=\"%s\",facility=\"F1\"}", id_a);
	assert_int_equal(metric(m, series), 3);
	free(m);

	/* kiosk A stops syncing: 20 minutes later it needs attention, on the
	 * page, in /metrics and in list-kiosks alike */
	curl_easy_cleanup(b.h);
	server_at(PINNED_NOW_MS + 20 * 60 * 1000);
	tu_browser_open(&b, srv.url, pki.ca);
	login(&b, "root");
	p = tu_browse(&b, "/kiosks", NULL);
	ra = kiosk_row(p.body, id_a);
	assert_non_null(ra);
	assert_non_null(strstr(ra, "class=\"attention\""));
	assert_non_null(strstr(ra, "data-reason=\"not_seen\""));
	/* 20 min, give or take the seconds the test itself took */
	assert_true(strstr(ra, "20 min") || strstr(ra, "19 min"));
	free(ra);
	tu_page_free(&p);
	m = metrics(METRICS_TOKEN, &st);
	assert_int_equal(st, 200);
	snprintf(series, sizeof(series),
		 "blippa_kiosk_needs_attention{kiosk=\"%s\",facility=\"F1\"}", id_a);
	assert_int_equal(metric(m, series), 1);
	snprintf(series, sizeof(series),
		 "blippa_kiosk_attention{kiosk=\"%s\",facility=\"F1\",reason=\"not_seen\"}", id_a);
	assert_int_equal(metric(m, series), 1);
	snprintf(series, sizeof(series),
		 "blippa_kiosk_seconds_since_seen{kiosk=\"%s\",facility=\"F1\"}", id_a);
	long long since = metric(m, series);
	assert_true(since >= 1140 && since < 1260);
	free(m);
	tu_clock_env(PINNED_NOW_MS + 20 * 60 * 1000);
	assert_int_equal(run(NULL, &out, NULL, "list-kiosks", "--db", db, NULL), 0);
	unsetenv("BLIPPA_CLOCK_OFFSET_MS");
	line_a = strstr(out, "\tEntré\t");
	assert_non_null(line_a);
	*strchr(line_a, '\n') = '\0';
	assert_non_null(strstr(line_a, "\tattention not_seen"));
	free(out);
	curl_easy_cleanup(b.h);
}

static void test_roles(void **state)
{
	(void)state;
	struct tu_browser b;
	char form[256], csrf[80];
	tu_browser_open(&b, srv.url, pki.ca);
	login(&b, "view");
	assert_int_equal(tu_status_of(&b, "/kiosks", NULL), 403);
	assert_int_equal(tu_status_of(&b, "/leaders", NULL), 403);
	assert_int_equal(tu_status_of(&b, "/import", NULL), 403);
	tu_csrf_of(&b, csrf);
	snprintf(form, sizeof(form), "csrf=%s&pin=1234&pin2=1234", csrf);
	assert_int_equal(tu_status_of(&b, "/leaders/L1/pin", form), 403);
	curl_easy_cleanup(b.h);

	tu_browser_open(&b, srv.url, pki.ca);
	login(&b, "coord");
	struct tu_page p = tu_browse(&b, "/kiosks", NULL);
	assert_int_equal(p.status, 200);
	assert_non_null(strstr(p.body, "Entré"));
	assert_null(strstr(p.body, "Hall B")); /* F2's kiosk */
	assert_null(strstr(p.body, "/revoke\""));
	tu_page_free(&p);
	assert_int_equal(tu_status_of(&b, "/import", NULL), 403);
	tu_csrf_of(&b, csrf);
	snprintf(form, sizeof(form), "csrf=%s&facility=F1&name=X", csrf);
	assert_int_equal(tu_status_of(&b, "/kiosks", form), 403);
	snprintf(form, sizeof(form), "csrf=%s&pin=1234&pin2=1234", csrf);
	assert_int_equal(tu_status_of(&b, "/leaders/L2/pin", form), 403); /* F2's leader */
	assert_int_equal(tu_status_of(&b, "/leaders/NOPE/pin", form), 403);
	curl_easy_cleanup(b.h);
	/* no session: to the login page */
	tu_browser_open(&b, srv.url, pki.ca);
	assert_int_equal(tu_status_of(&b, "/kiosks", NULL), 303);
	assert_int_equal(tu_status_of(&b, "/import", NULL), 303);
	curl_easy_cleanup(b.h);
}

static void test_add_and_revoke(void **state)
{
	(void)state;
	struct tu_browser b;
	char form[256], csrf[80], tok[65] = "", id[32] = "";
	tu_browser_open(&b, srv.url, pki.ca);
	login(&b, "root");
	assert_int_equal(tu_status_of(&b, "/kiosks", "facility=F1&name=Ny"), 403); /* no CSRF */
	tu_csrf_of(&b, csrf);
	snprintf(form, sizeof(form), "csrf=%s&facility=F1&name=Reception+2", csrf);
	struct tu_page p = tu_browse(&b, "/kiosks", form);
	assert_int_equal(p.status, 200);
	const char *t = strstr(p.body, "<code id=\"token\">");
	assert_non_null(t);
	assert_int_equal(sscanf(t + 17, "%64[0-9a-f]", tok), 1);
	assert_int_equal(strlen(tok), 64);
	const char *h2 = strstr(p.body, "Kiosken är tillagd: ");
	assert_non_null(h2);
	sscanf(h2 + strlen("Kiosken är tillagd: "), "%31[^<]", id);
	tu_page_free(&p);
	/* shown once: the page again has no token */
	p = tu_browse(&b, "/kiosks", NULL);
	assert_null(strstr(p.body, tok));
	assert_non_null(strstr(p.body, "Reception 2"));
	tu_page_free(&p);
	struct tu_reply r = tu_http_req(srv.url, pki.ca, "GET", "/v1/roster", tok, NULL, 0, NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
	/* a bad name is refused */
	snprintf(form, sizeof(form), "csrf=%s&facility=F1&name=", csrf);
	assert_int_equal(tu_status_of(&b, "/kiosks", form), 400);
	snprintf(form, sizeof(form), "csrf=%s&facility=NOPE&name=X", csrf);
	assert_int_equal(tu_status_of(&b, "/kiosks", form), 400);
	/* revoke: without CSRF refused, then done */
	char path[96];
	snprintf(path, sizeof(path), "/kiosks/%s/revoke", id);
	assert_int_equal(tu_status_of(&b, path, "x=1"), 403);
	snprintf(form, sizeof(form), "csrf=%s", csrf);
	assert_int_equal(tu_status_of(&b, path, form), 303);
	r = tu_http_req(srv.url, pki.ca, "GET", "/v1/roster", tok, NULL, 0, NULL);
	assert_int_equal(r.status, 401);
	free(r.body);
	assert_int_equal(tu_status_of(&b, "/kiosks/k-00000000/revoke", form), 404);
	curl_easy_cleanup(b.h);
	/* each action is one row of the audit trail, by the account, with the
	 * kiosk's id and never its token */
	static const char *const acts[] = {"kiosk_add", "kiosk_revoke"};
	for (size_t i = 0; i < 2; i++) {
		char *out = NULL;
		assert_int_equal(
		    run(NULL, &out, NULL, "audit", "--db", db, "--action", acts[i], NULL), 0);
		const char *at = strstr(out, id);
		assert_non_null(at);
		assert_null(strstr(at + 1, id));
		assert_non_null(strstr(out, ",root,"));
		assert_null(strstr(out, tok));
		free(out);
	}
}

static void test_metrics_token(void **state)
{
	(void)state;
	long st;
	char *err = NULL, loose[1200];
	/* the token file must be private; a hash must be 64 hex digits */
	snprintf(loose, sizeof(loose), "%s/loose.token", tmp);
	tu_write_file(loose, METRICS_TOKEN "\n");
	assert_int_equal(chmod(loose, 0644), 0);
	assert_int_equal(run(NULL, NULL, &err, "serve", "--db", db, "--listen", "127.0.0.1:0",
			     "--metrics-token-file", loose, NULL),
			 1);
	assert_non_null(strstr(err, "must be mode 0600"));
	free(err);
	err = NULL;
	assert_int_equal(run(NULL, NULL, &err, "serve", "--db", db, "--listen", "127.0.0.1:0",
			     "--metrics-token-hash", "abc", NULL),
			 1);
	assert_non_null(strstr(err, "64 hex digits"));
	free(err);
	assert_int_equal(
	    run(NULL, NULL, NULL, "list-kiosks", "--db", db, "--stale-after", "5", NULL), 2);
	char *m = metrics(NULL, &st);
	assert_int_equal(st, 401);
	free(m);
	m = metrics("wrong-token-wrong-token-wrong-token--", &st);
	assert_int_equal(st, 401);
	free(m);
	/* a staff session is not the metrics token */
	struct tu_browser b;
	tu_browser_open(&b, srv.url, pki.ca);
	login(&b, "root");
	assert_int_equal(tu_status_of(&b, "/metrics", NULL), 401);
	curl_easy_cleanup(b.h);
	/* failed logins and ingest are counted */
	m = metrics(METRICS_TOKEN, &st);
	long long fails = metric(m, "blippa_web_failed_logins_total");
	long long acc = metric(m, "blippa_ingest_events_total{result=\"accepted\"}");
	free(m);
	tu_browser_open(&b, srv.url, pki.ca);
	struct tu_page p = tu_browse(&b, "/login", NULL);
	char form[256];
	snprintf(form, sizeof(form), "csrf=%s&username=root&password=wrong+password+here", p.csrf);
	tu_page_free(&p);
	assert_int_equal(tu_status_of(&b, "/login", form), 401);
	curl_easy_cleanup(b.h);
	char tok[65];
	add_kiosk("F1", "Metrics", tok);
	const char *batch = "{\"events\":[{\"id\":\"0192f5c4-0000-7000-8000-0000000c0001\","
			    "\"type\":\"checkin\",\"at\":1796900000000,\"method\":\"card\","
			    "\"participant_id\":\"P1\",\"session_id\":\"S1\"},"
			    "{\"id\":\"0192f5c4-0000-7000-8000-0000000c0002\","
			    "\"type\":\"checkin\",\"at\":1796900000000,\"method\":\"card\","
			    "\"participant_id\":\"P1\",\"session_id\":\"NOPE\"}]}";
	struct tu_reply r =
	    tu_http_req(srv.url, pki.ca, "POST", "/v1/events", tok, batch, strlen(batch), NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
	m = metrics(METRICS_TOKEN, &st);
	assert_int_equal(st, 200);
	assert_int_equal(metric(m, "blippa_web_failed_logins_total"), fails + 1);
	assert_int_equal(metric(m, "blippa_ingest_events_total{result=\"accepted\"}"), acc + 1);
	assert_true(metric(m, "blippa_ingest_rejected_total{reason=\"unknown session\"}") >= 1);
	assert_null(strstr(m, "Metrics")); /* ids only, no names */
	free(m);
}

/* ---- roster import ---- */

/* Uploads the roster files of dir (all six, or only `only`) */
static struct tu_page upload(struct tu_browser *b, const char *dir, const char *only)
{
	static const char *const files[] = {"facilities.csv",	"groups.csv",  "sessions.csv",
					    "participants.csv", "members.csv", "leaders.csv"};
	char csrf[80], path[1200];
	tu_csrf_of(b, csrf);
	curl_mime *mime = curl_mime_init(b->h);
	curl_mimepart *part = curl_mime_addpart(mime);
	curl_mime_name(part, "csrf");
	curl_mime_data(part, csrf, CURL_ZERO_TERMINATED);
	for (size_t i = 0; i < 6; i++) {
		if (only && strcmp(only, files[i]) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		part = curl_mime_addpart(mime);
		curl_mime_name(part, "files");
		curl_mime_filedata(part, path);
		curl_mime_type(part, "text/csv");
	}
	struct tu_page p = tu_browse_x(b, "/import", NULL, mime);
	curl_mime_free(mime);
	return p;
}

/* Packs the six roster files of dir into zip (in a folder "roster/", as a
 * file manager does). */
static void make_zip(const char *dir, const char *zip)
{
	static const char *const files[] = {"facilities.csv",	"groups.csv",  "sessions.csv",
					    "participants.csv", "members.csv", "leaders.csv"};
	struct archive *a = archive_write_new();
	assert_non_null(a);
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, zip), ARCHIVE_OK);
	for (size_t i = 0; i < 6; i++) {
		char path[1200], name[64], buf[8192];
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		snprintf(name, sizeof(name), "roster/%s", files[i]);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		size_t n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0600);
		archive_entry_set_size(e, (la_int64_t)n);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, buf, n), (la_ssize_t)n);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static struct tu_page upload_file(struct tu_browser *b, const char *path)
{
	char csrf[80];
	tu_csrf_of(b, csrf);
	curl_mime *mime = curl_mime_init(b->h);
	curl_mimepart *part = curl_mime_addpart(mime);
	curl_mime_name(part, "csrf");
	curl_mime_data(part, csrf, CURL_ZERO_TERMINATED);
	part = curl_mime_addpart(mime);
	curl_mime_name(part, "files");
	curl_mime_filedata(part, path);
	struct tu_page p = tu_browse_x(b, "/import", NULL, mime);
	curl_mime_free(mime);
	return p;
}

static char *export_now(void)
{
	char *out = NULL;
	assert_int_equal(run(NULL, &out, NULL, "export", "--db", db, NULL), 0);
	return out;
}

/* The roster of kiosk tok (GET /v1/roster) as a string. */
static char *roster_of(const char *tok)
{
	struct tu_reply r = tu_http_req(srv.url, pki.ca, "GET", "/v1/roster", tok, NULL, 0, NULL);
	assert_int_equal(r.status, 200);
	return r.body;
}

static void test_import(void **state)
{
	(void)state;
	struct tu_browser b;
	char path[1200], tok[65];
	add_kiosk("F1", "Import check", tok);
	tu_browser_open(&b, srv.url, pki.ca);
	login(&b, "root");
	struct tu_page p = tu_browse(&b, "/import", NULL);
	assert_int_equal(p.status, 200);
	assert_non_null(strstr(p.body, "enctype=\"multipart/form-data\""));
	tu_page_free(&p);

	/* the files already imported: no changes */
	char *same = tu_roster_dir(tmp, "same", NULL);
	p = upload(&b, same, NULL);
	assert_int_equal(p.status, 200);
	assert_non_null(strstr(p.body, "id=\"no-changes\""));
	assert_null(strstr(p.body, "/import/apply"));
	tu_page_free(&p);

	/* the same as one .zip */
	snprintf(path, sizeof(path), "%s/same.zip", tmp);
	make_zip(same, path);
	p = upload_file(&b, path);
	assert_int_equal(p.status, 200);
	assert_non_null(strstr(p.body, "id=\"no-changes\""));
	tu_page_free(&p);
	/* not a zip; a stray file */
	p = upload_file(&b, mtok);
	assert_int_equal(p.status, 400);
	assert_non_null(strstr(p.body, "metrics.token: ingen av de sex"));
	tu_page_free(&p);
	snprintf(path, sizeof(path), "%s/bad.zip", tmp);
	tu_write_file(path, "PK not really a zip");
	p = upload_file(&b, path);
	assert_int_equal(p.status, 400);
	assert_non_null(strstr(p.body, "bad.zip: ingen läsbar zip-fil"));
	tu_page_free(&p);

	/* changed files: +1 participant and membership, one membership ended,
	 * a session moved, a card changed */
	char *chg = tu_roster_dir(tmp, "changed", NULL);
	snprintf(path, sizeof(path), "%s/participants.csv", chg);
	tu_write_file(path, "participant_id,given_name,family_name,card_uid\n"
			    "P1,Åsa,Östberg,04A1B2D0\n"
			    "P2,Örjan,Ärlig,\n"
			    "P3,Anna-Lena,\"Svensson, d.y.\",04a1b2c4\n"
			    "P4,Märta,\"O\"\"Brien\",\n"
			    "P5,Björn,Åkesson,04A1B2C5\n"
			    "P6,Karl,Ek,04A1B2C6\n"
			    "P7,Ny,Deltagare,\n");
	snprintf(path, sizeof(path), "%s/members.csv", chg);
	tu_write_file(path, "group_id,participant_id\nG1,P1\nG1,P2\nG1,P3\nG2,P4\nG3,P5\nG3,P6\n"
			    "G1,P7\n");
	snprintf(path, sizeof(path), "%s/sessions.csv", chg);
	tu_write_file(path, "session_id,group_id,start,end\n"
			    "S1,G1,2026-11-23 10:00,2026-11-23 11:00\n"
			    "S2,G1,2026-12-01 10:00,2026-12-01 11:00\n"
			    "S3,G2,2026-11-24 14:00,2026-11-24 15:00\n"
			    "S4,G3,2026-11-25 09:00,2026-11-25 10:00\n"
			    "S5,G1,2026-07-06 10:00,2026-07-06 11:00\n");
	char *before = export_now(), *roster_before = roster_of(tok);
	p = upload(&b, chg, NULL);
	assert_int_equal(p.status, 200);
	assert_null(strstr(p.body, "no-changes"));
	assert_non_null(strstr(p.body, "data-diff=\"participants-added\">+1 deltagare<"));
	assert_non_null(strstr(p.body, "data-diff=\"members-added\">+1 medlemskap<"));
	assert_non_null(strstr(p.body, "data-diff=\"members-removed\">1 medlemskap avslutat<"));
	assert_non_null(strstr(p.body, "data-diff=\"sessions-changed\">1 pass flyttat<"));
	assert_non_null(strstr(p.body, "data-diff=\"cards-changed\">1 kort ändrat<"));
	assert_null(strstr(p.body, "data-diff=\"participants-removed\""));
	assert_null(strstr(p.body, "data-diff=\"groups"));
	char id[80] = "";
	const char *f = strstr(p.body, "name=\"id\" value=\"");
	assert_non_null(f);
	sscanf(f + 17, "%64[0-9a-f]", id);
	char csrf[80];
	snprintf(csrf, sizeof(csrf), "%s", p.csrf);
	tu_page_free(&p);
	/* the dry run changed nothing */
	char *after = export_now(), *roster_after = roster_of(tok);
	assert_string_equal(before, after);
	assert_string_equal(roster_before, roster_after);
	free(after);
	free(roster_after);

	/* a bad file: file:line, nothing changes, no apply button; in a zip too */
	char *bad = tu_roster_dir(tmp, "bad", "roster-bad-date");
	p = upload(&b, bad, NULL);
	assert_int_equal(p.status, 422);
	assert_non_null(strstr(p.body, "sessions.csv:3: "));
	assert_null(strstr(p.body, bad)); /* no server paths */
	assert_null(strstr(p.body, "/import/apply"));
	tu_page_free(&p);
	snprintf(path, sizeof(path), "%s/bad-date.zip", tmp);
	make_zip(bad, path);
	p = upload_file(&b, path);
	assert_int_equal(p.status, 422);
	assert_non_null(strstr(p.body, "sessions.csv:3: "));
	tu_page_free(&p);
	/* a missing file is named */
	p = upload(&b, chg, "participants.csv");
	assert_int_equal(p.status, 422);
	assert_non_null(strstr(p.body, "facilities.csv"));
	tu_page_free(&p);
	after = export_now();
	assert_string_equal(before, after);
	free(after);

	/* apply: another account cannot use the upload; without CSRF refused */
	char form[256];
	snprintf(form, sizeof(form), "id=%s", id);
	assert_int_equal(tu_status_of(&b, "/import/apply", form), 403);
	snprintf(form, sizeof(form), "csrf=%s&id=%s", csrf, id);
	p = tu_browse(&b, "/import/apply", form);
	assert_int_equal(p.status, 200);
	assert_non_null(strstr(p.body, "id=\"applied\""));
	tu_page_free(&p);
	after = export_now();
	assert_string_not_equal(before, after);
	assert_non_null(strstr(after, "G1,S2,2026-12-01 10:00,P7,Ny,Deltagare,absent"));
	free(after);
	/* the same id again: gone */
	assert_int_equal(tu_status_of(&b, "/import/apply", form), 409);
	/* the same files again: no changes */
	p = upload(&b, chg, NULL);
	assert_int_equal(p.status, 200);
	assert_non_null(strstr(p.body, "id=\"no-changes\""));
	tu_page_free(&p);
	/* back to the fixture roster for the other tests */
	p = upload(&b, same, NULL);
	f = strstr(p.body, "name=\"id\" value=\"");
	assert_non_null(f);
	sscanf(f + 17, "%64[0-9a-f]", id);
	snprintf(form, sizeof(form), "csrf=%s&id=%s", p.csrf, id);
	tu_page_free(&p);
	assert_int_equal(tu_status_of(&b, "/import/apply", form), 200);
	free(before);
	free(roster_before);
	free(same);
	free(chg);
	free(bad);
	curl_easy_cleanup(b.h);
}

static void test_leader_pin(void **state)
{
	(void)state;
	struct tu_browser b;
	char form[256], csrf[80], tok[65];
	add_kiosk("F1", "PIN check", tok);
	tu_browser_open(&b, srv.url, pki.ca);
	login(&b, "coord");
	struct tu_page p = tu_browse(&b, "/leaders", NULL);
	assert_int_equal(p.status, 200);
	assert_non_null(strstr(p.body, "Kim Lind"));
	assert_null(strstr(p.body, "Berg, Sara")); /* F2 */
	assert_non_null(strstr(p.body, "/leaders/L1/pin"));
	tu_page_free(&p);
	tu_csrf_of(&b, csrf);
	snprintf(form, sizeof(form), "csrf=%s&pin=12a4&pin2=12a4", csrf);
	assert_int_equal(tu_status_of(&b, "/leaders/L1/pin", form), 400);
	snprintf(form, sizeof(form), "csrf=%s&pin=123456&pin2=123457", csrf);
	assert_int_equal(tu_status_of(&b, "/leaders/L1/pin", form), 400);
	char *r0 = roster_of(tok);
	assert_null(strstr(r0, "$argon2id$"));
	free(r0);
	snprintf(form, sizeof(form), "csrf=%s&pin=482913&pin2=482913", csrf);
	p = tu_browse(&b, "/leaders/L1/pin", form);
	assert_int_equal(p.status, 200);
	assert_non_null(strstr(p.body, "id=\"pin-note\""));
	assert_null(strstr(p.body, "482913"));
	tu_page_free(&p);
	/* the kiosk gets the hash with the roster */
	char *r1 = roster_of(tok);
	assert_non_null(strstr(r1, "$argon2id$"));
	assert_null(strstr(r1, "482913"));
	free(r1);
	curl_easy_cleanup(b.h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fleet_health),   cmocka_unit_test(test_roles),
	    cmocka_unit_test(test_add_and_revoke), cmocka_unit_test(test_metrics_token),
	    cmocka_unit_test(test_import),	   cmocka_unit_test(test_leader_pin),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
