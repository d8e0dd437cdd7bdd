/* SPDX-License-Identifier: MIT */
/* The back-office pages: the overview (facilities, groups, attendance rate,
 * a small SVG chart per group), the group grid (participants x sessions,
 * "7 av 9", follow-up list) and one participant's attendance in a group. */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "log.h"
#include "web_data.h"

struct fac {
	char id[SRV_ID_MAX + 1];
};

struct fac_list {
	struct fac *v;
	size_t n, cap;
	const struct web_ctx *c;
};

static int collect_fac(void *ctx, const char *id, const char *name, const char *tz)
{
	(void)name;
	(void)tz;
	struct fac_list *l = ctx;
	if (!web_may_see(l->c, id))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct fac *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return 1;
		l->v = v;
		l->cap = cap;
	}
	snprintf(l->v[l->n++].id, SRV_ID_MAX + 1, "%s", id);
	return 0;
}

static unsigned pct(size_t a, size_t b)
{
	return b ? (unsigned)((a * 100 + b / 2) / b) : 0;
}

/* Bars per held session: present / members, 0..100 %. */
static void chart(struct html *h, const struct web_data *d, const struct wd_group *g)
{
	size_t n = g->n_held;
	if (!n) {
		HTML_LIT(h, "<span class=\"muted\">–</span>");
		return;
	}
	unsigned w = (unsigned)(n > 40 ? 4 : n > 20 ? 6 : 10);
	HTML_LIT(h, "<svg class=\"chart\" role=\"img\" height=\"32\"");
	HTML_ATTR_U(h, "width", n * w);
	HTML_LIT(h, ">");
	size_t k = 0;
	for (size_t s = g->first_session; s < g->first_session + g->n_sessions; s++) {
		const struct wd_session *ses = &d->sessions[s];
		if (!ses->held)
			continue;
		unsigned v = g->n_members ? (unsigned)(ses->present * 30 / g->n_members) : 0;
		HTML_LIT(h, "<rect");
		HTML_ATTR_U(h, "x", k * w);
		HTML_ATTR_U(h, "y", 31 - v);
		HTML_ATTR_U(h, "width", w - 1);
		HTML_ATTR_U(h, "height", v + 1);
		HTML_LIT(h, "><title>");
		html_text(h, ses->s->start);
		html_textf(h, ": %zu/%zu", ses->present, g->n_members);
		HTML_LIT(h, "</title></rect>");
		k++;
	}
	HTML_LIT(h, "</svg>");
}

static void group_status(struct web_ctx *c, struct html *h, const struct web_data *d,
			 const struct roster_group *g)
{
	char today[11];
	snprintf(today, sizeof(today), "%.10s", d->now_local);
	enum web_msg m = strcmp(today, g->period_start) < 0 ? M_UPCOMING
			 : strcmp(today, g->period_end) > 0 ? M_ENDED
							    : M_CURRENT;
	HTML_LIT(h, "<span class=\"tag\">");
	html_text(h, T(c, m));
	HTML_LIT(h, "</span>");
}

static void export_form(struct web_ctx *c, struct html *h, const char *fid, const char *gid)
{
	HTML_LIT(h, "<form class=\"export\" method=\"get\" action=\"/export.csv\">");
	if (fid) {
		HTML_LIT(h, "<input type=\"hidden\" name=\"facility\"");
		HTML_ATTR(h, "value", fid);
		HTML_LIT(h, ">");
	}
	if (gid) {
		HTML_LIT(h, "<input type=\"hidden\" name=\"group\"");
		HTML_ATTR(h, "value", gid);
		HTML_LIT(h, ">");
	}
	HTML_LIT(h, "<label>");
	html_text(h, T(c, M_FROM));
	HTML_LIT(h, " <input type=\"date\" name=\"from\"></label><label>");
	html_text(h, T(c, M_TO));
	HTML_LIT(h, " <input type=\"date\" name=\"to\"></label><button type=\"submit\">");
	html_text(h, T(c, M_CSV));
	HTML_LIT(h, "</button><button type=\"submit\" formaction=\"/export.xlsx\">");
	html_text(h, T(c, M_XLSX));
	HTML_LIT(h, "</button></form>");
}

void web_page_overview(struct web_ctx *c)
{
	struct fac_list l = {.c = c};
	struct html h = {0};
	int64_t now = clock_wall_ms();
	enum blippa_err rc = srv_store_list_facilities(c->w->store, collect_fac, &l);
	if (rc != BLIPPA_OK) {
		log_error("web", "overview: %s", blippa_strerror(rc));
		web_send_status(c, 503);
		goto out;
	}
	web_page_begin(c, &h, T(c, M_OVERVIEW));
	HTML_LIT(&h, "<h1>");
	html_text(&h, T(c, M_OVERVIEW));
	HTML_LIT(&h, "</h1>");
	export_form(c, &h, NULL, NULL);
	for (size_t i = 0; i < l.n; i++) {
		struct web_data *d = NULL;
		rc = web_data_load(c->w->store, l.v[i].id, NULL, now, &d);
		if (rc == BLIPPA_ERR_NOT_FOUND)
			continue;
		if (rc != BLIPPA_OK) {
			log_error("web", "overview: %s", blippa_strerror(rc));
			html_free(&h);
			web_send_status(c, 503);
			goto out;
		}
		HTML_LIT(&h, "<section class=\"card\"><h2>");
		html_text(&h, d->r->facility.name);
		HTML_LIT(&h, "</h2>");
		if (!d->n_groups) {
			HTML_LIT(&h, "<p class=\"muted\">");
			html_text(&h, T(c, M_NO_GROUPS));
			HTML_LIT(&h, "</p>");
		} else {
			HTML_LIT(&h,
				 "<div class=\"scroll\"><table class=\"groups\"><thead><tr><th>");
			html_text(&h, T(c, M_GROUP));
			HTML_LIT(&h, "</th><th>");
			html_text(&h, T(c, M_PERIOD));
			HTML_LIT(&h, "</th><th class=\"num\">");
			html_text(&h, T(c, M_MEMBERS));
			HTML_LIT(&h, "</th><th class=\"num\">");
			html_text(&h, T(c, M_HELD));
			HTML_LIT(&h, "</th><th class=\"num\">");
			html_text(&h, T(c, M_MEAN));
			HTML_LIT(&h, "</th><th class=\"num\">");
			html_text(&h, T(c, M_HALF));
			HTML_LIT(&h, "</th><th></th></tr></thead><tbody>");
		}
		for (size_t g = 0; g < d->n_groups; g++) {
			const struct wd_group *wg = &d->groups[g];
			HTML_LIT(&h, "<tr><td><a");
			HTML_HREF(&h, "/groups/", wg->g->id, "");
			HTML_LIT(&h, ">");
			html_text(&h, wg->g->name);
			HTML_LIT(&h, "</a> ");
			group_status(c, &h, d, wg->g);
			HTML_LIT(&h, "</td><td>");
			html_text(&h, wg->g->period_start);
			HTML_LIT(&h, " – ");
			html_text(&h, wg->g->period_end);
			HTML_LIT(&h, "</td><td class=\"num\">");
			html_textf(&h, "%zu", wg->n_members);
			HTML_LIT(&h, "</td><td class=\"num\">");
			html_textf(&h, "%zu", wg->n_held);
			HTML_LIT(&h, "</td><td class=\"num\">");
			html_textf(&h, "%u %%", pct(wg->present_total, wg->n_held * wg->n_members));
			HTML_LIT(&h, "</td><td class=\"num\">");
			html_textf(&h, "%u %%", pct(wg->half, wg->n_members));
			HTML_LIT(&h, "</td><td>");
			chart(&h, d, wg);
			HTML_LIT(&h, "</td></tr>");
		}
		if (d->n_groups)
			HTML_LIT(&h, "</tbody></table></div>");
		HTML_LIT(&h, "</section>");
		web_data_free(d);
	}
	web_page_end(c, &h);
	web_send_html(c, &h);
out:
	free(l.v);
}

static const char *mark_text(struct web_ctx *c, enum web_mark m)
{
	switch (m) {
	case WM_CARD:
		return c->lang == WEB_EN ? "C" : "K";
	case WM_NAME:
		return "N";
	case WM_LEADER:
		return "L";
	case WM_ABSENT:
		return "–";
	default:
		return "";
	}
}

static void mark_cell(struct web_ctx *c, struct html *h, unsigned char mark, bool held)
{
	static const char *const cls[] = {"m-none", "m-absent", "m-card", "m-name", "m-leader"};
	static const char *const cls_staff[] = {"m-none", "m-absent", "m-card", "m-name",
						"m-leader m-staff"};
	static const enum web_msg tip[] = {M_COUNT, M_ABSENT, M_CARD, M_NAME, M_LEADER};
	enum web_mark m = held ? (enum web_mark)(mark & WM_MASK) : WM_NONE;
	bool staff = held && (mark & WM_STAFF);
	if ((unsigned)m > WM_LEADER)
		m = WM_NONE;
	HTML_LIT(h, "<td");
	HTML_ATTR(h, "class", staff ? cls_staff[m] : cls[m]);
	if (m != WM_NONE)
		HTML_ATTR(h, "title", T(c, staff ? M_CORRECTED : tip[m]));
	HTML_LIT(h, ">");
	html_text(h, mark_text(c, m));
	if (staff)
		HTML_LIT(h, "*");
	HTML_LIT(h, "</td>");
}

static void legend(struct web_ctx *c, struct html *h)
{
	HTML_LIT(h, "<p class=\"legend\">");
	html_text(h, T(c, M_LEGEND));
	html_textf(h, ": %s = %s, N = %s, L = %s, – = %s, * = %s", mark_text(c, WM_CARD),
		   T(c, M_CARD), T(c, M_NAME), T(c, M_LEADER), T(c, M_ABSENT), T(c, M_CORRECTED));
	HTML_LIT(h, "</p>");
}

static void participant_view(struct web_ctx *c, struct html *h, const struct web_data *d,
			     const struct wd_group *g, const struct wd_member *m)
{
	HTML_LIT(h, "<section class=\"card\"><h2>");
	html_text(h, m->p->given_name);
	HTML_LIT(h, " ");
	html_text(h, m->p->family_name);
	HTML_LIT(h, "</h2><p class=\"big\">");
	html_textf(h, "%zu %s %zu", m->attended, T(c, M_OF), g->n_held);
	HTML_LIT(h, "</p><table class=\"list\"><thead><tr><th>");
	html_text(h, T(c, M_SESSION));
	HTML_LIT(h, "</th><th>");
	html_text(h, T(c, M_STATUS));
	HTML_LIT(h, "</th></tr></thead><tbody>");
	for (size_t s = 0; s < g->n_sessions; s++) {
		const struct wd_session *ses = &d->sessions[g->first_session + s];
		HTML_LIT(h, "<tr><td>");
		html_text(h, ses->s->start);
		HTML_LIT(h, "</td>");
		mark_cell(c, h, m->marks[s], ses->held);
		HTML_LIT(h, "</tr>");
	}
	HTML_LIT(h, "</tbody></table></section>");
}

static void grid(struct web_ctx *c, struct html *h, const struct web_data *d,
		 const struct wd_group *g)
{
	HTML_LIT(h, "<section class=\"card\"><div class=\"scroll\"><table class=\"grid\"><thead>"
		    "<tr><th class=\"name\">");
	html_text(h, T(c, M_PARTICIPANT));
	HTML_LIT(h, "</th>");
	for (size_t s = 0; s < g->n_sessions; s++) {
		const struct wd_session *ses = &d->sessions[g->first_session + s];
		HTML_LIT(h, "<th class=\"ses\"");
		HTML_ATTR(h, "title", ses->s->start);
		HTML_LIT(h, ">");
		html_textf(h, "%.5s", ses->s->start + 5);
		HTML_LIT(h, "</th>");
	}
	HTML_LIT(h, "<th class=\"num\">");
	html_text(h, T(c, M_ATTENDED));
	HTML_LIT(h, "</th></tr></thead><tbody>");
	for (size_t i = g->first_member; i < g->first_member + g->n_all; i++) {
		const struct wd_member *m = &d->members[i];
		HTML_LIT(h, "<tr");
		if (m->left)
			HTML_LIT(h, " class=\"left\"");
		HTML_LIT(h, "><th class=\"name\"><a");
		HTML_HREF2(h, "/groups/", g->g->id, "/participants/", m->p->id);
		HTML_LIT(h, ">");
		html_text(h, m->p->family_name);
		HTML_LIT(h, ", ");
		html_text(h, m->p->given_name);
		HTML_LIT(h, "</a>");
		if (m->left) {
			HTML_LIT(h, " <span class=\"tag\">");
			html_text(h, T(c, M_LEFT));
			HTML_LIT(h, "</span>");
		}
		HTML_LIT(h, "</th>");
		for (size_t s = 0; s < g->n_sessions; s++)
			mark_cell(c, h, m->marks[s], d->sessions[g->first_session + s].held);
		HTML_LIT(h, "<td class=\"num\">");
		html_textf(h, "%zu %s %zu", m->attended, T(c, M_OF), g->n_held);
		HTML_LIT(h, "</td></tr>");
	}
	HTML_LIT(h, "</tbody></table></div>");
	legend(c, h);
	HTML_LIT(h, "</section>");
}

static void follow_up(struct web_ctx *c, struct html *h, const struct web_data *d,
		      const struct wd_group *g)
{
	size_t n = 0;
	HTML_LIT(h, "<section class=\"card follow\"><h2>");
	html_text(h, T(c, M_FOLLOW_UP));
	HTML_LIT(h, "</h2>");
	for (size_t i = g->first_member; i < g->first_member + g->n_all; i++) {
		const struct wd_member *m = &d->members[i];
		if (!m->follow_up)
			continue;
		if (!n++) {
			HTML_LIT(h, "<p>");
			html_text(h, T(c, M_FOLLOW_UP_HINT));
			HTML_LIT(h, "</p><ul>");
		}
		HTML_LIT(h, "<li>");
		html_text(h, m->p->given_name);
		HTML_LIT(h, " ");
		html_text(h, m->p->family_name);
		HTML_LIT(h, "</li>");
	}
	if (n)
		HTML_LIT(h, "</ul>");
	else {
		HTML_LIT(h, "<p class=\"muted\">");
		html_text(h, T(c, M_FOLLOW_UP_NONE));
		HTML_LIT(h, "</p>");
	}
	HTML_LIT(h, "</section>");
}

/* Finds the facility of group gid among all facilities (not only visible
 * ones, so that a group outside the account's facilities answers 403, not
 * 404) and loads its data. */
struct find_ctx {
	struct web_ctx *c;
	const char *gid;
	struct web_data *d;
	enum blippa_err rc;
	char fid[SRV_ID_MAX + 1];
};

static int find_group(void *ctx, const char *id, const char *name, const char *tz)
{
	(void)name;
	(void)tz;
	struct find_ctx *f = ctx;
	struct web_data *d = NULL;
	enum blippa_err rc = web_data_load(f->c->w->store, id, f->gid, clock_wall_ms(), &d);
	if (rc == BLIPPA_ERR_NOT_FOUND)
		return 0;
	f->rc = rc;
	f->d = d;
	snprintf(f->fid, sizeof(f->fid), "%s", id);
	return 1;
}

enum blippa_err web_find_group(struct web_ctx *c, const char *gid, struct web_data **d,
			       char fid[SRV_ID_MAX + 1])
{
	struct find_ctx f = {.c = c, .gid = gid, .rc = BLIPPA_ERR_NOT_FOUND};
	enum blippa_err rc = srv_store_list_facilities(c->w->store, find_group, &f);
	if (rc == BLIPPA_OK)
		rc = f.rc;
	*d = f.d;
	snprintf(fid, SRV_ID_MAX + 1, "%s", f.fid);
	return rc;
}

void web_page_group(struct web_ctx *c, const char *group_id, const char *participant_id)
{
	struct web_data *d = NULL;
	char fid[SRV_ID_MAX + 1];
	struct html h = {0};
	enum blippa_err rc = web_find_group(c, group_id, &d, fid);
	if (rc == BLIPPA_ERR_NOT_FOUND) {
		/* Not telling apart "no such group" and "not yours" would also do;
		 * an account that may see nothing there gets 403 either way. */
		web_send_status(c, c->user.role == SRV_ROLE_ADMIN ? 404 : 403);
		return;
	}
	if (rc != BLIPPA_OK) {
		log_error("web", "group page: %s", blippa_strerror(rc));
		web_send_status(c, 503);
		return;
	}
	if (!web_may_see(c, fid)) {
		web_send_status(c, 403);
		goto out;
	}
	const struct wd_group *g = &d->groups[0];
	const struct wd_member *m = NULL;
	if (participant_id) {
		for (size_t i = g->first_member; i < g->first_member + g->n_all; i++)
			if (strcmp(d->members[i].p->id, participant_id) == 0)
				m = &d->members[i];
		if (!m) {
			web_send_status(c, 404);
			goto out;
		}
	}
	/* every view of attendance is in the audit trail before it is shown */
	if (SRV_AUDIT(c->w->store, c->user.name, m ? AUDIT_VIEW_PARTICIPANT : AUDIT_VIEW_GROUP,
		      .facility_id = fid, .group_id = g->g->id,
		      .participant_id = participant_id) != BLIPPA_OK) {
		web_send_status(c, 503);
		goto out;
	}
	web_page_begin(c, &h, g->g->name);
	HTML_LIT(&h, "<p class=\"crumbs\"><a href=\"/\">");
	html_text(&h, T(c, M_OVERVIEW));
	HTML_LIT(&h, "</a> › ");
	html_text(&h, d->r->facility.name);
	if (m) {
		HTML_LIT(&h, " › <a");
		HTML_HREF(&h, "/groups/", g->g->id, "");
		HTML_LIT(&h, ">");
		html_text(&h, g->g->name);
		HTML_LIT(&h, "</a>");
	}
	HTML_LIT(&h, "</p><h1>");
	html_text(&h, g->g->name);
	HTML_LIT(&h, "</h1><p class=\"muted\">");
	html_text(&h, g->g->period_start);
	HTML_LIT(&h, " – ");
	html_text(&h, g->g->period_end);
	html_textf(&h, " · %s: %zu · %s: %zu", T(c, M_HELD), g->n_held, T(c, M_MEMBERS),
		   g->n_members);
	HTML_LIT(&h, "</p>");
	if (m) {
		participant_view(c, &h, d, g, m);
	} else {
		follow_up(c, &h, d, g);
		grid(c, &h, d, g);
		web_corrections(c, &h, d, g, fid);
		export_form(c, &h, fid, g->g->id);
	}
	web_page_end(c, &h);
	web_send_html(c, &h);
out:
	web_data_free(d);
}
