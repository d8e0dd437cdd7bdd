/* SPDX-License-Identifier: MIT */
/* Hygiene for text that comes from outside (kiosks, roster CSV, admin
 * command lines) and is later shown to people: one place that knows which
 * Unicode characters are controls, bidi overrides and isolates, or
 * invisible. Used by the protocol decoder (heartbeat text), the roster
 * import (names) and blippa-server's admin commands. */
#ifndef BLIPPA_TEXT_H
#define BLIPPA_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes the UTF-8 character at s (n bytes available): returns its length
 * (1-4) with the code point in *cp, or 0 if the bytes are not valid UTF-8
 * (overlong, surrogate, above U+10FFFF, cut short). */
size_t text_utf8_next(const char *s, size_t n, uint32_t *cp);

/* C0 controls, DEL and C1 controls (U+0000-001F, U+007F-009F). */
bool text_is_control(uint32_t cp);
/* Bidi embeddings, overrides and isolates: U+202A-202E, U+2066-2069 (they
 * reorder the text around them: "gnp.exe" shown as "exe.png"). */
bool text_is_bidi_control(uint32_t cp);
/* Characters that show nothing: spaces, zero-width and other format
 * characters (U+200B-200F, U+2060-206F, U+FEFF, ...), variation
 * selectors, tags and invisible fillers (U+3164, U+FFA0, U+2800, ...). */
bool text_is_invisible(uint32_t cp);

/* Copies the NUL-terminated src into dst (dstlen bytes with the NUL),
 * keeping at most max bytes and never cutting a character: invalid UTF-8
 * bytes and control characters become '?', bidi controls are dropped.
 * src NULL gives "". */
void text_sanitize(char *dst, size_t dstlen, const char *src, size_t max);

/* Why s cannot be a name (of a person, group, facility, leader or kiosk),
 * or NULL if it can: "not valid UTF-8", "a control character", "a bidi
 * control character" or "no visible character". Length is the caller's. */
const char *text_name_problem(const char *s);

/* The value of hex digit c (0-9, a-f, A-F), or -1. */
int text_hex_val(char c);

#endif
