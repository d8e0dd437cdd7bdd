/* SPDX-License-Identifier: MIT */
/* A scripted mock of the region server for tests/unit/test_engine.c
 * (libmicrohttpd, plain HTTP on 127.0.0.1, a thread per connection): serves
 * one roster with an ETag, answers event batches (accepted / duplicate /
 * rejected, 413 over max_batch, 400 naming a poison event), heartbeats, and
 * whatever failure the test scripts in engine_mock_state. The script and the
 * counters are read and written under engine_mock_state.mu. */
#ifndef BLIPPA_ENGINE_MOCK_H
#define BLIPPA_ENGINE_MOCK_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "roster.h"
#include "uuid.h"

#define ENGINE_MOCK_MAX_IDS 20000

struct engine_mock {
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
	size_t max_batch;	    /* > this: 413 (0: no limit) */
	char poison[UUID_STR_LEN];  /* a batch containing it: 400 */
	char poison2[UUID_STR_LEN]; /* a second one */
	bool foreign400;	    /* a proxy: 400 + HTML, no Blippa-Protocol, to all */
	bool malformed400;	    /* events: Blippa 400 not naming an event */
	bool drop;		    /* close every connection without an answer */
	char reject[UUID_STR_LEN];  /* answered rejected */
	int fail_status[8];	    /* next requests (any path) answered with these */
	int n_fail;
	int retry_after;  /* with 429/503 */
	bool wrong_ids;	  /* answer results for other ids */
	bool bad_roster;  /* serve a dangling snapshot */
	bool huge_roster; /* serve 33 MiB */
	bool hold;	  /* park every request until released */
	bool stopping;
};

/* The one mock (the tests in a program run one after another). */
extern struct engine_mock engine_mock_state;

/* Resets engine_mock_state, encodes r as the roster (for kiosk "k-test",
 * ETag "etag-1") and starts the daemon on 127.0.0.1, port in .port. Only
 * "Bearer test-token" is accepted. cmocka asserts on failure. */
void engine_mock_start(const struct roster *r);
/* Releases held requests, stops the daemon and frees what start made. */
void engine_mock_stop(void);

#endif
