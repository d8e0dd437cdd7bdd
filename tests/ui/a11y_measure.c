/* SPDX-License-Identifier: MIT */
/* See a11y_measure.h. */
#include "a11y_measure.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAYOUT_MAX 256

struct bmp {
	int w, h;
	uint8_t *px; /* BGRA rows, top-down */
};

struct rect {
	int x, y, w, h;
};

struct layout {
	struct rect btn[LAYOUT_MAX];
	char btn_name[LAYOUT_MAX][40];
	int n_btn;
	struct rect text[LAYOUT_MAX];
	int cap[LAYOUT_MAX];
	unsigned fg[LAYOUT_MAX];
	bool clipped[LAYOUT_MAX];
	int n_text;
};

void a11y_init(struct a11y_figures *f)
{
	memset(f, 0, sizeof *f);
	f->target_mm = f->cap_mm = f->text_cr = f->nontext_cr = 1e9;
}

static double lin(unsigned c)
{
	double v = (double)c / 255.0;
	return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
}

static double luminance(unsigned rgb)
{
	return 0.2126 * lin(rgb >> 16 & 255) + 0.7152 * lin(rgb >> 8 & 255) +
	       0.0722 * lin(rgb & 255);
}

double a11y_contrast(unsigned a, unsigned b)
{
	double la = luminance(a), lb = luminance(b);
	return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* SDL_SaveBMP of an ARGB8888 surface: 32 bpp, BGRA bytes, usually bottom-up. */
static bool bmp_load(const char *path, struct bmp *b)
{
	FILE *f = fopen(path, "rb");
	uint8_t hdr[54];
	uint32_t off;
	int32_t h;
	bool ok = false;
	memset(b, 0, sizeof *b);
	if (!f)
		return false;
	if (fread(hdr, 1, sizeof hdr, f) != sizeof hdr || hdr[0] != 'B' || hdr[1] != 'M' ||
	    hdr[28] != 32)
		goto out;
	off = rd32(hdr + 10);
	b->w = (int)rd32(hdr + 18);
	h = (int32_t)rd32(hdr + 22);
	b->h = h < 0 ? -h : h;
	if (b->w <= 0 || b->h <= 0 || b->w > 8192 || b->h > 8192)
		goto out;
	b->px = malloc((size_t)b->w * (size_t)b->h * 4);
	if (!b->px || fseek(f, (long)off, SEEK_SET) != 0)
		goto out;
	for (int y = 0; y < b->h; y++) {
		int dy = h < 0 ? y : b->h - 1 - y;
		if (fread(b->px + (size_t)dy * (size_t)b->w * 4, 4, (size_t)b->w, f) !=
		    (size_t)b->w)
			goto out;
	}
	ok = true;
out:
	fclose(f);
	if (!ok) {
		free(b->px);
		b->px = NULL;
	}
	return ok;
}

static unsigned pixel(const struct bmp *b, int x, int y)
{
	const uint8_t *p = b->px + ((size_t)y * (size_t)b->w + (size_t)x) * 4;
	return (unsigned)p[2] << 16 | (unsigned)p[1] << 8 | p[0];
}

/* The last layout block of the trace. */
static bool layout_read(const char *trace_path, struct layout *L)
{
	FILE *f = fopen(trace_path, "r");
	char line[512];
	bool in = false, done = false;
	if (!f)
		return false;
	while (fgets(line, sizeof line, f)) {
		const char *p;
		if (strstr(line, " panel ")) {
			memset(L, 0, sizeof *L);
			in = true;
			done = false;
		} else if (in && strstr(line, " layout-end")) {
			in = false;
			done = true;
		} else if (in && (p = strstr(line, " button-at ")) && L->n_btn < LAYOUT_MAX) {
			struct rect *r = &L->btn[L->n_btn];
			if (sscanf(p + 11, "%39s %d %d %d %d", L->btn_name[L->n_btn], &r->x, &r->y,
				   &r->w, &r->h) == 5)
				L->n_btn++;
		} else if (in && (p = strstr(line, " text-at ")) && L->n_text < LAYOUT_MAX) {
			struct rect *r = &L->text[L->n_text];
			char fit[16];
			int bx, by, bw, bh, px;
			if (sscanf(p + 9, "%d %d %d %d box %d %d %d %d px %d cap %d fg %x %15s",
				   &r->x, &r->y, &r->w, &r->h, &bx, &by, &bw, &bh, &px,
				   &L->cap[L->n_text], &L->fg[L->n_text], fit) == 12) {
				L->clipped[L->n_text] = strcmp(fit, "clipped") == 0;
				L->n_text++;
			}
		}
	}
	fclose(f);
	return done;
}

/* Most common colour in r (the background behind a text). */
static unsigned common_colour(const struct bmp *b, struct rect r)
{
	enum { SLOTS = 64 };
	unsigned col[SLOTS];
	int cnt[SLOTS], n = 0, best = 0;
	for (int y = r.y; y < r.y + r.h; y++) {
		for (int x = r.x; x < r.x + r.w; x++) {
			unsigned c;
			int i;
			if (x < 0 || y < 0 || x >= b->w || y >= b->h)
				continue;
			c = pixel(b, x, y);
			for (i = 0; i < n && col[i] != c; i++)
				;
			if (i == n) {
				if (n == SLOTS)
					continue;
				col[n] = c;
				cnt[n++] = 0;
			}
			cnt[i]++;
		}
	}
	for (int i = 1; i < n; i++)
		if (cnt[i] > cnt[best])
			best = i;
	return n ? col[best] : 0;
}

static void note(double v, double *low, char *at, size_t atlen, const char *where, const char *what)
{
	if (v < *low) {
		*low = v;
		snprintf(at, atlen, "%s %s", where, what);
	}
}

bool a11y_measure(const char *trace_path, const char *bmp_path, double px_per_mm, bool participant,
		  const char *where, struct a11y_figures *f, char *why, size_t whylen)
{
	static struct layout L;
	struct bmp b;
	bool ok = true;
	why[0] = '\0';
	if (!layout_read(trace_path, &L)) {
		snprintf(why, whylen, "%s: no layout dump in the trace", where);
		return false;
	}
	if (!bmp_load(bmp_path, &b)) {
		snprintf(why, whylen, "%s: cannot read %s", where, bmp_path);
		return false;
	}
	f->screens++;
	for (int i = 0; i < L.n_btn; i++) {
		struct rect r = L.btn[i];
		double mm = (r.w < r.h ? r.w : r.h) / px_per_mm;
		/* the boundary: just inside vs just outside, at each side's middle */
		int in[4][2] = {{r.x + 1, r.y + r.h / 2},
				{r.x + r.w - 2, r.y + r.h / 2},
				{r.x + r.w / 2, r.y + 1},
				{r.x + r.w / 2, r.y + r.h - 2}};
		int out[4][2] = {{r.x - 2, r.y + r.h / 2},
				 {r.x + r.w + 1, r.y + r.h / 2},
				 {r.x + r.w / 2, r.y - 2},
				 {r.x + r.w / 2, r.y + r.h + 1}};
		double cr = 1e9;
		f->buttons++;
		note(mm, &f->target_mm, f->target_at, sizeof f->target_at, where, L.btn_name[i]);
		if (mm < A11Y_TARGET_MM && ok) {
			snprintf(why, whylen, "%s: %s is %.1f mm (< %.0f)", where, L.btn_name[i],
				 mm, A11Y_TARGET_MM);
			ok = false;
		}
		for (int s = 0; s < 4; s++) {
			if (out[s][0] < 0 || out[s][1] < 0 || out[s][0] >= b.w || out[s][1] >= b.h)
				continue;
			double c = a11y_contrast(pixel(&b, in[s][0], in[s][1]),
						 pixel(&b, out[s][0], out[s][1]));
			if (c < cr)
				cr = c;
		}
		if (cr < 1e9) {
			note(cr, &f->nontext_cr, f->nontext_at, sizeof f->nontext_at, where,
			     L.btn_name[i]);
			if (cr < A11Y_NONTEXT_CR && ok) {
				snprintf(why, whylen, "%s: %s boundary contrast %.2f:1 (< 3:1)",
					 where, L.btn_name[i], cr);
				ok = false;
			}
		}
	}
	for (int i = 0; i < L.n_text; i++) {
		double cap = L.cap[i] / px_per_mm;
		unsigned bg = common_colour(&b, L.text[i]);
		double cr = a11y_contrast(L.fg[i], bg);
		char what[32];
		snprintf(what, sizeof what, "text#%d", i);
		f->texts++;
		note(cap, &f->cap_mm, f->cap_at, sizeof f->cap_at, where, what);
		note(cr, &f->text_cr, f->text_at, sizeof f->text_at, where, what);
		if (L.clipped[i] && participant)
			f->clipped++;
		else if (L.clipped[i])
			f->leader_clipped++;
		if (ok && cap < A11Y_CAP_MM) {
			snprintf(why, whylen, "%s: %s capitals %.2f mm (< %.0f)", where, what, cap,
				 A11Y_CAP_MM);
			ok = false;
		} else if (ok && cr < A11Y_TEXT_CR) {
			snprintf(why, whylen, "%s: %s contrast %.2f:1 (fg %06x on %06x)", where,
				 what, cr, L.fg[i], bg);
			ok = false;
		} else if (ok && L.clipped[i]) { /* leader screens too */
			snprintf(why, whylen, "%s: %s does not fit its box (%dx%d)", where, what,
				 L.text[i].w, L.text[i].h);
			ok = false;
		}
	}
	free(b.px);
	return ok;
}
