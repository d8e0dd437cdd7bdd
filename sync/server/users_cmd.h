/* SPDX-License-Identifier: MIT */
/* The back-office account commands of blippa-server (DESIGN §11):
 * add-user, set-password, list-users, remove-user. main.c parses the
 * options; these functions do the work, print errors on stderr as
 * "blippa-server CMD: ..." and return the process exit status. */
#ifndef BLIPPA_USERS_CMD_H
#define BLIPPA_USERS_CMD_H

#include <stddef.h>

#include "srv_store.h"

#define USERS_PW_MIN 12	  /* characters (UTF-8 code points) */
#define USERS_PW_MAX 1024 /* bytes */

struct users_cmd_opts {
	const char *cmd;	       /* command name for messages */
	const char *db;		       /* --db */
	const char *db_shown;	       /* --db without credentials, for messages */
	const char *user;	       /* --user */
	const char *role;	       /* --role (add-user) */
	const char *const *facilities; /* each --facility (add-user) */
	size_t n_facilities;
};

int users_cmd_add(const struct users_cmd_opts *o);
int users_cmd_set_password(const struct users_cmd_opts *o);
int users_cmd_list(const struct users_cmd_opts *o);
int users_cmd_remove(const struct users_cmd_opts *o);

/* True if name is 1..SRV_USER_MAX bytes of [A-Za-z0-9._@-]. */
bool users_name_valid(const char *name);
/* "admin" / "coordinator" / "viewer" <-> enum; false/NULL for others. */
bool users_role_parse(const char *s, enum srv_role *out);
const char *users_role_name(enum srv_role r);
/* Argon2id string of pw (libsodium INTERACTIVE cost) into out;
 * BLIPPA_ERR_NOMEM if Argon2 could not get its memory. */
enum blippa_err users_pw_hash(const char *pw, char out[SRV_PW_HASH_MAX]);
/* Number of UTF-8 code points in s (bytes that are not continuation bytes). */
size_t users_pw_chars(const char *s);

#endif
