/* SPDX-License-Identifier: MIT */
/* Tests for the sync engine's decisions against a scripted mock server
 * (libmicrohttpd, plain HTTP on 127.0.0.1, which the engine allows only on
 * loopback): batching and 413 halving, a poison event isolated by 400,
 * per-event results (accepted/duplicate/rejected), nothing marked on any
 * error, pull despite a failed push, Retry-After, 401 pause, ETag/304, a bad
 * snapshot keeping the old roster, the response cap, the lock, and the
 * thread stopping fast mid-transfer; a proxy answering 400 to everything
 * marks nothing rejected, at most one event per round is rejected on a 400,
 * a damaged row is rejected locally, and a kick after a network failure
 * ends the backoff within kick_backoff_max_ms. The real server is used by
 * tests/integration/test_sync.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "engine.h"
#include "protocol.h"
#include "store.h"
#include "sync.h"

#define MAX_IDS 20000

struct mock {
	struct MHD_Daemon *d;
	int port;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *roster_json;
	size_t roster_len;
	char etag[80];
	/* counters */
	int posts, gets, not_modified, heartbeats, requests;
	size_t events_received;
	char (*ids)[UUID_STR_LEN];
	size_t n_ids;
	/* script */
	size_t max_batch;	   /* > this: 413 (0: no limit) */
	char poison[UUID_STR_LEN]; /* a batch containing it: 400 */
	char poison2[UUID_STR_LEN]; /* a second one */
	bool foreign400;	    /* a proxy: 400 + HTML, no Blippa-Protocol, to all */
	bool malformed400;	    /* events: Blippa 400 not naming an event */
	bool drop;		    /* close every connection without an answer */
	char reject[UUID_STR_LEN]; /* answered rejected */
	int fail_status[8];	   /* next requests (any path) answered with these */
	int n_fail;
	int retry_after;  /* with 429/503 */
	bool wrong_ids;	  /* answer results for other ids */
	bool bad_roster;  /* serve a dangling snapshot */
	bool huge_roster; /* serve 33 MiB */
	bool hold;	  /* park every request until released */
	bool stopping;
};

struct conn_buf {
	char *data;
	size_t len;
};

static struct mock M;

static bool seen(const char *id)
{
	for (size_t i = 0; i < M.n_ids; i++)
		if (strcmp(M.ids[i], id) == 0)
			return true;
	return false;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, char *body, size_t len,
			     const char *etag)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (etag && etag[0])
		MHD_add_response_header(r, "ETag", etag);
	if (M.retry_after && (status == 429 || status == 503)) {
		char ra[16];
		snprintf(ra, sizeof ra, "%d", M.retry_after);
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

	M.posts++;
	if (protocol_decode_events(cb->data, cb->len, &ev, &n, err, sizeof err) != BLIPPA_OK)
		return error_reply(c, 400, err);
	if (M.malformed400) {
		free(ev);
		return error_reply(c, 400, "malformed JSON at line 1 column 1");
	}
	if (M.max_batch && n > M.max_batch) {
		free(ev);
		return error_reply(c, 413, "batch too large");
	}
	for (size_t i = 0; i < n; i++)
		if ((M.poison[0] && strcmp(ev[i].id, M.poison) == 0) ||
		    (M.poison2[0] && strcmp(ev[i].id, M.poison2) == 0)) {
			free(ev);
			snprintf(err, sizeof err, "events[%zu].method: unknown value", i);
			return error_reply(c, 400, err);
		}
	res = calloc(n ? n : 1, sizeof *res);
	M.events_received += n;
	for (size_t i = 0; i < n; i++) {
		snprintf(res[i].id, sizeof res[i].id, "%s", ev[i].id);
		if (M.wrong_ids)
			uuid7_make(1, res[i].id);
		if (M.reject[0] && strcmp(ev[i].id, M.reject) == 0) {
			res[i].status = PROTOCOL_REJECTED;
			snprintf(res[i].reason, sizeof res[i].reason, "unknown session");
		} else if (seen(ev[i].id)) {
			res[i].status = PROTOCOL_DUPLICATE;
		} else {
			res[i].status = PROTOCOL_ACCEPTED;
			if (M.n_ids < MAX_IDS)
				memcpy(M.ids[M.n_ids++], ev[i].id, UUID_STR_LEN);
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
	pthread_mutex_lock(&M.mu);
	M.requests++;
	while (M.hold && !M.stopping)
		pthread_cond_wait(&M.cv, &M.mu);
	if (M.drop) {
		pthread_mutex_unlock(&M.mu);
		return MHD_NO; /* connection closed, no answer: a network error */
	}
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (M.foreign400) {
		static const char html[] = "<html><head><title>400 No required SSL certificate "
					   "was sent</title></head><body></body></html>";
		struct MHD_Response *r = MHD_create_response_from_buffer(
		    sizeof html - 1, (void *)(uintptr_t)html, MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(r, "Content-Type", "text/html");
		if (strcmp(url, "/v1/events") == 0)
			M.posts++;
		ret = MHD_queue_response(c, 400, r);
		MHD_destroy_response(r);
	} else if (!auth || strcmp(auth, "Bearer test-token") != 0) {
		ret = error_reply(c, 401, "unknown token");
	} else if (M.n_fail) {
		int st = M.fail_status[0];
		memmove(M.fail_status, M.fail_status + 1, sizeof M.fail_status - sizeof(int));
		M.n_fail--;
		if (strcmp(url, "/v1/events") == 0)
			M.posts++;
		if (strcmp(url, "/v1/roster") == 0)
			M.gets++;
		ret = error_reply(c, (unsigned)st, "scripted failure");
	} else if (strcmp(url, "/v1/events") == 0 && strcmp(method, "POST") == 0) {
		ret = handle_events(c, cb);
	} else if (strcmp(url, "/v1/roster") == 0) {
		const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
		M.gets++;
		if (M.huge_roster) {
			size_t n = 33u * 1024u * 1024u;
			char *b = malloc(n);
			memset(b, ' ', n);
			b[0] = '{';
			b[n - 1] = '}';
			ret = reply(c, 200, b, n, NULL);
		} else if (M.bad_roster) {
			char *b = strdup(
			    "{\"protocol\":1,\"facility\":{\"id\":\"F9\",\"name\":\"X\","
			    "\"timezone\":\"Europe/Stockholm\"},\"groups\":[],"
			    "\"sessions\":[{\"id\":\"S\",\"group_id\":\"nope\","
			    "\"start\":\"2026-11-23 10:00\",\"end\":\"2026-11-23 11:00\"}],"
			    "\"participants\":[],\"members\":[],\"leaders\":[],\"cards\":[]}");
			ret = reply(c, 200, b, strlen(b), "\"bad\"");
		} else if (inm && strcmp(inm, M.etag) == 0) {
			M.not_modified++;
			ret = reply(c, 304, NULL, 0, M.etag);
		} else {
			char *b = malloc(M.roster_len);
			memcpy(b, M.roster_json, M.roster_len);
			ret = reply(c, 200, b, M.roster_len, M.etag);
		}
	} else if (strcmp(url, "/v1/heartbeat") == 0) {
		struct protocol_heartbeat hb;
		struct protocol_heartbeat_answer a = {.server_time_ms = clock_wall_ms() + 5000};
		char err[160], *b = NULL;
		size_t l = 0;
		M.heartbeats++;
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
	pthread_mutex_unlock(&M.mu);
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

static char tmpdir[64];
static struct roster *demo;

static int setup(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	(void)state;
	memset(&M, 0, sizeof M);
	pthread_mutex_init(&M.mu, NULL);
	pthread_cond_init(&M.cv, NULL);
	M.ids = calloc(MAX_IDS, sizeof *M.ids);
	demo = roster_make_demo(clock_wall_ms(), 1500);
	assert_non_null(demo);
	assert_int_equal(protocol_encode_roster(demo, "k-test", &M.roster_json, &M.roster_len), 0);
	snprintf(M.etag, sizeof M.etag, "\"etag-1\"");
	a.sin_addr.s_addr = htonl(0x7f000001);
	M.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
			       NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, &a,
			       MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
	assert_non_null(M.d);
	M.port = MHD_get_daemon_info(M.d, MHD_DAEMON_INFO_BIND_PORT)->port;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/blippa-engine.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	pthread_mutex_lock(&M.mu);
	M.stopping = true;
	pthread_cond_broadcast(&M.cv);
	pthread_mutex_unlock(&M.mu);
	MHD_stop_daemon(M.d);
	free(M.ids);
	free(M.roster_json);
	roster_free(demo);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void options(struct sync_options *o, char *url, size_t urllen, const char *token)
{
	snprintf(url, urllen, "http://127.0.0.1:%d", M.port);
	memset(o, 0, sizeof *o);
	o->server_url = url;
	o->token = token;
	o->data_dir = tmpdir;
	o->backoff_base_ms = 1000;
	o->backoff_cap_ms = 8000;
	o->auth_pause_ms = 900000;
	o->interval_ms = 30000;
}

/* Records n check-ins (name, open training or session) for distinct
 * participants of the demo roster. */
static void checkins(struct store *st, size_t first, size_t n)
{
	struct checkin_result res;
	int64_t now = clock_wall_ms();
	assert_true(first + n <= demo->n_participants);
	for (size_t i = first; i < first + n; i++) {
		assert_int_equal(store_checkin_participant(st, demo->participants[i].id,
							   CHECKIN_NAME, NULL, now, &res),
				 BLIPPA_OK);
		assert_true(res.outcome == CHECKIN_OK || res.outcome == CHECKIN_OPEN_TRAINING);
	}
}

/* Yields briefly inside a poll-with-deadline loop (not a wait by itself). */
static void poll_pause(void)
{
	struct timespec ts = {0, 2000000};
	nanosleep(&ts, NULL);
}

static int64_t pending(struct store *st)
{
	struct store_sync_status s;
	assert_int_equal(store_get_sync_status(st, &s), BLIPPA_OK);
	return s.pending;
}

/* An engine on tmpdir whose store already holds the demo roster (as after
 * a first pull, without asking the server). */
static struct sync_engine *open_engine(const char *token)
{
	struct sync_options o;
	struct sync_engine *e = NULL;
	char url[64], err[256];
	options(&o, url, sizeof url, token);
	if (sync_engine_open(&o, &e, err, sizeof err) != BLIPPA_OK)
		fail_msg("engine: %s", err);
	if (store_replace_roster(sync_engine_store(e), demo, err, sizeof err) != BLIPPA_OK)
		fail_msg("roster: %s", err);
	return e;
}

/* First round: roster arrives; then events flow in batches. */
static void test_push_pull_batches(void **state)
{
	struct sync_engine *e = open_engine("test-token");
	struct sync_report rep;
	struct store_sync_status s;
	(void)state;

	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_true(rep.roster_updated); /* the demo roster has no ETag yet */
	assert_int_equal(M.gets, 1);
	checkins(sync_engine_store(e), 0, 1200);
	assert_int_equal(pending(sync_engine_store(e)), 1200);
	M.max_batch = 300; /* 500 -> 413 -> 250 */
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.sent, 1200);
	assert_int_equal(rep.accepted, 1200);
	assert_int_equal(rep.pending, 0);
	assert_false(rep.roster_updated); /* If-None-Match -> 304 */
	assert_int_equal(M.not_modified, 1);
	assert_int_equal(M.n_ids, 1200);
	assert_int_equal(M.posts, 1 + 5); /* one 413, then 5 batches of <= 250 */
	assert_int_equal(rep.next_delay_ms, 30000);
	assert_int_equal(store_get_sync_status(sync_engine_store(e), &s), BLIPPA_OK);
	assert_true(s.last_success_ms > 0);
	assert_string_equal(s.last_error, "");
	assert_true(s.server_reachable);
	assert_true(s.skew_ms > 4000 && s.skew_ms < 6000); /* mock runs 5 s ahead */
	sync_engine_close(e);
}

/* Server errors: nothing marked, pull still runs, backoff with jitter,
 * results for other ids refused, duplicates count as delivered. */
static void test_failures_mark_nothing(void **state)
{
	struct sync_engine *e = open_engine("test-token");
	struct sync_report rep;
	struct store_sync_status s;
	(void)state;

	checkins(sync_engine_store(e), 0, 10);
	M.fail_status[0] = 500;
	M.n_fail = 1;
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_SERVER);
	assert_int_equal(rep.push, BLIPPA_ERR_SERVER);
	assert_int_equal(rep.pull, BLIPPA_OK); /* a failed push never stops the pull */
	assert_true(rep.roster_updated);
	assert_int_equal(rep.pending, 10);
	assert_true(rep.next_delay_ms >= 0 && rep.next_delay_ms < 1000);
	assert_int_equal(store_get_sync_status(sync_engine_store(e), &s), BLIPPA_OK);
	assert_non_null(strstr(s.last_error, "HTTP 500"));

	/* the server got the batch but its answer names other events */
	M.wrong_ids = true;
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_PROTOCOL);
	assert_int_equal(rep.pending, 10);
	assert_true(rep.next_delay_ms < 2000); /* second failure: ceiling 2 s */
	M.wrong_ids = false;
	/* retry: the server already has them -> duplicate == delivered */
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.duplicate, 10);
	assert_int_equal(rep.pending, 0);

	/* 429 with Retry-After: honoured, pull skipped (no hammering) */
	checkins(sync_engine_store(e), 10, 1);
	M.fail_status[0] = 429;
	M.n_fail = 1;
	M.retry_after = 7;
	int gets = M.gets;
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_SERVER);
	assert_true(rep.next_delay_ms >= 7000);
	assert_int_equal(M.gets, gets);
	M.retry_after = 0;
	sync_engine_close(e);
}

/* 401: unauthorised status, one request only, a long pause. */
static void test_unauthorised(void **state)
{
	struct sync_engine *e = open_engine("wrong-token");
	struct sync_report rep;
	struct store_sync_status s;
	(void)state;

	checkins(sync_engine_store(e), 0, 3);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_AUTH);
	assert_int_equal(M.requests, 1);
	assert_int_equal(rep.next_delay_ms, 900000);
	assert_int_equal(rep.pending, 3);
	assert_int_equal(store_get_sync_status(sync_engine_store(e), &s), BLIPPA_OK);
	assert_true(s.unauthorised);
	sync_engine_close(e);
}

/* A rejected event is kept, shown, and never sent again; a poison event
 * (400 even alone) is isolated and does not block the others. */
static void test_rejected_and_poison(void **state)
{
	struct sync_engine *e = open_engine("test-token");
	struct store_event ev[20];
	struct store_rejected rej[4];
	struct sync_report rep;
	size_t n, nrej;
	(void)state;

	checkins(sync_engine_store(e), 0, 20);
	assert_int_equal(store_pending_events(sync_engine_store(e), ev, 20, &n), BLIPPA_OK);
	assert_int_equal(n, 20);
	memcpy(M.reject, ev[3].id, UUID_STR_LEN);
	memcpy(M.poison, ev[11].id, UUID_STR_LEN);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.pending, 0);
	assert_int_equal(rep.rejected, 2);
	assert_int_equal(M.n_ids, 18);
	assert_int_equal(store_rejected_events(sync_engine_store(e), rej, 4, &nrej), BLIPPA_OK);
	assert_int_equal(nrej, 2);
	bool saw_reason = false, saw_poison = false;
	for (size_t i = 0; i < nrej; i++) {
		if (strcmp(rej[i].event_id, ev[3].id) == 0)
			saw_reason = strcmp(rej[i].reason, "unknown session") == 0;
		if (strcmp(rej[i].event_id, ev[11].id) == 0)
			saw_poison = strstr(rej[i].reason, "refused by server") != NULL;
	}
	assert_true(saw_reason);
	assert_true(saw_poison);
	/* next round sends nothing */
	size_t before = M.events_received;
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.sent, 0);
	assert_int_equal(M.events_received, before);
	sync_engine_close(e);
}

/* A snapshot failing validation is rejected whole; the old roster stays;
 * a body over 32 MiB is refused. */
static void test_bad_and_huge_roster(void **state)
{
	struct sync_engine *e = open_engine("test-token");
	struct sync_report rep;
	char etag[80], id[64], name[160], tz[64];
	(void)state;

	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(store_roster_etag(sync_engine_store(e), etag, sizeof etag), BLIPPA_OK);
	assert_string_equal(etag, "etag-1");
	M.bad_roster = true;
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_PROTOCOL);
	assert_int_equal(rep.push, BLIPPA_OK);
	assert_non_null(strstr(rep.error, "rejected snapshot"));
	assert_int_equal(
	    store_facility(sync_engine_store(e), id, sizeof id, name, sizeof name, tz, sizeof tz),
	    BLIPPA_OK);
	assert_string_equal(id, demo->facility.id);
	M.bad_roster = false;
	M.huge_roster = true;
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_PROTOCOL);
	assert_non_null(strstr(rep.error, "larger than the limit"));
	M.huge_roster = false;
	sync_engine_close(e);
}

static void test_lock(void **state)
{
	struct sync_engine *e = open_engine("test-token");
	struct sync_report rep;
	int fd;
	(void)state;

	assert_int_equal(sync_lock_acquire(tmpdir, 0, &fd), BLIPPA_OK);
	assert_int_equal(sync_engine_round(e, 50, &rep), BLIPPA_ERR_BUSY);
	assert_int_equal(M.requests, 0);
	sync_lock_release(fd);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	sync_engine_close(e);
}

static atomic_int callbacks;
static void on_status(void *user, const struct store_sync_status *s)
{
	(void)user;
	(void)s;
	atomic_fetch_add(&callbacks, 1);
}

/* The thread syncs, reports, wakes on a kick, and stops within a second
 * while a request hangs on the server. */
static void test_thread_kick_and_fast_stop(void **state)
{
	struct sync_options o;
	struct sync_thread *t = NULL;
	struct sync_callbacks cb = {.status_changed = on_status};
	struct store *st = NULL;
	struct store_rules rules;
	char url[64], err[256];
	(void)state;

	options(&o, url, sizeof url, "test-token");
	atomic_store(&callbacks, 0);
	assert_int_equal(sync_thread_start_opts(&o, &cb, &t, err, sizeof err), BLIPPA_OK);
	int64_t deadline = clock_mono_ms() + 10000;
	while (atomic_load(&callbacks) < 1) {
		assert_true(clock_mono_ms() < deadline);
		poll_pause();
	}
	store_rules_default(&rules);
	assert_int_equal(store_open(tmpdir, &rules, &st, err, sizeof err), BLIPPA_OK);
	checkins(st, 0, 5);
	sync_thread_kick(t);
	while (pending(st) > 0) {
		assert_true(clock_mono_ms() < deadline);
		poll_pause();
	}
	assert_int_equal(M.n_ids, 5);

	/* park the server; kick; stop must not wait for it */
	pthread_mutex_lock(&M.mu);
	M.hold = true;
	int req = M.requests;
	pthread_mutex_unlock(&M.mu);
	checkins(st, 5, 1);
	sync_thread_kick(t);
	for (;;) {
		pthread_mutex_lock(&M.mu);
		bool parked = M.requests > req;
		pthread_mutex_unlock(&M.mu);
		if (parked)
			break;
		assert_true(clock_mono_ms() < deadline);
		poll_pause();
	}
	int64_t t0 = clock_mono_ms();
	sync_thread_stop(t);
	int64_t took = clock_mono_ms() - t0;
	assert_true(took < 1000);
	assert_int_equal(pending(st), 1); /* nothing marked */
	pthread_mutex_lock(&M.mu);
	M.hold = false;
	pthread_cond_broadcast(&M.cv);
	pthread_mutex_unlock(&M.mu);
	store_close(st);
}

/* Changes a script flag the mock's threads read under M.mu. */
static void mock_set(bool *flag, bool v)
{
	pthread_mutex_lock(&M.mu);
	*flag = v;
	pthread_mutex_unlock(&M.mu);
}

static int64_t rejected_count(struct store *st)
{
	struct store_sync_status s;
	assert_int_equal(store_get_sync_status(st, &s), BLIPPA_OK);
	return s.rejected;
}

/* A proxy/WAF/load balancer answering 400 to everything (HTML, no
 * Blippa-Protocol header) is not "one bad event": nothing is marked
 * rejected, no halving, backoff, and the status says what is wrong. A Blippa
 * server's 400 that names no event ("malformed JSON") marks nothing either. */
static void test_foreign_400_marks_nothing(void **state)
{
	struct sync_engine *e = open_engine("test-token");
	struct sync_report rep;
	struct store_sync_status s;
	(void)state;

	checkins(sync_engine_store(e), 0, 30);
	mock_set(&M.foreign400, true);
	for (int round = 1; round <= 3; round++) {
		assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_PROTOCOL);
		assert_int_equal(rep.push, BLIPPA_ERR_PROTOCOL);
		assert_int_equal(rep.sent, 0);
		assert_int_equal(rep.rejected, 0);
		assert_int_equal(rep.pending, 30);
		assert_int_equal(M.posts, round); /* one POST a round: no halving */
		assert_true(rep.next_delay_ms < 8000); /* backoff, not the interval */
		assert_int_equal(rep.kick_delay_ms, -1); /* the server answered */
	}
	assert_int_equal(rejected_count(sync_engine_store(e)), 0);
	assert_int_equal(store_get_sync_status(sync_engine_store(e), &s), BLIPPA_OK);
	assert_non_null(strstr(s.last_error, "server answered 400 (not a Blippa server? "
					     "check the URL or proxy)"));
	mock_set(&M.foreign400, false);

	mock_set(&M.malformed400, true);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_PROTOCOL);
	assert_int_equal(rep.rejected, 0);
	assert_int_equal(rep.pending, 30);
	assert_non_null(strstr(rep.error, "malformed JSON"));
	mock_set(&M.malformed400, false);

	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.accepted, 30);
	assert_int_equal(rep.pending, 0);
	assert_int_equal(rejected_count(sync_engine_store(e)), 0);
	sync_engine_close(e);
}

/* At most one event per round is marked rejected on a 400: the second poison
 * event waits for the next round. */
static void test_one_poison_per_round(void **state)
{
	struct sync_engine *e = open_engine("test-token");
	struct store_event ev[20];
	struct sync_report rep;
	size_t n;
	(void)state;

	checkins(sync_engine_store(e), 0, 20);
	assert_int_equal(store_pending_events(sync_engine_store(e), ev, 20, &n), BLIPPA_OK);
	assert_int_equal(n, 20);
	memcpy(M.poison, ev[5].id, UUID_STR_LEN);
	memcpy(M.poison2, ev[12].id, UUID_STR_LEN);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_PROTOCOL);
	assert_int_equal(rep.rejected, 1);
	assert_true(rep.pending > 0);
	assert_int_equal(rejected_count(sync_engine_store(e)), 1);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.rejected, 1);
	assert_int_equal(rep.pending, 0);
	assert_int_equal(rejected_count(sync_engine_store(e)), 2);
	assert_int_equal(M.n_ids, 18);
	sync_engine_close(e);
}

/* A damaged row (method = 7) cannot be encoded: it is rejected locally and
 * the rest of the queue still goes out. */
static void test_unencodable_row(void **state)
{
	struct sync_engine *e = open_engine("test-token");
	struct store_event ev[5];
	struct store_rejected rej[2];
	struct sync_report rep;
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	char path[128];
	size_t n, nrej;
	(void)state;

	checkins(sync_engine_store(e), 0, 5);
	assert_int_equal(store_pending_events(sync_engine_store(e), ev, 5, &n), BLIPPA_OK);
	assert_int_equal(n, 5);
	snprintf(path, sizeof path, "%s/blippa.db", tmpdir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(
	    sqlite3_prepare_v2(db, "UPDATE events SET method = 7 WHERE id = ?", -1, &q, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(q, 1, ev[2].id, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_close(db);

	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.rejected, 1);
	assert_int_equal(rep.accepted, 4);
	assert_int_equal(rep.pending, 0);
	assert_int_equal(M.n_ids, 4);
	assert_int_equal(store_rejected_events(sync_engine_store(e), rej, 2, &nrej), BLIPPA_OK);
	assert_int_equal(nrej, 1);
	assert_string_equal(rej[0].event_id, ev[2].id);
	assert_non_null(strstr(rej[0].reason, "cannot be encoded"));
	sync_engine_close(e);
}

/* After a round that could not reach the server, new events (a kick) run the
 * next round within kick_backoff_max_ms, not after the whole backoff; after
 * an answer that asked us to wait (5xx) kicks still wait. */
static void test_kick_after_network_failure(void **state)
{
	struct sync_options o;
	struct sync_thread *t = NULL;
	struct sync_callbacks cb = {.status_changed = on_status};
	struct sync_engine *e = NULL;
	struct sync_report rep;
	struct store *st = NULL;
	struct store_rules rules;
	char url[64], err[256];
	(void)state;

	options(&o, url, sizeof url, "test-token");
	o.backoff_base_ms = 600000; /* a backoff far longer than the test */
	o.backoff_cap_ms = 600000;
	o.kick_backoff_max_ms = 200;

	/* the engine's advice */
	assert_int_equal(sync_engine_open(&o, &e, err, sizeof err), BLIPPA_OK);
	mock_set(&M.drop, true);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_NETWORK);
	assert_true(rep.kick_delay_ms >= 0 && rep.kick_delay_ms <= 200);
	mock_set(&M.drop, false);
	M.fail_status[0] = 503;
	M.n_fail = 1;
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_SERVER);
	assert_int_equal(rep.kick_delay_ms, -1);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.kick_delay_ms, 0);
	sync_engine_close(e);

	/* the thread follows it */
	mock_set(&M.drop, true);
	atomic_store(&callbacks, 0);
	assert_int_equal(sync_thread_start_opts(&o, &cb, &t, err, sizeof err), BLIPPA_OK);
	int64_t deadline = clock_mono_ms() + 10000;
	while (atomic_load(&callbacks) < 1) {
		assert_true(clock_mono_ms() < deadline);
		poll_pause();
	}
	store_rules_default(&rules);
	assert_int_equal(store_open(tmpdir, &rules, &st, err, sizeof err), BLIPPA_OK);
	assert_int_equal(store_replace_roster(st, demo, err, sizeof err), BLIPPA_OK);
	checkins(st, 0, 3);
	mock_set(&M.drop, false); /* the server is back */
	sync_thread_kick(t);
	while (pending(st) > 0) {
		assert_true(clock_mono_ms() < deadline);
		poll_pause();
	}
	assert_int_equal(M.n_ids, 3);
	sync_thread_stop(t);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_push_pull_batches, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failures_mark_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unauthorised, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rejected_and_poison, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_and_huge_roster, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_thread_kick_and_fast_stop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_foreign_400_marks_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_one_poison_per_round, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unencodable_row, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kick_after_network_failure, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
