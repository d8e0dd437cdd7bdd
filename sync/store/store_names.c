/* SPDX-License-Identifier: MIT */
/* Telling name-search rows apart (issue 13): two people must never look the
 * same in the result list or on the confirm screen. Rows whose "Åsa Ö." form
 * collides get a longer family name, just long enough that they differ
 * ("Åsa Öb." / "Åsa Ös."), the whole family name only where needed. Where
 * the full names are identical too, a hit carries what tells them apart
 * without revealing anything about health: the time of their group's
 * session today, or else the last two hex digits of their card. The rest
 * the leader resolves. Collisions are rare, so the few rows involved are
 * looked up with SQL after the in-memory search. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char sql_names[] = "SELECT given_name, family_name FROM participants WHERE id = ?";
/* The session today of one of the participant's groups nearest to now. */
static const char sql_today[] = "SELECT s.start_ms FROM members m"
				" JOIN sessions s ON s.group_id = m.group_id"
				" WHERE m.participant_id = ?1 AND s.local_date = ?2"
				" ORDER BY abs(s.start_ms - ?3), s.start_ms LIMIT 1";
static const char sql_card[] =
    "SELECT uid FROM cards WHERE owner = 'P' AND owner_id = ? ORDER BY uid LIMIT 1";

/* One colliding row while it is being resolved. */
struct dis_row {
	size_t hit;
	char given[ROSTER_NAME_MAX + 1];
	char family[ROSTER_NAME_MAX + 1];
	size_t family_cps; /* code points in family */
};

/* Byte length of one UTF-8 sequence starting with byte c (1 for bad). */
static size_t cp_len(unsigned char c)
{
	return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* Bytes of the first k code points of s. */
static size_t cp_bytes(const char *s, size_t k)
{
	size_t o = 0, len = strlen(s);

	while (k-- > 0 && o < len) {
		size_t n = cp_len((unsigned char)s[o]);
		o += o + n <= len ? n : len - o;
	}
	return o;
}

static size_t cp_count(const char *s)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			n++;
	return n;
}

/* Length in code points of the common prefix of a and b. */
static size_t cp_common(const char *a, const char *b)
{
	size_t n = 0, o = 0;

	while (a[o] && b[o]) {
		size_t l = cp_len((unsigned char)a[o]);
		if (strncmp(a + o, b + o, l) != 0 || strlen(a + o) < l)
			break;
		o += l;
		n++;
	}
	return n;
}

/* "Åsa Öb." (k code points of the family name) or "Åsa Öberg" when k
 * covers it all. */
static void display_k(const struct dis_row *r, size_t k, char *out, size_t outlen)
{
	if (k >= r->family_cps)
		snprintf(out, outlen, "%s %s", r->given, r->family);
	else
		snprintf(out, outlen, "%s %.*s.", r->given, (int)cp_bytes(r->family, k), r->family);
}

static enum blippa_err load_row(struct store *st, struct dis_row *r, const char *pid)
{
	sqlite3_stmt *s = store_prep(st, sql_names);
	int src;

	if (!s)
		return BLIPPA_ERR_IO;
	sqlite3_bind_text(s, 1, pid, -1, SQLITE_STATIC);
	src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		store_col_text(s, 0, r->given, sizeof r->given);
		store_col_text(s, 1, r->family, sizeof r->family);
	}
	sqlite3_reset(s);
	if (src != SQLITE_ROW)
		return src == SQLITE_DONE ? BLIPPA_ERR_NOT_FOUND : store_err_from_sqlite(src);
	r->family_cps = cp_count(r->family);
	return BLIPPA_OK;
}

/* The session time today ("" if none) and card tail ("" if no card). */
static enum blippa_err load_tags(struct store *st, struct search_hit *h, const char *today,
				 int64_t now_ms)
{
	sqlite3_stmt *s = store_prep(st, sql_today);
	char uid[ROSTER_UID_HEX_MAX + 1] = "";
	int64_t start = 0;
	enum blippa_err rc = BLIPPA_OK;
	int src;

	h->session_hhmm[0] = '\0';
	h->card_tail[0] = '\0';
	if (!s)
		return BLIPPA_ERR_IO;
	sqlite3_bind_text(s, 1, h->participant_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, today, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now_ms);
	src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		start = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return store_err_from_sqlite(src);
	if (src == SQLITE_ROW && (rc = store_local_hhmm(st, start, h->session_hhmm)))
		return rc;
	if (!(s = store_prep(st, sql_card)))
		return BLIPPA_ERR_IO;
	sqlite3_bind_text(s, 1, h->participant_id, -1, SQLITE_STATIC);
	src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		store_col_text(s, 0, uid, sizeof uid);
	sqlite3_reset(s);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return store_err_from_sqlite(src);
	if (strlen(uid) >= 2)
		snprintf(h->card_tail, sizeof h->card_tail, "%s", uid + strlen(uid) - 2);
	return BLIPPA_OK;
}

/* True when field f (offset into struct search_hit) is non-empty and
 * pairwise different over the rows idx[0..m). */
static bool tags_tell_apart(const struct search_hit *hits, const size_t *idx, size_t m, bool card)
{
	for (size_t a = 0; a < m; a++) {
		const char *x = card ? hits[idx[a]].card_tail : hits[idx[a]].session_hhmm;
		if (!x[0])
			return false;
		for (size_t b = a + 1; b < m; b++)
			if (strcmp(x, card ? hits[idx[b]].card_tail : hits[idx[b]].session_hhmm) ==
			    0)
				return false;
	}
	return true;
}

/* Rows whose full names are identical: keep the one tag that tells them
 * apart (time, else card), or both where neither does alone. */
static enum blippa_err tag_twins(struct store *st, struct search_hit *hits, const size_t *idx,
				 size_t m, const char *today, int64_t now_ms)
{
	enum blippa_err rc;
	bool by_time, by_card;

	for (size_t a = 0; a < m; a++)
		if ((rc = load_tags(st, &hits[idx[a]], today, now_ms)))
			return rc;
	by_time = tags_tell_apart(hits, idx, m, false);
	by_card = !by_time && tags_tell_apart(hits, idx, m, true);
	for (size_t a = 0; a < m; a++) {
		if (by_time)
			hits[idx[a]].card_tail[0] = '\0';
		else if (by_card)
			hits[idx[a]].session_hhmm[0] = '\0';
	}
	return BLIPPA_OK;
}

/* Resolves one set of rows sharing a display name. */
static enum blippa_err resolve_group(struct store *st, struct search_hit *hits,
				     struct dis_row *rows, size_t m, const char *today,
				     int64_t now_ms)
{
	size_t k = 1, twin[STORE_SEARCH_HITS_MAX];
	enum blippa_err rc;

	/* k: one code point past the longest common prefix of any two family
	 * names that differ at all */
	for (size_t a = 0; a < m; a++)
		for (size_t b = a + 1; b < m; b++)
			if (strcmp(rows[a].family, rows[b].family) != 0) {
				size_t c = cp_common(rows[a].family, rows[b].family) + 1;
				if (c > k)
					k = c;
			}
	for (size_t a = 0; a < m; a++)
		display_k(&rows[a], k, hits[rows[a].hit].display, sizeof hits[rows[a].hit].display);
	/* identical full names left: tag them */
	for (size_t a = 0; a < m; a++) {
		size_t n = 0;
		if (hits[rows[a].hit].session_hhmm[0] || hits[rows[a].hit].card_tail[0])
			continue;
		for (size_t b = a; b < m; b++)
			if (strcmp(rows[a].family, rows[b].family) == 0 &&
			    strcmp(rows[a].given, rows[b].given) == 0)
				twin[n++] = rows[b].hit;
		if (n > 1 && (rc = tag_twins(st, hits, twin, n, today, now_ms)))
			return rc;
	}
	return BLIPPA_OK;
}

enum blippa_err store_search_disambiguate(struct store *st, struct search_hit *hits, size_t n,
					  int64_t now_ms)
{
	bool done[STORE_SEARCH_HITS_MAX] = {false};
	struct dis_row *rows = NULL;
	char today[11];
	enum blippa_err rc = BLIPPA_OK;

	if (n > STORE_SEARCH_HITS_MAX)
		n = STORE_SEARCH_HITS_MAX; /* rows past the cap are left as they are */
	for (size_t i = 0; i < n; i++)
		hits[i].session_hhmm[0] = hits[i].card_tail[0] = '\0';
	for (size_t i = 0; i < n && rc == BLIPPA_OK; i++) {
		size_t m = 0;
		if (done[i])
			continue;
		for (size_t j = i + 1; j < n; j++)
			if (!done[j] && strcmp(hits[i].display, hits[j].display) == 0)
				m++;
		if (m == 0)
			continue;
		if (!rows) {
			if (!(rows = malloc(n * sizeof *rows))) {
				rc = BLIPPA_ERR_NOMEM;
				break;
			}
			if ((rc = store_local_date(st, now_ms, today)))
				break;
		}
		m = 0;
		for (size_t j = i; j < n && rc == BLIPPA_OK; j++) {
			if (done[j] || (j > i && strcmp(hits[i].display, hits[j].display) != 0))
				continue;
			rows[m].hit = j;
			rc = load_row(st, &rows[m++], hits[j].participant_id);
		}
		for (size_t a = 0; a < m; a++)
			done[rows[a].hit] = true;
		if (rc == BLIPPA_OK)
			rc = resolve_group(st, hits, rows, m, today, now_ms);
	}
	free(rows);
	return rc;
}
