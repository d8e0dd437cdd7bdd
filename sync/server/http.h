/* SPDX-License-Identifier: MIT */
/* The HTTP(S) front of blippa-server on libmicrohttpd: listens, reads request
 * bodies under a hard cap, hands each request to api_handle() and sends the
 * answer. HTTPS uses MHD's GnuTLS support with a PEM certificate and key;
 * plain HTTP is refused unless the address is loopback. A request without a
 * known kiosk token is answered (401) from its headers alone: no anonymous
 * client gets a body buffered. */
#ifndef BLIPPA_HTTP_H
#define BLIPPA_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "err.h"

#define HTTP_PER_IP_DEFAULT 64
/* Seconds a connection may stay silent during the TLS handshake, while its
 * request header arrives and between keep-alive requests; then it is closed. */
#define HTTP_HEADER_TIMEOUT_S 5
/* The same while an authenticated kiosk's request body is read. */
#define HTTP_BODY_TIMEOUT_S 30
/* Seconds from accept (or from the end of the previous keep-alive request)
 * to a complete TLS handshake and request header, however the bytes trickle
 * in; then the connection is closed. */
#define HTTP_HEADER_DEADLINE_S 10

struct srv_http_config {
	const char *listen;    /* "ADDR:PORT", "[v6]:PORT", "localhost:PORT"; port 0: any */
	const char *cert_file; /* PEM certificate (chain); NULL with key_file NULL: plain HTTP */
	const char *key_file;  /* PEM private key */
	unsigned threads;      /* 0: one thread per connection; N: a pool of N threads */
	unsigned conn_limit;   /* simultaneous connections (0: 512) */
	unsigned per_ip_limit; /* simultaneous connections from one IP (0: HTTP_PER_IP_DEFAULT) */
};

struct srv_http;

/* True if host (numeric or "localhost") resolves only to loopback addresses. */
bool srv_http_is_loopback(const char *listen);

/* Starts serving api (borrowed). Refuses plain HTTP on a non-loopback address
 * (BLIPPA_ERR_PERM), a bad address (BLIPPA_ERR_INVALID), unreadable
 * cert/key (BLIPPA_ERR_IO); err says which. *out: srv_http_stop. */
enum blippa_err srv_http_start(const struct srv_http_config *cfg, struct api *api,
			       struct srv_http **out, char *err, size_t errlen);
/* The bound port (useful with port 0) and the numeric address. */
uint16_t srv_http_port(const struct srv_http *h);
const char *srv_http_addr(const struct srv_http *h);
/* Stops accepting, lets running requests finish, frees h. NULL: no-op. */
void srv_http_stop(struct srv_http *h);

#endif
