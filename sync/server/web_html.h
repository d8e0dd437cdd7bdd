/* SPDX-License-Identifier: MIT */
/* The back-office's HTML writer: a growing buffer (hard cap) in which every
 * value is escaped by construction. Markup goes in only through HTML_LIT,
 * which accepts nothing but a string literal (the macro pastes "" around
 * its argument, so a variable does not compile); names, ids and numbers go
 * through html_text / html_textf / html_attr, which escape & < > " '.
 * There is no function that writes a runtime string unescaped. */
#ifndef BLIPPA_WEB_HTML_H
#define BLIPPA_WEB_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "dynbuf.h"

#define HTML_CAP (16u * 1024u * 1024u) /* a page larger than this is an error */

struct html {		 /* zero-initialised ({0}) is an empty page */
	struct dynbuf d; /* capped at HTML_CAP on the first write */
	const char *buf; /* d's content (NULL while empty) ... */
	size_t len;	 /* ... and its length */
	bool failed;	 /* out of memory or over HTML_CAP: the page is not sent */
};

/* Trusted markup: only a string literal compiles here. */
#define HTML_LIT(h, s) html_lit_((h), "" s "", sizeof("" s "") - 1)
void html_lit_(struct html *h, const char *lit, size_t n);

/* Text content, escaped. */
void html_text(struct html *h, const char *s);
void html_textf(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ` name="value"` with value escaped; name must be a literal. */
#define HTML_ATTR(h, name, v) html_attr_((h), "" name "", (v))
void html_attr_(struct html *h, const char *name, const char *value);
/* ` name="123"`: a number attribute; name must be a literal. */
#define HTML_ATTR_U(h, name, v) html_attr_u_((h), "" name "", (v))
void html_attr_u_(struct html *h, const char *name, unsigned long v);
/* ` href="/prefix<id percent-encoded><suffix>"`: a link to one of our pages. */
#define HTML_HREF(h, prefix, id, suffix)                                                           \
	html_url_attr_((h), " href=\"", "" prefix "", (id), "" suffix "")
/* The same as ` action="..."` for forms. */
#define HTML_ACTION(h, prefix, id, suffix)                                                         \
	html_url_attr_((h), " action=\"", "" prefix "", (id), "" suffix "")
void html_url_attr_(struct html *h, const char *open, const char *prefix, const char *id,
		    const char *suffix);
/* prefix + id percent-encoded + suffix into out (for a Location header);
 * false if it does not fit. */
bool html_url_path(char *out, size_t outlen, const char *prefix, const char *id,
		   const char *suffix);
/* ` href="/prefix<id>mid<id2>"`, both ids percent-encoded. */
#define HTML_HREF2(h, prefix, id, mid, id2) html_href2_((h), "" prefix "", (id), "" mid "", (id2))
void html_href2_(struct html *h, const char *prefix, const char *id, const char *mid,
		 const char *id2);
/* Appends s percent-encoded (RFC 3986 unreserved kept), then escaped. */
void html_urlenc(struct html *h, const char *s);

/* Hands the buffer to the caller (malloc'd, NUL-terminated) and resets h;
 * NULL if h failed. */
char *html_take(struct html *h, size_t *len);
void html_free(struct html *h);

#endif
