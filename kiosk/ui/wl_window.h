/* SPDX-License-Identifier: MIT */
/* The kiosk's own Wayland window, without SDL's video subsystem. SDL 2.26
 * creates an EGL surface for every Wayland window (Mesa swrast and LLVM:
 * ~60 MB RSS) although the kiosk draws in software. Instead this module
 * speaks libwayland-client directly: an xdg_toplevel (fullscreen for the
 * kiosk) on wl_compositor, frames as wl_shm buffers, wl_output's size for
 * the px/mm measure, and wl_seat's touch, pointer and keyboard turned into
 * the same SDL events SDL would send (SDL_FINGER* normalised to the window,
 * SDL_MOUSE* in pixels, SDL_KEY* and SDL_TEXTINPUT through the compositor's
 * XKB keymap; wl_input.c), pushed with SDL_PushEvent. A configure is
 * acknowledged and reported as SDL_WINDOWEVENT_SIZE_CHANGED (a fullscreen
 * window's 0x0 configure means the output's size); a close request as
 * SDL_QUIT.
 * All Wayland traffic is on the UI thread: wl_window_wait() is its event
 * wait; other threads only call wl_window_wake() after SDL_PushEvent. */
#ifndef BLIPPA_WL_WINDOW_H
#define BLIPPA_WL_WINDOW_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>

struct wl_window;

/* True when SDL's video driver would be Wayland (SDL_VIDEODRIVER starts with
 * "wayland", or WAYLAND_DISPLAY is set and DISPLAY is not) and the software
 * renderer is wanted (SDL_RENDER_DRIVER unset or "software"), and the build
 * has Wayland. Then SDL's video subsystem is not initialised at all. */
bool wl_window_wanted(void);

/* Connects, binds wl_compositor, wl_shm and xdg_wm_base (and wl_output,
 * wl_seat when there), maps a toplevel (fullscreen, or w x h) and waits up
 * to 5 s for its first configure, so the first frame is drawn at the size
 * the compositor gave. NULL with one clear line in err on failure.
 * *out owner: wl_window_close. UI thread only, like everything below
 * except wl_window_wake. */
struct wl_window *wl_window_open(const char *title, bool fullscreen, int w, int h, char *err,
				 size_t errlen);
void wl_window_close(struct wl_window *w); /* NULL is a no-op */
/* The size the compositor gave (or chose for us). */
void wl_window_size(const struct wl_window *w, int *width, int *height);
/* The output's current mode in the window's orientation and its physical
 * size in mm (0 when unknown). False when no output is known. */
bool wl_window_output(const struct wl_window *w, int *px_w, int *px_h, int *mm_w, int *mm_h);
/* Hides the pointer over the window (set_cursor NULL) when hide is true;
 * otherwise the compositor's cursor stays. */
void wl_window_hide_cursor(struct wl_window *w, bool hide);
/* The memory of a wl_shm buffer (XRGB8888, width x height, *pitch bytes a
 * row) that the compositor does not hold, to draw the next frame into:
 * the buffers are (re)made for a new size (earlier pointers then become
 * invalid), and when both are held this waits for a release. Its content
 * is an older frame: draw all of it. NULL on failure. The memory is w's,
 * valid until the next call with another size or wl_window_close. */
void *wl_window_buffer(struct wl_window *w, int width, int height, int *pitch);
/* Commits the buffer last returned by wl_window_buffer (the whole of it
 * damaged). 0 on success. */
int wl_window_commit(struct wl_window *w);
/* Waits up to timeout_ms (0: only dispatch what is there) for Wayland
 * events or a wake-up, then dispatches them (pushing SDL events). Returns
 * at once when SDL's queue already holds an event. 0, or -1 when the
 * connection to the compositor is lost. */
int wl_window_wait(struct wl_window *w, int timeout_ms);
/* Any thread, after SDL_PushEvent: ends a wl_window_wait. */
void wl_window_wake(struct wl_window *w);

#endif
