/* SPDX-License-Identifier: MIT */
/* Backend selection and the thin public wrappers of srv_store.h. */
#include "srv_store.h"
#include "srv_store_pg.h"
#include "tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct srv_store {
	const struct srv_store_ops *ops;
	void *impl;
	pthread_mutex_t count_mu; /* guards counts */
	struct srv_ingest_counters counts;
};

enum blippa_err srv_store_open(const char *db, bool create, struct srv_store **out, char *err,
			       size_t errlen)
{
	enum blippa_err rc = BLIPPA_OK;
	struct srv_store *st = NULL;
	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (!st) {
		rc = BLIPPA_ERR_NOMEM;
		goto out;
	}
	/* "postgresql://" or "postgres://": PostgreSQL (issue 8), else an SQLite file */
	pthread_mutex_init(&st->count_mu, NULL);
	st->ops = srv_store_pg_target(db) ? &srv_store_pg_ops : &srv_store_sqlite_ops;
	rc = st->ops->open(db, create, &st->impl, err, errlen);
	if (rc != BLIPPA_OK)
		goto out;
	*out = st;
	st = NULL;
out:
	if (st)
		pthread_mutex_destroy(&st->count_mu);
	free(st);
	return rc;
}

void srv_store_close(struct srv_store *st)
{
	if (!st)
		return;
	st->ops->close(st->impl);
	pthread_mutex_destroy(&st->count_mu);
	free(st);
}

enum blippa_err srv_store_import(struct srv_store *st, const struct srv_import *imp,
				 struct srv_import_stats *stats, char *err, size_t errlen)
{
	return st->ops->import_roster(st->impl, imp, stats, err, errlen);
}

enum blippa_err srv_store_facility_exists(struct srv_store *st, const char *facility_id)
{
	return st->ops->facility_exists(st->impl, facility_id);
}

enum blippa_err srv_store_add_kiosk(struct srv_store *st, const char *facility_id, const char *name,
				    const uint8_t token_hash[SRV_TOKEN_HASH_LEN], int64_t now_ms,
				    char id_out[SRV_ID_MAX + 1])
{
	return st->ops->add_kiosk(st->impl, facility_id, name, token_hash, now_ms, id_out);
}

enum blippa_err srv_store_list_kiosks(struct srv_store *st, srv_kiosk_fn fn, void *ctx)
{
	return st->ops->list_kiosks(st->impl, fn, ctx);
}

enum blippa_err srv_store_revoke_kiosk(struct srv_store *st, const char *kiosk_id, int64_t now_ms)
{
	return st->ops->revoke_kiosk(st->impl, kiosk_id, now_ms);
}

enum blippa_err srv_store_set_leader_pin(struct srv_store *st, const char *leader_id,
					 const char *pin_hash)
{
	return st->ops->set_leader_pin(st->impl, leader_id, pin_hash);
}

enum blippa_err srv_store_auth_kiosk(struct srv_store *st,
				     const uint8_t token_hash[SRV_TOKEN_HASH_LEN],
				     struct srv_kiosk *out)
{
	return st->ops->auth_kiosk(st->impl, token_hash, out);
}

enum blippa_err srv_store_roster_version(struct srv_store *st, int64_t *out)
{
	return st->ops->roster_version(st->impl, out);
}

enum blippa_err srv_store_load_roster(struct srv_store *st, const char *facility_id,
				      struct roster **out)
{
	return st->ops->load_roster(st->impl, facility_id, out);
}

void srv_pool_init(struct srv_pool *p, int max, struct srv_pool_conn *first)
{
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->max = max;
	p->idle = first;
	p->n_open = first ? 1 : 0;
	if (first)
		first->next = NULL;
}

enum blippa_err srv_pool_get(struct srv_pool *p,
			     enum blippa_err (*open)(void *ctx, struct srv_pool_conn **out),
			     void *ctx, struct srv_pool_conn **out)
{
	enum blippa_err rc;
	*out = NULL;
	pthread_mutex_lock(&p->mu);
	while (!p->idle && p->n_open >= p->max)
		pthread_cond_wait(&p->cv, &p->mu);
	if (p->idle) {
		*out = p->idle;
		p->idle = p->idle->next;
		pthread_mutex_unlock(&p->mu);
		return BLIPPA_OK;
	}
	p->n_open++;
	pthread_mutex_unlock(&p->mu);
	rc = open(ctx, out);
	if (rc != BLIPPA_OK) {
		*out = NULL;
		pthread_mutex_lock(&p->mu);
		p->n_open--;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return rc;
}

void srv_pool_put(struct srv_pool *p, struct srv_pool_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&p->mu);
	c->next = p->idle;
	p->idle = c;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void srv_pool_destroy(struct srv_pool *p, void (*free_conn)(struct srv_pool_conn *c))
{
	while (p->idle) {
		struct srv_pool_conn *c = p->idle;
		p->idle = c->next;
		free_conn(c);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
}

const char *srv_reason_text(enum srv_reason r)
{
	static const char *const text[SRV_R_COUNT] = {
	    [SRV_R_SESSION] = "unknown session",
	    [SRV_R_SES_FAC] = "session not in facility",
	    [SRV_R_PARTICIPANT] = "unknown participant",
	    [SRV_R_NOT_MEMBER] = "participant not in group",
	    [SRV_R_EVENT] = "unknown event",
	    [SRV_R_IN_USE] = "card in use",
	    [SRV_R_UID] = "bad card uid",
	};
	return (unsigned)r < SRV_R_COUNT ? text[r] : NULL;
}

/* ---- event ingest: the order of checks, once ---- */

static int cmp_by_id(const void *a, const void *b)
{
	const struct srv_id_ref *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

size_t srv_batch_find(const struct srv_batch *b, const char *id)
{
	size_t lo = 0, hi = b->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(b->by_id[mid].id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->n && strcmp(b->by_id[lo].id, id) == 0 ? lo : b->n;
}

/* The first check ev fails, from what the backend looked up. */
static enum srv_reason event_reason(const struct protocol_event *ev, const struct srv_ev_state *s)
{
	const struct srv_ev_facts *f = &s->f;
	switch (ev->type) {
	case EVENT_CHECKIN:
		if (ev->session_id[0]) {
			if (!f->session_found)
				return SRV_R_SESSION;
			if (!f->session_here)
				return SRV_R_SES_FAC;
			if (f->member)
				return SRV_R_OK;
		}
		if (!f->participant_here)
			return SRV_R_PARTICIPANT;
		return ev->session_id[0] ? SRV_R_NOT_MEMBER : SRV_R_OK;
	case EVENT_VOID:
		return f->voided_here ? SRV_R_OK : SRV_R_EVENT;
	case EVENT_CARD_LINK:
		if (!s->uid[0])
			return SRV_R_UID;
		if (!f->participant_here)
			return SRV_R_PARTICIPANT;
		return f->card_taken ? SRV_R_IN_USE : SRV_R_OK;
	}
	return SRV_R_EVENT;
}

/* A void of a check-in that is not stored yet is still good when that
 * check-in is acceptable and comes earlier in this very batch. */
static void batch_voids(struct srv_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		if (b->ev[i].type != EVENT_VOID || b->st[i].reason != SRV_R_EVENT)
			continue;
		for (size_t p = srv_batch_find(b, b->ev[i].voids_id);
		     p < b->n && strcmp(b->by_id[p].id, b->ev[i].voids_id) == 0; p++) {
			size_t j = b->by_id[p].i;
			if (j < i && b->ev[j].type == EVENT_CHECKIN &&
			    b->st[j].reason == SRV_R_OK) {
				b->st[i].reason = SRV_R_OK;
				break;
			}
		}
	}
}

/* Marks, per id not stored before, the first acceptable row as the one to
 * insert. True if a card link is among them. */
static bool batch_mark(struct srv_batch *b)
{
	bool links = false;
	for (size_t p = 0; p < b->n; p++) {
		size_t i = b->by_id[p].i;
		if (p > 0 && strcmp(b->by_id[p - 1].id, b->ev[i].id) == 0)
			continue; /* not the first row of its id */
		for (size_t q = p; q < b->n && strcmp(b->by_id[q].id, b->ev[i].id) == 0; q++) {
			size_t j = b->by_id[q].i;
			if (!b->st[j].f.existed && b->st[j].reason == SRV_R_OK) {
				b->st[j].candidate = true;
				links = links || b->ev[j].type == EVENT_CARD_LINK;
				break;
			}
		}
	}
	return links;
}

/* Per-row results; the rows of an id are judged in batch order. */
static void batch_results(const struct srv_batch *b, struct protocol_result *res)
{
	for (size_t p = 0; p < b->n;) {
		size_t q = p, cand = b->n;
		bool stored_elsewhere = false;
		while (q < b->n && strcmp(b->by_id[q].id, b->by_id[p].id) == 0) {
			size_t j = b->by_id[q++].i;
			if (b->st[j].candidate) {
				cand = j;
				stored_elsewhere = !b->st[j].inserted;
			}
			stored_elsewhere = stored_elsewhere || b->st[j].f.existed;
		}
		for (size_t r = p; r < q; r++) {
			size_t i = b->by_id[r].i;
			struct protocol_result *o = &res[i];
			snprintf(o->id, sizeof(o->id), "%s", b->ev[i].id);
			o->reason[0] = '\0';
			if (stored_elsewhere || (cand < b->n && i > cand)) {
				o->status = PROTOCOL_DUPLICATE;
			} else if (i == cand) {
				o->status = PROTOCOL_ACCEPTED;
			} else {
				const char *why = srv_reason_text(b->st[i].reason);
				o->status = PROTOCOL_REJECTED;
				snprintf(o->reason, sizeof(o->reason), "%s",
					 why ? why : "rejected");
			}
		}
		p = q;
	}
}

/* The accepted card links, then one version bump for them. */
static enum blippa_err batch_links(const struct srv_ingest_io *io, void *conn,
				   const struct srv_batch *b, const struct protocol_result *res)
{
	enum blippa_err rc = BLIPPA_OK;
	bool bump = false;
	for (size_t i = 0; rc == BLIPPA_OK && i < b->n; i++) {
		if (res[i].status != PROTOCOL_ACCEPTED || b->ev[i].type != EVENT_CARD_LINK)
			continue;
		rc = io->link_card(conn, b->st[i].uid, b->ev[i].participant_id);
		bump = true;
	}
	if (rc == BLIPPA_OK && bump) /* the roster changed: new ETag */
		rc = io->bump(conn);
	return rc;
}

enum blippa_err srv_ingest_batch(const struct srv_ingest_io *io, void *conn,
				 const struct srv_kiosk *k, struct srv_batch *b, int64_t now_ms,
				 struct protocol_result *res)
{
	for (size_t i = 0; i < b->n; i++) {
		memset(&b->st[i], 0, sizeof(b->st[i]));
		if (b->ev[i].type == EVENT_CARD_LINK &&
		    !uid_hex_normalize(b->ev[i].card_uid, b->st[i].uid))
			b->st[i].uid[0] = '\0';
	}
	enum blippa_err rc = io->facts(conn, k, b);
	if (rc != BLIPPA_OK)
		return rc;
	for (size_t i = 0; i < b->n; i++)
		b->st[i].reason = event_reason(&b->ev[i], &b->st[i]);
	batch_voids(b);
	bool tx = batch_mark(b) && io->tx_begin;
	if (tx && (rc = io->tx_begin(conn)) != BLIPPA_OK)
		return rc;
	rc = io->insert(conn, k, now_ms, b);
	if (rc == BLIPPA_OK) {
		batch_results(b, res);
		rc = batch_links(io, conn, b, res);
	}
	return tx ? io->tx_end(conn, rc) : rc;
}

static bool has_upper_hex(const char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'F')
			return true;
	return false;
}

/* True if any event id or voids id has an upper-case letter. */
static bool ids_need_lowering(const struct protocol_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (has_upper_hex(ev[i].id) || has_upper_hex(ev[i].voids_id))
			return true;
	return false;
}

/* Adds one stored batch to the process's ingest counters. */
static void count_batch(struct srv_store *st, const struct protocol_result *res, size_t n)
{
	pthread_mutex_lock(&st->count_mu);
	st->counts.batches++;
	for (size_t i = 0; i < n; i++) {
		if (res[i].status == PROTOCOL_ACCEPTED) {
			st->counts.accepted++;
		} else if (res[i].status == PROTOCOL_DUPLICATE) {
			st->counts.duplicate++;
		} else {
			int r = SRV_R_COUNT - 1;
			while (r > SRV_R_OK &&
			       strcmp(res[i].reason, srv_reason_text((enum srv_reason)r)) != 0)
				r--;
			st->counts.rejected[r]++;
		}
	}
	pthread_mutex_unlock(&st->count_mu);
}

enum blippa_err srv_store_ingest_events(struct srv_store *st, const struct srv_kiosk *k,
					const struct protocol_event *ev, size_t n, int64_t now_ms,
					struct protocol_result *res, struct srv_ingest_stats *stats)
{
	struct protocol_event *low = NULL;
	struct srv_batch b = {.n = n};
	enum blippa_err rc;

	memset(stats, 0, sizeof(*stats));
	/* Event ids are case-insensitive (event.h): both backends see one
	 * spelling, whoever called (the decoder lowers already). */
	if (ids_need_lowering(ev, n)) {
		low = malloc(n * sizeof(*low));
		if (!low)
			return BLIPPA_ERR_NOMEM;
		memcpy(low, ev, n * sizeof(*low));
		for (size_t i = 0; i < n; i++) {
			event_id_normalize(low[i].id);
			event_id_normalize(low[i].voids_id);
		}
		ev = low;
	}
	b.ev = ev;
	b.st = calloc(n ? n : 1, sizeof(*b.st));
	b.by_id = calloc(n ? n : 1, sizeof(*b.by_id));
	if (!b.st || !b.by_id) {
		rc = BLIPPA_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		b.by_id[i] = (struct srv_id_ref){ev[i].id, i};
	if (n > 1)
		qsort(b.by_id, n, sizeof(b.by_id[0]), cmp_by_id);
	rc = st->ops->ingest_events(st->impl, k, &b, now_ms, res);
	for (size_t i = 0; rc == BLIPPA_OK && i < n; i++) {
		if (res[i].status == PROTOCOL_ACCEPTED)
			stats->accepted++;
		else if (res[i].status == PROTOCOL_DUPLICATE)
			stats->duplicate++;
		else
			stats->rejected++;
	}
	if (rc == BLIPPA_OK)
		count_batch(st, res, n);
out:
	free(b.st);
	free(b.by_id);
	free(low);
	return rc;
}

void srv_store_ingest_counters(struct srv_store *st, struct srv_ingest_counters *out)
{
	pthread_mutex_lock(&st->count_mu);
	*out = st->counts;
	pthread_mutex_unlock(&st->count_mu);
}

enum blippa_err srv_store_record_heartbeat(struct srv_store *st, const char *kiosk_id,
					   const struct protocol_heartbeat *hb, int64_t now_ms)
{
	return st->ops->record_heartbeat(st->impl, kiosk_id, hb, now_ms);
}

enum blippa_err srv_store_export(struct srv_store *st, const struct srv_export_filter *f,
				 srv_export_fn fn, void *ctx)
{
	return st->ops->export_attendance(st->impl, f, fn, ctx);
}

struct open_ctx {
	const struct srv_export_filter *f;
	srv_export_fn fn;
	void *ctx;
	enum blippa_err rc;
};

/* Passes on the visits whose facility-local date is inside the filter. */
static int open_row(void *ctx, const struct srv_export_row *row)
{
	struct open_ctx *o = ctx;
	char date[11], hhmm[6];
	struct srv_export_row r = *row;

	if (tz_utc_ms_to_local(row->timezone, row->at_ms, date, hhmm) != BLIPPA_OK) {
		o->rc = BLIPPA_ERR_INVALID;
		return 1;
	}
	if ((o->f->from_date && strcmp(date, o->f->from_date) < 0) ||
	    (o->f->to_date && strcmp(date, o->f->to_date) > 0))
		return 0;
	r.open_training = true;
	r.present = true;
	r.group_id = r.session_id = r.session_start = "";
	return o->fn(o->ctx, &r);
}

enum blippa_err srv_store_export_open_training(struct srv_store *st,
					       const struct srv_export_filter *f, srv_export_fn fn,
					       void *ctx)
{
	struct open_ctx o = {f, fn, ctx, BLIPPA_OK};
	enum blippa_err rc = st->ops->export_open_training(st->impl, f->facility_id, open_row, &o);

	return rc != BLIPPA_OK ? rc : o.rc;
}

/* Back-office accounts: a backend without them answers BLIPPA_ERR_CONFIG. */
#define USER_OP(op, ...) (st->ops->op ? st->ops->op(st->impl, __VA_ARGS__) : BLIPPA_ERR_CONFIG)

enum blippa_err srv_store_add_user(struct srv_store *st, const struct srv_user *u)
{
	return USER_OP(add_user, u);
}

enum blippa_err srv_store_get_user(struct srv_store *st, const char *name, struct srv_user *out)
{
	return USER_OP(get_user, name, out);
}

enum blippa_err srv_store_set_password(struct srv_store *st, const char *name, const char *pw_hash)
{
	return USER_OP(set_password, name, pw_hash);
}

enum blippa_err srv_store_list_users(struct srv_store *st, srv_user_fn fn, void *ctx)
{
	return USER_OP(list_users, fn, ctx);
}

enum blippa_err srv_store_remove_user(struct srv_store *st, const char *name)
{
	return USER_OP(remove_user, name);
}

enum blippa_err srv_store_list_facilities(struct srv_store *st, srv_facility_fn fn, void *ctx)
{
	return USER_OP(list_facilities, fn, ctx);
}

enum blippa_err srv_store_correct(struct srv_store *st, const struct srv_correction *c)
{
	return USER_OP(correct, c);
}

enum blippa_err srv_store_list_corrections(struct srv_store *st, const char *group_id,
					   srv_correction_fn fn, void *ctx)
{
	return USER_OP(list_corrections, group_id, fn, ctx);
}

enum blippa_err srv_store_attendance(struct srv_store *st, enum srv_att_query q,
				     const char *const *args, srv_row_fn fn, void *ctx)
{
	if ((unsigned)q >= SRV_ATT_COUNT)
		return BLIPPA_ERR_INVALID;
	return USER_OP(attendance, q, args, fn, ctx);
}

enum blippa_err srv_store_att_rebuild(struct srv_store *st)
{
	return st->ops->att_rebuild ? st->ops->att_rebuild(st->impl) : BLIPPA_ERR_CONFIG;
}

void srv_user_fold_init(struct srv_user_fold *f, srv_user_fn fn, void *ctx)
{
	memset(f, 0, sizeof(*f));
	f->fn = fn;
	f->ctx = ctx;
}

bool srv_user_fold_row(struct srv_user_fold *f, const char *name, int role, int64_t created_ms,
		       const char *facility)
{
	if (!f->have || strcmp(f->u.name, name) != 0) {
		if (f->have && f->fn(f->ctx, &f->u) != 0) {
			f->have = false;
			return false;
		}
		memset(&f->u, 0, sizeof(f->u));
		snprintf(f->u.name, sizeof(f->u.name), "%s", name);
		f->u.role = (enum srv_role)role;
		f->u.created_ms = created_ms;
		f->have = true;
	}
	if (facility && f->u.n_facilities < SRV_USER_FACILITIES_MAX)
		snprintf(f->u.facilities[f->u.n_facilities++], SRV_ID_MAX + 1, "%s", facility);
	return true;
}

void srv_user_fold_end(struct srv_user_fold *f)
{
	if (f->have)
		f->fn(f->ctx, &f->u);
	f->have = false;
}

enum blippa_err srv_store_sql(struct srv_store *st, int mode, srv_sql_fn fn, void *ctx)
{
	return USER_OP(with_sql, mode, fn, ctx);
}
