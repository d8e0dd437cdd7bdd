/* SPDX-License-Identifier: MIT */
/* The admin commands of blippa-server (admin_cmd.c), run by main.c after it
 * has parsed the command line into struct cmd_opts: each returns the exit
 * status (0 success, 1 failure) and reports errors on stderr as
 * "blippa-server CMD: what went wrong" with CMD from srv_cur_cmd. */
#ifndef BLIPPA_ADMIN_CMD_H
#define BLIPPA_ADMIN_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "srv_store.h"

struct cmd_opts {
	const char *db, *facility, *name, *leader, *kiosk, *listen, *cert, *key;
	const char *from, *to, *output;
	const char *include;	 /* export: "open-training" */
	const char *user, *role; /* add-user & co. (users_cmd.c) */
	const char *before, *keep_days, *participant, *action, *group; /* rights_cmd.c */
	const char *format;
	bool dry_run;
	unsigned retention_days;			 /* serve --retention-days (0: none) */
	const char *facilities[SRV_USER_FACILITIES_MAX]; /* every --facility */
	size_t n_facilities;
	unsigned session_idle; /* serve --session-idle seconds (0: web.h default) */
	unsigned stale_after;  /* --stale-after seconds (0: FLEET_STALE_DEFAULT_S) */
	const char *metrics_token_file, *metrics_token_hash; /* serve: GET /metrics */
	unsigned threads;
	unsigned per_ip_limit; /* 0: the default of http.c */
	char db_shown[512];    /* --db as printed: a PostgreSQL URI without credentials */
	int argc;	       /* positional arguments left */
	char **argv;
};

/* The running command's name for messages (main.c sets it). */
extern const char *srv_cur_cmd;

/* A PostgreSQL URI may carry a password (user:pw@host, ?password=): out
 * gets only scheme, host and database. A SQLite path is given as it is. */
void db_label(const char *db, char *out, size_t outlen);

int cmd_init(const struct cmd_opts *o);
int cmd_import(const struct cmd_opts *o);
int cmd_add_kiosk(const struct cmd_opts *o);
int cmd_list_kiosks(const struct cmd_opts *o);
int cmd_revoke_kiosk(const struct cmd_opts *o);
int cmd_set_pin(const struct cmd_opts *o);
int cmd_serve(const struct cmd_opts *o);
int cmd_export(const struct cmd_opts *o);
int cmd_purge(const struct cmd_opts *o);
int cmd_report(const struct cmd_opts *o);
int cmd_erase(const struct cmd_opts *o);
int cmd_audit(const struct cmd_opts *o);
int cmd_add_user(const struct cmd_opts *o);
int cmd_set_password(const struct cmd_opts *o);
int cmd_list_users(const struct cmd_opts *o);
int cmd_remove_user(const struct cmd_opts *o);

#endif
