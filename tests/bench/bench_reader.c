/* SPDX-License-Identifier: MIT */
/* Reader benchmarks against the PN532 emulator through libnfc's real
 * pn532_uart driver:
 *   tap_detect_*_ms      card presented at the emulator (its CLOCK_MONOTONIC
 *                        time, passed back on the control channel) -> TAP
 *                        callback in this process (same clock, same machine)
 *   reader_idle_cpu_percent  CPU time of the whole process over an idle
 *                        window (no card): the reader thread, its watchdog
 *                        thread, and this program's sleeping main thread
 *   reader_held_cpu_percent  the same while a card is held (presence checks)
 * Usage: bench_reader [--quick]   (quick: 40 taps, 2 s windows; default:
 * 300 taps, 10 s windows). Prints "BENCH <name> <value> <unit>" lines. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "pn532_emu_ctl.h"
#include "reader.h"
#include "reader_evq.h"

struct bench {
	struct evq q;
	pthread_mutex_t lock;
	clockid_t cpu; /* the reader thread's CPU clock */
	bool have_cpu;
};

static void bench_cb(const struct reader_event *ev, void *user)
{
	struct bench *b = user;
	pthread_mutex_lock(&b->lock);
	if (!b->have_cpu && pthread_getcpuclockid(pthread_self(), &b->cpu) == 0)
		b->have_cpu = true; /* callbacks run on the reader thread */
	pthread_mutex_unlock(&b->lock);
	evq_cb(ev, &b->q);
}

static void pause_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static double pct(const int64_t *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return (double)v[i < n ? i : n - 1] / 1000.0;
}

static int64_t thread_cpu_ns(struct bench *b)
{
	struct timespec ts;
	if (clock_gettime(b->cpu, &ts) != 0)
		return -1;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Waits until the reader waits for a card (its wait is armed in the chip). */
static int wait_polling(struct pn532_emu *emu)
{
	for (int i = 0; i < 2000; i++) {
		struct pn532_emu_stats st;
		if (pn532_emu_stats(emu, &st) == 0 && st.armed)
			return 0;
		pause_ms(2);
	}
	return -1;
}

/* Process CPU time in ns: the reader thread, the reader's watchdog thread
 * and this program's main thread, which only sleeps during a window. */
static int64_t process_cpu_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return -1;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Reader CPU in percent over ms (the reader thread alone, or with
 * whole_process the whole process); *us_per_frame gets that CPU time per
 * frame the emulator answered in the window. */
static double cpu_window(struct bench *b, struct pn532_emu *emu, int ms, bool whole_process,
			 double *us_per_frame)
{
	struct pn532_emu_stats s0 = {0}, s1 = {0};
	pn532_emu_stats(emu, &s0);
	int64_t c0 = whole_process ? process_cpu_ns() : thread_cpu_ns(b), t0 = evq_now_us();
	pause_ms(ms);
	int64_t c1 = whole_process ? process_cpu_ns() : thread_cpu_ns(b), t1 = evq_now_us();
	pn532_emu_stats(emu, &s1);
	*us_per_frame = s1.frames > s0.frames
			    ? (double)(c1 - c0) / 1000.0 / (double)(s1.frames - s0.frames)
			    : 0.0;
	return 100.0 * (double)(c1 - c0) / 1000.0 / (double)(t1 - t0);
}

int main(int argc, char **argv)
{
	bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
	size_t taps = quick ? 40 : 300;
	int window_ms = quick ? 2000 : 10000;
	char dir[] = "/tmp/blippa-bench-reader-XXXXXX", link[300], conn[400];
	static struct bench b;
	struct pn532_emu *emu = NULL;
	struct reader *rd = NULL;
	int64_t *lat = calloc(taps, sizeof *lat), *det = calloc(taps, sizeof *det);
	int status = 1;

	if (!lat || !det || !mkdtemp(dir))
		goto out;
	blippa_log_set_level(BLIPPA_LOG_WARN);
	snprintf(link, sizeof link, "%s/reader", dir);
	snprintf(conn, sizeof conn, "pn532_uart:%s", link);
	evq_init(&b.q);
	pthread_mutex_init(&b.lock, NULL);
	srand((unsigned)getpid());
	if (pn532_emu_start(link, &emu) < 0 || reader_open(conn, bench_cb, &b, &rd) != BLIPPA_OK ||
	    !evq_wait_state(&b.q, 0, READER_STATE_READY, 5000)) {
		fprintf(stderr, "bench_reader: emulator or reader did not start\n");
		goto out;
	}
	for (size_t i = 0; i < taps; i++) {
		struct reader_event ev;
		int64_t t0, cb_us;
		if (wait_polling(emu) < 0)
			goto out;
		pause_ms(rand() % 40); /* a random time after the wait is armed */
		if (pn532_emu_present(emu, "04A1B2C3", NULL, &t0) < 0 ||
		    !evq_take_tap(&b.q, 5000, &ev, &cb_us))
			goto out;
		lat[i] = cb_us - t0;
		det[i] = ev.detected_us - t0;
		if (pn532_emu_remove(emu) < 0)
			goto out;
	}
	qsort(lat, taps, sizeof *lat, cmp_i64);
	qsort(det, taps, sizeof *det, cmp_i64);
	printf("# %zu taps; libnfc pn532_uart over a pty, emulator RF time 0\n", taps);
	printf("BENCH tap_detect_p50_ms %.2f ms\n", pct(lat, taps, 0.50));
	printf("BENCH tap_detect_p99_ms %.2f ms\n", pct(lat, taps, 0.99));
	printf("BENCH tap_detect_max_ms %.2f ms\n", pct(lat, taps, 1.0));
	printf("BENCH tap_backend_detect_p99_ms %.2f ms\n", pct(det, taps, 0.99));

	if (!b.have_cpu)
		goto out;
	wait_polling(emu);
	{
		double per, idle = cpu_window(&b, emu, window_ms, true, &per);
		printf("BENCH reader_idle_cpu_percent %.3f %%\n", idle);
		printf("BENCH reader_idle_cpu_per_frame_us %.1f us\n", per);
		if (pn532_emu_present(emu, "04A1B2C3", NULL, NULL) < 0 ||
		    !evq_take_tap(&b.q, 5000, NULL, NULL))
			goto out;
		double held = cpu_window(&b, emu, window_ms / 2, false, &per);
		printf("BENCH reader_held_cpu_percent %.3f %%\n", held);
		printf("BENCH reader_held_cpu_per_frame_us %.1f us\n", per);
	}
	status = 0;
out:
	reader_close(rd);
	pn532_emu_stop(emu);
	rmdir(dir);
	free(lat);
	free(det);
	return status;
}
