/* SPDX-License-Identifier: MIT */
/* The kiosk's Wayland input (see wl_window.h): wl_seat's touch, pointer and
 * keyboard turned into the SDL events SDL's own Wayland driver would send.
 * Touch: SDL_FINGER* normalised to the window. Pointer: SDL_MOUSE* in
 * pixels. Keyboard: the compositor's XKB keymap (libxkbcommon) gives
 * SDL_KEYDOWN/UP with the key's unshifted symbol as SDL_Keycode and
 * SDL_TEXTINPUT with the UTF-8 the key types (not with Ctrl or Alt held),
 * repeated while held at the compositor's rate (ev.key.repeat set). */
#include "wl_int.h"

#include <linux/input-event-codes.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "log.h"

#define WL_TOUCH_ID 1		 /* SDL_TouchID of the one touchscreen */
#define WL_KEYMAP_MAX (1u << 20) /* a cap on the compositor's keymap (~60 KB) */
#define WL_REPEAT_BURST 50	 /* repeats made at once after a stall, at most */

/* ---- touch: SDL_FINGER* normalised to the window, as SDL sends them ---- */

static void push_finger(struct wl_window *w, Uint32 type, const struct wl_point *p, float dx,
			float dy)
{
	SDL_Event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.tfinger.touchId = WL_TOUCH_ID;
	ev.tfinger.fingerId = p->id;
	ev.tfinger.x = p->x;
	ev.tfinger.y = p->y;
	ev.tfinger.dx = dx;
	ev.tfinger.dy = dy;
	ev.tfinger.pressure = type == SDL_FINGERUP ? 0.0f : 1.0f;
	(void)w;
	wl_push(&ev);
}

static struct wl_point *point(struct wl_window *w, int32_t id, bool make)
{
	for (int i = 0; i < WL_TOUCH_POINTS; i++)
		if (w->pt[i].down && w->pt[i].id == id)
			return &w->pt[i];
	if (make)
		for (int i = 0; i < WL_TOUCH_POINTS; i++)
			if (!w->pt[i].down) {
				w->pt[i].id = id;
				w->pt[i].down = true;
				return &w->pt[i];
			}
	return NULL;
}

static float norm(wl_fixed_t v, int size)
{
	return (float)(wl_fixed_to_double(v) / (size > 0 ? size : 1));
}

static void touch_down(void *data, struct wl_touch *t, uint32_t serial, uint32_t time,
		       struct wl_surface *s, int32_t id, wl_fixed_t x, wl_fixed_t y)
{
	struct wl_window *w = data;
	struct wl_point *p = point(w, id, true);
	(void)t;
	(void)serial;
	(void)time;
	(void)s;
	if (!p)
		return; /* more fingers than anyone needs */
	p->x = norm(x, w->w);
	p->y = norm(y, w->h);
	push_finger(w, SDL_FINGERDOWN, p, 0, 0);
}

static void touch_up(void *data, struct wl_touch *t, uint32_t serial, uint32_t time, int32_t id)
{
	struct wl_window *w = data;
	struct wl_point *p = point(w, id, false);
	(void)t;
	(void)serial;
	(void)time;
	if (!p)
		return;
	p->down = false;
	push_finger(w, SDL_FINGERUP, p, 0, 0);
}

static void touch_motion(void *data, struct wl_touch *t, uint32_t time, int32_t id, wl_fixed_t x,
			 wl_fixed_t y)
{
	struct wl_window *w = data;
	struct wl_point *p = point(w, id, false);
	float nx = norm(x, w->w), ny = norm(y, w->h), dx, dy;
	(void)t;
	(void)time;
	if (!p)
		return;
	dx = nx - p->x;
	dy = ny - p->y;
	p->x = nx;
	p->y = ny;
	push_finger(w, SDL_FINGERMOTION, p, dx, dy);
}

static void touch_frame(void *data, struct wl_touch *t)
{
	(void)data;
	(void)t;
}

/* The compositor took the touch sequence over: each finger is lifted
 * outside the window, so a press in progress fires nothing. */
static void touch_cancel(void *data, struct wl_touch *t)
{
	struct wl_window *w = data;
	(void)t;
	for (int i = 0; i < WL_TOUCH_POINTS; i++)
		if (w->pt[i].down) {
			w->pt[i].down = false;
			w->pt[i].x = -1.0f;
			w->pt[i].y = -1.0f;
			push_finger(w, SDL_FINGERUP, &w->pt[i], 0, 0);
		}
}

static const struct wl_touch_listener touch_listener = {.down = touch_down,
							.up = touch_up,
							.motion = touch_motion,
							.frame = touch_frame,
							.cancel = touch_cancel};

/* ---- pointer: SDL_MOUSE* in window pixels ---- */

static void pointer_enter(void *data, struct wl_pointer *p, uint32_t serial, struct wl_surface *s,
			  wl_fixed_t x, wl_fixed_t y)
{
	struct wl_window *w = data;
	(void)s;
	w->px = wl_fixed_to_double(x);
	w->py = wl_fixed_to_double(y);
	if (w->hide_cursor)
		wl_pointer_set_cursor(p, serial, NULL, 0, 0);
}

static void pointer_leave(void *data, struct wl_pointer *p, uint32_t serial, struct wl_surface *s)
{
	(void)data;
	(void)p;
	(void)serial;
	(void)s;
}

static void pointer_motion(void *data, struct wl_pointer *p, uint32_t time, wl_fixed_t x,
			   wl_fixed_t y)
{
	struct wl_window *w = data;
	SDL_Event ev;
	double nx = wl_fixed_to_double(x), ny = wl_fixed_to_double(y);
	(void)p;
	(void)time;
	memset(&ev, 0, sizeof ev);
	ev.type = SDL_MOUSEMOTION;
	ev.motion.x = (Sint32)nx;
	ev.motion.y = (Sint32)ny;
	ev.motion.xrel = (Sint32)(nx - w->px);
	ev.motion.yrel = (Sint32)(ny - w->py);
	w->px = nx;
	w->py = ny;
	wl_push(&ev);
}

static void pointer_button(void *data, struct wl_pointer *p, uint32_t serial, uint32_t time,
			   uint32_t button, uint32_t state)
{
	struct wl_window *w = data;
	SDL_Event ev;
	bool down = state == WL_POINTER_BUTTON_STATE_PRESSED;
	(void)p;
	(void)serial;
	(void)time;
	memset(&ev, 0, sizeof ev);
	ev.type = down ? SDL_MOUSEBUTTONDOWN : SDL_MOUSEBUTTONUP;
	ev.button.button = button == BTN_LEFT	  ? SDL_BUTTON_LEFT
			   : button == BTN_RIGHT  ? SDL_BUTTON_RIGHT
			   : button == BTN_MIDDLE ? SDL_BUTTON_MIDDLE
						  : SDL_BUTTON_X1;
	ev.button.state = down ? SDL_PRESSED : SDL_RELEASED;
	ev.button.clicks = 1;
	ev.button.x = (Sint32)w->px;
	ev.button.y = (Sint32)w->py;
	wl_push(&ev);
}

static void pointer_axis(void *data, struct wl_pointer *p, uint32_t time, uint32_t axis,
			 wl_fixed_t value)
{
	(void)data;
	(void)p;
	(void)time;
	(void)axis;
	(void)value;
}

static const struct wl_pointer_listener pointer_listener = {.enter = pointer_enter,
							    .leave = pointer_leave,
							    .motion = pointer_motion,
							    .button = pointer_button,
							    .axis = pointer_axis};

/* ---- keyboard: the compositor's XKB keymap, SDL_KEY* and SDL_TEXTINPUT ---- */

static void repeat_arm(struct wl_window *w, xkb_keycode_t code);

static void drop_keymap(struct wl_window *w)
{
	repeat_arm(w, 0);
	xkb_state_unref(w->xkb_state);
	xkb_keymap_unref(w->keymap);
	w->xkb_state = NULL;
	w->keymap = NULL;
}

/* A new keymap replaces the old one; one that is refused leaves none (its
 * keys would be read with the wrong map). */
static void keyboard_keymap(void *data, struct wl_keyboard *k, uint32_t format, int32_t fd,
			    uint32_t size)
{
	struct wl_window *w = data;
	struct xkb_keymap *km = NULL;
	char *map;
	(void)k;
	drop_keymap(w);
	if (format != WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1 || size == 0 || size > WL_KEYMAP_MAX) {
		log_warn("render", "wayland: keymap format %u, %u bytes refused; keys ignored",
			 format, size);
		close(fd);
		return;
	}
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		log_warn("render", "wayland: cannot map the keymap; keys ignored");
		return;
	}
	/* the keymap is complete text: no include paths, no environment */
	if (!w->xkb)
		w->xkb = xkb_context_new(XKB_CONTEXT_NO_DEFAULT_INCLUDES |
					 XKB_CONTEXT_NO_ENVIRONMENT_NAMES);
	if (w->xkb)
		km = xkb_keymap_new_from_buffer(w->xkb, map, strnlen(map, size),
						XKB_KEYMAP_FORMAT_TEXT_V1,
						XKB_KEYMAP_COMPILE_NO_FLAGS);
	munmap(map, size);
	if (!km) {
		log_warn("render", "wayland: the keymap does not compile; keys ignored");
		return;
	}
	w->keymap = km;
	if (!(w->xkb_state = xkb_state_new(km))) {
		log_warn("render", "wayland: no keyboard state; keys ignored");
		drop_keymap(w);
		return;
	}
	log_info("render", "wayland keyboard: keymap of %u bytes", size);
}

static void keyboard_enter(void *data, struct wl_keyboard *k, uint32_t serial, struct wl_surface *s,
			   struct wl_array *keys)
{
	(void)data;
	(void)k;
	(void)serial;
	(void)s;
	(void)keys;
}

static void keyboard_leave(void *data, struct wl_keyboard *k, uint32_t serial, struct wl_surface *s)
{
	repeat_arm(data, 0);
	(void)k;
	(void)serial;
	(void)s;
}

/* The SDL_Keycode of a key as SDL makes it: the symbol on the key's first
 * level (Shift+a is SDLK_a), its Unicode code point lower-cased for
 * characters and control keys (Return, BackSpace, Escape, Tab, Delete),
 * a table for the rest. */
static SDL_Keycode sdl_key(const struct wl_window *w, xkb_keycode_t code)
{
	static const struct {
		xkb_keysym_t sym;
		SDL_Keycode key;
	} named[] = {{XKB_KEY_KP_Enter, SDLK_KP_ENTER}, {XKB_KEY_Left, SDLK_LEFT},
		     {XKB_KEY_Right, SDLK_RIGHT},	{XKB_KEY_Up, SDLK_UP},
		     {XKB_KEY_Down, SDLK_DOWN},		{XKB_KEY_Home, SDLK_HOME},
		     {XKB_KEY_End, SDLK_END},		{XKB_KEY_Page_Up, SDLK_PAGEUP},
		     {XKB_KEY_Page_Down, SDLK_PAGEDOWN}};
	const xkb_keysym_t *syms;
	xkb_layout_index_t layout = xkb_state_key_get_layout(w->xkb_state, code);
	uint32_t u;

	if (layout == XKB_LAYOUT_INVALID ||
	    xkb_keymap_key_get_syms_by_level(w->keymap, code, layout, 0, &syms) != 1)
		return SDLK_UNKNOWN;
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		if (named[i].sym == syms[0])
			return named[i].key;
	if (syms[0] >= XKB_KEY_F1 && syms[0] <= XKB_KEY_F12)
		return SDLK_F1 + (SDL_Keycode)(syms[0] - XKB_KEY_F1);
	u = xkb_keysym_to_utf32(xkb_keysym_to_lower(syms[0]));
	return u > 0 && u <= 0x10ffff ? (SDL_Keycode)u : SDLK_UNKNOWN;
}

static bool mod_on(const struct wl_window *w, const char *name)
{
	return xkb_state_mod_name_is_active(w->xkb_state, name, XKB_STATE_MODS_EFFECTIVE) > 0;
}

/* The SDL events of one key: SDL_KEYDOWN/UP, and SDL_TEXTINPUT for a press
 * that types something. */
static void key_events(struct wl_window *w, xkb_keycode_t code, bool down, bool repeat)
{
	SDL_Event ev;
	int n;
	memset(&ev, 0, sizeof ev);
	ev.type = down ? SDL_KEYDOWN : SDL_KEYUP;
	ev.key.state = down ? SDL_PRESSED : SDL_RELEASED;
	ev.key.repeat = repeat;
	ev.key.keysym.sym = sdl_key(w, code);
	ev.key.keysym.mod = (Uint16)((mod_on(w, XKB_MOD_NAME_SHIFT) ? KMOD_LSHIFT : 0) |
				     (mod_on(w, XKB_MOD_NAME_CTRL) ? KMOD_LCTRL : 0) |
				     (mod_on(w, XKB_MOD_NAME_ALT) ? KMOD_LALT : 0) |
				     (mod_on(w, XKB_MOD_NAME_CAPS) ? KMOD_CAPS : 0));
	wl_push(&ev);
	if (!down || mod_on(w, XKB_MOD_NAME_CTRL) || mod_on(w, XKB_MOD_NAME_ALT))
		return;
	memset(&ev, 0, sizeof ev);
	n = xkb_state_key_get_utf8(w->xkb_state, code, ev.text.text, sizeof ev.text.text);
	/* printable text only: control characters come as SDL_KEYDOWN */
	if (n <= 0 || (size_t)n >= sizeof ev.text.text || (unsigned char)ev.text.text[0] < 0x20 ||
	    ev.text.text[0] == 0x7f)
		return;
	ev.type = SDL_TEXTINPUT;
	wl_push(&ev);
}

/* Key repeat on w->repeat_fd (a timerfd): armed by a press of a key that
 * repeats, for the compositor's delay and rate; stopped by its release, by
 * another key, by leaving the window and with the keyboard or keymap. */
static void repeat_arm(struct wl_window *w, xkb_keycode_t code)
{
	struct itimerspec its;
	memset(&its, 0, sizeof its);
	w->repeat_code = code;
	if (code && w->repeat_rate > 0) {
		long every_ms = 1000 / w->repeat_rate > 0 ? 1000 / w->repeat_rate : 1;
		its.it_value.tv_sec = w->repeat_delay / 1000;
		its.it_value.tv_nsec = (long)(w->repeat_delay % 1000) * 1000000L + 1;
		its.it_interval.tv_sec = every_ms / 1000;
		its.it_interval.tv_nsec = (every_ms % 1000) * 1000000L;
	}
	if (w->repeat_fd >= 0)
		timerfd_settime(w->repeat_fd, 0, &its, NULL);
}

void wl_input_repeat(struct wl_window *w)
{
	uint64_t n = 0;
	if (read(w->repeat_fd, &n, sizeof n) != (ssize_t)sizeof n || !w->repeat_code ||
	    !w->xkb_state)
		return;
	for (uint64_t i = 0; i < n && i < WL_REPEAT_BURST; i++)
		key_events(w, w->repeat_code, true, true);
}

static void keyboard_key(void *data, struct wl_keyboard *k, uint32_t serial, uint32_t time,
			 uint32_t key, uint32_t state)
{
	struct wl_window *w = data;
	xkb_keycode_t code = key + 8; /* evdev to XKB */
	bool down = state == WL_KEYBOARD_KEY_STATE_PRESSED;
	(void)k;
	(void)serial;
	(void)time;
	if (!w->xkb_state)
		return;
	key_events(w, code, down, false);
	if (down && xkb_keymap_key_repeats(w->keymap, code))
		repeat_arm(w, code);
	else if (down || code == w->repeat_code)
		repeat_arm(w, 0);
}

static void keyboard_repeat_info(void *data, struct wl_keyboard *k, int32_t rate, int32_t delay)
{
	struct wl_window *w = data;
	(void)k;
	w->repeat_rate = rate > 0 ? rate : 0; /* 0: no repeat */
	w->repeat_delay = delay > 0 ? delay : 0;
}

static void keyboard_modifiers(void *data, struct wl_keyboard *k, uint32_t serial,
			       uint32_t depressed, uint32_t latched, uint32_t locked,
			       uint32_t group)
{
	struct wl_window *w = data;
	(void)k;
	(void)serial;
	if (w->xkb_state)
		xkb_state_update_mask(w->xkb_state, depressed, latched, locked, 0, 0, group);
}

static const struct wl_keyboard_listener keyboard_listener = {.keymap = keyboard_keymap,
							      .enter = keyboard_enter,
							      .leave = keyboard_leave,
							      .key = keyboard_key,
							      .modifiers = keyboard_modifiers,
							      .repeat_info = keyboard_repeat_info};

/* ---- the seat ---- */

static void seat_caps(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct wl_window *w = data;
	if ((caps & WL_SEAT_CAPABILITY_TOUCH) && !w->touch) {
		w->touch = wl_seat_get_touch(seat);
		wl_touch_add_listener(w->touch, &touch_listener, w);
	} else if (!(caps & WL_SEAT_CAPABILITY_TOUCH) && w->touch) {
		wl_touch_destroy(w->touch);
		w->touch = NULL;
	}
	if ((caps & WL_SEAT_CAPABILITY_POINTER) && !w->pointer) {
		w->pointer = wl_seat_get_pointer(seat);
		wl_pointer_add_listener(w->pointer, &pointer_listener, w);
	} else if (!(caps & WL_SEAT_CAPABILITY_POINTER) && w->pointer) {
		wl_pointer_destroy(w->pointer);
		w->pointer = NULL;
	}
	if ((caps & WL_SEAT_CAPABILITY_KEYBOARD) && !w->keyboard) {
		w->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(w->keyboard, &keyboard_listener, w);
	} else if (!(caps & WL_SEAT_CAPABILITY_KEYBOARD) && w->keyboard) {
		wl_keyboard_destroy(w->keyboard);
		w->keyboard = NULL;
		drop_keymap(w);
	}
}

static void seat_name(void *data, struct wl_seat *seat, const char *name)
{
	(void)data;
	(void)seat;
	(void)name;
}

static const struct wl_seat_listener seat_listener = {.capabilities = seat_caps, .name = seat_name};

void wl_input_listen(struct wl_window *w)
{
	/* SDL's (and most compositors') default until repeat_info says */
	w->repeat_rate = 25;
	w->repeat_delay = 600;
	wl_seat_add_listener(w->seat, &seat_listener, w);
}

void wl_input_close(struct wl_window *w)
{
	if (w->touch)
		wl_touch_destroy(w->touch);
	if (w->pointer)
		wl_pointer_destroy(w->pointer);
	if (w->keyboard)
		wl_keyboard_destroy(w->keyboard);
	w->touch = NULL;
	w->pointer = NULL;
	w->keyboard = NULL;
	drop_keymap(w);
	xkb_context_unref(w->xkb);
	w->xkb = NULL;
}
