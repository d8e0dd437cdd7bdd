/* SPDX-License-Identifier: MIT */
/* A session's roster for the leader: full names sorted by name, present
 * (with time) or absent, period attendance "7 av 9", check-in by hand,
 * undo a check-in, and link a card - for today's sessions and, as a
 * correction, for the earlier ones of the last 14 days (issue 13.6). The
 * header's count and the ticks come from one source (roster_count). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "widgets.h"

/* This screen's state (screens.h: made once by ui_open). */
#define UI_ROSTER_MAX 400
struct ui_roster_state {
	struct store_session_info info;
	struct store_roster_row *rows; /* UI_ROSTER_MAX, allocated once */
	size_t n;
	int scroll;
	int present;
	bool past; /* an earlier day's session: the header names the date */
};
#define STATE(ui) ((struct ui_roster_state *)ui_screen_state((ui), UI_LEADER_ROSTER))

static enum blippa_err roster_init(void *state)
{
	struct ui_roster_state *s = state;
	s->rows = calloc(UI_ROSTER_MAX, sizeof *s->rows);
	return s->rows ? BLIPPA_OK : BLIPPA_ERR_NOMEM;
}

static void roster_fini(void *state)
{
	struct ui_roster_state *s = state;
	free(s->rows);
}

const char *scr_leader_roster_session(struct ui *ui)
{
	return STATE(ui)->info.session_id;
}

enum { RO_BACK = 1, RO_UP, RO_DOWN, RO_ACTION, RO_LINK, RO_ROW };

/* The header's "N av M här": the ticks themselves, counted from the rows
 * shown; only when the list is capped (more members than rows) the store's
 * count, which applies the same rule (STORE_SQL_COUNTS). */
static void roster_count(const struct ui_roster_state *s, int *here, int *of)
{
	if ((int)s->n < s->info.n_members) {
		*here = s->info.n_present;
		*of = s->info.n_members;
	} else {
		*here = s->present;
		*of = (int)s->n;
	}
}

static void roster_enter(struct ui *ui, const union ui_arg *arg)
{
	struct ui_roster_state *s = STATE(ui);
	int64_t now = clock_wall_ms();
	char sid[ROSTER_ID_MAX + 1];
	int here, of;

	snprintf(sid, sizeof sid, "%s",
		 arg->roster.session_id[0] ? arg->roster.session_id : s->info.session_id);
	if (arg->roster.session_id[0] && strcmp(sid, s->info.session_id) != 0)
		s->scroll = 0;
	if (arg->roster.session_id[0])
		s->past = arg->roster.past;
	if (store_session_get(ui->st, sid, &s->info) != BLIPPA_OK) {
		memset(&s->info, 0, sizeof s->info);
		snprintf(s->info.session_id, sizeof s->info.session_id, "%s", sid);
	}
	s->n = 0;
	s->present = 0;
	if (store_session_roster(ui->st, sid, now, s->rows, UI_ROSTER_MAX, &s->n) != BLIPPA_OK) {
		s->n = 0;
		ui_toast(ui, true, _("Could not read the roster"));
	}
	for (size_t i = 0; i < s->n; i++)
		s->present += s->rows[i].present ? 1 : 0;
	roster_count(s, &here, &of);
	/* the ticks, then what the header says: always the same (issue 13.5) */
	ui_trace(ui, "roster %d/%zu header %d/%d%s", s->present, s->n, here, of,
		 s->past ? " past" : "");
	if (s->n == UI_ROSTER_MAX)
		log_warn("ui", "roster view capped at %d rows", UI_ROSTER_MAX);
}

struct roster_layout {
	SDL_Rect back, title, sub, list;
};

static void roster_layout(struct ui *ui, struct roster_layout *L)
{
	struct render *r = ui->r;
	SDL_Rect c = ui_content(ui);
	int gap = render_mm(r, MM_GAP);
	int head = render_mm(r, 16.0f);
	int back_w = button_fit_w(ui, _("Back"), MM_TEXT_BODY, 40.0f);
	L->back = (SDL_Rect){c.x, c.y, back_w, head};
	L->title = (SDL_Rect){c.x + back_w + gap * 2, c.y, c.w - back_w - gap * 2, head * 3 / 5};
	L->sub = (SDL_Rect){L->title.x, c.y + head * 3 / 5, L->title.w, head * 2 / 5};
	L->list = (SDL_Rect){c.x, c.y + head + gap * 2, c.w, c.h - head - gap * 2};
}

static struct list_view roster_list(struct ui *ui, SDL_Rect box)
{
	struct list_view lv = {
	    box, render_mm(ui->r, 22.0f), STATE(ui)->n, &STATE(ui)->scroll, RO_ROW, RO_UP, RO_DOWN};
	return lv;
}

static void roster_input(struct ui *ui, const struct ui_input *in)
{
	struct ui_roster_state *s = STATE(ui);
	struct roster_layout L;
	struct list_view lv;
	union ui_arg a;
	const struct store_roster_row *row;

	roster_layout(ui, &L);
	lv = roster_list(ui, L.list);
	if (list_input(ui, &lv, in) || in->kind != UI_IN_BUTTON)
		return;
	if (in->button == RO_BACK) {
		ui_goto(ui, s->past ? UI_LEADER_HISTORY : UI_LEADER_SESSIONS, NULL);
		return;
	}
	if (in->index < 0 || (size_t)in->index >= s->n)
		return;
	row = &s->rows[in->index];
	memset(&a, 0, sizeof a);
	if (in->button == RO_LINK) {
		snprintf(a.link.participant_id, sizeof a.link.participant_id, "%s",
			 row->participant_id);
		snprintf(a.link.full_name, sizeof a.link.full_name, "%s", row->full_name);
		ui_goto(ui, UI_LINK_CARD, &a);
	} else if (in->button == RO_ACTION && !row->present) {
		char pid[ROSTER_ID_MAX + 1], sid[ROSTER_ID_MAX + 1];
		snprintf(pid, sizeof pid, "%s", row->participant_id);
		snprintf(sid, sizeof sid, "%s", s->info.session_id);
		ui_checkin_participant(ui, pid, CHECKIN_LEADER, sid);
	} else if (in->button == RO_ACTION && row->present) {
		char eid[UUID_STR_LEN], msg[200];
		enum blippa_err rc;
		snprintf(eid, sizeof eid, "%s", row->event_id);
		/* a correction of an earlier day is an event like any other */
		rc = ui_void_checkin(ui, eid, true);
		if (rc == BLIPPA_OK) {
			char who[sizeof row->full_name + 8];
			snprintf(msg, sizeof msg, _("Check-in undone for %s"),
				 ui_isolate(row->full_name, who, sizeof who));
			ui_toast(ui, false, msg);
		} else {
			ui_trace(ui, "void-error %d", (int)rc);
			ui_toast(ui, true, _("Could not undo the check-in"));
		}
		ui_goto(ui, UI_LEADER_ROSTER, &ui->arg);
	}
}

static void draw_member(struct ui *ui, size_t i, SDL_Rect rc, void *user)
{
	const struct store_roster_row *row = &STATE(ui)->rows[i];
	struct render *r = ui->r;
	int pad = render_mm(r, 3.0f);
	int gap = render_mm(r, 2.0f);
	int bw = render_mm(r, 36.0f);
	int bh = rc.h - 2 * render_mm(r, 2.5f);
	char status[64], period[48], name[24], hhmm[6];
	char line[128];
	const char *link_label = NULL;
	SDL_Rect link = {0}, act = {0};
	int text_w = 0, link_w = 0;
	(void)user;

	if (bh < render_mm(r, MM_TARGET_MIN))
		bh = render_mm(r, MM_TARGET_MIN);
	if (row->present) {
		ui_hhmm(ui, row->checked_in_ms, hhmm);
		snprintf(status, sizeof status, _("Present %s"), hhmm);
	} else {
		snprintf(status, sizeof status, "%s", _("Absent"));
	}
	/* a row too narrow for the name and the status line at full size
	 * (the 7" panel, longer languages) says less, in shorter words:
	 * "Card" for "Link card", "7/9" for "7 of 9 this period" */
	for (int narrow = 0; narrow < 2; narrow++) {
		const char *labels[2] = {_("Undo"), _("Check in")};
		int abw = 0;
		/* TRANSLATORS: the "Link card" button where the row is narrow */
		link_label = narrow ? _("Card") : _("Link card");
		/* the labels never shrink below the text floor: widen instead */
		for (int k = 0; k < 2; k++) {
			int fw = button_fit_w(ui, labels[k], MM_TEXT_SMALL * 1.1f, 12.0f);
			if (fw > abw)
				abw = fw;
		}
		link_w = button_fit_w(ui, link_label, MM_TEXT_SMALL * 1.1f, 12.0f);
		if (!narrow) {
			abw = abw > bw ? abw : bw;
			link_w = link_w > bw ? link_w : bw;
		}
		bw = abw;
		if (narrow)
			snprintf(period, sizeof period, "%d/%d", row->attended, row->held);
		else
			snprintf(period, sizeof period, _("%d of %d this period"), row->attended,
				 row->held);
		snprintf(line, sizeof line, "%s  ·  %s", status, period);
		link = (SDL_Rect){rc.x + rc.w - pad - link_w, rc.y + (rc.h - bh) / 2, link_w, bh};
		act = (SDL_Rect){link.x - gap - bw, link.y, bw, bh};
		text_w = act.x - gap - rc.x - 2 * pad - render_mm(r, 9.0f);
		if (render_text_size(r, row->full_name, MM_TEXT_BODY * 1.1f, FONT_BOLD).x <=
			text_w &&
		    render_text_size(r, line, MM_TEXT_SMALL, FONT_REGULAR).x <= text_w)
			break;
	}
	{
		int b = render_mm(r, 0.8f);
		render_fill_round_rect(r, rc, render_mm(r, 2.0f), COL_ROW_EDGE);
		render_fill_round_rect(r,
				       (SDL_Rect){rc.x + b, rc.y + b, rc.w - 2 * b, rc.h - 2 * b},
				       render_mm(r, 2.0f) - b, COL_PANEL_LEADER);
	}

	/* status mark: check or an empty ring (shape, not only colour) */
	if (row->present)
		icon_check(r, (float)(rc.x + pad + render_mm(r, 4.0f)), (float)(rc.y + rc.h / 2),
			   (float)render_mm(r, 4.0f), RGB(0x2ECC71), COL_PANEL_LEADER);
	else
		render_arc(r, (float)(rc.x + pad + render_mm(r, 4.0f)), (float)(rc.y + rc.h / 2),
			   (float)render_mm(r, 3.4f), (float)render_mm(r, 0.8f), 0.0f, 6.2832f,
			   COL_MUTED);
	{
		int x = rc.x + pad + render_mm(r, 10.0f);
		render_text_fit(r, row->full_name, (SDL_Rect){x, rc.y + pad / 2, text_w, rc.h / 2},
				MM_TEXT_BODY * 1.1f, FONT_BOLD, COL_WHITE, ALIGN_LEFT);
		render_text_fit(r, line, (SDL_Rect){x, rc.y + rc.h / 2, text_w, rc.h / 2 - pad / 2},
				MM_TEXT_SMALL, FONT_REGULAR, COL_MUTED, ALIGN_LEFT);
	}
	snprintf(name, sizeof name, "%s-%zu", row->present ? "undo" : "checkin", i);
	button_draw(ui, act, RO_ACTION, (int)i, name, row->present ? _("Undo") : _("Check in"),
		    row->present ? BTN_SECONDARY : BTN_PRIMARY, MM_TEXT_SMALL * 1.1f);
	snprintf(name, sizeof name, "link-%zu", i);
	button_draw(ui, link, RO_LINK, (int)i, name, link_label, BTN_SECONDARY,
		    MM_TEXT_SMALL * 1.1f);
}

static void roster_draw(struct ui *ui, struct render *r)
{
	struct ui_roster_state *s = STATE(ui);
	struct roster_layout L;
	struct list_view lv;
	char sub[128], t0[6] = "", t1[6] = "";

	roster_layout(ui, &L);
	ui->bg = COL_LEADER_BG;
	screen_begin(ui, COL_LEADER_BG, COL_WHITE);
	button_draw(ui, L.back, RO_BACK, 0, "back", _("Back"), BTN_SECONDARY, MM_TEXT_BODY);
	render_text_fit(r, s->info.group_name[0] ? s->info.group_name : s->info.session_id, L.title,
			MM_TEXT_LARGE, FONT_BOLD, COL_WHITE, ALIGN_LEFT);
	if (s->info.start_ms) {
		ui_hhmm(ui, s->info.start_ms, t0);
		ui_hhmm(ui, s->info.end_ms, t1);
	}
	{
		char day[11] = "", rest[112];
		int here, of;
		roster_count(s, &here, &of);
		snprintf(rest, sizeof rest, _("%s–%s  ·  %d of %d here"), t0, t1, here, of);
		if (s->past && s->info.start_ms) /* an earlier day: name the date */
			ui_day(ui, s->info.start_ms, day);
		snprintf(sub, sizeof sub, "%s%s%s", day, day[0] ? "  " : "", rest);
	}
	if ((int)s->n < s->info.n_members) { /* capped list: say so */
		char more[64];
		size_t len = strlen(sub);
		snprintf(more, sizeof more, _("  ·  showing the first %zu"), s->n);
		snprintf(sub + len, sizeof sub - len, "%s", more);
	}
	render_text_fit(r, sub, L.sub, MM_TEXT_BODY, FONT_REGULAR, COL_MUTED, ALIGN_LEFT);
	lv = roster_list(ui, L.list);
	if (s->n == 0)
		render_text_fit(r, _("Nobody in this group"),
				(SDL_Rect){L.list.x, L.list.y, L.list.w, render_mm(r, 20.0f)},
				MM_TEXT_LARGE, FONT_REGULAR, COL_MUTED, ALIGN_CENTER);
	else
		list_draw(ui, &lv, draw_member, NULL);
	toast_draw(ui, L.list);
}

const struct screen_ops scr_leader_roster_ops = {
    .state_size = sizeof(struct ui_roster_state),
    .init = roster_init,
    .fini = roster_fini,
    .name = "leader-roster",
    .leader = true,
    .enter = roster_enter,
    .input = roster_input,
    .draw = roster_draw,
};
