/* SPDX-License-Identifier: MIT */
/* One sync round (engine.h, docs/sync.md): push pending events in batches
 * (engine_push.c), pull the roster with If-None-Match, send a heartbeat, record the status,
 * and work out when the next round should run (backoff with full jitter). */
#include "engine.h"
#include "engine_int.h"

#include <errno.h>
#include <sodium.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fsutil.h"
#include "http.h"
#include "log.h"
#include "protocol.h"

#ifndef PROJECT_VERSION
#define PROJECT_VERSION "0.0.0"
#endif

#define RETRY_AFTER_MAX_MS (3600 * 1000LL)

/* ------------------------------------------------------------- lock */

enum blippa_err sync_lock_acquire(const char *data_dir, int64_t wait_ms, int *fd)
{
	char path[4200];
	int64_t deadline = clock_mono_ms() + (wait_ms > 0 ? wait_ms : 0);
	int f;

	*fd = -1;
	if (fs_join(path, sizeof path, data_dir, "sync.lock") != BLIPPA_OK)
		return BLIPPA_ERR_TOO_BIG;
	f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f < 0)
		return errno == EACCES || errno == EPERM ? BLIPPA_ERR_PERM : BLIPPA_ERR_IO;
	for (;;) {
		if (flock(f, LOCK_EX | LOCK_NB) == 0) {
			*fd = f;
			return BLIPPA_OK;
		}
		if (errno != EWOULDBLOCK && errno != EINTR) {
			close(f);
			return BLIPPA_ERR_IO;
		}
		if (clock_mono_ms() >= deadline) {
			close(f);
			return BLIPPA_ERR_BUSY;
		}
		struct timespec ts = {.tv_sec = 0, .tv_nsec = 20 * 1000000L};
		nanosleep(&ts, NULL);
	}
}

void sync_lock_release(int fd)
{
	if (fd >= 0)
		close(fd); /* closing the only descriptor drops the flock */
}

/* ------------------------------------------------------------- open */

enum blippa_err sync_engine_open(const struct sync_options *o, struct sync_engine **out, char *err,
				 size_t errlen)
{
	enum blippa_err rc = BLIPPA_ERR_NOMEM;
	struct sync_engine *e = NULL;
	struct store_rules rules;
	char ua[64], tok[ENGINE_TOKEN_MAX] = "";

	*out = NULL;
	if (!o->data_dir || !o->data_dir[0]) {
		snprintf(err, errlen, "no data_dir");
		return BLIPPA_ERR_CONFIG;
	}
	e = calloc(1, sizeof *e);
	if (!e)
		return BLIPPA_ERR_NOMEM;
	pthread_mutex_init(&e->mu, NULL);
	snprintf(e->reader, sizeof e->reader, "unknown");
	snprintf(e->data_dir, sizeof e->data_dir, "%s", o->data_dir);
	snprintf(e->version, sizeof e->version, "%s", o->version ? o->version : PROJECT_VERSION);
	e->batch_max = o->batch_max > 0 && o->batch_max <= PROTOCOL_BATCH_MAX ? o->batch_max
									      : PROTOCOL_BATCH_MAX;
	e->interval_ms = o->interval_ms > 0 ? o->interval_ms : 30000;
	e->retention_days = o->retention_days > 0 ? o->retention_days : 90;
	e->base_ms = o->backoff_base_ms > 0 ? o->backoff_base_ms : 1000;
	e->cap_ms = o->backoff_cap_ms > 0 ? o->backoff_cap_ms : 300000;
	e->auth_ms = o->auth_pause_ms > 0 ? o->auth_pause_ms : 900000;
	e->kick_cap_ms = o->kick_backoff_max_ms > 0 ? o->kick_backoff_max_ms : 60000;
	e->rng = (uint64_t)clock_mono_us() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)e;
	if (!e->rng)
		e->rng = 0x9e3779b97f4a7c15ULL;
	e->batch = calloc((size_t)e->batch_max, sizeof *e->batch);
	e->acks = calloc((size_t)e->batch_max, sizeof *e->acks);
	e->results = calloc((size_t)e->batch_max, sizeof *e->results);
	if (!e->batch || !e->acks || !e->results)
		goto out;
	snprintf(ua, sizeof ua, "blippa-sync/%s", e->version);
	if (o->token_file && o->token_file[0] &&
	    (rc = engine_token_open(e, o->token_file, tok, sizeof tok, err, errlen)))
		goto out;
	struct http_options ho = {
	    .base_url = o->server_url,
	    .token = e->token_file[0] ? tok : o->token,
	    .ca_file = o->ca_file,
	    .connect_timeout_s = o->connect_timeout_s,
	    .low_speed_time_s = o->low_speed_time_s,
	    .user_agent = ua,
	};
	if ((rc = http_open(&ho, &e->http, err, errlen)))
		goto out;
	if (o->rules)
		rules = *o->rules;
	else
		store_rules_default(&rules);
	if ((rc = store_open(o->data_dir, &rules, &e->st, err, errlen)))
		goto out;
	*out = e;
	e = NULL;
out:
	sodium_memzero(tok, sizeof tok);
	sync_engine_close(e);
	return rc;
}

void sync_engine_close(struct sync_engine *e)
{
	if (!e)
		return;
	http_close(e->http);
	store_close(e->st);
	pthread_mutex_destroy(&e->mu);
	free(e->batch);
	free(e->acks);
	free(e->results);
	free(e);
}

void sync_engine_set_reader_state(struct sync_engine *e, const char *state)
{
	pthread_mutex_lock(&e->mu);
	snprintf(e->reader, sizeof e->reader, "%s", state ? state : "unknown");
	pthread_mutex_unlock(&e->mu);
}

void sync_engine_cancel(struct sync_engine *e)
{
	if (e)
		http_cancel(e->http);
}

void sync_engine_resume(struct sync_engine *e)
{
	if (e)
		http_reset_cancel(e->http);
}

struct store *sync_engine_store(struct sync_engine *e)
{
	return e->st;
}

/* ------------------------------------------------------------- helpers */

/* True if the answer comes from a Blippa server: it carries the header
 * Blippa-Protocol on every answer (sync/server/http.c). A proxy, WAF or load
 * balancer answering by itself (e.g. nginx "400 No required SSL certificate
 * was sent") does not. */
bool engine_from_blippa(const struct http_response *r)
{
	return strcmp(r->protocol, "1") == 0;
}

/* Translates a non-2xx status into an error and a short text. A 4xx that
 * did not come from a Blippa server says so (wrong URL, proxy in the way). */
enum blippa_err engine_status_error(const struct http_response *r, const char *what, char *msg,
				    size_t msglen)
{
	char reason[PROTOCOL_REASON_MAX + 1] = "";
	enum blippa_err rc;

	if (engine_from_blippa(r))
		protocol_decode_error(r->body, r->len, reason, sizeof reason);
	if (r->status == 401 || r->status == 403)
		rc = BLIPPA_ERR_AUTH;
	else if (r->status == 429 || r->status >= 500)
		rc = BLIPPA_ERR_SERVER;
	else
		rc = BLIPPA_ERR_PROTOCOL;
	if (r->status == 401 && engine_from_blippa(r))
		snprintf(msg, msglen,
			 "token refused: put the new token in token_file (%s: HTTP 401%s%.60s)",
			 what, reason[0] ? ": " : "", reason);
	else if (!engine_from_blippa(r) && r->status >= 400 && r->status < 500)
		snprintf(msg, msglen, "%s: server answered %ld" NOT_BLIPPA, what, r->status);
	else
		snprintf(msg, msglen, "%s: HTTP %ld%s%.100s", what, r->status,
			 reason[0] ? ": " : "", reason);
	return rc;
}

void engine_set_first_error(struct sync_report *rep, const char *msg)
{
	if (!rep->error[0])
		snprintf(rep->error, sizeof rep->error, "%s", msg);
}

/* ------------------------------------------------------------- pull */

static enum blippa_err pull(struct sync_engine *e, struct sync_report *rep, struct step *sp)
{
	enum blippa_err rc;
	struct http_response r;
	struct roster *ro = NULL;
	char etag[140], inm[150], kid[ROSTER_ID_MAX + 1], msg[160], perr[160];

	memset(&r, 0, sizeof r);
	inm[0] = '\0';
	if (store_roster_etag(e->st, etag, sizeof etag) == BLIPPA_OK && etag[0])
		snprintf(inm, sizeof inm, "\"%s\"", etag);
	rc = http_request(e->http, "GET", "/v1/roster", NULL, 0, inm, &r);
	sp->status = r.status;
	sp->retry_after_s = r.retry_after_s;
	if (rc != BLIPPA_OK) {
		snprintf(msg, sizeof msg, "roster: %s (%.120s)", blippa_strerror(rc), r.error);
		goto out;
	}
	if (r.status == 304)
		goto out;
	if (r.status != 200) {
		rc = engine_status_error(&r, "roster", msg, sizeof msg);
		goto out;
	}
	rc = protocol_decode_roster(r.body, r.len, &ro, kid, sizeof kid, perr, sizeof perr);
	if (rc != BLIPPA_OK) {
		/* a bad snapshot is rejected whole; the old roster stays */
		snprintf(msg, sizeof msg, "roster: rejected snapshot: %.120s", perr);
		rc = BLIPPA_ERR_PROTOCOL;
		goto out;
	}
	/* ETag: keep what is inside the quotes ("abc" or W/"abc") */
	{
		const char *p = strchr(r.etag, '"');
		snprintf(etag, sizeof etag, "%s", p ? p + 1 : r.etag);
		char *q = strchr(etag, '"');
		if (q)
			*q = '\0';
	}
	if (etag[0] && (rc = roster_set_etag(ro, etag))) {
		snprintf(msg, sizeof msg, "roster: bad ETag");
		rc = BLIPPA_ERR_PROTOCOL;
		goto out;
	}
	if ((rc = store_replace_roster(e->st, ro, perr, sizeof perr))) {
		snprintf(msg, sizeof msg, "roster: not stored: %.120s", perr);
		goto out;
	}
	if (kid[0])
		store_meta_set(e->st, "kiosk_id", kid);
	rep->roster_updated = true;
	log_info(MOD, "roster updated: %zu groups, %zu sessions, %zu participants", ro->n_groups,
		 ro->n_sessions, ro->n_participants);
out:
	if (rc != BLIPPA_OK)
		engine_set_first_error(rep, msg);
	roster_free(ro);
	http_response_free(&r);
	return rc;
}

enum blippa_err sync_engine_pull_roster(struct sync_engine *e, bool *updated, char *err,
					size_t errlen)
{
	struct sync_report rep;
	struct step sp = {0, -1};
	enum blippa_err rc;
	int lock = -1;

	memset(&rep, 0, sizeof rep);
	*updated = false;
	if ((rc = sync_lock_acquire(e->data_dir, 0, &lock))) {
		snprintf(err, errlen, "sync.lock: %s", blippa_strerror(rc));
		return rc;
	}
	rc = pull(e, &rep, &sp);
	sync_lock_release(lock);
	*updated = rep.roster_updated;
	snprintf(err, errlen, "%s", rep.error);
	return rc;
}

/* ------------------------------------------------------------- heartbeat */

static enum blippa_err heartbeat(struct sync_engine *e, const struct store_sync_status *prev,
				 struct sync_report *rep, struct step *sp, int64_t *skew_ms)
{
	enum blippa_err rc;
	struct protocol_heartbeat hb;
	struct protocol_heartbeat_answer a;
	struct store_sync_status now_st;
	struct http_response r;
	char *body = NULL, msg[160], perr[160];
	size_t blen = 0;
	int64_t t0, t1, m0, m1;

	memset(&r, 0, sizeof r);
	memset(&hb, 0, sizeof hb);
	if (store_get_sync_status(e->st, &now_st) != BLIPPA_OK)
		memset(&now_st, 0, sizeof now_st);
	snprintf(hb.version, sizeof hb.version, "%s", e->version);
	pthread_mutex_lock(&e->mu);
	snprintf(hb.reader, sizeof hb.reader, "%s", e->reader);
	pthread_mutex_unlock(&e->mu);
	snprintf(hb.last_error, sizeof hb.last_error, "%.*s", PROTOCOL_REASON_MAX,
		 rep->error[0] ? rep->error : prev->last_error);
	t0 = clock_wall_ms();
	hb.pending = now_st.pending;
	hb.oldest_pending_age_s = now_st.oldest_pending_ms > 0 && now_st.oldest_pending_ms < t0
				      ? (t0 - now_st.oldest_pending_ms) / 1000
				      : 0;
	hb.time_ms = t0;
	if ((rc = protocol_encode_heartbeat(&hb, &body, &blen))) {
		snprintf(msg, sizeof msg, "heartbeat: %s", blippa_strerror(rc));
		goto out;
	}
	m0 = clock_mono_ms();
	rc = http_request(e->http, "POST", "/v1/heartbeat", body, blen, NULL, &r);
	t1 = clock_wall_ms();
	m1 = clock_mono_ms();
	sp->status = r.status;
	sp->retry_after_s = r.retry_after_s;
	if (rc != BLIPPA_OK) {
		snprintf(msg, sizeof msg, "heartbeat: %s (%.120s)", blippa_strerror(rc), r.error);
		goto out;
	}
	if (r.status != 200) {
		rc = engine_status_error(&r, "heartbeat", msg, sizeof msg);
		goto out;
	}
	if ((rc = protocol_decode_heartbeat_answer(r.body, r.len, &a, perr, sizeof perr))) {
		snprintf(msg, sizeof msg, "heartbeat: bad answer: %.120s", perr);
		rc = BLIPPA_ERR_PROTOCOL;
		goto out;
	}
	*skew_ms = a.server_time_ms - (t0 + t1) / 2;
	/* the server's time against this boot's monotonic clock: check-ins
	 * use it while the wall clock is off (store_clock.c) */
	if (store_clock_learn(e->st, a.server_time_ms, (m0 + m1) / 2) != BLIPPA_OK)
		log_warn(MOD, "could not record the server's time");
out:
	if (rc != BLIPPA_OK)
		engine_set_first_error(rep, msg);
	free(body);
	http_response_free(&r);
	return rc;
}

/* ------------------------------------------------------------- round */

static uint64_t rng_next(struct sync_engine *e)
{
	uint64_t x = e->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return e->rng = x;
}

/* Full jitter: uniform in [0, min(cap, base * 2^failures)). */
static int64_t backoff_ms(struct sync_engine *e)
{
	int64_t ceil_ms = e->base_ms;
	for (unsigned i = 1; i < e->failures && ceil_ms < e->cap_ms; i++)
		ceil_ms *= 2;
	if (ceil_ms > e->cap_ms)
		ceil_ms = e->cap_ms;
	return (int64_t)(rng_next(e) % (uint64_t)(ceil_ms > 0 ? ceil_ms : 1));
}

/* The server could not be reached (or stalled): no answer at all, so no
 * sign it is overloaded or refusing us. */
static bool unreachable(enum blippa_err rc)
{
	return rc == BLIPPA_ERR_NETWORK || rc == BLIPPA_ERR_TIMEOUT;
}

static bool transient(enum blippa_err rc)
{
	return rc == BLIPPA_ERR_NETWORK || rc == BLIPPA_ERR_TIMEOUT || rc == BLIPPA_ERR_SERVER ||
	       rc == BLIPPA_ERR_PROTOCOL || rc == BLIPPA_ERR_TLS;
}

/* Retention (docs/sync.md): synced events older than retention_days are
 * deleted here, at most once an hour, after a push that reached the server.
 * Pending and rejected events are never purged. */
static void purge_old(struct sync_engine *e)
{
	int64_t now = clock_wall_ms(), deleted = 0;

	if (e->last_purge_ms && now - e->last_purge_ms < 3600 * 1000LL)
		return;
	e->last_purge_ms = now;
	if (store_purge_synced(e->st, now, e->retention_days, &deleted) != BLIPPA_OK)
		log_warn(MOD, "retention purge failed");
	else if (deleted > 0)
		log_info(MOD, "retention: purged %" PRId64 " synced events older than %d days",
			 deleted, e->retention_days);
}

/* Check-ins recorded with an unsure clock (no server time since boot,
 * implausible wall clock): learn the server's time first, then give them
 * the corrected time before they are sent (store_clock.c). */
static void fix_unsure_clock(struct sync_engine *e, const struct store_sync_status *prev,
			     struct sync_report *rep)
{
	struct store_time t;
	struct step sp_first = {0, -1};
	size_t fixed = 0;
	int64_t first_skew;
	if (!store_clock_unsure_pending(e->st))
		return;
	if (store_clock_resolve(e->st, clock_wall_ms(), clock_mono_ms(), &t) == BLIPPA_OK &&
	    !t.known)
		(void)heartbeat(e, prev, rep, &sp_first, &first_skew);
	if (store_clock_fix_pending(e->st, &fixed) == BLIPPA_OK && fixed)
		log_info(MOD, "%zu check-ins recorded with an unsure clock corrected", fixed);
}

/* Push, pull and heartbeat, each skipped once the server refused us
 * (401/403) or asked us to slow down (429). sp gets each step's answer;
 * true if the server refused the token. */
static bool run_steps(struct sync_engine *e, const struct store_sync_status *prev,
		      struct sync_report *rep, struct step sp[3], int64_t *skew)
{
	bool auth, busy;
	rep->push = engine_push(e, rep, &sp[0]);
	auth = rep->push == BLIPPA_ERR_AUTH;
	busy = sp[0].status == 429;
	if (!auth && !busy) {
		rep->pull = pull(e, rep, &sp[1]);
		auth = rep->pull == BLIPPA_ERR_AUTH;
		busy = sp[1].status == 429;
	} else {
		rep->pull = rep->push;
	}
	if (!auth && !busy && rep->pull != BLIPPA_ERR_EXPIRED)
		rep->heartbeat = heartbeat(e, prev, rep, &sp[2], skew);
	else
		rep->heartbeat = rep->pull;
	return auth || rep->heartbeat == BLIPPA_ERR_AUTH;
}

/* When the next round runs (next_delay_ms) and how soon a new event may
 * start one (kick_delay_ms). */
static void plan_next(struct sync_engine *e, struct sync_report *rep, enum blippa_err rc, bool auth,
		      bool all_ok, int64_t retry_after_ms)
{
	if (auth) {
		e->failures++;
		rep->next_delay_ms = e->auth_ms;
	} else if (all_ok) {
		e->failures = 0;
		rep->next_delay_ms = e->interval_ms;
	} else if (transient(rc) || transient(rep->heartbeat)) {
		e->failures++;
		rep->next_delay_ms = backoff_ms(e);
	} else {
		e->failures++;
		rep->next_delay_ms = e->interval_ms;
	}
	if (retry_after_ms >= 0) {
		if (retry_after_ms > RETRY_AFTER_MAX_MS)
			retry_after_ms = RETRY_AFTER_MAX_MS;
		if (retry_after_ms > rep->next_delay_ms)
			rep->next_delay_ms = retry_after_ms;
	}
	/* New events during the wait: after a good round at once; after a
	 * round that only failed to reach the server, within kick_cap_ms
	 * (the server may be back; one round a minute is no hammering);
	 * after any answer that asked us to wait (401/403, 429, Retry-After,
	 * 4xx/5xx) only when next_delay_ms is over. */
	if (all_ok)
		rep->kick_delay_ms = 0;
	else if (!auth && retry_after_ms < 0 &&
		 (rep->push == BLIPPA_OK || unreachable(rep->push)) &&
		 (rep->pull == BLIPPA_OK || unreachable(rep->pull)) &&
		 (rep->heartbeat == BLIPPA_OK || unreachable(rep->heartbeat)))
		rep->kick_delay_ms =
		    rep->next_delay_ms < e->kick_cap_ms ? rep->next_delay_ms : e->kick_cap_ms;
	else
		rep->kick_delay_ms = -1;
}

/* Records the round's outcome for the UI and `blippa-sync status`. */
static void record_outcome(struct sync_engine *e, const struct store_sync_status *prev,
			   struct sync_report *rep, enum blippa_err rc, bool all_ok, bool reached,
			   bool auth, int64_t skew)
{
	struct store_sync_status st;
	if (store_get_sync_status(e->st, &st) != BLIPPA_OK)
		st = *prev;
	int64_t now = clock_wall_ms();
	st.last_attempt_ms = now;
	if (rc == BLIPPA_OK)
		st.last_success_ms = now;
	/* a token file that cannot be used is what staff must fix first */
	snprintf(st.last_error, sizeof st.last_error, "%s",
		 e->token_note[0] ? e->token_note
		 : all_ok	  ? ""
				  : rep->error);
	st.server_reachable = reached && !(rep->push == BLIPPA_ERR_TLS);
	st.unauthorised = auth;
	if (rep->heartbeat == BLIPPA_OK)
		st.skew_ms = skew;
	/* a round cut short by sync_engine_cancel (stop) records nothing */
	if (rep->push != BLIPPA_ERR_EXPIRED && rep->pull != BLIPPA_ERR_EXPIRED &&
	    rep->heartbeat != BLIPPA_ERR_EXPIRED)
		store_put_sync_status(e->st, &st);
	rep->pending = st.pending;
}

enum blippa_err sync_engine_round(struct sync_engine *e, int64_t lock_wait_ms,
				  struct sync_report *rep)
{
	struct store_sync_status prev;
	struct step sp[3] = {{0, -1}, {0, -1}, {0, -1}}; /* push, pull, heartbeat */
	enum blippa_err rc;
	int64_t skew = 0, retry_after_ms = -1;
	bool auth, reached;
	int lock = -1;

	memset(rep, 0, sizeof *rep);
	rep->push = rep->pull = rep->heartbeat = BLIPPA_OK;
	(void)sync_engine_token_check(e); /* a new token file is used at once */
	if ((rc = sync_lock_acquire(e->data_dir, lock_wait_ms, &lock))) {
		snprintf(rep->error, sizeof rep->error, "%s",
			 rc == BLIPPA_ERR_BUSY ? "another sync is running on this database"
					       : "cannot open sync.lock");
		rep->push = rep->pull = rep->heartbeat = rc;
		rep->next_delay_ms = 1000 + (int64_t)(rng_next(e) % 1000);
		rep->kick_delay_ms = -1;
		return rc;
	}
	if (store_get_sync_status(e->st, &prev) != BLIPPA_OK)
		memset(&prev, 0, sizeof prev);
	fix_unsure_clock(e, &prev, rep);
	auth = run_steps(e, &prev, rep, sp, &skew);
	e->token_refused = auth;

	/* Retry-After from any step (429 or 503) */
	for (size_t i = 0; i < 3; i++)
		if (sp[i].retry_after_s >= 0 && sp[i].retry_after_s * 1000 > retry_after_ms)
			retry_after_ms = sp[i].retry_after_s * 1000;
	reached = sp[0].status || sp[1].status || sp[2].status;

	rc = rep->push != BLIPPA_OK ? rep->push : rep->pull;
	bool all_ok = rc == BLIPPA_OK && rep->heartbeat == BLIPPA_OK;
	plan_next(e, rep, rc, auth, all_ok, retry_after_ms);
	if (rep->push == BLIPPA_OK)
		purge_old(e);
	record_outcome(e, &prev, rep, rc, all_ok, reached, auth, skew);
	sync_lock_release(lock);

	if (rep->sent || rep->roster_updated || !all_ok)
		log_info(MOD,
			 "round: sent %zu (%zu accepted, %zu duplicate, %zu rejected), roster %s, "
			 "pending %" PRId64 ", %s; next in %" PRId64 " ms",
			 rep->sent, rep->accepted, rep->duplicate, rep->rejected,
			 rep->roster_updated ? "updated" : "unchanged", rep->pending,
			 all_ok ? "ok" : rep->error, rep->next_delay_ms);
	return rc;
}
