/* SPDX-License-Identifier: MIT */
/* Link a card: the next tap (reader, FIFO or demo key) is linked to the
 * participant chosen in the roster (store_link_card, durable, queued for
 * the server). ui_handle_tap does the linking while this screen is shown. */
#include <stdio.h>

#include "widgets.h"

enum { LC_CANCEL = 1 };

static void link_input(struct ui *ui, const struct ui_input *in)
{
	if (in->kind == UI_IN_BUTTON && in->button == LC_CANCEL)
		ui_goto(ui, ui->roster.info.session_id[0] ? UI_LEADER_ROSTER : UI_LEADER_SESSIONS,
			NULL);
}

static void link_draw(struct ui *ui, struct render *r)
{
	SDL_Rect c = ui_content(ui);
	int gap = render_mm(r, MM_GAP * 2);
	int bh = render_mm(r, 18.0f);
	int bw = c.w < render_mm(r, 120.0f) ? c.w : render_mm(r, 120.0f);
	SDL_Rect title = {c.x, c.y, c.w, render_mm(r, 16.0f)};
	SDL_Rect who = {c.x, title.y + title.h, c.w, render_mm(r, 18.0f)};
	SDL_Rect btn = {c.x + (c.w - bw) / 2, c.y + c.h - bh, bw, bh};
	/* room for the hint on two lines of its own script (Arabic's are taller) */
	int hint_h = 2 * render_text_size(r, _("Hold the new card against the reader now"),
					  MM_TEXT_LARGE, FONT_REGULAR)
			     .y;
	if (hint_h < render_mm(r, 20.0f))
		hint_h = render_mm(r, 20.0f);
	SDL_Rect hint = {c.x, btn.y - gap - hint_h, c.w, hint_h};
	SDL_Rect pict = {c.x, who.y + who.h + gap, c.w, hint.y - gap - (who.y + who.h + gap)};

	if (pict.h > render_mm(r, 90.0f)) {
		pict.y += (pict.h - render_mm(r, 90.0f)) / 2;
		pict.h = render_mm(r, 90.0f);
	}
	screen_begin(ui, COL_LEADER_BG, COL_WHITE);
	render_text_fit(r, _("Link a card to"), title, MM_TEXT_LARGE, FONT_REGULAR, COL_MUTED,
			ALIGN_CENTER);
	render_text_fit(r, ui->arg.link.full_name, who, MM_TEXT_TITLE, FONT_BOLD, COL_WHITE,
			ALIGN_CENTER);
	icon_reader(r, pict, COL_WHITE);
	render_text_wrap(r, _("Hold the new card against the reader now"), hint, MM_TEXT_LARGE,
			 FONT_REGULAR, COL_WHITE, ALIGN_CENTER);
	button_draw(ui, btn, LC_CANCEL, 0, "cancel", _("Cancel"), BTN_SECONDARY, MM_TEXT_BODY);
}

const struct screen_ops scr_link_card_ops = {
    .name = "link-card",
    .leader = true,
    .input = link_input,
    .draw = link_draw,
};
