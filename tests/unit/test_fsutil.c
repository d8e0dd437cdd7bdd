/* SPDX-License-Identifier: MIT */
/* Tests for file helpers: private modes, capped reads, atomic writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fsutil.h"

static char dir[] = "/tmp/blippa-test-fs-XXXXXX";

static void test_mkdirs_private(void **state)
{
	char path[512];
	struct stat sb;
	(void)state;
	assert_int_equal(fs_join(path, sizeof path, dir, "a/b/c"), BLIPPA_OK);
	assert_int_equal(fs_mkdirs(path), BLIPPA_OK);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_true(fs_is_private(path));
	assert_int_equal(fs_mkdirs(path), BLIPPA_OK); /* idempotent */
	char small[8];
	assert_int_equal(fs_join(small, sizeof small, dir, "x"), BLIPPA_ERR_TOO_BIG);
}

static void test_atomic_write_and_capped_read(void **state)
{
	char path[512], *buf = NULL;
	size_t len = 0;
	(void)state;
	fs_join(path, sizeof path, dir, "secret");
	assert_int_equal(fs_write_atomic(path, "hello", 5, 0600), BLIPPA_OK);
	assert_true(fs_is_private(path));
	assert_int_equal(fs_read_file(path, 100, &buf, &len), BLIPPA_OK);
	assert_int_equal(len, 5);
	assert_string_equal(buf, "hello");
	free(buf);
	assert_int_equal(fs_read_file(path, 4, &buf, &len), BLIPPA_ERR_TOO_BIG);
	assert_null(buf);
	assert_int_equal(fs_write_atomic(path, "x", 1, 0644), BLIPPA_OK);
	assert_false(fs_is_private(path));
	fs_join(path, sizeof path, dir, "missing");
	assert_int_equal(fs_read_file(path, 4, &buf, &len), BLIPPA_ERR_NOT_FOUND);
	assert_false(fs_is_private(path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mkdirs_private),
		cmocka_unit_test(test_atomic_write_and_capped_read),
	};
	int rc;
	if (!mkdtemp(dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0 && rc == 0)
		rc = 1;
	return rc;
}
