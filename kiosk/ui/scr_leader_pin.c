/* SPDX-License-Identifier: MIT */
/* PIN pad for leader mode and for closing the kiosk (admin PIN only).
 * The PIN is verified against the Argon2id hashes on a worker thread
 * (pincheck.c) while this screen says "Checking..."; the store counts
 * failures and after too many locks PIN entry, and we say for how long. */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "widgets.h"

enum { PIN_PAD = 1, PIN_CANCEL };

static void pin_enter(struct ui *ui, const union ui_arg *arg)
{
	(void)arg;
	memset(&ui->pin, 0, sizeof ui->pin);
	ui->pin_visit++; /* a check still running from an earlier visit is not ours */
}

void ui_pin_result(struct ui *ui, enum blippa_err rc, const char *leader, int retry)
{
	ui->pin.shown = 0;
	ui->pin.error = rc != BLIPPA_OK;
	if (rc == BLIPPA_OK) {
		if (ui->arg.pin.mode == PIN_EXIT) {
			if (strcmp(leader, "admin") == 0) {
				ui_trace(ui, "exit admin");
				ui->exit_code = 0;
				ui->quit = true;
				return;
			}
			ui_trace(ui, "pin not-admin");
			snprintf(ui->pin.message, sizeof ui->pin.message, "%s",
				 _("Only the admin PIN can close the kiosk."));
			ui->pin.error = true;
			ui_dirty(ui);
			return;
		}
		snprintf(ui->leader_id, sizeof ui->leader_id, "%s", leader);
		ui_trace(ui, "leader login pin");
		ui_goto(ui, UI_LEADER_SESSIONS, NULL);
		return;
	}
	if (rc == BLIPPA_ERR_LOCKED_OUT) {
		int min = (retry + 59) / 60;
		if (min < 1)
			min = 1;
		snprintf(ui->pin.message, sizeof ui->pin.message,
			 _("Too many wrong PINs. Try again in %d minutes."), min);
		ui_trace(ui, "pin locked %d", retry);
	} else if (rc == BLIPPA_ERR_AUTH) {
		snprintf(ui->pin.message, sizeof ui->pin.message, "%s", _("Wrong PIN. Try again."));
		ui_trace(ui, "pin wrong");
	} else {
		snprintf(ui->pin.message, sizeof ui->pin.message, "%s",
			 _("Could not check the PIN. Try again."));
		ui_trace(ui, "pin error %d", (int)rc);
	}
	ui_dirty(ui);
}

/* Hands the PIN to the worker (pincheck.c); the answer comes back later
 * as ui_pin_result(). Until then the screen says "Checking..." and ignores
 * input, and the UI thread keeps drawing and answering. */
static void pin_submit(struct ui *ui)
{
	int retry = 0;
	enum blippa_err rc;

	if (!ui->pin.pin[0] || ui_pin_checking(ui))
		return;
	ui->pin.shown = strlen(ui->pin.pin);
	rc = ui_pin_check_start(ui, ui->pin.pin, &retry);
	memset(ui->pin.pin, 0, sizeof ui->pin.pin);
	if (rc != BLIPPA_OK) {
		ui_pin_result(ui, rc, "", retry);
		return;
	}
	ui->pin.error = false;
	ui->pin.message[0] = '\0';
	ui_dirty(ui);
}

static void pin_input(struct ui *ui, const struct ui_input *in)
{
	if (ui_pin_checking(ui))
		return; /* one PIN at a time: no digits, OK or cancel meanwhile */
	if (in->kind == UI_IN_TEXT && in->text[0] >= '0' && in->text[0] <= '9' && !in->text[1]) {
		pinpad_apply(in->text[0] - '0', ui->pin.pin, sizeof ui->pin.pin);
		ui_dirty(ui);
		return;
	}
	if (in->kind == UI_IN_KEY) {
		if (in->key == SDLK_RETURN || in->key == SDLK_KP_ENTER)
			pin_submit(ui);
		else if (in->key == SDLK_BACKSPACE)
			pinpad_apply(10, ui->pin.pin, sizeof ui->pin.pin);
		else if (in->key == SDLK_ESCAPE)
			ui_goto(ui, UI_HOME, NULL);
		ui_dirty(ui);
		return;
	}
	if (in->kind != UI_IN_BUTTON)
		return;
	if (in->button == PIN_CANCEL) {
		memset(ui->pin.pin, 0, sizeof ui->pin.pin);
		if (ui->arg.pin.mode == PIN_EXIT && ui->leader_id[0])
			ui_goto(ui, UI_LEADER_SESSIONS, NULL);
		else
			ui_goto(ui, UI_HOME, NULL);
	} else if (in->button == PIN_PAD) {
		if (pinpad_apply(in->index, ui->pin.pin, sizeof ui->pin.pin))
			pin_submit(ui);
		else
			ui_dirty(ui);
	}
}

static void pin_draw(struct ui *ui, struct render *r)
{
	SDL_Rect c = ui_content(ui);
	int gap = render_mm(r, MM_GAP);
	int title_h = render_mm(r, 16.0f);
	int dots_h = render_mm(r, 14.0f);
	int msg_h = render_mm(r, 12.0f);
	int cancel_h = render_mm(r, 16.0f);
	int pad_h = c.h - title_h - dots_h - msg_h - cancel_h - 4 * gap;
	int pad_w;
	SDL_Rect pad, left, cancel;
	size_t n = ui_pin_checking(ui) ? ui->pin.shown : strlen(ui->pin.pin);
	/* a pad of four 12 mm rows; shorter panels put it beside the rest */
	bool side = pad_h < 4 * render_mm_phys(r, MM_TARGET_MIN) + 3 * render_mm(r, 2.5f);

	if (side) {
		pad_h = c.h;
		pad_w = pad_h * 9 / 10;
		if (pad_w > c.w / 2)
			pad_w = c.w / 2;
		pad = (SDL_Rect){c.x + c.w - pad_w, c.y, pad_w, pad_h};
		left = (SDL_Rect){c.x, c.y, c.w - pad_w - gap, c.h};
		cancel = (SDL_Rect){left.x, c.y + c.h - cancel_h, left.w, cancel_h};
	} else {
		if (pad_h > render_mm(r, 120.0f))
			pad_h = render_mm(r, 120.0f);
		pad_w = pad_h * 9 / 10;
		if (pad_w > c.w)
			pad_w = c.w;
		/* centre the whole block vertically when there is room (portrait) */
		int block = title_h + dots_h + msg_h + pad_h + cancel_h + 4 * gap;
		if (block < c.h) {
			c.y += (c.h - block) / 3;
			c.h = block;
		}
		left = c;
		pad = (SDL_Rect){c.x + (c.w - pad_w) / 2, c.y + title_h + dots_h + msg_h + 3 * gap,
				 pad_w, pad_h};
		cancel = (SDL_Rect){pad.x, pad.y + pad.h + gap, pad.w, cancel_h};
	}
	{
		/* keys wide enough for "Rensa" at the text floor */
		int need = 3 * button_fit_w(ui, _("Clear"), 6.0f, 12.0f) + 2 * render_mm(r, 2.5f);
		int room = side ? c.w * 3 / 5 : c.w;
		if (pad.w < need && need <= room) {
			int grow = need - pad.w;
			pad.w = need;
			if (side) {
				pad.x -= grow;
				left.w -= grow;
				cancel.w = left.w;
			} else {
				pad.x -= grow / 2;
				cancel.x = pad.x;
				cancel.w = pad.w;
			}
		}
	}
	c = left;
	screen_begin(ui, ui->arg.pin.mode == PIN_EXIT ? COL_RED_BG : COL_LEADER_BG, COL_WHITE);
	if (side) {
		/* a narrow column: the title wraps onto two lines */
		const char *title = ui->arg.pin.mode == PIN_EXIT ? _("Close the kiosk: admin PIN")
								 : _("Leader mode: enter your PIN");
		/* two lines of the script's own height (Arabic's are taller) */
		int line = render_text_size(r, title, MM_TEXT_LARGE, FONT_BOLD).y;
		title_h = 2 * title_h > 2 * line ? 2 * title_h : 2 * line;
		render_text_wrap(r, title, (SDL_Rect){c.x, c.y, c.w, title_h}, MM_TEXT_LARGE,
				 FONT_BOLD, COL_WHITE, ALIGN_CENTER);
	} else {
		render_text_fit(r,
				ui->arg.pin.mode == PIN_EXIT ? _("Close the kiosk: admin PIN")
							     : _("Leader mode: enter your PIN"),
				(SDL_Rect){c.x, c.y, c.w, title_h}, MM_TEXT_TITLE, FONT_BOLD,
				COL_WHITE, ALIGN_CENTER);
	}
	{
		int dot = render_mm(r, 3.5f), step = render_mm(r, 10.0f);
		int total = (int)(n > 0 ? n : 1) * step;
		int x0 = c.x + (c.w - total) / 2 + step / 2;
		int y0 = c.y + title_h + gap + dots_h / 2;
		if (n == 0)
			render_fill_rect(
			    r, (SDL_Rect){x0 - dot, y0 + dot, 2 * dot, render_mm(r, 0.8f)},
			    COL_MUTED);
		for (size_t i = 0; i < n; i++)
			render_fill_circle(r, (float)(x0 + (int)i * step), (float)y0, (float)dot,
					   COL_WHITE);
	}
	if (side && (ui_pin_checking(ui) || ui->pin.message[0])) {
		/* two lines of the message's own script */
		int line = render_text_size(r, ui->pin.message[0] ? ui->pin.message : "Åg",
					    MM_TEXT_BODY, FONT_BOLD)
			       .y;
		msg_h = 2 * msg_h > 2 * line ? 2 * msg_h : 2 * line;
	}
	if (ui_pin_checking(ui) || ui->pin.message[0]) {
		const char *msg = ui_pin_checking(ui) ? _("Checking…") : ui->pin.message;
		SDL_Rect mb = {c.x, c.y + title_h + dots_h + 2 * gap, c.w, msg_h};
		struct rgba mc = ui->pin.error && !ui_pin_checking(ui) ? RGB(0xFFD6D6) : COL_WHITE;
		/* a narrow column: wraps onto two lines rather than being cut */
		if (side)
			render_text_wrap(r, msg, mb, MM_TEXT_BODY, FONT_BOLD, mc, ALIGN_CENTER);
		else
			render_text_fit(r, msg, mb, MM_TEXT_BODY, FONT_BOLD, mc, ALIGN_CENTER);
	}
	pinpad_draw(ui, pad, PIN_PAD);
	button_draw(ui, cancel, PIN_CANCEL, 0, "cancel", _("Cancel"), BTN_SECONDARY, MM_TEXT_BODY);
}

const struct screen_ops scr_leader_pin_ops = {
    .name = "leader-pin",
    .text = true,
    .enter = pin_enter,
    .input = pin_input,
    .draw = pin_draw,
};
