/* SPDX-License-Identifier: MIT */
/* Scripted control for tests and benchmarks (--control FIFO). Each line is
 * one command, run on the UI thread exactly like real input:
 *   tap HEX            a card tap (same path as the reader)
 *   press NAME         touch the centre of the button NAME drawn last frame
 *   click X Y          touch at pixel X,Y
 *   finger X Y         push real SDL_FINGERDOWN/UP events (normalised) into
 *                      the SDL queue: exercises input.c's mapping
 *   mouse X Y          the same with SDL_MOUSEBUTTONDOWN/UP
 *   finger-down ID X Y one SDL_FINGERDOWN (finger ID) / SDL_FINGERUP: a
 *   finger-up ID X Y   slide off a button, a second finger
 *   type TEXT          press on-screen keys key-<c> for each character
 *   key NAME           a physical key (SDL key name, e.g. Return, 1)
 *   text TEXT          typed text from a physical keyboard
 *   screenshot PATH    save the next frame as BMP
 *   expire             fire the screen and idle timers now
 *   void EVENTID       leader-style undo of a check-in
 *   max-pages N        store_debug_set_max_pages (disk-full simulation)
 *   buttons            trace the names of the drawn buttons
 *   window             trace "window X Y W H output W H display W H": where
 *                      the window is, what the renderer draws on, and the
 *                      bounds of the display the window is on
 *   layout             trace the panel (px/mm), every button and every text
 *                      of the current frame: the accessibility check's input
 *   pin-hold on|off    a PIN check's worker waits before it reports until
 *                      "off" (pincheck.c): acts during a check, no race
 *   echo TEXT          trace "echo TEXT" (a barrier for the test)
 *   quit               leave the event loop
 * Unknown commands are traced as "control-error". The commands that reach
 * the store (tap HEX, void EVENTID, max-pages N) are the app's
 * (kiosk/app/app.c): it sees every line first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "control.h"
#include "widgets.h"

static void touch(struct ui *ui, int x, int y)
{
	struct ui_input in;
	memset(&in, 0, sizeof in);
	in.x = x;
	in.y = y;
	ui->last_input_ms = clock_mono_ms();
	if (ui->dirty)
		ui_render_now(ui);
	in.kind = UI_IN_PRESS;
	input_dispatch(ui, &in);
	in.kind = UI_IN_RELEASE;
	input_dispatch(ui, &in);
}

/* Queues a real down/up pair, as the touchscreen or a mouse would. */
static void push_pointer(struct ui *ui, bool finger, int x, int y)
{
	SDL_Event ev[2];
	memset(ev, 0, sizeof ev);
	for (int i = 0; i < 2; i++) {
		if (finger) {
			ev[i].type = i == 0 ? SDL_FINGERDOWN : SDL_FINGERUP;
			ev[i].tfinger.touchId = 1;
			ev[i].tfinger.fingerId = 1;
			ev[i].tfinger.x = (float)x / (float)render_w(ui->r);
			ev[i].tfinger.y = (float)y / (float)render_h(ui->r);
		} else {
			ev[i].type = i == 0 ? SDL_MOUSEBUTTONDOWN : SDL_MOUSEBUTTONUP;
			ev[i].button.button = SDL_BUTTON_LEFT;
			ev[i].button.which = 0;
			ev[i].button.x = x;
			ev[i].button.y = y;
		}
		SDL_PushEvent(&ev[i]);
	}
}

/* Queues one finger event, as a multi-touch panel would. */
static void push_finger(struct ui *ui, bool down, long id, int x, int y)
{
	SDL_Event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = down ? SDL_FINGERDOWN : SDL_FINGERUP;
	ev.tfinger.touchId = 1;
	ev.tfinger.fingerId = id;
	ev.tfinger.x = (float)x / (float)render_w(ui->r);
	ev.tfinger.y = (float)y / (float)render_h(ui->r);
	SDL_PushEvent(&ev);
}

static bool press(struct ui *ui, const char *name)
{
	if (ui->dirty)
		ui_render_now(ui);
	for (int i = 0; i < ui->n_buttons; i++) {
		if (strcmp(ui->buttons[i].name, name) == 0) {
			SDL_Rect rc = ui->buttons[i].rect;
			touch(ui, rc.x + rc.w / 2, rc.y + rc.h / 2);
			return true;
		}
	}
	ui_trace(ui, "control-error no-button %s", name);
	return false;
}

static void type_text(struct ui *ui, const char *s)
{
	char name[32];
	while (*s) {
		size_t n = 1;
		while (((unsigned char)s[n] & 0xC0) == 0x80)
			n++;
		if (*s == ' ')
			snprintf(name, sizeof name, "key-space");
		else
			snprintf(name, sizeof name, "key-%.*s", (int)n, s);
		if (!press(ui, name))
			return;
		s += n;
	}
}

static void expire(struct ui *ui)
{
	int64_t now = clock_mono_ms();
	if (ui->cur == UI_RESULT) {
		ui->arg.result.until_ms = now;
		ui->arg.result.undo_until_ms = now;
	}
	if (ui->timers[UI_TIMER_SCREEN])
		ui->timers[UI_TIMER_SCREEN] = now;
	if (ui->timers[UI_TIMER_IDLE])
		ui->timers[UI_TIMER_IDLE] = now;
}

static void trace_window(struct ui *ui)
{
	SDL_Rect win;
	SDL_Point disp;
	render_geometry(ui->r, &win, &disp);
	ui_trace(ui, "window %d %d %d %d output %d %d display %d %d", win.x, win.y, win.w, win.h,
		 render_w(ui->r), render_h(ui->r), disp.x, disp.y);
}

/* "layout": one "panel", then "button-at" and "text-at" lines of the frame
 * on screen (texts carry no content: names are personal data). */
static void layout_dump(struct ui *ui)
{
	const struct render_text_rec *t;
	size_t n;
	if (ui->dirty)
		ui_render_now(ui);
	ui_trace(ui, "panel %d %d %.4f %.3f %s %s", render_w(ui->r), render_h(ui->r),
		 (double)render_px_per_mm(ui->r), (double)render_compact(ui->r),
		 ui_screen_name(ui->cur), ui_lang());
	for (int i = 0; i < ui->n_buttons; i++)
		ui_trace(ui, "button-at %s %d %d %d %d", ui->buttons[i].name, ui->buttons[i].rect.x,
			 ui->buttons[i].rect.y, ui->buttons[i].rect.w, ui->buttons[i].rect.h);
	n = render_text_log(ui->r, &t);
	for (size_t i = 0; i < n; i++)
		ui_trace(ui, "text-at %d %d %d %d box %d %d %d %d px %d cap %d fg %02x%02x%02x %s",
			 t[i].drawn.x, t[i].drawn.y, t[i].drawn.w, t[i].drawn.h, t[i].box.x,
			 t[i].box.y, t[i].box.w, t[i].box.h, t[i].px, t[i].cap_px, t[i].colour.r,
			 t[i].colour.g, t[i].colour.b, t[i].clipped ? "clipped" : "fits");
	ui_trace(ui, "layout-end");
}

void ui_control_run(struct ui *ui, const char *line)
{
	char cmd[32] = "";
	const char *arg;
	int n = 0;

	if (sscanf(line, "%31s%n", cmd, &n) != 1)
		return;
	arg = line + n;
	while (*arg == ' ')
		arg++;
	if (strcmp(cmd, "press") == 0) {
		press(ui, arg);
	} else if (strcmp(cmd, "reader-state") == 0) {
		/* the screens walk: a reader fault without unplugging one (the
		 * real failure is tested through pn532_uart on a missing device) */
		ui->reader_state =
		    strcmp(arg, "failed") == 0 ? READER_STATE_FAILED : READER_STATE_READY;
		ui_dirty(ui);
	} else if (strcmp(cmd, "pin-hold") == 0) {
		bool on = strcmp(arg, "on") == 0;
		if (!on && strcmp(arg, "off") != 0)
			ui_trace(ui, "control-error pin-hold %s", arg);
		else if (!ui_pin_hold(ui, on))
			ui_trace(ui, "control-error pin-hold (a check is running)");
	} else if (strcmp(cmd, "click") == 0) {
		int x, y;
		if (sscanf(arg, "%d %d", &x, &y) == 2)
			touch(ui, x, y);
	} else if (strcmp(cmd, "finger") == 0 || strcmp(cmd, "mouse") == 0) {
		int x, y;
		if (sscanf(arg, "%d %d", &x, &y) == 2)
			push_pointer(ui, cmd[0] == 'f', x, y);
	} else if (strcmp(cmd, "finger-down") == 0 || strcmp(cmd, "finger-up") == 0) {
		long id;
		int x, y;
		if (sscanf(arg, "%ld %d %d", &id, &x, &y) == 3)
			push_finger(ui, cmd[7] == 'd', id, x, y);
	} else if (strcmp(cmd, "type") == 0) {
		type_text(ui, arg);
	} else if (strcmp(cmd, "key") == 0 || strcmp(cmd, "text") == 0) {
		struct ui_input in;
		memset(&in, 0, sizeof in);
		if (cmd[0] == 'k') {
			in.kind = UI_IN_KEY;
			in.key = SDL_GetKeyFromName(arg);
		} else {
			in.kind = UI_IN_TEXT;
			snprintf(in.text, sizeof in.text, "%s", arg);
		}
		ui->last_input_ms = clock_mono_ms();
		input_dispatch(ui, &in);
	} else if (strcmp(cmd, "screenshot") == 0) {
		snprintf(ui->pending_screenshot, sizeof ui->pending_screenshot, "%s", arg);
		ui_render_now(ui);
	} else if (strcmp(cmd, "expire") == 0) {
		expire(ui);
	} else if (strcmp(cmd, "buttons") == 0) {
		if (ui->dirty)
			ui_render_now(ui);
		for (int i = 0; i < ui->n_buttons; i++)
			ui_trace(ui, "button-at %s %d %d %d %d", ui->buttons[i].name,
				 ui->buttons[i].rect.x, ui->buttons[i].rect.y,
				 ui->buttons[i].rect.w, ui->buttons[i].rect.h);
	} else if (strcmp(cmd, "window") == 0) {
		trace_window(ui);
	} else if (strcmp(cmd, "layout") == 0) {
		layout_dump(ui);
	} else if (strcmp(cmd, "echo") == 0) {
		ui_trace(ui, "echo %s", arg);
	} else if (strcmp(cmd, "quit") == 0) {
		ui->quit = true;
	} else {
		ui_trace(ui, "control-error unknown %s", cmd);
	}
}
