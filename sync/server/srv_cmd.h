/* SPDX-License-Identifier: MIT */
/* What the admin commands of blippa-server share (main.c, admin_cmd.c,
 * users_cmd.c, rights_cmd.c): the "blippa-server CMD: ..." error line on
 * stderr, opening the region store, and the message for a store error. */
#ifndef BLIPPA_SRV_CMD_H
#define BLIPPA_SRV_CMD_H

#include <stdarg.h>
#include <stdbool.h>

#include "srv_store.h"

/* Prints "blippa-server CMD: " and the formatted message and a newline to
 * stderr; returns EXIT_FAILURE. */
int srv_cmd_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int srv_cmd_vfail(const char *cmd, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* srv_store_open(db, create); EXIT_SUCCESS, or the store's message through
 * srv_cmd_fail and EXIT_FAILURE. */
int srv_cmd_open_store(const char *cmd, const char *db, bool create, struct srv_store **st);
/* "DB_SHOWN: this storage backend has no NO_WHAT" for BLIPPA_ERR_CONFIG,
 * else "DB_SHOWN: <error>", through srv_cmd_fail; returns EXIT_FAILURE. */
int srv_cmd_store_fail(const char *cmd, const char *db_shown, enum blippa_err rc,
		       const char *no_what);

#endif
