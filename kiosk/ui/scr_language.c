/* SPDX-License-Identifier: MIT */
/* Language picker, opened from the home screen: one big button per
 * language, each named in its own script (no flags: a flag is a country,
 * not a language). The choice holds until the participant is done (the
 * result screen goes home) or the kiosk falls idle; then the kiosk's own
 * language ([kiosk] language) comes back (ui.c). */
#include <stdio.h>
#include <string.h>

#include "widgets.h"

enum { LANG_PICK = 1, LANG_BACK };

static void language_input(struct ui *ui, const struct ui_input *in)
{
	const struct ui_language *l;
	size_t n = ui_languages(&l);
	if (in->kind == UI_IN_KEY && in->key == SDLK_ESCAPE) {
		ui_goto(ui, UI_HOME, NULL);
		return;
	}
	if (in->kind != UI_IN_BUTTON)
		return;
	if (in->button == LANG_PICK && in->index >= 0 && (size_t)in->index < n) {
		ui_i18n_set(l[in->index].code);
		ui_trace(ui, "language %s", l[in->index].code);
		ui_goto(ui, UI_HOME, NULL);
	} else if (in->button == LANG_BACK) {
		ui_goto(ui, UI_HOME, NULL);
	}
}

static void language_draw(struct ui *ui, struct render *r)
{
	SDL_Rect c = ui_content(ui);
	const struct ui_language *l;
	size_t n = ui_languages(&l);
	int gap = render_mm(r, MM_GAP);
	int head = render_mm(r, MM_BUTTON_H);
	int back_w = button_fit_w(ui, _("Back"), MM_TEXT_BODY, 44.0f);
	int cols = c.w >= render_mm(r, 200.0f) ? 2 : 1;
	int rows = (int)(n + (size_t)cols - 1) / cols;
	int bh, bw;

	screen_begin(ui, COL_HOME_BG, COL_WHITE);
	button_draw(ui, (SDL_Rect){c.x, c.y, back_w, head}, LANG_BACK, 0, "back", _("Back"),
		    BTN_SECONDARY, MM_TEXT_BODY);
	render_text_fit(r, _("Language"),
			(SDL_Rect){c.x + back_w + 2 * gap, c.y, c.w - back_w - 2 * gap, head},
			MM_TEXT_TITLE, FONT_BOLD, COL_WHITE, ALIGN_LEFT);
	if (rows * render_mm_phys(r, 12.0f) + (rows - 1) * gap > c.h - head - gap && cols < 3)
		cols++, rows = (int)(n + (size_t)cols - 1) / cols; /* short panel */
	bh = (c.h - head - 2 * gap - (rows - 1) * gap) / rows;
	if (bh > render_mm(r, 22.0f))
		bh = render_mm(r, 22.0f);
	bw = (c.w - (cols - 1) * gap) / cols;
	for (size_t i = 0; i < n; i++) {
		char name[16];
		int col = (int)i % cols, row = (int)i / cols;
		SDL_Rect rc = {c.x + col * (bw + gap), c.y + head + 2 * gap + row * (bh + gap), bw,
			       bh};
		snprintf(name, sizeof name, "lang-%s", l[i].code);
		button_draw(ui, rc, LANG_PICK, (int)i, name, l[i].name,
			    strcmp(l[i].code, ui_lang()) == 0 ? BTN_PRIMARY : BTN_SECONDARY,
			    MM_TEXT_LARGE);
	}
}

const struct screen_ops scr_language_ops = {
    .name = "language",
    .input = language_input,
    .draw = language_draw,
};
