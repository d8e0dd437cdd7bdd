/* SPDX-License-Identifier: MIT */
/* Tests for the sync protocol codec: round trips of every body, canonical
 * roster bytes (the server's ETag depends on them), and malformed input of
 * every kind giving a clear error, never a crash or a partial result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "protocol.h"

static struct roster *make_roster(bool reversed)
{
	struct roster *r = roster_new();
	assert_non_null(r);
	assert_int_equal(roster_set_facility(r, "F1", "IK Hälsa", "Europe/Stockholm"), BLIPPA_OK);
	if (!reversed) {
		assert_int_equal(roster_add_group(r, "G1", "Styrka A", "2026-08-24", "2026-12-18"),
				 0);
		assert_int_equal(roster_add_group(r, "G2", "Balans", "2026-08-24", "2026-12-18"),
				 0);
		assert_int_equal(
		    roster_add_session(r, "S1", "G1", "2026-11-23 10:00", "2026-11-23 11:00"), 0);
		assert_int_equal(
		    roster_add_session(r, "S2", "G2", "2026-11-23 12:00", "2026-11-23 13:00"), 0);
		assert_int_equal(roster_add_participant(r, "P1", "Åsa", "Östberg"), 0);
		assert_int_equal(roster_add_participant_lang(r, "P2", "Olle", "Ek", "fi"), 0);
		assert_int_equal(roster_add_member(r, "G1", "P1"), 0);
		assert_int_equal(roster_add_member(r, "G2", "P1"), 0);
		assert_int_equal(roster_add_member(r, "G2", "P2"), 0);
		assert_int_equal(roster_add_leader(r, "L1", "Kim Lind", NULL), 0);
		assert_int_equal(roster_add_card(r, "04A1B2C3", ROSTER_CARD_PARTICIPANT, "P1"), 0);
		assert_int_equal(roster_add_card(r, "04FFEE01", ROSTER_CARD_LEADER, "L1"), 0);
	} else {
		assert_int_equal(roster_add_card(r, "04FFEE01", ROSTER_CARD_LEADER, "L1"), 0);
		assert_int_equal(roster_add_card(r, "04A1B2C3", ROSTER_CARD_PARTICIPANT, "P1"), 0);
		assert_int_equal(roster_add_leader(r, "L1", "Kim Lind", NULL), 0);
		assert_int_equal(roster_add_member(r, "G2", "P2"), 0);
		assert_int_equal(roster_add_member(r, "G2", "P1"), 0);
		assert_int_equal(roster_add_member(r, "G1", "P1"), 0);
		assert_int_equal(roster_add_participant_lang(r, "P2", "Olle", "Ek", "fi"), 0);
		assert_int_equal(roster_add_participant(r, "P1", "Åsa", "Östberg"), 0);
		assert_int_equal(
		    roster_add_session(r, "S2", "G2", "2026-11-23 12:00", "2026-11-23 13:00"), 0);
		assert_int_equal(
		    roster_add_session(r, "S1", "G1", "2026-11-23 10:00", "2026-11-23 11:00"), 0);
		assert_int_equal(roster_add_group(r, "G2", "Balans", "2026-08-24", "2026-12-18"),
				 0);
		assert_int_equal(roster_add_group(r, "G1", "Styrka A", "2026-08-24", "2026-12-18"),
				 0);
	}
	return r;
}

static void test_roster_round_trip_canonical(void **state)
{
	struct roster *a = make_roster(false), *b = make_roster(true), *c = NULL;
	char *ja = NULL, *jb = NULL, *jc = NULL, kid[ROSTER_ID_MAX + 1], err[160];
	size_t la, lb, lc;
	(void)state;

	assert_int_equal(protocol_encode_roster(a, "k-1", &ja, &la), BLIPPA_OK);
	assert_int_equal(protocol_encode_roster(b, "k-1", &jb, &lb), BLIPPA_OK);
	/* canonical: insertion order does not matter */
	assert_int_equal(la, lb);
	assert_string_equal(ja, jb);
	assert_non_null(strstr(ja, "\"pin_hash\":null"));
	assert_int_equal(protocol_decode_roster(ja, la, &c, kid, sizeof kid, err, sizeof err),
			 BLIPPA_OK);
	assert_string_equal(kid, "k-1");
	assert_int_equal(c->n_groups, 2);
	assert_int_equal(c->n_sessions, 2);
	assert_int_equal(c->n_participants, 2);
	assert_int_equal(c->n_members, 3);
	assert_int_equal(c->n_leaders, 1);
	assert_int_equal(c->n_cards, 2);
	assert_string_equal(c->facility.timezone, "Europe/Stockholm");
	assert_null(c->leaders[0].pin_hash);
	/* the optional language: kept where given, absent (not null) where not */
	assert_non_null(strstr(ja, "\"family_name\":\"Ek\",\"language\":\"fi\"}"));
	assert_non_null(strstr(ja, "\"family_name\":\"Östberg\"}"));
	for (size_t i = 0; i < c->n_participants; i++)
		if (strcmp(c->participants[i].id, "P2") == 0)
			assert_string_equal(c->participants[i].language, "fi");
		else
			assert_null(c->participants[i].language);
	assert_int_equal(protocol_encode_roster(c, "k-1", &jc, &lc), BLIPPA_OK);
	assert_string_equal(ja, jc);
	free(ja);
	free(jb);
	free(jc);
	roster_free(a);
	roster_free(b);
	roster_free(c);
}

static const char good_roster[] =
    "{\"protocol\":1,\"kiosk_id\":\"k-1\","
    "\"facility\":{\"id\":\"F1\",\"name\":\"IK\",\"timezone\":\"Europe/Stockholm\"},"
    "\"groups\":[{\"id\":\"G1\",\"name\":\"Styrka\",\"period_start\":\"2026-08-24\","
    "\"period_end\":\"2026-12-18\"}],"
    "\"sessions\":[{\"id\":\"S1\",\"group_id\":\"G1\",\"start\":\"2026-11-23 10:00\","
    "\"end\":\"2026-11-23 11:00\"}],"
    "\"participants\":[{\"id\":\"P1\",\"given_name\":\"Åsa\",\"family_name\":\"Secretname\"}],"
    "\"members\":[{\"group_id\":\"G1\",\"participant_id\":\"P1\"}],"
    "\"leaders\":[{\"id\":\"L1\",\"name\":\"Kim\",\"pin_hash\":null}],"
    "\"cards\":[{\"uid\":\"04A1B2C3\",\"owner\":\"participant\",\"owner_id\":\"P1\"}],"
    "\"future_field\":{\"x\":[1,2]}}";

/* Replaces the first occurrence of from by to in good_roster. */
static char *mutate(const char *from, const char *to)
{
	const char *p = strstr(good_roster, from);
	size_t n = strlen(good_roster) - strlen(from) + strlen(to) + 1;
	char *s = malloc(n);
	assert_non_null(p);
	assert_non_null(s);
	snprintf(s, n, "%.*s%s%s", (int)(p - good_roster), good_roster, to, p + strlen(from));
	return s;
}

static void expect_roster_error(const char *json, size_t len, const char *needle)
{
	struct roster *r = (struct roster *)(uintptr_t)1;
	char err[160] = "";
	enum blippa_err rc = protocol_decode_roster(json, len, &r, NULL, 0, err, sizeof err);
	assert_true(rc == BLIPPA_ERR_INVALID || rc == BLIPPA_ERR_TOO_BIG);
	assert_null(r);
	assert_true(err[0] != '\0');
	if (needle && !strstr(err, needle)) {
		print_error("error \"%s\" lacks \"%s\"\n", err, needle);
		fail();
	}
	/* decoder errors never echo values (names, uids) */
	assert_null(strstr(err, "Secretname"));
	assert_null(strstr(err, "04A1B2C3"));
}

static void test_roster_malformed(void **state)
{
	static const struct {
		const char *from, *to, *needle;
	} cases[] = {
	    {"\"protocol\":1", "\"protocol\":2", "version"},
	    {"\"protocol\":1,", "", "protocol: missing"},
	    {"\"protocol\":1", "\"protocol\":\"1\"", "not an integer"},
	    {"\"facility\":{", "\"facility\":[{", NULL},
	    {"\"id\":\"F1\"", "\"id\":\"F 1\"", "facility.id"},
	    {"\"timezone\":\"Europe/Stockholm\"", "\"timezone\":7", "timezone"},
	    {"\"groups\":[", "\"groups\":{\"a\":[", NULL},
	    {"\"groups\":[{", "\"groups\":[7,{", "groups[0]: not an object"},
	    {"\"name\":\"Styrka\"", "\"name\":\"\"", "groups[0].name: empty"},
	    {"\"period_start\":\"2026-08-24\"", "\"period_start\":\"24/08/2026\"", "groups[0]"},
	    {"\"group_id\":\"G1\",\"start\"", "\"group_id\":\"G9\",\"start\"", NULL}, /* dangling */
	    {"\"start\":\"2026-11-23 10:00\"", "\"start\":\"2026-11-23 12:00\"",
	     NULL}, /* end<start */
	    {"\"family_name\":\"Secretname\"", "\"family_name\":null", "family_name: missing"},
	    {"\"participant_id\":\"P1\"", "\"participant_id\":\"P2\"", NULL},
	    {"\"family_name\":\"Secretname\"", "\"family_name\":\"S\",\"language\":\"xx\"",
	     "participants[0]: invalid value"},
	    {"\"family_name\":\"Secretname\"", "\"family_name\":\"S\",\"language\":\"\"",
	     "participants[0].language: empty"},
	    {"\"family_name\":\"Secretname\"", "\"family_name\":\"S\",\"language\":7",
	     "participants[0].language: not a string"},
	    {"\"pin_hash\":null", "\"pin_hash\":5", "pin_hash"},
	    {"\"owner\":\"participant\"", "\"owner\":\"cat\"", "cards[0].owner"},
	    {"\"uid\":\"04A1B2C3\"", "\"uid\":\"04A1B2C3XYZ\"", "cards[0]"},
	    {"\"uid\":\"04A1B2C3\"", "\"uid\":\"04A1B2C3040506070809101112\"", "longer"},
	    {"\"kiosk_id\":\"k-1\",", "\"kiosk_id\":\"k-1\",\"kiosk_id\":\"k-2\",", "malformed"},
	    {"\"cards\":[",
	     "\"cards\":[{\"uid\":\"04A1B2C3\",\"owner\":\"leader\","
	     "\"owner_id\":\"L1\"},",
	     NULL}, /* uid twice */
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = mutate(cases[i].from, cases[i].to);
		expect_roster_error(s, strlen(s), cases[i].needle);
		free(s);
	}
	expect_roster_error(NULL, 0, "empty");
	expect_roster_error("", 0, "malformed");
	expect_roster_error("[]", 2, "not a JSON object");
	expect_roster_error("{\"protocol\":1}", 14, "facility: missing");
	/* the good one decodes */
	{
		struct roster *r = NULL;
		char err[160];
		assert_int_equal(protocol_decode_roster(good_roster, strlen(good_roster), &r, NULL,
							0, err, sizeof err),
				 BLIPPA_OK);
		roster_free(r);
	}
}

/* Every truncation and many single-byte corruptions: an error or a valid
 * roster, never a crash (ASan/UBSan watch this in the sanitizer build). */
static void test_roster_truncations_and_flips(void **state)
{
	size_t n = strlen(good_roster);
	char *buf = malloc(n);
	(void)state;
	assert_non_null(buf);
	for (size_t cut = 0; cut < n; cut++) {
		memcpy(buf, good_roster, cut);
		expect_roster_error(cut ? buf : "", cut, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		static const char subst[] = {'\0', '"', '{', ']', 'x', '\\', (char)0xff};
		for (size_t k = 0; k < sizeof subst; k++) {
			struct roster *r = NULL;
			char err[160];
			memcpy(buf, good_roster, n);
			buf[i] = subst[k];
			if (protocol_decode_roster(buf, n, &r, NULL, 0, err, sizeof err) ==
			    BLIPPA_OK)
				assert_non_null(r);
			else
				assert_null(r);
			roster_free(r);
		}
	}
	free(buf);
}

static void fill_events(struct event_record *ev, size_t n)
{
	memset(ev, 0, n * sizeof *ev);
	for (size_t i = 0; i < n; i++) {
		uuid7_make(1795428000000 + (int64_t)i, ev[i].id);
		ev[i].seq = (int64_t)i + 1;
		ev[i].at_ms = 1795428000000 + (int64_t)i;
		snprintf(ev[i].kiosk_id, sizeof ev[i].kiosk_id, "k-secret");
		switch (i % 4) {
		case 0:
			ev[i].type = EVENT_CHECKIN;
			ev[i].method = CHECKIN_CARD;
			snprintf(ev[i].participant_id, sizeof ev[i].participant_id, "P%zu", i);
			snprintf(ev[i].session_id, sizeof ev[i].session_id, "S1");
			break;
		case 1:
			ev[i].type = EVENT_CHECKIN;
			ev[i].method = CHECKIN_NAME;
			ev[i].device_ms = ev[i].at_ms + 7200000; /* a corrected time */
			ev[i].clock_unsure = i % 8 == 1;
			snprintf(ev[i].participant_id, sizeof ev[i].participant_id, "P%zu", i);
			break;
		case 2:
			ev[i].type = EVENT_VOID;
			memcpy(ev[i].voids_id, ev[i - 1].id, UUID_STR_LEN);
			break;
		default:
			ev[i].type = EVENT_CARD_LINK;
			snprintf(ev[i].participant_id, sizeof ev[i].participant_id, "P1");
			snprintf(ev[i].card_uid, sizeof ev[i].card_uid, "04A1B2C9");
			break;
		}
	}
}

static void test_events_round_trip(void **state)
{
	struct event_record ev[PROTOCOL_BATCH_MAX + 1];
	struct protocol_event *out = NULL;
	char *json = NULL, err[160];
	size_t len, n;
	(void)state;

	fill_events(ev, PROTOCOL_BATCH_MAX + 1);
	assert_int_equal(protocol_encode_events(ev, PROTOCOL_BATCH_MAX + 1, &json, &len),
			 BLIPPA_ERR_TOO_BIG);
	assert_null(json);
	assert_int_equal(protocol_encode_events(ev, PROTOCOL_BATCH_MAX, &json, &len), BLIPPA_OK);
	assert_true(len < PROTOCOL_BODY_MAX);
	assert_null(strstr(json, "k-secret")); /* kiosk id never sent */
	assert_int_equal(protocol_decode_events(json, len, &out, &n, err, sizeof err), BLIPPA_OK);
	assert_int_equal(n, PROTOCOL_BATCH_MAX);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(out[i].id, ev[i].id);
		assert_int_equal(out[i].type, ev[i].type);
		assert_int_equal(out[i].at_ms, ev[i].at_ms);
		assert_int_equal(out[i].device_ms, ev[i].device_ms); /* optional "device_at" */
		assert_int_equal(out[i].clock_unsure, ev[i].clock_unsure);
		assert_string_equal(out[i].participant_id, ev[i].participant_id);
		assert_string_equal(out[i].session_id, ev[i].session_id);
		assert_string_equal(out[i].voids_id, ev[i].voids_id);
		assert_string_equal(out[i].card_uid, ev[i].card_uid);
		if (ev[i].type == EVENT_CHECKIN)
			assert_int_equal(out[i].method, ev[i].method);
	}
	free(out);
	free(json);
	/* empty batch */
	assert_int_equal(protocol_encode_events(ev, 0, &json, &len), BLIPPA_OK);
	assert_string_equal(json, "{\"events\":[]}");
	assert_int_equal(protocol_decode_events(json, len, &out, &n, err, sizeof err), BLIPPA_OK);
	assert_int_equal(n, 0);
	assert_null(out);
	free(json);
	/* bad enum from a corrupt store row */
	ev[0].type = (enum event_type)9;
	assert_int_equal(protocol_encode_events(ev, 1, &json, &len), BLIPPA_ERR_INVALID);
}

/* Issue 12.3: the decoder gives every event id and voids id one spelling
 * (lower case), so a kiosk's upper-case id is the same event as its
 * lower-case twin everywhere after the decoder. */
static void test_events_ids_lowered(void **state)
{
	static const char json[] =
	    "{\"events\":[{\"id\":\"0192F5C4-0000-7000-8000-00000000ABCD\",\"type\":\"void\","
	    "\"at\":1795428000000,\"voids\":\"0192F5C4-0000-7000-8000-0000000000EF\"}]}";
	struct protocol_event *out = NULL;
	char err[160];
	size_t n;
	(void)state;

	assert_int_equal(protocol_decode_events(json, strlen(json), &out, &n, err, sizeof err),
			 BLIPPA_OK);
	assert_int_equal(n, 1);
	assert_string_equal(out[0].id, "0192f5c4-0000-7000-8000-00000000abcd");
	assert_string_equal(out[0].voids_id, "0192f5c4-0000-7000-8000-0000000000ef");
	free(out);
}

static void expect_events_error(const char *json, enum blippa_err want, const char *needle)
{
	struct protocol_event *out = (struct protocol_event *)(uintptr_t)1;
	size_t n = 99;
	char err[160] = "";
	assert_int_equal(protocol_decode_events(json, strlen(json), &out, &n, err, sizeof err),
			 want);
	assert_null(out);
	assert_int_equal(n, 0);
	if (!strstr(err, needle)) {
		print_error("error \"%s\" lacks \"%s\"\n", err, needle);
		fail();
	}
}

#define U1 "0192f5c4-0000-7000-8000-000000000001"
#define U2 "0192f5c4-0000-7000-8000-000000000002"
#define CK(extra) "{\"events\":[{\"id\":\"" U1 "\",\"type\":\"checkin\",\"at\":1" extra "}]}"

static void test_events_malformed(void **state)
{
	(void)state;
	expect_events_error("{\"events\":{}}", BLIPPA_ERR_INVALID, "events: not an array");
	expect_events_error("{}", BLIPPA_ERR_INVALID, "events: missing");
	expect_events_error("{\"events\":[1]}", BLIPPA_ERR_INVALID, "events[0]: not an object");
	expect_events_error("{\"events\":[{\"id\":\"x\",\"type\":\"checkin\"}]}",
			    BLIPPA_ERR_INVALID, "events[0].id: not a UUID");
	expect_events_error(CK(",\"method\":\"card\""), BLIPPA_ERR_INVALID,
			    "events[0].participant_id: missing");
	expect_events_error(CK(",\"method\":\"tap\",\"participant_id\":\"P1\""), BLIPPA_ERR_INVALID,
			    "events[0].method: unknown value");
	expect_events_error(CK(",\"method\":\"card\",\"participant_id\":\"P 1\""),
			    BLIPPA_ERR_INVALID, "participant_id: not a valid id");
	expect_events_error(
	    CK(",\"method\":\"card\",\"participant_id\":"
	       "\"P12345678901234567890123456789012345678901234567890123456789012345\""),
	    BLIPPA_ERR_INVALID, "longer than 64");
	expect_events_error(CK(",\"method\":\"card\",\"participant_id\":\"P1\",\"session_id\":3"),
			    BLIPPA_ERR_INVALID, "session_id: not a string");
	expect_events_error("{\"events\":[{\"id\":\"" U1 "\",\"type\":\"void\",\"at\":1}]}",
			    BLIPPA_ERR_INVALID, "events[0].voids: missing");
	expect_events_error("{\"events\":[{\"id\":\"" U1 "\",\"type\":\"void\",\"at\":-5,"
			    "\"voids\":\"" U2 "\"}]}",
			    BLIPPA_ERR_INVALID, "at: out of range");
	expect_events_error("{\"events\":[{\"id\":\"" U1 "\",\"type\":\"void\",\"at\":1.5,"
			    "\"voids\":\"" U2 "\"}]}",
			    BLIPPA_ERR_INVALID, "at: not an integer");
	expect_events_error("{\"events\":[{\"id\":\"" U1 "\",\"type\":\"teleport\",\"at\":1}]}",
			    BLIPPA_ERR_INVALID, "type: unknown value");
	expect_events_error("{\"events\":[{\"id\":\"" U1 "\",\"type\":\"card_link\",\"at\":1,"
			    "\"participant_id\":\"P1\"}]}",
			    BLIPPA_ERR_INVALID, "card_uid: missing");
	expect_events_error("{\"events\":[", BLIPPA_ERR_INVALID, "malformed JSON");
	expect_events_error("{\"events\":[],\"events\":[]}", BLIPPA_ERR_INVALID, "malformed");
	/* caps: 501 events, and a body over 1 MiB */
	{
		size_t cap = 600 * 8 + 64, o;
		char *s = malloc(cap);
		assert_non_null(s);
		o = (size_t)snprintf(s, cap, "{\"events\":[");
		for (int i = 0; i < 501; i++)
			o += (size_t)snprintf(s + o, cap - o, "%s{}", i ? "," : "");
		snprintf(s + o, cap - o, "]}");
		expect_events_error(s, BLIPPA_ERR_TOO_BIG, "more than 500");
		free(s);
	}
	{
		size_t big = PROTOCOL_BODY_MAX + 16;
		char *s = malloc(big + 1);
		assert_non_null(s);
		memset(s, ' ', big);
		memcpy(s, "{\"events\":[]}", 13);
		s[big] = '\0';
		expect_events_error(s, BLIPPA_ERR_TOO_BIG, "larger than");
		free(s);
	}
}

static void test_results_round_trip(void **state)
{
	struct protocol_result in[3], out[3];
	char *json = NULL, err[160], longreason[400];
	size_t len, n;
	(void)state;

	memset(in, 0, sizeof in);
	snprintf(in[0].id, sizeof in[0].id, U1);
	in[0].status = PROTOCOL_ACCEPTED;
	snprintf(in[1].id, sizeof in[1].id, U2);
	in[1].status = PROTOCOL_DUPLICATE;
	snprintf(in[2].id, sizeof in[2].id, U1);
	in[2].status = PROTOCOL_REJECTED;
	snprintf(in[2].reason, sizeof in[2].reason, "unknown session");
	assert_int_equal(protocol_encode_results(in, 3, &json, &len), BLIPPA_OK);
	assert_int_equal(protocol_decode_results(json, len, out, 3, &n, err, sizeof err),
			 BLIPPA_OK);
	assert_int_equal(n, 3);
	assert_int_equal(out[0].status, PROTOCOL_ACCEPTED);
	assert_int_equal(out[1].status, PROTOCOL_DUPLICATE);
	assert_int_equal(out[2].status, PROTOCOL_REJECTED);
	assert_string_equal(out[2].reason, "unknown session");
	assert_string_equal(out[1].id, U2);
	/* more results than the caller has room for */
	assert_int_equal(protocol_decode_results(json, len, out, 2, &n, err, sizeof err),
			 BLIPPA_ERR_TOO_BIG);
	free(json);
	{
		static const char bad[] =
		    "{\"results\":[{\"id\":\"" U1 "\",\"status\":\"maybe\"}]}";
		assert_int_equal(
		    protocol_decode_results(bad, strlen(bad), out, 3, &n, err, sizeof err),
		    BLIPPA_ERR_INVALID);
	}
	/* a rejected result without a reason, and an over-long UTF-8 reason */
	memset(longreason, 0, sizeof longreason);
	for (size_t i = 0; i + 2 < 390; i += 2)
		memcpy(longreason + i, "\xc3\xa5", 2); /* å */
	{
		char body[600];
		snprintf(body, sizeof body,
			 "{\"results\":[{\"id\":\"" U1 "\",\"status\":\"rejected\"},"
			 "{\"id\":\"" U2 "\",\"status\":\"rejected\",\"reason\":\"%s\"}]}",
			 longreason);
		assert_int_equal(
		    protocol_decode_results(body, strlen(body), out, 3, &n, err, sizeof err),
		    BLIPPA_OK);
		assert_string_equal(out[0].reason, "rejected");
		assert_int_equal(strlen(out[1].reason), 128);
	}
}

static void test_heartbeat_and_errors(void **state)
{
	struct protocol_heartbeat hb = {.pending = 12,
					.oldest_pending_age_s = 340,
					.time_ms = 1795428000123},
				  hb2;
	struct protocol_heartbeat_answer a = {.server_time_ms = 1795428000456}, a2;
	char *json = NULL, err[160], reason[PROTOCOL_REASON_MAX + 1];
	size_t len;
	(void)state;

	snprintf(hb.version, sizeof hb.version, "0.1.0");
	snprintf(hb.reader, sizeof hb.reader, "ready");
	snprintf(hb.last_error, sizeof hb.last_error, "bad\x01text\xff");
	assert_int_equal(protocol_encode_heartbeat(&hb, &json, &len), BLIPPA_OK);
	assert_int_equal(protocol_decode_heartbeat(json, len, &hb2, err, sizeof err), BLIPPA_OK);
	assert_int_equal(hb2.pending, 12);
	assert_int_equal(hb2.oldest_pending_age_s, 340);
	assert_int_equal(hb2.time_ms, 1795428000123);
	assert_string_equal(hb2.reader, "ready");
	assert_string_equal(hb2.last_error, "bad?text?"); /* sanitised, valid JSON */
	free(json);
	{
		static const char bad[] = "{\"version\":\"1\",\"pending\":-1,"
					  "\"oldest_pending_age_s\":0,\"reader\":\"x\",\"time\":1}";
		assert_int_equal(protocol_decode_heartbeat(bad, strlen(bad), &hb2, err, sizeof err),
				 BLIPPA_ERR_INVALID);
	}
	assert_non_null(strstr(err, "pending: out of range"));

	snprintf(a.kiosk_id, sizeof a.kiosk_id, "k-3f2a");
	assert_int_equal(protocol_encode_heartbeat_answer(&a, &json, &len), BLIPPA_OK);
	assert_int_equal(protocol_decode_heartbeat_answer(json, len, &a2, err, sizeof err),
			 BLIPPA_OK);
	assert_int_equal(a2.server_time_ms, a.server_time_ms);
	assert_string_equal(a2.kiosk_id, "k-3f2a");
	free(json);
	assert_int_equal(
	    protocol_decode_heartbeat_answer("{\"kiosk_id\":\"k\"}", 16, &a2, err, sizeof err),
	    BLIPPA_ERR_INVALID);

	assert_int_equal(protocol_encode_error("unknown token", &json, &len), BLIPPA_OK);
	assert_string_equal(json, "{\"error\":\"unknown token\"}");
	protocol_decode_error(json, len, reason, sizeof reason);
	assert_string_equal(reason, "unknown token");
	free(json);
	protocol_decode_error("<html>502</html>", 16, reason, sizeof reason);
	assert_string_equal(reason, "");
	protocol_decode_error(NULL, 0, reason, sizeof reason);
	assert_string_equal(reason, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roster_round_trip_canonical),
	    cmocka_unit_test(test_roster_malformed),
	    cmocka_unit_test(test_roster_truncations_and_flips),
	    cmocka_unit_test(test_events_round_trip),
	    cmocka_unit_test(test_events_ids_lowered),
	    cmocka_unit_test(test_events_malformed),
	    cmocka_unit_test(test_results_round_trip),
	    cmocka_unit_test(test_heartbeat_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
