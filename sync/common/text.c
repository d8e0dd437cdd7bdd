/* SPDX-License-Identifier: MIT */
/* Control, bidi and invisible characters in outside text; see text.h. */
#include "text.h"

#include <string.h>

size_t text_utf8_next(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len;
	uint32_t c;
	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[k] & 0x3fu);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

bool text_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

bool text_is_bidi_control(uint32_t cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

bool text_is_invisible(uint32_t cp)
{
	static const struct {
		uint32_t lo, hi;
	} ranges[] = {
	    {0x0020, 0x0020},	{0x00a0, 0x00a0}, {0x00ad, 0x00ad}, {0x034f, 0x034f},
	    {0x061c, 0x061c},	{0x115f, 0x1160}, {0x1680, 0x1680}, {0x17b4, 0x17b5},
	    {0x180b, 0x180f},	{0x2000, 0x200f}, {0x2028, 0x202f}, {0x205f, 0x206f},
	    {0x2800, 0x2800},	{0x3000, 0x3000}, {0x3164, 0x3164}, {0xfe00, 0xfe0f},
	    {0xfeff, 0xfeff},	{0xffa0, 0xffa0}, {0xfff0, 0xfffb}, {0x1d173, 0x1d17a},
	    {0xe0000, 0xe0fff},
	};
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (cp >= ranges[i].lo && cp <= ranges[i].hi)
			return true;
	return text_is_control(cp);
}

void text_sanitize(char *dst, size_t dstlen, const char *src, size_t max)
{
	size_t o = 0, n = src ? strlen(src) : 0;
	if (dstlen == 0)
		return;
	if (max > dstlen - 1)
		max = dstlen - 1;
	for (size_t i = 0; i < n && o < max;) {
		uint32_t cp = 0;
		size_t len = text_utf8_next(src + i, n - i, &cp);
		if (len == 0 || text_is_control(cp)) {
			dst[o++] = '?';
			i += len ? len : 1;
			continue;
		}
		if (text_is_bidi_control(cp)) {
			i += len;
			continue;
		}
		if (o + len > max)
			break;
		memcpy(dst + o, src + i, len);
		o += len;
		i += len;
	}
	dst[o] = '\0';
}

const char *text_name_problem(const char *s)
{
	size_t n = strlen(s);
	bool visible = false;
	for (size_t i = 0; i < n;) {
		uint32_t cp = 0;
		size_t len = text_utf8_next(s + i, n - i, &cp);
		if (len == 0)
			return "not valid UTF-8";
		if (text_is_control(cp))
			return "a control character";
		if (text_is_bidi_control(cp))
			return "a bidi control character";
		visible |= !text_is_invisible(cp);
		i += len;
	}
	return visible ? NULL : "no visible character";
}

int text_hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
