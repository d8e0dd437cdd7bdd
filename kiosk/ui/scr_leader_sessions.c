/* SPDX-License-Identifier: MIT */
/* Leader mode start: today's sessions at this facility with "5 av 9 här",
 * the way to the earlier sessions of the last 14 days (corrections), plus
 * sync/reader status, log out, and close the kiosk (admin PIN). */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "widgets.h"

/* This screen's state (screens.h: made once by ui_open). */
struct ui_sessions_state {
	struct store_session_info s[UI_SESSIONS_MAX];
	size_t n;
	int scroll;
};
#define STATE(ui) ((struct ui_sessions_state *)ui_screen_state((ui), UI_LEADER_SESSIONS))

enum { SS_ROW = 1, SS_UP, SS_DOWN, SS_STATUS, SS_LOGOUT, SS_EXIT, SS_EARLIER };

static void sessions_enter(struct ui *ui, const union ui_arg *arg)
{
	struct ui_sessions_state *s = STATE(ui);
	(void)arg;
	s->n = 0;
	if (store_today_sessions(ui->st, clock_wall_ms(), s->s, UI_SESSIONS_MAX, &s->n) !=
	    BLIPPA_OK) {
		s->n = 0;
		ui_toast(ui, true, _("Could not read today's sessions"));
	}
	ui_trace(ui, "sessions %zu", s->n);
}

struct sessions_layout {
	SDL_Rect title, earlier, list, status, logout, exit;
};

static void sessions_layout(struct ui *ui, struct sessions_layout *L)
{
	struct render *r = ui->r;
	SDL_Rect c = ui_content(ui);
	int gap = render_mm(r, MM_GAP);
	int bh = render_mm(r, 16.0f);
	int title_h = render_mm(r, 16.0f);
	bool portrait = render_h(r) > render_w(r);
	int rows;
	{
		/* three buttons in a row only when every label fits at full size */
		const char *labels[3] = {_("Sync and reader"), _("Log out"), _("Close kiosk")};
		for (int i = 0; i < 3; i++)
			if (3 * button_fit_w(ui, labels[i], MM_TEXT_BODY, 12.0f) + 2 * gap > c.w)
				portrait = true;
	}
	int ew = button_fit_w(ui, _("Earlier sessions"), MM_TEXT_BODY, 40.0f);
	/* "Earlier sessions" beside the title, or - where the title would not
	 * fit beside it (the 7" panel, longer languages) - the button alone:
	 * the rows say what they are */
	bool beside = render_text_size(r, _("Today's sessions"), MM_TEXT_LARGE, FONT_BOLD).x <=
		      c.w - ew - gap;
	rows = portrait ? 2 : 1;
	int bottom = c.y + c.h - rows * bh - (rows - 1) * gap;

	L->earlier = (SDL_Rect){c.x + c.w - ew, c.y, ew, title_h};
	L->title = (SDL_Rect){c.x, c.y, beside ? c.w - ew - gap : 0, title_h};
	L->list = (SDL_Rect){c.x, c.y + title_h + gap, c.w,
			     bottom - 2 * gap - (c.y + title_h + gap) -
				 (render_compact(r) < 1.0f ? 0 : render_mm(r, 16.0f))};
	if (portrait) {
		L->status = (SDL_Rect){c.x, bottom, c.w, bh};
		L->logout = (SDL_Rect){c.x, bottom + bh + gap, (c.w - gap) / 2, bh};
		L->exit = (SDL_Rect){c.x + (c.w + gap) / 2, L->logout.y, (c.w - gap) / 2, bh};
	} else {
		int w3 = (c.w - 2 * gap) / 3;
		L->status = (SDL_Rect){c.x, bottom, w3, bh};
		L->logout = (SDL_Rect){c.x + w3 + gap, bottom, w3, bh};
		L->exit = (SDL_Rect){c.x + 2 * (w3 + gap), bottom, w3, bh};
	}
}

/* One session row: the group's name and "5 av 9 här" ("5/9" where both do
 * not fit) on top, when across the whole width below (also the earlier
 * sessions' rows, scr_leader_history.c). */
void leader_session_row(struct ui *ui, const struct store_session_info *s, SDL_Rect rc, int id,
			int index, const char *name, const char *when)
{
	struct render *r = ui->r;
	char count[64];
	int pad = render_mm(r, 4.0f);
	int right_w;

	snprintf(count, sizeof count, _("%d of %d here"), s->n_present, s->n_members);
	{
		SDL_Point nsz = render_text_size(r, s->group_name, MM_TEXT_LARGE, FONT_BOLD);
		SDL_Point csz = render_text_size(r, count, MM_TEXT_LARGE, FONT_BOLD);
		if (nsz.x + csz.x + 3 * pad > rc.w || csz.x + 2 * pad > rc.w / 2) {
			snprintf(count, sizeof count, "%d/%d", s->n_present, s->n_members);
			csz = render_text_size(r, count, MM_TEXT_LARGE, FONT_BOLD);
		}
		right_w = csz.x + 2 * pad < rc.w / 2 ? csz.x + 2 * pad : rc.w / 2;
	}
	button_draw(ui, rc, id, index, name, "", BTN_ROW, MM_TEXT_LARGE);
	render_text_fit(r, s->group_name,
			(SDL_Rect){rc.x + pad, rc.y, rc.w - right_w - 2 * pad, rc.h / 2 + pad},
			MM_TEXT_LARGE, FONT_BOLD, COL_WHITE, ALIGN_LEFT);
	render_text_fit(r, when, (SDL_Rect){rc.x + pad, rc.y + rc.h / 2, rc.w - 2 * pad, rc.h / 2},
			MM_TEXT_BODY, FONT_REGULAR, COL_MUTED, ALIGN_LEFT);
	render_text_fit(r, count,
			(SDL_Rect){rc.x + rc.w - right_w, rc.y, right_w - pad, rc.h / 2 + pad},
			MM_TEXT_LARGE, FONT_BOLD, COL_WHITE, ALIGN_RIGHT);
}

static struct list_view sessions_list(struct ui *ui, SDL_Rect box)
{
	struct list_view lv = {
	    box, render_mm(ui->r, 20.0f), STATE(ui)->n, &STATE(ui)->scroll, SS_ROW, SS_UP, SS_DOWN};
	return lv;
}

static void sessions_input(struct ui *ui, const struct ui_input *in)
{
	struct sessions_layout L;
	struct list_view lv;
	union ui_arg a;
	sessions_layout(ui, &L);
	lv = sessions_list(ui, L.list);
	if (list_input(ui, &lv, in) || in->kind != UI_IN_BUTTON)
		return;
	memset(&a, 0, sizeof a);
	switch (in->button) {
	case SS_ROW:
		if (in->index >= 0 && (size_t)in->index < STATE(ui)->n) {
			snprintf(a.roster.session_id, sizeof a.roster.session_id, "%s",
				 STATE(ui)->s[in->index].session_id);
			ui_goto(ui, UI_LEADER_ROSTER, &a);
		}
		break;
	case SS_STATUS:
		ui_goto(ui, UI_LEADER_STATUS, NULL);
		break;
	case SS_EARLIER:
		ui_goto(ui, UI_LEADER_HISTORY, NULL);
		break;
	case SS_LOGOUT:
		ui_leader_logout(ui);
		break;
	case SS_EXIT:
		a.pin.mode = PIN_EXIT;
		ui_goto(ui, UI_LEADER_PIN, &a);
		break;
	default:
		break;
	}
}

static void draw_session(struct ui *ui, size_t row, SDL_Rect rc, void *user)
{
	const struct store_session_info *s = &STATE(ui)->s[row];
	char name[16], when[96], t0[6], t1[6];
	int64_t now = clock_wall_ms();
	(void)user;
	snprintf(name, sizeof name, "session-%zu", row);
	ui_hhmm(ui, s->start_ms, t0);
	ui_hhmm(ui, s->end_ms, t1);
	if (now >= s->start_ms && now < s->end_ms)
		snprintf(when, sizeof when, _("%s–%s  ·  running now"), t0, t1);
	else
		snprintf(when, sizeof when, "%s–%s", t0, t1);
	leader_session_row(ui, s, rc, SS_ROW, (int)row, name, when);
}

static void sessions_draw(struct ui *ui, struct render *r)
{
	struct sessions_layout L;
	struct list_view lv;
	sessions_layout(ui, &L);
	screen_begin(ui, COL_LEADER_BG, COL_WHITE);
	if (L.title.w > 0)
		render_text_fit(r, _("Today's sessions"), L.title, MM_TEXT_TITLE, FONT_BOLD,
				COL_WHITE, ALIGN_LEFT);
	button_draw(ui, L.earlier, SS_EARLIER, 0, "earlier", _("Earlier sessions"), BTN_SECONDARY,
		    MM_TEXT_BODY);
	lv = sessions_list(ui, L.list);
	if (STATE(ui)->n == 0)
		render_text_fit(r, _("No sessions here today"),
				(SDL_Rect){L.list.x, L.list.y, L.list.w, render_mm(r, 20.0f)},
				MM_TEXT_LARGE, FONT_REGULAR, COL_MUTED, ALIGN_CENTER);
	else
		list_draw(ui, &lv, draw_session, NULL);
	button_draw(ui, L.status, SS_STATUS, 0, "status", _("Sync and reader"), BTN_PRIMARY,
		    MM_TEXT_BODY);
	button_draw(ui, L.logout, SS_LOGOUT, 0, "logout", _("Log out"), BTN_SECONDARY,
		    MM_TEXT_BODY);
	button_draw(ui, L.exit, SS_EXIT, 0, "exit", _("Close kiosk"), BTN_DANGER, MM_TEXT_BODY);
	toast_draw(ui, (SDL_Rect){L.list.x, L.list.y, L.list.w,
				  L.status.y - render_mm(r, MM_GAP) - L.list.y});
}

const struct screen_ops scr_leader_sessions_ops = {
    .state_size = sizeof(struct ui_sessions_state),
    .name = "leader-sessions",
    .leader = true,
    .enter = sessions_enter,
    .input = sessions_input,
    .draw = sessions_draw,
};
