/* SPDX-License-Identifier: MIT */
/* SDL window/renderer, fonts, the text-texture cache and geometry helpers.
 * See render.h for the unit model. */
#include "render.h"

#include <SDL_ttf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "text_runs.h"

#ifndef BLIPPA_ASSET_DIR_INSTALLED
#define BLIPPA_ASSET_DIR_INSTALLED "/usr/share/blippa"
#endif

#define REF_DIAG_IN 15.6f   /* assumed when neither config nor display knows */
#define REF_SHORT_MM 194.0f /* the layout's design size: a 15.6" 16:9 panel ... */
#define REF_LONG_MM 330.0f  /* ... whose sides are 194 x 345 mm */
#define FLOOR_TARGET_MM 12.0f
#define FLOOR_TEXT_MM 5.6f /* DejaVu Sans cap height 0.73 em: 4.1 mm */
#define TEXT_LOG_MAX 256
#define FONTS_MAX 24				   /* open (size, weight) faces */
#define TEXT_CACHE_MAX 256			   /* cached text textures */
#define TEXT_CACHE_MAX_PIXELS (1u * 1024u * 1024u) /* ~4 MB of RGBA */
#define TEXT_KEY_MAX 1024			   /* longer strings are cut for the key */
#define GEOM_SEGMENTS_MAX 128

struct font_slot {
	TTF_Font *font;
	int px;
	enum font_weight wt;
	enum text_script sc;
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
	SDL_Window *win;
	SDL_Renderer *ren;
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
	size_t hits, misses;
};

bool render_find_font(const char *asset_dir, const char *name, char *out, size_t outlen)
{
	const char *dirs[5];
	const char *env = getenv("BLIPPA_ASSET_DIR");
	size_t n = 0;

	if (asset_dir && *asset_dir)
		dirs[n++] = asset_dir;
	if (env && *env)
		dirs[n++] = env;
#ifdef BLIPPA_ASSET_DIR_SOURCE /* development builds only (BLIPPA_DEV_PATHS) */
	dirs[n++] = BLIPPA_ASSET_DIR_SOURCE;
#endif
	dirs[n++] = BLIPPA_ASSET_DIR_INSTALLED;
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(out, outlen, "%s/fonts/%s", dirs[i], name);
		if (k > 0 && (size_t)k < outlen && access(out, R_OK) == 0)
			return true;
	}
	{
		int k = snprintf(out, outlen, "/usr/share/fonts/truetype/dejavu/%s", name);
		if (k > 0 && (size_t)k < outlen && access(out, R_OK) == 0)
			return true;
	}
	return false;
}

/* Pixels per mm the display itself reports (EDID through the video driver),
 * or 0 when there is no answer or it is not believable: X servers without
 * EDID report a made-up 96 dpi, some drivers 0 or absurd values, and a
 * horizontal/vertical mismatch means the figure is invented. */
static float display_px_per_mm(struct render *r)
{
	float ddpi = 0, hdpi = 0, vdpi = 0;
	int d = SDL_GetWindowDisplayIndex(r->win);
	if (d < 0 || SDL_GetDisplayDPI(d, &ddpi, &hdpi, &vdpi) != 0)
		return 0.0f;
	if (hdpi < 50.0f || hdpi > 400.0f || vdpi < 50.0f || vdpi > 400.0f)
		return 0.0f;
	if (fabsf(hdpi - 96.0f) < 0.01f && fabsf(vdpi - 96.0f) < 0.01f)
		return 0.0f;
	if (fabsf(hdpi - vdpi) > 0.1f * hdpi)
		return 0.0f;
	return (hdpi + vdpi) / 2.0f / 25.4f;
}

static void render_measure(struct render *r)
{
	int w = 0, h = 0, pw, ph;
	float short_mm, long_mm, k;
	SDL_DisplayMode mode;
	SDL_GetRendererOutputSize(r->ren, &w, &h);
	if (w <= 0 || h <= 0)
		SDL_GetWindowSize(r->win, &w, &h);
	r->w = w > 0 ? w : 1;
	r->h = h > 0 ? h : 1;
	/* the panel's pixels: the whole display when fullscreen; a window
	 * (tests, --size) stands for a panel of its own size */
	pw = r->w;
	ph = r->h;
	if (r->fullscreen &&
	    SDL_GetDesktopDisplayMode(SDL_GetWindowDisplayIndex(r->win), &mode) == 0 &&
	    mode.w > 0 && mode.h > 0) {
		pw = mode.w;
		ph = mode.h;
	}
	if (r->diag_in > 0.0f) {
		r->px_per_mm = hypotf((float)pw, (float)ph) / (r->diag_in * 25.4f);
		r->size_source = "config";
	} else if ((r->px_per_mm = display_px_per_mm(r)) > 0.0f) {
		r->size_source = "display";
	} else {
		r->px_per_mm = hypotf((float)pw, (float)ph) / (REF_DIAG_IN * 25.4f);
		r->size_source = "assumed 15.6\"";
	}
	short_mm = (float)(r->w < r->h ? r->w : r->h) / r->px_per_mm;
	long_mm = (float)(r->w < r->h ? r->h : r->w) / r->px_per_mm;
	k = short_mm / REF_SHORT_MM;
	if (long_mm / REF_LONG_MM < k)
		k = long_mm / REF_LONG_MM;
	r->compact = k > 1.0f ? 1.0f : k;
}

enum blippa_err render_open(const struct render_opts *o, struct render **out, char *err,
			    size_t errlen)
{
	enum blippa_err rc = BLIPPA_OK;
	struct render *r = calloc(1, sizeof *r);
	Uint32 flags = SDL_WINDOW_SHOWN;
	int w = o->w, h = o->h;

	*out = NULL;
	if (!r)
		return BLIPPA_ERR_NOMEM;
	r->fullscreen = o->fullscreen;
	r->diag_in = o->diag_in;
	if (!render_find_font(o->asset_dir, "DejaVuSans.ttf", r->font_path[SCRIPT_LATIN][0],
			      sizeof r->font_path[0][0]) ||
	    !render_find_font(o->asset_dir, "DejaVuSans-Bold.ttf", r->font_path[SCRIPT_LATIN][1],
			      sizeof r->font_path[0][0])) {
		snprintf(err, errlen,
			 "font DejaVuSans.ttf / DejaVuSans-Bold.ttf not found in "
			 "$BLIPPA_ASSET_DIR/fonts, %s/fonts or /usr/share/fonts/truetype/dejavu: "
			 "install fonts-dejavu-core",
			 BLIPPA_ASSET_DIR_INSTALLED);
		rc = BLIPPA_ERR_CONFIG;
		goto out;
	}
	{
		/* Arabic/Persian and Ge'ez (Tigrinya): fonts-noto-core, found by
		 * fontconfig; without them those languages show boxes (logged) */
		static const struct {
			enum text_script sc;
			const char *family;
			unsigned sample;
		} extra[] = {{SCRIPT_ARABIC, "Noto Sans Arabic", 0x0627},
			     {SCRIPT_ETHIOPIC, "Noto Sans Ethiopic", 0x1200}};
		for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
			for (int b = 0; b < 2; b++)
				if (!text_runs_find_font(extra[i].family, b == 1, extra[i].sample,
							 r->font_path[extra[i].sc][b],
							 sizeof r->font_path[0][0]))
					log_warn("render",
						 "font %s not found (install fonts-noto-core)",
						 extra[i].family);
	}
	if (TTF_Init() != 0) {
		snprintf(err, errlen, "SDL_ttf: %s", TTF_GetError());
		rc = BLIPPA_ERR_IO;
		goto out;
	}
	if (o->fullscreen) {
		flags |= SDL_WINDOW_FULLSCREEN_DESKTOP | SDL_WINDOW_BORDERLESS;
		if (w <= 0 || h <= 0) {
			w = 1920;
			h = 1080;
		}
	}
	if (w <= 0 || h <= 0) {
		w = 1280;
		h = 800;
	}
	r->win = SDL_CreateWindow(o->title ? o->title : "Blippa", SDL_WINDOWPOS_CENTERED,
				  SDL_WINDOWPOS_CENTERED, w, h, flags);
	if (!r->win) {
		snprintf(err, errlen, "cannot open a window: %s", SDL_GetError());
		rc = BLIPPA_ERR_IO;
		goto out;
	}
	/* no PRESENTVSYNC: a frame is drawn only when something changed, and
	 * waiting for vblank would only add latency to the check-in frame */
	r->ren = SDL_CreateRenderer(r->win, -1, 0);
	if (!r->ren)
		r->ren = SDL_CreateRenderer(r->win, -1, SDL_RENDERER_SOFTWARE);
	if (!r->ren) {
		snprintf(err, errlen, "cannot create a renderer: %s", SDL_GetError());
		rc = BLIPPA_ERR_IO;
		goto out;
	}
	SDL_SetRenderDrawBlendMode(r->ren, SDL_BLENDMODE_BLEND);
	render_measure(r);
	{
		SDL_RendererInfo info;
		if (SDL_GetRendererInfo(r->ren, &info) == 0)
			log_info("render", "renderer %s, %dx%d, %.2f px/mm (%s), layout %.2f",
				 info.name, r->w, r->h, (double)r->px_per_mm, r->size_source,
				 (double)r->compact);
		if (r->size_source[0] == 'a')
			log_warn("render", "panel size unknown: set [kiosk] screen_diagonal_in so "
					   "touch targets keep their size");
	}
out:
	if (rc != BLIPPA_OK) {
		render_close(r);
		r = NULL;
	}
	*out = r;
	return rc;
}

static void cache_drop(struct render *r, size_t i)
{
	struct text_entry *e = &r->cache[i];
	SDL_DestroyTexture(e->tex);
	free(e->str);
	r->cache_pixels -= (size_t)e->w * (size_t)e->h;
	r->cache[i] = r->cache[--r->n_cache];
}

void render_close(struct render *r)
{
	if (!r)
		return;
	while (r->n_cache > 0)
		cache_drop(r, r->n_cache - 1);
	for (size_t i = 0; i < r->n_fonts; i++)
		TTF_CloseFont(r->fonts[i].font);
	if (TTF_WasInit())
		TTF_Quit();
	text_runs_fini();
	if (r->ren)
		SDL_DestroyRenderer(r->ren);
	if (r->win)
		SDL_DestroyWindow(r->win);
	free(r);
}

int render_w(const struct render *r)
{
	return r->w;
}

int render_h(const struct render *r)
{
	return r->h;
}

int render_mm(const struct render *r, float mm)
{
	float phys = mm * r->compact;
	int px;
	if (mm >= FLOOR_TARGET_MM && phys < FLOOR_TARGET_MM)
		phys = FLOOR_TARGET_MM;
	px = (int)ceilf(phys * r->px_per_mm - 0.01f);
	return px < 1 ? 1 : px;
}

int render_mm_phys(const struct render *r, float mm)
{
	int px = (int)ceilf(mm * r->px_per_mm - 0.01f);
	return px < 1 ? 1 : px;
}

float render_px_per_mm(const struct render *r)
{
	return r->px_per_mm;
}

float render_compact(const struct render *r)
{
	return r->compact;
}

void render_resized(struct render *r)
{
	render_measure(r);
}

SDL_Renderer *render_sdl(struct render *r)
{
	return r->ren;
}

void render_set_mirror(struct render *r, bool on)
{
	r->mirror = on;
}

bool render_mirrored(const struct render *r)
{
	return r->mirror;
}

static SDL_Rect render_mirror_rect_w(int w, SDL_Rect rc)
{
	rc.x = w - rc.x - rc.w;
	return rc;
}

SDL_Rect render_mirror_rect(const struct render *r, SDL_Rect rc)
{
	if (r->mirror)
		rc.x = r->w - rc.x - rc.w;
	return rc;
}

/* x of a point, mirrored for a right-to-left layout */
static float mx(const struct render *r, float x)
{
	return r->mirror ? (float)r->w - x : x;
}

/* ALIGN_LEFT <-> ALIGN_RIGHT in a mirrored layout */
static enum text_align malign(const struct render *r, enum text_align a)
{
	if (!r->mirror || a == ALIGN_CENTER)
		return a;
	return a == ALIGN_LEFT ? ALIGN_RIGHT : ALIGN_LEFT;
}

static void set_colour(struct render *r, struct rgba c)
{
	SDL_SetRenderDrawColor(r->ren, c.r, c.g, c.b, c.a);
}

void render_clear(struct render *r, struct rgba c)
{
	r->n_text_log = 0;
	set_colour(r, c);
	SDL_RenderClear(r->ren);
}

void render_fill_rect(struct render *r, SDL_Rect rc, struct rgba c)
{
	rc = render_mirror_rect(r, rc);
	set_colour(r, c);
	SDL_RenderFillRect(r->ren, &rc);
}

static SDL_Vertex vtx(float x, float y, struct rgba c)
{
	SDL_Vertex v = {{x, y}, {c.r, c.g, c.b, c.a}, {0, 0}};
	return v;
}

void render_fill_circle(struct render *r, float cx, float cy, float radius, struct rgba c)
{
	SDL_Vertex v[GEOM_SEGMENTS_MAX * 3];
	cx = mx(r, cx);
	int n = (int)(radius / 2.0f);
	if (n < 16)
		n = 16;
	if (n > GEOM_SEGMENTS_MAX)
		n = GEOM_SEGMENTS_MAX;
	for (int i = 0; i < n; i++) {
		float a0 = (float)i * 2.0f * (float)M_PI / (float)n;
		float a1 = (float)(i + 1) * 2.0f * (float)M_PI / (float)n;
		v[i * 3] = vtx(cx, cy, c);
		v[i * 3 + 1] = vtx(cx + radius * cosf(a0), cy + radius * sinf(a0), c);
		v[i * 3 + 2] = vtx(cx + radius * cosf(a1), cy + radius * sinf(a1), c);
	}
	SDL_RenderGeometry(r->ren, NULL, v, n * 3, NULL, 0);
}

void render_fill_round_rect(struct render *r, SDL_Rect rc, int radius, struct rgba c)
{
	int rad = radius;
	if (r->mirror) { /* draw the mirrored rectangle unmirrored */
		r->mirror = false;
		render_fill_round_rect(r, render_mirror_rect_w(r->w, rc), radius, c);
		r->mirror = true;
		return;
	}
	if (rad * 2 > rc.w)
		rad = rc.w / 2;
	if (rad * 2 > rc.h)
		rad = rc.h / 2;
	if (rad <= 0) {
		render_fill_rect(r, rc, c);
		return;
	}
	render_fill_rect(r, (SDL_Rect){rc.x + rad, rc.y, rc.w - 2 * rad, rc.h}, c);
	render_fill_rect(r, (SDL_Rect){rc.x, rc.y + rad, rad, rc.h - 2 * rad}, c);
	render_fill_rect(r, (SDL_Rect){rc.x + rc.w - rad, rc.y + rad, rad, rc.h - 2 * rad}, c);
	/* quarter discs at the corners */
	float fr = (float)rad;
	float cxs[2] = {(float)(rc.x + rad), (float)(rc.x + rc.w - rad)};
	float cys[2] = {(float)(rc.y + rad), (float)(rc.y + rc.h - rad)};
	for (int yi = 0; yi < 2; yi++) {
		for (int xi = 0; xi < 2; xi++) {
			SDL_Vertex v[24 * 3];
			float base = (float)M_PI *
				     (xi == 0 ? (yi == 0 ? 1.0f : 0.5f) : (yi == 0 ? 1.5f : 0.0f));
			for (int i = 0; i < 24; i++) {
				float a0 = base + (float)i * (float)M_PI / 48.0f;
				float a1 = base + (float)(i + 1) * (float)M_PI / 48.0f;
				v[i * 3] = vtx(cxs[xi], cys[yi], c);
				v[i * 3 + 1] =
				    vtx(cxs[xi] + fr * cosf(a0), cys[yi] + fr * sinf(a0), c);
				v[i * 3 + 2] =
				    vtx(cxs[xi] + fr * cosf(a1), cys[yi] + fr * sinf(a1), c);
			}
			SDL_RenderGeometry(r->ren, NULL, v, 24 * 3, NULL, 0);
		}
	}
}

void render_thick_line(struct render *r, float x0, float y0, float x1, float y1, float width,
		       struct rgba c)
{
	float dx = x1 - x0, dy = y1 - y0;
	float len = sqrtf(dx * dx + dy * dy);
	if (len <= 0.0f)
		return;
	float nx = -dy / len * width / 2.0f, ny = dx / len * width / 2.0f;
	float X0 = mx(r, x0), X1 = mx(r, x1);
	if (r->mirror)
		nx = -nx;
	SDL_Vertex v[6] = {vtx(X0 + nx, y0 + ny, c), vtx(X1 + nx, y1 + ny, c),
			   vtx(X1 - nx, y1 - ny, c), vtx(X0 + nx, y0 + ny, c),
			   vtx(X1 - nx, y1 - ny, c), vtx(X0 - nx, y0 - ny, c)};
	SDL_RenderGeometry(r->ren, NULL, v, 6, NULL, 0);
	/* round caps */
	render_fill_circle(r, x0, y0, width / 2.0f, c);
	render_fill_circle(r, x1, y1, width / 2.0f, c);
}

void render_fill_triangle(struct render *r, float x0, float y0, float x1, float y1, float x2,
			  float y2, struct rgba c)
{
	SDL_Vertex v[3] = {vtx(mx(r, x0), y0, c), vtx(mx(r, x1), y1, c), vtx(mx(r, x2), y2, c)};
	SDL_RenderGeometry(r->ren, NULL, v, 3, NULL, 0);
}

void render_arc(struct render *r, float cx, float cy, float radius, float width, float a0, float a1,
		struct rgba c)
{
	SDL_Vertex v[GEOM_SEGMENTS_MAX * 6];
	float ri = radius - width / 2.0f, ro = radius + width / 2.0f;
	int n = (int)(fabsf(a1 - a0) * radius / 6.0f);
	if (r->mirror) { /* x -> w - x: angle a -> pi - a */
		r->mirror = false;
		render_arc(r, (float)r->w - cx, cy, radius, width, (float)M_PI - a1,
			   (float)M_PI - a0, c);
		r->mirror = true;
		return;
	}
	if (n < 8)
		n = 8;
	if (n > GEOM_SEGMENTS_MAX)
		n = GEOM_SEGMENTS_MAX;
	for (int i = 0; i < n; i++) {
		float t0 = a0 + (a1 - a0) * (float)i / (float)n;
		float t1 = a0 + (a1 - a0) * (float)(i + 1) / (float)n;
		SDL_Vertex p0 = vtx(cx + ri * cosf(t0), cy + ri * sinf(t0), c);
		SDL_Vertex p1 = vtx(cx + ro * cosf(t0), cy + ro * sinf(t0), c);
		SDL_Vertex p2 = vtx(cx + ro * cosf(t1), cy + ro * sinf(t1), c);
		SDL_Vertex p3 = vtx(cx + ri * cosf(t1), cy + ri * sinf(t1), c);
		v[i * 6] = p0;
		v[i * 6 + 1] = p1;
		v[i * 6 + 2] = p2;
		v[i * 6 + 3] = p0;
		v[i * 6 + 4] = p2;
		v[i * 6 + 5] = p3;
	}
	SDL_RenderGeometry(r->ren, NULL, v, n * 6, NULL, 0);
	render_fill_circle(r, cx + radius * cosf(a0), cy + radius * sinf(a0), width / 2.0f, c);
	render_fill_circle(r, cx + radius * cosf(a1), cy + radius * sinf(a1), width / 2.0f, c);
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
	for (size_t i = 0; i < r->n_fonts; i++)
		if (r->fonts[i].px == px && r->fonts[i].wt == wt && r->fonts[i].sc == sc)
			return r->fonts[i].font;
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
	r->fonts[slot] = (struct font_slot){f, px, wt, sc};
	return f;
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
	x = (int)mx(r, (float)x);
	align = malign(r, align);
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
	align = malign(r, align);
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
	align = malign(r, align);
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

void render_present(struct render *r)
{
	SDL_RenderPresent(r->ren);
}

enum blippa_err render_save_bmp(struct render *r, const char *path)
{
	enum blippa_err rc = BLIPPA_OK;
	SDL_Surface *s =
	    SDL_CreateRGBSurfaceWithFormat(0, r->w, r->h, 32, SDL_PIXELFORMAT_ARGB8888);
	if (!s)
		return BLIPPA_ERR_NOMEM;
	if (SDL_RenderReadPixels(r->ren, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) !=
		0 ||
	    SDL_SaveBMP(s, path) != 0) {
		log_error("render", "screenshot failed: %s", SDL_GetError());
		rc = BLIPPA_ERR_IO;
	}
	SDL_FreeSurface(s);
	return rc;
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
