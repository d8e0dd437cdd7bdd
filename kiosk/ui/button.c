/* SPDX-License-Identifier: MIT */
/* Buttons: drawn and registered as touch targets in the same call. */
#include <stdio.h>

#include "widgets.h"

int button_add(struct ui *ui, SDL_Rect rc, int id, int index, const char *name)
{
	struct ui_button *b;
	if (ui->n_buttons >= UI_BUTTONS_MAX)
		return -1;
	b = &ui->buttons[ui->n_buttons];
	b->rect = render_mirror_rect(ui->r, rc); /* where it is drawn */
	b->id = id;
	b->index = index;
	b->enabled = true;
	snprintf(b->name, sizeof b->name, "%s", name ? name : "");
	return ui->n_buttons++;
}

int button_fit_w(struct ui *ui, const char *label, float text_mm, float min_mm)
{
	struct render *r = ui->r;
	int w = render_text_size(r, label, text_mm, FONT_BOLD).x + 2 * render_mm(r, 3.0f) +
		2 * render_mm(r, 0.8f) + 2;
	int lo = render_mm(r, min_mm);
	return w > lo ? w : lo;
}

bool button_is_pressed(const struct ui *ui, int id, int index)
{
	return ui->pressed >= 0 && ui->pressed_id == id && ui->pressed_index == index;
}

void button_draw(struct ui *ui, SDL_Rect rc, int id, int index, const char *name, const char *label,
		 enum button_style style, float text_mm)
{
	struct render *r = ui->r;
	int radius = render_mm(r, 2.5f);
	int border = render_mm(r, 0.8f);
	bool down = button_is_pressed(ui, id, index);
	struct rgba fill, fg, edge;
	SDL_Rect inner = rc;
	SDL_Rect textbox;
	enum text_align align = ALIGN_CENTER;
	enum font_weight wt = FONT_BOLD;

	button_add(ui, rc, id, index, name);
	switch (style) {
	case BTN_PRIMARY:
		fill = down ? RGB(0xC8D3E6) : COL_WHITE;
		fg = COL_INK;
		if (ui->bg.r == COL_AMBER_BG.r && ui->bg.g == COL_AMBER_BG.g &&
		    ui->bg.b == COL_AMBER_BG.b) {
			/* white on amber is 1.5:1: the main action is dark there */
			fill = down ? RGB(0x34507F) : COL_INK;
			fg = COL_WHITE;
		}
		edge = fill;
		break;
	case BTN_SECONDARY:
		fill = down ? RGB(0x3A4A6A) : ui->bg;
		fg = COL_WHITE;
		edge = COL_WHITE;
		break;
	case BTN_ON_LIGHT:
		fill = down ? RGB(0xE0A800) : COL_AMBER_BG;
		fg = COL_BLACK;
		edge = COL_BLACK;
		break;
	case BTN_DANGER:
		fill = down ? RGB(0x5A0000) : COL_RED_BG;
		fg = COL_WHITE;
		edge = COL_WHITE;
		break;
	case BTN_KEY:
		fill = down ? RGB(0x9FB3D1) : RGB(0xEEF1F6);
		fg = COL_INK;
		edge = fill;
		break;
	case BTN_ROW:
	default:
		fill = down ? RGB(0x34507F) : COL_PANEL;
		fg = COL_WHITE;
		edge = COL_ROW_EDGE; /* the panel fill alone is 1.3:1 against the page */
		align = ALIGN_LEFT;
		wt = FONT_REGULAR;
		break;
	}
	if (edge.r != fill.r || edge.g != fill.g || edge.b != fill.b) {
		render_fill_round_rect(r, rc, radius, edge);
		inner =
		    (SDL_Rect){rc.x + border, rc.y + border, rc.w - 2 * border, rc.h - 2 * border};
		render_fill_round_rect(r, inner, radius > border ? radius - border : 0, fill);
	} else {
		render_fill_round_rect(r, rc, radius, fill);
	}
	{
		/* 3 mm each side, less on a narrow key (a PIN pad's "Clear" in
		 * a long language) so the label keeps its size */
		int side = render_mm(r, 3.0f);
		if (side > inner.w / 12)
			side = inner.w / 12;
		textbox = (SDL_Rect){inner.x + side, inner.y, inner.w - 2 * side, inner.h};
	}
	if (label && *label)
		render_text_fit(r, label, textbox, text_mm, wt, fg, align);
}
