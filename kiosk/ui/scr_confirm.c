/* SPDX-License-Identifier: MIT */
/* Confirm step of the name search: "Är du Åsa Ö.?" - Yes checks in (durably,
 * then the result screen with undo), No goes back to the search. */
#include <stdio.h>
#include <string.h>

#include "widgets.h"

enum { CF_YES = 1, CF_NO };

static void confirm_input(struct ui *ui, const struct ui_input *in)
{
	union ui_arg a;
	char pid[ROSTER_ID_MAX + 1];
	if (in->kind == UI_IN_KEY && in->key == SDLK_ESCAPE)
		ui_goto(ui, UI_HOME, NULL);
	if (in->kind != UI_IN_BUTTON)
		return;
	if (in->button == CF_YES) {
		snprintf(pid, sizeof pid, "%s", ui->arg.confirm.participant_id);
		ui_checkin_participant(ui, pid, CHECKIN_NAME, NULL);
	} else if (in->button == CF_NO) {
		memset(&a, 0, sizeof a);
		a.search.keep = true;
		ui_goto(ui, UI_SEARCH, &a);
	}
}

static void confirm_draw(struct ui *ui, struct render *r)
{
	SDL_Rect c = ui_content(ui);
	char q[UI_HIT_LABEL_MAX + 32];
	int gap = render_mm(r, MM_GAP * 2);
	int btn_h = render_mm(r, 24.0f);
	int bw = render_mm(r, 130.0f);
	bool row;
	{
		/* never shrink a label below the text floor: widen the buttons */
		int fy = button_fit_w(ui, _("Yes, check me in"), MM_TEXT_TITLE, 12.0f);
		int fn = button_fit_w(ui, _("No, go back"), MM_TEXT_TITLE, 12.0f);
		if (fy > bw)
			bw = fy;
		if (fn > bw)
			bw = fn;
	}
	row = c.w >= 2 * bw + gap;
	SDL_Rect yes, no;

	screen_begin(ui, COL_HOME_BG, COL_WHITE);
	char who[sizeof ui->arg.confirm.display + 8];
	snprintf(q, sizeof q, _("Are you %s?"),
		 ui_isolate(ui->arg.confirm.display, who, sizeof who));
	render_text_fit(r, q, (SDL_Rect){c.x, c.y + c.h / 6, c.w, render_mm(r, 26.0f)},
			MM_TEXT_HUGE, FONT_BOLD, COL_WHITE, ALIGN_CENTER);
	render_text_wrap(
	    r, _("Check that it is your name before you go on."),
	    (SDL_Rect){c.x, c.y + c.h / 6 + render_mm(r, 30.0f), c.w, render_mm(r, 30.0f)},
	    MM_TEXT_LARGE, FONT_REGULAR, COL_MUTED, ALIGN_CENTER);
	if (row) {
		yes = (SDL_Rect){c.x + c.w / 2 + gap / 2, c.y + c.h - btn_h - render_mm(r, 10.0f),
				 bw, btn_h};
		no = (SDL_Rect){c.x + c.w / 2 - gap / 2 - bw, yes.y, bw, btn_h};
	} else {
		yes =
		    (SDL_Rect){c.x, c.y + c.h - 2 * btn_h - gap - render_mm(r, 10.0f), c.w, btn_h};
		no = (SDL_Rect){c.x, yes.y + btn_h + gap, c.w, btn_h};
	}
	button_draw(ui, yes, CF_YES, 0, "yes", _("Yes, check me in"), BTN_PRIMARY, MM_TEXT_TITLE);
	button_draw(ui, no, CF_NO, 0, "no", _("No, go back"), BTN_SECONDARY, MM_TEXT_TITLE);
}

const struct screen_ops scr_confirm_ops = {
    .name = "confirm",
    .input = confirm_input,
    .draw = confirm_draw,
};
