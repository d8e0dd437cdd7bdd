/* SPDX-License-Identifier: MIT */
/* The reference fold of the back-office attendance (web_data_ref.c): the
 * export rows folded row by row, as the pages did before the summary. */
#ifndef BLIPPA_WEB_DATA_REF_H
#define BLIPPA_WEB_DATA_REF_H

#include "web_data.h"

/* Facility fid; only_group non-NULL: that group with its grid. */
enum blippa_err ref_data_load(struct srv_store *st, const char *fid, const char *only_group,
			      int64_t now_ms, struct web_data **out);
size_t ref_data_group(const struct web_data *d, const char *id);
void ref_data_free(struct web_data *d);

#endif
