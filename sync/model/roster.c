/* SPDX-License-Identifier: MIT */
/* The in-memory roster snapshot (roster.h): a string arena, growing arrays
 * with hard caps, field validation in each adder, and roster_validate()
 * for uniqueness and references (sorted pointer arrays + binary search). */
#include "roster.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "uid.h"

#define ROSTER_ROWS_MAX 2000000	      /* per table */
#define ROSTER_ARENA_MAX (512u << 20) /* all strings together */
#define ROSTER_CHUNK (64u << 10)
#define ROSTER_ETAG_MAX 256

struct roster_chunk {
	struct roster_chunk *next;
	size_t used, cap;
	char data[];
};

struct roster_priv {
	struct roster_chunk *chunks;
	size_t arena_total;
	size_t cap_groups, cap_sessions, cap_participants, cap_members, cap_leaders, cap_cards;
};

struct roster *roster_new(void)
{
	struct roster *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	r->priv = calloc(1, sizeof *r->priv);
	if (!r->priv) {
		free(r);
		return NULL;
	}
	return r;
}

void roster_free(struct roster *r)
{
	struct roster_chunk *c, *next;

	if (!r)
		return;
	for (c = r->priv->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	free(r->groups);
	free(r->sessions);
	free(r->participants);
	free(r->members);
	free(r->leaders);
	free(r->cards);
	free(r->priv);
	free(r);
}

/* Copies s (len bytes) into the arena; NULL on OOM or past the cap. */
static char *arena_strdup(struct roster *r, const char *s, size_t len)
{
	struct roster_priv *p = r->priv;
	struct roster_chunk *c = p->chunks;
	char *dst;

	if (p->arena_total + len + 1 > ROSTER_ARENA_MAX)
		return NULL;
	if (!c || c->cap - c->used < len + 1) {
		size_t cap = len + 1 > ROSTER_CHUNK ? len + 1 : ROSTER_CHUNK;
		c = malloc(sizeof *c + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = p->chunks;
		p->chunks = c;
	}
	dst = c->data + c->used;
	memcpy(dst, s, len);
	dst[len] = '\0';
	c->used += len + 1;
	p->arena_total += len + 1;
	return dst;
}

/* Makes room for one more element in *arr; BLIPPA_ERR_TOO_BIG at the cap. */
static enum blippa_err grow(void **arr, size_t n, size_t *cap, size_t elem)
{
	size_t ncap;
	void *na;

	if (n < *cap)
		return BLIPPA_OK;
	if (n >= ROSTER_ROWS_MAX)
		return BLIPPA_ERR_TOO_BIG;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > ROSTER_ROWS_MAX)
		ncap = ROSTER_ROWS_MAX;
	na = realloc(*arr, ncap * elem);
	if (!na)
		return BLIPPA_ERR_NOMEM;
	*arr = na;
	*cap = ncap;
	return BLIPPA_OK;
}

/* Copies each string (NULL stays NULL) into the arena. */
static enum blippa_err dup_all(struct roster *r, const char **dst[], const char *const src[], int n)
{
	for (int i = 0; i < n; i++) {
		if (!src[i]) {
			*dst[i] = NULL;
			continue;
		}
		*dst[i] = arena_strdup(r, src[i], strlen(src[i]));
		if (!*dst[i])
			return BLIPPA_ERR_NOMEM;
	}
	return BLIPPA_OK;
}

enum blippa_err roster_set_facility(struct roster *r, const char *id, const char *name,
				    const char *timezone)
{
	struct roster_facility f;

	if (!r || !field_valid_id(id) || !field_valid_text(name, ROSTER_NAME_MAX) ||
	    !field_valid_timezone(timezone))
		return BLIPPA_ERR_INVALID;
	{
		const char **dst[] = {&f.id, &f.name, &f.timezone};
		const char *const src[] = {id, name, timezone};
		enum blippa_err rc = dup_all(r, dst, src, 3);
		if (rc)
			return rc;
	}
	r->facility = f;
	return BLIPPA_OK;
}

enum blippa_err roster_set_etag(struct roster *r, const char *etag)
{
	size_t n;

	if (!r || !etag)
		return BLIPPA_ERR_INVALID;
	n = strlen(etag);
	if (n > ROSTER_ETAG_MAX)
		return BLIPPA_ERR_INVALID;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)etag[i] < 0x20 || (unsigned char)etag[i] > 0x7e)
			return BLIPPA_ERR_INVALID;
	r->etag = arena_strdup(r, etag, n);
	return r->etag ? BLIPPA_OK : BLIPPA_ERR_NOMEM;
}

enum blippa_err roster_add_group(struct roster *r, const char *id, const char *name,
				 const char *period_start, const char *period_end)
{
	struct roster_group *g;
	enum blippa_err rc;

	if (!r || !field_valid_id(id) || !field_valid_text(name, ROSTER_NAME_MAX) ||
	    !field_valid_date(period_start) || !field_valid_date(period_end))
		return BLIPPA_ERR_INVALID;
	if ((rc = grow((void **)&r->groups, r->n_groups, &r->priv->cap_groups, sizeof *g)))
		return rc;
	g = &r->groups[r->n_groups];
	{
		const char **dst[] = {&g->id, &g->name, &g->period_start, &g->period_end};
		const char *const src[] = {id, name, period_start, period_end};
		if ((rc = dup_all(r, dst, src, 4)))
			return rc;
	}
	r->n_groups++;
	return BLIPPA_OK;
}

enum blippa_err roster_add_session(struct roster *r, const char *id, const char *group_id,
				   const char *start, const char *end)
{
	struct roster_session *s;
	enum blippa_err rc;

	if (!r || !field_valid_id(id) || !field_valid_id(group_id) ||
	    !field_valid_datetime(start) || !field_valid_datetime(end))
		return BLIPPA_ERR_INVALID;
	if ((rc = grow((void **)&r->sessions, r->n_sessions, &r->priv->cap_sessions, sizeof *s)))
		return rc;
	s = &r->sessions[r->n_sessions];
	{
		const char **dst[] = {&s->id, &s->group_id, &s->start, &s->end};
		const char *const src[] = {id, group_id, start, end};
		if ((rc = dup_all(r, dst, src, 4)))
			return rc;
	}
	r->n_sessions++;
	return BLIPPA_OK;
}

enum blippa_err roster_add_participant(struct roster *r, const char *id, const char *given,
				       const char *family)
{
	return roster_add_participant_lang(r, id, given, family, NULL);
}

enum blippa_err roster_add_participant_lang(struct roster *r, const char *id, const char *given,
					    const char *family, const char *language)
{
	struct roster_participant *p;
	enum blippa_err rc;

	if (language && !language[0])
		language = NULL;
	if (!r || !field_valid_id(id) || !field_valid_text(given, ROSTER_NAME_MAX) ||
	    !field_valid_text(family, ROSTER_NAME_MAX) ||
	    (language && !field_valid_language(language)))
		return BLIPPA_ERR_INVALID;
	if ((rc = grow((void **)&r->participants, r->n_participants, &r->priv->cap_participants,
		       sizeof *p)))
		return rc;
	p = &r->participants[r->n_participants];
	{
		const char **dst[] = {&p->id, &p->given_name, &p->family_name, &p->language};
		const char *const src[] = {id, given, family, language};
		if ((rc = dup_all(r, dst, src, 4)))
			return rc;
	}
	r->n_participants++;
	return BLIPPA_OK;
}

enum blippa_err roster_add_member(struct roster *r, const char *group_id,
				  const char *participant_id)
{
	struct roster_member *m;
	enum blippa_err rc;

	if (!r || !field_valid_id(group_id) || !field_valid_id(participant_id))
		return BLIPPA_ERR_INVALID;
	if ((rc = grow((void **)&r->members, r->n_members, &r->priv->cap_members, sizeof *m)))
		return rc;
	m = &r->members[r->n_members];
	{
		const char **dst[] = {&m->group_id, &m->participant_id};
		const char *const src[] = {group_id, participant_id};
		if ((rc = dup_all(r, dst, src, 2)))
			return rc;
	}
	r->n_members++;
	return BLIPPA_OK;
}

enum blippa_err roster_add_leader(struct roster *r, const char *id, const char *name,
				  const char *pin_hash)
{
	struct roster_leader *l;
	enum blippa_err rc;

	if (!r || !field_valid_id(id) || !field_valid_text(name, ROSTER_NAME_MAX))
		return BLIPPA_ERR_INVALID;
	if (pin_hash && (strncmp(pin_hash, "$argon2id$", 10) != 0 ||
			 !field_valid_text(pin_hash, MODEL_PIN_HASH_MAX)))
		return BLIPPA_ERR_INVALID;
	if ((rc = grow((void **)&r->leaders, r->n_leaders, &r->priv->cap_leaders, sizeof *l)))
		return rc;
	l = &r->leaders[r->n_leaders];
	{
		const char **dst[] = {&l->id, &l->name, &l->pin_hash};
		const char *const src[] = {id, name, pin_hash};
		if ((rc = dup_all(r, dst, src, 3)))
			return rc;
	}
	r->n_leaders++;
	return BLIPPA_OK;
}

enum blippa_err roster_add_card(struct roster *r, const char *uid_hex, enum roster_card_owner owner,
				const char *owner_id)
{
	char uid[ROSTER_UID_HEX_MAX + 1];
	struct roster_card *c;
	enum blippa_err rc;

	if (!r || !uid_hex_normalize(uid_hex, uid) || !field_valid_id(owner_id) ||
	    (owner != ROSTER_CARD_PARTICIPANT && owner != ROSTER_CARD_LEADER))
		return BLIPPA_ERR_INVALID;
	if ((rc = grow((void **)&r->cards, r->n_cards, &r->priv->cap_cards, sizeof *c)))
		return rc;
	c = &r->cards[r->n_cards];
	c->owner = owner;
	{
		const char **dst[] = {&c->uid_hex, &c->owner_id};
		const char *const src[] = {uid, owner_id};
		if ((rc = dup_all(r, dst, src, 2)))
			return rc;
	}
	r->n_cards++;
	return BLIPPA_OK;
}

bool roster_fits_kiosk(const struct roster *r, size_t json_len)
{
	const size_t rows[] = {r->n_groups,  r->n_sessions, r->n_participants,
			       r->n_members, r->n_leaders,  r->n_cards};

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if (rows[i] > MODEL_SNAPSHOT_ROWS_MAX)
			return false;
	return json_len <= MODEL_SNAPSHOT_BYTES_MAX;
}

/* ---- validation ---- */

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted array of the key of each row (first field of the struct is a
 * const char * id, or a computed key for members). */
struct keyset {
	const char **k;
	size_t n;
};

static enum blippa_err keyset_build(struct keyset *ks, const void *rows, size_t n, size_t stride,
				    size_t off)
{
	ks->n = n;
	ks->k = malloc((n ? n : 1) * sizeof *ks->k);
	if (!ks->k)
		return BLIPPA_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		memcpy(&ks->k[i], (const char *)rows + i * stride + off, sizeof(const char *));
	qsort(ks->k, n, sizeof *ks->k, cmp_str_ptr);
	return BLIPPA_OK;
}

static const char *keyset_dup(const struct keyset *ks)
{
	for (size_t i = 1; i < ks->n; i++)
		if (strcmp(ks->k[i - 1], ks->k[i]) == 0)
			return ks->k[i];
	return NULL;
}

static bool keyset_has(const struct keyset *ks, const char *key)
{
	return bsearch(&key, ks->k, ks->n, sizeof *ks->k, cmp_str_ptr) != NULL;
}

static enum blippa_err fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum blippa_err fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return BLIPPA_ERR_INVALID;
}

static int cmp_member(const void *a, const void *b)
{
	const struct roster_member *x = a, *y = b;
	int c = strcmp(x->group_id, y->group_id);

	return c ? c : strcmp(x->participant_id, y->participant_id);
}

enum blippa_err roster_validate(const struct roster *r, char *err, size_t errlen)
{
	struct keyset g = {0}, s = {0}, p = {0}, l = {0}, c = {0};
	struct roster_member *m = NULL;
	enum blippa_err rc;
	const char *d;

	if (err && errlen)
		err[0] = '\0';
	if (!r)
		return fail(err, errlen, "roster: missing");
	if (!r->facility.id)
		return fail(err, errlen, "facility: not set");
	if ((rc = keyset_build(&g, r->groups, r->n_groups, sizeof *r->groups, 0)) ||
	    (rc = keyset_build(&s, r->sessions, r->n_sessions, sizeof *r->sessions, 0)) ||
	    (rc = keyset_build(&p, r->participants, r->n_participants, sizeof *r->participants,
			       0)) ||
	    (rc = keyset_build(&l, r->leaders, r->n_leaders, sizeof *r->leaders, 0)) ||
	    (rc = keyset_build(&c, r->cards, r->n_cards, sizeof *r->cards, 0)))
		goto out;
	if ((d = keyset_dup(&g))) {
		rc = fail(err, errlen, "groups: id %s appears twice", d);
		goto out;
	}
	if ((d = keyset_dup(&s))) {
		rc = fail(err, errlen, "sessions: id %s appears twice", d);
		goto out;
	}
	if ((d = keyset_dup(&p))) {
		rc = fail(err, errlen, "participants: id %s appears twice", d);
		goto out;
	}
	if ((d = keyset_dup(&l))) {
		rc = fail(err, errlen, "leaders: id %s appears twice", d);
		goto out;
	}
	if (keyset_dup(&c)) { /* no UID in messages: they may end up in logs */
		rc = fail(err, errlen, "cards: a card UID appears twice");
		goto out;
	}
	for (size_t i = 0; i < r->n_groups; i++) {
		if (strcmp(r->groups[i].period_start, r->groups[i].period_end) > 0) {
			rc = fail(err, errlen, "groups: %s: period ends before it starts",
				  r->groups[i].id);
			goto out;
		}
	}
	for (size_t i = 0; i < r->n_sessions; i++) {
		const struct roster_session *x = &r->sessions[i];
		if (!keyset_has(&g, x->group_id)) {
			rc =
			    fail(err, errlen, "sessions: %s: unknown group %s", x->id, x->group_id);
			goto out;
		}
		if (strcmp(x->end, x->start) <= 0) {
			rc = fail(err, errlen, "sessions: %s: end is not after start", x->id);
			goto out;
		}
	}
	for (size_t i = 0; i < r->n_members; i++) {
		const struct roster_member *x = &r->members[i];
		if (!keyset_has(&g, x->group_id)) {
			rc = fail(err, errlen, "members: %s/%s: unknown group", x->group_id,
				  x->participant_id);
			goto out;
		}
		if (!keyset_has(&p, x->participant_id)) {
			rc = fail(err, errlen, "members: %s/%s: unknown participant", x->group_id,
				  x->participant_id);
			goto out;
		}
	}
	if (r->n_members) {
		m = malloc(r->n_members * sizeof *m);
		if (!m) {
			rc = BLIPPA_ERR_NOMEM;
			goto out;
		}
		memcpy(m, r->members, r->n_members * sizeof *m);
		qsort(m, r->n_members, sizeof *m, cmp_member);
		for (size_t i = 1; i < r->n_members; i++) {
			if (cmp_member(&m[i - 1], &m[i]) == 0) {
				rc = fail(err, errlen, "members: %s/%s appears twice",
					  m[i].group_id, m[i].participant_id);
				goto out;
			}
		}
	}
	for (size_t i = 0; i < r->n_cards; i++) {
		const struct roster_card *x = &r->cards[i];
		bool ok = x->owner == ROSTER_CARD_LEADER ? keyset_has(&l, x->owner_id)
							 : keyset_has(&p, x->owner_id);
		if (!ok) {
			rc = fail(err, errlen, "cards: row %zu: unknown %s %s", i + 1,
				  x->owner == ROSTER_CARD_LEADER ? "leader" : "participant",
				  x->owner_id);
			goto out;
		}
	}
	rc = BLIPPA_OK;
out:
	if (rc == BLIPPA_ERR_NOMEM && err && errlen)
		snprintf(err, errlen, "roster: out of memory");
	free(g.k);
	free(s.k);
	free(p.k);
	free(l.k);
	free(c.k);
	free(m);
	return rc;
}
