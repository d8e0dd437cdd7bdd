/* SPDX-License-Identifier: MIT */
/* struct app, shared by app.c and app_threads.c only. */
#ifndef BLIPPA_APP_INT_H
#define BLIPPA_APP_INT_H

#include <pthread.h>

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
};

/* Stops the control thread and closes its FIFO (app_free). */
void app_control_stop(struct app *a);

#endif
