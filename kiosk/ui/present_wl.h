/* SPDX-License-Identifier: MIT */
/* Software presentation on Wayland without EGL. SDL 2.26 has no window
 * framebuffer on its Wayland driver, so its software renderer cannot present
 * there and SDL would load OpenGL through EGL (Mesa, llvmpipe: ~120 MB RSS).
 * Instead the kiosk draws with SDL's software renderer into an SDL_Surface
 * and this module hands the pixels to the compositor as wl_shm buffers
 * attached to SDL's own wl_surface. Used on the UI thread only. */
#ifndef BLIPPA_PRESENT_WL_H
#define BLIPPA_PRESENT_WL_H

#include <SDL.h>

struct present_wl;

/* Opens a presenter for win when SDL's video driver is "wayland" and SDL
 * was built with it; NULL otherwise (then draw with a normal renderer).
 * The window must not have SDL_WINDOW_OPENGL. *out owner: present_wl_close. */
struct present_wl *present_wl_open(SDL_Window *win);
void present_wl_close(struct present_wl *p); /* NULL is a no-op */
/* Copies s (32-bit XRGB/ARGB8888, any size) into a free shared-memory
 * buffer and commits it to the window's surface. 0 on success. */
int present_wl_commit(struct present_wl *p, const SDL_Surface *s);

#endif
