/* SPDX-License-Identifier: MIT */
/* Internal to the kiosk's Wayland window: struct wl_window, shared by
 * wl_window.c (globals, xdg-shell, output, frames, the wait) and wl_input.c
 * (wl_seat: touch, pointer and keyboard turned into SDL events). Built only
 * with BLIPPA_HAVE_WAYLAND; nothing outside these two files includes it. */
#ifndef BLIPPA_WL_INT_H
#define BLIPPA_WL_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-client.h>
#include <xkbcommon/xkbcommon.h>

#include "wl_window.h"

#define WL_BUFFERS 2
#define WL_TOUCH_POINTS 10

struct wl_slot {
	struct wl_buffer *buf;
	bool busy;
};

struct wl_point {
	int32_t id;
	bool down;
	float x, y; /* normalised */
};

struct wl_window {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm;
	struct wl_output *output;
	struct wl_seat *seat;
	struct wl_surface *surface;
	struct xdg_surface *xsurface;
	struct xdg_toplevel *toplevel;
	int wake_fd;
	/* the window: what the compositor configured (0: ours to choose) */
	int w, h, want_w, want_h, pend_w, pend_h;
	bool configured, fullscreen, hide_cursor;
	/* the output: current mode, physical size, transform */
	int out_w, out_h, out_mm_w, out_mm_h, out_transform;
	/* the frame buffers */
	struct wl_shm_pool *pool;
	void *mem;
	size_t mem_len;
	int buf_w, buf_h, next, cur; /* cur: handed out by wl_window_buffer, -1: none */
	struct wl_slot slot[WL_BUFFERS];
	/* input (wl_input.c) */
	struct wl_touch *touch;
	struct wl_pointer *pointer;
	struct wl_keyboard *keyboard;
	struct wl_point pt[WL_TOUCH_POINTS];
	double px, py; /* pointer position in surface pixels */
	struct xkb_context *xkb;
	struct xkb_keymap *keymap; /* the compositor's, NULL until it sends one */
	struct xkb_state *xkb_state;
	int repeat_fd;			   /* a timerfd, armed while a key repeats */
	xkb_keycode_t repeat_code;	   /* 0: none */
	int32_t repeat_rate, repeat_delay; /* per s (0: none), ms */
};

/* Stamps ev with SDL's clock and pushes it; a full queue is logged. */
void wl_push(SDL_Event *ev);

/* Listens to w->seat: its capabilities create and destroy w's touch,
 * pointer and keyboard. */
void wl_input_listen(struct wl_window *w);
/* w->repeat_fd is readable: the held key's repeats as SDL events. */
void wl_input_repeat(struct wl_window *w);
/* Destroys the input objects and the keymap; the seat stays w's. */
void wl_input_close(struct wl_window *w);

#endif
