/* SPDX-License-Identifier: MIT */
/* The capped growable array: dynbuf's sibling for elements that are not
 * bytes (rows, keys, offsets). The caller keeps a typed pointer and its
 * count; dynarr_reserve makes room, never past a hard cap on the element
 * count, with one error on overflow (BLIPPA_ERR_TOO_BIG). */
#ifndef BLIPPA_DYNARR_H
#define BLIPPA_DYNARR_H

#include <stddef.h>

#include "err.h"

/* Makes arr (alloc elements of elem bytes) hold at least need elements:
 * BLIPPA_OK with *out the array (moved or not) and *alloc its new size;
 * BLIPPA_ERR_TOO_BIG if need > cap, BLIPPA_ERR_NOMEM if memory runs out
 * (then arr is unchanged and still owned by the caller). Growth doubles
 * from 16 elements and never allocates more than cap elements. */
enum blippa_err dynarr_reserve(void *arr, size_t *alloc, size_t need, size_t elem, size_t cap,
			       void **out);

/* DYNARR_RESERVE(rc, p, alloc, need, cap): dynarr_reserve for a typed
 * pointer p (updated in place on success). */
#define DYNARR_RESERVE(rc, p, alloc, need, cap)                                                    \
	do {                                                                                       \
		void *dynarr_np_ = NULL;                                                           \
		(rc) = dynarr_reserve((p), &(alloc), (need), sizeof(*(p)), (cap), &dynarr_np_);    \
		if ((rc) == BLIPPA_OK)                                                             \
			(p) = dynarr_np_;                                                          \
	} while (0)

#endif
