/* SPDX-License-Identifier: MIT */
/* The local store's file: opening it safely (0600, header and schema checks
 * before anything is written), pragmas, numbered migrations keyed on
 * PRAGMA user_version, the statement cache, the meta table and the small
 * helpers the other store_*.c files share (local dates: store_dates.c). */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fsutil.h"
#include "log.h"
#include "tz.h"
#include "uid.h"

#define MOD "store"

/* Migration N takes the schema from user_version N-1 to N. Never edit a
 * released entry: append a new one and bump STORE_SCHEMA_VERSION. */
static const char *const store_migrations[STORE_SCHEMA_VERSION] = {
    /* 1: roster, events, PIN state, sync status, meta */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE facility(id TEXT NOT NULL, name TEXT NOT NULL, timezone TEXT NOT NULL);"
    "CREATE TABLE groups(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " period_start TEXT NOT NULL, period_end TEXT NOT NULL);"
    "CREATE TABLE sessions(id TEXT PRIMARY KEY,"
    " group_id TEXT NOT NULL REFERENCES groups(id) DEFERRABLE INITIALLY DEFERRED,"
    " start_local TEXT NOT NULL, end_local TEXT NOT NULL,"
    " start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, local_date TEXT NOT NULL);"
    "CREATE INDEX sessions_date ON sessions(local_date, start_ms);"
    "CREATE INDEX sessions_group ON sessions(group_id, start_ms);"
    "CREATE TABLE participants(pno INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
    " given_name TEXT NOT NULL, family_name TEXT NOT NULL,"
    " given_fold TEXT NOT NULL, family_fold TEXT NOT NULL);"
    "CREATE TABLE members("
    " group_id TEXT NOT NULL REFERENCES groups(id) DEFERRABLE INITIALLY DEFERRED,"
    " participant_id TEXT NOT NULL REFERENCES participants(id) DEFERRABLE INITIALLY DEFERRED,"
    " PRIMARY KEY(group_id, participant_id)) WITHOUT ROWID;"
    "CREATE INDEX members_participant ON members(participant_id);"
    "CREATE TABLE leaders(id TEXT PRIMARY KEY, name TEXT NOT NULL, pin_hash TEXT);"
    "CREATE TABLE cards(uid TEXT PRIMARY KEY, owner TEXT NOT NULL CHECK(owner IN ('P','L')),"
    " owner_id TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE events(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,"
    " type INTEGER NOT NULL, at_ms INTEGER NOT NULL, local_date TEXT NOT NULL,"
    " method INTEGER NOT NULL, participant_id TEXT, session_id TEXT, voids_id TEXT,"
    " card_uid TEXT, kiosk_id TEXT NOT NULL, sync INTEGER NOT NULL DEFAULT 0,"
    " reason TEXT, synced_ms INTEGER);"
    "CREATE INDEX events_participant ON events(participant_id, session_id, local_date);"
    "CREATE INDEX events_session ON events(session_id);"
    "CREATE INDEX events_voids ON events(voids_id);"
    "CREATE INDEX events_sync ON events(sync, seq);"
    "CREATE TABLE pin_state(id INTEGER PRIMARY KEY CHECK(id = 1),"
    " failures INTEGER NOT NULL, locked_until_ms INTEGER NOT NULL);"
    "INSERT INTO pin_state VALUES(1, 0, 0);"
    "CREATE TABLE sync_status(id INTEGER PRIMARY KEY CHECK(id = 1),"
    " last_success_ms INTEGER NOT NULL, last_attempt_ms INTEGER NOT NULL,"
    " last_error TEXT NOT NULL, skew_ms INTEGER NOT NULL, reachable INTEGER NOT NULL,"
    " unauthorised INTEGER NOT NULL);"
    "INSERT INTO sync_status VALUES(1, 0, 0, '', 0, 0, 0);"
    "INSERT INTO meta VALUES('roster_gen', '0');",
    /* 2: members carry the participant number: today's set for name
     * search without a join per member */
    "ALTER TABLE members ADD COLUMN pno INTEGER;"
    "UPDATE members SET pno = (SELECT p.pno FROM participants p"
    " WHERE p.id = members.participant_id);",
    /* 3: the kiosk's own clock beside an event whose time was corrected to
     * the server's (store_clock.c); NULL when it was not. An event recorded
     * while the clock was unsure (no server time since boot, implausible
     * wall clock) keeps the boot and monotonic instant, to be corrected
     * once the server's time is known, and asks the server to resolve its
     * session again (clock_unsure 1). */
    "ALTER TABLE events ADD COLUMN device_ms INTEGER;"
    "ALTER TABLE events ADD COLUMN clock_unsure INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE events ADD COLUMN boot_id TEXT;"
    "ALTER TABLE events ADD COLUMN mono_ms INTEGER;",
    /* 4: each participant's language (ISO 639-1, '' if the roster has
     * none): the result screen greets them in it */
    "ALTER TABLE participants ADD COLUMN language TEXT NOT NULL DEFAULT '';",
};

void store_rules_default(struct store_rules *rules)
{
	rules->window_before_min = 60;
	rules->window_later_today = true;
	rules->window_after_min = 30;
	rules->clock_correction = false;
	rules->open_training = true;
	rules->undo_seconds = 10;
	rules->pin_max_failures = 5;
	rules->pin_lockout_s = 300;
}

void store_rules_from_config(struct store_rules *rules, const struct blippa_config *cfg)
{
	store_rules_default(rules);
	rules->window_before_min = cfg->window_before_min;
	rules->window_later_today = cfg->window_later_today;
	rules->window_after_min = cfg->window_after_min;
	rules->open_training = cfg->open_training;
	rules->undo_seconds = cfg->undo_seconds;
}

enum blippa_err store_err_from_sqlite(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return BLIPPA_OK;
	case SQLITE_NOMEM:
		return BLIPPA_ERR_NOMEM;
	case SQLITE_FULL:
		return BLIPPA_ERR_FULL;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return BLIPPA_ERR_BUSY;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return BLIPPA_ERR_CORRUPT;
	case SQLITE_CONSTRAINT:
		return BLIPPA_ERR_EXISTS;
	case SQLITE_PERM:
	case SQLITE_READONLY:
	case SQLITE_AUTH:
		return BLIPPA_ERR_PERM;
	case SQLITE_TOOBIG:
		return BLIPPA_ERR_TOO_BIG;
	default:
		return BLIPPA_ERR_IO;
	}
}

sqlite3_stmt *store_prep(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int rc;

	for (size_t i = 0; i < st->n_stmts; i++) {
		if (st->stmts[i].sql == sql) {
			s = st->stmts[i].stmt;
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return s;
		}
	}
	rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
	if (rc != SQLITE_OK) {
		log_error(MOD, "prepare failed: %s", sqlite3_errmsg(st->db));
		return NULL;
	}
	if (st->n_stmts < STORE_STMT_MAX) {
		st->stmts[st->n_stmts].sql = sql;
		st->stmts[st->n_stmts].stmt = s;
		st->n_stmts++;
		return s;
	}
	/* Cache full: a programming error (raise STORE_STMT_MAX). */
	log_error(MOD, "statement cache full");
	sqlite3_finalize(s);
	return NULL;
}

enum blippa_err store_exec(struct store *st, const char *sql)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return store_err_from_sqlite(rc);
}

enum blippa_err store_begin(struct store *st)
{
	return store_exec(st, "BEGIN IMMEDIATE");
}

enum blippa_err store_commit(struct store *st)
{
	enum blippa_err rc = store_exec(st, "COMMIT");

	if (rc != BLIPPA_OK)
		store_rollback(st);
	return rc;
}

void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_bind_text(sqlite3_stmt *s, int idx, const char *v, bool empty_null)
{
	if (!v || (empty_null && !v[0]))
		return sqlite3_bind_null(s, idx);
	return sqlite3_bind_text(s, idx, v, -1, SQLITE_TRANSIENT);
}

void store_col_text(sqlite3_stmt *s, int col, char *out, size_t outlen)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	if (outlen)
		snprintf(out, outlen, "%s", t ? (const char *)t : "");
}

enum blippa_err store_read_rows(sqlite3_stmt *s, void *out, size_t elem, size_t max,
				void (*row)(sqlite3_stmt *s, void *x), size_t *n)
{
	enum blippa_err rc = BLIPPA_OK;
	size_t k = 0;
	int src = SQLITE_DONE;

	while (k < max && (src = sqlite3_step(s)) == SQLITE_ROW)
		row(s, (char *)out + elem * k++);
	if (k < max && src != SQLITE_DONE)
		rc = store_err_from_sqlite(src);
	sqlite3_reset(s);
	*n = k;
	return rc;
}

enum blippa_err store_uid_hex(const uint8_t *uid, size_t len, char out[ROSTER_UID_HEX_MAX + 1])
{
	return uid_to_hex(uid, len, out) ? BLIPPA_OK : BLIPPA_ERR_INVALID;
}

bool store_uid_is_random(const uint8_t *uid, size_t len)
{
	return uid_is_random(uid, len);
}

static int64_t store_meta_int(struct store *st, const char *key, int64_t dflt)
{
	char buf[32];

	if (store_meta_get(st, key, buf, sizeof buf) != BLIPPA_OK)
		return dflt;
	return strtoll(buf, NULL, 10);
}

enum blippa_err store_begin_day(struct store *st, int64_t now_ms, char today[11])
{
	enum blippa_err rc;
	if ((rc = store_refresh(st)) || (rc = store_local_date(st, now_ms, today)))
		return rc;
	return store_begin(st);
}

enum blippa_err store_participant_given(struct store *st, const char *participant_id, char *given,
					size_t given_len, char *lang, size_t lang_len)
{
	static const char sql[] = "SELECT given_name, language FROM participants WHERE id = ?";
	sqlite3_stmt *s = store_prep(st, sql);
	int src;
	if (!s)
		return BLIPPA_ERR_IO;
	sqlite3_bind_text(s, 1, participant_id, -1, SQLITE_STATIC);
	src = sqlite3_step(s);
	if (src == SQLITE_ROW && given)
		store_col_text(s, 0, given, given_len);
	if (src == SQLITE_ROW && lang)
		store_col_text(s, 1, lang, lang_len);
	sqlite3_reset(s);
	if (src == SQLITE_ROW)
		return BLIPPA_OK;
	return src == SQLITE_DONE ? BLIPPA_ERR_NOT_FOUND : store_err_from_sqlite(src);
}

enum blippa_err store_refresh(struct store *st)
{
	static const char sql_fac[] = "SELECT timezone FROM facility LIMIT 1";
	int64_t gen = store_meta_int(st, "roster_gen", 0);
	sqlite3_stmt *s;

	if (gen == st->roster_gen)
		return BLIPPA_OK;
	s = store_prep(st, sql_fac);
	if (!s)
		return BLIPPA_ERR_IO;
	st->tz[0] = '\0';
	if (sqlite3_step(s) == SQLITE_ROW)
		store_col_text(s, 0, st->tz, sizeof st->tz);
	sqlite3_reset(s);
	if (st->tz[0] && !tz_is_valid(st->tz)) {
		log_warn(MOD, "stored time zone unknown to this system; using %s",
			 STORE_DEFAULT_TZ);
		st->tz[0] = '\0';
	}
	st->roster_gen = gen;
	return BLIPPA_OK;
}

enum blippa_err store_bump_roster_gen(struct store *st)
{
	static const char sql[] = "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
				  " WHERE key = 'roster_gen'";
	sqlite3_stmt *s = store_prep(st, sql);

	if (!s)
		return BLIPPA_ERR_IO;
	return store_err_from_sqlite(sqlite3_step(s));
}

/* Reads one integer pragma; BLIPPA_ERR_CORRUPT when SQLite says the file
 * is not a database. */
static enum blippa_err pragma_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *s = NULL;
	enum blippa_err rc;
	int src = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

	if (src == SQLITE_OK)
		src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		rc = BLIPPA_OK;
	} else {
		rc = store_err_from_sqlite(src == SQLITE_DONE ? SQLITE_CORRUPT : src);
	}
	sqlite3_finalize(s);
	return rc;
}

/* Creates path 0600 if missing; checks an existing one is a regular file
 * (not a symlink) and tightens a loose mode. Path-based only: it never
 * opens and closes an existing database file, because close() drops every
 * POSIX lock this process holds on that file - including the shared lock
 * of a connection already open in this process (the kiosk's UI store when
 * the sync engine opens its own). Without that lock another process's
 * sqlite3 (blippa-sync status, the sqlite3 CLI) believes it is the last
 * user, checkpoints and deletes the WAL under us, and every later commit
 * goes to a deleted file. Whether the content is SQLite is checked by
 * SQLite itself (store_check_existing, SQLITE_NOTADB), before any write. */
static enum blippa_err store_prepare_file(const char *path, char *err, size_t errlen)
{
	struct stat sb;

	if (lstat(path, &sb) != 0) {
		int fd;
		if (errno != ENOENT) {
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
			return errno == EACCES ? BLIPPA_ERR_PERM : BLIPPA_ERR_IO;
		}
		/* new: nothing can hold a lock on it yet */
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 && errno != EEXIST) {
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
			return errno == EACCES ? BLIPPA_ERR_PERM : BLIPPA_ERR_IO;
		}
		if (fd >= 0) {
			close(fd);
			return BLIPPA_OK;
		}
		if (lstat(path, &sb) != 0) { /* made by someone else meanwhile */
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
			return BLIPPA_ERR_IO;
		}
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return BLIPPA_ERR_CORRUPT;
	}
	if ((sb.st_mode & 077) && chmod(path, 0600) != 0) {
		snprintf(err, errlen, "%s: readable by others and cannot be made 0600", path);
		return BLIPPA_ERR_PERM;
	}
	return BLIPPA_OK;
}

/* Checks what the file holds before anything writes to it. */
static enum blippa_err store_check_existing(struct store *st, int64_t *version, char *err,
					    size_t errlen)
{
	int64_t appid = 0, nobj = 0;
	enum blippa_err rc;
	sqlite3_stmt *s = NULL;

	if ((rc = pragma_int(st->db, "PRAGMA user_version", version)) ||
	    (rc = pragma_int(st->db, "PRAGMA application_id", &appid)) ||
	    (rc = pragma_int(st->db, "SELECT count(*) FROM sqlite_master", &nobj))) {
		if (sqlite3_errcode(st->db) == SQLITE_NOTADB)
			snprintf(err, errlen,
				 "%s: not a Blippa database (not an SQLite file); left untouched",
				 st->path);
		else if (rc == BLIPPA_ERR_CORRUPT)
			snprintf(err, errlen, "%s: database file is corrupt; left untouched",
				 st->path);
		else
			snprintf(err, errlen, "%s: cannot read: %s", st->path, blippa_strerror(rc));
		return rc;
	}
	if (*version > STORE_SCHEMA_VERSION) {
		snprintf(
		    err, errlen,
		    "%s: made by a newer Blippa (schema %lld, this one knows %d); left untouched",
		    st->path, (long long)*version, STORE_SCHEMA_VERSION);
		return BLIPPA_ERR_SCHEMA;
	}
	if ((*version == 0 && nobj > 0) || (*version > 0 && appid != STORE_APP_ID)) {
		snprintf(err, errlen,
			 "%s: an SQLite file but not a Blippa database; left untouched", st->path);
		return BLIPPA_ERR_CORRUPT;
	}
	if (*version == 0)
		return BLIPPA_OK;
	if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);
		if (!t || strcmp((const char *)t, "ok") != 0)
			rc = BLIPPA_ERR_CORRUPT;
	} else {
		rc = store_err_from_sqlite(sqlite3_errcode(st->db));
		if (rc == BLIPPA_OK)
			rc = BLIPPA_ERR_CORRUPT;
	}
	sqlite3_finalize(s);
	if (rc)
		snprintf(err, errlen, "%s: database %s; left untouched", st->path,
			 rc == BLIPPA_ERR_CORRUPT ? "fails its integrity check" : "cannot be read");
	return rc;
}

static enum blippa_err store_migrate(struct store *st, char *err, size_t errlen)
{
	enum blippa_err rc;
	int64_t v = 0;
	char sql[64];

	if ((rc = store_begin(st)))
		goto out;
	/* Another handle may have migrated meanwhile: re-read under the lock. */
	if ((rc = pragma_int(st->db, "PRAGMA user_version", &v)))
		goto out;
	if (v > STORE_SCHEMA_VERSION) {
		rc = BLIPPA_ERR_SCHEMA;
		goto out;
	}
	for (int64_t i = v; i < STORE_SCHEMA_VERSION; i++) {
		if ((rc = store_exec(st, store_migrations[i])))
			goto out;
		snprintf(sql, sizeof sql, "PRAGMA user_version = %lld", (long long)(i + 1));
		if ((rc = store_exec(st, sql)))
			goto out;
		log_info(MOD, "migrated schema to version %lld", (long long)(i + 1));
	}
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d", STORE_APP_ID);
	if ((rc = store_exec(st, sql)))
		goto out;
	rc = store_commit(st);
out:
	if (rc) {
		store_rollback(st);
		snprintf(err, errlen, "%s: schema migration failed: %s", st->path,
			 blippa_strerror(rc));
	}
	return rc;
}

enum blippa_err store_open_path(const char *db_path, const struct store_rules *rules,
				struct store **out, char *err, size_t errlen)
{
	struct store *st = NULL;
	enum blippa_err rc;
	int64_t version = 0;
	char mode[16] = "";
	sqlite3_stmt *s = NULL;
	char dummy[1];

	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = '\0';
	*out = NULL;
	if (!db_path || strlen(db_path) >= sizeof st->path) {
		snprintf(err, errlen, "database path too long");
		return BLIPPA_ERR_INVALID;
	}
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return BLIPPA_ERR_NOMEM;
	}
	st = calloc(1, sizeof *st);
	if (!st)
		return BLIPPA_ERR_NOMEM;
	snprintf(st->path, sizeof st->path, "%s", db_path);
	if (rules)
		st->rules = *rules;
	else
		store_rules_default(&st->rules);
	/* Nonsense values from a config fall back to something safe. */
	if (st->rules.window_before_min < 0 || st->rules.window_before_min > 24 * 60)
		st->rules.window_before_min = 60;
	if (st->rules.window_after_min < 0 || st->rules.window_after_min > 24 * 60)
		st->rules.window_after_min = 30;
	if (st->rules.undo_seconds < 0 || st->rules.undo_seconds > 3600)
		st->rules.undo_seconds = 10;
	if (st->rules.pin_max_failures < 1)
		st->rules.pin_max_failures = 5;
	if (st->rules.pin_lockout_s < 0 || st->rules.pin_lockout_s > 86400)
		st->rules.pin_lockout_s = 300;
	st->roster_gen = -1;
	st->names.gen = -1;
	if ((rc = store_prepare_file(db_path, err, errlen)))
		goto out;
	if (sqlite3_open_v2(db_path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = store_err_from_sqlite(st->db ? sqlite3_errcode(st->db) : SQLITE_NOMEM);
		snprintf(err, errlen, "%s: cannot open: %s", db_path,
			 st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto out;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS_DEFAULT);
	if ((rc = store_check_existing(st, &version, err, errlen)))
		goto out;
	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		store_col_text(s, 0, mode, sizeof mode);
	sqlite3_finalize(s);
	if (strcmp(mode, "wal") != 0) {
		rc = sqlite3_errcode(st->db) == SQLITE_BUSY ? BLIPPA_ERR_BUSY : BLIPPA_ERR_IO;
		snprintf(err, errlen, "%s: cannot switch to WAL mode (%s)", db_path,
			 rc == BLIPPA_ERR_BUSY ? "database locked" : "I/O error");
		goto out;
	}
	if ((rc = store_exec(st, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON"))) {
		snprintf(err, errlen, "%s: cannot set pragmas: %s", db_path, blippa_strerror(rc));
		goto out;
	}
	if (version < STORE_SCHEMA_VERSION && (rc = store_migrate(st, err, errlen)))
		goto out;
	if (!fs_is_private(db_path)) {
		snprintf(err, errlen, "%s: database file is not 0600", db_path);
		rc = BLIPPA_ERR_PERM;
		goto out;
	}
	if (store_meta_get(st, "kiosk_id", st->kiosk_id, sizeof st->kiosk_id) != BLIPPA_OK)
		snprintf(st->kiosk_id, sizeof st->kiosk_id, "local");
	if ((rc = store_refresh(st))) {
		snprintf(err, errlen, "%s: cannot read roster: %s", db_path, blippa_strerror(rc));
		goto out;
	}
	*out = st;
	st = NULL;
out:
	store_close(st);
	return rc;
}

enum blippa_err store_open(const char *data_dir, const struct store_rules *rules,
			   struct store **out, char *err, size_t errlen)
{
	char path[4096];
	enum blippa_err rc;

	*out = NULL;
	if (!data_dir || !data_dir[0]) {
		if (err && errlen)
			snprintf(err, errlen, "data_dir is empty");
		return BLIPPA_ERR_INVALID;
	}
	if ((rc = fs_join(path, sizeof path, data_dir, "blippa.db"))) {
		if (err && errlen)
			snprintf(err, errlen, "%s: path too long", data_dir);
		return rc;
	}
	if ((rc = fs_mkdirs(data_dir))) {
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot create directory: %s", data_dir,
				 blippa_strerror(rc));
		return rc;
	}
	return store_open_path(path, rules, out, err, errlen);
}

enum blippa_err store_open_existing(const char *data_dir, const struct store_rules *rules,
				    struct store **out, char *err, size_t errlen)
{
	char path[4096];
	struct stat sb;

	*out = NULL;
	if (!data_dir || !data_dir[0]) {
		if (err && errlen)
			snprintf(err, errlen, "data_dir is empty");
		return BLIPPA_ERR_INVALID;
	}
	if (fs_join(path, sizeof path, data_dir, "blippa.db") != BLIPPA_OK) {
		if (err && errlen)
			snprintf(err, errlen, "%s: path too long", data_dir);
		return BLIPPA_ERR_TOO_BIG;
	}
	if (stat(path, &sb) != 0) {
		bool missing = errno == ENOENT || errno == ENOTDIR;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path,
				 missing ? "no database here (wrong data_dir, or the kiosk "
					   "has not run yet)"
					 : strerror(errno));
		return missing		 ? BLIPPA_ERR_NOT_FOUND
		       : errno == EACCES ? BLIPPA_ERR_PERM
					 : BLIPPA_ERR_IO;
	}
	return store_open_path(path, rules, out, err, errlen);
}

/* The name index belongs to the handle: freed here, with it, so that this
 * file does not call into the search (store_search.c builds and uses the
 * index; it depends on this file, not the other way round). */
void store_names_clear(struct store_names *nm)
{
	free(nm->text_off);
	free(nm->disp_off);
	free(nm->pid_off);
	free(nm->bloom);
	free(nm->post_start);
	free(nm->post);
	free(nm->today_mark);
	free(nm->pno_pos);
	free(nm->text);
	free(nm->today_idx);
	memset(nm, 0, sizeof *nm);
	nm->gen = -1;
	nm->today_gen = -1;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_stmts; i++)
		sqlite3_finalize(st->stmts[i].stmt);
	store_names_clear(&st->names);
	sqlite3_close(st->db);
	free(st);
}

enum blippa_err store_debug_set_max_pages(struct store *st, unsigned max_pages)
{
	char sql[64];

	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %u",
		 max_pages ? max_pages : 0xfffffffeu);
	return store_exec(st, sql);
}

enum blippa_err store_debug_set_busy_timeout(struct store *st, int ms)
{
	return store_err_from_sqlite(sqlite3_busy_timeout(st->db, ms));
}

enum blippa_err store_meta_get(struct store *st, const char *key, char *out, size_t outlen)
{
	static const char sql[] = "SELECT value FROM meta WHERE key = ?";
	sqlite3_stmt *s;
	enum blippa_err rc;
	int src;

	if (outlen)
		out[0] = '\0';
	if (!key)
		return BLIPPA_ERR_INVALID;
	if (!(s = store_prep(st, sql)))
		return BLIPPA_ERR_IO;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		store_col_text(s, 0, out, outlen);
		rc = BLIPPA_OK;
	} else {
		rc = src == SQLITE_DONE ? BLIPPA_ERR_NOT_FOUND : store_err_from_sqlite(src);
	}
	sqlite3_reset(s);
	return rc;
}

enum blippa_err store_meta_set(struct store *st, const char *key, const char *value)
{
	static const char sql[] = "INSERT INTO meta(key, value) VALUES(?, ?)"
				  " ON CONFLICT(key) DO UPDATE SET value = excluded.value";
	sqlite3_stmt *s;
	enum blippa_err rc;

	if (!key || !value || !key[0] || strlen(key) > 64 || strlen(value) > 4096 ||
	    strcmp(key, "roster_gen") == 0)
		return BLIPPA_ERR_INVALID;
	if (!(s = store_prep(st, sql)))
		return BLIPPA_ERR_IO;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	rc = store_err_from_sqlite(sqlite3_step(s));
	sqlite3_reset(s);
	if (rc == BLIPPA_OK && strcmp(key, "kiosk_id") == 0)
		snprintf(st->kiosk_id, sizeof st->kiosk_id, "%s", value);
	return rc;
}

bool store_clock_plausible(int64_t now_ms)
{
	return now_ms >= STORE_MIN_PLAUSIBLE_MS;
}
