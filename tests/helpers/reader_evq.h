/* SPDX-License-Identifier: MIT */
/* Test helper: collects reader events (from the reader thread's callback)
 * in a small queue that tests wait on with a condition variable and a
 * deadline, never a sleep. Header-only; include in one test file. */
#ifndef BLIPPA_READER_EVQ_H
#define BLIPPA_READER_EVQ_H

#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "reader.h"

#define EVQ_CAP 256

struct evq {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct reader_event taps[EVQ_CAP]; /* TAP events not yet taken */
	size_t tap_head, tap_count, tap_total;
	enum reader_state states[EVQ_CAP]; /* every STATE event, in order */
	size_t state_count;
	int64_t tap_cb_us[EVQ_CAP]; /* clock_mono_us() in the callback, per tap */
};

static inline int64_t evq_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline void evq_init(struct evq *q)
{
	pthread_condattr_t ca;
	memset(q, 0, sizeof *q);
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cond, &ca);
	pthread_condattr_destroy(&ca);
}

static inline void evq_destroy(struct evq *q)
{
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
}

/* The reader callback: pass it to reader_open with the queue as user. */
static inline void evq_cb(const struct reader_event *ev, void *user)
{
	struct evq *q = user;
	int64_t now = evq_now_us();
	pthread_mutex_lock(&q->lock);
	if (ev->kind == READER_EV_TAP && q->tap_count < EVQ_CAP) {
		size_t i = (q->tap_head + q->tap_count) % EVQ_CAP;
		q->taps[i] = *ev;
		q->tap_cb_us[i] = now;
		q->tap_count++;
		q->tap_total++;
	} else if (ev->kind == READER_EV_STATE && q->state_count < EVQ_CAP) {
		q->states[q->state_count++] = ev->state;
	}
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

static inline void evq_deadline(struct timespec *ts, int timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += timeout_ms / 1000;
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Takes the next TAP event, waiting up to timeout_ms. cb_us (may be NULL)
 * gets the time the callback ran. False on timeout. */
static inline bool evq_take_tap(struct evq *q, int timeout_ms, struct reader_event *out,
				int64_t *cb_us)
{
	struct timespec dl;
	bool ok = false;
	evq_deadline(&dl, timeout_ms);
	pthread_mutex_lock(&q->lock);
	while (q->tap_count == 0)
		if (pthread_cond_timedwait(&q->cond, &q->lock, &dl) != 0)
			break;
	if (q->tap_count > 0) {
		if (out)
			*out = q->taps[q->tap_head];
		if (cb_us)
			*cb_us = q->tap_cb_us[q->tap_head];
		q->tap_head = (q->tap_head + 1) % EVQ_CAP;
		q->tap_count--;
		ok = true;
	}
	pthread_mutex_unlock(&q->lock);
	return ok;
}

/* Number of TAP events seen so far. */
static inline size_t evq_tap_total(struct evq *q)
{
	size_t n;
	pthread_mutex_lock(&q->lock);
	n = q->tap_total;
	pthread_mutex_unlock(&q->lock);
	return n;
}

/* Number of STATE events seen so far (a mark for evq_wait_state). */
static inline size_t evq_state_mark(struct evq *q)
{
	size_t n;
	pthread_mutex_lock(&q->lock);
	n = q->state_count;
	pthread_mutex_unlock(&q->lock);
	return n;
}

/* Waits until a STATE event with st arrives at index >= since. */
static inline bool evq_wait_state(struct evq *q, size_t since, enum reader_state st, int timeout_ms)
{
	struct timespec dl;
	bool ok = false;
	evq_deadline(&dl, timeout_ms);
	pthread_mutex_lock(&q->lock);
	for (;;) {
		for (size_t i = since; i < q->state_count; i++)
			if (q->states[i] == st)
				ok = true;
		if (ok || pthread_cond_timedwait(&q->cond, &q->lock, &dl) != 0)
			break;
	}
	for (size_t i = since; !ok && i < q->state_count; i++)
		ok = q->states[i] == st;
	pthread_mutex_unlock(&q->lock);
	return ok;
}

#endif
