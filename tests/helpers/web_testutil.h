/* SPDX-License-Identifier: MIT */
/* Helpers shared by the back-office tests that drive the real blippa-server
 * (test_web, test_web_fleet, test_rights; web_testutil.c): add-user, and a
 * tiny browser — one curl
 * handle with its own cookie jar, verification on, the CSRF token of each
 * page picked up. Failures are cmocka assertions (harness bugs, not
 * findings). */
#ifndef BLIPPA_WEB_TESTUTIL_H
#define BLIPPA_WEB_TESTUTIL_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "srv_testutil.h"

/* The password every test account gets from tu_add_user. */
#define TU_PW "correct horse battery"

/* `bin add-user --db db --user name --role role [--facility fac]` with
 * TU_PW on stdin; fails the test (with the command's stderr) unless it
 * exits 0. fac may be NULL. */
void tu_add_user(const char *bin, const char *workdir, const char *db, const char *name,
		 const char *role, const char *fac);
/* ---- the browser ---- */

struct tu_browser {
	CURL *h;
	const char *base;
};

/* One reply: status, malloc'd body, the response headers (up to 8 KiB) and
 * the csrf form field of the page, if any. */
struct tu_page {
	long status;
	char *body;
	size_t len;
	char headers[8192];
	size_t hlen;
	char csrf[80];
};

/* A browser for base (scheme://host:port) trusting cafile. */
void tu_browser_open(struct tu_browser *b, const char *base, const char *cafile);
void tu_browser_close(struct tu_browser *b);
/* Frees the body and zeroes p. */
void tu_page_free(struct tu_page *p);
/* GET path (form and mime NULL), POST the url-encoded form, or POST the
 * multipart mime; never follows redirects; a transport failure fails the
 * test. */
struct tu_page tu_browse_x(struct tu_browser *b, const char *path, const char *form,
			   curl_mime *mime);
/* tu_browse_x without multipart. */
struct tu_page tu_browse(struct tu_browser *b, const char *path, const char *form);
/* The status of tu_browse(b, path, form). */
long tu_status_of(struct tu_browser *b, const char *path, const char *form);
/* Whether the reply's headers contain line. */
bool tu_header_has(const struct tu_page *p, const char *line);
/* Logs in as user with password pw (escaped here); returns the status of
 * the POST: 303 (to /) on success. */
long tu_login(struct tu_browser *b, const char *user, const char *pw);
/* The CSRF token of the signed-in front page into out (asserts there is
 * one). */
void tu_csrf_of(struct tu_browser *b, char out[80]);

#endif
