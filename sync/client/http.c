/* SPDX-License-Identifier: MIT */
/* libcurl wrapper for the sync engine (see http.h for the rules it keeps):
 * one easy handle in a private multi handle, capped response buffer, curl
 * errors translated into enum blippa_err here and nowhere else. */
#include "http.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "dynbuf.h"
#include "fsutil.h"
#include "log.h"
#include "protocol.h"

#define CA_BLOB_MAX (8u * 1024u * 1024u)

struct http_client {
	CURLM *multi;
	CURL *easy;
	char *base;    /* base URL without trailing '/' */
	char *auth;    /* "Authorization: Bearer ..." (never logged) */
	char *ca_blob; /* system bundle + extra CA, when no CA directory */
	size_t ca_blob_len;
	atomic_bool cancel;
	char errbuf[CURL_ERROR_SIZE];
	/* per request */
	struct http_response *resp;
	struct dynbuf body; /* the answer, capped at PROTOCOL_RESPONSE_MAX */
	bool over_cap;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

/* curl_global_init is the one process-wide state libcurl forces on us. */
static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static bool is_loopback(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "localhost") == 0 ||
	       strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0;
}

/* Checks the URL: https anywhere, http only to loopback. */
static enum blippa_err check_url(const char *url, bool *plain, char *err, size_t errlen)
{
	enum blippa_err rc = BLIPPA_ERR_CONFIG;
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;

	if (!u)
		return BLIPPA_ERR_NOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(err, errlen, "server url is not a valid URL");
		goto out;
	}
	*plain = strcmp(scheme, "http") == 0;
	if (strcmp(scheme, "https") != 0 && !(*plain && is_loopback(host))) {
		snprintf(err, errlen, "server url must be https:// (plain http only to loopback)");
		goto out;
	}
	rc = BLIPPA_OK;
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

static bool token_ok(const char *t)
{
	size_t n = t ? strlen(t) : 0;
	if (n == 0 || n > 512)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
			return false;
	return true;
}

/* Builds system bundle + extra CA into one PEM blob (fallback path). */
static enum blippa_err make_ca_blob(struct http_client *c, const char *sys_bundle,
				    const char *extra, char *err, size_t errlen)
{
	enum blippa_err rc;
	char *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;

	if (sys_bundle && fs_read_file(sys_bundle, CA_BLOB_MAX, &a, &la) != BLIPPA_OK) {
		log_warn("http", "system CA bundle not readable; trusting only ca_file");
		a = NULL;
		la = 0;
	}
	rc = fs_read_file(extra, CA_BLOB_MAX, &b, &lb);
	if (rc != BLIPPA_OK) {
		snprintf(err, errlen, "ca_file %s: %s", extra, blippa_strerror(rc));
		goto out;
	}
	c->ca_blob = malloc(la + lb + 2);
	if (!c->ca_blob) {
		rc = BLIPPA_ERR_NOMEM;
		goto out;
	}
	if (la)
		memcpy(c->ca_blob, a, la);
	c->ca_blob[la] = '\n';
	memcpy(c->ca_blob + la + 1, b, lb);
	c->ca_blob_len = la + 1 + lb;
out:
	free(a);
	free(b);
	return rc;
}

static enum blippa_err setup_ca(struct http_client *c, const char *ca_file, char *err,
				size_t errlen)
{
	char *capath = NULL, *cainfo = NULL;
	FILE *f;

	if (!ca_file || !ca_file[0])
		return BLIPPA_OK; /* system store only */
	f = fopen(ca_file, "r");
	if (!f) {
		snprintf(err, errlen, "ca_file %s cannot be read", ca_file);
		return BLIPPA_ERR_CONFIG;
	}
	fclose(f);
	curl_easy_getinfo(c->easy, CURLINFO_CAPATH, &capath);
	curl_easy_getinfo(c->easy, CURLINFO_CAINFO, &cainfo);
	if (capath && capath[0] && curl_easy_setopt(c->easy, CURLOPT_CAPATH, capath) == CURLE_OK &&
	    curl_easy_setopt(c->easy, CURLOPT_CAINFO, ca_file) == CURLE_OK)
		return BLIPPA_OK;
	/* No CA directory support: one blob with both. */
	enum blippa_err rc = make_ca_blob(c, cainfo, ca_file, err, errlen);
	if (rc != BLIPPA_OK)
		return rc;
	struct curl_blob blob = {
	    .data = c->ca_blob, .len = c->ca_blob_len, .flags = CURL_BLOB_NOCOPY};
	if (curl_easy_setopt(c->easy, CURLOPT_CAINFO_BLOB, &blob) != CURLE_OK) {
		snprintf(err, errlen, "this libcurl cannot add an extra CA to the system store");
		return BLIPPA_ERR_CONFIG;
	}
	return BLIPPA_OK;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
	struct http_client *c = user;
	size_t n = size * nmemb;
	enum blippa_err rc = dynbuf_add(&c->body, data, n);

	if (rc != BLIPPA_OK) {
		c->over_cap = rc == BLIPPA_ERR_TOO_BIG;
		return 0; /* CURLE_WRITE_ERROR */
	}
	return n;
}

/* Copies a header value (after "Name:"), trimmed, into out. */
static void header_value(const char *v, size_t n, char *out, size_t outlen)
{
	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, v, n);
	out[n] = '\0';
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *user)
{
	struct http_client *c = user;
	size_t n = size * nmemb;
	char val[132];

	if (n > 5 && strncasecmp(data, "ETag:", 5) == 0) {
		header_value(data + 5, n - 5, c->resp->etag, sizeof c->resp->etag);
		for (char *p = c->resp->etag; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				*p = '\0'; /* keep only printable ASCII */
	} else if (n > 16 && strncasecmp(data, "Blippa-Protocol:", 16) == 0) {
		header_value(data + 16, n - 16, c->resp->protocol, sizeof c->resp->protocol);
	} else if (n > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
		header_value(data + 12, n - 12, val, sizeof val);
		if (val[0] && strspn(val, "0123456789") == strlen(val)) {
			long long s = strlen(val) > 9 ? 999999999LL : atoll(val);
			c->resp->retry_after_s = s;
		} else {
			time_t t = curl_getdate(val, NULL);
			time_t now = time(NULL);
			if (t != (time_t)-1)
				c->resp->retry_after_s = t > now ? (int64_t)(t - now) : 0;
		}
	}
	return n;
}

static int on_progress(void *user, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct http_client *c = user;
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return atomic_load(&c->cancel) ? 1 : 0;
}

/* Builds "Authorization: Bearer TOKEN" into a new buffer (NULL: no memory). */
static char *auth_header(const char *token)
{
	size_t n = strlen("Authorization: Bearer ") + strlen(token) + 1;
	char *h = malloc(n);
	if (h)
		snprintf(h, n, "Authorization: Bearer %s", token);
	return h;
}

static void auth_free(char *h)
{
	if (h) {
		sodium_memzero(h, strlen(h));
		free(h);
	}
}

enum blippa_err http_open(const struct http_options *opt, struct http_client **out, char *err,
			  size_t errlen)
{
	enum blippa_err rc = BLIPPA_ERR_NOMEM;
	struct http_client *c = NULL;
	bool plain = false;

	*out = NULL;
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK) {
		snprintf(err, errlen, "libcurl init failed");
		return BLIPPA_ERR_NOMEM;
	}
	if (!opt->base_url || !opt->base_url[0]) {
		snprintf(err, errlen, "no server url");
		return BLIPPA_ERR_CONFIG;
	}
	if ((rc = check_url(opt->base_url, &plain, err, errlen)))
		return rc;
	if (!token_ok(opt->token)) {
		snprintf(err, errlen, "token is empty or not printable ASCII");
		return BLIPPA_ERR_CONFIG;
	}
	rc = BLIPPA_ERR_NOMEM;
	c = calloc(1, sizeof *c);
	if (!c)
		goto out;
	atomic_init(&c->cancel, false);
	c->base = strdup(opt->base_url);
	c->auth = auth_header(opt->token);
	c->multi = curl_multi_init();
	c->easy = curl_easy_init();
	if (!c->base || !c->auth || !c->multi || !c->easy)
		goto out;
	for (size_t l = strlen(c->base); l > 0 && c->base[l - 1] == '/'; l--)
		c->base[l - 1] = '\0';

	CURL *e = c->easy;
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, plain ? "http" : "https");
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT,
			 opt->connect_timeout_s > 0 ? opt->connect_timeout_s : 10L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
			 opt->low_speed_time_s > 0 ? opt->low_speed_time_s : 30L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT,
			 opt->total_timeout_s > 0 ? opt->total_timeout_s : 600L);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)PROTOCOL_RESPONSE_MAX);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_CA_CACHE_TIMEOUT, 3600L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, opt->user_agent ? opt->user_agent : "blippa-sync");
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, c);
	if ((rc = setup_ca(c, opt->ca_file, err, errlen)))
		goto out;
	*out = c;
	c = NULL;
	rc = BLIPPA_OK;
out:
	http_close(c);
	return rc;
}

enum blippa_err http_set_token(struct http_client *c, const char *token, bool *changed)
{
	char *h;

	*changed = false;
	if (!token_ok(token))
		return BLIPPA_ERR_CONFIG;
	if (!(h = auth_header(token)))
		return BLIPPA_ERR_NOMEM;
	if (c->auth && strcmp(h, c->auth) == 0) {
		auth_free(h);
		return BLIPPA_OK;
	}
	auth_free(c->auth);
	c->auth = h;
	*changed = true;
	return BLIPPA_OK;
}

void http_close(struct http_client *c)
{
	if (!c)
		return;
	if (c->easy)
		curl_easy_cleanup(c->easy);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	free(c->base);
	auth_free(c->auth);
	free(c->ca_blob);
	free(c);
}

void http_cancel(struct http_client *c)
{
	if (!c)
		return;
	atomic_store(&c->cancel, true);
	curl_multi_wakeup(c->multi);
}

void http_reset_cancel(struct http_client *c)
{
	if (c)
		atomic_store(&c->cancel, false);
}

void http_response_free(struct http_response *resp)
{
	if (!resp)
		return;
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}

static enum blippa_err map_curl(struct http_client *c, CURLcode cc)
{
	switch (cc) {
	case CURLE_OK:
		return BLIPPA_OK;
	case CURLE_OUT_OF_MEMORY:
		return BLIPPA_ERR_NOMEM;
	case CURLE_OPERATION_TIMEDOUT:
		return BLIPPA_ERR_TIMEOUT;
	case CURLE_ABORTED_BY_CALLBACK:
		return BLIPPA_ERR_EXPIRED;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
		return BLIPPA_ERR_TLS;
	case CURLE_WRITE_ERROR:
		return c->over_cap ? BLIPPA_ERR_PROTOCOL : BLIPPA_ERR_NOMEM;
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_BAD_CONTENT_ENCODING:
		return BLIPPA_ERR_PROTOCOL;
	default:
		return BLIPPA_ERR_NETWORK; /* refused, reset, cut, DNS, TLS handshake I/O */
	}
}

enum blippa_err http_request(struct http_client *c, const char *method, const char *path,
			     const char *body, size_t len, const char *if_none_match,
			     struct http_response *resp)
{
	enum blippa_err rc = BLIPPA_ERR_NOMEM;
	struct curl_slist *hdr = NULL, *t;
	char url[1024], inm[160];
	CURLcode cc = CURLE_OK;
	CURLMsg *msg;
	CURL *e = c->easy;
	int running = 1, q;
	bool added = false;

	memset(resp, 0, sizeof *resp);
	resp->retry_after_s = -1;
	c->resp = resp;
	dynbuf_init(&c->body, PROTOCOL_RESPONSE_MAX);
	c->over_cap = false;
	c->errbuf[0] = '\0';
	if (atomic_load(&c->cancel)) {
		snprintf(resp->error, sizeof resp->error, "stopped");
		return BLIPPA_ERR_EXPIRED;
	}
	if ((size_t)snprintf(url, sizeof url, "%s%s", c->base, path) >= sizeof url) {
		snprintf(resp->error, sizeof resp->error, "url too long");
		return BLIPPA_ERR_CONFIG;
	}
	/* header list: build, checking every append */
	const char *fixed[] = {c->auth, "Blippa-Protocol: 1", "Accept: application/json",
			       "Expect:", body ? "Content-Type: application/json" : NULL};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		if (!fixed[i])
			continue;
		if (!(t = curl_slist_append(hdr, fixed[i])))
			goto out;
		hdr = t;
	}
	if (if_none_match && if_none_match[0]) {
		snprintf(inm, sizeof inm, "If-None-Match: %s", if_none_match);
		if (!(t = curl_slist_append(hdr, inm)))
			goto out;
		hdr = t;
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
	} else {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	}
	if (curl_multi_add_handle(c->multi, e) != CURLM_OK)
		goto out;
	added = true;
	while (running) {
		if (curl_multi_perform(c->multi, &running) != CURLM_OK) {
			cc = CURLE_RECV_ERROR;
			break;
		}
		if (!running)
			break;
		if (atomic_load(&c->cancel)) {
			cc = CURLE_ABORTED_BY_CALLBACK;
			break;
		}
		if (curl_multi_poll(c->multi, NULL, 0, 1000, NULL) != CURLM_OK) {
			cc = CURLE_RECV_ERROR;
			break;
		}
	}
	if (running == 0) {
		while ((msg = curl_multi_info_read(c->multi, &q)))
			if (msg->msg == CURLMSG_DONE && msg->easy_handle == e)
				cc = msg->data.result;
	}
	if (cc == CURLE_FILESIZE_EXCEEDED)
		c->over_cap = true; /* Content-Length said more than the cap */
	rc = map_curl(c, cc);
	if (rc == BLIPPA_OK) {
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp->status);
		resp->body = dynbuf_take(&c->body, &resp->len);
	} else {
		const char *what = c->over_cap		      ? "answer larger than the limit"
				   : rc == BLIPPA_ERR_EXPIRED ? "stopped"
				   : c->errbuf[0]	      ? c->errbuf
							      : curl_easy_strerror(cc);
		snprintf(resp->error, sizeof resp->error, "%.150s", what);
		http_response_free(resp);
	}
out:
	dynbuf_free(&c->body); /* a failed answer's partial body */
	if (added)
		curl_multi_remove_handle(c->multi, e);
	curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdr);
	c->resp = NULL;
	return rc;
}
