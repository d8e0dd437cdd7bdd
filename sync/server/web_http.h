/* SPDX-License-Identifier: MIT */
/* libmicrohttpd glue of the back-office: turns one finished MHD request
 * into a struct web_request, calls web_handle and queues the answer with
 * the security headers every page carries (CSP default-src 'self',
 * X-Frame-Options DENY, Referrer-Policy no-referrer, nosniff, no-store). */
#ifndef BLIPPA_WEB_HTTP_H
#define BLIPPA_WEB_HTTP_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "web.h"

enum MHD_Result web_http_answer(struct web *w, struct MHD_Connection *conn, const char *url,
				const char *method, const char *body, size_t body_len,
				bool too_big);

#endif
