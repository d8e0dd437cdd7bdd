/* SPDX-License-Identifier: MIT */
/* Roster CSV import: parse, validate fields and references, and build the
 * snapshot for the store (see import.h, docs/csv.md). */
#include "import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "fields.h"
#include "fsutil.h"
#include "roster.h"
#include "text.h"
#include "tz.h"
#include "uid.h"

enum imp_file { F_FACILITIES, F_GROUPS, F_SESSIONS, F_PARTICIPANTS, F_MEMBERS, F_LEADERS, F_COUNT };

/* cols[0..nreq) must be in the header; cols[nreq..ncols) are optional
 * later extensions (DESIGN §10), read as "" when the header lacks them. */
static const struct {
	const char *name;
	const char *cols[5];
	size_t ncols, nreq;
} files[F_COUNT] = {
    [F_FACILITIES] = {"facilities.csv", {"facility_id", "name", "timezone"}, 3, 3},
    [F_GROUPS] = {"groups.csv",
		  {"group_id", "facility_id", "name", "period_start", "period_end"},
		  5,
		  5},
    [F_SESSIONS] = {"sessions.csv", {"session_id", "group_id", "start", "end"}, 4, 4},
    [F_PARTICIPANTS] = {"participants.csv",
			{"participant_id", "given_name", "family_name", "card_uid", "language"},
			5,
			4},
    [F_MEMBERS] = {"members.csv", {"group_id", "participant_id"}, 2, 2},
    [F_LEADERS] = {"leaders.csv", {"leader_id", "facility_id", "name", "card_uid"}, 4, 4},
};

struct idx_ent {
	const char *key;
	size_t line;
};

struct idx {
	struct idx_ent *e;
	size_t n, cap;
};

struct uid_ent {
	const char *uid;
	enum imp_file file;
	size_t line;
};

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
};

struct import_set {
	struct srv_import imp;
	size_t cap[F_COUNT];
	struct idx idx[F_COUNT];
	struct uid_ent *uids;
	size_t n_uids, cap_uids;
	struct arena_block *arena;
	char dir[4096];
};

/* ---------------------------------------------------------------- checks */

bool import_valid_id(const char *s)
{
	return field_valid_id(s);
}

/* NULL if s is a valid name, else why not (for "bad COL (...)"). */
static const char *name_problem(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > ROSTER_NAME_MAX)
		return "empty or too long";
	/* Controls (C1 too: the roster validators the kiosk shares refuse
	 * them, found by fuzz_csv), bidi overrides/isolates that reorder what
	 * the region reads, and names that show nothing (zero-width only). */
	return text_name_problem(s);
}

/* The model's one date rule (fields.h): the kiosk's decoder applies the
 * same, so a roster that passes here is never refused by a kiosk. */
bool import_valid_date(const char *s)
{
	return field_valid_date(s);
}

bool import_valid_local_time(const char *s)
{
	return field_valid_datetime(s);
}

/* Empty stays empty; else uppercase hex of 8, 14 or 20 digits or false. */
static bool uid_normalize(char *s)
{
	return s[0] == '\0' || uid_hex_normalize(s, s);
}

/* Empty stays empty; else an ISO 639-1 code, lowercased in place ("AR" is
 * taken as "ar"), or false. */
static bool language_normalize(char *s)
{
	if (s[0] == '\0')
		return true;
	if (strlen(s) != 2)
		return false;
	for (size_t i = 0; i < 2; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
	return field_valid_language(s);
}

/* ---------------------------------------------------------------- memory */

static const char *arena_dup(struct import_set *set, const char *s)
{
	size_t n = strlen(s) + 1;
	struct arena_block *b = set->arena;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > 65536 ? n : 65536;
		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->next = set->arena;
		b->used = 0;
		b->cap = cap;
		set->arena = b;
	}
	char *p = b->data + b->used;
	memcpy(p, s, n);
	b->used += n;
	return p;
}

/* Makes room for one more element in *arr (elements of size sz). */
static bool grow(void **arr, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 64;
	void *p = realloc(*arr, ncap * sz);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

static int idx_cmp(const void *a, const void *b)
{
	return strcmp(((const struct idx_ent *)a)->key, ((const struct idx_ent *)b)->key);
}

static bool idx_has(const struct idx *ix, const char *key)
{
	struct idx_ent k = {.key = key};
	if (ix->n == 0)
		return false;
	return bsearch(&k, ix->e, ix->n, sizeof(k), idx_cmp) != NULL;
}

size_t import_line_of(const struct import_set *s, int file, const char *key)
{
	struct idx_ent k = {.key = key}, *e;
	const struct idx *ix;
	if (file < 0 || file >= F_COUNT || s->idx[file].n == 0)
		return 0;
	ix = &s->idx[file];
	e = bsearch(&k, ix->e, ix->n, sizeof(k), idx_cmp);
	return e ? e->line : 0;
}

const char *import_dir(const struct import_set *s)
{
	return s->dir;
}

void import_set_free(struct import_set *s)
{
	if (!s)
		return;
	free(s->imp.facilities);
	free(s->imp.groups);
	free(s->imp.sessions);
	free(s->imp.participants);
	free(s->imp.members);
	free(s->imp.leaders);
	for (int i = 0; i < F_COUNT; i++)
		free(s->idx[i].e);
	free(s->uids);
	while (s->arena) {
		struct arena_block *b = s->arena;
		s->arena = b->next;
		free(b);
	}
	free(s);
}

const struct srv_import *import_set_roster(const struct import_set *s)
{
	return &s->imp;
}

/* ---------------------------------------------------------------- rows */

#define WHY(...) (snprintf(why, whylen, __VA_ARGS__), BLIPPA_ERR_INVALID)

static enum blippa_err check_id(const char *col, const char *v, char *why, size_t whylen)
{
	if (!import_valid_id(v))
		return WHY("bad %s (1-%d printable ASCII characters, no spaces)", col,
			   ROSTER_ID_MAX);
	return BLIPPA_OK;
}

static enum blippa_err check_ref(const struct import_set *set, enum imp_file target,
				 const char *col, const char *v, char *why, size_t whylen)
{
	if (!import_valid_id(v))
		return check_id(col, v, why, whylen);
	if (!idx_has(&set->idx[target], v))
		return WHY("%s %s is not in %s", col, v, files[target].name);
	return BLIPPA_OK;
}

static enum blippa_err check_name(const char *col, const char *v, char *why, size_t whylen)
{
	const char *problem = name_problem(v);
	if (problem)
		return WHY("bad %s: %s (1-%d bytes of visible UTF-8 text, no control or bidi "
			   "characters)",
			   col, problem, ROSTER_NAME_MAX);
	return BLIPPA_OK;
}

/* Validates one row (v in the canonical column order of file f) and
 * appends it; why gets the reason on BLIPPA_ERR_INVALID. */
static enum blippa_err row_add(struct import_set *set, enum imp_file f, char **v, size_t line,
			       char *why, size_t whylen)
{
	struct srv_import *m = &set->imp;
	enum blippa_err rc = BLIPPA_OK;
	const char *key = v[0];
	char pair[2 * ROSTER_ID_MAX + 2];
	switch (f) {
	case F_FACILITIES:
		if ((rc = check_id("facility_id", v[0], why, whylen)) ||
		    (rc = check_name("name", v[1], why, whylen)))
			return rc;
		if (strlen(v[2]) > 64 || !tz_is_valid(v[2]))
			return WHY("unknown timezone %.64s (an IANA name such as "
				   "Europe/Stockholm)",
				   v[2]);
		break;
	case F_GROUPS:
		if ((rc = check_id("group_id", v[0], why, whylen)) ||
		    (rc = check_ref(set, F_FACILITIES, "facility_id", v[1], why, whylen)) ||
		    (rc = check_name("name", v[2], why, whylen)))
			return rc;
		if (!import_valid_date(v[3]))
			return WHY("bad period_start %.16s (YYYY-MM-DD)", v[3]);
		if (!import_valid_date(v[4]))
			return WHY("bad period_end %.16s (YYYY-MM-DD)", v[4]);
		if (strcmp(v[4], v[3]) < 0)
			return WHY("period_end %s is before period_start %s", v[4], v[3]);
		break;
	case F_SESSIONS:
		if ((rc = check_id("session_id", v[0], why, whylen)) ||
		    (rc = check_ref(set, F_GROUPS, "group_id", v[1], why, whylen)))
			return rc;
		if (!import_valid_local_time(v[2]))
			return WHY("bad start %.24s (YYYY-MM-DD HH:MM, local time)", v[2]);
		if (!import_valid_local_time(v[3]))
			return WHY("bad end %.24s (YYYY-MM-DD HH:MM, local time)", v[3]);
		if (strcmp(v[3], v[2]) <= 0)
			return WHY("end %s is not after start %s", v[3], v[2]);
		break;
	case F_PARTICIPANTS:
	case F_LEADERS:
		if ((rc = check_id(f == F_LEADERS ? "leader_id" : "participant_id", v[0], why,
				   whylen)))
			return rc;
		if (f == F_LEADERS) {
			if ((rc = check_ref(set, F_FACILITIES, "facility_id", v[1], why, whylen)) ||
			    (rc = check_name("name", v[2], why, whylen)))
				return rc;
		} else if ((rc = check_name("given_name", v[1], why, whylen)) ||
			   (rc = check_name("family_name", v[2], why, whylen))) {
			return rc;
		}
		if (!uid_normalize(v[3]))
			return WHY("bad card_uid (empty, or 8, 14 or 20 hex digits)");
		if (f == F_PARTICIPANTS && !language_normalize(v[4]))
			return WHY("bad language %.16s (empty, or an ISO 639-1 code such as sv, "
				   "ar, ti)",
				   v[4]);
		break;
	case F_MEMBERS:
		if ((rc = check_ref(set, F_GROUPS, "group_id", v[0], why, whylen)) ||
		    (rc = check_ref(set, F_PARTICIPANTS, "participant_id", v[1], why, whylen)))
			return rc;
		snprintf(pair, sizeof(pair), "%s\x1f%s", v[0], v[1]);
		key = pair;
		break;
	default:
		return BLIPPA_ERR_INVALID;
	}

	const char *s[5] = {0};
	for (size_t i = 0; i < files[f].ncols; i++)
		if (!(s[i] = arena_dup(set, v[i])))
			return BLIPPA_ERR_NOMEM;
	struct idx *ix = &set->idx[f];
	if (!grow((void **)&ix->e, ix->n, &ix->cap, sizeof(*ix->e)))
		return BLIPPA_ERR_NOMEM;
	ix->e[ix->n].key = key == pair ? arena_dup(set, pair) : s[0];
	ix->e[ix->n++].line = line;
	if (!ix->e[ix->n - 1].key)
		return BLIPPA_ERR_NOMEM;
	if ((f == F_PARTICIPANTS || f == F_LEADERS) && s[3][0]) {
		if (!grow((void **)&set->uids, set->n_uids, &set->cap_uids, sizeof(*set->uids)))
			return BLIPPA_ERR_NOMEM;
		set->uids[set->n_uids++] = (struct uid_ent){s[3], f, line};
	}

#define APPEND(arr, n, init)                                                                       \
	do {                                                                                       \
		if (!grow((void **)&m->arr, m->n, &set->cap[f], sizeof(*m->arr)))                  \
			return BLIPPA_ERR_NOMEM;                                                   \
		m->arr[m->n++] = init;                                                             \
	} while (0)
	switch (f) {
	case F_FACILITIES:
		APPEND(facilities, n_facilities, ((struct srv_facility){s[0], s[1], s[2]}));
		break;
	case F_GROUPS:
		APPEND(groups, n_groups, ((struct srv_group){s[0], s[1], s[2], s[3], s[4]}));
		break;
	case F_SESSIONS:
		APPEND(sessions, n_sessions, ((struct srv_session){s[0], s[1], s[2], s[3]}));
		break;
	case F_PARTICIPANTS:
		APPEND(participants, n_participants,
		       ((struct srv_participant){s[0], s[1], s[2], s[3], s[4]}));
		break;
	case F_MEMBERS:
		APPEND(members, n_members, ((struct srv_member){s[0], s[1]}));
		break;
	case F_LEADERS:
		APPEND(leaders, n_leaders, ((struct srv_leader){s[0], s[1], s[2], s[3]}));
		break;
	default:
		break;
	}
#undef APPEND
	return BLIPPA_OK;
}

/* Sorts file f's index and reports the first duplicate key (by line). */
static enum blippa_err idx_finish(struct import_set *set, enum imp_file f, const char *path,
				  char *err, size_t errlen)
{
	struct idx *ix = &set->idx[f];
	if (ix->n > 1)
		qsort(ix->e, ix->n, sizeof(*ix->e), idx_cmp);
	size_t bad = 0, other = 0;
	for (size_t i = 1; i < ix->n; i++) {
		if (strcmp(ix->e[i - 1].key, ix->e[i].key) != 0)
			continue;
		size_t a = ix->e[i - 1].line, b = ix->e[i].line;
		size_t later = a > b ? a : b;
		if (!bad || later < bad) {
			bad = later;
			other = a > b ? b : a;
		}
	}
	if (!bad)
		return BLIPPA_OK;
	if (f == F_MEMBERS)
		snprintf(err, errlen, "%s:%zu: duplicate membership (also on line %zu)", path, bad,
			 other);
	else
		snprintf(err, errlen, "%s:%zu: duplicate %s (also on line %zu)", path, bad,
			 files[f].cols[0], other);
	return BLIPPA_ERR_INVALID;
}

static int uid_cmp(const void *a, const void *b)
{
	const struct uid_ent *x = a, *y = b;
	int c = strcmp(x->uid, y->uid);
	if (c)
		return c;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static enum blippa_err load_file(struct import_set *set, enum imp_file f, char *err, size_t errlen)
{
	char path[4096 + 32], why[256];
	char *buf = NULL;
	size_t len = 0;
	struct csv_reader *r = NULL;
	struct csv_record rec;
	size_t map[5], ncols = files[f].nreq;
	enum blippa_err rc = fs_join(path, sizeof(path), set->dir, files[f].name);
	if (rc != BLIPPA_OK) {
		snprintf(err, errlen, "%s: path too long", set->dir);
		goto out;
	}
	rc = fs_read_file(path, IMPORT_FILE_MAX, &buf, &len);
	if (rc != BLIPPA_OK) {
		snprintf(err, errlen, "%s: %s", path,
			 rc == BLIPPA_ERR_TOO_BIG ? "file too large"
			 : rc == BLIPPA_ERR_NOT_FOUND
			     ? "missing (all six files are needed; one may hold only its header)"
			     : blippa_strerror(rc));
		goto out;
	}
	rc = csv_open_mem(buf, len, &r);
	if (rc != BLIPPA_OK)
		goto out;
	rc = csv_next(r, &rec, why, sizeof(why));
	if (rc == BLIPPA_ERR_NOT_FOUND) {
		snprintf(err, errlen, "%s:1: empty file (the header row is needed)", path);
		rc = BLIPPA_ERR_INVALID;
		goto out;
	}
	if (rc != BLIPPA_OK) {
		snprintf(err, errlen, "%s:%s", path, why + 5);
		goto out;
	}
	for (size_t c = 0; c < files[f].ncols; c++) {
		map[c] = SIZE_MAX;
		for (size_t i = 0; i < rec.n_fields; i++)
			if (strcmp(rec.fields[i], files[f].cols[c]) == 0)
				map[c] = i;
		if (map[c] != SIZE_MAX && c >= files[f].nreq)
			ncols++;
		if (map[c] == SIZE_MAX && c < files[f].nreq) {
			snprintf(err, errlen, "%s:%zu: header has no column %s", path, rec.line,
				 files[f].cols[c]);
			rc = BLIPPA_ERR_INVALID;
			goto out;
		}
	}
	if (rec.n_fields != ncols) {
		snprintf(err, errlen, "%s:%zu: header has %zu columns, expected %zu", path,
			 rec.line, rec.n_fields, ncols);
		rc = BLIPPA_ERR_INVALID;
		goto out;
	}
	size_t rows = 0;
	while ((rc = csv_next(r, &rec, why, sizeof(why))) == BLIPPA_OK) {
		if (rec.n_fields != ncols) {
			snprintf(err, errlen, "%s:%zu: %zu fields, expected %zu", path, rec.line,
				 rec.n_fields, ncols);
			rc = BLIPPA_ERR_INVALID;
			goto out;
		}
		if (++rows > IMPORT_ROWS_MAX) {
			snprintf(err, errlen, "%s:%zu: more than %d rows", path, rec.line,
				 IMPORT_ROWS_MAX);
			rc = BLIPPA_ERR_TOO_BIG;
			goto out;
		}
		char *v[5], none[1] = "";
		for (size_t c = 0; c < files[f].ncols; c++)
			v[c] = map[c] == SIZE_MAX ? none : (char *)rec.fields[map[c]];
		why[0] = '\0';
		rc = row_add(set, f, v, rec.line, why, sizeof(why));
		if (rc != BLIPPA_OK) {
			snprintf(err, errlen, "%s:%zu: %s", path, rec.line,
				 why[0] ? why : blippa_strerror(rc));
			goto out;
		}
	}
	if (rc != BLIPPA_ERR_NOT_FOUND) {
		snprintf(err, errlen, "%s:%s", path, why + 5); /* why is "line N: ..." */
		goto out;
	}
	rc = idx_finish(set, f, path, err, errlen);
out:
	csv_close(r);
	free(buf);
	return rc;
}

enum blippa_err import_load_dir(const char *dir, struct import_set **out, char *err, size_t errlen)
{
	enum blippa_err rc = BLIPPA_OK;
	struct import_set *set = calloc(1, sizeof(*set));
	*out = NULL;
	if (!set)
		return BLIPPA_ERR_NOMEM;
	snprintf(set->dir, sizeof(set->dir), "%s", dir);
	for (int f = 0; rc == BLIPPA_OK && f < F_COUNT; f++)
		rc = load_file(set, (enum imp_file)f, err, errlen);
	if (rc != BLIPPA_OK)
		goto out;
	if (set->n_uids > 1)
		qsort(set->uids, set->n_uids, sizeof(*set->uids), uid_cmp);
	for (size_t i = 1; i < set->n_uids; i++) {
		const struct uid_ent *a = &set->uids[i - 1], *b = &set->uids[i];
		if (strcmp(a->uid, b->uid) == 0) {
			char path[4096 + 32];
			fs_join(path, sizeof(path), dir, files[b->file].name);
			snprintf(err, errlen, "%s:%zu: card_uid already used in %s line %zu", path,
				 b->line, files[a->file].name, a->line);
			rc = BLIPPA_ERR_INVALID;
			goto out;
		}
	}
	/* what no kiosk could take is refused here, not at every kiosk */
	if ((rc = import_check_limits(set, err, errlen)) != BLIPPA_OK)
		goto out;
	*out = set;
	set = NULL;
out:
	import_set_free(set);
	return rc;
}
