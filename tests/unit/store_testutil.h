/* SPDX-License-Identifier: MIT */
/* Helpers shared by the store's unit tests (header-only, static functions):
 * a fresh data directory under the build tree, a small hand-made roster in
 * Europe/Stockholm, local-time instants, counting rows through a plain
 * second SQLite connection (what a crash-recovering reader would see), and
 * the per-test fixture of a fresh store holding that roster. */
#ifndef BLIPPA_STORE_TESTUTIL_H
#define BLIPPA_STORE_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "roster.h"
#include "store.h"
#include "tz.h"

#ifndef STORE_TEST_TMP
#define STORE_TEST_TMP "/tmp"
#endif

#define ZONE "Europe/Stockholm"

struct tdir {
	char dir[512];
	char db[600];
};

static inline void tdir_make(struct tdir *t)
{
	snprintf(t->dir, sizeof t->dir, "%s/storetest-XXXXXX", STORE_TEST_TMP);
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->db, sizeof t->db, "%s/blippa.db", t->dir);
}

static inline void tdir_remove(struct tdir *t)
{
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
	char p[700];

	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		snprintf(p, sizeof p, "%s%s", t->db, sfx[i]);
		unlink(p);
	}
	rmdir(t->dir);
}

/* Unix ms of a facility-local "YYYY-MM-DD HH:MM" (+ extra ms). */
static inline int64_t at(const char *local, int64_t plus_ms)
{
	int64_t ms = 0;

	assert_int_equal(tz_local_to_utc_ms(ZONE, local, &ms), BLIPPA_OK);
	return ms + plus_ms;
}

static inline struct store *open_store(const struct tdir *t, const struct store_rules *rules)
{
	struct store *st = NULL;
	char err[256];
	enum blippa_err rc = store_open(t->dir, rules, &st, err, sizeof err);

	if (rc != BLIPPA_OK)
		fprintf(stderr, "store_open: %s\n", err);
	assert_int_equal(rc, BLIPPA_OK);
	return st;
}

/* Roster on 2026-11-23 (a Monday): G1 10:00-11:00 (P1, P2, P3, P4),
 * G2 10:30-11:30 (P1), G3 on 2026-11-24 (P5); P6 in no group. Past G1
 * sessions on 2026-11-09 and 2026-11-16. Cards: P1 04A1B2C3, P2 7-byte,
 * leader L1 04FFEE01. */
static inline struct roster *small_roster(void)
{
	struct roster *r = roster_new();

	assert_non_null(r);
	assert_int_equal(roster_set_facility(r, "F1", "IK Hälsa", ZONE), 0);
	assert_int_equal(roster_set_etag(r, "\"v1\""), 0);
	assert_int_equal(roster_add_group(r, "G1", "Styrka A", "2026-11-01", "2026-12-20"), 0);
	assert_int_equal(roster_add_group(r, "G2", "Balans", "2026-11-01", "2026-12-20"), 0);
	assert_int_equal(roster_add_group(r, "G3", "Cirkel", "2026-11-01", "2026-12-20"), 0);
	assert_int_equal(roster_add_session(r, "S0a", "G1", "2026-11-09 10:00", "2026-11-09 11:00"),
			 0);
	assert_int_equal(roster_add_session(r, "S0b", "G1", "2026-11-16 10:00", "2026-11-16 11:00"),
			 0);
	assert_int_equal(roster_add_session(r, "S1", "G1", "2026-11-23 10:00", "2026-11-23 11:00"),
			 0);
	assert_int_equal(roster_add_session(r, "S2", "G2", "2026-11-23 10:30", "2026-11-23 11:30"),
			 0);
	assert_int_equal(roster_add_session(r, "S3", "G3", "2026-11-24 10:00", "2026-11-24 11:00"),
			 0);
	assert_int_equal(roster_add_session(r, "S4", "G1", "2026-11-30 10:00", "2026-11-30 11:00"),
			 0);
	assert_int_equal(roster_add_participant(r, "P1", "Åsa", "Östberg"), 0);
	assert_int_equal(roster_add_participant(r, "P2", "Örjan", "Ek"), 0);
	assert_int_equal(roster_add_participant(r, "P3", "Ängla", "Berg"), 0);
	assert_int_equal(roster_add_participant(r, "P4", "Lars", "Nyström"), 0);
	assert_int_equal(roster_add_participant(r, "P5", "Olle", "Åkesson"), 0);
	assert_int_equal(roster_add_participant(r, "P6", "Sven-Erik", "Öhman"), 0);
	assert_int_equal(roster_add_member(r, "G1", "P1"), 0);
	assert_int_equal(roster_add_member(r, "G1", "P2"), 0);
	assert_int_equal(roster_add_member(r, "G1", "P3"), 0);
	assert_int_equal(roster_add_member(r, "G1", "P4"), 0);
	assert_int_equal(roster_add_member(r, "G2", "P1"), 0);
	assert_int_equal(roster_add_member(r, "G3", "P5"), 0);
	assert_int_equal(roster_add_leader(r, "L1", "Kim Lind", NULL), 0);
	assert_int_equal(roster_add_card(r, "04A1B2C3", ROSTER_CARD_PARTICIPANT, "P1"), 0);
	assert_int_equal(roster_add_card(r, "04112233445566", ROSTER_CARD_PARTICIPANT, "P2"), 0);
	assert_int_equal(roster_add_card(r, "04FFEE01", ROSTER_CARD_LEADER, "L1"), 0);
	return r;
}

static inline void load_roster(struct store *st, struct roster *r)
{
	char err[256];
	enum blippa_err rc = store_replace_roster(st, r, err, sizeof err);

	if (rc != BLIPPA_OK)
		fprintf(stderr, "replace: %s\n", err);
	assert_int_equal(rc, BLIPPA_OK);
	roster_free(r);
}

/* One integer from a query on a separate plain connection. */
static inline int64_t raw_int(const char *db, const char *sql)
{
	sqlite3 *c = NULL;
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	assert_int_equal(sqlite3_open_v2(db, &c, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(c, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(c);
	return v;
}

/* Runs sql on a separate plain connection. */
static inline void raw_exec(const char *db, const char *sql)
{
	sqlite3 *c = NULL;

	assert_int_equal(sqlite3_open(db, &c), SQLITE_OK);
	assert_int_equal(sqlite3_exec(c, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(c);
}

/* Per-test fixture: a fresh data directory and an open store. */
struct fx {
	struct tdir t;
	struct store *st;
};

/* A fixture whose store holds roster r (taken over). */
static inline struct fx *fx_open(struct roster *r)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	tdir_make(&f->t);
	f->st = open_store(&f->t, NULL);
	load_roster(f->st, r);
	return f;
}

/* cmocka setup: *state = a fixture holding small_roster(). */
static inline int fx_setup(void **state)
{
	*state = fx_open(small_roster());
	return 0;
}

/* cmocka teardown of any fx_open fixture. */
static inline int fx_teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->st);
	tdir_remove(&f->t);
	free(f);
	return 0;
}

__attribute__((unused)) static const uint8_t uid_p1[4] = {0x04, 0xa1, 0xb2, 0xc3};
__attribute__((unused)) static const uint8_t uid_p2[7] = {0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
__attribute__((unused)) static const uint8_t uid_leader[4] = {0x04, 0xff, 0xee, 0x01};

#endif
