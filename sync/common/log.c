/* SPDX-License-Identifier: MIT */
/* stderr logger: one formatted line per call, written with a single write(2)
 * so lines from different threads never interleave. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static atomic_int log_level = -1; /* -1: not yet read from the environment */

void blippa_log_set_level(enum blippa_log_level level)
{
	atomic_store(&log_level, (int)level);
}

static int current_level(void)
{
	int lv = atomic_load(&log_level);
	if (lv < 0) {
		const char *env = getenv("BLIPPA_LOG");
		lv = BLIPPA_LOG_INFO;
		if (env && strcasecmp(env, "debug") == 0)
			lv = BLIPPA_LOG_DEBUG;
		else if (env && strcasecmp(env, "warn") == 0)
			lv = BLIPPA_LOG_WARN;
		else if (env && strcasecmp(env, "error") == 0)
			lv = BLIPPA_LOG_ERROR;
		atomic_store(&log_level, lv);
	}
	return lv;
}

void blippa_log(enum blippa_log_level level, const char *module, const char *fmt, ...)
{
	static const char *const names[] = {"ERROR", "WARN", "INFO", "DEBUG"};
	char line[1024];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n, m;

	if ((int)level > current_level())
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		     tm.tm_sec, ts.tv_nsec / 1000000, names[level], module);
	if (n < 0 || (size_t)n >= sizeof line)
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n >= sizeof line - 1)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}
