/* SPDX-License-Identifier: MIT */
/* Internal helpers of the protocol codec (not part of the public API):
 * checked field access on jansson objects with error texts that name the
 * field path but never its value, and compact, fixed-order output. */
#ifndef BLIPPA_PROTOCOL_JSON_H
#define BLIPPA_PROTOCOL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "uuid.h"

#define PJSON_AT_MAX ((int64_t)1 << 53) /* exact in a double: JS-safe integers */

/* One line into err (may be NULL). */
void pjson_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Parses len bytes (cap: TOO_BIG) into an object; err never echoes input. */
enum blippa_err pjson_load(const char *json, size_t len, size_t cap, json_t **out, char *err,
			   size_t errlen);
/* Ids: 1..64 bytes of printable ASCII without spaces (roster.h rule). */
bool pjson_id_ok(const char *s, size_t len);
/* obj[key] as a string of 1..max bytes (0..max if allow_empty); absent or
 * null: *out = NULL, an error only if required. path names obj in err. */
enum blippa_err pjson_get_str(json_t *obj, const char *key, bool required, size_t max,
			      bool allow_empty, const char **out, const char *path, char *err,
			      size_t errlen);
enum blippa_err pjson_get_id(json_t *obj, const char *key, bool required, const char **out,
			     const char *path, char *err, size_t errlen);
enum blippa_err pjson_get_uuid(json_t *obj, const char *key, char out[UUID_STR_LEN],
			       const char *path, char *err, size_t errlen);
enum blippa_err pjson_get_int(json_t *obj, const char *key, bool required, int64_t min, int64_t max,
			      int64_t *out, const char *path, char *err, size_t errlen);
/* obj[key] as an array of at most max entries (more: TOO_BIG). */
enum blippa_err pjson_get_array(json_t *obj, const char *key, size_t max, json_t **out, char *err,
				size_t errlen);
/* Compact dump of root (consumed) into a malloc'd string. */
enum blippa_err pjson_dump(json_t *root, char **out, size_t *len);
/* Set/append that record the first failure in *ok (v consumed). */
void pjson_put(json_t *obj, const char *key, json_t *v, bool *ok);
void pjson_append(json_t *arr, json_t *v, bool *ok);

#endif
