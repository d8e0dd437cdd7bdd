/* SPDX-License-Identifier: MIT */
/* The home screen when check-in by card cannot work as usual (issue 13.4):
 * the card reader has failed or is unplugged, the kiosk has no participant
 * list, or the server does not accept this kiosk. Participants must see it
 * at once: the title says so in large text, the pictogram shows the fault
 * (never the green "ready" dot), and name search is the largest button.
 * Drawn by scr_home.c into the area above the leader/language row. */
#include <stdio.h>
#include <string.h>

#include "widgets.h"

enum ui_home_fault ui_home_fault(struct ui *ui)
{
	enum ui_home_fault f = HOME_FAULT_NONE;

	if (ui->roster_empty)
		f = HOME_FAULT_ROSTER;
	else if (ui->reader_configured && ui->reader_state == READER_STATE_FAILED)
		f = HOME_FAULT_READER;
	else if (ui->opts.sync_enabled && ui->sync_known && ui->sync.unauthorised)
		f = HOME_FAULT_AUTH;
	if (f != ui->home_fault_shown) {
		static const char *const names[] = {"none", "reader", "roster", "auth"};
		ui->home_fault_shown = f;
		ui_trace(ui, "home fault %s", names[f]);
	}
	return f;
}

/* The reader pictogram greyed, its dot red, with a warning sign over it. */
static void pict_reader(struct render *r, SDL_Rect box)
{
	float s = (float)(box.w < box.h ? box.w : box.h);
	icon_reader_dot(r, box, COL_MUTED, RGB(0xFF5A4F));
	icon_warning(r, (float)box.x + (float)box.w / 2.0f + 0.30f * s,
		     (float)box.y + (float)box.h / 2.0f + 0.02f * s, 0.42f * s, COL_AMBER_BG,
		     COL_BLACK);
}

void home_fault_draw(struct ui *ui, enum ui_home_fault f, SDL_Rect area, int search_id)
{
	struct render *r = ui->r;
	int gap = render_mm(r, MM_GAP * 2);
	int btn_h = render_mm(r, 34.0f);
	int title_h = render_mm(r, 34.0f);
	int sub_h = render_mm(r, 18.0f);
	const char *title = "", *sub = "";
	SDL_Rect tbox, sbox, pict, btn;

	switch (f) {
	case HOME_FAULT_READER:
		title = _("Card reader not working - search your name");
		sub = _("Press the big button below");
		break;
	case HOME_FAULT_ROSTER:
		title = _("This kiosk has no participant list yet");
		sub = _("The list comes from the region. Please tell your group leader.");
		break;
	case HOME_FAULT_AUTH:
		title = _("This kiosk is not connected to the region - search your name");
		sub = _("Your check-in is saved here. Please tell your group leader.");
		break;
	case HOME_FAULT_NONE:
	default:
		break;
	}
	{
		/* room for two lines of each, as the font draws this text */
		int th = render_text_size(r, title, MM_TEXT_TITLE, FONT_BOLD).y;
		int sh = render_text_size(r, sub, MM_TEXT_BODY, FONT_REGULAR).y;
		if (title_h < 2 * th)
			title_h = 2 * th;
		if (sub_h < 2 * sh)
			sub_h = 2 * sh;
	}
	btn = (SDL_Rect){area.x, area.y + area.h - btn_h, area.w, btn_h};
	tbox = (SDL_Rect){area.x, area.y + render_mm(r, 2.0f), area.w, title_h};
	/* the sub line right under the title as drawn (one line or two) */
	title_h =
	    render_text_wrap(r, title, tbox, MM_TEXT_TITLE, FONT_BOLD, COL_WHITE, ALIGN_CENTER);
	sbox = (SDL_Rect){area.x, tbox.y + title_h + render_mm(r, 3.0f), area.w, sub_h};
	sub_h = render_text_wrap(r, sub, sbox, MM_TEXT_BODY, FONT_REGULAR, COL_MUTED, ALIGN_CENTER);
	pict = (SDL_Rect){area.x, sbox.y + sub_h + gap / 2, area.w,
			  btn.y - gap - (sbox.y + sub_h + gap / 2)};
	if (pict.h > render_mm(r, 70.0f)) {
		int extra = pict.h - render_mm(r, 70.0f);
		pict.y += extra / 2;
		pict.h -= extra;
	}
	if (pict.h > render_mm(r, 12.0f)) {
		if (f == HOME_FAULT_READER) {
			pict_reader(r, pict);
		} else {
			float s = (float)(pict.w < pict.h ? pict.w : pict.h) * 0.8f;
			icon_warning(r, (float)pict.x + (float)pict.w / 2.0f,
				     (float)pict.y + (float)pict.h / 2.0f, s, COL_AMBER_BG,
				     COL_BLACK);
		}
	}
	button_draw(ui, btn, search_id, 0, "search", _("Search your name"), BTN_PRIMARY,
		    MM_TEXT_HUGE);
}
