/* SPDX-License-Identifier: MIT */
/* The kiosk UI: struct ui, the screen state machine and what screens and
 * widgets share. One transition function, ui_goto(), changes screens and
 * traces every change. Screens are a table of struct screen_ops
 * (screens.h), each with its own state. The UI thread owns SDL; the reader,
 * sync and control threads reach it only through ui_push_*() (SDL user
 * events). What a tap or a chosen name means (the store writes, the sync
 * kick, demo cards, the store's control commands) is the app's
 * (kiosk/app): the UI hands those to struct ui_app_ops and shows the answer
 * with the ui_show_*() functions.
 *
 * Timers are data: a deadline per timer in monotonic ms; the main loop sleeps
 * in SDL_WaitEventTimeout until the nearest one. Nothing redraws unless
 * ui->dirty is set.
 *
 * The other concepts have headers of their own: i18n.h, input.h,
 * pincheck.h, sound.h, control.h, screens.h. */
#ifndef BLIPPA_UI_H
#define BLIPPA_UI_H

#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "i18n.h"
#include "input.h"
#include "reader.h"
#include "render.h"
#include "screens.h"
#include "store.h"

/* Buttons drawn in the last frame, for hit testing and scripted presses. */
#define UI_BUTTONS_MAX 96
struct ui_button {
	SDL_Rect rect;
	int id, index;
	char name[32];
	bool enabled;
};

enum ui_timer { UI_TIMER_CLOCK, UI_TIMER_IDLE, UI_TIMER_SCREEN, UI_TIMER_TOAST, UI_TIMER_COUNT };

/* What the UI hands to the app (kiosk/app), on the UI thread. The app
 * writes the store, tells the sync thread and answers with ui_show_*(). */
struct ui_app_ops {
	/* A card tap (reader, demo card or control "tap"). */
	void (*tap)(void *app, const uint8_t *uid, size_t len);
	/* A participant chosen by name (CHECKIN_NAME) or by a leader. */
	void (*checkin)(void *app, const char *participant_id, enum checkin_method method,
			const char *session_id);
	/* Undoes a check-in (by_leader: the leader's roster, else "Not you?"). */
	enum blippa_err (*void_checkin)(void *app, const char *event_id, bool by_leader);
	/* The reader's state changed (the UI has updated its status line). */
	void (*reader_state)(void *app, enum reader_state st);
	/* Key 1-9 on a screen without text entry; true if the app took it
	 * (demo keys). */
	bool (*demo_key)(void *app, int digit);
	/* A control line; true if the app ran it (else the UI's control.c). */
	bool (*control)(void *app, const char *line);
};

struct ui_opts {
	bool allow_quit;   /* window-manager close quits (--windowed, --demo) */
	bool sync_enabled; /* [server] url is set */
	int trace_fd;	   /* -1: no test trace channel */
	const char *admin_pin_hash;
	/* The app (kiosk/app), called on the UI thread; may be NULL. */
	const struct ui_app_ops *app_ops;
	void *app;
};

struct ui {
	struct render *r;
	struct store *st;
	const struct blippa_config *cfg;
	struct ui_opts opts;
	uint32_t ev_base; /* SDL user events: base + enum ui_event */

	enum ui_screen cur;
	union ui_arg arg;
	bool dirty;
	bool quit;
	struct rgba bg; /* the current screen's background (outlined buttons) */
	int exit_code;

	int64_t timers[UI_TIMER_COUNT]; /* monotonic ms; 0 = off */
	int64_t last_input_ms;

	struct ui_button buttons[UI_BUTTONS_MAX];
	int n_buttons;
	int pressed;		       /* index into buttons of the pressed one, -1 none */
	int pressed_id, pressed_index; /* ... and which button that was */
	bool finger_down;	       /* a finger is on the panel ... */
	SDL_TouchID finger_touch;      /* ... this one: other fingers are ignored */
	SDL_FingerID finger_id;

	/* status line */
	enum reader_state reader_state;
	bool reader_configured;
	struct store_sync_status sync;
	bool sync_known;
	/* no server time since boot and an implausible wall clock: check-ins
	 * are recorded and corrected later; home tells the leader (issue 13) */
	bool clock_unsure;
	bool roster_empty;		     /* no participants in the stored roster */
	enum ui_home_fault home_fault_shown; /* last traced "home fault X" */
	char clock_text[6];
	char facility_name[ROSTER_NAME_MAX + 1];

	/* leader mode */
	char leader_id[ROSTER_ID_MAX + 1];
	/* PIN verification on a worker thread (pincheck.c) */
	SDL_Thread *pin_thread; /* running check, NULL when none */
	struct ui_pin_job *pin_job;
	struct ui_pin_gate *pin_gate; /* control "pin-hold" (pincheck.c), or NULL */
	unsigned pin_visit;	      /* bumped on every entry to the PIN screen */
	uint32_t ev_pin;	      /* SDL event type of a finished check */
	struct sound *sound;	      /* optional result tones (sound.c), NULL: off */
	char toast[200];
	bool toast_error;

	/* bench/trace: when the tap that led here entered the queue */
	int64_t pending_tap_queued_us;
	int64_t pending_tap_cpu_us;	   /* UI thread CPU time when the tap was taken */
	int64_t tap_queued_us, tap_cpu_us; /* the tap being handled now */
	char pending_screenshot[512];

	void *screen_state[UI_SCREEN_COUNT]; /* ui_screen_state() */
};

/* ---- ui.c ---- */

/* Creates the UI on an open renderer and store (both stay owned by the
 * caller and must outlive the ui). */
enum blippa_err ui_open(struct render *r, struct store *st, const struct blippa_config *cfg,
			const struct ui_opts *opts, struct ui **out);
void ui_close(struct ui *ui); /* NULL is a no-op */
/* Runs the event loop until exit (admin PIN, SIGTERM, or a permitted window
 * close). Returns the process exit code. */
int ui_run(struct ui *ui);

/* Thread-safe producers: they only push an SDL user event. */
void ui_push_reader_event(struct ui *ui, const struct reader_event *ev);
void ui_push_control(struct ui *ui, const char *line);
void ui_push_quit(struct ui *ui);
/* status: a copy of the sync status (from the sync thread's callback). */
void ui_push_sync_changed(struct ui *ui, const struct store_sync_status *status);

/* The one transition function: enters screen next with arg (may be NULL),
 * traces "screen FROM -> TO" (BLIPPA_LOG=debug and the trace channel). */
void ui_goto(struct ui *ui, enum ui_screen next, const union ui_arg *arg);

/* Test trace channel: one line "<mono_us> <text>" (no-op without one). */
void ui_trace(struct ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void ui_timer_set(struct ui *ui, enum ui_timer t, int64_t in_ms); /* 0 switches it off */
void ui_dirty(struct ui *ui);
void ui_toast(struct ui *ui, bool error, const char *text);

/* Screens' actions, handed to the app (durable before they return). */
void ui_checkin_participant(struct ui *ui, const char *participant_id, enum checkin_method method,
			    const char *session_id);
enum blippa_err ui_void_checkin(struct ui *ui, const char *event_id, bool by_leader);
void ui_leader_logout(struct ui *ui);
/* Refreshes ui->sync from the store (cheap, local). */
void ui_refresh_status(struct ui *ui);

/* Draws the current screen now (registering its buttons), takes a pending
 * screenshot, presents, and traces "present <screen>". */
void ui_render_now(struct ui *ui);
/* A card tap (reader thread event, demo key or test command): timed, then
 * handed to the app. */
void ui_handle_tap(struct ui *ui, const uint8_t *uid, size_t len, int64_t queued_us);

/* Formats a UTC ms instant as local "HH:MM". */
void ui_hhmm(struct ui *ui, int64_t ms, char out[6]);
/* Formats a UTC ms instant as the facility's local date "YYYY-MM-DD". */
void ui_day(struct ui *ui, int64_t ms, char out[11]);

/* ---- for the app: what the UI shows after an action ---- */

/* True while a leader-mode screen is shown (taps are leader taps). */
bool ui_leader_mode(const struct ui *ui);
/* The participant whose card is being linked (the link screen is shown),
 * or NULL. */
const char *ui_linking(const struct ui *ui);
/* After a card link (rc): a toast, back to the leader's roster or list. */
void ui_link_done(struct ui *ui, enum blippa_err rc);
/* A check-in's result screen; from_tap: the tap-to-frame time is traced. */
void ui_show_checkin(struct ui *ui, const struct checkin_result *res, bool undoable, bool from_tap);
/* A check-in the store could not record: in leader mode a red toast, else
 * the red result screen. */
void ui_show_error(struct ui *ui, enum blippa_err rc, bool leader);
/* In leader mode: a short note on the check-in and a reload of the screen. */
void ui_leader_note(struct ui *ui, const struct checkin_result *res);
/* A leader card: leader mode for leader_id. */
void ui_leader_login(struct ui *ui, const char *leader_id);

/* ---- scr_home_fault.c: home when the reader, roster or server fail ---- */
/* The fault home shows now (none, reader failed, no roster, not
 * authorised); traces "home fault X" when it changes. */
enum ui_home_fault ui_home_fault(struct ui *ui);
/* Draws the fault's title, pictogram and a large search button (button id
 * search_id, name "search") into area. */
void home_fault_draw(struct ui *ui, enum ui_home_fault f, SDL_Rect area, int search_id);

/* scr_leader_sessions.c: one session row of a leader list (button id,
 * index, name; when: the time line) */
void leader_session_row(struct ui *ui, const struct store_session_info *s, SDL_Rect rc, int id,
			int index, const char *name, const char *when);

#endif
