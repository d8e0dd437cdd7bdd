/* SPDX-License-Identifier: MIT */
/* Facility-local time <-> UTC for an IANA zone (Europe/Stockholm), DST-correct,
 * using the system tzdata through the C library. glibc keeps one process-wide
 * zone, so these functions switch TZ under a mutex and restore it; when the
 * process already runs in the zone asked for (the kiosk sets TZ to its
 * facility's zone at start), nothing is switched. Thread-safe among callers of
 * this module. */
#ifndef BLIPPA_TZ_H
#define BLIPPA_TZ_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

/* True if zone names a time zone the system knows: a TZif file under the
 * zoneinfo directory ($TZDIR), not a "right/" leap-second variant, nor
 * localtime, posixrules or Factory. */
bool tz_is_valid(const char *zone);

/* "YYYY-MM-DD HH:MM" local in zone -> Unix ms UTC. A local time skipped by a
 * DST change is taken as after the change (02:30 -> 03:30); an ambiguous one
 * as the first (summer-time) instant. BLIPPA_ERR_INVALID on bad text. */
enum blippa_err tz_local_to_utc_ms(const char *zone, const char *local, int64_t *out_ms);

/* Unix ms -> local broken-down fields in zone. Any out pointer may be NULL.
 * date gets "YYYY-MM-DD", hhmm gets "HH:MM". */
enum blippa_err tz_utc_ms_to_local(const char *zone, int64_t ms, char date[11], char hhmm[6]);

/* Sets the process zone once at start (setenv TZ + tzset). */
void tz_set_process_zone(const char *zone);

#endif
