/* SPDX-License-Identifier: MIT */
/* The sync protocol v1 codec (docs/protocol.md): JSON <-> C structs for the
 * roster snapshot, event batches, per-event results, heartbeat and error
 * bodies. Used by both sides: the kiosk's sync engine and blippa-server.
 *
 * Every decoder treats its input as hostile: it checks the JSON type and
 * size of every field, the caps below, and writes ONE short English line
 * into err on failure (the field path and the problem, e.g.
 * "events[3].id: not a UUID"). Decoder error text never contains field
 * VALUES (they may be names or card UIDs), only paths, so the server may
 * return it in a 400 body and both sides may log it.
 *
 * Return codes: BLIPPA_OK; BLIPPA_ERR_INVALID (malformed JSON or a bad field:
 * server answers 400); BLIPPA_ERR_TOO_BIG (over a count/byte cap: server
 * answers 413); BLIPPA_ERR_NOMEM.
 *
 * Encoders return a malloc'd NUL-terminated compact JSON string in *out
 * (length in *len, may be NULL) that the caller frees with free(). Encoders
 * emit keys in a fixed order and never emit whitespace, so equal input gives
 * byte-identical output. Unknown keys in decoded objects are ignored (that is
 * how v1 grows); missing required keys are errors. */
#ifndef BLIPPA_PROTOCOL_H
#define BLIPPA_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "event.h"
#include "roster.h"
#include "uuid.h"

#define PROTOCOL_VERSION 1
#define PROTOCOL_HEADER "Blippa-Protocol"	       /* value: "1" */
#define PROTOCOL_BATCH_MAX 500			       /* events per POST /v1/events */
#define PROTOCOL_BODY_MAX (1024u * 1024u)	       /* request body bytes (server cap) */
#define PROTOCOL_RESPONSE_MAX MODEL_SNAPSHOT_BYTES_MAX /* response bytes (kiosk cap) */
#define PROTOCOL_REASON_MAX 128 /* rejection reasons, error texts, last_error */
#define PROTOCOL_SHORT_MAX 32	/* version, reader state */
/* Roster snapshot caps: the model's limits (model_limits.h), which the
 * server's import also enforces, so no roster it serves is ever over them.
 * They stop a hostile or broken body from eating the kiosk's memory. Over a
 * cap: BLIPPA_ERR_TOO_BIG. */
#define PROTOCOL_ROSTER_MAX_ROWS MODEL_SNAPSHOT_ROWS_MAX /* per table */

/* ---------------------------------------------------------------- roster */

/* GET /v1/roster body -> a new roster (owned by the caller: roster_free).
 * Checks every field with the roster_add_* validators AND the whole snapshot
 * with roster_validate(), so a returned roster is safe to hand to
 * store_replace_roster(). kiosk_id (may be NULL) gets the "kiosk_id" field.
 * The ETag is not in the body: set it with roster_set_etag(). */
enum blippa_err protocol_decode_roster(const char *json, size_t len, struct roster **out,
				       char *kiosk_id, size_t kiosk_id_len, char *err,
				       size_t errlen);

/* roster -> canonical snapshot body. Canonical: fixed key order, compact,
 * and every array sorted by its key (groups/sessions/participants/leaders by
 * id, members by group_id then participant_id, cards by uid), so the same
 * roster content always gives the same bytes whatever order it was built in:
 * the server hashes this output (SHA-256, hex) for the ETag. kiosk_id may be
 * NULL (then omitted). r->etag is not encoded. */
enum blippa_err protocol_encode_roster(const struct roster *r, const char *kiosk_id, char **out,
				       size_t *len);

/* ---------------------------------------------------------------- events */

/* One event as it travels on the wire (struct event_record minus local-only
 * fields). Strings are NUL-terminated; absent optional fields are "". */
struct protocol_event {
	char id[UUID_STR_LEN];			/* UUID, validated */
	enum event_type type;			/* checkin | void | card_link */
	int64_t at_ms;				/* Unix ms UTC, 0 < at_ms < 2^53 */
	int64_t device_ms;			/* optional "device_at": the kiosk's own
						   clock when at was corrected; 0 if absent */
	bool clock_unsure; /* optional "clock_unsure" (checkin): recorded before the
			      kiosk knew the server's time with an implausible
			      clock; the server resolves the session again */
	enum checkin_method method;		/* checkin only (else CHECKIN_CARD) */
	char participant_id[ROSTER_ID_MAX + 1]; /* checkin, card_link: required */
	char session_id[ROSTER_ID_MAX + 1];	/* checkin: "" = null = open training */
	char voids_id[UUID_STR_LEN];		/* void: required UUID */
	char card_uid[ROSTER_UID_HEX_MAX + 1];	/* card_link: required, 1..20 bytes of
						   printable ASCII; the server checks
						   it is hex and answers "bad card uid" */
};

/* n events (n <= PROTOCOL_BATCH_MAX, else TOO_BIG) -> POST /v1/events body.
 * The kiosk id of event_record is never sent (the server takes it from the
 * token). An event with an unknown type or method: BLIPPA_ERR_INVALID. */
enum blippa_err protocol_encode_events(const struct event_record *ev, size_t n, char **out,
				       size_t *len);

/* Server side: body -> *out, a malloc'd array of *n events (caller frees;
 * *out is NULL when *n is 0). len > PROTOCOL_BODY_MAX or more than
 * PROTOCOL_BATCH_MAX events: BLIPPA_ERR_TOO_BIG. Any structurally bad event
 * (missing/ill-typed field, id not a UUID, unknown type or method, string over
 * its cap, id containing spaces or control bytes) fails the whole batch with
 * BLIPPA_ERR_INVALID and err names it ("events[7].method: unknown value"). */
enum blippa_err protocol_decode_events(const char *json, size_t len, struct protocol_event **out,
				       size_t *n, char *err, size_t errlen);

/* --------------------------------------------------------------- results */

enum protocol_status { PROTOCOL_ACCEPTED, PROTOCOL_DUPLICATE, PROTOCOL_REJECTED };

struct protocol_result {
	char id[UUID_STR_LEN];
	enum protocol_status status;
	char reason[PROTOCOL_REASON_MAX + 1]; /* REJECTED only, else "" */
};

/* Server side: n results -> {"results":[...]} ("reason" only on rejected;
 * an over-long reason is cut at a UTF-8 boundary). */
enum blippa_err protocol_encode_results(const struct protocol_result *res, size_t n, char **out,
					size_t *len);

/* Kiosk side: answer body -> out[0..*n). More than max results:
 * BLIPPA_ERR_TOO_BIG. A rejected result without a reason gets "rejected".
 * The engine itself checks that the ids match the batch it sent. */
enum blippa_err protocol_decode_results(const char *json, size_t len, struct protocol_result *out,
					size_t max, size_t *n, char *err, size_t errlen);

/* ------------------------------------------------------------- heartbeat */

struct protocol_heartbeat {
	char version[PROTOCOL_SHORT_MAX + 1];	  /* kiosk software version, "0.1.0" */
	int64_t pending;			  /* events waiting */
	int64_t oldest_pending_age_s;		  /* 0 if none */
	char reader[PROTOCOL_SHORT_MAX + 1];	  /* ready|absent|error|none|sim|unknown */
	char last_error[PROTOCOL_REASON_MAX + 1]; /* "" if none; no personal data */
	int64_t time_ms;			  /* kiosk wall clock when sent */
};

struct protocol_heartbeat_answer {
	int64_t server_time_ms;
	char kiosk_id[ROSTER_ID_MAX + 1];
};

enum blippa_err protocol_encode_heartbeat(const struct protocol_heartbeat *hb, char **out,
					  size_t *len);
/* Server side. Negative counts, over-long strings: BLIPPA_ERR_INVALID. */
enum blippa_err protocol_decode_heartbeat(const char *json, size_t len,
					  struct protocol_heartbeat *out, char *err, size_t errlen);
enum blippa_err protocol_encode_heartbeat_answer(const struct protocol_heartbeat_answer *a,
						 char **out, size_t *len);
enum blippa_err protocol_decode_heartbeat_answer(const char *json, size_t len,
						 struct protocol_heartbeat_answer *out, char *err,
						 size_t errlen);

/* ---------------------------------------------------------------- errors */

/* {"error":"<reason>"} for any non-2xx answer (reason cut to
 * PROTOCOL_REASON_MAX bytes at a UTF-8 boundary). */
enum blippa_err protocol_encode_error(const char *reason, char **out, size_t *len);
/* Extracts "error" from an error body into reason ("" if the body is not a
 * valid error object: error bodies are best effort). Never fails. */
void protocol_decode_error(const char *json, size_t len, char *reason, size_t reasonlen);

/* ------------------------------------------------------------- enum text */

/* Wire names: "checkin"/"void"/"card_link", "card"/"name"/"leader",
 * "accepted"/"duplicate"/"rejected". NULL for an out-of-range value. The
 * parse functions return BLIPPA_ERR_INVALID for an unknown name. */
const char *protocol_event_type_name(enum event_type t);
const char *protocol_method_name(enum checkin_method m);
const char *protocol_status_name(enum protocol_status s);
enum blippa_err protocol_parse_event_type(const char *s, enum event_type *out);
enum blippa_err protocol_parse_method(const char *s, enum checkin_method *out);

#endif
