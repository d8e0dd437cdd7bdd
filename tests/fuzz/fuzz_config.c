/* SPDX-License-Identifier: MIT */
/* Fuzz harness for the kiosk config loader (sync/common/config.c): each input
 * is written to a file and loaded with config_load(); the same bytes are also
 * read as a token file with config_read_token_file(). Checks that a loaded config
 * always satisfies what the rest of the kiosk trusts (docs/operations.md §2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_tmpdir();
	return 0;
}

static void check_terminated(const char *s, size_t size)
{
	if (!memchr(s, '\0', size))
		abort();
}

static void check_loaded(const struct blippa_config *cfg)
{
	check_terminated(cfg->data_dir, sizeof cfg->data_dir);
	check_terminated(cfg->language, sizeof cfg->language);
	check_terminated(cfg->admin_pin_hash, sizeof cfg->admin_pin_hash);
	check_terminated(cfg->server_url, sizeof cfg->server_url);
	check_terminated(cfg->token_file, sizeof cfg->token_file);
	check_terminated(cfg->ca_file, sizeof cfg->ca_file);
	check_terminated(cfg->reader_device, sizeof cfg->reader_device);
	if (cfg->data_dir[0] != '/')
		abort();
	if (strcmp(cfg->language, "sv") != 0 && strcmp(cfg->language, "en") != 0)
		abort();
	if (!cfg->reader_device[0])
		abort();
	if (cfg->server_url[0] && !cfg->token_file[0])
		abort();
	if (cfg->server_url[0] && strncmp(cfg->server_url, "https://", 8) != 0 &&
	    strncmp(cfg->server_url, "http://127.0.0.1", 16) != 0 &&
	    strncmp(cfg->server_url, "http://localhost", 16) != 0)
		abort();
	if (cfg->window_before_min < 0 || cfg->window_before_min > 240 || cfg->undo_seconds < 3 ||
	    cfg->result_seconds < 2 || cfg->idle_seconds < 5 || cfg->leader_idle_seconds < 15 ||
	    cfg->retention_days < 1 || cfg->sync_interval_s < 5)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blippa_config cfg;
	char err[512];
	char tok[128];
	const char *path;
	enum blippa_err rc;

	path = fuzz_write_file("kiosk.ini", data, size);
	memset(err, 'x', sizeof err);
	rc = config_load(path, &cfg, err, sizeof err);
	if (rc == BLIPPA_OK) {
		check_loaded(&cfg);
	} else {
		check_terminated(err, sizeof err);
		if (!err[0])
			abort(); /* every failure must say what is wrong */
	}

	/* The same bytes as a 0600 token file. */
	config_defaults(&cfg);
	path = fuzz_write_file("token", data, size);
	snprintf(cfg.token_file, sizeof cfg.token_file, "%s", path);
	snprintf(cfg.path, sizeof cfg.path, "kiosk.ini");
	memset(err, 'x', sizeof err);
	memset(tok, 'x', sizeof tok);
	rc = config_read_token_file(cfg.token_file, tok, sizeof tok, err, sizeof err);
	if (rc == BLIPPA_OK) {
		size_t n;
		check_terminated(tok, sizeof tok);
		n = strlen(tok);
		if (n == 0)
			abort();
		/* only RFC 6750 b64token characters may reach an HTTP header */
		if (strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				"0123456789-._~+/=") != n)
			abort();
	} else {
		check_terminated(err, sizeof err);
	}
	return 0;
}
