/* SPDX-License-Identifier: MIT */
/* The shared limits of the data model, defined once: the field sizes of
 * roster.h, and what one facility's roster snapshot may hold. The server's
 * import refuses a roster that a kiosk could not take (import_limits.c), the
 * roster endpoint never serves one, and the kiosk's decoder
 * (protocol_decode_roster) refuses anything larger. */
#ifndef BLIPPA_MODEL_LIMITS_H
#define BLIPPA_MODEL_LIMITS_H

#define MODEL_ID_MAX 64	       /* ids: 1..64 bytes, printable ASCII, no spaces */
#define MODEL_NAME_MAX 128     /* names: 1..128 bytes of valid UTF-8 */
#define MODEL_UID_BYTES_MAX 10 /* card UIDs are 4, 7 or 10 bytes */
#define MODEL_UID_HEX_MAX 20   /* 10-byte UID as hex */
#define MODEL_PIN_HASH_MAX 127 /* Argon2id string */

/* One facility's snapshot (GET /v1/roster): at most this many rows in each
 * table (groups, sessions, participants, members, leaders, cards) ... */
#define MODEL_SNAPSHOT_ROWS_MAX 200000
/* ... and at most this many bytes of JSON. */
#define MODEL_SNAPSHOT_BYTES_MAX (32u * 1024u * 1024u)

/* Dates in the roster: years from ... to ... (1971: a local date in any
 * zone maps to a positive Unix time, which the kiosk's store relies on). */
#define MODEL_YEAR_MIN 1971
#define MODEL_YEAR_MAX 9999

#endif
