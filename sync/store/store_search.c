/* SPDX-License-Identifier: MIT */
/* Name search for the kiosk: the in-memory name index and the search
 * itself (folding, collation and the "Åsa Ö." form are in store_fold.c).
 *
 * Design (measured in docs/perf-store.md): folded names are stored in the
 * participants table at roster replace; each store handle keeps an
 * in-memory index built from them once per roster (all participants in
 * display order -- Swedish, store_sort_key -- one folded "given family"
 * string each for matching) plus the subset
 * with a session today (rebuilt when the local date or the roster changes).
 * A search is a linear prefix scan over word starts of that subset: no SQL,
 * no sorting at query time, and it stops once `max` hits are found.
 *
 * Forgiving search: when a query of 4 letters or more leaves room, names
 * within one edit of it (a letter wrong, missing, extra, or two neighbours
 * swapped, OSA distance 1 against a prefix of a word; the edit inside a
 * query word of 4+ letters) follow the exact matches, in display order. The first letter is
 * trusted: candidates come from the postings of words that start with it, plus those starting with
 * the query's 2nd letter (first two swapped, or an extra first letter). */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define MOD "store"

/* The bloom bit of a word starting at w: its first two bytes. */
static uint64_t word_bit(const char *w)
{
	unsigned a = (unsigned char)w[0], b = w[0] ? (unsigned char)w[1] : ' ';

	if (!b)
		b = ' ';
	return UINT64_C(1) << ((a * 31u + b) & 63u);
}

/* The posting bucket of a word starting at w (same two bytes as word_bit). */
static unsigned word_bucket(const char *w)
{
	unsigned a = (unsigned char)w[0], b = w[0] ? (unsigned char)w[1] : ' ';

	if (!b)
		b = ' ';
	return (a * 131u + b) & (STORE_NAME_BUCKETS - 1);
}

/* Builds the postings: for each bucket, the entries (ascending, so in
 * display order) having a word whose first two bytes fall in it. */
static enum blippa_err names_build_postings(struct store_names *nm)
{
	uint32_t *last = malloc(STORE_NAME_BUCKETS * sizeof *last);
	uint32_t *cur = malloc(STORE_NAME_BUCKETS * sizeof *cur);
	enum blippa_err rc = BLIPPA_ERR_NOMEM;

	nm->post_start = calloc(STORE_NAME_BUCKETS + 1, sizeof *nm->post_start);
	if (!last || !cur || !nm->post_start)
		goto out;
	for (int pass = 0; pass < 2; pass++) {
		memset(last, 0xff, STORE_NAME_BUCKETS * sizeof *last);
		for (size_t i = 0; i < nm->n; i++) {
			for (const char *p = nm->text + nm->text_off[i]; p; p = strchr(p, ' ')) {
				unsigned b;
				if (*p == ' ')
					p++;
				if (!*p)
					break;
				b = word_bucket(p);
				if (last[b] == (uint32_t)i)
					continue; /* two words of one name in one bucket */
				last[b] = (uint32_t)i;
				if (pass == 0)
					nm->post_start[b + 1]++;
				else
					nm->post[cur[b]++] = (uint32_t)i;
			}
		}
		if (pass == 0) {
			for (size_t b = 0; b < STORE_NAME_BUCKETS; b++)
				nm->post_start[b + 1] += nm->post_start[b];
			memcpy(cur, nm->post_start, STORE_NAME_BUCKETS * sizeof *cur);
			nm->post =
			    malloc((nm->post_start[STORE_NAME_BUCKETS] + 1) * sizeof *nm->post);
			if (!nm->post)
				goto out;
		}
	}
	rc = BLIPPA_OK;
out:
	free(last);
	free(cur);
	return rc;
}

static uint64_t text_bloom(const char *t)
{
	uint64_t m = 0;

	for (const char *p = t; p; p = strchr(p, ' ')) {
		if (*p == ' ')
			p++;
		if (*p)
			m |= word_bit(p);
	}
	return m;
}

static bool names_append(struct store_names *nm, size_t *cap, const char *s, size_t len,
			 uint32_t *off)
{
	if (nm->text_len + len + 1 > *cap) {
		size_t ncap = *cap ? *cap * 2 : 1u << 16;
		char *nt;
		while (ncap < nm->text_len + len + 1)
			ncap *= 2;
		if (ncap > UINT32_MAX)
			return false;
		nt = realloc(nm->text, ncap);
		if (!nt)
			return false;
		nm->text = nt;
		*cap = ncap;
	}
	*off = (uint32_t)nm->text_len;
	memcpy(nm->text + nm->text_len, s, len);
	nm->text[nm->text_len + len] = '\0';
	nm->text_len += len + 1;
	return true;
}

/* Sort keys (store_sort_key) of the loaded entries, while the index is
 * built: kept only to check, and if need be fix, the order. */
struct names_keys {
	char *text;
	size_t len, cap;
	uint32_t *off; /* entry -> key */
};

static int cmp_entry(const void *a, const void *b, void *ctx)
{
	const struct names_keys *k = ctx;

	return strcmp(k->text + k->off[*(const uint32_t *)a],
		      k->text + k->off[*(const uint32_t *)b]);
}

/* True when the loaded entries are already in display order (a roster
 * stored by store_replace_roster numbers participants that way; one
 * written by an older build with another order is sorted here). */
static bool names_sorted(const struct store_names *nm, const uint32_t *pnos,
			 const struct names_keys *k)
{
	for (size_t i = 1; i < nm->n; i++) {
		uint32_t a = (uint32_t)(i - 1), b = (uint32_t)i;
		if (pnos[a] >= pnos[b] || cmp_entry(&a, &b, (void *)k) > 0)
			return false;
	}
	return true;
}

/* Puts the n loaded entries (pnos[i]: participant number of entry i) in
 * display order and fills pno_pos. */
static enum blippa_err names_sort(struct store_names *nm, const uint32_t *pnos,
				  struct names_keys *k)
{
	size_t n = nm->n;
	uint32_t *perm = malloc((n + 1) * sizeof *perm);
	uint32_t *t32 = malloc((n + 1) * sizeof *t32);
	uint64_t *t64 = malloc((n + 1) * sizeof *t64);
	uint32_t *const cols[] = {nm->text_off, nm->disp_off, nm->pid_off};
	enum blippa_err rc = BLIPPA_ERR_NOMEM;

	if (!perm || !t32 || !t64)
		goto out;
	for (size_t i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	qsort_r(perm, n, sizeof *perm, cmp_entry, k);
	for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
		for (size_t j = 0; j < n; j++)
			t32[j] = cols[c][perm[j]];
		memcpy(cols[c], t32, n * sizeof *t32);
	}
	for (size_t j = 0; j < n; j++)
		t64[j] = nm->bloom[perm[j]];
	memcpy(nm->bloom, t64, n * sizeof *t64);
	for (size_t j = 0; j < n; j++)
		nm->pno_pos[pnos[perm[j]]] = (uint32_t)j;
	rc = BLIPPA_OK;
out:
	free(perm);
	free(t32);
	free(t64);
	return rc;
}

/* Appends the sort key of one entry; false when out of memory. */
static bool keys_add(struct names_keys *k, size_t i, const char *given, const char *family,
		     const char *id)
{
	char key[STORE_SORT_KEY_MAX];
	size_t len = store_sort_key(given, family, id, key, sizeof key);

	if (k->len + len + 1 > k->cap) {
		size_t ncap = k->cap ? k->cap * 2 : 1u << 16;
		char *nt;
		while (ncap < k->len + len + 1)
			ncap *= 2;
		if (ncap > UINT32_MAX || !(nt = realloc(k->text, ncap)))
			return false;
		k->text = nt;
		k->cap = ncap;
	}
	k->off[i] = (uint32_t)k->len;
	memcpy(k->text + k->len, key, len + 1);
	k->len += len + 1;
	return true;
}

/* Builds the all-participants index for the current roster. */
static enum blippa_err names_build(struct store *st)
{
	static const char sql_count[] = "SELECT count(*), max(pno) FROM participants";
	static const char sql_all[] =
	    "SELECT pno, id, given_name, family_name, given_fold, family_fold"
	    " FROM participants ORDER BY pno";
	struct store_names *nm = &st->names;
	sqlite3_stmt *s;
	size_t n = 0, maxpno = 0, cap = 0, i = 0;
	uint32_t *pnos = NULL;
	struct names_keys keys = {0};
	char buf[2 * ROSTER_NAME_MAX + 8];
	enum blippa_err rc = BLIPPA_OK;
	int src;

	store_names_clear(nm);
	/* one read transaction: count and rows from the same roster */
	if ((rc = store_exec(st, "BEGIN")))
		return rc;
	if (!(s = store_prep(st, sql_count))) {
		store_rollback(st);
		return BLIPPA_ERR_IO;
	}
	if (sqlite3_step(s) == SQLITE_ROW) {
		n = (size_t)sqlite3_column_int64(s, 0);
		maxpno = (size_t)sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	nm->text_off = malloc((n + 1) * sizeof *nm->text_off);
	nm->disp_off = malloc((n + 1) * sizeof *nm->disp_off);
	nm->pid_off = malloc((n + 1) * sizeof *nm->pid_off);
	nm->bloom = malloc((n + 1) * sizeof *nm->bloom);
	nm->pno_pos = calloc(maxpno + 1, sizeof *nm->pno_pos);
	pnos = malloc((n + 1) * sizeof *pnos);
	keys.off = malloc((n + 1) * sizeof *keys.off);
	if (!nm->text_off || !nm->disp_off || !nm->pid_off || !nm->bloom || !nm->pno_pos || !pnos ||
	    !keys.off) {
		rc = BLIPPA_ERR_NOMEM;
		goto out;
	}
	if (!(s = store_prep(st, sql_all))) {
		rc = BLIPPA_ERR_IO;
		goto out;
	}
	while ((src = sqlite3_step(s)) == SQLITE_ROW && i < n) {
		int64_t pno = sqlite3_column_int64(s, 0);
		const char *id = (const char *)sqlite3_column_text(s, 1);
		const char *given = (const char *)sqlite3_column_text(s, 2);
		const char *family = (const char *)sqlite3_column_text(s, 3);
		const char *gf = (const char *)sqlite3_column_text(s, 4);
		const char *ff = (const char *)sqlite3_column_text(s, 5);
		int len = snprintf(buf, sizeof buf, "%s %s", gf ? gf : "", ff ? ff : "");

		if (!id || !given || !family || len < 0 || pno < 1 || (size_t)pno > maxpno) {
			rc = BLIPPA_ERR_CORRUPT;
			goto out;
		}
		if (!names_append(nm, &cap, buf, strlen(buf), &nm->text_off[i]) ||
		    !names_append(nm, &cap, id, strlen(id), &nm->pid_off[i]) ||
		    !keys_add(&keys, i, given, family, id)) {
			rc = BLIPPA_ERR_NOMEM;
			goto out;
		}
		nm->bloom[i] = text_bloom(buf);
		store_display_name(given, family, buf, sizeof buf);
		if (!names_append(nm, &cap, buf, strlen(buf), &nm->disp_off[i])) {
			rc = BLIPPA_ERR_NOMEM;
			goto out;
		}
		pnos[i] = (uint32_t)pno;
		i++;
	}
	if (src != SQLITE_DONE && src != SQLITE_ROW) {
		rc = store_err_from_sqlite(src);
		goto out;
	}
	nm->n = i;
	if (names_sorted(nm, pnos, &keys)) {
		for (size_t k = 0; k < i; k++)
			nm->pno_pos[pnos[k]] = (uint32_t)k;
	} else if ((rc = names_sort(nm, pnos, &keys))) {
		goto out;
	}
	nm->n_pno = maxpno;
	if ((rc = names_build_postings(nm)))
		goto out;
	nm->gen = st->roster_gen;
out:
	sqlite3_reset(s);
	store_rollback(st); /* ends the read transaction */
	free(pnos);
	free(keys.text);
	free(keys.off);
	if (rc) {
		store_names_clear(nm);
		log_error(MOD, "name index not built: %s", blippa_strerror(rc));
	}
	return rc;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Builds the subset of entries with a session on local date `today`
 * (STORE_SQL_ON_DAY: also one that began the evening before and runs past
 * midnight). */
static enum blippa_err names_build_today(struct store *st, const char *today)
{
	static const char sql[] = "SELECT m.pno FROM sessions s"
				  " JOIN members m ON m.group_id = s.group_id"
				  " WHERE " STORE_SQL_ON_DAY("s");
	struct store_names *nm = &st->names;
	sqlite3_stmt *s;
	size_t k = 0, cap = nm->n + 1;
	int64_t day_start;
	enum blippa_err rc;
	int src;

	if ((rc = store_day_start(st, today, &day_start)))
		return rc;
	s = store_prep(st, sql);

	free(nm->today_idx);
	nm->n_today = 0;
	nm->today_idx = malloc(cap * sizeof *nm->today_idx);
	if (!nm->today_idx)
		return BLIPPA_ERR_NOMEM;
	if (!s)
		return BLIPPA_ERR_IO;
	sqlite3_bind_text(s, 1, today, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, day_start);
	/* A member with several sessions today comes more than once. The cap
	 * keeps the array bounded; duplicates go in the sort below. */
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t pno = sqlite3_column_int64(s, 0);
		if (pno < 1 || (size_t)pno > nm->n_pno)
			continue;
		if (k == cap) {
			uint32_t *grown;
			cap *= 2;
			if (!(grown = realloc(nm->today_idx, cap * sizeof *grown))) {
				sqlite3_reset(s);
				return BLIPPA_ERR_NOMEM;
			}
			nm->today_idx = grown;
		}
		nm->today_idx[k++] = nm->pno_pos[pno];
	}
	sqlite3_reset(s);
	if (src != SQLITE_DONE)
		return store_err_from_sqlite(src);
	qsort(nm->today_idx, k, sizeof *nm->today_idx, cmp_u32);
	for (size_t i = 0; i < k; i++)
		if (nm->n_today == 0 || nm->today_idx[nm->n_today - 1] != nm->today_idx[i])
			nm->today_idx[nm->n_today++] = nm->today_idx[i];
	free(nm->today_mark);
	if (!(nm->today_mark = calloc(nm->n + 1, 1))) {
		nm->n_today = 0;
		return BLIPPA_ERR_NOMEM;
	}
	for (size_t i = 0; i < nm->n_today; i++)
		nm->today_mark[nm->today_idx[i]] = 1;
	snprintf(nm->today, sizeof nm->today, "%s", today);
	nm->today_gen = nm->gen;
	return BLIPPA_OK;
}

/* True if q (folded, qlen bytes) is a prefix of t at a word start. */
static bool names_match(const char *t, const char *q, size_t qlen)
{
	const char *p = t;

	for (;;) {
		if (p[0] == q[0] && strncmp(p, q, qlen) == 0)
			return true;
		p = strchr(p, ' ');
		if (!p)
			return false;
		p++;
	}
}

/* True if a prefix of the text at w (a word start; later words count, so
 * "asa ostbreg" works) is within one edit of q but not equal to it. */
static bool near_match(const char *w, const char *q, size_t qlen)
{
	size_t wlen = strnlen(w, qlen + 1), i = 0;

	size_t ws, we;

	while (i < qlen && i < wlen && w[i] == q[i])
		i++;
	if (i == qlen)
		return false; /* an exact prefix: the exact pass has it */
	/* the edit must fall in a query word of 4 letters or more ("asa e"
	 * must not find "Åsa Östberg") */
	for (ws = i; ws > 0 && q[ws - 1] != ' ';)
		ws--;
	for (we = i; we < qlen && q[we] != ' ';)
		we++;
	if (we - ws < 4)
		return false;
	/* one letter wrong */
	if (qlen <= wlen && memcmp(q + i + 1, w + i + 1, qlen - i - 1) == 0)
		return true;
	/* two neighbours swapped */
	if (i + 1 < qlen && qlen <= wlen && q[i] == w[i + 1] && q[i + 1] == w[i] &&
	    memcmp(q + i + 2, w + i + 2, qlen - i - 2) == 0)
		return true;
	/* an extra letter in q */
	if (qlen - 1 <= wlen && memcmp(q + i + 1, w + i, qlen - 1 - i) == 0)
		return true;
	/* a letter missing from q */
	return qlen + 1 <= wlen && memcmp(q + i, w + i + 1, qlen - i) == 0;
}

/* near_match at any word start of t, and no exact match anywhere in t. */
static bool names_near(const char *t, const char *q, size_t qlen)
{
	for (const char *p = t; p; p = strchr(p, ' ')) {
		if (*p == ' ')
			p++;
		/* candidates start with q's first letter, or its second
		 * (first two swapped, or an extra first letter) */
		if ((p[0] == q[0] || p[0] == q[1]) && near_match(p, q, qlen))
			return !names_match(t, q, qlen);
	}
	return false;
}

#define FUZZY_KEEP 512 /* matches held before trimming to the first ones */

static int cmp_u32(const void *a, const void *b);

/* Keeps the first `need` (display order) distinct entries of m[0..*k). */
static void fuzzy_trim(uint32_t *m, size_t *k, size_t need)
{
	size_t u = 0;

	qsort(m, *k, sizeof *m, cmp_u32);
	for (size_t i = 0; i < *k; i++)
		if (u == 0 || m[u - 1] != m[i])
			m[u++] = m[i];
	*k = u < need ? u : need;
}

/* The second pass of store_search_names: up to max - *found hits within one
 * edit of q, after the exact ones. */
static void search_fuzzy(struct store_names *nm, const char *q, size_t qlen, bool today_only,
			 struct search_hit *hits, size_t max, size_t *found)
{
	static const char second[] = "abcdefghijklmnopqrstuvwxyz0123456789 ";
	uint32_t m[FUZZY_KEEP], hi = 0;
	size_t k = 0, need = max - *found, cand = 0;
	unsigned buckets[sizeof second + 2];
	size_t nb = 0;
	char w[3] = {q[0], 0, 0};

	for (const char *c = second; *c; c++) {
		w[1] = *c;
		buckets[nb++] = word_bucket(w);
	}
	w[0] = q[1];
	w[1] = q[0];
	buckets[nb++] = word_bucket(w); /* first two letters swapped */
	w[1] = q[2];
	buckets[nb++] = word_bucket(w); /* an extra first letter */
	for (size_t j = 0; j < nb; j++)
		cand += nm->post_start[buckets[j] + 1] - nm->post_start[buckets[j]];

	if (today_only && nm->n_today < cand) {
		/* today's few: look at each one (already in display order) */
		for (size_t t = 0; t < nm->n_today && k < need; t++)
			if (names_near(nm->text + nm->text_off[nm->today_idx[t]], q, qlen))
				m[k++] = nm->today_idx[t];
	} else {
		for (size_t j = 0; j < nb; j++) {
			const uint32_t *pl = nm->post + nm->post_start[buckets[j]];
			size_t pn = nm->post_start[buckets[j] + 1] - nm->post_start[buckets[j]];
			for (size_t x = 0; x < pn; x++) {
				uint32_t i = pl[x];
				if (k >= need && i > hi)
					break; /* need entries come before i, and before the
						  rest of this (sorted) bucket */
				if (today_only && !nm->today_mark[i])
					continue;
				if (!names_near(nm->text + nm->text_off[i], q, qlen))
					continue;
				if (k == FUZZY_KEEP)
					fuzzy_trim(m, &k, need);
				m[k++] = i;
				if (i > hi)
					hi = i;
			}
			fuzzy_trim(m, &k, need);
			hi = k ? m[k - 1] : 0;
		}
	}
	for (size_t j = 0; j < k && *found < max; j++) {
		snprintf(hits[*found].participant_id, sizeof hits[*found].participant_id, "%s",
			 nm->text + nm->pid_off[m[j]]);
		snprintf(hits[*found].display, sizeof hits[*found].display, "%s",
			 nm->text + nm->disp_off[m[j]]);
		(*found)++;
	}
}

enum blippa_err store_search_names(struct store *st, const char *prefix, bool today_only,
				   int64_t now_ms, struct search_hit *hits, size_t max, size_t *n)
{
	char q[ROSTER_NAME_MAX * 2 + 1];
	char today[11];
	struct store_names *nm = &st->names;
	size_t qlen, chars = 0, found = 0, total, plen;
	const uint32_t *plist;
	bool use_today;
	unsigned b;
	uint64_t bit;
	enum blippa_err rc;

	*n = 0;
	if (!prefix)
		return BLIPPA_ERR_INVALID;
	qlen = store_fold(prefix, q, sizeof q);
	for (size_t i = 0; i < qlen; i++)
		if (q[i] != ' ' && ((unsigned char)q[i] & 0xc0) != 0x80)
			chars++;
	if (chars < 2 || max == 0)
		return BLIPPA_OK;
	if ((rc = store_refresh(st)))
		return rc;
	if (nm->gen != st->roster_gen && (rc = names_build(st)))
		return rc;
	if (today_only) {
		if ((rc = store_local_date(st, now_ms, today)))
			return rc;
		if ((nm->today_gen != nm->gen || strcmp(nm->today, today) != 0) &&
		    (rc = names_build_today(st, today)))
			return rc;
	}
	/* Walk whichever list is shorter: the postings of the query's first two
	 * letters, or (today only) today's participants filtered by bloom bit.
	 * Both are in display order. */
	b = word_bucket(q);
	plist = nm->post + nm->post_start[b];
	plen = nm->post_start[b + 1] - nm->post_start[b];
	use_today = today_only && nm->n_today < plen;
	total = use_today ? nm->n_today : plen;
	bit = word_bit(q);
	for (size_t k = 0; k < total && found < max; k++) {
		size_t i = use_today ? nm->today_idx[k] : plist[k];
		if (use_today ? !(nm->bloom[i] & bit) : (today_only && !nm->today_mark[i]))
			continue;
		if (!names_match(nm->text + nm->text_off[i], q, qlen))
			continue;
		snprintf(hits[found].participant_id, sizeof hits[found].participant_id, "%s",
			 nm->text + nm->pid_off[i]);
		snprintf(hits[found].display, sizeof hits[found].display, "%s",
			 nm->text + nm->disp_off[i]);
		found++;
	}
	if (found < max && chars >= 4 && qlen >= 3)
		search_fuzzy(nm, q, qlen, today_only, hits, max, &found);
	*n = found;
	return store_search_disambiguate(st, hits, found, now_ms);
}
