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
#include "dynarr.h"
#include "log.h"
#include "web_data.h"

struct fac {
	char id[SRV_ID_MAX + 1];
	char name[ROSTER_NAME_MAX + 1];
	char tz[64];
};

struct fac_list {
	struct fac *v;
	size_t n, cap;
	const struct web_ctx *c;
};

static int collect_fac(void *ctx, const char *id, const char *name, const char *tz)
{
	struct fac_list *l = ctx;
	if (!web_may_see(l->c, id))
		return 0;
	enum blippa_err rc;
	DYNARR_RESERVE(rc, l->v, l->cap, l->n + 1, MODEL_SNAPSHOT_ROWS_MAX);
	if (rc != BLIPPA_OK)
		return 1;
	struct fac *f = &l->v[l->n++];
	snprintf(f->id, sizeof(f->id), "%s", id);
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->tz, sizeof(f->tz), "%s", tz);
	return 0;
}

static unsigned pct(size_t a, size_t b)
{
	return b ? (unsigned)((a * 100 + b / 2) / b) : 0;
}

/* Appends prefix and v in decimal to buf at len; returns the new length
 * (the caller leaves room: prefix + 20 digits). */
static size_t put_uint(char *buf, size_t len, const char *prefix, size_t v)
{
	char d[24];
	size_t n = 0;
	while (*prefix)
		buf[len++] = *prefix++;
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	while (n)
		buf[len++] = d[--n];
	return len;
}

/* Bars per held session (present / members, 0..100 %) as one SVG path:
 * small enough for thousands of groups on one page. */
#define CHART_BARS_MAX 120
static void chart(struct html *h, const struct web_data *d, const struct wd_group *g)
{
	size_t n = g->n_held;
	if (!n) {
		HTML_LIT(h, "<span class=\"muted\">–</span>");
		return;
	}
	if (n > CHART_BARS_MAX)
		n = CHART_BARS_MAX; /* the latest ones */
	unsigned w = (unsigned)(n > 40 ? 4 : n > 20 ? 6 : 10);
	char path[CHART_BARS_MAX * 40 + 1] = "";
	size_t len = 0, k = 0, skip = g->n_held - n;
	for (size_t s = g->first_session; s < g->first_session + g->n_sessions; s++) {
		const struct wd_session *ses = &d->sessions[s];
		if (!ses->held)
			continue;
		if (skip) {
			skip--;
			continue;
		}
		unsigned v = g->n_members ? (unsigned)(ses->present * 30 / g->n_members) : 0;
		if (v > 30)
			v = 30;
		/* "M<x> 32v-<h>h<w-1>v<h>z", without printf: thousands per page */
		if (len + 40 >= sizeof(path))
			break;
		len = put_uint(path, len, "M", k * w);
		len = put_uint(path, len, " 32v-", v + 1);
		len = put_uint(path, len, "h", w - 1);
		len = put_uint(path, len, "v", v + 1);
		path[len++] = 'z';
		path[len] = '\0';
		k++;
	}
	HTML_LIT(h, "<svg class=\"chart\" role=\"img\" height=\"32\"");
	HTML_ATTR_U(h, "width", n * w);
	HTML_LIT(h, "><title>");
	html_textf(h, "%zu: %u %%", g->n_held, pct(g->present_total, g->n_held * g->n_members));
	HTML_LIT(h, "</title><path");
	HTML_ATTR(h, "d", path);
	HTML_LIT(h, "></path></svg>");
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

/* Which groups the overview lists: ?period=current (default), past,
 * upcoming. */
static const char *period_of(struct web_ctx *c, enum web_msg *label)
{
	const char *p = c->req->arg ? c->req->arg(c->req->arg_ctx, "period") : NULL;
	*label = M_SHOW_CURRENT;
	if (p && strcmp(p, "past") == 0) {
		*label = M_SHOW_PAST;
		return "past";
	}
	if (p && strcmp(p, "upcoming") == 0) {
		*label = M_SHOW_UPCOMING;
		return "upcoming";
	}
	return "current";
}

static void period_tabs(struct web_ctx *c, struct html *h, enum web_msg shown)
{
	static const struct {
		enum web_msg m;
		const char *href;
	} tabs[] = {{M_SHOW_CURRENT, "/"},
		    {M_SHOW_PAST, "/?period=past"},
		    {M_SHOW_UPCOMING, "/?period=upcoming"}};
	HTML_LIT(h, "<nav class=\"tabs\">");
	for (size_t i = 0; i < sizeof(tabs) / sizeof(tabs[0]); i++) {
		if (tabs[i].m == shown) {
			HTML_LIT(h, "<strong aria-current=\"page\">");
			html_text(h, T(c, tabs[i].m));
			HTML_LIT(h, "</strong>");
			continue;
		}
		HTML_LIT(h, "<a");
		HTML_ATTR(h, "href", tabs[i].href);
		HTML_LIT(h, ">");
		html_text(h, T(c, tabs[i].m));
		HTML_LIT(h, "</a>");
	}
	HTML_LIT(h, "</nav>");
}

void web_page_overview(struct web_ctx *c)
{
	struct fac_list l = {.c = c};
	struct html h = {0};
	int64_t now = clock_wall_ms();
	enum web_msg shown;
	const char *period = period_of(c, &shown);
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
	period_tabs(c, &h, shown);
	for (size_t i = 0; i < l.n; i++) {
		struct web_data *d = NULL;
		rc = web_data_overview(c->w->store, l.v[i].id, l.v[i].name, l.v[i].tz, period, now,
				       &d);
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

#define MARK_VOIDED "×" /* not present, by a staff correction */

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
	if (staff && m == WM_ABSENT) {
		HTML_LIT(h, "<td class=\"m-absent m-void\"");
		HTML_ATTR(h, "title", T(c, M_VOIDED));
		HTML_LIT(h, ">" MARK_VOIDED "</td>");
		return;
	}
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
	html_textf(h, ": %s = %s, N = %s, L = %s, – = %s, * = %s, %s = %s", mark_text(c, WM_CARD),
		   T(c, M_CARD), T(c, M_NAME), T(c, M_LEADER), T(c, M_ABSENT), T(c, M_CORRECTED),
		   MARK_VOIDED, T(c, M_VOIDED));
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
	HTML_LIT(h, "</tbody></table>");
	legend(c, h);
	HTML_LIT(h, "</section>");
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

enum blippa_err web_find_group(struct web_ctx *c, const char *gid, struct web_data **d,
			       char fid[SRV_ID_MAX + 1])
{
	enum blippa_err rc = web_data_group_load(c->w->store, gid, clock_wall_ms(), d);
	snprintf(fid, SRV_ID_MAX + 1, "%s", rc == BLIPPA_OK ? (*d)->r->facility.id : "");
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
