/* SPDX-License-Identifier: MIT */
/* The sync engine's HTTP client: one libcurl easy handle (kept across
 * requests so the TLS connection is reused) driven through a private multi
 * handle, so another thread can cancel a transfer at once (http_cancel).
 *
 * Security rules built in (no option turns them off):
 *  - TLS peer and host verification always on; no redirects followed (the
 *    bearer token must never go elsewhere).
 *  - Plain http:// only to a loopback host (127.0.0.1, ::1, localhost), as
 *    the server allows (tests, benchmarks); anything else: BLIPPA_ERR_CONFIG.
 *  - Extra CA (ca_file): ADDED to the system trust store, not replacing it.
 *    With a backend that supports a CA directory (OpenSSL, GnuTLS) we set
 *    CURLOPT_CAINFO to the extra file and CURLOPT_CAPATH to libcurl's
 *    built-in system directory (/etc/ssl/certs): both are trusted, and the
 *    directory is looked up lazily by subject hash, so no 200 KB bundle is
 *    parsed per connection. If libcurl has no default CA directory, we
 *    concatenate the default bundle file and the extra file into
 *    CURLOPT_CAINFO_BLOB instead.
 *  - The token goes only into the Authorization header; it is never logged.
 *  - Response bodies are capped (PROTOCOL_RESPONSE_MAX): larger answers are
 *    aborted with BLIPPA_ERR_PROTOCOL. */
#ifndef BLIPPA_HTTP_H
#define BLIPPA_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct http_client;

struct http_options {
	const char *base_url;	/* "https://host[:port]/prefix", no trailing '/' needed */
	const char *token;	/* bearer token, required */
	const char *ca_file;	/* extra CA bundle (PEM) or NULL/"" */
	long connect_timeout_s; /* 0: 10 */
	long low_speed_time_s;	/* abort if < 1 byte/s for this long; 0: 30 */
	long total_timeout_s;	/* whole request; 0: 600 */
	const char *user_agent; /* "blippa-sync/0.1.0" */
};

struct http_response {
	long status; /* HTTP status, 0 if none was received */
	char *body;  /* malloc'd, NUL-terminated; NULL if empty */
	size_t len;
	char etag[132];	       /* ETag header value verbatim ("" if none) */
	int64_t retry_after_s; /* Retry-After in seconds (-1 if absent) */
	char protocol[16];     /* Blippa-Protocol header value ("" if none: not a
				* Blippa server, e.g. a proxy answering itself) */
	char error[160];       /* transport error text when the call failed */
};

/* Creates a client. err gets one line on failure (bad URL scheme, missing
 * token, unreadable CA file). *out owned by caller: http_close. */
enum blippa_err http_open(const struct http_options *opt, struct http_client **out, char *err,
			  size_t errlen);
void http_close(struct http_client *c); /* NULL is a no-op */

/* Replaces the bearer token of later requests (the token file changed).
 * *changed tells whether it differs from the one in use. BLIPPA_ERR_CONFIG
 * (token kept) if token is empty or not printable ASCII. Not while a
 * request of c runs (same thread as http_request). */
enum blippa_err http_set_token(struct http_client *c, const char *token, bool *changed);

/* Sends method ("GET"/"POST") to base_url + path. body (may be NULL) goes
 * as application/json. if_none_match (may be NULL) is sent verbatim.
 * Returns BLIPPA_OK when an HTTP answer arrived, whatever its status (the
 * caller interprets resp->status); otherwise BLIPPA_ERR_NETWORK (refused,
 * reset, cut mid-body, DNS), BLIPPA_ERR_TLS (certificate not verified),
 * BLIPPA_ERR_TIMEOUT (connect or stall), BLIPPA_ERR_PROTOCOL (not HTTP,
 * body over the cap), BLIPPA_ERR_NOMEM, or BLIPPA_ERR_EXPIRED when
 * http_cancel() stopped it. resp is always reset first; free with
 * http_response_free. */
enum blippa_err http_request(struct http_client *c, const char *method, const char *path,
			     const char *body, size_t len, const char *if_none_match,
			     struct http_response *resp);
void http_response_free(struct http_response *resp);

/* From any thread: makes the running (and every later) request of c fail
 * with BLIPPA_ERR_EXPIRED within milliseconds. Sticky until http_reset. */
void http_cancel(struct http_client *c);
void http_reset_cancel(struct http_client *c);

#endif
