/* SPDX-License-Identifier: MIT */
/* The status line at the top of every screen: facility name on the left,
 * the clock on the right, and in between - only when something is wrong -
 * a discreet warning: reader problem, offline, kiosk not authorised. */
#include <stdio.h>

#include "widgets.h"

int statusline_height(struct ui *ui)
{
	int h = render_mm(ui->r, MM_STATUS_H);
	int t = render_text_size(ui->r, "0", MM_TEXT_SMALL * 1.3f, FONT_BOLD).y * 11 / 10;
	return h > t ? h : t;
}

SDL_Rect ui_content(struct ui *ui)
{
	int m = render_mm(ui->r, MM_MARGIN);
	int top = statusline_height(ui);
	return (SDL_Rect){m, top + m / 2, render_w(ui->r) - 2 * m, render_h(ui->r) - top - m};
}

/* Width the warning (pictogram + text at size_mm) needs. */
static int warn_width(struct render *r, const char *warn, int h)
{
	return (int)((float)h * 0.8f) + render_mm(r, 1.5f) +
	       render_text_size(r, warn, MM_TEXT_SMALL, FONT_BOLD).x;
}

void statusline_draw(struct ui *ui, struct rgba bg, struct rgba fg)
{
	struct render *r = ui->r;
	int h = statusline_height(ui);
	int m = render_mm(r, MM_MARGIN);
	int ty = (h - render_text_size(r, "0", MM_TEXT_SMALL * 1.3f, FONT_BOLD).y) / 2;
	if (ty < 0)
		ty = 0;
	const char *warn = NULL, *brief = NULL;
	int clock_w;

	(void)bg;
	if (ui->reader_configured && ui->reader_state == READER_STATE_FAILED) {
		warn = _("Card reader not working - search your name");
		brief = _("Card reader not working");
	} else if (ui->opts.sync_enabled && ui->sync_known && ui->sync.unauthorised) {
		warn = _("Kiosk not authorised by the server");
		brief = _("Not authorised");
	} else if (ui->opts.sync_enabled && ui->sync_known && !ui->sync.server_reachable &&
		   ui->sync.last_attempt_ms > 0) {
		warn = _("Offline - check-ins are saved here");
		brief = _("Offline");
	}
	if (warn && ui->cur == UI_HOME && ui_home_fault(ui) != HOME_FAULT_NONE)
		warn = NULL; /* the fault home says it in large text (issue 13.4) */
	clock_w = render_text_size(r, ui->clock_text, MM_TEXT_SMALL * 1.3f, FONT_BOLD).x;
	if (!warn) {
		render_text(r, ui->clock_text, render_w(r) - m, ty, MM_TEXT_SMALL * 1.3f, FONT_BOLD,
			    fg, ALIGN_RIGHT);
		render_text_fit(r, ui->facility_name,
				(SDL_Rect){m, 0, render_w(r) - 3 * m - clock_w, h}, MM_TEXT_SMALL,
				FONT_REGULAR, fg, ALIGN_LEFT);
		return;
	}
	/* A warning takes the facility name's place: participants must be able
	 * to read it (>= 4 mm capitals, never shrunk below the floor), so on a
	 * narrow panel (7" 800x480) it takes the clock's place too, and if even
	 * that is not enough it says only what is wrong ("Card reader not
	 * working"; on the search screen the hint to search is moot anyway). */
	{
		float ic = (float)h * 0.8f;
		int full = render_w(r) - 2 * m;
		int avail = full - clock_w - m;
		bool clock = true;
		if (warn_width(r, warn, h) > avail) {
			if (warn_width(r, warn, h) <= full)
				clock = false;
			else if (warn_width(r, brief, h) <= avail)
				warn = brief;
			else
				warn = brief, clock = false;
		}
		if (!clock)
			avail = full;
		if (clock)
			render_text(r, ui->clock_text, render_w(r) - m, ty, MM_TEXT_SMALL * 1.3f,
				    FONT_BOLD, fg, ALIGN_RIGHT);
		int tw = warn_width(r, warn, h);
		if (tw > avail)
			tw = avail;
		int x = m + (avail - tw) / 2;
		icon_warning(r, (float)x + ic / 2.0f, (float)h / 2.0f, ic, COL_AMBER_BG, COL_BLACK);
		render_text_fit(r, warn,
				(SDL_Rect){x + (int)ic + render_mm(r, 1.5f), 0,
					   avail - (x - m) - (int)ic - render_mm(r, 1.5f), h},
				MM_TEXT_SMALL, FONT_BOLD, fg, ALIGN_LEFT);
	}
}

void screen_begin(struct ui *ui, struct rgba bg, struct rgba fg)
{
	render_set_mirror(ui->r, ui_lang_rtl()); /* right-to-left languages */
	ui->bg = bg;
	render_clear(ui->r, bg);
	statusline_draw(ui, bg, fg);
}

void toast_draw(struct ui *ui, SDL_Rect box)
{
	struct render *r = ui->r;
	int h = render_mm(r, 14.0f);
	SDL_Rect rc = {box.x, box.y + box.h - h, box.w, h};
	float ic = (float)h * 0.5f;
	if (!ui->toast[0])
		return;
	render_fill_round_rect(r, rc, render_mm(r, 2.0f),
			       ui->toast_error ? COL_RED_BG : COL_GREEN_BG);
	if (ui->toast_error)
		icon_cross(r, (float)rc.x + (float)h / 2.0f, (float)rc.y + (float)h / 2.0f,
			   ic / 1.4f, COL_WHITE, COL_RED_BG);
	else
		icon_check(r, (float)rc.x + (float)h / 2.0f, (float)rc.y + (float)h / 2.0f,
			   ic / 1.4f, COL_WHITE, COL_GREEN_BG);
	render_text_fit(r, ui->toast,
			(SDL_Rect){rc.x + h, rc.y, rc.w - h - render_mm(r, 3.0f), rc.h},
			MM_TEXT_BODY, FONT_BOLD, COL_WHITE, ALIGN_LEFT);
}
