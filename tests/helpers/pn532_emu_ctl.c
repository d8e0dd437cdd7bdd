/* SPDX-License-Identifier: MIT */
/* Runs pn532_emu as a child process and talks to it over its stdin/stdout
 * (the control protocol documented at the top of pn532_emu.c). */
#include "pn532_emu_ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PN532_EMU_EXE
#define PN532_EMU_EXE "pn532_emu"
#endif
#define EMU_DEADLINE_MS 5000
#define EMU_LINE_MAX 512

struct pn532_emu {
	pid_t pid;
	int to_fd;   /* its stdin */
	int from_fd; /* its stdout */
	char buf[EMU_LINE_MAX];
	size_t len;
	char path[512];
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads one line (without '\n') into out; -1 on deadline or end. */
static int emu_read_line(struct pn532_emu *emu, char *out, size_t cap)
{
	int64_t deadline = now_ms() + EMU_DEADLINE_MS;

	for (;;) {
		char *nl = memchr(emu->buf, '\n', emu->len);
		struct pollfd pfd = {.fd = emu->from_fd, .events = POLLIN};
		int64_t left;
		ssize_t n;
		if (nl) {
			size_t l = (size_t)(nl - emu->buf);
			if (out && cap > 0)
				snprintf(out, cap, "%.*s", (int)l, emu->buf);
			memmove(emu->buf, nl + 1, emu->len - l - 1);
			emu->len -= l + 1;
			return 0;
		}
		if (emu->len >= sizeof emu->buf - 1)
			emu->len = 0; /* over-long line: drop */
		left = deadline - now_ms();
		if (left <= 0)
			return -1;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = read(emu->from_fd, emu->buf + emu->len, sizeof emu->buf - 1 - emu->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		emu->len += (size_t)n;
	}
}

int pn532_emu_start(const char *link, struct pn532_emu **out)
{
	struct pn532_emu *emu = calloc(1, sizeof *emu);
	int in[2] = {-1, -1}, outp[2] = {-1, -1};
	const char *exe = getenv("PN532_EMU") ? getenv("PN532_EMU") : PN532_EMU_EXE;
	char line[EMU_LINE_MAX];

	*out = NULL;
	if (!emu)
		return -1;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0)
		goto fail;
	emu->pid = fork();
	if (emu->pid < 0)
		goto fail;
	if (emu->pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(outp[1], STDOUT_FILENO);
		if (link)
			execl(exe, exe, "--link", link, (char *)NULL);
		else
			execl(exe, exe, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	emu->to_fd = in[1];
	emu->from_fd = outp[0];
	if (emu_read_line(emu, line, sizeof line) < 0 || strncmp(line, "pty ", 4) != 0) {
		pn532_emu_kill(emu);
		return -1;
	}
	snprintf(emu->path, sizeof emu->path, "%s", link ? link : line + 4);
	*out = emu;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (outp[i] >= 0)
			close(outp[i]);
	}
	free(emu);
	return -1;
}

const char *pn532_emu_path(const struct pn532_emu *emu)
{
	return emu->path;
}

pid_t pn532_emu_pid(const struct pn532_emu *emu)
{
	return emu->pid;
}

int pn532_emu_cmd(struct pn532_emu *emu, const char *line, char *reply, size_t cap)
{
	char buf[EMU_LINE_MAX], got[EMU_LINE_MAX];
	int n = snprintf(buf, sizeof buf, "%s\n", line);

	if (n < 0 || (size_t)n >= sizeof buf || write(emu->to_fd, buf, (size_t)n) != n)
		return -1;
	if (emu_read_line(emu, got, sizeof got) < 0)
		return -1;
	if (reply && cap > 0)
		snprintf(reply, cap, "%s", got);
	return strncmp(got, "err", 3) == 0 ? -1 : 0;
}

int pn532_emu_present(struct pn532_emu *emu, const char *uid_hex, const char *kind, int64_t *t_us)
{
	char line[128], rep[128];
	long long t = 0;

	snprintf(line, sizeof line, "present %s%s%s", uid_hex, kind ? " " : "", kind ? kind : "");
	if (pn532_emu_cmd(emu, line, rep, sizeof rep) < 0 || sscanf(rep, "ok %lld", &t) != 1)
		return -1;
	if (t_us)
		*t_us = (int64_t)t;
	return 0;
}

int pn532_emu_remove(struct pn532_emu *emu)
{
	return pn532_emu_cmd(emu, "remove", NULL, 0);
}

int pn532_emu_stats(struct pn532_emu *emu, struct pn532_emu_stats *st)
{
	char rep[EMU_LINE_MAX];

	if (pn532_emu_cmd(emu, "stats", rep, sizeof rep) < 0)
		return -1;
	if (sscanf(rep,
		   "stats frames=%lu inlist_empty=%lu inlist_found=%lu presence_ok=%lu "
		   "presence_gone=%lu aborts=%lu waits=%lu armed=%lu",
		   &st->frames, &st->inlist_empty, &st->inlist_found, &st->presence_ok,
		   &st->presence_gone, &st->aborts, &st->waits, &st->armed) != 8)
		return -1;
	return 0;
}

static void emu_reap(struct pn532_emu *emu, int grace_ms)
{
	int64_t deadline = now_ms() + grace_ms;
	int status;

	for (;;) {
		pid_t r = waitpid(emu->pid, &status, WNOHANG);
		if (r == emu->pid || (r < 0 && errno != EINTR))
			break;
		if (now_ms() >= deadline) {
			kill(emu->pid, SIGKILL);
			waitpid(emu->pid, &status, 0);
			break;
		}
		/* Wait for the child's stdout to close (it exits) rather than spin. */
		struct pollfd pfd = {.fd = emu->from_fd, .events = POLLIN};
		if (poll(&pfd, 1, 10) > 0) {
			char sink[256];
			if (read(emu->from_fd, sink, sizeof sink) <= 0)
				(void)0;
		}
	}
	close(emu->to_fd);
	close(emu->from_fd);
	free(emu);
}

void pn532_emu_kill(struct pn532_emu *emu)
{
	if (!emu)
		return;
	kill(emu->pid, SIGKILL);
	emu_reap(emu, 2000);
}

void pn532_emu_stop(struct pn532_emu *emu)
{
	if (!emu)
		return;
	if (write(emu->to_fd, "quit\n", 5) != 5)
		kill(emu->pid, SIGKILL);
	emu_reap(emu, 2000);
}
