/* SPDX-License-Identifier: MIT */
/* The screens (scr_*.c) as the state machine sees them: their names, what
 * each is entered with (union ui_arg) and its table of operations. Each
 * screen keeps its own state in a private struct of state_size bytes that
 * the UI allocates once (ui_screen_state()); struct ui knows no screen's
 * state. */
#ifndef BLIPPA_SCREENS_H
#define BLIPPA_SCREENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

struct ui;
struct ui_input;
struct render;

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

/* Today's sessions a leader screen lists at most. */
#define UI_SESSIONS_MAX 24

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

struct screen_ops {
	const char *name;
	bool leader; /* leader-mode screen: leader idle timeout, taps are leader taps */
	bool text;   /* consumes typed text (keys 1-9 do not tap demo cards) */
	void (*enter)(struct ui *ui, const union ui_arg *arg);
	void (*input)(struct ui *ui, const struct ui_input *in);
	void (*tick)(struct ui *ui, int64_t now_ms); /* UI_TIMER_SCREEN fired */
	void (*draw)(struct ui *ui, struct render *r);
	/* The screen's own state: state_size bytes, zeroed, made by ui_open;
	 * init (may be NULL) takes what else it needs, fini frees that. */
	size_t state_size;
	enum blippa_err (*init)(void *state);
	void (*fini)(void *state);
};

extern const struct screen_ops scr_home_ops, scr_result_ops, scr_search_ops, scr_confirm_ops,
    scr_leader_pin_ops, scr_leader_sessions_ops, scr_leader_roster_ops, scr_leader_status_ops,
    scr_link_card_ops, scr_language_ops, scr_leader_history_ops;

/* The state of screen s (state_size bytes; NULL if it has none). */
void *ui_screen_state(struct ui *ui, enum ui_screen s);
const char *ui_screen_name(enum ui_screen s);

/* scr_leader_roster.c: the session whose roster the leader last opened
 * ("" if none since leader mode began): a card link goes back there. */
const char *scr_leader_roster_session(struct ui *ui);

#endif
