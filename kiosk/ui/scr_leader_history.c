/* SPDX-License-Identifier: MIT */
/* Leader mode: the earlier sessions a leader may still correct (issue 13.6)
 * - this facility's sessions of the 14 days before today, newest first,
 * each with its date, time and "5 av 9 här". A row opens the session's
 * roster, where the leader checks someone in by hand (method leader) or
 * undoes a check-in (a void): events like any other, synced to the server. */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "widgets.h"

enum { HI_BACK = 1, HI_ROW, HI_UP, HI_DOWN };

/* This screen's state (screens.h: made once by ui_open). */
struct history_state {
	struct store_session_info s[UI_SESSIONS_MAX];
	size_t n;
	int scroll;
};
#define STATE(ui) ((struct history_state *)ui_screen_state((ui), UI_LEADER_HISTORY))

static void history_enter(struct ui *ui, const union ui_arg *arg)
{
	struct history_state *s = STATE(ui);
	(void)arg;
	s->n = 0;
	if (store_recent_sessions(ui->st, clock_wall_ms(), s->s, UI_SESSIONS_MAX, &s->n) !=
	    BLIPPA_OK) {
		s->n = 0;
		ui_toast(ui, true, _("Could not read the earlier sessions"));
	}
	if ((size_t)s->scroll >= s->n)
		s->scroll = 0;
	ui_trace(ui, "history %zu", s->n);
}

struct history_layout {
	SDL_Rect back, title, list;
};

static void history_layout(struct ui *ui, struct history_layout *L)
{
	struct render *r = ui->r;
	SDL_Rect c = ui_content(ui);
	int gap = render_mm(r, MM_GAP);
	int head = render_mm(r, 16.0f);
	int back_w = button_fit_w(ui, _("Back"), MM_TEXT_BODY, 40.0f);

	L->back = (SDL_Rect){c.x, c.y, back_w, head};
	L->title = (SDL_Rect){c.x + back_w + 2 * gap, c.y, c.w - back_w - 2 * gap, head};
	L->list = (SDL_Rect){c.x, c.y + head + 2 * gap, c.w, c.h - head - 2 * gap};
}

static struct list_view history_list(struct ui *ui, SDL_Rect box)
{
	struct list_view lv = {
	    box, render_mm(ui->r, 20.0f), STATE(ui)->n, &STATE(ui)->scroll, HI_ROW, HI_UP, HI_DOWN};
	return lv;
}

static void history_input(struct ui *ui, const struct ui_input *in)
{
	struct history_layout L;
	struct list_view lv;
	union ui_arg a;

	history_layout(ui, &L);
	lv = history_list(ui, L.list);
	if (list_input(ui, &lv, in) || in->kind != UI_IN_BUTTON)
		return;
	if (in->button == HI_BACK) {
		ui_goto(ui, UI_LEADER_SESSIONS, NULL);
	} else if (in->button == HI_ROW && in->index >= 0 && (size_t)in->index < STATE(ui)->n) {
		memset(&a, 0, sizeof a);
		snprintf(a.roster.session_id, sizeof a.roster.session_id, "%s",
			 STATE(ui)->s[in->index].session_id);
		a.roster.past = true;
		ui_goto(ui, UI_LEADER_ROSTER, &a);
	}
}

static void draw_row(struct ui *ui, size_t row, SDL_Rect rc, void *user)
{
	const struct store_session_info *s = &STATE(ui)->s[row];
	char name[16], when[64], day[11], t0[6], t1[6];
	(void)user;

	snprintf(name, sizeof name, "past-%zu", row);
	ui_day(ui, s->start_ms, day);
	ui_hhmm(ui, s->start_ms, t0);
	ui_hhmm(ui, s->end_ms, t1);
	snprintf(when, sizeof when, "%s  %s–%s", day, t0, t1);
	leader_session_row(ui, s, rc, HI_ROW, (int)row, name, when);
}

static void history_draw(struct ui *ui, struct render *r)
{
	struct history_layout L;
	struct list_view lv;

	history_layout(ui, &L);
	screen_begin(ui, COL_LEADER_BG, COL_WHITE);
	button_draw(ui, L.back, HI_BACK, 0, "back", _("Back"), BTN_SECONDARY, MM_TEXT_BODY);
	render_text_fit(r, _("Earlier sessions (14 days)"), L.title, MM_TEXT_TITLE, FONT_BOLD,
			COL_WHITE, ALIGN_LEFT);
	lv = history_list(ui, L.list);
	if (STATE(ui)->n == 0)
		render_text_fit(r, _("No sessions here in the last 14 days"),
				(SDL_Rect){L.list.x, L.list.y, L.list.w, render_mm(r, 20.0f)},
				MM_TEXT_LARGE, FONT_REGULAR, COL_MUTED, ALIGN_CENTER);
	else
		list_draw(ui, &lv, draw_row, NULL);
	toast_draw(ui, L.list);
}

const struct screen_ops scr_leader_history_ops = {
    .state_size = sizeof(struct history_state),
    .name = "leader-history",
    .leader = true,
    .enter = history_enter,
    .input = history_input,
    .draw = history_draw,
};
