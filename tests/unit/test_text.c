/* SPDX-License-Identifier: MIT */
/* Tests of sync/common/text.c: UTF-8 decoding, the sanitiser used for
 * kiosk-supplied text (controls -> '?', bidi controls dropped, cut at a
 * character boundary) and the name check used by import and add-kiosk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "text.h"

static void test_utf8_next(void **state)
{
	(void)state;
	uint32_t cp = 0;
	assert_int_equal(text_utf8_next("\xc3\xa5", 2, &cp), 2);
	assert_int_equal(cp, 0xe5);
	assert_int_equal(text_utf8_next("\xe2\x80\xae", 3, &cp), 3);
	assert_int_equal(cp, 0x202e);
	assert_int_equal(text_utf8_next("\xf0\x9f\x98\x80", 4, &cp), 4);
	assert_int_equal(text_utf8_next("\xc0\xaf", 2, &cp), 0);     /* overlong */
	assert_int_equal(text_utf8_next("\xed\xa0\x80", 3, &cp), 0); /* surrogate */
	assert_int_equal(text_utf8_next("\xe2\x80", 2, &cp), 0);     /* cut short */
	assert_int_equal(text_utf8_next("\xf4\x90\x80\x80", 4, &cp), 0);
}

static void test_sanitize(void **state)
{
	(void)state;
	char out[64];
	text_sanitize(out, sizeof out,
		      "a\x07"
		      "b\xc2\x85"
		      "c\xff"
		      "d",
		      63);
	assert_string_equal(out, "a?b?c?d");
	text_sanitize(out, sizeof out,
		      "\xe2\x80\xae"
		      "gnp.exe\xe2\x81\xa6x\xe2\x81\xa9",
		      63);
	assert_string_equal(out, "gnp.exex");
	text_sanitize(out, sizeof out, "\xc3\x85sa", 63);
	assert_string_equal(out, "\xc3\x85sa");
	text_sanitize(out, sizeof out, "ab\xc3\x85", 3); /* never half a character */
	assert_string_equal(out, "ab");
	text_sanitize(out, 4, "abcdef", 63);
	assert_string_equal(out, "abc");
	text_sanitize(out, sizeof out, NULL, 63);
	assert_string_equal(out, "");
}

static void test_name_problem(void **state)
{
	(void)state;
	assert_null(text_name_problem("\xc3\x85sa \xc3\x96stberg"));
	assert_null(text_name_problem("Ö\xe2\x80\x8d"
				      "rjan")); /* ZWJ inside a name */
	assert_string_equal(text_name_problem("\xe2\x80\x8b\xe2\x80\x8b"), "no visible character");
	assert_string_equal(text_name_problem(" \xc2\xa0\xef\xbb\xbf"), "no visible character");
	assert_string_equal(text_name_problem("\xe3\x85\xa4"), "no visible character");
	assert_string_equal(text_name_problem("ab\xe2\x80\xae"
					      "c"),
			    "a bidi control character");
	assert_string_equal(text_name_problem("ab\xe2\x81\xa8"), "a bidi control character");
	assert_string_equal(text_name_problem("a\tb"), "a control character");
	assert_string_equal(text_name_problem("a\xc2\x9f"), "a control character");
	assert_string_equal(text_name_problem("a\xc3"), "not valid UTF-8");
	assert_string_equal(text_name_problem(""), "no visible character");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_utf8_next),
	    cmocka_unit_test(test_sanitize),
	    cmocka_unit_test(test_name_problem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
