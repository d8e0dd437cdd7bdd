/* SPDX-License-Identifier: MIT */
/* The back-office test helpers of web_testutil.h: add-user and the
 * cookie-jar browser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web_testutil.h"

#define TU_WEB_DEADLINE_MS 20000

void tu_add_user(const char *bin, const char *workdir, const char *db, const char *name,
		 const char *role, const char *fac)
{
	char *err = NULL;
	int rc = fac ? tu_run(bin, workdir, TU_PW "\n", NULL, &err, "add-user", "--db", db,
			      "--user", name, "--role", role, "--facility", fac, NULL)
		     : tu_run(bin, workdir, TU_PW "\n", NULL, &err, "add-user", "--db", db,
			      "--user", name, "--role", role, NULL);
	if (rc != 0)
		fail_msg("add-user %s: %s", name, err ? err : "");
	free(err);
}

/* ---- the browser ---- */

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct tu_page *pg = ud;
	size_t len = sz * n;
	if (pg->hlen + len < sizeof(pg->headers)) {
		memcpy(pg->headers + pg->hlen, p, len);
		pg->hlen += len;
		pg->headers[pg->hlen] = '\0';
	}
	return len;
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct tu_page *pg = ud;
	size_t len = sz * n;
	char *b = realloc(pg->body, pg->len + len + 1);
	if (!b)
		return 0;
	memcpy(b + pg->len, p, len);
	pg->body = b;
	pg->len += len;
	b[pg->len] = '\0';
	return len;
}

void tu_browser_open(struct tu_browser *b, const char *base, const char *cafile)
{
	b->h = curl_easy_init();
	assert_non_null(b->h);
	b->base = base;
	curl_easy_setopt(b->h, CURLOPT_COOKIEFILE, ""); /* cookie engine on, no file */
	curl_easy_setopt(b->h, CURLOPT_CAINFO, cafile);
	curl_easy_setopt(b->h, CURLOPT_TIMEOUT_MS, (long)TU_WEB_DEADLINE_MS);
}

void tu_browser_close(struct tu_browser *b)
{
	curl_easy_cleanup(b->h);
}

void tu_page_free(struct tu_page *p)
{
	free(p->body);
	memset(p, 0, sizeof(*p));
}

struct tu_page tu_browse_x(struct tu_browser *b, const char *path, const char *form,
			   curl_mime *mime)
{
	struct tu_page pg = {0};
	char url[512];
	snprintf(url, sizeof(url), "%s%s", b->base, path);
	curl_easy_setopt(b->h, CURLOPT_URL, url);
	curl_easy_setopt(b->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(b->h, CURLOPT_HEADERDATA, &pg);
	curl_easy_setopt(b->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(b->h, CURLOPT_WRITEDATA, &pg);
	curl_easy_setopt(b->h, CURLOPT_MIMEPOST, NULL);
	if (mime)
		curl_easy_setopt(b->h, CURLOPT_MIMEPOST, mime);
	else if (form)
		curl_easy_setopt(b->h, CURLOPT_POSTFIELDS, form);
	else
		curl_easy_setopt(b->h, CURLOPT_HTTPGET, 1L);
	CURLcode cc = curl_easy_perform(b->h);
	if (cc != CURLE_OK)
		fail_msg("%s: curl: %s", path, curl_easy_strerror(cc));
	curl_easy_getinfo(b->h, CURLINFO_RESPONSE_CODE, &pg.status);
	const char *f = pg.body ? strstr(pg.body, "name=\"csrf\" value=\"") : NULL;
	if (f)
		sscanf(f + 19, "%64[0-9a-f]", pg.csrf);
	return pg;
}

struct tu_page tu_browse(struct tu_browser *b, const char *path, const char *form)
{
	return tu_browse_x(b, path, form, NULL);
}

long tu_status_of(struct tu_browser *b, const char *path, const char *form)
{
	struct tu_page p = tu_browse(b, path, form);
	long st = p.status;
	tu_page_free(&p);
	return st;
}

bool tu_header_has(const struct tu_page *p, const char *line)
{
	return strstr(p->headers, line) != NULL;
}

long tu_login(struct tu_browser *b, const char *user, const char *pw)
{
	char form[512];
	struct tu_page p = tu_browse(b, "/login", NULL);
	assert_int_equal(p.status, 200);
	assert_true(p.csrf[0]);
	char *eu = curl_easy_escape(b->h, pw, 0);
	snprintf(form, sizeof(form), "csrf=%s&username=%s&password=%s", p.csrf, user, eu);
	curl_free(eu);
	tu_page_free(&p);
	p = tu_browse(b, "/login", form);
	long st = p.status;
	if (st == 303)
		assert_true(tu_header_has(&p, "Location: /\r\n"));
	tu_page_free(&p);
	return st;
}

void tu_csrf_of(struct tu_browser *b, char out[80])
{
	struct tu_page p = tu_browse(b, "/", NULL);
	assert_int_equal(p.status, 200);
	snprintf(out, 80, "%s", p.csrf);
	assert_true(out[0]);
	tu_page_free(&p);
}
