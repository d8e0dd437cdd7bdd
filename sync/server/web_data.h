/* SPDX-License-Identifier: MIT */
/* Attendance for the back-office pages, read from the store's attendance
 * summary (srv_store_attendance): for the overview, the groups of one
 * facility in a period with counts per group and session; for the group
 * page, one group with its grid (a mark per member and session). Gives the
 * same figures as folding the export row by row (test_web_data checks it)
 * at a cost that does not grow with the number of events. Built per
 * request, freed with web_data_free. */
#ifndef BLIPPA_WEB_DATA_H
#define BLIPPA_WEB_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "roster.h"
#include "srv_store.h"

/* One cell: attendance of one participant at one session. */
enum web_mark { WM_NONE, WM_ABSENT, WM_CARD, WM_NAME, WM_LEADER };
#define WM_MASK 0x0f
#define WM_STAFF 0x10 /* or'ed in: a staff correction (with WM_ABSENT: "not present") */

struct wd_session {
	const struct roster_session *s;
	size_t group;	/* index into groups */
	bool held;	/* start <= now (facility-local) */
	size_t present; /* members checked in */
};

struct wd_member {
	const struct roster_participant *p;
	size_t group;
	size_t attended; /* held sessions present */
	bool left;	 /* not a member any more, but checked in before */
	bool follow_up;	 /* absent at the last two held sessions */
	unsigned char
	    *marks; /* enum web_mark | WM_STAFF, per session of the group (only when grid) */
};

struct wd_group {
	const struct roster_group *g;
	size_t first_session, n_sessions; /* range in sessions (start order) */
	size_t n_held, n_members;
	size_t present_total;	    /* sum over held sessions */
	size_t half;		    /* members with attended * 2 >= n_held */
	size_t first_member, n_all; /* range in members (incl. left) */
};

struct web_data {
	struct roster *r;
	char now_local[17]; /* "YYYY-MM-DD HH:MM" in the facility's zone */
	struct wd_group *groups;
	size_t n_groups;
	struct wd_session *sessions;
	size_t n_sessions;
	struct wd_member *members;
	size_t n_members;
	void *priv;
};

/* The overview of facility (id, name, timezone): its groups in period
 * ("current", "past" or "upcoming" relative to today in its time zone),
 * counts only (no members, no marks). */
enum blippa_err web_data_overview(struct srv_store *st, const char *fid, const char *name,
				  const char *tz, const char *period, int64_t now_ms,
				  struct web_data **out);
/* Group gid with its grid (marks); d->r->facility names its facility.
 * BLIPPA_ERR_NOT_FOUND if there is no such group. */
enum blippa_err web_data_group_load(struct srv_store *st, const char *gid, int64_t now_ms,
				    struct web_data **out);
void web_data_free(struct web_data *d);
/* The group index of id, or (size_t)-1. */
size_t web_data_group(const struct web_data *d, const char *id);

#endif
