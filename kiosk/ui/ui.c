/* SPDX-License-Identifier: MIT */
/* The UI state machine and event loop. One transition function (ui_goto)
 * with a trace line; timers as data (deadlines) so the loop sleeps in
 * SDL_WaitEventTimeout until the next one; frames are drawn only when dirty.
 * Check-ins are the app's (kiosk/app, on this thread): its store call
 * returns after a durable COMMIT and only then does it ask for a screen
 * that says "checked in" (ui_show_checkin). */
#include "ui.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "log.h"
#include "widgets.h"

enum ui_event { UI_EV_READER, UI_EV_CONTROL, UI_EV_QUIT, UI_EV_SYNC, UI_EV_PIN, UI_EV_COUNT };

/* What crosses from the reader thread: the event plus when it was queued. */
struct ui_reader_msg {
	struct reader_event ev;
	int64_t queued_us;
};

static const struct screen_ops *const screens[UI_SCREEN_COUNT] = {
    [UI_HOME] = &scr_home_ops,
    [UI_RESULT] = &scr_result_ops,
    [UI_SEARCH] = &scr_search_ops,
    [UI_CONFIRM] = &scr_confirm_ops,
    [UI_LEADER_PIN] = &scr_leader_pin_ops,
    [UI_LEADER_SESSIONS] = &scr_leader_sessions_ops,
    [UI_LEADER_ROSTER] = &scr_leader_roster_ops,
    [UI_LEADER_STATUS] = &scr_leader_status_ops,
    [UI_LINK_CARD] = &scr_link_card_ops,
    [UI_LANGUAGE] = &scr_language_ops,
    [UI_LEADER_HISTORY] = &scr_leader_history_ops,
};

const char *ui_screen_name(enum ui_screen s)
{
	return s < UI_SCREEN_COUNT ? screens[s]->name : "?";
}

void ui_trace(struct ui *ui, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n, m;
	if (ui->opts.trace_fd < 0)
		return;
	n = snprintf(line, sizeof line, "%" PRId64 " ", clock_mono_us());
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof line - 2)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	/* one write per line: readers never see half a line */
	while (write(ui->opts.trace_fd, line, (size_t)n) < 0 && errno == EINTR)
		;
}

void ui_dirty(struct ui *ui)
{
	ui->dirty = true;
}

void ui_timer_set(struct ui *ui, enum ui_timer t, int64_t in_ms)
{
	ui->timers[t] = in_ms > 0 ? clock_mono_ms() + in_ms : 0;
}

void ui_toast(struct ui *ui, bool error, const char *text)
{
	snprintf(ui->toast, sizeof ui->toast, "%s", text);
	ui->toast_error = error;
	ui_timer_set(ui, UI_TIMER_TOAST, 6000);
	ui_dirty(ui);
}

void ui_day(struct ui *ui, int64_t ms, char out[11])
{
	if (store_local_day(ui->st, ms, out) != BLIPPA_OK) {
		time_t t = (time_t)(ms / 1000);
		struct tm tm;
		localtime_r(&t, &tm);
		if (strftime(out, 11, "%Y-%m-%d", &tm) != 10)
			out[0] = '\0';
	}
}

void ui_hhmm(struct ui *ui, int64_t ms, char out[6])
{
	if (store_local_hhmm(ui->st, ms, out) != BLIPPA_OK) {
		time_t t = (time_t)(ms / 1000);
		struct tm tm;
		localtime_r(&t, &tm);
		char tmp[16];
		snprintf(tmp, sizeof tmp, "%02d:%02d", tm.tm_hour % 24, tm.tm_min % 60);
		memcpy(out, tmp, 5);
		out[5] = '\0';
	}
}

/* CPU time of the calling (UI) thread: the intrinsic cost of a tap, which
 * other processes on the machine cannot inflate. */
static int64_t thread_cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void arm_idle(struct ui *ui)
{
	int s = 0;
	if (ui->cur != UI_HOME || strcmp(ui_lang(), ui->cfg->language) != 0)
		s = screens[ui->cur]->leader ? ui->cfg->leader_idle_seconds : ui->cfg->idle_seconds;
	ui_timer_set(ui, UI_TIMER_IDLE, (int64_t)s * 1000);
}

void ui_goto(struct ui *ui, enum ui_screen next, const union ui_arg *arg)
{
	enum ui_screen prev = ui->cur;
	union ui_arg copy;

	if (arg)
		memcpy(&copy, arg, sizeof copy); /* arg may point into ui->arg */
	else
		memset(&copy, 0, sizeof copy);
	log_debug("ui", "screen %s -> %s", ui_screen_name(prev), ui_screen_name(next));
	ui_trace(ui, "screen %s -> %s", ui_screen_name(prev), ui_screen_name(next));
	if (next == UI_HOME && prev == UI_RESULT)
		ui_i18n_set(ui->cfg->language); /* the participant is done */
	ui->cur = next;
	ui->arg = copy;
	ui->pressed = -1;
	ui->n_buttons = 0;
	ui->timers[UI_TIMER_SCREEN] = 0;
	if (!screens[next]->leader) {
		ui->toast[0] = '\0';
		ui->timers[UI_TIMER_TOAST] = 0;
	}
	if (screens[next]->enter)
		screens[next]->enter(ui, &ui->arg);
	if (next == UI_HOME && prev != UI_HOME) {
		/* Arabic/Ge'ez faces after a switch back; and every text after
		 * anything but a check-in's result (whose few texts the next
		 * tap's result screen draws again at once) */
		render_fonts_trim(ui->r, prev != UI_RESULT);
		malloc_trim(0); /* give back what leader lists and searches used */
	}
	arm_idle(ui);
	ui_dirty(ui);
}

void ui_leader_logout(struct ui *ui)
{
	if (ui->leader_id[0])
		ui_trace(ui, "leader logout");
	ui->leader_id[0] = '\0';
	ui_goto(ui, UI_HOME, NULL);
}

void ui_refresh_status(struct ui *ui)
{
	char id[ROSTER_ID_MAX + 1], tz[64];
	ui->sync_known = store_get_sync_status(ui->st, &ui->sync) == BLIPPA_OK;
	if (store_facility(ui->st, id, sizeof id, ui->facility_name, sizeof ui->facility_name, tz,
			   sizeof tz) != BLIPPA_OK)
		ui->facility_name[0] = '\0';
	if (ui->roster_empty != store_roster_empty(ui->st)) {
		ui->roster_empty = !ui->roster_empty;
		ui_dirty(ui);
	}
	{
		/* the server's time when the kiosk's own clock is off */
		struct store_time t;
		bool was = ui->clock_unsure;
		if (store_clock_resolve(ui->st, clock_wall_ms(), clock_mono_ms(), &t) !=
		    BLIPPA_OK) {
			memset(&t, 0, sizeof t);
			t.at_ms = clock_wall_ms();
		}
		ui_hhmm(ui, t.at_ms, ui->clock_text);
		ui->clock_unsure = t.unsure;
		if (was != ui->clock_unsure)
			ui_trace(ui, "clock %s", t.unsure ? "unsure" : "ok");
	}
}

/* ---- what the app asks to show ---- */

void *ui_screen_state(struct ui *ui, enum ui_screen s)
{
	return s < UI_SCREEN_COUNT ? ui->screen_state[s] : NULL;
}

bool ui_leader_mode(const struct ui *ui)
{
	return screens[ui->cur]->leader;
}

const char *ui_linking(const struct ui *ui)
{
	return ui->cur == UI_LINK_CARD ? ui->arg.link.participant_id : NULL;
}

void ui_link_done(struct ui *ui, enum blippa_err rc)
{
	ui_toast(ui, rc != BLIPPA_OK,
		 rc == BLIPPA_OK	   ? _("The card is linked")
		 : rc == BLIPPA_ERR_EXISTS ? _("That is a leader card: it cannot be linked")
					   : _("Could not link the card"));
	ui_goto(ui, scr_leader_roster_session(ui)[0] ? UI_LEADER_ROSTER : UI_LEADER_SESSIONS, NULL);
}

static bool outcome_is_new_event(enum checkin_outcome o)
{
	return o == CHECKIN_OK || o == CHECKIN_OPEN_TRAINING;
}

void ui_show_error(struct ui *ui, enum blippa_err rc, bool leader)
{
	union ui_arg a;
	if (leader) {
		ui_toast(ui, true, _("Could not register - check the kiosk's disk"));
		return;
	}
	memset(&a, 0, sizeof a);
	a.result.err = rc == BLIPPA_OK ? BLIPPA_ERR_IO : rc;
	log_error("ui", "check-in failed: %s", blippa_strerror(rc));
	ui_trace(ui, "checkin-error %d", (int)rc);
	ui_goto(ui, UI_RESULT, &a);
}

void ui_leader_note(struct ui *ui, const struct checkin_result *res)
{
	char t[200], hhmm[6];
	ui_hhmm(ui, res->checked_in_ms, hhmm);
	switch (res->outcome) {
	case CHECKIN_OK:
	case CHECKIN_OPEN_TRAINING:
		snprintf(t, sizeof t, _("%s checked in at %s"), res->given_name, hhmm);
		break;
	case CHECKIN_ALREADY:
		snprintf(t, sizeof t, _("%s was already checked in at %s"), res->given_name, hhmm);
		break;
	case CHECKIN_NO_SESSION:
		snprintf(t, sizeof t, "%s", _("No session right now"));
		break;
	case CHECKIN_UNKNOWN_CARD:
		snprintf(t, sizeof t, "%s", _("Unknown card"));
		break;
	case CHECKIN_RANDOM_UID:
		snprintf(t, sizeof t, "%s", _("This card cannot be used"));
		break;
	default:
		t[0] = '\0';
		break;
	}
	ui_toast(ui, !outcome_is_new_event(res->outcome) && res->outcome != CHECKIN_ALREADY, t);
	ui_goto(ui, ui->cur, &ui->arg); /* reload the screen's data */
}

void ui_leader_login(struct ui *ui, const char *leader_id)
{
	snprintf(ui->leader_id, sizeof ui->leader_id, "%s", leader_id);
	ui_trace(ui, "leader login card");
	ui_goto(ui, UI_LEADER_SESSIONS, NULL);
}

void ui_show_checkin(struct ui *ui, const struct checkin_result *res, bool undoable, bool from_tap)
{
	union ui_arg a;
	memset(&a, 0, sizeof a);
	a.result.res = *res;
	a.result.undoable = undoable;
	if (from_tap) {
		ui->pending_tap_queued_us = ui->tap_queued_us;
		ui->pending_tap_cpu_us = ui->tap_cpu_us;
	}
	ui_goto(ui, UI_RESULT, &a);
}

/* ---- actions handed to the app ---- */

void ui_handle_tap(struct ui *ui, const uint8_t *uid, size_t len, int64_t queued_us)
{
	ui->tap_cpu_us = thread_cpu_us();
	ui->tap_queued_us = queued_us;
	ui->last_input_ms = clock_mono_ms();
	if (ui->opts.app_ops && ui->opts.app_ops->tap)
		ui->opts.app_ops->tap(ui->opts.app, uid, len);
}

void ui_checkin_participant(struct ui *ui, const char *participant_id, enum checkin_method method,
			    const char *session_id)
{
	if (ui->opts.app_ops && ui->opts.app_ops->checkin)
		ui->opts.app_ops->checkin(ui->opts.app, participant_id, method, session_id);
}

enum blippa_err ui_void_checkin(struct ui *ui, const char *event_id, bool by_leader)
{
	if (!ui->opts.app_ops || !ui->opts.app_ops->void_checkin)
		return BLIPPA_ERR_CONFIG;
	return ui->opts.app_ops->void_checkin(ui->opts.app, event_id, by_leader);
}

/* ---- frames ---- */

void ui_render_now(struct ui *ui)
{
	int64_t t0 = clock_mono_us(), t1;
	ui->n_buttons = 0;
	screens[ui->cur]->draw(ui, ui->r);
	t1 = clock_mono_us();
	if (ui->pending_screenshot[0]) {
		enum blippa_err rc = render_save_bmp(ui->r, ui->pending_screenshot);
		ui_trace(ui, "screenshot %s %s", rc == BLIPPA_OK ? "ok" : "failed",
			 ui->pending_screenshot);
		ui->pending_screenshot[0] = '\0';
	}
	render_present(ui->r);
	ui_trace(ui, "present %s draw=%" PRId64 "us present=%" PRId64 "us size=%dx%d",
		 ui_screen_name(ui->cur), t1 - t0, clock_mono_us() - t1, render_w(ui->r),
		 render_h(ui->r));
	if (ui->pending_tap_queued_us) {
		ui_trace(ui, "tap-to-frame %" PRId64 " us cpu=%" PRId64 "us",
			 clock_mono_us() - ui->pending_tap_queued_us,
			 thread_cpu_us() - ui->pending_tap_cpu_us);
		ui->pending_tap_queued_us = 0;
	}
	ui->dirty = false;
}

/* ---- events from other threads ---- */

static void push_user(struct ui *ui, enum ui_event kind, void *data)
{
	SDL_Event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = ui->ev_base + (uint32_t)kind;
	ev.user.data1 = data;
	if (SDL_PushEvent(&ev) != 1) {
		log_warn("ui", "event queue full; dropped an event");
		free(data);
		return;
	}
	render_wake(ui->r); /* our own Wayland window's wait (render.h) */
}

void ui_push_reader_event(struct ui *ui, const struct reader_event *ev)
{
	struct ui_reader_msg *m = malloc(sizeof *m);
	if (!m)
		return;
	m->ev = *ev;
	m->queued_us = clock_mono_us();
	push_user(ui, UI_EV_READER, m);
}

void ui_push_control(struct ui *ui, const char *line)
{
	char *copy = strdup(line);
	if (copy)
		push_user(ui, UI_EV_CONTROL, copy);
}

void ui_push_quit(struct ui *ui)
{
	push_user(ui, UI_EV_QUIT, NULL);
}

void ui_push_sync_changed(struct ui *ui, const struct store_sync_status *status)
{
	struct store_sync_status *copy = malloc(sizeof *copy);
	if (!copy)
		return;
	*copy = *status;
	push_user(ui, UI_EV_SYNC, copy);
}

void ui_screen_input(struct ui *ui, const struct ui_input *in)
{
	if (in->kind == UI_IN_KEY && !screens[ui->cur]->text && in->key >= SDLK_1 &&
	    in->key <= SDLK_9 && ui->opts.app_ops && ui->opts.app_ops->demo_key &&
	    ui->opts.app_ops->demo_key(ui->opts.app, (int)(in->key - SDLK_0)))
		return; /* a demo card (the app taps it) */
	if (screens[ui->cur]->input)
		screens[ui->cur]->input(ui, in);
}

static void handle_reader(struct ui *ui, struct ui_reader_msg *m)
{
	if (m->ev.kind == READER_EV_STATE) {
		ui->reader_state = m->ev.state;
		ui_trace(ui, "reader %s", reader_state_name(m->ev.state));
		if (ui->opts.app_ops && ui->opts.app_ops->reader_state)
			ui->opts.app_ops->reader_state(ui->opts.app, m->ev.state);
		ui_dirty(ui);
		return;
	}
	ui_handle_tap(ui, m->ev.uid, m->ev.uid_len, m->queued_us);
}

static void handle_event(struct ui *ui, SDL_Event *ev)
{
	struct ui_input in;
	if (ev->type >= ui->ev_base && ev->type < ui->ev_base + UI_EV_COUNT) {
		enum ui_event kind = (enum ui_event)(ev->type - ui->ev_base);
		switch (kind) {
		case UI_EV_READER:
			handle_reader(ui, ev->user.data1);
			break;
		case UI_EV_CONTROL: /* the app's commands first, then the UI's */
			if (!ui->opts.app_ops || !ui->opts.app_ops->control ||
			    !ui->opts.app_ops->control(ui->opts.app, ev->user.data1))
				ui_control_run(ui, ev->user.data1);
			break;
		case UI_EV_QUIT:
			ui_trace(ui, "quit signal");
			ui->quit = true;
			break;
		case UI_EV_PIN: /* from the PIN worker (pincheck.c); no data */
			ui_pin_check_done(ui);
			break;
		case UI_EV_SYNC:
			if (ev->user.data1) {
				ui->sync = *(const struct store_sync_status *)ev->user.data1;
				ui->sync_known = true;
				ui_refresh_status(ui); /* the server's time may be known now */
			}
			ui_dirty(ui);
			break;
		default:
			break;
		}
		free(ev->user.data1);
		return;
	}
	switch (ev->type) {
	case SDL_QUIT:
		if (ui->opts.allow_quit) {
			ui_trace(ui, "quit window");
			ui->quit = true;
		} else {
			log_info("ui", "ignoring window close (kiosk mode)");
		}
		return;
	case SDL_WINDOWEVENT:
		if (ev->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
			render_resized(ui->r);
			ui_trace(ui, "resized %dx%d", render_w(ui->r), render_h(ui->r));
		}
		if (ev->window.event == SDL_WINDOWEVENT_SIZE_CHANGED ||
		    ev->window.event == SDL_WINDOWEVENT_EXPOSED)
			ui_dirty(ui);
		return;
	default:
		break;
	}
	if (!input_from_sdl(ui, ev, &in))
		return;
	ui->last_input_ms = clock_mono_ms();
	arm_idle(ui);
	if ((in.kind == UI_IN_PRESS || in.kind == UI_IN_RELEASE) && ui->dirty)
		ui_render_now(ui); /* hit-test what the user sees */
	input_dispatch(ui, &in);
}

static int64_t ms_to_next_minute(void)
{
	int64_t now = clock_wall_ms();
	return 60000 - now % 60000 + 20;
}

static void fire_timers(struct ui *ui)
{
	int64_t now = clock_mono_ms();
	if (ui->timers[UI_TIMER_CLOCK] && now >= ui->timers[UI_TIMER_CLOCK]) {
		ui_refresh_status(ui);
		ui_timer_set(ui, UI_TIMER_CLOCK, ms_to_next_minute());
		ui_dirty(ui);
	}
	if (ui->timers[UI_TIMER_TOAST] && now >= ui->timers[UI_TIMER_TOAST]) {
		ui->timers[UI_TIMER_TOAST] = 0;
		ui->toast[0] = '\0';
		ui_dirty(ui);
	}
	if (ui->timers[UI_TIMER_SCREEN] && now >= ui->timers[UI_TIMER_SCREEN]) {
		ui->timers[UI_TIMER_SCREEN] = 0;
		if (screens[ui->cur]->tick)
			screens[ui->cur]->tick(ui, clock_wall_ms());
	}
	if (ui->timers[UI_TIMER_IDLE] && now >= ui->timers[UI_TIMER_IDLE]) {
		ui->timers[UI_TIMER_IDLE] = 0;
		ui_trace(ui, "idle %s", ui_screen_name(ui->cur));
		ui_i18n_set(ui->cfg->language); /* a participant's language choice ends */
		if (screens[ui->cur]->leader)
			ui_leader_logout(ui);
		else
			ui_goto(ui, UI_HOME, NULL);
	}
}

static int next_timeout(const struct ui *ui)
{
	int64_t now = clock_mono_ms(), best = INT64_MAX;
	for (int i = 0; i < UI_TIMER_COUNT; i++)
		if (ui->timers[i] && ui->timers[i] < best)
			best = ui->timers[i];
	if (best == INT64_MAX)
		return 60000;
	if (best <= now)
		return 0;
	return best - now > 600000 ? 600000 : (int)(best - now);
}

int ui_run(struct ui *ui)
{
	SDL_Event ev;
	ui_goto(ui, UI_HOME, NULL);
	while (!ui->quit) {
		if (ui->dirty)
			ui_render_now(ui);
		int timeout = next_timeout(ui), own = render_wait_events(ui->r, timeout);
		if (own < 0) {
			log_error("ui", "the Wayland compositor is gone; quitting");
			ui_trace(ui, "quit display lost");
			ui->exit_code = 1;
			break;
		}
		if (own == 0) { /* our Wayland window: events are queued now */
			while (!ui->quit && SDL_PollEvent(&ev))
				handle_event(ui, &ev);
		} else if (timeout > 0 ? SDL_WaitEventTimeout(&ev, timeout) : SDL_PollEvent(&ev)) {
			handle_event(ui, &ev);
			while (!ui->quit && SDL_PollEvent(&ev))
				handle_event(ui, &ev);
		}
		fire_timers(ui);
	}
	return ui->exit_code;
}

/* Each screen's own state (screens.h), made once. */
static enum blippa_err screen_states_open(struct ui *ui)
{
	for (int i = 0; i < UI_SCREEN_COUNT; i++) {
		if (!screens[i]->state_size)
			continue;
		if (!(ui->screen_state[i] = calloc(1, screens[i]->state_size)))
			return BLIPPA_ERR_NOMEM;
		if (screens[i]->init && screens[i]->init(ui->screen_state[i]) != BLIPPA_OK) {
			free(ui->screen_state[i]);
			ui->screen_state[i] = NULL;
			return BLIPPA_ERR_NOMEM;
		}
	}
	return BLIPPA_OK;
}

static void screen_states_close(struct ui *ui)
{
	for (int i = 0; i < UI_SCREEN_COUNT; i++) {
		if (ui->screen_state[i] && screens[i]->fini)
			screens[i]->fini(ui->screen_state[i]);
		free(ui->screen_state[i]);
		ui->screen_state[i] = NULL;
	}
}

enum blippa_err ui_open(struct render *r, struct store *st, const struct blippa_config *cfg,
			const struct ui_opts *opts, struct ui **out)
{
	struct ui *ui = calloc(1, sizeof *ui);
	*out = NULL;
	if (!ui)
		return BLIPPA_ERR_NOMEM;
	if (screen_states_open(ui) != BLIPPA_OK) {
		screen_states_close(ui);
		free(ui);
		return BLIPPA_ERR_NOMEM;
	}
	ui->ev_base = SDL_RegisterEvents(UI_EV_COUNT);
	if (ui->ev_base == (uint32_t)-1) {
		screen_states_close(ui);
		free(ui);
		return BLIPPA_ERR_IO;
	}
	ui->r = r;
	ui->st = st;
	ui->cfg = cfg;
	ui->opts = *opts;
	ui->pressed = -1;
	ui->cur = UI_HOME;
	ui->reader_configured = strcmp(cfg->reader_device, "none") != 0;
	ui->reader_state = ui->reader_configured ? READER_STATE_OPENING : READER_STATE_NONE;
	ui->bg = COL_HOME_BG;
	ui->ev_pin = ui->ev_base + (uint32_t)UI_EV_PIN;
	if (cfg->sound) {
		ui->sound = sound_open();
		ui_trace(ui, "sound %s", ui->sound ? "on" : "none");
	}
	ui_refresh_status(ui);
	ui_timer_set(ui, UI_TIMER_CLOCK, ms_to_next_minute());
	{
		/* the sizes a result screen uses: its first frame must be quick */
		static const struct {
			float mm;
			enum font_weight wt;
		} warm[] = {{MM_TEXT_TITLE * 1.15f, FONT_BOLD},
			    {MM_TEXT_LARGE, FONT_REGULAR},
			    {MM_TEXT_LARGE, FONT_BOLD}};
		for (size_t i = 0; i < sizeof warm / sizeof warm[0]; i++)
			render_warm_font(r, warm[i].mm, warm[i].wt);
	}
	*out = ui;
	return BLIPPA_OK;
}

void ui_close(struct ui *ui)
{
	SDL_Event ev;
	if (!ui)
		return;
	ui_pin_check_stop(ui);
	sound_close(ui->sound);
	/* Events the reader/sync/control threads pushed after the loop ended
	 * (they are stopped by now): free their data, or it leaks. */
	while (SDL_PeepEvents(&ev, 1, SDL_GETEVENT, ui->ev_base,
			      ui->ev_base + (uint32_t)UI_EV_COUNT - 1) == 1)
		free(ev.user.data1);
	screen_states_close(ui);
	free(ui);
}
