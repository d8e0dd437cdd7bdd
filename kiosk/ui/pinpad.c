/* SPDX-License-Identifier: MIT */
/* A 3x4 PIN pad: 1-9, clear, 0, OK. Keys are large (>= 15 mm). */
#include <stdio.h>
#include <string.h>

#include "widgets.h"

void pinpad_draw(struct ui *ui, SDL_Rect box, int id)
{
	int gap = render_mm(ui->r, 2.5f);
	int kw = (box.w - 2 * gap) / 3, kh = (box.h - 3 * gap) / 4;
	static const int order[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 11};
	for (int i = 0; i < 12; i++) {
		int idx = order[i];
		SDL_Rect rc = {box.x + (i % 3) * (kw + gap), box.y + (i / 3) * (kh + gap), kw, kh};
		char label[12], name[16];
		if (idx <= 9) {
			snprintf(label, sizeof label, "%d", idx);
			snprintf(name, sizeof name, "pin-%d", idx);
			button_draw(ui, rc, id, idx, name, label, BTN_KEY, 9.0f);
		} else if (idx == 10) {
			button_draw(ui, rc, id, idx, "pin-clear", _("Clear"), BTN_SECONDARY, 6.0f);
		} else {
			button_draw(ui, rc, id, idx, "pin-ok", _("OK"), BTN_PRIMARY, 7.0f);
		}
	}
}

bool pinpad_apply(int index, char *pin, size_t pinlen)
{
	size_t len = strlen(pin);
	if (index == 11)
		return true;
	if (index == 10) {
		pin[0] = '\0';
		return false;
	}
	if (index >= 0 && index <= 9 && len + 2 <= pinlen) {
		pin[len] = (char)('0' + index);
		pin[len + 1] = '\0';
	}
	return false;
}
