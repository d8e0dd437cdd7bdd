/* SPDX-License-Identifier: MIT */
/* Field validators of the data model (fields.h): the one definition of a
 * valid id, name, date, local time and time zone. */
#include "fields.h"

#include <string.h>

#include "model_limits.h"
#include "tz.h"

bool field_valid_id(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n < 1 || n > MODEL_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

bool field_valid_text(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n < 1 || n > max)
		return false;
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t len;
		unsigned cp;
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
			return false;
		i += len;
	}
	return true;
}

static bool digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* The first 10 bytes of s are a real date in the model's year range. */
static bool valid_date_prefix(const char *s)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;

	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
	    !digits(s + 8, 2, &d))
		return false;
	if (y < MODEL_YEAR_MIN || y > MODEL_YEAR_MAX || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	return true;
}

bool field_valid_date(const char *s)
{
	return s && strlen(s) == 10 && valid_date_prefix(s);
}

bool field_valid_datetime(const char *s)
{
	int h, mi;

	return s && strlen(s) == 16 && valid_date_prefix(s) && s[10] == ' ' &&
	       digits(s + 11, 2, &h) && s[13] == ':' && digits(s + 14, 2, &mi) && h < 24 && mi < 60;
}

bool field_valid_timezone(const char *s)
{
	return s && tz_is_valid(s);
}

/* Every ISO 639-1 code (ISO 639-1:2002 and its later additions). */
static const char iso639_1[] =
    "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy "
    "da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht "
    "hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky "
    "la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny "
    "oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss "
    "st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo "
    "za zh zu";

bool field_valid_language(const char *s)
{
	if (!s || strlen(s) != 2 || s[0] < 'a' || s[0] > 'z' || s[1] < 'a' || s[1] > 'z')
		return false;
	for (size_t i = 0; i + 1 < sizeof iso639_1; i += 3)
		if (iso639_1[i] == s[0] && iso639_1[i + 1] == s[1])
			return true;
	return false;
}
