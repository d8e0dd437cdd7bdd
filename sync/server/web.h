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

struct web_config {
	unsigned session_idle_s; /* 0: WEB_IDLE_DEFAULT_S */
};

struct web_request {
	const char *method;
	const char *path; /* without the query */
	const char *cookie;
	const char *content_type;
	const char *client; /* numeric client address, for throttling */
	const char *body;   /* form body (NUL-terminated) or NULL */
	size_t body_len;
	bool body_too_big;
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
};

struct web;

/* The back-office over store (borrowed). */
enum blippa_err web_new(struct srv_store *store, const struct web_config *cfg, struct web **out);
void web_free(struct web *w); /* NULL is a no-op */

/* True if path belongs to the back-office: any path without a protocol
 * version segment (v1, v2, ...), which stay the kiosk API's. */
bool web_owns_path(const char *path);

/* Handles one request; always fills resp. Thread-safe. */
void web_handle(struct web *w, const struct web_request *req, struct web_response *resp);
void web_response_clear(struct web_response *resp);

#endif
