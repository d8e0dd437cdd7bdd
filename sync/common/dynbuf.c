/* SPDX-License-Identifier: MIT */
/* The capped growable buffer of dynbuf.h. */
#include "dynbuf.h"

#include <stdlib.h>
#include <string.h>

#define DYNBUF_FIRST 4096

void dynbuf_init(struct dynbuf *b, size_t cap)
{
	b->buf = NULL;
	b->len = b->alloc = 0;
	b->cap = cap;
}

enum blippa_err dynbuf_add(struct dynbuf *b, const void *p, size_t n)
{
	if (n > b->cap - b->len) {
		dynbuf_free(b);
		return BLIPPA_ERR_TOO_BIG;
	}
	if (b->len + n + 1 > b->alloc) {
		size_t want = b->alloc ? b->alloc : DYNBUF_FIRST;
		char *nb;
		while (want < b->len + n + 1 && want <= b->cap / 2)
			want *= 2;
		if (want < b->len + n + 1 || want > b->cap + 1)
			want = b->cap + 1; /* never past the cap, never short */
		if (!(nb = realloc(b->buf, want)))
			return BLIPPA_ERR_NOMEM;
		b->buf = nb;
		b->alloc = want;
	}
	if (n)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return BLIPPA_OK;
}

const char *dynbuf_ptr(const struct dynbuf *b)
{
	return b->buf;
}

size_t dynbuf_len(const struct dynbuf *b)
{
	return b->len;
}

char *dynbuf_take(struct dynbuf *b, size_t *len)
{
	char *out = b->buf;

	if (len)
		*len = b->len;
	b->buf = NULL;
	b->len = b->alloc = 0;
	return out;
}

void dynbuf_free(struct dynbuf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->alloc = 0;
}
