/* SPDX-License-Identifier: MIT */
/* The check-in rules (docs/store.md) and the append-only events they write:
 * card UID -> participant -> the session whose window holds now (nearest
 * start wins), repeat taps, open training once per local day, undo (void).
 * Each decision and its event happen in one BEGIN IMMEDIATE transaction, so
 * two handles cannot both record the same check-in, and the call returns
 * only after COMMIT (synchronous=FULL: on disk). */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"

#define MOD "store"

static const char sql_insert[] =
    "INSERT INTO events(id, type, at_ms, local_date, method, participant_id, session_id,"
    " voids_id, card_uid, kiosk_id) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_card[] = "SELECT owner, owner_id FROM cards WHERE uid = ?";
/* Sessions of the participant's groups whose window holds now ?2: from
 * start - before ?3 (or from the start of its local day ?5 when ?4 "later
 * today" is set) until end + after ?6. The nearest start wins (DESIGN §4),
 * ties to the earlier one. */
static const char sql_candidate[] =
    "SELECT s.id, g.name, s.start_ms FROM members m"
    " JOIN sessions s ON s.group_id = m.group_id JOIN groups g ON g.id = s.group_id"
    " WHERE m.participant_id = ?1 AND s.end_ms + ?6 > ?2"
    " AND (s.start_ms <= ?2 + ?3 OR (?4 AND s.local_date = ?5))"
    " ORDER BY abs(s.start_ms - ?2), s.start_ms, s.id LIMIT 1";
/* The participant's next session after now ?2 (of any of their groups). */
static const char sql_next[] = "SELECT s.start_local, s.start_ms FROM members m"
			       " JOIN sessions s ON s.group_id = m.group_id"
			       " WHERE m.participant_id = ?1 AND s.start_ms > ?2"
			       " ORDER BY s.start_ms, s.id LIMIT 1";
static const char sql_session[] =
    "SELECT s.id, g.name, s.start_ms,"
    " EXISTS(SELECT 1 FROM members m WHERE m.group_id = s.group_id"
    " AND m.participant_id = ?2), s.local_date"
    " FROM sessions s JOIN groups g ON g.id = s.group_id WHERE s.id = ?1";
static const char sql_live_session[] =
    "SELECT e.at_ms FROM events e WHERE e.participant_id = ? AND e.session_id = ?"
    " AND " STORE_SQL_COUNTS("e") " ORDER BY e.at_ms LIMIT 1";
static const char sql_live_open[] =
    "SELECT e.at_ms FROM events e WHERE e.participant_id = ? AND e.session_id IS NULL"
    " AND e.local_date = ? AND " STORE_SQL_COUNTS("e") " ORDER BY e.at_ms LIMIT 1";
static const char sql_event[] = "SELECT at_ms, local_date, method, participant_id, session_id"
				" FROM events WHERE id = ? AND type = " EVENT_DB_CHECKIN_SQL;
static const char sql_voided[] =
    "SELECT 1 FROM events WHERE voids_id = ? AND type = " EVENT_DB_VOID_SQL " AND sync != 2";
static const char sql_device[] = "UPDATE events SET device_ms = ? WHERE id = ?";
static const char sql_unsure[] =
    "UPDATE events SET clock_unsure = 1, boot_id = ?, mono_ms = ? WHERE id = ?";

/* How the clock stood for one call (store_clock.c). */
struct call_time {
	int64_t device_ms; /* != 0: now was corrected from it */
	int64_t mono_ms;   /* != 0: the clock is unsure (no server time, implausible) */
};

/* now_ms (the kiosk's wall clock) -> the time to use. */
static int64_t effective_now(struct store *st, int64_t now_ms, struct call_time *ct)
{
	struct store_time t;
	int64_t mono = clock_mono_ms();

	memset(ct, 0, sizeof *ct);
	if (!st->rules.clock_correction || store_clock_resolve(st, now_ms, mono, &t) != BLIPPA_OK)
		return now_ms;
	if (t.unsure)
		ct->mono_ms = mono > 0 ? mono : 1;
	if (!t.corrected)
		return now_ms;
	ct->device_ms = now_ms;
	return t.at_ms;
}

/* Keeps the device's own time beside a corrected event, or the boot and
 * monotonic instant of one recorded with an unsure clock (in its
 * transaction). */
static enum blippa_err note_device_time(struct store *st, const char *id,
					const struct call_time *ct)
{
	char boot[40];
	sqlite3_stmt *s;
	enum blippa_err rc;

	if (!ct->device_ms && !ct->mono_ms)
		return BLIPPA_OK;
	if (!(s = store_prep(st, ct->device_ms ? sql_device : sql_unsure)))
		return BLIPPA_ERR_IO;
	if (ct->device_ms) {
		sqlite3_bind_int64(s, 1, ct->device_ms);
		sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
	} else {
		store_boot_id(boot);
		sqlite3_bind_text(s, 1, boot, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, ct->mono_ms);
		sqlite3_bind_text(s, 3, id, -1, SQLITE_STATIC);
	}
	rc = store_err_from_sqlite(sqlite3_step(s));
	sqlite3_reset(s);
	return rc;
}

enum blippa_err store_insert_event(struct store *st, const char *id, enum event_type type,
				   int64_t at_ms, enum checkin_method method,
				   const char *participant_id, const char *session_id,
				   const char *voids_id, const char *card_uid,
				   const char *local_date)
{
	char kiosk[ROSTER_ID_MAX + 1];
	sqlite3_stmt *s;
	enum blippa_err rc;

	if (store_meta_get(st, "kiosk_id", kiosk, sizeof kiosk) != BLIPPA_OK || !kiosk[0])
		snprintf(kiosk, sizeof kiosk, "local");
	if (!(s = store_prep(st, sql_insert)))
		return BLIPPA_ERR_IO;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, event_type_db(type));
	sqlite3_bind_int64(s, 3, at_ms);
	sqlite3_bind_text(s, 4, local_date, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 5, checkin_method_db(method));
	store_bind_text(s, 6, participant_id, true);
	store_bind_text(s, 7, session_id, true);
	store_bind_text(s, 8, voids_id, true);
	store_bind_text(s, 9, card_uid, true);
	sqlite3_bind_text(s, 10, kiosk, -1, SQLITE_TRANSIENT);
	rc = store_err_from_sqlite(sqlite3_step(s));
	sqlite3_reset(s);
	return rc;
}

/* Earliest live (not voided) check-in: *at_ms > 0 when there is one. */
static enum blippa_err live_checkin(struct store *st, const char *pid, const char *session_id,
				    const char *date, int64_t *at_ms)
{
	sqlite3_stmt *s = store_prep(st, session_id[0] ? sql_live_session : sql_live_open);
	int src;

	*at_ms = 0;
	if (!s)
		return BLIPPA_ERR_IO;
	sqlite3_bind_text(s, 1, pid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, session_id[0] ? session_id : date, -1, SQLITE_STATIC);
	src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		*at_ms = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (src == SQLITE_ROW && *at_ms <= 0)
		*at_ms = 1;
	return src == SQLITE_ROW || src == SQLITE_DONE ? BLIPPA_OK : store_err_from_sqlite(src);
}

/* BLIPPA_OK if the local date in column col is one a leader may still
 * correct (today or the STORE_CORRECTION_DAYS before), else
 * BLIPPA_ERR_EXPIRED (too old, or a day still to come). */
static enum blippa_err correctable(sqlite3_stmt *s, int col, const char *today)
{
	char date[11], oldest[11];

	store_col_text(s, col, date, sizeof date);
	if (store_date_add_days(today, -STORE_CORRECTION_DAYS, oldest) != BLIPPA_OK)
		return BLIPPA_ERR_INVALID;
	return strcmp(date, oldest) >= 0 && strcmp(date, today) <= 0 ? BLIPPA_OK
								     : BLIPPA_ERR_EXPIRED;
}

/* Finds the session for pid at now_ms (or checks session_id explicitly).
 * out->session_* stay empty when there is none. */
static enum blippa_err resolve_session(struct store *st, const char *pid, const char *session_id,
				       int64_t now_ms, const char *today,
				       struct checkin_result *out)
{
	sqlite3_stmt *s = store_prep(st, session_id ? sql_session : sql_candidate);
	enum blippa_err rc = BLIPPA_OK;
	int src;

	if (!s)
		return BLIPPA_ERR_IO;
	if (session_id) {
		sqlite3_bind_text(s, 1, session_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, pid, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_text(s, 1, pid, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, now_ms);
		sqlite3_bind_int64(s, 3, (int64_t)st->rules.window_before_min * 60000);
		sqlite3_bind_int(s, 4, st->rules.window_later_today);
		sqlite3_bind_text(s, 5, today, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 6, (int64_t)st->rules.window_after_min * 60000);
	}
	src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		store_col_text(s, 0, out->session_id, sizeof out->session_id);
		store_col_text(s, 1, out->session_name, sizeof out->session_name);
		out->session_start_ms = sqlite3_column_int64(s, 2);
		if (session_id && !sqlite3_column_int(s, 3))
			rc = BLIPPA_ERR_INVALID; /* not a member of that session's group */
		else if (session_id)
			rc = correctable(s, 4, today);
	} else if (src == SQLITE_DONE) {
		if (session_id)
			rc = BLIPPA_ERR_NOT_FOUND;
	} else {
		rc = store_err_from_sqlite(src);
	}
	sqlite3_reset(s);
	return rc;
}

/* Fills out's next_start_* with the participant's next session after now
 * (left empty if none): someone with no session now is told when their
 * group meets next. */
static enum blippa_err next_session(struct store *st, const char *participant_id, int64_t now_ms,
				    struct checkin_result *out)
{
	sqlite3_stmt *s = store_prep(st, sql_next);
	int src;

	if (!s)
		return BLIPPA_ERR_IO;
	sqlite3_bind_text(s, 1, participant_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now_ms);
	src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		store_col_text(s, 0, out->next_start_local, sizeof out->next_start_local);
		out->next_start_ms = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return src == SQLITE_ROW || src == SQLITE_DONE ? BLIPPA_OK : store_err_from_sqlite(src);
}

enum blippa_err store_checkin_participant(struct store *st, const char *participant_id,
					  enum checkin_method method, const char *session_id,
					  int64_t now_ms, struct checkin_result *out)
{
	char today[11];
	int64_t earlier = 0;
	struct call_time ct;
	bool unsure;
	enum blippa_err rc;

	memset(out, 0, sizeof *out);
	now_ms = effective_now(st, now_ms, &ct);
	unsure = ct.mono_ms != 0;
	if (session_id)
		ct.mono_ms = 0; /* a leader named the session: nothing to resolve again */
	if (!participant_id || !participant_id[0] || strlen(participant_id) > ROSTER_ID_MAX ||
	    (method != CHECKIN_CARD && method != CHECKIN_NAME && method != CHECKIN_LEADER) ||
	    (session_id && (method != CHECKIN_LEADER || !session_id[0])))
		return BLIPPA_ERR_INVALID;
	if (!store_clock_plausible(now_ms) && !unsure) {
		log_warn(MOD, "check-in refused: the clock is not set");
		return BLIPPA_ERR_INVALID;
	}
	if ((rc = store_begin_day(st, now_ms, today)))
		return rc;
	if ((rc = store_participant_given(st, participant_id, out->given_name,
					  sizeof out->given_name, out->language,
					  sizeof out->language)))
		goto out;
	snprintf(out->participant_id, sizeof out->participant_id, "%s", participant_id);
	if ((rc = resolve_session(st, participant_id, session_id, now_ms, today, out)))
		goto out;
	if (!out->session_id[0] && (rc = next_session(st, participant_id, now_ms, out)))
		goto out;
	if (!out->session_id[0] && !st->rules.open_training) {
		out->outcome = CHECKIN_NO_SESSION;
		goto out;
	}
	if ((rc = live_checkin(st, participant_id, out->session_id, today, &earlier)))
		goto out;
	if (earlier) {
		out->outcome = CHECKIN_ALREADY;
		out->checked_in_ms = earlier;
		goto out;
	}
	uuid7_make(now_ms, out->event_id);
	if ((rc = store_insert_event(st, out->event_id, EVENT_CHECKIN, now_ms, method,
				     participant_id, out->session_id, NULL, NULL, today)) ||
	    (rc = note_device_time(st, out->event_id, &ct)))
		goto out;
	if ((rc = store_commit(st)))
		goto out;
	out->outcome = out->session_id[0] ? CHECKIN_OK : CHECKIN_OPEN_TRAINING;
	out->checked_in_ms = now_ms;
out:
	store_rollback(st); /* no-op after COMMIT */
	if (rc) {
		out->event_id[0] = '\0';
		if (rc != BLIPPA_ERR_NOT_FOUND && rc != BLIPPA_ERR_INVALID &&
		    rc != BLIPPA_ERR_EXPIRED)
			log_error(MOD, "check-in not recorded: %s", blippa_strerror(rc));
	}
	return rc;
}

enum blippa_err store_checkin_card(struct store *st, const uint8_t *uid, size_t uid_len,
				   int64_t now_ms, struct checkin_result *out)
{
	char hex[ROSTER_UID_HEX_MAX + 1];
	char owner[2] = "", owner_id[ROSTER_ID_MAX + 1] = "";
	enum blippa_err rc;
	sqlite3_stmt *s;
	int src;

	memset(out, 0, sizeof *out);
	if ((rc = store_uid_hex(uid, uid_len, hex)))
		return rc;
	if (store_uid_is_random(uid, uid_len)) {
		out->outcome = CHECKIN_RANDOM_UID;
		return BLIPPA_OK;
	}
	if (!(s = store_prep(st, sql_card)))
		return BLIPPA_ERR_IO;
	sqlite3_bind_text(s, 1, hex, -1, SQLITE_STATIC);
	src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		store_col_text(s, 0, owner, sizeof owner);
		store_col_text(s, 1, owner_id, sizeof owner_id);
	}
	sqlite3_reset(s);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return store_err_from_sqlite(src);
	if (src == SQLITE_DONE) {
		out->outcome = CHECKIN_UNKNOWN_CARD;
		return BLIPPA_OK;
	}
	if (owner[0] == 'L') {
		out->outcome = CHECKIN_LEADER_CARD;
		snprintf(out->leader_id, sizeof out->leader_id, "%s", owner_id);
		return BLIPPA_OK;
	}
	rc = store_checkin_participant(st, owner_id, CHECKIN_CARD, NULL, now_ms, out);
	if (rc == BLIPPA_ERR_NOT_FOUND) {
		/* A link to someone no longer in the roster: as good as unknown. */
		memset(out, 0, sizeof *out);
		out->outcome = CHECKIN_UNKNOWN_CARD;
		rc = BLIPPA_OK;
	}
	return rc;
}

/* A leader may undo a check-in made today or in the STORE_CORRECTION_DAYS
 * before (issue 13.6). */
static bool leader_may_void(const char *date, const char *today)
{
	char oldest[11];
	return store_date_add_days(today, -STORE_CORRECTION_DAYS, oldest) == BLIPPA_OK &&
	       strcmp(date, oldest) >= 0;
}

enum blippa_err store_void_checkin(struct store *st, const char *event_id, bool by_leader,
				   int64_t now_ms)
{
	char today[11], date[11] = "", pid[ROSTER_ID_MAX + 1] = "", sid[ROSTER_ID_MAX + 1] = "";
	char id[UUID_STR_LEN];
	int64_t at_ms = 0;
	struct call_time ct;
	bool unsure;
	int method = 0;
	enum blippa_err rc;
	sqlite3_stmt *s;
	int src;

	if (!event_id || !uuid_is_valid(event_id))
		return BLIPPA_ERR_NOT_FOUND;
	now_ms = effective_now(st, now_ms, &ct);
	unsure = ct.mono_ms != 0;
	ct.mono_ms = 0; /* a void has no session to resolve */
	if (!store_clock_plausible(now_ms) && !unsure)
		return BLIPPA_ERR_INVALID;
	if ((rc = store_begin_day(st, now_ms, today)))
		return rc;
	if (!(s = store_prep(st, sql_event))) {
		rc = BLIPPA_ERR_IO;
		goto out;
	}
	sqlite3_bind_text(s, 1, event_id, -1, SQLITE_STATIC);
	src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		at_ms = sqlite3_column_int64(s, 0);
		store_col_text(s, 1, date, sizeof date);
		method = sqlite3_column_int(s, 2);
		store_col_text(s, 3, pid, sizeof pid);
		store_col_text(s, 4, sid, sizeof sid);
	}
	sqlite3_reset(s);
	if (src != SQLITE_ROW) {
		rc = src == SQLITE_DONE ? BLIPPA_ERR_NOT_FOUND : store_err_from_sqlite(src);
		goto out;
	}
	if (!(s = store_prep(st, sql_voided))) {
		rc = BLIPPA_ERR_IO;
		goto out;
	}
	sqlite3_bind_text(s, 1, event_id, -1, SQLITE_STATIC);
	src = sqlite3_step(s);
	sqlite3_reset(s);
	if (src == SQLITE_ROW) {
		rc = BLIPPA_ERR_EXISTS;
		goto out;
	}
	if (src != SQLITE_DONE) {
		rc = store_err_from_sqlite(src);
		goto out;
	}
	if (by_leader ? !leader_may_void(date, today)
		      : now_ms - at_ms > (int64_t)st->rules.undo_seconds * 1000) {
		rc = BLIPPA_ERR_EXPIRED;
		goto out;
	}
	uuid7_make(now_ms, id);
	if ((rc = store_insert_event(st, id, EVENT_VOID, now_ms,
				     by_leader ? CHECKIN_LEADER : (enum checkin_method)method, pid,
				     sid, event_id, NULL, today)) ||
	    (rc = note_device_time(st, id, &ct)))
		goto out;
	rc = store_commit(st);
out:
	store_rollback(st);
	return rc;
}
