/* SPDX-License-Identifier: MIT */
/* The import's check of the model's snapshot limits (model_limits.h): for
 * each facility, the rows of every table of its roster snapshot (what GET
 * /v1/roster serves: its groups, their sessions and members, the members'
 * participants, its leaders, their cards) and the snapshot's JSON bytes,
 * counted in file order so the error names the row that crosses a limit.
 * A kiosk's decoder refuses anything over these limits, so a roster over
 * them is refused here, once, with file:line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "import.h"
#include "model_limits.h"

enum { FILE_GROUPS = 1, FILE_SESSIONS, FILE_PARTICIPANTS, FILE_MEMBERS, FILE_LEADERS };
enum { T_GROUPS, T_SESSIONS, T_PARTICIPANTS, T_MEMBERS, T_LEADERS, T_CARDS, T_COUNT };

static const char *const table_name[T_COUNT] = {"groups",  "sessions", "participants",
						"members", "leaders",  "cards"};
static const char *const file_name[] = {"facilities.csv",   "groups.csv",  "sessions.csv",
					"participants.csv", "members.csv", "leaders.csv"};

/* Compact JSON per row, without the string values (protocol_encode_roster's
 * keys and punctuation; each value adds json_len()). */
#define ROW(lit) (sizeof(lit) - 1)
static const size_t row_bytes[T_COUNT] = {
    ROW("{\"id\":,\"name\":,\"period_start\":,\"period_end\":},"),
    ROW("{\"id\":,\"group_id\":,\"start\":,\"end\":},"),
    ROW("{\"id\":,\"given_name\":,\"family_name\":},"),
    ROW("{\"group_id\":,\"participant_id\":},"),
    ROW("{\"id\":,\"name\":,\"pin_hash\":},"),
    ROW("{\"uid\":,\"owner\":\"participant\",\"owner_id\":},"),
};
/* Everything outside the rows, with the longest kiosk id. */
#define BASE_BYTES                                                                                 \
	(ROW("{\"protocol\":1,\"kiosk_id\":\"\",\"facility\":{\"id\":,\"name\":,\"timezone\":},"   \
	     "\"groups\":[],\"sessions\":[],\"participants\":[],\"members\":[],\"leaders\":[],"    \
	     "\"cards\":[]}") +                                                                    \
	 MODEL_ID_MAX)

/* Bytes of s as a JSON string: quotes, and '"' and '\\' escaped (control
 * characters never pass the import's checks; UTF-8 is written as is). */
static size_t json_len(const char *s)
{
	size_t n = 2;
	for (; *s; s++)
		n += (*s == '"' || *s == '\\') ? 2 : 1;
	return n;
}

struct fac_count {
	size_t rows[T_COUNT];
	size_t bytes;
};

struct key_ix {
	const char *key;
	size_t ix; /* facility index, or member row */
};

static int key_cmp(const void *a, const void *b)
{
	const struct key_ix *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->ix > y->ix) - (x->ix < y->ix);
}

/* facility index of the key (an id) in a sorted table, SIZE_MAX if none */
static size_t lookup(const struct key_ix *t, size_t n, const char *key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t[mid].key, key);
		if (c == 0)
			return t[mid].ix;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

struct limits_ctx {
	const struct import_set *set;
	const struct srv_import *imp;
	struct fac_count *fc;
	char *err;
	size_t errlen;
};

/* Adds a row of table t (bytes of JSON) to facility f; on crossing a limit
 * writes "PATH:LINE: ..." for the row keyed key in file and fails. */
static enum blippa_err add(struct limits_ctx *c, size_t f, int t, size_t bytes, int file,
			   const char *key)
{
	struct fac_count *fc = &c->fc[f];
	char path[4096 + 32];
	const char *fac = c->imp->facilities[f].id;
	size_t line = import_line_of(c->set, file, key);

	fc->rows[t]++;
	fc->bytes += row_bytes[t] + bytes;
	if (fc->rows[t] <= MODEL_SNAPSHOT_ROWS_MAX && fc->bytes <= MODEL_SNAPSHOT_BYTES_MAX)
		return BLIPPA_OK;
	fs_join(path, sizeof(path), import_dir(c->set), file_name[file]);
	if (fc->rows[t] > MODEL_SNAPSHOT_ROWS_MAX)
		snprintf(c->err, c->errlen,
			 "%s:%zu: facility %s would have more than %d %s in its roster (the "
			 "limit a kiosk takes)",
			 path, line, fac, MODEL_SNAPSHOT_ROWS_MAX, table_name[t]);
	else
		snprintf(c->err, c->errlen,
			 "%s:%zu: facility %s's roster would be over %u bytes (the limit a "
			 "kiosk takes)",
			 path, line, fac, MODEL_SNAPSHOT_BYTES_MAX);
	return BLIPPA_ERR_TOO_BIG;
}

/* Counts groups, sessions, leaders (with a PIN of the longest kind) and
 * their cards. groups_ix: group id -> facility, sorted. */
static enum blippa_err count_direct(struct limits_ctx *c, const struct key_ix *fac_ix,
				    const struct key_ix *grp_ix)
{
	const struct srv_import *imp = c->imp;
	enum blippa_err rc = BLIPPA_OK;
	size_t f;

	for (size_t i = 0; rc == BLIPPA_OK && i < imp->n_groups; i++) {
		const struct srv_group *g = &imp->groups[i];
		if ((f = lookup(fac_ix, imp->n_facilities, g->facility_id)) == SIZE_MAX)
			continue;
		rc = add(c, f, T_GROUPS,
			 json_len(g->id) + json_len(g->name) + json_len(g->period_start) +
			     json_len(g->period_end),
			 FILE_GROUPS, g->id);
	}
	for (size_t i = 0; rc == BLIPPA_OK && i < imp->n_sessions; i++) {
		const struct srv_session *s = &imp->sessions[i];
		if ((f = lookup(grp_ix, imp->n_groups, s->group_id)) == SIZE_MAX)
			continue;
		rc = add(c, f, T_SESSIONS,
			 json_len(s->id) + json_len(s->group_id) + json_len(s->start) +
			     json_len(s->end),
			 FILE_SESSIONS, s->id);
	}
	for (size_t i = 0; rc == BLIPPA_OK && i < imp->n_leaders; i++) {
		const struct srv_leader *l = &imp->leaders[i];
		if ((f = lookup(fac_ix, imp->n_facilities, l->facility_id)) == SIZE_MAX)
			continue;
		rc = add(c, f, T_LEADERS,
			 json_len(l->id) + json_len(l->name) + MODEL_PIN_HASH_MAX + 2, FILE_LEADERS,
			 l->id);
		if (rc == BLIPPA_OK && l->card_uid[0])
			rc = add(c, f, T_CARDS, json_len(l->card_uid) + json_len(l->id),
				 FILE_LEADERS, l->id);
	}
	return rc;
}

struct mrow {
	const char *pid;
	size_t fac, row;
};

static int mrow_cmp(const void *a, const void *b)
{
	const struct mrow *x = a, *y = b;
	int c = strcmp(x->pid, y->pid);
	if (c)
		return c;
	if (x->fac != y->fac)
		return x->fac < y->fac ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

/* Counts members, and each participant (and card) once per facility, at
 * the member row that first brings it in. */
static enum blippa_err count_members(struct limits_ctx *c, const struct key_ix *grp_ix)
{
	const struct srv_import *imp = c->imp;
	size_t n = imp->n_members;
	struct mrow *rows = NULL;
	struct key_ix *parts = NULL;
	size_t *fac_of = NULL;
	unsigned char *first = NULL;
	enum blippa_err rc = BLIPPA_ERR_NOMEM;
	char pair[2 * MODEL_ID_MAX + 2];

	if (n == 0)
		return BLIPPA_OK;
	rows = malloc(n * sizeof(*rows));
	fac_of = malloc(n * sizeof(*fac_of));
	first = calloc(n, 1);
	parts = malloc((imp->n_participants ? imp->n_participants : 1) * sizeof(*parts));
	if (!rows || !fac_of || !first || !parts)
		goto out;
	for (size_t i = 0; i < imp->n_participants; i++)
		parts[i] = (struct key_ix){imp->participants[i].id, i};
	qsort(parts, imp->n_participants, sizeof(*parts), key_cmp);
	/* the first member row of each (participant, facility) brings it in */
	for (size_t i = 0; i < n; i++) {
		fac_of[i] = lookup(grp_ix, imp->n_groups, imp->members[i].group_id);
		rows[i] = (struct mrow){imp->members[i].participant_id, fac_of[i], i};
	}
	qsort(rows, n, sizeof(*rows), mrow_cmp);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || rows[i].fac != rows[i - 1].fac ||
		    strcmp(rows[i].pid, rows[i - 1].pid) != 0)
			first[rows[i].row] = 1;
	rc = BLIPPA_OK;
	for (size_t i = 0; rc == BLIPPA_OK && i < n; i++) {
		const struct srv_member *m = &imp->members[i];
		size_t f = fac_of[i], pi;
		if (f == SIZE_MAX)
			continue;
		snprintf(pair, sizeof(pair), "%s\x1f%s", m->group_id, m->participant_id);
		rc = add(c, f, T_MEMBERS, json_len(m->group_id) + json_len(m->participant_id),
			 FILE_MEMBERS, pair);
		if (rc != BLIPPA_OK || !first[i])
			continue;
		pi = lookup(parts, imp->n_participants, m->participant_id);
		if (pi == SIZE_MAX)
			continue;
		const struct srv_participant *p = &imp->participants[pi];
		rc = add(c, f, T_PARTICIPANTS,
			 json_len(p->id) + json_len(p->given_name) + json_len(p->family_name) +
			     (p->language[0] ? ROW(",\"language\":") + json_len(p->language) : 0),
			 FILE_MEMBERS, pair);
		if (rc == BLIPPA_OK && p->card_uid[0])
			rc = add(c, f, T_CARDS, json_len(p->card_uid) + json_len(p->id),
				 FILE_MEMBERS, pair);
	}
out:
	free(rows);
	free(parts);
	free(fac_of);
	free(first);
	return rc;
}

enum blippa_err import_check_limits(const struct import_set *s, char *err, size_t errlen)
{
	const struct srv_import *imp = import_set_roster(s);
	struct limits_ctx c = {.set = s, .imp = imp, .err = err, .errlen = errlen};
	struct key_ix *fac_ix = NULL, *grp_ix = NULL;
	enum blippa_err rc = BLIPPA_ERR_NOMEM;

	c.fc = calloc(imp->n_facilities ? imp->n_facilities : 1, sizeof(*c.fc));
	fac_ix = malloc((imp->n_facilities ? imp->n_facilities : 1) * sizeof(*fac_ix));
	grp_ix = malloc((imp->n_groups ? imp->n_groups : 1) * sizeof(*grp_ix));
	if (!c.fc || !fac_ix || !grp_ix)
		goto out;
	for (size_t i = 0; i < imp->n_facilities; i++) {
		const struct srv_facility *f = &imp->facilities[i];
		fac_ix[i] = (struct key_ix){f->id, i};
		c.fc[i].bytes =
		    BASE_BYTES + json_len(f->id) + json_len(f->name) + json_len(f->timezone);
	}
	qsort(fac_ix, imp->n_facilities, sizeof(*fac_ix), key_cmp);
	for (size_t i = 0; i < imp->n_groups; i++)
		grp_ix[i] = (struct key_ix){imp->groups[i].id, lookup(fac_ix, imp->n_facilities,
								      imp->groups[i].facility_id)};
	qsort(grp_ix, imp->n_groups, sizeof(*grp_ix), key_cmp);
	rc = count_direct(&c, fac_ix, grp_ix);
	if (rc == BLIPPA_OK)
		rc = count_members(&c, grp_ix);
out:
	free(c.fc);
	free(fac_ix);
	free(grp_ix);
	return rc;
}
