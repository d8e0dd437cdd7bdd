/* SPDX-License-Identifier: MIT */
/* Unit tests of widget logic that needs no window: the Swedish keyboard
 * table (Å Ä Ö present; first letter upper-case; backspace removes one
 * UTF-8 character), the PIN pad, and that every label is translated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "widgets.h"

static int key_index(const char *label)
{
	for (int r = 0; r < KB_ROWS; r++)
		for (int c = 0; c < KB_COLS_MAX && kb_layout_sv[r][c].label; c++)
			if (strcmp(kb_layout_sv[r][c].label, label) == 0)
				return r * KB_COLS_MAX + c;
	return -1;
}

static void layout_has_swedish_letters(void **state)
{
	(void)state;
	assert_true(key_index("Å") >= 0);
	assert_true(key_index("Ä") >= 0);
	assert_true(key_index("Ö") >= 0);
	/* where a Swedish keyboard has them */
	assert_int_equal(key_index("Å"), 0 * KB_COLS_MAX + 10);
	assert_int_equal(key_index("Ö"), 1 * KB_COLS_MAX + 9);
	assert_int_equal(key_index("Ä"), 1 * KB_COLS_MAX + 10);
	for (char ch = 'A'; ch <= 'Z'; ch++) {
		char s[2] = {ch, 0};
		assert_true(key_index(s) >= 0);
	}
}

static void typing_and_backspace(void **state)
{
	char buf[16] = "";
	(void)state;
	assert_true(keyboard_apply(key_index("Å"), buf, sizeof buf));
	assert_true(keyboard_apply(key_index("S"), buf, sizeof buf));
	assert_true(keyboard_apply(key_index("Ä"), buf, sizeof buf));
	assert_string_equal(buf, "Åsä");
	assert_true(keyboard_apply(key_index("←"), buf, sizeof buf));
	assert_string_equal(buf, "Ås");
	assert_true(keyboard_apply(key_index("←"), buf, sizeof buf));
	assert_true(keyboard_apply(key_index("←"), buf, sizeof buf));
	assert_string_equal(buf, "");
	assert_false(keyboard_apply(key_index("←"), buf, sizeof buf));
	/* the buffer's cap holds */
	for (int i = 0; i < 40; i++)
		keyboard_apply(key_index("Ö"), buf, sizeof buf);
	assert_true(strlen(buf) < sizeof buf);
}

static void pinpad_digits_clear_ok(void **state)
{
	char pin[6] = "";
	(void)state;
	assert_false(pinpad_apply(1, pin, sizeof pin));
	assert_false(pinpad_apply(2, pin, sizeof pin));
	assert_string_equal(pin, "12");
	assert_false(pinpad_apply(10, pin, sizeof pin));
	assert_string_equal(pin, "");
	for (int i = 0; i < 10; i++)
		pinpad_apply(7, pin, sizeof pin);
	assert_string_equal(pin, "77777");
	assert_true(pinpad_apply(11, pin, sizeof pin));
}

static void swedish_is_default_and_translated(void **state)
{
	(void)state;
	ui_i18n_init("sv");
	assert_string_equal(ui_lang(), "sv");
	assert_string_equal(_("Tap your card"), "Blippa ditt kort");
	assert_string_equal(_("Search your name"), "Sök ditt namn");
	assert_string_equal(_("Not you? Undo"), "Inte du? Ångra");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(layout_has_swedish_letters),
	    cmocka_unit_test(typing_and_backspace),
	    cmocka_unit_test(pinpad_digits_clear_ok),
	    cmocka_unit_test(swedish_is_default_and_translated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
