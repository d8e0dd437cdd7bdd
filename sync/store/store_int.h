/* SPDX-License-Identifier: MIT */
/* Internals of the local store shared by its source files (not installed,
 * not for other modules): the handle, the statement cache, SQLite error
 * translation, the in-memory name index and small helpers. */
#ifndef BLIPPA_STORE_INT_H
#define BLIPPA_STORE_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define STORE_SCHEMA_VERSION 4
#define STORE_APP_ID 0x426c6970 /* "Blip" in PRAGMA application_id */
#define STORE_STMT_MAX 96
#define STORE_NAME_BUCKETS 4096 /* power of two */
#define STORE_BUSY_MS_DEFAULT 2000
#define STORE_TZ_MAX 65
#define STORE_DEFAULT_TZ "Europe/Stockholm"

/* One cached prepared statement, keyed by the address of its SQL text. */
struct store_stmt {
	const char *sql;
	sqlite3_stmt *stmt;
};

/* The name-search index (store_search.c): folded "given family" texts of
 * all participants in display order, plus today's subset. */
struct store_names {
	int64_t gen;	      /* roster_gen it was built from; -1: not built */
	size_t n;	      /* entries */
	uint32_t *text_off;   /* n offsets into text: folded "given family" */
	uint32_t *disp_off;   /* n offsets into text: display "Åsa Ö." */
	uint32_t *pid_off;    /* n offsets into text: participant id */
	uint64_t *bloom;      /* n masks: a bit per (first, second) byte of each word */
	uint32_t *post_start; /* STORE_NAME_BUCKETS + 1 offsets into post */
	uint32_t *post;	      /* per bucket of a word's first two bytes: entries, sorted */
	uint8_t *today_mark;  /* n flags: entry has a session today */
	uint32_t *pno_pos;    /* participant pno (1..n_pno) -> entry index */
	size_t n_pno;
	char *text; /* NUL-separated strings */
	size_t text_len;
	char today[11]; /* local date today_idx was built for */
	int64_t today_gen;
	uint32_t *today_idx; /* entry indexes with a session today, sorted */
	size_t n_today;
};

struct store {
	sqlite3 *db;
	char path[4096];
	struct store_rules rules;
	struct store_stmt stmts[STORE_STMT_MAX];
	size_t n_stmts;
	int64_t roster_gen;    /* last seen meta roster_gen */
	char tz[STORE_TZ_MAX]; /* facility zone ("" -> default) */
	char kiosk_id[ROSTER_ID_MAX + 1];
	struct store_names names;
	/* store_local_date cache: [day_from_ms, day_to_ms) is local date day */
	char day[11];
	int64_t day_from_ms, day_to_ms, day_gen;
};

/* Translates an SQLite result code into the project's error enum. */
enum blippa_err store_err_from_sqlite(int rc);

/* Returns the cached statement for sql (prepared on first use), reset and
 * with bindings cleared; NULL on error (logged). sql must be a string with
 * static storage: its address is the key. */
sqlite3_stmt *store_prep(struct store *st, const char *sql);

/* Runs a statement without results; BLIPPA_OK or the translated error. */
enum blippa_err store_exec(struct store *st, const char *sql);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
enum blippa_err store_begin(struct store *st);
enum blippa_err store_commit(struct store *st);
void store_rollback(struct store *st);

/* Re-reads meta roster_gen and, when another handle replaced the roster,
 * reloads the cached facility zone and drops the name index. Cheap. */
enum blippa_err store_refresh(struct store *st);

/* The facility zone to use (never empty). */
const char *store_zone(const struct store *st);

/* Facility-local date "YYYY-MM-DD" of ms. */
enum blippa_err store_local_date(struct store *st, int64_t ms, char date[11]);
/* The start of a write on a day: store_refresh, the local date of now_ms
 * into today, then BEGIN IMMEDIATE (the caller commits or rolls back). */
enum blippa_err store_begin_day(struct store *st, int64_t now_ms, char today[11]);
/* BLIPPA_OK if participant_id is in the roster (its given name into given
 * and its language, "" if none, into lang, each if not NULL),
 * BLIPPA_ERR_NOT_FOUND if not, or a database error. */
enum blippa_err store_participant_given(struct store *st, const char *participant_id, char *given,
					size_t given_len, char *lang, size_t lang_len);

/* The local day's sessions, as SQL over sessions alias s with ?1 bound to
 * the local date and ?2 to the UTC ms of its first instant (store_day_start):
 * the sessions that start that day and those of the day before still
 * running after its midnight (a session across midnight belongs to both). */
#define STORE_SQL_ON_DAY(s)                                                                        \
	"(" s ".local_date = ?1 OR (" s ".local_date = date(?1, '-1 day') AND " s ".end_ms > ?2))"

/* A check-in that counts, as SQL over events alias e (issue 13.5): the
 * ONE rule behind every count and every tick the leader sees and behind
 * "already checked in". A check-in the server rejected does not count; one
 * whose void the server rejected still does (the server kept it). */
#define STORE_SQL_COUNTS(e)                                                                        \
	"(" e ".type = " EVENT_DB_CHECKIN_SQL " AND " e ".sync != 2 AND NOT EXISTS("               \
	"SELECT 1 FROM events v WHERE v.voids_id = " e ".id AND v.type = " EVENT_DB_VOID_SQL       \
	" AND v.sync != 2))"

/* How far back a leader may correct attendance (issue 13.6): sessions of
 * the last STORE_CORRECTION_DAYS local days before today, and today's. */
#define STORE_CORRECTION_DAYS 14

/* The UTC ms of the first instant of local date ("YYYY-MM-DD") in the
 * facility zone (local midnight, or the first instant after a DST gap). */
enum blippa_err store_day_start(struct store *st, const char *date, int64_t *ms);

/* date ("YYYY-MM-DD") plus days into out; BLIPPA_ERR_INVALID on bad text. */
enum blippa_err store_date_add_days(const char *date, int days, char out[11]);

/* Binds a C string or NULL (empty -> NULL when empty_null). */
int store_bind_text(sqlite3_stmt *s, int idx, const char *v, bool empty_null);

/* Copies a text column into out (bounded), "" for NULL. */
void store_col_text(sqlite3_stmt *s, int col, char *out, size_t outlen);

/* Steps the bound statement s into out[0..max) (elem bytes an element),
 * row() filling one element from the current row; resets s. *n = rows
 * read; a step error is returned unless max rows were read first. */
enum blippa_err store_read_rows(sqlite3_stmt *s, void *out, size_t elem, size_t max,
				void (*row)(sqlite3_stmt *s, void *x), size_t *n);

/* UID bytes -> uppercase hex; BLIPPA_ERR_INVALID if length is not 4/7/10. */
enum blippa_err store_uid_hex(const uint8_t *uid, size_t len, char out[ROSTER_UID_HEX_MAX + 1]);
/* True for an ISO 14443-3 random UID (4 bytes, first 0x08). */
bool store_uid_is_random(const uint8_t *uid, size_t len);

/* Name folding (store_fold.c): case and diacritics removed, '-' and other
 * separators become single spaces, trimmed. Writes at most outlen-1 bytes. */
size_t store_fold(const char *in, char *out, size_t outlen);
/* Swedish collation of one name: like store_fold, but å ä ö (and æ ø,
 * also decomposed) become bytes after 'z' ('{' '|' '}'), ü sorts as y;
 * so strcmp() gives Swedish order: ... z, å, ä, ö; case-insensitive, é as e. */
size_t store_collate(const char *in, char *out, size_t outlen);
/* THE sort key of a participant, used wherever names are ordered (roster
 * rank at replace, the search index, leader rosters): collated given,
 * collated family, then the exact names and the id as tie-breakers, so
 * strcmp() of two keys is the display order and never ties. */
#define STORE_SORT_KEY_MAX (4 * ROSTER_NAME_MAX + ROSTER_ID_MAX + 8)
size_t store_sort_key(const char *given, const char *family, const char *id, char *out,
		      size_t outlen);
/* Display form "Åsa Ö." of given + family initial (UTF-8 safe). */
void store_display_name(const char *given, const char *family, char *out, size_t outlen);
/* Drops the name index (after roster replace and at close; store.c). */
void store_names_clear(struct store_names *nm);
/* This boot's id (/proc/sys/kernel/random/boot_id; the environment's
 * BLIPPA_BOOT_ID instead when set, so tests can stage a reboot), or "-". */
void store_boot_id(char out[40]);
/* store_names.c: makes the displays of hits[0..n) differ (see struct
 * search_hit); called by store_search_names. */
enum blippa_err store_search_disambiguate(struct store *st, struct search_hit *hits, size_t n,
					  int64_t now_ms);

/* Inserts one event row (inside the caller's transaction). session_id "" or
 * NULL = open training; local_date is the facility-local date of at_ms. */
enum blippa_err store_insert_event(struct store *st, const char *id, enum event_type type,
				   int64_t at_ms, enum checkin_method method,
				   const char *participant_id, const char *session_id,
				   const char *voids_id, const char *card_uid,
				   const char *local_date);

/* Bumps roster_gen (inside the caller's transaction). */
enum blippa_err store_bump_roster_gen(struct store *st);

#endif
