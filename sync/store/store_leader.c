/* SPDX-License-Identifier: MIT */
/* What leader mode reads and writes: today's sessions with counts, a
 * session's roster with status and period attendance ("7 av 9"), the
 * earlier sessions a leader may still correct, linking a
 * card to a participant, and the leader/admin PIN check with a persistent
 * failure counter and lockout. */
#include "store_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynarr.h"
#include "log.h"
#include "model_limits.h"

#define MOD "store"

/* A session's info columns (store_session_info), over sessions alias s: the
 * members, and the members with a check-in that counts (STORE_SQL_COUNTS,
 * the same rule as the roster's ticks). */
#define SESSION_COLS                                                                               \
	"SELECT s.id, g.name, s.start_ms, s.end_ms,"                                               \
	" (SELECT count(*) FROM members m WHERE m.group_id = s.group_id),"                         \
	" (SELECT count(*) FROM members m WHERE m.group_id = s.group_id AND EXISTS("               \
	"  SELECT 1 FROM events e WHERE e.participant_id = m.participant_id"                       \
	"  AND e.session_id = s.id AND " STORE_SQL_COUNTS(                                         \
	    "e") "))"                                                                              \
		 " FROM sessions s JOIN groups g ON g.id = s.group_id"

static const char sql_today[] =
    SESSION_COLS " WHERE " STORE_SQL_ON_DAY("s") " ORDER BY s.start_ms, s.id";
/* ?1 today, ?2 its first instant, ?3 the oldest date a leader may correct:
 * the sessions of those days that are not today's (STORE_SQL_ON_DAY) */
static const char sql_recent[] =
    SESSION_COLS " WHERE s.local_date >= ?3 AND s.local_date <= ?1 AND NOT " STORE_SQL_ON_DAY(
	"s") " ORDER BY s.start_ms DESC, s.id";
static const char sql_one[] = SESSION_COLS " WHERE s.id = ?1";
static const char sql_roster[] =
    "SELECT p.id, p.given_name, p.family_name,"
    " (SELECT e.at_ms FROM events e WHERE e.participant_id = p.id AND e.session_id = ?1"
    "  AND " STORE_SQL_COUNTS(
	"e") " ORDER BY e.at_ms LIMIT 1),"
	     " (SELECT e.id FROM events e WHERE e.participant_id = p.id AND e.session_id = ?1"
	     "  AND " STORE_SQL_COUNTS(
		 "e") " ORDER BY e.at_ms LIMIT 1),"
		      " (SELECT count(DISTINCT e.session_id) FROM events e JOIN sessions s2"
		      "  ON s2.id = e.session_id WHERE e.participant_id = p.id"
		      "  AND s2.group_id = m.group_id AND s2.start_ms <= ?2 AND " STORE_SQL_COUNTS(
			  "e") "),"
			       " (SELECT count(*) FROM sessions s3 WHERE s3.group_id = m.group_id"
			       "  AND s3.start_ms <= ?2)"
			       " FROM sessions s JOIN members m ON m.group_id = s.group_id"
			       " JOIN participants p ON p.id = m.participant_id"
			       " WHERE s.id = ?1 ORDER BY p.pno";
static const char sql_session_exists[] = "SELECT 1 FROM sessions WHERE id = ?";
/* A leader's card is never turned into a participant's card: the upsert
 * changes no row then, and store_link_card answers BLIPPA_ERR_EXISTS. */
static const char sql_link[] = "INSERT INTO cards(uid, owner, owner_id) VALUES(?, 'P', ?)"
			       " ON CONFLICT(uid) DO UPDATE SET owner_id = excluded.owner_id"
			       " WHERE cards.owner = 'P'";
static const char sql_pin_state[] = "SELECT failures, locked_until_ms FROM pin_state WHERE id = 1";
static const char sql_pin_put[] = "UPDATE pin_state SET failures = ?, locked_until_ms = ?"
				  " WHERE id = 1";
static const char sql_leaders[] = "SELECT id, pin_hash FROM leaders WHERE pin_hash IS NOT NULL"
				  " ORDER BY id";

static void session_info_row(sqlite3_stmt *s, void *out)
{
	struct store_session_info *x = out;
	store_col_text(s, 0, x->session_id, sizeof x->session_id);
	store_col_text(s, 1, x->group_name, sizeof x->group_name);
	x->start_ms = sqlite3_column_int64(s, 2);
	x->end_ms = sqlite3_column_int64(s, 3);
	x->n_members = sqlite3_column_int(s, 4);
	x->n_present = sqlite3_column_int(s, 5);
}

/* Steps s (bound) into out[0..max) as session infos. */
static enum blippa_err sessions_read(sqlite3_stmt *s, struct store_session_info *out, size_t max,
				     size_t *n)
{
	return store_read_rows(s, out, sizeof *out, max, session_info_row, n);
}

/* Today's (recent = false) or the correctable earlier days' sessions. */
static enum blippa_err sessions_of(struct store *st, bool recent, int64_t now_ms,
				   struct store_session_info *out, size_t max, size_t *n)
{
	char today[11], oldest[11];
	sqlite3_stmt *s;
	enum blippa_err rc;
	int64_t day_start;

	*n = 0;
	if ((rc = store_refresh(st)) || (rc = store_local_date(st, now_ms, today)) ||
	    (rc = store_day_start(st, today, &day_start)) ||
	    (rc = store_date_add_days(today, -STORE_CORRECTION_DAYS, oldest)))
		return rc;
	if (!(s = store_prep(st, recent ? sql_recent : sql_today)))
		return BLIPPA_ERR_IO;
	sqlite3_bind_text(s, 1, today, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, day_start);
	if (recent)
		sqlite3_bind_text(s, 3, oldest, -1, SQLITE_TRANSIENT);
	return sessions_read(s, out, max, n);
}

enum blippa_err store_today_sessions(struct store *st, int64_t now_ms,
				     struct store_session_info *out, size_t max, size_t *n)
{
	return sessions_of(st, false, now_ms, out, max, n);
}

enum blippa_err store_recent_sessions(struct store *st, int64_t now_ms,
				      struct store_session_info *out, size_t max, size_t *n)
{
	return sessions_of(st, true, now_ms, out, max, n);
}

enum blippa_err store_session_get(struct store *st, const char *session_id,
				  struct store_session_info *out)
{
	sqlite3_stmt *s;
	enum blippa_err rc;
	size_t n = 0;

	memset(out, 0, sizeof *out);
	if (!session_id)
		return BLIPPA_ERR_INVALID;
	if ((rc = store_refresh(st)))
		return rc;
	if (!(s = store_prep(st, sql_one)))
		return BLIPPA_ERR_IO;
	sqlite3_bind_text(s, 1, session_id, -1, SQLITE_TRANSIENT);
	if ((rc = sessions_read(s, out, 1, &n)))
		return rc;
	return n == 1 ? BLIPPA_OK : BLIPPA_ERR_NOT_FOUND;
}

/* A roster row's sort key (store_sort_key) and where the row is. */
struct row_key {
	char key[STORE_SORT_KEY_MAX];
	size_t row;
};

static int cmp_row_key(const void *a, const void *b)
{
	return strcmp(((const struct row_key *)a)->key, ((const struct row_key *)b)->key);
}

/* Puts rows[0..k) in the order of their keys (keys[i].row == i on entry). */
static enum blippa_err roster_rows_sort(struct store_roster_row *rows, struct row_key *keys,
					size_t k)
{
	struct store_roster_row *tmp;
	bool sorted = true;

	for (size_t i = 1; i < k && sorted; i++)
		sorted = strcmp(keys[i - 1].key, keys[i].key) <= 0;
	if (sorted)
		return BLIPPA_OK;
	if (!(tmp = malloc(k * sizeof *tmp)))
		return BLIPPA_ERR_NOMEM;
	qsort(keys, k, sizeof *keys, cmp_row_key);
	for (size_t i = 0; i < k; i++)
		tmp[i] = rows[keys[i].row];
	memcpy(rows, tmp, k * sizeof *tmp);
	free(tmp);
	return BLIPPA_OK;
}

enum blippa_err store_session_roster(struct store *st, const char *session_id, int64_t now_ms,
				     struct store_roster_row *out, size_t max, size_t *n)
{
	struct row_key *keys = NULL;
	sqlite3_stmt *s;
	enum blippa_err rc = BLIPPA_OK;
	size_t k = 0, cap = 0;
	int src;

	*n = 0;
	if (!session_id)
		return BLIPPA_ERR_INVALID;
	if (!(s = store_prep(st, sql_session_exists)))
		return BLIPPA_ERR_IO;
	sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
	src = sqlite3_step(s);
	sqlite3_reset(s);
	if (src != SQLITE_ROW)
		return src == SQLITE_DONE ? BLIPPA_ERR_NOT_FOUND : store_err_from_sqlite(src);
	if (!(s = store_prep(st, sql_roster)))
		return BLIPPA_ERR_IO;
	sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now_ms);
	while (k < max && (src = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_roster_row *x = &out[k];
		const unsigned char *g = sqlite3_column_text(s, 1);
		const unsigned char *f = sqlite3_column_text(s, 2);
		DYNARR_RESERVE(rc, keys, cap, k + 1, max); /* grows with the rows */
		if (rc != BLIPPA_OK)
			break;
		memset(x, 0, sizeof *x);
		store_col_text(s, 0, x->participant_id, sizeof x->participant_id);
		store_sort_key(g ? (const char *)g : "", f ? (const char *)f : "",
			       x->participant_id, keys[k].key, sizeof keys[k].key);
		keys[k].row = k;
		k++;
		snprintf(x->full_name, sizeof x->full_name, "%s %s", g ? (const char *)g : "",
			 f ? (const char *)f : "");
		x->present = sqlite3_column_type(s, 3) != SQLITE_NULL;
		x->checked_in_ms = x->present ? sqlite3_column_int64(s, 3) : 0;
		store_col_text(s, 4, x->event_id, sizeof x->event_id);
		x->attended = sqlite3_column_int(s, 5);
		x->held = sqlite3_column_int(s, 6);
	}
	if (!rc && k < max && src != SQLITE_DONE)
		rc = store_err_from_sqlite(src);
	sqlite3_reset(s);
	/* pno is the display order of the roster replace; sorting the few
	 * rows here too keeps a file stored by an older build (another
	 * order) right until its next roster replace. */
	if (!rc && k > 1)
		rc = roster_rows_sort(out, keys, k);
	free(keys);
	*n = k;
	return rc;
}

enum blippa_err store_link_card(struct store *st, const uint8_t *uid, size_t uid_len,
				const char *participant_id, int64_t now_ms)
{
	char hex[ROSTER_UID_HEX_MAX + 1], today[11], id[UUID_STR_LEN];
	enum blippa_err rc;
	sqlite3_stmt *s;
	int src;

	if ((rc = store_uid_hex(uid, uid_len, hex)))
		return rc;
	if (store_uid_is_random(uid, uid_len) || !participant_id || !participant_id[0] ||
	    !store_clock_plausible(now_ms))
		return BLIPPA_ERR_INVALID;
	if ((rc = store_begin_day(st, now_ms, today)))
		return rc;
	if ((rc = store_participant_given(st, participant_id, NULL, 0, NULL, 0)))
		goto out;
	if (!(s = store_prep(st, sql_link))) {
		rc = BLIPPA_ERR_IO;
		goto out;
	}
	sqlite3_bind_text(s, 1, hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, participant_id, -1, SQLITE_STATIC);
	src = sqlite3_step(s);
	sqlite3_reset(s);
	if (src != SQLITE_DONE) {
		rc = store_err_from_sqlite(src);
		goto out;
	}
	if (sqlite3_changes(st->db) == 0) {
		rc = BLIPPA_ERR_EXISTS; /* a leader's card */
		goto out;
	}
	uuid7_make(now_ms, id);
	if ((rc = store_insert_event(st, id, EVENT_CARD_LINK, now_ms, CHECKIN_LEADER,
				     participant_id, NULL, NULL, hex, today)))
		goto out;
	rc = store_commit(st);
out:
	store_rollback(st);
	return rc;
}

static enum blippa_err pin_state_put(struct store *st, int failures, int64_t locked_until)
{
	sqlite3_stmt *s = store_prep(st, sql_pin_put);
	enum blippa_err rc;

	if (!s)
		return BLIPPA_ERR_IO;
	sqlite3_bind_int(s, 1, failures);
	sqlite3_bind_int64(s, 2, locked_until);
	rc = store_err_from_sqlite(sqlite3_step(s));
	sqlite3_reset(s);
	return rc;
}

static bool pin_matches(const char *hash, const char *pin)
{
	return hash && strncmp(hash, "$argon2id$", 10) == 0 &&
	       crypto_pwhash_str_verify(hash, pin, strlen(pin)) == 0;
}

/* Lockouts escalate: the k-th lock in a row (no correct PIN in between)
 * lasts pin_lockout_s * 2^(k-1), at most a day. With several leaders a guess
 * is tried against every leader's PIN, so a fixed lock would let a patient
 * guesser through within hours; doubling makes that impractical. */
#define PIN_LOCK_MAX_S (24 * 3600)

static int64_t pin_lock_s(const struct store *st, int failures)
{
	int64_t lock_s = st->rules.pin_lockout_s;
	int k = st->rules.pin_max_failures > 0 ? failures / st->rules.pin_max_failures : 1;

	for (; k > 1 && lock_s < PIN_LOCK_MAX_S; k--)
		lock_s *= 2;
	return lock_s < PIN_LOCK_MAX_S ? lock_s : PIN_LOCK_MAX_S;
}

/* Reads pin_state; a lock set by a clock that was far ahead is capped. */
static enum blippa_err pin_state_get(struct store *st, int64_t now_ms, int *failures,
				     int64_t *locked_until)
{
	sqlite3_stmt *s = store_prep(st, sql_pin_state);
	int src;

	*failures = 0;
	*locked_until = 0;
	if (!s)
		return BLIPPA_ERR_IO;
	if ((src = sqlite3_step(s)) == SQLITE_ROW) {
		*failures = sqlite3_column_int(s, 0);
		*locked_until = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (src != SQLITE_ROW)
		return store_err_from_sqlite(src == SQLITE_DONE ? SQLITE_CORRUPT : src);
	if (*locked_until > now_ms + pin_lock_s(st, *failures) * 1000)
		*locked_until = now_ms + pin_lock_s(st, *failures) * 1000;
	return BLIPPA_OK;
}

/* Appends one candidate (an Argon2id string that fits; others are skipped:
 * they could never verify). */
static void pin_candidate_add(struct store_pin_candidate *c, size_t *n, const char *id,
			      const char *hash)
{
	if (!hash || strncmp(hash, "$argon2id$", 10) != 0 || strlen(hash) >= STORE_PIN_HASH_MAX ||
	    *n >= STORE_PIN_CANDIDATES_MAX)
		return;
	snprintf(c[*n].id, sizeof c[*n].id, "%s", id);
	snprintf(c[*n].hash, sizeof c[*n].hash, "%s", hash);
	(*n)++;
}

/* Makes room for want candidates in *c (capacity *cap): an admin hash and
 * at most one per leader of the roster. */
static enum blippa_err pin_candidates_reserve(struct store_pin_candidate **c, size_t *cap,
					      size_t want)
{
	enum blippa_err rc;
	DYNARR_RESERVE(rc, *c, *cap, want, MODEL_SNAPSHOT_ROWS_MAX + 1);
	return rc;
}

enum blippa_err store_pin_candidates(struct store *st, const char *admin_hash, int64_t now_ms,
				     struct store_pin_candidate **out, size_t *n, int *retry_s)
{
	struct store_pin_candidate *c = NULL;
	size_t k = 0, cap = 0;
	int64_t locked_until;
	int failures, src;
	enum blippa_err rc;
	sqlite3_stmt *s;

	*out = NULL;
	*n = 0;
	if (retry_s)
		*retry_s = 0;
	if ((rc = pin_state_get(st, now_ms, &failures, &locked_until)))
		return rc;
	if (locked_until > now_ms) {
		if (retry_s)
			*retry_s = (int)((locked_until - now_ms + 999) / 1000);
		return BLIPPA_ERR_LOCKED_OUT;
	}
	/* room for the admin hash even when there are no leaders */
	if ((rc = pin_candidates_reserve(&c, &cap, 1)))
		return rc;
	if (!(s = store_prep(st, sql_leaders))) {
		free(c);
		return BLIPPA_ERR_IO;
	}
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		char id[ROSTER_ID_MAX + 1];
		if (k + 1 >= STORE_PIN_CANDIDATES_MAX)
			continue; /* the last place stays the admin's */
		if ((rc = pin_candidates_reserve(&c, &cap, k + 2)))
			goto out;
		store_col_text(s, 0, id, sizeof id);
		pin_candidate_add(c, &k, id, (const char *)sqlite3_column_text(s, 1));
	}
	if (src != SQLITE_DONE) {
		rc = store_err_from_sqlite(src);
		goto out;
	}
	if (admin_hash && admin_hash[0])
		pin_candidate_add(c, &k, "admin", admin_hash); /* k < cap: reserved above */
	*out = c;
	*n = k;
	c = NULL;
out:
	sqlite3_reset(s);
	free(c);
	return rc;
}

bool store_pin_verify(const struct store_pin_candidate *c, size_t n, const char *pin, char *id,
		      size_t idlen)
{
	if (idlen)
		id[0] = '\0';
	if (!pin || !pin[0] || strlen(pin) > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (pin_matches(c[i].hash, pin)) {
			snprintf(id, idlen, "%s", c[i].id);
			return true;
		}
	}
	return false;
}

enum blippa_err store_pin_record(struct store *st, bool ok, int64_t now_ms, int *retry_s)
{
	int64_t locked_until;
	int failures;
	enum blippa_err rc;

	if (retry_s)
		*retry_s = 0;
	if (ok)
		return pin_state_put(st, 0, 0);
	if ((rc = pin_state_get(st, now_ms, &failures, &locked_until)))
		return rc;
	failures++;
	if (st->rules.pin_max_failures > 0 && failures % st->rules.pin_max_failures == 0) {
		int64_t lock_s = pin_lock_s(st, failures);
		/* the count goes on: the next lock in a row lasts twice as long */
		if ((rc = pin_state_put(st, failures, now_ms + lock_s * 1000)))
			return rc;
		log_warn(MOD, "PIN entry locked for %lld s after %d wrong PINs", (long long)lock_s,
			 failures);
		if (retry_s)
			*retry_s = (int)lock_s;
		return BLIPPA_ERR_LOCKED_OUT;
	}
	if ((rc = pin_state_put(st, failures, 0)))
		return rc;
	return BLIPPA_ERR_AUTH;
}

enum blippa_err store_check_pin(struct store *st, const char *pin, const char *admin_hash,
				int64_t now_ms, char *leader_id, size_t idlen, int *retry_s)
{
	struct store_pin_candidate *c = NULL;
	char id[ROSTER_ID_MAX + 1];
	enum blippa_err rc;
	size_t n = 0;
	bool ok;

	if (idlen)
		leader_id[0] = '\0';
	if (retry_s)
		*retry_s = 0;
	if (!pin || !pin[0] || strlen(pin) > 64)
		return BLIPPA_ERR_INVALID;
	if ((rc = store_pin_candidates(st, admin_hash, now_ms, &c, &n, retry_s)))
		return rc;
	/* Argon2id verification is slow on purpose: it runs outside any write
	 * transaction so the sync thread is not held up. */
	ok = store_pin_verify(c, n, pin, id, sizeof id);
	free(c);
	if ((rc = store_pin_record(st, ok, now_ms, retry_s)))
		return rc;
	snprintf(leader_id, idlen, "%s", id);
	return BLIPPA_OK;
}
