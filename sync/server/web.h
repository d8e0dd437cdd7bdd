/* SPDX-License-Identifier: MIT */
/* The region back-office in the browser (DESIGN §11, docs/backoffice.md):
 * every path outside /v1/ on blippa-server's listener. Independent of the
 * HTTP library like api.h: web_http.c fills a struct web_request from
 * libmicrohttpd and sends the struct web_response back.
 *
 * Sessions live in this process's memory (a restart logs everyone out);
 * the cookie is __Host-blippa_session (HttpOnly, Secure, SameSite=Strict);
 * every POST carries a CSRF token; every page checks the account's role and
 * facilities again (the account is re-read from the store per request, so a
 * removed account or a changed role takes effect at once). Logs carry
 * account names and statuses, never passwords, tokens or participant data. */
#ifndef BLIPPA_WEB_H
#define BLIPPA_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "srv_store.h"

#define WEB_IDLE_DEFAULT_S 1800	   /* a session ends after 30 minutes without a request */
#define WEB_BODY_MAX (64u * 1024u) /* form bodies */
#define WEB_SESSIONS_MAX 4096
#define WEB_UPLOAD_MAX (32u * 1024u * 1024u) /* POST /import by an admin: the roster files */
#define WEB_PARTS_MAX 16		     /* multipart/form-data fields */

struct web_config {
	unsigned session_idle_s;  /* 0: WEB_IDLE_DEFAULT_S */
	unsigned stale_after_s;	  /* kiosks: 0: FLEET_STALE_DEFAULT_S */
	bool metrics;		  /* GET /metrics is on, with this token hash: */
	uint8_t metrics_hash[32]; /* SHA-256 of the bearer token */
};

/* One field of a multipart/form-data body (web_http.c parses it). */
struct web_part {
	char name[64];
	char filename[128]; /* "" for a plain field */
	char *data;	    /* NUL-terminated */
	size_t len;
};

struct web_request {
	const char *method;
	const char *path; /* without the query */
	const char *cookie;
	const char *content_type;
	const char *client;	   /* numeric client address, for throttling */
	const char *authorization; /* the Authorization header (GET /metrics) */
	const char *body;	   /* form body (NUL-terminated) or NULL */
	size_t body_len;
	bool body_too_big;
	const struct web_part *parts; /* multipart/form-data fields, or NULL */
	size_t n_parts;
	/* ?key= query argument or NULL */
	const char *(*arg)(void *ctx, const char *key);
	void *arg_ctx;
};

#define WEB_COOKIES_MAX 3

struct web_response {
	unsigned status;
	char *body; /* malloc'd; web_response_clear frees it */
	size_t body_len;
	const char *content_type;	    /* static string */
	char location[512];		    /* for 303, or "" */
	char disposition[160];		    /* Content-Disposition or "" */
	char cookies[WEB_COOKIES_MAX][256]; /* Set-Cookie values, "" unused */
	bool cacheable;			    /* static asset: may be cached */
	bool bearer_challenge;		    /* 401 of /metrics: WWW-Authenticate */
};

struct web;

/* The back-office over store (borrowed). */
enum blippa_err web_new(struct srv_store *store, const struct web_config *cfg, struct web **out);
void web_free(struct web *w); /* NULL is a no-op */

/* True if path belongs to the back-office: any path without a protocol
 * version segment (v1, v2, ...), which stay the kiosk API's. */
bool web_owns_path(const char *path);

/* The largest body the server reads for this request: WEB_UPLOAD_MAX for
 * POST /import with the cookie of a live admin session, else WEB_BODY_MAX. */
size_t web_body_cap(struct web *w, const char *method, const char *path, const char *cookie);

/* SHA-256 of a metrics token (for web_config.metrics_hash). */
void web_metrics_hash(const char *tok, size_t len, uint8_t hash[32]);

/* Handles one request; always fills resp. Thread-safe. */
void web_handle(struct web *w, const struct web_request *req, struct web_response *resp);
void web_response_clear(struct web_response *resp);

#endif
