/* SPDX-License-Identifier: MIT */
/* Replacing the stored roster with a validated snapshot in one transaction,
 * and reading back its ETag and facility. Session times are turned into UTC
 * instants here, once, with the facility's zone (DST-correct), so check-in
 * rules compare plain integers. */
#include "store_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tz.h"

#define MOD "store"

static const char *const sql_wipe[] = {
	"DELETE FROM members", "DELETE FROM cards",    "DELETE FROM sessions",
	"DELETE FROM participants", "DELETE FROM groups", "DELETE FROM leaders",
	"DELETE FROM facility",
};
static const char sql_fac[] = "INSERT INTO facility(id, name, timezone) VALUES(?, ?, ?)";
static const char sql_group[] = "INSERT INTO groups(id, name, period_start, period_end)"
				" VALUES(?, ?, ?, ?)";
static const char sql_session[] = "INSERT INTO sessions(id, group_id, start_local, end_local,"
				  " start_ms, end_ms, local_date) VALUES(?, ?, ?, ?, ?, ?, ?)";
static const char sql_part[] = "INSERT INTO participants(pno, id, given_name, family_name,"
			       " given_fold, family_fold) VALUES(?, ?, ?, ?, ?, ?)";
static const char sql_member[] = "INSERT INTO members(group_id, participant_id) VALUES(?, ?)";
static const char sql_leader[] = "INSERT INTO leaders(id, name, pin_hash) VALUES(?, ?, ?)";
static const char sql_card[] = "INSERT INTO cards(uid, owner, owner_id) VALUES(?, ?, ?)";
/* Cards linked here but not yet confirmed by the server stay linked. */
static const char sql_relink[] =
	"INSERT OR REPLACE INTO cards(uid, owner, owner_id)"
	" SELECT e.card_uid, 'P', e.participant_id FROM events e"
	" WHERE e.type = 2 AND e.sync = 0"
	" AND EXISTS(SELECT 1 FROM participants p WHERE p.id = e.participant_id)"
	" ORDER BY e.seq";
static const char sql_etag[] = "INSERT INTO meta(key, value) VALUES('roster_etag', ?)"
			       " ON CONFLICT(key) DO UPDATE SET value = excluded.value";

static enum blippa_err step_done(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE ? BLIPPA_OK : store_err_from_sqlite(rc);
}

/* Binds n strings to s and runs it. */
static enum blippa_err insert_strs(struct store *st, const char *sql, const char *const v[],
				   int n)
{
	sqlite3_stmt *s = store_prep(st, sql);

	if (!s)
		return BLIPPA_ERR_IO;
	for (int i = 0; i < n; i++)
		sqlite3_bind_text(s, i + 1, v[i], -1, SQLITE_STATIC);
	return step_done(s);
}

static enum blippa_err insert_sessions(struct store *st, const struct roster *r,
				       const int64_t *start_ms, const int64_t *end_ms)
{
	sqlite3_stmt *s;
	enum blippa_err rc;

	for (size_t i = 0; i < r->n_sessions; i++) {
		const struct roster_session *x = &r->sessions[i];
		if (!(s = store_prep(st, sql_session)))
			return BLIPPA_ERR_IO;
		sqlite3_bind_text(s, 1, x->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, x->group_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, x->start, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, x->end, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 5, start_ms[i]);
		sqlite3_bind_int64(s, 6, end_ms[i]);
		sqlite3_bind_text(s, 7, x->start, 10, SQLITE_STATIC);
		if ((rc = step_done(s)))
			return rc;
	}
	return BLIPPA_OK;
}

static enum blippa_err insert_participants(struct store *st, const struct roster *r)
{
	char gf[ROSTER_NAME_MAX + 1], ff[ROSTER_NAME_MAX + 1];
	sqlite3_stmt *s;
	enum blippa_err rc;

	for (size_t i = 0; i < r->n_participants; i++) {
		const struct roster_participant *p = &r->participants[i];
		if (!(s = store_prep(st, sql_part)))
			return BLIPPA_ERR_IO;
		store_fold(p->given_name, gf, sizeof gf);
		store_fold(p->family_name, ff, sizeof ff);
		sqlite3_bind_int64(s, 1, (int64_t)i + 1);
		sqlite3_bind_text(s, 2, p->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, p->given_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, p->family_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, gf, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, ff, -1, SQLITE_STATIC);
		if ((rc = step_done(s)))
			return rc;
	}
	return BLIPPA_OK;
}

static enum blippa_err insert_rest(struct store *st, const struct roster *r)
{
	enum blippa_err rc;
	sqlite3_stmt *s;

	for (size_t i = 0; i < r->n_groups; i++) {
		const struct roster_group *g = &r->groups[i];
		const char *v[] = { g->id, g->name, g->period_start, g->period_end };
		if ((rc = insert_strs(st, sql_group, v, 4)))
			return rc;
	}
	for (size_t i = 0; i < r->n_members; i++) {
		const char *v[] = { r->members[i].group_id, r->members[i].participant_id };
		if ((rc = insert_strs(st, sql_member, v, 2)))
			return rc;
	}
	for (size_t i = 0; i < r->n_leaders; i++) {
		const struct roster_leader *l = &r->leaders[i];
		if (!(s = store_prep(st, sql_leader)))
			return BLIPPA_ERR_IO;
		sqlite3_bind_text(s, 1, l->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, l->name, -1, SQLITE_STATIC);
		store_bind_text(s, 3, l->pin_hash, true);
		if ((rc = step_done(s)))
			return rc;
	}
	for (size_t i = 0; i < r->n_cards; i++) {
		const struct roster_card *c = &r->cards[i];
		const char *v[] = { c->uid_hex, c->owner == ROSTER_CARD_LEADER ? "L" : "P",
				    c->owner_id };
		if ((rc = insert_strs(st, sql_card, v, 3)))
			return rc;
	}
	return BLIPPA_OK;
}

enum blippa_err store_replace_roster(struct store *st, const struct roster *r, char *err,
				     size_t errlen)
{
	int64_t *start_ms = NULL, *end_ms = NULL;
	enum blippa_err rc;
	char dummy[1];
	sqlite3_stmt *s;

	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = '\0';
	if ((rc = roster_validate(r, err, errlen)))
		return rc;
	start_ms = malloc((r->n_sessions + 1) * sizeof *start_ms);
	end_ms = malloc((r->n_sessions + 1) * sizeof *end_ms);
	if (!start_ms || !end_ms) {
		rc = BLIPPA_ERR_NOMEM;
		snprintf(err, errlen, "roster: out of memory");
		goto out;
	}
	for (size_t i = 0; i < r->n_sessions; i++) {
		const struct roster_session *x = &r->sessions[i];
		if (tz_local_to_utc_ms(r->facility.timezone, x->start, &start_ms[i]) ||
		    tz_local_to_utc_ms(r->facility.timezone, x->end, &end_ms[i]) ||
		    end_ms[i] <= start_ms[i]) {
			rc = BLIPPA_ERR_INVALID;
			snprintf(err, errlen, "sessions: %s: bad start/end in zone %s", x->id,
				 r->facility.timezone);
			goto out;
		}
	}
	if ((rc = store_begin(st))) {
		snprintf(err, errlen, "store: cannot start transaction: %s", blippa_strerror(rc));
		goto out;
	}
	for (size_t i = 0; i < sizeof sql_wipe / sizeof sql_wipe[0]; i++)
		if ((rc = store_exec(st, sql_wipe[i])))
			goto fail;
	{
		const char *v[] = { r->facility.id, r->facility.name, r->facility.timezone };
		if ((rc = insert_strs(st, sql_fac, v, 3)))
			goto fail;
	}
	if ((rc = insert_rest(st, r)) || (rc = insert_participants(st, r)) ||
	    (rc = insert_sessions(st, r, start_ms, end_ms)))
		goto fail;
	if (!(s = store_prep(st, sql_relink))) {
		rc = BLIPPA_ERR_IO;
		goto fail;
	}
	if ((rc = step_done(s)))
		goto fail;
	if (!(s = store_prep(st, sql_etag))) {
		rc = BLIPPA_ERR_IO;
		goto fail;
	}
	sqlite3_bind_text(s, 1, r->etag ? r->etag : "", -1, SQLITE_STATIC);
	if ((rc = step_done(s)) || (rc = store_bump_roster_gen(st)))
		goto fail;
	if ((rc = store_commit(st)))
		goto fail;
	store_names_clear(&st->names);
	st->roster_gen = -1; /* reload zone */
	rc = store_refresh(st);
	log_info(MOD, "roster replaced: %zu groups, %zu sessions, %zu participants", r->n_groups,
		 r->n_sessions, r->n_participants);
	goto out;
fail:
	store_rollback(st);
	snprintf(err, errlen, "store: roster not replaced (old roster kept): %s",
		 blippa_strerror(rc));
out:
	free(start_ms);
	free(end_ms);
	return rc;
}

enum blippa_err store_roster_etag(struct store *st, char *out, size_t outlen)
{
	enum blippa_err rc = store_meta_get(st, "roster_etag", out, outlen);

	return rc == BLIPPA_ERR_NOT_FOUND ? BLIPPA_OK : rc;
}

enum blippa_err store_facility(struct store *st, char *id, size_t idlen, char *name,
			       size_t namelen, char *tz, size_t tzlen)
{
	static const char sql[] = "SELECT id, name, timezone FROM facility LIMIT 1";
	sqlite3_stmt *s = store_prep(st, sql);
	int src;

	if (idlen)
		id[0] = '\0';
	if (namelen)
		name[0] = '\0';
	if (tzlen)
		tz[0] = '\0';
	if (!s)
		return BLIPPA_ERR_IO;
	src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		store_col_text(s, 0, id, idlen);
		store_col_text(s, 1, name, namelen);
		store_col_text(s, 2, tz, tzlen);
	}
	sqlite3_reset(s);
	return src == SQLITE_ROW || src == SQLITE_DONE ? BLIPPA_OK : store_err_from_sqlite(src);
}
