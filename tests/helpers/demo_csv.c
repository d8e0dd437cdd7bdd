/* SPDX-License-Identifier: MIT */
/* blippa-demo-csv DIR: writes the built-in demo roster (roster_make_demo,
 * sessions relative to now) as the six roster CSV files of docs/csv.md, so the
 * demo and the end-to-end tests can load the same roster into blippa-server
 * that `blippa-kiosk --demo` uses on its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fsutil.h"
#include "roster.h"
#include "store.h"

/* Writes one field with RFC 4180 quoting when needed. */
static void csv_field(FILE *f, const char *s, int last)
{
	if (!s)
		s = "";
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (const char *p = s; *p; p++) {
			if (*p == '"')
				fputc('"', f);
			fputc(*p, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputs(last ? "\n" : ",", f);
}

static FILE *open_csv(const char *dir, const char *name, const char *header)
{
	char path[4096];
	FILE *f;
	if (fs_join(path, sizeof path, dir, name) != BLIPPA_OK)
		return NULL;
	f = fopen(path, "w");
	if (f)
		fprintf(f, "%s\n", header);
	else
		fprintf(stderr, "blippa-demo-csv: cannot write %s\n", path);
	return f;
}

static const char *card_of(const struct roster *r, enum roster_card_owner owner, const char *id)
{
	for (size_t i = 0; i < r->n_cards; i++)
		if (r->cards[i].owner == owner && strcmp(r->cards[i].owner_id, id) == 0)
			return r->cards[i].uid_hex;
	return "";
}

int main(int argc, char **argv)
{
	struct roster *r;
	FILE *f;
	int rc = 1;

	if (argc != 2 || strcmp(argv[1], "--help") == 0) {
		fprintf(stderr, "usage: blippa-demo-csv DIR\n"
				"Writes the demo roster (sessions today) as roster CSV files.\n");
		return argc == 2 ? 0 : 2;
	}
	if (fs_mkdirs(argv[1]) != BLIPPA_OK) {
		fprintf(stderr, "blippa-demo-csv: cannot create %s\n", argv[1]);
		return 1;
	}
	r = roster_make_demo(clock_wall_ms(), 0);
	if (!r) {
		fprintf(stderr, "blippa-demo-csv: out of memory\n");
		return 1;
	}
	if (!(f = open_csv(argv[1], "facilities.csv", "facility_id,name,timezone")))
		goto out;
	csv_field(f, r->facility.id, 0);
	csv_field(f, r->facility.name, 0);
	csv_field(f, r->facility.timezone, 1);
	fclose(f);

	if (!(f = open_csv(argv[1], "groups.csv",
			   "group_id,facility_id,name,period_start,period_end")))
		goto out;
	for (size_t i = 0; i < r->n_groups; i++) {
		csv_field(f, r->groups[i].id, 0);
		csv_field(f, r->facility.id, 0);
		csv_field(f, r->groups[i].name, 0);
		csv_field(f, r->groups[i].period_start, 0);
		csv_field(f, r->groups[i].period_end, 1);
	}
	fclose(f);

	if (!(f = open_csv(argv[1], "sessions.csv", "session_id,group_id,start,end")))
		goto out;
	for (size_t i = 0; i < r->n_sessions; i++) {
		csv_field(f, r->sessions[i].id, 0);
		csv_field(f, r->sessions[i].group_id, 0);
		csv_field(f, r->sessions[i].start, 0);
		csv_field(f, r->sessions[i].end, 1);
	}
	fclose(f);

	if (!(f = open_csv(argv[1], "participants.csv",
			   "participant_id,given_name,family_name,card_uid,language")))
		goto out;
	for (size_t i = 0; i < r->n_participants; i++) {
		const struct roster_participant *p = &r->participants[i];
		csv_field(f, p->id, 0);
		csv_field(f, p->given_name, 0);
		csv_field(f, p->family_name, 0);
		csv_field(f, card_of(r, ROSTER_CARD_PARTICIPANT, p->id), 0);
		csv_field(f, p->language ? p->language : "", 1);
	}
	fclose(f);

	if (!(f = open_csv(argv[1], "members.csv", "group_id,participant_id")))
		goto out;
	for (size_t i = 0; i < r->n_members; i++) {
		csv_field(f, r->members[i].group_id, 0);
		csv_field(f, r->members[i].participant_id, 1);
	}
	fclose(f);

	if (!(f = open_csv(argv[1], "leaders.csv", "leader_id,facility_id,name,card_uid")))
		goto out;
	for (size_t i = 0; i < r->n_leaders; i++) {
		csv_field(f, r->leaders[i].id, 0);
		csv_field(f, r->facility.id, 0);
		csv_field(f, r->leaders[i].name, 0);
		csv_field(f, card_of(r, ROSTER_CARD_LEADER, r->leaders[i].id), 1);
	}
	fclose(f);
	rc = 0;
out:
	roster_free(r);
	return rc;
}
