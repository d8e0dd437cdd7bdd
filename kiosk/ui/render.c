/* SPDX-License-Identifier: MIT */
/* SDL window/renderer, the panel's physical size and the layout scale,
 * mirroring and the drawing primitives (rectangles, circles, arcs, lines).
 * Fonts and text are in render_text.c. See render.h for the unit model. */
#include "render_int.h"

#include <SDL_ttf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "wl_window.h"

#ifndef BLIPPA_ASSET_DIR_INSTALLED
#define BLIPPA_ASSET_DIR_INSTALLED "/usr/share/blippa"
#endif

#define REF_DIAG_IN 15.6f   /* assumed when neither config nor display knows */
#define REF_SHORT_MM 194.0f /* the layout's design size: a 15.6" 16:9 panel ... */
#define REF_LONG_MM 330.0f  /* ... whose sides are 194 x 345 mm */
#define FLOOR_TARGET_MM 12.0f
#define GEOM_SEGMENTS_MAX 128

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
	if (r->wl) { /* wl_output: the mode and the physical size in mm */
		int pw, ph, mw, mh;
		if (!wl_window_output(r->wl, &pw, &ph, &mw, &mh) || mw <= 0 || mh <= 0)
			return 0.0f;
		hdpi = (float)pw / (float)mw * 25.4f;
		vdpi = (float)ph / (float)mh * 25.4f;
	} else {
		int d = SDL_GetWindowDisplayIndex(r->win);
		if (d < 0 || SDL_GetDisplayDPI(d, &ddpi, &hdpi, &vdpi) != 0)
			return 0.0f;
	}
	if (hdpi < 50.0f || hdpi > 400.0f || vdpi < 50.0f || vdpi > 400.0f)
		return 0.0f;
	if (fabsf(hdpi - 96.0f) < 0.01f && fabsf(vdpi - 96.0f) < 0.01f)
		return 0.0f;
	if (fabsf(hdpi - vdpi) > 0.1f * hdpi)
		return 0.0f;
	return (hdpi + vdpi) / 2.0f / 25.4f;
}

/* The window's size in pixels, on either path. */
static void window_size(const struct render *r, int *w, int *h)
{
	*w = *h = 0;
	if (r->wl)
		wl_window_size(r->wl, w, h);
	else
		SDL_GetWindowSize(r->win, w, h);
}

/* The size of the display the window is on; false when unknown. */
static bool display_size(const struct render *r, int *w, int *h)
{
	SDL_DisplayMode mode;
	int mw, mh;
	if (r->wl)
		return wl_window_output(r->wl, w, h, &mw, &mh);
	if (SDL_GetDesktopDisplayMode(SDL_GetWindowDisplayIndex(r->win), &mode) != 0 ||
	    mode.w <= 0 || mode.h <= 0)
		return false;
	*w = mode.w;
	*h = mode.h;
	return true;
}

static void render_measure(struct render *r)
{
	int w = 0, h = 0, pw, ph, dw, dh;
	float short_mm, long_mm, k;
	SDL_GetRendererOutputSize(r->ren, &w, &h);
	if (w <= 0 || h <= 0)
		window_size(r, &w, &h);
	r->w = w > 0 ? w : 1;
	r->h = h > 0 ? h : 1;
	/* the panel's pixels: the whole display when fullscreen; a window
	 * (tests, --size) stands for a panel of its own size */
	pw = r->w;
	ph = r->h;
	if (r->fullscreen && display_size(r, &dw, &dh)) {
		pw = dw;
		ph = dh;
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

bool render_needs_sdl_video(void)
{
	return !wl_window_wanted();
}

/* Wayland: a software renderer on a surface of the window's size whose
 * pixels are a wl_shm buffer (no frame of our own: 8 MB at 1920x1080);
 * render_clear points it at a free buffer for each frame. Textures belong
 * to the renderer, so the text cache goes with it. */
static int make_frame(struct render *r)
{
	int w = 0, h = 0, pitch = 0;
	void *px;
	window_size(r, &w, &h);
	if (r->frame && r->frame->w == w && r->frame->h == h)
		return 0;
	render_text_cache_clear(r);
	if (r->ren)
		SDL_DestroyRenderer(r->ren);
	r->ren = NULL;
	SDL_FreeSurface(r->frame);
	r->frame = NULL;
	w = w > 0 ? w : 1;
	h = h > 0 ? h : 1;
	if (!(px = wl_window_buffer(r->wl, w, h, &pitch))) {
		SDL_SetError("no wl_shm buffer of %dx%d", w, h);
		return -1;
	}
	r->frame =
	    SDL_CreateRGBSurfaceWithFormatFrom(px, w, h, 32, pitch, SDL_PIXELFORMAT_ARGB8888);
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
	if (wl_window_wanted()) {
		/* our own Wayland window: SDL's would load EGL (wl_window.h) */
		if (!(r->wl = wl_window_open(o->title, o->fullscreen, o->w, o->h, err, errlen))) {
			rc = BLIPPA_ERR_IO;
			goto out;
		}
		if (make_frame(r) != 0) {
			snprintf(err, errlen, "cannot create a frame surface: %s", SDL_GetError());
			rc = BLIPPA_ERR_IO;
			goto out;
		}
		goto measure;
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
	r->ren = SDL_CreateRenderer(r->win, -1, 0);
	if (!r->ren)
		r->ren = SDL_CreateRenderer(r->win, -1, SDL_RENDERER_SOFTWARE);
	if (!r->ren) {
		snprintf(err, errlen, "cannot create a renderer: %s", SDL_GetError());
		rc = BLIPPA_ERR_IO;
		goto out;
	}
	SDL_SetRenderDrawBlendMode(r->ren, SDL_BLENDMODE_BLEND);
measure:
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

void render_close(struct render *r)
{
	if (!r)
		return;
	render_text_cache_clear(r);
	render_text_fonts_close(r);
	if (TTF_WasInit())
		TTF_Quit();
	text_runs_fini();
	if (r->ren)
		SDL_DestroyRenderer(r->ren);
	SDL_FreeSurface(r->frame);
	wl_window_close(r->wl);
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
	if (r->wl && make_frame(r) != 0)
		log_error("render", "cannot resize the frame: %s", SDL_GetError());
	render_measure(r);
}

SDL_Renderer *render_sdl(struct render *r)
{
	return r->ren;
}

void render_geometry(const struct render *r, SDL_Rect *win, SDL_Point *display)
{
	*win = (SDL_Rect){0, 0, 0, 0};
	*display = (SDL_Point){0, 0};
	if (r->wl) { /* a Wayland client has no position: fullscreen is 0,0 */
		wl_window_size(r->wl, &win->w, &win->h);
		if (!display_size(r, &display->x, &display->y))
			*display = (SDL_Point){0, 0};
	} else if (r->win) {
		SDL_Rect b = {0, 0, 0, 0};
		SDL_GetWindowPosition(r->win, &win->x, &win->y);
		SDL_GetWindowSize(r->win, &win->w, &win->h);
		SDL_GetDisplayBounds(SDL_GetWindowDisplayIndex(r->win), &b);
		display->x = b.w;
		display->y = b.h;
	}
}

void render_show_cursor(struct render *r, bool show)
{
	if (r->wl)
		wl_window_hide_cursor(r->wl, !show);
	else
		SDL_ShowCursor(show ? SDL_ENABLE : SDL_DISABLE);
}

int render_wait_events(struct render *r, int timeout_ms)
{
	if (!r->wl)
		return 1;
	return wl_window_wait(r->wl, timeout_ms) == 0 ? 0 : -1;
}

void render_wake(struct render *r)
{
	if (r && r->wl)
		wl_window_wake(r->wl);
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

float render_mx(const struct render *r, float x)
{
	return r->mirror ? (float)r->w - x : x;
}

enum text_align render_malign(const struct render *r, enum text_align a)
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
	if (r->wl && r->frame) { /* a frame begins: into a buffer the compositor does not hold */
		int pitch;
		void *px;
		SDL_RenderFlush(r->ren);
		if ((px = wl_window_buffer(r->wl, r->frame->w, r->frame->h, &pitch)) != NULL)
			r->frame->pixels = px;
		else
			log_error("render", "wayland: no free frame buffer; drawing over the last");
	}
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
	cx = render_mx(r, cx);
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
	float X0 = render_mx(r, x0), X1 = render_mx(r, x1);
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
	SDL_Vertex v[3] = {vtx(render_mx(r, x0), y0, c), vtx(render_mx(r, x1), y1, c),
			   vtx(render_mx(r, x2), y2, c)};
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

void render_present(struct render *r)
{
	SDL_RenderPresent(r->ren);
	if (r->wl && wl_window_commit(r->wl) != 0)
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
