/* SPDX-License-Identifier: MIT */
/* Event types and check-in methods (event.h): one table per enum giving
 * each value its wire name; database codes are the pinned enum values. */
#include "event.h"

#include <string.h>

static const char *const type_wire[] = {
    [EVENT_CHECKIN] = "checkin",
    [EVENT_VOID] = "void",
    [EVENT_CARD_LINK] = "card_link",
};

static const char *const method_wire[] = {
    [CHECKIN_CARD] = "card",
    [CHECKIN_NAME] = "name",
    [CHECKIN_LEADER] = "leader",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *event_type_wire(enum event_type t)
{
	return (unsigned)t < COUNT(type_wire) ? type_wire[t] : NULL;
}

const char *checkin_method_wire(enum checkin_method m)
{
	return (unsigned)m < COUNT(method_wire) ? method_wire[m] : NULL;
}

enum blippa_err event_type_from_wire(const char *s, enum event_type *out)
{
	for (size_t i = 0; s && i < COUNT(type_wire); i++)
		if (type_wire[i] && strcmp(s, type_wire[i]) == 0) {
			*out = (enum event_type)i;
			return BLIPPA_OK;
		}
	return BLIPPA_ERR_INVALID;
}

enum blippa_err checkin_method_from_wire(const char *s, enum checkin_method *out)
{
	for (size_t i = 0; s && i < COUNT(method_wire); i++)
		if (method_wire[i] && strcmp(s, method_wire[i]) == 0) {
			*out = (enum checkin_method)i;
			return BLIPPA_OK;
		}
	return BLIPPA_ERR_INVALID;
}

int event_type_db(enum event_type t)
{
	return (int)t;
}

int checkin_method_db(enum checkin_method m)
{
	return (int)m;
}

void event_id_normalize(char *s)
{
	for (; s && *s; s++)
		if (*s >= 'A' && *s <= 'F')
			*s = (char)(*s - 'A' + 'a');
}
