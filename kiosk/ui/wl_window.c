/* SPDX-License-Identifier: MIT */
/* The kiosk's Wayland window on libwayland-client and xdg-shell (see
 * wl_window.h): the globals, the toplevel's configure/ack, two wl_shm frame
 * buffers per size in one memfd pool (the renderer draws straight into them), and the event wait.
 * Input (touch, pointer, keyboard) is wl_input.c. */
#include "wl_window.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(BLIPPA_HAVE_WAYLAND)
#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "log.h"
#include "wl_int.h"
#include "xdg-shell-client-protocol.h"

#define WL_MAX_PIXELS (8192u * 8192u) /* a cap on the shared memory */
#define WL_RELEASE_MS 250	      /* a frame buffer's release, at most */
#define WL_CONFIGURE_MS 5000	      /* the compositor's first configure, at most */

static int wait_fds(struct wl_window *w, int timeout_ms, bool sdl_ends);

void wl_push(SDL_Event *ev)
{
	ev->common.timestamp = SDL_GetTicks();
	if (SDL_PushEvent(ev) != 1)
		log_warn("render", "event queue full; dropped a wayland event");
}

static void push_window_event(Uint8 which, int w, int h)
{
	SDL_Event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = SDL_WINDOWEVENT;
	ev.window.event = which;
	ev.window.data1 = w;
	ev.window.data2 = h;
	wl_push(&ev);
}

/* ---- xdg-shell ---- */

static void wm_ping(void *data, struct xdg_wm_base *wm, uint32_t serial)
{
	(void)data;
	xdg_wm_base_pong(wm, serial);
}

static const struct xdg_wm_base_listener wm_listener = {.ping = wm_ping};

static void xsurface_configure(void *data, struct xdg_surface *xs, uint32_t serial)
{
	struct wl_window *w = data;
	int nw = w->pend_w > 0 ? w->pend_w : w->want_w;
	int nh = w->pend_h > 0 ? w->pend_h : w->want_h;
	int ow, oh, mw, mh;
	/* 0x0: ours to choose. Fullscreen fills the output: cage (and sway)
	 * send 0x0 before the window is mapped and the output's size only
	 * after its first frame, which would otherwise be drawn at 1280x800. */
	if (w->fullscreen && (w->pend_w <= 0 || w->pend_h <= 0) &&
	    wl_window_output(w, &ow, &oh, &mw, &mh)) {
		nw = w->pend_w > 0 ? w->pend_w : ow;
		nh = w->pend_h > 0 ? w->pend_h : oh;
	}
	xdg_surface_ack_configure(xs, serial);
	if (nw != w->w || nh != w->h) {
		w->w = nw;
		w->h = nh;
		if (w->configured)
			push_window_event(SDL_WINDOWEVENT_SIZE_CHANGED, nw, nh);
	}
	if (!w->configured)
		push_window_event(SDL_WINDOWEVENT_EXPOSED, 0, 0);
	w->configured = true;
}

static const struct xdg_surface_listener xsurface_listener = {.configure = xsurface_configure};

static void toplevel_configure(void *data, struct xdg_toplevel *t, int32_t width, int32_t height,
			       struct wl_array *states)
{
	struct wl_window *w = data;
	(void)t;
	(void)states;
	w->pend_w = width;
	w->pend_h = height;
}

static void toplevel_close(void *data, struct xdg_toplevel *t)
{
	SDL_Event ev;
	(void)data;
	(void)t;
	memset(&ev, 0, sizeof ev);
	ev.type = SDL_QUIT;
	wl_push(&ev);
}

static const struct xdg_toplevel_listener toplevel_listener = {.configure = toplevel_configure,
							       .close = toplevel_close};

/* ---- wl_output ---- */

static void output_geometry(void *data, struct wl_output *o, int32_t x, int32_t y, int32_t mm_w,
			    int32_t mm_h, int32_t subpixel, const char *make, const char *model,
			    int32_t transform)
{
	struct wl_window *w = data;
	(void)o;
	(void)x;
	(void)y;
	(void)subpixel;
	(void)make;
	(void)model;
	w->out_mm_w = mm_w > 0 ? mm_w : 0;
	w->out_mm_h = mm_h > 0 ? mm_h : 0;
	w->out_transform = transform;
}

static void output_mode(void *data, struct wl_output *o, uint32_t flags, int32_t mw, int32_t mh,
			int32_t refresh)
{
	struct wl_window *w = data;
	(void)o;
	(void)refresh;
	if (flags & WL_OUTPUT_MODE_CURRENT) {
		w->out_w = mw;
		w->out_h = mh;
	}
}

static void output_done(void *data, struct wl_output *o)
{
	(void)data;
	(void)o;
}

static void output_scale(void *data, struct wl_output *o, int32_t factor)
{
	(void)data;
	(void)o;
	(void)factor;
}

static const struct wl_output_listener output_listener = {
    .geometry = output_geometry, .mode = output_mode, .done = output_done, .scale = output_scale};

/* ---- globals ---- */

static void registry_global(void *data, struct wl_registry *reg, uint32_t name, const char *iface,
			    uint32_t version)
{
	struct wl_window *w = data;
	(void)version;
	if (!w->compositor && strcmp(iface, wl_compositor_interface.name) == 0) {
		w->compositor = wl_registry_bind(reg, name, &wl_compositor_interface, 1);
	} else if (!w->shm && strcmp(iface, wl_shm_interface.name) == 0) {
		w->shm = wl_registry_bind(reg, name, &wl_shm_interface, 1);
	} else if (!w->wm && strcmp(iface, xdg_wm_base_interface.name) == 0) {
		w->wm = wl_registry_bind(reg, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(w->wm, &wm_listener, w);
	} else if (!w->output && strcmp(iface, wl_output_interface.name) == 0 && version >= 2) {
		w->output = wl_registry_bind(reg, name, &wl_output_interface, 2);
		wl_output_add_listener(w->output, &output_listener, w);
	} else if (!w->seat && strcmp(iface, wl_seat_interface.name) == 0) {
		/* 4: wl_keyboard.repeat_info */
		w->seat =
		    wl_registry_bind(reg, name, &wl_seat_interface, version < 4 ? version : 4);
		wl_input_listen(w);
	}
}

static void registry_remove(void *data, struct wl_registry *reg, uint32_t name)
{
	(void)data;
	(void)reg;
	(void)name;
}

static const struct wl_registry_listener registry_listener = {.global = registry_global,
							      .global_remove = registry_remove};

/* ---- frames ---- */

static void buffer_release(void *data, struct wl_buffer *buf)
{
	struct wl_slot *s = data;
	(void)buf;
	s->busy = false;
}

static const struct wl_buffer_listener buffer_listener = {.release = buffer_release};

static void free_buffers(struct wl_window *w)
{
	for (int i = 0; i < WL_BUFFERS; i++) {
		if (w->slot[i].buf)
			wl_buffer_destroy(w->slot[i].buf);
		w->slot[i].buf = NULL;
		w->slot[i].busy = false;
	}
	if (w->pool)
		wl_shm_pool_destroy(w->pool);
	w->pool = NULL;
	if (w->mem)
		munmap(w->mem, w->mem_len);
	w->mem = NULL;
	w->mem_len = 0;
	w->buf_w = w->buf_h = 0;
	w->cur = -1;
}

/* (Re)creates the pool and buffers for bw x bh. */
static int make_buffers(struct wl_window *w, int bw, int bh)
{
	size_t stride = (size_t)bw * 4, one = stride * (size_t)bh;
	int fd, rc = -1;

	free_buffers(w);
	if (bw <= 0 || bh <= 0 || (size_t)bw * (size_t)bh > WL_MAX_PIXELS)
		return -1;
	fd = memfd_create("blippa-frame", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)(one * WL_BUFFERS)) != 0)
		goto out;
	w->mem = mmap(NULL, one * WL_BUFFERS, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (w->mem == MAP_FAILED) {
		w->mem = NULL;
		goto out;
	}
	w->mem_len = one * WL_BUFFERS;
	w->pool = wl_shm_create_pool(w->shm, fd, (int32_t)w->mem_len);
	for (int i = 0; i < WL_BUFFERS; i++) {
		w->slot[i].buf =
		    wl_shm_pool_create_buffer(w->pool, (int32_t)(one * (size_t)i), bw, bh,
					      (int32_t)stride, WL_SHM_FORMAT_XRGB8888);
		wl_buffer_add_listener(w->slot[i].buf, &buffer_listener, &w->slot[i]);
	}
	w->buf_w = bw;
	w->buf_h = bh;
	rc = 0;
out:
	close(fd);
	if (rc != 0)
		free_buffers(w);
	return rc;
}

void *wl_window_buffer(struct wl_window *w, int width, int height, int *pitch)
{
	struct wl_slot *slot = NULL;
	size_t stride = (size_t)width * 4;

	if ((width != w->buf_w || height != w->buf_h) && make_buffers(w, width, height) != 0)
		return NULL;
	/* releases of earlier frames; wait for one (a page flip away on a
	 * display) only if both are in use */
	for (Uint64 end = SDL_GetTicks64() + WL_RELEASE_MS, now; !slot;) {
		if (wl_display_dispatch_pending(w->display) < 0)
			return NULL;
		for (int i = 0; i < WL_BUFFERS && !slot; i++) {
			int k = (w->next + i) % WL_BUFFERS;
			if (!w->slot[k].busy)
				slot = &w->slot[k];
		}
		if (!slot &&
		    ((now = SDL_GetTicks64()) >= end || wait_fds(w, (int)(end - now), false) != 0))
			return NULL;
	}
	w->cur = (int)(slot - w->slot);
	*pitch = (int)stride;
	return (unsigned char *)w->mem + stride * (size_t)height * (size_t)w->cur;
}

int wl_window_commit(struct wl_window *w)
{
	struct wl_slot *slot;

	if (w->cur < 0 || !w->slot[w->cur].buf)
		return -1;
	slot = &w->slot[w->cur];
	w->next = (w->cur + 1) % WL_BUFFERS;
	slot->busy = true;
	wl_surface_attach(w->surface, slot->buf, 0, 0);
	wl_surface_damage(w->surface, 0, 0, w->buf_w, w->buf_h);
	wl_surface_commit(w->surface);
	if (wl_display_flush(w->display) < 0 && errno != EAGAIN)
		return -1;
	return 0;
}

/* ---- waiting ---- */

/* Waits up to timeout_ms for the compositor or the wake-up fd (not at all
 * when sdl_ends and SDL's queue holds an event), reads and dispatches. 0,
 * or -1 when the connection is lost. */
static int wait_fds(struct wl_window *w, int timeout_ms, bool sdl_ends)
{
	struct pollfd pfd[3];
	uint64_t n;

	while (wl_display_prepare_read(w->display) != 0)
		if (wl_display_dispatch_pending(w->display) < 0)
			return -1;
	/* an event already queued (by us or another thread): do not sleep */
	if (sdl_ends && SDL_HasEvents(SDL_FIRSTEVENT, SDL_LASTEVENT))
		timeout_ms = 0;
	if (wl_display_flush(w->display) < 0 && errno != EAGAIN) {
		wl_display_cancel_read(w->display);
		return -1;
	}
	pfd[0].fd = wl_display_get_fd(w->display);
	pfd[0].events = POLLIN;
	pfd[1].fd = w->wake_fd;
	pfd[1].events = POLLIN;
	pfd[2].fd = w->repeat_fd; /* -1: poll skips it */
	pfd[2].events = POLLIN;
	pfd[0].revents = pfd[1].revents = pfd[2].revents = 0;
	if (poll(pfd, 3, timeout_ms < 0 ? 0 : timeout_ms) < 0 && errno != EINTR) {
		wl_display_cancel_read(w->display);
		return -1;
	}
	if (pfd[0].revents & POLLIN) {
		if (wl_display_read_events(w->display) < 0)
			return -1;
	} else {
		wl_display_cancel_read(w->display);
		if (pfd[0].revents & (POLLERR | POLLHUP))
			return -1;
	}
	if (wl_display_dispatch_pending(w->display) < 0)
		return -1;
	if (pfd[1].revents & POLLIN && read(w->wake_fd, &n, sizeof n) < 0 && errno != EAGAIN)
		return -1;
	if (pfd[2].revents & POLLIN)
		wl_input_repeat(w);
	return 0;
}

/* Dispatches until the first configure: 0, -1 when the connection is lost,
 * -2 after timeout_ms without one. */
static int wait_configured(struct wl_window *w, int timeout_ms)
{
	Uint64 end = SDL_GetTicks64() + (Uint64)timeout_ms, now;
	while (!w->configured) {
		if ((now = SDL_GetTicks64()) >= end)
			return -2;
		if (wait_fds(w, (int)(end - now), false) != 0)
			return -1;
	}
	return 0;
}

/* ---- the window ---- */

bool wl_window_wanted(void)
{
	const char *drv = getenv("SDL_VIDEODRIVER");
	const char *ren = getenv("SDL_RENDER_DRIVER");
	const char *wd = getenv("WAYLAND_DISPLAY"), *xd = getenv("DISPLAY");
	bool wayland;

	if (drv && *drv)
		wayland = strncmp(drv, "wayland", 7) == 0 && (drv[7] == '\0' || drv[7] == ',');
	else
		wayland = wd && *wd && !(xd && *xd);
	return wayland && (!ren || !*ren || strcmp(ren, "software") == 0);
}

struct wl_window *wl_window_open(const char *title, bool fullscreen, int width, int height,
				 char *err, size_t errlen)
{
	struct wl_window *w = calloc(1, sizeof *w);
	const char *why = NULL;
	int rc;

	if (!w) {
		snprintf(err, errlen, "wayland: out of memory");
		return NULL;
	}
	w->wake_fd = -1;
	w->repeat_fd = -1;
	w->cur = -1;
	w->want_w = width > 0 ? width : 1280;
	w->want_h = height > 0 ? height : 800;
	w->fullscreen = fullscreen;
	w->hide_cursor = fullscreen;
	if (!(w->display = wl_display_connect(NULL))) {
		why = "cannot connect to the compositor (WAYLAND_DISPLAY, XDG_RUNTIME_DIR)";
		goto fail;
	}
	w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	w->repeat_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	w->registry = wl_display_get_registry(w->display);
	if (w->wake_fd < 0 || w->repeat_fd < 0 || !w->registry) {
		why = "out of resources";
		goto fail;
	}
	wl_registry_add_listener(w->registry, &registry_listener, w);
	if (wl_display_roundtrip(w->display) < 0) {
		why = "the compositor closed the connection";
		goto fail;
	}
	if (!w->compositor || !w->shm || !w->wm) {
		why = !w->compositor ? "no wl_compositor"
		      : !w->shm	     ? "no wl_shm (software frames)"
				     : "no xdg_wm_base (xdg-shell)";
		goto fail;
	}
	/* the output's mode and size, the seat's capabilities */
	if (wl_display_roundtrip(w->display) < 0) {
		why = "the compositor closed the connection";
		goto fail;
	}
	w->surface = wl_compositor_create_surface(w->compositor);
	w->xsurface = xdg_wm_base_get_xdg_surface(w->wm, w->surface);
	xdg_surface_add_listener(w->xsurface, &xsurface_listener, w);
	w->toplevel = xdg_surface_get_toplevel(w->xsurface);
	xdg_toplevel_add_listener(w->toplevel, &toplevel_listener, w);
	xdg_toplevel_set_title(w->toplevel, title ? title : "Blippa");
	xdg_toplevel_set_app_id(w->toplevel, "blippa-kiosk");
	if (fullscreen)
		xdg_toplevel_set_fullscreen(w->toplevel, NULL);
	wl_surface_commit(w->surface);
	/* the first frame is drawn at the configured size; a compositor that
	 * never configures is an error, not a hang */
	if ((rc = wait_configured(w, WL_CONFIGURE_MS)) != 0) {
		why = rc == -2
			  ? "the compositor did not configure the window within 5 s"
			  : "the compositor closed the connection before configuring the window";
		goto fail;
	}
	log_info("render", "wayland window %dx%d%s, output %dx%d (%d x %d mm)", w->w, w->h,
		 fullscreen ? " fullscreen" : "", w->out_w, w->out_h, w->out_mm_w, w->out_mm_h);
	return w;
fail:
	snprintf(err, errlen, "cannot open a window: wayland: %s", why);
	log_error("render", "wayland: %s", why);
	wl_window_close(w);
	return NULL;
}

void wl_window_close(struct wl_window *w)
{
	if (!w)
		return;
	free_buffers(w);
	if (w->toplevel)
		xdg_toplevel_destroy(w->toplevel);
	if (w->xsurface)
		xdg_surface_destroy(w->xsurface);
	if (w->surface)
		wl_surface_destroy(w->surface);
	wl_input_close(w);
	if (w->seat)
		wl_seat_destroy(w->seat);
	if (w->output)
		wl_output_destroy(w->output);
	if (w->wm)
		xdg_wm_base_destroy(w->wm);
	if (w->shm)
		wl_shm_destroy(w->shm);
	if (w->compositor)
		wl_compositor_destroy(w->compositor);
	if (w->registry)
		wl_registry_destroy(w->registry);
	if (w->display) {
		wl_display_flush(w->display);
		wl_display_disconnect(w->display);
	}
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	if (w->repeat_fd >= 0)
		close(w->repeat_fd);
	free(w);
}

void wl_window_size(const struct wl_window *w, int *width, int *height)
{
	*width = w->w;
	*height = w->h;
}

bool wl_window_output(const struct wl_window *w, int *px_w, int *px_h, int *mm_w, int *mm_h)
{
	bool turned = w->out_transform & 1; /* 90 or 270 degrees, flipped or not */
	if (w->out_w <= 0 || w->out_h <= 0)
		return false;
	*px_w = turned ? w->out_h : w->out_w;
	*px_h = turned ? w->out_w : w->out_h;
	*mm_w = turned ? w->out_mm_h : w->out_mm_w;
	*mm_h = turned ? w->out_mm_w : w->out_mm_h;
	return true;
}

void wl_window_hide_cursor(struct wl_window *w, bool hide)
{
	w->hide_cursor = hide;
}

int wl_window_wait(struct wl_window *w, int timeout_ms)
{
	return wait_fds(w, timeout_ms, true);
}

void wl_window_wake(struct wl_window *w)
{
	uint64_t one = 1;
	if (w && write(w->wake_fd, &one, sizeof one) < 0) {
		/* EAGAIN: the counter is full, a wake-up is pending anyway */
	}
}

#else /* built without Wayland: SDL's video drivers only */

bool wl_window_wanted(void)
{
	return false;
}

struct wl_window *wl_window_open(const char *title, bool fullscreen, int w, int h, char *err,
				 size_t errlen)
{
	(void)title;
	(void)fullscreen;
	(void)w;
	(void)h;
	snprintf(err, errlen, "cannot open a window: built without Wayland");
	return NULL;
}

void wl_window_close(struct wl_window *w)
{
	(void)w;
}

void wl_window_size(const struct wl_window *w, int *width, int *height)
{
	(void)w;
	*width = *height = 0;
}

bool wl_window_output(const struct wl_window *w, int *px_w, int *px_h, int *mm_w, int *mm_h)
{
	(void)w;
	*px_w = *px_h = *mm_w = *mm_h = 0;
	return false;
}

void wl_window_hide_cursor(struct wl_window *w, bool hide)
{
	(void)w;
	(void)hide;
}

void *wl_window_buffer(struct wl_window *w, int width, int height, int *pitch)
{
	(void)w;
	(void)width;
	(void)height;
	*pitch = 0;
	return NULL;
}

int wl_window_commit(struct wl_window *w)
{
	(void)w;
	return -1;
}

int wl_window_wait(struct wl_window *w, int timeout_ms)
{
	(void)w;
	(void)timeout_ms;
	return -1;
}

void wl_window_wake(struct wl_window *w)
{
	(void)w;
}

#endif
