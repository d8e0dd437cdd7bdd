/* SPDX-License-Identifier: MIT */
/* The audit trail (docs/privacy.md): an append-only record of who did what,
 * when, in the region database (table audit, SQLite schema v6 /
 * PostgreSQL v6; both refuse UPDATE and DELETE with a trigger, and no code
 * here has a path that changes or removes a row).
 *
 * Any part of the server records an action with one line:
 *
 *   SRV_AUDIT(store, "cli", AUDIT_EXPORT, .facility_id = f, .detail = "csv");
 *
 * The actor is a staff account name, "cli" for a command on the server, or
 * "" for a failed login whose name is no account. Subjects are ids only
 * (facility, group, session, participant), the address only for logins;
 * detail is a short text of ids, counts or filters. Never a password, a
 * token, a card UID or a name goes in. */
#ifndef BLIPPA_AUDIT_H
#define BLIPPA_AUDIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "srv_store.h"

/* Action codes (stable: they are in the CSV download). */
#define AUDIT_LOGIN "login"
#define AUDIT_LOGIN_FAILED "login_failed"
#define AUDIT_LOGOUT "logout"
#define AUDIT_VIEW_GROUP "view_group"
#define AUDIT_VIEW_PARTICIPANT "view_participant"
#define AUDIT_CORRECT "correct"
#define AUDIT_EXPORT "export"
#define AUDIT_USER_ADD "user_add"
#define AUDIT_USER_PASSWORD "user_password"
#define AUDIT_USER_REMOVE "user_remove"
#define AUDIT_KIOSK_ADD "kiosk_add"
#define AUDIT_KIOSK_REVOKE "kiosk_revoke"
#define AUDIT_PIN_SET "pin_set"
#define AUDIT_IMPORT "import"
#define AUDIT_PURGE "purge"
#define AUDIT_ERASE "erase"
#define AUDIT_REPORT "report"
#define AUDIT_VIEW_AUDIT "view_audit"
#define AUDIT_EXPORT_AUDIT "export_audit"

#define AUDIT_ACTOR_CLI "cli"
#define AUDIT_DETAIL_MAX 200

/* What an action was about; every field may be NULL or "" (stored as NULL). */
struct srv_audit_subject {
	const char *facility_id, *group_id, *session_id, *participant_id;
	const char *address; /* client address: logins only */
	const char *detail;  /* ids, counts, filters; cut at AUDIT_DETAIL_MAX bytes */
};

/* Appends one row stamped now (clock_wall_ms). On failure the error is
 * logged and returned: a caller about to show personal data should then
 * not show it. */
enum blippa_err srv_audit(struct srv_store *st, const char *actor, const char *action,
			  const struct srv_audit_subject *subj);
#define SRV_AUDIT(st, actor, action, ...)                                                          \
	srv_audit((st), (actor), (action), &(struct srv_audit_subject){__VA_ARGS__})

/* One stored row (strings "" when NULL). */
struct srv_audit_row {
	int64_t id, at_ms;
	const char *actor, *action, *facility_id, *group_id, *session_id, *participant_id;
	const char *address, *detail;
};
typedef int (*srv_audit_fn)(void *ctx, const struct srv_audit_row *row); /* non-0 stops */

/* Filters of srv_audit_list; NULL / 0 fields do not filter. */
struct srv_audit_filter {
	const char *actor, *action, *participant_id, *group_id;
	const char *from_date, *to_date; /* "YYYY-MM-DD" (UTC), both inclusive */
	long limit;			 /* newest rows first; 0: no limit */
};

/* Calls fn per matching row, newest first. BLIPPA_ERR_INVALID if a date is
 * not YYYY-MM-DD. */
enum blippa_err srv_audit_list(struct srv_store *st, const struct srv_audit_filter *f,
			       srv_audit_fn fn, void *ctx);

#define AUDIT_CSV_HEADER                                                                           \
	"at_utc,actor,action,facility_id,group_id,session_id,participant_id,address,detail"
/* "YYYY-MM-DD HH:MM:SS" in UTC. */
void audit_time(int64_t ms, char out[24]);
/* The header and the rows matching f as CSV (cells as the export's:
 * spreadsheet formulas defused). BLIPPA_ERR_IO if out fails. */
enum blippa_err audit_write_csv(struct srv_store *st, const struct srv_audit_filter *f, FILE *out);

#endif
