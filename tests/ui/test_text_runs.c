/* SPDX-License-Identifier: MIT */
/* Unit tests of the bidi runs (kiosk/ui/text_runs.c) and of ui_isolate
 * (i18n.c): a Latin name in an Arabic sentence keeps its own order when it
 * is wrapped in FSI ... PDI (the dot of "Åsa Ö." stays after the "Ö", a
 * number after the name stays in the sentence's order), the marks are
 * never drawn, and a query's first strong character gives its direction
 * (the search field's caret side). No window, no fonts: runs only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "text_runs.h"
#include "ui.h"

#define FSI "\u2068"
#define PDI "\u2069"
#define ARE_YOU "\u0647\u0644 \u0623\u0646\u062a " /* "هل أنت " */
#define QMARK "\u061f"				   /* Arabic question mark */

static void visual(const char *s, char *out, size_t outlen)
{
	assert_true(text_runs_visual(s, true, out, outlen) > 0);
	printf("%s\n", out);
}

/* Without isolation the abbreviation dot takes the sentence's direction
 * and lands left of the name (".Åsa Ö" on screen); isolated, it stays. */
static void isolated_name_keeps_its_dot(void **state)
{
	char plain[512], iso[512];
	(void)state;
	visual(ARE_YOU "Åsa Ö." QMARK, plain, sizeof plain);
	assert_null(strstr(plain, "Åsa Ö.@2L"));
	assert_non_null(strstr(plain, ".@1L|Åsa Ö@2L"));
	visual(ARE_YOU FSI "Åsa Ö." PDI QMARK, iso, sizeof iso);
	assert_non_null(strstr(iso, "Åsa Ö.@2L"));
	/* the question mark is left of the name, the Arabic words right of it */
	assert_true(strstr(iso, QMARK) < strstr(iso, "Åsa"));
	assert_true(strstr(iso, "Åsa") < strstr(iso, "\u0647\u0644"));
	/* the marks steer, they are not drawn */
	assert_null(strstr(iso, FSI));
	assert_null(strstr(iso, PDI));
}

/* A number after a Latin name belongs to the Arabic sentence: without
 * isolation it joins the name's left-to-right run ("Amal 3" in one run);
 * isolated, the name is a run of its own and the number another, in the
 * sentence's right-to-left order (3 left of Amal). */
static void isolated_name_does_not_take_the_number(void **state)
{
	char plain[512], iso[512];
	(void)state;
	visual("\u0645\u0631\u062d\u0628\u0627 Amal 3", plain, sizeof plain);
	assert_non_null(strstr(plain, "Amal 3@2L"));
	visual("\u0645\u0631\u062d\u0628\u0627 " FSI "Amal" PDI " 3", iso, sizeof iso);
	assert_null(strstr(iso, "Amal 3"));
	assert_non_null(strstr(iso, "Amal@2L"));
	assert_true(strstr(iso, "3@2L") < strstr(iso, "Amal@2L"));
}

/* The caret sits at the visual end of the query: its direction is that of
 * its first strong character. */
static void query_direction(void **state)
{
	(void)state;
	assert_false(text_runs_base_rtl("asa"));
	assert_false(text_runs_base_rtl(""));
	assert_false(text_runs_base_rtl("12 Ek"));
	assert_true(text_runs_base_rtl("\u0623\u0645\u0644"));
	assert_true(text_runs_base_rtl("12 \u0623\u0645\u0644 Ek"));
	assert_true(text_runs_needed(FSI "Åsa" PDI)); /* the marks go through the runs */
	assert_false(text_runs_needed("Åsa Östberg"));
}

/* ui_isolate wraps only in a right-to-left language. */
static void isolate_only_when_rtl(void **state)
{
	char buf[64];
	(void)state;
	ui_i18n_set("sv");
	assert_string_equal(ui_isolate("Åsa Ö.", buf, sizeof buf), "Åsa Ö.");
	ui_i18n_set("ar");
	assert_string_equal(ui_isolate("Åsa Ö.", buf, sizeof buf), FSI "Åsa Ö." PDI);
	ui_i18n_set("fa");
	assert_string_equal(ui_isolate("Amal", buf, sizeof buf), FSI "Amal" PDI);
	ui_i18n_set("ti");
	assert_string_equal(ui_isolate("Amal", buf, sizeof buf), "Amal");
	ui_i18n_set("sv");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(isolated_name_keeps_its_dot),
	    cmocka_unit_test(isolated_name_does_not_take_the_number),
	    cmocka_unit_test(query_direction),
	    cmocka_unit_test(isolate_only_when_rtl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
