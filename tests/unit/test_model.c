/* SPDX-License-Identifier: MIT */
/* Tests of the data model (sync/model): the pinned wire and database codes
 * of event types and methods (a reordered enum must fail here), card-UID
 * rules, the field validators, and event-id normalisation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "event.h"
#include "fields.h"
#include "model_limits.h"
#include "uid.h"

static void test_event_codes_pinned(void **state)
{
	enum event_type t;
	enum checkin_method m;
	(void)state;
	/* stored in every kiosk's and server's database: never change */
	assert_int_equal(event_type_db(EVENT_CHECKIN), 0);
	assert_int_equal(event_type_db(EVENT_VOID), 1);
	assert_int_equal(event_type_db(EVENT_CARD_LINK), 2);
	assert_int_equal(checkin_method_db(CHECKIN_CARD), 0);
	assert_int_equal(checkin_method_db(CHECKIN_NAME), 1);
	assert_int_equal(checkin_method_db(CHECKIN_LEADER), 2);
	assert_string_equal(EVENT_DB_CHECKIN_SQL, "0");
	assert_string_equal(EVENT_DB_VOID_SQL, "1");
	assert_string_equal(EVENT_DB_CARD_LINK_SQL, "2");
	/* wire names (docs/protocol.md) */
	assert_string_equal(event_type_wire(EVENT_CHECKIN), "checkin");
	assert_string_equal(event_type_wire(EVENT_VOID), "void");
	assert_string_equal(event_type_wire(EVENT_CARD_LINK), "card_link");
	assert_null(event_type_wire((enum event_type)3));
	assert_null(event_type_wire((enum event_type) - 1));
	assert_string_equal(checkin_method_wire(CHECKIN_CARD), "card");
	assert_string_equal(checkin_method_wire(CHECKIN_NAME), "name");
	assert_string_equal(checkin_method_wire(CHECKIN_LEADER), "leader");
	assert_null(checkin_method_wire((enum checkin_method)9));
	assert_int_equal(event_type_from_wire("card_link", &t), BLIPPA_OK);
	assert_int_equal(t, EVENT_CARD_LINK);
	assert_int_equal(event_type_from_wire("Checkin", &t), BLIPPA_ERR_INVALID);
	assert_int_equal(event_type_from_wire(NULL, &t), BLIPPA_ERR_INVALID);
	assert_int_equal(checkin_method_from_wire("leader", &m), BLIPPA_OK);
	assert_int_equal(m, CHECKIN_LEADER);
	assert_int_equal(checkin_method_from_wire("pin", &m), BLIPPA_ERR_INVALID);
}

static void test_uid_rules(void **state)
{
	char hex[MODEL_UID_HEX_MAX + 1], inplace[MODEL_UID_HEX_MAX + 1] = "04a1b2c3d4e5f6";
	uint8_t b[MODEL_UID_BYTES_MAX];
	size_t n = 0;
	static const uint8_t four[] = {0x04, 0xa1, 0xb2, 0xc3}, rnd[] = {0x08, 1, 2, 3};
	(void)state;
	assert_true(uid_hex_normalize("04a1B2c3", hex));
	assert_string_equal(hex, "04A1B2C3");
	assert_true(uid_hex_normalize(inplace, inplace));
	assert_string_equal(inplace, "04A1B2C3D4E5F6");
	assert_true(uid_hex_normalize("00112233445566778899", hex));
	assert_false(uid_hex_normalize("04A1B2C", hex));    /* odd */
	assert_false(uid_hex_normalize("04A1B2C3D4", hex)); /* 5 bytes */
	assert_false(uid_hex_normalize("04A1B2CG", hex));   /* not hex */
	assert_false(uid_hex_normalize("", hex));
	assert_false(uid_hex_normalize(NULL, hex));
	assert_true(uid_to_hex(four, 4, hex));
	assert_string_equal(hex, "04A1B2C3");
	assert_false(uid_to_hex(four, 3, hex));
	assert_true(uid_from_hex("04:a1:B2:c3", b, &n));
	assert_int_equal(n, 4);
	assert_memory_equal(b, four, 4);
	assert_true(uid_from_hex("04A1B2C3", b, &n));
	assert_false(uid_from_hex("04::A1B2C3", b, &n));
	assert_false(uid_from_hex("04A1B2C3D4", b, &n));
	assert_false(uid_from_hex("0011223344556677889900", b, &n)); /* 11 bytes */
	assert_true(uid_is_random(rnd, 4));
	assert_false(uid_is_random(four, 4));
	assert_false(uid_is_random(rnd, 7));
}

static void test_fields(void **state)
{
	char id[MODEL_ID_MAX + 2];
	(void)state;
	memset(id, 'x', sizeof(id));
	id[MODEL_ID_MAX] = '\0';
	assert_true(field_valid_id(id));
	id[MODEL_ID_MAX] = 'x';
	id[MODEL_ID_MAX + 1] = '\0';
	assert_false(field_valid_id(id));
	assert_false(field_valid_id("a b"));
	assert_false(field_valid_id(""));
	assert_false(field_valid_id(NULL));
	assert_true(field_valid_text("Åsa Östberg", MODEL_NAME_MAX));
	assert_false(field_valid_text("a\x01", MODEL_NAME_MAX));
	assert_false(field_valid_text("a\xc2\x85", MODEL_NAME_MAX));	/* C1 (U+0085) */
	assert_false(field_valid_text("\xc3", MODEL_NAME_MAX));		/* cut UTF-8 */
	assert_false(field_valid_text("\xed\xa0\x80", MODEL_NAME_MAX)); /* surrogate */
	assert_false(field_valid_date("1970-12-31"));			/* MODEL_YEAR_MIN is 1971 */
	assert_true(field_valid_date("1971-01-01"));
	assert_true(field_valid_date("2028-02-29"));
	assert_false(field_valid_date("2100-02-29"));
	assert_false(field_valid_date("2026-04-31"));
	assert_false(field_valid_date("2026-4-30"));
	assert_true(field_valid_datetime("2027-03-28 02:30")); /* validity is not the zone's */
	assert_false(field_valid_datetime("2027-03-28 24:00"));
	assert_false(field_valid_datetime("2027-03-28T10:00"));
	assert_true(field_valid_timezone("Europe/Stockholm"));
	assert_false(field_valid_timezone("Mars/Olympus"));
	assert_false(field_valid_timezone(NULL));
}

static void test_event_id_normalize(void **state)
{
	char id[] = "0192F5C4-0000-7000-8000-00000000ABCD";
	(void)state;
	event_id_normalize(id);
	assert_string_equal(id, "0192f5c4-0000-7000-8000-00000000abcd");
	event_id_normalize(NULL); /* no-op */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_event_codes_pinned),
	    cmocka_unit_test(test_uid_rules),
	    cmocka_unit_test(test_fields),
	    cmocka_unit_test(test_event_id_normalize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
