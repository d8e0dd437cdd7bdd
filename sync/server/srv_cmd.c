/* SPDX-License-Identifier: MIT */
/* The error line, store opening and store error message of the admin
 * commands (srv_cmd.h). */
#include "srv_cmd.h"

#include <stdio.h>
#include <stdlib.h>

int srv_cmd_vfail(const char *cmd, const char *fmt, va_list ap)
{
	fprintf(stderr, "blippa-server %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	return EXIT_FAILURE;
}

int srv_cmd_fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = srv_cmd_vfail(cmd, fmt, ap);
	va_end(ap);
	return rc;
}

int srv_cmd_open_store(const char *cmd, const char *db, bool create, struct srv_store **st)
{
	char err[512];
	enum blippa_err rc = srv_store_open(db, create, st, err, sizeof(err));
	return rc == BLIPPA_OK ? EXIT_SUCCESS : srv_cmd_fail(cmd, "%s", err);
}

int srv_cmd_store_fail(const char *cmd, const char *db_shown, enum blippa_err rc,
		       const char *no_what)
{
	if (rc == BLIPPA_ERR_CONFIG)
		return srv_cmd_fail(cmd, "%s: this storage backend has no %s", db_shown, no_what);
	return srv_cmd_fail(cmd, "%s: %s", db_shown, blippa_strerror(rc));
}
