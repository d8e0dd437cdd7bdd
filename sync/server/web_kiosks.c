/* SPDX-License-Identifier: MIT */
/* The Kiosks page (fleet health): every kiosk the account may see with its
 * last heartbeat and whether it needs attention (fleet.h decides, as for
 * list-kiosks and /metrics); an admin adds a kiosk (its token shown once)
 * and revokes one. Viewers get 403; coordinators see their facilities. */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "clock.h"
#include "fleet.h"
#include "import.h"
#include "log.h"
#include "text.h"

struct klist {
	struct srv_kiosk *v;
	size_t n, cap;
	const struct web_ctx *c;
	bool failed;
};

static int collect(void *ctx, const struct srv_kiosk *k)
{
	struct klist *l = ctx;
	if (!web_may_see(l->c, k->facility_id))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct srv_kiosk *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			l->failed = true;
			return 1;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *k;
	return 0;
}

struct flist {
	char (*id)[SRV_ID_MAX + 1];
	char (*name)[ROSTER_NAME_MAX + 1];
	size_t n, cap;
	const struct web_ctx *c;
	bool failed;
};

static int collect_fac(void *ctx, const char *id, const char *name, const char *tz)
{
	(void)tz;
	struct flist *l = ctx;
	if (!web_may_see(l->c, id))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		void *a = realloc(l->id, cap * sizeof(*l->id));
		if (a)
			l->id = a;
		void *b = a ? realloc(l->name, cap * sizeof(*l->name)) : NULL;
		if (!b) {
			l->failed = true;
			return 1;
		}
		l->name = b;
		l->cap = cap;
	}
	snprintf(l->id[l->n], SRV_ID_MAX + 1, "%s", id);
	snprintf(l->name[l->n], ROSTER_NAME_MAX + 1, "%s", name);
	l->n++;
	return 0;
}

static const char *fac_name(const struct flist *f, const char *id)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->id[i], id) == 0)
			return f->name[i];
	return id;
}

/* "3 min", "2 h 5 min", "4 d" */
static void duration(struct html *h, int64_t s)
{
	if (s < 0)
		s = -s;
	if (s < 120)
		html_textf(h, "%lld s", (long long)s);
	else if (s < 7200)
		html_textf(h, "%lld min", (long long)(s / 60));
	else if (s < 172800)
		html_textf(h, "%lld h %lld min", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		html_textf(h, "%lld d", (long long)(s / 86400));
}

static const char *const cols[][2] = {
    {"Anläggning", "Facility"},
    {"Kiosk", "Kiosk"},
    {"Läge", "State"},
    {"Senast hörd", "Last seen"},
    {"Version", "Version"},
    {"Väntar", "Pending"},
    {"Äldsta väntande", "Oldest pending"},
    {"Läsare", "Reader"},
    {"Klockskillnad", "Clock skew"},
    {"Senaste fel", "Last error"},
};
#define N_COLS (sizeof(cols) / sizeof(cols[0]))

/* <td data-label="column"> (the label heads the cell on a phone) */
static void td(struct web_ctx *c, struct html *h, size_t col, const char *cls)
{
	HTML_LIT(h, "<td");
	HTML_ATTR(h, "data-label", L(c, cols[col][0], cols[col][1]));
	if (cls)
		HTML_ATTR(h, "class", cls);
	HTML_LIT(h, ">");
}

static const char *reason_text(const struct web_ctx *c, enum fleet_reason r)
{
	switch (r) {
	case FLEET_NOT_SEEN:
		return L(c, "inte hörts av", "not seen");
	case FLEET_BACKLOG:
		return L(c, "händelser väntar över 1 h", "events waiting over 1 h");
	case FLEET_READER:
		return L(c, "kortläsaren fungerar inte", "card reader failed");
	case FLEET_CLOCK:
		return L(c, "klockan går fel över 2 min", "clock off by over 2 min");
	}
	return "";
}

static void kiosk_row(struct web_ctx *c, struct html *h, const struct flist *f,
		      const struct srv_kiosk *k, int64_t now)
{
	struct fleet_health fh = fleet_health(k, now, c->w->stale_after_s);
	char name[sizeof(k->name)], reader[sizeof(k->reader)], err[sizeof(k->last_error)],
	    ver[sizeof(k->version)];
	text_sanitize(name, sizeof(name), k->name, sizeof(name) - 1);
	text_sanitize(reader, sizeof(reader), k->reader, sizeof(reader) - 1);
	text_sanitize(err, sizeof(err), k->last_error, sizeof(err) - 1);
	text_sanitize(ver, sizeof(ver), k->version, sizeof(ver) - 1);
	HTML_LIT(h, "<tr");
	HTML_ATTR(h, "id", k->id);
	if (k->revoked_ms)
		HTML_LIT(h, " class=\"revoked\"");
	else if (fh.reasons)
		HTML_LIT(h, " class=\"attention\"");
	HTML_LIT(h, ">");
	td(c, h, 0, NULL);
	html_text(h, fac_name(f, k->facility_id));
	HTML_LIT(h, "</td>");
	td(c, h, 1, NULL);
	HTML_LIT(h, "<strong>");
	html_text(h, name);
	HTML_LIT(h, "</strong><br><span class=\"muted kid\">");
	html_text(h, k->id);
	HTML_LIT(h, "</span></td>");
	td(c, h, 2, "state");
	if (k->revoked_ms) {
		HTML_LIT(h, "<span class=\"tag\">");
		html_text(h, L(c, "återkallad", "revoked"));
		HTML_LIT(h, "</span>");
	} else if (fh.reasons) {
		HTML_LIT(h, "<span class=\"warn-tag\">");
		html_text(h, L(c, "Behöver åtgärd", "Needs attention"));
		HTML_LIT(h, "</span><ul class=\"reasons\">");
		for (unsigned b = 0; b < FLEET_REASONS; b++) {
			if (!(fh.reasons & (1u << b)))
				continue;
			HTML_LIT(h, "<li");
			HTML_ATTR(h, "data-reason", fleet_reason_key((enum fleet_reason)(1u << b)));
			HTML_LIT(h, ">");
			html_text(h, reason_text(c, (enum fleet_reason)(1u << b)));
			HTML_LIT(h, "</li>");
		}
		HTML_LIT(h, "</ul>");
	} else {
		HTML_LIT(h, "<span class=\"ok-tag\">OK</span>");
	}
	HTML_LIT(h, "</td>");
	td(c, h, 3, NULL);
	if (fh.seen) {
		duration(h, fh.since_seen_s);
		html_text(h, L(c, " sedan", " ago"));
	} else {
		html_text(h, L(c, "aldrig", "never"));
	}
	HTML_LIT(h, "</td>");
	td(c, h, 4, NULL);
	html_text(h, ver[0] ? ver : "–");
	HTML_LIT(h, "</td>");
	td(c, h, 5, "num");
	html_textf(h, "%lld", (long long)k->pending);
	HTML_LIT(h, "</td>");
	td(c, h, 6, NULL);
	if (k->pending)
		duration(h, k->oldest_pending_age_s);
	else
		HTML_LIT(h, "–");
	HTML_LIT(h, "</td>");
	td(c, h, 7, NULL);
	html_text(h, reader[0] ? reader : "–");
	HTML_LIT(h, "</td>");
	td(c, h, 8, NULL);
	if (fh.has_skew)
		html_textf(h, "%+lld s", (long long)fh.skew_s);
	else
		HTML_LIT(h, "–");
	HTML_LIT(h, "</td>");
	td(c, h, 9, "lasterr");
	html_text(h, err[0] ? err : "–");
	HTML_LIT(h, "</td><td class=\"act\">");
	if (!k->revoked_ms && c->user.role == SRV_ROLE_ADMIN) {
		HTML_LIT(h, "<form method=\"post\" class=\"inline\"");
		HTML_ACTION(h, "/kiosks/", k->id, "/revoke");
		HTML_LIT(h, ">");
		web_csrf_field(c, h);
		HTML_LIT(h, "<button type=\"submit\" class=\"danger\">");
		html_text(h, L(c, "Återkalla", "Revoke"));
		HTML_LIT(h, "</button></form>");
	}
	HTML_LIT(h, "</td></tr>");
}

static void add_form(struct web_ctx *c, struct html *h, const struct flist *f)
{
	HTML_LIT(h, "<section class=\"card\"><h2>");
	html_text(h, L(c, "Lägg till kiosk", "Add a kiosk"));
	HTML_LIT(h, "</h2><form method=\"post\" action=\"/kiosks\" class=\"correct\">");
	web_csrf_field(c, h);
	HTML_LIT(h, "<label>");
	html_text(h, L(c, "Anläggning", "Facility"));
	HTML_LIT(h, " <select name=\"facility\" required>");
	for (size_t i = 0; i < f->n; i++) {
		HTML_LIT(h, "<option");
		HTML_ATTR(h, "value", f->id[i]);
		HTML_LIT(h, ">");
		html_text(h, f->name[i]);
		HTML_LIT(h, "</option>");
	}
	HTML_LIT(h, "</select></label><label>");
	html_text(h, L(c, "Namn", "Name"));
	HTML_LIT(h, " <input name=\"name\" required maxlength=\"200\"></label>"
		    "<button type=\"submit\">");
	html_text(h, L(c, "Lägg till", "Add"));
	HTML_LIT(h, "</button></form></section>");
}

/* The page; token non-NULL: a kiosk was just added (shown once). */
static void kiosks_page(struct web_ctx *c, const char *new_id, const char *token, const char *error)
{
	struct klist l = {.c = c};
	struct flist f = {.c = c};
	struct html h = {0};
	int64_t now = clock_wall_ms();
	enum blippa_err rc = srv_store_list_facilities(c->w->store, collect_fac, &f);
	if (rc == BLIPPA_OK && !f.failed)
		rc = srv_store_list_kiosks(c->w->store, collect, &l);
	if (rc != BLIPPA_OK || l.failed || f.failed) {
		log_error("web", "kiosks: %s", blippa_strerror(rc));
		web_send_status(c, 503);
		goto out;
	}
	size_t attention = 0;
	for (size_t i = 0; i < l.n; i++)
		if (fleet_health(&l.v[i], now, c->w->stale_after_s).reasons)
			attention++;
	web_page_begin(c, &h, L(c, "Kiosker", "Kiosks"));
	HTML_LIT(&h, "<h1>");
	html_text(&h, L(c, "Kiosker", "Kiosks"));
	HTML_LIT(&h, "</h1>");
	if (error) {
		HTML_LIT(&h, "<p class=\"error\" role=\"alert\">");
		html_text(&h, error);
		HTML_LIT(&h, "</p>");
	}
	if (token) {
		HTML_LIT(&h, "<section class=\"card token\" role=\"status\"><h2>");
		html_text(&h, L(c, "Kiosken är tillagd: ", "Kiosk added: "));
		html_text(&h, new_id);
		HTML_LIT(&h, "</h2><p>");
		html_text(&h, L(c,
				"Dess token visas bara nu. Lägg den i kioskens token_file "
				"(rättigheter 0600):",
				"Its token is shown only now. Put it in the kiosk's token_file "
				"(mode 0600):"));
		HTML_LIT(&h, "</p><p><code id=\"token\">");
		html_text(&h, token);
		HTML_LIT(&h, "</code></p></section>");
	}
	HTML_LIT(&h, "<p class=\"big\" id=\"attention-count\">");
	if (attention)
		html_textf(
		    &h, "%zu %s", attention,
		    L(c, "behöver åtgärd", attention == 1 ? "needs attention" : "need attention"));
	else
		html_text(&h, L(c, "Alla kiosker fungerar.", "All kiosks are fine."));
	HTML_LIT(&h, "</p><p class=\"muted\">");
	html_textf(&h, "%s %u min.",
		   L(c, "En kiosk behöver åtgärd när den inte hörts av på",
		     "A kiosk needs attention when it has not been seen for"),
		   c->w->stale_after_s / 60);
	HTML_LIT(&h, "</p><section class=\"card\"><div class=\"scroll\"><table class=\"kiosks\">"
		     "<thead><tr><th>");
	for (size_t i = 0; i < N_COLS; i++) {
		if (i)
			HTML_LIT(&h, "</th><th>");
		html_text(&h, L(c, cols[i][0], cols[i][1]));
	}
	HTML_LIT(&h, "</th><th></th></tr></thead><tbody>");
	for (size_t i = 0; i < l.n; i++)
		kiosk_row(c, &h, &f, &l.v[i], now);
	if (!l.n) {
		HTML_LIT(&h, "<tr><td colspan=\"11\" class=\"muted\">");
		html_text(&h, L(c, "Inga kiosker.", "No kiosks."));
		HTML_LIT(&h, "</td></tr>");
	}
	HTML_LIT(&h, "</tbody></table></div></section>");
	if (c->user.role == SRV_ROLE_ADMIN && f.n)
		add_form(c, &h, &f);
	web_page_end(c, &h);
	web_send_html(c, &h);
out:
	free(l.v);
	free(f.id);
	free(f.name);
}

void web_page_kiosks(struct web_ctx *c)
{
	if (c->user.role == SRV_ROLE_VIEWER) {
		web_send_status(c, 403);
		return;
	}
	kiosks_page(c, NULL, NULL, NULL);
}

void web_post_kiosk_add(struct web_ctx *c)
{
	char fid[SRV_ID_MAX + 2] = "", name[ROSTER_NAME_MAX + 2] = "";
	char tok[AUTH_TOKEN_HEX + 1], id[SRV_ID_MAX + 1];
	uint8_t hash[SRV_TOKEN_HASH_LEN];
	if (c->user.role != SRV_ROLE_ADMIN) {
		web_send_status(c, 403);
		return;
	}
	bool have =
	    web_field(c, "facility", fid, sizeof(fid)) && web_field(c, "name", name, sizeof(name));
	if (!have || !import_valid_id(fid) || !name[0] || text_name_problem(name)) {
		c->resp->status = 400;
		kiosks_page(c, NULL, NULL,
			    L(c, "Välj en anläggning och skriv ett namn (synlig text).",
			      "Choose a facility and give a name (visible text)."));
		return;
	}
	auth_token_new(tok, hash);
	enum blippa_err rc = srv_store_add_kiosk(c->w->store, fid, name, hash, clock_wall_ms(), id);
	if (rc == BLIPPA_ERR_NOT_FOUND) {
		c->resp->status = 400;
		kiosks_page(c, NULL, NULL, L(c, "Ingen sådan anläggning.", "No such facility."));
	} else if (rc != BLIPPA_OK) {
		log_error("web", "add kiosk: %s", blippa_strerror(rc));
		web_send_status(c, 503);
	} else {
		char detail[SRV_ID_MAX + 8];
		snprintf(detail, sizeof(detail), "kiosk %s", id);
		web_audit(c, WEB_AUDIT_KIOSK_ADD, fid, detail);
		kiosks_page(c, id, tok, NULL);
	}
	sodium_memzero(tok, sizeof(tok));
}

void web_post_kiosk_revoke(struct web_ctx *c, const char *kiosk_id)
{
	if (c->user.role != SRV_ROLE_ADMIN) {
		web_send_status(c, 403);
		return;
	}
	enum blippa_err rc = srv_store_revoke_kiosk(c->w->store, kiosk_id, clock_wall_ms());
	if (rc == BLIPPA_ERR_NOT_FOUND) {
		web_send_status(c, 404);
		return;
	}
	if (rc != BLIPPA_OK) {
		log_error("web", "revoke kiosk: %s", blippa_strerror(rc));
		web_send_status(c, 503);
		return;
	}
	char detail[SRV_ID_MAX + 8];
	snprintf(detail, sizeof(detail), "kiosk %s", kiosk_id);
	web_audit(c, WEB_AUDIT_KIOSK_REVOKE, NULL, detail);
	c->resp->status = 303;
	snprintf(c->resp->location, sizeof(c->resp->location), "/kiosks");
}
