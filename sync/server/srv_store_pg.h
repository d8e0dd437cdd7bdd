/* SPDX-License-Identifier: MIT */
/* The PostgreSQL backend of srv_store.h (issue 8, docs/server-postgresql.md):
 * srv_store_open() hands it every target that starts with "postgresql://"
 * or "postgres://" (a libpq connection URI). */
#ifndef BLIPPA_SRV_STORE_PG_H
#define BLIPPA_SRV_STORE_PG_H

#include <stdbool.h>

#include "srv_store.h"

extern const struct srv_store_ops srv_store_pg_ops;

/* True if db names a PostgreSQL database (a postgresql:// or postgres://
 * URI) rather than an SQLite file. */
bool srv_store_pg_target(const char *db);

#endif
