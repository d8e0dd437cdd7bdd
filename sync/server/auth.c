/* SPDX-License-Identifier: MIT */
/* Kiosk tokens (SHA-256) and leader PINs (Argon2id), see auth.h. */
#include "auth.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

enum blippa_err auth_init(void)
{
	return sodium_init() < 0 ? BLIPPA_ERR_IO : BLIPPA_OK;
}

void auth_token_new(char hex[AUTH_TOKEN_HEX + 1], uint8_t hash[SRV_TOKEN_HASH_LEN])
{
	uint8_t raw[AUTH_TOKEN_BYTES];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(hex, AUTH_TOKEN_HEX + 1, raw, sizeof(raw));
	crypto_hash_sha256(hash, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
}

bool auth_token_hash(const char *tok, size_t len, uint8_t hash[SRV_TOKEN_HASH_LEN])
{
	uint8_t raw[AUTH_TOKEN_BYTES];
	size_t n = 0;
	const char *end = NULL;
	if (len != AUTH_TOKEN_HEX)
		return false;
	if (sodium_hex2bin(raw, sizeof(raw), tok, len, NULL, &n, &end) != 0 ||
	    n != AUTH_TOKEN_BYTES || end != tok + len)
		return false;
	crypto_hash_sha256(hash, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	return true;
}

const char *auth_bearer(const char *header, size_t *len)
{
	if (!header || strncasecmp(header, "Bearer ", 7) != 0)
		return NULL;
	const char *p = header + 7;
	while (*p == ' ')
		p++;
	size_t n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0)
		return NULL;
	*len = n;
	return p;
}

bool auth_pin_valid(const char *pin)
{
	size_t n = strlen(pin);
	if (n < AUTH_PIN_MIN || n > AUTH_PIN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return false;
	return true;
}

enum blippa_err auth_pin_hash(const char *pin, char out[AUTH_PIN_HASH_MAX])
{
	if (!auth_pin_valid(pin))
		return BLIPPA_ERR_INVALID;
	if (crypto_pwhash_str_alg(out, pin, strlen(pin), AUTH_PIN_OPSLIMIT, AUTH_PIN_MEMLIMIT,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return BLIPPA_ERR_NOMEM;
	return BLIPPA_OK;
}
