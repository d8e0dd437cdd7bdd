/* SPDX-License-Identifier: MIT */
/* HTML writer with escaping by construction; see web_html.h. */
#include "web_html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(struct html *h, const char *s, size_t n)
{
	if (h->failed)
		return;
	if (!h->d.cap)
		dynbuf_init(&h->d, HTML_CAP);
	if (dynbuf_add(&h->d, s, n) != BLIPPA_OK) {
		h->failed = true;
		return;
	}
	h->buf = dynbuf_ptr(&h->d);
	h->len = dynbuf_len(&h->d);
}

void html_lit_(struct html *h, const char *lit, size_t n)
{
	put(h, lit, n);
}

void html_text(struct html *h, const char *s)
{
	const char *run = s;
	for (; *s; s++) {
		const char *rep = NULL;
		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		put(h, run, (size_t)(s - run));
		put(h, rep, strlen(rep));
		run = s + 1;
	}
	put(h, run, (size_t)(s - run));
}

void html_textf(struct html *h, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		h->failed = true;
		return;
	}
	html_text(h, tmp);
}

void html_attr_(struct html *h, const char *name, const char *value)
{
	put(h, " ", 1);
	put(h, name, strlen(name));
	put(h, "=\"", 2);
	html_text(h, value ? value : "");
	put(h, "\"", 1);
}

void html_attr_u_(struct html *h, const char *name, unsigned long v)
{
	char num[24];
	snprintf(num, sizeof(num), "%lu", v);
	html_attr_(h, name, num);
}

void html_urlenc(struct html *h, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			put(h, (const char *)&c, 1);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			put(h, e, 3);
		}
	}
}

void html_url_attr_(struct html *h, const char *open, const char *prefix, const char *id,
		    const char *suffix)
{
	put(h, open, strlen(open));
	html_text(h, prefix);
	html_urlenc(h, id);
	html_text(h, suffix);
	put(h, "\"", 1);
}

void html_href2_(struct html *h, const char *prefix, const char *id, const char *mid,
		 const char *id2)
{
	put(h, " href=\"", 7);
	html_text(h, prefix);
	html_urlenc(h, id);
	html_text(h, mid);
	html_urlenc(h, id2);
	put(h, "\"", 1);
}

bool html_url_path(char *out, size_t outlen, const char *prefix, const char *id, const char *suffix)
{
	struct html h = {0};
	html_urlenc(&h, id);
	bool ok = !h.failed && (size_t)snprintf(out, outlen, "%s%s%s", prefix, h.buf ? h.buf : "",
						suffix) < outlen;
	html_free(&h);
	return ok;
}

char *html_take(struct html *h, size_t *len)
{
	char *p = h->failed ? NULL : dynbuf_take(&h->d, len);
	if (!p)
		*len = 0;
	html_free(h);
	return p;
}

void html_free(struct html *h)
{
	dynbuf_free(&h->d);
	memset(h, 0, sizeof(*h));
}
