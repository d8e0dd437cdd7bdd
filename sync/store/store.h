/* SPDX-License-Identifier: MIT */
/* The kiosk's local store: one SQLite file holding the facility roster and
 * the append-only event queue. Every function that records an event returns
 * only after COMMIT with synchronous=FULL: when it returns BLIPPA_OK the event
 * is on disk. A struct store is used by one thread at a time; the kiosk UI
 * thread and the sync thread each open their own handle on the same file
 * (WAL makes that safe, busy_timeout waits out short locks).
 *
 * Times: *_ms are Unix milliseconds UTC. Session times are stored as UTC
 * instants computed from the facility-local roster times with the
 * facility's time zone (DST-correct). "Today" is the facility-local date. */
#ifndef BLIPPA_STORE_H
#define BLIPPA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "event.h"
#include "roster.h"
#include "uuid.h"

struct store;

/* Which session a check-in goes to (docs/kiosk.md has the table): the
 * participant's session whose window holds now, the nearest start winning
 * (DESIGN §4). A window
 * is [start - window_before_min, end + window_after_min), widened back to
 * the start of the facility-local day when window_later_today is set. */
struct store_rules {
	int window_before_min; /* default 60 */
	bool window_later_today; /* default true: any session later today */
	int window_after_min;  /* default 30: a session ended this recently */
	/* Check-ins correct the wall clock with the server's time and record an
	 * implausible one as unsure (store_clock.c). Off by default (tests and
	 * tools pass the time they mean); blippa-kiosk turns it on. */
	bool clock_correction;
	bool open_training;    /* default true */
	int undo_seconds;      /* default 10: participant undo window */
	int pin_max_failures;  /* default 5 wrong PINs ... */
	int pin_lockout_s;     /* ... lock PIN entry for this long (default 300) */
};
void store_rules_default(struct store_rules *rules);
struct blippa_config;
/* Defaults, then the rule keys of the kiosk config (window, open training,
 * undo): the one place a config becomes rules, for kiosk and sync alike. */
void store_rules_from_config(struct store_rules *rules, const struct blippa_config *cfg);

/* Opens (creating 0600 if missing) data_dir/blippa.db, sets WAL,
 * synchronous=FULL, busy_timeout, foreign keys, and runs migrations.
 * A file that is not SQLite or fails its header check: BLIPPA_ERR_CORRUPT;
 * a newer schema: BLIPPA_ERR_SCHEMA; neither is ever modified. err gets a
 * one-line message naming the file. *out owned by caller: store_close. */
enum blippa_err store_open(const char *data_dir, const struct store_rules *rules,
			   struct store **out, char *err, size_t errlen);
/* Same, at an exact file path (tests, blippa-sync). */
enum blippa_err store_open_path(const char *db_path, const struct store_rules *rules,
				struct store **out, char *err, size_t errlen);
/* Like store_open, but only an existing database: if data_dir/blippa.db is missing,
 * BLIPPA_ERR_NOT_FOUND with err naming the path, and nothing is created
 * (no directory, no file). For read-only tools (`blippa-sync status`), so a
 * typo in data_dir is reported instead of showing an empty new database. */
enum blippa_err store_open_existing(const char *data_dir, const struct store_rules *rules,
				    struct store **out, char *err, size_t errlen);
void store_close(struct store *st); /* NULL is a no-op */

/* Testing hook (SQLite-style fault simulation): limits the database to
 * max_pages pages (PRAGMA max_page_count); 0 restores the default. */
enum blippa_err store_debug_set_max_pages(struct store *st, unsigned max_pages);
/* Testing hook: how long a call waits for another connection's lock before
 * giving BLIPPA_ERR_BUSY (default 2000 ms). */
enum blippa_err store_debug_set_busy_timeout(struct store *st, int ms);

/* Clocks before this instant (2024-01-01T00:00Z) are taken as "not set"
 * (dead RTC battery, no NTP yet): check-in calls then return
 * BLIPPA_ERR_INVALID without recording anything, so no event carries a
 * nonsense time. The UI can ask store_clock_plausible() to explain why. */
#define STORE_MIN_PLAUSIBLE_MS INT64_C(1704067200000)
bool store_clock_plausible(int64_t now_ms);

/* ---- the kiosk's clock against the region server's (store_clock.c) ---- */

/* A wall clock further than this from the server's is corrected. */
#define STORE_CLOCK_TRUST_MS INT64_C(120000)
/* Records that the server's clock read server_ms at clock_mono_ms()
 * instant mono_ms of this boot (the sync engine, at each heartbeat). */
enum blippa_err store_clock_learn(struct store *st, int64_t server_ms, int64_t mono_ms);
struct store_time {
	int64_t at_ms;     /* the time to use: corrected, or device_ms */
	int64_t device_ms; /* the kiosk's wall clock */
	int64_t skew_ms;   /* server - device (known only) */
	bool known;        /* the server's time was learned since this boot */
	bool corrected;    /* known and |skew_ms| > STORE_CLOCK_TRUST_MS */
	/* not known, and the wall clock is implausible: before this build,
	 * before the newest event in the database, or before 2024. Check-ins
	 * are still recorded (and corrected at the next sync, see
	 * store_clock_fix_pending); the home screen tells the leader. */
	bool unsure;
};
/* The time to use for an event made at device time device_ms (the kiosk's
 * wall clock) and monotonic instant mono_ms. Check-ins and undo call it
 * themselves (events then carry device_ms beside the corrected at_ms); the
 * UI calls it for the clock it shows. */
enum blippa_err store_clock_resolve(struct store *st, int64_t device_ms, int64_t mono_ms,
				    struct store_time *out);
/* The sync engine, before a push: pending events recorded with an unsure
 * clock in this boot get the server's time now that it is known (at_ms
 * corrected, the old one kept as device_ms); *n gets how many. Events of an
 * earlier boot cannot be corrected and are sent as they are. Both kinds
 * carry "clock_unsure" so the server resolves their session again. */
enum blippa_err store_clock_fix_pending(struct store *st, size_t *n);
/* True if a pending event was recorded with an unsure clock. */
bool store_clock_unsure_pending(struct store *st);

/* ---- roster ---- */

/* Validates r (roster_validate) and replaces every roster table in one
 * transaction. On any error the old roster stays untouched; err says why. */
enum blippa_err store_replace_roster(struct store *st, const struct roster *r, char *err,
				     size_t errlen);
/* The ETag of the stored roster ("" if none). */
enum blippa_err store_roster_etag(struct store *st, char *out, size_t outlen);
/* True if the stored roster has no participants (none pulled yet, or an
 * empty one); false on a read error (cannot tell). */
bool store_roster_empty(struct store *st);
/* Facility id, name and timezone of the stored roster ("" if none). */
enum blippa_err store_facility(struct store *st, char *id, size_t idlen, char *name,
			       size_t namelen, char *tz, size_t tzlen);

/* ---- check-in ---- */

/* enum checkin_method: the data model (event.h). */

enum checkin_outcome {
	CHECKIN_OK,            /* new check-in for a session: green */
	CHECKIN_OPEN_TRAINING, /* no session now: open-training visit recorded (amber) */
	CHECKIN_ALREADY,       /* already checked in this session at ... (amber) */
	CHECKIN_NO_SESSION,    /* no session now and open training is off (amber) */
	CHECKIN_UNKNOWN_CARD,  /* card not linked to anyone (red) */
	CHECKIN_RANDOM_UID,    /* phone/bank card: random UID, cannot be used (red) */
	CHECKIN_LEADER_CARD,   /* the card belongs to a leader: open leader mode */
};

struct checkin_result {
	enum checkin_outcome outcome;
	char event_id[UUID_STR_LEN];    /* the new event (OK, OPEN_TRAINING) */
	char participant_id[ROSTER_ID_MAX + 1];
	char given_name[ROSTER_NAME_MAX + 1];
	char language[3]; /* the participant's ISO 639-1 code from the roster, "" if none */
	char session_id[ROSTER_ID_MAX + 1];   /* "" for open training */
	char session_name[ROSTER_NAME_MAX + 1]; /* group name */
	int64_t session_start_ms;             /* 0 for open training */
	int64_t checked_in_ms; /* this check-in, or the earlier one for ALREADY */
	char leader_id[ROSTER_ID_MAX + 1];    /* LEADER_CARD only */
	/* OPEN_TRAINING and NO_SESSION: the next session of any of the
	 * participant's groups after now, facility-local "YYYY-MM-DD HH:MM"
	 * and its Unix ms; "" and 0 if none is planned */
	char next_start_local[17];
	int64_t next_start_ms;
};

/* Validates a card UID (4, 7 or 10 bytes; else BLIPPA_ERR_INVALID), then
 * resolves card -> participant -> session per docs/store.md and records the event
 * (durably) if one is due. */
enum blippa_err store_checkin_card(struct store *st, const uint8_t *uid, size_t uid_len,
				   int64_t now_ms, struct checkin_result *out);

/* Check-in by participant id (name search or a leader by hand). For
 * CHECKIN_LEADER, session_id may name the session explicitly (NULL: resolve
 * as for a tap): a session of today or of the 14 days before (a leader's
 * correction, issue 13.6), else BLIPPA_ERR_EXPIRED; the event is stamped
 * now, the time of the correction. */
enum blippa_err store_checkin_participant(struct store *st, const char *participant_id,
					  enum checkin_method method, const char *session_id,
					  int64_t now_ms, struct checkin_result *out);

/* Appends a `void` event for check-in event_id. by_leader=false enforces the
 * undo window (BLIPPA_ERR_EXPIRED after it); a leader may void any check-in
 * made today or in the 14 days before (older: BLIPPA_ERR_EXPIRED). BLIPPA_ERR_NOT_FOUND if no such check-in, BLIPPA_ERR_EXISTS if it is
 * already voided. */
enum blippa_err store_void_checkin(struct store *st, const char *event_id, bool by_leader,
				   int64_t now_ms);

/* ---- name search ---- */

/* Rows beyond this many in one answer are not told apart (the kiosk shows
 * at most 50). */
#define STORE_SEARCH_HITS_MAX 64

struct search_hit {
	char participant_id[ROSTER_ID_MAX + 1];
	/* "Åsa Ö."; where two hits would read the same, the family name is
	 * lengthened until they differ ("Åsa Öb.", "Åsa Ös."), whole if need be
	 * ("Åsa Öberg"). */
	char display[2 * ROSTER_NAME_MAX + 8];
	/* Only where the full names of two or more hits are identical, what
	 * tells them apart ("" otherwise): the time ("HH:MM") of the person's
	 * session here today nearest to now, or else the last two hex digits of
	 * their card. Never anything about health. */
	char session_hhmm[6];
	char card_tail[3];
};

/* Case- and diacritic-insensitive prefix match on given or family name
 * (each word). today_only: only participants with a session here today.
 * Fewer than 2 characters after folding: 0 hits. Ordered by given name,
 * family name in Swedish order (store_sort_key: ... Z, Å, Ä, Ö). Queries of
 * 4 letters or more also find names within one edit (a letter wrong,
 * missing, extra, or two swapped; the first letter trusted), listed after
 * every exact match. Writes at most max hits; *n gets the count written. No
 * two of the first STORE_SEARCH_HITS_MAX hits have the same display unless
 * their full names are identical, and then session_hhmm or card_tail differ
 * where the roster allows it. */
enum blippa_err store_search_names(struct store *st, const char *prefix, bool today_only,
				   int64_t now_ms, struct search_hit *hits, size_t max, size_t *n);

/* ---- leader ---- */

struct store_session_info {
	char session_id[ROSTER_ID_MAX + 1];
	char group_name[ROSTER_NAME_MAX + 1];
	int64_t start_ms, end_ms;
	int n_members, n_present;
};
/* Today's sessions at this facility ordered by start. n_present counts the
 * members with a check-in that counts (store_session_roster's ticks: one
 * rule, so the count and the ticks always agree). */
enum blippa_err store_today_sessions(struct store *st, int64_t now_ms,
				     struct store_session_info *out, size_t max, size_t *n);
/* The sessions a leader may still correct that are not today's: those of
 * the 14 local days before today, newest first (issue 13.6). */
enum blippa_err store_recent_sessions(struct store *st, int64_t now_ms,
				      struct store_session_info *out, size_t max, size_t *n);
/* One session's info (counted as store_today_sessions), any day;
 * BLIPPA_ERR_NOT_FOUND if the roster has no such session. */
enum blippa_err store_session_get(struct store *st, const char *session_id,
				  struct store_session_info *out);

struct store_roster_row {
	char participant_id[ROSTER_ID_MAX + 1];
	char full_name[2 * ROSTER_NAME_MAX + 2];
	bool present;
	int64_t checked_in_ms;           /* when present */
	char event_id[UUID_STR_LEN];     /* the live check-in, for undo */
	int attended, held;              /* period attendance: "7 av 9" */
};
/* Members of session_id sorted by name (Swedish order, as search) with status. Caller gives the array;
 * *n gets the count (at most max). */
enum blippa_err store_session_roster(struct store *st, const char *session_id, int64_t now_ms,
				     struct store_roster_row *out, size_t max, size_t *n);

/* Links a card to a participant (replacing any earlier participant link of
 * that UID), durable, and queues a `card_link` event for the server. A
 * leader's card is refused with BLIPPA_ERR_EXISTS; a random UID with
 * BLIPPA_ERR_INVALID. */
enum blippa_err store_link_card(struct store *st, const uint8_t *uid, size_t uid_len,
				const char *participant_id, int64_t now_ms);

/* Leader PIN check against the Argon2id hashes in the roster and the admin
 * hash (config, may be NULL). Counts failures persistently; after
 * rules.pin_max_failures wrong PINs returns BLIPPA_ERR_LOCKED_OUT until
 * pin_lockout_s passed (*retry_s says how long). On success leader_id gets
 * the leader's id, or "admin". Wrong PIN: BLIPPA_ERR_AUTH. */
enum blippa_err store_check_pin(struct store *st, const char *pin, const char *admin_hash,
				int64_t now_ms, char *leader_id, size_t idlen, int *retry_s);

/* The same check split in three, so the slow Argon2id part (60-250 ms and
 * tens of MB per hash) can run off the UI thread while the handle stays on
 * it. store_check_pin() is exactly: candidates, verify, record.
 *
 * 1. store_pin_candidates (store thread): BLIPPA_ERR_LOCKED_OUT (*retry_s
 *    set) while PIN entry is locked; else *out gets a malloc'd copy of the
 *    hashes to try (leaders in id order, then the admin hash as "admin";
 *    *n may be 0), owned by the caller: free(). At most
 *    STORE_PIN_CANDIDATES_MAX.
 * 2. store_pin_verify (any thread, no store): true if pin matches one of
 *    them; id gets its owner. Slow on purpose.
 * 3. store_pin_record (store thread): counts the outcome. ok: failures reset,
 *    BLIPPA_OK. Wrong: BLIPPA_ERR_AUTH, or BLIPPA_ERR_LOCKED_OUT (*retry_s
 *    set) when this failure reached rules.pin_max_failures. */
#define STORE_PIN_HASH_MAX 192
#define STORE_PIN_CANDIDATES_MAX 1024
struct store_pin_candidate {
	char id[ROSTER_ID_MAX + 1];    /* leader id or "admin" */
	char hash[STORE_PIN_HASH_MAX]; /* "$argon2id$..." */
};
enum blippa_err store_pin_candidates(struct store *st, const char *admin_hash, int64_t now_ms,
				     struct store_pin_candidate **out, size_t *n, int *retry_s);
bool store_pin_verify(const struct store_pin_candidate *c, size_t n, const char *pin, char *id,
		      size_t idlen);
enum blippa_err store_pin_record(struct store *st, bool ok, int64_t now_ms, int *retry_s);

/* ---- sync queue ---- */

/* enum event_type: the data model (event.h). */
enum event_sync { EVENT_PENDING, EVENT_SYNCED, EVENT_REJECTED };

/* struct event_record: the data model (event.h). */

/* Oldest pending events first, at most max. */
enum blippa_err store_pending_events(struct store *st, struct event_record *out, size_t max,
				     size_t *n);

struct store_ack {
	const char *event_id;
	enum event_sync state;  /* SYNCED (accepted or duplicate) or REJECTED */
	const char *reason;     /* REJECTED only, short text from the server */
};
/* Marks events in one transaction. Unknown ids are ignored. */
enum blippa_err store_ack_events(struct store *st, const struct store_ack *acks, size_t n);

struct store_rejected {
	char event_id[UUID_STR_LEN];
	int64_t at_ms;
	char reason[128];
	int type;                                /* EVENT_DB_* */
	char full_name[2 * ROSTER_NAME_MAX + 2]; /* "" if no longer in the roster */
	char group_name[ROSTER_NAME_MAX + 1];    /* "" for open training / unknown */
	int64_t session_start_ms;                /* 0 if none */
};
/* The newest rejected events first, with the participant's full name and
 * the session (for the leader, issue 13.6). */
enum blippa_err store_rejected_events(struct store *st, struct store_rejected *out,
				      size_t max, size_t *n);

struct store_sync_status {
	int64_t pending;
	int64_t oldest_pending_ms; /* 0 if none */
	int64_t rejected;
	int64_t last_success_ms;   /* 0 if never */
	int64_t last_attempt_ms;
	char last_error[160];      /* "" if the last attempt succeeded */
	int64_t skew_ms;           /* server time - kiosk time at last heartbeat */
	bool server_reachable;
	bool unauthorised;         /* last answer was 401/403 */
};
enum blippa_err store_get_sync_status(struct store *st, struct store_sync_status *out);
enum blippa_err store_put_sync_status(struct store *st, const struct store_sync_status *in);

/* Small key/value table for the sync engine and kiosk (kiosk_id, ...).
 * store_meta_get: BLIPPA_ERR_NOT_FOUND (out = "") for a missing key; a value
 * longer than outlen is truncated. Keys 1..64 bytes, values up to 4096. */
enum blippa_err store_meta_get(struct store *st, const char *key, char *out, size_t outlen);
enum blippa_err store_meta_set(struct store *st, const char *key, const char *value);

/* Deletes synced events older than now - days; *deleted gets the count.
 * Pending and rejected events stay, and so do check-ins/voids of sessions
 * still in the roster (the period attendance the leader sees). */
enum blippa_err store_purge_synced(struct store *st, int64_t now_ms, int days, int64_t *deleted);

/* Facility-local helpers (for the UI's clock and "today"): formats now_ms
 * in the roster's time zone as "HH:MM" / "YYYY-MM-DD". */
enum blippa_err store_local_hhmm(struct store *st, int64_t ms, char out[6]);
enum blippa_err store_local_day(struct store *st, int64_t ms, char out[11]);

/* Demo only (blippa-kiosk --demo, tests): after store_replace_roster with
 * roster_make_demo(now_ms, ...), records past check-ins for the demo groups'
 * earlier sessions (about four in five attended) so the leader view shows
 * "7 av 9" style counts. The events are marked synced: never sent. Does
 * nothing if any event already exists. */
enum blippa_err store_seed_demo_history(struct store *st, int64_t now_ms);

/* Builds the demo roster (Swedish names, several groups with sessions today
 * relative to now_ms in Europe/Stockholm, cards "04A1B2C3"... for keys 1-9,
 * a leader "L1" with PIN 1234 and a leader card). Returns NULL on OOM.
 * demo_card_uid(k) gives the UID tapped by demo key k (1..9). With
 * n_extra > 0, adds that many generated participants (for benchmarks). */
struct roster *roster_make_demo(int64_t now_ms, size_t n_extra);
const char *roster_demo_card_uid(int key);

#endif
