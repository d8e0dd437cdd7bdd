/* SPDX-License-Identifier: MIT */
/* Logging to stderr. RULE: never pass names, card UIDs, tokens, PINs or
 * participant ids to these functions: Blippa handles health data. Log
 * counts, states, error codes and event/session ids only. */
#ifndef BLIPPA_LOG_H
#define BLIPPA_LOG_H

enum blippa_log_level { BLIPPA_LOG_ERROR, BLIPPA_LOG_WARN, BLIPPA_LOG_INFO, BLIPPA_LOG_DEBUG };

/* Sets the lowest level printed (default INFO; BLIPPA_LOG=debug in the
 * environment lowers it). Thread-safe. */
void blippa_log_set_level(enum blippa_log_level level);

/* Prints "<UTC time> <level> <module>: <message>" to stderr in one write. */
void blippa_log(enum blippa_log_level level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_error(mod, ...) blippa_log(BLIPPA_LOG_ERROR, mod, __VA_ARGS__)
#define log_warn(mod, ...) blippa_log(BLIPPA_LOG_WARN, mod, __VA_ARGS__)
#define log_info(mod, ...) blippa_log(BLIPPA_LOG_INFO, mod, __VA_ARGS__)
#define log_debug(mod, ...) blippa_log(BLIPPA_LOG_DEBUG, mod, __VA_ARGS__)

#endif
