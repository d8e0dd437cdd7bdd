/* SPDX-License-Identifier: MIT */
/* The roster snapshot half of the protocol codec (protocol.h): decode with
 * full validation, and the canonical encoding the server's ETag hashes. */
#include "protocol.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol_json.h"

#define PIN_HASH_MAX 255

/* ---------------------------------------------------------------- roster */

/* Each table: fetch the array, then for every element check it is an object,
 * read its fields and hand them to the roster adder. */
static enum blippa_err row_obj(json_t *arr, size_t i, const char *table, json_t **o, char *path,
			       size_t pathlen, char *err, size_t errlen)
{
	snprintf(path, pathlen, "%s[%zu]", table, i);
	*o = json_array_get(arr, i);
	if (!json_is_object(*o)) {
		pjson_seterr(err, errlen, "%s: not an object", path);
		return BLIPPA_ERR_INVALID;
	}
	return BLIPPA_OK;
}

static enum blippa_err added(enum blippa_err rc, const char *path, char *err, size_t errlen)
{
	if (rc == BLIPPA_ERR_INVALID)
		pjson_seterr(err, errlen, "%s: invalid value (id, name, date, time or uid format)",
			     path);
	else if (rc != BLIPPA_OK)
		pjson_seterr(err, errlen, "%s: %s", path, blippa_strerror(rc));
	return rc;
}

static enum blippa_err decode_tables(json_t *root, struct roster *r, char *err, size_t errlen)
{
	enum blippa_err rc;
	json_t *arr, *o;
	char path[48];
	const char *a, *b, *c, *d;
	size_t i;

	if ((rc = pjson_get_array(root, "groups", PROTOCOL_ROSTER_MAX_ROWS, &arr, err, errlen)))
		return rc;
	for (i = 0; i < json_array_size(arr); i++) {
		if ((rc = row_obj(arr, i, "groups", &o, path, sizeof path, err, errlen)) ||
		    (rc = pjson_get_id(o, "id", true, &a, path, err, errlen)) ||
		    (rc = pjson_get_str(o, "name", true, ROSTER_NAME_MAX, false, &b, path, err,
					errlen)) ||
		    (rc = pjson_get_str(o, "period_start", true, 10, false, &c, path, err,
					errlen)) ||
		    (rc = pjson_get_str(o, "period_end", true, 10, false, &d, path, err, errlen)) ||
		    (rc = added(roster_add_group(r, a, b, c, d), path, err, errlen)))
			return rc;
	}
	if ((rc = pjson_get_array(root, "sessions", PROTOCOL_ROSTER_MAX_ROWS, &arr, err, errlen)))
		return rc;
	for (i = 0; i < json_array_size(arr); i++) {
		if ((rc = row_obj(arr, i, "sessions", &o, path, sizeof path, err, errlen)) ||
		    (rc = pjson_get_id(o, "id", true, &a, path, err, errlen)) ||
		    (rc = pjson_get_id(o, "group_id", true, &b, path, err, errlen)) ||
		    (rc = pjson_get_str(o, "start", true, 16, false, &c, path, err, errlen)) ||
		    (rc = pjson_get_str(o, "end", true, 16, false, &d, path, err, errlen)) ||
		    (rc = added(roster_add_session(r, a, b, c, d), path, err, errlen)))
			return rc;
	}
	if ((rc = pjson_get_array(root, "participants", PROTOCOL_ROSTER_MAX_ROWS, &arr, err,
				  errlen)))
		return rc;
	for (i = 0; i < json_array_size(arr); i++) {
		if ((rc = row_obj(arr, i, "participants", &o, path, sizeof path, err, errlen)) ||
		    (rc = pjson_get_id(o, "id", true, &a, path, err, errlen)) ||
		    (rc = pjson_get_str(o, "given_name", true, ROSTER_NAME_MAX, false, &b, path,
					err, errlen)) ||
		    (rc = pjson_get_str(o, "family_name", true, ROSTER_NAME_MAX, false, &c, path,
					err, errlen)) ||
		    /* optional (later extension): absent from older servers */
		    (rc = pjson_get_str(o, "language", false, 2, false, &d, path, err, errlen)) ||
		    (rc = added(roster_add_participant_lang(r, a, b, c, d), path, err, errlen)))
			return rc;
	}
	if ((rc = pjson_get_array(root, "members", PROTOCOL_ROSTER_MAX_ROWS, &arr, err, errlen)))
		return rc;
	for (i = 0; i < json_array_size(arr); i++) {
		if ((rc = row_obj(arr, i, "members", &o, path, sizeof path, err, errlen)) ||
		    (rc = pjson_get_id(o, "group_id", true, &a, path, err, errlen)) ||
		    (rc = pjson_get_id(o, "participant_id", true, &b, path, err, errlen)) ||
		    (rc = added(roster_add_member(r, a, b), path, err, errlen)))
			return rc;
	}
	if ((rc = pjson_get_array(root, "leaders", PROTOCOL_ROSTER_MAX_ROWS, &arr, err, errlen)))
		return rc;
	for (i = 0; i < json_array_size(arr); i++) {
		if ((rc = row_obj(arr, i, "leaders", &o, path, sizeof path, err, errlen)) ||
		    (rc = pjson_get_id(o, "id", true, &a, path, err, errlen)) ||
		    (rc = pjson_get_str(o, "name", true, ROSTER_NAME_MAX, false, &b, path, err,
					errlen)) ||
		    (rc = pjson_get_str(o, "pin_hash", false, PIN_HASH_MAX, false, &c, path, err,
					errlen)) ||
		    (rc = added(roster_add_leader(r, a, b, c), path, err, errlen)))
			return rc;
	}
	if ((rc = pjson_get_array(root, "cards", PROTOCOL_ROSTER_MAX_ROWS, &arr, err, errlen)))
		return rc;
	for (i = 0; i < json_array_size(arr); i++) {
		enum roster_card_owner owner;
		if ((rc = row_obj(arr, i, "cards", &o, path, sizeof path, err, errlen)) ||
		    (rc = pjson_get_str(o, "uid", true, ROSTER_UID_HEX_MAX, false, &a, path, err,
					errlen)) ||
		    (rc = pjson_get_str(o, "owner", true, 16, false, &b, path, err, errlen)) ||
		    (rc = pjson_get_id(o, "owner_id", true, &c, path, err, errlen)))
			return rc;
		if (strcmp(b, "participant") == 0) {
			owner = ROSTER_CARD_PARTICIPANT;
		} else if (strcmp(b, "leader") == 0) {
			owner = ROSTER_CARD_LEADER;
		} else {
			pjson_seterr(err, errlen, "%s.owner: unknown value", path);
			return BLIPPA_ERR_INVALID;
		}
		if ((rc = added(roster_add_card(r, a, owner, c), path, err, errlen)))
			return rc;
	}
	return BLIPPA_OK;
}

enum blippa_err protocol_decode_roster(const char *json, size_t len, struct roster **out,
				       char *kiosk_id, size_t kiosk_id_len, char *err,
				       size_t errlen)
{
	enum blippa_err rc;
	json_t *root = NULL, *fac;
	struct roster *r = NULL;
	const char *kid = NULL, *a, *b, *c;
	int64_t ver = 0;

	*out = NULL;
	if ((rc = pjson_load(json, len, PROTOCOL_RESPONSE_MAX, &root, err, errlen)))
		goto out;
	if ((rc = pjson_get_int(root, "protocol", true, 1, 1000, &ver, "roster", err, errlen)))
		goto out;
	if (ver != PROTOCOL_VERSION) {
		pjson_seterr(err, errlen, "roster.protocol: unsupported version %" PRId64, ver);
		rc = BLIPPA_ERR_INVALID;
		goto out;
	}
	if ((rc = pjson_get_id(root, "kiosk_id", false, &kid, "roster", err, errlen)))
		goto out;
	fac = json_object_get(root, "facility");
	if (!json_is_object(fac)) {
		pjson_seterr(err, errlen, "facility: %s", fac ? "not an object" : "missing");
		rc = BLIPPA_ERR_INVALID;
		goto out;
	}
	if ((rc = pjson_get_id(fac, "id", true, &a, "facility", err, errlen)) ||
	    (rc = pjson_get_str(fac, "name", true, ROSTER_NAME_MAX, false, &b, "facility", err,
				errlen)) ||
	    (rc = pjson_get_str(fac, "timezone", true, 64, false, &c, "facility", err, errlen)))
		goto out;
	r = roster_new();
	if (!r) {
		rc = BLIPPA_ERR_NOMEM;
		goto out;
	}
	if ((rc = added(roster_set_facility(r, a, b, c), "facility", err, errlen)))
		goto out;
	if ((rc = decode_tables(root, r, err, errlen)))
		goto out;
	if ((rc = roster_validate(r, err, errlen))) {
		/* roster_validate names ids and UIDs: keep only the table name */
		char table[24];
		size_t k = err ? strcspn(err, ": ") : 0;
		snprintf(table, sizeof table, "%.*s",
			 (int)(k < sizeof table ? k : sizeof table - 1), err ? err : "");
		pjson_seterr(err, errlen,
			     "%s: inconsistent snapshot (duplicate id or uid, dangling "
			     "reference, or end not after start)",
			     table[0] ? table : "roster");
		goto out;
	}
	if (kiosk_id && kiosk_id_len)
		snprintf(kiosk_id, kiosk_id_len, "%s", kid ? kid : "");
	*out = r;
	r = NULL;
out:
	roster_free(r);
	json_decref(root);
	return rc;
}

/* Canonical order: sort pointers to rows by their key strings. */
static int cmp_first(const void *a, const void *b)
{
	const char *const *x = *(const char *const *const *)a;
	const char *const *y = *(const char *const *const *)b;
	return strcmp(x[0], y[0]);
}

static int cmp_member(const void *a, const void *b)
{
	const struct roster_member *x = *(const struct roster_member *const *)a;
	const struct roster_member *y = *(const struct roster_member *const *)b;
	int c = strcmp(x->group_id, y->group_id);
	return c ? c : strcmp(x->participant_id, y->participant_id);
}

/* Fills idx with pointers to the n rows of size sz at base, sorted by cmp. */
static const void **sorted(const void *base, size_t n, size_t sz,
			   int (*cmp)(const void *, const void *))
{
	const void **idx = malloc((n ? n : 1) * sizeof *idx);
	if (!idx)
		return NULL;
	for (size_t i = 0; i < n; i++)
		idx[i] = (const char *)base + i * sz;
	qsort(idx, n, sizeof *idx, cmp);
	return idx;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

enum blippa_err protocol_encode_roster(const struct roster *r, const char *kiosk_id, char **out,
				       size_t *len)
{
	json_t *root = json_object(), *o, *arr;
	const void **idx = NULL;
	bool ok = root != NULL;
	size_t i;

	*out = NULL;
	if (!ok)
		return BLIPPA_ERR_NOMEM;
	pjson_put(root, "protocol", json_integer(PROTOCOL_VERSION), &ok);
	if (kiosk_id)
		pjson_put(root, "kiosk_id", json_string(kiosk_id), &ok);
	o = json_object();
	pjson_put(root, "facility", o, &ok);
	if (o) {
		pjson_put(o, "id", str_or_null(r->facility.id), &ok);
		pjson_put(o, "name", str_or_null(r->facility.name), &ok);
		pjson_put(o, "timezone", str_or_null(r->facility.timezone), &ok);
	}
	/* struct roster_group etc. begin with their key string(s) (id, or
	 * group_id for members, uid_hex for cards), so cmp_first works on all. */
	pjson_put(root, "groups", arr = json_array(), &ok);
	idx = sorted(r->groups, r->n_groups, sizeof *r->groups, cmp_first);
	for (i = 0; ok && idx && i < r->n_groups; i++) {
		const struct roster_group *g = idx[i];
		pjson_append(arr, o = json_object(), &ok);
		if (!ok)
			break;
		pjson_put(o, "id", json_string(g->id), &ok);
		pjson_put(o, "name", json_string(g->name), &ok);
		pjson_put(o, "period_start", json_string(g->period_start), &ok);
		pjson_put(o, "period_end", json_string(g->period_end), &ok);
	}
	ok = ok && idx;
	free(idx);
	pjson_put(root, "sessions", arr = json_array(), &ok);
	idx = sorted(r->sessions, r->n_sessions, sizeof *r->sessions, cmp_first);
	for (i = 0; ok && idx && i < r->n_sessions; i++) {
		const struct roster_session *s = idx[i];
		pjson_append(arr, o = json_object(), &ok);
		if (!ok)
			break;
		pjson_put(o, "id", json_string(s->id), &ok);
		pjson_put(o, "group_id", json_string(s->group_id), &ok);
		pjson_put(o, "start", json_string(s->start), &ok);
		pjson_put(o, "end", json_string(s->end), &ok);
	}
	ok = ok && idx;
	free(idx);
	pjson_put(root, "participants", arr = json_array(), &ok);
	idx = sorted(r->participants, r->n_participants, sizeof *r->participants, cmp_first);
	for (i = 0; ok && idx && i < r->n_participants; i++) {
		const struct roster_participant *p = idx[i];
		pjson_append(arr, o = json_object(), &ok);
		if (!ok)
			break;
		pjson_put(o, "id", json_string(p->id), &ok);
		pjson_put(o, "given_name", json_string(p->given_name), &ok);
		pjson_put(o, "family_name", json_string(p->family_name), &ok);
		if (p->language) /* left out when unknown: older kiosks ignore it */
			pjson_put(o, "language", json_string(p->language), &ok);
	}
	ok = ok && idx;
	free(idx);
	pjson_put(root, "members", arr = json_array(), &ok);
	idx = sorted(r->members, r->n_members, sizeof *r->members, cmp_member);
	for (i = 0; ok && idx && i < r->n_members; i++) {
		const struct roster_member *m = idx[i];
		pjson_append(arr, o = json_object(), &ok);
		if (!ok)
			break;
		pjson_put(o, "group_id", json_string(m->group_id), &ok);
		pjson_put(o, "participant_id", json_string(m->participant_id), &ok);
	}
	ok = ok && idx;
	free(idx);
	pjson_put(root, "leaders", arr = json_array(), &ok);
	idx = sorted(r->leaders, r->n_leaders, sizeof *r->leaders, cmp_first);
	for (i = 0; ok && idx && i < r->n_leaders; i++) {
		const struct roster_leader *l = idx[i];
		pjson_append(arr, o = json_object(), &ok);
		if (!ok)
			break;
		pjson_put(o, "id", json_string(l->id), &ok);
		pjson_put(o, "name", json_string(l->name), &ok);
		pjson_put(o, "pin_hash", str_or_null(l->pin_hash), &ok);
	}
	ok = ok && idx;
	free(idx);
	pjson_put(root, "cards", arr = json_array(), &ok);
	idx = sorted(r->cards, r->n_cards, sizeof *r->cards, cmp_first);
	for (i = 0; ok && idx && i < r->n_cards; i++) {
		const struct roster_card *c = idx[i];
		pjson_append(arr, o = json_object(), &ok);
		if (!ok)
			break;
		pjson_put(o, "uid", json_string(c->uid_hex), &ok);
		pjson_put(o, "owner",
			  json_string(c->owner == ROSTER_CARD_LEADER ? "leader" : "participant"),
			  &ok);
		pjson_put(o, "owner_id", json_string(c->owner_id), &ok);
	}
	ok = ok && idx;
	free(idx);
	if (!ok) {
		json_decref(root);
		return BLIPPA_ERR_NOMEM;
	}
	return pjson_dump(root, out, len);
}
