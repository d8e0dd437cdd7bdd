/* SPDX-License-Identifier: MIT */
/* Text folding for the store: case- and diacritic-insensitive folding of
 * UTF-8 names for search (store_fold), the Swedish collation key that puts
 * Å, Ä, Ö after Z (store_collate, store_sort_key) and the "Åsa Ö." display
 * form (store_display_name). Pure functions, no database. */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

/* Folding of U+00C0..U+017F (Latin-1 Supplement letters, Latin Extended-A)
 * to lowercase ASCII; " " marks a separator (× ÷). */
static const char *const fold_latin[0x180 - 0xc0] = {
    "a", "a", "a",  "a",  "a", "a", "ae", "c",	"e",  "e", "e", "e", "i",  "i",	 "i", "i", "d", "n",
    "o", "o", "o",  "o",  "o", " ", "o",  "u",	"u",  "u", "u", "y", "th", "ss", "a", "a", "a", "a",
    "a", "a", "ae", "c",  "e", "e", "e",  "e",	"i",  "i", "i", "i", "d",  "n",	 "o", "o", "o", "o",
    "o", " ", "o",  "u",  "u", "u", "u",  "y",	"th", "y", "a", "a", "a",  "a",	 "a", "a", "c", "c",
    "c", "c", "c",  "c",  "c", "c", "d",  "d",	"d",  "d", "e", "e", "e",  "e",	 "e", "e", "e", "e",
    "e", "e", "g",  "g",  "g", "g", "g",  "g",	"g",  "g", "h", "h", "h",  "h",	 "i", "i", "i", "i",
    "i", "i", "i",  "i",  "i", "i", "ij", "ij", "j",  "j", "k", "k", "k",  "l",	 "l", "l", "l", "l",
    "l", "l", "l",  "l",  "l", "n", "n",  "n",	"n",  "n", "n", "n", "n",  "n",	 "o", "o", "o", "o",
    "o", "o", "oe", "oe", "r", "r", "r",  "r",	"r",  "r", "s", "s", "s",  "s",	 "s", "s", "s", "s",
    "t", "t", "t",  "t",  "t", "t", "u",  "u",	"u",  "u", "u", "u", "u",  "u",	 "u", "u", "u", "u",
    "w", "w", "y",  "y",  "y", "z", "z",  "z",	"z",  "z", "z", "s",
};

/* Decodes one UTF-8 sequence at s (len > 0 bytes left); *cp gets the code
 * point or U+FFFD for a bad byte. Returns bytes consumed (>= 1). */
static size_t utf8_next(const unsigned char *s, size_t left, unsigned *cp)
{
	unsigned c = s[0];
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
	if (n == 0 || n > left) {
		*cp = 0xfffd;
		return 1;
	}
	*cp = c & (0x7fu >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	return n;
}

/* Swedish letters for collation: å ä ö sort after z, æ with ä, ø with ö,
 * ü as y. The bytes after 'z' keep strcmp() order: '{' < '|' < '}'. */
static const char *swedish_letter(unsigned cp)
{
	switch (cp) {
	case 0xc5:
	case 0xe5: /* Å å */
		return "{";
	case 0xc4:
	case 0xe4:
	case 0xc6:
	case 0xe6: /* Ä ä Æ æ */
		return "|";
	case 0xd6:
	case 0xf6:
	case 0xd8:
	case 0xf8: /* Ö ö Ø ø */
		return "}";
	case 0xdc:
	case 0xfc: /* Ü ü */
		return "y";
	default:
		return NULL;
	}
}

/* A combining ring (U+030A) or diaeresis (U+0308) after the base letter
 * last (decomposed input): the Swedish letter it makes, or 0. */
static char swedish_combined(char last, unsigned cp)
{
	if (cp == 0x30a && last == 'a')
		return '{';
	if (cp == 0x308)
		return last == 'a' ? '|' : last == 'o' ? '}' : last == 'u' ? 'y' : 0;
	return 0;
}

/* store_fold (swedish false) and store_collate (true). */
static size_t fold_text(const char *in, char *out, size_t outlen, bool swedish)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t left = in ? strlen(in) : 0, o = 0;
	bool space = true; /* drop leading separators */

	if (!outlen)
		return 0;
	while (left) {
		unsigned cp;
		size_t n = utf8_next(s, left, &cp);
		const char *rep = NULL;
		char one[2] = {0, 0};

		if (swedish && (rep = swedish_letter(cp)) != NULL) {
			/* rep set */
		} else if (swedish && o > 0 && (one[0] = swedish_combined(out[o - 1], cp))) {
			out[o - 1] = one[0];
			rep = "";
		} else if (cp < 0x80) {
			if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
				one[0] = (char)cp;
				rep = one;
			} else if (cp >= 'A' && cp <= 'Z') {
				one[0] = (char)(cp - 'A' + 'a');
				rep = one;
			} else if (cp == '\'') {
				rep = ""; /* O'Brien -> obrien */
			} else {
				rep = " ";
			}
		} else if (cp >= 0xc0 && cp < 0x180) {
			rep = fold_latin[cp - 0xc0];
		} else if ((cp >= 0x300 && cp <= 0x36f) || cp == 0x2019) {
			rep = ""; /* combining marks (NFD input), typographic apostrophe */
		} else if (cp == 0xa0 || (cp >= 0x2000 && cp <= 0x206f) || cp == 0xfffd) {
			rep = " ";
		}
		if (rep) {
			for (const char *r = rep; *r; r++) {
				if (*r == ' ') {
					if (space)
						continue;
					space = true;
				} else {
					space = false;
				}
				if (o + 1 >= outlen)
					goto out;
				out[o++] = *r;
			}
		} else {
			/* Other scripts: kept as they are (already validated UTF-8). */
			if (o + n >= outlen)
				goto out;
			memcpy(out + o, s, n);
			o += n;
			space = false;
		}
		s += n;
		left -= n;
	}
out:
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return o;
}

size_t store_fold(const char *in, char *out, size_t outlen)
{
	return fold_text(in, out, outlen, false);
}

size_t store_collate(const char *in, char *out, size_t outlen)
{
	return fold_text(in, out, outlen, true);
}

size_t store_sort_key(const char *given, const char *family, const char *id, char *out,
		      size_t outlen)
{
	size_t o;
	int m;

	if (outlen < 2) {
		if (outlen)
			out[0] = '\0';
		return 0;
	}
	/* "\x01" ends each part: lower than any byte inside one, so "Ann"
	 * sorts before "Anna" and given name before family name. */
	o = store_collate(given, out, outlen - 1);
	out[o++] = '\x01';
	out[o] = '\0';
	if (o + 1 < outlen) {
		o += store_collate(family, out + o, outlen - o - 1);
		out[o++] = '\x01';
		out[o] = '\0';
	}
	m = snprintf(out + o, outlen - o, "%s\x02%s\x01%s", given ? given : "",
		     family ? family : "", id ? id : "");
	if (m < 0)
		out[o] = '\0';
	else
		o += (size_t)m < outlen - o ? (size_t)m : outlen - o - 1;
	return o;
}

void store_display_name(const char *given, const char *family, char *out, size_t outlen)
{
	const unsigned char *f = (const unsigned char *)family;
	size_t n = 0;
	unsigned cp;

	if (f && f[0])
		n = utf8_next(f, strlen(family), &cp);
	if (n)
		snprintf(out, outlen, "%s %.*s.", given, (int)n, family);
	else
		snprintf(out, outlen, "%s", given);
}
