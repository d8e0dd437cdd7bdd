/* SPDX-License-Identifier: MIT */
/* Dates and times in the facility's zone (store_zone): the local day of an
 * instant, cached with its UTC bounds, the start of a day, date arithmetic
 * and the local clock text. Split from store.c. */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

#include "tz.h"

const char *store_zone(const struct store *st)
{
	return st->tz[0] ? st->tz : STORE_DEFAULT_TZ;
}

static int64_t days_from_civil(int y, int m, int d)
{
	int64_t yy = y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;

	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

enum blippa_err store_date_add_days(const char *date, int days, char out[11])
{
	int y = 0, m = 0, d = 0;
	int64_t z, era, doe, yoe, doy, mp;

	if (!date || strlen(date) != 10 || sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 ||
	    m > 12 || d < 1 || d > 31)
		return BLIPPA_ERR_INVALID;
	z = days_from_civil(y, m, d) + days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = (int)(doy - (153 * mp + 2) / 5 + 1);
	m = (int)(mp < 10 ? mp + 3 : mp - 9);
	y = (int)(yoe + era * 400 + (m <= 2));
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
		 (unsigned)d % 100u);
	return BLIPPA_OK;
}

enum blippa_err store_day_start(struct store *st, const char *date, int64_t *ms)
{
	char midnight[17];

	if (st->day_gen == st->roster_gen && strcmp(st->day, date) == 0) {
		*ms = st->day_from_ms;
		return BLIPPA_OK;
	}
	snprintf(midnight, sizeof midnight, "%.10s 00:00", date);
	return tz_local_to_utc_ms(store_zone(st), midnight, ms);
}

/* The local date of ms, cached with the UTC bounds of that local day so the
 * common case (same day as last call) costs no time-zone work. */
enum blippa_err store_local_date(struct store *st, int64_t ms, char date[11])
{
	char next[11], midnight[17];
	int64_t from, to;
	enum blippa_err rc;

	if (st->day_gen == st->roster_gen && st->day[0] && ms >= st->day_from_ms &&
	    ms < st->day_to_ms) {
		memcpy(date, st->day, 11);
		return BLIPPA_OK;
	}
	if ((rc = tz_utc_ms_to_local(store_zone(st), ms, date, NULL)))
		return rc;
	snprintf(midnight, sizeof midnight, "%s 00:00", date);
	if (tz_local_to_utc_ms(store_zone(st), midnight, &from) != BLIPPA_OK ||
	    store_date_add_days(date, 1, next) != BLIPPA_OK)
		return BLIPPA_OK; /* uncached, still correct */
	snprintf(midnight, sizeof midnight, "%s 00:00", next);
	if (tz_local_to_utc_ms(store_zone(st), midnight, &to) != BLIPPA_OK || ms < from || ms >= to)
		return BLIPPA_OK;
	memcpy(st->day, date, 11);
	st->day_from_ms = from;
	st->day_to_ms = to;
	st->day_gen = st->roster_gen;
	return BLIPPA_OK;
}

enum blippa_err store_local_hhmm(struct store *st, int64_t ms, char out[6])
{
	enum blippa_err rc = store_refresh(st);

	if (rc)
		return rc;
	return tz_utc_ms_to_local(store_zone(st), ms, NULL, out);
}

enum blippa_err store_local_day(struct store *st, int64_t ms, char out[11])
{
	enum blippa_err rc = store_refresh(st);

	if (rc)
		return rc;
	return store_local_date(st, ms, out);
}
