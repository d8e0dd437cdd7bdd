/* SPDX-License-Identifier: MIT */
/* Shared declarations for the libFuzzer harnesses in tests/fuzz. Each harness
 * defines both entry points; fuzz_replay.c drives them without libFuzzer so
 * the seed corpora also run as ordinary ctest tests (gcc, ASan builds). */
#ifndef BLIPPA_FUZZ_H
#define BLIPPA_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Called once before the first input; returns 0. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Called once per input; must not keep data past the call. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes data to a file in a private per-process temp directory, replacing
 * what was there, and returns its path (static storage, valid until the next
 * call with the same name). Aborts on I/O failure: the harness is broken,
 * not the code under test. */
const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size);

/* Returns the private per-process temp directory (made on first use, 0700). */
const char *fuzz_tmpdir(void);

/* Copies data into a fresh malloc'd NUL-terminated buffer (caller frees). */
char *fuzz_strndup(const uint8_t *data, size_t size);

#endif
