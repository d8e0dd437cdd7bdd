/* SPDX-License-Identifier: MIT */
/* Fleet health: which kiosks need attention and why. One function decides
 * it for `blippa-server list-kiosks`, the back-office Kiosks page and
 * GET /metrics, so all three show the same facts (docs/backoffice.md). */
#ifndef BLIPPA_FLEET_H
#define BLIPPA_FLEET_H

#include <stdbool.h>
#include <stdint.h>

#include "srv_store.h"

#define FLEET_STALE_DEFAULT_S 900     /* not seen for 15 minutes */
#define FLEET_STALE_MAX_S 604800      /* a week: the largest --stale-after */
#define FLEET_BACKLOG_S 3600	      /* oldest pending event older than an hour */
#define FLEET_SKEW_MS (2 * 60 * 1000) /* clock off by more than 2 minutes */

/* Why a kiosk needs attention (bits of struct fleet_health.reasons). */
enum fleet_reason {
	FLEET_NOT_SEEN = 1u << 0, /* no request for longer than stale_after_s */
	FLEET_BACKLOG = 1u << 1,  /* oldest pending event over FLEET_BACKLOG_S */
	FLEET_READER = 1u << 2,	  /* reader "error" or "absent" */
	FLEET_CLOCK = 1u << 3,	  /* |skew| over FLEET_SKEW_MS */
};
#define FLEET_REASONS 4

struct fleet_health {
	unsigned reasons;     /* enum fleet_reason bits; 0: fine (or revoked) */
	bool seen;	      /* the kiosk has made a request */
	int64_t since_seen_s; /* now - last seen (seen only) */
	bool has_skew;	      /* a heartbeat carried the kiosk's time */
	int64_t skew_s;	      /* server - kiosk time at the last heartbeat */
};

/* The health of k at now_ms; a kiosk never seen counts as not seen once it
 * is older than stale_after_s. A revoked kiosk never needs attention. */
struct fleet_health fleet_health(const struct srv_kiosk *k, int64_t now_ms, int64_t stale_after_s);

/* Short English text of one reason bit ("not seen", "backlog", "reader",
 * "clock"): the label of list-kiosks and of the metric. */
const char *fleet_reason_key(enum fleet_reason r);

#endif
