/* SPDX-License-Identifier: MIT */
/* blippa-sync: one-shot sync and diagnosis for a kiosk's database
 * (docs/sync.md). `once` runs one full round (push, pull, heartbeat) under the
 * same lock as the kiosk's sync thread; `status` only reads the store.
 * Exit codes: 0 ok, 1 sync incomplete/failed, 2 usage or config error. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "engine.h"
#include "fsutil.h"
#include "log.h"
#include "store.h"

#ifndef PROJECT_VERSION
#define PROJECT_VERSION "0.0.0"
#endif

#define DEFAULT_CONFIG "/etc/blippa/kiosk.ini"
#define LOCK_WAIT_MS (120 * 1000) /* a kiosk round in progress finishes first */

static void usage(FILE *f)
{
	fprintf(f, "Usage: blippa-sync [--config FILE] once|status\n"
		   "\n"
		   "  once     one full sync: push waiting check-ins, pull the roster,\n"
		   "           send a heartbeat. Exit 0 only if everything pending was\n"
		   "           delivered or definitively rejected by the server.\n"
		   "           Creates the database if data_dir has none yet (and says so).\n"
		   "  status   show waiting events, the oldest one, last sync, last error.\n"
		   "           Reads an existing database only: exit 1 if there is none.\n"
		   "\n"
		   "Options:\n"
		   "  --config FILE  kiosk config (default " DEFAULT_CONFIG ")\n"
		   "  --help         this text\n"
		   "\n"
		   "Safe to run while the kiosk runs: the two never sync at the same time\n"
		   "(lock <data_dir>/sync.lock). Exit: 0 ok, 1 sync failed or incomplete,\n"
		   "2 usage or configuration error.\n");
}

static void fmt_time(int64_t ms, char *out, size_t outlen)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (ms <= 0 || !gmtime_r(&t, &tm)) {
		snprintf(out, outlen, "never");
		return;
	}
	strftime(out, outlen, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void fmt_age(int64_t ms, char *out, size_t outlen)
{
	int64_t s = ms / 1000;
	if (s < 120)
		snprintf(out, outlen, "%" PRId64 " s", s);
	else if (s < 7200)
		snprintf(out, outlen, "%" PRId64 " min", s / 60);
	else if (s < 2 * 86400)
		snprintf(out, outlen, "%" PRId64 " h", s / 3600);
	else
		snprintf(out, outlen, "%" PRId64 " days", s / 86400);
}

static int cmd_status(const struct blippa_config *cfg)
{
	struct store *st = NULL;
	struct store_sync_status s;
	struct store_rejected rej[20];
	size_t nrej = 0;
	char err[256], t1[40], t2[40], age[32], kiosk_id[80];
	int64_t now = clock_wall_ms();
	struct store_rules rules;
	int ret = 1;

	store_rules_default(&rules);
	/* only an existing database: a wrong data_dir must not show up as a
	 * new, empty one ("pending events: 0") */
	if (store_open_existing(cfg->data_dir, &rules, &st, err, sizeof err) != BLIPPA_OK) {
		fprintf(stderr, "blippa-sync: %s\n", err);
		return 1;
	}
	if (store_get_sync_status(st, &s) != BLIPPA_OK) {
		fprintf(stderr, "blippa-sync: cannot read the sync status\n");
		goto out;
	}
	printf("server:            %s\n",
	       cfg->server_url[0] ? cfg->server_url : "(none: sync off)");
	if (store_meta_get(st, "kiosk_id", kiosk_id, sizeof kiosk_id) != BLIPPA_OK)
		kiosk_id[0] = '\0';
	printf("kiosk id:          %s\n", kiosk_id[0] ? kiosk_id : "(not known yet)");
	printf("pending events:    %" PRId64 "\n", s.pending);
	if (s.pending > 0 && s.oldest_pending_ms > 0) {
		fmt_time(s.oldest_pending_ms, t1, sizeof t1);
		fmt_age(now - s.oldest_pending_ms, age, sizeof age);
		printf("oldest pending:    %s (%s ago)\n", t1, age);
	} else {
		printf("oldest pending:    -\n");
	}
	printf("rejected events:   %" PRId64 "\n", s.rejected);
	fmt_time(s.last_success_ms, t1, sizeof t1);
	fmt_time(s.last_attempt_ms, t2, sizeof t2);
	printf("last sync:         %s\n", t1);
	printf("last attempt:      %s\n", t2);
	printf("last error:        %s\n", s.last_error[0] ? s.last_error : "-");
	printf("server reachable:  %s\n", s.server_reachable ? "yes" : "no");
	printf("authorised:        %s\n", s.unauthorised ? "NO (kiosk not authorised)" : "yes");
	printf("clock skew:        %+" PRId64 " ms (server - kiosk)\n", s.skew_ms);
	if (s.rejected > 0 &&
	    store_rejected_events(st, rej, sizeof rej / sizeof rej[0], &nrej) == BLIPPA_OK) {
		printf("rejected (newest %zu): event id, time, reason\n", nrej);
		for (size_t i = 0; i < nrej; i++) {
			fmt_time(rej[i].at_ms, t1, sizeof t1);
			printf("  %s  %s  %s\n", rej[i].event_id, t1, rej[i].reason);
		}
	}
	ret = 0;
out:
	store_close(st);
	return ret;
}

static int cmd_once(const struct blippa_config *cfg)
{
	struct sync_engine *e = NULL;
	struct sync_report rep;
	struct store_rules rules;
	char err[256], dbpath[4200];
	struct stat sb;
	enum blippa_err rc;
	int ret = 1;

	if (!cfg->server_url[0]) {
		fprintf(stderr, "blippa-sync: %s: no [server] url: sync is off\n", cfg->path);
		return 2;
	}
	/* `once` may create the database (a kiosk set up but not started yet
	 * gets its roster), but says so: a typo in data_dir is then visible */
	if (fs_join(dbpath, sizeof dbpath, cfg->data_dir, "blippa.db") == BLIPPA_OK &&
	    stat(dbpath, &sb) != 0)
		fprintf(stderr, "blippa-sync: note: %s did not exist; creating a new database\n",
			dbpath);
	store_rules_from_config(&rules, cfg);
	struct sync_options o = {.server_url = cfg->server_url,
				 /* config_load demands it with a url; read (and checked)
				  * by the engine, as in the kiosk */
				 .token_file = cfg->token_file,
				 .ca_file = cfg->ca_file,
				 .data_dir = cfg->data_dir,
				 .rules = &rules,
				 .retention_days = cfg->retention_days};
	rc = sync_engine_open(&o, &e, err, sizeof err);
	if (rc != BLIPPA_OK) {
		fprintf(stderr, "blippa-sync: %s\n", err);
		return rc == BLIPPA_ERR_CONFIG ? 2 : 1;
	}
	rc = sync_engine_round(e, LOCK_WAIT_MS, &rep);
	printf("sent %zu events: %zu accepted, %zu duplicate, %zu rejected\n", rep.sent,
	       rep.accepted, rep.duplicate, rep.rejected);
	printf("roster: %s\n", rep.pull != BLIPPA_OK ? "not updated (error)"
			       : rep.roster_updated  ? "updated"
						     : "unchanged");
	printf("pending: %" PRId64 "\n", rep.pending);
	if (rc != BLIPPA_OK || rep.pending > 0) {
		fprintf(stderr, "blippa-sync: %s\n",
			rep.error[0] ? rep.error : "events are still waiting to be sent");
		goto out;
	}
	if (rep.heartbeat != BLIPPA_OK)
		fprintf(stderr, "blippa-sync: warning: %s\n", rep.error);
	ret = 0;
out:
	sync_engine_close(e);
	return ret;
}

int main(int argc, char **argv)
{
	const char *config = DEFAULT_CONFIG, *cmd = NULL;
	struct blippa_config cfg;
	char err[512];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("blippa-sync %s\n", PROJECT_VERSION);
			return 0;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			config = argv[++i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			config = argv[i] + 9;
		} else if (argv[i][0] != '-' && !cmd) {
			cmd = argv[i];
		} else {
			fprintf(stderr, "blippa-sync: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (!cmd || (strcmp(cmd, "once") != 0 && strcmp(cmd, "status") != 0)) {
		fprintf(stderr, "blippa-sync: say 'once' or 'status'\n");
		usage(stderr);
		return 2;
	}
	if (config_load(config, &cfg, err, sizeof err) != BLIPPA_OK) {
		fprintf(stderr, "blippa-sync: %s\n", err);
		return 2;
	}
	return strcmp(cmd, "once") == 0 ? cmd_once(&cfg) : cmd_status(&cfg);
}
