/* SPDX-License-Identifier: MIT */
/* The protocol v1 endpoints (docs/protocol.md) as plain functions over a
 * request struct, independent of the HTTP library: http.c fills a struct
 * api_request from libmicrohttpd and sends the struct api_response back.
 * Logs carry kiosk ids, counts and statuses only (no names, UIDs, tokens). */
#ifndef BLIPPA_API_H
#define BLIPPA_API_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "srv_store.h"

/* Event times the server takes (POST /v1/events): from 2000-01-01T00:00Z
 * to 24 h after its own clock; others are rejected with API_REASON_TIME. */
#define API_EVENT_TIME_MIN_MS 946684800000LL
#define API_EVENT_AHEAD_MAX_MS (24LL * 3600 * 1000)
#define API_REASON_TIME "implausible time"

struct api_request {
	const char *method;	   /* "GET", "POST", ... */
	const char *path;	   /* URL path without the query */
	const char *authorization; /* header value or NULL */
	const char *if_none_match; /* header value or NULL */
	const char *protocol;	   /* Blippa-Protocol header or NULL */
	const char *facility;	   /* ?facility= query argument or NULL */
	const char *body;	   /* NULL if none */
	size_t body_len;
	bool body_too_big; /* over PROTOCOL_BODY_MAX: answer 413 */
};

struct api_response {
	unsigned status;
	char *body; /* malloc'd JSON or NULL; freed by api_response_clear */
	size_t body_len;
	char etag[72];	      /* quoted ETag or "" */
	unsigned retry_after; /* seconds, 0: no header */
	const char *allow;    /* Allow header for 405, or NULL */
};

struct api;

/* The endpoint handlers over store (borrowed: must outlive the api). */
enum blippa_err api_new(struct srv_store *store, struct api **out);
void api_free(struct api *api); /* NULL is a no-op */

/* Handles one request; always fills resp (even 500s). Thread-safe. */
void api_handle(struct api *api, const struct api_request *req, struct api_response *resp);
void api_response_clear(struct api_response *resp);

/* Called with the headers only (req->body NULL), before any body is read:
 * true if api_handle may get past its checks of protocol version, path,
 * method, token and facility, i.e. the body is worth reading. False means
 * api_handle answers the same request (4xx) without a body. A store error
 * counts as true (api_handle decides again with the body). */
bool api_may_read_body(struct api *api, const struct api_request *req);

#endif
