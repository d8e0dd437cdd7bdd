/* SPDX-License-Identifier: MIT */
/* Translations through gettext, domain "blippa". Message ids are English;
 * Swedish is the default language. The .mo files are looked up in
 * $BLIPPA_LOCALE_DIR, then (development builds, BLIPPA_DEV_PATHS) the build
 * tree where msgfmt compiled them, then the installed locale dir; packaged
 * builds never look in a build tree or the working directory. The language
 * comes from the config, not from the system locale: we select it with
 * LANGUAGE over the always-present C.UTF-8 locale, so no locales package is
 * needed on the kiosk.
 * The language can change while the kiosk runs (the language button, a
 * participant's own language on the result screen): ui_i18n_set() sets
 * LANGUAGE again and calls textdomain(), which makes glibc drop its cached
 * translations. UI thread only. */
#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "ui.h"

#ifndef BLIPPA_LOCALE_DIR_INSTALLED
#define BLIPPA_LOCALE_DIR_INSTALLED "/usr/share/locale"
#endif

#define DOMAIN "blippa"

static char current_lang[8] = "sv"; /* process-wide, UI thread */
static char locale_dir[1024];	    /* where the .mo files were found */

/* Every language the kiosk has a translation for, named in its own script. */
static const struct ui_language languages[] = {
    {"sv", "Svenska", false}, {"en", "English", false}, {"fi", "Suomi", false},
    {"ar", "العربية", true},  {"fa", "فارسی", true},	{"so", "Soomaali", false},
    {"ti", "ትግርኛ", false},
};

size_t ui_languages(const struct ui_language **out)
{
	*out = languages;
	return sizeof languages / sizeof languages[0];
}

const struct ui_language *ui_language_find(const char *code)
{
	for (size_t i = 0; code && i < sizeof languages / sizeof languages[0]; i++)
		if (strcmp(languages[i].code, code) == 0)
			return &languages[i];
	return NULL;
}

bool ui_lang_rtl(void)
{
	const struct ui_language *l = ui_language_find(current_lang);
	return l && l->rtl;
}

void ui_i18n_set(const char *lang)
{
	if (!ui_language_find(lang) || strcmp(lang, current_lang) == 0)
		return;
	snprintf(current_lang, sizeof current_lang, "%s", lang);
	setenv("LANGUAGE", current_lang, 1);
	if (locale_dir[0])
		bindtextdomain(DOMAIN, locale_dir);
	textdomain(DOMAIN); /* glibc: invalidates the cached translations */
}

static bool has_mo(const char *dir, const char *lang)
{
	char p[1024];
	int n = snprintf(p, sizeof p, "%s/%s/LC_MESSAGES/" DOMAIN ".mo", dir, lang);
	return n > 0 && (size_t)n < sizeof p && access(p, R_OK) == 0;
}

void ui_i18n_init(const char *lang)
{
	const char *dirs[3];
	const char *env = getenv("BLIPPA_LOCALE_DIR");
	const char *dir = NULL;
	size_t n = 0;

	snprintf(current_lang, sizeof current_lang, "%s", ui_language_find(lang) ? lang : "sv");
	if (env && *env)
		dirs[n++] = env;
#ifdef BLIPPA_LOCALE_DIR_BUILD
	dirs[n++] = BLIPPA_LOCALE_DIR_BUILD;
#endif
	dirs[n++] = BLIPPA_LOCALE_DIR_INSTALLED;
	for (size_t i = 0; i < n && !dir; i++)
		if (has_mo(dirs[i], current_lang) || has_mo(dirs[i], "sv"))
			dir = dirs[i];
	if (dir)
		snprintf(locale_dir, sizeof locale_dir, "%s", dir);
	if (!setlocale(LC_MESSAGES, "C.UTF-8"))
		setlocale(LC_MESSAGES, "");
	setlocale(LC_CTYPE, "C.UTF-8");
	setenv("LANGUAGE", current_lang, 1);
	if (dir) {
		bindtextdomain(DOMAIN, dir);
		log_info("i18n", "language %s from %s", current_lang, dir);
	} else if (strcmp(current_lang, "en") != 0) {
		log_warn("i18n", "no %s translation found; showing English", current_lang);
	}
	bind_textdomain_codeset(DOMAIN, "UTF-8");
	textdomain(DOMAIN);
}

const char *ui_isolate(const char *s, char *out, size_t outlen)
{
	if (ui_lang_rtl())
		snprintf(out, outlen, "\u2068%s\u2069", s);
	else
		snprintf(out, outlen, "%s", s);
	return out;
}

const char *ui_tr(const char *msgid)
{
	return dgettext(DOMAIN, msgid);
}

const char *ui_lang(void)
{
	return current_lang;
}
