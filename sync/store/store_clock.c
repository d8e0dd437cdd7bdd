/* SPDX-License-Identifier: MIT */
/* The kiosk's clock is not to be trusted (issue 13): mini PCs and
 * Raspberry Pis without a real-time clock restart at the last shutdown time
 * until the network is back. At every heartbeat the sync engine records the
 * region server's time together with the monotonic clock of this boot
 * (meta "clock_ref" = "BOOT_ID SERVER_MS MONO_MS"); from it any thread of the
 * kiosk can tell the server's time now, whatever the wall clock did since.
 * When the wall clock is more than STORE_CLOCK_TRUST_MS off, check-ins use
 * the corrected time (session resolution and the event's time) and keep the
 * device's own time beside it (events.device_ms). A reference from an
 * earlier boot is useless (the monotonic clock restarted) and is ignored. */
#include "store_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLOCK_REF_KEY "clock_ref"

/* When this file was built (CMake, honours SOURCE_DATE_EPOCH): a wall clock
 * before it is certainly wrong. */
#ifndef BLIPPA_BUILD_EPOCH_S
#define BLIPPA_BUILD_EPOCH_S 0
#endif

static const char sql_newest[] = "SELECT at_ms FROM events ORDER BY seq DESC LIMIT 1";
static const char sql_any_unsure[] =
    "SELECT EXISTS(SELECT 1 FROM events WHERE sync = 0 AND clock_unsure = 1)";
static const char sql_unsure[] = "SELECT id, at_ms, mono_ms FROM events WHERE sync = 0"
				 " AND clock_unsure = 1 AND device_ms IS NULL AND boot_id = ?"
				 " AND mono_ms IS NOT NULL ORDER BY seq";
static const char sql_fix[] = "UPDATE events SET at_ms = ?, device_ms = ? WHERE id = ?";

/* The time of the newest event (0 if none). */
static int64_t newest_event_ms(struct store *st)
{
	sqlite3_stmt *s = store_prep(st, sql_newest);
	int64_t v = 0;

	if (s && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	if (s)
		sqlite3_reset(s);
	return v;
}

void store_boot_id(char out[40])
{
	const char *env = getenv("BLIPPA_BOOT_ID"); /* tests: "a reboot" */
	FILE *f = env && *env ? NULL : fopen("/proc/sys/kernel/random/boot_id", "r");
	size_t n = 0;

	if (env && *env) {
		snprintf(out, 40, "%.39s", env);
		return;
	}
	if (f) {
		n = fread(out, 1, 39, f);
		fclose(f);
	}
	out[n] = '\0';
	out[strcspn(out, " \r\n")] = '\0';
	if (!out[0])
		snprintf(out, 40, "-");
}

enum blippa_err store_clock_learn(struct store *st, int64_t server_ms, int64_t mono_ms)
{
	char id[40], v[96];

	if (server_ms <= 0 || mono_ms < 0)
		return BLIPPA_ERR_INVALID;
	store_boot_id(id);
	snprintf(v, sizeof v, "%s %" PRId64 " %" PRId64, id, server_ms, mono_ms);
	return store_meta_set(st, CLOCK_REF_KEY, v);
}

enum blippa_err store_clock_resolve(struct store *st, int64_t device_ms, int64_t mono_ms,
				    struct store_time *out)
{
	char v[96] = "", id[40], ref_id[40];
	long long server = 0, mono = 0;
	enum blippa_err rc;

	memset(out, 0, sizeof *out);
	out->at_ms = out->device_ms = device_ms;
	rc = store_meta_get(st, CLOCK_REF_KEY, v, sizeof v);
	if (rc && rc != BLIPPA_ERR_NOT_FOUND)
		return rc;
	store_boot_id(id);
	if (rc == BLIPPA_ERR_NOT_FOUND ||
	    sscanf(v, "%39s %lld %lld", ref_id, &server, &mono) != 3 || strcmp(ref_id, id) != 0 ||
	    server <= 0 || mono_ms < mono) {
		/* another boot's reference, or none: not known */
		out->unsure = !store_clock_plausible(device_ms) ||
			      device_ms < (int64_t)BLIPPA_BUILD_EPOCH_S * 1000 ||
			      device_ms < newest_event_ms(st) - STORE_CLOCK_TRUST_MS;
		return BLIPPA_OK;
	}
	out->known = true;
	out->skew_ms = (int64_t)server + (mono_ms - (int64_t)mono) - device_ms;
	if (out->skew_ms > STORE_CLOCK_TRUST_MS || out->skew_ms < -STORE_CLOCK_TRUST_MS) {
		out->corrected = true;
		out->at_ms = device_ms + out->skew_ms;
	}
	return BLIPPA_OK;
}

bool store_clock_unsure_pending(struct store *st)
{
	sqlite3_stmt *s = store_prep(st, sql_any_unsure);
	bool any = false;

	if (s && sqlite3_step(s) == SQLITE_ROW)
		any = sqlite3_column_int(s, 0) != 0;
	if (s)
		sqlite3_reset(s);
	return any;
}

enum blippa_err store_clock_fix_pending(struct store *st, size_t *n)
{
	char v[96] = "", id[40], ref_id[40], eid[UUID_STR_LEN];
	long long server = 0, mono = 0;
	sqlite3_stmt *s, *u;
	enum blippa_err rc;
	int src;

	*n = 0;
	if (store_meta_get(st, CLOCK_REF_KEY, v, sizeof v) != BLIPPA_OK)
		return BLIPPA_OK;
	store_boot_id(id);
	if (sscanf(v, "%39s %lld %lld", ref_id, &server, &mono) != 3 || strcmp(ref_id, id) != 0)
		return BLIPPA_OK;
	if ((rc = store_begin(st)))
		return rc;
	if (!(s = store_prep(st, sql_unsure))) {
		rc = BLIPPA_ERR_IO;
		goto out;
	}
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t at = sqlite3_column_int64(s, 1), m = sqlite3_column_int64(s, 2);
		int64_t fixed = (int64_t)server + (m - (int64_t)mono);
		store_col_text(s, 0, eid, sizeof eid);
		if (fixed <= 0)
			continue;
		/* a statement of its own: s is still stepping */
		if (sqlite3_prepare_v2(st->db, sql_fix, -1, &u, NULL) != SQLITE_OK) {
			rc = BLIPPA_ERR_IO;
			break;
		}
		sqlite3_bind_int64(u, 1, fixed);
		sqlite3_bind_int64(u, 2, at);
		sqlite3_bind_text(u, 3, eid, -1, SQLITE_STATIC);
		rc = store_err_from_sqlite(sqlite3_step(u));
		sqlite3_finalize(u);
		if (rc)
			break;
		(*n)++;
	}
	sqlite3_reset(s);
	if (rc == BLIPPA_OK && src != SQLITE_DONE && src != SQLITE_ROW)
		rc = store_err_from_sqlite(src);
	if (rc == BLIPPA_OK)
		rc = store_commit(st);
out:
	store_rollback(st);
	if (rc)
		*n = 0;
	return rc;
}
