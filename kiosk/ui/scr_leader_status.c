/* SPDX-License-Identifier: MIT */
/* Sync and reader status for the leader: pending events, oldest pending,
 * last successful sync, server reachable / kiosk not authorised, last error,
 * clock skew against the server, the reader's state, and the rejected
 * check-ins in plain words: whose, which session, why, and what the leader
 * can do (issue 13.6). Read from the local store (the sync thread writes it), so
 * nothing here touches the network. Refreshed every 2 s while shown. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "widgets.h"

/* This screen's state (screens.h: made once by ui_open). */
#define UI_REJECTED_MAX 8
struct ui_status_state {
	struct store_sync_status sync;
	struct store_rejected rejected[UI_REJECTED_MAX];
	size_t n_rejected;
	bool sync_ok;
};
#define STATE(ui) ((struct ui_status_state *)ui_screen_state((ui), UI_LEADER_STATUS))

enum { ST_BACK = 1 };

static void status_load(struct ui *ui)
{
	struct ui_status_state *s = STATE(ui);
	s->sync_ok = store_get_sync_status(ui->st, &s->sync) == BLIPPA_OK;
	s->n_rejected = 0;
	if (store_rejected_events(ui->st, s->rejected, UI_REJECTED_MAX, &s->n_rejected) !=
	    BLIPPA_OK)
		s->n_rejected = 0;
}

static void status_enter(struct ui *ui, const union ui_arg *arg)
{
	(void)arg;
	status_load(ui);
	ui_trace(ui, "status pending=%" PRId64 " rejected=%" PRId64, STATE(ui)->sync.pending,
		 STATE(ui)->sync.rejected);
	for (size_t i = 0; i < STATE(ui)->n_rejected; i++) { /* the leader's words, no names */
		ui_trace(ui, "rejected %s %s", STATE(ui)->rejected[i].event_id,
			 STATE(ui)->rejected[i].full_name[0] ? "named" : "unnamed");
	}
	ui_timer_set(ui, UI_TIMER_SCREEN, 2000);
}

static void status_tick(struct ui *ui, int64_t now_ms)
{
	(void)now_ms;
	status_load(ui);
	ui_timer_set(ui, UI_TIMER_SCREEN, 2000);
	ui_dirty(ui);
}

static void status_input(struct ui *ui, const struct ui_input *in)
{
	if (in->kind == UI_IN_BUTTON && in->button == ST_BACK)
		ui_goto(ui, UI_LEADER_SESSIONS, NULL);
}

static void ago(struct ui *ui, int64_t ms, char *out, size_t outlen)
{
	char hhmm[6];
	int64_t min;
	if (ms <= 0) {
		snprintf(out, outlen, "%s", _("never"));
		return;
	}
	ui_hhmm(ui, ms, hhmm);
	min = (clock_wall_ms() - ms) / 60000;
	if (min < 0)
		min = 0;
	snprintf(out, outlen, _("%s (%lld min ago)"), hhmm, (long long)min);
}

/* The server's reason (docs/protocol.md) in plain words for the leader. */
static const char *reason_words(const char *reason)
{
	static const struct {
		const char *server, *words;
	} map[] = {
	    {"participant not in group", N_("the person is no longer in this group")},
	    {"unknown participant", N_("the person is no longer in the region's list")},
	    {"unknown session", N_("the region has no such session")},
	    {"session not in facility", N_("the session belongs to another facility")},
	    {"implausible time", N_("the kiosk's clock was wrong")},
	    {"unknown event", N_("the check-in to undo was not found")},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(reason, map[i].server) == 0)
			return _(map[i].words);
	return reason[0] ? reason : _("no reason given");
}

/* One rejected event as a sentence: "Åsa Öberg, Styrka 2026-12-01 15:30:
 * not counted - the person is no longer in this group". */
static void rejected_line(struct ui *ui, const struct store_rejected *rj, char *out, size_t outlen)
{
	char day[11] = "", hhmm[6] = "", session[ROSTER_NAME_MAX + 24];
	const char *who = rj->full_name[0] ? rj->full_name : _("Someone no longer listed");

	if (rj->session_start_ms) {
		ui_day(ui, rj->session_start_ms, day);
		ui_hhmm(ui, rj->session_start_ms, hhmm);
		snprintf(session, sizeof session, "%s %s %s", rj->group_name, day, hhmm);
	} else {
		snprintf(session, sizeof session, "%s", _("open training"));
	}
	if (rj->type == EVENT_DB_VOID)
		snprintf(out, outlen, _("%s, %s: the undo was not accepted - %s"), who, session,
			 reason_words(rj->reason));
	else
		snprintf(out, outlen, _("%s, %s: not counted - %s"), who, session,
			 reason_words(rj->reason));
}

static const char *reader_text(const struct ui *ui)
{
	switch (ui->reader_state) {
	case READER_STATE_READY:
		return _("Ready");
	case READER_STATE_OPENING:
		return _("Starting");
	case READER_STATE_FAILED:
		return _("Not working: check the cable; it retries by itself");
	case READER_STATE_NONE:
	default:
		return _("None configured (name search only)");
	}
}

static void status_draw(struct ui *ui, struct render *r)
{
	struct ui_status_state *s = STATE(ui);
	SDL_Rect c = ui_content(ui);
	int gap = render_mm(r, MM_GAP);
	int head = render_mm(r, 16.0f);
	int line_h = render_mm(r, 9.0f);
	int label_w = c.w * 9 / 20;
	char v[200];
	int y;
	struct {
		const char *label;
		char value[200];
		bool warn;
	} rows[9];
	int n = 0;

	screen_begin(ui, COL_LEADER_BG, COL_WHITE);
	int back_w = button_fit_w(ui, _("Back"), MM_TEXT_BODY, 40.0f);
	button_draw(ui, (SDL_Rect){c.x, c.y, back_w, head}, ST_BACK, 0, "back", _("Back"),
		    BTN_SECONDARY, MM_TEXT_BODY);
	render_text_fit(r, _("Sync and reader"),
			(SDL_Rect){c.x + back_w + render_mm(r, 8.0f), c.y,
				   c.w - back_w - render_mm(r, 8.0f), head},
			MM_TEXT_TITLE, FONT_BOLD, COL_WHITE, ALIGN_LEFT);

	memset(rows, 0, sizeof rows);
	rows[n].label = _("Server");
	{
		const char *txt = _("Reachable");
		if (!ui->opts.sync_enabled)
			txt = _("Not configured (stand-alone)");
		else if (s->sync.unauthorised)
			txt = _("Kiosk not authorised (check its token)");
		else if (!s->sync.server_reachable)
			txt = _("Not reachable");
		rows[n].warn =
		    ui->opts.sync_enabled && (s->sync.unauthorised || !s->sync.server_reachable);
		snprintf(rows[n].value, sizeof rows[n].value, "%s", txt);
	}
	n++;
	rows[n].label = _("Waiting to be sent");
	snprintf(rows[n].value, sizeof rows[n].value, "%" PRId64, s->sync.pending);
	n++;
	rows[n].label = _("Oldest waiting");
	if (s->sync.pending > 0)
		ago(ui, s->sync.oldest_pending_ms, rows[n].value, sizeof rows[n].value);
	else
		snprintf(rows[n].value, sizeof rows[n].value, "-");
	n++;
	rows[n].label = _("Last successful sync");
	ago(ui, s->sync.last_success_ms, rows[n].value, sizeof rows[n].value);
	n++;
	rows[n].label = _("Last error");
	snprintf(rows[n].value, sizeof rows[n].value, "%s",
		 s->sync.last_error[0] ? s->sync.last_error : "-");
	rows[n].warn = s->sync.last_error[0] != '\0';
	n++;
	rows[n].label = _("Clock difference to server");
	snprintf(rows[n].value, sizeof rows[n].value, _("%+lld s"),
		 (long long)(s->sync.skew_ms / 1000));
	rows[n].warn = s->sync.skew_ms > 120000 || s->sync.skew_ms < -120000;
	n++;
	rows[n].label = _("Rejected events");
	snprintf(rows[n].value, sizeof rows[n].value, "%" PRId64, s->sync.rejected);
	rows[n].warn = s->sync.rejected > 0;
	n++;
	rows[n].label = _("Card reader");
	snprintf(rows[n].value, sizeof rows[n].value, "%s", reader_text(ui));
	rows[n].warn = ui->reader_state == READER_STATE_FAILED;
	n++;

	y = c.y + head + 2 * gap;
	for (int i = 0; i < n; i++) {
		/* label and value side by side where both fit at full size;
		 * else (the 7" panel, longer languages) the value goes on a
		 * line of its own under the label, indented, the whole width */
		int wi = rows[i].warn ? line_h + gap : 0, vx = c.x + label_w;
		bool side = render_text_size(r, rows[i].label, MM_TEXT_BODY, FONT_REGULAR).x <=
				label_w - gap &&
			    render_text_size(r, rows[i].value, MM_TEXT_BODY, FONT_BOLD).x <=
				c.w - label_w - wi;
		render_text_fit(r, rows[i].label,
				(SDL_Rect){c.x, y, side ? label_w - gap : c.w, line_h},
				MM_TEXT_BODY, FONT_REGULAR, COL_MUTED, ALIGN_LEFT);
		if (!side) {
			y += line_h;
			vx = c.x + 2 * gap;
		}
		if (rows[i].warn)
			icon_warning(r, (float)(vx + line_h / 2), (float)(y + line_h / 2),
				     (float)line_h * 0.8f, COL_AMBER_BG, COL_BLACK);
		render_text_fit(r, rows[i].value,
				(SDL_Rect){vx + wi, y, c.x + c.w - vx - wi, line_h}, MM_TEXT_BODY,
				FONT_BOLD, COL_WHITE, ALIGN_LEFT);
		y += line_h + gap / 2;
	}
	y += gap;
	if (s->n_rejected > 0 && y + 2 * line_h <= c.y + c.h) {
		/* what the leader can do about them */
		render_text_wrap(r,
				 _("The server did not accept these. If the person was here, "
				   "check them in by hand (Earlier sessions); if the list is "
				   "wrong, tell the region."),
				 (SDL_Rect){c.x, y, c.w, 2 * line_h}, MM_TEXT_SMALL, FONT_REGULAR,
				 COL_WHITE, ALIGN_LEFT);
		y += 2 * line_h;
	}
	for (size_t i = 0; i < s->n_rejected && y + line_h <= c.y + c.h; i++) {
		rejected_line(ui, &s->rejected[i], v, sizeof v);
		render_text_fit(r, v, (SDL_Rect){c.x, y, c.w, line_h}, MM_TEXT_SMALL, FONT_REGULAR,
				RGB(0xFFD6D6), ALIGN_LEFT);
		y += line_h;
	}
}

const struct screen_ops scr_leader_status_ops = {
    .state_size = sizeof(struct ui_status_state),
    .name = "leader-status",
    .leader = true,
    .enter = status_enter,
    .input = status_input,
    .tick = status_tick,
    .draw = status_draw,
};
