/* SPDX-License-Identifier: MIT */
/* Card-UID rules, defined once: a card UID is 4, 7 or 10 bytes (ISO 14443-3
 * single, double, triple size); as text it is uppercase hex of 8, 14 or 20
 * digits. Used by the reader (parsing sim taps), the kiosk's store (bytes to
 * hex, random-UID refusal), the roster validators and the server's import
 * and event ingest (normalising what a CSV or a kiosk sent). */
#ifndef BLIPPA_UID_H
#define BLIPPA_UID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model_limits.h"

/* True for 4, 7 or 10: the UID sizes a card can have. */
bool uid_len_valid(size_t len);

/* Hex of 8, 14 or 20 digits, any case, into uppercase in out; false (out
 * undefined) for anything else. in may equal out. */
bool uid_hex_normalize(const char *in, char out[MODEL_UID_HEX_MAX + 1]);

/* len bytes (4, 7 or 10, else false) into uppercase hex in out. */
bool uid_to_hex(const uint8_t *uid, size_t len, char out[MODEL_UID_HEX_MAX + 1]);

/* Hex, any case, with an optional ':' between bytes ("04A1B2C3",
 * "04:a1:b2:c3") into bytes; false unless it is 4, 7 or 10 bytes. */
bool uid_from_hex(const char *hex, uint8_t out[MODEL_UID_BYTES_MAX], size_t *len);

/* True for a random UID (4 bytes starting 0x08, ISO 14443-3): phones and
 * bank cards show a new one on every tap, so it can never identify anyone. */
bool uid_is_random(const uint8_t *uid, size_t len);

#endif
