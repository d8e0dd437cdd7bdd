/* SPDX-License-Identifier: MIT */
/* The simulated reader ("sim:PATH") for the demo and tests: a FIFO at PATH
 * (made 0600 if missing); each line written to it is a card UID in hex and
 * counts as one tap. The FIFO is held open read-write so writers can come and
 * go without an end-of-file; a thread polls it together with the reader's
 * wake-up pipe. Lines that are not a 4/7/10-byte hex UID are ignored and
 * logged without their content. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "reader_backend.h"

#define MOD "reader"
#define SIM_LINE_MAX 128 /* longest accepted line; longer ones are dropped */

struct sim {
	char *path;
	bool created; /* we made the FIFO, so we remove it at close */
	int fd;
	pthread_t thread;
	char line[SIM_LINE_MAX + 1];
	size_t len;
	bool discarding; /* inside an over-long line */
};

static int sim_open_fifo(const char *path)
{
	return open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
}

static void sim_handle_line(struct reader *rd, struct sim *s)
{
	uint8_t uid[READER_UID_MAX];
	size_t len = 0, a = 0, b = s->len;
	char *txt = s->line;

	while (a < b && (txt[a] == ' ' || txt[a] == '\t' || txt[a] == '\r'))
		a++;
	while (b > a && (txt[b - 1] == ' ' || txt[b - 1] == '\t' || txt[b - 1] == '\r'))
		b--;
	if (a == b)
		return; /* empty line */
	txt[b] = '\0';
	if (reader_parse_uid(txt + a, uid, &len) != BLIPPA_OK) {
		log_warn(MOD, "sim: ignored a line that is not a 4/7/10-byte hex UID (%zu chars)",
			 b - a);
		return;
	}
	reader_emit_tap(rd, uid, len, clock_mono_us());
}

static void sim_consume(struct reader *rd, struct sim *s, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		if (c == '\n') {
			if (s->discarding)
				log_warn(MOD, "sim: ignored a line longer than %d chars",
					 SIM_LINE_MAX);
			else
				sim_handle_line(rd, s);
			s->len = 0;
			s->discarding = false;
		} else if (!s->discarding) {
			if (s->len >= SIM_LINE_MAX)
				s->discarding = true;
			else
				s->line[s->len++] = c;
		}
	}
}

static void *sim_thread(void *arg)
{
	struct reader *rd = arg;
	struct sim *s = rd->priv;
	char buf[512];

	reader_set_state(rd, READER_STATE_READY, NULL);
	for (;;) {
		int w = reader_wait(rd, s->fd, -1);
		ssize_t n;
		if (w < 0)
			break;
		n = read(s->fd, buf, sizeof buf);
		if (n > 0) {
			sim_consume(rd, s, buf, (size_t)n);
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			/* Not expected with O_RDWR; reopen so the demo keeps working. */
			close(s->fd);
			s->fd = sim_open_fifo(s->path);
			if (s->fd < 0) {
				reader_set_state(rd, READER_STATE_FAILED, "cannot reopen FIFO");
				break;
			}
		}
	}
	return NULL;
}

static enum blippa_err sim_open(struct reader *rd, const char *path)
{
	struct sim *s;
	struct stat sb;
	enum blippa_err err = BLIPPA_OK;

	s = calloc(1, sizeof *s);
	if (!s)
		return BLIPPA_ERR_NOMEM;
	s->fd = -1;
	s->path = strdup(path);
	if (!s->path) {
		err = BLIPPA_ERR_NOMEM;
		goto out;
	}
	if (lstat(path, &sb) == 0) {
		if (!S_ISFIFO(sb.st_mode)) {
			log_error(MOD, "sim: %s exists and is not a FIFO", path);
			err = BLIPPA_ERR_CONFIG;
			goto out;
		}
	} else if (mkfifo(path, 0600) == 0) {
		s->created = true;
	} else {
		log_error(MOD, "sim: cannot create FIFO %s: %s", path, strerror(errno));
		err = BLIPPA_ERR_CONFIG;
		goto out;
	}
	s->fd = sim_open_fifo(path);
	if (s->fd < 0) {
		log_error(MOD, "sim: cannot open FIFO %s: %s", path, strerror(errno));
		err = BLIPPA_ERR_CONFIG;
		goto out;
	}
	rd->priv = s;
	if (pthread_create(&s->thread, NULL, sim_thread, rd) != 0) {
		rd->priv = NULL;
		err = BLIPPA_ERR_NOMEM;
		goto out;
	}
	log_info(MOD, "sim: reading taps from FIFO %s", path);
out:
	if (err != BLIPPA_OK) {
		if (s->fd >= 0)
			close(s->fd);
		if (s->created)
			unlink(path);
		free(s->path);
		free(s);
	}
	return err;
}

static void sim_close(struct reader *rd)
{
	struct sim *s = rd->priv;

	if (!s)
		return;
	pthread_join(s->thread, NULL);
	if (s->fd >= 0)
		close(s->fd);
	if (s->created)
		unlink(s->path);
	free(s->path);
	free(s);
	rd->priv = NULL;
}

const struct reader_ops reader_ops_sim = {.name = "sim", .open = sim_open, .close = sim_close};
