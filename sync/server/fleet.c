/* SPDX-License-Identifier: MIT */
/* Fleet health: see fleet.h. */
#include "fleet.h"

#include <string.h>

struct fleet_health fleet_health(const struct srv_kiosk *k, int64_t now_ms, int64_t stale_after_s)
{
	struct fleet_health h = {0};
	h.seen = k->last_seen_ms != 0;
	if (h.seen)
		h.since_seen_s = (now_ms - k->last_seen_ms) / 1000;
	/* server time - kiosk time when the last heartbeat came (to a
	 * request's length) */
	h.has_skew = h.seen && k->kiosk_time_ms != 0;
	if (h.has_skew)
		h.skew_s = (k->last_seen_ms - k->kiosk_time_ms) / 1000;
	if (k->revoked_ms)
		return h;
	int64_t since_ms = now_ms - (h.seen ? k->last_seen_ms : k->created_ms);
	if (since_ms > stale_after_s * 1000)
		h.reasons |= FLEET_NOT_SEEN;
	/* the oldest pending event keeps ageing after the last heartbeat */
	int64_t oldest = k->oldest_pending_age_s + (h.seen ? h.since_seen_s : 0);
	if (k->pending > 0 && oldest > FLEET_BACKLOG_S)
		h.reasons |= FLEET_BACKLOG;
	if (strcmp(k->reader, "error") == 0 || strcmp(k->reader, "absent") == 0)
		h.reasons |= FLEET_READER;
	if (h.has_skew) {
		int64_t d = k->last_seen_ms - k->kiosk_time_ms;
		if (d > FLEET_SKEW_MS || d < -FLEET_SKEW_MS)
			h.reasons |= FLEET_CLOCK;
	}
	return h;
}

const char *fleet_reason_key(enum fleet_reason r)
{
	switch (r) {
	case FLEET_NOT_SEEN:
		return "not_seen";
	case FLEET_BACKLOG:
		return "backlog";
	case FLEET_READER:
		return "reader";
	case FLEET_CLOCK:
		return "clock";
	}
	return "";
}
