/* SPDX-License-Identifier: MIT */
/* An in-memory roster snapshot for ONE facility: what a kiosk needs to
 * resolve taps and names; part of the data model (sync/model), shared by
 * the kiosk and the server. Built by the protocol decoder (from the server's
 * JSON), by the demo generator, and by tests; consumed by
 * store_replace_roster(). All strings are copied into the roster's own arena
 * and live until roster_free(). The arrays are public for reading. */
#ifndef BLIPPA_ROSTER_H
#define BLIPPA_ROSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model_limits.h"

#define ROSTER_ID_MAX MODEL_ID_MAX	     /* ids: fields.h field_valid_id */
#define ROSTER_NAME_MAX MODEL_NAME_MAX	     /* names: fields.h field_valid_text */
#define ROSTER_UID_HEX_MAX MODEL_UID_HEX_MAX /* 10-byte UID as hex */

struct roster_facility {
	const char *id, *name, *timezone; /* timezone: IANA name, e.g. Europe/Stockholm */
};
struct roster_group {
	const char *id, *name;		       /* neutral name shown on screen */
	const char *period_start, *period_end; /* local dates YYYY-MM-DD */
};
struct roster_session {
	const char *id, *group_id;
	const char *start, *end; /* facility-local "YYYY-MM-DD HH:MM" */
};
struct roster_participant {
	const char *id, *given_name, *family_name;
	const char *language; /* ISO 639-1 code (fields.h), or NULL if not given */
};
struct roster_member {
	const char *group_id, *participant_id;
};
struct roster_leader {
	const char *id, *name;
	const char *pin_hash; /* Argon2id string from crypto_pwhash_str, or NULL */
};
enum roster_card_owner { ROSTER_CARD_PARTICIPANT, ROSTER_CARD_LEADER };
struct roster_card {
	const char *uid_hex; /* uppercase hex, 8, 14 or 20 digits */
	enum roster_card_owner owner;
	const char *owner_id;
};

struct roster {
	struct roster_facility facility;
	char *etag; /* server's ETag for this snapshot, or NULL */
	struct roster_group *groups;
	size_t n_groups;
	struct roster_session *sessions;
	size_t n_sessions;
	struct roster_participant *participants;
	size_t n_participants;
	struct roster_member *members;
	size_t n_members;
	struct roster_leader *leaders;
	size_t n_leaders;
	struct roster_card *cards;
	size_t n_cards;
	/* private: arena and capacities */
	struct roster_priv *priv;
};

/* Allocates an empty roster; NULL on out of memory. Free with roster_free. */
struct roster *roster_new(void);
void roster_free(struct roster *r); /* NULL is a no-op */

/* Each adder copies its strings, checks lengths and characters (ids, UTF-8
 * names, dates, times, hex UIDs), and returns BLIPPA_ERR_INVALID for a bad
 * field. They do not check references: roster_validate() does that. */
enum blippa_err roster_set_facility(struct roster *r, const char *id, const char *name,
				    const char *timezone);
enum blippa_err roster_set_etag(struct roster *r, const char *etag);
enum blippa_err roster_add_group(struct roster *r, const char *id, const char *name,
				 const char *period_start, const char *period_end);
enum blippa_err roster_add_session(struct roster *r, const char *id, const char *group_id,
				   const char *start, const char *end);
enum blippa_err roster_add_participant(struct roster *r, const char *id, const char *given,
				       const char *family);
/* As roster_add_participant, with the participant's language: NULL or ""
 * for none, else an ISO 639-1 code (field_valid_language). */
enum blippa_err roster_add_participant_lang(struct roster *r, const char *id, const char *given,
					    const char *family, const char *language);
enum blippa_err roster_add_member(struct roster *r, const char *group_id,
				  const char *participant_id);
enum blippa_err roster_add_leader(struct roster *r, const char *id, const char *name,
				  const char *pin_hash);
enum blippa_err roster_add_card(struct roster *r, const char *uid_hex, enum roster_card_owner owner,
				const char *owner_id);

/* True if r (whose canonical JSON is json_len bytes) is within the limits a
 * kiosk takes (model_limits.h): the roster endpoint checks this before
 * serving, the server's import refuses a roster that would break it. */
bool roster_fits_kiosk(const struct roster *r, size_t json_len);

/* Checks the whole snapshot: a facility is set, ids unique per table, every
 * reference resolves (session->group, member->group/participant,
 * card->owner), end after start, no UID twice. On failure writes one line
 * naming the table, the id and the problem into err. */
enum blippa_err roster_validate(const struct roster *r, char *err, size_t errlen);

#endif
