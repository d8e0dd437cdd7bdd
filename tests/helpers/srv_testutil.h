/* SPDX-License-Identifier: MIT */
/* Helpers shared by the blippa-server tests: private temp directories,
 * roster fixture copies (tests/data/roster + an overlay), and the export as
 * a string. Failures abort the test (they are harness bugs, not findings). */
#ifndef BLIPPA_SRV_TESTUTIL_H
#define BLIPPA_SRV_TESTUTIL_H

#include <stddef.h>

#include "srv_store.h"

/* Makes a fresh private temp dir; returns a malloc'd path. */
char *tu_mkdtemp(void);
/* Removes dir and everything under it (one level of files plus subdirs). */
void tu_rmtree(const char *dir);
/* Copies TEST_DATA_DIR/roster into DIR/name, then TEST_DATA_DIR/overlay on
 * top (overlay may be NULL). Returns a malloc'd path of the new roster dir. */
char *tu_roster_dir(const char *dir, const char *name, const char *overlay);
/* The export CSV for filter f (NULL: everything) as a malloc'd string. */
char *tu_export(struct srv_store *st, const struct srv_export_filter *f);
/* Writes text into path (mode 0600). */
void tu_write_file(const char *path, const char *text);
/* Replaces every "{K}" in s with k; returns malloc'd. */
char *tu_subst(const char *s, const char *k);

#endif
