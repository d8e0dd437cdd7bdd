/* SPDX-License-Identifier: MIT */
/* UUIDv7 generator with a monotonic guard, randomness from libsodium. */
#include "uuid.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t uuid_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t uuid_last_ms;
static uint16_t uuid_counter;

void uuid7_make(int64_t now_ms, char out[UUID_STR_LEN])
{
	uint8_t b[16];
	int64_t ms;
	uint16_t ctr;

	randombytes_buf(b, sizeof b);
	pthread_mutex_lock(&uuid_lock);
	if (now_ms > uuid_last_ms) {
		uuid_last_ms = now_ms;
		uuid_counter = (uint16_t)(b[6] & 0x03); /* small random start */
	} else if (++uuid_counter > 0x0fff) {
		uuid_last_ms++; /* counter exhausted: borrow the next millisecond */
		uuid_counter = 0;
	}
	ms = uuid_last_ms;
	ctr = uuid_counter;
	pthread_mutex_unlock(&uuid_lock);

	for (int i = 0; i < 6; i++)
		b[i] = (uint8_t)((uint64_t)ms >> (40 - 8 * i));
	b[6] = (uint8_t)(0x70 | ((ctr >> 8) & 0x0f));
	b[7] = (uint8_t)(ctr & 0xff);
	b[8] = (uint8_t)(0x80 | (b[8] & 0x3f));
	snprintf(out, UUID_STR_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
		 b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
		 b[14], b[15]);
}

bool uuid_is_valid(const char *s)
{
	static const char hex[] = "0123456789abcdefABCDEF";
	if (!s || strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!strchr(hex, s[i])) {
			return false;
		}
	}
	return true;
}
