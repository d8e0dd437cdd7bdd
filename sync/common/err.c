/* SPDX-License-Identifier: MIT */
/* Text for enum blippa_err. */
#include "err.h"

const char *blippa_strerror(enum blippa_err err)
{
	switch (err) {
	case BLIPPA_OK: return "ok";
	case BLIPPA_ERR_NOMEM: return "out of memory";
	case BLIPPA_ERR_IO: return "input/output error";
	case BLIPPA_ERR_FULL: return "disk or database is full";
	case BLIPPA_ERR_CORRUPT: return "database file is corrupt or not a Blippa database";
	case BLIPPA_ERR_BUSY: return "database is locked by another process";
	case BLIPPA_ERR_SCHEMA: return "database was made by a newer version of Blippa";
	case BLIPPA_ERR_INVALID: return "invalid input";
	case BLIPPA_ERR_NOT_FOUND: return "not found";
	case BLIPPA_ERR_CONFIG: return "configuration error";
	case BLIPPA_ERR_PERM: return "unsafe permissions or not allowed";
	case BLIPPA_ERR_NETWORK: return "server unreachable";
	case BLIPPA_ERR_TLS: return "server certificate could not be verified";
	case BLIPPA_ERR_AUTH: return "kiosk not authorised by the server";
	case BLIPPA_ERR_PROTOCOL: return "server sent an answer that could not be understood";
	case BLIPPA_ERR_SERVER: return "server error";
	case BLIPPA_ERR_TIMEOUT: return "timed out";
	case BLIPPA_ERR_READER: return "card reader error";
	case BLIPPA_ERR_EXPIRED: return "too late: the time window has passed";
	case BLIPPA_ERR_LOCKED_OUT: return "locked after too many wrong PINs";
	case BLIPPA_ERR_TOO_BIG: return "input is larger than allowed";
	case BLIPPA_ERR_EXISTS: return "already exists";
	}
	return "unknown error";
}
