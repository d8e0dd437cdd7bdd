/* SPDX-License-Identifier: MIT */
/* Generated kiosk events for the region-store tests (srv_testutil.h,
 * "tu_events"): check-ins and voids with made-up ids, sent to the store in
 * batches as one facility's kiosk, with a fixed-seed generator so a data set
 * is the same at every run. Time is the caller's now_ms, never the run date. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "srv_testutil.h"

#include <stdio.h>
#include <string.h>

uint32_t tu_ev_rnd(struct tu_events *ev, uint32_t n)
{
	ev->seed = ev->seed * 1103515245u + 12345u;
	return (ev->seed >> 8) % n;
}

void tu_ev_flush(struct tu_events *ev, int fac)
{
	struct protocol_result res[TU_EV_BATCH];
	struct srv_ingest_stats stats;

	if (!ev->n_batch)
		return;
	assert_int_equal(srv_store_ingest_events(*ev->st, &ev->kiosk[fac], ev->batch, ev->n_batch,
						 ev->now_ms, res, &stats),
			 BLIPPA_OK);
	assert_int_equal(stats.rejected, 0);
	ev->n_batch = 0;
}

/* The next event of the batch, zeroed, with a new id. */
static struct protocol_event *next_event(struct tu_events *ev, enum event_type type)
{
	struct protocol_event *e = &ev->batch[ev->n_batch++];

	memset(e, 0, sizeof(*e));
	e->type = type;
	snprintf(e->id, sizeof(e->id), "0192f5c4-0000-7000-8000-%012x", ++ev->ev_no);
	return e;
}

const char *tu_ev_checkin(struct tu_events *ev, int fac, const char *sid, const char *pid)
{
	struct protocol_event *e = next_event(ev, EVENT_CHECKIN);
	const char *id;

	assert_true(ev->n_live < TU_EV_LIVE);
	e->at_ms = ev->now_ms - 1000000 + (int64_t)tu_ev_rnd(ev, 100000);
	e->method = (enum checkin_method)tu_ev_rnd(ev, 3);
	snprintf(e->participant_id, sizeof(e->participant_id), "%s", pid);
	snprintf(e->session_id, sizeof(e->session_id), "%s", sid);
	_Static_assert(sizeof(e->id) <= sizeof(ev->live[0]), "an id fits a live slot");
	memcpy(ev->live[ev->n_live], e->id, sizeof(e->id));
	id = ev->live[ev->n_live++];
	if (ev->n_batch == TU_EV_BATCH)
		tu_ev_flush(ev, fac);
	return id;
}

void tu_ev_void(struct tu_events *ev, int fac, const char *target)
{
	struct protocol_event *e = next_event(ev, EVENT_VOID);

	e->at_ms = ev->now_ms - 500000;
	snprintf(e->voids_id, sizeof(e->voids_id), "%s", target);
	if (ev->n_batch == TU_EV_BATCH)
		tu_ev_flush(ev, fac);
}
