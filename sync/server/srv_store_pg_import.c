/* SPDX-License-Identifier: MIT */
/* PostgreSQL backend, roster import: the whole region snapshot in one
 * transaction under the import advisory lock, one set-based statement per
 * table (upsert from arrays, then delete what the files no longer hold), so
 * the number of round trips does not grow with the roster. Statements are
 * run by id; their SQL is in srv_store_pg.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_store_pg_int.h"

/* Runs id with n array parameters (finished here); frees them. */
static enum blippa_err run_arrays(struct pg_conn *c, enum pg_stmt id, struct pg_arr *a, int n,
				  long *changes)
{
	const char *vals[6];
	int lens[6], fmts[6];
	enum blippa_err rc = BLIPPA_OK;
	for (int i = 0; i < n; i++) {
		if (!pg_arr_finish(&a[i]))
			rc = BLIPPA_ERR_NOMEM;
		vals[i] = a[i].buf;
		lens[i] = (int)a[i].len;
		fmts[i] = 1;
	}
	if (rc == BLIPPA_OK)
		rc = pg_run_cmd(c, id, n, vals, lens, fmts, changes);
	for (int i = 0; i < n; i++)
		pg_arr_free(&a[i]);
	return rc;
}

static void arrs_init(struct pg_arr *a, int n)
{
	for (int i = 0; i < n; i++)
		pg_arr_init(&a[i], PG_OID_TEXT);
}

enum key_list { K_FAC, K_GRP, K_SES, K_PAR, K_LEA };

static size_t key_count(const struct srv_import *m, enum key_list l)
{
	switch (l) {
	case K_FAC:
		return m->n_facilities;
	case K_GRP:
		return m->n_groups;
	case K_SES:
		return m->n_sessions;
	case K_PAR:
		return m->n_participants;
	case K_LEA:
		return m->n_leaders;
	}
	return 0;
}

static const char *key_at(const struct srv_import *m, enum key_list l, size_t i)
{
	switch (l) {
	case K_FAC:
		return m->facilities[i].id;
	case K_GRP:
		return m->groups[i].id;
	case K_SES:
		return m->sessions[i].id;
	case K_PAR:
		return m->participants[i].id;
	case K_LEA:
		return m->leaders[i].id;
	}
	return "";
}

static enum blippa_err import_rows(struct pg_conn *c, const struct srv_import *m,
				   struct srv_import_stats *st)
{
	struct pg_arr a[5];
	enum blippa_err rc;
	arrs_init(a, 3);
	for (size_t i = 0; i < m->n_facilities; i++) {
		pg_arr_text(&a[0], m->facilities[i].id, false);
		pg_arr_text(&a[1], m->facilities[i].name, false);
		pg_arr_text(&a[2], m->facilities[i].timezone, false);
	}
	rc = run_arrays(c, PQ_FAC_UP, a, 3, &st->changed);
	arrs_init(a, 5);
	for (size_t i = 0; i < m->n_groups; i++) {
		const struct srv_group *g = &m->groups[i];
		const char *v[] = {g->id, g->facility_id, g->name, g->period_start, g->period_end};
		for (int k = 0; k < 5; k++)
			pg_arr_text(&a[k], v[k], false);
	}
	if (rc == BLIPPA_OK)
		rc = run_arrays(c, PQ_GRP_UP, a, 5, &st->changed);
	arrs_init(a, 4);
	for (size_t i = 0; i < m->n_sessions; i++) {
		const struct srv_session *s = &m->sessions[i];
		const char *v[] = {s->id, s->group_id, s->start, s->end};
		for (int k = 0; k < 4; k++)
			pg_arr_text(&a[k], v[k], false);
	}
	if (rc == BLIPPA_OK)
		rc = run_arrays(c, PQ_SES_UP, a, 4, &st->changed);
	arrs_init(a, 4);
	for (size_t i = 0; i < m->n_participants; i++) {
		const struct srv_participant *p = &m->participants[i];
		pg_arr_text(&a[0], p->id, false);
		pg_arr_text(&a[1], p->given_name, false);
		pg_arr_text(&a[2], p->family_name, false);
		pg_arr_text(&a[3], p->language ? p->language : "", false);
	}
	if (rc == BLIPPA_OK)
		rc = run_arrays(c, PQ_PAR_UP, a, 4, &st->changed);
	arrs_init(a, 2);
	for (size_t i = 0; i < m->n_members; i++) {
		pg_arr_text(&a[0], m->members[i].group_id, false);
		pg_arr_text(&a[1], m->members[i].participant_id, false);
	}
	if (rc == BLIPPA_OK)
		rc = run_arrays(c, PQ_MEM_UP, a, 2, &st->changed);
	arrs_init(a, 3);
	for (size_t i = 0; i < m->n_leaders; i++) {
		pg_arr_text(&a[0], m->leaders[i].id, false);
		pg_arr_text(&a[1], m->leaders[i].facility_id, false);
		pg_arr_text(&a[2], m->leaders[i].name, false);
	}
	if (rc == BLIPPA_OK)
		rc = run_arrays(c, PQ_LEA_UP, a, 3, &st->changed);
	/* cards: participants' then leaders' (import.c rejects duplicate UIDs) */
	arrs_init(a, 3);
	a[1].oid = PG_OID_INT4;
	for (size_t i = 0; i < m->n_participants + m->n_leaders; i++) {
		bool part = i < m->n_participants;
		const char *uid =
		    part ? m->participants[i].card_uid : m->leaders[i - m->n_participants].card_uid;
		if (!uid || !*uid)
			continue;
		pg_arr_text(&a[0], uid, false);
		pg_arr_int4(&a[1], part ? 0 : 1);
		pg_arr_text(&a[2],
			    part ? m->participants[i].id : m->leaders[i - m->n_participants].id,
			    false);
	}
	struct pg_arr uids = {0};
	if (rc == BLIPPA_OK && a[0].n > 0) {
		/* keep the UIDs for the delete below */
		pg_arr_init(&uids, PG_OID_TEXT);
		for (size_t i = 0; i < m->n_participants + m->n_leaders; i++) {
			bool part = i < m->n_participants;
			const char *uid = part ? m->participants[i].card_uid
					       : m->leaders[i - m->n_participants].card_uid;
			if (uid && *uid)
				pg_arr_text(&uids, uid, false);
		}
	}
	if (rc == BLIPPA_OK)
		rc = run_arrays(c, PQ_CARD_UP, a, 3, &st->changed);
	else
		for (int k = 0; k < 3; k++)
			pg_arr_free(&a[k]);
	if (!uids.buf)
		pg_arr_init(&uids, PG_OID_TEXT);
	/* what is no longer in the files (sessions with check-ins: hidden) */
	static const struct {
		enum pg_stmt stmt;
		enum key_list list;
	} dels[] = {{PQ_FAC_DEL, K_FAC},  {PQ_GRP_DEL, K_GRP}, {PQ_SES_DEL, K_SES},
		    {PQ_SES_HIDE, K_SES}, {PQ_PAR_DEL, K_PAR}, {PQ_LEA_DEL, K_LEA}};
	for (size_t d = 0; d < sizeof(dels) / sizeof(dels[0]); d++) {
		pg_arr_init(&a[0], PG_OID_TEXT);
		for (size_t i = 0; i < key_count(m, dels[d].list); i++)
			pg_arr_text(&a[0], key_at(m, dels[d].list, i), false);
		if (rc == BLIPPA_OK)
			rc = run_arrays(c, dels[d].stmt, a, 1, &st->removed);
		else
			pg_arr_free(&a[0]);
	}
	arrs_init(a, 2);
	for (size_t i = 0; i < m->n_members; i++) {
		pg_arr_text(&a[0], m->members[i].group_id, false);
		pg_arr_text(&a[1], m->members[i].participant_id, false);
	}
	if (rc == BLIPPA_OK)
		rc = run_arrays(c, PQ_MEM_DEL, a, 2, &st->removed);
	else
		for (int k = 0; k < 2; k++)
			pg_arr_free(&a[k]);
	if (rc == BLIPPA_OK)
		rc = run_arrays(c, PQ_CARD_DEL_IMPORT, &uids, 1, &st->removed);
	else
		pg_arr_free(&uids);
	if (rc == BLIPPA_OK)
		rc = pg_run_cmd(c, PQ_CARD_DEL_ORPHAN, 0, NULL, NULL, NULL, &st->removed);
	if (rc == BLIPPA_OK && st->changed + st->removed > 0)
		rc = pg_run_cmd(c, PQ_VERSION_BUMP, 0, NULL, NULL, NULL, NULL);
	/* membership and sessions decide the attendance summary */
	if (rc == BLIPPA_OK && st->changed + st->removed > 0)
		rc = pg_att_rebuild_conn(c);
	return rc;
}

enum blippa_err pg_import(void *impl, const struct srv_import *m, struct srv_import_stats *st,
			  char *err, size_t errlen)
{
	struct pg_impl *im = impl;
	struct pg_conn *c = NULL;
	memset(st, 0, sizeof(*st));
	enum blippa_err rc = pg_conn_get(im, &c);
	if (rc != BLIPPA_OK)
		goto out;
	rc = pg_tx_begin(c);
	if (rc != BLIPPA_OK)
		goto out;
	/* one import at a time, region-wide (several admins or processes) */
	enum blippa_err r2 = pg_lock_admin(c);
	if (r2 == BLIPPA_OK)
		r2 = import_rows(c, m, st);
	/* a dry run rolls back what it counted */
	bool roll = r2 == BLIPPA_OK && m->dry_run;
	rc = pg_tx_end(c, roll ? BLIPPA_ERR_EXISTS : r2);
	if (roll)
		rc = BLIPPA_OK;
out:
	if (rc != BLIPPA_OK) {
		const char *why = c ? PQerrorMessage(c->pg) : "";
		snprintf(err, errlen, "%s: import failed, nothing changed: %s%s%.*s", im->label,
			 blippa_strerror(rc), *why ? ": " : "", (int)strcspn(why, "\n"), why);
	}
	pg_conn_put(im, c);
	return rc;
}
