/* SPDX-License-Identifier: MIT */
/* See text_runs.h. */
#include "text_runs.h"

#include <fontconfig/fontconfig.h>
#include <fribidi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUN_CHARS_MAX 512 /* longer strings are cut */
#define RUNS_MAX 64
#define LINES_MAX 16

struct run {
	size_t start, len; /* in code points */
	int level;
	enum text_script sc;
};

static enum text_script script_of(FriBidiChar c)
{
	if ((c >= 0x0590 && c <= 0x08ff) || (c >= 0xfb1d && c <= 0xfdff) ||
	    (c >= 0xfe70 && c <= 0xfeff))
		return SCRIPT_ARABIC;
	if ((c >= 0x1200 && c <= 0x139f) || (c >= 0x2d80 && c <= 0x2ddf) ||
	    (c >= 0xab00 && c <= 0xab2f))
		return SCRIPT_ETHIOPIC;
	return SCRIPT_LATIN;
}

/* Marks that steer the bidi algorithm and draw nothing: LRM, RLM and the
 * isolates LRI, RLI, FSI, PDI. */
static bool is_bidi_mark(FriBidiChar c)
{
	return c == 0x200e || c == 0x200f || (c >= 0x2066 && c <= 0x2069);
}

static bool is_neutral(FriBidiChar c)
{
	return c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

bool text_runs_needed(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		/* lead bytes of U+0590..U+08FF are 0xD6..0xE0 (0xE0 also covers
		 * U+0800..); Ethiopic and the Arabic presentation forms are 3-byte
		 * sequences starting 0xE1 0x88..0x8E, 0xE2 0xB6..0xB7, 0xEA 0xAC,
		 * 0xEF 0xAD..0xBB: decode to be sure */
		if (*p >= 0xd6) {
			FriBidiChar c = 0;
			if ((*p & 0xe0) == 0xc0 && p[1])
				c = (FriBidiChar)((*p & 0x1f) << 6 | (p[1] & 0x3f));
			else if ((*p & 0xf0) == 0xe0 && p[1] && p[2])
				c = (FriBidiChar)((*p & 0x0f) << 12 | (p[1] & 0x3f) << 6 |
						  (p[2] & 0x3f));
			if (script_of(c) != SCRIPT_LATIN || is_bidi_mark(c))
				return true;
		}
	}
	return false;
}

void text_runs_fini(void)
{
	FcFini();
}

bool text_runs_find_font(const char *family, bool bold, unsigned sample, char *out, size_t outlen)
{
	FcPattern *pat, *match;
	FcResult res;
	FcChar8 *file = NULL;
	FcCharSet *cs = NULL;
	bool ok = false;

	if (!FcInit())
		return false;
	pat = FcPatternCreate();
	if (!pat)
		return false;
	FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)family);
	FcPatternAddInteger(pat, FC_WEIGHT, bold ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR);
	FcConfigSubstitute(NULL, pat, FcMatchPattern);
	FcDefaultSubstitute(pat);
	match = FcFontMatch(NULL, pat, &res);
	if (match && FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch &&
	    FcPatternGetCharSet(match, FC_CHARSET, 0, &cs) == FcResultMatch &&
	    FcCharSetHasChar(cs, sample)) {
		int n = snprintf(out, outlen, "%s", (const char *)file);
		ok = n > 0 && (size_t)n < outlen;
	}
	if (match)
		FcPatternDestroy(match);
	FcPatternDestroy(pat);
	return ok;
}

/* Code points of s (cut at RUN_CHARS_MAX); returns the count. */
static FriBidiStrIndex to_u32(const char *s, FriBidiChar *u)
{
	size_t len = strnlen(s, RUN_CHARS_MAX * 4);
	return fribidi_charset_to_unicode(FRIBIDI_CHAR_SET_UTF8, s, (FriBidiStrIndex)len, u);
}

/* Splits u[0..n) into runs of one level and one script, in visual order. */
static size_t make_runs(const FriBidiChar *u, FriBidiStrIndex n, bool rtl, struct run *runs)
{
	FriBidiCharType types[RUN_CHARS_MAX];
	FriBidiBracketType brackets[RUN_CHARS_MAX];
	FriBidiLevel levels[RUN_CHARS_MAX];
	enum text_script sc[RUN_CHARS_MAX];
	FriBidiParType base = rtl ? FRIBIDI_PAR_RTL : FRIBIDI_PAR_LTR;
	size_t nr = 0;
	int max_level = 0;
	enum text_script last = SCRIPT_LATIN;

	fribidi_get_bidi_types(u, n, types);
	fribidi_get_bracket_types(u, n, types, brackets);
	if (!fribidi_get_par_embedding_levels_ex(types, brackets, n, &base, levels))
		memset(levels, rtl ? 1 : 0, (size_t)n * sizeof levels[0]);
	/* spaces take the script before them; ASCII digits and punctuation are
	 * drawn with the Latin font */
	for (FriBidiStrIndex i = 0; i < n; i++) {
		sc[i] = u[i] == ' ' ? last : is_neutral(u[i]) ? SCRIPT_LATIN : script_of(u[i]);
		last = sc[i];
	}
	bool cut = true; /* the next character starts a run */
	for (FriBidiStrIndex i = 0; i < n; i++) {
		if (is_bidi_mark(u[i])) { /* steers the levels, never drawn */
			cut = true;
			continue;
		}
		if (!cut && runs[nr - 1].level == levels[i] && runs[nr - 1].sc == sc[i]) {
			runs[nr - 1].len++;
			continue;
		}
		cut = false;
		if (nr == RUNS_MAX)
			break;
		runs[nr++] = (struct run){(size_t)i, 1, levels[i], sc[i]};
		if (levels[i] > max_level)
			max_level = levels[i];
	}
	/* rule L2: reverse every sequence of runs at level >= k, k from the
	 * highest level down to the lowest odd one */
	for (int k = max_level; k >= 1; k--) {
		for (size_t i = 0; i < nr;) {
			size_t j = i;
			while (j < nr && runs[j].level >= k)
				j++;
			for (size_t a = i, b = j; a + 1 < b; a++, b--) {
				struct run t = runs[a];
				runs[a] = runs[b - 1];
				runs[b - 1] = t;
			}
			i = j > i ? j : i + 1;
		}
	}
	return nr;
}

bool text_runs_base_rtl(const char *s)
{
	FriBidiChar u[RUN_CHARS_MAX * 4];
	FriBidiStrIndex n = to_u32(s, u);
	FriBidiCharType types[RUN_CHARS_MAX];
	if (n > RUN_CHARS_MAX)
		n = RUN_CHARS_MAX;
	fribidi_get_bidi_types(u, n, types);
	return fribidi_get_par_direction(types, n) == FRIBIDI_PAR_RTL;
}

static const char *script_tag(enum text_script sc)
{
	return sc == SCRIPT_ARABIC ? "Arab" : sc == SCRIPT_ETHIOPIC ? "Ethi" : "Latn";
}

/* Prepares the run's font: direction by level, script tag. */
static TTF_Font *run_font(text_font_fn font, void *user, const struct run *rn, int px,
			  enum font_weight wt)
{
	TTF_Font *f = font(user, rn->sc, px, wt);
	if (!f)
		return NULL;
	TTF_SetFontDirection(f, rn->level % 2 ? TTF_DIRECTION_RTL : TTF_DIRECTION_LTR);
	TTF_SetFontScriptName(f, script_tag(rn->sc));
	return f;
}

static void run_utf8(const FriBidiChar *u, const struct run *rn, char *out, size_t outlen)
{
	if (outlen < rn->len * 4 + 1) {
		out[0] = '\0';
		return;
	}
	fribidi_unicode_to_charset(FRIBIDI_CHAR_SET_UTF8, u + rn->start, (FriBidiStrIndex)rn->len,
				   out);
}

size_t text_runs_visual(const char *s, bool rtl, char *out, size_t outlen)
{
	FriBidiChar u[RUN_CHARS_MAX * 4];
	FriBidiStrIndex n = to_u32(s, u);
	struct run runs[RUNS_MAX];
	char buf[RUN_CHARS_MAX * 4 + 1];
	size_t nr, used = 0;

	if (n > RUN_CHARS_MAX)
		n = RUN_CHARS_MAX;
	nr = make_runs(u, n, rtl, runs);
	if (outlen)
		out[0] = '\0';
	for (size_t i = 0; i < nr && used < outlen; i++) {
		int k;
		run_utf8(u, &runs[i], buf, sizeof buf);
		k = snprintf(out + used, outlen - used, "%s%s@%d%c", i ? "|" : "", buf,
			     runs[i].level, "LAE"[runs[i].sc]);
		if (k < 0)
			break;
		used += (size_t)k;
	}
	return nr;
}

/* One line: width, height and (if dst) drawn at x, y of dst. */
static SDL_Point line_draw(text_font_fn font, void *user, const FriBidiChar *u, FriBidiStrIndex n,
			   int px, enum font_weight wt, SDL_Color c, bool rtl, SDL_Surface *dst,
			   int x, int y)
{
	struct run runs[RUNS_MAX];
	size_t nr = make_runs(u, n, rtl, runs);
	char buf[RUN_CHARS_MAX * 4 + 1];
	SDL_Point sz = {0, 0};
	int ascent = 0;

	for (size_t i = 0; i < nr; i++) {
		TTF_Font *f = run_font(font, user, &runs[i], px, wt);
		if (f && TTF_FontAscent(f) > ascent)
			ascent = TTF_FontAscent(f);
		if (f && TTF_FontHeight(f) > sz.y)
			sz.y = TTF_FontHeight(f);
	}
	for (size_t i = 0; i < nr; i++) {
		TTF_Font *f = run_font(font, user, &runs[i], px, wt);
		int w = 0, h = 0;
		if (!f)
			continue;
		run_utf8(u, &runs[i], buf, sizeof buf);
		if (!buf[0])
			continue;
		if (dst) {
			SDL_Surface *s = TTF_RenderUTF8_Blended(f, buf, c);
			if (s) {
				SDL_Rect to = {x + sz.x, y + ascent - TTF_FontAscent(f), s->w,
					       s->h};
				SDL_SetSurfaceBlendMode(s, SDL_BLENDMODE_NONE);
				SDL_BlitSurface(s, NULL, dst, &to);
				w = s->w;
				SDL_FreeSurface(s);
			}
		} else {
			TTF_SizeUTF8(f, buf, &w, &h);
		}
		sz.x += w;
	}
	return sz;
}

SDL_Point text_runs_size(text_font_fn font, void *user, const char *s, int px, enum font_weight wt,
			 bool rtl)
{
	FriBidiChar u[RUN_CHARS_MAX * 4];
	FriBidiStrIndex n = to_u32(s, u);
	if (n > RUN_CHARS_MAX)
		n = RUN_CHARS_MAX;
	return line_draw(font, user, u, n, px, wt, (SDL_Color){0, 0, 0, 255}, rtl, NULL, 0, 0);
}

SDL_Surface *text_runs_render(text_font_fn font, void *user, const char *s, int px,
			      enum font_weight wt, SDL_Color c, int wrap, enum text_align align,
			      bool rtl)
{
	FriBidiChar u[RUN_CHARS_MAX * 4];
	FriBidiStrIndex n = to_u32(s, u), start[LINES_MAX], len[LINES_MAX];
	SDL_Point lsz[LINES_MAX];
	size_t nl = 0;
	int w = 0, h = 0;
	SDL_Surface *out;

	if (n > RUN_CHARS_MAX)
		n = RUN_CHARS_MAX;
	/* greedy word wrap in logical order */
	for (FriBidiStrIndex i = 0; i < n && nl < LINES_MAX;) {
		FriBidiStrIndex end = n, best = -1;
		if (wrap > 0) {
			for (FriBidiStrIndex j = i + 1; j <= n; j++) {
				if (j < n && u[j] != ' ')
					continue;
				if (best >= 0 &&
				    line_draw(font, user, u + i, j - i, px, wt, c, rtl, NULL, 0, 0)
					    .x > wrap)
					break;
				best = j;
			}
			end = best > i ? best : n;
		}
		start[nl] = i;
		len[nl] = end - i;
		lsz[nl] = line_draw(font, user, u + i, end - i, px, wt, c, rtl, NULL, 0, 0);
		if (lsz[nl].x > w)
			w = lsz[nl].x;
		h += lsz[nl].y;
		nl++;
		i = end;
		while (i < n && u[i] == ' ')
			i++;
	}
	if (w <= 0 || h <= 0)
		return NULL;
	out = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
	if (!out)
		return NULL;
	SDL_FillRect(out, NULL, SDL_MapRGBA(out->format, c.r, c.g, c.b, 0));
	for (size_t l = 0, y = 0; l < nl; l++) {
		int x = align == ALIGN_CENTER	 ? (w - lsz[l].x) / 2
			: (align == ALIGN_RIGHT) ? w - lsz[l].x
						 : 0;
		line_draw(font, user, u + start[l], len[l], px, wt, c, rtl, out, x, (int)y);
		y += (size_t)lsz[l].y;
	}
	return out;
}
