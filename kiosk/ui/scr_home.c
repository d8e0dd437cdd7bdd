/* SPDX-License-Identifier: MIT */
/* Home: "Blippa ditt kort", the reader pictogram, a big "Sök ditt namn"
 * button, the clock (status line) and a small leader button. No personal
 * data is ever shown here. When the reader, the roster or the server fail,
 * scr_home_fault.c draws the middle instead (issue 13.4). */
#include <stdio.h>
#include <string.h>

#include "widgets.h"

enum { HOME_SEARCH = 1, HOME_LEADER, HOME_LANGUAGE };

static void home_enter(struct ui *ui, const union ui_arg *arg)
{
	(void)arg;
	ui->leader_id[0] = '\0';
}

static void home_input(struct ui *ui, const struct ui_input *in)
{
	union ui_arg a;
	memset(&a, 0, sizeof a);
	if (in->kind != UI_IN_BUTTON)
		return;
	if (in->button == HOME_SEARCH) {
		a.search.keep = false;
		ui_goto(ui, UI_SEARCH, &a);
	} else if (in->button == HOME_LANGUAGE) {
		ui_goto(ui, UI_LANGUAGE, NULL);
	} else if (in->button == HOME_LEADER) {
		a.pin.mode = PIN_LEADER;
		ui_goto(ui, UI_LEADER_PIN, &a);
	}
}

static void home_draw(struct ui *ui, struct render *r)
{
	SDL_Rect c = ui_content(ui);
	int title_h = render_mm(r, 22.0f);
	int btn_h = render_mm(r, 24.0f);
	int btn_w = c.w < render_mm(r, 160.0f) ? c.w : render_mm(r, 160.0f);
	int lead_w = button_fit_w(ui, _("Leader"), MM_TEXT_SMALL * 1.2f, 42.0f);
	int lead_h = render_mm(r, 14.0f);
	int gap = render_mm(r, MM_GAP * 2);
	/* the language button: "Språk · Language" (English always there, the
	 * one most newcomers can read) */
	char lang_label[96];
	snprintf(lang_label, sizeof lang_label, "%s%s%s", _("Language"),
		 strcmp(ui_lang(), "en") != 0 ? " · " : "",
		 strcmp(ui_lang(), "en") != 0 ? "Language" : "");
	int lang_w = button_fit_w(ui, lang_label, MM_TEXT_SMALL * 1.2f, 42.0f);
	if (lead_w < lang_w)
		lead_w = lang_w;
	SDL_Rect lead = {c.x, c.y + c.h - lead_h, lead_w, lead_h};
	SDL_Rect lang = {c.x + c.w - lead_w, lead.y, lead_w, lead_h};
	SDL_Rect btn = {c.x + (c.w - btn_w) / 2, c.y + c.h - btn_h, btn_w, btn_h};
	SDL_Rect title, sub, pict;
	enum ui_home_fault fault;
	int sub_h = render_mm(r, 10.0f);
	int sub_text_h = render_text_size(r, "Åg", MM_TEXT_BODY, FONT_REGULAR).y;

	if (sub_h < sub_text_h)
		sub_h = sub_text_h;

	/* the leader button gets its own row when it would touch the big one */
	if (btn.x < lead.x + lead.w + gap)
		btn.y = lead.y - gap - btn_h;
	else
		btn.y = c.y + c.h - btn_h - render_mm(r, 4.0f);
	title = (SDL_Rect){c.x, c.y + render_mm(r, 4.0f), c.w, title_h};
	sub = (SDL_Rect){c.x, title.y + title_h, c.w, sub_h};
	pict = (SDL_Rect){c.x, sub.y + sub_h + gap, c.w, btn.y - gap - (sub.y + sub_h + gap)};
	if (ui->clock_unsure) /* room for the leader's note above the button */
		pict.h -= 2 * sub_h + gap;
	if (pict.h > render_mm(r, 110.0f)) {
		int extra = pict.h - render_mm(r, 110.0f);
		pict.y += extra / 2;
		pict.h -= extra;
	}

	screen_begin(ui, COL_HOME_BG, COL_WHITE);
	if ((fault = ui_home_fault(ui)) != HOME_FAULT_NONE) {
		home_fault_draw(ui, fault, (SDL_Rect){c.x, c.y, c.w, lead.y - gap - c.y},
				HOME_SEARCH);
	} else if (ui->reader_configured) {
		render_text_fit(r, _("Tap your card"), title, MM_TEXT_HUGE, FONT_BOLD, COL_WHITE,
				ALIGN_CENTER);
		render_text_fit(r, _("Hold your card against the reader"), sub, MM_TEXT_BODY,
				FONT_REGULAR, COL_MUTED, ALIGN_CENTER);
		icon_reader(r, pict, COL_WHITE);
	} else {
		/* [reader] device = none: do not ask anyone to tap */
		render_text_fit(r, _("Check in here"), title, MM_TEXT_HUGE, FONT_BOLD, COL_WHITE,
				ALIGN_CENTER);
		render_text_fit(r, _("Find your name with the button below"), sub, MM_TEXT_BODY,
				FONT_REGULAR, COL_MUTED, ALIGN_CENTER);
	}
	if (ui->clock_unsure && fault == HOME_FAULT_NONE) {
		/* for the leader, calm: nothing is lost, the times are fixed later */
		SDL_Rect note = {c.x + lead_w + gap, lead.y, c.w - 2 * (lead_w + gap), lead_h};
		if (btn.y + btn_h > lead.y)
			note = (SDL_Rect){c.x, btn.y - gap - 2 * sub_h, c.w, 2 * sub_h};
		render_text_wrap(r,
				 _("Note for the leader: the kiosk's clock may be wrong until it "
				   "reaches the server. Check-ins are saved and their times "
				   "corrected then."),
				 note, MM_TEXT_SMALL, FONT_REGULAR, COL_MUTED, ALIGN_CENTER);
	}
	if (fault == HOME_FAULT_NONE)
		button_draw(ui, btn, HOME_SEARCH, 0, "search", _("Search your name"), BTN_PRIMARY,
			    MM_TEXT_TITLE);
	button_draw(ui, lead, HOME_LEADER, 0, "leader", _("Leader"), BTN_SECONDARY,
		    MM_TEXT_SMALL * 1.2f);
	button_draw(ui, lang, HOME_LANGUAGE, 0, "language", lang_label, BTN_SECONDARY,
		    MM_TEXT_SMALL * 1.2f);
}

const struct screen_ops scr_home_ops = {
    .name = "home",
    .enter = home_enter,
    .input = home_input,
    .draw = home_draw,
};
