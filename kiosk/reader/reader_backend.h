/* SPDX-License-Identifier: MIT */
/* Internal to kiosk/reader: the backend ops table (one per connstring kind,
 * like libnfc's driver table) and the helpers every backend shares: state
 * changes through one traced function, tap reporting, and an interruptible
 * wait on a wake-up pipe. Not for use outside kiosk/reader. */
#ifndef BLIPPA_READER_BACKEND_H
#define BLIPPA_READER_BACKEND_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reader.h"

struct reader;

struct reader_ops {
	const char *name;
	/* Starts the backend for arg (the part after "sim:", the libnfc
	 * connstring, or NULL for "auto"). Sets rd->priv. Returns
	 * BLIPPA_ERR_CONFIG for an unusable argument; never fails because a
	 * device is absent. */
	enum blippa_err (*open)(struct reader *rd, const char *arg);
	/* Stops the backend's thread (well under a second) and frees rd->priv. */
	void (*close)(struct reader *rd);
};

struct reader {
	const struct reader_ops *ops;
	reader_cb cb;
	void *user;
	pthread_mutex_t lock; /* guards state */
	enum reader_state state;
	int wake[2];	  /* wake-up pipe: close writes one byte to [1] */
	atomic_bool stop; /* set by reader_close before the wake-up byte */
	void *priv;	  /* backend data */
};

extern const struct reader_ops reader_ops_none;
extern const struct reader_ops reader_ops_sim;
extern const struct reader_ops reader_ops_nfc;

/* The one place a reader changes state: logs the transition and reports a
 * READER_EV_STATE event when the state really changes. */
void reader_set_state(struct reader *rd, enum reader_state st, const char *why);

/* Reports one tap of uid (validated: 4, 7 or 10 bytes) to the callback. */
void reader_emit_tap(struct reader *rd, const uint8_t *uid, size_t len, int64_t detected_us);

/* Waits up to timeout_ms (-1: forever) for fd (if >= 0) to become readable
 * or for the wake-up pipe. Returns 1 if fd is readable, 0 on timeout, -1 if
 * woken for shutdown (or on a poll error). */
int reader_wait(struct reader *rd, int fd, int timeout_ms);

/* True once reader_close has started. */
bool reader_stopping(struct reader *rd);

#endif
