/* SPDX-License-Identifier: MIT */
/* Kiosk config loader: inih does the INI syntax, this file the meaning.
 * The first problem found wins and is reported with file, line and key. */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "fsutil.h"

struct config_parse {
	struct blippa_config *cfg;
	char msg[256]; /* first problem, without the line prefix */
	bool failed;
	bool have_data_dir;
};

enum key_kind { KEY_STR, KEY_BOOL, KEY_INT, KEY_FLOAT };

struct config_key {
	const char *section, *name;
	enum key_kind kind;
	size_t offset, size; /* string: field size; int: min..max below */
	int min, max;
};

#define STR_KEY(sec, key, field)                                                               \
	{ sec, key, KEY_STR, offsetof(struct blippa_config, field),                            \
	  sizeof(((struct blippa_config *)0)->field), 0, 0 }
#define BOOL_KEY(sec, key, field) { sec, key, KEY_BOOL, offsetof(struct blippa_config, field), 0, 0, 0 }
#define INT_KEY(sec, key, field, lo, hi)                                                       \
	{ sec, key, KEY_INT, offsetof(struct blippa_config, field), 0, lo, hi }
#define FLOAT_KEY(sec, key, field, lo, hi)                                                     \
	{ sec, key, KEY_FLOAT, offsetof(struct blippa_config, field), 0, lo, hi }

static const struct config_key config_keys[] = {
	STR_KEY("kiosk", "data_dir", data_dir),
	STR_KEY("kiosk", "language", language),
	STR_KEY("kiosk", "admin_pin_hash", admin_pin_hash),
	BOOL_KEY("kiosk", "open_training", open_training),
	INT_KEY("kiosk", "window_before_min", window_before_min, 0, 240),
	BOOL_KEY("kiosk", "window_later_today", window_later_today),
	INT_KEY("kiosk", "window_after_min", window_after_min, 0, 240),
	INT_KEY("kiosk", "undo_seconds", undo_seconds, 3, 120),
	INT_KEY("kiosk", "result_seconds", result_seconds, 2, 60),
	INT_KEY("kiosk", "idle_seconds", idle_seconds, 5, 600),
	INT_KEY("kiosk", "leader_idle_seconds", leader_idle_seconds, 15, 3600),
	INT_KEY("kiosk", "retention_days", retention_days, 1, 3650),
	BOOL_KEY("kiosk", "sound", sound),
	BOOL_KEY("kiosk", "fullscreen", fullscreen),
	FLOAT_KEY("kiosk", "screen_diagonal_in", screen_diagonal_in, 3, 100),
	STR_KEY("server", "url", server_url),
	STR_KEY("server", "token_file", token_file),
	STR_KEY("server", "ca_file", ca_file),
	INT_KEY("server", "sync_interval_s", sync_interval_s, 5, 86400),
	STR_KEY("reader", "device", reader_device),
};

void config_defaults(struct blippa_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->language, sizeof cfg->language, "sv");
	cfg->open_training = true;
	cfg->window_before_min = 60;
	cfg->window_later_today = true;
	cfg->window_after_min = 30;
	cfg->undo_seconds = 10;
	cfg->result_seconds = 5;
	cfg->idle_seconds = 30;
	cfg->leader_idle_seconds = 120;
	cfg->retention_days = 90;
	cfg->sound = false;
	cfg->fullscreen = true;
	cfg->sync_interval_s = 30;
	snprintf(cfg->reader_device, sizeof cfg->reader_device, "none");
}

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1", "ja"};
	static const char *const no[] = {"no", "false", "off", "0", "nej"};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static int config_handler(void *user, const char *section, const char *name, const char *value)
{
	struct config_parse *p = user;
	const struct config_key *k = NULL;
	char *base = (char *)p->cfg;

	for (size_t i = 0; i < sizeof config_keys / sizeof config_keys[0]; i++) {
		if (strcmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].name, name) == 0) {
			k = &config_keys[i];
			break;
		}
	}
	if (!k) {
		snprintf(p->msg, sizeof p->msg, "[%s] %s: unknown key", section, name);
		return 0;
	}
	switch (k->kind) {
	case KEY_STR:
		if (strlen(value) >= k->size) {
			snprintf(p->msg, sizeof p->msg, "[%s] %s: value too long (max %zu)",
				 section, name, k->size - 1);
			return 0;
		}
		snprintf(base + k->offset, k->size, "%s", value);
		break;
	case KEY_BOOL:
		if (!parse_bool(value, (bool *)(void *)(base + k->offset))) {
			snprintf(p->msg, sizeof p->msg, "[%s] %s: expected yes or no, got \"%.40s\"",
				 section, name, value);
			return 0;
		}
		break;
	case KEY_INT: {
		char *end;
		long v;
		errno = 0;
		v = strtol(value, &end, 10);
		if (errno || end == value || *end || v < k->min || v > k->max) {
			snprintf(p->msg, sizeof p->msg,
				 "[%s] %s: expected a whole number %d..%d, got \"%.40s\"", section,
				 name, k->min, k->max, value);
			return 0;
		}
		*(int *)(void *)(base + k->offset) = (int)v;
		break;
	}
	case KEY_FLOAT: {
		char *end;
		double v;
		errno = 0;
		v = strtod(value, &end);
		if (errno || end == value || *end || !(v >= k->min && v <= k->max)) {
			snprintf(p->msg, sizeof p->msg,
				 "[%s] %s: expected a number %d..%d (e.g. 10.1), got \"%.40s\"",
				 section, name, k->min, k->max, value);
			return 0;
		}
		*(float *)(void *)(base + k->offset) = (float)v;
		break;
	}
	}
	return 1;
}

static enum blippa_err config_check(const struct blippa_config *cfg, char *msg, size_t len)
{
	if (!cfg->data_dir[0]) {
		snprintf(msg, len, "[kiosk] data_dir: missing (required)");
		return BLIPPA_ERR_CONFIG;
	}
	if (cfg->data_dir[0] != '/') {
		snprintf(msg, len, "[kiosk] data_dir: must be an absolute path");
		return BLIPPA_ERR_CONFIG;
	}
	{
		static const char *const langs[] = {"sv", "en", "fi", "ar", "fa", "so", "ti"};
		bool ok = false;
		for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++)
			ok = ok || strcmp(cfg->language, langs[i]) == 0;
		if (!ok) {
			snprintf(msg, len,
				 "[kiosk] language: expected sv, en, fi, ar, fa, so or ti, got "
				 "\"%s\"",
				 cfg->language);
			return BLIPPA_ERR_CONFIG;
		}
	}
	if (cfg->admin_pin_hash[0] && strncmp(cfg->admin_pin_hash, "$argon2id$", 10) != 0) {
		snprintf(msg, len,
			 "[kiosk] admin_pin_hash: not an Argon2id hash (make one with "
			 "blippa-kiosk --hash-pin)");
		return BLIPPA_ERR_CONFIG;
	}
	if (cfg->server_url[0]) {
		if (strncmp(cfg->server_url, "https://", 8) != 0 &&
		    strncmp(cfg->server_url, "http://127.0.0.1", 16) != 0 &&
		    strncmp(cfg->server_url, "http://localhost", 16) != 0) {
			snprintf(msg, len,
				 "[server] url: must start with https:// (plain http only to "
				 "this computer)");
			return BLIPPA_ERR_CONFIG;
		}
		if (!cfg->token_file[0]) {
			snprintf(msg, len, "[server] token_file: missing (required when url is set)");
			return BLIPPA_ERR_CONFIG;
		}
	}
	if (!cfg->reader_device[0]) {
		snprintf(msg, len, "[reader] device: empty (use none for no reader)");
		return BLIPPA_ERR_CONFIG;
	}
	return BLIPPA_OK;
}

enum blippa_err config_load(const char *path, struct blippa_config *cfg, char *err, size_t errlen)
{
	struct config_parse p = {.cfg = cfg};
	struct stat sb;
	char msg[256];
	int line;

	config_defaults(cfg);
	if (strlen(path) >= sizeof cfg->path) {
		snprintf(err, errlen, "%.64s...: path too long", path);
		return BLIPPA_ERR_CONFIG;
	}
	snprintf(cfg->path, sizeof cfg->path, "%s", path);
	if (stat(path, &sb) != 0) {
		snprintf(err, errlen, "%s: cannot read config: %s", path, strerror(errno));
		return BLIPPA_ERR_IO;
	}
	line = ini_parse(path, config_handler, &p);
	if (line < 0) {
		snprintf(err, errlen, "%s: cannot read config", path);
		return BLIPPA_ERR_IO;
	}
	if (line > 0) {
		if (p.msg[0])
			snprintf(err, errlen, "%s:%d: %s", path, line, p.msg);
		else
			snprintf(err, errlen, "%s:%d: syntax error (expected [section] or key = value)",
				 path, line);
		return BLIPPA_ERR_CONFIG;
	}
	if (config_check(cfg, msg, sizeof msg) != BLIPPA_OK) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return BLIPPA_ERR_CONFIG;
	}
	return BLIPPA_OK;
}

/* Characters of an RFC 6750 bearer token (b64token). */
static bool token_char_ok(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

enum blippa_err config_read_token_file(const char *path, char *tok, size_t toklen, char *err,
				       size_t errlen)
{
	char *buf = NULL;
	size_t len = 0, start = 0, total = 0;
	enum blippa_err rc;

	rc = fs_read_file(path, 4096, &buf, &len);
	if (rc != BLIPPA_OK) {
		snprintf(err, errlen, "%s: cannot read token file: %s", path, blippa_strerror(rc));
		goto out;
	}
	total = len;
	if (!fs_is_private(path)) {
		snprintf(err, errlen,
			 "%s: token file is readable by others; run: chmod 600 %s", path, path);
		rc = BLIPPA_ERR_PERM;
		goto out;
	}
	while (start < len && (buf[start] == ' ' || buf[start] == '\t' || buf[start] == '\n' ||
			       buf[start] == '\r'))
		start++;
	while (len > start && (buf[len - 1] == ' ' || buf[len - 1] == '\t' ||
			       buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len == start) {
		snprintf(err, errlen, "%s: token file is empty", path);
		rc = BLIPPA_ERR_CONFIG;
		goto out;
	}
	if (len - start >= toklen) {
		snprintf(err, errlen, "%s: token is too long", path);
		rc = BLIPPA_ERR_CONFIG;
		goto out;
	}
	/* RFC 6750 b64token only: a NUL would silently cut the token short and a
	 * CR/LF inside it would inject an HTTP header (found by fuzz_config). */
	for (size_t i = start; i < len; i++) {
		if (!token_char_ok(buf[i])) {
			snprintf(err, errlen,
				 "%s: token contains a character that is not allowed "
				 "(byte %zu); paste the token exactly as add-kiosk printed it",
				 path, i - start + 1);
			rc = BLIPPA_ERR_CONFIG;
			goto out;
		}
	}
	memcpy(tok, buf + start, len - start);
	tok[len - start] = '\0';
	rc = BLIPPA_OK;
out:
	if (buf)
		sodium_memzero(buf, total);
	free(buf);
	return rc;
}
