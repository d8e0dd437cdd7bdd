/* SPDX-License-Identifier: MIT */
/* Roster import: reads the six roster CSV files of docs/csv.md from a
 * directory, validates every field and every reference, and yields a
 * struct srv_import ready for srv_store_import(). Nothing touches the
 * database until the whole set is valid. */
#ifndef BLIPPA_IMPORT_H
#define BLIPPA_IMPORT_H

#include <stddef.h>

#include "err.h"
#include "srv_store.h"

#define IMPORT_FILE_MAX (64u * 1024u * 1024u) /* bytes per CSV file */
#define IMPORT_ROWS_MAX 1000000		      /* rows per CSV file */

struct import_set;

/* Loads DIR/{facilities,groups,sessions,participants,members,leaders}.csv.
 * On failure returns BLIPPA_ERR_INVALID (or _IO, _TOO_BIG, _NOMEM) and
 * writes "PATH:LINE: reason" into err (no names in the text: ids, dates and
 * column names only). *out is owned by the caller: import_set_free. */
enum blippa_err import_load_dir(const char *dir, struct import_set **out, char *err, size_t errlen);
/* The validated roster; valid until import_set_free. */
const struct srv_import *import_set_roster(const struct import_set *s);
void import_set_free(struct import_set *s); /* NULL is a no-op */

/* Field checks shared with the export and admin commands. */
bool import_valid_id(const char *s);	     /* 1..64 printable ASCII, no space */
bool import_valid_date(const char *s);	     /* real date YYYY-MM-DD */
bool import_valid_local_time(const char *s); /* real YYYY-MM-DD HH:MM */

#endif
