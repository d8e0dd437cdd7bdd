/* SPDX-License-Identifier: MIT */
/* The scripted mock server of the sync engine tests; see engine_mock.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "engine_mock.h"
#include "protocol.h"

struct conn_buf {
	char *data;
	size_t len;
};

struct engine_mock engine_mock_state;
static struct engine_mock *const M = &engine_mock_state;

static bool seen(const char *id)
{
	for (size_t i = 0; i < M->n_ids; i++)
		if (strcmp(M->ids[i], id) == 0)
			return true;
	return false;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, char *body, size_t len,
			     const char *etag)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (etag && etag[0])
		MHD_add_response_header(r, "ETag", etag);
	if (M->retry_after && (status == 429 || status == 503)) {
		char ra[16];
		snprintf(ra, sizeof ra, "%d", M->retry_after);
		MHD_add_response_header(r, "Retry-After", ra);
	}
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Blippa-Protocol", "1"); /* as the real server */
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result error_reply(struct MHD_Connection *c, unsigned status, const char *why)
{
	char *b = NULL;
	size_t l = 0;
	protocol_encode_error(why, &b, &l);
	return reply(c, status, b, l, NULL);
}

static enum MHD_Result handle_events(struct MHD_Connection *c, struct conn_buf *cb)
{
	struct protocol_event *ev = NULL;
	struct protocol_result *res;
	size_t n = 0;
	char err[160], *body = NULL;
	size_t blen = 0;

	M->posts++;
	if (protocol_decode_events(cb->data, cb->len, &ev, &n, err, sizeof err) != BLIPPA_OK)
		return error_reply(c, 400, err);
	if (M->malformed400) {
		free(ev);
		return error_reply(c, 400, "malformed JSON at line 1 column 1");
	}
	if (M->max_batch && n > M->max_batch) {
		free(ev);
		return error_reply(c, 413, "batch too large");
	}
	for (size_t i = 0; i < n; i++)
		if ((M->poison[0] && strcmp(ev[i].id, M->poison) == 0) ||
		    (M->poison2[0] && strcmp(ev[i].id, M->poison2) == 0)) {
			free(ev);
			snprintf(err, sizeof err, "events[%zu].method: unknown value", i);
			return error_reply(c, 400, err);
		}
	res = calloc(n ? n : 1, sizeof *res);
	M->events_received += n;
	for (size_t i = 0; i < n; i++) {
		snprintf(res[i].id, sizeof res[i].id, "%s", ev[i].id);
		if (M->wrong_ids)
			uuid7_make(1, res[i].id);
		if (M->reject[0] && strcmp(ev[i].id, M->reject) == 0) {
			res[i].status = PROTOCOL_REJECTED;
			snprintf(res[i].reason, sizeof res[i].reason, "unknown session");
		} else if (seen(ev[i].id)) {
			res[i].status = PROTOCOL_DUPLICATE;
		} else {
			res[i].status = PROTOCOL_ACCEPTED;
			if (M->n_ids < ENGINE_MOCK_MAX_IDS)
				memcpy(M->ids[M->n_ids++], ev[i].id, UUID_STR_LEN);
		}
	}
	protocol_encode_results(res, n, &body, &blen);
	free(res);
	free(ev);
	return reply(c, 200, body, blen, NULL);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct conn_buf *cb = *con_cls;
	enum MHD_Result ret;
	(void)cls;
	(void)version;

	if (!cb) {
		cb = calloc(1, sizeof *cb);
		*con_cls = cb;
		return MHD_YES;
	}
	if (*upload_size) {
		char *p = realloc(cb->data, cb->len + *upload_size + 1);
		memcpy(p + cb->len, upload, *upload_size);
		cb->data = p;
		cb->len += *upload_size;
		cb->data[cb->len] = '\0';
		*upload_size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&M->mu);
	M->requests++;
	while (M->hold && !M->stopping)
		pthread_cond_wait(&M->cv, &M->mu);
	if (M->drop) {
		pthread_mutex_unlock(&M->mu);
		return MHD_NO; /* connection closed, no answer: a network error */
	}
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (M->foreign400) {
		static const char html[] = "<html><head><title>400 No required SSL certificate "
					   "was sent</title></head><body></body></html>";
		struct MHD_Response *r = MHD_create_response_from_buffer(
		    sizeof html - 1, (void *)(uintptr_t)html, MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(r, "Content-Type", "text/html");
		if (strcmp(url, "/v1/events") == 0)
			M->posts++;
		ret = MHD_queue_response(c, 400, r);
		MHD_destroy_response(r);
	} else if (!auth || strcmp(auth, "Bearer test-token") != 0) {
		ret = error_reply(c, 401, "unknown token");
	} else if (M->n_fail) {
		int st = M->fail_status[0];
		memmove(M->fail_status, M->fail_status + 1, sizeof M->fail_status - sizeof(int));
		M->n_fail--;
		if (strcmp(url, "/v1/events") == 0)
			M->posts++;
		if (strcmp(url, "/v1/roster") == 0)
			M->gets++;
		ret = error_reply(c, (unsigned)st, "scripted failure");
	} else if (strcmp(url, "/v1/events") == 0 && strcmp(method, "POST") == 0) {
		ret = handle_events(c, cb);
	} else if (strcmp(url, "/v1/roster") == 0) {
		const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
		M->gets++;
		if (M->huge_roster) {
			size_t n = 33u * 1024u * 1024u;
			char *b = malloc(n);
			memset(b, ' ', n);
			b[0] = '{';
			b[n - 1] = '}';
			ret = reply(c, 200, b, n, NULL);
		} else if (M->bad_roster) {
			char *b = strdup(
			    "{\"protocol\":1,\"facility\":{\"id\":\"F9\",\"name\":\"X\","
			    "\"timezone\":\"Europe/Stockholm\"},\"groups\":[],"
			    "\"sessions\":[{\"id\":\"S\",\"group_id\":\"nope\","
			    "\"start\":\"2026-11-23 10:00\",\"end\":\"2026-11-23 11:00\"}],"
			    "\"participants\":[],\"members\":[],\"leaders\":[],\"cards\":[]}");
			ret = reply(c, 200, b, strlen(b), "\"bad\"");
		} else if (inm && strcmp(inm, M->etag) == 0) {
			M->not_modified++;
			ret = reply(c, 304, NULL, 0, M->etag);
		} else {
			char *b = malloc(M->roster_len);
			memcpy(b, M->roster_json, M->roster_len);
			ret = reply(c, 200, b, M->roster_len, M->etag);
		}
	} else if (strcmp(url, "/v1/heartbeat") == 0) {
		struct protocol_heartbeat hb;
		struct protocol_heartbeat_answer a = {.server_time_ms = clock_wall_ms() + 5000};
		char err[160], *b = NULL;
		size_t l = 0;
		M->heartbeats++;
		if (protocol_decode_heartbeat(cb->data, cb->len, &hb, err, sizeof err)) {
			ret = error_reply(c, 400, err);
		} else {
			snprintf(a.kiosk_id, sizeof a.kiosk_id, "k-test");
			protocol_encode_heartbeat_answer(&a, &b, &l);
			ret = reply(c, 200, b, l, NULL);
		}
	} else {
		ret = error_reply(c, 404, "unknown path");
	}
	pthread_mutex_unlock(&M->mu);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct conn_buf *cb = *con_cls;
	(void)cls;
	(void)c;
	(void)toe;
	if (cb) {
		free(cb->data);
		free(cb);
	}
	*con_cls = NULL;
}
void engine_mock_start(const struct roster *r)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	memset(M, 0, sizeof *M);
	pthread_mutex_init(&M->mu, NULL);
	pthread_cond_init(&M->cv, NULL);
	M->ids = calloc(ENGINE_MOCK_MAX_IDS, sizeof *M->ids);
	assert_int_equal(protocol_encode_roster(r, "k-test", &M->roster_json, &M->roster_len), 0);
	snprintf(M->etag, sizeof M->etag, "\"etag-1\"");
	a.sin_addr.s_addr = htonl(0x7f000001);
	M->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
				NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, &a,
				MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
	assert_non_null(M->d);
	M->port = MHD_get_daemon_info(M->d, MHD_DAEMON_INFO_BIND_PORT)->port;
}

void engine_mock_stop(void)
{
	pthread_mutex_lock(&M->mu);
	M->stopping = true;
	pthread_cond_broadcast(&M->cv);
	pthread_mutex_unlock(&M->mu);
	MHD_stop_daemon(M->d);
	free(M->ids);
	free(M->roster_json);
}
