/* SPDX-License-Identifier: MIT */
/* Tests for the kiosk config loader: every bad input names file, line, key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static char dir[] = "/tmp/blippa-test-config-XXXXXX";

static const char *write_file(const char *name, const char *text, mode_t mode)
{
	static char path[512];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

static enum blippa_err load(const char *text, struct blippa_config *cfg, char *err, size_t len)
{
	return config_load(write_file("kiosk.ini", text, 0644), cfg, err, len);
}

static void test_full_example(void **state)
{
	struct blippa_config cfg;
	char err[512] = "";
	(void)state;
	assert_int_equal(load("[kiosk]\n"
			      "data_dir = /var/lib/blippa        ; SQLite database lives here, 0600\n"
			      "language = en\n"
			      "[server]\n"
			      "url = https://region.example/blippa\n"
			      "token_file = /etc/blippa/token    ; must be 0600\n"
			      "ca_file =\n"
			      "[reader]\n"
			      "device = pn532_uart:/dev/ttyUSB0\n",
			      &cfg, err, sizeof err),
			 BLIPPA_OK);
	assert_string_equal(cfg.data_dir, "/var/lib/blippa");
	assert_string_equal(cfg.language, "en");
	assert_string_equal(cfg.server_url, "https://region.example/blippa");
	assert_string_equal(cfg.token_file, "/etc/blippa/token");
	assert_string_equal(cfg.ca_file, "");
	assert_string_equal(cfg.reader_device, "pn532_uart:/dev/ttyUSB0");
	assert_true(cfg.open_training);
	assert_int_equal(cfg.window_before_min, 60);
	assert_true(cfg.screen_diagonal_in == 0.0f); /* unset: ask the display */
	assert_int_equal(load("[kiosk]\ndata_dir = /x\nscreen_diagonal_in = 10.1\n", &cfg, err,
			      sizeof err),
			 BLIPPA_OK);
	assert_true(cfg.screen_diagonal_in > 10.09f && cfg.screen_diagonal_in < 10.11f);
}

static void test_unknown_key_names_line(void **state)
{
	struct blippa_config cfg;
	char err[512] = "";
	(void)state;
	assert_int_equal(load("[kiosk]\ndata_dir = /x\n\ncolour = red\n", &cfg, err, sizeof err),
			 BLIPPA_ERR_CONFIG);
	assert_non_null(strstr(err, "kiosk.ini:4:"));
	assert_non_null(strstr(err, "colour"));
	assert_non_null(strstr(err, "unknown key"));
}

static void test_missing_required(void **state)
{
	struct blippa_config cfg;
	char err[512] = "";
	(void)state;
	assert_int_equal(load("[kiosk]\nlanguage = sv\n", &cfg, err, sizeof err), BLIPPA_ERR_CONFIG);
	assert_non_null(strstr(err, "data_dir"));
	assert_non_null(strstr(err, "missing"));
	assert_int_equal(load("[kiosk]\ndata_dir = /x\n[server]\nurl = https://a.example\n", &cfg,
			      err, sizeof err),
			 BLIPPA_ERR_CONFIG);
	assert_non_null(strstr(err, "token_file"));
}

static void test_bad_values(void **state)
{
	struct blippa_config cfg;
	char err[512] = "";
	(void)state;
	assert_int_equal(load("[kiosk]\ndata_dir = /x\nopen_training = maybe\n", &cfg, err,
			      sizeof err),
			 BLIPPA_ERR_CONFIG);
	assert_non_null(strstr(err, ":3:"));
	assert_non_null(strstr(err, "open_training"));
	assert_int_equal(load("[kiosk]\ndata_dir = /x\nwindow_before_min = 60x\n", &cfg, err,
			      sizeof err),
			 BLIPPA_ERR_CONFIG);
	assert_non_null(strstr(err, "window_before_min"));
	assert_int_equal(load("[kiosk]\ndata_dir = /x\nscreen_diagonal_in = 10,1\n", &cfg, err,
			      sizeof err),
			 BLIPPA_ERR_CONFIG);
	assert_non_null(strstr(err, "screen_diagonal_in"));
	assert_int_equal(load("[kiosk]\ndata_dir = /x\nscreen_diagonal_in = 300\n", &cfg, err,
			      sizeof err),
			 BLIPPA_ERR_CONFIG);
	assert_int_equal(load("[kiosk]\ndata_dir = /x\nlanguage = de\n", &cfg, err, sizeof err),
			 BLIPPA_ERR_CONFIG);
	assert_non_null(strstr(err, "language"));
	assert_int_equal(load("[kiosk]\ndata_dir = relative/dir\n", &cfg, err, sizeof err),
			 BLIPPA_ERR_CONFIG);
	assert_int_equal(load("[kiosk]\ndata_dir = /x\n[server]\nurl = http://region.example\n"
			      "token_file = /t\n",
			      &cfg, err, sizeof err),
			 BLIPPA_ERR_CONFIG);
	assert_non_null(strstr(err, "https"));
	assert_int_equal(load("[kiosk]\nthis is not ini\n", &cfg, err, sizeof err),
			 BLIPPA_ERR_CONFIG);
	assert_non_null(strstr(err, ":2:"));
}

static void test_missing_file(void **state)
{
	struct blippa_config cfg;
	char err[512] = "";
	(void)state;
	assert_int_equal(config_load("/nonexistent/blippa.ini", &cfg, err, sizeof err),
			 BLIPPA_ERR_IO);
	assert_non_null(strstr(err, "/nonexistent/blippa.ini"));
}

static void test_token_permissions(void **state)
{
	struct blippa_config cfg;
	char err[512] = "", tok[128];
	(void)state;
	config_defaults(&cfg);
	snprintf(cfg.token_file, sizeof cfg.token_file, "%s",
		 write_file("token", "  abc123\n", 0644));
	assert_int_equal(config_read_token_file(cfg.token_file, tok, sizeof tok, err, sizeof err),
			 BLIPPA_ERR_PERM);
	assert_non_null(strstr(err, "chmod 600"));
	chmod(cfg.token_file, 0600);
	assert_int_equal(config_read_token_file(cfg.token_file, tok, sizeof tok, err, sizeof err),
			 BLIPPA_OK);
	assert_string_equal(tok, "abc123");
	write_file("token", "\n", 0600);
	assert_int_equal(config_read_token_file(cfg.token_file, tok, sizeof tok, err, sizeof err),
			 BLIPPA_ERR_CONFIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_example),
		cmocka_unit_test(test_unknown_key_names_line),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_token_permissions),
	};
	int rc;
	if (!mkdtemp(dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
