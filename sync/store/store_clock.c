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
#include <string.h>

#define CLOCK_REF_KEY "clock_ref"

/* This boot's id (Linux), or "-" where there is none. */
static void boot_id(char out[40])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	size_t n = 0;

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
	boot_id(id);
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
	if (rc == BLIPPA_ERR_NOT_FOUND)
		return BLIPPA_OK;
	if (rc)
		return rc;
	boot_id(id);
	if (sscanf(v, "%39s %lld %lld", ref_id, &server, &mono) != 3 || strcmp(ref_id, id) != 0 ||
	    server <= 0 || mono_ms < mono)
		return BLIPPA_OK; /* another boot's reference: not known */
	out->known = true;
	out->skew_ms = (int64_t)server + (mono_ms - (int64_t)mono) - device_ms;
	if (out->skew_ms > STORE_CLOCK_TRUST_MS || out->skew_ms < -STORE_CLOCK_TRUST_MS) {
		out->corrected = true;
		out->at_ms = device_ms + out->skew_ms;
	}
	return BLIPPA_OK;
}
