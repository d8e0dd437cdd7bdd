/* SPDX-License-Identifier: MIT */
/* libmicrohttpd glue of the back-office; see web_http.h. */
#include "web_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

static const char *get_arg(void *ctx, const char *key)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, key);
}

static void client_addr(struct MHD_Connection *conn, char *out, size_t outlen)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	out[0] = '\0';
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  (socklen_t)outlen);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  out, (socklen_t)outlen);
}

/* multipart/form-data, parsed by libmicrohttpd's post processor from the
 * buffered body: it hands over each field in pieces (off > 0 continues the
 * field before), so pieces are appended to the last part of that name. */
struct parts {
	struct web_part v[WEB_PARTS_MAX];
	size_t n;
	bool bad; /* too many fields, a name too long, out of memory */
};

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *filename, const char *content_type,
			       const char *transfer_encoding, const char *data, uint64_t off,
			       size_t size)
{
	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	struct parts *ps = cls;
	const char *fn = filename ? filename : "";
	struct web_part *p = ps->n ? &ps->v[ps->n - 1] : NULL;
	if (!p || off == 0 || strcmp(p->name, key) != 0 || strcmp(p->filename, fn) != 0) {
		if (ps->n == WEB_PARTS_MAX || strlen(key) >= sizeof(p->name) ||
		    strlen(fn) >= sizeof(p->filename)) {
			ps->bad = true;
			return MHD_NO;
		}
		p = &ps->v[ps->n++];
		memcpy(p->name, key, strlen(key) + 1);
		memcpy(p->filename, fn, strlen(fn) + 1);
		p->data = calloc(1, 1);
		if (!p->data) {
			ps->bad = true;
			return MHD_NO;
		}
	}
	if (size) {
		char *d = realloc(p->data, p->len + size + 1);
		if (!d) {
			ps->bad = true;
			return MHD_NO;
		}
		memcpy(d + p->len, data, size);
		p->len += size;
		d[p->len] = '\0';
		p->data = d;
	}
	return MHD_YES;
}

static void parts_free(struct parts *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		free(ps->v[i].data);
	ps->n = 0;
}

/* Parses body if it is multipart/form-data; false if it is one and broken. */
static bool parse_parts(struct MHD_Connection *conn, const char *ctype, const char *body,
			size_t len, struct parts *ps)
{
	if (!ctype || strncasecmp(ctype, "multipart/form-data", 19) != 0 || !body)
		return true;
	struct MHD_PostProcessor *pp = MHD_create_post_processor(conn, 64 * 1024, on_part, ps);
	if (!pp)
		return false;
	bool ok = MHD_post_process(pp, body, len) == MHD_YES;
	ok = MHD_destroy_post_processor(pp) == MHD_YES && ok && !ps->bad;
	return ok;
}

enum MHD_Result web_http_answer(struct web *w, struct MHD_Connection *conn, const char *url,
				const char *method, const char *body, size_t body_len, bool too_big)
{
	char addr[INET6_ADDRSTRLEN];
	client_addr(conn, addr, sizeof(addr));
	const char *ctype =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	struct parts *ps = calloc(1, sizeof(*ps));
	if (!ps)
		return MHD_NO;
	bool parts_ok = too_big || parse_parts(conn, ctype, body, body_len, ps);
	struct web_request req = {
	    .method = method,
	    .path = url,
	    .cookie = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE),
	    .content_type = ctype,
	    .client = addr,
	    .authorization =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
	    .parts = ps->n ? ps->v : NULL,
	    .n_parts = ps->n,
	    .body = body,
	    .body_len = body_len,
	    .body_too_big = too_big,
	    .arg = get_arg,
	    .arg_ctx = conn,
	};
	struct web_response wr;
	if (parts_ok) {
		web_handle(w, &req, &wr);
	} else { /* a broken or oversized multipart body */
		memset(&wr, 0, sizeof(wr));
		wr.status = 400;
		wr.content_type = "text/plain; charset=utf-8";
		wr.body = strdup("bad multipart/form-data body\n");
		wr.body_len = wr.body ? strlen(wr.body) : 0;
	}
	parts_free(ps);
	free(ps);
	struct MHD_Response *r;
	if (wr.body) {
		r = MHD_create_response_from_buffer(wr.body_len, wr.body, MHD_RESPMEM_MUST_FREE);
		if (r)
			wr.body = NULL;
	} else {
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	}
	if (!r) {
		web_response_clear(&wr);
		return MHD_NO;
	}
	if (wr.content_type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, wr.content_type);
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'; frame-ancestors 'none'; form-action 'self'");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
				wr.cacheable ? "max-age=3600" : "no-store");
	if (wr.location[0])
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, wr.location);
	if (wr.bearer_challenge)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer realm=\"blippa-metrics\"");
	if (wr.disposition[0])
		MHD_add_response_header(r, "Content-Disposition", wr.disposition);
	for (size_t i = 0; i < WEB_COOKIES_MAX; i++)
		if (wr.cookies[i][0])
			MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, wr.cookies[i]);
	enum MHD_Result ret = MHD_queue_response(conn, wr.status ? wr.status : 500, r);
	MHD_destroy_response(r);
	web_response_clear(&wr);
	return ret;
}
