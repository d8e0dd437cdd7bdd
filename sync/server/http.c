/* SPDX-License-Identifier: MIT */
/* libmicrohttpd front end; see http.h. */
#include "http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"
#include "dynbuf.h"
#include "fsutil.h"
#include "log.h"
#include "protocol.h"
#include "web_http.h"

#define HTTP_PEM_MAX (1024u * 1024u)
#define HTTP_CONN_MEMORY ((size_t)32 * 1024) /* per connection, MHD's default */

/* One open connection, watched until its request header is complete (see
 * watch_run). Lives from MHD's STARTED to its CLOSED notification. */
struct conn_watch {
	struct conn_watch *prev, *next;
	int fd;
	int64_t since_ms; /* clock_mono_ms() when the wait for a header began */
	bool in_request;  /* header complete: the request is being handled */
};

struct srv_http {
	struct MHD_Daemon *d;
	struct api *api;
	struct web *web;  /* borrowed; NULL: no back-office */
	char *cert, *key; /* PEM text, must outlive the daemon */
	char addr[INET6_ADDRSTRLEN];
	uint16_t port;
	pthread_mutex_t wmu; /* guards watch, wstop */
	pthread_cond_t wcv;
	struct conn_watch *watch;
	bool wstop, wstarted;
	pthread_t wthread;
};

struct req_state {
	struct dynbuf body; /* capped at PROTOCOL_BODY_MAX */
	bool too_big;
	bool web;	   /* a back-office request (web.h), body cap WEB_BODY_MAX */
	bool body_timeout; /* the connection's timeout was raised for the body */
};

/* Splits "host:port" / "[v6]:port" and resolves it (numeric, or localhost). */
static bool parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen)
{
	char host[256];
	const char *port;
	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');
		if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof(host))
			return false;
		snprintf(host, sizeof(host), "%.*s", (int)(close - listen - 1), listen + 1);
		port = close + 2;
	} else {
		const char *colon = strrchr(listen, ':');
		if (!colon || (size_t)(colon - listen) >= sizeof(host) || colon == listen)
			return false;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
		port = colon + 1;
	}
	char *end = NULL;
	long p = strtol(port, &end, 10);
	if (!*port || *end || p < 0 || p > 65535)
		return false;
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV | AI_PASSIVE};
	if (strcmp(host, "localhost") != 0)
		hints.ai_flags |= AI_NUMERICHOST;
	struct addrinfo *res = NULL;
	if (getaddrinfo(host, port, &hints, &res) != 0 || !res)
		return false;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return true;
}

static bool addr_is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&a->sin6_addr) && a->sin6_addr.s6_addr[12] == 127;
	}
	return false;
}

bool srv_http_is_loopback(const char *listen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	return parse_listen(listen, &ss, &len) && addr_is_loopback(&ss);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char line[256];
	vsnprintf(line, sizeof(line), fmt, ap);
	size_t n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	log_warn("http", "%s", line);
}

/* ------------------------------------------------------ header deadline */

/* MHD's own timeout is an idle bound: a client that trickles one byte every
 * few seconds would keep a slot for as long as it likes. This watchdog
 * closes (shutdown(2); MHD then drops the connection) every connection whose
 * TLS handshake and request header are not complete HTTP_HEADER_DEADLINE_S
 * after it was accepted or after its previous request ended. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	struct srv_http *h = cls;
	struct conn_watch *w = *socket_ctx;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		w = ci ? calloc(1, sizeof(*w)) : NULL;
		if (!w)
			return; /* unwatched: MHD's idle timeout still applies */
		w->fd = ci->connect_fd;
		w->since_ms = clock_mono_ms();
		pthread_mutex_lock(&h->wmu);
		w->next = h->watch;
		if (h->watch)
			h->watch->prev = w;
		h->watch = w;
		pthread_mutex_unlock(&h->wmu);
		*socket_ctx = w;
		return;
	}
	if (!w) /* MHD_CONNECTION_NOTIFY_CLOSED of one we could not watch */
		return;
	pthread_mutex_lock(&h->wmu); /* before MHD closes the fd: no reuse race */
	if (w->prev)
		w->prev->next = w->next;
	else
		h->watch = w->next;
	if (w->next)
		w->next->prev = w->prev;
	pthread_mutex_unlock(&h->wmu);
	free(w);
	*socket_ctx = NULL;
}

/* Marks conn's header as complete (in_request) or, when a request ends,
 * starts the deadline for the next keep-alive request's header. */
static void watch_mark(struct srv_http *h, struct MHD_Connection *conn, bool in_request)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_watch *w = ci ? ci->socket_context : NULL;
	if (!w)
		return;
	pthread_mutex_lock(&h->wmu);
	w->in_request = in_request;
	w->since_ms = clock_mono_ms();
	pthread_mutex_unlock(&h->wmu);
}

static void *watch_run(void *arg)
{
	struct srv_http *h = arg;
	pthread_mutex_lock(&h->wmu);
	while (!h->wstop) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&h->wcv, &h->wmu, &ts);
		int64_t now = clock_mono_ms();
		unsigned closed = 0;
		for (struct conn_watch *w = h->watch; w; w = w->next) {
			if (w->in_request || now - w->since_ms < HTTP_HEADER_DEADLINE_S * 1000)
				continue;
			shutdown(w->fd, SHUT_RDWR);
			w->since_ms = INT64_MAX / 2; /* once */
			closed++;
		}
		if (closed)
			log_warn("http",
				 "closed %u connection(s) without a complete request header "
				 "after %d s",
				 closed, HTTP_HEADER_DEADLINE_S);
	}
	pthread_mutex_unlock(&h->wmu);
	return NULL;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)toe;
	struct req_state *rs = *con_cls;
	watch_mark(cls, conn, false);
	if (rs && rs->body_timeout) /* back to the short bound for keep-alive */
		MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT,
					  (unsigned)HTTP_HEADER_TIMEOUT_S);
	if (rs) {
		dynbuf_free(&rs->body);
		free(rs);
		*con_cls = NULL;
	}
}

static enum MHD_Result send_answer(struct MHD_Connection *conn, struct api_response *ar)
{
	struct MHD_Response *r;
	if (ar->body) {
		r = MHD_create_response_from_buffer(ar->body_len, ar->body, MHD_RESPMEM_MUST_FREE);
		if (r)
			ar->body = NULL; /* MHD frees it */
	} else {
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	}
	if (!r)
		return MHD_NO;
	if (ar->body_len && ar->status != 304)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(r, PROTOCOL_HEADER, "1");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (ar->etag[0])
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, ar->etag);
	if (ar->allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, ar->allow);
	if (ar->retry_after) {
		char ra[16];
		snprintf(ra, sizeof(ra), "%u", ar->retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	enum MHD_Result ret = MHD_queue_response(conn, ar->status, r);
	MHD_destroy_response(r);
	return ret;
}

static struct api_request request_of(struct MHD_Connection *conn, const char *url,
				     const char *method, const struct req_state *rs)
{
	return (struct api_request){
	    .method = method,
	    .path = url,
	    .authorization =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
	    .if_none_match =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH),
	    .protocol = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, PROTOCOL_HEADER),
	    .facility = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "facility"),
	    .body = dynbuf_ptr(&rs->body),
	    .body_len = dynbuf_len(&rs->body),
	    .body_too_big = rs->too_big,
	};
}

static enum MHD_Result answer(struct srv_http *h, struct MHD_Connection *conn, const char *url,
			      const char *method, struct req_state *rs)
{
	if (rs->web)
		return web_http_answer(h->web, conn, url, method, dynbuf_ptr(&rs->body),
				       dynbuf_len(&rs->body), rs->too_big);
	struct api_request req = request_of(conn, url, method, rs);
	struct api_response ar;
	api_handle(h->api, &req, &ar);
	enum MHD_Result ret = send_answer(conn, &ar);
	api_response_clear(&ar);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	(void)version;
	struct srv_http *h = cls;
	struct req_state *rs = *con_cls;
	if (!rs) { /* first call: headers only */
		rs = calloc(1, sizeof(*rs));
		if (!rs)
			return MHD_NO;
		*con_cls = rs;
		rs->web = h->web && web_owns_path(url);
		/* a roster upload by an admin may be larger than a form */
		size_t cap = rs->web
				 ? web_body_cap(h->web, method, url,
						MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
									    MHD_HTTP_HEADER_COOKIE))
				 : PROTOCOL_BODY_MAX;
		dynbuf_init(&rs->body, cap);
		watch_mark(h, conn, true);
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > cap) {
			rs->too_big = true; /* answer 413 now, do not read the body */
			return answer(h, conn, url, method, rs);
		}
		if (rs->web && cap > WEB_BODY_MAX) { /* an upload may come slowly */
			rs->body_timeout = true;
			MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT,
						  (unsigned)HTTP_BODY_TIMEOUT_S);
		}
		if (rs->web) /* a form body (at most cap): web.c decides */
			return MHD_YES;
		/* No token of a known kiosk (or a bad path, method, protocol):
		 * answer 401/404/405/400 now, without buffering a body. */
		struct api_request req = request_of(conn, url, method, rs);
		if (!api_may_read_body(h->api, &req))
			return answer(h, conn, url, method, rs);
		/* a known kiosk's body may come slowly over a poor link */
		rs->body_timeout = true;
		MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT,
					  (unsigned)HTTP_BODY_TIMEOUT_S);
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (rs->too_big)
			return MHD_YES;
		switch (dynbuf_add(&rs->body, upload_data, n)) {
		case BLIPPA_OK:
			return MHD_YES;
		case BLIPPA_ERR_TOO_BIG: /* the content is dropped: answer 413 */
			rs->too_big = true;
			return MHD_YES;
		default:
			return MHD_NO;
		}
	}
	return answer(h, conn, url, method, rs);
}

enum blippa_err srv_http_start(const struct srv_http_config *cfg, struct api *api,
			       struct srv_http **out, char *err, size_t errlen)
{
	enum blippa_err rc = BLIPPA_OK;
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	size_t len;
	*out = NULL;
	struct srv_http *h = calloc(1, sizeof(*h));
	if (!h)
		return BLIPPA_ERR_NOMEM;
	h->api = api;
	h->web = cfg->web;
	pthread_mutex_init(&h->wmu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->wcv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&h->wthread, NULL, watch_run, h) != 0) {
		snprintf(err, errlen, "cannot start a thread");
		rc = BLIPPA_ERR_NOMEM;
		goto out;
	}
	h->wstarted = true;
	if (!parse_listen(cfg->listen, &ss, &sslen)) {
		snprintf(err, errlen,
			 "--listen %s: expected ADDR:PORT with a numeric address "
			 "(e.g. 127.0.0.1:8443, [::1]:8443, 0.0.0.0:8443)",
			 cfg->listen);
		rc = BLIPPA_ERR_INVALID;
		goto out;
	}
	bool tls = cfg->cert_file || cfg->key_file;
	if (tls && !(cfg->cert_file && cfg->key_file)) {
		snprintf(err, errlen, "--cert and --key must be given together");
		rc = BLIPPA_ERR_INVALID;
		goto out;
	}
	if (!tls && !addr_is_loopback(&ss)) {
		snprintf(err, errlen,
			 "refusing plain HTTP on non-loopback address %s: "
			 "give --cert and --key for HTTPS (plain HTTP only on 127.0.0.0/8 or ::1)",
			 cfg->listen);
		rc = BLIPPA_ERR_PERM;
		goto out;
	}
	if (tls) {
		const char *bad = cfg->cert_file;
		rc = fs_read_file(cfg->cert_file, HTTP_PEM_MAX, &h->cert, &len);
		if (rc == BLIPPA_OK) {
			bad = cfg->key_file;
			rc = fs_read_file(cfg->key_file, HTTP_PEM_MAX, &h->key, &len);
		}
		if (rc != BLIPPA_OK) {
			snprintf(err, errlen, "%s: cannot read: %s", bad, blippa_strerror(rc));
			goto out;
		}
		if (!fs_is_private(cfg->key_file))
			log_warn("http", "the key file can be read by group or others (chmod 600)");
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	flags |= cfg->threads ? MHD_USE_EPOLL : (MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL);
	if (tls)
		flags |= MHD_USE_TLS;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	struct MHD_OptionItem used[16];
	size_t nu = 0;
#define OPT(o, v, p) (used[nu++] = (struct MHD_OptionItem){(o), (intptr_t)(v), (p)})
	OPT(MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, on_completed, h);
	OPT(MHD_OPTION_NOTIFY_CONNECTION, on_connection, h);
	OPT(MHD_OPTION_SOCK_ADDR, 0, &ss);
	OPT(MHD_OPTION_CONNECTION_LIMIT, cfg->conn_limit ? cfg->conn_limit : 512, NULL);
	OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    cfg->per_ip_limit ? cfg->per_ip_limit : HTTP_PER_IP_DEFAULT, NULL);
	/* Idle bound for the TLS handshake, the request header and the wait
	 * between keep-alive requests (issue 12: idle connections used to hold
	 * a slot for 60 s); raised per connection while a body is read. */
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, HTTP_HEADER_TIMEOUT_S, NULL);
	OPT(MHD_OPTION_LISTEN_BACKLOG_SIZE, 128, NULL);
	/* request line + header fields; beyond it MHD answers 414/431 by itself
	 * (docs/protocol.md lists those answers) */
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONN_MEMORY, NULL);
	if (cfg->threads)
		OPT(MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, NULL);
	if (tls) {
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, h->cert);
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, h->key);
		OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)"NORMAL:-VERS-TLS1.0:-VERS-TLS1.1");
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_ARRAY, used,
				MHD_OPTION_END);
	if (!h->d) {
		snprintf(err, errlen,
			 "cannot listen on %s (address in use, or bad certificate/key)",
			 cfg->listen);
		rc = BLIPPA_ERR_IO;
		goto out;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : 0;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, h->addr,
			  sizeof(h->addr));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, h->addr,
			  sizeof(h->addr));
	log_info("http", "listening on %s port %u (%s, %s)", h->addr, h->port,
		 tls ? "HTTPS" : "plain HTTP on loopback",
		 cfg->threads ? "thread pool" : "thread per connection");
	*out = h;
	h = NULL;
out:
	srv_http_stop(h);
	return rc;
}

uint16_t srv_http_port(const struct srv_http *h)
{
	return h->port;
}

const char *srv_http_addr(const struct srv_http *h)
{
	return h->addr;
}

void srv_http_stop(struct srv_http *h)
{
	if (!h)
		return;
	if (h->d)
		MHD_stop_daemon(h->d); /* joins the threads: running requests finish */
	if (h->wstarted) {
		pthread_mutex_lock(&h->wmu);
		h->wstop = true;
		pthread_cond_signal(&h->wcv);
		pthread_mutex_unlock(&h->wmu);
		pthread_join(h->wthread, NULL);
	}
	while (h->watch) { /* none left once MHD stopped; defensive */
		struct conn_watch *w = h->watch;
		h->watch = w->next;
		free(w);
	}
	pthread_cond_destroy(&h->wcv);
	pthread_mutex_destroy(&h->wmu);
	free(h->cert);
	if (h->key)
		memset(h->key, 0, strlen(h->key));
	free(h->key);
	free(h);
}
