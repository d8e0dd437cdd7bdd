/* SPDX-License-Identifier: MIT */
/* Back-office sessions (in memory, keyed by SHA-256 of the cookie token),
 * CSRF tokens, login throttling and the small parsers for cookies and form
 * bodies; see web_int.h. */
#include "web_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "text.h"

#define THROTTLE_WINDOW_MS (15 * 60 * 1000)
#define THROTTLE_BLOCK_MS (15 * 60 * 1000)

void web_token_new(char tok[WEB_TOKEN_HEX + 1])
{
	uint8_t b[WEB_TOKEN_HEX / 2];
	randombytes_buf(b, sizeof(b));
	sodium_bin2hex(tok, WEB_TOKEN_HEX + 1, b, sizeof(b));
}

bool web_token_eq(const char *a, const char *b)
{
	size_t n = strlen(a);
	return n == strlen(b) && n > 0 && sodium_memcmp(a, b, n) == 0;
}

static void tok_hash(const char *tok, uint8_t out[32])
{
	crypto_hash_sha256(out, (const unsigned char *)tok, strlen(tok));
}

static bool slot_free(const struct web_session *s)
{
	static const uint8_t zero[32];
	return memcmp(s->hash, zero, sizeof(zero)) == 0;
}

enum blippa_err web_session_new(struct web *w, const char *user, char tok[WEB_TOKEN_HEX + 1],
				char csrf[WEB_TOKEN_HEX + 1])
{
	int64_t now = clock_mono_ms(), idle = (int64_t)w->idle_s * 1000;
	web_token_new(tok);
	web_token_new(csrf);
	pthread_mutex_lock(&w->mu);
	struct web_session *pick = NULL, *oldest = NULL;
	for (size_t i = 0; i < WEB_SESSIONS_MAX; i++) {
		struct web_session *s = &w->sessions[i];
		if (!slot_free(s) && now - s->last_ms > idle)
			memset(s, 0, sizeof(*s)); /* expired */
		if (slot_free(s)) {
			pick = s;
			break;
		}
		if (!oldest || s->last_ms < oldest->last_ms)
			oldest = s;
	}
	if (!pick)
		pick = oldest; /* full: the least recently used session ends */
	memset(pick, 0, sizeof(*pick));
	tok_hash(tok, pick->hash);
	snprintf(pick->user, sizeof(pick->user), "%s", user);
	snprintf(pick->csrf, sizeof(pick->csrf), "%s", csrf);
	pick->last_ms = now;
	pthread_mutex_unlock(&w->mu);
	return BLIPPA_OK;
}

static struct web_session *find_locked(struct web *w, const char *tok)
{
	uint8_t h[32];
	if (strlen(tok) != WEB_TOKEN_HEX)
		return NULL;
	tok_hash(tok, h);
	for (size_t i = 0; i < WEB_SESSIONS_MAX; i++)
		if (sodium_memcmp(w->sessions[i].hash, h, sizeof(h)) == 0)
			return &w->sessions[i];
	return NULL;
}

bool web_session_find(struct web *w, const char *tok, char user[SRV_USER_MAX + 1],
		      char csrf[WEB_TOKEN_HEX + 1])
{
	int64_t now = clock_mono_ms(), idle = (int64_t)w->idle_s * 1000;
	bool ok = false;
	pthread_mutex_lock(&w->mu);
	struct web_session *s = find_locked(w, tok);
	if (s && now - s->last_ms > idle) {
		memset(s, 0, sizeof(*s));
		s = NULL;
	}
	if (s) {
		s->last_ms = now;
		snprintf(user, SRV_USER_MAX + 1, "%s", s->user);
		snprintf(csrf, WEB_TOKEN_HEX + 1, "%s", s->csrf);
		ok = true;
	}
	pthread_mutex_unlock(&w->mu);
	return ok;
}

void web_session_end(struct web *w, const char *tok)
{
	pthread_mutex_lock(&w->mu);
	struct web_session *s = find_locked(w, tok);
	if (s)
		memset(s, 0, sizeof(*s));
	pthread_mutex_unlock(&w->mu);
}

static struct web_throttle *throttle_slot(struct web *w, const char *key, bool create)
{
	uint8_t h[8];
	crypto_generichash(h, sizeof(h), (const unsigned char *)key, strlen(key), NULL, 0);
	size_t start = ((size_t)h[0] << 8 | h[1]) % WEB_THROTTLE_SLOTS;
	int64_t now = clock_mono_ms();
	struct web_throttle *stale = NULL;
	for (size_t k = 0; k < 16; k++) {
		struct web_throttle *t = &w->throttle[(start + k) % WEB_THROTTLE_SLOTS];
		if (strcmp(t->key, key) == 0)
			return t;
		if (!stale && (!t->key[0] || (now - t->first_ms > THROTTLE_WINDOW_MS &&
					      now > t->blocked_until_ms)))
			stale = t;
	}
	if (!create)
		return NULL;
	if (!stale) /* a neighbourhood full of live entries: reuse the first */
		stale = &w->throttle[start];
	memset(stale, 0, sizeof(*stale));
	snprintf(stale->key, sizeof(stale->key), "%s", key);
	stale->first_ms = now;
	return stale;
}

bool web_throttle_allowed(struct web *w, const char *key, unsigned limit)
{
	int64_t now = clock_mono_ms();
	bool ok = true;
	pthread_mutex_lock(&w->mu);
	struct web_throttle *t = throttle_slot(w, key, false);
	if (t) {
		if (now < t->blocked_until_ms)
			ok = false;
		else if (now - t->first_ms > THROTTLE_WINDOW_MS)
			memset(t, 0, sizeof(*t));
		else if (t->fails >= limit) {
			t->blocked_until_ms = now + THROTTLE_BLOCK_MS;
			ok = false;
		}
	}
	pthread_mutex_unlock(&w->mu);
	return ok;
}

void web_throttle_fail(struct web *w, const char *key)
{
	pthread_mutex_lock(&w->mu);
	struct web_throttle *t = throttle_slot(w, key, true);
	if (clock_mono_ms() - t->first_ms > THROTTLE_WINDOW_MS) {
		t->fails = 0;
		t->first_ms = clock_mono_ms();
	}
	t->fails++;
	pthread_mutex_unlock(&w->mu);
}

void web_throttle_ok(struct web *w, const char *key)
{
	pthread_mutex_lock(&w->mu);
	struct web_throttle *t = throttle_slot(w, key, false);
	if (t)
		memset(t, 0, sizeof(*t));
	pthread_mutex_unlock(&w->mu);
}

bool web_cookie_get(const char *header, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	const char *p = header;
	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			size_t vl = len - nl - 1;
			if (vl >= outlen)
				return false;
			memcpy(out, p + nl + 1, vl);
			out[vl] = '\0';
			return true;
		}
		p = end;
	}
	return false;
}

bool web_form_get(const char *body, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	const char *p = body;
	while (p && *p) {
		const char *end = strchr(p, '&');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len >= nl && strncmp(p, name, nl) == 0 && (len == nl || p[nl] == '=')) {
			size_t o = 0;
			for (size_t i = nl + 1; i < len; i++) {
				char ch = p[i];
				if (ch == '+') {
					ch = ' ';
				} else if (ch == '%' && i + 2 < len &&
					   text_hex_val(p[i + 1]) >= 0 &&
					   text_hex_val(p[i + 2]) >= 0) {
					ch = (char)(text_hex_val(p[i + 1]) * 16 +
						    text_hex_val(p[i + 2]));
					i += 2;
				}
				if (o + 1 >= outlen)
					return false;
				out[o++] = ch;
			}
			out[o] = '\0';
			return true;
		}
		p = end ? end + 1 : NULL;
	}
	return false;
}
