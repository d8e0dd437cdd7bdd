/* SPDX-License-Identifier: MIT */
/* Staff corrections of attendance (coordinators and admins): the form and
 * the list of corrections on the group page, and POST
 * /groups/ID/corrections, which stores them as events authored by the
 * account ("staff:<user>") with the reason beside them. A kiosk's own
 * events are never edited: a correction adds a check-in or voids one. */
#include "web_int.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "log.h"
#include "web_data.h"

struct corr_list {
	struct web_ctx *c;
	struct html *h;
	const struct web_data *d;
	size_t n;
};

static const char *session_start(const struct web_data *d, const char *sid)
{
	for (size_t i = 0; i < d->n_sessions; i++)
		if (strcmp(d->sessions[i].s->id, sid) == 0)
			return d->sessions[i].s->start;
	return sid;
}

static const struct roster_participant *participant(const struct web_data *d, const char *pid)
{
	for (size_t i = 0; i < d->r->n_participants; i++)
		if (strcmp(d->r->participants[i].id, pid) == 0)
			return &d->r->participants[i];
	return NULL;
}

static int corr_row(void *ctx, const struct srv_correction *k)
{
	struct corr_list *l = ctx;
	struct html *h = l->h;
	const struct roster_participant *p = participant(l->d, k->participant_id);
	if (!l->n++)
		HTML_LIT(h, "<ul class=\"corrections\">");
	HTML_LIT(h, "<li>");
	html_text(h, session_start(l->d, k->session_id));
	HTML_LIT(h, " · <strong>");
	if (p) {
		html_text(h, p->given_name);
		HTML_LIT(h, " ");
		html_text(h, p->family_name);
	} else {
		html_text(h, k->participant_id);
	}
	HTML_LIT(h, "</strong> → ");
	html_text(h, T(l->c, k->present ? M_PRESENT : M_NOT_PRESENT));
	HTML_LIT(h, " · ");
	html_text(h, k->user);
	HTML_LIT(h, ": <q>");
	html_text(h, k->reason);
	HTML_LIT(h, "</q></li>");
	return 0;
}

/* The corrections made so far and, for coordinators and admins, the form. */
void web_corrections(struct web_ctx *c, struct html *h, const struct web_data *d,
		     const struct wd_group *g, const char *fid)
{
	struct corr_list l = {.c = c, .h = h, .d = d};
	HTML_LIT(h, "<section class=\"card\"><h2>");
	html_text(h, T(c, M_CORRECT));
	HTML_LIT(h, "</h2>");
	if (srv_store_list_corrections(c->w->store, g->g->id, corr_row, &l) != BLIPPA_OK)
		log_error("web", "corrections list failed");
	if (l.n)
		HTML_LIT(h, "</ul>");
	if (!web_may_correct(c, fid) || !g->n_held || !g->n_members) {
		HTML_LIT(h, "</section>");
		return;
	}
	HTML_LIT(h, "<form class=\"correct\" method=\"post\"");
	HTML_ACTION(h, "/groups/", g->g->id, "/corrections");
	HTML_LIT(h, ">");
	web_csrf_field(c, h);
	HTML_LIT(h, "<label>");
	html_text(h, T(c, M_PARTICIPANT));
	HTML_LIT(h, " <select name=\"participant\">");
	for (size_t i = g->first_member; i < g->first_member + g->n_all; i++) {
		HTML_LIT(h, "<option");
		HTML_ATTR(h, "value", d->members[i].p->id);
		HTML_LIT(h, ">");
		html_text(h, d->members[i].p->family_name);
		HTML_LIT(h, ", ");
		html_text(h, d->members[i].p->given_name);
		HTML_LIT(h, "</option>");
	}
	HTML_LIT(h, "</select></label><label>");
	html_text(h, T(c, M_SESSION));
	HTML_LIT(h, " <select name=\"session\">");
	for (size_t s = g->first_session + g->n_sessions; s-- > g->first_session;) {
		if (!d->sessions[s].held)
			continue;
		HTML_LIT(h, "<option");
		HTML_ATTR(h, "value", d->sessions[s].s->id);
		HTML_LIT(h, ">");
		html_text(h, d->sessions[s].s->start);
		HTML_LIT(h, "</option>");
	}
	HTML_LIT(h, "</select></label><label>");
	html_text(h, T(c, M_STATUS));
	HTML_LIT(h, " <select name=\"status\"><option value=\"present\">");
	html_text(h, T(c, M_PRESENT));
	HTML_LIT(h, "</option><option value=\"absent\">");
	html_text(h, T(c, M_NOT_PRESENT));
	HTML_LIT(h, "</option></select></label><label>");
	html_text(h, T(c, M_REASON));
	HTML_LIT(h, " <input name=\"reason\" required maxlength=\"200\"></label>"
		    "<button type=\"submit\">");
	html_text(h, T(c, M_SAVE));
	HTML_LIT(h, "</button></form></section>");
}

void web_post_correction(struct web_ctx *c, const char *group_id)
{
	struct web_data *d = NULL;
	char fid[SRV_ID_MAX + 1], pid[SRV_ID_MAX + 1], sid[SRV_ID_MAX + 1], status[16];
	char reason[SRV_REASON_MAX * 4 + 1], loc[256];
	const char *body = c->req->body ? c->req->body : "";
	enum blippa_err rc = web_find_group(c, group_id, &d, fid);
	if (rc == BLIPPA_ERR_NOT_FOUND) {
		web_send_status(c, c->user.role == SRV_ROLE_ADMIN ? 404 : 403);
		return;
	}
	if (rc != BLIPPA_OK) {
		web_send_status(c, 503);
		return;
	}
	if (!web_may_correct(c, fid)) {
		log_warn("web", "user %s may not correct here: 403", c->user.name);
		web_send_status(c, 403);
		goto out;
	}
	if (!web_form_get(body, "participant", pid, sizeof(pid)) ||
	    !web_form_get(body, "session", sid, sizeof(sid)) ||
	    !web_form_get(body, "status", status, sizeof(status)) ||
	    !web_form_get(body, "reason", reason, sizeof(reason)) || !reason[0] ||
	    (strcmp(status, "present") != 0 && strcmp(status, "absent") != 0)) {
		web_send_status(c, 400);
		goto out;
	}
	const struct wd_group *g = &d->groups[0];
	bool held = false, member = false;
	for (size_t s = g->first_session; s < g->first_session + g->n_sessions; s++)
		if (strcmp(d->sessions[s].s->id, sid) == 0)
			held = d->sessions[s].held;
	for (size_t i = g->first_member; i < g->first_member + g->n_all; i++)
		if (strcmp(d->members[i].p->id, pid) == 0)
			member = true;
	if (!held || !member) { /* only past sessions of the group, its participants */
		web_send_status(c, 400);
		goto out;
	}
	struct srv_correction k = {.facility_id = fid,
				   .group_id = group_id,
				   .session_id = sid,
				   .participant_id = pid,
				   .present = status[0] == 'p',
				   .user = c->user.name,
				   .reason = reason,
				   .at_ms = clock_wall_ms()};
	rc = srv_store_correct(c->w->store, &k);
	if (rc != BLIPPA_OK) {
		log_error("web", "correction: %s", blippa_strerror(rc));
		web_send_status(c, 503);
		goto out;
	}
	log_info("web", "user %s corrected attendance in a group", c->user.name);
	SRV_AUDIT(c->w->store, c->user.name, AUDIT_CORRECT, .facility_id = fid,
		  .group_id = group_id, .session_id = sid, .participant_id = pid,
		  .detail = k.present ? "present" : "not present");
	if (!html_url_path(loc, sizeof(loc), "/groups/", group_id, ""))
		snprintf(loc, sizeof(loc), "/");
	c->resp->status = 303;
	snprintf(c->resp->location, sizeof(c->resp->location), "%s", loc);
out:
	web_data_free(d);
}
