/* SPDX-License-Identifier: MIT */
/* purge, participant-report, erase-participant, audit and the retention of
 * serve (rights_cmd.h). */
#include "rights_cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "clock.h"
#include "import.h"
#include "log.h"
#include "srv_rights.h"
#include "srv_cmd.h"

#define KEEP_DAYS_MAX 36500

static int fail(const struct rights_cmd_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail(const struct rights_cmd_opts *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = srv_cmd_vfail(o->cmd, fmt, ap);
	va_end(ap);
	return rc;
}

static int open_store(const struct rights_cmd_opts *o, struct srv_store **st)
{
	return srv_cmd_open_store(o->cmd, o->db, false, st);
}

static int store_fail(const struct rights_cmd_opts *o, enum blippa_err rc)
{
	return srv_cmd_store_fail(o->cmd, o->db_shown, rc, "audit trail");
}

/* What a read shows once the audit trail has recorded it (rc: the store's
 * answer to that): buf on stdout, or the error; nothing is shown that the
 * trail does not record. Returns the exit status. */
static int show_recorded(const struct rights_cmd_opts *o, enum blippa_err rc, const char *buf,
			 size_t len, const char *what)
{
	if (rc != BLIPPA_OK)
		return store_fail(o, rc);
	if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
		return fail(o, "cannot write %s", what);
	return EXIT_SUCCESS;
}

/* The UTC date days before now into out. */
static void date_days_ago(unsigned days, char out[11])
{
	time_t t = (time_t)(clock_wall_ms() / 1000) - (time_t)days * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static enum blippa_err purge_and_audit(struct srv_store *st, const char *actor, const char *date,
				       struct srv_purge_stats *ps)
{
	char detail[128];
	enum blippa_err rc = srv_purge(st, date, false, ps);
	if (rc != BLIPPA_OK)
		return rc;
	snprintf(detail, sizeof(detail), "before %s: %ld events, %ld corrections", date, ps->events,
		 ps->corrections);
	return SRV_AUDIT(st, actor, AUDIT_PURGE, .detail = detail);
}

int rights_cmd_purge(const struct rights_cmd_opts *o)
{
	struct srv_store *st = NULL;
	struct srv_purge_stats dry, done;
	char date[11];
	int ret = EXIT_FAILURE;
	if (!o->before == !o->keep_days)
		return fail(o, "give exactly one of --before DATE and --keep-days N");
	if (o->before) {
		if (!import_valid_date(o->before))
			return fail(o, "--before %s: expected a date YYYY-MM-DD", o->before);
		snprintf(date, sizeof(date), "%s", o->before);
	} else {
		char *end = NULL;
		long n = strtol(o->keep_days, &end, 10);
		if (!*o->keep_days || *end || n < 1 || n > KEEP_DAYS_MAX)
			return fail(o, "--keep-days: 1-%d", KEEP_DAYS_MAX);
		date_days_ago((unsigned)n, date);
	}
	if (open_store(o, &st) != EXIT_SUCCESS)
		goto out;
	enum blippa_err rc = srv_purge(st, date, true, &dry);
	if (rc != BLIPPA_OK) {
		store_fail(o, rc);
		goto out;
	}
	printf("dry run: %ld events and %ld corrections are older than %s\n", dry.events,
	       dry.corrections, date);
	if (o->dry_run) {
		printf("nothing removed (--dry-run)\n");
		ret = EXIT_SUCCESS;
		goto out;
	}
	rc = purge_and_audit(st, AUDIT_ACTOR_CLI, date, &done);
	if (rc != BLIPPA_OK) {
		store_fail(o, rc);
		goto out;
	}
	printf("removed %ld events and %ld corrections older than %s\n", done.events,
	       done.corrections, date);
	ret = EXIT_SUCCESS;
out:
	srv_store_close(st);
	return ret;
}

enum blippa_err rights_retention(struct srv_store *st, unsigned days)
{
	struct srv_purge_stats ps;
	char date[11];
	date_days_ago(days, date);
	enum blippa_err rc = purge_and_audit(st, "retention", date, &ps);
	if (rc == BLIPPA_OK)
		log_info("retention", "purged %ld events and %ld corrections older than %s",
			 ps.events, ps.corrections, date);
	else
		log_error("retention", "purge before %s failed: %s", date, blippa_strerror(rc));
	return rc;
}

static bool participant_ok(const struct rights_cmd_opts *o)
{
	if (import_valid_id(o->participant))
		return true;
	fail(o, "--participant: not a valid id");
	return false;
}

int rights_cmd_report(const struct rights_cmd_opts *o)
{
	struct srv_store *st = NULL;
	char *buf = NULL;
	size_t len = 0;
	int ret = EXIT_FAILURE;
	if (!participant_ok(o))
		return EXIT_FAILURE;
	if (o->format && strcmp(o->format, "json") != 0 && strcmp(o->format, "text") != 0)
		return fail(o, "--format %s: text or json", o->format);
	bool json = o->format && strcmp(o->format, "json") == 0;
	if (open_store(o, &st) != EXIT_SUCCESS)
		goto out;
	FILE *mem = open_memstream(&buf, &len);
	enum blippa_err rc =
	    mem ? srv_participant_report(st, o->participant, json, mem) : BLIPPA_ERR_NOMEM;
	if (mem && fclose(mem) != 0 && rc == BLIPPA_OK)
		rc = BLIPPA_ERR_NOMEM;
	if (rc == BLIPPA_ERR_NOT_FOUND) {
		fail(o, "the database holds nothing about participant %s", o->participant);
		goto out;
	}
	if (rc == BLIPPA_OK)
		rc = SRV_AUDIT(st, AUDIT_ACTOR_CLI, AUDIT_REPORT, .participant_id = o->participant);
	ret = show_recorded(o, rc, buf, len, "the report");
out:
	free(buf);
	srv_store_close(st);
	return ret;
}

int rights_cmd_erase(const struct rights_cmd_opts *o)
{
	struct srv_store *st = NULL;
	struct srv_erase_stats es;
	char detail[160];
	int ret = EXIT_FAILURE;
	if (!participant_ok(o))
		return EXIT_FAILURE;
	if (open_store(o, &st) != EXIT_SUCCESS)
		goto out;
	enum blippa_err rc = srv_erase_participant(st, o->participant, &es);
	if (rc == BLIPPA_ERR_NOT_FOUND) {
		fail(o, "the database holds nothing about participant %s", o->participant);
		goto out;
	}
	if (rc != BLIPPA_OK) {
		store_fail(o, rc);
		goto out;
	}
	snprintf(detail, sizeof(detail), "%ld events, %ld corrections, %ld memberships, %ld cards",
		 es.events, es.corrections, es.memberships, es.cards);
	if (SRV_AUDIT(st, AUDIT_ACTOR_CLI, AUDIT_ERASE, .participant_id = o->participant,
		      .detail = detail) != BLIPPA_OK)
		fail(o, "erased, but the audit trail could not record it");
	printf("participant %s erased: name, %ld memberships and %ld cards removed; %ld events "
	       "and %ld corrections kept under a pseudonym\n"
	       "remove %s from participants.csv and members.csv before the next import, or "
	       "it comes back as a new participant\n",
	       o->participant, es.memberships, es.cards, es.events, es.corrections, o->participant);
	ret = EXIT_SUCCESS;
out:
	srv_store_close(st);
	return ret;
}

int rights_cmd_audit(const struct rights_cmd_opts *o)
{
	struct srv_store *st = NULL;
	char *buf = NULL, detail[AUDIT_DETAIL_MAX + 1];
	size_t len = 0;
	int ret = EXIT_FAILURE;
	struct srv_audit_filter f = {.actor = o->user,
				     .action = o->action,
				     .participant_id = o->participant,
				     .group_id = o->group,
				     .from_date = o->from,
				     .to_date = o->to};
	if ((o->from && !import_valid_date(o->from)) || (o->to && !import_valid_date(o->to)))
		return fail(o, "--from/--to: expected a date YYYY-MM-DD");
	if (open_store(o, &st) != EXIT_SUCCESS)
		goto out;
	FILE *mem = open_memstream(&buf, &len);
	enum blippa_err rc = mem ? audit_write_csv(st, &f, mem) : BLIPPA_ERR_NOMEM;
	if (mem && fclose(mem) != 0 && rc == BLIPPA_OK)
		rc = BLIPPA_ERR_NOMEM;
	snprintf(detail, sizeof(detail), "user=%s action=%s from=%s to=%s participant=%s group=%s",
		 o->user ? o->user : "", o->action ? o->action : "", o->from ? o->from : "",
		 o->to ? o->to : "", o->participant ? o->participant : "",
		 o->group ? o->group : "");
	if (rc == BLIPPA_OK)
		rc = SRV_AUDIT(st, AUDIT_ACTOR_CLI, AUDIT_EXPORT_AUDIT, .detail = detail);
	ret = show_recorded(o, rc, buf, len, "the audit trail");
out:
	free(buf);
	srv_store_close(st);
	return ret;
}
