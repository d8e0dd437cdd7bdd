/* SPDX-License-Identifier: MIT */
/* The ONE place that maps SDL mouse, finger and keyboard events to struct
 * ui_input, and the dispatcher that turns presses/releases into button
 * activations. A button fires on release inside the button it was pressed
 * on (a slipping finger does not fire anything). Mouse events that SDL
 * synthesises from touch are ignored so one touch is one press; while one
 * finger is down, other fingers are ignored. */
#include <stdio.h>
#include <string.h>

#include "widgets.h"

bool input_from_sdl(struct ui *ui, const SDL_Event *ev, struct ui_input *in)
{
	memset(in, 0, sizeof *in);
	switch (ev->type) {
	case SDL_MOUSEBUTTONDOWN:
	case SDL_MOUSEBUTTONUP:
		if (ev->button.which == SDL_TOUCH_MOUSEID || ev->button.button != SDL_BUTTON_LEFT)
			return false;
		in->kind = ev->type == SDL_MOUSEBUTTONDOWN ? UI_IN_PRESS : UI_IN_RELEASE;
		in->x = ev->button.x;
		in->y = ev->button.y;
		return true;
	case SDL_FINGERDOWN:
	case SDL_FINGERUP:
		/* one finger at a time: a second finger (a palm, a child's other
		 * hand) neither presses nor releases anything */
		if (ev->type == SDL_FINGERDOWN) {
			if (ui->finger_down)
				return false;
			ui->finger_down = true;
			ui->finger_touch = ev->tfinger.touchId;
			ui->finger_id = ev->tfinger.fingerId;
		} else {
			if (!ui->finger_down || ev->tfinger.touchId != ui->finger_touch ||
			    ev->tfinger.fingerId != ui->finger_id)
				return false;
			ui->finger_down = false;
		}
		in->kind = ev->type == SDL_FINGERDOWN ? UI_IN_PRESS : UI_IN_RELEASE;
		in->x = (int)(ev->tfinger.x * (float)render_w(ui->r));
		in->y = (int)(ev->tfinger.y * (float)render_h(ui->r));
		return true;
	case SDL_KEYDOWN:
		in->kind = UI_IN_KEY;
		in->key = ev->key.keysym.sym;
		return true;
	case SDL_TEXTINPUT:
		in->kind = UI_IN_TEXT;
		snprintf(in->text, sizeof in->text, "%s", ev->text.text);
		return true;
	default:
		return false;
	}
}

static int hit_test(const struct ui *ui, int x, int y)
{
	/* last registered wins: buttons drawn on top come later */
	for (int i = ui->n_buttons - 1; i >= 0; i--) {
		const SDL_Rect *rc = &ui->buttons[i].rect;
		if (ui->buttons[i].enabled && x >= rc->x && y >= rc->y && x < rc->x + rc->w &&
		    y < rc->y + rc->h)
			return i;
	}
	return -1;
}

void input_dispatch(struct ui *ui, const struct ui_input *in)
{
	switch (in->kind) {
	case UI_IN_PRESS: {
		int b = hit_test(ui, in->x, in->y);
		ui->pressed = b;
		if (b >= 0) {
			ui->pressed_id = ui->buttons[b].id;
			ui->pressed_index = ui->buttons[b].index;
			ui_dirty(ui);
		}
		return;
	}
	case UI_IN_RELEASE: {
		int b = hit_test(ui, in->x, in->y);
		bool same = b >= 0 && ui->pressed >= 0 && ui->buttons[b].id == ui->pressed_id &&
			    ui->buttons[b].index == ui->pressed_index;
		if (ui->pressed >= 0)
			ui_dirty(ui);
		ui->pressed = -1;
		if (same) {
			struct ui_input bi = *in;
			bi.kind = UI_IN_BUTTON;
			bi.button = ui->buttons[b].id;
			bi.index = ui->buttons[b].index;
			ui_trace(ui, "button %s", ui->buttons[b].name);
			input_dispatch(ui, &bi);
		}
		return;
	}
	default:
		break;
	}
	ui_screen_input(ui, in);
}
