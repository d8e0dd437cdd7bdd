/* SPDX-License-Identifier: MIT */
/* Result: green (checked in), amber (already / open training / no session /
 * undone), red (unknown card, card cannot be used, could not register).
 * Always icon + text + colour. Goes home by itself; a name check-in offers
 * "Inte du? Ångra" (undo) while the undo window lasts. */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "widgets.h"

enum { RES_DONE = 1, RES_UNDO, RES_SEARCH };
enum res_tone { TONE_GREEN, TONE_AMBER, TONE_RED };
enum res_icon { ICON_CHECK, ICON_WARN, ICON_CROSS };

struct res_view {
	enum res_tone tone;
	enum res_icon icon;
	char title[200];
	char line1[300];
	char line2[300];
	bool offer_search;
	bool next_shown; /* a line says when their group meets next */
};

/* Day of the week of a date, 0 = Sunday (Sakamoto's method). */
static int weekday(int y, int m, int d)
{
	static const int t[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
	if (m < 3)
		y -= 1;
	return (y + y / 4 - y / 100 + y / 400 + t[(m - 1) % 12] + d) % 7;
}

/* "Your group meets next: Tuesday 15:30" (the date too when it is a week or
 * more away) in the language on screen; "" if no session is planned. */
static void next_meeting(const struct checkin_result *res, char *out, size_t outlen)
{
	static const char *const days[7] = {N_("Sunday"),    N_("Monday"),   N_("Tuesday"),
					    N_("Wednesday"), N_("Thursday"), N_("Friday"),
					    N_("Saturday")};
	int y, m, d;
	char when[128];

	out[0] = '\0';
	if (!res->next_start_local[0] ||
	    sscanf(res->next_start_local, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12)
		return;
	if (res->next_start_ms - clock_wall_ms() < 6LL * 24 * 3600 * 1000)
		snprintf(when, sizeof when, "%s %s", _(days[weekday(y, m, d)]),
			 res->next_start_local + 11);
	else
		snprintf(when, sizeof when, "%s %d/%d %s", _(days[weekday(y, m, d)]), d, m,
			 res->next_start_local + 11);
	snprintf(out, outlen, _("Your group meets next: %s"), when);
}

static void result_view(struct ui *ui, struct res_view *v)
{
	const struct checkin_result *res = &ui->arg.result.res;
	char at[6] = "", start[6] = "", name[ROSTER_NAME_MAX + 8];

	memset(v, 0, sizeof *v);
	if (res->checked_in_ms)
		ui_hhmm(ui, res->checked_in_ms, at);
	if (res->session_start_ms)
		ui_hhmm(ui, res->session_start_ms, start);
	if (ui->arg.result.err != BLIPPA_OK) {
		v->tone = TONE_RED;
		v->icon = ICON_CROSS;
		snprintf(v->title, sizeof v->title, "%s", _("Could not register"));
		snprintf(v->line1, sizeof v->line1, "%s",
			 _("Please tell your group leader. Your earlier check-ins are safe."));
		return;
	}
	if (ui->arg.result.undone) {
		v->tone = TONE_AMBER;
		v->icon = ICON_WARN;
		snprintf(v->title, sizeof v->title, "%s", _("Check-in undone"));
		snprintf(v->line1, sizeof v->line1, "%s", _("Search again to find your own name."));
		v->offer_search = true;
		return;
	}
	switch (res->outcome) {
	case CHECKIN_OK:
		v->tone = TONE_GREEN;
		v->icon = ICON_CHECK;
		snprintf(v->title, sizeof v->title, _("Welcome, %s!"),
			 ui_isolate(res->given_name, name, sizeof name));
		/* the session by name: an early or late arrival sees which one */
		snprintf(v->line1, sizeof v->line1, _("You are checked in to %s %s"),
			 ui_isolate(res->session_name, name, sizeof name), start);
		snprintf(v->line2, sizeof v->line2, _("Registered at %s"), at);
		break;
	case CHECKIN_OPEN_TRAINING:
		v->tone = TONE_AMBER;
		v->icon = ICON_CHECK;
		snprintf(v->title, sizeof v->title, _("Welcome, %s!"),
			 ui_isolate(res->given_name, name, sizeof name));
		snprintf(v->line1, sizeof v->line1, "%s",
			 _("No session right now: open training recorded"));
		/* when their group meets next says more than the time of day */
		next_meeting(res, v->line2, sizeof v->line2);
		v->next_shown = v->line2[0] != '\0';
		if (!v->line2[0])
			snprintf(v->line2, sizeof v->line2, _("Registered at %s"), at);
		break;
	case CHECKIN_ALREADY:
		v->tone = TONE_AMBER;
		v->icon = ICON_CHECK;
		snprintf(v->title, sizeof v->title, _("You are already checked in (%s)"), at);
		if (res->session_id[0])
			snprintf(v->line1, sizeof v->line1, "%s %s", res->session_name, start);
		else /* open training today already: when the group meets next */
			next_meeting(res, v->line1, sizeof v->line1);
		v->next_shown = !res->session_id[0] && v->line1[0];
		snprintf(v->line2, sizeof v->line2, "%s", _("You do not need to tap again."));
		break;
	case CHECKIN_NO_SESSION:
		v->tone = TONE_AMBER;
		v->icon = ICON_WARN;
		snprintf(v->title, sizeof v->title, "%s", _("No session right now"));
		snprintf(v->line1, sizeof v->line1, "%s",
			 _("You have no session here now. Ask your group leader."));
		next_meeting(res, v->line2, sizeof v->line2);
		v->next_shown = v->line2[0] != '\0';
		break;
	case CHECKIN_RANDOM_UID:
		v->tone = TONE_RED;
		v->icon = ICON_CROSS;
		snprintf(v->title, sizeof v->title, "%s", _("This card cannot be used"));
		snprintf(v->line1, sizeof v->line1, "%s",
			 _("Bank cards and phones do not work here. Use your Blippa card, or "
			   "search your name."));
		v->offer_search = true;
		break;
	case CHECKIN_UNKNOWN_CARD:
	default:
		v->tone = TONE_RED;
		v->icon = ICON_CROSS;
		snprintf(v->title, sizeof v->title, "%s", _("The card is not known"));
		snprintf(
		    v->line1, sizeof v->line1, "%s",
		    _("Search your name instead. Your group leader can link the card to you."));
		v->offer_search = true;
		break;
	}
}

static void result_enter(struct ui *ui, const union ui_arg *arg)
{
	struct res_view v;
	int64_t now = clock_mono_ms();
	int64_t show = (int64_t)ui->cfg->result_seconds * 1000;
	(void)arg;
	/* a participant whose roster row names a language the kiosk speaks is
	 * greeted in it, unless they chose one on the language button; the way
	 * home (ui_goto) brings the kiosk's own language back */
	if (ui->arg.result.err == BLIPPA_OK && !ui->arg.result.undone &&
	    ui->arg.result.res.language[0] && strcmp(ui_lang(), ui->cfg->language) == 0 &&
	    ui_language_find(ui->arg.result.res.language)) {
		ui_i18n_set(ui->arg.result.res.language);
		ui_trace(ui, "result language %s", ui_lang());
	}
	result_view(ui, &v);
	if (v.next_shown)
		ui_trace(ui, "result next %s", ui->arg.result.res.next_start_local);
	ui_sound(ui, v.tone == TONE_GREEN ? SOUND_OK : SOUND_WARN);
	if (v.tone == TONE_RED)
		show *= 2; /* more to read, and a way forward to choose */
	ui->arg.result.undo_until_ms = 0;
	if (ui->arg.result.undoable) {
		int64_t undo = (int64_t)ui->cfg->undo_seconds * 1000;
		ui->arg.result.undo_until_ms = now + undo;
		if (undo > show)
			show = undo;
	}
	ui->arg.result.until_ms = now + show;
	ui_timer_set(ui, UI_TIMER_SCREEN,
		     ui->arg.result.undoable &&
			     ui->arg.result.undo_until_ms < ui->arg.result.until_ms
			 ? ui->arg.result.undo_until_ms - now
			 : show);
}

static void result_tick(struct ui *ui, int64_t now_ms)
{
	int64_t now = clock_mono_ms();
	(void)now_ms;
	if (now >= ui->arg.result.until_ms) {
		ui_goto(ui, UI_HOME, NULL);
		return;
	}
	if (ui->arg.result.undoable && now >= ui->arg.result.undo_until_ms) {
		ui->arg.result.undoable = false;
		ui_dirty(ui);
	}
	ui_timer_set(ui, UI_TIMER_SCREEN, ui->arg.result.until_ms - now);
}

static void result_undo(struct ui *ui)
{
	union ui_arg a;
	enum blippa_err rc =
	    store_void_checkin(ui->st, ui->arg.result.res.event_id, false, clock_wall_ms());
	memset(&a, 0, sizeof a);
	if (strcmp(ui_lang(), ui->arg.result.res.language) == 0)
		ui_i18n_set(ui->cfg->language); /* not her: not her language either */
	if (rc == BLIPPA_OK) {
		ui_trace(ui, "void %s name", ui->arg.result.res.event_id);
		ui_event_recorded(ui);
		a.result.undone = true;
		ui_goto(ui, UI_RESULT, &a);
	} else if (rc == BLIPPA_ERR_EXPIRED || rc == BLIPPA_ERR_EXISTS) {
		ui->arg.result.undoable = false;
		ui_dirty(ui);
	} else {
		a.result.err = rc;
		ui_trace(ui, "void-error %d", (int)rc);
		ui_goto(ui, UI_RESULT, &a);
	}
}

static void result_input(struct ui *ui, const struct ui_input *in)
{
	union ui_arg a;
	if (in->kind == UI_IN_KEY && (in->key == SDLK_RETURN || in->key == SDLK_ESCAPE)) {
		ui_goto(ui, UI_HOME, NULL);
		return;
	}
	if (in->kind != UI_IN_BUTTON)
		return;
	switch (in->button) {
	case RES_DONE:
		ui_goto(ui, UI_HOME, NULL);
		break;
	case RES_UNDO:
		result_undo(ui);
		break;
	case RES_SEARCH:
		memset(&a, 0, sizeof a);
		ui_goto(ui, UI_SEARCH, &a);
		break;
	default:
		break;
	}
}

/* Places the n result buttons (labels in drawing order) at the bottom of
 * c: a row of 90 mm buttons when they fit; else a row of buttons each as
 * wide as its label needs at full size (never shrunk below the text
 * floor), sharing what is left; else a column. Returns the height used. */
static int result_buttons(struct ui *ui, SDL_Rect c, int gap, int btn_h, int n,
			  const char *const *labels, SDL_Rect *rects)
{
	int fit[3], sum = 0, bw = render_mm(ui->r, 90.0f), x;
	bool equal = true;
	for (int i = 0; i < n; i++) {
		fit[i] = button_fit_w(ui, labels[i], MM_TEXT_LARGE, 12.0f);
		sum += fit[i];
		if (fit[i] > bw)
			equal = false;
	}
	if (n == 1 || (equal && n * bw + (n - 1) * gap <= c.w)) {
		if (n == 1 && fit[0] > bw)
			bw = fit[0] < c.w ? fit[0] : c.w;
		x = c.x + (c.w - (n * bw + (n - 1) * gap)) / 2;
		for (int i = 0; i < n; i++)
			rects[i] = (SDL_Rect){x + i * (bw + gap), c.y + c.h - btn_h, bw, btn_h};
		return btn_h;
	}
	if (sum + (n - 1) * gap <= c.w) {
		int extra = (c.w - sum - (n - 1) * gap) / n;
		x = c.x;
		for (int i = 0; i < n; i++) {
			rects[i] = (SDL_Rect){x, c.y + c.h - btn_h, fit[i] + extra, btn_h};
			x += fit[i] + extra + gap;
		}
		return btn_h;
	}
	for (int i = 0; i < n; i++)
		rects[i] =
		    (SDL_Rect){c.x, c.y + c.h - (n - i) * btn_h - (n - 1 - i) * gap, c.w, btn_h};
	return n * btn_h + (n - 1) * gap;
}

static void result_draw(struct ui *ui, struct render *r)
{
	struct res_view v;
	SDL_Rect c = ui_content(ui);
	struct rgba bg, fg;
	enum button_style bstyle;
	int gap = render_mm(r, MM_GAP * 2);
	int btn_h = render_mm(r, MM_BUTTON_H + 2.0f);
	int icon_r = render_mm(r, 24.0f);
	int n_btn, buttons_h;
	const char *labels[3];
	SDL_Rect box, rects[3];
	int y;

	result_view(ui, &v);
	bg = v.tone == TONE_GREEN ? COL_GREEN_BG : v.tone == TONE_AMBER ? COL_AMBER_BG : COL_RED_BG;
	fg = v.tone == TONE_AMBER ? COL_BLACK : COL_WHITE;
	bstyle = v.tone == TONE_AMBER ? BTN_ON_LIGHT : BTN_SECONDARY;
	screen_begin(ui, bg, fg);

	if (icon_r * 2 > c.h / 3)
		icon_r = c.h / 6;
	n_btn = 0;
	if (ui->arg.result.undoable)
		labels[n_btn++] = _("Not you? Undo");
	if (v.offer_search)
		labels[n_btn++] = _("Search your name");
	labels[n_btn++] = _("Done");
	buttons_h = result_buttons(ui, c, gap, btn_h, n_btn, labels, rects);
	y = c.y + render_mm(r, 4.0f);
	{
		/* tall screens: the block sits a third of the way down the free space */
		int block = 2 * icon_r + gap + render_mm(r, 20.0f) + gap / 2 + render_mm(r, 40.0f);
		int free_h = c.h - buttons_h - gap - block;
		if (free_h > 0)
			y += free_h / 3;
	}
	{
		/* 7" panel: the icon sits beside the title, the words get the room */
		bool inline_icon = render_compact(r) < 0.6f;
		int th = render_mm(r, 20.0f);
		float ix = (float)(c.x + c.w / 2), iy = (float)(y + icon_r);
		if (inline_icon) {
			icon_r = th / 2;
			ix = (float)(c.x + icon_r);
			iy = (float)(y + th / 2);
		}
		if (v.icon == ICON_CHECK)
			icon_check(r, ix, iy, (float)icon_r, fg, bg);
		else if (v.icon == ICON_WARN)
			icon_warning(r, ix, iy, (float)icon_r * 2.1f, fg, bg);
		else
			icon_cross(r, ix, iy, (float)icon_r, fg, bg);
		if (inline_icon)
			box = (SDL_Rect){c.x + 2 * icon_r + gap, y, c.w - 2 * icon_r - gap, th};
		else
			box = (SDL_Rect){c.x, y + 2 * icon_r + gap, c.w, th};
		y = box.y;
	}
	if (render_text_size(r, v.title, MM_TEXT_TITLE * 1.15f, FONT_BOLD).x > box.w &&
	    render_compact(r) < 0.6f) {
		/* a long title on the 7" panel wraps rather than shrinking away */
		box.h = render_text_wrap(r, v.title, (SDL_Rect){box.x, box.y, box.w, 2 * box.h},
					 MM_TEXT_TITLE * 1.15f, FONT_BOLD, fg, ALIGN_CENTER);
	} else {
		render_text_fit(r, v.title, box, MM_TEXT_TITLE * 1.15f, FONT_BOLD, fg,
				ALIGN_CENTER);
	}
	y += box.h + gap / 2;

	{
		int bottom = c.y + c.h - buttons_h;
		int line_h = render_text_size(r, "Åg", MM_TEXT_LARGE, FONT_BOLD).y;
		box = (SDL_Rect){c.x + c.w / 20, y, c.w - c.w / 10, bottom - gap - y};
		if (v.line1[0]) {
			/* line 1 may wrap; it leaves one line for line 2 */
			int h1 = box.h - (v.line2[0] ? line_h + gap / 2 : 0);
			int h = render_text_wrap(r, v.line1, (SDL_Rect){box.x, box.y, box.w, h1},
						 MM_TEXT_LARGE, FONT_REGULAR, fg, ALIGN_CENTER);
			box.y += h + gap / 2;
			box.h -= h + gap / 2;
		}
		if (v.line2[0])
			render_text_wrap(r, v.line2, box, MM_TEXT_LARGE, FONT_BOLD, fg,
					 ALIGN_CENTER);
	}

	/* buttons: a row when wide enough, else a column */
	{
		int k = 0;
		if (ui->arg.result.undoable)
			button_draw(ui, rects[k++], RES_UNDO, 0, "undo", _("Not you? Undo"), bstyle,
				    MM_TEXT_LARGE);
		if (v.offer_search)
			button_draw(ui, rects[k++], RES_SEARCH, 0, "search", _("Search your name"),
				    BTN_PRIMARY, MM_TEXT_LARGE);
		button_draw(ui, rects[k], RES_DONE, 0, "done", _("Done"),
			    v.offer_search || v.tone == TONE_AMBER ? bstyle : BTN_PRIMARY,
			    MM_TEXT_LARGE);
	}
}

const struct screen_ops scr_result_ops = {
    .name = "result",
    .enter = result_enter,
    .input = result_input,
    .tick = result_tick,
    .draw = result_draw,
};
