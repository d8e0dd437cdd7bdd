/* SPDX-License-Identifier: MIT */
/* Wall and monotonic clocks. */
#include "clock.h"

#include <stdlib.h>
#include <time.h>

int64_t clock_wall_ms(void)
{
	static int64_t offset = INT64_MIN;
	struct timespec ts;
	if (offset == INT64_MIN) {
		const char *env = getenv("BLIPPA_CLOCK_OFFSET_MS");
		offset = env ? strtoll(env, NULL, 10) : 0;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + offset;
}

int64_t clock_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_mono_ms(void)
{
	return clock_mono_us() / 1000;
}
