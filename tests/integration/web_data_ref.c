/* SPDX-License-Identifier: MIT */
/* The back-office attendance as it was computed before the summary
 * (issue 15): the roster joined with the export rows, folded row by row.
 * Kept for test_web_data as the reference the pages must agree with. */
#include "web_data_ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz.h"

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
	struct smap groups, sessions, members, parts;
	size_t members_cap;
	bool grid;
	enum blippa_err rc;
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

static enum web_mark mark_of(const struct srv_export_row *row)
{
	if (!row->present)
		return WM_ABSENT;
	switch (row->method) {
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
	if (d->n_members == pv->members_cap) {
		size_t cap = pv->members_cap ? pv->members_cap * 2 : 64;
		struct wd_member *m = realloc(d->members, cap * sizeof(*m));
		if (!m)
			return NULL;
		d->members = m;
		pv->members_cap = cap;
	}
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

static int on_row(void *ctx, const struct srv_export_row *row)
{
	struct web_data *d = ctx;
	struct priv *pv = d->priv;
	size_t g = smap_get(&pv->groups, row->group_id, NULL);
	size_t s = smap_get(&pv->sessions, row->session_id, NULL);
	if (g == (size_t)-1 || s == (size_t)-1)
		return 0; /* another group, or a session no longer in the roster */
	struct wd_session *ses = &d->sessions[s];
	size_t mi = smap_get(&pv->members, d->groups[g].g->id, row->participant_id);
	if (mi == (size_t)-1) {
		if (!pv->grid || !row->present)
			return 0;
		size_t p = smap_get(&pv->parts, row->participant_id, NULL);
		if (p == (size_t)-1)
			return 0; /* no longer in the roster: no name to show */
		struct wd_member *m = add_member(d, &d->r->participants[p], g);
		if (!m) {
			pv->rc = BLIPPA_ERR_NOMEM;
			return 1;
		}
		m->left = true;
		mi = d->n_members - 1;
		smap_put(&pv->members, d->groups[g].g->id, m->p->id, mi);
	}
	struct wd_member *m = &d->members[mi];
	if (m->marks)
		m->marks[s - d->groups[g].first_session] =
		    (unsigned char)(mark_of(row) |
				    (row->present && strncmp(row->kiosk_id, "staff:", 6) == 0
					 ? WM_STAFF
					 : 0));
	if (row->present && ses->held) {
		m->attended++;
		if (!m->left)
			ses->present++;
	}
	return 0;
}

static void fold(struct web_data *d)
{
	for (size_t i = 0; i < d->n_groups; i++) {
		struct wd_group *g = &d->groups[i];
		for (size_t s = g->first_session; s < g->first_session + g->n_sessions; s++) {
			if (d->sessions[s].held) {
				g->n_held++;
				g->present_total += d->sessions[s].present;
			}
		}
	}
	qsort(d->members, d->n_members, sizeof(*d->members), cmp_member);
	for (size_t i = 0; i < d->n_members; i++) {
		struct wd_member *m = &d->members[i];
		struct wd_group *g = &d->groups[m->group];
		if (i == 0 || d->members[i - 1].group != m->group)
			g->first_member = i;
		g->n_all++;
		if (m->left)
			continue;
		g->n_members++;
		if (g->n_held && m->attended * 2 >= g->n_held)
			g->half++;
		if (m->marks && g->n_held >= 2) {
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

enum blippa_err ref_data_load(struct srv_store *st, const char *fid, const char *only_group,
			      int64_t now_ms, struct web_data **out)
{
	enum blippa_err rc;
	char date[11], hhmm[6];
	*out = NULL;
	struct web_data *d = calloc(1, sizeof(*d));
	struct priv *pv = calloc(1, sizeof(*pv));
	if (!d || !pv) {
		free(d);
		free(pv);
		return BLIPPA_ERR_NOMEM;
	}
	d->priv = pv;
	pv->grid = only_group != NULL;
	rc = srv_store_load_roster(st, fid, &d->r);
	if (rc != BLIPPA_OK)
		goto out;
	struct roster *r = d->r;
	rc = tz_utc_ms_to_local(r->facility.timezone, now_ms, date, hhmm);
	if (rc != BLIPPA_OK)
		goto out;
	snprintf(d->now_local, sizeof(d->now_local), "%s %s", date, hhmm);
	rc = BLIPPA_ERR_NOMEM;
	d->groups = calloc(r->n_groups + 1, sizeof(*d->groups));
	d->sessions = calloc(r->n_sessions + 1, sizeof(*d->sessions));
	if (!d->groups || !d->sessions || !smap_init(&pv->groups, r->n_groups) ||
	    !smap_init(&pv->sessions, r->n_sessions) ||
	    !smap_init(&pv->members, r->n_members + 64) ||
	    !smap_init(&pv->parts, pv->grid ? r->n_participants : 0))
		goto out;
	for (size_t i = 0; i < r->n_groups; i++) {
		if (only_group && strcmp(r->groups[i].id, only_group) != 0)
			continue;
		d->groups[d->n_groups].g = &r->groups[i];
		smap_put(&pv->groups, r->groups[i].id, NULL, d->n_groups++);
	}
	if (only_group && d->n_groups == 0) {
		rc = BLIPPA_ERR_NOT_FOUND;
		goto out;
	}
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
		smap_put(&pv->sessions, d->sessions[i].s->id, NULL, i);
	}
	if (pv->grid)
		for (size_t i = 0; i < r->n_participants; i++)
			smap_put(&pv->parts, r->participants[i].id, NULL, i);
	const struct roster_participant *plist = r->participants;
	struct smap pidx = {0};
	if (!pv->grid && !smap_init(&pidx, r->n_participants))
		goto out;
	if (!pv->grid)
		for (size_t i = 0; i < r->n_participants; i++)
			smap_put(&pidx, plist[i].id, NULL, i);
	for (size_t i = 0; i < r->n_members; i++) {
		size_t g = smap_get(&pv->groups, r->members[i].group_id, NULL);
		if (g == (size_t)-1)
			continue;
		size_t p =
		    smap_get(pv->grid ? &pv->parts : &pidx, r->members[i].participant_id, NULL);
		if (p == (size_t)-1)
			continue;
		if (!add_member(d, &plist[p], g)) {
			smap_free(&pidx);
			goto out;
		}
		smap_put(&pv->members, r->members[i].group_id, plist[p].id, d->n_members - 1);
	}
	smap_free(&pidx);
	struct srv_export_filter f = {.facility_id = fid};
	pv->rc = BLIPPA_OK;
	rc = srv_store_export(st, &f, on_row, d);
	if (rc == BLIPPA_OK)
		rc = pv->rc;
	if (rc == BLIPPA_OK)
		fold(d);
out:
	if (rc != BLIPPA_OK) {
		ref_data_free(d);
		d = NULL;
	}
	*out = d;
	return rc;
}

size_t ref_data_group(const struct web_data *d, const char *id)
{
	for (size_t i = 0; i < d->n_groups; i++)
		if (strcmp(d->groups[i].g->id, id) == 0)
			return i;
	return (size_t)-1;
}

void ref_data_free(struct web_data *d)
{
	if (!d)
		return;
	struct priv *pv = d->priv;
	if (pv) {
		smap_free(&pv->groups);
		smap_free(&pv->sessions);
		smap_free(&pv->members);
		smap_free(&pv->parts);
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
