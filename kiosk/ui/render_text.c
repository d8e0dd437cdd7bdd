/* SPDX-License-Identifier: MIT */
/* The renderer's text half: fonts by script, size and weight (an LRU of
 * open faces), the text-texture cache, measuring, fitting, wrapping and the
 * log of drawn texts the layout check reads. Right-to-left and non-Latin
 * text goes through text_runs.c. See render.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "render_int.h"

static void cache_drop(struct render *r, size_t i)
{
	struct text_entry *e = &r->cache[i];
	SDL_DestroyTexture(e->tex);
	free(e->str);
	r->cache_pixels -= (size_t)e->w * (size_t)e->h;
	r->cache[i] = r->cache[--r->n_cache];
}

void render_text_cache_clear(struct render *r)
{
	while (r->n_cache > 0)
		cache_drop(r, r->n_cache - 1);
}

void render_text_fonts_close(struct render *r)
{
	for (size_t i = 0; i < r->n_fonts; i++)
		TTF_CloseFont(r->fonts[i].font);
	r->n_fonts = 0;
}

/* ---- fonts and text ---- */

/* Text sizes shrink with the layout but never below the text floor (or the
 * size asked for, when that is smaller: leader-only detail). */
static float text_phys_mm(const struct render *r, float size_mm)
{
	float phys = size_mm * r->compact;
	float floor_mm = size_mm < FLOOR_TEXT_MM ? size_mm : FLOOR_TEXT_MM;
	return phys < floor_mm ? floor_mm : phys;
}

static int size_px(const struct render *r, float size_mm)
{
	int px = (int)ceilf(text_phys_mm(r, size_mm) * r->px_per_mm);
	return px < 6 ? 6 : px;
}

static TTF_Font *font_get_sc(struct render *r, enum text_script sc, int px, enum font_weight wt)
{
	size_t slot;
	TTF_Font *f;
	if (!r->font_path[sc][wt == FONT_BOLD][0])
		sc = SCRIPT_LATIN;
	r->use_clock++;
	for (size_t i = 0; i < r->n_fonts; i++)
		if (r->fonts[i].px == px && r->fonts[i].wt == wt && r->fonts[i].sc == sc) {
			r->fonts[i].used = r->use_clock;
			return r->fonts[i].font;
		}
	f = TTF_OpenFont(r->font_path[sc][wt == FONT_BOLD], px);
	if (!f) {
		log_error("render", "cannot open font at %d px: %s", px, TTF_GetError());
		return NULL;
	}
	if (r->n_fonts < FONTS_MAX) {
		slot = r->n_fonts++;
	} else {
		/* the text cache keeps textures, not faces: any face can go */
		slot = r->next_font_victim;
		r->next_font_victim = (r->next_font_victim + 1) % FONTS_MAX;
		TTF_CloseFont(r->fonts[slot].font);
	}
	r->fonts[slot] = (struct font_slot){f, px, wt, sc, r->use_clock};
	return f;
}

void render_fonts_trim(struct render *r, bool all_texts)
{
	size_t kept = 0;
	for (size_t i = 0; i < r->n_fonts; i++) {
		if (r->fonts[i].sc != SCRIPT_LATIN && r->fonts[i].used <= r->trim_mark)
			TTF_CloseFont(r->fonts[i].font);
		else
			r->fonts[kept++] = r->fonts[i];
	}
	r->n_fonts = kept;
	r->next_font_victim = 0;
	/* and their texts (the language picker's names, a greeting in the
	 * participant's language): the cache keeps them until LRU needs room */
	for (size_t i = r->n_cache; i-- > 0;)
		if (all_texts ||
		    (r->cache[i].last_used <= r->trim_mark && text_runs_needed(r->cache[i].str)))
			cache_drop(r, i);
	r->trim_mark = r->use_clock;
}

static TTF_Font *font_get(struct render *r, int px, enum font_weight wt)
{
	TTF_Font *f = font_get_sc(r, SCRIPT_LATIN, px, wt);
	if (f) { /* runs may have left another direction on it */
		TTF_SetFontDirection(f, TTF_DIRECTION_LTR);
		TTF_SetFontScriptName(f, "Latn");
	}
	return f;
}

static TTF_Font *font_for_runs(void *user, enum text_script sc, int px, enum font_weight wt)
{
	return font_get_sc(user, sc, px, wt);
}

/* Size of s at px in pixels, through the runs when it needs them. */
static SDL_Point measure(struct render *r, const char *s, int px, enum font_weight wt)
{
	SDL_Point p = {0, 0};
	TTF_Font *f;
	if (text_runs_needed(s))
		return text_runs_size(font_for_runs, r, s, px, wt, r->mirror);
	f = font_get(r, px, wt);
	if (f)
		TTF_SizeUTF8(f, s, &p.x, &p.y);
	return p;
}

static uint64_t text_hash(const char *s, int px, enum font_weight wt, uint32_t colour, int wrap)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	h = (h ^ (uint64_t)px) * 1099511628211ull;
	h = (h ^ (uint64_t)wt) * 1099511628211ull;
	h = (h ^ colour) * 1099511628211ull;
	h = (h ^ (uint64_t)(unsigned)wrap) * 1099511628211ull;
	return h;
}

static void cache_make_room(struct render *r, size_t pixels)
{
	while (r->n_cache > 0 &&
	       (r->n_cache >= TEXT_CACHE_MAX || r->cache_pixels + pixels > TEXT_CACHE_MAX_PIXELS)) {
		size_t victim = 0;
		for (size_t i = 1; i < r->n_cache; i++)
			if (r->cache[i].last_used < r->cache[victim].last_used)
				victim = i;
		cache_drop(r, victim);
	}
}

/* The cached texture for (s, px, wt, colour, wrap); NULL on failure. */
static struct text_entry *text_get(struct render *r, const char *s, int px, enum font_weight wt,
				   struct rgba c, int wrap)
{
	char key[TEXT_KEY_MAX];
	uint32_t colour = (uint32_t)c.r << 24 | (uint32_t)c.g << 16 | (uint32_t)c.b << 8 | c.a;
	uint64_t h;
	SDL_Surface *surf = NULL;
	struct text_entry *e = NULL;
	TTF_Font *f;

	snprintf(key, sizeof key, "%s", s);
	h = text_hash(key, px, wt, colour, wrap);
	r->use_clock++;
	for (size_t i = 0; i < r->n_cache; i++) {
		e = &r->cache[i];
		if (e->hash == h && e->px == px && e->wt == wt && e->colour == colour &&
		    e->wrap == wrap && strcmp(e->str, key) == 0) {
			e->last_used = r->use_clock;
			r->hits++;
			return e;
		}
	}
	r->misses++;
	SDL_Color col = {c.r, c.g, c.b, c.a};
	if (text_runs_needed(key)) {
		surf = text_runs_render(font_for_runs, r, key, px, wt, col, wrap,
					wrap > 0 ? ALIGN_CENTER : ALIGN_LEFT, r->mirror);
		f = NULL;
	} else if (!(f = font_get(r, px, wt))) {
		return NULL;
	} else if (wrap > 0) {
		TTF_SetFontWrappedAlign(f, TTF_WRAPPED_ALIGN_CENTER);
		surf = TTF_RenderUTF8_Blended_Wrapped(f, key, col, (Uint32)wrap);
	} else {
		surf = TTF_RenderUTF8_Blended(f, key, col);
	}
	if (!surf)
		return NULL;
	cache_make_room(r, (size_t)surf->w * (size_t)surf->h);
	e = &r->cache[r->n_cache];
	memset(e, 0, sizeof *e);
	e->tex = SDL_CreateTextureFromSurface(r->ren, surf);
	e->str = strdup(key);
	if (!e->tex || !e->str) {
		if (e->tex)
			SDL_DestroyTexture(e->tex);
		free(e->str);
		SDL_FreeSurface(surf);
		return NULL;
	}
	e->hash = h;
	e->px = px;
	e->wt = wt;
	e->colour = colour;
	e->wrap = wrap;
	e->w = surf->w;
	e->h = surf->h;
	e->last_used = r->use_clock;
	r->cache_pixels += (size_t)e->w * (size_t)e->h;
	r->n_cache++;
	SDL_FreeSurface(surf);
	return e;
}

SDL_Point render_text_size(struct render *r, const char *s, float size_mm, enum font_weight wt)
{
	SDL_Point p = {0, 0};
	if (!s || !*s)
		return p;
	return measure(r, s, size_px(r, size_mm), wt);
}

void render_warm_font(struct render *r, float size_mm, enum font_weight wt)
{
	static const char warm[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖÉÜ abcdefghijklmnopqrstuvwxyzåäöéü"
				   "0123456789:.,!?-–()·";
	TTF_Font *f = font_get(r, size_px(r, size_mm), wt);
	SDL_Surface *s;
	if (!f)
		return;
	s = TTF_RenderUTF8_Blended(f, warm, (SDL_Color){255, 255, 255, 255});
	SDL_FreeSurface(s);
}

/* Records a drawn text for the layout dump (render_text_log). */
static void text_log(struct render *r, SDL_Rect drawn, SDL_Rect box, int px, enum font_weight wt,
		     struct rgba c, bool clipped)
{
	struct render_text_rec *t;
	TTF_Font *f;
	int minx, maxx, miny, maxy, adv;
	if (r->n_text_log >= TEXT_LOG_MAX)
		return;
	t = &r->text_log[r->n_text_log++];
	t->drawn = drawn;
	t->box = box;
	t->px = px;
	t->cap_px = 0;
	f = font_get(r, px, wt);
	if (f && TTF_GlyphMetrics32(f, 'H', &minx, &maxx, &miny, &maxy, &adv) == 0)
		t->cap_px = maxy;
	t->colour = c;
	t->clipped = clipped;
}

static void blit(struct render *r, const struct text_entry *e, int x, int y)
{
	SDL_Rect dst = {x, y, e->w, e->h};
	SDL_RenderCopy(r->ren, e->tex, NULL, &dst);
}

static int align_x(SDL_Rect box, int w, enum text_align align)
{
	return align == ALIGN_LEFT
		   ? box.x
		   : (align == ALIGN_CENTER ? box.x + (box.w - w) / 2 : box.x + box.w - w);
}

int render_text(struct render *r, const char *s, int x, int y, float size_mm, enum font_weight wt,
		struct rgba c, enum text_align align)
{
	struct text_entry *e;
	int px = size_px(r, size_mm);
	if (!s || !*s)
		return 0;
	e = text_get(r, s, px, wt, c, 0);
	if (!e)
		return 0;
	x = (int)render_mx(r, (float)x);
	align = render_malign(r, align);
	if (align == ALIGN_CENTER)
		x -= e->w / 2;
	else if (align == ALIGN_RIGHT)
		x -= e->w;
	blit(r, e, x, y);
	{
		SDL_Rect d = {x, y, e->w, e->h};
		bool off = x < 0 || x + e->w > r->w || y < 0 || y + e->h > r->h;
		text_log(r, d, d, px, wt, c, off);
	}
	return e->w;
}

/* The smallest pixel size text asked at size_mm may shrink to. */
static int floor_px(const struct render *r, float size_mm)
{
	float floor_mm = size_mm < FLOOR_TEXT_MM ? size_mm : FLOOR_TEXT_MM;
	int px = (int)ceilf(floor_mm * r->px_per_mm);
	int start = size_px(r, size_mm);
	if (px < start * 55 / 100)
		px = start * 55 / 100;
	return px < 6 ? 6 : px;
}

float render_text_fit(struct render *r, const char *s, SDL_Rect box, float size_mm,
		      enum font_weight wt, struct rgba c, enum text_align align)
{
	int px = size_px(r, size_mm), lo = floor_px(r, size_mm);
	struct text_entry *e;
	if (!s || !*s)
		return size_mm;
	box = render_mirror_rect(r, box);
	align = render_malign(r, align);
	for (;;) {
		SDL_Point p = measure(r, s, px, wt);
		if ((p.x <= box.w && p.y <= box.h + box.h / 4) || px <= lo)
			break;
		px = px * 92 / 100;
		if (px < lo)
			px = lo;
	}
	e = text_get(r, s, px, wt, c, 0);
	if (!e)
		return size_mm;
	if (e->w > box.w) { /* still too long: clip rather than spill */
		SDL_Rect src = {0, 0, box.w, e->h};
		SDL_Rect dst = {box.x, box.y + (box.h - e->h) / 2, box.w, e->h};
		SDL_RenderCopy(r->ren, e->tex, &src, &dst);
		text_log(r, dst, box, px, wt, c, true);
		return (float)px / r->px_per_mm;
	}
	{
		SDL_Rect d = {align_x(box, e->w, align), box.y + (box.h - e->h) / 2, e->w, e->h};
		blit(r, e, d.x, d.y);
		text_log(r, d, box, px, wt, c, false);
	}
	return (float)px / r->px_per_mm;
}

int render_text_wrap(struct render *r, const char *s, SDL_Rect box, float size_mm,
		     enum font_weight wt, struct rgba c, enum text_align align)
{
	int px = size_px(r, size_mm), lo = floor_px(r, size_mm);
	struct text_entry *e = NULL;
	if (!s || !*s)
		return 0;
	box = render_mirror_rect(r, box);
	align = render_malign(r, align);
	for (;;) {
		e = text_get(r, s, px, wt, c, box.w);
		if (!e || e->h <= box.h || px <= lo)
			break;
		px = px * 9 / 10;
		if (px < lo)
			px = lo;
	}
	if (!e)
		return 0;
	{
		SDL_Rect d = {align_x(box, e->w, align), box.y, e->w, e->h};
		blit(r, e, d.x, d.y);
		text_log(r, d, box, px, wt, c, e->h > box.h || e->w > box.w);
	}
	return e->h;
}

size_t render_text_log(const struct render *r, const struct render_text_rec **out)
{
	*out = r->text_log;
	return r->n_text_log;
}

size_t render_cache_entries(const struct render *r)
{
	return r->n_cache;
}

size_t render_cache_hits(const struct render *r)
{
	return r->hits;
}

size_t render_cache_misses(const struct render *r)
{
	return r->misses;
}
