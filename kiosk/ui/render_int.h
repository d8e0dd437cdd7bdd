/* SPDX-License-Identifier: MIT */
/* Private to the renderer (render.c: window, sizes, mirroring, shapes;
 * render_text.c: fonts, the text-texture cache, text drawing): the struct
 * behind the opaque struct render and the few helpers the two share. */
#ifndef BLIPPA_RENDER_INT_H
#define BLIPPA_RENDER_INT_H

#include <SDL_ttf.h>
#include <stdbool.h>
#include <stdint.h>

#include "render.h"
#include "text_runs.h"

#define FLOOR_TEXT_MM 5.6f /* DejaVu Sans cap height 0.73 em: 4.1 mm */
#define TEXT_LOG_MAX 256
#define FONTS_MAX 24				   /* open (size, weight) faces */
#define TEXT_CACHE_MAX 256			   /* cached text textures */
#define TEXT_CACHE_MAX_PIXELS (1u * 1024u * 1024u) /* ~4 MB of RGBA */
#define TEXT_KEY_MAX 1024			   /* longer strings are cut for the key */

struct font_slot {
	TTF_Font *font;
	int px;
	enum font_weight wt;
	enum text_script sc;
	uint64_t used; /* use_clock when last fetched (render_fonts_trim) */
};

struct text_entry {
	uint64_t hash;
	char *str;
	int px, wrap;
	enum font_weight wt;
	uint32_t colour;
	SDL_Texture *tex;
	int w, h;
	uint64_t last_used;
};

struct render {
	SDL_Window *win;      /* SDL's window, or NULL on Wayland: */
	struct wl_window *wl; /* our own window, software frames as wl_shm */
	SDL_Renderer *ren;
	SDL_Surface *frame; /* ... drawn into this surface */
	int w, h;
	bool fullscreen;
	float diag_in;	 /* from the config; 0: ask the display */
	float px_per_mm; /* physical */
	float compact;	 /* layout mm -> physical mm above the floors (<= 1) */
	const char *size_source;
	struct render_text_rec text_log[TEXT_LOG_MAX];
	size_t n_text_log;
	char font_path[SCRIPT_COUNT][2][1024]; /* "" when the script has no font */
	bool mirror;			       /* right-to-left layout */
	struct font_slot fonts[FONTS_MAX];
	size_t n_fonts, next_font_victim;
	struct text_entry cache[TEXT_CACHE_MAX];
	size_t n_cache;
	size_t cache_pixels;
	uint64_t use_clock;
	uint64_t trim_mark; /* use_clock at the last render_fonts_trim */
	size_t hits, misses;
};

/* x of a point, mirrored for a right-to-left layout (render.c) */
float render_mx(const struct render *r, float x);
/* ALIGN_LEFT <-> ALIGN_RIGHT in a mirrored layout (render.c) */
enum text_align render_malign(const struct render *r, enum text_align a);
/* Drops every cached text texture (they belong to the renderer). */
void render_text_cache_clear(struct render *r);
/* Closes the open font faces (render_close). */
void render_text_fonts_close(struct render *r);

#endif
