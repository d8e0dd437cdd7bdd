/* SPDX-License-Identifier: MIT */
/* The retention, participant-rights and audit commands of blippa-server
 * (docs/privacy.md): purge, participant-report, erase-participant and
 * audit. main.c parses the options; these do the work, record it in the
 * audit trail, print errors on stderr as "blippa-server CMD: ..." and
 * return the exit status. */
#ifndef BLIPPA_RIGHTS_CMD_H
#define BLIPPA_RIGHTS_CMD_H

#include <stdbool.h>

#include "srv_store.h"

struct rights_cmd_opts {
	const char *cmd, *db, *db_shown;
	const char *before;	 /* purge --before DATE */
	const char *keep_days;	 /* purge --keep-days N */
	bool dry_run;		 /* purge --dry-run */
	const char *participant; /* --participant */
	const char *format;	 /* participant-report --format text|json */
	/* audit filters */
	const char *user, *action, *from, *to, *group;
};

int rights_cmd_purge(const struct rights_cmd_opts *o);
int rights_cmd_report(const struct rights_cmd_opts *o);
int rights_cmd_erase(const struct rights_cmd_opts *o);
int rights_cmd_audit(const struct rights_cmd_opts *o);

/* The configured retention of `serve --retention-days N`: purges what is
 * older than N days (UTC date of today - N) and records it in the audit
 * trail as actor "retention". Logs the outcome; returns the store's result. */
enum blippa_err rights_retention(struct srv_store *st, unsigned days);

#endif
