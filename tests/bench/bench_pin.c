/* SPDX-License-Identifier: MIT */
/* Benchmark: how long one leader-PIN check takes on this computer with the
 * libsodium Argon2id presets (crypto_pwhash_str / crypto_pwhash_str_verify).
 * Used to choose the parameters for a small kiosk computer; see
 * docs/operations.md "Argon2id parameters". Prints BENCH lines (median, p99,
 * max in ms) per preset. Usage: bench_pin [rounds]   (default 15) */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_MAX_ROUNDS 200

struct bench_preset {
	const char *name;
	unsigned long long opslimit;
	size_t memlimit;
};

static double bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void bench_print(const char *what, const char *preset, double *v, int n)
{
	int p99 = (int)((double)(n - 1) * 0.99 + 0.5);

	qsort(v, (size_t)n, sizeof v[0], bench_cmp);
	printf("BENCH pin_%s_%s_median %.1f ms\n", what, preset, v[n / 2]);
	printf("BENCH pin_%s_%s_p99 %.1f ms\n", what, preset, v[p99]);
	printf("BENCH pin_%s_%s_max %.1f ms\n", what, preset, v[n - 1]);
}

static int bench_preset_run(const struct bench_preset *p, int rounds)
{
	static double hash_ms[BENCH_MAX_ROUNDS], verify_ms[BENCH_MAX_ROUNDS];
	char hash[crypto_pwhash_STRBYTES];
	const char *pin = "4711";
	int rc = 1;

	for (int i = 0; i < rounds; i++) {
		double t0 = bench_now_ms();
		if (crypto_pwhash_str(hash, pin, strlen(pin), p->opslimit, p->memlimit) != 0) {
			fprintf(stderr, "bench_pin: %s: out of memory\n", p->name);
			goto out;
		}
		hash_ms[i] = bench_now_ms() - t0;
		t0 = bench_now_ms();
		if (crypto_pwhash_str_verify(hash, pin, strlen(pin)) != 0) {
			fprintf(stderr, "bench_pin: %s: verify failed\n", p->name);
			goto out;
		}
		verify_ms[i] = bench_now_ms() - t0;
	}
	printf("# %s: opslimit %llu, memlimit %zu MiB, %d rounds, hash %s\n", p->name, p->opslimit,
	       p->memlimit >> 20, rounds, hash);
	bench_print("hash", p->name, hash_ms, rounds);
	bench_print("verify", p->name, verify_ms, rounds);
	rc = 0;
out:
	return rc;
}

int main(int argc, char **argv)
{
	static const struct bench_preset presets[] = {
	    {"min", crypto_pwhash_OPSLIMIT_MIN, 8u << 20},
	    {"t2_m32", 2, 32u << 20}, /* half INTERACTIVE's memory */
	    {"interactive", crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE},
	    {"moderate", crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE},
	};
	int rounds = 15;
	int rc = 0;

	if (argc > 1)
		rounds = atoi(argv[1]);
	if (rounds < 1 || rounds > BENCH_MAX_ROUNDS) {
		fprintf(stderr, "usage: bench_pin [rounds 1..%d]\n", BENCH_MAX_ROUNDS);
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "bench_pin: sodium_init failed\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
		rc |= bench_preset_run(&presets[i], rounds);
	return rc;
}
