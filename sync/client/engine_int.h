/* SPDX-License-Identifier: MIT */
/* Inside the sync engine (engine.c, engine_push.c): the engine's state, what
 * one step learned, and the helpers the steps share. Not for other modules:
 * they use engine.h. */
#ifndef BLIPPA_ENGINE_INT_H
#define BLIPPA_ENGINE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "engine.h"
#include "http.h"
#include "protocol.h"

#define MOD "sync"
#define ENGINE_TOKEN_MAX 600 /* bytes of a token, with its NUL */
#define NOT_BLIPPA " (not a Blippa server? check the URL or proxy)"

/* One version of the token file as stat(2) sees it (engine_token.c). */
struct engine_token_sig {
	bool present;
	dev_t dev;
	ino_t ino;
	off_t size;
	mode_t mode;
	struct timespec mtime, ctime;
};

struct sync_engine {
	struct store *st;
	struct http_client *http;
	char data_dir[4096];
	char version[PROTOCOL_SHORT_MAX + 1];
	int batch_max;
	int64_t interval_ms, base_ms, cap_ms, auth_ms, kick_cap_ms;
	int retention_days;
	int64_t last_purge_ms; /* retention purge runs at most hourly */
	unsigned failures;     /* consecutive failed rounds, for backoff */
	uint64_t rng;	       /* xorshift state for jitter */
	pthread_mutex_t mu;    /* guards reader */
	char reader[PROTOCOL_SHORT_MAX + 1];
	struct event_record *batch;	 /* batch_max slots */
	struct store_ack *acks;		 /* batch_max slots */
	struct protocol_result *results; /* batch_max slots */
	/* the token file (engine_token.c); "" when the caller gave the token */
	char token_file[4096];
	struct engine_token_sig token_sig; /* the version last read */
	bool token_refused;		   /* the last round got 401/403 */
	char token_note[160];		   /* why the file's token is not used, or "" */
};

/* What one step learned, beyond its error code. */
struct step {
	long status;	       /* last HTTP status, 0 if none */
	int64_t retry_after_s; /* -1 if none */
};

/* True if the answer comes from a Blippa server: it carries the header
 * Blippa-Protocol on every answer (sync/server/http.c). A proxy, WAF or load
 * balancer answering by itself (e.g. nginx "400 No required SSL certificate
 * was sent") does not. */
bool engine_from_blippa(const struct http_response *r);
/* Translates a non-2xx status into an error and a short text ("WHAT: ...")
 * in msg. A 4xx that did not come from a Blippa server says so (wrong URL,
 * proxy in the way). */
enum blippa_err engine_status_error(const struct http_response *r, const char *what, char *msg,
				    size_t msglen);
/* Keeps msg as the round's error unless one is there already. */
void engine_set_first_error(struct sync_report *rep, const char *msg);

/* The push step (engine_push.c): sends every pending event in batches and
 * marks each per the server's answer; counts into rep, the last HTTP status
 * and Retry-After into sp. */
enum blippa_err engine_push(struct sync_engine *e, struct sync_report *rep, struct step *sp);

/* Reads the token from path into tok when the engine opens and remembers
 * the file's version for sync_engine_token_check. Any failure is
 * BLIPPA_ERR_CONFIG with the reason (never the token) in err. */
enum blippa_err engine_token_open(struct sync_engine *e, const char *path, char *tok, size_t toklen,
				  char *err, size_t errlen);

#endif
