/* SPDX-License-Identifier: MIT */
/* Private to the back-office: the region-operations pages (issue 16) —
 * fleet health (web_kiosks.c), GET /metrics (web_metrics.c), roster import
 * in the browser (web_import.c, web_import_diff.c), leader PINs
 * (web_leaders.c) — and the one hook every staff action of theirs reports
 * to (web_audit). Included by web_int.h. */
#ifndef BLIPPA_WEB_OPS_H
#define BLIPPA_WEB_OPS_H

#include "audit.h"

struct web;
struct web_ctx;
struct web_request;
struct web_response;

/* Sv or en text by the page's language. */
#define L(c, sv, en) ((c)->lang == WEB_EN ? (en) : (sv))

/* The audit hook: one call per staff action of these pages, by the
 * signed-in account. action is one of the audit trail's codes
 * (WEB_AUDIT_*, the same as audit.h's), facility_id the facility concerned
 * or NULL, detail a short text of ids and counts ("kiosk k-1a2b3c4d"),
 * never a name, token or PIN. It records one row in the audit trail
 * (audit.h) after the action succeeded; a failure to record is logged by
 * srv_audit. */
#define WEB_AUDIT_KIOSK_ADD AUDIT_KIOSK_ADD
#define WEB_AUDIT_KIOSK_REVOKE AUDIT_KIOSK_REVOKE
#define WEB_AUDIT_PIN_SET AUDIT_PIN_SET
#define WEB_AUDIT_IMPORT AUDIT_IMPORT
void web_audit(struct web_ctx *c, const char *action, const char *facility_id, const char *detail);

/* ---- web_kiosks.c ---- */
void web_page_kiosks(struct web_ctx *c);
void web_post_kiosk_add(struct web_ctx *c);			     /* POST /kiosks */
void web_post_kiosk_revoke(struct web_ctx *c, const char *kiosk_id); /* POST /kiosks/ID/revoke */

/* ---- web_metrics.c ---- */
/* GET /metrics: no session, its own bearer token. */
void web_metrics(struct web *w, const struct web_request *req, struct web_response *resp);

/* ---- web_import.c ---- */
void web_page_import(struct web_ctx *c);       /* GET /import */
void web_post_import(struct web_ctx *c);       /* POST /import: upload, dry run */
void web_post_import_apply(struct web_ctx *c); /* POST /import/apply */
void web_import_stash_free(struct web *w);     /* web_free */
/* A form field of a multipart or urlencoded POST into out; false if absent
 * or too long. */
bool web_field(const struct web_ctx *c, const char *name, char *out, size_t outlen);

/* ---- web_import_diff.c ---- */
/* What an import would change, per table, counted against the facility
 * snapshots now in the store. Participants (and their cards) count only
 * when they are a member of some group (that is what a snapshot holds);
 * cards count only where the files name one (a card linked at a kiosk is
 * kept by the import). The exact "anything at all?" is the store's dry
 * run (srv_import.dry_run); this is the explanation shown beside it. */
enum web_diff_table {
	WD_FACILITIES,
	WD_GROUPS,
	WD_SESSIONS,
	WD_PARTICIPANTS,
	WD_MEMBERS,
	WD_LEADERS,
	WD_CARDS,
	WD_TABLES
};
struct web_diff {
	long added[WD_TABLES], removed[WD_TABLES], changed[WD_TABLES];
};
enum blippa_err web_import_diff(struct srv_store *st, const struct srv_import *imp,
				struct web_diff *out);

/* ---- web_leaders.c ---- */
void web_page_leaders(struct web_ctx *c);			    /* GET /leaders */
void web_post_leader_pin(struct web_ctx *c, const char *leader_id); /* POST /leaders/ID/pin */

#endif
