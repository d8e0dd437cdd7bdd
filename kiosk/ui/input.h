/* SPDX-License-Identifier: MIT */
/* Input (input.c): the ONE place mapping SDL events to struct ui_input,
 * and its dispatch to buttons and screens. */
#ifndef BLIPPA_INPUT_H
#define BLIPPA_INPUT_H

#include <SDL.h>
#include <stdbool.h>

struct ui;

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

/* Returns true and fills in if ev is pointer or keyboard input. */
bool input_from_sdl(struct ui *ui, const SDL_Event *ev, struct ui_input *in);
/* Dispatches an input: hit-tests presses/releases against ui->buttons and
 * hands UI_IN_BUTTON / KEY / TEXT to the current screen. */
void input_dispatch(struct ui *ui, const struct ui_input *in);
/* Hands a non-pointer input to the current screen (ui.c). */
void ui_screen_input(struct ui *ui, const struct ui_input *in);

#endif
