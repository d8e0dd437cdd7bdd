/* SPDX-License-Identifier: MIT */
/* The Audit page of the back-office (admins only; docs/privacy.md):
 * GET /audit shows the newest rows of the audit trail with filters (user,
 * action, dates, participant, group); GET /audit.csv downloads every
 * matching row. Both are themselves recorded in the trail. Its words live
 * here rather than in web_i18n.c's shared table. */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "import.h"
#include "log.h"

#define PAGE_ROWS 500

enum {
	A_TITLE,
	A_NAV,
	A_USER,
	A_ACTION,
	A_ANY,
	A_PARTICIPANT,
	A_GROUP,
	A_SHOW,
	A_CSV,
	A_TIME,
	A_FACILITY,
	A_SESSION,
	A_ADDRESS,
	A_DETAIL,
	A_ROWS,
	A_NONE,
	A_NOTE,
	A_COUNT
};

static const char *const words[A_COUNT][2] = {
    [A_TITLE] = {"Granskningslogg", "Audit trail"},
    [A_NAV] = {"Granskning", "Audit"},
    [A_USER] = {"Användare", "User"},
    [A_ACTION] = {"Händelse", "Action"},
    [A_ANY] = {"alla", "any"},
    [A_PARTICIPANT] = {"Deltagar-id", "Participant id"},
    [A_GROUP] = {"Grupp-id", "Group id"},
    [A_SHOW] = {"Visa", "Show"},
    [A_CSV] = {"Ladda ner CSV", "Download CSV"},
    [A_TIME] = {"Tid (UTC)", "Time (UTC)"},
    [A_FACILITY] = {"Anläggning", "Facility"},
    [A_SESSION] = {"Pass", "Session"},
    [A_ADDRESS] = {"Adress", "Address"},
    [A_DETAIL] = {"Detaljer", "Details"},
    [A_ROWS] = {"rader, nyast först", "rows, newest first"},
    [A_NONE] = {"Inga händelser matchar.", "No entries match."},
    [A_NOTE] = {"Loggen kan inte ändras eller raderas. Att visa den loggas också.",
		"The trail cannot be changed or deleted. Viewing it is recorded too."},
};
#define W(c, w) words[w][(c)->lang == WEB_EN ? 1 : 0]

static const struct {
	const char *code, *sv, *en;
} actions[] = {
    {AUDIT_LOGIN, "inloggning", "sign-in"},
    {AUDIT_LOGIN_FAILED, "misslyckad inloggning", "failed sign-in"},
    {AUDIT_LOGOUT, "utloggning", "sign-out"},
    {AUDIT_VIEW_GROUP, "visade grupp", "viewed group"},
    {AUDIT_VIEW_PARTICIPANT, "visade deltagare", "viewed participant"},
    {AUDIT_CORRECT, "rättelse", "correction"},
    {AUDIT_EXPORT, "export", "export"},
    {AUDIT_USER_ADD, "konto skapat", "account added"},
    {AUDIT_USER_PASSWORD, "lösenord bytt", "password changed"},
    {AUDIT_USER_REMOVE, "konto borttaget", "account removed"},
    {AUDIT_KIOSK_ADD, "kiosk tillagd", "kiosk added"},
    {AUDIT_KIOSK_REVOKE, "kiosk spärrad", "kiosk revoked"},
    {AUDIT_PIN_SET, "ledar-PIN satt", "leader PIN set"},
    {AUDIT_IMPORT, "import av deltagarlista", "roster import"},
    {AUDIT_PURGE, "gallring", "purge"},
    {AUDIT_ERASE, "radering av deltagare", "participant erased"},
    {AUDIT_REPORT, "registerutdrag", "register extract"},
    {AUDIT_VIEW_AUDIT, "visade granskningsloggen", "viewed the audit trail"},
    {AUDIT_EXPORT_AUDIT, "laddade ner granskningsloggen", "downloaded the audit trail"},
};
#define N_ACTIONS (sizeof(actions) / sizeof(actions[0]))

void web_audit_nav(struct web_ctx *c, struct html *h)
{
	if (!c->user.name[0] || c->user.role != SRV_ROLE_ADMIN)
		return;
	HTML_LIT(h, "<a href=\"/audit\">");
	html_text(h, W(c, A_NAV));
	HTML_LIT(h, "</a>");
}

/* The query's filters; false (400) if one is malformed. */
static bool read_filter(struct web_ctx *c, struct srv_audit_filter *f)
{
	const struct web_request *req = c->req;
	const char **slot[] = {&f->actor,   &f->action,		&f->from_date,
			       &f->to_date, &f->participant_id, &f->group_id};
	static const char *const keys[] = {"user", "action", "from", "to", "participant", "group"};
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = req->arg ? req->arg(req->arg_ctx, keys[i]) : NULL;
		if (v && *v) {
			if (strlen(v) > SRV_USER_MAX)
				return false;
			*slot[i] = v;
		}
	}
	return (!f->from_date || import_valid_date(f->from_date)) &&
	       (!f->to_date || import_valid_date(f->to_date));
}

/* The filters given, as "action=login from=2026-12-01" ("" for none). */
static void filter_text(const struct srv_audit_filter *f, char *out, size_t len)
{
	const char *v[] = {f->actor,   f->action,	  f->from_date,
			   f->to_date, f->participant_id, f->group_id};
	static const char *const k[] = {"user", "action", "from", "to", "participant", "group"};
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]) && n < len; i++) {
		if (!v[i])
			continue;
		int w = snprintf(out + n, len - n, "%s%s=%s", n ? " " : "", k[i], v[i]);
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

static void input(struct html *h, const char *label, const char *name, const char *type,
		  const char *value)
{
	HTML_LIT(h, "<label>");
	html_text(h, label);
	HTML_LIT(h, " <input");
	HTML_ATTR(h, "name", name);
	HTML_ATTR(h, "type", type);
	HTML_ATTR(h, "value", value ? value : "");
	HTML_LIT(h, "></label>");
}

static void filter_form(struct web_ctx *c, struct html *h, const struct srv_audit_filter *f)
{
	HTML_LIT(h, "<form class=\"export audit-filter\" method=\"get\" action=\"/audit\">");
	input(h, W(c, A_USER), "user", "text", f->actor);
	HTML_LIT(h, "<label>");
	html_text(h, W(c, A_ACTION));
	HTML_LIT(h, " <select name=\"action\"><option value=\"\">");
	html_text(h, W(c, A_ANY));
	HTML_LIT(h, "</option>");
	for (size_t i = 0; i < N_ACTIONS; i++) {
		HTML_LIT(h, "<option");
		HTML_ATTR(h, "value", actions[i].code);
		if (f->action && strcmp(f->action, actions[i].code) == 0)
			HTML_LIT(h, " selected");
		HTML_LIT(h, ">");
		html_text(h, c->lang == WEB_EN ? actions[i].en : actions[i].sv);
		HTML_LIT(h, "</option>");
	}
	HTML_LIT(h, "</select></label>");
	input(h, T(c, M_FROM), "from", "date", f->from_date);
	input(h, T(c, M_TO), "to", "date", f->to_date);
	input(h, W(c, A_PARTICIPANT), "participant", "text", f->participant_id);
	input(h, W(c, A_GROUP), "group", "text", f->group_id);
	HTML_LIT(h, "<button type=\"submit\">");
	html_text(h, W(c, A_SHOW));
	HTML_LIT(h, "</button><button type=\"submit\" formaction=\"/audit.csv\">");
	html_text(h, W(c, A_CSV));
	HTML_LIT(h, "</button></form>");
}

struct rows_ctx {
	struct web_ctx *c;
	struct html *h;
	size_t n;
};

static void cell(struct html *h, const char *s)
{
	HTML_LIT(h, "<td>");
	html_text(h, s);
	HTML_LIT(h, "</td>");
}

static int audit_row(void *ctx, const struct srv_audit_row *r)
{
	struct rows_ctx *x = ctx;
	struct html *h = x->h;
	char at[24];
	const char *label = r->action;
	for (size_t i = 0; i < N_ACTIONS; i++)
		if (strcmp(r->action, actions[i].code) == 0)
			label = x->c->lang == WEB_EN ? actions[i].en : actions[i].sv;
	audit_time(r->at_ms, at);
	HTML_LIT(h, "<tr");
	if (strcmp(r->action, AUDIT_LOGIN_FAILED) == 0)
		HTML_LIT(h, " class=\"failed\"");
	HTML_LIT(h, "><td class=\"when\">");
	html_text(h, at);
	HTML_LIT(h, "</td>");
	cell(h, r->actor[0] ? r->actor : "–");
	HTML_LIT(h, "<td");
	HTML_ATTR(h, "title", r->action);
	HTML_LIT(h, ">");
	html_text(h, label);
	HTML_LIT(h, "</td>");
	cell(h, r->facility_id);
	if (r->group_id[0]) {
		HTML_LIT(h, "<td><a");
		HTML_HREF(h, "/groups/", r->group_id, "");
		HTML_LIT(h, ">");
		html_text(h, r->group_id);
		HTML_LIT(h, "</a></td>");
	} else {
		cell(h, "");
	}
	cell(h, r->session_id);
	cell(h, r->participant_id);
	cell(h, r->address);
	cell(h, r->detail);
	HTML_LIT(h, "</tr>");
	x->n++;
	return 0;
}

static bool admin_only(struct web_ctx *c)
{
	if (c->user.role == SRV_ROLE_ADMIN)
		return true;
	log_warn("web", "user %s may not see the audit trail: 403", c->user.name);
	web_send_status(c, 403);
	return false;
}

void web_page_audit(struct web_ctx *c)
{
	struct srv_audit_filter f;
	struct html h = {0};
	char detail[AUDIT_DETAIL_MAX + 1];
	if (!admin_only(c))
		return;
	if (!read_filter(c, &f)) {
		web_send_status(c, 400);
		return;
	}
	filter_text(&f, detail, sizeof(detail));
	/* recorded before anything is shown */
	if (SRV_AUDIT(c->w->store, c->user.name, AUDIT_VIEW_AUDIT, .detail = detail) != BLIPPA_OK) {
		web_send_status(c, 503);
		return;
	}
	f.limit = PAGE_ROWS;
	web_page_begin(c, &h, W(c, A_TITLE));
	HTML_LIT(&h, "<h1>");
	html_text(&h, W(c, A_TITLE));
	HTML_LIT(&h, "</h1><p class=\"muted\">");
	html_text(&h, W(c, A_NOTE));
	HTML_LIT(&h, "</p><section class=\"card\">");
	filter_form(c, &h, &f);
	HTML_LIT(&h, "<div class=\"scroll\"><table class=\"audit\"><thead><tr><th>");
	html_text(&h, W(c, A_TIME));
	HTML_LIT(&h, "</th><th>");
	html_text(&h, W(c, A_USER));
	HTML_LIT(&h, "</th><th>");
	html_text(&h, W(c, A_ACTION));
	HTML_LIT(&h, "</th><th>");
	html_text(&h, W(c, A_FACILITY));
	HTML_LIT(&h, "</th><th>");
	html_text(&h, T(c, M_GROUP));
	HTML_LIT(&h, "</th><th>");
	html_text(&h, W(c, A_SESSION));
	HTML_LIT(&h, "</th><th>");
	html_text(&h, T(c, M_PARTICIPANT));
	HTML_LIT(&h, "</th><th>");
	html_text(&h, W(c, A_ADDRESS));
	HTML_LIT(&h, "</th><th>");
	html_text(&h, W(c, A_DETAIL));
	HTML_LIT(&h, "</th></tr></thead><tbody>");
	struct rows_ctx x = {.c = c, .h = &h};
	enum blippa_err rc = srv_audit_list(c->w->store, &f, audit_row, &x);
	if (rc != BLIPPA_OK) {
		html_free(&h);
		log_error("web", "audit page: %s", blippa_strerror(rc));
		web_send_status(c, 503);
		return;
	}
	HTML_LIT(&h, "</tbody></table></div><p class=\"muted\">");
	if (x.n)
		html_textf(&h, "%zu %s", x.n, W(c, A_ROWS));
	else
		html_text(&h, W(c, A_NONE));
	HTML_LIT(&h, "</p></section>");
	web_page_end(c, &h);
	web_send_html(c, &h);
}

void web_audit_csv(struct web_ctx *c)
{
	struct srv_audit_filter f;
	struct web_response *r = c->resp;
	char detail[AUDIT_DETAIL_MAX + 1];
	if (!admin_only(c))
		return;
	if (!read_filter(c, &f)) {
		web_send_status(c, 400);
		return;
	}
	filter_text(&f, detail, sizeof(detail));
	if (SRV_AUDIT(c->w->store, c->user.name, AUDIT_EXPORT_AUDIT, .detail = detail) !=
	    BLIPPA_OK) {
		web_send_status(c, 503);
		return;
	}
	FILE *mem = open_memstream(&r->body, &r->body_len);
	enum blippa_err rc = mem ? audit_write_csv(c->w->store, &f, mem) : BLIPPA_ERR_NOMEM;
	if (mem && fclose(mem) != 0 && rc == BLIPPA_OK)
		rc = BLIPPA_ERR_IO;
	if (rc != BLIPPA_OK) {
		log_error("web", "audit download: %s", blippa_strerror(rc));
		free(r->body);
		r->body = NULL;
		r->body_len = 0;
		web_send_status(c, 500);
		return;
	}
	r->status = 200;
	r->content_type = "text/csv; charset=utf-8";
	snprintf(r->disposition, sizeof(r->disposition),
		 "attachment; filename=\"blippa-audit.csv\"");
}
