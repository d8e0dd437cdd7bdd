/* SPDX-License-Identifier: MIT */
/* The PostgreSQL backend (sync/server/srv_store_pg*.c) against the SQLite
 * backend, side by side: the same imports and event batches go to a real
 * SQLite file and to a real throwaway PostgreSQL 15 (BLIPPA_PG_URI, set by
 * tests/helpers/pg_harness.sh), and every answer must be the same: import
 * statistics (importing twice changes nothing), per-event results with
 * reasons (duplicates in and across batches, voids in the same batch,
 * rejected-then-valid ids, card links, other facility), roster snapshots
 * (canonical JSON bytes), roster versions, the kiosk list and the export;
 * every rejection reason of enum srv_reason comes back from both.
 * Also: init refuses an initialised database, open refuses an empty one
 * and one from a newer server, and a connection killed by the server is
 * re-established. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "import.h"
#include "protocol.h"
#include "srv_store.h"
#include "srv_testutil.h"

enum { B_SQ, B_PG, B_N };

struct fx {
	char *tmp;
	const char *uri;
	struct srv_store *st[B_N];
};

static struct fx fx;

/* Imports tests/data/roster + overlay, with file replaced by text when
 * file is not NULL, on both backends; their statistics must agree. */
static void import_both_with(const char *overlay, const char *file, const char *text,
			     long changed_min)
{
	char err[512], name[32], path[1200];
	struct import_set *set = NULL;
	struct srv_import_stats s[B_N];
	static int seq;
	snprintf(name, sizeof(name), "r%d", seq++);
	char *dir = tu_roster_dir(fx.tmp, name, overlay);
	if (file) {
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		tu_write_file(path, text);
	}
	assert_int_equal(import_load_dir(dir, &set, err, sizeof(err)), BLIPPA_OK);
	for (int b = 0; b < B_N; b++)
		if (srv_store_import(fx.st[b], import_set_roster(set), &s[b], err, sizeof(err)) !=
		    BLIPPA_OK)
			fail_msg("import on backend %d: %s", b, err);
	import_set_free(set);
	free(dir);
	assert_int_equal(s[B_PG].changed, s[B_SQ].changed);
	assert_int_equal(s[B_PG].removed, s[B_SQ].removed);
	assert_true(s[B_PG].changed + s[B_PG].removed >= changed_min);
}

static void import_both(const char *overlay, long changed_min)
{
	import_both_with(overlay, NULL, NULL, changed_min);
}

static void expect_same_state(void)
{
	char *csv[B_N];
	int64_t ver[B_N];
	for (int b = 0; b < B_N; b++) {
		csv[b] = tu_export(fx.st[b], NULL);
		assert_int_equal(srv_store_roster_version(fx.st[b], &ver[b]), BLIPPA_OK);
	}
	assert_string_equal(csv[B_PG], csv[B_SQ]);
	assert_int_equal(ver[B_PG], ver[B_SQ]);
	free(csv[B_SQ]);
	free(csv[B_PG]);
	static const struct srv_export_filter filters[] = {
	    {.facility_id = "F1", .from_date = "2026-11-23", .to_date = "2026-11-30"},
	    {.facility_id = "F2"},
	    {.from_date = "2026-11-24"},
	    {.to_date = "2026-11-22"},
	    {.open_training = true},
	    {.facility_id = "F1", .from_date = "2026-11-23", .open_training = true},
	};
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		for (int b = 0; b < B_N; b++)
			csv[b] = tu_export(fx.st[b], &filters[i]);
		assert_string_equal(csv[B_PG], csv[B_SQ]);
		free(csv[B_SQ]);
		free(csv[B_PG]);
	}
	static const char *const facs[] = {"F1", "F2", "F3"};
	for (size_t f = 0; f < 3; f++) {
		struct roster *r[B_N] = {NULL, NULL};
		char *body[B_N] = {NULL, NULL};
		size_t len[B_N] = {0, 0};
		enum blippa_err rc[B_N];
		for (int b = 0; b < B_N; b++) {
			rc[b] = srv_store_load_roster(fx.st[b], facs[f], &r[b]);
			if (rc[b] == BLIPPA_OK)
				assert_int_equal(
				    protocol_encode_roster(r[b], "k", &body[b], &len[b]),
				    BLIPPA_OK);
			roster_free(r[b]);
		}
		assert_int_equal(rc[B_PG], rc[B_SQ]);
		if (rc[B_SQ] == BLIPPA_OK) {
			assert_int_equal(len[B_PG], len[B_SQ]);
			assert_memory_equal(body[B_PG], body[B_SQ], len[B_SQ]);
		}
		free(body[B_SQ]);
		free(body[B_PG]);
	}
}

static int setup(void **state)
{
	(void)state;
	char err[512], db[1024];
	fx.uri = getenv("BLIPPA_PG_URI");
	if (!fx.uri || !*fx.uri) {
		fprintf(stderr, "BLIPPA_PG_URI not set: run under tests/helpers/pg_harness.sh\n");
		return -1;
	}
	assert_int_equal(auth_init(), BLIPPA_OK);
	fx.tmp = tu_mkdtemp();
	snprintf(db, sizeof(db), "%s/region.db", fx.tmp);
	assert_int_equal(srv_store_open(db, true, &fx.st[B_SQ], err, sizeof(err)), BLIPPA_OK);
	/* not initialised yet: open refuses, init creates */
	struct srv_store *none = NULL;
	assert_int_equal(srv_store_open(fx.uri, false, &none, err, sizeof(err)),
			 BLIPPA_ERR_NOT_FOUND);
	assert_non_null(strstr(err, "make one with init"));
	assert_null(strstr(err, "postgresql://")); /* the URI (a password?) is never echoed */
	if (srv_store_open(fx.uri, true, &fx.st[B_PG], err, sizeof(err)) != BLIPPA_OK) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	assert_int_equal(srv_store_open(fx.uri, true, &none, err, sizeof(err)), BLIPPA_ERR_EXISTS);
	assert_non_null(strstr(err, "already exists"));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int b = 0; b < B_N; b++)
		srv_store_close(fx.st[b]);
	tu_rmtree(fx.tmp);
	free(fx.tmp);
	return 0;
}

static void test_import_same_as_sqlite(void **state)
{
	(void)state;
	import_both(NULL, 20);
	expect_same_state();
	import_both(NULL, 0); /* again: nothing changes (checked equal to SQLite's 0/0) */
	expect_same_state();
	import_both("roster-changed", 1);
	expect_same_state();
	import_both(NULL, 1);
	expect_same_state();
	/* the optional language column: set, kept, then cleared by a file
	 * without it (the roster JSON compared carries the codes) */
	import_both("roster-language", 4);
	expect_same_state();
	import_both("roster-language", 0);
	import_both(NULL, 4);
	expect_same_state();
}

static void kiosks_both(const char *fac, uint8_t seed, struct srv_kiosk k[B_N])
{
	uint8_t hash[SRV_TOKEN_HASH_LEN];
	char id[SRV_ID_MAX + 1];
	memset(hash, seed, sizeof(hash));
	for (int b = 0; b < B_N; b++) {
		assert_int_equal(srv_store_add_kiosk(fx.st[b], fac, "Kiosk", hash, 1, id),
				 BLIPPA_OK);
		assert_int_equal(srv_store_auth_kiosk(fx.st[b], hash, &k[b]), BLIPPA_OK);
		assert_string_equal(k[b].facility_id, fac);
		/* the export names the kiosk: use one id on both sides */
		snprintf(k[b].id, sizeof(k[b].id), "k-%s", fac);
	}
	memset(hash, (uint8_t)(seed + 100), sizeof(hash));
	assert_int_equal(srv_store_auth_kiosk(fx.st[B_PG], hash, &k[0]) == BLIPPA_ERR_NOT_FOUND, 1);
	assert_int_equal(srv_store_auth_kiosk(fx.st[B_SQ], hash, &k[0]) == BLIPPA_ERR_NOT_FOUND, 1);
	for (int b = 0; b < B_N; b++) { /* restore after the failed lookups */
		memset(hash, seed, sizeof(hash));
		assert_int_equal(srv_store_auth_kiosk(fx.st[b], hash, &k[b]), BLIPPA_OK);
		snprintf(k[b].id, sizeof(k[b].id), "k-%s", fac);
	}
	assert_int_equal(srv_store_add_kiosk(fx.st[B_PG], "F9", "x", hash, 1, id),
			 BLIPPA_ERR_NOT_FOUND);
}

#define ID(n) "0192f5c4-0000-7000-8000-0000000000" n

static struct protocol_event ev_checkin(const char *id, const char *p, const char *s,
					enum checkin_method m)
{
	struct protocol_event e = {.type = EVENT_CHECKIN, .at_ms = 1795424040000, .method = m};
	snprintf(e.id, sizeof(e.id), "%s", id);
	snprintf(e.participant_id, sizeof(e.participant_id), "%s", p);
	snprintf(e.session_id, sizeof(e.session_id), "%s", s);
	return e;
}

static struct protocol_event ev_void(const char *id, const char *target)
{
	struct protocol_event e = {.type = EVENT_VOID, .at_ms = 1795424050000};
	snprintf(e.id, sizeof(e.id), "%s", id);
	snprintf(e.voids_id, sizeof(e.voids_id), "%s", target);
	return e;
}

static struct protocol_event ev_link(const char *id, const char *p, const char *uid)
{
	struct protocol_event e = {.type = EVENT_CARD_LINK, .at_ms = 1795424060000};
	snprintf(e.id, sizeof(e.id), "%s", id);
	snprintf(e.participant_id, sizeof(e.participant_id), "%s", p);
	snprintf(e.card_uid, sizeof(e.card_uid), "%s", uid);
	return e;
}

/* Every rejection reason that came back (both backends agreed on it). */
static bool reason_seen[SRV_R_COUNT];

/* Ingests ev on both backends; results must be identical. Returns how many
 * were accepted. */
static size_t ingest_both(const struct srv_kiosk k[B_N], const struct protocol_event *ev, size_t n)
{
	struct protocol_result res[B_N][32];
	struct srv_ingest_stats st[B_N];
	assert_true(n <= 32);
	for (int b = 0; b < B_N; b++)
		assert_int_equal(
		    srv_store_ingest_events(fx.st[b], &k[b], ev, n, 1795424070000, res[b], &st[b]),
		    BLIPPA_OK);
	for (size_t i = 0; i < n; i++) {
		if (res[B_PG][i].status != res[B_SQ][i].status ||
		    strcmp(res[B_PG][i].reason, res[B_SQ][i].reason) != 0 ||
		    strcmp(res[B_PG][i].id, res[B_SQ][i].id) != 0)
			fail_msg("event %zu: sqlite %d '%s', pg %d '%s'", i, res[B_SQ][i].status,
				 res[B_SQ][i].reason, res[B_PG][i].status, res[B_PG][i].reason);
		for (int r = 1; r < SRV_R_COUNT; r++)
			if (strcmp(res[B_SQ][i].reason, srv_reason_text((enum srv_reason)r)) == 0)
				reason_seen[r] = true;
	}
	assert_int_equal(st[B_PG].accepted, st[B_SQ].accepted);
	assert_int_equal(st[B_PG].duplicate, st[B_SQ].duplicate);
	assert_int_equal(st[B_PG].rejected, st[B_SQ].rejected);
	return st[B_PG].accepted;
}

static void test_ingest_same_as_sqlite(void **state)
{
	(void)state;
	struct srv_kiosk k1[B_N], k2[B_N];
	kiosks_both("F1", 1, k1);
	kiosks_both("F2", 2, k2);
	const struct protocol_event b1[] = {
	    ev_checkin(ID("01"), "P1", "S1", CHECKIN_CARD),
	    ev_checkin(ID("02"), "P3", "S1", CHECKIN_NAME),
	    ev_void(ID("03"), ID("02")),		    /* its check-in earlier in this batch */
	    ev_checkin(ID("04"), "P9", "S1", CHECKIN_CARD), /* unknown participant */
	    ev_checkin(ID("05"), "P1", "S4", CHECKIN_CARD), /* session not in facility */
	    ev_checkin(ID("06"), "P4", "S1", CHECKIN_CARD), /* participant not in group */
	    ev_checkin(ID("07"), "P1", "S99", CHECKIN_CARD), /* unknown session */
	    ev_checkin(ID("08"), "P2", "", CHECKIN_LEADER),  /* open training */
	    ev_void(ID("09"), ID("30")),		     /* its check-in comes later */
	    ev_void(ID("10"), ID("99")),		     /* never seen */
	    ev_link(ID("11"), "P2", "zz"),		     /* bad card uid */
	    ev_link(ID("12"), "P2", "04aabbcc"),
	    ev_checkin(ID("01"), "P1", "S1", CHECKIN_CARD), /* same id again */
	    ev_checkin(ID("14"), "P9", "S1", CHECKIN_CARD), /* rejected ... */
	    ev_checkin(ID("14"), "P2", "S1", CHECKIN_CARD), /* ... then valid: accepted */
	    ev_checkin(ID("14"), "P9", "S1", CHECKIN_CARD), /* ... then duplicate */
	    ev_link(ID("17"), "P5", "04AABBCD"),	    /* P5 is at F2 */
	    ev_checkin(ID("30"), "P2", "S2", CHECKIN_NAME),
	    ev_void(ID("18"), ID("12")), /* not a check-in */
	    ev_checkin(ID("19"), "P1", "S2", CHECKIN_CARD),
	    ev_void(ID("20"), ID("19")),
	    ev_checkin(ID("21"), "P1", "S2", CHECKIN_NAME), /* a later check-in stays */
	};
	size_t n1 = sizeof(b1) / sizeof(b1[0]);
	assert_int_equal(ingest_both(k1, b1, n1), 10);
	for (int r = 1; r < SRV_R_COUNT; r++) /* this batch alone: all but "card in use" */
		if (r != SRV_R_IN_USE && !reason_seen[r])
			fail_msg("reason '%s' not exercised", srv_reason_text((enum srv_reason)r));
	expect_same_state();
	/* the retry: duplicates, rejected again, and the void of a check-in that
	 * came after it is good now */
	assert_int_equal(ingest_both(k1, b1, n1), 1);
	expect_same_state();
	const struct protocol_event b2[] = {
	    ev_void(ID("40"), ID("01")), /* F1's check-in from an F2 kiosk */
	    ev_checkin(ID("41"), "P5", "S4", CHECKIN_CARD),
	    ev_link(ID("42"), "P6", "04A1B2C3"),	    /* P1 (at F1) has it: card in use */
	    ev_link(ID("43"), "P6", "04A1B2C9"),	    /* replaces P6's kiosk-linked card */
	    ev_checkin(ID("01"), "P5", "S4", CHECKIN_CARD), /* an id F1 used: duplicate */
	};
	assert_int_equal(ingest_both(k2, b2, sizeof(b2) / sizeof(b2[0])), 2);
	expect_same_state();
	for (int r = 1; r < SRV_R_COUNT; r++) /* every rejection reason, on both backends */
		if (!reason_seen[r])
			fail_msg("reason '%s' not exercised", srv_reason_text((enum srv_reason)r));
	/* the roster changes from the files keep what the kiosks linked */
	import_both(NULL, 0);
	expect_same_state();
	/* S2 (with check-ins) leaves sessions.csv: hidden, its attendance kept in
	 * the export; back in the file, it is a session again */
	import_both_with(NULL, "sessions.csv",
			 "session_id,group_id,start,end\nS1,G1,2026-11-23 10:00,2026-11-23 11:00\n"
			 "S3,G2,2026-11-24 14:00,2026-11-24 15:00\n"
			 "S4,G3,2026-11-25 09:00,2026-11-25 10:00\n",
			 2);
	expect_same_state();
	const struct protocol_event b3[] = {
	    ev_checkin(ID("50"), "P3", "S2", CHECKIN_CARD), /* hidden: unknown session */
	};
	assert_int_equal(ingest_both(k1, b3, 1), 0);
	expect_same_state();
	import_both(NULL, 1);
	expect_same_state();
	import_both("roster-changed", 1);
	expect_same_state();
	/* heartbeats and the kiosk list */
	struct protocol_heartbeat hb = {.pending = 7, .oldest_pending_age_s = 30, .time_ms = 5};
	snprintf(hb.version, sizeof(hb.version), "0.1.0");
	snprintf(hb.reader, sizeof(hb.reader), "ready");
	struct srv_kiosk k[B_N];
	uint8_t hash[SRV_TOKEN_HASH_LEN];
	memset(hash, 1, sizeof(hash));
	for (int b = 0; b < B_N; b++) {
		assert_int_equal(srv_store_auth_kiosk(fx.st[b], hash, &k[b]), BLIPPA_OK);
		assert_int_equal(srv_store_record_heartbeat(fx.st[b], k[b].id, &hb, 1234),
				 BLIPPA_OK);
		assert_int_equal(srv_store_auth_kiosk(fx.st[b], hash, &k[b]), BLIPPA_OK);
		assert_int_equal(k[b].pending, 7);
		assert_int_equal(k[b].last_seen_ms, 1234);
		assert_string_equal(k[b].reader, "ready");
		assert_int_equal(srv_store_revoke_kiosk(fx.st[b], k[b].id, 99), BLIPPA_OK);
		assert_int_equal(srv_store_auth_kiosk(fx.st[b], hash, &k[b]), BLIPPA_ERR_NOT_FOUND);
		assert_int_equal(srv_store_revoke_kiosk(fx.st[b], "k-none", 99),
				 BLIPPA_ERR_NOT_FOUND);
		assert_int_equal(srv_store_set_leader_pin(fx.st[b], "L9", "$argon2id$x"),
				 BLIPPA_ERR_NOT_FOUND);
		assert_int_equal(srv_store_set_leader_pin(fx.st[b], "L1", "$argon2id$x"),
				 BLIPPA_OK);
	}
	expect_same_state();
}

/* Issue 12.3: event ids are UUIDs and compare without regard to case, on
 * both backends: the upper- and lower-case spelling of one id are one event
 * (a duplicate), and a void naming one spelling voids the check-in stored
 * under the other. */
static void test_event_ids_ignore_case(void **state)
{
	(void)state;
	struct srv_kiosk k[B_N];
	struct protocol_result res[B_N][3];
	struct srv_ingest_stats st[B_N];
	kiosks_both("F1", 7, k);
	const struct protocol_event a[] = {
	    ev_checkin("0192F5C4-0000-7000-8000-00000000ABC1", "P1", "", CHECKIN_LEADER),
	};
	const struct protocol_event b[] = {
	    ev_checkin("0192f5c4-0000-7000-8000-00000000abc1", "P1", "", CHECKIN_LEADER),
	    ev_void("0192F5C4-0000-7000-8000-00000000ABC2", "0192f5c4-0000-7000-8000-00000000abc1"),
	    ev_void("0192f5c4-0000-7000-8000-00000000abc2", "0192F5C4-0000-7000-8000-00000000ABC1"),
	};
	assert_int_equal(ingest_both(k, a, 1), 1);
	for (int be = 0; be < B_N; be++) {
		assert_int_equal(srv_store_ingest_events(fx.st[be], &k[be], b, 3, 1795424070000,
							 res[be], &st[be]),
				 BLIPPA_OK);
		assert_int_equal(res[be][0].status, PROTOCOL_DUPLICATE);
		assert_int_equal(res[be][1].status, PROTOCOL_ACCEPTED); /* not "unknown event" */
		assert_int_equal(res[be][2].status, PROTOCOL_DUPLICATE);
		assert_string_equal(res[be][1].id, "0192f5c4-0000-7000-8000-00000000abc2");
	}
	expect_same_state();
}

/* The server ends every session of the database (a restart, a failover):
 * the backend reconnects and the next call works. */
static void test_reconnects_after_lost_connection(void **state)
{
	(void)state;
	int64_t v0 = 0, v1 = 0;
	assert_int_equal(srv_store_roster_version(fx.st[B_PG], &v0), BLIPPA_OK);
	PGconn *adm = PQconnectdb(fx.uri);
	assert_int_equal(PQstatus(adm), CONNECTION_OK);
	PGresult *r =
	    PQexec(adm, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
			" WHERE datname = current_database() AND pid <> pg_backend_pid()");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_true(atoi(PQgetvalue(r, 0, 0)) >= 1);
	PQclear(r);
	assert_int_equal(srv_store_roster_version(fx.st[B_PG], &v1), BLIPPA_OK);
	assert_int_equal(v1, v0);
	/* and an ingest after another cut */
	r = PQexec(adm, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
			" WHERE datname = current_database() AND pid <> pg_backend_pid()");
	PQclear(r);
	struct srv_kiosk k = {.id = "k-re", .facility_id = "F1"};
	struct protocol_event e = ev_checkin(ID("77"), "P1", "S2", CHECKIN_CARD);
	struct protocol_result res;
	struct srv_ingest_stats st;
	assert_int_equal(srv_store_ingest_events(fx.st[B_PG], &k, &e, 1, 1, &res, &st), BLIPPA_OK);
	assert_int_equal(res.status, PROTOCOL_ACCEPTED);
	PQfinish(adm);
}

static void pg_exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
}

/* A database migrated by a newer server is refused, not damaged; an older
 * one is migrated. */
static void test_newer_schema_refused(void **state)
{
	(void)state;
	char err[512];
	struct srv_store *st = NULL;
	PGconn *adm = PQconnectdb(fx.uri);
	assert_int_equal(PQstatus(adm), CONNECTION_OK);
	PGresult *r = PQexec(adm, "SELECT value FROM blippa_meta WHERE key = 'schema_version'");
	assert_int_equal(PQntuples(r), 1);
	char sql[128], current[16];
	snprintf(sql, sizeof(sql), "UPDATE blippa_meta SET value = %s WHERE key = 'schema_version'",
		 PQgetvalue(r, 0, 0));
	snprintf(current, sizeof(current), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	pg_exec_ok(adm, "UPDATE blippa_meta SET value = 99 WHERE key = 'schema_version'");
	assert_int_equal(srv_store_open(fx.uri, false, &st, err, sizeof(err)), BLIPPA_ERR_SCHEMA);
	assert_non_null(strstr(err, "newer blippa-server (schema 99)"));
	pg_exec_ok(adm, sql);
	/* a schema 1 database (before sessions.removed, the back-office's
	 * tables of schema 3 and the audit trail of schema 6) is migrated on
	 * open, all the way */
	pg_exec_ok(adm, "ALTER TABLE sessions DROP COLUMN removed;"
			"ALTER TABLE participants DROP COLUMN language;"
			"DROP TABLE corrections, user_facilities, users, audit;"
			"DROP FUNCTION blippa_audit_append_only();"
			"DROP TRIGGER att_events ON events; DROP FUNCTION blippa_att_events();"
			"DROP TRIGGER att_events_gone ON events;"
			"DROP FUNCTION blippa_att_events_gone();"
			"DROP TABLE att_session, att_member, att_group;"
			"DROP INDEX groups_by_facility_id;"
			"UPDATE blippa_meta SET value = 1 WHERE key = 'schema_version'");
	assert_int_equal(srv_store_open(fx.uri, false, &st, err, sizeof(err)), BLIPPA_OK);
	srv_store_close(st);
	st = NULL;
	r = PQexec(adm, "SELECT value FROM blippa_meta WHERE key = 'schema_version'");
	assert_string_equal(PQgetvalue(r, 0, 0), current);
	PQclear(r);
	/* the back-office's attendance summary is filled from what is there */
	assert_int_equal(tu_pg_count(fx.uri, "SELECT count(*) FROM att_session") ==
			     tu_pg_count(fx.uri, "SELECT count(*) FROM sessions WHERE removed = 0"),
			 1);
	assert_int_equal(
	    tu_pg_count(fx.uri, "SELECT count(*) FROM att_group") ==
		tu_pg_count(fx.uri, "SELECT count(DISTINCT group_id) FROM att_session"),
	    1);
	r = PQexec(adm, "SELECT count(*) FROM users");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	PQclear(r);
	r = PQexec(adm, "SELECT count(*) FROM sessions WHERE removed = 0");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	PQclear(r);
	assert_int_equal(srv_store_open(fx.uri, false, &st, err, sizeof(err)), BLIPPA_OK);
	srv_store_close(st);
	PQfinish(adm);
}

/* pool_max_conns=N in the URI sizes the pool and is not passed to libpq. */
static void test_pool_size_in_uri(void **state)
{
	(void)state;
	char err[512], uri[1200];
	struct srv_store *st = NULL;
	int64_t v = 0;
	snprintf(uri, sizeof(uri), "%s&pool_max_conns=2", fx.uri);
	assert_int_equal(srv_store_open(uri, false, &st, err, sizeof(err)), BLIPPA_OK);
	assert_int_equal(srv_store_roster_version(st, &v), BLIPPA_OK);
	srv_store_close(st);
	snprintf(uri, sizeof(uri), "%s&pool_max_conns=0", fx.uri);
	assert_int_equal(srv_store_open(uri, false, &st, err, sizeof(err)), BLIPPA_ERR_CONFIG);
	assert_non_null(strstr(err, "pool_max_conns"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_import_same_as_sqlite),
	    cmocka_unit_test(test_ingest_same_as_sqlite),
	    cmocka_unit_test(test_event_ids_ignore_case),
	    cmocka_unit_test(test_reconnects_after_lost_connection),
	    cmocka_unit_test(test_newer_schema_refused),
	    cmocka_unit_test(test_pool_size_in_uri),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
