/* SPDX-License-Identifier: MIT */
/* Tests for UUIDv7: format, version bits, and order even when the clock
 * steps backwards (NTP correction, RTC without battery). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "uuid.h"

static void test_format(void **state)
{
	char id[UUID_STR_LEN];
	(void)state;
	uuid7_make(1795428000123, id);
	assert_int_equal(strlen(id), 36);
	assert_true(uuid_is_valid(id));
	assert_int_equal(id[14], '7');
	assert_true(strchr("89ab", id[19]) != NULL);
	/* the 48-bit timestamp prefix encodes the given millisecond */
	assert_memory_equal(id, "01a2", 4);
	assert_false(uuid_is_valid("not-a-uuid"));
	assert_false(uuid_is_valid("0192f5c4-0000-7000-8000-00000000000g"));
}

static void test_monotonic_under_clock_jumps(void **state)
{
	char prev[UUID_STR_LEN], cur[UUID_STR_LEN];
	int64_t t = 1795428000000;
	(void)state;
	uuid7_make(t, prev);
	for (int i = 0; i < 20000; i++) {
		/* same ms many times, then a 1 hour step back, then forward again */
		int64_t now = i < 10000 ? t : (i < 15000 ? t - 3600000 : t + i);
		uuid7_make(now, cur);
		assert_true(strcmp(prev, cur) < 0);
		memcpy(prev, cur, sizeof cur);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_monotonic_under_clock_jumps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
