/* SPDX-License-Identifier: MIT */
/* One card-reader interface with backends chosen by connstring, like libnfc's
 * driver table: any libnfc connstring ("pn532_uart:/dev/ttyUSB0",
 * "acr122_usb", ...) or "auto" -> libnfc backend; "sim:PATH" -> FIFO backend
 * (each line written to PATH is a UID in hex = one tap); "none" -> no reader.
 *
 * Each backend runs on its own thread and reports through the callback given
 * to reader_open, called ON A READER THREAD (the backend's thread; for
 * libnfc also its watchdog thread, so two calls may overlap): the kiosk's
 * callback only pushes an SDL event. The reader never links SDL. A reader
 * that is absent or fails is reported as READER_EV_STATE and reopened with
 * backoff; it never makes reader_open fail for that reason. */
#ifndef BLIPPA_READER_H
#define BLIPPA_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define READER_UID_MAX 10
#define READER_SIM_PREFIX "sim:" /* "sim:PATH": the simulated reader */

enum reader_state {
	READER_STATE_NONE,    /* device = none */
	READER_STATE_OPENING, /* trying to open */
	READER_STATE_READY,   /* waiting for cards */
	READER_STATE_FAILED,  /* absent/unplugged; retrying with backoff */
};

enum reader_event_kind {
	READER_EV_TAP,	 /* a card was presented (once per presentation) */
	READER_EV_STATE, /* state changed */
};

struct reader_event {
	enum reader_event_kind kind;
	uint8_t uid[READER_UID_MAX];
	size_t uid_len;	 /* 4, 7 or 10 */
	bool random_uid; /* 4-byte UID starting 0x08: phone/bank card */
	enum reader_state state;
	int64_t detected_us; /* clock_mono_us() when the backend saw the card */
};

typedef void (*reader_cb)(const struct reader_event *ev, void *user);

struct reader;

/* Parses connstring, starts the backend thread. BLIPPA_ERR_CONFIG for an
 * unknown/invalid connstring; an absent device is not an error. */
enum blippa_err reader_open(const char *connstring, reader_cb cb, void *user, struct reader **out);
/* Stops the thread (well under a second) and frees. NULL is a no-op.
 * Not from inside the callback (it runs on the thread being stopped). */
void reader_close(struct reader *rd);

/* True if connstring names the simulated reader ("sim:PATH", decided by
 * the same backend table as reader_open); *path (if path is not NULL) then
 * points at PATH inside connstring. */
bool reader_connstring_sim(const char *connstring, const char **path);

/* Current state (thread-safe). */
enum reader_state reader_get_state(const struct reader *rd);

/* Short English text for a state (for logs and the status line). */
const char *reader_state_name(enum reader_state st);

/* Parses "04A1B2C3" (hex, any case, optional ':' separators) into uid.
 * BLIPPA_ERR_INVALID unless it is 4, 7 or 10 bytes. */
enum blippa_err reader_parse_uid(const char *hex, uint8_t *uid, size_t *len);

/* True for a 4-byte UID starting 0x08 (ISO 14443-3 random UID). */
bool reader_uid_is_random(const uint8_t *uid, size_t len);

#endif
