/* SPDX-License-Identifier: MIT */
/* The kiosk's languages (i18n.c): gettext domain "blippa", the language
 * table, the current language and its direction. No UI state. */
#ifndef BLIPPA_I18N_H
#define BLIPPA_I18N_H

#include <stdbool.h>
#include <stddef.h>

#define _(s) ui_tr(s)
#define N_(s) (s)

/* Binds the gettext domain "blippa" and selects lang (a ui_languages code;
 * anything else: sv). */
void ui_i18n_init(const char *lang);
struct ui_language {
	const char *code; /* ISO 639-1 */
	const char *name; /* in its own script */
	bool rtl;	  /* written right to left */
};
/* The languages the kiosk has; *out is a static table. */
size_t ui_languages(const struct ui_language **out);
const struct ui_language *ui_language_find(const char *code); /* NULL: none */
/* Switches the language now (no-op for an unknown code). */
void ui_i18n_set(const char *lang);
bool ui_lang_rtl(void); /* the current language is right to left */
/* A name (or other text from outside) to put into a translated sentence:
 * in a right-to-left language it is wrapped in FIRST STRONG ISOLATE ...
 * POP DIRECTIONAL ISOLATE (U+2068 ... U+2069), so a Latin name keeps its
 * own order ("Åsa Ö." keeps its dot) and does not pull the sentence's
 * numbers or punctuation into it; elsewhere it is copied as it is.
 * Returns out. */
const char *ui_isolate(const char *s, char *out, size_t outlen);
const char *ui_tr(const char *msgid) __attribute__((format_arg(1)));
const char *ui_lang(void);

#endif
