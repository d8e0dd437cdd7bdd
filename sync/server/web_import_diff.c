/* SPDX-License-Identifier: MIT */
/* The dry-run diff of a roster upload: the store's facility snapshots and
 * the validated files as sorted (key, value) lists per table, walked side
 * by side into added / removed / changed counts (see web_ops.h). */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SEP "\x1f"

struct kv {
	char *k, *v;
};

struct kvs {
	struct kv *a;
	size_t n, cap;
	bool failed;
};

struct side {
	struct kvs t[WD_TABLES];
};

/* Appends key = a SEP b ..., value = the NULL-terminated rest joined. */
static void add(struct kvs *l, const char *k, const char *v)
{
	if (l->failed)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct kv *a = realloc(l->a, cap * sizeof(*a));
		if (!a) {
			l->failed = true;
			return;
		}
		l->a = a;
		l->cap = cap;
	}
	struct kv *e = &l->a[l->n];
	e->k = strdup(k);
	e->v = strdup(v);
	if (!e->k || !e->v) {
		free(e->k);
		free(e->v);
		l->failed = true;
		return;
	}
	l->n++;
}

/* a SEP b SEP c ... into a malloc'd-free fixed buffer */
static const char *join(char *buf, size_t len, const char *a, const char *b, const char *c,
			const char *d)
{
	snprintf(buf, len, "%s" SEP "%s" SEP "%s" SEP "%s", a, b ? b : "", c ? c : "", d ? d : "");
	return buf;
}

static int kv_cmp(const void *x, const void *y)
{
	return strcmp(((const struct kv *)x)->k, ((const struct kv *)y)->k);
}

static void side_free(struct side *s)
{
	for (int t = 0; t < WD_TABLES; t++) {
		for (size_t i = 0; i < s->t[t].n; i++) {
			free(s->t[t].a[i].k);
			free(s->t[t].a[i].v);
		}
		free(s->t[t].a);
	}
}

static bool side_failed(const struct side *s)
{
	for (int t = 0; t < WD_TABLES; t++)
		if (s->t[t].failed)
			return true;
	return false;
}

/* Sorts every table and drops repeated keys (a participant in two
 * facilities' snapshots). */
static void side_sort(struct side *s)
{
	for (int t = 0; t < WD_TABLES; t++) {
		struct kvs *l = &s->t[t];
		if (l->n)
			qsort(l->a, l->n, sizeof(*l->a), kv_cmp);
		size_t o = 0;
		for (size_t i = 0; i < l->n; i++) {
			if (o && strcmp(l->a[o - 1].k, l->a[i].k) == 0) {
				free(l->a[i].k);
				free(l->a[i].v);
				continue;
			}
			l->a[o++] = l->a[i];
		}
		l->n = o;
	}
}

struct cur_ctx {
	struct srv_store *st;
	struct side *s;
	enum blippa_err rc;
};

static void add_roster(struct side *s, const struct roster *r)
{
	char k[4 * ROSTER_NAME_MAX], v[4 * ROSTER_NAME_MAX];
	const char *fid = r->facility.id;
	for (size_t i = 0; i < r->n_groups; i++) {
		const struct roster_group *g = &r->groups[i];
		add(&s->t[WD_GROUPS], g->id,
		    join(v, sizeof(v), fid, g->name, g->period_start, g->period_end));
	}
	for (size_t i = 0; i < r->n_sessions; i++) {
		const struct roster_session *x = &r->sessions[i];
		add(&s->t[WD_SESSIONS], x->id,
		    join(v, sizeof(v), x->group_id, x->start, x->end, ""));
	}
	for (size_t i = 0; i < r->n_participants; i++) {
		const struct roster_participant *p = &r->participants[i];
		add(&s->t[WD_PARTICIPANTS], p->id,
		    join(v, sizeof(v), p->given_name, p->family_name, "", ""));
	}
	for (size_t i = 0; i < r->n_members; i++)
		add(&s->t[WD_MEMBERS],
		    join(k, sizeof(k), r->members[i].group_id, r->members[i].participant_id, "",
			 ""),
		    "");
	for (size_t i = 0; i < r->n_leaders; i++)
		add(&s->t[WD_LEADERS], r->leaders[i].id,
		    join(v, sizeof(v), fid, r->leaders[i].name, "", ""));
	for (size_t i = 0; i < r->n_cards; i++) {
		const struct roster_card *cd = &r->cards[i];
		add(&s->t[WD_CARDS],
		    join(k, sizeof(k), cd->owner == ROSTER_CARD_LEADER ? "l" : "p", cd->owner_id,
			 "", ""),
		    cd->uid_hex);
	}
}

static int cur_fac(void *ctx, const char *id, const char *name, const char *tz)
{
	struct cur_ctx *c = ctx;
	char v[4 * ROSTER_NAME_MAX];
	struct roster *r = NULL;
	add(&c->s->t[WD_FACILITIES], id, join(v, sizeof(v), name, tz, "", ""));
	c->rc = srv_store_load_roster(c->st, id, &r);
	if (c->rc == BLIPPA_ERR_NOT_FOUND) { /* gone meanwhile */
		c->rc = BLIPPA_OK;
		return 0;
	}
	if (c->rc != BLIPPA_OK)
		return 1;
	add_roster(c->s, r);
	roster_free(r);
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The files' side; participants and their cards only when a member. */
static enum blippa_err new_side(const struct srv_import *m, struct side *s)
{
	char k[4 * ROSTER_NAME_MAX], v[4 * ROSTER_NAME_MAX];
	const char **pids = malloc((m->n_members ? m->n_members : 1) * sizeof(*pids));
	if (!pids)
		return BLIPPA_ERR_NOMEM;
	for (size_t i = 0; i < m->n_members; i++)
		pids[i] = m->members[i].participant_id;
	if (m->n_members)
		qsort(pids, m->n_members, sizeof(*pids), str_cmp);
	for (size_t i = 0; i < m->n_facilities; i++)
		add(&s->t[WD_FACILITIES], m->facilities[i].id,
		    join(v, sizeof(v), m->facilities[i].name, m->facilities[i].timezone, "", ""));
	for (size_t i = 0; i < m->n_groups; i++) {
		const struct srv_group *g = &m->groups[i];
		add(&s->t[WD_GROUPS], g->id,
		    join(v, sizeof(v), g->facility_id, g->name, g->period_start, g->period_end));
	}
	for (size_t i = 0; i < m->n_sessions; i++) {
		const struct srv_session *x = &m->sessions[i];
		add(&s->t[WD_SESSIONS], x->id,
		    join(v, sizeof(v), x->group_id, x->start, x->end, ""));
	}
	for (size_t i = 0; i < m->n_participants; i++) {
		const struct srv_participant *p = &m->participants[i];
		if (!m->n_members || !bsearch(&p->id, pids, m->n_members, sizeof(*pids), str_cmp))
			continue;
		add(&s->t[WD_PARTICIPANTS], p->id,
		    join(v, sizeof(v), p->given_name, p->family_name, "", ""));
		if (p->card_uid[0])
			add(&s->t[WD_CARDS], join(k, sizeof(k), "p", p->id, "", ""), p->card_uid);
	}
	for (size_t i = 0; i < m->n_members; i++)
		add(&s->t[WD_MEMBERS],
		    join(k, sizeof(k), m->members[i].group_id, m->members[i].participant_id, "",
			 ""),
		    "");
	for (size_t i = 0; i < m->n_leaders; i++) {
		const struct srv_leader *l = &m->leaders[i];
		add(&s->t[WD_LEADERS], l->id, join(v, sizeof(v), l->facility_id, l->name, "", ""));
		if (l->card_uid[0])
			add(&s->t[WD_CARDS], join(k, sizeof(k), "l", l->id, "", ""), l->card_uid);
	}
	free(pids);
	return side_failed(s) ? BLIPPA_ERR_NOMEM : BLIPPA_OK;
}

/* Card UIDs compare without regard to case (the store keeps upper case). */
static bool same_value(int t, const char *a, const char *b)
{
	return t == WD_CARDS ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

enum blippa_err web_import_diff(struct srv_store *st, const struct srv_import *imp,
				struct web_diff *out)
{
	struct side cur = {0}, nw = {0};
	struct cur_ctx cc = {.st = st, .s = &cur, .rc = BLIPPA_OK};
	memset(out, 0, sizeof(*out));
	enum blippa_err rc = srv_store_list_facilities(st, cur_fac, &cc);
	if (rc == BLIPPA_OK)
		rc = cc.rc;
	if (rc == BLIPPA_OK && side_failed(&cur))
		rc = BLIPPA_ERR_NOMEM;
	if (rc == BLIPPA_OK)
		rc = new_side(imp, &nw);
	if (rc != BLIPPA_OK)
		goto out;
	side_sort(&cur);
	side_sort(&nw);
	for (int t = 0; t < WD_TABLES; t++) {
		const struct kvs *a = &cur.t[t], *b = &nw.t[t];
		size_t i = 0, j = 0;
		while (i < a->n || j < b->n) {
			int d = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->a[i].k, b->a[j].k);
			if (d < 0) { /* only now: removed (a card only if named again) */
				if (t != WD_CARDS)
					out->removed[t]++;
				i++;
			} else if (d > 0) {
				if (t == WD_CARDS)
					out->changed[t]++;
				else
					out->added[t]++;
				j++;
			} else {
				if (!same_value(t, a->a[i].v, b->a[j].v))
					out->changed[t]++;
				i++;
				j++;
			}
		}
	}
out:
	side_free(&cur);
	side_free(&nw);
	return rc;
}
