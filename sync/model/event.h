/* SPDX-License-Identifier: MIT */
/* Event types and check-in methods of the data model, with their codes
 * pinned explicitly: the wire names of docs/protocol.md and the integers
 * stored in the kiosk's and the server's databases. A code never changes
 * meaning; reordering the enums below cannot change what is stored. */
#ifndef BLIPPA_EVENT_H
#define BLIPPA_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model_limits.h"
#include "uuid.h"

/* Database codes (the events.type column of both databases). SQL text
 * that filters on a type uses the _SQL spelling. */
#define EVENT_DB_CHECKIN 0
#define EVENT_DB_VOID 1
#define EVENT_DB_CARD_LINK 2
#define EVENT_DB_CHECKIN_SQL "0"
#define EVENT_DB_VOID_SQL "1"
#define EVENT_DB_CARD_LINK_SQL "2"

/* Database codes of the events.method column. */
#define CHECKIN_DB_CARD 0
#define CHECKIN_DB_NAME 1
#define CHECKIN_DB_LEADER 2

enum event_type {
	EVENT_CHECKIN = EVENT_DB_CHECKIN,     /* wire "checkin" */
	EVENT_VOID = EVENT_DB_VOID,	      /* wire "void" */
	EVENT_CARD_LINK = EVENT_DB_CARD_LINK, /* wire "card_link" */
};

enum checkin_method {
	CHECKIN_CARD = CHECKIN_DB_CARD,	    /* wire "card" */
	CHECKIN_NAME = CHECKIN_DB_NAME,	    /* wire "name" */
	CHECKIN_LEADER = CHECKIN_DB_LEADER, /* wire "leader" */
};

/* One event as a kiosk records it (the kiosk's queue) and sends it. seq
 * and kiosk_id are local: the wire form (protocol_event) has neither, the
 * server takes the kiosk from the token. Strings are NUL-terminated;
 * absent optional fields are "". */
struct event_record {
	int64_t seq; /* local order */
	char id[UUID_STR_LEN];
	enum event_type type;
	int64_t at_ms;
	enum checkin_method method;
	char participant_id[MODEL_ID_MAX + 1];
	char session_id[MODEL_ID_MAX + 1];    /* "" = open training */
	char voids_id[UUID_STR_LEN];	      /* VOID only */
	char card_uid[MODEL_UID_HEX_MAX + 1]; /* CARD_LINK only */
	char kiosk_id[MODEL_ID_MAX + 1];
	int64_t device_ms; /* the kiosk's own clock when at_ms was corrected, else 0 */
	bool clock_unsure; /* recorded while the clock was unsure: session a guess */
};

/* Wire names; NULL for a value that is not one of the enum's. */
const char *event_type_wire(enum event_type t);
const char *checkin_method_wire(enum checkin_method m);
/* Wire name -> value; BLIPPA_ERR_INVALID for an unknown name. */
enum blippa_err event_type_from_wire(const char *s, enum event_type *out);
enum blippa_err checkin_method_from_wire(const char *s, enum checkin_method *out);

/* Value -> database code. Reading a row back is a cast of the stored code
 * (each enum value IS its code); a code no version wrote stays an unknown
 * value, which the wire encoders refuse (a damaged row). */
int event_type_db(enum event_type t);
int checkin_method_db(enum checkin_method m);

/* Event ids are UUIDs compared without regard to case: every id that
 * enters (decoder, import of a kiosk's batch) is lowered here first, so
 * "01A2...ABCD" and "01a2...abcd" are one event. Lowers s in place. */
void event_id_normalize(char *s);

#endif
