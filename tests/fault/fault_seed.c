/* SPDX-License-Identifier: MIT */
/* fault_seed: fills a kiosk database's event queue with N pending check-ins
 * for the fault tests (a kiosk that was offline for days). The rows are the
 * ones store_checkin_participant writes (method "name", one per roster
 * session x member pair, cycling when N is larger, each with its own
 * UUIDv7), inserted in one transaction: the store API commits each check-in
 * with a full fsync, which is the point for a real tap but would make a
 * 100,000-event setup take minutes. The kiosk database must already hold a
 * roster (blippa-sync once). SKIP (default 0) leaves out the first SKIP
 * pairs (by participant id), so those participants can still check in
 * today. Prints the number of rows written.
 * Usage: fault_seed DB N [SKIP] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "uuid.h"

#define PAIRS_MAX 200000

struct pair {
	char session[ROSTER_ID_MAX + 1];
	char participant[ROSTER_ID_MAX + 1];
	char date[11];
	int64_t start_ms;
};

static int load_pairs(sqlite3 *db, long skip, struct pair **out, size_t *n)
{
	sqlite3_stmt *s = NULL;
	struct pair *p = NULL;
	size_t cap = 0, used = 0;
	int rc = -1;
	if (sqlite3_prepare_v2(
		db,
		"SELECT s.id, m.participant_id, s.local_date, s.start_ms FROM sessions s"
		" JOIN members m ON m.group_id = s.group_id"
		" ORDER BY s.start_ms, m.participant_id",
		-1, &s, NULL) != SQLITE_OK)
		goto out;
	while (sqlite3_step(s) == SQLITE_ROW && used < PAIRS_MAX) {
		if (skip > 0) {
			skip--;
			continue;
		}
		if (used == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			struct pair *np = realloc(p, ncap * sizeof *np);
			if (!np)
				goto out;
			p = np;
			cap = ncap;
		}
		snprintf(p[used].session, sizeof p[used].session, "%s",
			 (const char *)sqlite3_column_text(s, 0));
		snprintf(p[used].participant, sizeof p[used].participant, "%s",
			 (const char *)sqlite3_column_text(s, 1));
		snprintf(p[used].date, sizeof p[used].date, "%s",
			 (const char *)sqlite3_column_text(s, 2));
		p[used].start_ms = sqlite3_column_int64(s, 3);
		used++;
	}
	rc = used > 0 ? 0 : -1;
out:
	sqlite3_finalize(s);
	if (rc == 0) {
		*out = p;
		*n = used;
	} else {
		free(p);
	}
	return rc;
}

int main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL, *meta = NULL;
	struct pair *pairs = NULL;
	size_t npairs = 0;
	char kiosk[ROSTER_ID_MAX + 1] = "local", id[UUID_STR_LEN];
	long n, skip = argc == 4 ? strtol(argv[3], NULL, 10) : 0;
	int rc = 1;

	if (argc < 3 || argc > 4 || (n = strtol(argv[2], NULL, 10)) <= 0 || n > 10000000 ||
	    skip < 0) {
		fprintf(stderr, "usage: fault_seed DB N [SKIP]\n");
		return 2;
	}
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, 10000) != SQLITE_OK) {
		fprintf(stderr, "fault_seed: cannot open %s\n", argv[1]);
		goto out;
	}
	if (load_pairs(db, skip, &pairs, &npairs) != 0) {
		fprintf(stderr, "fault_seed: no roster in %s (run blippa-sync once first)\n",
			argv[1]);
		goto out;
	}
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'kiosk_id'", -1, &meta,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(meta) == SQLITE_ROW && sqlite3_column_text(meta, 0) &&
	    sqlite3_column_text(meta, 0)[0])
		snprintf(kiosk, sizeof kiosk, "%s", (const char *)sqlite3_column_text(meta, 0));
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "INSERT INTO events(id, type, at_ms, local_date, method,"
			       " participant_id, session_id, kiosk_id, sync)"
			       " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
			       -1, &ins, NULL) != SQLITE_OK) {
		fprintf(stderr, "fault_seed: %s\n", sqlite3_errmsg(db));
		goto out;
	}
	for (long i = 0; i < n; i++) {
		const struct pair *p = &pairs[(size_t)i % npairs];
		/* five minutes after the start, one ms apart per cycle: time-ordered */
		int64_t at = p->start_ms + 300000 + (int64_t)((size_t)i / npairs);
		uuid7_make(at, id);
		sqlite3_bind_text(ins, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(ins, 2, EVENT_CHECKIN);
		sqlite3_bind_int64(ins, 3, at);
		sqlite3_bind_text(ins, 4, p->date, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(ins, 5, CHECKIN_NAME);
		sqlite3_bind_text(ins, 6, p->participant, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 7, p->session, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 8, kiosk, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(ins, 9, EVENT_PENDING);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			fprintf(stderr, "fault_seed: %s\n", sqlite3_errmsg(db));
			goto out;
		}
		sqlite3_reset(ins);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "fault_seed: %s\n", sqlite3_errmsg(db));
		goto out;
	}
	printf("%ld\n", n);
	rc = 0;
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(meta);
	sqlite3_close(db);
	free(pairs);
	return rc;
}
