/* SPDX-License-Identifier: MIT */
/* The kiosk's drawing layer: one SDL window + renderer, fonts found on disk
 * (DejaVu Sans from assets/fonts or fonts-dejavu-core), a text-texture cache
 * keyed by string + size + weight + colour + wrap width (text is rendered
 * once, then reused), PNG-free geometry (circles, thick lines, arcs) and
 * layout units in millimetres so touch targets keep their physical size.
 *
 * Units: millimetres on the real panel. Its size comes from [kiosk]
 * screen_diagonal_in (render_opts.diag_in), else from the display (EDID via
 * SDL, only when the figure is believable), else a 15.6" panel is assumed
 * (logged as a warning). Screens are designed for a 15.6" panel (194 mm
 * tall); on a smaller one render_mm() shrinks the layout by one factor, but
 * never a size of 12 mm or more below 12 mm (touch targets) and never text
 * below 5.6 mm (a 4 mm cap height), so small panels keep the floors and
 * lose margins and air instead. Used on the UI thread only. */
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
	float diag_in;	       /* panel diagonal in inches; 0: ask the display */
};

/* One text drawn in the current frame (the layout dump for tests). */
struct render_text_rec {
	SDL_Rect drawn; /* where the text's pixels went */
	SDL_Rect box;	/* the box it had to fit (== drawn for plain text) */
	int px, cap_px; /* font size and the height of a capital H, in pixels */
	struct rgba colour;
	bool clipped; /* did not fit its box at the smallest allowed size */
};

/* Opens the window, renderer and fonts. On failure writes one clear line
 * into err (e.g. which font paths were searched). *out: render_close. */
enum blippa_err render_open(const struct render_opts *o, struct render **out, char *err,
			    size_t errlen);
void render_close(struct render *r); /* NULL is a no-op */

int render_w(const struct render *r);
int render_h(const struct render *r);
/* Layout millimetres to pixels (at least 1): mm times the panel's layout
 * factor, but never under 12 mm when mm >= 12 (see Units above). */
int render_mm(const struct render *r, float mm);
/* Physical millimetres to pixels, no layout factor. */
int render_mm_phys(const struct render *r, float mm);
float render_px_per_mm(const struct render *r);
float render_compact(const struct render *r); /* the layout factor, <= 1 */
/* Call after SDL_WINDOWEVENT_SIZE_CHANGED: re-reads the output size. */
void render_resized(struct render *r);
SDL_Renderer *render_sdl(struct render *r);
/* False when render_open will open its own Wayland window (SDL's Wayland
 * driver would be used with the software renderer: wl_window.h); then
 * SDL_INIT_VIDEO must not be initialised (it would load EGL). */
bool render_needs_sdl_video(void);
/* Where the window is and its size, and the size of its display (0,0 when
 * unknown), on SDL's window or ours (for the control channel's trace). */
void render_geometry(const struct render *r, SDL_Rect *win, SDL_Point *display);
void render_show_cursor(struct render *r, bool show); /* over the window */
/* The UI loop's wait on our own Wayland window: waits up to timeout_ms for
 * window/input events (pushed as SDL events) or render_wake(); 0 then, -1
 * when the compositor is gone. 1 (nothing done) on SDL's window: use
 * SDL_WaitEventTimeout there. */
int render_wait_events(struct render *r, int timeout_ms);
/* Any thread, after an SDL_PushEvent for the UI: ends render_wait_events. */
void render_wake(struct render *r);

/* Right-to-left layout: every x is mirrored (x -> w - x) and left/right
 * text alignment swapped; text itself is not mirrored. */
void render_set_mirror(struct render *r, bool on);
bool render_mirrored(const struct render *r);
SDL_Rect render_mirror_rect(const struct render *r, SDL_Rect rc); /* as drawn */

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
/* Closes the faces of other scripts than Latin (Noto Sans Arabic, Ethiopic:
 * FreeType face, HarfBuzz tables, glyph cache each) that were not used since
 * the previous call, and the cached texts drawn with them that were not
 * used since then either; Latin faces stay. Cheap; call when nothing is drawing
 * (going home). A face still needed is opened again on its next use.
 * all_texts: drop every cached text too (after a screen with many texts of
 * its own - search, keyboard, leader lists - which would otherwise hold
 * about 2 MB at 1920x1080 until LRU needed room); the next frame makes
 * the few it draws again. */
void render_fonts_trim(struct render *r, bool all_texts);

/* The texts drawn since the frame began (render_clear); valid until then. */
size_t render_text_log(const struct render *r, const struct render_text_rec **out);

/* Presents the frame. */
void render_present(struct render *r);
/* Reads the current (not yet presented) frame into a BMP file. */
enum blippa_err render_save_bmp(struct render *r, const char *path);

/* Cache statistics for tests and the benchmark. */
size_t render_cache_entries(const struct render *r);
size_t render_cache_hits(const struct render *r);
size_t render_cache_misses(const struct render *r);

/* Finds a font file by name (e.g. "DejaVuSans.ttf") in the search list:
 * asset_dir/fonts, $BLIPPA_ASSET_DIR/fonts, the source tree's assets/fonts
 * (development builds only: BLIPPA_DEV_PATHS), the installed asset dir,
 * /usr/share/fonts/truetype/dejavu. Writes the path; false if absent. */
bool render_find_font(const char *asset_dir, const char *name, char *out, size_t outlen);

#endif
