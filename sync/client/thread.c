/* SPDX-License-Identifier: MIT */
/* The kiosk's background sync thread (sync.h): a loop that runs a round,
 * reports the status, then sleeps on a condition variable until the next
 * round is due, a kick arrives, or stop is asked. Timers are data (one
 * monotonic deadline, and a stat of the token file every couple of seconds
 * so that a new token is used at once), no busy polling. */
#include "sync.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"

#define MOD "sync"

struct sync_thread {
	struct sync_engine *engine;
	struct sync_callbacks cb;
	int64_t token_check_ms; /* look at the token file this often */
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, kick, kick_now;
};

static void deadline_ts(int64_t mono_ms, struct timespec *ts)
{
	ts->tv_sec = (time_t)(mono_ms / 1000);
	ts->tv_nsec = (long)(mono_ms % 1000) * 1000000L;
}

static void *run(void *arg)
{
	struct sync_thread *t = arg;
	struct sync_report rep;
	struct store_sync_status st;
	struct timespec ts;
	int64_t next = 0, kick_at = 0; /* kick_at: a kick is honoured from then; -1 never */
	int64_t token_at = clock_mono_ms() + t->token_check_ms, now;

	pthread_mutex_lock(&t->mu);
	for (;;) {
		for (;;) {
			int64_t due = next;
			if (t->kick && kick_at >= 0 && kick_at < due)
				due = kick_at;
			if (t->stop || t->kick_now || (now = clock_mono_ms()) >= due)
				break;
			/* a replaced token file ends any wait (even the long
			 * pause after a 401): staff need not restart the kiosk */
			if (now >= token_at) {
				pthread_mutex_unlock(&t->mu);
				bool changed = sync_engine_token_check(t->engine);
				pthread_mutex_lock(&t->mu);
				token_at = clock_mono_ms() + t->token_check_ms;
				if (changed)
					break;
				continue;
			}
			deadline_ts(token_at < due ? token_at : due, &ts);
			pthread_cond_timedwait(&t->cv, &t->mu, &ts);
		}
		if (t->stop)
			break;
		t->kick = t->kick_now = false;
		pthread_mutex_unlock(&t->mu);

		sync_engine_round(t->engine, 0, &rep);
		/* a round cut short by stop reports nothing (the UI is closing) */
		if (t->cb.status_changed && rep.push != BLIPPA_ERR_EXPIRED &&
		    rep.pull != BLIPPA_ERR_EXPIRED && rep.heartbeat != BLIPPA_ERR_EXPIRED &&
		    store_get_sync_status(sync_engine_store(t->engine), &st) == BLIPPA_OK)
			t->cb.status_changed(t->cb.user, &st);

		pthread_mutex_lock(&t->mu);
		next = clock_mono_ms() + rep.next_delay_ms;
		kick_at =
		    rep.kick_delay_ms >= 0 ? next - rep.next_delay_ms + rep.kick_delay_ms : -1;
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

enum blippa_err sync_thread_start_opts(const struct sync_options *o,
				       const struct sync_callbacks *cb, struct sync_thread **out,
				       char *err, size_t errlen)
{
	enum blippa_err rc;
	struct sync_thread *t;
	pthread_condattr_t ca;

	*out = NULL;
	t = calloc(1, sizeof *t);
	if (!t)
		return BLIPPA_ERR_NOMEM;
	if (cb)
		t->cb = *cb;
	t->token_check_ms = o->token_check_ms > 0 ? o->token_check_ms : 2000;
	if ((rc = sync_engine_open(o, &t->engine, err, errlen))) {
		free(t);
		return rc;
	}
	pthread_mutex_init(&t->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&t->tid, NULL, run, t) != 0) {
		snprintf(err, errlen, "cannot start the sync thread");
		pthread_cond_destroy(&t->cv);
		pthread_mutex_destroy(&t->mu);
		sync_engine_close(t->engine);
		free(t);
		return BLIPPA_ERR_NOMEM;
	}
	*out = t;
	return BLIPPA_OK;
}

enum blippa_err sync_thread_start(const struct blippa_config *cfg, const struct sync_callbacks *cb,
				  struct sync_thread **out, char *err, size_t errlen)
{
	struct store_rules rules;

	*out = NULL;
	if (!cfg->server_url[0]) {
		log_info(MOD, "no server url configured: sync is off");
		return BLIPPA_OK;
	}
	store_rules_from_config(&rules, cfg);
	struct sync_options o = {
	    .server_url = cfg->server_url,
	    .token_file = cfg->token_file, /* read here and again when it changes */
	    .ca_file = cfg->ca_file,
	    .data_dir = cfg->data_dir,
	    .rules = &rules,
	    .interval_ms = cfg->sync_interval_s > 0 ? (int64_t)cfg->sync_interval_s * 1000 : 0,
	    .retention_days = cfg->retention_days,
	};
	return sync_thread_start_opts(&o, cb, out, err, errlen);
}

static void kick(struct sync_thread *t, bool now)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	if (now)
		t->kick_now = true;
	else
		t->kick = true;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

void sync_thread_kick(struct sync_thread *t)
{
	kick(t, false);
}

void sync_thread_kick_now(struct sync_thread *t)
{
	kick(t, true);
}

void sync_thread_set_reader_state(struct sync_thread *t, const char *state)
{
	if (t)
		sync_engine_set_reader_state(t->engine, state);
}

void sync_thread_stop(struct sync_thread *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop = true;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	sync_engine_cancel(t->engine); /* aborts a transfer in progress */
	pthread_join(t->tid, NULL);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	sync_engine_close(t->engine);
	free(t);
}
