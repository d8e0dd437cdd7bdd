/* SPDX-License-Identifier: MIT */
/* The back-office: routing, login and logout, the page frame and the access
 * rules (see web.h, docs/backoffice.md). */
#include "web_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "fleet.h"
#include "log.h"
#include "users_cmd.h"

#define COOKIE_SESSION "__Host-blippa_session"
#define COOKIE_PRE "__Host-blippa_login" /* CSRF token of the login form */
#define COOKIE_LANG "blippa_lang"
#define COOKIE_ATTRS "; Path=/; Secure; HttpOnly; SameSite=Strict"
#define LIMIT_ACCOUNT 5	 /* failed logins per account in 15 minutes */
#define LIMIT_ADDRESS 20 /* failed logins per client address in 15 minutes */

/* The stylesheet, generated from assets/web/blippa.css at build time. */
extern const unsigned char web_css[];
extern const size_t web_css_len;

enum blippa_err web_new(struct srv_store *store, const struct web_config *cfg, struct web **out)
{
	struct web *w = calloc(1, sizeof(*w));
	if (!w)
		return BLIPPA_ERR_NOMEM;
	w->sessions = calloc(WEB_SESSIONS_MAX, sizeof(*w->sessions));
	if (!w->sessions) {
		free(w);
		return BLIPPA_ERR_NOMEM;
	}
	char rnd[WEB_TOKEN_HEX + 1];
	web_token_new(rnd);
	if (users_pw_hash(rnd, w->dummy_hash) != BLIPPA_OK) {
		free(w->sessions);
		free(w);
		return BLIPPA_ERR_NOMEM;
	}
	w->store = store;
	w->idle_s = cfg && cfg->session_idle_s ? cfg->session_idle_s : WEB_IDLE_DEFAULT_S;
	w->stale_after_s = cfg && cfg->stale_after_s ? cfg->stale_after_s : FLEET_STALE_DEFAULT_S;
	if (cfg && cfg->metrics) {
		w->metrics = true;
		memcpy(w->metrics_hash, cfg->metrics_hash, sizeof(w->metrics_hash));
	}
	pthread_mutex_init(&w->mu, NULL);
	*out = w;
	return BLIPPA_OK;
}

void web_free(struct web *w)
{
	if (!w)
		return;
	web_import_stash_free(w);
	pthread_mutex_destroy(&w->mu);
	sodium_memzero(w->sessions, WEB_SESSIONS_MAX * sizeof(*w->sessions));
	free(w->sessions);
	free(w);
}

bool web_owns_path(const char *path)
{
	/* The kiosk API owns any path with a protocol-version segment ("v1",
	 * "v2", ...): /v1/roster, a proxy prefix /blippa/v1/roster, and
	 * future versions it answers 404 in JSON. */
	for (const char *p = path; (p = strchr(p, '/')) != NULL;) {
		p++;
		if (p[0] == 'v' && p[1] >= '0' && p[1] <= '9') {
			const char *q = p + 1;
			while (*q >= '0' && *q <= '9')
				q++;
			if (*q == '/' || *q == '\0')
				return false;
		}
	}
	return true;
}

void web_response_clear(struct web_response *resp)
{
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

/* ------------------------------------------------------------ access */

bool web_may_see(const struct web_ctx *c, const char *facility_id)
{
	if (c->user.role == SRV_ROLE_ADMIN)
		return true;
	for (size_t i = 0; i < c->user.n_facilities; i++)
		if (strcmp(c->user.facilities[i], facility_id) == 0)
			return true;
	return false;
}

bool web_may_correct(const struct web_ctx *c, const char *facility_id)
{
	return c->user.role != SRV_ROLE_VIEWER && web_may_see(c, facility_id);
}

/* ------------------------------------------------------------ frame */

static const enum web_msg role_msg[] = {M_ROLE_ADMIN, M_ROLE_COORDINATOR, M_ROLE_VIEWER};

void web_csrf_field(struct web_ctx *c, struct html *h)
{
	HTML_LIT(h, "<input type=\"hidden\" name=\"csrf\"");
	HTML_ATTR(h, "value", c->csrf);
	HTML_LIT(h, ">");
}

void web_page_begin(struct web_ctx *c, struct html *h, const char *title)
{
	HTML_LIT(h, "<!DOCTYPE html>\n<html");
	HTML_ATTR(h, "lang", c->lang == WEB_EN ? "en" : "sv");
	HTML_LIT(h, "><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<link rel=\"stylesheet\" href=\"/static/blippa.css\"><title>");
	html_text(h, title);
	HTML_LIT(h, " · Blippa</title></head><body><header class=\"top\">"
		    "<a class=\"brand\" href=\"/\">Blippa</a><nav>");
	HTML_LIT(h, "<a");
	HTML_ATTR(h, "href", c->lang == WEB_EN ? "?lang=sv" : "?lang=en");
	HTML_LIT(h, ">");
	html_text(h, T(c, M_LANG_OTHER));
	HTML_LIT(h, "</a>");
	if (c->user.name[0] && c->user.role != SRV_ROLE_VIEWER) {
		HTML_LIT(h, "<a href=\"/kiosks\">");
		html_text(h, L(c, "Kiosker", "Kiosks"));
		HTML_LIT(h, "</a><a href=\"/leaders\">");
		html_text(h, L(c, "Ledare", "Leaders"));
		HTML_LIT(h, "</a>");
		if (c->user.role == SRV_ROLE_ADMIN) {
			HTML_LIT(h, "<a href=\"/import\">");
			html_text(h, L(c, "Importera", "Import"));
			HTML_LIT(h, "</a>");
		}
	}
	web_audit_nav(c, h);
	if (c->user.name[0]) {
		HTML_LIT(h, "<span class=\"who\">");
		html_text(h, c->user.name);
		HTML_LIT(h, " (");
		html_text(h, T(c, role_msg[c->user.role <= SRV_ROLE_VIEWER ? c->user.role : 2]));
		HTML_LIT(h, ")</span><form method=\"post\" action=\"/logout\" class=\"inline\">");
		web_csrf_field(c, h);
		HTML_LIT(h, "<button type=\"submit\">");
		html_text(h, T(c, M_SIGN_OUT));
		HTML_LIT(h, "</button></form>");
	}
	HTML_LIT(h, "</nav></header><main>");
}

void web_page_end(struct web_ctx *c, struct html *h)
{
	(void)c;
	HTML_LIT(h, "</main></body></html>\n");
}

void web_send_html(struct web_ctx *c, struct html *h)
{
	struct web_response *r = c->resp;
	r->body = html_take(h, &r->body_len);
	if (!r->body) {
		r->status = 500;
		r->content_type = "text/plain; charset=utf-8";
		r->body = strdup("page too large\n");
		r->body_len = r->body ? strlen(r->body) : 0;
		return;
	}
	if (!r->status)
		r->status = 200;
	r->content_type = "text/html; charset=utf-8";
}

void web_send_status(struct web_ctx *c, unsigned status)
{
	struct html h = {0};
	c->resp->status = status;
	web_page_begin(c, &h, status == 403 ? "403" : status == 404 ? "404" : "Blippa");
	HTML_LIT(&h, "<section class=\"card\"><p>");
	if (status == 403)
		html_text(&h, T(c, M_FORBIDDEN));
	else if (status == 404)
		html_text(&h, T(c, M_NOT_FOUND));
	else
		html_textf(&h, "HTTP %u", status);
	HTML_LIT(&h, "</p><p><a href=\"/\">");
	html_text(&h, T(c, M_BACK));
	HTML_LIT(&h, "</a></p></section>");
	web_page_end(c, &h);
	web_send_html(c, &h);
}

static void redirect(struct web_response *r, const char *to)
{
	r->status = 303;
	snprintf(r->location, sizeof(r->location), "%s", to);
}

/* Set-Cookie: name=value + attrs */
static void add_cookie(struct web_response *r, const char *name, const char *value,
		       const char *attrs)
{
	for (size_t i = 0; i < WEB_COOKIES_MAX; i++) {
		if (!r->cookies[i][0]) {
			snprintf(r->cookies[i], sizeof(r->cookies[i]), "%s=%s%s", name, value,
				 attrs);
			return;
		}
	}
}

/* ------------------------------------------------------------ login */

static void login_page(struct web_ctx *c, const char *error, const char *username)
{
	struct html h = {0};
	char pre[WEB_TOKEN_HEX + 2];
	/* Keep the browser's token if it has one: a second GET /login (another
	 * tab, a favicon request redirected here) must not break the first form. */
	if (!web_cookie_get(c->req->cookie, COOKIE_PRE, pre, sizeof(pre)) ||
	    strlen(pre) != WEB_TOKEN_HEX || strspn(pre, "0123456789abcdef") != WEB_TOKEN_HEX) {
		web_token_new(pre);
		add_cookie(c->resp, COOKIE_PRE, pre, COOKIE_ATTRS);
	}
	snprintf(c->csrf, sizeof(c->csrf), "%.64s", pre);
	web_page_begin(c, &h, T(c, M_LOGIN));
	HTML_LIT(&h, "<section class=\"card login\"><h1>");
	html_text(&h, T(c, M_LOGIN));
	HTML_LIT(&h, "</h1>");
	if (error) {
		HTML_LIT(&h, "<p class=\"error\" role=\"alert\">");
		html_text(&h, error);
		HTML_LIT(&h, "</p>");
	}
	HTML_LIT(&h, "<form method=\"post\" action=\"/login\">");
	web_csrf_field(c, &h);
	HTML_LIT(&h, "<label for=\"username\">");
	html_text(&h, T(c, M_USERNAME));
	HTML_LIT(&h, "</label><input id=\"username\" name=\"username\" autocomplete=\"username\""
		     " required autofocus");
	HTML_ATTR(&h, "value", username ? username : "");
	HTML_LIT(&h, "><label for=\"password\">");
	html_text(&h, T(c, M_PASSWORD));
	HTML_LIT(&h, "</label><input id=\"password\" name=\"password\" type=\"password\""
		     " autocomplete=\"current-password\" required><button type=\"submit\">");
	html_text(&h, T(c, M_SIGN_IN));
	HTML_LIT(&h, "</button></form></section>");
	web_page_end(c, &h);
	web_send_html(c, &h);
}

/* A failed login in the audit trail: the name as typed only when it is an
 * account (a password typed into the name field must not be stored). */
static void audit_failed_login(struct web_ctx *c, const char *typed, const char *why)
{
	struct srv_user u;
	bool known = typed[0] && users_name_valid(typed) &&
		     srv_store_get_user(c->w->store, typed, &u) == BLIPPA_OK;
	SRV_AUDIT(c->w->store, known ? typed : "", AUDIT_LOGIN_FAILED, .address = c->req->client,
		  .detail = why);
	sodium_memzero(&u, sizeof(u));
}

static void login_post(struct web_ctx *c)
{
	const struct web_request *req = c->req;
	char user[SRV_USER_MAX + 1] = "", pw[USERS_PW_MAX + 1] = "", csrf[WEB_TOKEN_HEX + 2] = "";
	char pre[WEB_TOKEN_HEX + 2] = "", key_u[SRV_USER_MAX + 8], key_a[80];
	char tok[WEB_TOKEN_HEX + 1], sess_csrf[WEB_TOKEN_HEX + 1];
	struct srv_user u;
	const char *body = req->body ? req->body : "";
	if (!web_form_get(body, "csrf", csrf, sizeof(csrf)) ||
	    !web_cookie_get(req->cookie, COOKIE_PRE, pre, sizeof(pre)) ||
	    !web_token_eq(csrf, pre)) {
		log_warn("web", "login without a valid CSRF token: 403");
		web_send_status(c, 403);
		return;
	}
	bool have = web_form_get(body, "username", user, sizeof(user)) &&
		    web_form_get(body, "password", pw, sizeof(pw));
	snprintf(key_a, sizeof(key_a), "a:%s", req->client ? req->client : "");
	snprintf(key_u, sizeof(key_u), "u:%s", user);
	if (!web_throttle_allowed(c->w, key_a, LIMIT_ADDRESS) ||
	    !web_throttle_allowed(c->w, key_u, LIMIT_ACCOUNT)) {
		log_warn("web", "login throttled: 429");
		audit_failed_login(c, user, "throttled");
		c->resp->status = 429;
		login_page(c, T(c, M_THROTTLED), user);
		goto out;
	}
	enum blippa_err rc = have && users_name_valid(user)
				 ? srv_store_get_user(c->w->store, user, &u)
				 : BLIPPA_ERR_NOT_FOUND;
	bool ok = rc == BLIPPA_OK && crypto_pwhash_str_verify(u.pw_hash, pw, strlen(pw)) == 0;
	if (rc == BLIPPA_ERR_NOT_FOUND) /* same cost as a real check */
		if (crypto_pwhash_str_verify(c->w->dummy_hash, pw, strlen(pw)) == 0)
			ok = false; /* random: cannot match */
	if (!ok) {
		if (rc != BLIPPA_OK && rc != BLIPPA_ERR_NOT_FOUND)
			log_error("web", "login: store: %s", blippa_strerror(rc));
		web_throttle_fail(c->w, key_a);
		if (rc == BLIPPA_OK)
			web_throttle_fail(c->w, key_u);
		log_info("web", "failed login");
		audit_failed_login(c, rc == BLIPPA_OK ? u.name : "",
				   rc == BLIPPA_OK ? "wrong password" : "no such account");
		pthread_mutex_lock(&c->w->mu);
		c->w->failed_logins++;
		pthread_mutex_unlock(&c->w->mu);
		c->resp->status = 401;
		login_page(c, T(c, M_BAD_LOGIN), user);
		goto out;
	}
	web_throttle_ok(c->w, key_u);
	if (SRV_AUDIT(c->w->store, u.name, AUDIT_LOGIN, .address = req->client) != BLIPPA_OK) {
		web_send_status(c, 503); /* no session the trail does not know of */
		goto out;
	}
	web_session_new(c->w, u.name, tok, sess_csrf);
	add_cookie(c->resp, COOKIE_SESSION, tok, COOKIE_ATTRS);
	add_cookie(c->resp, COOKIE_PRE, "", COOKIE_ATTRS "; Max-Age=0");
	log_info("web", "user %s signed in", u.name);
	redirect(c->resp, "/");
out:
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(&u, sizeof(u));
}

/* ------------------------------------------------------------ routing */

bool web_field(const struct web_ctx *c, const char *name, char *out, size_t outlen)
{
	for (size_t i = 0; i < c->req->n_parts; i++) {
		const struct web_part *p = &c->req->parts[i];
		if (strcmp(p->name, name) == 0 && !p->filename[0]) {
			if (p->len >= outlen)
				return false;
			memcpy(out, p->data, p->len + 1);
			return true;
		}
	}
	return c->req->body && !c->req->n_parts && web_form_get(c->req->body, name, out, outlen);
}

static bool csrf_ok(struct web_ctx *c)
{
	char got[WEB_TOKEN_HEX + 2];
	return web_field(c, "csrf", got, sizeof(got)) && web_token_eq(got, c->csrf);
}

void web_audit(struct web_ctx *c, const char *action, const char *facility_id, const char *detail)
{
	/* ids and counts only: no names, tokens or PINs reach the trail */
	(void)SRV_AUDIT(c->w->store, c->user.name, action, .facility_id = facility_id,
			.detail = detail);
}

/* "/groups/ID" -> ID (decoded into out); rest gets what follows ID. */
static bool path_id(const char *path, const char *prefix, char *out, size_t outlen,
		    const char **rest)
{
	size_t pl = strlen(prefix);
	if (strncmp(path, prefix, pl) != 0)
		return false;
	const char *p = path + pl;
	const char *end = strchr(p, '/');
	size_t n = end ? (size_t)(end - p) : strlen(p);
	if (n == 0 || n >= outlen)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	*rest = p + n;
	return true;
}

static void route(struct web_ctx *c)
{
	const char *path = c->req->path, *rest = NULL, *m = c->req->method;
	bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
	bool post = strcmp(m, "POST") == 0;
	char id[SRV_ID_MAX + 1], pid[SRV_ID_MAX + 1];
	if (post && !csrf_ok(c)) {
		log_warn("web", "POST %s without a valid CSRF token: 403", path);
		web_send_status(c, 403);
		return;
	}
	if (get && strcmp(path, "/") == 0) {
		web_page_overview(c);
	} else if (post && strcmp(path, "/logout") == 0) {
		char tok[WEB_TOKEN_HEX + 2];
		if (web_cookie_get(c->req->cookie, COOKIE_SESSION, tok, sizeof(tok)))
			web_session_end(c->w, tok);
		add_cookie(c->resp, COOKIE_SESSION, "", COOKIE_ATTRS "; Max-Age=0");
		log_info("web", "user %s signed out", c->user.name);
		SRV_AUDIT(c->w->store, c->user.name, AUDIT_LOGOUT, .address = c->req->client);
		redirect(c->resp, "/login");
	} else if (get && strcmp(path, "/audit") == 0) {
		web_page_audit(c);
	} else if (get && strcmp(path, "/audit.csv") == 0) {
		web_audit_csv(c);
	} else if (get && strcmp(path, "/export.csv") == 0) {
		web_export(c, false);
	} else if (get && strcmp(path, "/export.xlsx") == 0) {
		web_export(c, true);
	} else if (strcmp(path, "/kiosks") == 0 && (get || post)) {
		if (get)
			web_page_kiosks(c);
		else
			web_post_kiosk_add(c);
	} else if (post && path_id(path, "/kiosks/", id, sizeof(id), &rest) &&
		   strcmp(rest, "/revoke") == 0) {
		web_post_kiosk_revoke(c, id);
	} else if (strcmp(path, "/import") == 0 && (get || post)) {
		if (get)
			web_page_import(c);
		else
			web_post_import(c);
	} else if (post && strcmp(path, "/import/apply") == 0) {
		web_post_import_apply(c);
	} else if (get && strcmp(path, "/leaders") == 0) {
		web_page_leaders(c);
	} else if (post && path_id(path, "/leaders/", id, sizeof(id), &rest) &&
		   strcmp(rest, "/pin") == 0) {
		web_post_leader_pin(c, id);
	} else if (path_id(path, "/groups/", id, sizeof(id), &rest)) {
		if (get && !*rest)
			web_page_group(c, id, NULL);
		else if (get && path_id(rest, "/participants/", pid, sizeof(pid), &rest) && !*rest)
			web_page_group(c, id, pid);
		else if (post && strcmp(rest, "/corrections") == 0)
			web_post_correction(c, id);
		else
			web_send_status(c, 404);
	} else {
		web_send_status(c, 404);
	}
}

size_t web_body_cap(struct web *w, const char *method, const char *path, const char *cookie)
{
	char tok[WEB_TOKEN_HEX + 2], name[SRV_USER_MAX + 1], csrf[WEB_TOKEN_HEX + 1];
	struct srv_user u;
	if (strcmp(method, "POST") != 0 || strcmp(path, "/import") != 0 ||
	    !web_cookie_get(cookie, COOKIE_SESSION, tok, sizeof(tok)) ||
	    !web_session_find(w, tok, name, csrf) ||
	    srv_store_get_user(w->store, name, &u) != BLIPPA_OK)
		return WEB_BODY_MAX;
	sodium_memzero(u.pw_hash, sizeof(u.pw_hash));
	return u.role == SRV_ROLE_ADMIN ? WEB_UPLOAD_MAX : WEB_BODY_MAX;
}

void web_handle(struct web *w, const struct web_request *req, struct web_response *resp)
{
	struct web_ctx c = {.w = w, .req = req, .resp = resp, .lang = WEB_SV};
	char lang[8] = "", tok[WEB_TOKEN_HEX + 2];
	memset(resp, 0, sizeof(*resp));
	const char *ql = req->arg ? req->arg(req->arg_ctx, "lang") : NULL;
	if (ql && (strcmp(ql, "en") == 0 || strcmp(ql, "sv") == 0)) {
		c.lang = ql[0] == 'e' ? WEB_EN : WEB_SV;
		add_cookie(resp, COOKIE_LANG, ql,
			   "; Path=/; Secure; SameSite=Strict; Max-Age=31536000");
	} else if (web_cookie_get(req->cookie, COOKIE_LANG, lang, sizeof(lang))) {
		c.lang = strcmp(lang, "en") == 0 ? WEB_EN : WEB_SV;
	}
	if (req->body_too_big) {
		web_send_status(&c, 413);
		return;
	}
	if (strcmp(req->path, "/static/blippa.css") == 0) {
		resp->status = 200;
		resp->content_type = "text/css; charset=utf-8";
		resp->body = malloc(web_css_len + 1);
		if (!resp->body) {
			resp->status = 500;
			return;
		}
		memcpy(resp->body, web_css, web_css_len);
		resp->body_len = web_css_len;
		resp->cacheable = true;
		return;
	}
	if (strcmp(req->path, "/metrics") == 0) {
		web_metrics(w, req, resp);
		return;
	}
	if (strcmp(req->path, "/login") == 0) {
		if (strcmp(req->method, "POST") == 0)
			login_post(&c);
		else if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0)
			login_page(&c, NULL, NULL);
		else
			web_send_status(&c, 405);
		return;
	}
	/* Every other page needs a live session of an account that still exists. */
	char name[SRV_USER_MAX + 1];
	if (!web_cookie_get(req->cookie, COOKIE_SESSION, tok, sizeof(tok)) ||
	    !web_session_find(w, tok, name, c.csrf)) {
		redirect(resp, "/login");
		return;
	}
	enum blippa_err rc = srv_store_get_user(w->store, name, &c.user);
	if (rc == BLIPPA_ERR_NOT_FOUND) {
		web_session_end(w, tok);
		redirect(resp, "/login");
		return;
	}
	if (rc != BLIPPA_OK) {
		log_error("web", "account lookup: %s", blippa_strerror(rc));
		web_send_status(&c, 503);
		return;
	}
	sodium_memzero(c.user.pw_hash, sizeof(c.user.pw_hash));
	route(&c);
}
