/* SPDX-License-Identifier: MIT */
/* Tests of the simulated reader (kiosk/reader/reader_sim.c): each line
 * written to the FIFO is one tap; bad lines are ignored and logged without
 * their content; writers may close and come back; close is quick. */
#include <errno.h>
#include <fcntl.h>
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

#include "log.h"
#include "reader.h"
#include "reader_evq.h"

static char dir[] = "/tmp/blippa-test-sim-XXXXXX";
static char fifo[256];

static void write_fifo(const char *text)
{
	int fd = open(fifo, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static struct reader *open_sim(struct evq *q)
{
	struct reader *rd = NULL;
	char cs[300];
	size_t mark = evq_state_mark(q);
	snprintf(cs, sizeof cs, "sim:%s", fifo);
	assert_int_equal(reader_open(cs, evq_cb, q, &rd), BLIPPA_OK);
	assert_non_null(rd);
	assert_true(evq_wait_state(q, mark, READER_STATE_READY, 5000));
	assert_int_equal(reader_get_state(rd), READER_STATE_READY);
	return rd;
}

static void expect_tap(struct evq *q, const char *hex, bool random)
{
	struct reader_event ev;
	uint8_t uid[READER_UID_MAX];
	size_t len;
	assert_true(evq_take_tap(q, 5000, &ev, NULL));
	assert_int_equal(ev.kind, READER_EV_TAP);
	assert_int_equal(reader_parse_uid(hex, uid, &len), BLIPPA_OK);
	assert_int_equal(ev.uid_len, len);
	assert_memory_equal(ev.uid, uid, len);
	assert_int_equal(ev.random_uid, random);
	assert_true(ev.detected_us > 0);
}

static void test_lines_are_taps(void **state)
{
	struct evq q;
	struct reader *rd;
	struct stat sb;
	(void)state;
	evq_init(&q);
	rd = open_sim(&q);
	assert_int_equal(stat(fifo, &sb), 0);
	assert_true(S_ISFIFO(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0600);
	write_fifo("04A1B2C3\n04:a1:b2:c3:d4:e5:f6\r\n08123456\n  00112233445566778899  \n");
	expect_tap(&q, "04A1B2C3", false);
	expect_tap(&q, "04A1B2C3D4E5F6", false);
	expect_tap(&q, "08123456", true);
	expect_tap(&q, "00112233445566778899", false);
	/* a line written in pieces is still one tap */
	int fd = open(fifo, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "04A1", 4), 4);
	assert_int_equal(write(fd, "B2C4\n", 5), 5);
	close(fd);
	expect_tap(&q, "04A1B2C4", false);
	assert_int_equal(evq_tap_total(&q), 5);
	reader_close(rd);
	evq_destroy(&q);
}

static void test_bad_lines_ignored_and_not_logged(void **state)
{
	struct evq q;
	struct reader *rd;
	char logpath[300], big[400], text[8192];
	int saved, lfd;
	ssize_t n;
	(void)state;
	snprintf(logpath, sizeof logpath, "%s/log", dir);
	lfd = open(logpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(lfd >= 0);
	saved = dup(STDERR_FILENO);
	dup2(lfd, STDERR_FILENO);
	blippa_log_set_level(BLIPPA_LOG_DEBUG);

	evq_init(&q);
	rd = open_sim(&q);
	memset(big, 'A', sizeof big - 2);
	big[sizeof big - 2] = '\n';
	big[sizeof big - 1] = '\0';
	write_fifo("hello-secret\n04A1B2\n\n04A1B2C3D5E6\n");
	write_fifo(big);
	write_fifo("DEADBEEF\n"); /* a good line after the bad ones */
	expect_tap(&q, "DEADBEEF", false);
	assert_int_equal(evq_tap_total(&q), 1); /* none of the bad lines counted */
	reader_close(rd);
	evq_destroy(&q);

	blippa_log_set_level(BLIPPA_LOG_INFO);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(lfd, text, sizeof text - 1, 0);
	close(lfd);
	assert_true(n > 0);
	text[n] = '\0';
	assert_non_null(strstr(text, "ignored a line"));
	assert_null(strstr(text, "hello-secret"));
	assert_null(strstr(text, "04A1B2"));
	assert_null(strstr(text, "DEADBEEF"));
	assert_null(strcasestr(text, "deadbeef"));
	assert_null(strstr(text, "AAAAAAAA"));
}

static void test_writers_come_and_go(void **state)
{
	struct evq q;
	struct reader *rd;
	(void)state;
	evq_init(&q);
	rd = open_sim(&q);
	for (int i = 0; i < 5; i++) {
		char line[32];
		snprintf(line, sizeof line, "0400000%d\n", i);
		write_fifo(line); /* opens, writes and closes each time */
		snprintf(line, sizeof line, "0400000%d", i);
		expect_tap(&q, line, false);
	}
	int64_t t0 = evq_now_us();
	reader_close(rd);
	assert_true(evq_now_us() - t0 < 1000000);
	evq_destroy(&q);
}

static void test_existing_fifo_and_bad_paths(void **state)
{
	struct evq q;
	struct reader *rd = NULL;
	char cs[300], file[260];
	(void)state;
	evq_init(&q);
	/* an existing FIFO is reused (and kept) */
	assert_int_equal(mkfifo(fifo, 0600), 0);
	rd = open_sim(&q);
	write_fifo("04A1B2C3\n");
	expect_tap(&q, "04A1B2C3", false);
	reader_close(rd);
	assert_int_equal(access(fifo, F_OK), 0);
	unlink(fifo);
	/* a regular file is not a FIFO */
	snprintf(file, sizeof file, "%s/plain", dir);
	close(open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	snprintf(cs, sizeof cs, "sim:%s", file);
	assert_int_equal(reader_open(cs, evq_cb, &q, &rd), BLIPPA_ERR_CONFIG);
	assert_null(rd);
	unlink(file);
	/* a directory that does not exist */
	snprintf(cs, sizeof cs, "sim:%s/nope/fifo", dir);
	assert_int_equal(reader_open(cs, evq_cb, &q, &rd), BLIPPA_ERR_CONFIG);
	assert_null(rd);
	evq_destroy(&q);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(fifo, sizeof fifo, "%s/taps", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lines_are_taps),
	    cmocka_unit_test(test_bad_lines_ignored_and_not_logged),
	    cmocka_unit_test(test_writers_come_and_go),
	    cmocka_unit_test(test_existing_fifo_and_bad_paths),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
