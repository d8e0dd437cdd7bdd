/* SPDX-License-Identifier: MIT */
/* Attendance for the back-office pages from the store's summary; see
 * web_data.h. */
#include "web_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynarr.h"
#include "tz.h"

/* Rows of one page's data (sessions, cells, names kept): a hard cap far
 * above a region's. */
#define WD_ROWS_MAX (16u * 1024u * 1024u)

/* A string-pair -> index hash map (open addressing, keys borrowed). */
struct smap {
	const char **a, **b;
	size_t *v, cap;
};

static uint64_t fnv(const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ull;
	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211ull;
	h = (h ^ 0x1f) * 1099511628211ull;
	for (; b && *b; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211ull;
	return h;
}

static bool smap_init(struct smap *m, size_t n)
{
	m->cap = 16;
	while (m->cap < 2 * n + 2)
		m->cap *= 2;
	m->a = calloc(m->cap, sizeof(*m->a));
	m->b = calloc(m->cap, sizeof(*m->b));
	m->v = calloc(m->cap, sizeof(*m->v));
	return m->a && m->b && m->v;
}

static void smap_free(struct smap *m)
{
	free(m->a);
	free(m->b);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static size_t smap_slot(const struct smap *m, const char *a, const char *b)
{
	size_t i = (size_t)fnv(a, b) & (m->cap - 1);
	while (m->a[i] &&
	       !(strcmp(m->a[i], a) == 0 && strcmp(m->b[i] ? m->b[i] : "", b ? b : "") == 0))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void smap_put(struct smap *m, const char *a, const char *b, size_t v)
{
	size_t i = smap_slot(m, a, b);
	m->a[i] = a;
	m->b[i] = b;
	m->v[i] = v;
}

static size_t smap_get(const struct smap *m, const char *a, const char *b)
{
	size_t i = smap_slot(m, a, b);
	return m->a[i] ? m->v[i] : (size_t)-1;
}

struct priv {
	struct smap groups, members;
	size_t members_cap;
	bool grid;
	enum blippa_err rc;
	size_t present_cap; /* overview: capacity of d->sessions */
	struct cell *cells; /* group page: the live check-ins, while loading */
	size_t n_cells, cells_cap;
	struct smap sess;	/* group page: session id -> index into d->sessions */
	const char *last_group; /* overview: the group of the previous session row */
	size_t group;
	bool any_left;	    /* a check-in of someone not (any more) a member */
	struct smap future; /* overview: (group, participant) -> future sessions attended */
	char **owned;	    /* strings the future map keys point to */
	size_t n_owned, owned_cap;
	int kind;	    /* group page: the kind of the previous row, -1 none */
	bool prepared;	    /* group page: sessions and members indexed */
	size_t not_present; /* group page: first of its (session, participant) pairs in owned */
	int64_t now_ms;	    /* group page */
};

/* A live check-in of the group page (strings owned). */
struct cell {
	char *pid, *id;
	size_t session; /* index into d->sessions */
	int64_t at_ms;
	enum checkin_method method;
	bool staff; /* by a staff correction */
};

static int cmp_session(const void *x, const void *y)
{
	const struct wd_session *a = x, *b = y;
	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	int c = strcmp(a->s->start, b->s->start);
	return c ? c : strcmp(a->s->id, b->s->id);
}

static int cmp_member(const void *x, const void *y)
{
	const struct wd_member *a = x, *b = y;
	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	if (a->left != b->left)
		return a->left ? 1 : -1;
	int c = strcoll(a->p->family_name, b->p->family_name);
	if (!c)
		c = strcoll(a->p->given_name, b->p->given_name);
	return c ? c : strcmp(a->p->id, b->p->id);
}

static enum web_mark mark_of(enum checkin_method m)
{
	switch (m) {
	case CHECKIN_CARD:
		return WM_CARD;
	case CHECKIN_NAME:
		return WM_NAME;
	default:
		return WM_LEADER;
	}
}

static struct wd_member *add_member(struct web_data *d, const struct roster_participant *p,
				    size_t g)
{
	struct priv *pv = d->priv;
	enum blippa_err rc;
	DYNARR_RESERVE(rc, d->members, pv->members_cap, d->n_members + 1, MODEL_SNAPSHOT_ROWS_MAX);
	if (rc != BLIPPA_OK)
		return NULL;
	struct wd_member *m = &d->members[d->n_members++];
	memset(m, 0, sizeof(*m));
	m->p = p;
	m->group = g;
	if (pv->grid) {
		m->marks = calloc(d->groups[g].n_sessions + 1, sizeof(*m->marks));
		if (!m->marks)
			return NULL;
	}
	return m;
}

static size_t count(const char *v)
{
	return v ? (size_t)strtoull(v, NULL, 10) : 0;
}

static struct web_data *data_new(bool grid)
{
	struct web_data *d = calloc(1, sizeof(*d));
	struct priv *pv = calloc(1, sizeof(*pv));
	if (!d || !pv || !(d->r = roster_new())) {
		free(d);
		free(pv);
		return NULL;
	}
	d->priv = pv;
	pv->grid = grid;
	return d;
}

static enum blippa_err set_now(struct web_data *d, int64_t now_ms)
{
	char date[11], hhmm[6];
	enum blippa_err rc = tz_utc_ms_to_local(d->r->facility.timezone, now_ms, date, hhmm);
	if (rc == BLIPPA_OK)
		snprintf(d->now_local, sizeof(d->now_local), "%s %s", date, hhmm);
	return rc;
}

/* The groups of d->r become d->groups (a map by id). */
static enum blippa_err index_groups(struct web_data *d)
{
	struct priv *pv = d->priv;
	struct roster *r = d->r;
	d->groups = calloc(r->n_groups + 1, sizeof(*d->groups));
	if (!d->groups || !smap_init(&pv->groups, r->n_groups))
		return BLIPPA_ERR_NOMEM;
	for (size_t i = 0; i < r->n_groups; i++) {
		d->groups[d->n_groups].g = &r->groups[i];
		smap_put(&pv->groups, r->groups[i].id, NULL, d->n_groups++);
	}
	return BLIPPA_OK;
}

/* The group page: the sessions of d->r in start order. */
static enum blippa_err index_sessions(struct web_data *d)
{
	struct priv *pv = d->priv;
	struct roster *r = d->r;
	d->sessions = calloc(r->n_sessions + 1, sizeof(*d->sessions));
	if (!d->sessions)
		return BLIPPA_ERR_NOMEM;
	for (size_t i = 0; i < r->n_sessions; i++) {
		size_t g = smap_get(&pv->groups, r->sessions[i].group_id, NULL);
		if (g == (size_t)-1)
			continue;
		struct wd_session *s = &d->sessions[d->n_sessions++];
		s->s = &r->sessions[i];
		s->group = g;
		s->held = strcmp(s->s->start, d->now_local) <= 0;
	}
	qsort(d->sessions, d->n_sessions, sizeof(*d->sessions), cmp_session);
	for (size_t i = 0; i < d->n_sessions; i++) {
		struct wd_group *g = &d->groups[d->sessions[i].group];
		if (!g->n_sessions)
			g->first_session = i;
		g->n_sessions++;
		if (d->sessions[i].held)
			g->n_held++;
	}
	return BLIPPA_OK;
}

/* ---- the overview ---- */

static int ov_group(void *ctx, const char *const *col, int n)
{
	struct web_data *d = ctx;
	struct priv *pv = d->priv;
	pv->rc = n < 4 ? BLIPPA_ERR_IO : roster_add_group(d->r, col[0], col[1], col[2], col[3]);
	return pv->rc != BLIPPA_OK;
}

/* A row per group (PostgreSQL) or per session (SQLite), in start order,
 * without a roster entry (the overview names no session): group id, the
 * number of the row's sessions that are held (they come first), and their
 * present counts as "N,N,...". The rows of a group are consecutive. */
static int ov_session(void *ctx, const char *const *col, int n)
{
	struct web_data *d = ctx;
	struct priv *pv = d->priv;
	if (n < 3 || !col[0]) {
		pv->rc = BLIPPA_ERR_IO;
		return 1;
	}
	if (!pv->last_group || strcmp(pv->last_group, col[0]) != 0) {
		size_t g = smap_get(&pv->groups, col[0], NULL);
		if (g == (size_t)-1 || d->groups[g].n_sessions) {
			pv->rc = BLIPPA_ERR_IO; /* not in group order */
			return 1;
		}
		pv->group = g;
		pv->last_group = d->groups[g].g->id;
		d->groups[g].first_session = d->n_sessions;
	}
	size_t held = count(col[1]);
	struct wd_group *g = &d->groups[pv->group];
	for (const char *p = col[2] ? col[2] : ""; *p;) {
		char *end = NULL;
		unsigned long long v = strtoull(p, &end, 10);
		if (end == p || (*end && *end != ',')) {
			pv->rc = BLIPPA_ERR_IO;
			return 1;
		}
		p = *end ? end + 1 : end;
		enum blippa_err rc;
		DYNARR_RESERVE(rc, d->sessions, pv->present_cap, d->n_sessions + 1, WD_ROWS_MAX);
		if (rc != BLIPPA_OK) {
			pv->rc = rc;
			return 1;
		}
		struct wd_session *s = &d->sessions[d->n_sessions++];
		s->s = NULL;
		s->group = pv->group;
		s->held = held > 0;
		held -= held > 0;
		s->present = (size_t)v;
		g->n_sessions++;
		if (s->held) {
			g->n_held++;
			g->present_total += s->present;
		}
	}
	return 0;
}

static char *own(struct priv *pv, const char *s)
{
	enum blippa_err rc;
	DYNARR_RESERVE(rc, pv->owned, pv->owned_cap, pv->n_owned + 1, WD_ROWS_MAX);
	if (rc != BLIPPA_OK)
		return NULL;
	char *c = strdup(s ? s : "");
	if (c)
		pv->owned[pv->n_owned++] = c;
	return c;
}

/* Rows are few (check-ins at sessions not yet held): kept in a list, then
 * in the map once all are there. */
static int ov_future(void *ctx, const char *const *col, int n)
{
	struct web_data *d = ctx;
	struct priv *pv = d->priv;
	char *g = n >= 3 ? own(pv, col[0]) : NULL, *p = g ? own(pv, col[1]) : NULL,
	     *k = p ? own(pv, col[2]) : NULL;
	if (!k) {
		pv->rc = n >= 3 ? BLIPPA_ERR_NOMEM : BLIPPA_ERR_IO;
		return 1;
	}
	return 0;
}

static int ov_member(void *ctx, const char *const *col, int n)
{
	struct web_data *d = ctx;
	struct priv *pv = d->priv;
	if (n < 3) {
		pv->rc = BLIPPA_ERR_IO;
		return 1;
	}
	size_t g = smap_get(&pv->groups, col[0], NULL);
	if (g == (size_t)-1)
		return 0;
	struct wd_group *wg = &d->groups[g];
	size_t attended = count(col[2]);
	size_t f = pv->future.cap ? smap_get(&pv->future, col[0], col[1]) : (size_t)-1;
	if (f != (size_t)-1)
		attended -= attended >= f ? f : attended;
	wg->n_members++;
	if (wg->n_held && attended * 2 >= wg->n_held)
		wg->half++;
	return 0;
}

enum blippa_err web_data_overview(struct srv_store *st, const char *fid, const char *name,
				  const char *tz, const char *period, int64_t now_ms,
				  struct web_data **out)
{
	struct web_data *d = data_new(false);
	enum blippa_err rc = d ? BLIPPA_OK : BLIPPA_ERR_NOMEM;
	*out = NULL;
	if (rc != BLIPPA_OK)
		return rc;
	struct priv *pv = d->priv;
	rc = roster_set_facility(d->r, fid, name, tz);
	if (rc == BLIPPA_OK)
		rc = set_now(d, now_ms);
	char today[11];
	snprintf(today, sizeof(today), "%.10s", d->now_local);
	const char *args[] = {fid, today, period, d->now_local};
	pv->rc = BLIPPA_OK;
	if (rc == BLIPPA_OK)
		rc = srv_store_attendance(st, SRV_ATT_GROUPS, args, ov_group, d);
	if (rc == BLIPPA_OK)
		rc = pv->rc;
	if (rc == BLIPPA_OK)
		rc = index_groups(d);
	static const struct {
		enum srv_att_query q;
		srv_row_fn fn;
	} steps[] = {{SRV_ATT_SESSIONS, ov_session}, {SRV_ATT_FUTURE, ov_future}};
	for (size_t i = 0; rc == BLIPPA_OK && i < sizeof(steps) / sizeof(steps[0]); i++) {
		pv->rc = BLIPPA_OK;
		rc = srv_store_attendance(st, steps[i].q, args, steps[i].fn, d);
		if (rc == BLIPPA_OK)
			rc = pv->rc;
	}
	if (rc == BLIPPA_OK && pv->n_owned) {
		if (!smap_init(&pv->future, pv->n_owned / 3))
			rc = BLIPPA_ERR_NOMEM;
		for (size_t i = 0; rc == BLIPPA_OK && i + 2 < pv->n_owned; i += 3)
			smap_put(&pv->future, pv->owned[i], pv->owned[i + 1],
				 count(pv->owned[i + 2]));
	}
	if (rc == BLIPPA_OK) {
		pv->rc = BLIPPA_OK;
		rc = srv_store_attendance(st, SRV_ATT_MEMBERS, args, ov_member, d);
		if (rc == BLIPPA_OK)
			rc = pv->rc;
	}
	if (rc != BLIPPA_OK) {
		web_data_free(d);
		d = NULL;
	}
	*out = d;
	return rc;
}

/* ---- the group page ---- */

static int gr_group(void *ctx, const char *const *col, int n)
{
	struct web_data *d = ctx;
	struct priv *pv = d->priv;
	if (n < 6) {
		pv->rc = BLIPPA_ERR_IO;
		return 1;
	}
	pv->rc = roster_set_facility(d->r, col[0], col[1], col[2]);
	if (pv->rc == BLIPPA_OK)
		pv->rc = roster_add_group(d->r, pv->owned[0], col[3], col[4], col[5]);
	return 1; /* one row */
}

static int gr_session(void *ctx, const char *const *col, int n)
{
	struct web_data *d = ctx;
	struct priv *pv = d->priv;
	pv->rc = n < 3 ? BLIPPA_ERR_IO
		       : roster_add_session(d->r, col[0], d->r->groups[0].id, col[1], col[2]);
	return pv->rc != BLIPPA_OK;
}

static int gr_member(void *ctx, const char *const *col, int n)
{
	struct web_data *d = ctx;
	struct priv *pv = d->priv;
	pv->rc = n < 3 ? BLIPPA_ERR_IO : roster_add_participant(d->r, col[0], col[1], col[2]);
	if (pv->rc == BLIPPA_OK)
		pv->rc = roster_add_member(d->r, d->r->groups[0].id, col[0]);
	return pv->rc != BLIPPA_OK;
}

static int gr_cell(void *ctx, const char *const *col, int n)
{
	struct web_data *d = ctx;
	struct priv *pv = d->priv;
	if (n < 6 || !col[0] || !col[1] || !col[3]) {
		pv->rc = BLIPPA_ERR_IO;
		return 1;
	}
	size_t s = smap_get(&pv->sess, col[0], NULL);
	if (s == (size_t)-1)
		return 0;
	enum blippa_err rc;
	DYNARR_RESERVE(rc, pv->cells, pv->cells_cap, pv->n_cells + 1, WD_ROWS_MAX);
	if (rc != BLIPPA_OK) {
		pv->rc = rc;
		return 1;
	}
	struct cell *c = &pv->cells[pv->n_cells];
	memset(c, 0, sizeof(*c));
	c->pid = strdup(col[1]);
	c->id = strdup(col[3]);
	pv->n_cells++;
	if (!c->pid || !c->id) {
		pv->rc = BLIPPA_ERR_NOMEM;
		return 1;
	}
	c->session = s;
	c->at_ms = col[2] ? strtoll(col[2], NULL, 10) : 0;
	c->method = (enum checkin_method)count(col[4]);
	c->staff = col[5] && strncmp(col[5], "staff:", 6) == 0;
	if (smap_get(&pv->members, c->pid, NULL) == (size_t)-1)
		pv->any_left = true;
	return 0;
}

static int gr_left(void *ctx, const char *const *col, int n)
{
	struct web_data *d = ctx;
	struct priv *pv = d->priv;
	pv->rc = n < 3 ? BLIPPA_ERR_IO : roster_add_participant(d->r, col[0], col[1], col[2]);
	return pv->rc != BLIPPA_OK;
}

static int gr_not_present(void *ctx, const char *const *col, int n)
{
	struct web_data *d = ctx;
	struct priv *pv = d->priv;
	size_t s = n >= 2 && col[0] ? smap_get(&pv->sess, col[0], NULL) : (size_t)-1;
	size_t m = n >= 2 && col[1] ? smap_get(&pv->members, col[1], NULL) : (size_t)-1;
	if (s != (size_t)-1 && m != (size_t)-1 && !d->members[m].left &&
	    d->members[m].marks[s] == WM_ABSENT) /* no live check-in since */
		d->members[m].marks[s] |= WM_STAFF;
	return 0;
}

/* A row per participant of the roster (members, then those who left), all
 * absent (members) or unmarked (left); the index by id in pv->members. */
static enum blippa_err add_members(struct web_data *d, size_t n_roster)
{
	struct priv *pv = d->priv;
	struct roster *r = d->r;
	smap_free(&pv->members);
	if (!smap_init(&pv->members, r->n_participants))
		return BLIPPA_ERR_NOMEM;
	for (size_t i = 0; i < r->n_participants; i++) {
		struct wd_member *m = add_member(d, &r->participants[i], 0);
		if (!m)
			return BLIPPA_ERR_NOMEM;
		m->left = i >= n_roster;
		memset(m->marks, m->left ? WM_NONE : WM_ABSENT, d->groups[0].n_sessions);
		smap_put(&pv->members, r->participants[i].id, NULL, i);
	}
	return BLIPPA_OK;
}

/* The earliest live check-in of each cell marks it (card, name, leader; a
 * staff one flagged) and counts when its session is held. */
static enum blippa_err apply_cells(struct web_data *d)
{
	struct priv *pv = d->priv;
	size_t ns = d->groups[0].n_sessions;
	size_t *best = malloc((d->n_members * ns + 1) * sizeof(*best));
	if (!best)
		return BLIPPA_ERR_NOMEM;
	for (size_t i = 0; i < d->n_members * ns; i++)
		best[i] = (size_t)-1;
	for (size_t i = 0; i < pv->n_cells; i++) {
		const struct cell *c = &pv->cells[i];
		size_t m = smap_get(&pv->members, c->pid, NULL);
		if (m == (size_t)-1)
			continue; /* left, and no longer in the roster: no name to show */
		size_t *b = &best[m * ns + c->session];
		if (*b == (size_t)-1 || c->at_ms < pv->cells[*b].at_ms ||
		    (c->at_ms == pv->cells[*b].at_ms && strcmp(c->id, pv->cells[*b].id) < 0))
			*b = i;
	}
	for (size_t m = 0; m < d->n_members; m++) {
		struct wd_member *mb = &d->members[m];
		for (size_t s = 0; s < ns; s++) {
			size_t i = best[m * ns + s];
			if (i == (size_t)-1)
				continue;
			const struct cell *c = &pv->cells[i];
			mb->marks[s] =
			    (unsigned char)(mark_of(c->method) | (c->staff ? WM_STAFF : 0));
			if (d->sessions[s].held) {
				mb->attended++;
				if (!mb->left)
					d->sessions[s].present++;
			}
		}
	}
	free(best);
	return BLIPPA_OK;
}

static void fold(struct web_data *d)
{
	struct wd_group *g = &d->groups[0];
	g->present_total = 0;
	for (size_t s = 0; s < d->n_sessions; s++)
		if (d->sessions[s].held)
			g->present_total += d->sessions[s].present;
	qsort(d->members, d->n_members, sizeof(*d->members), cmp_member);
	g->first_member = 0;
	g->n_all = d->n_members;
	for (size_t i = 0; i < d->n_members; i++) {
		struct wd_member *m = &d->members[i];
		if (m->left)
			continue;
		g->n_members++;
		if (g->n_held && m->attended * 2 >= g->n_held)
			g->half++;
		if (g->n_held >= 2) {
			size_t last = 0, missed = 0;
			for (size_t s = g->n_sessions; s-- > 0 && last < 2;) {
				if (!d->sessions[g->first_session + s].held)
					continue;
				last++;
				if ((m->marks[s] & WM_MASK) <= WM_ABSENT)
					missed++;
			}
			m->follow_up = missed == 2;
		}
	}
}

/* Once the group, its sessions and members are read: the group's "now",
 * the sessions in start order, the indexes by id. */
static enum blippa_err gr_prepare(struct web_data *d)
{
	struct priv *pv = d->priv;
	enum blippa_err rc = set_now(d, pv->now_ms);
	if (rc == BLIPPA_OK)
		rc = index_groups(d);
	if (rc == BLIPPA_OK)
		rc = index_sessions(d);
	size_t n_roster = d->r->n_participants;
	if (rc == BLIPPA_OK &&
	    (!smap_init(&pv->sess, d->n_sessions) || !smap_init(&pv->members, n_roster)))
		rc = BLIPPA_ERR_NOMEM;
	for (size_t i = 0; rc == BLIPPA_OK && i < d->n_sessions; i++)
		smap_put(&pv->sess, d->sessions[i].s->id, NULL, i);
	for (size_t i = 0; rc == BLIPPA_OK && i < n_roster; i++)
		smap_put(&pv->members, d->r->participants[i].id, NULL, i);
	pv->prepared = true;
	return rc;
}

/* A row of SRV_ATT_G_PAGE: by its kind (col[0]), in kind order; the
 * "not present" pairs are kept until the marks are made. */
static int gr_row(void *ctx, const char *const *col, int n)
{
	struct web_data *d = ctx;
	struct priv *pv = d->priv;
	int kind = n >= 2 && col[0] ? atoi(col[0]) : -1;
	if (kind < 0 || kind > 4 || kind < pv->kind) {
		pv->rc = BLIPPA_ERR_IO;
		return 1;
	}
	if ((kind == 0) == (pv->kind >= 0)) { /* the group row: first, once */
		pv->rc = kind == 0 ? BLIPPA_ERR_IO : BLIPPA_ERR_NOT_FOUND;
		return 1;
	}
	pv->kind = kind;
	if (kind >= 3 && !pv->prepared && (pv->rc = gr_prepare(d)) != BLIPPA_OK)
		return 1;
	switch (kind) {
	case 0:
		gr_group(d, col + 1, n - 1);
		break;
	case 1:
		gr_session(d, col + 1, n - 1);
		break;
	case 2:
		gr_member(d, col + 1, n - 1);
		break;
	case 3:
		gr_cell(d, col + 1, n - 1);
		break;
	default:
		if (n < 3 || !own(pv, col[1]) || !own(pv, col[2]))
			pv->rc = n < 3 ? BLIPPA_ERR_IO : BLIPPA_ERR_NOMEM;
	}
	return pv->rc != BLIPPA_OK;
}

enum blippa_err web_data_group_load(struct srv_store *st, const char *gid, int64_t now_ms,
				    struct web_data **out)
{
	struct web_data *d = data_new(true);
	enum blippa_err rc = d ? BLIPPA_OK : BLIPPA_ERR_NOMEM;
	*out = NULL;
	if (rc != BLIPPA_OK)
		return rc;
	struct priv *pv = d->priv;
	const char *args[] = {gid};
	if (!own(pv, gid)) /* owned[0]: the group id while its row is read */
		rc = BLIPPA_ERR_NOMEM;
	pv->not_present = 1;
	pv->kind = -1;
	pv->now_ms = now_ms;
	pv->rc = BLIPPA_OK;
	if (rc == BLIPPA_OK)
		rc = srv_store_attendance(st, SRV_ATT_G_PAGE, args, gr_row, d);
	if (rc == BLIPPA_OK)
		rc = pv->kind < 0 ? BLIPPA_ERR_NOT_FOUND : pv->rc;
	if (rc == BLIPPA_OK && !pv->prepared)
		rc = gr_prepare(d);
	size_t n_roster = d->r->n_participants;
	if (rc == BLIPPA_OK && pv->any_left) /* rare: then the names of those who left */
		rc = srv_store_attendance(st, SRV_ATT_G_LEFT, args, gr_left, d);
	if (rc == BLIPPA_OK)
		rc = pv->rc;
	if (rc == BLIPPA_OK)
		rc = add_members(d, n_roster);
	if (rc == BLIPPA_OK)
		rc = apply_cells(d);
	for (size_t i = pv->not_present; rc == BLIPPA_OK && i + 1 < pv->n_owned; i += 2)
		gr_not_present(d, (const char *const *)&pv->owned[i], 2);
	if (rc == BLIPPA_OK)
		fold(d);
	if (rc != BLIPPA_OK) {
		web_data_free(d);
		d = NULL;
	}
	*out = d;
	return rc;
}

size_t web_data_group(const struct web_data *d, const char *id)
{
	for (size_t i = 0; i < d->n_groups; i++)
		if (strcmp(d->groups[i].g->id, id) == 0)
			return i;
	return (size_t)-1;
}

void web_data_free(struct web_data *d)
{
	if (!d)
		return;
	struct priv *pv = d->priv;
	if (pv) {
		smap_free(&pv->groups);
		smap_free(&pv->members);
		smap_free(&pv->future);
		smap_free(&pv->sess);
		for (size_t i = 0; i < pv->n_cells; i++) {
			free(pv->cells[i].pid);
			free(pv->cells[i].id);
		}
		free(pv->cells);
		for (size_t i = 0; i < pv->n_owned; i++)
			free(pv->owned[i]);
		free(pv->owned);
		free(pv);
	}
	for (size_t i = 0; i < d->n_members; i++)
		free(d->members[i].marks);
	free(d->members);
	free(d->sessions);
	free(d->groups);
	roster_free(d->r);
	free(d);
}
