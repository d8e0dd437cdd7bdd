/* SPDX-License-Identifier: MIT */
/* struct app, shared by app.c and app_threads.c only. */
#ifndef BLIPPA_APP_INT_H
#define BLIPPA_APP_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "app.h"

struct app {
	struct app_opts opts;
	struct ui *ui;
	struct sync_thread *sync; /* NULL: no server */
	/* test control channel (app_threads.c) */
	int control_fd;
	int stop_pipe[2];
	pthread_t control_thread;
	bool control_running;
	/* the signal thread (app_threads.c): joined by app_stop, so it never
	 * pushes into a UI that is gone */
	pthread_t signal_thread;
	struct ui *signal_ui; /* set before it starts, never again (app_attach writes ui) */
	bool signal_running;
	atomic_bool signal_stopping;
};

/* Stops the control thread and closes its FIFO (app_free). */
void app_control_stop(struct app *a);
/* Wakes the signal thread without a quit and joins it (app_stop). */
void app_signal_stop(struct app *a);

#endif
