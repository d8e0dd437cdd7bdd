/* SPDX-License-Identifier: MIT */
/* Card-UID rules (uid.h): hex <-> bytes, normalisation, random UIDs. */
#include "uid.h"

#include <string.h>

#include "text.h"

bool uid_len_valid(size_t len)
{
	return len == 4 || len == 7 || len == 10;
}

bool uid_hex_normalize(const char *in, char out[MODEL_UID_HEX_MAX + 1])
{
	static const char digit[] = "0123456789ABCDEF";
	size_t n;

	if (!in)
		return false;
	n = strlen(in);
	if (n % 2 || !uid_len_valid(n / 2))
		return false;
	for (size_t i = 0; i < n; i++) {
		int v = text_hex_val(in[i]);
		if (v < 0)
			return false;
		out[i] = digit[v];
	}
	out[n] = '\0';
	return true;
}

bool uid_to_hex(const uint8_t *uid, size_t len, char out[MODEL_UID_HEX_MAX + 1])
{
	static const char digit[] = "0123456789ABCDEF";

	if (!uid || !uid_len_valid(len))
		return false;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digit[uid[i] >> 4];
		out[2 * i + 1] = digit[uid[i] & 0x0f];
	}
	out[2 * len] = '\0';
	return true;
}

bool uid_from_hex(const char *hex, uint8_t out[MODEL_UID_BYTES_MAX], size_t *len)
{
	size_t n = 0;
	const char *p = hex;

	if (!hex || !out || !len)
		return false;
	while (*p) {
		int hi, lo;
		if (n > 0 && *p == ':')
			p++; /* one separator between bytes */
		hi = text_hex_val(p[0]);
		lo = hi < 0 ? -1 : text_hex_val(p[1]);
		if (hi < 0 || lo < 0 || n >= MODEL_UID_BYTES_MAX)
			return false;
		out[n++] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	if (!uid_len_valid(n))
		return false;
	*len = n;
	return true;
}

bool uid_is_random(const uint8_t *uid, size_t len)
{
	return uid && len == 4 && uid[0] == 0x08;
}
