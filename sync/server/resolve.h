/* SPDX-License-Identifier: MIT */
/* Sessions resolved again on the server (issue 13): a kiosk that had not
 * learned the server's time since boot and whose clock was implausible
 * records check-ins anyway, with its best guess of the session, and marks
 * them "clock_unsure"; it sends them once their time is corrected. The
 * server then resolves the session from the corrected time with the
 * default windows (docs/kiosk.md). */
#ifndef BLIPPA_RESOLVE_H
#define BLIPPA_RESOLVE_H

#include <stddef.h>

#include "err.h"
#include "protocol.h"
#include "srv_store.h"

/* For every checkin in ev[0..n) with clock_unsure: keeps its session if that
 * session's window (60 min before the start or earlier the same local day,
 * until 30 min after the end) holds its time and the participant is a
 * member, else puts the facility's best session instead (nearest start),
 * or "" (open training). *changed gets how many sessions changed. Nothing
 * is read when no event is unsure. */
enum blippa_err resolve_unsure_sessions(struct srv_store *st, const char *facility_id,
					struct protocol_event *ev, size_t n, size_t *changed);

#endif
