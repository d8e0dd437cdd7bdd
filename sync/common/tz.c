/* SPDX-License-Identifier: MIT */
/* Facility-local time <-> UTC through the C library's tzdata (see tz.h).
 * glibc has one process-wide zone, so a conversion in another zone sets TZ
 * under tz_lock and puts the old value back afterwards. Local -> UTC does not
 * trust mktime() with DST gaps and overlaps: it asks for the UTC offsets one
 * day before and after and tries both, which gives well-defined answers. */
#include "tz.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define TZ_NAME_MAX 64

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
static char tz_last_valid[TZ_NAME_MAX + 1]; /* under tz_lock: saves a stat() */

static const char *tz_dir(void)
{
	const char *d = getenv("TZDIR");

	return d && d[0] ? d : "/usr/share/zoneinfo";
}

bool tz_is_valid(const char *zone)
{
	char path[PATH_MAX];
	struct stat sb;
	size_t len;

	if (!zone)
		return false;
	len = strlen(zone);
	if (len == 0 || len > TZ_NAME_MAX || zone[0] == '/' || strstr(zone, ".."))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = zone[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '/' || c == '_' || c == '-' || c == '+'))
			return false;
	}
	/* Not zones although they are TZif files: the leap-second "right/"
	 * variants (their clock counts leap seconds: local times come out ~27 s
	 * off), the host's own zone and the POSIX default rules (both differ
	 * from host to host), and tzdata's "Factory" placeholder. */
	if (strncmp(zone, "right/", 6) == 0 || strcmp(zone, "localtime") == 0 ||
	    strcmp(zone, "posixrules") == 0 || strcmp(zone, "Factory") == 0)
		return false;
	if (snprintf(path, sizeof path, "%s/%s", tz_dir(), zone) >= (int)sizeof path)
		return false;
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return false;
	/* A zone is a TZif file; other files there (leapseconds, ...) are not:
	 * glibc would silently treat them as UTC. */
	char magic[4];
	FILE *f = fopen(path, "rb");
	bool tzif =
	    f && fread(magic, 1, sizeof magic, f) == sizeof magic && memcmp(magic, "TZif", 4) == 0;
	if (f)
		fclose(f);
	return tzif;
}

/* tz_is_valid() with a one-entry cache (the facility zone, every call). */
static bool tz_known(const char *zone)
{
	bool hit;

	if (!zone)
		return false;
	pthread_mutex_lock(&tz_lock);
	hit = tz_last_valid[0] && strcmp(tz_last_valid, zone) == 0;
	pthread_mutex_unlock(&tz_lock);
	if (hit)
		return true;
	if (!tz_is_valid(zone))
		return false;
	pthread_mutex_lock(&tz_lock);
	snprintf(tz_last_valid, sizeof tz_last_valid, "%s", zone);
	pthread_mutex_unlock(&tz_lock);
	return true;
}

/* Switches the process zone to zone (caller holds tz_lock). Writes the old
 * TZ into saved (had_tz false when TZ was unset). Returns true if switched. */
static bool tz_enter(const char *zone, char *saved, size_t savedlen, bool *had_tz)
{
	const char *cur = getenv("TZ");

	*had_tz = cur != NULL;
	saved[0] = '\0';
	if (cur && (strcmp(cur, zone) == 0 || (cur[0] == ':' && strcmp(cur + 1, zone) == 0)))
		return false;
	if (cur)
		snprintf(saved, savedlen, "%s", cur);
	setenv("TZ", zone, 1);
	tzset();
	return true;
}

static void tz_leave(bool switched, const char *saved, bool had_tz)
{
	if (!switched)
		return;
	if (had_tz)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
}

static bool tz_digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static int tz_days_in_month(int y, int m)
{
	static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : d[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t tz_days_from_civil(int y, int m, int d)
{
	int64_t yy = y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/* UTC offset in seconds of the current process zone at instant t. */
static long tz_offset_at(time_t t)
{
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return 0;
	return tm.tm_gmtoff;
}

enum blippa_err tz_local_to_utc_ms(const char *zone, const char *local, int64_t *out_ms)
{
	int y, mo, d, h, mi;
	char saved[TZ_NAME_MAX + 2];
	bool had_tz, switched;
	int64_t wall;
	time_t t_before, t_after;
	long off_before, off_after;
	bool ok_before, ok_after;
	int64_t res;

	if (!zone || !local || !out_ms || strlen(local) != 16 || !tz_known(zone))
		return BLIPPA_ERR_INVALID;
	if (!tz_digits(local, 4, &y) || local[4] != '-' || !tz_digits(local + 5, 2, &mo) ||
	    local[7] != '-' || !tz_digits(local + 8, 2, &d) || local[10] != ' ' ||
	    !tz_digits(local + 11, 2, &h) || local[13] != ':' || !tz_digits(local + 14, 2, &mi))
		return BLIPPA_ERR_INVALID;
	if (y < 1971 || mo < 1 || mo > 12 || d < 1 || d > tz_days_in_month(y, mo) || h > 23 ||
	    mi > 59)
		return BLIPPA_ERR_INVALID;
	/* The wall-clock reading as if it were UTC. */
	wall = tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;

	pthread_mutex_lock(&tz_lock);
	switched = tz_enter(zone, saved, sizeof saved, &had_tz);
	off_before = tz_offset_at((time_t)(wall - 86400));
	off_after = tz_offset_at((time_t)(wall + 86400));
	t_before = (time_t)(wall - off_before);
	t_after = (time_t)(wall - off_after);
	ok_before = tz_offset_at(t_before) == off_before;
	ok_after = tz_offset_at(t_after) == off_after;
	tz_leave(switched, saved, had_tz);
	pthread_mutex_unlock(&tz_lock);

	if (ok_before && ok_after)
		res =
		    t_before < t_after ? (int64_t)t_before : (int64_t)t_after; /* overlap: first */
	else if (ok_before)
		res = (int64_t)t_before;
	else if (ok_after)
		res = (int64_t)t_after;
	else
		res = (int64_t)t_before; /* gap: the old offset puts 02:30 at 03:30 new time */
	*out_ms = res * 1000;
	return BLIPPA_OK;
}

enum blippa_err tz_utc_ms_to_local(const char *zone, int64_t ms, char date[11], char hhmm[6])
{
	char saved[TZ_NAME_MAX + 2];
	bool had_tz, switched;
	int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	time_t t = (time_t)s;
	struct tm tm;
	bool ok;

	if (!tz_known(zone))
		return BLIPPA_ERR_INVALID;
	pthread_mutex_lock(&tz_lock);
	switched = tz_enter(zone, saved, sizeof saved, &had_tz);
	ok = localtime_r(&t, &tm) != NULL;
	tz_leave(switched, saved, had_tz);
	pthread_mutex_unlock(&tz_lock);
	if (!ok || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
		return BLIPPA_ERR_INVALID;
	if (date)
		snprintf(date, 11, "%04u-%02u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
			 (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
	if (hhmm)
		snprintf(hhmm, 6, "%02u:%02u", (unsigned)tm.tm_hour % 100u,
			 (unsigned)tm.tm_min % 100u);
	return BLIPPA_OK;
}

void tz_set_process_zone(const char *zone)
{
	if (!zone || !tz_is_valid(zone))
		return;
	pthread_mutex_lock(&tz_lock);
	setenv("TZ", zone, 1);
	tzset();
	pthread_mutex_unlock(&tz_lock);
}
