/* SPDX-License-Identifier: MIT */
/* The roster import's error list (import.h): every problem of one load,
 * the first IMPORT_ERRORS_KEEP kept in full, sorted by file and line, and
 * written as the CLI's "PATH:LINE: reason" lines. The browser import shows
 * the same list (web_import.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

static const char *const file_names[] = {"facilities.csv",   "groups.csv",  "sessions.csv",
					 "participants.csv", "members.csv", "leaders.csv"};

const char *import_file_name(int file)
{
	if (file < 0 || file >= (int)(sizeof(file_names) / sizeof(file_names[0])))
		return "";
	return file_names[file];
}

void import_errors_add(struct import_errors *errs, const struct import_error *e)
{
	if (!errs)
		return;
	errs->total++;
	if (errs->n < IMPORT_ERRORS_KEEP)
		errs->e[errs->n++] = *e;
}

/* Insertion sort: at most IMPORT_ERRORS_KEEP entries, and stable. */
void import_errors_sort(struct import_errors *errs)
{
	for (size_t i = 1; i < errs->n; i++) {
		struct import_error t = errs->e[i];
		size_t j = i;
		while (j > 0 && (errs->e[j - 1].file > t.file ||
				 (errs->e[j - 1].file == t.file && errs->e[j - 1].line > t.line))) {
			errs->e[j] = errs->e[j - 1];
			j--;
		}
		errs->e[j] = t;
	}
}

void import_errors_format(const struct import_errors *errs, const char *dir, char *buf, size_t len)
{
	char line[4096 + 400], more[64];
	size_t used = 0, shown = 0;
	if (!len)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < errs->n; i++) {
		const struct import_error *e = &errs->e[i];
		const char *fn = import_file_name(e->file);
		if (!fn[0])
			snprintf(line, sizeof(line), "%s: %s", dir, e->text);
		else if (e->line)
			snprintf(line, sizeof(line), "%s/%s:%zu: %s", dir, fn, e->line, e->text);
		else
			snprintf(line, sizeof(line), "%s/%s: %s", dir, fn, e->text);
		size_t n = strlen(line) + (i ? 1 : 0);
		/* room for this line and, if more follow, the "and N more" line */
		size_t tail = (errs->total > i + 1) ? 48 : 0;
		if (used + n + tail >= len)
			break;
		snprintf(buf + used, len - used, "%s%s", i ? "\n" : "", line);
		used += n;
		shown++;
	}
	if (errs->total > shown) {
		snprintf(more, sizeof(more), "%s... and %zu more error%s", shown ? "\n" : "",
			 errs->total - shown, errs->total - shown == 1 ? "" : "s");
		if (used + strlen(more) < len)
			snprintf(buf + used, len - used, "%s", more);
	}
}
