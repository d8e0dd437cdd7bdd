/* SPDX-License-Identifier: MIT */
/* The built-in demo roster (blippa-kiosk --demo, tests, benchmarks): a
 * facility in Europe/Stockholm with Swedish names, three groups with a
 * session running now, one in about two hours and one finished earlier
 * today, a fourth that meets in two days (Amal Haddad, who reads Arabic,
 * card 04A1B2CA), weekly sessions back over the period, cards for demo keys
 * 1-9 and a leader "Kim Lind" with PIN 1234. store_seed_demo_history() adds past
 * check-ins so period attendance reads "7 av 9". */
#include <stdio.h>
#include <string.h>

#include "roster.h"
#include "store_int.h"
#include "tz.h"

#define DEMO_TZ "Europe/Stockholm"
#define DEMO_WEEKS_BACK 8
#define DEMO_WEEKS_AHEAD 4

/* Argon2id (libsodium INTERACTIVE) of "1234", made once with
 * crypto_pwhash_str: hashing at start-up would cost ~0.1 s. */
static const char demo_pin_hash[] = "$argon2id$v=19$m=65536,t=2,p=1$9RVPlHJtGw6JMKjbr1a7Jw$"
				    "S9l+2sBdO8na2j+Wpa25WVvvFqlevoZ5Apvy7b/9r68";

static const char *const demo_keys[10] = {
    NULL,	"04A1B2C3", /* 1 Åsa Östberg: session running now */
    "04A1B2C4",		    /* 2 Örjan Ek */
    "04A1B2C5",		    /* 3 Ängla Berg */
    "04A1B2C6",		    /* 4 Lars Nyström */
    "04A1B2C7",		    /* 5 Birgitta Åkesson: her session is in two hours */
    "04A1B2C8",		    /* 6 Anna-Lena Ström: no group -> open training */
    "04D1E2F3",		    /* 7 a card nobody has linked */
    "08A1B2C3",		    /* 8 a phone / bank card (random UID) */
    "04FFEE01",		    /* 9 leader Kim Lind */
};

struct demo_person {
	const char *id, *given, *family;
	const char *groups;   /* digits of the groups joined */
	const char *language; /* ISO 639-1, or NULL */
};

static const struct demo_person demo_people[] = {
    {"P01", "Åsa", "Östberg", "12", NULL},
    {"P02", "Örjan", "Ek", "13", NULL},
    {"P03", "Ängla", "Berg", "1", NULL},
    {"P04", "Lars", "Nyström", "1", NULL},
    {"P05", "Birgitta", "Åkesson", "2", NULL},
    {"P06", "Gunnar", "Lindqvist", "1", NULL},
    {"P07", "Margareta", "Sjöberg", "2", NULL},
    {"P08", "Göran", "Håkansson", "2", NULL},
    {"P09", "Karin", "Bäckström", "3", NULL},
    {"P10", "Sven-Erik", "Öhman", "3", NULL},
    {"P11", "Inger", "Fältskog", "3", NULL},
    {"P12", "Anna-Lena", "Ström", "", NULL},
    {"P13", "Åsa", "Öberg", "3", NULL}, /* a second "Åsa Ö.": search must tell them apart */
    /* reads Arabic (the result screen greets her in it); her group meets
     * in two days, none today */
    {"P14", "Amal", "Haddad", "4", "ar"},
};
#define DEMO_CARD_AMAL "04A1B2CA"

static const char *const extra_given[] = {
    "Anders",	"Anna",	  "Agneta", "Alva",  "Bengt",	"Britt",    "Berit",   "Carina",
    "Christer", "Dagny",  "Elsa",   "Erik",  "Eva",	"Filip",    "Gun",     "Göran",
    "Hans",	"Helena", "Ingrid", "Jan",   "Johan",	"Karl",	    "Kerstin", "Lena",
    "Leif",	"Maj",	  "Mats",   "Nils",  "Olof",	"Per",	    "Ragnar",  "Rut",
    "Siv",	"Stig",	  "Tage",   "Ulla",  "Viveka",	"Åke",	    "Ängel",   "Östen",
    "Élise",	"Zoë",	  "Yngve",  "Kjell", "Solveig", "Torbjörn", "Märta",   "Lisbeth",
};
static const char *const extra_root[] = {
    "Lind",  "Berg",  "Ek",    "Sjö",  "Holm", "Ny",   "Ahl", "Nord", "Sand", "Fors",
    "Dahl",  "Ström", "Björk", "Gran", "Hag",  "Lund", "Öst", "Väst", "Åker", "Häll",
    "Kvist", "Mal",   "Wall",  "Ros",  "Lil",  "Sten", "Ask", "Alm",  "Bäck", "Fager",
};
static const char *const extra_suffix[] = {
    "", "berg", "ström", "gren", "qvist", "holm", "man", "blad",
};

const char *roster_demo_card_uid(int key)
{
	return key >= 1 && key <= 9 ? demo_keys[key] : NULL;
}

/* One weekly series for group gid: today's session starts at start_ms and
 * lasts len_min; the same local time every week back and ahead. */
static enum blippa_err demo_series(struct roster *r, const char *gid, int64_t start_ms, int len_min,
				   char *first, char *last)
{
	char sdate[11], shm[6], edate[11], ehm[6], d1[11], d2[11], sid[32], s[17], e[17];
	int span;
	enum blippa_err rc;

	if ((rc = tz_utc_ms_to_local(DEMO_TZ, start_ms, sdate, shm)) ||
	    (rc = tz_utc_ms_to_local(DEMO_TZ, start_ms + (int64_t)len_min * 60000, edate, ehm)))
		return rc;
	span = strcmp(edate, sdate) != 0; /* ends after midnight */
	for (int w = -DEMO_WEEKS_BACK; w <= DEMO_WEEKS_AHEAD; w++) {
		if ((rc = store_date_add_days(sdate, 7 * w, d1)) ||
		    (rc = store_date_add_days(sdate, 7 * w + span, d2)))
			return rc;
		snprintf(sid, sizeof sid, "%s-%s", gid, d1);
		snprintf(s, sizeof s, "%s %s", d1, shm);
		snprintf(e, sizeof e, "%s %s", d2, ehm);
		if (strcmp(e, s) <= 0) /* a DST change inside the session */
			snprintf(e, sizeof e, "%s 23:59", d1);
		if ((rc = roster_add_session(r, sid, gid, s, e)))
			return rc;
		if (w == -DEMO_WEEKS_BACK && (!first[0] || strcmp(d1, first) < 0))
			snprintf(first, 11, "%s", d1);
		if (w == DEMO_WEEKS_AHEAD && strcmp(d2, last) > 0)
			snprintf(last, 11, "%s", d2);
	}
	return BLIPPA_OK;
}

static enum blippa_err demo_extras(struct roster *r, size_t n_extra)
{
	const size_t ng = sizeof extra_given / sizeof extra_given[0];
	const size_t nr = sizeof extra_root / sizeof extra_root[0];
	const size_t ns = sizeof extra_suffix / sizeof extra_suffix[0];
	char id[32], fam[64], gid[32];
	enum blippa_err rc;

	for (size_t i = 0; i < n_extra; i++) {
		size_t fi = (i / ng + i * 7) % (nr * ns);
		snprintf(id, sizeof id, "X%07zu", i + 1);
		snprintf(fam, sizeof fam, "%s%s", extra_root[fi % nr], extra_suffix[fi / nr]);
		if (strlen(fam) < 4) /* "Ek" alone is fine, "Ny" is not a name */
			snprintf(fam, sizeof fam, "%sberg", extra_root[fi % nr]);
		snprintf(gid, sizeof gid, "G%zu", i % 3 + 1);
		if ((rc =
			 roster_add_participant(r, id, extra_given[(i * 13 + i / 97) % ng], fam)) ||
		    (rc = roster_add_member(r, gid, id)))
			return rc;
	}
	return BLIPPA_OK;
}

struct roster *roster_make_demo(int64_t now_ms, size_t n_extra)
{
	struct roster *r = roster_new();
	int64_t base = now_ms - now_ms % (15 * 60000); /* quarter-hour grid */
	char first[11] = "", last[11] = "", gid[4];
	enum blippa_err rc = BLIPPA_ERR_NOMEM;

	if (!r)
		return NULL;
	if ((rc = roster_set_facility(r, "demo", "Blippa demo", DEMO_TZ)) ||
	    (rc = roster_set_etag(r, "\"demo\"")) ||
	    (rc = demo_series(r, "G1", base - 30 * 60000, 60, first, last)) ||
	    (rc = demo_series(r, "G2", base + 120 * 60000, 60, first, last)) ||
	    (rc = demo_series(r, "G3", base - 240 * 60000, 60, first, last)) ||
	    (rc = demo_series(r, "G4", base + 2 * 24 * 3600000LL, 60, first, last)) ||
	    (rc = roster_add_group(r, "G1", "Styrka och balans", first, last)) ||
	    (rc = roster_add_group(r, "G2", "Cirkelträning", first, last)) ||
	    (rc = roster_add_group(r, "G3", "Stolgympa", first, last)) ||
	    (rc = roster_add_group(r, "G4", "Promenad", first, last)))
		goto out;
	for (size_t i = 0; i < sizeof demo_people / sizeof demo_people[0]; i++) {
		const struct demo_person *p = &demo_people[i];
		if ((rc = roster_add_participant_lang(r, p->id, p->given, p->family, p->language)))
			goto out;
		for (const char *g = p->groups; *g; g++) {
			snprintf(gid, sizeof gid, "G%c", *g);
			if ((rc = roster_add_member(r, gid, p->id)))
				goto out;
		}
	}
	if ((rc = roster_add_leader(r, "L1", "Kim Lind", demo_pin_hash)) ||
	    (rc = roster_add_card(r, demo_keys[9], ROSTER_CARD_LEADER, "L1")) ||
	    (rc = roster_add_card(r, "04A1B2C3D4E5F6", ROSTER_CARD_PARTICIPANT, "P09")) ||
	    (rc = roster_add_card(r, DEMO_CARD_AMAL, ROSTER_CARD_PARTICIPANT, "P14")))
		goto out;
	for (int k = 1; k <= 6; k++) {
		static const char *const owner[7] = {"", "P01", "P02", "P03", "P04", "P05", "P12"};
		if ((rc = roster_add_card(r, demo_keys[k], ROSTER_CARD_PARTICIPANT, owner[k])))
			goto out;
	}
	rc = demo_extras(r, n_extra);
out:
	if (rc) {
		roster_free(r);
		return NULL;
	}
	return r;
}

/* FNV-1a of a and b: a stable "did they come" pattern. */
static uint32_t demo_hash(const char *a, const char *b)
{
	uint32_t h = 2166136261u;

	for (const char *p = a; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	for (const char *p = b; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h;
}

enum blippa_err store_seed_demo_history(struct store *st, int64_t now_ms)
{
	static const char sql_any[] = "SELECT EXISTS(SELECT 1 FROM events)";
	static const char sql_past[] =
	    "SELECT s.id, s.start_ms, s.local_date, m.participant_id FROM sessions s"
	    " JOIN members m ON m.group_id = s.group_id"
	    " WHERE s.local_date < ? AND m.participant_id LIKE 'P%' ORDER BY s.start_ms";
	static const char sql_synced[] = "UPDATE events SET sync = 1, synced_ms = ?";
	char today[11], id[UUID_STR_LEN], sid[ROSTER_ID_MAX + 1], date[11];
	char pid[ROSTER_ID_MAX + 1];
	enum blippa_err rc;
	sqlite3_stmt *s;
	int src, any = 1;

	if ((rc = store_refresh(st)) || (rc = store_local_date(st, now_ms, today)))
		return rc;
	if ((rc = store_begin(st)))
		return rc;
	if (!(s = store_prep(st, sql_any))) {
		rc = BLIPPA_ERR_IO;
		goto out;
	}
	if (sqlite3_step(s) == SQLITE_ROW)
		any = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	if (any)
		goto out;
	if (!(s = store_prep(st, sql_past))) {
		rc = BLIPPA_ERR_IO;
		goto out;
	}
	sqlite3_bind_text(s, 1, today, -1, SQLITE_STATIC);
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t start = sqlite3_column_int64(s, 1);
		uint32_t h;
		store_col_text(s, 0, sid, sizeof sid);
		store_col_text(s, 2, date, sizeof date);
		store_col_text(s, 3, pid, sizeof pid);
		h = demo_hash(pid, sid);
		if (h % 5 == 0)
			continue; /* absent */
		start += ((int64_t)(h >> 8) % 20 - 12) * 60000;
		uuid7_make(start, id);
		if ((rc = store_insert_event(st, id, EVENT_CHECKIN, start,
					     h & 0x100 ? CHECKIN_NAME : CHECKIN_CARD, pid, sid,
					     NULL, NULL, date)))
			break;
	}
	sqlite3_reset(s);
	if (rc)
		goto out;
	if (src != SQLITE_DONE) {
		rc = store_err_from_sqlite(src);
		goto out;
	}
	if (!(s = store_prep(st, sql_synced))) {
		rc = BLIPPA_ERR_IO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, now_ms);
	src = sqlite3_step(s);
	sqlite3_reset(s);
	if ((rc = store_err_from_sqlite(src)))
		goto out;
	rc = store_commit(st);
out:
	store_rollback(st);
	return rc;
}
