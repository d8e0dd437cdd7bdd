/* SPDX-License-Identifier: MIT */
/* See resolve.h. */
#include "resolve.h"

#include <stdio.h>
#include <string.h>

#include "roster.h"
#include "tz.h"

#define BEFORE_MS (60 * 60000)
#define AFTER_MS (30 * 60000)

static bool member_of(const struct roster *r, const char *group_id, const char *pid)
{
	for (size_t i = 0; i < r->n_members; i++)
		if (strcmp(r->members[i].group_id, group_id) == 0 &&
		    strcmp(r->members[i].participant_id, pid) == 0)
			return true;
	return false;
}

/* True if session s's window holds at; *start gets its start (UTC ms). */
static bool window_holds(const struct roster *r, const struct roster_session *s, int64_t at,
			 const char *at_date, int64_t *start)
{
	int64_t end;

	if (tz_local_to_utc_ms(r->facility.timezone, s->start, start) != BLIPPA_OK ||
	    tz_local_to_utc_ms(r->facility.timezone, s->end, &end) != BLIPPA_OK)
		return false;
	if (at >= end + AFTER_MS)
		return false;
	return at >= *start - BEFORE_MS || strncmp(s->start, at_date, 10) == 0;
}

enum blippa_err resolve_unsure_sessions(struct srv_store *st, const char *facility_id,
					struct protocol_event *ev, size_t n, size_t *changed)
{
	struct roster *r = NULL;
	enum blippa_err rc;
	bool any = false;

	*changed = 0;
	for (size_t i = 0; i < n; i++)
		any = any || (ev[i].type == EVENT_CHECKIN && ev[i].clock_unsure);
	if (!any)
		return BLIPPA_OK;
	if ((rc = srv_store_load_roster(st, facility_id, &r)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct protocol_event *e = &ev[i];
		const struct roster_session *best = NULL;
		int64_t best_dist = 0, start;
		char date[11], hhmm[6];
		bool keep = false;

		if (e->type != EVENT_CHECKIN || !e->clock_unsure ||
		    tz_utc_ms_to_local(r->facility.timezone, e->at_ms, date, hhmm) != BLIPPA_OK)
			continue;
		for (size_t k = 0; k < r->n_sessions; k++) {
			const struct roster_session *s = &r->sessions[k];
			int64_t d;
			if (!member_of(r, s->group_id, e->participant_id) ||
			    !window_holds(r, s, e->at_ms, date, &start))
				continue;
			if (strcmp(s->id, e->session_id) == 0)
				keep = true;
			d = start > e->at_ms ? start - e->at_ms : e->at_ms - start;
			if (!best || d < best_dist) {
				best = s;
				best_dist = d;
			}
		}
		if (keep || (!best && !e->session_id[0]))
			continue;
		snprintf(e->session_id, sizeof e->session_id, "%s", best ? best->id : "");
		(*changed)++;
	}
	roster_free(r);
	return BLIPPA_OK;
}
