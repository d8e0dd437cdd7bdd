/* SPDX-License-Identifier: MIT */
/* Tests of opening the store (sync/store/store.c) and replacing the roster
 * (store_roster.c): file mode 0600, WAL, schema version, refusing corrupt,
 * foreign and newer-schema files without touching them, a locked file,
 * atomic roster replacement with the old roster kept on a bad snapshot. */
#include <fcntl.h>
#include <sys/stat.h>

#include "store_int.h" /* STORE_SCHEMA_VERSION */
#include "store_testutil.h"

/* Reads a whole (small) file into buf; returns its length. */
static size_t slurp(const char *path, unsigned char *buf, size_t cap)
{
	FILE *fp = fopen(path, "rb");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, cap, fp);
	fclose(fp);
	return n;
}

static void spit(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

/* Opening must fail with want, say something in err, and leave the file
 * byte-for-byte as it was. */
static void expect_refused(struct tdir *t, enum blippa_err want, const char *needle)
{
	static unsigned char before[1 << 20], after[1 << 20];
	size_t n1 = slurp(t->db, before, sizeof before), n2;
	struct store *st = NULL;
	char err[512] = "";

	assert_int_equal(store_open(t->dir, NULL, &st, err, sizeof err), want);
	assert_null(st);
	assert_non_null(strstr(err, t->db));
	assert_non_null(strstr(err, needle));
	n2 = slurp(t->db, after, sizeof after);
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, n1);
}

static void test_create_mode_wal_version(void **state)
{
	struct tdir t;
	struct store *st;
	struct stat sb;
	sqlite3 *c = NULL;
	sqlite3_stmt *s = NULL;
	mode_t old = umask(0);

	(void)state;
	tdir_make(&t);
	st = open_store(&t, NULL);
	umask(old);
	assert_int_equal(stat(t.db, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(raw_int(t.db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(sqlite3_open(t.db, &c), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(c, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(c);
	store_close(st);
	/* reopen: no migration, same file */
	st = open_store(&t, NULL);
	store_close(st);
	store_close(NULL);
	tdir_remove(&t);
}

/* A file from schema 1 (before members.pno) is migrated in place and the
 * roster in it keeps working, name search included. */
static void test_migrate_from_v1(void **state)
{
	struct tdir t;
	struct store *st;
	struct search_hit h[4];
	size_t n = 0;
	struct roster *r = small_roster();

	(void)state;
	tdir_make(&t);
	assert_int_equal(roster_add_participant(r, "P7", "Åsa", "Berg"), 0);
	assert_int_equal(roster_add_member(r, "G1", "P7"), 0);
	st = open_store(&t, NULL);
	load_roster(st, r);
	store_close(st);
	/* schema 1 did not store participants in display order either */
	raw_exec(
	    t.db,
	    "ALTER TABLE members DROP COLUMN pno; ALTER TABLE events DROP COLUMN device_ms;"
	    "ALTER TABLE events DROP COLUMN clock_unsure; ALTER TABLE events DROP COLUMN boot_id;"
	    "ALTER TABLE events DROP COLUMN mono_ms;"
	    "ALTER TABLE participants DROP COLUMN language;"
	    "PRAGMA user_version = 1;"
	    "UPDATE participants SET pno = 100 - pno");
	assert_int_equal(raw_int(t.db, "SELECT count(*) FROM pragma_table_info('members')"), 2);
	st = open_store(&t, NULL);
	assert_int_equal(raw_int(t.db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(t.db, "SELECT count(*) FROM members WHERE pno IS NULL"), 0);
	assert_int_equal(store_search_names(st, "asa", true, at("2026-11-23 09:00", 0), h, 4, &n),
			 BLIPPA_OK);
	assert_int_equal(n, 2);
	assert_string_equal(h[0].display, "Åsa B.");
	assert_string_equal(h[1].display, "Åsa Ö.");
	store_close(st);
	tdir_remove(&t);
}

static void test_loose_mode_tightened(void **state)
{
	struct tdir t;
	struct store *st;
	struct stat sb;
	int fd;

	(void)state;
	tdir_make(&t);
	fd = open(t.db, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0644), 0);
	close(fd);
	st = open_store(&t, NULL);
	assert_int_equal(stat(t.db, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	store_close(st);
	tdir_remove(&t);
}

/* Two handles on one database in one process (the kiosk's UI store and
 * its sync engine's), then another process opens and closes it (the
 * sqlite3 CLI, blippa-sync status): a commit made afterwards through the
 * first handle must be seen by other processes. Opening the second handle
 * must not drop the first one's POSIX locks (an open()/close() of the file
 * does), or the other process deletes the WAL the handles still write to. */
static int64_t child_int(const char *db, const char *sql)
{
	/* a fresh process (fork alone would inherit SQLite's in-process lock
	 * table): the sqlite3 CLI, read-write, as an operator would run it */
	char cmd[512], out[32] = "";
	FILE *p;
	int n = snprintf(cmd, sizeof cmd, "sqlite3 '%s' \"%s\"", db, sql);
	assert_true(n > 0 && (size_t)n < sizeof cmd);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(out, sizeof out, p))
		out[0] = '\0';
	assert_int_equal(pclose(p), 0);
	return strtoll(out, NULL, 10);
}

static void test_second_handle_keeps_wal(void **state)
{
	struct tdir t;
	struct store *a, *b;
	(void)state;
	tdir_make(&t);
	a = open_store(&t, NULL);
	b = open_store(&t, NULL);
	assert_int_equal(child_int(t.db, "SELECT count(*) FROM meta WHERE key = 'x'"), 0);
	assert_int_equal(store_meta_set(a, "x", "1"), BLIPPA_OK);
	assert_int_equal(child_int(t.db, "SELECT count(*) FROM meta WHERE key = 'x'"), 1);
	store_close(b);
	store_close(a);
	tdir_remove(&t);
}

static void test_not_sqlite_refused(void **state)
{
	struct tdir t;
	unsigned char junk[4096];

	(void)state;
	tdir_make(&t);
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (unsigned char)(i * 7 + 3);
	spit(t.db, junk, sizeof junk);
	expect_refused(&t, BLIPPA_ERR_CORRUPT, "not");
	spit(t.db, "SQLite", 6); /* short file */
	expect_refused(&t, BLIPPA_ERR_CORRUPT, "not");
	tdir_remove(&t);
}

static void test_corrupt_pages_refused(void **state)
{
	static unsigned char buf[1 << 20];
	struct tdir t;
	struct store *st;
	size_t n;

	(void)state;
	tdir_make(&t);
	st = open_store(&t, NULL);
	load_roster(st, roster_make_demo(at("2026-11-23 10:00", 0), 200));
	store_close(st); /* checkpoints the WAL into the main file */
	n = slurp(t.db, buf, sizeof buf);
	assert_true(n > 16 * 4096 && n < sizeof buf);
	/* damage only the last page (roster rows, not what open reads itself):
	 * only the integrity check can notice */
	for (size_t i = n - 4096 + 8; i < n; i++)
		buf[i] = (unsigned char)(buf[i] ^ 0x5a);
	spit(t.db, buf, n);
	expect_refused(&t, BLIPPA_ERR_CORRUPT, "integrity");
	tdir_remove(&t);
}

static void test_foreign_sqlite_refused(void **state)
{
	struct tdir t;

	(void)state;
	tdir_make(&t);
	raw_exec(t.db, "PRAGMA journal_mode = DELETE; CREATE TABLE photos(x); INSERT INTO photos "
		       "VALUES(1)");
	expect_refused(&t, BLIPPA_ERR_CORRUPT, "not a Blippa database");
	tdir_remove(&t);
}

static void test_newer_schema_refused(void **state)
{
	struct tdir t;
	struct store *st;

	(void)state;
	tdir_make(&t);
	st = open_store(&t, NULL);
	store_close(st);
	raw_exec(t.db, "PRAGMA journal_mode = DELETE; PRAGMA user_version = 99");
	expect_refused(&t, BLIPPA_ERR_SCHEMA, "newer");
	assert_int_equal(raw_int(t.db, "PRAGMA user_version"), 99);
	tdir_remove(&t);
}

static void test_locked_at_open(void **state)
{
	struct tdir t;
	struct store *st = NULL;
	sqlite3 *c = NULL;
	char err[512];

	(void)state;
	tdir_make(&t);
	/* a foreign process holds an exclusive lock on a fresh rollback-mode file */
	assert_int_equal(sqlite3_open(t.db, &c), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(c, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_not_equal(store_open(t.dir, NULL, &st, err, sizeof err), BLIPPA_OK);
	assert_null(st);
	sqlite3_exec(c, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(c);
	st = open_store(&t, NULL);
	store_close(st);
	tdir_remove(&t);
}

static void test_meta(void **state)
{
	struct tdir t;
	struct store *st;
	char v[16];

	(void)state;
	tdir_make(&t);
	st = open_store(&t, NULL);
	assert_int_equal(store_meta_get(st, "kiosk_id", v, sizeof v), BLIPPA_ERR_NOT_FOUND);
	assert_string_equal(v, "");
	assert_int_equal(store_meta_set(st, "kiosk_id", "K1"), 0);
	assert_int_equal(store_meta_set(st, "kiosk_id", "K2"), 0);
	assert_int_equal(store_meta_get(st, "kiosk_id", v, sizeof v), 0);
	assert_string_equal(v, "K2");
	assert_int_equal(store_meta_set(st, "", "x"), BLIPPA_ERR_INVALID);
	assert_int_equal(store_meta_set(st, "roster_gen", "7"), BLIPPA_ERR_INVALID);
	store_close(st);
	st = open_store(&t, NULL);
	assert_int_equal(store_meta_get(st, "kiosk_id", v, sizeof v), 0);
	assert_string_equal(v, "K2");
	store_close(st);
	tdir_remove(&t);
}

static void test_replace_and_read_back(void **state)
{
	struct tdir t;
	struct store *st;
	char id[65], name[129], tz[65], etag[64];
	char hhmm[6];

	(void)state;
	tdir_make(&t);
	st = open_store(&t, NULL);
	assert_int_equal(store_roster_etag(st, etag, sizeof etag), 0);
	assert_string_equal(etag, "");
	assert_int_equal(store_facility(st, id, sizeof id, name, sizeof name, tz, sizeof tz), 0);
	assert_string_equal(id, "");
	load_roster(st, small_roster());
	assert_int_equal(store_roster_etag(st, etag, sizeof etag), 0);
	assert_string_equal(etag, "\"v1\"");
	assert_int_equal(store_facility(st, id, sizeof id, name, sizeof name, tz, sizeof tz), 0);
	assert_string_equal(id, "F1");
	assert_string_equal(name, "IK Hälsa");
	assert_string_equal(tz, ZONE);
	assert_int_equal(raw_int(t.db, "SELECT count(*) FROM participants"), 6);
	/* stored in display order (Swedish): Lars, Olle, Sven-Erik, Åsa, Ängla, Örjan */
	assert_int_equal(raw_int(t.db, "SELECT pno FROM participants WHERE id = 'P4'"), 1);
	assert_int_equal(raw_int(t.db, "SELECT pno FROM participants WHERE id = 'P1'"), 4);
	assert_int_equal(raw_int(t.db, "SELECT pno FROM participants WHERE id = 'P3'"), 5);
	assert_int_equal(raw_int(t.db, "SELECT pno FROM participants WHERE id = 'P2'"), 6);
	assert_int_equal(raw_int(t.db, "SELECT pno FROM members WHERE participant_id = 'P2'"), 6);
	assert_int_equal(raw_int(t.db, "SELECT start_ms FROM sessions WHERE id = 'S1'"),
			 at("2026-11-23 10:00", 0));
	assert_int_equal(store_local_hhmm(st, at("2026-11-23 09:54", 0), hhmm), 0);
	assert_string_equal(hhmm, "09:54");
	store_close(st);
	tdir_remove(&t);
}

static void test_dangling_refs_keep_old_roster(void **state)
{
	struct tdir t;
	struct store *st;
	char err[256], etag[64];
	struct roster *r;
	struct checkin_result res;

	(void)state;
	tdir_make(&t);
	st = open_store(&t, NULL);
	load_roster(st, small_roster());

	r = small_roster();
	assert_int_equal(roster_set_etag(r, "\"v2\""), 0);
	assert_int_equal(roster_add_member(r, "G1", "P99"), 0); /* dangling */
	assert_int_equal(store_replace_roster(st, r, err, sizeof err), BLIPPA_ERR_INVALID);
	assert_non_null(strstr(err, "members"));
	assert_non_null(strstr(err, "P99"));
	roster_free(r);

	r = small_roster();
	assert_int_equal(roster_add_session(r, "S9", "G9", "2026-11-23 10:00", "2026-11-23 11:00"),
			 0);
	assert_int_equal(store_replace_roster(st, r, err, sizeof err), BLIPPA_ERR_INVALID);
	assert_non_null(strstr(err, "sessions"));
	roster_free(r);

	/* old roster intact and working */
	assert_int_equal(store_roster_etag(st, etag, sizeof etag), 0);
	assert_string_equal(etag, "\"v1\"");
	assert_int_equal(raw_int(t.db, "SELECT count(*) FROM members"), 6);
	assert_int_equal(store_checkin_card(st, uid_p1, 4, at("2026-11-23 10:00", 0), &res), 0);
	assert_int_equal(res.outcome, CHECKIN_OK);
	store_close(st);
	tdir_remove(&t);
}

static void test_replace_is_atomic_on_disk_full(void **state)
{
	struct tdir t;
	struct store *st;
	char err[256], etag[64];
	struct roster *r;
	int64_t pages;

	(void)state;
	tdir_make(&t);
	st = open_store(&t, NULL);
	load_roster(st, small_roster());
	pages = raw_int(t.db, "PRAGMA page_count");
	assert_int_equal(store_debug_set_max_pages(st, (unsigned)pages), 0);
	r = roster_make_demo(at("2026-11-23 10:00", 0), 3000);
	assert_non_null(r);
	assert_int_equal(store_replace_roster(st, r, err, sizeof err), BLIPPA_ERR_FULL);
	assert_non_null(strstr(err, "old roster kept"));
	assert_int_equal(store_roster_etag(st, etag, sizeof etag), 0);
	assert_string_equal(etag, "\"v1\"");
	assert_int_equal(raw_int(t.db, "SELECT count(*) FROM participants"), 6);
	assert_int_equal(store_debug_set_max_pages(st, 0), 0);
	assert_int_equal(store_replace_roster(st, r, err, sizeof err), BLIPPA_OK);
	assert_int_equal(raw_int(t.db, "SELECT count(*) FROM participants"), 3014);
	roster_free(r);
	store_close(st);
	tdir_remove(&t);
}

static void test_second_handle_sees_new_roster(void **state)
{
	struct tdir t;
	struct store *a, *b;
	struct roster *r;
	struct checkin_result res;
	char hhmm[6];

	(void)state;
	tdir_make(&t);
	a = open_store(&t, NULL);
	b = open_store(&t, NULL);
	load_roster(a, small_roster());
	/* b never replaced anything but must use the new roster and zone */
	assert_int_equal(store_checkin_card(b, uid_p1, 4, at("2026-11-23 10:00", 0), &res), 0);
	assert_int_equal(res.outcome, CHECKIN_OK);
	r = roster_new();
	assert_int_equal(roster_set_facility(r, "F2", "Andra", "America/New_York"), 0);
	load_roster(a, r);
	assert_int_equal(store_local_hhmm(b, INT64_C(1795428000000), hhmm), 0); /* 2026-11-23 */
	assert_string_equal(hhmm, "05:00"); /* 10:00Z in New York */
	assert_int_equal(store_checkin_card(b, uid_p1, 4, at("2026-11-23 10:00", 0), &res), 0);
	assert_int_equal(res.outcome, CHECKIN_UNKNOWN_CARD);
	store_close(a);
	store_close(b);
	tdir_remove(&t);
}

static void test_relink_survives_replace(void **state)
{
	struct tdir t;
	struct store *st;
	struct checkin_result res;
	const uint8_t card[4] = {0x04, 0x99, 0x88, 0x77};

	(void)state;
	tdir_make(&t);
	st = open_store(&t, NULL);
	load_roster(st, small_roster());
	assert_int_equal(store_link_card(st, card, 4, "P3", at("2026-11-23 09:00", 0)), 0);
	/* the server has not heard of the link yet: a new snapshot keeps it */
	load_roster(st, small_roster());
	assert_int_equal(store_checkin_card(st, card, 4, at("2026-11-23 10:00", 0), &res), 0);
	assert_int_equal(res.outcome, CHECKIN_OK);
	assert_string_equal(res.participant_id, "P3");
	store_close(st);
	tdir_remove(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_mode_wal_version),
	    cmocka_unit_test(test_migrate_from_v1),
	    cmocka_unit_test(test_loose_mode_tightened),
	    cmocka_unit_test(test_second_handle_keeps_wal),
	    cmocka_unit_test(test_not_sqlite_refused),
	    cmocka_unit_test(test_corrupt_pages_refused),
	    cmocka_unit_test(test_foreign_sqlite_refused),
	    cmocka_unit_test(test_newer_schema_refused),
	    cmocka_unit_test(test_locked_at_open),
	    cmocka_unit_test(test_meta),
	    cmocka_unit_test(test_replace_and_read_back),
	    cmocka_unit_test(test_dangling_refs_keep_old_roster),
	    cmocka_unit_test(test_replace_is_atomic_on_disk_full),
	    cmocka_unit_test(test_second_handle_sees_new_roster),
	    cmocka_unit_test(test_relink_survives_replace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
