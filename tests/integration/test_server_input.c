/* SPDX-License-Identifier: MIT */
/* Issue 12 defects 1 and 6 against the real blippa-server binary (HTTPS on
 * 127.0.0.1, CA made at test time, a real SQLite file, or PostgreSQL when
 * run under tests/helpers/pg_harness.sh as test_server_input_pg): event
 * times the
 * server cannot show or that are implausible are rejected per event, also
 * under the clock override; the export never fails on what the store holds;
 * `export --output FILE` is written whole or not at all; text a kiosk sends
 * (heartbeat version, reader, last_error) is stored and listed without
 * control or bidi characters, and add-kiosk refuses such a name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "auth.h"
#include "srv_testutil.h"

#define DAY_MS (24LL * 3600 * 1000)

static char *tmp;
static char db[1024];
static struct tu_pki pki;
static char tok[80];

#define run(in, out, err, ...) tu_run(BLIPPA_SERVER_BIN, tmp, in, out, err, __VA_ARGS__)

static void serve(struct tu_server *s)
{
	const char *argv[] = {BLIPPA_SERVER_BIN, "serve",	"--db",	  db,
			      "--listen",	 "127.0.0.1:0", "--cert", pki.cert,
			      "--key",		 pki.key,	NULL};
	tu_server_start(s, argv, true);
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int group_setup(void **state)
{
	(void)state;
	char *out = NULL, *dir;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tmp = tu_mkdtemp();
	tu_region_db(db, sizeof(db), tmp); /* BLIPPA_PG_URI under pg_harness.sh */
	tu_pki_make(&pki, MAKE_TEST_CA, tmp);
	assert_int_equal(run(NULL, NULL, NULL, "init", "--db", db, NULL), 0);
	dir = tu_roster_dir(tmp, "roster", NULL);
	assert_int_equal(run(NULL, &out, NULL, "import", "--db", db, dir, NULL), 0);
	free(out);
	free(dir);
	assert_int_equal(
	    run(NULL, &out, NULL, "add-kiosk", "--db", db, "--facility", "F1", "--name", "A", NULL),
	    0);
	snprintf(tok, sizeof(tok), "%.64s", out);
	free(out);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tu_rmtree(tmp);
	free(tmp);
	curl_global_cleanup();
	return 0;
}

/* POSTs one open-training check-in of P1 at `at`; true if the answer (200)
 * holds want. Never asserts, so the caller can stop the server first. */
static bool posts_as(const struct tu_server *s, int n, int64_t at, const char *want)
{
	char body[512];
	snprintf(body, sizeof(body),
		 "{\"events\":[{\"id\":\"0192f5c4-0000-7000-8000-%012d\",\"type\":\"checkin\","
		 "\"at\":%lld,\"method\":\"card\",\"participant_id\":\"P1\",\"session_id\":null}]}",
		 n, (long long)at);
	struct tu_reply r =
	    tu_http_req(s->url, pki.ca, "POST", "/v1/events", tok, body, strlen(body), NULL);
	bool ok = r.status == 200 && r.body && strstr(r.body, want);
	if (!ok)
		printf("# event %d at %lld: expected %s, got %ld %s\n", n, (long long)at, want,
		       r.status, r.body ? r.body : "");
	free(r.body);
	return ok;
}

#define REJECTED "\"status\":\"rejected\",\"reason\":\"implausible time\""
#define ACCEPTED "\"status\":\"accepted\""

static void test_implausible_times_rejected(void **state)
{
	(void)state;
	struct tu_server s;
	int64_t now = wall_ms();
	int bad = 0;
	serve(&s);
	bad += !posts_as(&s, 1, 253402300800000, REJECTED);  /* year 10000 */
	bad += !posts_as(&s, 2, 946684800000 - 1, REJECTED); /* 1999-12-31 23:59:59.999Z */
	bad += !posts_as(&s, 3, now + DAY_MS + 3600000, REJECTED);
	bad += !posts_as(&s, 4, 946684800000, ACCEPTED); /* 2000-01-01 */
	bad += !posts_as(&s, 5, now - 60000, ACCEPTED);
	bad += !posts_as(&s, 6, now + DAY_MS - 3600000, ACCEPTED);
	assert_int_equal(tu_server_stop(&s), 0);
	/* "server time" is the clock override's: 10 days ahead, now + 5 days is fine */
	setenv("BLIPPA_CLOCK_OFFSET_MS", "864000000", 1);
	serve(&s);
	unsetenv("BLIPPA_CLOCK_OFFSET_MS");
	bad += !posts_as(&s, 7, now + 5 * DAY_MS, ACCEPTED);
	bad += !posts_as(&s, 8, now + 12 * DAY_MS, REJECTED);
	assert_int_equal(tu_server_stop(&s), 0);
	assert_int_equal(bad, 0);
	char *out = NULL;
	assert_int_equal(run(NULL, &out, NULL, "export", "--db", db, NULL), 0);
	free(out);
}

/* True if dir holds a file whose name contains part. */
static bool dir_has(const char *dir, const char *part)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;
	assert_non_null(d);
	while ((e = readdir(d)))
		found |= strstr(e->d_name, part) != NULL;
	closedir(d);
	return found;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *buf = calloc(1, 1 << 16);
	size_t n = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* A second region database with 1500 participants in one group of four
 * sessions; its path into db2. */
static void big_region(char *db2, size_t len)
{
	char path[1200], *out = NULL;
	char *dir = tu_roster_dir(tmp, "big", NULL);
	size_t cap = 1 << 17, n;
	char *parts = malloc(cap), *mem = malloc(cap);
	n = (size_t)snprintf(parts, cap, "participant_id,given_name,family_name,card_uid\n");
	size_t m = (size_t)snprintf(mem, cap, "group_id,participant_id\nG3,P5\nG3,P6\n");
	for (int i = 0; i < 1500; i++) {
		n += (size_t)snprintf(parts + n, cap - n, "Q%d,Förnamn%d,Efternamn%d,\n", i, i, i);
		m += (size_t)snprintf(mem + m, cap - m, "G1,Q%d\n", i);
	}
	snprintf(parts + n, cap - n, "P5,Björn,Åkesson,\nP6,Karl,Ek,\n");
	snprintf(path, sizeof(path), "%s/participants.csv", dir);
	tu_write_file(path, parts);
	snprintf(path, sizeof(path), "%s/members.csv", dir);
	tu_write_file(path, mem);
	snprintf(db2, len, "%s/big.db", tmp);
	assert_int_equal(run(NULL, NULL, NULL, "init", "--db", db2, NULL), 0);
	assert_int_equal(run(NULL, &out, NULL, "import", "--db", db2, dir, NULL), 0);
	free(out);
	free(parts);
	free(mem);
	free(dir);
}

static void test_export_never_fails_and_output_is_atomic(void **state)
{
	(void)state;
	char path[1200], outdir[1100], *out = NULL, *err = NULL;
	/* a check-in stored with a time no calendar shows (as the server took
	 * before the fix) */
	struct srv_store *st = NULL;
	char e[256];
	assert_int_equal(auth_init(), BLIPPA_OK);
	assert_int_equal(srv_store_open(db, false, &st, e, sizeof(e)), BLIPPA_OK);
	uint8_t hash[SRV_TOKEN_HASH_LEN];
	struct srv_kiosk k;
	assert_true(auth_token_hash(tok, strlen(tok), hash));
	assert_int_equal(srv_store_auth_kiosk(st, hash, &k), BLIPPA_OK);
	struct protocol_event ev = {
	    .type = EVENT_CHECKIN, .at_ms = 253402300800000, .method = CHECKIN_CARD};
	snprintf(ev.id, sizeof(ev.id), "0192f5c4-0000-7000-8000-0000000000aa");
	snprintf(ev.participant_id, sizeof(ev.participant_id), "P2");
	snprintf(ev.session_id, sizeof(ev.session_id), "S1");
	struct protocol_result res;
	struct srv_ingest_stats is;
	assert_int_equal(srv_store_ingest_events(st, &k, &ev, 1, wall_ms(), &res, &is), BLIPPA_OK);
	assert_int_equal(res.status, PROTOCOL_ACCEPTED);
	srv_store_close(st);

	assert_int_equal(run(NULL, &out, &err, "export", "--db", db, NULL), 0);
	assert_non_null(strstr(out, ",P2,Örjan,Ärlig,present,,card,"));
	assert_non_null(strstr(err, "cannot be shown"));
	free(err);

	snprintf(outdir, sizeof(outdir), "%s/out", tmp);
	assert_int_equal(mkdir(outdir, 0700), 0);
	snprintf(path, sizeof(path), "%s/attendance.csv", outdir);
	assert_int_equal(run(NULL, NULL, NULL, "export", "--db", db, "--output", path, NULL), 0);
	char *file = slurp(path);
	assert_string_equal(file, out);
	free(file);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_false(dir_has(outdir, ".tmp"));

	/* a directory that does not exist: exit 1, nothing made */
	snprintf(path, sizeof(path), "%s/nodir/attendance.csv", outdir);
	assert_int_equal(run(NULL, NULL, &err, "export", "--db", db, "--output", path, NULL), 1);
	assert_non_null(strstr(err, "nothing written"));
	free(err);

	/* the disk fills mid-way (a file size limit of 128 KiB, inherited by
	 * the child, SIGXFSZ ignored so write() fails; the region has 1500
	 * participants in 4 sessions, ~300 KB of CSV, while reading the
	 * database writes nothing that large): exit 1, the previous file
	 * untouched, no temporary file left */
	char db2[1100];
	big_region(db2, sizeof(db2));
	snprintf(path, sizeof(path), "%s/attendance.csv", outdir);
	tu_write_file(path, "previous export\n");
	struct rlimit old, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 128 * 1024;
	void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	int rc = run(NULL, NULL, &err, "export", "--db", db2, "--output", path, NULL);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, was);
	assert_int_equal(rc, 1);
	if (!strstr(err, "File too large"))
		fail_msg("expected 'File too large', got '%s'", err);
	free(err);
	file = slurp(path);
	assert_string_equal(file, "previous export\n");
	free(file);
	assert_false(dir_has(outdir, ".tmp"));
	free(out);
}

/* Bytes that must never reach the store or list-kiosks: C1 NEL, RLO (U+202E),
 * LRI (U+2066), PDI (U+2069), BEL. */
static const char *const bad_bytes[] = {"\xc2\x85", "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x81\xa9",
					"\x07"};

static void test_kiosk_text_sanitised(void **state)
{
	(void)state;
	struct tu_server s;
	serve(&s);
	const char *hb = "{\"version\":\"0.1\\u202e.0\",\"pending\":0,\"oldest_pending_age_s\":0,"
			 "\"reader\":\"rea\\u0085dy\",\"last_error\":\"disk\\u2066 full\\u2069 "
			 "\\u202egnp.exe\\u0007 x\",\"time\":1795428000123}";
	struct tu_reply r =
	    tu_http_req(s.url, pki.ca, "POST", "/v1/heartbeat", tok, hb, strlen(hb), NULL);
	free(r.body);
	assert_int_equal(tu_server_stop(&s), 0);
	assert_int_equal(r.status, 200);
	char *out = NULL, *err = NULL;
	assert_int_equal(run(NULL, &out, NULL, "list-kiosks", "--db", db, NULL), 0);
	for (size_t i = 0; i < sizeof(bad_bytes) / sizeof(bad_bytes[0]); i++)
		if (strstr(out, bad_bytes[i]))
			fail_msg("list-kiosks printed a control/bidi character (%zu): %s", i, out);
	assert_non_null(strstr(out, "disk full gnp.exe? x"));
	assert_non_null(strstr(out, "rea?dy"));
	/* an admin-given kiosk name with a bidi override is refused */
	assert_int_equal(run(NULL, NULL, &err, "add-kiosk", "--db", db, "--facility", "F1",
			     "--name",
			     "Entr\xe2\x80\xae"
			     "e",
			     NULL),
			 1);
	assert_non_null(strstr(err, "--name"));
	free(err);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_implausible_times_rejected),
	    cmocka_unit_test(test_export_never_fails_and_output_is_atomic),
	    cmocka_unit_test(test_kiosk_text_sanitised),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
