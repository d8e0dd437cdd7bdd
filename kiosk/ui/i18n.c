/* SPDX-License-Identifier: MIT */
/* Translations through gettext, domain "blippa". Message ids are English;
 * Swedish is the default language. The .mo files are looked up in
 * $BLIPPA_LOCALE_DIR, then (development builds, BLIPPA_DEV_PATHS) the build
 * tree where msgfmt compiled them, then the installed locale dir; packaged
 * builds never look in a build tree or the working directory. The language
 * comes from the config, not from the system locale: we select it with
 * LANGUAGE over the always-present C.UTF-8 locale, so no locales package is
 * needed on the kiosk. */
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

static char current_lang[8] = "sv"; /* process-wide, set once at start */

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

	snprintf(current_lang, sizeof current_lang, "%s",
		 lang && strcmp(lang, "en") == 0 ? "en" : "sv");
	if (env && *env)
		dirs[n++] = env;
#ifdef BLIPPA_LOCALE_DIR_BUILD
	dirs[n++] = BLIPPA_LOCALE_DIR_BUILD;
#endif
	dirs[n++] = BLIPPA_LOCALE_DIR_INSTALLED;
	for (size_t i = 0; i < n && !dir; i++)
		if (has_mo(dirs[i], current_lang))
			dir = dirs[i];
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

const char *ui_tr(const char *msgid)
{
	return dgettext(DOMAIN, msgid);
}

const char *ui_lang(void)
{
	return current_lang;
}
