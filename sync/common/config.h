/* SPDX-License-Identifier: MIT */
/* The kiosk's one config file (INI, parsed with inih), see docs/operations.md §2 and
 * config/kiosk.ini.example. Every problem is reported as
 * "FILE:LINE: [section] key: what is wrong" so association staff can fix it. */
#ifndef BLIPPA_CONFIG_H
#define BLIPPA_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define CONFIG_PIN_HASH_MAX 192 /* crypto_pwhash_STRBYTES is 128 */

struct blippa_config {
	char path[PATH_MAX];
	/* [kiosk] */
	char data_dir[PATH_MAX];         /* required; the SQLite file lives here */
	char language[8];                /* sv (default) en fi ar fa so ti */
	char admin_pin_hash[CONFIG_PIN_HASH_MAX]; /* Argon2id; empty: exit needs a leader */
	bool open_training;              /* record a visit when no session today (default yes) */
	int window_before_min;           /* check-in opens this long before start (60) */
	bool window_later_today;         /* ... or at any time earlier that day (yes) */
	int window_after_min;            /* and stays open this long after the end (30) */
	int undo_seconds;                /* "Inte du? Ångra" stays this long (10) */
	int result_seconds;              /* result screen goes home after (5) */
	int idle_seconds;                /* any participant screen goes home after (30) */
	int leader_idle_seconds;         /* leader mode logs out after (120) */
	int retention_days;              /* synced events older than this are purged (90) */
	bool sound;                      /* beep on result (default no) */
	bool fullscreen;                 /* default yes */
	float screen_diagonal_in;        /* panel diagonal in inches; 0: ask the display */
	/* [server] */
	char server_url[512];            /* empty: no sync (stand-alone kiosk) */
	char token_file[PATH_MAX];       /* required when url is set; must be 0600 */
	char ca_file[PATH_MAX];          /* optional extra CA bundle */
	int sync_interval_s;             /* between sync rounds when idle (30) */
	/* [reader] */
	char reader_device[256];         /* libnfc connstring | auto | sim:PATH | none */
};

/* Fills cfg with defaults (data_dir and device empty, language sv, ...). */
void config_defaults(struct blippa_config *cfg);

/* Loads and validates the file at path over the defaults. On error returns
 * BLIPPA_ERR_CONFIG (or _IO/_PERM) and writes one clear line into
 * err (never NULL-terminated beyond errlen) naming file, line and key. */
enum blippa_err config_load(const char *path, struct blippa_config *cfg, char *err,
			    size_t errlen);

/* Reads the bearer token from the token file at path ([server] token_file)
 * into tok (trimmed). Refuses a file that group or others can read
 * (BLIPPA_ERR_PERM), a missing file, an empty one, one longer than
 * toklen-1, or a character not allowed in a token. Message in err, never
 * the token. The sync engine reads with it at open and again whenever the
 * file changes (sync/client/engine_token.c). */
enum blippa_err config_read_token_file(const char *path, char *tok, size_t toklen, char *err,
				       size_t errlen);

#endif
