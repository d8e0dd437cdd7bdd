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

#include "dynarr.h"
#include "log.h"
#include "tz.h"

#define MOD "store"

static const char *const sql_wipe[] = {
    "DELETE FROM members",	"DELETE FROM cards",  "DELETE FROM sessions",
    "DELETE FROM participants", "DELETE FROM groups", "DELETE FROM leaders",
    "DELETE FROM facility",
};
static const char sql_fac[] = "INSERT INTO facility(id, name, timezone) VALUES(?, ?, ?)";
static const char sql_group[] = "INSERT INTO groups(id, name, period_start, period_end)"
				" VALUES(?, ?, ?, ?)";
static const char sql_session[] = "INSERT INTO sessions(id, group_id, start_local, end_local,"
				  " start_ms, end_ms, local_date) VALUES(?, ?, ?, ?, ?, ?, ?)";
static const char sql_part[] = "INSERT INTO participants(pno, id, given_name, family_name,"
			       " given_fold, family_fold, language) VALUES(?, ?, ?, ?, ?, ?, ?)";
static const char sql_member[] = "INSERT INTO members(group_id, participant_id, pno)"
				 " VALUES(?, ?, ?)";
static const char sql_leader[] = "INSERT INTO leaders(id, name, pin_hash) VALUES(?, ?, ?)";
static const char sql_card[] = "INSERT INTO cards(uid, owner, owner_id) VALUES(?, ?, ?)";
/* Cards linked here but not yet confirmed by the server stay linked. */
static const char sql_relink[] =
    "INSERT OR REPLACE INTO cards(uid, owner, owner_id)"
    " SELECT e.card_uid, 'P', e.participant_id FROM events e"
    " WHERE e.type = " EVENT_DB_CARD_LINK_SQL " AND e.sync = 0"
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
static enum blippa_err insert_strs(struct store *st, const char *sql, const char *const v[], int n)
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

/* Participants in display order (store_sort_key: Swedish collation of
 * given, then family name, then exact names and id): pno is the rank, so
 * every handle's name index loads them already sorted and the sort cost
 * stays here, on the sync thread. */
struct porder {
	char *keys; /* store_sort_key per participant */
	size_t len, cap;
	size_t *key_off;   /* participant index -> key */
	uint32_t *by_rank; /* rank -> participant index */
	uint32_t *rank_of; /* participant index -> pno (rank + 1) */
	uint32_t *by_id;   /* participant indexes sorted by id */
	const struct roster *r;
};

static int cmp_key(const void *a, const void *b, void *ctx)
{
	const struct porder *o = ctx;

	return strcmp(o->keys + o->key_off[*(const uint32_t *)a],
		      o->keys + o->key_off[*(const uint32_t *)b]);
}

static int cmp_pid(const void *a, const void *b, void *ctx)
{
	const struct porder *o = ctx;

	return strcmp(o->r->participants[*(const uint32_t *)a].id,
		      o->r->participants[*(const uint32_t *)b].id);
}

static void porder_free(struct porder *o)
{
	free(o->keys);
	free(o->key_off);
	free(o->by_rank);
	free(o->rank_of);
	free(o->by_id);
}

static enum blippa_err porder_build(struct porder *o, const struct roster *r)
{
	char key[STORE_SORT_KEY_MAX];
	size_t n = r->n_participants;

	memset(o, 0, sizeof *o);
	o->r = r;
	o->key_off = malloc((n + 1) * sizeof *o->key_off);
	o->by_rank = malloc((n + 1) * sizeof *o->by_rank);
	o->rank_of = malloc((n + 1) * sizeof *o->rank_of);
	o->by_id = malloc((n + 1) * sizeof *o->by_id);
	if (!o->key_off || !o->by_rank || !o->rank_of || !o->by_id)
		return BLIPPA_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct roster_participant *p = &r->participants[i];
		size_t len = store_sort_key(p->given_name, p->family_name, p->id, key, sizeof key);
		enum blippa_err rc;
		DYNARR_RESERVE(rc, o->keys, o->cap, o->len + len + 1, UINT32_MAX);
		if (rc != BLIPPA_OK)
			return rc;
		memcpy(o->keys + o->len, key, len + 1);
		o->key_off[i] = o->len;
		o->len += len + 1;
		o->by_rank[i] = (uint32_t)i;
		o->by_id[i] = (uint32_t)i;
	}
	qsort_r(o->by_rank, n, sizeof *o->by_rank, cmp_key, o);
	qsort_r(o->by_id, n, sizeof *o->by_id, cmp_pid, o);
	for (size_t k = 0; k < n; k++)
		o->rank_of[o->by_rank[k]] = (uint32_t)k + 1;
	return BLIPPA_OK;
}

/* pno of participant id (0 if absent; validate() makes that impossible). */
static int64_t porder_pno(const struct porder *o, const char *id)
{
	size_t lo = 0, hi = o->r->n_participants;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(id, o->r->participants[o->by_id[mid]].id);
		if (c == 0)
			return o->rank_of[o->by_id[mid]];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

static enum blippa_err insert_participants(struct store *st, const struct roster *r,
					   const struct porder *o)
{
	char gf[ROSTER_NAME_MAX + 1], ff[ROSTER_NAME_MAX + 1];
	sqlite3_stmt *s;
	enum blippa_err rc;

	for (size_t k = 0; k < r->n_participants; k++) {
		const struct roster_participant *p = &r->participants[o->by_rank[k]];
		if (!(s = store_prep(st, sql_part)))
			return BLIPPA_ERR_IO;
		store_fold(p->given_name, gf, sizeof gf);
		store_fold(p->family_name, ff, sizeof ff);
		sqlite3_bind_int64(s, 1, (int64_t)k + 1);
		sqlite3_bind_text(s, 2, p->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, p->given_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, p->family_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, gf, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, ff, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 7, p->language ? p->language : "", -1, SQLITE_STATIC);
		if ((rc = step_done(s)))
			return rc;
	}
	for (size_t i = 0; i < r->n_members; i++) {
		const struct roster_member *m = &r->members[i];
		if (!(s = store_prep(st, sql_member)))
			return BLIPPA_ERR_IO;
		sqlite3_bind_text(s, 1, m->group_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, m->participant_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, porder_pno(o, m->participant_id));
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
		const char *v[] = {g->id, g->name, g->period_start, g->period_end};
		if ((rc = insert_strs(st, sql_group, v, 4)))
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
		const char *v[] = {c->uid_hex, c->owner == ROSTER_CARD_LEADER ? "L" : "P",
				   c->owner_id};
		if ((rc = insert_strs(st, sql_card, v, 3)))
			return rc;
	}
	return BLIPPA_OK;
}

enum blippa_err store_replace_roster(struct store *st, const struct roster *r, char *err,
				     size_t errlen)
{
	int64_t *start_ms = NULL, *end_ms = NULL;
	struct porder order = {0};
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
		    tz_local_to_utc_ms(r->facility.timezone, x->end, &end_ms[i])) {
			rc = BLIPPA_ERR_INVALID;
			snprintf(err, errlen, "sessions: %s: bad start/end in zone %s", x->id,
				 r->facility.timezone);
			goto out;
		}
		/* A local start skipped by a DST change (taken as after it) can
		 * make a session that roster_validate() accepts empty or reversed
		 * in UTC ("02:30-03:30" on the March change day). Keep it with
		 * zero length (its check-in window before the start still opens)
		 * instead of refusing the whole roster, which would leave the
		 * kiosk on its old roster for good. Found by fuzz_roster_json. */
		if (end_ms[i] < start_ms[i])
			end_ms[i] = start_ms[i];
	}
	if ((rc = porder_build(&order, r))) {
		snprintf(err, errlen, "roster: %s", blippa_strerror(rc));
		goto out;
	}
	if ((rc = store_begin(st))) {
		snprintf(err, errlen, "store: cannot start transaction: %s", blippa_strerror(rc));
		goto out;
	}
	for (size_t i = 0; i < sizeof sql_wipe / sizeof sql_wipe[0]; i++)
		if ((rc = store_exec(st, sql_wipe[i])))
			goto fail;
	{
		const char *v[] = {r->facility.id, r->facility.name, r->facility.timezone};
		if ((rc = insert_strs(st, sql_fac, v, 3)))
			goto fail;
	}
	if ((rc = insert_rest(st, r)) || (rc = insert_participants(st, r, &order)) ||
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
	porder_free(&order);
	free(start_ms);
	free(end_ms);
	return rc;
}

enum blippa_err store_roster_etag(struct store *st, char *out, size_t outlen)
{
	enum blippa_err rc = store_meta_get(st, "roster_etag", out, outlen);

	return rc == BLIPPA_ERR_NOT_FOUND ? BLIPPA_OK : rc;
}

enum blippa_err store_facility(struct store *st, char *id, size_t idlen, char *name, size_t namelen,
			       char *tz, size_t tzlen)
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

bool store_roster_empty(struct store *st)
{
	static const char sql[] = "SELECT EXISTS(SELECT 1 FROM participants)";
	sqlite3_stmt *s = store_prep(st, sql);
	bool empty = false;

	if (s && sqlite3_step(s) == SQLITE_ROW)
		empty = sqlite3_column_int(s, 0) == 0;
	if (s)
		sqlite3_reset(s);
	return empty;
}
