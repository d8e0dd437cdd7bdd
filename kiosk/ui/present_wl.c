/* SPDX-License-Identifier: MIT */
/* wl_shm presentation of a software-rendered SDL_Surface on SDL's Wayland
 * window (see present_wl.h). Two buffers in one memfd-backed pool per size;
 * the compositor's release events arrive on a private event queue so SDL's
 * own event dispatch is untouched. */
#include "present_wl.h"

#include <SDL_syswm.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"

#if defined(SDL_VIDEO_DRIVER_WAYLAND) && defined(BLIPPA_HAVE_WAYLAND)
#include <wayland-client.h>

#define WL_BUFFERS 2
#define WL_MAX_PIXELS (8192u * 8192u) /* a cap on the shared memory */

struct wl_slot {
	struct wl_buffer *buf;
	bool busy;
};

struct present_wl {
	struct wl_display *display;
	struct wl_surface *surface;
	struct wl_event_queue *queue;
	struct wl_registry *registry;
	struct wl_shm *shm;
	struct wl_shm_pool *pool;
	void *mem;
	size_t mem_len;
	int w, h, next;
	struct wl_slot slot[WL_BUFFERS];
};

static void registry_global(void *data, struct wl_registry *reg, uint32_t name, const char *iface,
			    uint32_t version)
{
	struct present_wl *p = data;
	(void)version;
	if (!p->shm && strcmp(iface, wl_shm_interface.name) == 0)
		p->shm = wl_registry_bind(reg, name, &wl_shm_interface, 1);
}

static void registry_remove(void *data, struct wl_registry *reg, uint32_t name)
{
	(void)data;
	(void)reg;
	(void)name;
}

static const struct wl_registry_listener registry_listener = {registry_global, registry_remove};

static void buffer_release(void *data, struct wl_buffer *buf)
{
	struct wl_slot *s = data;
	(void)buf;
	s->busy = false;
}

static const struct wl_buffer_listener buffer_listener = {buffer_release};

static void free_buffers(struct present_wl *p)
{
	for (int i = 0; i < WL_BUFFERS; i++) {
		if (p->slot[i].buf)
			wl_buffer_destroy(p->slot[i].buf);
		p->slot[i].buf = NULL;
		p->slot[i].busy = false;
	}
	if (p->pool)
		wl_shm_pool_destroy(p->pool);
	p->pool = NULL;
	if (p->mem)
		munmap(p->mem, p->mem_len);
	p->mem = NULL;
	p->mem_len = 0;
	p->w = p->h = 0;
}

/* (Re)creates the pool and buffers for w x h. */
static int make_buffers(struct present_wl *p, int w, int h)
{
	size_t stride = (size_t)w * 4, one = stride * (size_t)h;
	int fd, rc = -1;

	free_buffers(p);
	if (w <= 0 || h <= 0 || (size_t)w * (size_t)h > WL_MAX_PIXELS)
		return -1;
	fd = memfd_create("blippa-frame", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)(one * WL_BUFFERS)) != 0)
		goto out;
	p->mem = mmap(NULL, one * WL_BUFFERS, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p->mem == MAP_FAILED) {
		p->mem = NULL;
		goto out;
	}
	p->mem_len = one * WL_BUFFERS;
	p->pool = wl_shm_create_pool(p->shm, fd, (int32_t)p->mem_len);
	for (int i = 0; i < WL_BUFFERS; i++) {
		p->slot[i].buf =
		    wl_shm_pool_create_buffer(p->pool, (int32_t)(one * (size_t)i), w, h,
					      (int32_t)stride, WL_SHM_FORMAT_XRGB8888);
		wl_buffer_add_listener(p->slot[i].buf, &buffer_listener, &p->slot[i]);
	}
	p->w = w;
	p->h = h;
	rc = 0;
out:
	close(fd);
	if (rc != 0)
		free_buffers(p);
	return rc;
}

struct present_wl *present_wl_open(SDL_Window *win)
{
	SDL_SysWMinfo info;
	struct present_wl *p;

	SDL_VERSION(&info.version);
	if (!SDL_GetWindowWMInfo(win, &info) || info.subsystem != SDL_SYSWM_WAYLAND)
		return NULL;
	p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->display = info.info.wl.display;
	p->surface = info.info.wl.surface;
	p->queue = wl_display_create_queue(p->display);
	p->registry = wl_display_get_registry(p->display);
	if (!p->queue || !p->registry) {
		present_wl_close(p);
		return NULL;
	}
	wl_proxy_set_queue((struct wl_proxy *)p->registry, p->queue);
	wl_registry_add_listener(p->registry, &registry_listener, p);
	if (wl_display_roundtrip_queue(p->display, p->queue) < 0 || !p->shm) {
		log_error("render", "wayland: no wl_shm; cannot present in software");
		present_wl_close(p);
		return NULL;
	}
	return p;
}

void present_wl_close(struct present_wl *p)
{
	if (!p)
		return;
	free_buffers(p);
	if (p->shm)
		wl_shm_destroy(p->shm);
	if (p->registry)
		wl_registry_destroy(p->registry);
	if (p->queue)
		wl_event_queue_destroy(p->queue);
	free(p);
}

int present_wl_commit(struct present_wl *p, const SDL_Surface *s)
{
	struct wl_slot *slot = NULL;
	size_t stride = (size_t)s->w * 4;

	if ((s->w != p->w || s->h != p->h) && make_buffers(p, s->w, s->h) != 0)
		return -1;
	/* releases of earlier frames; wait for one only if both are in use */
	for (int tries = 0; tries < 100 && !slot; tries++) {
		if (wl_display_dispatch_queue_pending(p->display, p->queue) < 0)
			return -1;
		for (int i = 0; i < WL_BUFFERS && !slot; i++) {
			int k = (p->next + i) % WL_BUFFERS;
			if (!p->slot[k].busy)
				slot = &p->slot[k];
		}
		if (!slot && wl_display_roundtrip_queue(p->display, p->queue) < 0)
			return -1;
	}
	if (!slot)
		return -1;
	{
		unsigned char *dst =
		    (unsigned char *)p->mem + stride * (size_t)s->h * (size_t)(slot - p->slot);
		const unsigned char *src = s->pixels;
		for (int y = 0; y < s->h; y++)
			memcpy(dst + stride * (size_t)y, src + (size_t)s->pitch * (size_t)y,
			       stride);
	}
	p->next = (int)(slot - p->slot + 1) % WL_BUFFERS;
	slot->busy = true;
	wl_surface_attach(p->surface, slot->buf, 0, 0);
	wl_surface_damage(p->surface, 0, 0, s->w, s->h);
	wl_surface_commit(p->surface);
	if (wl_display_flush(p->display) < 0 && errno != EAGAIN)
		return -1;
	return 0;
}

#else /* built without Wayland: the normal SDL renderer is used everywhere */

struct present_wl *present_wl_open(SDL_Window *win)
{
	(void)win;
	return NULL;
}

void present_wl_close(struct present_wl *p)
{
	(void)p;
}

int present_wl_commit(struct present_wl *p, const SDL_Surface *s)
{
	(void)p;
	(void)s;
	return -1;
}

#endif
