/* SPDX-License-Identifier: MIT */
/* The capped growable array of dynarr.h. */
#include "dynarr.h"

#include <stdint.h>
#include <stdlib.h>

#define DYNARR_FIRST 16

enum blippa_err dynarr_reserve(void *arr, size_t *alloc, size_t need, size_t elem, size_t cap,
			       void **out)
{
	size_t want;
	void *na;

	*out = arr;
	if (need <= *alloc)
		return BLIPPA_OK;
	if (need > cap || elem == 0 || cap > SIZE_MAX / elem)
		return BLIPPA_ERR_TOO_BIG;
	want = *alloc ? *alloc : DYNARR_FIRST;
	while (want < need && want <= cap / 2)
		want *= 2;
	if (want < need || want > cap)
		want = cap; /* never past the cap, never short */
	if (!(na = realloc(arr, want * elem)))
		return BLIPPA_ERR_NOMEM;
	*out = na;
	*alloc = want;
	return BLIPPA_OK;
}
