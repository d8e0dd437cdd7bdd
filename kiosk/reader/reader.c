/* SPDX-License-Identifier: MIT */
/* The reader front end: parses the config's device connstring, picks the
 * backend from the ops table (libnfc, sim FIFO, none), and holds what every
 * backend shares: state changes, tap events, UID helpers, the wake-up pipe.
 * The "none" backend lives here too: it has no thread and no device. */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "reader_backend.h"
#include "uid.h"

#define MOD "reader"
#define CONNSTRING_MAX 1023 /* libnfc's NFC_BUFSIZE_CONNSTRING - 1 */

const char *reader_state_name(enum reader_state st)
{
	switch (st) {
	case READER_STATE_NONE:
		return "none";
	case READER_STATE_OPENING:
		return "opening";
	case READER_STATE_READY:
		return "ready";
	case READER_STATE_FAILED:
		return "failed";
	}
	return "unknown";
}

enum blippa_err reader_parse_uid(const char *hex, uint8_t *uid, size_t *len)
{
	uint8_t buf[MODEL_UID_BYTES_MAX];
	size_t n;

	if (!uid || !len || !uid_from_hex(hex, buf, &n))
		return BLIPPA_ERR_INVALID;
	memcpy(uid, buf, n);
	*len = n;
	return BLIPPA_OK;
}

bool reader_uid_is_random(const uint8_t *uid, size_t len)
{
	return uid_is_random(uid, len);
}

enum reader_state reader_get_state(const struct reader *rd)
{
	enum reader_state st;
	if (!rd)
		return READER_STATE_NONE;
	pthread_mutex_lock((pthread_mutex_t *)&rd->lock);
	st = rd->state;
	pthread_mutex_unlock((pthread_mutex_t *)&rd->lock);
	return st;
}

void reader_set_state(struct reader *rd, enum reader_state st, const char *why)
{
	struct reader_event ev = {.kind = READER_EV_STATE, .state = st};
	enum reader_state old;

	pthread_mutex_lock(&rd->lock);
	old = rd->state;
	rd->state = st;
	pthread_mutex_unlock(&rd->lock);
	if (old == st)
		return;
	if (st == READER_STATE_FAILED)
		log_warn(MOD, "%s: %s -> %s (%s)", rd->ops->name, reader_state_name(old),
			 reader_state_name(st), why ? why : "-");
	else
		log_info(MOD, "%s: %s -> %s%s%s%s", rd->ops->name, reader_state_name(old),
			 reader_state_name(st), why ? " (" : "", why ? why : "", why ? ")" : "");
	ev.detected_us = clock_mono_us();
	if (rd->cb)
		rd->cb(&ev, rd->user);
}

void reader_emit_tap(struct reader *rd, const uint8_t *uid, size_t len, int64_t detected_us)
{
	struct reader_event ev = {.kind = READER_EV_TAP, .uid_len = len};

	if (len > READER_UID_MAX)
		return;
	memcpy(ev.uid, uid, len);
	ev.random_uid = reader_uid_is_random(uid, len);
	pthread_mutex_lock(&rd->lock);
	ev.state = rd->state;
	pthread_mutex_unlock(&rd->lock);
	ev.detected_us = detected_us;
	/* Never log the UID itself: only that a tap happened and its kind. */
	log_debug(MOD, "%s: tap (%zu-byte uid%s)", rd->ops->name, len,
		  ev.random_uid ? ", random" : "");
	if (rd->cb)
		rd->cb(&ev, rd->user);
}

int reader_wait(struct reader *rd, int fd, int timeout_ms)
{
	struct pollfd pfd[2] = {{.fd = rd->wake[0], .events = POLLIN},
				{.fd = fd, .events = POLLIN}};
	int n;

	if (atomic_load(&rd->stop))
		return -1;
	do {
		n = poll(pfd, fd >= 0 ? 2 : 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0 || (pfd[0].revents & POLLIN) || atomic_load(&rd->stop))
		return -1;
	if (n == 0)
		return 0;
	return 1;
}

bool reader_stopping(struct reader *rd)
{
	return atomic_load(&rd->stop);
}

/* ---- "none": no device, name search only ---- */

static enum blippa_err none_open(struct reader *rd, const char *arg)
{
	(void)arg;
	rd->state = READER_STATE_NONE;
	return BLIPPA_OK;
}

static void none_close(struct reader *rd)
{
	(void)rd;
}

const struct reader_ops reader_ops_none = {.name = "none", .open = none_open, .close = none_close};

/* ---- connstring -> backend: one table, like libnfc's driver list ---- */

enum match {
	MATCH_EXACT,  /* the whole connstring is the key: "none", "auto" */
	MATCH_PREFIX, /* key + a non-empty argument: "sim:PATH" */
	MATCH_DRIVER, /* a libnfc driver name, alone or followed by ':' */
};

struct reader_kind {
	const char *key;
	enum match match;
	const struct reader_ops *ops;
};

/* libnfc 1.8 driver names; "usb" makes libnfc try every *_usb driver. */
static const struct reader_kind kinds[] = {
    {"none", MATCH_EXACT, &reader_ops_none},
    {"auto", MATCH_EXACT, &reader_ops_nfc},
    {READER_SIM_PREFIX, MATCH_PREFIX, &reader_ops_sim},
    {"pn532_uart", MATCH_DRIVER, &reader_ops_nfc},
    {"pn532_spi", MATCH_DRIVER, &reader_ops_nfc},
    {"pn532_i2c", MATCH_DRIVER, &reader_ops_nfc},
    {"pn53x_usb", MATCH_DRIVER, &reader_ops_nfc},
    {"acr122_usb", MATCH_DRIVER, &reader_ops_nfc},
    {"acr122_pcsc", MATCH_DRIVER, &reader_ops_nfc},
    {"acr122s", MATCH_DRIVER, &reader_ops_nfc},
    {"arygon", MATCH_DRIVER, &reader_ops_nfc},
    {"pcsc", MATCH_DRIVER, &reader_ops_nfc},
    {"pn71xx", MATCH_DRIVER, &reader_ops_nfc},
    {"usb", MATCH_DRIVER, &reader_ops_nfc},
};

static bool printable(const char *cs, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (cs[i] <= ' ' || cs[i] > '~')
			return false;
	return true;
}

/* The table row for connstring and the argument its backend opens with
 * (NULL: none; the part after the prefix; the whole libnfc connstring);
 * NULL if no row takes it. */
static const struct reader_kind *reader_pick(const char *cs, const char **arg)
{
	size_t len = strlen(cs);

	*arg = NULL;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		const struct reader_kind *k = &kinds[i];
		size_t kl = strlen(k->key);
		switch (k->match) {
		case MATCH_EXACT:
			if (strcmp(cs, k->key) == 0)
				return k;
			break;
		case MATCH_PREFIX:
			if (strncmp(cs, k->key, kl) == 0) {
				if (len == kl || len - kl >= PATH_MAX)
					return NULL;
				*arg = cs + kl;
				return k;
			}
			break;
		case MATCH_DRIVER:
			if (len <= CONNSTRING_MAX && strncmp(cs, k->key, kl) == 0 &&
			    (cs[kl] == '\0' || cs[kl] == ':') && printable(cs, len)) {
				*arg = cs;
				return k;
			}
			break;
		}
	}
	return NULL;
}

bool reader_connstring_sim(const char *connstring, const char **path)
{
	const char *arg;
	const struct reader_kind *k = connstring ? reader_pick(connstring, &arg) : NULL;

	if (!k || k->ops != &reader_ops_sim)
		return false;
	if (path)
		*path = arg;
	return true;
}

enum blippa_err reader_open(const char *connstring, reader_cb cb, void *user, struct reader **out)
{
	struct reader *rd = NULL;
	const struct reader_kind *kind;
	const struct reader_ops *ops;
	const char *arg;
	enum blippa_err err = BLIPPA_OK;

	if (!out)
		return BLIPPA_ERR_INVALID;
	*out = NULL;
	if (!connstring || !(kind = reader_pick(connstring, &arg))) {
		/* The connstring may hold a path; it is config, not personal data. */
		log_error(MOD,
			  "unknown reader device '%s' (want a libnfc connstring, "
			  "auto, sim:PATH or none)",
			  connstring ? connstring : "(null)");
		return BLIPPA_ERR_CONFIG;
	}
	ops = kind->ops;
	rd = calloc(1, sizeof *rd);
	if (!rd)
		return BLIPPA_ERR_NOMEM;
	rd->ops = ops;
	rd->cb = cb;
	rd->user = user;
	rd->state = READER_STATE_OPENING;
	rd->wake[0] = rd->wake[1] = -1;
	atomic_init(&rd->stop, false);
	pthread_mutex_init(&rd->lock, NULL);
	if (pipe2(rd->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		err = BLIPPA_ERR_IO;
		goto out;
	}
	err = ops->open(rd, arg);
out:
	if (err != BLIPPA_OK) {
		if (rd->wake[0] >= 0)
			close(rd->wake[0]);
		if (rd->wake[1] >= 0)
			close(rd->wake[1]);
		pthread_mutex_destroy(&rd->lock);
		free(rd);
		return err;
	}
	*out = rd;
	return BLIPPA_OK;
}

void reader_close(struct reader *rd)
{
	ssize_t w;

	if (!rd)
		return;
	atomic_store(&rd->stop, true);
	do {
		w = write(rd->wake[1], "x", 1);
	} while (w < 0 && errno == EINTR);
	rd->ops->close(rd);
	close(rd->wake[0]);
	close(rd->wake[1]);
	pthread_mutex_destroy(&rd->lock);
	free(rd);
}
