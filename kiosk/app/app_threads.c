/* SPDX-License-Identifier: MIT */
/* The threads that feed the UI (app.h): reader and sync callbacks, the
 * signal thread (SIGTERM/SIGINT/SIGHUP -> a clean exit) and the test control
 * FIFO. Each only pushes an SDL event; the UI thread does the work. */
#include "app_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define MOD "kiosk"
#define CONTROL_LINE_MAX 1024

void app_on_reader(const struct reader_event *ev, void *user)
{
	ui_push_reader_event(user, ev); /* reader thread: push only */
}

void app_on_sync_status(void *user, const struct store_sync_status *status)
{
	struct app *a = user;
	ui_push_sync_changed(a->ui, status); /* sync thread: push only */
}

static void quit_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

void app_block_signals(void)
{
	sigset_t sigs;
	quit_signals(&sigs);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* arg: the app. It reads only signal_ui and signal_stopping: app_attach
 * writes a->ui again on the main thread. app_stop joins this thread before
 * the UI goes away. */
static void *signal_main(void *arg)
{
	struct app *a = arg;
	struct ui *ui = a->signal_ui;
	sigset_t set;
	int sig = 0;
	quit_signals(&set);
	if (sigwait(&set, &sig) == 0 && !atomic_load(&a->signal_stopping)) {
		log_info(MOD, "signal %d: shutting down", sig);
		ui_push_quit(ui);
	}
	return NULL;
}

void app_start_signal_thread(struct app *a)
{
	atomic_store(&a->signal_stopping, false);
	a->signal_ui = a->ui;
	a->signal_running = pthread_create(&a->signal_thread, NULL, signal_main, a) == 0;
}

void app_signal_stop(struct app *a)
{
	if (!a->signal_running)
		return;
	atomic_store(&a->signal_stopping, true);
	/* SIGHUP is blocked everywhere: it stays pending for that thread and
	 * its sigwait returns (ESRCH if it already returned after a signal) */
	pthread_kill(a->signal_thread, SIGHUP);
	pthread_join(a->signal_thread, NULL);
	a->signal_running = false;
}

/* Hands each complete line in buf[0..*used) to the UI; keeps the rest. */
static void control_lines(struct app *a, char *buf, size_t *used)
{
	for (;;) {
		char *nl = memchr(buf, '\n', *used);
		if (!nl)
			break;
		*nl = '\0';
		if (nl > buf && nl[-1] == '\r')
			nl[-1] = '\0';
		ui_push_control(a->ui, buf);
		*used -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, *used);
	}
}

static void *control_main(void *arg)
{
	struct app *a = arg;
	char buf[CONTROL_LINE_MAX];
	size_t used = 0;
	for (;;) {
		struct pollfd p[2] = {{a->control_fd, POLLIN, 0}, {a->stop_pipe[0], POLLIN, 0}};
		ssize_t n;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		n = read(a->control_fd, buf + used, sizeof buf - 1 - used);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		used += (size_t)n;
		control_lines(a, buf, &used);
		if (used == sizeof buf - 1)
			used = 0; /* an over-long line is dropped */
	}
	return NULL;
}

int app_control_start(struct app *a, const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0 && mkfifo(path, 0600) != 0) {
		fprintf(stderr, "blippa-kiosk: cannot make control FIFO %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	/* O_RDWR: never blocks on open and never sees EOF between writers */
	a->control_fd = open(path, O_RDWR | O_CLOEXEC);
	if (a->control_fd < 0 || pipe(a->stop_pipe) != 0) {
		fprintf(stderr, "blippa-kiosk: cannot open control FIFO %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	if (pthread_create(&a->control_thread, NULL, control_main, a) != 0)
		return -1;
	a->control_running = true;
	return 0;
}

void app_control_stop(struct app *a)
{
	if (a->control_running) {
		ssize_t w = write(a->stop_pipe[1], "x", 1);
		(void)w;
		pthread_join(a->control_thread, NULL);
		close(a->stop_pipe[0]);
		close(a->stop_pipe[1]);
		a->control_running = false;
	}
	if (a->control_fd >= 0)
		close(a->control_fd);
	a->control_fd = -1;
}
