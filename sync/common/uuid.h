/* SPDX-License-Identifier: MIT */
/* UUIDv7 (RFC 9562): time-ordered ids for events made on the kiosk.
 * Monotonic within a process even if the wall clock steps backwards: the
 * generator never issues a timestamp lower than the last one it issued, and
 * uses the 12-bit rand_a field as a counter within one millisecond. */
#ifndef BLIPPA_UUID_H
#define BLIPPA_UUID_H

#include <stdbool.h>
#include <stdint.h>

#define UUID_STR_LEN 37 /* 36 characters + NUL */

/* Writes a new UUIDv7 string (lowercase, hyphenated) into out. now_ms is the
 * wall clock in Unix milliseconds. Thread-safe. */
void uuid7_make(int64_t now_ms, char out[UUID_STR_LEN]);

/* True if s is a canonical lowercase or uppercase hyphenated UUID. */
bool uuid_is_valid(const char *s);

#endif
