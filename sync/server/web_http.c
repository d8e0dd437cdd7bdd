/* SPDX-License-Identifier: MIT */
/* libmicrohttpd glue of the back-office; see web_http.h. */
#include "web_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
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

enum MHD_Result web_http_answer(struct web *w, struct MHD_Connection *conn, const char *url,
				const char *method, const char *body, size_t body_len, bool too_big)
{
	char addr[INET6_ADDRSTRLEN];
	client_addr(conn, addr, sizeof(addr));
	struct web_request req = {
	    .method = method,
	    .path = url,
	    .cookie = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE),
	    .content_type =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
	    .client = addr,
	    .body = body,
	    .body_len = body_len,
	    .body_too_big = too_big,
	    .arg = get_arg,
	    .arg_ctx = conn,
	};
	struct web_response wr;
	web_handle(w, &req, &wr);
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
