/* SPDX-License-Identifier: MIT */
/* The push step of a sync round (engine_int.h): pending events in batches
 * to POST /v1/events, each marked per the server's result; a 413 halves the
 * batch, an event a Blippa server names as malformed is rejected alone, and
 * a row that cannot be encoded is rejected locally. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine_int.h"
#include "log.h"

/* True if a 400 answer to POST /v1/events says that one of the events is
 * malformed: only a Blippa server's answer whose error names an event
 * ("events[7].method: unknown value", docs/protocol.md). Anything else
 * (a proxy, "malformed JSON", "unsupported protocol version") is not the
 * events' fault and must never get them marked rejected. */
static bool names_bad_event(const struct http_response *r)
{
	char reason[PROTOCOL_REASON_MAX + 1] = "";

	if (r->status != 400 || !engine_from_blippa(r))
		return false;
	protocol_decode_error(r->body, r->len, reason, sizeof reason);
	return strncmp(reason, "events[", 7) == 0;
}

/* How push_batch ended, beyond its error code. */
enum batch_end {
	BATCH_DONE,	   /* 200: every event marked per its result */
	BATCH_FAILED,	   /* error: the push stops for this round */
	BATCH_TOO_LARGE,   /* 413: halve the batch */
	BATCH_BAD_EVENT,   /* a Blippa server refused an event of it (400) */
	BATCH_UNENCODABLE, /* damaged rows marked rejected locally; go on */
};

/* The batch cannot be encoded (a damaged row: unknown type or method,
 * invalid UTF-8). Encodes the events one at a time and marks every one that
 * fails rejected locally ("cannot be encoded"), so a damaged row never
 * blocks the queue; the others stay pending. *nrej: how many. */
static enum blippa_err reject_unencodable(struct sync_engine *e, size_t n, struct sync_report *rep,
					  size_t *nrej, char last_acked[UUID_STR_LEN])
{
	enum blippa_err rc = BLIPPA_OK;
	char *body = NULL;
	size_t blen = 0;

	*nrej = 0;
	for (size_t i = 0; i < n; i++) {
		rc = protocol_encode_events(&e->batch[i], 1, &body, &blen);
		free(body);
		body = NULL;
		if (rc == BLIPPA_OK)
			continue;
		if (rc != BLIPPA_ERR_INVALID)
			return rc; /* out of memory: nothing to blame on the row */
		rc = BLIPPA_OK;
		e->acks[*nrej].event_id = e->batch[i].id;
		e->acks[*nrej].state = EVENT_REJECTED;
		e->acks[*nrej].reason = "cannot be encoded (damaged record)";
		log_warn(MOD, "event %s cannot be encoded (damaged record); marked rejected",
			 e->batch[i].id);
		if (*nrej == 0)
			memcpy(last_acked, e->batch[i].id, UUID_STR_LEN);
		(*nrej)++;
	}
	if (*nrej && (rc = store_ack_events(e->st, e->acks, *nrej)) == BLIPPA_OK)
		rep->rejected += *nrej;
	return rc;
}

/* Sends one batch of n events; on 200 marks them per result in one
 * transaction. *end says how it ended (see enum batch_end); last_acked gets
 * the id of the first event marked. */
static enum blippa_err push_batch(struct sync_engine *e, size_t n, struct sync_report *rep,
				  struct step *sp, enum batch_end *end,
				  char last_acked[UUID_STR_LEN], char *msg, size_t msglen)
{
	enum blippa_err rc;
	struct http_response r;
	char *body = NULL, perr[160];
	size_t blen = 0, nres = 0;

	*end = BATCH_FAILED;
	memset(&r, 0, sizeof r);
	if ((rc = protocol_encode_events(e->batch, n, &body, &blen))) {
		size_t nrej = 0;
		if (rc == BLIPPA_ERR_INVALID &&
		    (rc = reject_unencodable(e, n, rep, &nrej, last_acked)) == BLIPPA_OK) {
			if (nrej) {
				*end = BATCH_UNENCODABLE;
				goto out;
			}
			rc = BLIPPA_ERR_INVALID; /* only together? cannot happen */
		}
		snprintf(msg, msglen, "push: cannot encode events (%s)", blippa_strerror(rc));
		goto out;
	}
	rc = http_request(e->http, "POST", "/v1/events", body, blen, NULL, &r);
	sp->status = r.status;
	sp->retry_after_s = r.retry_after_s;
	if (rc != BLIPPA_OK) {
		snprintf(msg, msglen, "push: %s (%.120s)", blippa_strerror(rc), r.error);
		goto out;
	}
	if (r.status == 413 || r.status == 400) {
		if (r.status == 413)
			*end = BATCH_TOO_LARGE;
		else if (names_bad_event(&r))
			*end = BATCH_BAD_EVENT;
		rc = engine_status_error(&r, "push", msg, msglen);
		goto out;
	}
	if (r.status != 200) {
		rc = engine_status_error(&r, "push", msg, msglen);
		goto out;
	}
	rc = protocol_decode_results(r.body, r.len, e->results, n, &nres, perr, sizeof perr);
	if (rc == BLIPPA_OK && nres != n) {
		snprintf(perr, sizeof perr, "%zu results for %zu events", nres, n);
		rc = BLIPPA_ERR_PROTOCOL;
	}
	for (size_t i = 0; rc == BLIPPA_OK && i < n; i++)
		if (strcasecmp(e->results[i].id, e->batch[i].id) != 0) {
			snprintf(perr, sizeof perr, "results[%zu] is for another event", i);
			rc = BLIPPA_ERR_PROTOCOL;
		}
	if (rc != BLIPPA_OK) {
		rc = BLIPPA_ERR_PROTOCOL;
		snprintf(msg, msglen, "push: bad answer: %.120s", perr);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct protocol_result *res = &e->results[i];
		e->acks[i].event_id = e->batch[i].id;
		e->acks[i].state = res->status == PROTOCOL_REJECTED ? EVENT_REJECTED : EVENT_SYNCED;
		e->acks[i].reason = res->status == PROTOCOL_REJECTED ? res->reason : NULL;
		rep->accepted += res->status == PROTOCOL_ACCEPTED;
		rep->duplicate += res->status == PROTOCOL_DUPLICATE;
		rep->rejected += res->status == PROTOCOL_REJECTED;
	}
	if ((rc = store_ack_events(e->st, e->acks, n))) {
		snprintf(msg, msglen, "push: cannot mark events (%s)", blippa_strerror(rc));
		goto out;
	}
	rep->sent += n;
	*end = BATCH_DONE;
	memcpy(last_acked, e->batch[0].id, UUID_STR_LEN);
out:
	free(body);
	http_response_free(&r);
	return rc;
}

/* Marks the single event in e->batch[0] rejected locally: a Blippa server
 * refused it as malformed (400 naming the event) even alone, so it can never
 * be accepted and must not block every later event. It stays in the store,
 * shown as rejected. */
static enum blippa_err reject_poison(struct sync_engine *e, const char *msg,
				     struct sync_report *rep)
{
	char reason[PROTOCOL_REASON_MAX + 1];
	snprintf(reason, sizeof reason, "refused by server (%.100s)", msg);
	struct store_ack a = {
	    .event_id = e->batch[0].id, .state = EVENT_REJECTED, .reason = reason};
	log_warn(MOD, "event %s refused by the server as malformed; marked rejected",
		 e->batch[0].id);
	rep->rejected++;
	return store_ack_events(e->st, &a, 1);
}

enum blippa_err engine_push(struct sync_engine *e, struct sync_report *rep, struct step *sp)
{
	enum blippa_err rc = BLIPPA_OK;
	size_t batch = (size_t)e->batch_max, n = 0;
	char msg[160], last_acked[UUID_STR_LEN] = "";
	enum batch_end end;
	unsigned poisoned = 0;
	/* a round cannot loop forever: every iteration acks >= 1 event or
	 * halves the batch, and a store that does not drop acked events from
	 * the queue is caught below (never resend what was just acked).
	 * At most one event per round is marked rejected on a 400: a server
	 * that refuses event after event is more likely broken than the
	 * events, so the rest waits for the next round (with backoff). */
	for (;;) {
		if ((rc = store_pending_events(e->st, e->batch, batch, &n))) {
			snprintf(msg, sizeof msg, "push: cannot read queue (%s)",
				 blippa_strerror(rc));
			break;
		}
		if (n == 0)
			break;
		if (strcmp(e->batch[0].id, last_acked) == 0) {
			snprintf(msg, sizeof msg, "push: acked events are still queued");
			rc = BLIPPA_ERR_IO;
			break;
		}
		rc = push_batch(e, n, rep, sp, &end, last_acked, msg, sizeof msg);
		if (rc == BLIPPA_OK)
			continue; /* BATCH_DONE or BATCH_UNENCODABLE */
		bool bad = end == BATCH_BAD_EVENT && poisoned == 0;
		if ((end == BATCH_TOO_LARGE || bad) && n > 1) {
			batch = n / 2; /* 413: too big; 400: isolate the bad event */
			log_info(MOD, "server refused a batch of %zu (HTTP %ld); trying %zu", n,
				 sp->status, batch);
			continue;
		}
		if (bad) {
			if ((rc = reject_poison(e, msg, rep))) {
				snprintf(msg, sizeof msg, "push: cannot mark event (%s)",
					 blippa_strerror(rc));
				break;
			}
			poisoned++;
			memcpy(last_acked, e->batch[0].id, UUID_STR_LEN);
			batch = (size_t)e->batch_max;
			continue;
		}
		break;
	}
	if (rc != BLIPPA_OK)
		engine_set_first_error(rep, msg);
	return rc;
}
