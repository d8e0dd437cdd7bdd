/* SPDX-License-Identifier: MIT */
/* Icons drawn from geometry (no image files): the card-reader pictogram,
 * check / warning / cross result icons, paging arrows and a back chevron.
 * Every result icon pairs its colour with a distinct shape. */
#include <math.h>

#include "widgets.h"

void icon_reader(struct render *r, SDL_Rect box, struct rgba fg)
{
	icon_reader_dot(r, box, fg, RGB(0x2ECC71));
}

void icon_reader_dot(struct render *r, SDL_Rect box, struct rgba fg, struct rgba dot)
{
	float s = (float)(box.w < box.h ? box.w : box.h);
	float cx = (float)box.x + (float)box.w / 2.0f;
	float top = (float)box.y + ((float)box.h - s) / 2.0f;
	SDL_Rect card = {(int)(cx - 0.27f * s), (int)(top + 0.04f * s), (int)(0.54f * s),
			 (int)(0.34f * s)};
	SDL_Rect chip = {card.x + (int)(0.07f * s), card.y + (int)(0.09f * s), (int)(0.11f * s),
			 (int)(0.09f * s)};
	SDL_Rect base = {(int)(cx - 0.36f * s), (int)(top + 0.70f * s), (int)(0.72f * s),
			 (int)(0.26f * s)};
	struct rgba hole = fg;
	hole.a = 110;

	/* the card, with a chip drawn as a hole */
	render_fill_round_rect(r, card, (int)(0.04f * s), fg);
	render_fill_round_rect(r, chip, (int)(0.015f * s), RGB(0x000000));
	render_fill_round_rect(r, (SDL_Rect){chip.x + 2, chip.y + 2, chip.w - 4, chip.h - 4},
			       (int)(0.01f * s), hole);
	/* waves from the reader up to the card */
	for (int i = 0; i < 3; i++) {
		float rad = (0.07f + 0.075f * (float)i) * s;
		render_arc(r, cx, top + 0.69f * s, rad, 0.028f * s, (float)M_PI * 1.22f,
			   (float)M_PI * 1.78f, fg);
	}
	/* the reader */
	render_fill_round_rect(r, base, (int)(0.05f * s), fg);
	render_fill_circle(r, cx, (float)base.y + (float)base.h / 2.0f, 0.05f * s, dot);
}

void icon_check(struct render *r, float cx, float cy, float radius, struct rgba ring,
		struct rgba mark)
{
	bool mirror = render_mirrored(r);
	/* a check mark is not mirrored in right-to-left layouts: its place is */
	if (mirror) {
		cx = (float)render_w(r) - cx;
		render_set_mirror(r, false);
	}
	render_fill_circle(r, cx, cy, radius, ring);
	render_thick_line(r, cx - 0.45f * radius, cy + 0.02f * radius, cx - 0.12f * radius,
			  cy + 0.34f * radius, 0.17f * radius, mark);
	render_thick_line(r, cx - 0.12f * radius, cy + 0.34f * radius, cx + 0.48f * radius,
			  cy - 0.30f * radius, 0.17f * radius, mark);
	render_set_mirror(r, mirror);
}

void icon_warning(struct render *r, float cx, float cy, float size, struct rgba fill,
		  struct rgba mark)
{
	float h = size * 0.866f;
	float top = cy - h / 2.0f;
	float o = size * 0.07f; /* a black rim: the sign stays visible on amber too */
	render_fill_triangle(r, cx, top - 2.0f * o, cx + size / 2.0f + 1.7f * o, top + h + o,
			     cx - size / 2.0f - 1.7f * o, top + h + o, COL_BLACK);
	render_fill_triangle(r, cx, top, cx + size / 2.0f, top + h, cx - size / 2.0f, top + h,
			     fill);
	render_thick_line(r, cx, top + 0.33f * h, cx, top + 0.68f * h, 0.09f * size, mark);
	render_fill_circle(r, cx, top + 0.84f * h, 0.06f * size, mark);
}

void icon_cross(struct render *r, float cx, float cy, float radius, struct rgba ring,
		struct rgba mark)
{
	float d = 0.36f * radius;
	render_fill_circle(r, cx, cy, radius, ring);
	render_thick_line(r, cx - d, cy - d, cx + d, cy + d, 0.17f * radius, mark);
	render_thick_line(r, cx - d, cy + d, cx + d, cy - d, 0.17f * radius, mark);
}

void icon_arrow(struct render *r, SDL_Rect box, bool up, struct rgba c)
{
	float cx = (float)box.x + (float)box.w / 2.0f, cy = (float)box.y + (float)box.h / 2.0f;
	float s = (float)(box.w < box.h ? box.w : box.h) * 0.28f;
	if (up)
		render_fill_triangle(r, cx, cy - s, cx + s, cy + s * 0.6f, cx - s, cy + s * 0.6f,
				     c);
	else
		render_fill_triangle(r, cx - s, cy - s * 0.6f, cx + s, cy - s * 0.6f, cx, cy + s,
				     c);
}

void icon_back(struct render *r, SDL_Rect box, struct rgba c)
{
	float cx = (float)box.x + (float)box.w / 2.0f, cy = (float)box.y + (float)box.h / 2.0f;
	float s = (float)(box.w < box.h ? box.w : box.h) * 0.22f;
	render_thick_line(r, cx + s * 0.4f, cy - s, cx - s * 0.6f, cy, s * 0.35f, c);
	render_thick_line(r, cx - s * 0.6f, cy, cx + s * 0.4f, cy + s, s * 0.35f, c);
}
