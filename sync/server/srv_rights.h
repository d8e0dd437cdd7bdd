/* SPDX-License-Identifier: MIT */
/* Retention and the participant's rights (docs/privacy.md): purge of old
 * attendance, the register extract of one participant (GDPR art. 15) and
 * the erasure of one participant (art. 17). Written once in the portable
 * SQL of srv_store_sql, so SQLite and PostgreSQL give the same answers.
 * The callers (rights_cmd.c) record each in the audit trail. */
#ifndef BLIPPA_SRV_RIGHTS_H
#define BLIPPA_SRV_RIGHTS_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"
#include "srv_store.h"

#define SRV_ANON_PREFIX "anon-"

struct srv_purge_stats {
	long events;	  /* check-ins, voids and card links removed */
	long corrections; /* correction reasons removed */
};

/* Removes every event and correction stamped before before_date 00:00 in
 * its facility's time zone (UTC for a facility no longer in the roster),
 * every check-in voided before then, and voids left without their check-in;
 * one transaction. With dry_run the same statements run and are rolled
 * back, so the counts are exactly what a real purge removes at that moment.
 * BLIPPA_ERR_INVALID if before_date is not YYYY-MM-DD. The audit trail and
 * the roster are not touched. */
enum blippa_err srv_purge(struct srv_store *st, const char *before_date, bool dry_run,
			  struct srv_purge_stats *out);

/* Writes the register extract of participant pid to out as plain text with
 * Swedish headings (json: one JSON object, the same sections as arrays): roster data, memberships,
 * whether a card is registered (never its UID), every check-in and card link with its time,
 * corrections, and the audit rows of staff who viewed or changed them. Nothing about any other
 * participant. BLIPPA_ERR_NOT_FOUND if the database holds nothing about pid; BLIPPA_ERR_IO if out
 * fails. */
enum blippa_err srv_participant_report(struct srv_store *st, const char *pid, bool json, FILE *out);

struct srv_erase_stats {
	char anon_id[SRV_ID_MAX + 1]; /* "anon-" + 16 random hex digits */
	long events, corrections, memberships, cards;
};

/* Erases participant pid in one transaction: name row, memberships and
 * cards deleted; their events and corrections keep their times, sessions
 * and methods under a new random pseudonym (out->anon_id, stored nowhere
 * else), card UIDs in events and correction reasons are blanked; the roster
 * version grows so kiosks drop them at the next sync; then the back-office
 * summary is rebuilt (it counts current members). BLIPPA_ERR_NOT_FOUND
 * if nothing is held about pid. The audit trail is not touched. */
enum blippa_err srv_erase_participant(struct srv_store *st, const char *pid,
				      struct srv_erase_stats *out);

#endif
