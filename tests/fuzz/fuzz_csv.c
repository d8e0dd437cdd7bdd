/* SPDX-License-Identifier: MIT */
/* Fuzz harness for the roster CSV import of the region server:
 * 1. the RFC 4180 reader (sync/server/csv.c) on the whole input: checks the
 *    caps and UTF-8 promises of csv.h on every field, that line numbers never
 *    go backwards, that an error is sticky, and that fields written back with
 *    csv_write_field() read back identically;
 * 2. the import (sync/server/import.c): the input is cut at lines "%%" into
 *    the six roster files (facilities, groups, sessions, participants,
 *    members, leaders) and loaded with import_load_dir(); a set that loads
 *    must be internally consistent, and a failure must name its file;
 * 3. a set that loads is stored in a region database (srv_store_import) and
 *    each facility's snapshot is encoded for kiosks and decoded with the
 *    kiosk's decoder and stored in a kiosk database: whatever the server
 *    accepts, a kiosk must accept too (else that kiosk could never update
 *    its roster). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "fuzz.h"
#include "import.h"
#include "protocol.h"
#include "srv_store.h"
#include "store.h"

static struct srv_store *fz_store; /* one region database for all inputs */
static struct store *fz_kiosk;	   /* one kiosk database for all inputs */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct store_rules rules;
	char db[4096], err[512];

	(void)argc;
	(void)argv;
	snprintf(db, sizeof db, "%s/region.db", fuzz_tmpdir());
	if (srv_store_open(db, true, &fz_store, err, sizeof err) != BLIPPA_OK) {
		fprintf(stderr, "fuzz_csv: %s\n", err);
		abort();
	}
	store_rules_default(&rules);
	if (store_open(fuzz_tmpdir(), &rules, &fz_kiosk, err, sizeof err) != BLIPPA_OK) {
		fprintf(stderr, "fuzz_csv: %s\n", err);
		abort();
	}
	return 0;
}

/* Stores imp and checks each facility's kiosk snapshot round-trips. */
static void fuzz_store_roster(const struct srv_import *imp)
{
	struct srv_import_stats stats;
	char err[512];

	if (srv_store_import(fz_store, imp, &stats, err, sizeof err) != BLIPPA_OK)
		return; /* e.g. busy; the import itself was validated already */
	for (size_t i = 0; i < imp->n_facilities && i < 4; i++) {
		struct roster *r = NULL, *back = NULL;
		char *json = NULL, kiosk[ROSTER_ID_MAX + 1];
		size_t len = 0;
		enum blippa_err rc;

		rc = srv_store_load_roster(fz_store, imp->facilities[i].id, &r);
		if (rc != BLIPPA_OK) {
			fprintf(stderr,
				"facility %zu: imported, but its roster does not load: %s\n", i,
				blippa_strerror(rc));
			abort();
		}
		if (protocol_encode_roster(r, "k-fuzz", &json, &len) != BLIPPA_OK)
			abort();
		if (protocol_decode_roster(json, len, &back, kiosk, sizeof kiosk, err,
					   sizeof err) != BLIPPA_OK) {
			fprintf(stderr, "facility %zu: server roster rejected by kiosk: %s\n", i,
				err);
			abort();
		}
		rc = store_replace_roster(fz_kiosk, back, err, sizeof err);
		if (rc != BLIPPA_OK && rc != BLIPPA_ERR_BUSY && rc != BLIPPA_ERR_NOMEM) {
			fprintf(stderr, "facility %zu: server roster not stored by kiosk: %s\n", i,
				err);
			abort();
		}
		roster_free(back);
		roster_free(r);
		free(json);
	}
}

static const char *const fz_files[6] = {"facilities.csv",   "groups.csv",  "sessions.csv",
					"participants.csv", "members.csv", "leaders.csv"};

/* Writes rec with csv_write_field into a memory buffer and reads it back. */
static void fuzz_roundtrip(const struct csv_record *rec)
{
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct csv_reader *r = NULL;
	struct csv_record back;

	if (!f)
		return;
	fputc('\n', f); /* a blank line first: a field starting with a BOM stays data */
	for (size_t i = 0; i < rec->n_fields; i++) {
		if (i)
			fputc(',', f);
		if (csv_write_field(f, rec->fields[i]) != 0)
			abort();
	}
	fputc('\n', f);
	fclose(f);
	if (csv_open_mem(buf, len, &r) != BLIPPA_OK)
		goto out;
	if (csv_next(r, &back, err, sizeof err) != BLIPPA_OK) {
		/* a record of only empty fields may be a blank line: skipped */
		if (rec->n_fields == 1 && !rec->fields[0][0])
			goto out;
		abort();
	}
	if (back.n_fields != rec->n_fields)
		abort();
	for (size_t i = 0; i < rec->n_fields; i++)
		if (strcmp(back.fields[i], rec->fields[i]) != 0)
			abort();
out:
	csv_close(r);
	free(buf);
}

/* True if id names one of n rows at base (stride bytes apart); every srv_*
 * row struct starts with its const char *id. */
static int fz_has(const char *id, const void *base, size_t n, size_t stride)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(*(const char *const *)(const void *)((const char *)base + i * stride),
			   id) == 0)
			return 1;
	return 0;
}

static void fuzz_import(const uint8_t *data, size_t size)
{
	struct import_set *set = NULL;
	const struct srv_import *imp;
	char err[512];
	size_t start = 0, part = 0;
	enum blippa_err rc;

	for (size_t i = 0; i <= size && part < 6; i++) {
		int cut = i == size || (i + 3 <= size && data[i] == '%' && data[i + 1] == '%' &&
					data[i + 2] == '\n' && (i == 0 || data[i - 1] == '\n'));
		if (!cut)
			continue;
		fuzz_write_file(fz_files[part++], data + start, i - start);
		start = i + 3;
		i += 2;
	}
	while (part < 6)
		fuzz_write_file(fz_files[part++], (const uint8_t *)"", 0);

	rc = import_load_dir(fuzz_tmpdir(), &set, err, sizeof err);
	if (rc != BLIPPA_OK) {
		if (set || !memchr(err, '\0', sizeof err) || !strstr(err, ".csv"))
			abort(); /* failures name the file */
		goto out;
	}
	imp = import_set_roster(set);
	for (size_t i = 0; i < imp->n_groups; i++)
		if (!fz_has(imp->groups[i].facility_id, imp->facilities, imp->n_facilities,
			    sizeof imp->facilities[0]))
			abort();
	for (size_t i = 0; i < imp->n_sessions; i++)
		if (!fz_has(imp->sessions[i].group_id, imp->groups, imp->n_groups,
			    sizeof imp->groups[0]) ||
		    strcmp(imp->sessions[i].end, imp->sessions[i].start) <= 0)
			abort();
	for (size_t i = 0; i < imp->n_members; i++)
		if (!fz_has(imp->members[i].group_id, imp->groups, imp->n_groups,
			    sizeof imp->groups[0]) ||
		    !fz_has(imp->members[i].participant_id, imp->participants, imp->n_participants,
			    sizeof imp->participants[0]))
			abort();
	for (size_t i = 0; i < imp->n_leaders; i++)
		if (!fz_has(imp->leaders[i].facility_id, imp->facilities, imp->n_facilities,
			    sizeof imp->facilities[0]))
			abort();
	fuzz_store_roster(imp);
out:
	import_set_free(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1); /* exact length, no NUL */
	struct csv_reader *r = NULL;
	struct csv_record rec;
	char err[256];
	size_t last_line = 0;
	enum blippa_err rc;

	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	if (csv_open_mem(buf, size, &r) != BLIPPA_OK)
		goto out;
	for (;;) {
		size_t total = 0;

		rc = csv_next(r, &rec, err, sizeof err);
		if (rc != BLIPPA_OK)
			break;
		if (rec.n_fields == 0 || rec.n_fields > CSV_FIELDS_MAX || rec.line < last_line ||
		    rec.line == 0)
			abort();
		last_line = rec.line;
		for (size_t i = 0; i < rec.n_fields; i++) {
			size_t n = strlen(rec.fields[i]);
			if (n > CSV_FIELD_MAX || !csv_utf8_valid(rec.fields[i], n))
				abort();
			total += n;
		}
		if (total > CSV_RECORD_MAX)
			abort();
		fuzz_roundtrip(&rec);
	}
	if (rc != BLIPPA_ERR_NOT_FOUND) {
		struct csv_record again;
		if (!memchr(err, '\0', sizeof err) || strncmp(err, "line ", 5) != 0)
			abort();
		if (csv_next(r, &again, err, sizeof err) != rc)
			abort(); /* errors are sticky */
	}
out:
	csv_close(r);
	free(buf);
	fuzz_import(data, size);
	return 0;
}
