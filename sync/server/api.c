/* SPDX-License-Identifier: MIT */
/* Protocol v1 endpoint handlers: auth, roster (ETag/304), events, heartbeat.
 * JSON goes through the shared codec (sync/protocol). */
#include "api.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "clock.h"
#include "log.h"
#include "resolve.h"
#include "protocol.h"

#define API_ETAG_CACHE 1024 /* kiosks whose last roster ETag we remember */

struct etag_slot {
	char kiosk_id[SRV_ID_MAX + 1];
	int64_t version;
	char etag[65];
};

struct api {
	struct srv_store *store;
	pthread_mutex_t mu; /* guards cache */
	struct etag_slot cache[API_ETAG_CACHE];
};

enum blippa_err api_new(struct srv_store *store, struct api **out)
{
	struct api *api = calloc(1, sizeof(*api));
	if (!api)
		return BLIPPA_ERR_NOMEM;
	api->store = store;
	pthread_mutex_init(&api->mu, NULL);
	*out = api;
	return BLIPPA_OK;
}

void api_free(struct api *api)
{
	if (!api)
		return;
	pthread_mutex_destroy(&api->mu);
	free(api);
}

void api_response_clear(struct api_response *resp)
{
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

static void answer_error(struct api_response *resp, unsigned status, const char *reason)
{
	resp->status = status;
	if (protocol_encode_error(reason, &resp->body, &resp->body_len) != BLIPPA_OK) {
		resp->body = NULL;
		resp->body_len = 0;
	}
}

/* Maps a store failure to 503 (busy, retry soon) or 500. */
static void answer_store_error(struct api_response *resp, enum blippa_err rc, const char *what)
{
	log_error("api", "%s: %s", what, blippa_strerror(rc));
	if (rc == BLIPPA_ERR_BUSY) {
		resp->retry_after = 2;
		answer_error(resp, 503, "server busy");
	} else {
		answer_error(resp, 500, "server storage error");
	}
}

static size_t cache_slot(const char *kiosk_id)
{
	unsigned char h[8];
	crypto_generichash(h, sizeof(h), (const unsigned char *)kiosk_id, strlen(kiosk_id), NULL,
			   0);
	uint64_t v;
	memcpy(&v, h, sizeof(v));
	return (size_t)(v % API_ETAG_CACHE);
}

/* True if the If-None-Match header names etag (hex, unquoted) or is "*". */
static bool etag_matches(const char *inm, const char *etag)
{
	if (!inm || !*etag)
		return false;
	char quoted[70];
	snprintf(quoted, sizeof(quoted), "\"%s\"", etag);
	return strstr(inm, quoted) != NULL || strcmp(inm, etag) == 0 || strcmp(inm, "*") == 0;
}

static void handle_roster(struct api *api, const struct srv_kiosk *k, const struct api_request *req,
			  struct api_response *resp)
{
	int64_t version = 0;
	struct roster *r = NULL;
	char *body = NULL;
	size_t len = 0;
	enum blippa_err rc = srv_store_roster_version(api->store, &version);
	if (rc != BLIPPA_OK) {
		answer_store_error(resp, rc, "roster version");
		goto out;
	}
	size_t slot = cache_slot(k->id);
	char etag[65] = "";
	pthread_mutex_lock(&api->mu);
	if (api->cache[slot].version == version && strcmp(api->cache[slot].kiosk_id, k->id) == 0)
		snprintf(etag, sizeof(etag), "%s", api->cache[slot].etag);
	pthread_mutex_unlock(&api->mu);
	if (etag_matches(req->if_none_match, etag)) {
		resp->status = 304;
		snprintf(resp->etag, sizeof(resp->etag), "\"%s\"", etag);
		goto out;
	}
	rc = srv_store_load_roster(api->store, k->facility_id, &r);
	if (rc == BLIPPA_ERR_NOT_FOUND) {
		answer_error(resp, 403, "facility no longer exists");
		goto out;
	}
	if (rc != BLIPPA_OK) {
		answer_store_error(resp, rc, "roster load");
		goto out;
	}
	rc = protocol_encode_roster(r, k->id, &body, &len);
	if (rc != BLIPPA_OK) {
		answer_store_error(resp, rc, "roster encode");
		goto out;
	}
	if (!roster_fits_kiosk(r, len)) { /* import refuses this; never serve it */
		log_error("api", "roster of %s is over a kiosk's limits", k->facility_id);
		answer_error(resp, 500, "roster too large for a kiosk");
		goto out;
	}
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)body, len);
	sodium_bin2hex(etag, sizeof(etag), h, sizeof(h));
	pthread_mutex_lock(&api->mu);
	snprintf(api->cache[slot].kiosk_id, sizeof(api->cache[slot].kiosk_id), "%s", k->id);
	snprintf(api->cache[slot].etag, sizeof(api->cache[slot].etag), "%s", etag);
	api->cache[slot].version = version;
	pthread_mutex_unlock(&api->mu);
	snprintf(resp->etag, sizeof(resp->etag), "\"%s\"", etag);
	if (etag_matches(req->if_none_match, etag)) {
		resp->status = 304;
		goto out;
	}
	resp->status = 200;
	resp->body = body;
	resp->body_len = len;
	body = NULL;
	log_debug("api", "kiosk %s: roster sent (%zu bytes)", k->id, len);
out:
	free(body);
	roster_free(r);
}

/* True if an event time is one the server takes: from 2000-01-01 UTC to
 * 24 h after the server's clock (clock_wall_ms, so BLIPPA_CLOCK_OFFSET_MS
 * applies). Anything else is a broken kiosk clock or a forged event, and a
 * time the export could not show. */
static bool event_time_plausible(int64_t at_ms, int64_t now_ms)
{
	return at_ms >= API_EVENT_TIME_MIN_MS && at_ms <= now_ms + API_EVENT_AHEAD_MAX_MS;
}

/* srv_store_ingest_events for the events with a plausible time; the others
 * are rejected with API_REASON_TIME here (the store never sees them), so
 * both backends refuse them alike. res gets one result per event, in order. */
static enum blippa_err ingest_plausible(struct api *api, const struct srv_kiosk *k,
					const struct protocol_event *ev, size_t n,
					struct protocol_result *res, struct srv_ingest_stats *st)
{
	int64_t now = clock_wall_ms();
	size_t m = 0, bad = 0;
	for (size_t i = 0; i < n; i++)
		m += event_time_plausible(ev[i].at_ms, now);
	if (m == n)
		return srv_store_ingest_events(api->store, k, ev, n, now, res, st);
	enum blippa_err rc = BLIPPA_ERR_NOMEM;
	struct protocol_event *ok = malloc((m ? m : 1) * sizeof(*ok));
	struct protocol_result *okres = calloc(m ? m : 1, sizeof(*okres));
	size_t *at = malloc((m ? m : 1) * sizeof(*at));
	if (!ok || !okres || !at)
		goto out;
	memset(st, 0, sizeof(*st));
	for (size_t i = 0, j = 0; i < n; i++) {
		if (event_time_plausible(ev[i].at_ms, now)) {
			ok[j] = ev[i];
			at[j++] = i;
			continue;
		}
		memset(&res[i], 0, sizeof(res[i]));
		snprintf(res[i].id, sizeof(res[i].id), "%s", ev[i].id);
		res[i].status = PROTOCOL_REJECTED;
		snprintf(res[i].reason, sizeof(res[i].reason), "%s", API_REASON_TIME);
		bad++;
	}
	rc = m ? srv_store_ingest_events(api->store, k, ok, m, now, okres, st) : BLIPPA_OK;
	if (rc != BLIPPA_OK)
		goto out;
	for (size_t j = 0; j < m; j++)
		res[at[j]] = okres[j];
	st->rejected += bad;
out:
	free(ok);
	free(okres);
	free(at);
	return rc;
}

static void handle_events(struct api *api, const struct srv_kiosk *k, const struct api_request *req,
			  struct api_response *resp)
{
	struct protocol_event *ev = NULL;
	struct protocol_result *res = NULL;
	struct srv_ingest_stats st;
	size_t n = 0;
	char err[PROTOCOL_REASON_MAX + 1] = "";
	enum blippa_err rc = protocol_decode_events(req->body ? req->body : "", req->body_len, &ev,
						    &n, err, sizeof(err));
	if (rc == BLIPPA_ERR_TOO_BIG) {
		answer_error(resp, 413, err[0] ? err : "batch too large");
		goto out;
	}
	if (rc != BLIPPA_OK) {
		log_warn("api", "kiosk %s: events: 400 %s", k->id, err);
		answer_error(resp, rc == BLIPPA_ERR_NOMEM ? 500 : 400,
			     err[0] ? err : "malformed request");
		goto out;
	}
	res = calloc(n ? n : 1, sizeof(*res));
	if (!res) {
		answer_store_error(resp, BLIPPA_ERR_NOMEM, "events");
		goto out;
	}
	size_t moved = 0;
	rc = resolve_unsure_sessions(api->store, k->facility_id, ev, n, &moved);
	if (rc != BLIPPA_OK) {
		answer_store_error(resp, rc, "events");
		goto out;
	}
	if (moved)
		log_info("api",
			 "kiosk %s: %zu check-ins from an unsure clock moved to another session",
			 k->id, moved);
	rc = ingest_plausible(api, k, ev, n, res, &st);
	if (rc != BLIPPA_OK) {
		answer_store_error(resp, rc, "events");
		goto out;
	}
	rc = protocol_encode_results(res, n, &resp->body, &resp->body_len);
	if (rc != BLIPPA_OK) {
		answer_store_error(resp, rc, "results encode");
		goto out;
	}
	resp->status = 200;
	if (st.rejected)
		log_info("api", "kiosk %s: %zu events: %zu accepted, %zu duplicate, %zu rejected",
			 k->id, n, st.accepted, st.duplicate, st.rejected);
	else
		log_debug("api", "kiosk %s: %zu events: %zu accepted, %zu duplicate", k->id, n,
			  st.accepted, st.duplicate);
out:
	free(ev);
	free(res);
}

static void handle_heartbeat(struct api *api, const struct srv_kiosk *k,
			     const struct api_request *req, struct api_response *resp)
{
	struct protocol_heartbeat hb;
	struct protocol_heartbeat_answer ans = {0};
	char err[PROTOCOL_REASON_MAX + 1] = "";
	enum blippa_err rc = protocol_decode_heartbeat(req->body ? req->body : "", req->body_len,
						       &hb, err, sizeof(err));
	if (rc != BLIPPA_OK) {
		log_warn("api", "kiosk %s: heartbeat: 400 %s", k->id, err);
		answer_error(resp, 400, err[0] ? err : "malformed request");
		return;
	}
	ans.server_time_ms = clock_wall_ms();
	rc = srv_store_record_heartbeat(api->store, k->id, &hb, ans.server_time_ms);
	if (rc != BLIPPA_OK) {
		answer_store_error(resp, rc, "heartbeat");
		return;
	}
	snprintf(ans.kiosk_id, sizeof(ans.kiosk_id), "%s", k->id);
	rc = protocol_encode_heartbeat_answer(&ans, &resp->body, &resp->body_len);
	if (rc != BLIPPA_OK) {
		answer_store_error(resp, rc, "heartbeat encode");
		return;
	}
	resp->status = 200;
	log_debug("api", "kiosk %s: heartbeat, %lld pending", k->id, (long long)hb.pending);
}

enum api_route { ROUTE_ROSTER, ROUTE_EVENTS, ROUTE_HEARTBEAT, ROUTE_NONE };

static const struct {
	const char *path, *method;
} routes[ROUTE_NONE] = {
    [ROUTE_ROSTER] = {"/v1/roster", "GET"},
    [ROUTE_EVENTS] = {"/v1/events", "POST"},
    [ROUTE_HEARTBEAT] = {"/v1/heartbeat", "POST"},
};

/* The route whose path ends req_path, or ROUTE_NONE. Matching the end lets
 * a reverse proxy mount the server under a prefix
 * (https://region.example/blippa/v1/...). */
static enum api_route route_of(const char *req_path)
{
	enum api_route route = ROUTE_NONE;
	size_t plen = strlen(req_path);
	for (int i = 0; i < ROUTE_NONE; i++) {
		size_t rlen = strlen(routes[i].path);
		if (plen >= rlen && strcmp(req_path + plen - rlen, routes[i].path) == 0)
			route = (enum api_route)i;
	}
	return route;
}

bool api_may_read_body(struct api *api, const struct api_request *req)
{
	struct srv_kiosk k;
	uint8_t hash[SRV_TOKEN_HASH_LEN];
	size_t toklen = 0;
	if (req->protocol && strcmp(req->protocol, "1") != 0)
		return false;
	enum api_route route = route_of(req->path);
	if (route == ROUTE_NONE || strcmp(req->method, routes[route].method) != 0)
		return false;
	const char *tok = auth_bearer(req->authorization, &toklen);
	if (!tok || !auth_token_hash(tok, toklen, hash))
		return false;
	enum blippa_err rc = srv_store_auth_kiosk(api->store, hash, &k);
	if (rc == BLIPPA_ERR_NOT_FOUND)
		return false;
	if (rc != BLIPPA_OK)
		return true;
	return !req->facility || strcmp(req->facility, k.facility_id) == 0;
}

void api_handle(struct api *api, const struct api_request *req, struct api_response *resp)
{
	struct srv_kiosk k;
	uint8_t hash[SRV_TOKEN_HASH_LEN];
	size_t toklen = 0;
	memset(resp, 0, sizeof(*resp));
	if (req->protocol && strcmp(req->protocol, "1") != 0) {
		answer_error(resp, 400, "unsupported protocol version");
		return;
	}
	enum api_route route = route_of(req->path);
	if (route == ROUTE_NONE) {
		answer_error(resp, 404, "unknown path");
		return;
	}
	if (strcmp(req->method, routes[route].method) != 0) {
		resp->allow = routes[route].method;
		answer_error(resp, 405, "method not allowed");
		return;
	}
	const char *tok = auth_bearer(req->authorization, &toklen);
	if (!tok || !auth_token_hash(tok, toklen, hash)) {
		answer_error(resp, 401, tok ? "unknown or revoked token" : "missing bearer token");
		return;
	}
	enum blippa_err rc = srv_store_auth_kiosk(api->store, hash, &k);
	if (rc == BLIPPA_ERR_NOT_FOUND) {
		log_warn("api", "request with an unknown or revoked token: 401");
		answer_error(resp, 401, "unknown or revoked token");
		return;
	}
	if (rc != BLIPPA_OK) {
		answer_store_error(resp, rc, "auth");
		return;
	}
	if (req->facility && strcmp(req->facility, k.facility_id) != 0) {
		log_warn("api", "kiosk %s asked for another facility: 403", k.id);
		answer_error(resp, 403, "kiosk not allowed for this facility");
		return;
	}
	if (req->body_too_big) {
		log_warn("api", "kiosk %s: body over %u bytes: 413", k.id, PROTOCOL_BODY_MAX);
		answer_error(resp, 413, "request body too large");
		return;
	}
	switch (route) {
	case ROUTE_ROSTER:
		handle_roster(api, &k, req, resp);
		break;
	case ROUTE_EVENTS:
		handle_events(api, &k, req, resp);
		break;
	case ROUTE_HEARTBEAT:
		handle_heartbeat(api, &k, req, resp);
		break;
	default:
		answer_error(resp, 404, "unknown path");
	}
}
