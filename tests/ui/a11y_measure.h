/* SPDX-License-Identifier: MIT */
/* The accessibility check of the kiosk's screens: reads the kiosk's own
 * layout dump (control command "layout": button rectangles, every text's
 * rectangle, capital height and colour) and the screenshot of the same
 * frame (SDL's 32-bit BMP), and measures what the floors are about:
 * touch-target size in mm on the real panel, capital height of text in mm,
 * text contrast (declared colour against the most common pixel of the
 * text's box) and non-text contrast of every control's boundary (the
 * pixel just inside each side against the pixel just outside). */
#ifndef BLIPPA_A11Y_MEASURE_H
#define BLIPPA_A11Y_MEASURE_H

#include <stdbool.h>
#include <stddef.h>

/* Floors (issue 17; WCAG 2.2 1.4.3 and 1.4.11). */
#define A11Y_TARGET_MM 12.0
#define A11Y_CAP_MM 4.0
#define A11Y_TEXT_CR 4.5
#define A11Y_NONTEXT_CR 3.0

/* Lowest figures seen so far (start with a11y_init). */
struct a11y_figures {
	double target_mm, cap_mm, text_cr, nontext_cr;
	char target_at[96], cap_at[96], text_at[96], nontext_at[96];
	int screens, buttons, texts, clipped, leader_clipped;
};

void a11y_init(struct a11y_figures *f);
/* Measures one screen: the last "panel ... layout-end" block in the trace
 * file and the BMP. px_per_mm is the panel's (from the test's own panel
 * list, not the kiosk's). Lowers the figures in f; returns false and writes
 * the first violation into why (where names the screen). A text that does
 * not fit its box fails, on participant and leader screens alike; they are
 * counted apart (clipped, leader_clipped; participant false for a leader
 * screen). */
bool a11y_measure(const char *trace_path, const char *bmp_path, double px_per_mm, bool participant,
		  const char *where, struct a11y_figures *f, char *why, size_t whylen);
/* WCAG contrast ratio of two 0xRRGGBB colours. */
double a11y_contrast(unsigned a, unsigned b);

#endif
