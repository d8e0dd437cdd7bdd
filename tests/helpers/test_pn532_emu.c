/* SPDX-License-Identifier: MIT */
/* Tests of the PN532 emulator itself: raw frames on its pty (ACK, checksums,
 * bad frames ignored, host ACK aborts a waiting poll), and libnfc-bin's
 * nfc-list reading 4-, 7- and 10-byte emulated cards through the real
 * pn532_uart driver (LIBNFC_DEVICE=pn532_uart:<pty>). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "pn532_emu_ctl.h"

#ifndef NFC_LIST_EXE
#define NFC_LIST_EXE ""
#endif

static const uint8_t ack[] = {0x00, 0x00, 0xff, 0x00, 0xff, 0x00};

static int open_pty(const char *path)
{
	struct termios tio;
	int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(tcgetattr(fd, &tio), 0);
	cfmakeraw(&tio);
	assert_int_equal(tcsetattr(fd, TCSANOW, &tio), 0);
	return fd;
}

static void send_frame(int fd, const uint8_t *data, size_t n)
{
	uint8_t f[300];
	size_t k = 0;
	uint8_t sum = 0xd4;
	f[k++] = 0x00;
	f[k++] = 0x00;
	f[k++] = 0xff;
	f[k++] = (uint8_t)(n + 1);
	f[k++] = (uint8_t)(0x100 - (n + 1));
	f[k++] = 0xd4;
	for (size_t i = 0; i < n; i++) {
		f[k++] = data[i];
		sum = (uint8_t)(sum + data[i]);
	}
	f[k++] = (uint8_t)(0x100 - sum);
	f[k++] = 0x00;
	assert_int_equal(write(fd, f, k), (ssize_t)k);
}

/* Reads exactly n bytes within 2 s; returns how many arrived. */
static size_t read_n(int fd, uint8_t *buf, size_t n, int timeout_ms)
{
	size_t got = 0;
	while (got < n) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, timeout_ms) <= 0)
			break;
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

/* Reads the ACK and one response frame; returns the payload after D5 cmd+1. */
static size_t read_response(int fd, uint8_t cmd, uint8_t *payload)
{
	uint8_t b[300], sum;
	size_t len;
	assert_int_equal(read_n(fd, b, 6, 2000), 6);
	assert_memory_equal(b, ack, 6);
	assert_int_equal(read_n(fd, b, 5, 2000), 5);
	assert_memory_equal(b, "\x00\x00\xff", 3);
	assert_int_equal((uint8_t)(b[3] + b[4]), 0);
	len = b[3];
	assert_int_equal(read_n(fd, b, len + 2, 2000), len + 2);
	assert_int_equal(b[0], 0xd5);
	assert_int_equal(b[1], cmd + 1);
	sum = 0;
	for (size_t i = 0; i <= len; i++)
		sum = (uint8_t)(sum + b[i]);
	assert_int_equal(sum, 0);	 /* data checksum */
	assert_int_equal(b[len + 1], 0); /* postamble */
	memcpy(payload, b + 2, len - 2);
	return len - 2;
}

static void test_raw_protocol(void **state)
{
	struct pn532_emu *emu = NULL;
	struct pn532_emu_stats st;
	uint8_t p[300];
	size_t n;
	int fd;
	(void)state;
	assert_int_equal(pn532_emu_start(NULL, &emu), 0);
	fd = open_pty(pn532_emu_path(emu));

	/* wake-up preamble then GetFirmwareVersion: a PN532 v1.6 */
	assert_int_equal(write(fd, "\x55\x55\x00\x00\x00\x00", 6), 6);
	send_frame(fd, (const uint8_t *)"\x02", 1);
	n = read_response(fd, 0x02, p);
	assert_int_equal(n, 4);
	assert_memory_equal(p, "\x32\x01\x06\x07", 4);

	/* a frame with a bad data checksum is ignored; the next one answered */
	assert_int_equal(write(fd, "\x00\x00\xff\x02\xfe\xd4\x02\x00\x00", 9), 9);
	send_frame(fd, (const uint8_t *)"\x00\x00libnfc", 8);
	n = read_response(fd, 0x00, p);
	assert_int_equal(n, 7);
	assert_memory_equal(p, "\x00libnfc", 7);

	/* one try per poll (MxRtyPassiveActivation 0), empty field: no target */
	send_frame(fd, (const uint8_t *)"\x32\x05\x00\x01\x00", 5);
	read_response(fd, 0x32, p);
	send_frame(fd, (const uint8_t *)"\x4a\x01\x00", 3);
	n = read_response(fd, 0x4a, p);
	assert_int_equal(n, 1);
	assert_int_equal(p[0], 0);

	/* a 7-byte card */
	assert_int_equal(pn532_emu_present(emu, "04112233445566", NULL, NULL), 0);
	send_frame(fd, (const uint8_t *)"\x4a\x01\x00", 3);
	n = read_response(fd, 0x4a, p);
	assert_int_equal(n, 1 + 5 + 7);
	assert_memory_equal(p, "\x01\x01\x00\x44\x00\x07\x04\x11\x22\x33\x44\x55\x66", 13);
	assert_int_equal(pn532_emu_remove(emu), 0);

	/* infinite retries: the poll waits for a card; host ACK aborts it */
	send_frame(fd, (const uint8_t *)"\x32\x05\xff\xff\xff", 5);
	read_response(fd, 0x32, p);
	send_frame(fd, (const uint8_t *)"\x4a\x01\x00", 3);
	assert_int_equal(read_n(fd, p, 6, 2000), 6); /* only the ACK */
	assert_memory_equal(p, ack, 6);
	assert_int_equal(pn532_emu_stats(emu, &st), 0);
	assert_int_equal(st.armed, 1); /* waiting for a card */
	assert_int_equal(st.waits, 1);
	assert_int_equal(write(fd, ack, sizeof ack), 6);
	assert_int_equal(pn532_emu_stats(emu, &st), 0);
	assert_int_equal(st.aborts, 1);
	assert_int_equal(st.armed, 0);
	/* the aborted poll stays silent when a card comes */
	assert_int_equal(pn532_emu_present(emu, "04A1B2C3", NULL, NULL), 0);
	send_frame(fd, (const uint8_t *)"\x02", 1);
	n = read_response(fd, 0x02, p);
	assert_int_equal(n, 4);

	/* a waiting poll is answered as soon as a card is presented */
	assert_int_equal(pn532_emu_remove(emu), 0);
	send_frame(fd, (const uint8_t *)"\x4a\x01\x00", 3);
	assert_int_equal(read_n(fd, p, 6, 2000), 6);
	assert_int_equal(pn532_emu_present(emu, "04A1B2C3", NULL, NULL), 0);
	assert_int_equal(read_n(fd, p, 5, 2000), 5);
	assert_int_equal(p[3], 2 + 1 + 5 + 4);

	/* control-channel errors */
	assert_int_equal(pn532_emu_present(emu, "04A1B2", NULL, NULL), -1);
	assert_int_equal(pn532_emu_present(emu, "04A1B2C3", "felica", NULL), -1);
	assert_int_equal(pn532_emu_cmd(emu, "bogus", NULL, 0), -1);

	close(fd);
	pn532_emu_stop(emu);
}

/* Runs nfc-list -t 1 against the emulator; returns its stdout. */
static void nfc_list(const char *path, const char *args, char *out, size_t cap)
{
	char cmd[1024];
	FILE *f;
	size_t n;
	snprintf(cmd, sizeof cmd,
		 "LIBNFC_DEVICE='pn532_uart:%s' LIBNFC_LOG_LEVEL=0 timeout 20 '%s' %s 2>&1", path,
		 NFC_LIST_EXE, args);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	assert_int_equal(pclose(f), 0);
}

static void test_nfc_list_reads_cards(void **state)
{
	struct pn532_emu *emu = NULL;
	char out[8192];
	(void)state;
	if (NFC_LIST_EXE[0] == '\0')
		skip(); /* libnfc-bin not installed */
	assert_int_equal(pn532_emu_start(NULL, &emu), 0);

	assert_int_equal(pn532_emu_present(emu, "04A1B2C3", NULL, NULL), 0);
	nfc_list(pn532_emu_path(emu), "", out, sizeof out); /* every modulation */
	assert_non_null(strstr(out, "1 ISO14443A passive target(s) found"));
	assert_non_null(strstr(out, "UID (NFCID1): 04  a1  b2  c3"));
	assert_non_null(strstr(out, "SAK (SEL_RES): 08"));

	assert_int_equal(pn532_emu_present(emu, "04112233445566", NULL, NULL), 0);
	nfc_list(pn532_emu_path(emu), "-t 1", out, sizeof out);
	assert_non_null(strstr(out, "UID (NFCID1): 04  11  22  33  44  55  66"));
	assert_non_null(strstr(out, "ATQA (SENS_RES): 00  44"));

	assert_int_equal(pn532_emu_present(emu, "00112233445566778899", NULL, NULL), 0);
	nfc_list(pn532_emu_path(emu), "-t 1", out, sizeof out);
	assert_non_null(strstr(out, "UID (NFCID1): 00  11  22  33  44  55  66  77  88  99"));
	assert_non_null(strstr(out, "SAK (SEL_RES): 20"));

	assert_int_equal(pn532_emu_remove(emu), 0);
	nfc_list(pn532_emu_path(emu), "-t 1", out, sizeof out);
	assert_non_null(strstr(out, "opened"));
	assert_null(strstr(out, "UID"));
	pn532_emu_stop(emu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_raw_protocol),
	    cmocka_unit_test(test_nfc_list_reads_cards),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
