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
#include "present_wl.h"

#ifndef BLIPPA_ASSET_DIR_SOURCE
#define BLIPPA_ASSET_DIR_SOURCE "assets"
#endif
#ifndef BLIPPA_ASSET_DIR_INSTALLED
#define BLIPPA_ASSET_DIR_INSTALLED "/usr/share/blippa"
#endif

#define REF_DIAG_MM (15.6f * 25.4f)		   /* reference panel: 15.6" */
#define FONTS_MAX 24				   /* open (size, weight) faces */
#define TEXT_CACHE_MAX 256			   /* cached text textures */
#define TEXT_CACHE_MAX_PIXELS (1u * 1024u * 1024u) /* ~4 MB of RGBA */
#define TEXT_KEY_MAX 1024			   /* longer strings are cut for the key */
#define GEOM_SEGMENTS_MAX 128

struct font_slot {
	TTF_Font *font;
	int px;
	enum font_weight wt;
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
	struct present_wl *wl; /* Wayland: software frames as wl_shm buffers */
	SDL_Surface *frame;    /* ... drawn into this surface */
	int w, h;
	float px_per_mm;
	char font_path[2][1024];
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
	dirs[n++] = BLIPPA_ASSET_DIR_SOURCE;
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

static void render_measure(struct render *r)
{
	int w = 0, h = 0;
	SDL_GetRendererOutputSize(r->ren, &w, &h);
	if (w <= 0 || h <= 0)
		SDL_GetWindowSize(r->win, &w, &h);
	r->w = w > 0 ? w : 1;
	r->h = h > 0 ? h : 1;
	r->px_per_mm = sqrtf((float)r->w * (float)r->w + (float)r->h * (float)r->h) / REF_DIAG_MM;
}

/* On SDL's Wayland driver with the software renderer wanted (the default;
 * SDL_RENDER_DRIVER=opengl etc. in the environment keeps SDL's renderer). */
static bool use_present_wl(void)
{
	const char *drv = SDL_GetCurrentVideoDriver();
	const char *want = SDL_GetHint(SDL_HINT_RENDER_DRIVER);
	return drv && strcmp(drv, "wayland") == 0 && want && strcmp(want, "software") == 0;
}

static void cache_drop(struct render *r, size_t i);

/* Wayland: a software renderer on a surface of the window's size. Textures
 * belong to the renderer, so the text cache goes with it. */
static int make_frame(struct render *r)
{
	int w = 0, h = 0;
	SDL_GetWindowSize(r->win, &w, &h);
	if (r->frame && r->frame->w == w && r->frame->h == h)
		return 0;
	while (r->n_cache > 0)
		cache_drop(r, r->n_cache - 1);
	if (r->ren)
		SDL_DestroyRenderer(r->ren);
	r->ren = NULL;
	SDL_FreeSurface(r->frame);
	r->frame = SDL_CreateRGBSurfaceWithFormat(0, w > 0 ? w : 1, h > 0 ? h : 1, 32,
						  SDL_PIXELFORMAT_ARGB8888);
	if (!r->frame)
		return -1;
	r->ren = SDL_CreateSoftwareRenderer(r->frame);
	if (!r->ren)
		return -1;
	SDL_SetRenderDrawBlendMode(r->ren, SDL_BLENDMODE_BLEND);
	return 0;
}

enum blippa_err render_open(const struct render_opts *o, struct render **out, char *err,
			    size_t errlen)
{
	enum blippa_err rc = BLIPPA_OK;
	struct render *r = calloc(1, sizeof *r);
	Uint32 flags = SDL_WINDOW_SHOWN;
	int w = o->w, h = o->h;
	int x = (int)SDL_WINDOWPOS_CENTERED, y = (int)SDL_WINDOWPOS_CENTERED;

	*out = NULL;
	if (!r)
		return BLIPPA_ERR_NOMEM;
	if (!render_find_font(o->asset_dir, "DejaVuSans.ttf", r->font_path[0],
			      sizeof r->font_path[0]) ||
	    !render_find_font(o->asset_dir, "DejaVuSans-Bold.ttf", r->font_path[1],
			      sizeof r->font_path[1])) {
		snprintf(err, errlen,
			 "font DejaVuSans.ttf / DejaVuSans-Bold.ttf not found in assets/fonts, "
			 "%s/fonts or /usr/share/fonts/truetype/dejavu: install fonts-dejavu-core",
			 BLIPPA_ASSET_DIR_INSTALLED);
		rc = BLIPPA_ERR_CONFIG;
		goto out;
	}
	if (TTF_Init() != 0) {
		snprintf(err, errlen, "SDL_ttf: %s", TTF_GetError());
		rc = BLIPPA_ERR_IO;
		goto out;
	}
	if (o->fullscreen) {
		/* Fill exactly the display: its bounds are both the size and the
		 * place. With a window manager or compositor, FULLSCREEN_DESKTOP
		 * does it; with none (a bare X server from xinit) nothing would
		 * move or resize the window, so it is created there already. */
		SDL_Rect b;
		flags |= SDL_WINDOW_FULLSCREEN_DESKTOP | SDL_WINDOW_BORDERLESS;
		if (SDL_GetDisplayBounds(0, &b) == 0 && b.w > 0 && b.h > 0) {
			x = b.x;
			y = b.y;
			w = b.w;
			h = b.h;
		} else if (w <= 0 || h <= 0) {
			w = 1920;
			h = 1080;
		}
	}
	if (w <= 0 || h <= 0) {
		w = 1280;
		h = 800;
	}
	r->win = SDL_CreateWindow(o->title ? o->title : "Blippa", x, y, w, h, flags);
	if (!r->win) {
		snprintf(err, errlen, "cannot open a window: %s", SDL_GetError());
		rc = BLIPPA_ERR_IO;
		goto out;
	}
	/* no PRESENTVSYNC: a frame is drawn only when something changed, and
	 * waiting for vblank would only add latency to the check-in frame */
	if (use_present_wl())
		r->wl = present_wl_open(r->win);
	if (r->wl) {
		if (make_frame(r) != 0) {
			snprintf(err, errlen, "cannot create a frame surface: %s", SDL_GetError());
			rc = BLIPPA_ERR_IO;
			goto out;
		}
	} else {
		r->ren = SDL_CreateRenderer(r->win, -1, 0);
	}
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
			log_info("render", "renderer %s, %dx%d, %.2f px/mm", info.name, r->w, r->h,
				 (double)r->px_per_mm);
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
	if (r->ren)
		SDL_DestroyRenderer(r->ren);
	SDL_FreeSurface(r->frame);
	present_wl_close(r->wl);
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
	int px = (int)lroundf(mm * r->px_per_mm);
	return px < 1 ? 1 : px;
}

void render_resized(struct render *r)
{
	if (r->wl && make_frame(r) != 0)
		log_error("render", "cannot resize the frame: %s", SDL_GetError());
	render_measure(r);
}

SDL_Renderer *render_sdl(struct render *r)
{
	return r->ren;
}

SDL_Window *render_window(struct render *r)
{
	return r->win;
}

static void set_colour(struct render *r, struct rgba c)
{
	SDL_SetRenderDrawColor(r->ren, c.r, c.g, c.b, c.a);
}

void render_clear(struct render *r, struct rgba c)
{
	set_colour(r, c);
	SDL_RenderClear(r->ren);
}

void render_fill_rect(struct render *r, SDL_Rect rc, struct rgba c)
{
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
	SDL_Vertex v[6] = {vtx(x0 + nx, y0 + ny, c), vtx(x1 + nx, y1 + ny, c),
			   vtx(x1 - nx, y1 - ny, c), vtx(x0 + nx, y0 + ny, c),
			   vtx(x1 - nx, y1 - ny, c), vtx(x0 - nx, y0 - ny, c)};
	SDL_RenderGeometry(r->ren, NULL, v, 6, NULL, 0);
	/* round caps */
	render_fill_circle(r, x0, y0, width / 2.0f, c);
	render_fill_circle(r, x1, y1, width / 2.0f, c);
}

void render_fill_triangle(struct render *r, float x0, float y0, float x1, float y1, float x2,
			  float y2, struct rgba c)
{
	SDL_Vertex v[3] = {vtx(x0, y0, c), vtx(x1, y1, c), vtx(x2, y2, c)};
	SDL_RenderGeometry(r->ren, NULL, v, 3, NULL, 0);
}

void render_arc(struct render *r, float cx, float cy, float radius, float width, float a0, float a1,
		struct rgba c)
{
	SDL_Vertex v[GEOM_SEGMENTS_MAX * 6];
	float ri = radius - width / 2.0f, ro = radius + width / 2.0f;
	int n = (int)(fabsf(a1 - a0) * radius / 6.0f);
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

static int size_px(const struct render *r, float size_mm)
{
	int px = render_mm(r, size_mm);
	return px < 6 ? 6 : px;
}

static TTF_Font *font_get(struct render *r, int px, enum font_weight wt)
{
	size_t slot;
	for (size_t i = 0; i < r->n_fonts; i++)
		if (r->fonts[i].px == px && r->fonts[i].wt == wt)
			return r->fonts[i].font;
	TTF_Font *f = TTF_OpenFont(r->font_path[wt == FONT_BOLD], px);
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
	r->fonts[slot] = (struct font_slot){f, px, wt};
	return f;
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
	f = font_get(r, px, wt);
	if (!f)
		return NULL;
	SDL_Color col = {c.r, c.g, c.b, c.a};
	if (wrap > 0) {
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
	TTF_Font *f;
	if (!s || !*s)
		return p;
	f = font_get(r, size_px(r, size_mm), wt);
	if (f)
		TTF_SizeUTF8(f, s, &p.x, &p.y);
	return p;
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

static void blit(struct render *r, const struct text_entry *e, int x, int y)
{
	SDL_Rect dst = {x, y, e->w, e->h};
	SDL_RenderCopy(r->ren, e->tex, NULL, &dst);
}

int render_text(struct render *r, const char *s, int x, int y, float size_mm, enum font_weight wt,
		struct rgba c, enum text_align align)
{
	struct text_entry *e;
	if (!s || !*s)
		return 0;
	e = text_get(r, s, size_px(r, size_mm), wt, c, 0);
	if (!e)
		return 0;
	if (align == ALIGN_CENTER)
		x -= e->w / 2;
	else if (align == ALIGN_RIGHT)
		x -= e->w;
	blit(r, e, x, y);
	return e->w;
}

float render_text_fit(struct render *r, const char *s, SDL_Rect box, float size_mm,
		      enum font_weight wt, struct rgba c, enum text_align align)
{
	float sz = size_mm;
	struct text_entry *e;
	int x;
	if (!s || !*s)
		return sz;
	for (int i = 0; i < 8; i++) {
		SDL_Point p = render_text_size(r, s, sz, wt);
		if (p.x <= box.w && p.y <= box.h + box.h / 4)
			break;
		sz *= 0.92f;
		if (sz < size_mm * 0.55f) {
			sz = size_mm * 0.55f;
			break;
		}
	}
	e = text_get(r, s, size_px(r, sz), wt, c, 0);
	if (!e)
		return sz;
	x = align == ALIGN_LEFT
		? box.x
		: (align == ALIGN_CENTER ? box.x + (box.w - e->w) / 2 : box.x + box.w - e->w);
	if (e->w > box.w) { /* still too long: clip rather than spill */
		SDL_Rect src = {0, 0, box.w, e->h};
		SDL_Rect dst = {box.x, box.y + (box.h - e->h) / 2, box.w, e->h};
		SDL_RenderCopy(r->ren, e->tex, &src, &dst);
		return sz;
	}
	blit(r, e, x, box.y + (box.h - e->h) / 2);
	return sz;
}

int render_text_wrap(struct render *r, const char *s, SDL_Rect box, float size_mm,
		     enum font_weight wt, struct rgba c, enum text_align align)
{
	float sz = size_mm;
	struct text_entry *e = NULL;
	int x;
	if (!s || !*s)
		return 0;
	for (int i = 0; i < 8; i++) {
		e = text_get(r, s, size_px(r, sz), wt, c, box.w);
		if (!e || e->h <= box.h)
			break;
		sz *= 0.9f;
	}
	if (!e)
		return 0;
	x = align == ALIGN_LEFT
		? box.x
		: (align == ALIGN_CENTER ? box.x + (box.w - e->w) / 2 : box.x + box.w - e->w);
	blit(r, e, x, box.y);
	return e->h;
}

void render_present(struct render *r)
{
	SDL_RenderPresent(r->ren);
	if (r->wl && present_wl_commit(r->wl, r->frame) != 0)
		log_error("render", "wayland: cannot present the frame");
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
