/* SPDX-License-Identifier: MIT */
/* The kiosk UI: struct ui, the screen state machine and what screens and
 * widgets share. One transition function, ui_goto(), changes screens and
 * traces every change. Screens are a table of struct screen_ops. The UI
 * thread owns SDL and the store handle; the reader, sync and control threads
 * reach it only through ui_push_*() (SDL user events).
 *
 * Timers are data: a deadline per timer in monotonic ms; the main loop sleeps
 * in SDL_WaitEventTimeout until the nearest one. Nothing redraws unless
 * ui->dirty is set. */
#ifndef BLIPPA_UI_H
#define BLIPPA_UI_H

#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "reader.h"
#include "render.h"
#include "store.h"

#define _(s) ui_tr(s)
#define N_(s) (s)

enum ui_screen {
	UI_HOME,
	UI_RESULT,
	UI_SEARCH,
	UI_CONFIRM,
	UI_LEADER_PIN,
	UI_LEADER_SESSIONS,
	UI_LEADER_ROSTER,
	UI_LEADER_STATUS,
	UI_LINK_CARD,
	UI_LANGUAGE,
	UI_LEADER_HISTORY,
	UI_SCREEN_COUNT
};

enum ui_pin_mode { PIN_LEADER, PIN_EXIT };

/* Why the home screen cannot offer card check-in as usual (issue 13.4). */
enum ui_home_fault { HOME_FAULT_NONE, HOME_FAULT_READER, HOME_FAULT_ROSTER, HOME_FAULT_AUTH };

/* A name-search row: "Åsa Öb." or "Åsa Öberg, pass 15:30, kort …3F". */
#define UI_HIT_LABEL_MAX (2 * ROSTER_NAME_MAX + 64)

/* What a screen is entered with; ui_goto copies it into ui->arg. */
union ui_arg {
	struct {
		struct checkin_result res;
		enum blippa_err err;   /* != BLIPPA_OK: red "could not register" */
		bool undoable;	       /* name check-in: offer "Inte du? Ångra" */
		bool undone;	       /* the check-in was just undone */
		int64_t until_ms;      /* monotonic: go home then */
		int64_t undo_until_ms; /* monotonic: hide the undo button then */
	} result;
	struct {
		bool keep; /* coming back from Confirm: keep the query */
	} search;
	struct {
		char participant_id[ROSTER_ID_MAX + 1];
		char display[UI_HIT_LABEL_MAX]; /* the row's label, as search showed it */
	} confirm;
	struct {
		enum ui_pin_mode mode;
	} pin;
	struct {
		char session_id[ROSTER_ID_MAX + 1];
		bool past; /* an earlier day's session (Back: the earlier sessions) */
	} roster;
	struct {
		char participant_id[ROSTER_ID_MAX + 1];
		char full_name[2 * ROSTER_NAME_MAX + 2];
	} link;
};

enum ui_input_kind {
	UI_IN_PRESS,   /* finger/mouse down at x,y */
	UI_IN_RELEASE, /* finger/mouse up at x,y */
	UI_IN_BUTTON,  /* a registered button was activated: button, index */
	UI_IN_KEY,     /* physical key: key */
	UI_IN_TEXT,    /* typed text (UTF-8): text */
};

struct ui_input {
	enum ui_input_kind kind;
	int x, y;
	int button, index;
	SDL_Keycode key;
	char text[32];
};

struct ui;

struct screen_ops {
	const char *name;
	bool leader; /* leader-mode screen: leader idle timeout, taps are leader taps */
	bool text;   /* consumes typed text (keys 1-9 do not tap demo cards) */
	void (*enter)(struct ui *ui, const union ui_arg *arg);
	void (*input)(struct ui *ui, const struct ui_input *in);
	void (*tick)(struct ui *ui, int64_t now_ms); /* UI_TIMER_SCREEN fired */
	void (*draw)(struct ui *ui, struct render *r);
};

/* Buttons drawn in the last frame, for hit testing and scripted presses. */
#define UI_BUTTONS_MAX 96
struct ui_button {
	SDL_Rect rect;
	int id, index;
	char name[32];
	bool enabled;
};

enum ui_timer { UI_TIMER_CLOCK, UI_TIMER_IDLE, UI_TIMER_SCREEN, UI_TIMER_TOAST, UI_TIMER_COUNT };

/* Per-screen state (one member per screen; not a union so that Search keeps
 * its query while Confirm is shown). */
#define UI_QUERY_MAX 64
#define UI_HITS_MAX 50
#define UI_SESSIONS_MAX 24
#define UI_ROSTER_MAX 400
#define UI_REJECTED_MAX 8

struct ui_search_state {
	char query[UI_QUERY_MAX];
	bool everyone; /* "Finns du inte med?" */
	struct search_hit hits[UI_HITS_MAX];
	size_t n_hits;
	int scroll;
	bool failed;
};

struct ui_pin_state {
	char pin[12];
	char message[160];
	bool error;
	size_t shown; /* dots shown while the submitted PIN is checked */
};

struct ui_sessions_state {
	struct store_session_info s[UI_SESSIONS_MAX];
	size_t n;
	int scroll;
};

struct ui_roster_state {
	struct store_session_info info;
	struct store_roster_row *rows; /* UI_ROSTER_MAX, allocated once */
	size_t n;
	int scroll;
	int present;
	bool past; /* an earlier day's session: the header names the date */
};

struct ui_status_state {
	struct store_sync_status sync;
	struct store_rejected rejected[UI_REJECTED_MAX];
	size_t n_rejected;
	bool sync_ok;
};

struct ui_opts {
	bool demo;
	bool allow_quit;   /* window-manager close quits (--windowed, --demo) */
	bool sync_enabled; /* [server] url is set */
	int trace_fd;	   /* -1: no test trace channel */
	const char *admin_pin_hash;
	/* Hooks into the app (may be NULL), called on the UI thread: a new
	 * event was recorded (kick the sync thread); the reader state changed. */
	void (*on_event_recorded)(void *user);
	void (*on_reader_state)(void *user, enum reader_state st);
	void *hook_user;
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
	unsigned pin_visit;  /* bumped on every entry to the PIN screen */
	uint32_t ev_pin;     /* SDL event type of a finished check */
	struct sound *sound; /* optional result tones (sound.c), NULL: off */
	char toast[200];
	bool toast_error;

	/* bench/trace: when the tap that led here entered the queue */
	int64_t pending_tap_queued_us;
	int64_t pending_tap_cpu_us; /* UI thread CPU time when the tap was taken */
	char pending_screenshot[512];

	struct ui_search_state search;
	struct ui_pin_state pin;
	struct ui_sessions_state sessions;
	struct ui_sessions_state history; /* the earlier sessions (issue 13.6) */
	struct ui_roster_state roster;
	struct ui_status_state status;
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
const char *ui_screen_name(enum ui_screen s);

/* Test trace channel: one line "<mono_us> <text>" (no-op without one). */
void ui_trace(struct ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void ui_timer_set(struct ui *ui, enum ui_timer t, int64_t in_ms); /* 0 switches it off */
void ui_dirty(struct ui *ui);
void ui_toast(struct ui *ui, bool error, const char *text);

/* Check-in actions (UI thread; durable before they return). */
void ui_checkin_participant(struct ui *ui, const char *participant_id, enum checkin_method method,
			    const char *session_id);
void ui_leader_logout(struct ui *ui);
/* A new event is durable: tell the app (kicks the sync thread). */
void ui_event_recorded(struct ui *ui);
/* Refreshes ui->sync from the store (cheap, local). */
void ui_refresh_status(struct ui *ui);

/* Draws the current screen now (registering its buttons), takes a pending
 * screenshot, presents, and traces "present <screen>". */
void ui_render_now(struct ui *ui);
/* Handles a card tap (reader thread event, demo key or test command). */
void ui_handle_tap(struct ui *ui, const uint8_t *uid, size_t len, int64_t queued_us);

/* Formats a UTC ms instant as local "HH:MM". */
void ui_hhmm(struct ui *ui, int64_t ms, char out[6]);
/* Formats a UTC ms instant as the facility's local date "YYYY-MM-DD". */
void ui_day(struct ui *ui, int64_t ms, char out[11]);

/* ---- pincheck.c: leader/admin PIN verification off the UI thread ---- */
struct ui_pin_job;
/* Starts checking pin: the lock state and the hashes to try come from the
 * store here; Argon2id runs on a worker thread. BLIPPA_OK: started, traced
 * "pin-check N"; the answer arrives as an ui->ev_pin event ->
 * ui_pin_check_done(). Otherwise nothing started and the code is the
 * result (BLIPPA_ERR_LOCKED_OUT with *retry_s, BLIPPA_ERR_BUSY while another
 * check runs, an I/O error). */
enum blippa_err ui_pin_check_start(struct ui *ui, const char *pin, int *retry_s);
/* True while a check runs (the PIN screen ignores input then). */
bool ui_pin_checking(const struct ui *ui);
/* On the ev_pin event (UI thread): joins the worker, records the outcome
 * in the store (failure count, lockout) and, if the PIN screen that asked
 * is still shown, hands it the result (ui_pin_result). */
void ui_pin_check_done(struct ui *ui);
/* ui_close: waits for a running check (its outcome still counts). */
void ui_pin_check_stop(struct ui *ui);
/* scr_leader_pin.c: acts on a PIN result (log in, exit, or say why not). */
void ui_pin_result(struct ui *ui, enum blippa_err rc, const char *who, int retry_s);

/* ---- sound.c: optional result tones ([kiosk] sound) ---- */
enum sound_kind { SOUND_OK, SOUND_WARN };
/* Opens the default audio device once and renders both tones; on failure
 * logs once (no personal data) and returns NULL: the kiosk stays silent. */
struct sound *sound_open(void);
void sound_close(struct sound *s); /* NULL is a no-op */
/* Queues a tone (replacing one still playing); false if nothing was queued. */
bool sound_play(struct sound *s, enum sound_kind kind);
/* Plays the tone for a result screen and traces "sound ok|warn" (no-op when
 * sound is off). */
void ui_sound(struct ui *ui, enum sound_kind kind);

/* ---- control.c: scripted test commands, on the UI thread ---- */
void ui_control_run(struct ui *ui, const char *line);

/* ---- input.c: the ONE place mapping SDL events to struct ui_input ---- */
/* Returns true and fills in if ev is pointer or keyboard input. */
bool input_from_sdl(struct ui *ui, const SDL_Event *ev, struct ui_input *in);
/* Dispatches an input: hit-tests presses/releases against ui->buttons and
 * hands UI_IN_BUTTON / KEY / TEXT to the current screen. */
void input_dispatch(struct ui *ui, const struct ui_input *in);
/* Hands a non-pointer input to the current screen (ui.c). */
void ui_screen_input(struct ui *ui, const struct ui_input *in);

/* ---- i18n.c ---- */
/* Binds the gettext domain "blippa" and selects lang (a ui_languages code;
 * anything else: sv). */
void ui_i18n_init(const char *lang);
struct ui_language {
	const char *code; /* ISO 639-1 */
	const char *name; /* in its own script */
	bool rtl;	  /* written right to left */
};
/* The languages the kiosk has; *out is a static table. */
size_t ui_languages(const struct ui_language **out);
const struct ui_language *ui_language_find(const char *code); /* NULL: none */
/* Switches the language now (no-op for an unknown code). */
void ui_i18n_set(const char *lang);
bool ui_lang_rtl(void); /* the current language is right to left */
/* A name (or other text from outside) to put into a translated sentence:
 * in a right-to-left language it is wrapped in FIRST STRONG ISOLATE ...
 * POP DIRECTIONAL ISOLATE (U+2068 ... U+2069), so a Latin name keeps its
 * own order ("Åsa Ö." keeps its dot) and does not pull the sentence's
 * numbers or punctuation into it; elsewhere it is copied as it is.
 * Returns out. */
const char *ui_isolate(const char *s, char *out, size_t outlen);
const char *ui_tr(const char *msgid) __attribute__((format_arg(1)));
const char *ui_lang(void);

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

/* ---- screens (scr_*.c) ---- */
extern const struct screen_ops scr_home_ops, scr_result_ops, scr_search_ops, scr_confirm_ops,
    scr_leader_pin_ops, scr_leader_sessions_ops, scr_leader_roster_ops, scr_leader_status_ops,
    scr_link_card_ops, scr_language_ops, scr_leader_history_ops;

#endif
