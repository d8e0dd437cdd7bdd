/* SPDX-License-Identifier: MIT */
/* Tests of facility-local time (sync/common/tz.c): zone names, local ->
 * UTC on ordinary and DST days in Europe/Stockholm (gap and overlap), UTC ->
 * local around midnight and the changes, bad input, and that the process
 * zone is left as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tz.h"

#define SE "Europe/Stockholm"

static int64_t utc(const char *zone, const char *local)
{
	int64_t ms = -1;

	assert_int_equal(tz_local_to_utc_ms(zone, local, &ms), BLIPPA_OK);
	return ms;
}

static void local_is(const char *zone, int64_t ms, const char *date, const char *hhmm)
{
	char d[11], h[6];

	assert_int_equal(tz_utc_ms_to_local(zone, ms, d, h), BLIPPA_OK);
	assert_string_equal(d, date);
	assert_string_equal(h, hhmm);
}

static void test_valid_zones(void **state)
{
	(void)state;
	assert_true(tz_is_valid(SE));
	assert_true(tz_is_valid("UTC"));
	assert_true(tz_is_valid("America/New_York"));
	assert_false(tz_is_valid("Europe/Gothenburg"));
	assert_false(tz_is_valid(""));
	assert_false(tz_is_valid(NULL));
	assert_false(tz_is_valid("/etc/passwd"));
	assert_false(tz_is_valid("../../../etc/passwd"));
	assert_false(tz_is_valid("Europe/Stockholm\n"));
	assert_false(tz_is_valid("Europe")); /* a directory */
}

static void test_ordinary_days(void **state)
{
	(void)state;
	/* winter: UTC+1, summer: UTC+2 */
	assert_int_equal(utc(SE, "2026-11-23 10:00"), INT64_C(1795424400000));
	assert_int_equal(utc(SE, "2026-07-01 12:00"), INT64_C(1782900000000));
	assert_int_equal(utc("UTC", "2026-11-23 10:00"), INT64_C(1795428000000));
	local_is(SE, INT64_C(1795424400000), "2026-11-23", "10:00");
	local_is(SE, INT64_C(1782900000000), "2026-07-01", "12:00");
	/* 23:30Z is already the next day in Stockholm */
	local_is(SE, INT64_C(1795390200000), "2026-11-23", "00:30");
	local_is("UTC", INT64_C(1795390200000), "2026-11-22", "23:30");
}

static void test_spring_forward(void **state)
{
	(void)state;
	/* 2026-03-29: 02:00 CET -> 03:00 CEST at 01:00Z */
	assert_int_equal(utc(SE, "2026-03-29 01:59"), INT64_C(1774745940000)); /* 00:59Z */
	assert_int_equal(utc(SE, "2026-03-29 03:00"), INT64_C(1774746000000)); /* 01:00Z */
	assert_int_equal(utc(SE, "2026-03-29 09:00"), INT64_C(1774767600000)); /* 07:00Z */
	/* 02:30 does not exist: taken as 03:30 CEST */
	assert_int_equal(utc(SE, "2026-03-29 02:30"), utc(SE, "2026-03-29 03:30"));
	local_is(SE, INT64_C(1774745940000), "2026-03-29", "01:59");
	local_is(SE, INT64_C(1774746000000), "2026-03-29", "03:00");
	/* midnight: 2026-03-28 23:05Z is 00:05 on the 29th */
	local_is(SE, INT64_C(1774739100000), "2026-03-29", "00:05");
}

static void test_fall_back(void **state)
{
	(void)state;
	/* 2026-10-25: 03:00 CEST -> 02:00 CET at 01:00Z; 02:30 happens twice */
	assert_int_equal(utc(SE, "2026-10-25 02:30"), INT64_C(1792888200000)); /* 00:30Z first */
	assert_int_equal(utc(SE, "2026-10-25 09:00"), INT64_C(1792915200000)); /* 08:00Z */
	assert_int_equal(utc(SE, "2026-10-25 00:00"), INT64_C(1792879200000)); /* 22:00Z */
	local_is(SE, INT64_C(1792888200000), "2026-10-25", "02:30");
	local_is(SE, INT64_C(1792891800000), "2026-10-25", "02:30"); /* 01:30Z second */
	local_is(SE, INT64_C(1792890000000), "2026-10-25", "02:00");
	local_is(SE, INT64_C(1792879200000), "2026-10-25", "00:00");
}

static void test_bad_input(void **state)
{
	int64_t ms = 0;
	char d[11];

	(void)state;
	assert_int_equal(tz_local_to_utc_ms(SE, "2026-11-23", &ms), BLIPPA_ERR_INVALID);
	assert_int_equal(tz_local_to_utc_ms(SE, "2026-13-01 10:00", &ms), BLIPPA_ERR_INVALID);
	assert_int_equal(tz_local_to_utc_ms(SE, "2026-02-29 10:00", &ms), BLIPPA_ERR_INVALID);
	assert_int_equal(tz_local_to_utc_ms(SE, "2028-02-29 10:00", &ms), BLIPPA_OK);
	assert_int_equal(tz_local_to_utc_ms(SE, "2026-11-23 24:00", &ms), BLIPPA_ERR_INVALID);
	assert_int_equal(tz_local_to_utc_ms(SE, "2026-11-23T10:00", &ms), BLIPPA_ERR_INVALID);
	assert_int_equal(tz_local_to_utc_ms(SE, "2026-11-23 1a:00", &ms), BLIPPA_ERR_INVALID);
	assert_int_equal(tz_local_to_utc_ms("Nowhere/Land", "2026-11-23 10:00", &ms),
			 BLIPPA_ERR_INVALID);
	assert_int_equal(tz_utc_ms_to_local("Nowhere/Land", 0, d, NULL), BLIPPA_ERR_INVALID);
	/* far past and negative instants still convert */
	local_is(SE, 0, "1970-01-01", "01:00");
	local_is(SE, -1, "1970-01-01", "00:59");
}

static void test_process_zone_restored(void **state)
{
	const char *tz;

	(void)state;
	setenv("TZ", "America/New_York", 1);
	tzset();
	(void)utc(SE, "2026-11-23 10:00");
	tz = getenv("TZ");
	assert_non_null(tz);
	assert_string_equal(tz, "America/New_York");
	unsetenv("TZ");
	tzset();
	(void)utc(SE, "2026-11-23 10:00");
	assert_null(getenv("TZ"));
	tz_set_process_zone(SE);
	assert_string_equal(getenv("TZ"), SE);
	assert_int_equal(utc(SE, "2026-11-23 10:00"), INT64_C(1795424400000));
	tz_set_process_zone("Bogus/Zone"); /* ignored */
	assert_string_equal(getenv("TZ"), SE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_zones),	   cmocka_unit_test(test_ordinary_days),
	    cmocka_unit_test(test_spring_forward), cmocka_unit_test(test_fall_back),
	    cmocka_unit_test(test_bad_input),	   cmocka_unit_test(test_process_zone_restored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
