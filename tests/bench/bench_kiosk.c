/* SPDX-License-Identifier: MIT */
/* Kiosk benchmarks on the real blippa-kiosk, timed through its trace
 * channel (CLOCK_MONOTONIC, the same clock in both processes):
 *   tap_to_frame_*_ms  a tap written to the simulated reader's FIFO, from the
 *                      reader event entering the SDL queue to the result
 *                      frame presented, including the durable COMMIT
 *   startup_to_home_ms process start (fork) to the first home frame
 *   idle_cpu_percent   utime+stime over 10 s idle at home (/proc/PID/stat)
 *   rss_mb             VmRSS after a 10,000-participant roster is loaded
 *                      and every screen visited (a walk step that fails, or
 *                      a screen the walk never showed, fails the run)
 * Headless (SDL dummy driver) by default; BLIPPA_TEST_VIDEODRIVER=x11 under
 * xvfb-run measures on X11. Prints BENCH lines. Not run by ctest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kiosk_harness.h"

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

static long long pct(long long *v, int n, double p)
{
	int i = (int)(p * (n - 1) + 0.5);
	return v[i];
}

static long long line_us(const char *line)
{
	return atoll(line);
}

static void bench_startup(void)
{
	enum { N = 11 };
	long long v[N];
	for (int i = 0; i < N; i++) {
		struct kh k;
		char line[256];
		if (!kh_start(&k, NULL)) {
			fprintf(stderr, "bench: kiosk did not start\n");
			exit(1);
		}
		k.pos = 0;
		kh_wait(&k, "present home", 1000, line, sizeof line);
		v[i] = line_us(line) - k.start_us;
		kh_stop(&k);
		kh_cleanup(&k);
	}
	qsort(v, N, sizeof v[0], cmp_ll);
	printf("BENCH startup_to_home_ms %.1f ms\n", (double)pct(v, N, 0.5) / 1000.0);
	printf("BENCH startup_to_home_max_ms %.1f ms\n", (double)v[N - 1] / 1000.0);
}

static void bench_tap(void)
{
	enum { N = 300 };
	static long long v[N], c[N], u[N];
	struct kh k;
	char line[256], id[64];
	if (!kh_start(&k, NULL))
		exit(1);
	for (int i = 0; i < N; i++) {
		kh_reader_tap(&k, "04A1B2C3");
		if (!kh_wait(&k, "checkin ", 5000, line, sizeof line) ||
		    !kh_event_id(line, id, sizeof id) ||
		    !kh_wait(&k, "tap-done ", 5000, line, sizeof line) || !strstr(line, "store=")) {
			fprintf(stderr, "bench: tap %d failed\n", i);
			exit(1);
		}
		c[i] = atoll(strstr(line, "store=") + 6);
		if (!kh_wait(&k, "tap-to-frame ", 5000, line, sizeof line)) {
			fprintf(stderr, "bench: tap %d: no frame\n", i);
			exit(1);
		}
		v[i] = atoll(strstr(line, "tap-to-frame ") + 13);
		u[i] = strstr(line, "cpu=") ? atoll(strstr(line, "cpu=") + 4) : 0;
		/* undo it (as a leader) so the next tap commits a new event */
		kh_send(&k, "void %s", id);
		kh_send(&k, "press done");
		kh_sync(&k);
	}
	kh_stop(&k);
	kh_cleanup(&k);
	qsort(v, N, sizeof v[0], cmp_ll);
	qsort(c, N, sizeof c[0], cmp_ll);
	qsort(u, N, sizeof u[0], cmp_ll);
	printf("BENCH tap_ui_cpu_p50_ms %.2f ms\n", (double)pct(u, N, 0.5) / 1000.0);
	printf("BENCH tap_ui_cpu_p99_ms %.2f ms\n", (double)pct(u, N, 0.99) / 1000.0);
	printf("BENCH tap_commit_p50_ms %.2f ms\n", (double)pct(c, N, 0.5) / 1000.0);
	printf("BENCH tap_commit_p99_ms %.2f ms\n", (double)pct(c, N, 0.99) / 1000.0);
	printf("BENCH tap_to_frame_p50_ms %.2f ms\n", (double)pct(v, N, 0.5) / 1000.0);
	printf("BENCH tap_to_frame_p99_ms %.2f ms\n", (double)pct(v, N, 0.99) / 1000.0);
	printf("BENCH tap_to_frame_max_ms %.2f ms\n", (double)v[N - 1] / 1000.0);
}

static long long cpu_ticks(pid_t pid)
{
	char path[64], buf[2048];
	FILE *f;
	size_t n;
	char *p;
	unsigned long ut = 0, st = 0;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* fields after the command name */
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (long long)(ut + st);
}

static void bench_idle(void)
{
	struct kh k;
	long long t0, t1;
	struct timespec settle = {1, 0}, idle = {10, 0};
	if (!kh_start(&k, NULL))
		exit(1);
	nanosleep(&settle, NULL);
	t0 = cpu_ticks(k.pid);
	nanosleep(&idle, NULL);
	t1 = cpu_ticks(k.pid);
	printf("BENCH idle_cpu_percent %.2f %%\n",
	       (double)(t1 - t0) / (double)sysconf(_SC_CLK_TCK) / 10.0 * 100.0);
	kh_stop(&k);
	kh_cleanup(&k);
}

static double rss_mb(pid_t pid)
{
	char path[64], line[256];
	FILE *f;
	long kb = -1;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return (double)kb / 1024.0;
}

/* The rss_mb walk: every step names what must follow it in the trace; a
 * step whose button is not drawn or whose effect does not show fails the
 * run. "press row-*" presses the first name row on the current page. */
struct walk_step {
	const char *cmd;    /* control line, or NULL: only wait for expect */
	const char *expect; /* trace text that must follow */
};

static const struct walk_step walk[] = {
    {"press language", "screen home -> language"},
    {"press lang-ar", "screen language -> home"}, /* Arabic: shaped text, Noto font */
    {NULL, "present home"},
    {"press language", "screen home -> language"},
    {"press lang-sv", "screen language -> home"},
    {"press search", "screen home -> search"},
    {"type an", "search "},
    {"press everyone", "search "},
    {"press page-down", "button page-down"},
    {NULL, "present search"},
    {"press row-*", "screen search -> confirm"},
    {"press yes", "screen confirm -> result"},
    {"press undo", "void "},
    {"press done", "screen result -> home"},
    {"tap 04A1B2C3", "tap-done ok"},
    {"tap 04D1E2F3", "tap-done unknown-card"},
    {"tap 08A1B2C3", "tap-done random-uid"},
    {"press done", "screen result -> home"},
    {"press leader", "screen home -> leader-pin"},
    {"press pin-9", "button pin-9"},
    {"press pin-ok", "pin wrong"},
    {"press cancel", "screen leader-pin -> home"},
    {"tap 04FFEE01", "screen home -> leader-sessions"},
    {"press session-0", "screen leader-sessions -> leader-roster"},
    {"press page-down", "button page-down"},
    {"press back", "screen leader-roster -> leader-sessions"},
    {"press session-1", "screen leader-sessions -> leader-roster"},
    {"press link-0", "screen leader-roster -> link-card"},
    {"press cancel", "screen link-card -> leader-roster"},
    {"press back", "screen leader-roster -> leader-sessions"},
    {"press status", "screen leader-sessions -> leader-status"},
    {"press back", "screen leader-status -> leader-sessions"},
    {"press exit", "screen leader-sessions -> leader-pin"},
    {"press cancel", "screen leader-pin -> leader-sessions"},
    {"press logout", "screen leader-sessions -> home"},
};

/* every screen of the kiosk (the .name of each screen_ops in kiosk/ui) */
static const char *const walk_screens[] = {
    "home",	     "search",	      "confirm",   "result",   "leader-pin", "leader-sessions",
    "leader-roster", "leader-status", "link-card", "language",
};

static void walk_fail(struct kh *k, size_t i, const char *why)
{
	fprintf(stderr, "bench: rss walk step %zu (%s): %s\n", i,
		walk[i].cmd ? walk[i].cmd : "wait", why);
	kh_stop(k);
	kh_cleanup(k);
	exit(1);
}

static void bench_rss(void)
{
	struct kh k;
	struct kh_opts o = {0};
	char name[64], needle[64];
	o.demo_extra = 10000;
	if (!kh_start(&k, &o))
		exit(1);
	for (size_t i = 0; i < sizeof walk / sizeof walk[0]; i++) {
		if (walk[i].cmd && strcmp(walk[i].cmd, "press row-*") == 0) {
			if (!kh_find_button(&k, "row-", name, sizeof name))
				walk_fail(&k, i, "no name row drawn");
			kh_send(&k, "press %s", name);
		} else if (walk[i].cmd) {
			kh_send(&k, "%s", walk[i].cmd);
		}
		if (!kh_wait(&k, walk[i].expect, 10000, NULL, 0))
			walk_fail(&k, i, walk[i].expect);
		if (kh_seen(&k, "control-error"))
			walk_fail(&k, i, "control-error (button not drawn)");
	}
	for (size_t i = 0; i < sizeof walk_screens / sizeof walk_screens[0]; i++) {
		snprintf(needle, sizeof needle, "present %s ", walk_screens[i]);
		if (!kh_seen(&k, needle)) {
			fprintf(stderr, "bench: rss walk never showed screen %s\n",
				walk_screens[i]);
			kh_stop(&k);
			kh_cleanup(&k);
			exit(1);
		}
	}
	printf("BENCH rss_mb %.1f MB\n", rss_mb(k.pid));
	kh_stop(&k);
	kh_cleanup(&k);
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : "";
	if (!*only || strcmp(only, "startup") == 0)
		bench_startup();
	if (!*only || strcmp(only, "tap") == 0)
		bench_tap();
	if (!*only || strcmp(only, "rss") == 0)
		bench_rss();
	if (!*only || strcmp(only, "idle") == 0)
		bench_idle();
	return 0;
}
