/* SPDX-License-Identifier: MIT */
/* The kiosk's coordinator, between the reader, the store, the sync thread
 * and the UI. It owns what a tap or a chosen name means: the check-in
 * (store_checkin_*, durable before any screen says so), card links, undo,
 * the sync kick after every new event, the reader state fanned out to the
 * sync thread's heartbeat, the demo cards on keys 1-9 and the control
 * commands that reach the store (tap, void, max-pages). The UI calls it
 * through struct ui_app_ops (ui.h) and is told what to show with
 * ui_show_*(); the UI never writes the store nor sees the sync thread.
 *
 * It also runs the threads that feed the UI (app_threads.c): the reader and
 * sync callbacks, the signal thread and the test control FIFO. */
#ifndef BLIPPA_APP_H
#define BLIPPA_APP_H

#include <stdbool.h>

#include "err.h"
#include "reader.h"
#include "store.h"
#include "ui.h"

struct app;
struct sync_thread;

struct app_opts {
	struct store *st;
	bool demo_keys;	 /* keys 1-9 tap the demo cards (--demo, --demo-keys) */
	bool sim_reader; /* the reader is simulated: heartbeat says "sim" */
};

/* A coordinator for opts->st (which stays the caller's). */
enum blippa_err app_new(const struct app_opts *opts, struct app **out);
/* Stops the control thread (if started); NULL is a no-op. */
void app_stop(struct app *a);
/* Frees a (stopped first if need be); NULL is a no-op. */
void app_free(struct app *a);
/* Points uo at the app (uo->app_ops, uo->app) before ui_open. */
void app_ui_opts(struct app *a, struct ui_opts *uo);
/* The UI and the sync thread (NULL: no server) once they run. */
void app_attach(struct app *a, struct ui *ui, struct sync_thread *sync);

/* ---- app_threads.c: what feeds the UI from other threads ---- */

/* Reader callback (reader thread; user is the struct ui): pushes only. */
void app_on_reader(const struct reader_event *ev, void *user);
/* Sync status callback (sync thread; user is the struct app): pushes only. */
void app_on_sync_status(void *user, const struct store_sync_status *status);
/* Blocks SIGTERM, SIGINT and SIGHUP in every thread (call first) ... */
void app_block_signals(void);
/* ... and starts the one thread that waits for them: ui_push_quit. */
void app_start_signal_thread(struct app *a);
/* Starts the test control channel on the FIFO at path (made 0600 if
 * missing): each line goes to the UI thread (ui_push_control). -1 with a
 * message on stderr if it cannot. */
int app_control_start(struct app *a, const char *path);

#endif
