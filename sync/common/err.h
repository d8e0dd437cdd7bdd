/* SPDX-License-Identifier: MIT */
/* The one error enum of the project, with human-readable text.
 * Codes from SQLite, curl, libnfc and SDL are translated into these at each
 * module boundary; nothing above a module sees a foreign error code. */
#ifndef BLIPPA_ERR_H
#define BLIPPA_ERR_H

enum blippa_err {
	BLIPPA_OK = 0,
	BLIPPA_ERR_NOMEM = -1,       /* out of memory */
	BLIPPA_ERR_IO = -2,          /* read/write failed */
	BLIPPA_ERR_FULL = -3,        /* disk or database full */
	BLIPPA_ERR_CORRUPT = -4,     /* file is not a valid Blippa database */
	BLIPPA_ERR_BUSY = -5,        /* database locked by another process */
	BLIPPA_ERR_SCHEMA = -6,      /* database made by a newer Blippa */
	BLIPPA_ERR_INVALID = -7,     /* bad input (validated at the boundary) */
	BLIPPA_ERR_NOT_FOUND = -8,   /* no such thing */
	BLIPPA_ERR_CONFIG = -9,      /* configuration error */
	BLIPPA_ERR_PERM = -10,       /* unsafe file permissions / not allowed */
	BLIPPA_ERR_NETWORK = -11,    /* server unreachable, connection dropped */
	BLIPPA_ERR_TLS = -12,        /* certificate verification failed */
	BLIPPA_ERR_AUTH = -13,       /* kiosk not authorised (401/403) */
	BLIPPA_ERR_PROTOCOL = -14,   /* server answered something we cannot parse */
	BLIPPA_ERR_SERVER = -15,     /* server error (5xx, 429) */
	BLIPPA_ERR_TIMEOUT = -16,    /* deadline passed */
	BLIPPA_ERR_READER = -17,     /* card reader failed or absent */
	BLIPPA_ERR_EXPIRED = -18,    /* e.g. the undo window has passed */
	BLIPPA_ERR_LOCKED_OUT = -19, /* too many wrong PINs */
	BLIPPA_ERR_TOO_BIG = -20,    /* input over a hard size cap */
	BLIPPA_ERR_EXISTS = -21,     /* already there */
};

/* Returns a static, English, one-line description of err. Never NULL. */
const char *blippa_strerror(enum blippa_err err);

#endif
