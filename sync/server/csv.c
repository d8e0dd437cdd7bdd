/* SPDX-License-Identifier: MIT */
/* RFC 4180 CSV reader (strict, capped) and field writer; see csv.h. */
#include "csv.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct csv_reader {
	const char *buf;
	size_t len, pos;
	size_t line;	      /* current physical line (1-based) */
	enum blippa_err done; /* sticky error once failed */
	char *rec;	      /* CSV_RECORD_MAX + CSV_FIELDS_MAX bytes of fields */
};

enum blippa_err csv_open_mem(const char *buf, size_t len, struct csv_reader **out)
{
	struct csv_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return BLIPPA_ERR_NOMEM;
	r->rec = malloc(CSV_RECORD_MAX);
	if (!r->rec) {
		free(r);
		return BLIPPA_ERR_NOMEM;
	}
	r->buf = buf;
	r->len = len;
	r->line = 1;
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		r->pos = 3;
	*out = r;
	return BLIPPA_OK;
}

void csv_close(struct csv_reader *r)
{
	if (!r)
		return;
	free(r->rec);
	free(r);
}

int csv_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t n;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			n = 1;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (i + n >= len)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += n + 1;
	}
	return 1;
}

static enum blippa_err fail(struct csv_reader *r, enum blippa_err e, size_t line, char *err,
			    size_t errlen, const char *what)
{
	snprintf(err, errlen, "line %zu: %s", line, what);
	r->done = e;
	return e;
}

enum blippa_err csv_next(struct csv_reader *r, struct csv_record *rec, char *err, size_t errlen)
{
	if (r->done != BLIPPA_OK)
		return fail(r, r->done, r->line, err, errlen, "earlier error");
	/* skip blank lines */
	while (r->pos < r->len && (r->buf[r->pos] == '\n' || r->buf[r->pos] == '\r')) {
		if (r->buf[r->pos] == '\r' && (r->pos + 1 >= r->len || r->buf[r->pos + 1] != '\n'))
			return fail(r, BLIPPA_ERR_INVALID, r->line, err, errlen,
				    "bare CR (lines must end with LF or CRLF)");
		if (r->buf[r->pos] == '\n')
			r->line++;
		r->pos++;
	}
	if (r->pos >= r->len)
		return BLIPPA_ERR_NOT_FOUND;

	size_t start_line = r->line, used = 0;
	memset(rec, 0, sizeof(*rec));
	rec->line = start_line;
	for (;;) { /* one field per iteration */
		if (rec->n_fields >= CSV_FIELDS_MAX)
			return fail(r, BLIPPA_ERR_TOO_BIG, start_line, err, errlen,
				    "too many fields");
		char *field = r->rec + used;
		size_t flen = 0;
		int quoted = 0;
		if (r->pos < r->len && r->buf[r->pos] == '"') {
			quoted = 1;
			r->pos++;
		}
		for (;;) {
			if (r->pos >= r->len) {
				if (quoted)
					return fail(r, BLIPPA_ERR_INVALID, start_line, err, errlen,
						    "unterminated quoted field");
				break;
			}
			char c = r->buf[r->pos];
			if (c == '\0')
				return fail(r, BLIPPA_ERR_INVALID, r->line, err, errlen,
					    "NUL byte in file");
			if (quoted) {
				if (c == '"') {
					if (r->pos + 1 < r->len && r->buf[r->pos + 1] == '"') {
						r->pos++; /* "" -> " */
					} else {
						r->pos++;
						break; /* closing quote */
					}
				} else if (c == '\n') {
					r->line++;
				}
			} else {
				if (c == ',' || c == '\n' || c == '\r')
					break;
				if (c == '"')
					return fail(r, BLIPPA_ERR_INVALID, r->line, err, errlen,
						    "quote inside an unquoted field");
			}
			if (flen >= CSV_FIELD_MAX)
				return fail(r, BLIPPA_ERR_TOO_BIG, start_line, err, errlen,
					    "field too long");
			if (used + flen + 1 >= CSV_RECORD_MAX)
				return fail(r, BLIPPA_ERR_TOO_BIG, start_line, err, errlen,
					    "record too long");
			field[flen++] = c;
			r->pos++;
		}
		field[flen] = '\0';
		if (!csv_utf8_valid(field, flen))
			return fail(r, BLIPPA_ERR_INVALID, start_line, err, errlen,
				    "field is not valid UTF-8");
		rec->fields[rec->n_fields++] = field;
		used += flen + 1;
		/* after a field: comma, line end or end of input */
		if (r->pos >= r->len)
			break;
		char c = r->buf[r->pos];
		if (c == ',') {
			r->pos++;
			continue;
		}
		if (c == '\r') {
			if (r->pos + 1 >= r->len || r->buf[r->pos + 1] != '\n')
				return fail(r, BLIPPA_ERR_INVALID, r->line, err, errlen,
					    "bare CR (lines must end with LF or CRLF)");
			r->pos += 2;
			r->line++;
			break;
		}
		if (c == '\n') {
			r->pos++;
			r->line++;
			break;
		}
		return fail(r, BLIPPA_ERR_INVALID, r->line, err, errlen,
			    "text after a closing quote");
	}
	return BLIPPA_OK;
}

/* Writes prefix (may be "") and field as one RFC 4180 field. */
static int write_field(FILE *out, const char *prefix, const char *field)
{
	if (strpbrk(field, ",\"\r\n") == NULL)
		return fputs(prefix, out) < 0 || fputs(field, out) < 0 ? -1 : 0;
	if (fputc('"', out) == EOF || fputs(prefix, out) < 0)
		return -1;
	for (const char *p = field; *p; p++) {
		if (*p == '"' && fputc('"', out) == EOF)
			return -1;
		if (fputc(*p, out) == EOF)
			return -1;
	}
	return fputc('"', out) == EOF ? -1 : 0;
}

int csv_write_field(FILE *out, const char *field)
{
	return write_field(out, "", field);
}

int csv_write_cell(FILE *out, const char *field)
{
	bool formula = field[0] && strchr(CSV_FORMULA_START, field[0]) != NULL;
	return write_field(out, formula ? "'" : "", field);
}
