/* SPDX-License-Identifier: MIT */
/* The coordinator of app.h: check-ins, card links and undo on the UI
 * thread (the store call returns after a durable COMMIT, then the UI is
 * told what to show), the sync kick after each new event, the reader state
 * for the heartbeat, demo keys and the store's control commands. */
#include "app_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "sync.h"

static bool outcome_is_new_event(enum checkin_outcome o)
{
	return o == CHECKIN_OK || o == CHECKIN_OPEN_TRAINING;
}

static const char *outcome_name(enum checkin_outcome o)
{
	static const char *const names[] = {"ok",	  "open-training", "already",
					    "no-session", "unknown-card",  "random-uid",
					    "leader-card"};
	return (unsigned)o < sizeof names / sizeof names[0] ? names[o] : "?";
}

/* A new event is durable: the sync thread sends it soon. */
static void event_recorded(struct app *a)
{
	sync_thread_kick(a->sync);
}

/* The link screen is shown: the tap's card goes to that participant. */
static void link_card(struct app *a, const uint8_t *uid, size_t len, const char *pid)
{
	enum blippa_err rc = store_link_card(a->opts.st, uid, len, pid, clock_wall_ms());
	ui_trace(a->ui, "link %s", rc == BLIPPA_OK ? "ok" : blippa_strerror(rc));
	if (rc == BLIPPA_OK)
		event_recorded(a);
	ui_link_done(a->ui, rc);
}

static void app_tap(void *user, const uint8_t *uid, size_t len)
{
	struct app *a = user;
	struct checkin_result res;
	enum blippa_err rc;
	int64_t now = clock_wall_ms(), t0;
	const char *linking = ui_linking(a->ui);

	if (linking) {
		link_card(a, uid, len, linking);
		return;
	}
	memset(&res, 0, sizeof res);
	t0 = clock_mono_us();
	rc = store_checkin_card(a->opts.st, uid, len, now, &res);
	t0 = clock_mono_us() - t0;
	if (rc == BLIPPA_ERR_INVALID && store_clock_plausible(now)) {
		/* a UID of a length no card has: nobody's card */
		res.outcome = CHECKIN_UNKNOWN_CARD;
		rc = BLIPPA_OK;
	}
	if (rc != BLIPPA_OK) {
		ui_trace(a->ui, "tap-done error");
		ui_show_error(a->ui, rc, ui_leader_mode(a->ui));
		return;
	}
	if (outcome_is_new_event(res.outcome)) {
		ui_trace(a->ui, "checkin %s %s card", res.event_id, outcome_name(res.outcome));
		event_recorded(a);
	} else {
		ui_trace(a->ui, "tap %s", outcome_name(res.outcome));
	}
	ui_trace(a->ui, "tap-done %s store=%" PRId64 "us", outcome_name(res.outcome), t0);
	if (res.outcome == CHECKIN_LEADER_CARD)
		ui_leader_login(a->ui, res.leader_id);
	else if (ui_leader_mode(a->ui))
		ui_leader_note(a->ui, &res);
	else
		ui_show_checkin(a->ui, &res, false, true);
}

static void app_checkin(void *user, const char *participant_id, enum checkin_method method,
			const char *session_id)
{
	struct app *a = user;
	struct checkin_result res;
	enum blippa_err rc;

	memset(&res, 0, sizeof res);
	rc = store_checkin_participant(a->opts.st, participant_id, method, session_id,
				       clock_wall_ms(), &res);
	if (rc != BLIPPA_OK) {
		ui_show_error(a->ui, rc, method == CHECKIN_LEADER);
		return;
	}
	if (outcome_is_new_event(res.outcome)) {
		ui_trace(a->ui, "checkin %s %s %s", res.event_id, outcome_name(res.outcome),
			 method == CHECKIN_LEADER ? "leader" : "name");
		event_recorded(a);
	} else {
		ui_trace(a->ui, "name %s", outcome_name(res.outcome));
	}
	if (method == CHECKIN_LEADER)
		ui_leader_note(a->ui, &res);
	else
		ui_show_checkin(a->ui, &res, outcome_is_new_event(res.outcome), false);
}

static enum blippa_err app_void(void *user, const char *event_id, bool by_leader)
{
	struct app *a = user;
	enum blippa_err rc = store_void_checkin(a->opts.st, event_id, by_leader, clock_wall_ms());
	if (rc == BLIPPA_OK) {
		ui_trace(a->ui, "void %s %s", event_id, by_leader ? "leader" : "name");
		event_recorded(a);
	}
	return rc;
}

/* The heartbeat's word for the reader state. */
static void app_reader_state(void *user, enum reader_state st)
{
	struct app *a = user;
	const char *s = "none";
	if (st == READER_STATE_READY)
		s = a->opts.sim_reader ? "sim" : "ready";
	else if (st == READER_STATE_FAILED || st == READER_STATE_OPENING)
		s = "absent";
	sync_thread_set_reader_state(a->sync, s);
}

static bool app_demo_key(void *user, int digit)
{
	struct app *a = user;
	uint8_t uid[READER_UID_MAX];
	size_t len = 0;
	if (!a->opts.demo_keys)
		return false;
	const char *hex = roster_demo_card_uid(digit);
	if (hex && reader_parse_uid(hex, uid, &len) == BLIPPA_OK)
		ui_handle_tap(a->ui, uid, len, clock_mono_us());
	return true;
}

/* The control commands that reach the store: tap HEX, void EVENTID,
 * max-pages N (disk-full simulation). */
static bool app_control(void *user, const char *line)
{
	struct app *a = user;
	char cmd[32] = "";
	const char *arg;
	int n = 0;

	if (sscanf(line, "%31s%n", cmd, &n) != 1)
		return false;
	arg = line + n;
	while (*arg == ' ')
		arg++;
	if (strcmp(cmd, "tap") == 0) {
		uint8_t uid[READER_UID_MAX];
		size_t len = 0;
		if (reader_parse_uid(arg, uid, &len) == BLIPPA_OK)
			ui_handle_tap(a->ui, uid, len, clock_mono_us());
		else
			ui_trace(a->ui, "control-error bad-uid");
	} else if (strcmp(cmd, "void") == 0) {
		enum blippa_err rc = store_void_checkin(a->opts.st, arg, true, clock_wall_ms());
		ui_trace(a->ui, "void %s control %d", arg, (int)rc);
	} else if (strcmp(cmd, "max-pages") == 0) {
		enum blippa_err rc =
		    store_debug_set_max_pages(a->opts.st, (unsigned)strtoul(arg, NULL, 10));
		ui_trace(a->ui, "max-pages %d", (int)rc);
	} else {
		return false;
	}
	return true;
}

static const struct ui_app_ops app_ops = {
    .tap = app_tap,
    .checkin = app_checkin,
    .void_checkin = app_void,
    .reader_state = app_reader_state,
    .demo_key = app_demo_key,
    .control = app_control,
};

enum blippa_err app_new(const struct app_opts *opts, struct app **out)
{
	struct app *a = calloc(1, sizeof *a);
	*out = NULL;
	if (!a)
		return BLIPPA_ERR_NOMEM;
	a->opts = *opts;
	a->control_fd = -1;
	*out = a;
	return BLIPPA_OK;
}

void app_stop(struct app *a)
{
	if (!a)
		return;
	app_signal_stop(a);
	app_control_stop(a);
}

void app_free(struct app *a)
{
	if (!a)
		return;
	app_signal_stop(a);
	app_control_stop(a);
	free(a);
}

void app_ui_opts(struct app *a, struct ui_opts *uo)
{
	uo->app_ops = &app_ops;
	uo->app = a;
}

void app_attach(struct app *a, struct ui *ui, struct sync_thread *sync)
{
	a->ui = ui;
	a->sync = sync;
}
