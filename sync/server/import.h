/* SPDX-License-Identifier: MIT */
/* Roster import: reads the six roster CSV files of docs/csv.md from a
 * directory, validates every field and every reference, and yields a
 * struct srv_import ready for srv_store_import(). Nothing touches the
 * database until the whole set is valid. */
#ifndef BLIPPA_IMPORT_H
#define BLIPPA_IMPORT_H

#include <stdbool.h>
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

/* For import_limits.c. The line of the row of file (0 facilities,
 * 1 groups, 2 sessions, 3 participants, 4 members, 5 leaders) whose key is
 * key (its first column; members: group_id "\x1f" participant_id), 0 if
 * none; and the directory the set was loaded from. */
size_t import_line_of(const struct import_set *s, int file, const char *key);
const char *import_dir(const struct import_set *s);
/* Refuses (BLIPPA_ERR_TOO_BIG, "PATH:LINE: reason" in err) a roster in which
 * some facility's snapshot would be over a limit of model_limits.h: more
 * than MODEL_SNAPSHOT_ROWS_MAX rows in one table, or more than
 * MODEL_SNAPSHOT_BYTES_MAX bytes of JSON (counting every leader with a PIN).
 * LINE is the row that crosses the limit. Called by import_load_dir. */
enum blippa_err import_check_limits(const struct import_set *s, char *err, size_t errlen);

/* Field checks shared with the export and admin commands. */
bool import_valid_id(const char *s);	     /* 1..64 printable ASCII, no space */
bool import_valid_date(const char *s);	     /* real date YYYY-MM-DD */
bool import_valid_local_time(const char *s); /* real YYYY-MM-DD HH:MM */

#endif
