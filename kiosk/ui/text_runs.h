/* SPDX-License-Identifier: MIT */
/* Text in scripts DejaVu Sans does not cover, and right-to-left text:
 * a string is split into runs of one script and one bidi embedding level
 * (FriBidi), the runs are put in visual order, and each is shaped by
 * SDL2_ttf's HarfBuzz with its own font, direction and script
 * (TTF_SetFontDirection / TTF_SetFontScriptName), so an Arabic sentence
 * with a Swedish name in it reads right. Fonts come from fontconfig
 * (Noto Sans Arabic / Ethiopic from fonts-noto-core). Used by render.c on
 * the UI thread only. */
#ifndef BLIPPA_TEXT_RUNS_H
#define BLIPPA_TEXT_RUNS_H

#include <SDL.h>
#include <SDL_ttf.h>
#include <stdbool.h>
#include <stddef.h>

#include "render.h"

enum text_script { SCRIPT_LATIN, SCRIPT_ARABIC, SCRIPT_ETHIOPIC, SCRIPT_COUNT };

/* Opens (or finds in a cache) the font for a script, size and weight. */
typedef TTF_Font *(*text_font_fn)(void *user, enum text_script sc, int px, enum font_weight wt);

/* True if s has a character DejaVu cannot draw or that is right to left:
 * it must go through text_runs_render. */
bool text_runs_needed(const char *s);
/* Finds a font file for family (e.g. "Noto Sans Arabic") and weight via
 * fontconfig, only if it covers sample (a code point). */
bool text_runs_find_font(const char *family, bool bold, unsigned sample, char *out, size_t outlen);
/* True if the first strong character of s is right to left (FriBidi's
 * paragraph direction; false when s has none). */
bool text_runs_base_rtl(const char *s);
/* The runs of s (one line, base direction rtl) in visual order, left to
 * right on screen, as UTF-8 joined by '|', with each run's level and
 * script after it ("Åsa Ö.@2L|هل أنت@1A"); bidi marks (LRM, RLM, the
 * isolates U+2066..U+2069) are not drawn and are left out. For tests and
 * diagnostics. Returns the number of runs. */
size_t text_runs_visual(const char *s, bool rtl, char *out, size_t outlen);
/* Frees fontconfig's state (render_close; after text_runs_find_font). */
void text_runs_fini(void);
/* Size of s (one line) in pixels. */
SDL_Point text_runs_size(text_font_fn font, void *user, const char *s, int px, enum font_weight wt,
			 bool rtl);
/* Renders s (wrap > 0: word-wrapped at wrap pixels, lines aligned by
 * align) with base direction rtl. Caller frees the surface. */
SDL_Surface *text_runs_render(text_font_fn font, void *user, const char *s, int px,
			      enum font_weight wt, SDL_Color c, int wrap, enum text_align align,
			      bool rtl);

#endif
