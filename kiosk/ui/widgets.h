/* SPDX-License-Identifier: MIT */
/* Small reusable widgets and the visual theme. Widgets draw with the
 * render layer and register their touch targets in ui->buttons, so what is
 * hit-tested is exactly what was drawn. Colours meet >= 7:1 contrast:
 * white on #14213D (home), white on #0A5A25 (green), black on #FFC845
 * (amber), white on #8B0000 (red), white on #262626 (leader). */
#ifndef BLIPPA_WIDGETS_H
#define BLIPPA_WIDGETS_H

#include "pincheck.h"
#include "sound.h"
#include "ui.h"

/* ---- theme ---- */
#define COL_HOME_BG RGB(0x14213D)
#define COL_GREEN_BG RGB(0x0A5A25)
#define COL_AMBER_BG RGB(0xFFC845)
#define COL_RED_BG RGB(0x8B0000)
#define COL_LEADER_BG RGB(0x262626)
#define COL_WHITE RGB(0xFFFFFF)
#define COL_BLACK RGB(0x000000)
#define COL_INK RGB(0x14213D)	/* text on white buttons */
#define COL_MUTED RGB(0xD9D9D9) /* secondary text on dark backgrounds (>= 9:1) */
#define COL_PANEL RGB(0x1F3358) /* rows on the home colour */
#define COL_PANEL_LEADER RGB(0x3A3A3A)
/* Row and control boundaries: >= 3:1 against the page (WCAG 2.2 1.4.11):
 * #8A9BBD is 5.7:1 on the home colour and 5.3:1 on the leader grey. */
#define COL_ROW_EDGE RGB(0x8A9BBD)

/* Sizes in layout mm (designed for a 15.6" panel; render_mm() shrinks them
 * on smaller panels but keeps targets >= 12 mm and text >= 5.6 mm, i.e. a
 * 4 mm cap height; see render.h). */
#define MM_TARGET_MIN 12.0f /* smallest touch target */
#define MM_BUTTON_H 18.0f
#define MM_GAP 4.0f
#define MM_MARGIN 8.0f
#define MM_STATUS_H 10.0f
#define MM_TEXT_HUGE 16.0f
#define MM_TEXT_TITLE 11.0f
#define MM_TEXT_LARGE 8.0f
#define MM_TEXT_BODY 6.0f
#define MM_TEXT_SMALL 5.6f /* the floor: participants read everything */

/* ---- button.c ---- */
enum button_style {
	BTN_PRIMARY,   /* white fill, dark text */
	BTN_SECONDARY, /* outlined on dark background, white text */
	BTN_ON_LIGHT,  /* outlined dark on amber, black text */
	BTN_DANGER,    /* dark-red fill, white text */
	BTN_KEY,       /* keyboard/pin key: light grey fill, dark text */
	BTN_ROW,       /* list row on a dark background: panel fill, white text, left aligned */
};

/* Registers a touch target (no drawing); returns its index or -1 when full. */
int button_add(struct ui *ui, SDL_Rect rc, int id, int index, const char *name);
/* Draws a button and registers it. label may be "" (icon-only buttons draw
 * their own content on top). */
void button_draw(struct ui *ui, SDL_Rect rc, int id, int index, const char *name, const char *label,
		 enum button_style style, float text_mm);
/* Width a button needs to show label at text_mm without shrinking it
 * (padding and border included), but at least min_mm (layout mm). */
int button_fit_w(struct ui *ui, const char *label, float text_mm, float min_mm);
/* True if button (id, index) is the one held down right now. */
bool button_is_pressed(const struct ui *ui, int id, int index);

/* ---- icon.c: drawn with geometry only ---- */
void icon_reader(struct render *r, SDL_Rect box, struct rgba fg);
/* The same pictogram with the reader's dot in colour dot (icon_reader: green). */
void icon_reader_dot(struct render *r, SDL_Rect box, struct rgba fg, struct rgba dot);
void icon_check(struct render *r, float cx, float cy, float radius, struct rgba ring,
		struct rgba mark);
void icon_warning(struct render *r, float cx, float cy, float size, struct rgba fill,
		  struct rgba mark);
void icon_cross(struct render *r, float cx, float cy, float radius, struct rgba ring,
		struct rgba mark);
void icon_arrow(struct render *r, SDL_Rect box, bool up, struct rgba c);
void icon_back(struct render *r, SDL_Rect box, struct rgba c);

/* ---- keyboard.c: on-screen keyboard (Swedish layout as a data table) ---- */
enum kb_action { KB_CHAR, KB_BACKSPACE, KB_SPACE, KB_CLEAR };
struct kb_key {
	const char *label; /* shown (a msgid for KB_SPACE / KB_CLEAR) */
	const char *lower; /* inserted for KB_CHAR after the first letter */
	enum kb_action action;
	float width; /* in key units */
};
#define KB_ROWS 4
#define KB_COLS_MAX 12
extern const struct kb_key kb_layout_sv[KB_ROWS][KB_COLS_MAX];
/* Narrowest box that holds the keyboard with keys of at least 12 mm. */
int keyboard_min_width(struct ui *ui);
/* Height the keyboard needs in a box of width w. */
int keyboard_height(struct ui *ui, int w);
/* Draws the keyboard into box; keys are registered with id and index =
 * row * KB_COLS_MAX + col, names "key-<label>". */
void keyboard_draw(struct ui *ui, SDL_Rect box, int id);
/* Applies key index to buf (UTF-8, cap buflen). Returns true if buf changed. */
bool keyboard_apply(int index, char *buf, size_t buflen);

/* ---- list.c: paged list of big rows with ▲/▼ buttons ---- */
struct list_view {
	SDL_Rect box;
	int row_h;
	size_t count;
	int *scroll; /* first visible row (kept in the screen's state) */
	int id_row;  /* button id for rows (index = row) */
	int id_up, id_down;
};
/* Draws visible rows with draw_row(ui, row, rect, user) and the page
 * buttons; returns the number of visible rows. */
int list_draw(struct ui *ui, const struct list_view *lv,
	      void (*draw_row)(struct ui *ui, size_t row, SDL_Rect rc, void *user), void *user);
/* Handles the page buttons; true if in was one of them. */
bool list_input(struct ui *ui, const struct list_view *lv, const struct ui_input *in);

/* ---- pinpad.c ---- */
/* Draws a 3x4 PIN pad (1-9, clear, 0, OK) into box; index = digit 0-9,
 * 10 = clear, 11 = OK. */
void pinpad_draw(struct ui *ui, SDL_Rect box, int id);
/* Applies a pad index to pin; returns true for OK. */
bool pinpad_apply(int index, char *pin, size_t pinlen);

/* ---- statusline.c ---- */
/* The top status line: facility, discreet offline/reader warnings, clock.
 * on_light picks dark text for the amber screen. */
void statusline_draw(struct ui *ui, struct rgba bg, struct rgba fg);
int statusline_height(struct ui *ui);

/* Common frame helpers (statusline.c) */
/* Clears to bg, remembers it in ui->bg and draws the status line. */
void screen_begin(struct ui *ui, struct rgba bg, struct rgba fg);
/* Draws the leader-mode note (ui->toast) as a banner at the bottom of box. */
void toast_draw(struct ui *ui, SDL_Rect box);
/* Content area below the status line with margins. */
SDL_Rect ui_content(struct ui *ui);

#endif
