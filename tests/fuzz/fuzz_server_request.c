/* SPDX-License-Identifier: MIT */
/* Fuzz harness for the region server's request handling: api_handle()
 * (sync/server/api.h), the whole path from a parsed HTTP request to the
 * answer, over a real SQLite region database with a small roster and one
 * kiosk. The first bytes of each input pick the method, path, token, protocol
 * header, facility and If-None-Match; the rest is the body. Checks that every
 * answer has a known status, that 2xx bodies decode with the kiosk's own
 * decoders (the server never sends what kiosks cannot read), that errors
 * carry {"error": ...}, that requests without the right token never get
 * a 2xx, and that the headers-only pre-check (api_may_read_body) never
 * refuses a request api_handle would accept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "fuzz.h"
#include "import.h"
#include "protocol.h"
#include "srv_store.h"

/* The harness's server; globals because libFuzzer's entry points take no
 * context. Made once in LLVMFuzzerInitialize. */
static struct srv_store *fz_store;
static struct api *fz_api;
static char fz_token[AUTH_TOKEN_HEX + 1];

static const char *const fz_roster[][2] = {
    {"facilities.csv", "facility_id,name,timezone\nF1,IK Hälsa,Europe/Stockholm\n"
		       "F2,Friskis,Europe/Stockholm\n"},
    {"groups.csv", "group_id,facility_id,name,period_start,period_end\n"
		   "G1,F1,Styrka A,2026-01-01,2027-12-31\nG2,F2,Balans,2026-01-01,2027-12-31\n"},
    {"sessions.csv", "session_id,group_id,start,end\nS1,G1,2026-11-23 10:00,2026-11-23 11:00\n"
		     "S2,G2,2026-11-23 10:00,2026-11-23 11:00\n"},
    {"participants.csv", "participant_id,given_name,family_name,card_uid\n"
			 "P1,Åsa,Östberg,04A1B2C3\nP2,Erik,Berg,\nP3,Lina,Ek,04A1B2C4\n"},
    {"members.csv", "group_id,participant_id\nG1,P1\nG1,P2\nG2,P3\n"},
    {"leaders.csv", "leader_id,facility_id,name,card_uid\nL1,F1,Kim Lind,04FFEE01\n"},
};

static void fz_die(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_server_request: setup: %s: %s\n", what, err);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct import_set *set = NULL;
	struct srv_import_stats stats;
	uint8_t hash[SRV_TOKEN_HASH_LEN];
	char err[512], db[4096], id[SRV_ID_MAX + 1];

	(void)argc;
	(void)argv;
	if (auth_init() != BLIPPA_OK)
		fz_die("auth_init", "failed");
	for (size_t i = 0; i < sizeof fz_roster / sizeof fz_roster[0]; i++)
		fuzz_write_file(fz_roster[i][0], (const uint8_t *)fz_roster[i][1],
				strlen(fz_roster[i][1]));
	if (import_load_dir(fuzz_tmpdir(), &set, err, sizeof err) != BLIPPA_OK)
		fz_die("import", err);
	snprintf(db, sizeof db, "%s/region.db", fuzz_tmpdir());
	if (srv_store_open(db, true, &fz_store, err, sizeof err) != BLIPPA_OK)
		fz_die("open", err);
	if (srv_store_import(fz_store, import_set_roster(set), &stats, err, sizeof err) !=
	    BLIPPA_OK)
		fz_die("store import", err);
	import_set_free(set);
	auth_token_new(fz_token, hash);
	if (srv_store_add_kiosk(fz_store, "F1", "fuzz kiosk", hash, 1, id) != BLIPPA_OK)
		fz_die("add kiosk", "failed");
	if (api_new(fz_store, &fz_api) != BLIPPA_OK)
		fz_die("api", "out of memory");
	return 0;
}

static const char *const fz_methods[] = {"GET", "POST", "PUT", "HEAD"};
static const char *const fz_paths[] = {
    "/v1/roster",
    "/v1/events",
    "/v1/heartbeat",
    "/v1/",
    "/",
    "/v1/roster/",
    "/v1/events?x",
    "/v2/roster",
    "/v1/../v1/roster",
    "//v1/events",
    "/v1/kiosks",
    "",
    "/v1/heartbeat\n",
    "/V1/ROSTER",
    "/v1/events/..",
    "/v1/roster%00",
};

/* Decodes a 2xx body with the kiosk's decoders; aborts if it cannot. */
static void fz_check_ok_body(const char *path, const struct api_response *resp, size_t n_sent)
{
	char err[256];

	if (strcmp(path, "/v1/roster") == 0 && resp->status == 200) {
		struct roster *r = NULL;
		char kiosk[ROSTER_ID_MAX + 1];
		if (protocol_decode_roster(resp->body, resp->body_len, &r, kiosk, sizeof kiosk, err,
					   sizeof err) != BLIPPA_OK) {
			fprintf(stderr, "roster answer does not decode: %s\n", err);
			abort();
		}
		roster_free(r);
	} else if (strcmp(path, "/v1/events") == 0) {
		struct protocol_result *res = calloc(PROTOCOL_BATCH_MAX, sizeof *res);
		size_t n = 0;
		if (!res)
			return;
		if (protocol_decode_results(resp->body, resp->body_len, res, PROTOCOL_BATCH_MAX, &n,
					    err, sizeof err) != BLIPPA_OK ||
		    n != n_sent) {
			fprintf(stderr, "events answer does not decode or count differs: %s\n",
				err);
			abort();
		}
		free(res);
	} else if (strcmp(path, "/v1/heartbeat") == 0) {
		struct protocol_heartbeat_answer a;
		if (protocol_decode_heartbeat_answer(resp->body, resp->body_len, &a, err,
						     sizeof err) != BLIPPA_OK)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_request req = {0};
	struct api_response resp = {0};
	char auth[160], fac[16];
	char *body = NULL;
	uint8_t sel[4] = {0};
	bool authorised, may_read;
	size_t n_sent = 0;

	memcpy(sel, data, size < sizeof sel ? size : sizeof sel);
	data += size < sizeof sel ? size : sizeof sel;
	size -= size < sizeof sel ? size : sizeof sel;

	req.method = fz_methods[sel[0] & 3];
	req.path = fz_paths[(sel[0] >> 2) & 15];
	switch (sel[1] & 7) {
	case 0:
		req.authorization = NULL;
		break;
	case 1:
		req.authorization = "Bearer 00";
		break;
	case 2: /* a well-formed but unknown token */
		req.authorization =
		    "Bearer 0000000000000000000000000000000000000000000000000000000000000000";
		break;
	case 3:
		snprintf(auth, sizeof auth, "bearer  %s ", fz_token);
		req.authorization = auth;
		break;
	default:
		snprintf(auth, sizeof auth, "Bearer %s", fz_token);
		req.authorization = auth;
		break;
	}
	authorised = (sel[1] & 7) >= 3;
	req.protocol = (sel[1] & 0x18) == 0x18 ? "2" : (sel[1] & 0x18) == 0x10 ? NULL : "1";
	switch (sel[2] & 3) {
	case 0:
		req.facility = NULL;
		break;
	case 1:
		req.facility = "F1";
		break;
	case 2:
		req.facility = "F2"; /* another facility: must be 403 */
		break;
	default:
		snprintf(fac, sizeof fac, "F%c", (char)(sel[2] >> 2));
		req.facility = fac;
		break;
	}
	req.if_none_match = (sel[3] & 3) == 1 ? "*" : (sel[3] & 3) == 2 ? "\"00\"" : NULL;
	req.body_too_big = (sel[3] & 0xfc) == 0xfc;
	body = malloc(size ? size : 1); /* exact length, no NUL */
	if (!body)
		return 0;
	if (size)
		memcpy(body, data, size);
	req.body = (sel[3] & 4) ? NULL : body;
	req.body_len = req.body ? size : 0;

	if (strcmp(req.path, "/v1/events") == 0 && req.body) {
		/* how many events the server must answer for, if the batch is valid */
		struct protocol_event *ev = NULL;
		char err[256];
		if (protocol_decode_events(req.body, req.body_len, &ev, &n_sent, err, sizeof err) !=
		    BLIPPA_OK)
			n_sent = 0;
		free(ev);
	}

	/* the headers-only pre-check must never refuse what api_handle accepts */
	{
		struct api_request head = req;
		head.body = NULL;
		head.body_len = 0;
		may_read = api_may_read_body(fz_api, &head);
	}

	api_handle(fz_api, &req, &resp);

	if (!may_read && resp.status < 400) {
		fprintf(stderr, "api_may_read_body said no, api_handle answered %u\n", resp.status);
		abort();
	}

	switch (resp.status) {
	case 200:
	case 304:
	case 400:
	case 401:
	case 403:
	case 404:
	case 405:
	case 413:
	case 429:
	case 500:
	case 503:
		break;
	default:
		fprintf(stderr, "unexpected status %u\n", resp.status);
		abort();
	}
	if (resp.status < 400 && !authorised) {
		fprintf(stderr, "status %u without a valid token\n", resp.status);
		abort();
	}
	if (resp.status < 400 && req.facility && strcmp(req.facility, "F1") != 0) {
		fprintf(stderr, "status %u for another facility\n", resp.status);
		abort();
	}
	if (resp.status == 200)
		fz_check_ok_body(req.path, &resp, n_sent);
	/* The facility's own kiosk must always get its roster, and a well-formed
	 * batch must always be answered: a 500 here means one bad row (from an
	 * import or from an earlier event such as a card link) has broken the
	 * facility for every kiosk. */
	if (resp.status >= 500 && (sel[1] & 7) >= 4 && req.protocol &&
	    strcmp(req.protocol, "1") == 0 && (!req.facility || strcmp(req.facility, "F1") == 0) &&
	    ((strcmp(req.method, "GET") == 0 && strcmp(req.path, "/v1/roster") == 0) ||
	     (strcmp(req.method, "POST") == 0 && strcmp(req.path, "/v1/events") == 0 &&
	      n_sent > 0 && !req.body_too_big))) {
		fprintf(stderr, "status %u for the facility's own kiosk on %s\n", resp.status,
			req.path);
		abort();
	}
	if (resp.status >= 400 && resp.body) {
		char reason[PROTOCOL_REASON_MAX + 1];
		protocol_decode_error(resp.body, resp.body_len, reason, sizeof reason);
		if (!reason[0]) {
			fprintf(stderr, "error %u without an error reason\n", resp.status);
			abort();
		}
	}
	api_response_clear(&resp);
	free(body);
	return 0;
}
