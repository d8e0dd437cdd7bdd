/* SPDX-License-Identifier: MIT */
/* Internal helpers of the protocol codec (protocol_json.h): checked access
 * to jansson values and compact output. */
#include "protocol_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "roster.h"

void pjson_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Parses json; never echoes input bytes into err (they may be personal). */
enum blippa_err pjson_load(const char *json, size_t len, size_t cap, json_t **out, char *err,
			   size_t errlen)
{
	json_error_t jerr;
	*out = NULL;
	if (!json) {
		pjson_seterr(err, errlen, "empty body");
		return BLIPPA_ERR_INVALID;
	}
	if (len > cap) {
		pjson_seterr(err, errlen, "body larger than %zu bytes", cap);
		return BLIPPA_ERR_TOO_BIG;
	}
	*out = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!*out) {
		pjson_seterr(err, errlen, "malformed JSON at line %d column %d", jerr.line,
			     jerr.column);
		return BLIPPA_ERR_INVALID;
	}
	if (!json_is_object(*out)) {
		pjson_seterr(err, errlen, "body is not a JSON object");
		json_decref(*out);
		*out = NULL;
		return BLIPPA_ERR_INVALID;
	}
	return BLIPPA_OK;
}

/* Ids: 1..64 bytes of printable ASCII without spaces (roster.h rule). */
bool pjson_id_ok(const char *s, size_t len)
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
enum blippa_err pjson_get_str(json_t *obj, const char *key, bool required, size_t max,
			      bool allow_empty, const char **out, const char *path, char *err,
			      size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (!required)
			return BLIPPA_OK;
		pjson_seterr(err, errlen, "%s.%s: missing", path, key);
		return BLIPPA_ERR_INVALID;
	}
	if (!json_is_string(v)) {
		pjson_seterr(err, errlen, "%s.%s: not a string", path, key);
		return BLIPPA_ERR_INVALID;
	}
	size_t n = json_string_length(v);
	if (n > max) {
		pjson_seterr(err, errlen, "%s.%s: longer than %zu bytes", path, key, max);
		return BLIPPA_ERR_INVALID;
	}
	if (n == 0 && !allow_empty) {
		pjson_seterr(err, errlen, "%s.%s: empty", path, key);
		return BLIPPA_ERR_INVALID;
	}
	*out = json_string_value(v);
	return BLIPPA_OK;
}

enum blippa_err pjson_get_id(json_t *obj, const char *key, bool required, const char **out,
			     const char *path, char *err, size_t errlen)
{
	enum blippa_err rc =
	    pjson_get_str(obj, key, required, ROSTER_ID_MAX, false, out, path, err, errlen);
	if (rc == BLIPPA_OK && *out && !pjson_id_ok(*out, strlen(*out))) {
		pjson_seterr(err, errlen, "%s.%s: not a valid id", path, key);
		rc = BLIPPA_ERR_INVALID;
	}
	return rc;
}

enum blippa_err pjson_get_uuid(json_t *obj, const char *key, char out[UUID_STR_LEN],
			       const char *path, char *err, size_t errlen)
{
	const char *s;
	enum blippa_err rc =
	    pjson_get_str(obj, key, true, UUID_STR_LEN - 1, false, &s, path, err, errlen);
	if (rc != BLIPPA_OK)
		return rc;
	if (!uuid_is_valid(s)) {
		pjson_seterr(err, errlen, "%s.%s: not a UUID", path, key);
		return BLIPPA_ERR_INVALID;
	}
	snprintf(out, UUID_STR_LEN, "%s", s);
	event_id_normalize(out); /* ids are case-insensitive: one spelling */
	return BLIPPA_OK;
}

enum blippa_err pjson_get_int(json_t *obj, const char *key, bool required, int64_t min, int64_t max,
			      int64_t *out, const char *path, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	if (!v) {
		if (!required)
			return BLIPPA_OK;
		pjson_seterr(err, errlen, "%s.%s: missing", path, key);
		return BLIPPA_ERR_INVALID;
	}
	if (!json_is_integer(v)) {
		pjson_seterr(err, errlen, "%s.%s: not an integer", path, key);
		return BLIPPA_ERR_INVALID;
	}
	json_int_t x = json_integer_value(v);
	if (x < min || x > max) {
		pjson_seterr(err, errlen, "%s.%s: out of range", path, key);
		return BLIPPA_ERR_INVALID;
	}
	*out = (int64_t)x;
	return BLIPPA_OK;
}

enum blippa_err pjson_get_array(json_t *obj, const char *key, size_t max, json_t **out, char *err,
				size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v) {
		pjson_seterr(err, errlen, "%s: missing", key);
		return BLIPPA_ERR_INVALID;
	}
	if (!json_is_array(v)) {
		pjson_seterr(err, errlen, "%s: not an array", key);
		return BLIPPA_ERR_INVALID;
	}
	if (json_array_size(v) > max) {
		pjson_seterr(err, errlen, "%s: more than %zu entries", key, max);
		return BLIPPA_ERR_TOO_BIG;
	}
	*out = v;
	return BLIPPA_OK;
}

enum blippa_err pjson_dump(json_t *root, char **out, size_t *len)
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
void pjson_put(json_t *obj, const char *key, json_t *v, bool *ok)
{
	if (!v || json_object_set_new(obj, key, v) != 0)
		*ok = false;
}

void pjson_append(json_t *arr, json_t *v, bool *ok)
{
	if (!v || json_array_append_new(arr, v) != 0)
		*ok = false;
}
