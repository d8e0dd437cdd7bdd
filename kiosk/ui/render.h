/* SPDX-License-Identifier: MIT */
/* The kiosk's drawing layer: one SDL window + renderer, fonts found on disk
 * (DejaVu Sans from assets/fonts or fonts-dejavu-core), a text-texture cache
 * keyed by string + size + weight + colour + wrap width (text is rendered
 * once, then reused), PNG-free geometry (circles, thick lines, arcs) and
 * layout units in millimetres so touch targets keep their physical size.
 *
 * Units: the layout assumes the panel's physical size scales with its pixel
 * diagonal like the reference 15.6" panel (1920x1080 -> 5.56 px/mm), so every
 * resolution and aspect gets the same proportions. Used on the UI thread only. */
#ifndef BLIPPA_RENDER_H
#define BLIPPA_RENDER_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct render;

struct rgba {
	uint8_t r, g, b, a;
};
#define RGB(hex) ((struct rgba){(uint8_t)((hex) >> 16), (uint8_t)((hex) >> 8), (uint8_t)(hex), 255})

enum text_align { ALIGN_LEFT, ALIGN_CENTER, ALIGN_RIGHT };
enum font_weight { FONT_REGULAR, FONT_BOLD };

struct render_opts {
	int w, h;	 /* windowed size (0,0 = 1280x800); fullscreen ignores it */
	bool fullscreen; /* borderless, at the bounds of display 0, fullscreen */
	const char *title;
	const char *asset_dir; /* extra place to look for fonts/ (may be NULL) */
};

/* Opens the window, renderer and fonts. On failure writes one clear line
 * into err (e.g. which font paths were searched). *out: render_close. */
enum blippa_err render_open(const struct render_opts *o, struct render **out, char *err,
			    size_t errlen);
void render_close(struct render *r); /* NULL is a no-op */

int render_w(const struct render *r);
int render_h(const struct render *r);
/* Millimetres to pixels (at least 1). */
int render_mm(const struct render *r, float mm);
/* Call after SDL_WINDOWEVENT_SIZE_CHANGED: re-reads the output size. */
void render_resized(struct render *r);
SDL_Renderer *render_sdl(struct render *r);
SDL_Window *render_window(struct render *r); /* owned by r */

void render_clear(struct render *r, struct rgba c);
void render_fill_rect(struct render *r, SDL_Rect rc, struct rgba c);
void render_fill_round_rect(struct render *r, SDL_Rect rc, int radius, struct rgba c);
void render_fill_circle(struct render *r, float cx, float cy, float radius, struct rgba c);
void render_thick_line(struct render *r, float x0, float y0, float x1, float y1, float width,
		       struct rgba c);
void render_fill_triangle(struct render *r, float x0, float y0, float x1, float y1, float x2,
			  float y2, struct rgba c);
/* Ring segment from angle a0 to a1 (radians, 0 = right, clockwise on screen). */
void render_arc(struct render *r, float cx, float cy, float radius, float width, float a0, float a1,
		struct rgba c);

/* Size in pixels of s at size_mm (cap height ~0.7 of it) without drawing. */
SDL_Point render_text_size(struct render *r, const char *s, float size_mm, enum font_weight wt);
/* Draws s with its top edge at y; x is the left, centre or right edge by
 * align. Returns the drawn width. Empty or NULL s draws nothing. */
int render_text(struct render *r, const char *s, int x, int y, float size_mm, enum font_weight wt,
		struct rgba c, enum text_align align);
/* Draws s inside box, shrinking the size (down to 55 %) until one line fits,
 * vertically centred. Returns the size used in mm. */
float render_text_fit(struct render *r, const char *s, SDL_Rect box, float size_mm,
		      enum font_weight wt, struct rgba c, enum text_align align);
/* Word-wrapped paragraph at most box.w wide starting at box.y, shrinking
 * until it fits box.h. Returns the height used. */
int render_text_wrap(struct render *r, const char *s, SDL_Rect box, float size_mm,
		     enum font_weight wt, struct rgba c, enum text_align align);

/* Loads the glyphs of the Swedish alphabet, digits and punctuation at this
 * size into the font's glyph cache, so the first frame that shows a new
 * string (a name, a time) does not rasterise glyphs. Call at start-up. */
void render_warm_font(struct render *r, float size_mm, enum font_weight wt);

/* Presents the frame. */
void render_present(struct render *r);
/* Reads the current (not yet presented) frame into a BMP file. */
enum blippa_err render_save_bmp(struct render *r, const char *path);

/* Cache statistics for tests and the benchmark. */
size_t render_cache_entries(const struct render *r);
size_t render_cache_hits(const struct render *r);
size_t render_cache_misses(const struct render *r);

/* Finds a font file by name (e.g. "DejaVuSans.ttf") in the search list:
 * asset_dir/fonts, $BLIPPA_ASSET_DIR/fonts, the source and installed asset
 * dirs, /usr/share/fonts/truetype/dejavu. Writes the path; false if absent. */
bool render_find_font(const char *asset_dir, const char *name, char *out, size_t outlen);

#endif
