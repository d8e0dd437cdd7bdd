/* SPDX-License-Identifier: MIT */
/* Helpers shared by the sync integration tests (tests/integration/
 * test_sync.c, test_sync_cli.c): running a program and catching its output,
 * the real blippa-server started and stopped, a kiosk directory with config
 * and token file, an engine opened on it, counting rows with SQLite, and the
 * group fixture (test CA, roster whose session S1 is happening now, the
 * HTTPS server, kiosk token). Failures fail the running cmocka test. */
#ifndef BLIPPA_SYNC_TESTUTIL_H
#define BLIPPA_SYNC_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ZONE "Europe/Stockholm"

struct sync_engine;

struct stu_server {
	pid_t pid;
	int port;
};

/* What stu_setup made for the whole run. */
struct stu_fixture {
	char base[64];	       /* temp dir of the whole run */
	char pki[128];	       /* test CA, server and other-CA certificates */
	char ca[192];	       /* pki/ca.pem: the CA the kiosks trust */
	char sdb[160];	       /* server DB for the HTTPS tests */
	char token_a[80];      /* token of kiosk "Kiosk A" (facility F1) */
	struct stu_server srv; /* blippa-server over HTTPS on sdb */
};

extern struct stu_fixture stu;

/* Runs argv, returns its exit status (-1: killed); stdout into *out and
 * stderr into *errout (malloc'd, never NULL; either pointer may be NULL to
 * drop that stream). */
int stu_run(char *const argv[], char **out, char **errout);
/* stu_run that fails the test unless argv exits 0 (stderr in the message). */
void stu_run_ok(char *const argv[], char **out);
/* Starts `blippa-server serve --db db` on 127.0.0.1 (HTTPS with the test
 * CA's server certificate if tls) and waits for its "listening on ...:PORT". */
void stu_server_start(struct stu_server *s, const char *db, bool tls);
/* SIGTERM and wait; no-op if not running. */
void stu_server_stop(struct stu_server *s);
/* Writes text into path with the given mode. */
void stu_write_file(const char *path, const char *text, mode_t mode);
/* Facility-local date (YYYY-MM-DD) and time (HH:MM) of ms in ZONE. */
void stu_local(int64_t ms, char date[11], char hhmm[6]);
/* A kiosk config at ini: data_dir, server url, the token file in tokdir,
 * ca_file (may be ""), reader none. */
void stu_write_ini(const char *ini, const char *data_dir, const char *url, const char *tokdir,
		   const char *ca);
/* A kiosk directory base/name (created) with token file and kiosk.ini for
 * https://127.0.0.1:port; dir and ini receive the paths. */
void stu_make_kiosk(const char *name, const char *token, const char *ca, int port, char *dir,
		    size_t dirlen, char *ini, size_t inilen);
/* An engine on data_dir dir against https://127.0.0.1:port. */
struct sync_engine *stu_engine_for(const char *dir, const char *token, const char *ca, int port);
/* The first column of the first row of sql on db opened read-only (-1: no
 * row). */
int64_t stu_sql_count(const char *db, const char *sql);

/* cmocka group fixture: fills stu (temp dir, test CA, server DB with the
 * roster F1/F2, S1 and S2 happening now, kiosk A) and starts the HTTPS
 * server. */
int stu_setup(void **state);
/* Stops the server and removes the temp dir. */
int stu_teardown(void **state);

#endif
