/* SPDX-License-Identifier: MIT */
/* Leaders and their PINs: a coordinator (own facilities) or an admin sets
 * a leader's PIN from the browser. The PIN is hashed with Argon2id at once
 * (auth_pin_hash, as `blippa-server set-pin`), never logged or kept, and
 * reaches the kiosks with the next roster snapshot like every leader's PIN
 * hash. Viewers get 403. */
#include "web_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "log.h"

struct fl {
	char (*id)[SRV_ID_MAX + 1];
	size_t n, cap;
	const struct web_ctx *c;
	bool failed;
};

static int collect(void *ctx, const char *id, const char *name, const char *tz)
{
	(void)name;
	(void)tz;
	struct fl *l = ctx;
	if (!web_may_correct(l->c, id))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		void *v = realloc(l->id, cap * sizeof(*l->id));
		if (!v) {
			l->failed = true;
			return 1;
		}
		l->id = v;
		l->cap = cap;
	}
	snprintf(l->id[l->n++], SRV_ID_MAX + 1, "%s", id);
	return 0;
}

static void pin_form(struct web_ctx *c, struct html *h, const char *leader_id)
{
	HTML_LIT(h, "<form method=\"post\" class=\"pin\"");
	HTML_ACTION(h, "/leaders/", leader_id, "/pin");
	HTML_LIT(h, ">");
	web_csrf_field(c, h);
	HTML_LIT(h, "<label>");
	html_text(h, L(c, "Ny PIN", "New PIN"));
	HTML_LIT(h,
		 " <input type=\"password\" name=\"pin\" inputmode=\"numeric\""
		 " pattern=\"[0-9]{4,12}\" autocomplete=\"new-password\" required></label><label>");
	html_text(h, L(c, "Igen", "Again"));
	HTML_LIT(h, " <input type=\"password\" name=\"pin2\" inputmode=\"numeric\""
		    " pattern=\"[0-9]{4,12}\" autocomplete=\"new-password\" required></label>"
		    "<button type=\"submit\">");
	html_text(h, L(c, "Spara PIN", "Save PIN"));
	HTML_LIT(h, "</button></form>");
}

/* The page; note (a success) or error shown on top. */
static void leaders_page(struct web_ctx *c, const char *note, const char *error)
{
	struct fl l = {.c = c};
	struct html h = {0};
	enum blippa_err rc = srv_store_list_facilities(c->w->store, collect, &l);
	if (rc != BLIPPA_OK || l.failed) {
		log_error("web", "leaders: %s", blippa_strerror(rc));
		web_send_status(c, 503);
		goto out;
	}
	web_page_begin(c, &h, L(c, "Ledare", "Leaders"));
	HTML_LIT(&h, "<h1>");
	html_text(&h, L(c, "Ledare och PIN", "Leaders and PINs"));
	HTML_LIT(&h, "</h1>");
	if (note) {
		HTML_LIT(&h, "<p class=\"ok\" role=\"status\" id=\"pin-note\">");
		html_text(&h, note);
		HTML_LIT(&h, "</p>");
	}
	if (error) {
		HTML_LIT(&h, "<p class=\"error\" role=\"alert\" id=\"pin-error\">");
		html_text(&h, error);
		HTML_LIT(&h, "</p>");
	}
	HTML_LIT(&h, "<p class=\"muted\">");
	html_text(&h, L(c, "En PIN är 4–12 siffror. Kioskerna får den med nästa synk.",
			"A PIN is 4-12 digits. The kiosks get it with their next sync."));
	HTML_LIT(&h, "</p>");
	for (size_t i = 0; i < l.n; i++) {
		struct roster *r = NULL;
		rc = srv_store_load_roster(c->w->store, l.id[i], &r);
		if (rc == BLIPPA_ERR_NOT_FOUND)
			continue;
		if (rc != BLIPPA_OK) {
			html_free(&h);
			web_send_status(c, 503);
			goto out;
		}
		HTML_LIT(&h, "<section class=\"card\"><h2>");
		html_text(&h, r->facility.name);
		HTML_LIT(&h, "</h2>");
		if (!r->n_leaders) {
			HTML_LIT(&h, "<p class=\"muted\">");
			html_text(&h, L(c, "Inga ledare.", "No leaders."));
			HTML_LIT(&h, "</p>");
		}
		HTML_LIT(&h, "<ul class=\"leaders\">");
		for (size_t k = 0; k < r->n_leaders; k++) {
			const struct roster_leader *ld = &r->leaders[k];
			HTML_LIT(&h, "<li");
			HTML_ATTR(&h, "id", ld->id);
			HTML_LIT(&h, "><strong>");
			html_text(&h, ld->name);
			HTML_LIT(&h, "</strong> <span class=\"tag\">");
			html_text(&h, ld->pin_hash ? L(c, "PIN satt", "PIN set")
						   : L(c, "ingen PIN", "no PIN"));
			HTML_LIT(&h, "</span>");
			pin_form(c, &h, ld->id);
			HTML_LIT(&h, "</li>");
		}
		HTML_LIT(&h, "</ul></section>");
		roster_free(r);
	}
	web_page_end(c, &h);
	web_send_html(c, &h);
out:
	free(l.id);
}

void web_page_leaders(struct web_ctx *c)
{
	if (c->user.role == SRV_ROLE_VIEWER) {
		web_send_status(c, 403);
		return;
	}
	leaders_page(c, NULL, NULL);
}

/* found: leader_id is a leader of a facility the account may correct
 * (that facility's id into fid). */
static enum blippa_err leader_allowed(struct web_ctx *c, const char *leader_id, bool *found,
				      char fid[SRV_ID_MAX + 1])
{
	struct fl l = {.c = c};
	*found = false;
	enum blippa_err rc = srv_store_list_facilities(c->w->store, collect, &l);
	if (rc == BLIPPA_OK && l.failed)
		rc = BLIPPA_ERR_NOMEM;
	for (size_t i = 0; rc == BLIPPA_OK && !*found && i < l.n; i++) {
		struct roster *r = NULL;
		rc = srv_store_load_roster(c->w->store, l.id[i], &r);
		if (rc == BLIPPA_ERR_NOT_FOUND) {
			rc = BLIPPA_OK;
			continue;
		}
		for (size_t k = 0; rc == BLIPPA_OK && k < r->n_leaders; k++)
			if (strcmp(r->leaders[k].id, leader_id) == 0) {
				*found = true;
				snprintf(fid, SRV_ID_MAX + 1, "%s", l.id[i]);
			}
		roster_free(r);
	}
	free(l.id);
	return rc;
}

void web_post_leader_pin(struct web_ctx *c, const char *leader_id)
{
	char pin[32] = "", pin2[32] = "", hash[AUTH_PIN_HASH_MAX], fid[SRV_ID_MAX + 1] = "";
	char detail[SRV_ID_MAX + 8];
	bool found = false;
	if (c->user.role == SRV_ROLE_VIEWER) {
		web_send_status(c, 403);
		goto out;
	}
	enum blippa_err rc = leader_allowed(c, leader_id, &found, fid);
	if (rc != BLIPPA_OK) {
		log_error("web", "set PIN: %s", blippa_strerror(rc));
		web_send_status(c, 503);
		goto out;
	}
	if (!found) { /* another facility's leader, or none: the same answer */
		web_send_status(c, 403);
		goto out;
	}
	if (!web_field(c, "pin", pin, sizeof(pin)) || !web_field(c, "pin2", pin2, sizeof(pin2)) ||
	    !auth_pin_valid(pin) || strcmp(pin, pin2) != 0) {
		c->resp->status = 400;
		leaders_page(c, NULL,
			     L(c, "PIN ska vara 4–12 siffror, likadan i båda fälten.",
			       "The PIN must be 4-12 digits, the same in both fields."));
		goto out;
	}
	rc = auth_pin_hash(pin, hash);
	if (rc == BLIPPA_OK)
		rc = srv_store_set_leader_pin(c->w->store, leader_id, hash);
	if (rc != BLIPPA_OK) {
		log_error("web", "set PIN: %s", blippa_strerror(rc));
		web_send_status(c, rc == BLIPPA_ERR_NOT_FOUND ? 404 : 503);
		goto out;
	}
	snprintf(detail, sizeof(detail), "leader %s", leader_id);
	web_audit(c, WEB_AUDIT_PIN_SET, fid, detail);
	leaders_page(c,
		     L(c, "PIN sparad. Kioskerna får den vid nästa synk.",
		       "PIN saved. The kiosks get it at their next sync."),
		     NULL);
out:
	sodium_memzero(pin, sizeof(pin));
	sodium_memzero(pin2, sizeof(pin2));
}
