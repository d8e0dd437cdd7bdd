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

#define IMPORT_ERRORS_KEEP 50 /* errors kept in full; the rest are counted */

struct import_set;

/* What is wrong, for a translated message (web_i18n.c); text has the
 * English reason the CLI prints. */
enum import_err_kind {
	IE_OTHER,     /* see text */
	IE_MISSING,   /* the file is not there */
	IE_TOO_LARGE, /* file over IMPORT_FILE_MAX or rows over IMPORT_ROWS_MAX */
	IE_EMPTY,     /* no header row */
	IE_SYNTAX,    /* not readable as CSV (quotes, bytes) */
	IE_HEADER,    /* header lacks column, or has a column too many */
	IE_FIELDS,    /* a row with another number of fields than the header */
	IE_ID,	      /* bad id in column */
	IE_REF,	      /* column's id is not in file value */
	IE_NAME,      /* bad name in column */
	IE_TIMEZONE,  /* unknown time zone */
	IE_DATE,      /* bad date in column */
	IE_DATETIME,  /* bad local time in column */
	IE_ORDER,     /* end before start */
	IE_CARD,      /* bad card UID */
	IE_LANGUAGE,  /* bad language code */
	IE_DUPLICATE, /* same key as line value */
	IE_CARD_USED, /* card already used at value ("file:line") */
	IE_LIMIT,     /* over a kiosk snapshot limit */
	IE_KIND_COUNT
};

struct import_error {
	int file;	 /* 0..5 (import_file_name), -1 for none */
	size_t line;	 /* 1-based; 0 for the whole file */
	char column[24]; /* CSV column name, "" for none */
	enum import_err_kind kind;
	char value[72]; /* the bad id (IE_REF), the first line (IE_DUPLICATE), the
			 * card's owner "file:line" (IE_CARD_USED); never a name */
	char other[24]; /* IE_REF: the file the id is not in */
	char text[256]; /* the English reason: "bad period_start 2026-13-01 (...)" */
};

/* Every error of one load, the first IMPORT_ERRORS_KEEP of them (by file,
 * then line) in e[0..n); total counts all. */
struct import_errors {
	struct import_error e[IMPORT_ERRORS_KEEP];
	size_t n, total;
};

/* Loads DIR/{facilities,groups,sessions,participants,members,leaders}.csv
 * and checks all of it, collecting every error into errs (which may be
 * NULL): a bad row does not stop the reading, so one upload reports all
 * its problems. Returns BLIPPA_OK and the set, or the first error's code
 * (BLIPPA_ERR_INVALID, _NOT_FOUND for a missing file, _TOO_BIG, _IO,
 * _NOMEM) and no set: nothing is half-loaded. No names in the texts: ids,
 * dates and column names only. *out is owned by the caller. */
enum blippa_err import_load_dir_all(const char *dir, struct import_set **out,
				    struct import_errors *errs);
/* The same, with the errors as "PATH:LINE: reason" lines in err, as many as
 * fit, then "... and N more errors". */
enum blippa_err import_load_dir(const char *dir, struct import_set **out, char *err, size_t errlen);
/* "participants.csv" for file 3; "" out of range. */
const char *import_file_name(int file);
/* Adds one error to errs (keeps the first IMPORT_ERRORS_KEEP, counts all). */
void import_errors_add(struct import_errors *errs, const struct import_error *e);
/* Sorts errs->e by file, then line (stable). */
void import_errors_sort(struct import_errors *errs);
/* Writes errs as "DIR/FILE:LINE: text" lines into buf ("" if none). */
void import_errors_format(const struct import_errors *errs, const char *dir, char *buf, size_t len);
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
