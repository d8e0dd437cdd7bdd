/* SPDX-License-Identifier: MIT */
/* The sync protocol v1 codec (see protocol.h and docs/protocol.md): builds
 * and checks JSON with jansson. Decoders validate every field at the
 * boundary; encoders emit compact JSON with a fixed key order. */
#include "protocol.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define AT_MAX ((int64_t)1 << 53) /* exact in a double: JS-safe integers */
#define PIN_HASH_MAX 255

/* ------------------------------------------------------------ helpers */

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Parses json; never echoes input bytes into err (they may be personal). */
static enum blippa_err load_json(const char *json, size_t len, size_t cap, json_t **out,
				 char *err, size_t errlen)
{
	json_error_t jerr;
	*out = NULL;
	if (!json) {
		seterr(err, errlen, "empty body");
		return BLIPPA_ERR_INVALID;
	}
	if (len > cap) {
		seterr(err, errlen, "body larger than %zu bytes", cap);
		return BLIPPA_ERR_TOO_BIG;
	}
	*out = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!*out) {
		seterr(err, errlen, "malformed JSON at line %d column %d", jerr.line, jerr.column);
		return BLIPPA_ERR_INVALID;
	}
	if (!json_is_object(*out)) {
		seterr(err, errlen, "body is not a JSON object");
		json_decref(*out);
		*out = NULL;
		return BLIPPA_ERR_INVALID;
	}
	return BLIPPA_OK;
}

/* Ids: 1..64 bytes of printable ASCII without spaces (roster.h rule). */
static bool id_ok(const char *s, size_t len)
{
	if (len == 0 || len > ROSTER_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* Looks up key in obj as a string of 1..max bytes (0..max if allow_empty).
 * Absent or null: *out = NULL and OK unless required. */
static enum blippa_err get_str(json_t *obj, const char *key, bool required, size_t max,
			       bool allow_empty, const char **out, const char *path, char *err,
			       size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (!required)
			return BLIPPA_OK;
		seterr(err, errlen, "%s.%s: missing", path, key);
		return BLIPPA_ERR_INVALID;
	}
	if (!json_is_string(v)) {
		seterr(err, errlen, "%s.%s: not a string", path, key);
		return BLIPPA_ERR_INVALID;
	}
	size_t n = json_string_length(v);
	if (n > max) {
		seterr(err, errlen, "%s.%s: longer than %zu bytes", path, key, max);
		return BLIPPA_ERR_INVALID;
	}
	if (n == 0 && !allow_empty) {
		seterr(err, errlen, "%s.%s: empty", path, key);
		return BLIPPA_ERR_INVALID;
	}
	*out = json_string_value(v);
	return BLIPPA_OK;
}

static enum blippa_err get_id(json_t *obj, const char *key, bool required, const char **out,
			      const char *path, char *err, size_t errlen)
{
	enum blippa_err rc = get_str(obj, key, required, ROSTER_ID_MAX, false, out, path, err,
				     errlen);
	if (rc == BLIPPA_OK && *out && !id_ok(*out, strlen(*out))) {
		seterr(err, errlen, "%s.%s: not a valid id", path, key);
		rc = BLIPPA_ERR_INVALID;
	}
	return rc;
}

static enum blippa_err get_uuid(json_t *obj, const char *key, char out[UUID_STR_LEN],
				const char *path, char *err, size_t errlen)
{
	const char *s;
	enum blippa_err rc = get_str(obj, key, true, UUID_STR_LEN - 1, false, &s, path, err,
				     errlen);
	if (rc != BLIPPA_OK)
		return rc;
	if (!uuid_is_valid(s)) {
		seterr(err, errlen, "%s.%s: not a UUID", path, key);
		return BLIPPA_ERR_INVALID;
	}
	snprintf(out, UUID_STR_LEN, "%s", s);
	return BLIPPA_OK;
}

static enum blippa_err get_int(json_t *obj, const char *key, bool required, int64_t min,
			       int64_t max, int64_t *out, const char *path, char *err,
			       size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	if (!v) {
		if (!required)
			return BLIPPA_OK;
		seterr(err, errlen, "%s.%s: missing", path, key);
		return BLIPPA_ERR_INVALID;
	}
	if (!json_is_integer(v)) {
		seterr(err, errlen, "%s.%s: not an integer", path, key);
		return BLIPPA_ERR_INVALID;
	}
	json_int_t x = json_integer_value(v);
	if (x < min || x > max) {
		seterr(err, errlen, "%s.%s: out of range", path, key);
		return BLIPPA_ERR_INVALID;
	}
	*out = (int64_t)x;
	return BLIPPA_OK;
}

static enum blippa_err get_array(json_t *obj, const char *key, size_t max, json_t **out,
				 char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v) {
		seterr(err, errlen, "%s: missing", key);
		return BLIPPA_ERR_INVALID;
	}
	if (!json_is_array(v)) {
		seterr(err, errlen, "%s: not an array", key);
		return BLIPPA_ERR_INVALID;
	}
	if (json_array_size(v) > max) {
		seterr(err, errlen, "%s: more than %zu entries", key, max);
		return BLIPPA_ERR_TOO_BIG;
	}
	*out = v;
	return BLIPPA_OK;
}

/* Copies src into dst (dstlen bytes incl. NUL) keeping at most max bytes,
 * replacing invalid UTF-8 bytes and control characters with '?' and never
 * cutting inside a multi-byte character. */
static void text_copy(char *dst, size_t dstlen, const char *src, size_t max)
{
	size_t o = 0, i = 0;
	if (dstlen == 0)
		return;
	if (max > dstlen - 1)
		max = dstlen - 1;
	while (src && src[i] && o < max) {
		unsigned char c = (unsigned char)src[i];
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
			: (c & 0xf8) == 0xf0 ? 4 : 0;
		bool ok = n > 0 && !(c < 0x80 && (c < 0x20 || c == 0x7f));
		if (n == 2 && c < 0xc2)
			ok = false; /* overlong */
		if (c >= 0xf5)
			ok = false;
		for (size_t k = 1; ok && k < n; k++)
			if (((unsigned char)src[i + k] & 0xc0) != 0x80)
				ok = false;
		if (ok && n == 3) {
			unsigned char d = (unsigned char)src[i + 1];
			if ((c == 0xe0 && d < 0xa0) || (c == 0xed && d >= 0xa0))
				ok = false; /* overlong or surrogate */
		}
		if (ok && n == 4) {
			unsigned char d = (unsigned char)src[i + 1];
			if ((c == 0xf0 && d < 0x90) || (c == 0xf4 && d >= 0x90))
				ok = false;
		}
		if (!ok) {
			dst[o++] = '?';
			i++;
			continue;
		}
		if (o + n > max)
			break;
		memcpy(dst + o, src + i, n);
		o += n;
		i += n;
	}
	dst[o] = '\0';
}

static enum blippa_err dump(json_t *root, char **out, size_t *len)
{
	char *s = NULL;
	if (!root)
		return BLIPPA_ERR_NOMEM;
	s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (!s)
		return BLIPPA_ERR_NOMEM;
	*out = s;
	if (len)
		*len = strlen(s);
	return BLIPPA_OK;
}

/* json_object_set_new that remembers the first failure. */
static void put(json_t *obj, const char *key, json_t *v, bool *ok)
{
	if (!v || json_object_set_new(obj, key, v) != 0)
		*ok = false;
}

static void append(json_t *arr, json_t *v, bool *ok)
{
	if (!v || json_array_append_new(arr, v) != 0)
		*ok = false;
}

/* ------------------------------------------------------------ enum text */

const char *protocol_event_type_name(enum event_type t)
{
	switch (t) {
	case EVENT_CHECKIN: return "checkin";
	case EVENT_VOID: return "void";
	case EVENT_CARD_LINK: return "card_link";
	}
	return NULL;
}

const char *protocol_method_name(enum checkin_method m)
{
	switch (m) {
	case CHECKIN_CARD: return "card";
	case CHECKIN_NAME: return "name";
	case CHECKIN_LEADER: return "leader";
	}
	return NULL;
}

const char *protocol_status_name(enum protocol_status s)
{
	switch (s) {
	case PROTOCOL_ACCEPTED: return "accepted";
	case PROTOCOL_DUPLICATE: return "duplicate";
	case PROTOCOL_REJECTED: return "rejected";
	}
	return NULL;
}

enum blippa_err protocol_parse_event_type(const char *s, enum event_type *out)
{
	static const enum event_type all[] = {EVENT_CHECKIN, EVENT_VOID, EVENT_CARD_LINK};
	for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++)
		if (strcmp(s, protocol_event_type_name(all[i])) == 0) {
			*out = all[i];
			return BLIPPA_OK;
		}
	return BLIPPA_ERR_INVALID;
}

enum blippa_err protocol_parse_method(const char *s, enum checkin_method *out)
{
	static const enum checkin_method all[] = {CHECKIN_CARD, CHECKIN_NAME, CHECKIN_LEADER};
	for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++)
		if (strcmp(s, protocol_method_name(all[i])) == 0) {
			*out = all[i];
			return BLIPPA_OK;
		}
	return BLIPPA_ERR_INVALID;
}

static enum blippa_err parse_status(const char *s, enum protocol_status *out)
{
	static const enum protocol_status all[] = {PROTOCOL_ACCEPTED, PROTOCOL_DUPLICATE,
						   PROTOCOL_REJECTED};
	for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++)
		if (strcmp(s, protocol_status_name(all[i])) == 0) {
			*out = all[i];
			return BLIPPA_OK;
		}
	return BLIPPA_ERR_INVALID;
}

/* ---------------------------------------------------------------- roster */

/* Each table: fetch the array, then for every element check it is an object,
 * read its fields and hand them to the roster adder. */
static enum blippa_err row_obj(json_t *arr, size_t i, const char *table, json_t **o, char *path,
			       size_t pathlen, char *err, size_t errlen)
{
	snprintf(path, pathlen, "%s[%zu]", table, i);
	*o = json_array_get(arr, i);
	if (!json_is_object(*o)) {
		seterr(err, errlen, "%s: not an object", path);
		return BLIPPA_ERR_INVALID;
	}
	return BLIPPA_OK;
}

static enum blippa_err added(enum blippa_err rc, const char *path, char *err, size_t errlen)
{
	if (rc == BLIPPA_ERR_INVALID)
		seterr(err, errlen, "%s: invalid value (id, name, date, time or uid format)", path);
	else if (rc != BLIPPA_OK)
		seterr(err, errlen, "%s: %s", path, blippa_strerror(rc));
	return rc;
}

static enum blippa_err decode_tables(json_t *root, struct roster *r, char *err, size_t errlen)
{
	enum blippa_err rc;
	json_t *arr, *o;
	char path[48];
	const char *a, *b, *c, *d;
	size_t i;

	if ((rc = get_array(root, "groups", PROTOCOL_ROSTER_MAX_ROWS, &arr, err, errlen)))
		return rc;
	for (i = 0; i < json_array_size(arr); i++) {
		if ((rc = row_obj(arr, i, "groups", &o, path, sizeof path, err, errlen)) ||
		    (rc = get_id(o, "id", true, &a, path, err, errlen)) ||
		    (rc = get_str(o, "name", true, ROSTER_NAME_MAX, false, &b, path, err, errlen)) ||
		    (rc = get_str(o, "period_start", true, 10, false, &c, path, err, errlen)) ||
		    (rc = get_str(o, "period_end", true, 10, false, &d, path, err, errlen)) ||
		    (rc = added(roster_add_group(r, a, b, c, d), path, err, errlen)))
			return rc;
	}
	if ((rc = get_array(root, "sessions", PROTOCOL_ROSTER_MAX_ROWS, &arr, err, errlen)))
		return rc;
	for (i = 0; i < json_array_size(arr); i++) {
		if ((rc = row_obj(arr, i, "sessions", &o, path, sizeof path, err, errlen)) ||
		    (rc = get_id(o, "id", true, &a, path, err, errlen)) ||
		    (rc = get_id(o, "group_id", true, &b, path, err, errlen)) ||
		    (rc = get_str(o, "start", true, 16, false, &c, path, err, errlen)) ||
		    (rc = get_str(o, "end", true, 16, false, &d, path, err, errlen)) ||
		    (rc = added(roster_add_session(r, a, b, c, d), path, err, errlen)))
			return rc;
	}
	if ((rc = get_array(root, "participants", PROTOCOL_ROSTER_MAX_ROWS, &arr, err, errlen)))
		return rc;
	for (i = 0; i < json_array_size(arr); i++) {
		if ((rc = row_obj(arr, i, "participants", &o, path, sizeof path, err, errlen)) ||
		    (rc = get_id(o, "id", true, &a, path, err, errlen)) ||
		    (rc = get_str(o, "given_name", true, ROSTER_NAME_MAX, false, &b, path, err,
				  errlen)) ||
		    (rc = get_str(o, "family_name", true, ROSTER_NAME_MAX, false, &c, path, err,
				  errlen)) ||
		    (rc = added(roster_add_participant(r, a, b, c), path, err, errlen)))
			return rc;
	}
	if ((rc = get_array(root, "members", PROTOCOL_ROSTER_MAX_ROWS, &arr, err, errlen)))
		return rc;
	for (i = 0; i < json_array_size(arr); i++) {
		if ((rc = row_obj(arr, i, "members", &o, path, sizeof path, err, errlen)) ||
		    (rc = get_id(o, "group_id", true, &a, path, err, errlen)) ||
		    (rc = get_id(o, "participant_id", true, &b, path, err, errlen)) ||
		    (rc = added(roster_add_member(r, a, b), path, err, errlen)))
			return rc;
	}
	if ((rc = get_array(root, "leaders", PROTOCOL_ROSTER_MAX_ROWS, &arr, err, errlen)))
		return rc;
	for (i = 0; i < json_array_size(arr); i++) {
		if ((rc = row_obj(arr, i, "leaders", &o, path, sizeof path, err, errlen)) ||
		    (rc = get_id(o, "id", true, &a, path, err, errlen)) ||
		    (rc = get_str(o, "name", true, ROSTER_NAME_MAX, false, &b, path, err, errlen)) ||
		    (rc = get_str(o, "pin_hash", false, PIN_HASH_MAX, false, &c, path, err,
				  errlen)) ||
		    (rc = added(roster_add_leader(r, a, b, c), path, err, errlen)))
			return rc;
	}
	if ((rc = get_array(root, "cards", PROTOCOL_ROSTER_MAX_ROWS, &arr, err, errlen)))
		return rc;
	for (i = 0; i < json_array_size(arr); i++) {
		enum roster_card_owner owner;
		if ((rc = row_obj(arr, i, "cards", &o, path, sizeof path, err, errlen)) ||
		    (rc = get_str(o, "uid", true, ROSTER_UID_HEX_MAX, false, &a, path, err,
				  errlen)) ||
		    (rc = get_str(o, "owner", true, 16, false, &b, path, err, errlen)) ||
		    (rc = get_id(o, "owner_id", true, &c, path, err, errlen)))
			return rc;
		if (strcmp(b, "participant") == 0) {
			owner = ROSTER_CARD_PARTICIPANT;
		} else if (strcmp(b, "leader") == 0) {
			owner = ROSTER_CARD_LEADER;
		} else {
			seterr(err, errlen, "%s.owner: unknown value", path);
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
	if ((rc = load_json(json, len, PROTOCOL_RESPONSE_MAX, &root, err, errlen)))
		goto out;
	if ((rc = get_int(root, "protocol", true, 1, 1000, &ver, "roster", err, errlen)))
		goto out;
	if (ver != PROTOCOL_VERSION) {
		seterr(err, errlen, "roster.protocol: unsupported version %" PRId64, ver);
		rc = BLIPPA_ERR_INVALID;
		goto out;
	}
	if ((rc = get_id(root, "kiosk_id", false, &kid, "roster", err, errlen)))
		goto out;
	fac = json_object_get(root, "facility");
	if (!json_is_object(fac)) {
		seterr(err, errlen, "facility: %s", fac ? "not an object" : "missing");
		rc = BLIPPA_ERR_INVALID;
		goto out;
	}
	if ((rc = get_id(fac, "id", true, &a, "facility", err, errlen)) ||
	    (rc = get_str(fac, "name", true, ROSTER_NAME_MAX, false, &b, "facility", err,
			  errlen)) ||
	    (rc = get_str(fac, "timezone", true, 64, false, &c, "facility", err, errlen)))
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
		snprintf(table, sizeof table, "%.*s", (int)(k < sizeof table ? k : sizeof table - 1),
			 err ? err : "");
		seterr(err, errlen, "%s: inconsistent snapshot (duplicate id or uid, dangling "
			"reference, or end not after start)", table[0] ? table : "roster");
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
	put(root, "protocol", json_integer(PROTOCOL_VERSION), &ok);
	if (kiosk_id)
		put(root, "kiosk_id", json_string(kiosk_id), &ok);
	o = json_object();
	put(root, "facility", o, &ok);
	if (o) {
		put(o, "id", str_or_null(r->facility.id), &ok);
		put(o, "name", str_or_null(r->facility.name), &ok);
		put(o, "timezone", str_or_null(r->facility.timezone), &ok);
	}
	/* struct roster_group etc. begin with their key string(s) (id, or
	 * group_id for members, uid_hex for cards), so cmp_first works on all. */
	put(root, "groups", arr = json_array(), &ok);
	idx = sorted(r->groups, r->n_groups, sizeof *r->groups, cmp_first);
	for (i = 0; ok && idx && i < r->n_groups; i++) {
		const struct roster_group *g = idx[i];
		append(arr, o = json_object(), &ok);
		if (!ok)
			break;
		put(o, "id", json_string(g->id), &ok);
		put(o, "name", json_string(g->name), &ok);
		put(o, "period_start", json_string(g->period_start), &ok);
		put(o, "period_end", json_string(g->period_end), &ok);
	}
	ok = ok && idx;
	free(idx);
	put(root, "sessions", arr = json_array(), &ok);
	idx = sorted(r->sessions, r->n_sessions, sizeof *r->sessions, cmp_first);
	for (i = 0; ok && idx && i < r->n_sessions; i++) {
		const struct roster_session *s = idx[i];
		append(arr, o = json_object(), &ok);
		if (!ok)
			break;
		put(o, "id", json_string(s->id), &ok);
		put(o, "group_id", json_string(s->group_id), &ok);
		put(o, "start", json_string(s->start), &ok);
		put(o, "end", json_string(s->end), &ok);
	}
	ok = ok && idx;
	free(idx);
	put(root, "participants", arr = json_array(), &ok);
	idx = sorted(r->participants, r->n_participants, sizeof *r->participants, cmp_first);
	for (i = 0; ok && idx && i < r->n_participants; i++) {
		const struct roster_participant *p = idx[i];
		append(arr, o = json_object(), &ok);
		if (!ok)
			break;
		put(o, "id", json_string(p->id), &ok);
		put(o, "given_name", json_string(p->given_name), &ok);
		put(o, "family_name", json_string(p->family_name), &ok);
	}
	ok = ok && idx;
	free(idx);
	put(root, "members", arr = json_array(), &ok);
	idx = sorted(r->members, r->n_members, sizeof *r->members, cmp_member);
	for (i = 0; ok && idx && i < r->n_members; i++) {
		const struct roster_member *m = idx[i];
		append(arr, o = json_object(), &ok);
		if (!ok)
			break;
		put(o, "group_id", json_string(m->group_id), &ok);
		put(o, "participant_id", json_string(m->participant_id), &ok);
	}
	ok = ok && idx;
	free(idx);
	put(root, "leaders", arr = json_array(), &ok);
	idx = sorted(r->leaders, r->n_leaders, sizeof *r->leaders, cmp_first);
	for (i = 0; ok && idx && i < r->n_leaders; i++) {
		const struct roster_leader *l = idx[i];
		append(arr, o = json_object(), &ok);
		if (!ok)
			break;
		put(o, "id", json_string(l->id), &ok);
		put(o, "name", json_string(l->name), &ok);
		put(o, "pin_hash", str_or_null(l->pin_hash), &ok);
	}
	ok = ok && idx;
	free(idx);
	put(root, "cards", arr = json_array(), &ok);
	idx = sorted(r->cards, r->n_cards, sizeof *r->cards, cmp_first);
	for (i = 0; ok && idx && i < r->n_cards; i++) {
		const struct roster_card *c = idx[i];
		append(arr, o = json_object(), &ok);
		if (!ok)
			break;
		put(o, "uid", json_string(c->uid_hex), &ok);
		put(o, "owner", json_string(c->owner == ROSTER_CARD_LEADER ? "leader"
								     : "participant"),
		    &ok);
		put(o, "owner_id", json_string(c->owner_id), &ok);
	}
	ok = ok && idx;
	free(idx);
	if (!ok) {
		json_decref(root);
		return BLIPPA_ERR_NOMEM;
	}
	return dump(root, out, len);
}

/* ---------------------------------------------------------------- events */

enum blippa_err protocol_encode_events(const struct store_event *ev, size_t n, char **out,
				       size_t *len)
{
	json_t *root, *arr, *o;
	bool ok = true;

	*out = NULL;
	if (n > PROTOCOL_BATCH_MAX)
		return BLIPPA_ERR_TOO_BIG;
	for (size_t i = 0; i < n; i++)
		if (!protocol_event_type_name(ev[i].type) ||
		    (ev[i].type == EVENT_CHECKIN && !protocol_method_name(ev[i].method)))
			return BLIPPA_ERR_INVALID;
	root = json_object();
	arr = json_array();
	if (!root || !arr) {
		json_decref(root);
		json_decref(arr);
		return BLIPPA_ERR_NOMEM;
	}
	put(root, "events", arr, &ok);
	for (size_t i = 0; ok && i < n; i++) {
		const struct store_event *e = &ev[i];
		append(arr, o = json_object(), &ok);
		if (!ok)
			break;
		put(o, "id", json_string(e->id), &ok);
		put(o, "type", json_string(protocol_event_type_name(e->type)), &ok);
		put(o, "at", json_integer(e->at_ms), &ok);
		switch (e->type) {
		case EVENT_CHECKIN:
			put(o, "method", json_string(protocol_method_name(e->method)), &ok);
			put(o, "participant_id", json_string(e->participant_id), &ok);
			put(o, "session_id", e->session_id[0] ? json_string(e->session_id)
							      : json_null(),
			    &ok);
			break;
		case EVENT_VOID:
			put(o, "voids", json_string(e->voids_id), &ok);
			break;
		case EVENT_CARD_LINK:
			put(o, "participant_id", json_string(e->participant_id), &ok);
			put(o, "card_uid", json_string(e->card_uid), &ok);
			break;
		}
	}
	if (!ok) {
		/* json_string() fails on invalid UTF-8: a store bug, not OOM */
		json_decref(root);
		return BLIPPA_ERR_INVALID;
	}
	return dump(root, out, len);
}

static enum blippa_err decode_event(json_t *o, const char *path, struct protocol_event *e,
				    char *err, size_t errlen)
{
	enum blippa_err rc;
	const char *s;

	memset(e, 0, sizeof *e);
	e->method = CHECKIN_CARD;
	if (!json_is_object(o)) {
		seterr(err, errlen, "%s: not an object", path);
		return BLIPPA_ERR_INVALID;
	}
	if ((rc = get_uuid(o, "id", e->id, path, err, errlen)) ||
	    (rc = get_str(o, "type", true, 16, false, &s, path, err, errlen)))
		return rc;
	if (protocol_parse_event_type(s, &e->type)) {
		seterr(err, errlen, "%s.type: unknown value", path);
		return BLIPPA_ERR_INVALID;
	}
	if ((rc = get_int(o, "at", true, 1, AT_MAX - 1, &e->at_ms, path, err, errlen)))
		return rc;
	switch (e->type) {
	case EVENT_CHECKIN:
		if ((rc = get_str(o, "method", true, 16, false, &s, path, err, errlen)))
			return rc;
		if (protocol_parse_method(s, &e->method)) {
			seterr(err, errlen, "%s.method: unknown value", path);
			return BLIPPA_ERR_INVALID;
		}
		if ((rc = get_id(o, "participant_id", true, &s, path, err, errlen)))
			return rc;
		snprintf(e->participant_id, sizeof e->participant_id, "%s", s);
		if ((rc = get_id(o, "session_id", false, &s, path, err, errlen)))
			return rc;
		snprintf(e->session_id, sizeof e->session_id, "%s", s ? s : "");
		break;
	case EVENT_VOID:
		if ((rc = get_uuid(o, "voids", e->voids_id, path, err, errlen)))
			return rc;
		break;
	case EVENT_CARD_LINK:
		if ((rc = get_id(o, "participant_id", true, &s, path, err, errlen)))
			return rc;
		snprintf(e->participant_id, sizeof e->participant_id, "%s", s);
		if ((rc = get_str(o, "card_uid", true, ROSTER_UID_HEX_MAX, false, &s, path, err,
				  errlen)))
			return rc;
		if (!id_ok(s, strlen(s))) {
			seterr(err, errlen, "%s.card_uid: not printable ASCII", path);
			return BLIPPA_ERR_INVALID;
		}
		snprintf(e->card_uid, sizeof e->card_uid, "%.*s", ROSTER_UID_HEX_MAX, s);
		break;
	}
	return BLIPPA_OK;
}

enum blippa_err protocol_decode_events(const char *json, size_t len, struct protocol_event **out,
				       size_t *n, char *err, size_t errlen)
{
	enum blippa_err rc;
	json_t *root = NULL, *arr;
	struct protocol_event *ev = NULL;
	size_t count = 0;
	char path[32];

	*out = NULL;
	*n = 0;
	if ((rc = load_json(json, len, PROTOCOL_BODY_MAX, &root, err, errlen)))
		goto out;
	if ((rc = get_array(root, "events", PROTOCOL_BATCH_MAX, &arr, err, errlen)))
		goto out;
	count = json_array_size(arr);
	if (count) {
		ev = calloc(count, sizeof *ev);
		if (!ev) {
			rc = BLIPPA_ERR_NOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < count; i++) {
		snprintf(path, sizeof path, "events[%zu]", i);
		if ((rc = decode_event(json_array_get(arr, i), path, &ev[i], err, errlen)))
			goto out;
	}
	*out = ev;
	*n = count;
	ev = NULL;
out:
	free(ev);
	json_decref(root);
	return rc;
}

/* --------------------------------------------------------------- results */

enum blippa_err protocol_encode_results(const struct protocol_result *res, size_t n, char **out,
					size_t *len)
{
	json_t *root = json_object(), *arr = json_array(), *o;
	bool ok = root && arr;
	char reason[PROTOCOL_REASON_MAX + 1];

	*out = NULL;
	if (!ok) {
		json_decref(root);
		json_decref(arr);
		return BLIPPA_ERR_NOMEM;
	}
	put(root, "results", arr, &ok);
	for (size_t i = 0; ok && i < n; i++) {
		const char *st = protocol_status_name(res[i].status);
		if (!st) {
			json_decref(root);
			return BLIPPA_ERR_INVALID;
		}
		append(arr, o = json_object(), &ok);
		if (!ok)
			break;
		put(o, "id", json_string(res[i].id), &ok);
		put(o, "status", json_string(st), &ok);
		if (res[i].status == PROTOCOL_REJECTED) {
			text_copy(reason, sizeof reason, res[i].reason, PROTOCOL_REASON_MAX);
			put(o, "reason", json_string(reason[0] ? reason : "rejected"), &ok);
		}
	}
	if (!ok) {
		json_decref(root);
		return BLIPPA_ERR_NOMEM;
	}
	return dump(root, out, len);
}

enum blippa_err protocol_decode_results(const char *json, size_t len, struct protocol_result *out,
					size_t max, size_t *n, char *err, size_t errlen)
{
	enum blippa_err rc;
	json_t *root = NULL, *arr;
	char path[32];
	const char *s;

	*n = 0;
	if ((rc = load_json(json, len, PROTOCOL_RESPONSE_MAX, &root, err, errlen)))
		goto out;
	if ((rc = get_array(root, "results", max, &arr, err, errlen)))
		goto out;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);
		struct protocol_result *r = &out[i];
		snprintf(path, sizeof path, "results[%zu]", i);
		memset(r, 0, sizeof *r);
		if (!json_is_object(o)) {
			seterr(err, errlen, "%s: not an object", path);
			rc = BLIPPA_ERR_INVALID;
			goto out;
		}
		if ((rc = get_uuid(o, "id", r->id, path, err, errlen)) ||
		    (rc = get_str(o, "status", true, 16, false, &s, path, err, errlen)))
			goto out;
		if (parse_status(s, &r->status)) {
			seterr(err, errlen, "%s.status: unknown value", path);
			rc = BLIPPA_ERR_INVALID;
			goto out;
		}
		if (r->status == PROTOCOL_REJECTED) {
			json_t *v = json_object_get(o, "reason");
			s = json_is_string(v) ? json_string_value(v) : "";
			text_copy(r->reason, sizeof r->reason, s, PROTOCOL_REASON_MAX);
			if (!r->reason[0])
				snprintf(r->reason, sizeof r->reason, "rejected");
		}
	}
	*n = json_array_size(arr);
out:
	json_decref(root);
	return rc;
}

/* ------------------------------------------------------------- heartbeat */

enum blippa_err protocol_encode_heartbeat(const struct protocol_heartbeat *hb, char **out,
					  size_t *len)
{
	json_t *root = json_object();
	bool ok = root != NULL;
	char v[PROTOCOL_SHORT_MAX + 1], rd[PROTOCOL_SHORT_MAX + 1], le[PROTOCOL_REASON_MAX + 1];

	*out = NULL;
	if (!ok)
		return BLIPPA_ERR_NOMEM;
	text_copy(v, sizeof v, hb->version, PROTOCOL_SHORT_MAX);
	text_copy(rd, sizeof rd, hb->reader, PROTOCOL_SHORT_MAX);
	text_copy(le, sizeof le, hb->last_error, PROTOCOL_REASON_MAX);
	put(root, "version", json_string(v), &ok);
	put(root, "pending", json_integer(hb->pending < 0 ? 0 : hb->pending), &ok);
	put(root, "oldest_pending_age_s",
	    json_integer(hb->oldest_pending_age_s < 0 ? 0 : hb->oldest_pending_age_s), &ok);
	put(root, "reader", json_string(rd), &ok);
	put(root, "last_error", json_string(le), &ok);
	put(root, "time", json_integer(hb->time_ms), &ok);
	if (!ok) {
		json_decref(root);
		return BLIPPA_ERR_NOMEM;
	}
	return dump(root, out, len);
}

enum blippa_err protocol_decode_heartbeat(const char *json, size_t len,
					  struct protocol_heartbeat *out, char *err,
					  size_t errlen)
{
	enum blippa_err rc;
	json_t *root = NULL;
	const char *v, *rd, *le;

	memset(out, 0, sizeof *out);
	if ((rc = load_json(json, len, PROTOCOL_BODY_MAX, &root, err, errlen)))
		goto out;
	if ((rc = get_str(root, "version", true, PROTOCOL_SHORT_MAX, false, &v, "heartbeat", err,
			  errlen)) ||
	    (rc = get_int(root, "pending", true, 0, INT64_MAX, &out->pending, "heartbeat", err,
			  errlen)) ||
	    (rc = get_int(root, "oldest_pending_age_s", true, 0, INT64_MAX,
			  &out->oldest_pending_age_s, "heartbeat", err, errlen)) ||
	    (rc = get_str(root, "reader", true, PROTOCOL_SHORT_MAX, false, &rd, "heartbeat", err,
			  errlen)) ||
	    (rc = get_str(root, "last_error", false, PROTOCOL_REASON_MAX, true, &le, "heartbeat",
			  err, errlen)) ||
	    (rc = get_int(root, "time", true, 0, AT_MAX - 1, &out->time_ms, "heartbeat", err,
			  errlen)))
		goto out;
	text_copy(out->version, sizeof out->version, v, PROTOCOL_SHORT_MAX);
	text_copy(out->reader, sizeof out->reader, rd, PROTOCOL_SHORT_MAX);
	text_copy(out->last_error, sizeof out->last_error, le ? le : "", PROTOCOL_REASON_MAX);
out:
	json_decref(root);
	return rc;
}

enum blippa_err protocol_encode_heartbeat_answer(const struct protocol_heartbeat_answer *a,
						 char **out, size_t *len)
{
	json_t *root = json_object();
	bool ok = root != NULL;

	*out = NULL;
	if (!ok)
		return BLIPPA_ERR_NOMEM;
	put(root, "server_time", json_integer(a->server_time_ms), &ok);
	put(root, "kiosk_id", json_string(a->kiosk_id), &ok);
	if (!ok) {
		json_decref(root);
		return BLIPPA_ERR_NOMEM;
	}
	return dump(root, out, len);
}

enum blippa_err protocol_decode_heartbeat_answer(const char *json, size_t len,
						 struct protocol_heartbeat_answer *out,
						 char *err, size_t errlen)
{
	enum blippa_err rc;
	json_t *root = NULL;
	const char *kid = NULL;

	memset(out, 0, sizeof *out);
	if ((rc = load_json(json, len, PROTOCOL_RESPONSE_MAX, &root, err, errlen)))
		goto out;
	if ((rc = get_int(root, "server_time", true, 0, AT_MAX - 1, &out->server_time_ms,
			  "answer", err, errlen)) ||
	    (rc = get_id(root, "kiosk_id", false, &kid, "answer", err, errlen)))
		goto out;
	snprintf(out->kiosk_id, sizeof out->kiosk_id, "%s", kid ? kid : "");
out:
	json_decref(root);
	return rc;
}

/* ---------------------------------------------------------------- errors */

enum blippa_err protocol_encode_error(const char *reason, char **out, size_t *len)
{
	json_t *root = json_object();
	bool ok = root != NULL;
	char r[PROTOCOL_REASON_MAX + 1];

	*out = NULL;
	if (!ok)
		return BLIPPA_ERR_NOMEM;
	text_copy(r, sizeof r, reason ? reason : "", PROTOCOL_REASON_MAX);
	put(root, "error", json_string(r), &ok);
	if (!ok) {
		json_decref(root);
		return BLIPPA_ERR_NOMEM;
	}
	return dump(root, out, len);
}

void protocol_decode_error(const char *json, size_t len, char *reason, size_t reasonlen)
{
	json_t *root = NULL, *v;

	if (!reason || reasonlen == 0)
		return;
	reason[0] = '\0';
	if (!json || len == 0 || len > 64 * 1024)
		return;
	root = json_loadb(json, len, 0, NULL);
	v = json_is_object(root) ? json_object_get(root, "error") : NULL;
	if (json_is_string(v))
		text_copy(reason, reasonlen, json_string_value(v), PROTOCOL_REASON_MAX);
	json_decref(root);
}
