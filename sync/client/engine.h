/* SPDX-License-Identifier: MIT */
/* The sync engine: one "round" pushes pending events, pulls the roster and
 * sends a heartbeat (docs/sync.md, docs/protocol.md). It owns its own store
 * handle and HTTP client, and is driven by the kiosk's sync thread (sync.h)
 * or by `blippa-sync once`. One round at a time per database: every round
 * holds an exclusive flock on <data_dir>/sync.lock.
 *
 * Guarantees:
 *  - An event is marked synced only after the server answered accepted or
 *    duplicate for its id; rejected events are marked rejected (kept, shown,
 *    never sent again). Nothing is marked on any error.
 *  - A failed push does not skip the pull or the heartbeat, and vice versa
 *    (except 401/403 and 429, which end the round: no hammering).
 *  - The engine never retries inside a round on transient errors; it
 *    returns and suggests the delay before the next round in
 *    report.next_delay_ms (full-jitter exponential backoff, Retry-After
 *    honoured, a long pause after 401/403 - ended early when a new token
 *    appears in o->token_file, sync_engine_token_check). */
#ifndef BLIPPA_SYNC_ENGINE_H
#define BLIPPA_SYNC_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

struct sync_options {
	const char *server_url; /* base URL, e.g. https://region.example/blippa */
	const char *token;	/* bearer token (never logged); ignored with token_file */
	const char *token_file; /* or: read the token from this file (0600) at open and
				 * again when it changes (sync_engine_token_check) */
	const char *ca_file;	/* extra CA bundle or NULL/"" */
	const char *data_dir;	/* blippa.db and sync.lock live here */
	const char *version;	/* kiosk version for the heartbeat; NULL: PROJECT_VERSION */
	const struct store_rules *rules; /* NULL: store_rules_default */
	int batch_max;			 /* events per POST; 0 or > 500: 500 */
	int64_t interval_ms;		 /* next round after a good one; 0: 30000 */
	int64_t backoff_base_ms;	 /* 0: 1000 */
	int64_t backoff_cap_ms;		 /* 0: 300000 (5 min) */
	int64_t auth_pause_ms;		 /* after 401/403; 0: 900000 (15 min) */
	int64_t kick_backoff_max_ms;	 /* new events during a backoff after the
					  * server was unreachable: next round
					  * within this; 0: 60000 (report.kick_delay_ms) */
	long connect_timeout_s;		 /* 0: 10 */
	long low_speed_time_s;		 /* 0: 30 */
	int retention_days;		 /* purge synced events older; 0: 90 */
	int64_t token_check_ms;		 /* sync thread: look at token_file this
					  * often between rounds; 0: 2000 */
};

struct sync_report {
	enum blippa_err push, pull, heartbeat; /* BLIPPA_OK or why that step failed */
	size_t sent;			       /* events sent in batches answered 200 */
	size_t accepted, duplicate, rejected;
	bool roster_updated;   /* a new roster was stored (200, not 304) */
	int64_t pending;       /* events still pending after the round */
	int64_t next_delay_ms; /* suggested wait before the next round */
	int64_t kick_delay_ms; /* if new events are recorded meanwhile, the next
				* round may start this long after this one
				* (0 after a good round; <= kick_backoff_max_ms
				* after a round that only failed to reach the
				* server; -1: wait for next_delay_ms) */
	char error[160];       /* first failure as one English line, "" if none */
};

struct sync_engine;

/* Opens the store in o->data_dir and prepares the HTTP client (checks URL
 * scheme, token, CA file). Strings in o are copied. err gets one line. */
enum blippa_err sync_engine_open(const struct sync_options *o, struct sync_engine **out, char *err,
				 size_t errlen);
void sync_engine_close(struct sync_engine *e); /* NULL is a no-op */

/* Runs one round. Waits up to lock_wait_ms for sync.lock (0: do not wait);
 * if another process holds it, returns BLIPPA_ERR_BUSY without touching
 * anything. Otherwise returns BLIPPA_OK if push and pull both succeeded,
 * else the first failure (details per step in rep). Records the outcome with
 * store_put_sync_status. */
enum blippa_err sync_engine_round(struct sync_engine *e, int64_t lock_wait_ms,
				  struct sync_report *rep);

/* Only the roster pull of a round (GET /v1/roster with If-None-Match, store
 * on 200), under the same lock; *updated tells whether a new roster was
 * stored. Does not touch the sync status. For benchmarks and diagnosis. */
enum blippa_err sync_engine_pull_roster(struct sync_engine *e, bool *updated, char *err,
					size_t errlen);

/* Looks at the token file (stat only, unless it changed or the server
 * refuses the token in use) and reads it again when needed: a good token
 * replaces the one in use and ends the pause after a 401; a file that is
 * missing, empty, not 0600 or unreadable keeps the token in memory and
 * sets a note that the sync status shows as its last error and the log as
 * a warning (path and reason, never the token). Returns true when the
 * token in use or that note changed, so a round should run now. Every
 * round calls it first. Only on the thread that runs rounds; a no-op
 * without o->token_file. */
bool sync_engine_token_check(struct sync_engine *e);

/* Reader state reported in the heartbeat ("ready", "absent", ...). Any
 * thread. Default "unknown". */
void sync_engine_set_reader_state(struct sync_engine *e, const char *state);

/* From any thread: aborts a running round's transfer within milliseconds
 * and makes later rounds fail until sync_engine_resume. */
void sync_engine_cancel(struct sync_engine *e);
void sync_engine_resume(struct sync_engine *e);

/* The engine's store handle (for the caller's thread only, between rounds). */
struct store *sync_engine_store(struct sync_engine *e);

/* Exclusive lock on <data_dir>/sync.lock, waiting up to wait_ms.
 * BLIPPA_ERR_BUSY if still held elsewhere. *fd is released by
 * sync_lock_release. Exposed for tests and blippa-sync. */
enum blippa_err sync_lock_acquire(const char *data_dir, int64_t wait_ms, int *fd);
void sync_lock_release(int fd);

#endif
