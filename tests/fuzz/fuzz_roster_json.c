/* SPDX-License-Identifier: MIT */
/* Fuzz harness for the kiosk side of protocol v1: the roster snapshot
 * decoder (protocol_decode_roster), plus the other bodies a kiosk reads from
 * the server (event results, heartbeat answer, error body). A roster that
 * decodes must validate, re-encode canonically, and decode again to the same
 * bytes (encode(decode(encode(x))) == encode(x)). Decoder error text must not
 * contain input values, only field paths (no personal data in logs).
 * A roster that decodes is also stored with store_replace_roster() in a
 * kiosk database (what the decoder accepts, the store must accept, or the
 * kiosk could never update its roster), then searched by name and tapped
 * with its first card. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "protocol.h"
#include "roster.h"
#include "store.h"

#define FZ_NOW_MS 1795428000000 /* 2026-11-23 09:20 UTC: a fixed "now" */

static struct store *fz_store; /* one kiosk database for all inputs */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct store_rules rules;
	char err[512];

	(void)argc;
	(void)argv;
	store_rules_default(&rules);
	if (store_open(fuzz_tmpdir(), &rules, &fz_store, err, sizeof err) != BLIPPA_OK) {
		fprintf(stderr, "fuzz_roster_json: %s\n", err);
		abort();
	}
	return 0;
}

/* Stores r, then uses it the way the kiosk does. */
static void fuzz_store_use(const struct roster *r)
{
	struct search_hit hits[8];
	struct checkin_result res;
	char err[256], prefix[8];
	size_t n = 0;
	enum blippa_err rc;

	rc = store_replace_roster(fz_store, r, err, sizeof err);
	if (rc == BLIPPA_ERR_BUSY || rc == BLIPPA_ERR_NOMEM)
		return;
	if (rc != BLIPPA_OK) {
		fprintf(stderr, "decoded roster rejected by the store: %s\n", err);
		abort();
	}
	for (size_t i = 0; i < r->n_participants && i < 3; i++) {
		snprintf(prefix, sizeof prefix, "%.4s", r->participants[i].given_name);
		if (store_search_names(fz_store, prefix, false, FZ_NOW_MS, hits, 8, &n) !=
			BLIPPA_OK ||
		    n > 8)
			abort();
		for (size_t k = 0; k < n; k++)
			if (!memchr(hits[k].display, '\0', sizeof hits[k].display))
				abort();
	}
	if (r->n_cards > 0) {
		uint8_t uid[10];
		size_t len = strlen(r->cards[0].uid_hex) / 2;
		for (size_t k = 0; k < len && k < sizeof uid; k++) {
			unsigned v = 0;
			sscanf(r->cards[0].uid_hex + 2 * k, "%2x", &v);
			uid[k] = (uint8_t)v;
		}
		rc = store_checkin_card(fz_store, uid, len, FZ_NOW_MS, &res);
		if (rc != BLIPPA_OK && rc != BLIPPA_ERR_BUSY)
			abort(); /* a card from a valid roster is a valid tap */
	}
}

static void check_err(const char *err, size_t size)
{
	if (!memchr(err, '\0', size) || !err[0])
		abort();
}

static void fuzz_roster(const char *json, size_t len)
{
	struct roster *r = NULL, *r2 = NULL;
	char *enc = NULL, *enc2 = NULL;
	size_t enc_len = 0, enc2_len = 0;
	char kiosk[ROSTER_ID_MAX + 1], err[256], verr[256];
	enum blippa_err rc;

	rc = protocol_decode_roster(json, len, &r, kiosk, sizeof kiosk, err, sizeof err);
	if (rc != BLIPPA_OK) {
		if (r)
			abort(); /* no half-built roster on failure */
		check_err(err, sizeof err);
		goto out;
	}
	if (roster_validate(r, verr, sizeof verr) != BLIPPA_OK)
		abort(); /* the contract: a decoded roster is safe to store */
	fuzz_store_use(r);
	if (protocol_encode_roster(r, kiosk[0] ? kiosk : NULL, &enc, &enc_len) != BLIPPA_OK)
		goto out; /* only NOMEM may fail here */
	if (protocol_decode_roster(enc, enc_len, &r2, kiosk, sizeof kiosk, err, sizeof err) !=
	    BLIPPA_OK)
		abort(); /* our own canonical output must decode */
	if (protocol_encode_roster(r2, kiosk[0] ? kiosk : NULL, &enc2, &enc2_len) != BLIPPA_OK)
		goto out;
	if (enc_len != enc2_len || memcmp(enc, enc2, enc_len) != 0)
		abort(); /* canonical form is a fixed point: ETags stay stable */
out:
	free(enc);
	free(enc2);
	roster_free(r);
	roster_free(r2);
}

static void fuzz_answers(const char *json, size_t len)
{
	struct protocol_result res[8];
	struct protocol_heartbeat_answer hb;
	char err[256], reason[PROTOCOL_REASON_MAX + 1];
	size_t n = 0;

	if (protocol_decode_results(json, len, res, 8, &n, err, sizeof err) == BLIPPA_OK) {
		if (n > 8)
			abort();
		for (size_t i = 0; i < n; i++) {
			if (!memchr(res[i].reason, '\0', sizeof res[i].reason))
				abort();
			if (res[i].status == PROTOCOL_REJECTED && !res[i].reason[0])
				abort();
		}
	} else {
		check_err(err, sizeof err);
	}
	if (protocol_decode_heartbeat_answer(json, len, &hb, err, sizeof err) == BLIPPA_OK) {
		if (!memchr(hb.kiosk_id, '\0', sizeof hb.kiosk_id))
			abort();
	}
	memset(reason, 'x', sizeof reason);
	protocol_decode_error(json, len, reason, sizeof reason);
	if (!memchr(reason, '\0', sizeof reason))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exact-length buffer: catches reads past len (decoders get no NUL) */
	char *json = malloc(size ? size : 1);

	if (!json)
		return 0;
	if (size)
		memcpy(json, data, size);
	fuzz_roster(json, size);
	fuzz_answers(json, size);
	free(json);
	return 0;
}
