/* SPDX-License-Identifier: MIT */
/* Kiosk tokens and leader PINs. A token is 32 random bytes shown once as 64
 * hex digits; the server keeps only SHA-256 of the bytes (tokens are
 * high-entropy, so a fast hash is right). A PIN (4-12 digits) is kept only as
 * an Argon2id string (crypto_pwhash_str) that kiosks verify offline. */
#ifndef BLIPPA_AUTH_H
#define BLIPPA_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "err.h"
#include "srv_store.h"

#define AUTH_TOKEN_BYTES 32
#define AUTH_TOKEN_HEX (2 * AUTH_TOKEN_BYTES)
#define AUTH_PIN_MIN 4
#define AUTH_PIN_MAX 12
#define AUTH_PIN_HASH_MAX 128 /* crypto_pwhash_STRBYTES */
/* Argon2id cost for leader PINs: kiosks verify the PIN offline, so the cost
 * must suit a small kiosk computer. libsodium's INTERACTIVE preset (2 passes
 * over 64 MiB: ~50 ms on a 2-vCPU x86 VM, ~0.3-0.5 s on a Raspberry Pi 4),
 * measured with tests/bench/bench_pin.c, see docs/operations.md §7. The
 * parameters live inside each hash string, so they can be raised later. */
#define AUTH_PIN_OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define AUTH_PIN_MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

/* Initialises libsodium (idempotent, thread-safe). BLIPPA_ERR_NOMEM-ish
 * failure is reported as BLIPPA_ERR_IO. */
enum blippa_err auth_init(void);

/* A fresh token: hex gets 64 lowercase hex digits + NUL, hash its SHA-256. */
void auth_token_new(char hex[AUTH_TOKEN_HEX + 1], uint8_t hash[SRV_TOKEN_HASH_LEN]);

/* SHA-256 of the token given as 64 hex digits (either case). False if tok is
 * not exactly that. */
bool auth_token_hash(const char *tok, size_t len, uint8_t hash[SRV_TOKEN_HASH_LEN]);

/* The token of an "Authorization: Bearer <token>" header value (pointer into
 * header, length in *len), or NULL if the header is missing or malformed. */
const char *auth_bearer(const char *header, size_t *len);

/* True if pin is 4-12 ASCII digits. */
bool auth_pin_valid(const char *pin);

/* Argon2id string of pin into out. BLIPPA_ERR_INVALID if the PIN is not
 * valid, BLIPPA_ERR_NOMEM if Argon2 could not get its memory. */
enum blippa_err auth_pin_hash(const char *pin, char out[AUTH_PIN_HASH_MAX]);

#endif
