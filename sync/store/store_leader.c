/* SPDX-License-Identifier: MIT */
/* What leader mode reads and writes: today's sessions with counts, a
 * session's roster with status and period attendance ("7 av 9"), linking a
 * card to a participant, and the leader/admin PIN check with a persistent
 * failure counter and lockout. */
#include "store_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

#define MOD "store"

/* A live check-in: type 0 and no void pointing at it. */
#define LIVE(e) "NOT EXISTS(SELECT 1 FROM events v WHERE v.voids_id = " e ".id AND v.type = 1)"

static const char sql_today[] = "SELECT s.id, g.name, s.start_ms, s.end_ms,"
				" (SELECT count(*) FROM members m WHERE m.group_id = s.group_id),"
				" (SELECT count(DISTINCT e.participant_id) FROM events e"
				"  WHERE e.session_id = s.id AND e.type = 0 AND " LIVE(
				    "e") ")"
					 " FROM sessions s JOIN groups g ON g.id = s.group_id"
					 " WHERE s.local_date = ? ORDER BY s.start_ms, s.id";
static const char sql_roster[] =
    "SELECT p.id, p.given_name, p.family_name,"
    " (SELECT e.at_ms FROM events e WHERE e.participant_id = p.id AND e.session_id = ?1"
    "  AND e.type = 0 AND " LIVE(
	"e") " ORDER BY e.at_ms LIMIT 1),"
	     " (SELECT e.id FROM events e WHERE e.participant_id = p.id AND e.session_id = ?1"
	     "  AND e.type = 0 AND " LIVE(
		 "e") " ORDER BY e.at_ms LIMIT 1),"
		      " (SELECT count(DISTINCT e.session_id) FROM events e JOIN sessions s2"
		      "  ON s2.id = e.session_id WHERE e.participant_id = p.id AND e.type = 0"
		      "  AND s2.group_id = m.group_id AND s2.start_ms <= ?2 AND " LIVE(
			  "e") "),"
			       " (SELECT count(*) FROM sessions s3 WHERE s3.group_id = m.group_id"
			       "  AND s3.start_ms <= ?2)"
			       " FROM sessions s JOIN members m ON m.group_id = s.group_id"
			       " JOIN participants p ON p.id = m.participant_id"
			       " WHERE s.id = ?1 ORDER BY p.given_fold, p.family_fold, "
			       "p.given_name, p.family_name, p.id";
static const char sql_session_exists[] = "SELECT 1 FROM sessions WHERE id = ?";
static const char sql_participant[] = "SELECT 1 FROM participants WHERE id = ?";
static const char sql_link[] = "INSERT OR REPLACE INTO cards(uid, owner, owner_id)"
			       " VALUES(?, 'P', ?)";
static const char sql_pin_state[] = "SELECT failures, locked_until_ms FROM pin_state WHERE id = 1";
static const char sql_pin_put[] = "UPDATE pin_state SET failures = ?, locked_until_ms = ?"
				  " WHERE id = 1";
static const char sql_leaders[] = "SELECT id, pin_hash FROM leaders WHERE pin_hash IS NOT NULL"
				  " ORDER BY id";

enum blippa_err store_today_sessions(struct store *st, int64_t now_ms,
				     struct store_session_info *out, size_t max, size_t *n)
{
	char today[11];
	sqlite3_stmt *s;
	enum blippa_err rc;
	size_t k = 0;
	int src;

	*n = 0;
	if ((rc = store_refresh(st)) || (rc = store_local_date(st, now_ms, today)))
		return rc;
	if (!(s = store_prep(st, sql_today)))
		return BLIPPA_ERR_IO;
	sqlite3_bind_text(s, 1, today, -1, SQLITE_STATIC);
	while (k < max && (src = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_session_info *x = &out[k++];
		store_col_text(s, 0, x->session_id, sizeof x->session_id);
		store_col_text(s, 1, x->group_name, sizeof x->group_name);
		x->start_ms = sqlite3_column_int64(s, 2);
		x->end_ms = sqlite3_column_int64(s, 3);
		x->n_members = sqlite3_column_int(s, 4);
		x->n_present = sqlite3_column_int(s, 5);
	}
	if (k < max && src != SQLITE_DONE)
		rc = store_err_from_sqlite(src);
	sqlite3_reset(s);
	*n = k;
	return rc;
}

enum blippa_err store_session_roster(struct store *st, const char *session_id, int64_t now_ms,
				     struct store_roster_row *out, size_t max, size_t *n)
{
	sqlite3_stmt *s;
	enum blippa_err rc = BLIPPA_OK;
	size_t k = 0;
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
		struct store_roster_row *x = &out[k++];
		const unsigned char *g = sqlite3_column_text(s, 1);
		const unsigned char *f = sqlite3_column_text(s, 2);
		memset(x, 0, sizeof *x);
		store_col_text(s, 0, x->participant_id, sizeof x->participant_id);
		snprintf(x->full_name, sizeof x->full_name, "%s %s", g ? (const char *)g : "",
			 f ? (const char *)f : "");
		x->present = sqlite3_column_type(s, 3) != SQLITE_NULL;
		x->checked_in_ms = x->present ? sqlite3_column_int64(s, 3) : 0;
		store_col_text(s, 4, x->event_id, sizeof x->event_id);
		x->attended = sqlite3_column_int(s, 5);
		x->held = sqlite3_column_int(s, 6);
	}
	if (k < max && src != SQLITE_DONE)
		rc = store_err_from_sqlite(src);
	sqlite3_reset(s);
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
	if ((rc = store_refresh(st)) || (rc = store_local_date(st, now_ms, today)))
		return rc;
	if ((rc = store_begin(st)))
		return rc;
	if (!(s = store_prep(st, sql_participant))) {
		rc = BLIPPA_ERR_IO;
		goto out;
	}
	sqlite3_bind_text(s, 1, participant_id, -1, SQLITE_STATIC);
	src = sqlite3_step(s);
	sqlite3_reset(s);
	if (src != SQLITE_ROW) {
		rc = src == SQLITE_DONE ? BLIPPA_ERR_NOT_FOUND : store_err_from_sqlite(src);
		goto out;
	}
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

enum blippa_err store_check_pin(struct store *st, const char *pin, const char *admin_hash,
				int64_t now_ms, char *leader_id, size_t idlen, int *retry_s)
{
	int failures = 0;
	int64_t locked_until = 0;
	char id[ROSTER_ID_MAX + 1] = "";
	bool ok = false;
	enum blippa_err rc;
	sqlite3_stmt *s;
	int src;

	if (idlen)
		leader_id[0] = '\0';
	if (retry_s)
		*retry_s = 0;
	if (!pin || !pin[0] || strlen(pin) > 64)
		return BLIPPA_ERR_INVALID;
	if (!(s = store_prep(st, sql_pin_state)))
		return BLIPPA_ERR_IO;
	if ((src = sqlite3_step(s)) == SQLITE_ROW) {
		failures = sqlite3_column_int(s, 0);
		locked_until = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (src != SQLITE_ROW)
		return store_err_from_sqlite(src == SQLITE_DONE ? SQLITE_CORRUPT : src);
	/* A lock set by a clock that was far ahead must not last forever. */
	if (locked_until > now_ms + (int64_t)st->rules.pin_lockout_s * 1000)
		locked_until = now_ms + (int64_t)st->rules.pin_lockout_s * 1000;
	if (locked_until > now_ms) {
		if (retry_s)
			*retry_s = (int)((locked_until - now_ms + 999) / 1000);
		return BLIPPA_ERR_LOCKED_OUT;
	}
	/* Argon2id verification is slow on purpose: do it outside any write
	 * transaction so the sync thread is not held up. */
	if (!(s = store_prep(st, sql_leaders)))
		return BLIPPA_ERR_IO;
	while (!ok && (src = sqlite3_step(s)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(s, 1);
		if (pin_matches(h, pin)) {
			store_col_text(s, 0, id, sizeof id);
			ok = true;
		}
	}
	sqlite3_reset(s);
	if (!ok && src != SQLITE_DONE)
		return store_err_from_sqlite(src);
	if (!ok && admin_hash && admin_hash[0] && pin_matches(admin_hash, pin)) {
		snprintf(id, sizeof id, "admin");
		ok = true;
	}
	if (ok) {
		if ((rc = pin_state_put(st, 0, 0)))
			return rc;
		snprintf(leader_id, idlen, "%s", id);
		return BLIPPA_OK;
	}
	failures++;
	if (failures >= st->rules.pin_max_failures) {
		locked_until = now_ms + (int64_t)st->rules.pin_lockout_s * 1000;
		if ((rc = pin_state_put(st, 0, locked_until)))
			return rc;
		log_warn(MOD, "PIN entry locked for %d s after %d wrong PINs",
			 st->rules.pin_lockout_s, failures);
		if (retry_s)
			*retry_s = st->rules.pin_lockout_s;
		return BLIPPA_ERR_LOCKED_OUT;
	}
	if ((rc = pin_state_put(st, failures, 0)))
		return rc;
	return BLIPPA_ERR_AUTH;
}
