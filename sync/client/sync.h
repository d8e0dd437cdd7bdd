/* SPDX-License-Identifier: MIT */
/* The kiosk's sync thread: runs sync rounds (engine.h) in the background,
 * so the UI never waits on the network. The UI talks to it only through
 * these calls; it gets status changes through a callback that runs ON THE
 * SYNC THREAD and must only hand the data over (e.g. SDL_PushEvent with a
 * copy) and return quickly. This header is all the kiosk needs: it links
 * blippa_sync, never libcurl. */
#ifndef BLIPPA_SYNC_H
#define BLIPPA_SYNC_H

#include <stdbool.h>

#include "config.h"
#include "engine.h"
#include "err.h"
#include "store.h"

struct sync_callbacks {
	/* After every round (and when a round starts after a kick): a copy of
	 * the status as stored. Runs on the sync thread. May be NULL. */
	void (*status_changed)(void *user, const struct store_sync_status *status);
	void *user;
};

struct sync_thread;

/* Starts the sync thread for the kiosk config: reads the token from
 * [server] token_file (0600 enforced; read again whenever the file changes,
 * sync_engine_token_check), opens its own store handle and HTTP
 * client, and runs a first round at once. With no [server] url in cfg, sync
 * is off: returns BLIPPA_OK with *out = NULL (every function below accepts
 * NULL). err gets one line on failure. */
enum blippa_err sync_thread_start(const struct blippa_config *cfg, const struct sync_callbacks *cb,
				  struct sync_thread **out, char *err, size_t errlen);

/* Same with explicit engine options (tests; strings are copied). */
enum blippa_err sync_thread_start_opts(const struct sync_options *o,
				       const struct sync_callbacks *cb, struct sync_thread **out,
				       char *err, size_t errlen);

/* New events were recorded: run a round soon, unless the engine is backing
 * off after errors or paused after 401/403 (then the pending backoff wins:
 * kicks never make the kiosk hammer a failing server). One exception: when
 * the last round only failed to reach the server (network error, timeout),
 * a kick runs the next round at most kick_backoff_max_ms (60 s) after it,
 * so a kiosk whose server is back does not wait out a 5-minute backoff
 * with new check-ins queued. Never blocks. */
void sync_thread_kick(struct sync_thread *t);

/* Run a round now even during backoff (leader pressed "sync now"). */
void sync_thread_kick_now(struct sync_thread *t);

/* Reader state for the heartbeat: "ready", "absent", "error", "sim", "none". */
void sync_thread_set_reader_state(struct sync_thread *t, const char *state);

/* Stops the thread (aborting a transfer in progress; returns in well under a
 * second), joins it and frees everything. NULL is a no-op. */
void sync_thread_stop(struct sync_thread *t);

#endif
