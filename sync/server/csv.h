/* SPDX-License-Identifier: MIT */
/* A strict RFC 4180 CSV reader over a memory buffer, used by the roster
 * import. Quoted fields may hold commas, CR/LF and "" escapes; records end
 * with CRLF or LF; a UTF-8 byte order mark at the start is skipped; blank
 * lines are skipped. Every field must be valid UTF-8 without NUL bytes.
 * Hard caps bound memory whatever the input (CSV_FIELD_MAX, CSV_RECORD_MAX,
 * CSV_FIELDS_MAX). Errors carry the line where the offending record starts. */
#ifndef BLIPPA_CSV_H
#define BLIPPA_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

#define CSV_FIELD_MAX 4096   /* bytes per field (after unquoting) */
#define CSV_RECORD_MAX 65536 /* bytes per record (sum of fields) */
#define CSV_FIELDS_MAX 32    /* fields per record */

struct csv_reader;

/* One record. fields[i] are NUL-terminated and owned by the reader; they
 * stay valid until the next csv_next() or csv_close(). line is the 1-based
 * line on which the record starts. */
struct csv_record {
	const char *fields[CSV_FIELDS_MAX];
	size_t n_fields;
	size_t line;
};

/* Reader over buf[0..len) (not copied: buf must outlive the reader). *out is
 * owned by the caller: csv_close(). BLIPPA_ERR_NOMEM only. */
enum blippa_err csv_open_mem(const char *buf, size_t len, struct csv_reader **out);
void csv_close(struct csv_reader *r); /* NULL is a no-op */

/* Reads the next record into rec. Returns BLIPPA_OK with rec filled,
 * BLIPPA_ERR_NOT_FOUND at the end of input, or BLIPPA_ERR_INVALID /
 * BLIPPA_ERR_TOO_BIG with "line N: reason" in err (the reader is then done:
 * further calls return the same error). */
enum blippa_err csv_next(struct csv_reader *r, struct csv_record *rec, char *err, size_t errlen);

/* True if s[0..len) is valid UTF-8 (shortest form, no surrogates). */
int csv_utf8_valid(const char *s, size_t len);

/* Writes field to out, quoted per RFC 4180 when it contains a comma, quote,
 * CR or LF (quotes doubled), else as is. Used by the export. Returns 0, or
 * -1 on a write error. */
int csv_write_field(FILE *out, const char *field);

/* The first characters that make a spreadsheet (Excel, LibreOffice) treat
 * a cell as a formula or a command: = + - @ TAB CR. */
#define CSV_FORMULA_START "=+-@\t\r"

/* csv_write_field for a cell a person will open in a spreadsheet: a field
 * starting with one of CSV_FORMULA_START gets a leading ' so it is shown as
 * text and never evaluated (OWASP "CSV injection"). The export writes every
 * cell this way. Returns 0, or -1 on a write error. */
int csv_write_cell(FILE *out, const char *field);

#endif
