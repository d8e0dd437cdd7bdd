/* SPDX-License-Identifier: MIT */
/* Field validators of the data model, one of each, shared by the kiosk's
 * roster decoder (roster.c) and the server's CSV import (import.c): ids,
 * names, local dates and times, time zones, language codes. All take a NUL-terminated
 * string (NULL is invalid) and never allocate. */
#ifndef BLIPPA_FIELDS_H
#define BLIPPA_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

/* 1..MODEL_ID_MAX bytes of printable ASCII without spaces (0x21..0x7e). */
bool field_valid_id(const char *s);
/* 1..max bytes of valid UTF-8 (shortest form, no surrogates), no C0 or C1
 * control characters and no DEL. */
bool field_valid_text(const char *s, size_t max);
/* A real date "YYYY-MM-DD", year MODEL_YEAR_MIN..MODEL_YEAR_MAX. */
bool field_valid_date(const char *s);
/* A real facility-local time "YYYY-MM-DD HH:MM" (date as above). */
bool field_valid_datetime(const char *s);
/* An IANA time zone name the system knows (tz_is_valid). */
bool field_valid_timezone(const char *s);
/* A language code of ISO 639-1: two lowercase ASCII letters that the
 * standard lists ("sv", "ar", "ti"; not "xx", not "SV"). */
bool field_valid_language(const char *s);

#endif
