/* SPDX-License-Identifier: MIT */
/* The sync protocol v1 codec (see protocol.h and docs/protocol.md): event
 * batches, results, heartbeat, error bodies and wire names. The roster
 * snapshot is in protocol_roster.c, shared helpers in protocol_json.c. */
#include "protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol_json.h"
#include "text.h"

#define AT_MAX PJSON_AT_MAX

/* ------------------------------------------------------------ enum text */

const char *protocol_event_type_name(enum event_type t)
{
	return event_type_wire(t);
}

const char *protocol_method_name(enum checkin_method m)
{
	return checkin_method_wire(m);
}

const char *protocol_status_name(enum protocol_status s)
{
	switch (s) {
	case PROTOCOL_ACCEPTED:
		return "accepted";
	case PROTOCOL_DUPLICATE:
		return "duplicate";
	case PROTOCOL_REJECTED:
		return "rejected";
	}
	return NULL;
}

enum blippa_err protocol_parse_event_type(const char *s, enum event_type *out)
{
	return event_type_from_wire(s, out);
}

enum blippa_err protocol_parse_method(const char *s, enum checkin_method *out)
{
	return checkin_method_from_wire(s, out);
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

/* ---------------------------------------------------------------- events */

enum blippa_err protocol_encode_events(const struct event_record *ev, size_t n, char **out,
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
	pjson_put(root, "events", arr, &ok);
	for (size_t i = 0; ok && i < n; i++) {
		const struct event_record *e = &ev[i];
		pjson_append(arr, o = json_object(), &ok);
		if (!ok)
			break;
		pjson_put(o, "id", json_string(e->id), &ok);
		pjson_put(o, "type", json_string(protocol_event_type_name(e->type)), &ok);
		pjson_put(o, "at", json_integer(e->at_ms), &ok);
		if (e->device_ms > 0 && e->device_ms < AT_MAX) /* at was corrected */
			pjson_put(o, "device_at", json_integer(e->device_ms), &ok);
		if (e->clock_unsure && e->type == EVENT_CHECKIN) /* session is a guess */
			pjson_put(o, "clock_unsure", json_true(), &ok);
		switch (e->type) {
		case EVENT_CHECKIN:
			pjson_put(o, "method", json_string(protocol_method_name(e->method)), &ok);
			pjson_put(o, "participant_id", json_string(e->participant_id), &ok);
			pjson_put(o, "session_id",
				  e->session_id[0] ? json_string(e->session_id) : json_null(), &ok);
			break;
		case EVENT_VOID:
			pjson_put(o, "voids", json_string(e->voids_id), &ok);
			break;
		case EVENT_CARD_LINK:
			pjson_put(o, "participant_id", json_string(e->participant_id), &ok);
			pjson_put(o, "card_uid", json_string(e->card_uid), &ok);
			break;
		}
	}
	if (!ok) {
		/* json_string() fails on invalid UTF-8: a store bug, not OOM */
		json_decref(root);
		return BLIPPA_ERR_INVALID;
	}
	return pjson_dump(root, out, len);
}

static enum blippa_err decode_event(json_t *o, const char *path, struct protocol_event *e,
				    char *err, size_t errlen)
{
	enum blippa_err rc;
	const char *s;

	memset(e, 0, sizeof *e);
	e->method = CHECKIN_CARD;
	if (!json_is_object(o)) {
		pjson_seterr(err, errlen, "%s: not an object", path);
		return BLIPPA_ERR_INVALID;
	}
	if ((rc = pjson_get_uuid(o, "id", e->id, path, err, errlen)) ||
	    (rc = pjson_get_str(o, "type", true, 16, false, &s, path, err, errlen)))
		return rc;
	if (protocol_parse_event_type(s, &e->type)) {
		pjson_seterr(err, errlen, "%s.type: unknown value", path);
		return BLIPPA_ERR_INVALID;
	}
	if ((rc = pjson_get_int(o, "at", true, 1, AT_MAX - 1, &e->at_ms, path, err, errlen)) ||
	    (rc = pjson_get_int(o, "device_at", false, 1, AT_MAX - 1, &e->device_ms, path, err,
				errlen)))
		return rc;
	{
		json_t *u = json_object_get(o, "clock_unsure");
		if (u && !json_is_boolean(u)) {
			pjson_seterr(err, errlen, "%s.clock_unsure: not a boolean", path);
			return BLIPPA_ERR_INVALID;
		}
		e->clock_unsure = u && json_is_true(u);
	}
	switch (e->type) {
	case EVENT_CHECKIN:
		if ((rc = pjson_get_str(o, "method", true, 16, false, &s, path, err, errlen)))
			return rc;
		if (protocol_parse_method(s, &e->method)) {
			pjson_seterr(err, errlen, "%s.method: unknown value", path);
			return BLIPPA_ERR_INVALID;
		}
		if ((rc = pjson_get_id(o, "participant_id", true, &s, path, err, errlen)))
			return rc;
		snprintf(e->participant_id, sizeof e->participant_id, "%s", s);
		if ((rc = pjson_get_id(o, "session_id", false, &s, path, err, errlen)))
			return rc;
		snprintf(e->session_id, sizeof e->session_id, "%s", s ? s : "");
		break;
	case EVENT_VOID:
		if ((rc = pjson_get_uuid(o, "voids", e->voids_id, path, err, errlen)))
			return rc;
		break;
	case EVENT_CARD_LINK:
		if ((rc = pjson_get_id(o, "participant_id", true, &s, path, err, errlen)))
			return rc;
		snprintf(e->participant_id, sizeof e->participant_id, "%s", s);
		if ((rc = pjson_get_str(o, "card_uid", true, ROSTER_UID_HEX_MAX, false, &s, path,
					err, errlen)))
			return rc;
		if (!pjson_id_ok(s, strlen(s))) {
			pjson_seterr(err, errlen, "%s.card_uid: not printable ASCII", path);
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
	if ((rc = pjson_load(json, len, PROTOCOL_BODY_MAX, &root, err, errlen)))
		goto out;
	if ((rc = pjson_get_array(root, "events", PROTOCOL_BATCH_MAX, &arr, err, errlen)))
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
	pjson_put(root, "results", arr, &ok);
	for (size_t i = 0; ok && i < n; i++) {
		const char *st = protocol_status_name(res[i].status);
		if (!st) {
			json_decref(root);
			return BLIPPA_ERR_INVALID;
		}
		pjson_append(arr, o = json_object(), &ok);
		if (!ok)
			break;
		pjson_put(o, "id", json_string(res[i].id), &ok);
		pjson_put(o, "status", json_string(st), &ok);
		if (res[i].status == PROTOCOL_REJECTED) {
			text_sanitize(reason, sizeof reason, res[i].reason, PROTOCOL_REASON_MAX);
			pjson_put(o, "reason", json_string(reason[0] ? reason : "rejected"), &ok);
		}
	}
	if (!ok) {
		json_decref(root);
		return BLIPPA_ERR_NOMEM;
	}
	return pjson_dump(root, out, len);
}

enum blippa_err protocol_decode_results(const char *json, size_t len, struct protocol_result *out,
					size_t max, size_t *n, char *err, size_t errlen)
{
	enum blippa_err rc;
	json_t *root = NULL, *arr;
	char path[32];
	const char *s;

	*n = 0;
	if ((rc = pjson_load(json, len, PROTOCOL_RESPONSE_MAX, &root, err, errlen)))
		goto out;
	if ((rc = pjson_get_array(root, "results", max, &arr, err, errlen)))
		goto out;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);
		struct protocol_result *r = &out[i];
		snprintf(path, sizeof path, "results[%zu]", i);
		memset(r, 0, sizeof *r);
		if (!json_is_object(o)) {
			pjson_seterr(err, errlen, "%s: not an object", path);
			rc = BLIPPA_ERR_INVALID;
			goto out;
		}
		if ((rc = pjson_get_uuid(o, "id", r->id, path, err, errlen)) ||
		    (rc = pjson_get_str(o, "status", true, 16, false, &s, path, err, errlen)))
			goto out;
		if (parse_status(s, &r->status)) {
			pjson_seterr(err, errlen, "%s.status: unknown value", path);
			rc = BLIPPA_ERR_INVALID;
			goto out;
		}
		if (r->status == PROTOCOL_REJECTED) {
			json_t *v = json_object_get(o, "reason");
			s = json_is_string(v) ? json_string_value(v) : "";
			text_sanitize(r->reason, sizeof r->reason, s, PROTOCOL_REASON_MAX);
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
	text_sanitize(v, sizeof v, hb->version, PROTOCOL_SHORT_MAX);
	text_sanitize(rd, sizeof rd, hb->reader, PROTOCOL_SHORT_MAX);
	text_sanitize(le, sizeof le, hb->last_error, PROTOCOL_REASON_MAX);
	pjson_put(root, "version", json_string(v), &ok);
	pjson_put(root, "pending", json_integer(hb->pending < 0 ? 0 : hb->pending), &ok);
	pjson_put(root, "oldest_pending_age_s",
		  json_integer(hb->oldest_pending_age_s < 0 ? 0 : hb->oldest_pending_age_s), &ok);
	pjson_put(root, "reader", json_string(rd), &ok);
	pjson_put(root, "last_error", json_string(le), &ok);
	pjson_put(root, "time", json_integer(hb->time_ms), &ok);
	if (!ok) {
		json_decref(root);
		return BLIPPA_ERR_NOMEM;
	}
	return pjson_dump(root, out, len);
}

enum blippa_err protocol_decode_heartbeat(const char *json, size_t len,
					  struct protocol_heartbeat *out, char *err, size_t errlen)
{
	enum blippa_err rc;
	json_t *root = NULL;
	const char *v, *rd, *le;

	memset(out, 0, sizeof *out);
	if ((rc = pjson_load(json, len, PROTOCOL_BODY_MAX, &root, err, errlen)))
		goto out;
	if ((rc = pjson_get_str(root, "version", true, PROTOCOL_SHORT_MAX, false, &v, "heartbeat",
				err, errlen)) ||
	    (rc = pjson_get_int(root, "pending", true, 0, INT64_MAX, &out->pending, "heartbeat",
				err, errlen)) ||
	    (rc = pjson_get_int(root, "oldest_pending_age_s", true, 0, INT64_MAX,
				&out->oldest_pending_age_s, "heartbeat", err, errlen)) ||
	    (rc = pjson_get_str(root, "reader", true, PROTOCOL_SHORT_MAX, false, &rd, "heartbeat",
				err, errlen)) ||
	    (rc = pjson_get_str(root, "last_error", false, PROTOCOL_REASON_MAX, true, &le,
				"heartbeat", err, errlen)) ||
	    (rc = pjson_get_int(root, "time", true, 0, AT_MAX - 1, &out->time_ms, "heartbeat", err,
				errlen)))
		goto out;
	text_sanitize(out->version, sizeof out->version, v, PROTOCOL_SHORT_MAX);
	text_sanitize(out->reader, sizeof out->reader, rd, PROTOCOL_SHORT_MAX);
	text_sanitize(out->last_error, sizeof out->last_error, le ? le : "", PROTOCOL_REASON_MAX);
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
	pjson_put(root, "server_time", json_integer(a->server_time_ms), &ok);
	pjson_put(root, "kiosk_id", json_string(a->kiosk_id), &ok);
	if (!ok) {
		json_decref(root);
		return BLIPPA_ERR_NOMEM;
	}
	return pjson_dump(root, out, len);
}

enum blippa_err protocol_decode_heartbeat_answer(const char *json, size_t len,
						 struct protocol_heartbeat_answer *out, char *err,
						 size_t errlen)
{
	enum blippa_err rc;
	json_t *root = NULL;
	const char *kid = NULL;

	memset(out, 0, sizeof *out);
	if ((rc = pjson_load(json, len, PROTOCOL_RESPONSE_MAX, &root, err, errlen)))
		goto out;
	if ((rc = pjson_get_int(root, "server_time", true, 0, AT_MAX - 1, &out->server_time_ms,
				"answer", err, errlen)) ||
	    (rc = pjson_get_id(root, "kiosk_id", false, &kid, "answer", err, errlen)))
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
	text_sanitize(r, sizeof r, reason ? reason : "", PROTOCOL_REASON_MAX);
	pjson_put(root, "error", json_string(r), &ok);
	if (!ok) {
		json_decref(root);
		return BLIPPA_ERR_NOMEM;
	}
	return pjson_dump(root, out, len);
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
		text_sanitize(reason, reasonlen, json_string_value(v), PROTOCOL_REASON_MAX);
	json_decref(root);
}
