/* SPDX-License-Identifier: MIT */
/* Roster CSV import: parse, validate fields and references, and build the
 * snapshot for the store (see import.h, docs/csv.md). */
#include "import.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "fields.h"
#include "dynarr.h"
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
	struct import_errors *errs;
	enum blippa_err first; /* the first error's code, BLIPPA_OK if none */
	bool broken[F_COUNT];  /* missing or unreadable: refs to it are not checked */
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

/* Makes room for one more element in *arr (elements of size sz), at most
 * max elements: BLIPPA_ERR_TOO_BIG past it, BLIPPA_ERR_NOMEM. */
static enum blippa_err grow(void **arr, size_t n, size_t *cap, size_t sz, size_t max)
{
	return dynarr_reserve(*arr, cap, n + 1, sz, max, arr);
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

/* ---------------------------------------------------------------- errors */

/* Records error e (kind, column, text filled) at file f, line; the load's
 * code becomes rc if it is the first. */
static void add_err(struct import_set *set, int f, size_t line, struct import_error *e,
		    enum blippa_err rc)
{
	e->file = f;
	e->line = line;
	import_errors_add(set->errs, e);
	if (set->first == BLIPPA_OK)
		set->first = rc;
}

/* An error with only a reason, as printf. */
static void add_msg(struct import_set *set, int f, size_t line, enum import_err_kind kind,
		    enum blippa_err rc, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void add_msg(struct import_set *set, int f, size_t line, enum import_err_kind kind,
		    enum blippa_err rc, const char *fmt, ...)
{
	struct import_error e = {.kind = kind};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e.text, sizeof(e.text), fmt, ap);
	va_end(ap);
	add_err(set, f, line, &e, rc);
}

/* ---------------------------------------------------------------- rows */

#define WHY(k, col, ...)                                                                           \
	(e->kind = (k), snprintf(e->column, sizeof(e->column), "%s", (col)),                       \
	 snprintf(e->text, sizeof(e->text), __VA_ARGS__), BLIPPA_ERR_INVALID)

static enum blippa_err check_id(const char *col, const char *v, struct import_error *e)
{
	if (!import_valid_id(v))
		return WHY(IE_ID, col, "bad %s (1-%d printable ASCII characters, no spaces)", col,
			   ROSTER_ID_MAX);
	return BLIPPA_OK;
}

/* A reference into a file that could not be read is not checked (its own
 * error says enough). */
static enum blippa_err check_ref(const struct import_set *set, enum imp_file target,
				 const char *col, const char *v, struct import_error *e)
{
	if (!import_valid_id(v))
		return check_id(col, v, e);
	if (!set->broken[target] && !idx_has(&set->idx[target], v)) {
		snprintf(e->value, sizeof(e->value), "%s", v);
		snprintf(e->other, sizeof(e->other), "%s", files[target].name);
		return WHY(IE_REF, col, "%s %s is not in %s", col, v, files[target].name);
	}
	return BLIPPA_OK;
}

static enum blippa_err check_name(const char *col, const char *v, struct import_error *e)
{
	const char *problem = name_problem(v);
	if (problem)
		return WHY(IE_NAME, col,
			   "bad %s: %s (1-%d bytes of visible UTF-8 text, no control or bidi "
			   "characters)",
			   col, problem, ROSTER_NAME_MAX);
	return BLIPPA_OK;
}

/* Checks row v (in the canonical column order) of file f: field formats,
 * references to rows already read (facilities before groups, and so on);
 * e gets what is wrong. */
static enum blippa_err row_check(struct import_set *set, enum imp_file f, char **v,
				 struct import_error *e)
{
	enum blippa_err rc;
	switch (f) {
	case F_FACILITIES:
		if ((rc = check_id("facility_id", v[0], e)) || (rc = check_name("name", v[1], e)))
			return rc;
		if (strlen(v[2]) > 64 || !tz_is_valid(v[2]))
			return WHY(IE_TIMEZONE, "timezone",
				   "unknown timezone %.64s (an IANA name such as "
				   "Europe/Stockholm)",
				   v[2]);
		break;
	case F_GROUPS:
		if ((rc = check_id("group_id", v[0], e)) ||
		    (rc = check_ref(set, F_FACILITIES, "facility_id", v[1], e)) ||
		    (rc = check_name("name", v[2], e)))
			return rc;
		if (!import_valid_date(v[3]))
			return WHY(IE_DATE, "period_start", "bad period_start %.16s (YYYY-MM-DD)",
				   v[3]);
		if (!import_valid_date(v[4]))
			return WHY(IE_DATE, "period_end", "bad period_end %.16s (YYYY-MM-DD)",
				   v[4]);
		if (strcmp(v[4], v[3]) < 0)
			return WHY(IE_ORDER, "period_end",
				   "period_end %s is before period_start %s", v[4], v[3]);
		break;
	case F_SESSIONS:
		if ((rc = check_id("session_id", v[0], e)) ||
		    (rc = check_ref(set, F_GROUPS, "group_id", v[1], e)))
			return rc;
		if (!import_valid_local_time(v[2]))
			return WHY(IE_DATETIME, "start",
				   "bad start %.24s (YYYY-MM-DD HH:MM, local time)", v[2]);
		if (!import_valid_local_time(v[3]))
			return WHY(IE_DATETIME, "end",
				   "bad end %.24s (YYYY-MM-DD HH:MM, local time)", v[3]);
		if (strcmp(v[3], v[2]) <= 0)
			return WHY(IE_ORDER, "end", "end %s is not after start %s", v[3], v[2]);
		break;
	case F_PARTICIPANTS:
	case F_LEADERS:
		if ((rc = check_id(f == F_LEADERS ? "leader_id" : "participant_id", v[0], e)))
			return rc;
		if (f == F_LEADERS) {
			if ((rc = check_ref(set, F_FACILITIES, "facility_id", v[1], e)) ||
			    (rc = check_name("name", v[2], e)))
				return rc;
		} else if ((rc = check_name("given_name", v[1], e)) ||
			   (rc = check_name("family_name", v[2], e))) {
			return rc;
		}
		if (!uid_normalize(v[3]))
			return WHY(IE_CARD, "card_uid",
				   "bad card_uid (empty, or 8, 14 or 20 hex digits)");
		if (f == F_PARTICIPANTS && !language_normalize(v[4]))
			return WHY(IE_LANGUAGE, "language",
				   "bad language %.16s (empty, or an ISO 639-1 code such as sv, "
				   "ar, ti)",
				   v[4]);
		break;
	case F_MEMBERS:
		if ((rc = check_ref(set, F_GROUPS, "group_id", v[0], e)) ||
		    (rc = check_ref(set, F_PARTICIPANTS, "participant_id", v[1], e)))
			return rc;
		break;
	default:
		return BLIPPA_ERR_INVALID;
	}
	return BLIPPA_OK;
}

/* Indexes a row of file f by key (for references and duplicates), and s's
 * card UID, if s is given and has one, for the one-owner-per-card check. */
static enum blippa_err row_index(struct import_set *set, enum imp_file f, const char *const *s,
				 const char *key, size_t line)
{
	struct idx *ix = &set->idx[f];
	if (!key)
		return BLIPPA_ERR_NOMEM;
	enum blippa_err rc =
	    grow((void **)&ix->e, ix->n, &ix->cap, sizeof(*ix->e), IMPORT_ROWS_MAX);
	if (rc != BLIPPA_OK)
		return rc;
	ix->e[ix->n].key = key;
	ix->e[ix->n++].line = line;
	if (s && (f == F_PARTICIPANTS || f == F_LEADERS) && s[3][0]) {
		rc = grow((void **)&set->uids, set->n_uids, &set->cap_uids, sizeof(*set->uids),
			  2 * IMPORT_ROWS_MAX); /* participants' and leaders' */
		if (rc != BLIPPA_OK)
			return rc;
		set->uids[set->n_uids++] = (struct uid_ent){s[3], f, line};
	}
	return BLIPPA_OK;
}

/* Appends the stored row s to its table of the snapshot. */
static enum blippa_err row_store(struct import_set *set, enum imp_file f, const char *const *s)
{
	struct srv_import *m = &set->imp;
	enum blippa_err rc;
#define APPEND(arr, n, init)                                                                       \
	do {                                                                                       \
		rc = grow((void **)&m->arr, m->n, &set->cap[f], sizeof(*m->arr), IMPORT_ROWS_MAX); \
		if (rc != BLIPPA_OK)                                                               \
			return rc;                                                                 \
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

/* Checks and stores row v of file f read at line. A bad row is recorded
 * and, if its id is good, still indexed so that rows naming it are not
 * refused too; fatal errors (memory, size) are returned. */
static enum blippa_err row_add(struct import_set *set, enum imp_file f, char **v, size_t line)
{
	char pair[2 * ROSTER_ID_MAX + 2];
	const char *s[5] = {0}, *key;
	struct import_error e = {0};
	enum blippa_err rc = row_check(set, f, v, &e);
	if (rc != BLIPPA_OK) {
		if (!e.text[0])
			snprintf(e.text, sizeof(e.text), "%s", blippa_strerror(rc));
		add_err(set, f, line, &e, rc);
		if (f == F_MEMBERS || !import_valid_id(v[0]))
			return BLIPPA_OK;
		return row_index(set, f, NULL, arena_dup(set, v[0]), line);
	}
	for (size_t i = 0; i < files[f].ncols; i++)
		if (!(s[i] = arena_dup(set, v[i])))
			return BLIPPA_ERR_NOMEM;
	if (f == F_MEMBERS) { /* a member is its (group, participant) pair */
		snprintf(pair, sizeof(pair), "%s\x1f%s", v[0], v[1]);
		key = arena_dup(set, pair);
	} else {
		key = s[0];
	}
	if ((rc = row_index(set, f, s, key, line)) != BLIPPA_OK)
		return rc;
	return row_store(set, f, s);
}

/* Sorts file f's index and reports every duplicate key, at each later
 * line, naming the first. */
static void idx_finish(struct import_set *set, enum imp_file f)
{
	struct idx *ix = &set->idx[f];
	if (ix->n > 1)
		qsort(ix->e, ix->n, sizeof(*ix->e), idx_cmp);
	for (size_t a = 0, b; a < ix->n; a = b) {
		size_t first = ix->e[a].line;
		for (b = a + 1; b < ix->n && strcmp(ix->e[a].key, ix->e[b].key) == 0; b++)
			if (ix->e[b].line < first)
				first = ix->e[b].line;
		for (size_t i = a; b - a > 1 && i < b; i++) {
			if (ix->e[i].line == first)
				continue;
			struct import_error e = {.kind = IE_DUPLICATE};
			snprintf(e.column, sizeof(e.column), "%s",
				 f == F_MEMBERS ? "participant_id" : files[f].cols[0]);
			snprintf(e.value, sizeof(e.value), "%zu", first);
			if (f == F_MEMBERS)
				snprintf(e.text, sizeof(e.text),
					 "duplicate membership (also on line %zu)", first);
			else
				snprintf(e.text, sizeof(e.text), "duplicate %s (also on line %zu)",
					 files[f].cols[0], first);
			add_err(set, f, ix->e[i].line, &e, BLIPPA_ERR_INVALID);
		}
	}
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

/* The line a csv_next message "line N: ..." names, and its reason. */
static const char *csv_why(const char *why, size_t *line)
{
	*line = 0;
	if (sscanf(why, "line %zu:", line) == 1) {
		const char *p = strchr(why, ':');
		return p[1] == ' ' ? p + 2 : p + 1;
	}
	return why;
}

/* Reads file f's header row: map[c] gets the field index of column c.
 * False (the error recorded) if the file cannot be read further. */
static bool read_header(struct import_set *set, struct csv_reader *r, enum imp_file f,
			size_t map[5], size_t *ncols)
{
	struct csv_record rec;
	char why[256];
	size_t line;
	enum blippa_err rc = csv_next(r, &rec, why, sizeof(why));
	if (rc == BLIPPA_ERR_NOT_FOUND) {
		add_msg(set, f, 1, IE_EMPTY, BLIPPA_ERR_INVALID,
			"empty file (the header row is needed)");
		return false;
	}
	if (rc != BLIPPA_OK) {
		const char *reason = csv_why(why, &line);
		add_msg(set, f, line, IE_SYNTAX, rc, "%s", reason);
		return false;
	}
	*ncols = files[f].nreq; /* the required columns, and the optional ones there */
	for (size_t c = 0; c < files[f].ncols; c++) {
		map[c] = SIZE_MAX;
		for (size_t i = 0; i < rec.n_fields; i++)
			if (strcmp(rec.fields[i], files[f].cols[c]) == 0)
				map[c] = i;
		if (map[c] != SIZE_MAX && c >= files[f].nreq)
			(*ncols)++;
		if (map[c] == SIZE_MAX && c < files[f].nreq) {
			struct import_error e = {.kind = IE_HEADER};
			snprintf(e.column, sizeof(e.column), "%s", files[f].cols[c]);
			snprintf(e.text, sizeof(e.text), "header has no column %s",
				 files[f].cols[c]);
			add_err(set, f, rec.line, &e, BLIPPA_ERR_INVALID);
			return false;
		}
	}
	if (rec.n_fields != *ncols) {
		add_msg(set, f, rec.line, IE_HEADER, BLIPPA_ERR_INVALID,
			"header has %zu columns, expected %zu", rec.n_fields, *ncols);
		return false;
	}
	return true;
}

/* Reads file f's data rows into set (at most IMPORT_ROWS_MAX), recording
 * every bad row. Returns only fatal errors; false in *readable if a CSV
 * error stopped the reading. */
static enum blippa_err import_rows(struct import_set *set, struct csv_reader *r, enum imp_file f,
				   const size_t map[5], size_t ncols, bool *readable)
{
	char why[256];
	struct csv_record rec;
	size_t rows = 0, line;
	enum blippa_err rc;
	while ((rc = csv_next(r, &rec, why, sizeof(why))) == BLIPPA_OK) {
		if (++rows > IMPORT_ROWS_MAX) {
			add_msg(set, f, rec.line, IE_TOO_LARGE, BLIPPA_ERR_TOO_BIG,
				"more than %d rows", IMPORT_ROWS_MAX);
			return BLIPPA_ERR_TOO_BIG;
		}
		if (rec.n_fields != ncols) {
			add_msg(set, f, rec.line, IE_FIELDS, BLIPPA_ERR_INVALID,
				"%zu fields, expected %zu", rec.n_fields, ncols);
			continue;
		}
		char *v[5], none[1] = "";
		for (size_t c = 0; c < files[f].ncols; c++)
			v[c] = map[c] == SIZE_MAX ? none : (char *)rec.fields[map[c]];
		if ((rc = row_add(set, f, v, rec.line)) != BLIPPA_OK) {
			add_msg(set, f, rec.line,
				rc == BLIPPA_ERR_TOO_BIG ? IE_TOO_LARGE : IE_OTHER, rc, "%s",
				blippa_strerror(rc));
			return rc;
		}
	}
	if (rc != BLIPPA_ERR_NOT_FOUND) {
		const char *reason = csv_why(why, &line);
		add_msg(set, f, line, IE_SYNTAX, rc, "%s", reason);
		*readable = false;
	}
	return BLIPPA_OK;
}

/* Loads file f, recording its errors; returns only fatal ones. */
static enum blippa_err load_file(struct import_set *set, enum imp_file f)
{
	char path[4096 + 32];
	char *buf = NULL;
	size_t len = 0;
	struct csv_reader *r = NULL;
	size_t map[5], ncols = 0;
	bool readable = true;
	enum blippa_err rc = fs_join(path, sizeof(path), set->dir, files[f].name);
	if (rc != BLIPPA_OK) {
		add_msg(set, -1, 0, IE_OTHER, rc, "path too long");
		return rc;
	}
	rc = fs_read_file(path, IMPORT_FILE_MAX, &buf, &len);
	if (rc == BLIPPA_ERR_NOMEM)
		return rc;
	if (rc != BLIPPA_OK) {
		add_msg(set, f, 0,
			rc == BLIPPA_ERR_TOO_BIG     ? IE_TOO_LARGE
			: rc == BLIPPA_ERR_NOT_FOUND ? IE_MISSING
						     : IE_OTHER,
			rc, "%s",
			rc == BLIPPA_ERR_TOO_BIG ? "file too large"
			: rc == BLIPPA_ERR_NOT_FOUND
			    ? "missing (all six files are needed; one may hold only its header)"
			    : blippa_strerror(rc));
		set->broken[f] = true;
		return BLIPPA_OK;
	}
	rc = csv_open_mem(buf, len, &r);
	if (rc != BLIPPA_OK)
		goto out;
	if (!read_header(set, r, f, map, &ncols)) {
		set->broken[f] = true;
		goto out;
	}
	rc = import_rows(set, r, f, map, ncols, &readable);
	set->broken[f] = !readable;
	if (rc == BLIPPA_OK)
		idx_finish(set, f);
out:
	csv_close(r);
	free(buf);
	return rc;
}

/* Every card UID owned twice: an error at each later owner. */
static void check_uids(struct import_set *set)
{
	if (set->n_uids > 1)
		qsort(set->uids, set->n_uids, sizeof(*set->uids), uid_cmp);
	for (size_t i = 1, a = 0; i < set->n_uids; i++) {
		if (strcmp(set->uids[a].uid, set->uids[i].uid) != 0) {
			a = i;
			continue;
		}
		const struct uid_ent *o = &set->uids[a], *b = &set->uids[i];
		struct import_error e = {.kind = IE_CARD_USED};
		snprintf(e.column, sizeof(e.column), "card_uid");
		snprintf(e.value, sizeof(e.value), "%s:%zu", files[o->file].name, o->line);
		snprintf(e.text, sizeof(e.text), "card_uid already used in %s line %zu",
			 files[o->file].name, o->line);
		add_err(set, (int)b->file, b->line, &e, BLIPPA_ERR_INVALID);
	}
}

/* import_check_limits' "DIR/FILE:LINE: reason" as an error. */
static void add_limit_err(struct import_set *set, enum blippa_err rc, const char *msg)
{
	size_t dl = strlen(set->dir), line = 0;
	int f = -1;
	if (strncmp(msg, set->dir, dl) == 0 && msg[dl] == '/') {
		const char *fn = msg + dl + 1, *colon = strchr(fn, ':');
		for (int i = 0; colon && i < F_COUNT; i++)
			if (strlen(files[i].name) == (size_t)(colon - fn) &&
			    strncmp(fn, files[i].name, (size_t)(colon - fn)) == 0)
				f = i;
		if (f >= 0 && sscanf(colon + 1, "%zu", &line) == 1) {
			const char *r = strchr(colon + 1, ':');
			msg = r ? r + (r[1] == ' ' ? 2 : 1) : msg;
		}
	}
	add_msg(set, f, line, IE_LIMIT, rc, "%s", msg);
}

enum blippa_err import_load_dir_all(const char *dir, struct import_set **out,
				    struct import_errors *errs)
{
	enum blippa_err rc = BLIPPA_OK;
	struct import_errors *own = NULL;
	struct import_set *set = calloc(1, sizeof(*set));
	*out = NULL;
	if (!errs)
		errs = own = malloc(sizeof(*own));
	if (!set || !errs) {
		free(set);
		free(own);
		return BLIPPA_ERR_NOMEM;
	}
	errs->n = errs->total = 0;
	set->errs = errs;
	snprintf(set->dir, sizeof(set->dir), "%s", dir);
	for (int f = 0; rc == BLIPPA_OK && f < F_COUNT; f++)
		rc = load_file(set, (enum imp_file)f);
	if (rc == BLIPPA_OK)
		check_uids(set);
	/* what no kiosk could take is refused here, not at every kiosk */
	if (rc == BLIPPA_OK && set->first == BLIPPA_OK) {
		char msg[4096 + 300];
		if ((rc = import_check_limits(set, msg, sizeof(msg))) != BLIPPA_OK)
			add_limit_err(set, rc, msg);
	}
	import_errors_sort(errs);
	if (rc == BLIPPA_OK)
		rc = set->first;
	else if (set->first != BLIPPA_OK && rc != BLIPPA_ERR_NOMEM)
		rc = set->first;
	if (rc == BLIPPA_OK) {
		*out = set;
		set = NULL;
	}
	import_set_free(set);
	free(own);
	return rc;
}

enum blippa_err import_load_dir(const char *dir, struct import_set **out, char *err, size_t errlen)
{
	struct import_errors *errs = malloc(sizeof(*errs));
	if (!errs) {
		*out = NULL;
		snprintf(err, errlen, "%s", blippa_strerror(BLIPPA_ERR_NOMEM));
		return BLIPPA_ERR_NOMEM;
	}
	enum blippa_err rc = import_load_dir_all(dir, out, errs);
	if (rc != BLIPPA_OK) {
		import_errors_format(errs, dir, err, errlen);
		if (!errs->n)
			snprintf(err, errlen, "%s", blippa_strerror(rc));
	}
	free(errs);
	return rc;
}
