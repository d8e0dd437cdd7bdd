/* SPDX-License-Identifier: MIT */
/* Clocks. Wall time for events and sessions; monotonic time for timeouts,
 * UI timers and benchmarks (never affected by NTP steps). */
#ifndef BLIPPA_CLOCK_H
#define BLIPPA_CLOCK_H

#include <stdint.h>

/* Unix time in milliseconds (CLOCK_REALTIME). If the environment variable
 * BLIPPA_CLOCK_OFFSET_MS is set (tests only), it is added: tests use it to
 * run a real process "at" a chosen instant or to simulate a clock jump. */
int64_t clock_wall_ms(void);

/* Monotonic milliseconds / microseconds since an arbitrary point. */
int64_t clock_mono_ms(void);
int64_t clock_mono_us(void);

#endif
