/* SPDX-License-Identifier: MIT */
/* Helpers shared by the blippa-server tests: private temp directories,
 * roster fixture copies (tests/data/roster + an overlay), a fresh region
 * store, and the export as a string (srv_testutil.c; file failures abort the
 * test: they are harness bugs, not findings); the real binary run as a
 * command or as `serve` (with a pinned clock), HTTPS requests to it, the
 * test PKI and the region database (srv_testutil_proc.c);
 * counts on a PostgreSQL database (srv_testutil_pg.c). */
#ifndef BLIPPA_SRV_TESTUTIL_H
#define BLIPPA_SRV_TESTUTIL_H

#include <curl/curl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "srv_store.h"

/* Makes a fresh private temp dir; returns a malloc'd path. */
char *tu_mkdtemp(void);
/* Removes dir and everything under it (one level of files plus subdirs). */
void tu_rmtree(const char *dir);
/* Copies TEST_DATA_DIR/roster into DIR/name, then TEST_DATA_DIR/overlay on
 * top (overlay may be NULL). Returns a malloc'd path of the new roster dir. */
char *tu_roster_dir(const char *dir, const char *name, const char *overlay);
/* The export CSV for filter f (NULL: everything) as a malloc'd string. */
char *tu_export(struct srv_store *st, const struct srv_export_filter *f);
/* auth_init(), a fresh temp dir (*tmp, malloc'd) and a new SQLite region
 * store in it, its path in db (cmocka asserts on failure). */
struct srv_store *tu_store_open(char **tmp, char *db, size_t dblen);
/* Closes st (may be NULL), removes tmp and frees it. */
void tu_store_close(struct srv_store *st, char *tmp);
/* Writes text into path (mode 0600). */
void tu_write_file(const char *path, const char *text);
/* Replaces every "{K}" in s with k; returns malloc'd. */
char *tu_subst(const char *s, const char *k);

/* ---- srv_testutil_proc.c: the real binary (failures are cmocka asserts) */

/* A `blippa-server serve` child and its base URL (scheme://127.0.0.1:port). */
struct tu_server {
	pid_t pid;
	int out_fd;
	char url[128];
};

/* One HTTP reply: status, malloc'd body (caller frees), ETag, curl result. */
struct tu_reply {
	long status;
	char *body;
	size_t len;
	char etag[128];
	CURLcode cc;
};

/* CLOCK_MONOTONIC in milliseconds. */
int64_t tu_now_ms(void);
/* Runs bin with the NULL-terminated const char * args in ap, stdin from in
 * (may be NULL), scratch files in workdir; stdout/stderr into malloc'd *out /
 * *err (may be NULL). Returns the exit status, or -1 if it did not exit. */
int tu_run_v(const char *bin, const char *workdir, const char *in, char **out, char **err,
	     va_list ap);
/* Starts argv (NULL-terminated, argv[0] the binary) and waits (deadline) for
 * its "listening on 127.0.0.1:PORT" line; fills s (https URL when tls). */
void tu_server_start(struct tu_server *s, const char *const *argv, bool tls);
/* SIGTERM and wait for a clean exit (deadline; SIGKILL after it); returns
 * the exit status, -1 when it did not exit in time or normally. */
int tu_server_stop(struct tu_server *s);
/* libcurl write callback appending to the struct tu_reply in ud (body stays
 * NUL-terminated). */
size_t tu_on_body(char *p, size_t sz, size_t n, void *ud);
/* One request to base_url+path, verifying against cafile. token NULL: no
 * Authorization; body NULL: no body; hdr: one extra header (may be NULL; a
 * Blippa-Protocol header replaces the default "Blippa-Protocol: 1"). */
struct tu_reply tu_http_req(const char *base_url, const char *cafile, const char *method,
			    const char *path, const char *token, const char *body, size_t body_len,
			    const char *hdr);

/* The test CA, the server's certificate and key, and an unrelated CA
 * (other_ca) under dir. */
struct tu_pki {
	char dir[1024];
	char ca[1100], cert[1100], key[1100], other_ca[1100];
};

/* Runs `sh script tmp/pki` (make-test-ca.sh) and fills p with its paths. */
void tu_pki_make(struct tu_pki *p, const char *script, const char *tmp);
/* The region database: BLIPPA_PG_URI when set (the *_pg variants under
 * pg_harness.sh), else tmp/region.db. */
void tu_region_db(char *db, size_t len, const char *tmp);
/* tu_run_v with the NULL-terminated const char * args after err. */
int tu_run(const char *bin, const char *workdir, const char *in, char **out, char **err, ...);
/* Sets BLIPPA_CLOCK_OFFSET_MS so that a child started now sees now_ms. */
void tu_clock_env(int64_t now_ms);
/* tu_server_start (TLS) with the server's clock at now_ms; the offset is
 * not left in this process's environment. */
void tu_server_start_at(struct tu_server *s, const char *const *argv, int64_t now_ms);

/* ---- srv_testutil_pg.c */

/* The first column of the first row of sql (a count) on the PostgreSQL
 * database at uri. */
int64_t tu_pg_count(const char *uri, const char *sql);

/* ---- srv_testutil_events.c: generated kiosk events (cmocka asserts) */

#define TU_EV_BATCH 64	/* events per ingest call */
#define TU_EV_LIVE 1024 /* check-in ids kept for voids until n_live is reset */

/* A data set's event generator: set st (the address of the test's store
 * pointer, which may be reopened), kiosk (kiosk[fac] sends facility fac's
 * events), now_ms and seed; the rest starts at zero. */
struct tu_events {
	struct srv_store **st;
	const struct srv_kiosk *kiosk;
	int64_t now_ms;
	uint32_t seed;
	unsigned ev_no;
	size_t n_batch, n_live;
	struct protocol_event batch[TU_EV_BATCH];
	char live[TU_EV_LIVE][40];
};

/* The next number in [0, n) of the fixed-seed generator. */
uint32_t tu_ev_rnd(struct tu_events *ev, uint32_t n);
/* Queues a check-in (random method, at now_ms minus 900-1000 s); returns
 * its id, valid until ev->n_live is reset. A full batch is sent. */
const char *tu_ev_checkin(struct tu_events *ev, int fac, const char *sid, const char *pid);
/* Queues a void of the event target (a full batch is sent). */
void tu_ev_void(struct tu_events *ev, int fac, const char *target);
/* Sends the queued events as kiosk[fac]; every one must be accepted. */
void tu_ev_flush(struct tu_events *ev, int fac);

#endif
