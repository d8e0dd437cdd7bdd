/* SPDX-License-Identifier: MIT */
/* Private to the back-office: the web state, the per-request context that
 * pages get, the page frame, the access checks and the translations shared
 * by web.c (routing, login, sessions), web_auth.c (sessions, CSRF,
 * throttling), web_pages.c (overview, group, participant), web_export.c
 * (CSV and xlsx downloads) and web_i18n.c. */
#ifndef BLIPPA_WEB_INT_H
#define BLIPPA_WEB_INT_H

#include <pthread.h>

#include "web.h"
#include "web_html.h"

#define WEB_TOKEN_HEX 64 /* session and CSRF tokens: 32 random bytes as hex */
#define WEB_THROTTLE_SLOTS 1024

enum web_lang { WEB_SV, WEB_EN };

struct web_session {
	uint8_t hash[32]; /* SHA-256 of the cookie token; all-zero: free slot */
	char user[SRV_USER_MAX + 1];
	char csrf[WEB_TOKEN_HEX + 1];
	int64_t last_ms; /* monotonic */
};

struct web_throttle {
	char key[SRV_USER_MAX + 8]; /* "u:name" or "a:address"; "" free */
	unsigned fails;
	int64_t first_ms, blocked_until_ms;
};

struct web_stash; /* web_import.c: uploads waiting for "apply" */

struct web {
	struct srv_store *store;
	unsigned idle_s;
	unsigned stale_after_s;	      /* fleet.h */
	bool metrics;		      /* GET /metrics on */
	uint8_t metrics_hash[32];     /* SHA-256 of its bearer token */
	uint64_t failed_logins;	      /* guarded by mu */
	struct web_stash *stash;      /* guarded by mu */
	pthread_mutex_t mu;	      /* guards sessions and throttle */
	struct web_session *sessions; /* WEB_SESSIONS_MAX */
	struct web_throttle throttle[WEB_THROTTLE_SLOTS];
	char dummy_hash[SRV_PW_HASH_MAX]; /* verified for unknown names: same cost */
};

/* What a page handler knows about the request. */
struct web_ctx {
	struct web *w;
	const struct web_request *req;
	struct web_response *resp;
	enum web_lang lang;
	struct srv_user user; /* the signed-in account */
	char csrf[WEB_TOKEN_HEX + 1];
};

/* ---- web_auth.c ---- */
/* New session for user: writes the cookie token into tok. */
enum blippa_err web_session_new(struct web *w, const char *user, char tok[WEB_TOKEN_HEX + 1],
				char csrf[WEB_TOKEN_HEX + 1]);
/* Finds the live session of tok (refreshing its idle timer); false if none
 * or expired (an expired one is dropped). */
bool web_session_find(struct web *w, const char *tok, char user[SRV_USER_MAX + 1],
		      char csrf[WEB_TOKEN_HEX + 1]);
void web_session_end(struct web *w, const char *tok);
/* Login throttling: true if key may try now; web_throttle_fail counts a
 * failure, web_throttle_ok clears the key. */
bool web_throttle_allowed(struct web *w, const char *key, unsigned limit);
void web_throttle_fail(struct web *w, const char *key);
void web_throttle_ok(struct web *w, const char *key);
/* A fresh random token (32 bytes as hex). */
void web_token_new(char tok[WEB_TOKEN_HEX + 1]);
/* Constant-time comparison of two NUL-terminated tokens. */
bool web_token_eq(const char *a, const char *b);
/* Value of cookie name in a Cookie header, copied into out; false if absent. */
bool web_cookie_get(const char *header, const char *name, char *out, size_t outlen);
/* Value of name in an application/x-www-form-urlencoded body, decoded into
 * out; false if absent or longer than outlen - 1. */
bool web_form_get(const char *body, const char *name, char *out, size_t outlen);

/* ---- web.c: access and page frame ---- */
bool web_may_see(const struct web_ctx *c, const char *facility_id);
bool web_may_correct(const struct web_ctx *c, const char *facility_id);
void web_page_begin(struct web_ctx *c, struct html *h, const char *title);
void web_page_end(struct web_ctx *c, struct html *h);
/* Sends h as the 200 text/html answer (500 if the writer failed). */
void web_send_html(struct web_ctx *c, struct html *h);
void web_send_status(struct web_ctx *c, unsigned status);
/* A hidden CSRF field for forms. */
void web_csrf_field(struct web_ctx *c, struct html *h);

/* ---- web_pages.c ---- */
struct web_data;
struct wd_group;
void web_page_overview(struct web_ctx *c);
void web_page_group(struct web_ctx *c, const char *group_id, const char *participant_id);
/* Loads group gid with its grid (web_data_group_load) and copies its
 * facility's id into fid; BLIPPA_ERR_NOT_FOUND if there is no such group. */
enum blippa_err web_find_group(struct web_ctx *c, const char *gid, struct web_data **d,
			       char fid[SRV_ID_MAX + 1]);

/* ---- web_correct.c ---- */
/* The corrections section of the group page. */
void web_corrections(struct web_ctx *c, struct html *h, const struct web_data *d,
		     const struct wd_group *g, const char *fid);
/* POST /groups/ID/corrections */
void web_post_correction(struct web_ctx *c, const char *group_id);

/* ---- web_export.c ---- */
void web_export(struct web_ctx *c, bool xlsx);

/* ---- web_audit.c (admins only) ---- */
void web_page_audit(struct web_ctx *c);		       /* GET /audit */
void web_audit_csv(struct web_ctx *c);		       /* GET /audit.csv */
void web_audit_nav(struct web_ctx *c, struct html *h); /* the header link, for admins */
/* ---- region operations (issue 16): web_ops.h ---- */
#include "web_ops.h"

/* ---- web_i18n.c ---- */
enum web_msg {
	M_TITLE,
	M_LOGIN,
	M_USERNAME,
	M_PASSWORD,
	M_SIGN_IN,
	M_SIGN_OUT,
	M_BAD_LOGIN,
	M_THROTTLED,
	M_OVERVIEW,
	M_GROUPS,
	M_GROUP,
	M_PERIOD,
	M_HELD,
	M_MEAN,
	M_HALF,
	M_MEMBERS,
	M_NO_GROUPS,
	M_PARTICIPANT,
	M_ATTENDED,
	M_OF,
	M_FOLLOW_UP,
	M_FOLLOW_UP_NONE,
	M_FOLLOW_UP_HINT,
	M_LEGEND,
	M_CARD,
	M_NAME,
	M_LEADER,
	M_ABSENT,
	M_LEFT,
	M_CORRECTED,
	M_EXPORT,
	M_CSV,
	M_XLSX,
	M_FROM,
	M_TO,
	M_SESSION,
	M_STATUS,
	M_PRESENT,
	M_NOT_PRESENT,
	M_REASON,
	M_CORRECT,
	M_CORRECTION,
	M_SAVE,
	M_FORBIDDEN,
	M_NOT_FOUND,
	M_BACK,
	M_ROLE_ADMIN,
	M_ROLE_COORDINATOR,
	M_ROLE_VIEWER,
	M_CURRENT,
	M_ENDED,
	M_UPCOMING,
	M_VOIDED,
	M_SHOW_CURRENT,
	M_SHOW_PAST,
	M_SHOW_UPCOMING,
	M_LANG_OTHER,
	M_IMP_ERRORS,
	M_IMP_ERROR1,
	M_IMP_ERRORN,
	M_IMP_FILE,
	M_IMP_LINE,
	M_IMP_COLUMN,
	M_IMP_PROBLEM,
	M_IMP_MORE_A,
	M_IMP_MORE_B,
	M_IMP_AS_TEXT,
	/* one per enum import_err_kind, in its order */
	M_IE_OTHER,
	M_IE_MISSING,
	M_IE_TOO_LARGE,
	M_IE_EMPTY,
	M_IE_SYNTAX,
	M_IE_HEADER,
	M_IE_FIELDS,
	M_IE_ID,
	M_IE_REF,
	M_IE_NAME,
	M_IE_TIMEZONE,
	M_IE_DATE,
	M_IE_DATETIME,
	M_IE_ORDER,
	M_IE_CARD,
	M_IE_LANGUAGE,
	M_IE_DUPLICATE,
	M_IE_CARD_USED,
	M_IE_LIMIT,
	M_COUNT
};
const char *web_msg(enum web_lang lang, enum web_msg m);
#define T(c, m) web_msg((c)->lang, (m))

#endif
