/* SPDX-License-Identifier: MIT */
/* Unit tests of kiosk/reader/reader.c: UID parsing, random-UID detection,
 * connstring choice (valid, invalid, none) and state names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "reader.h"

static void test_parse_uid_lengths(void **state)
{
	uint8_t uid[READER_UID_MAX];
	size_t len = 0;
	(void)state;
	assert_int_equal(reader_parse_uid("04A1B2C3", uid, &len), BLIPPA_OK);
	assert_int_equal(len, 4);
	assert_memory_equal(uid, "\x04\xa1\xb2\xc3", 4);
	assert_int_equal(reader_parse_uid("04a1b2c3d4e5f6", uid, &len), BLIPPA_OK);
	assert_int_equal(len, 7);
	assert_int_equal(uid[6], 0xf6);
	assert_int_equal(reader_parse_uid("00112233445566778899", uid, &len), BLIPPA_OK);
	assert_int_equal(len, 10);
	assert_int_equal(uid[9], 0x99);
	assert_int_equal(reader_parse_uid("04:A1:b2:C3", uid, &len), BLIPPA_OK);
	assert_int_equal(len, 4);
	assert_memory_equal(uid, "\x04\xa1\xb2\xc3", 4);
}

static void test_parse_uid_rejects(void **state)
{
	static const char *const bad[] = {
	    "",		 "04A1B2",	     "04A1B2C3D4",
	    "04A1B2C",	 "04A1B2C3D4E5F6A7", "0011223344556677889900",
	    "04A1B2G3",	 " 04A1B2C3",	     "04A1B2C3 ",
	    ":04A1B2C3", "04A1B2C3:",	     "04::A1B2C3",
	    "0:4A1B2C3", "04-A1-B2-C3",	     "0x04A1B2C3",
	};
	uint8_t uid[READER_UID_MAX];
	size_t len = 99;
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(reader_parse_uid(bad[i], uid, &len), BLIPPA_ERR_INVALID);
		assert_int_equal(len, 99);
	}
	assert_int_equal(reader_parse_uid(NULL, uid, &len), BLIPPA_ERR_INVALID);
}

static void test_random_uid(void **state)
{
	uint8_t uid[READER_UID_MAX];
	size_t len;
	(void)state;
	assert_int_equal(reader_parse_uid("08123456", uid, &len), BLIPPA_OK);
	assert_true(reader_uid_is_random(uid, len));
	assert_int_equal(reader_parse_uid("04123456", uid, &len), BLIPPA_OK);
	assert_false(reader_uid_is_random(uid, len));
	/* only 4-byte UIDs can be random (ISO 14443-3) */
	assert_int_equal(reader_parse_uid("08123456789abc", uid, &len), BLIPPA_OK);
	assert_false(reader_uid_is_random(uid, len));
	assert_false(reader_uid_is_random(NULL, 4));
}

static void cb_count(const struct reader_event *ev, void *user)
{
	(void)ev;
	(*(int *)user)++;
}

static void test_open_rejects_bad_connstrings(void **state)
{
	static const char *const bad[] = {
	    "",
	    "sim:",
	    "foo",
	    "pn532",
	    "pn532_uart_x:/dev/ttyUSB0",
	    "NONE",
	    "auto:x",
	    "pn532_uart:/dev/tty USB0",
	    "acr122_usb\n",
	};
	struct reader *rd = (struct reader *)&rd;
	int calls = 0;
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rd = (struct reader *)&rd;
		assert_int_equal(reader_open(bad[i], cb_count, &calls, &rd), BLIPPA_ERR_CONFIG);
		assert_null(rd);
	}
	assert_int_equal(reader_open(NULL, cb_count, &calls, &rd), BLIPPA_ERR_CONFIG);
	assert_int_equal(calls, 0);
}

static void test_none_backend(void **state)
{
	struct reader *rd = NULL;
	int calls = 0;
	(void)state;
	assert_int_equal(reader_open("none", cb_count, &calls, &rd), BLIPPA_OK);
	assert_non_null(rd);
	assert_int_equal(reader_get_state(rd), READER_STATE_NONE);
	reader_close(rd);
	reader_close(NULL); /* no-op */
	assert_int_equal(calls, 0);
	assert_int_equal(reader_get_state(NULL), READER_STATE_NONE);
}

/* The backend table decides what is simulated; main.c asks it instead of
 * parsing "sim:" itself. */
static void test_connstring_sim(void **state)
{
	const char *path = NULL;
	(void)state;
	assert_true(reader_connstring_sim("sim:/tmp/x.fifo", &path));
	assert_string_equal(path, "/tmp/x.fifo");
	assert_true(reader_connstring_sim("sim:/tmp/y", NULL));
	assert_false(reader_connstring_sim("sim:", &path)); /* no path: invalid */
	assert_false(reader_connstring_sim("pn532_uart:/dev/ttyUSB0", &path));
	assert_false(reader_connstring_sim("none", &path));
	assert_false(reader_connstring_sim("simx:/tmp", &path));
	assert_false(reader_connstring_sim(NULL, &path));
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(reader_state_name(READER_STATE_NONE), "none");
	assert_string_equal(reader_state_name(READER_STATE_OPENING), "opening");
	assert_string_equal(reader_state_name(READER_STATE_READY), "ready");
	assert_string_equal(reader_state_name(READER_STATE_FAILED), "failed");
	assert_string_equal(reader_state_name((enum reader_state)42), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_uid_lengths),
	    cmocka_unit_test(test_parse_uid_rejects),
	    cmocka_unit_test(test_random_uid),
	    cmocka_unit_test(test_open_rejects_bad_connstrings),
	    cmocka_unit_test(test_none_backend),
	    cmocka_unit_test(test_state_names),
	    cmocka_unit_test(test_connstring_sim),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
