/* SPDX-License-Identifier: MIT */
/* A growable byte buffer with a hard cap, after curl's dynbuf: one type for
 * every place a body or file is accumulated, one error on overflow. The
 * content is always NUL-terminated (the NUL is not counted in len and does
 * not count against the cap). Not thread-safe; one owner at a time. */
#ifndef BLIPPA_DYNBUF_H
#define BLIPPA_DYNBUF_H

#include <stddef.h>

#include "err.h"

struct dynbuf {
	char *buf;    /* NULL until the first byte is added */
	size_t len;   /* content bytes */
	size_t alloc; /* bytes allocated (content + NUL + room) */
	size_t cap;   /* hard limit on len */
};

/* Starts an empty buffer that will never hold more than cap bytes
 * (cap < SIZE_MAX). */
void dynbuf_init(struct dynbuf *b, size_t cap);

/* Appends n bytes of p. Past the cap: frees the content, leaves the buffer
 * empty and returns BLIPPA_ERR_TOO_BIG (the one overflow error);
 * BLIPPA_ERR_NOMEM if memory runs out (content kept). Growth is geometric
 * but never allocates past cap + 1. */
enum blippa_err dynbuf_add(struct dynbuf *b, const void *p, size_t n);

/* The content (NUL-terminated; NULL while empty) and its length. */
const char *dynbuf_ptr(const struct dynbuf *b);
size_t dynbuf_len(const struct dynbuf *b);

/* Hands the content over: returns the malloc'd, NUL-terminated buffer (the
 * caller frees it; NULL if empty), its length in *len (may be NULL), and
 * leaves b empty with the same cap. */
char *dynbuf_take(struct dynbuf *b, size_t *len);

/* Frees the content; b stays usable (empty, same cap). */
void dynbuf_free(struct dynbuf *b);

#endif
