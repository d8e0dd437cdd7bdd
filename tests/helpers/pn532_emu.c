/* SPDX-License-Identifier: MIT */
/* pn532_emu: a PN532 NFC controller on a pseudo-terminal, for tests without
 * hardware. It speaks the PN532 UART (HSU) host protocol well enough for
 * libnfc's real pn532_uart driver (and so nfc-list, and the kiosk's reader):
 * wake-up preamble, ACK frames, normal and extended information frames with
 * checksums, host ACK = abort, and the commands libnfc sends to open,
 * initialise, poll and ping ISO 14443-A cards: Diagnose (0x00), Get-
 * FirmwareVersion (0x02), GetGeneralStatus (0x04), Read/WriteRegister
 * (0x06/0x08), SetParameters (0x12), SAMConfiguration (0x14), PowerDown
 * (0x16), RFConfiguration (0x32), InDataExchange (0x40), InCommunicateThru
 * (0x42), InDeselect (0x44), InListPassiveTarget (0x4A), InRelease (0x52),
 * InAutoPoll (0x60). Unknown commands get the PN532 syntax-error frame.
 *
 * Usage: pn532_emu [--link PATH] [--pty-file PATH] [--control FIFO]
 *                  [--rf-delay-ms N]
 *   --link PATH      also make PATH a symlink to the pty (replaced
 *                    atomically), so a restarted emulator can take over the
 *                    same connstring "pn532_uart:PATH"
 *   --pty-file PATH  write the pty's path (one line) to PATH
 *   --control FIFO   read control commands from FIFO (made 0600 if missing,
 *                    writers may come and go) instead of stdin
 *   --rf-delay-ms N  answer an empty InListPassiveTarget after N ms, like a
 *                    real chip's RF time (default 0)
 *
 * On start it prints "pty <path>" on stdout. Control protocol: one command
 * per line on stdin (or the control FIFO); each reply is one line on stdout:
 *   present HEX [mfc|ul|iso4|plain]  put a card with UID HEX (4, 7 or 10 bytes) in
 *                              the field -> "ok <t_us>", t_us = CLOCK_MONOTONIC
 *                              microseconds at that moment. Card type default:
 *                              4 bytes mfc (MIFARE Classic, SAK 08), 7 bytes
 *                              ul (Ultralight, ATQA 0044), 10 bytes iso4
 *                              (ISO 14443-4, SAK 20, with ATS); plain: ATQA
 *                              0004 SAK 00, a type libnfc has no ping for
 *   remove                     take the card away -> "ok <t_us>"
 *   stats                      -> "stats frames=N inlist_empty=N inlist_found=N
 *                              presence_ok=N presence_gone=N aborts=N waits=N
 *                              armed=0|1"; waits counts polls that wait for a
 *                              card (InListPassiveTarget with infinite retries,
 *                              InAutoPoll with PollNr FF), armed says one is
 *                              waiting now; a card put in the field answers it
 *   delay MS                   set --rf-delay-ms -> "ok"
 *   mute 1|0                   stop/resume answering frames, and a waiting
 *                              poll stays unanswered (a hung chip) -> "ok"
 *   hang-at HEX                the chip hangs (as mute 1) when the next frame
 *                              with command HEX (e.g. 60) comes, before it
 *                              ACKs it -> "ok"
 *   ping                       -> "pong"
 *   quit                       -> "bye", then exit 0 (also on end of stdin)
 * Errors: "err <reason>". From a test, tests/helpers/pn532_emu_ctl.h wraps
 * all of this in a small C API. UIDs here are test data, never real ones. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define RX_MAX 4096  /* host bytes buffered before a frame is complete */
#define CTL_MAX 256  /* longest control line */
#define RESP_MAX 300 /* longest response payload we build */

enum card_kind { CARD_MFC, CARD_UL, CARD_ISO4, CARD_PLAIN };

struct emu {
	int master;
	int slave_keep; /* our own slave fd: the master never sees a hang-up */
	char slave[128];
	const char *link;
	const char *ctl_path; /* NULL: stdin */
	int ctl_fd;
	uint8_t rx[RX_MAX];
	size_t rx_len;
	char ctl[CTL_MAX + 1];
	size_t ctl_len;
	bool ctl_discard;
	/* the card */
	bool present, active;
	enum card_kind kind;
	uint8_t uid[10];
	size_t uid_len;
	/* chip state */
	uint8_t regs[65536];
	uint8_t params;
	uint8_t max_rty_passive;
	bool muted;
	int hang_at; /* go mute on this command's frame, before its ACK (-1: no) */
	int rf_delay_ms;
	/* a response not sent yet: delayed, or waiting for a card */
	bool pend;
	bool pend_wait_card;
	uint8_t pend_cmd; /* command it answers */
	uint8_t pend_autopoll;
	int64_t pend_due_us;
	/* counters */
	unsigned long frames, inlist_empty, inlist_found, presence_ok, presence_gone, aborts;
	unsigned long waits; /* polls left waiting for a card (infinite retries) */
};

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void pty_write(struct emu *e, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(e->master, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* nobody reads: drop, like a chip on an unplugged cable */
		buf += n;
		len -= (size_t)n;
	}
}

static const uint8_t ack_frame[] = {0x00, 0x00, 0xff, 0x00, 0xff, 0x00};

/* Sends a normal information frame: D5, cmd+1, payload. */
static void send_response(struct emu *e, uint8_t cmd, const uint8_t *p, size_t n)
{
	uint8_t f[RESP_MAX + 16];
	size_t len = n + 2, i, k = 0;
	uint8_t sum;

	if (n > RESP_MAX)
		return;
	f[k++] = 0x00;
	f[k++] = 0x00;
	f[k++] = 0xff;
	f[k++] = (uint8_t)len;
	f[k++] = (uint8_t)(0x100 - len);
	f[k++] = 0xd5;
	f[k++] = (uint8_t)(cmd + 1);
	sum = (uint8_t)(0xd5 + cmd + 1);
	for (i = 0; i < n; i++) {
		f[k++] = p[i];
		sum = (uint8_t)(sum + p[i]);
	}
	f[k++] = (uint8_t)(0x100 - sum);
	f[k++] = 0x00;
	pty_write(e, f, k);
}

static void send_syntax_error(struct emu *e)
{
	static const uint8_t err[] = {0x00, 0x00, 0xff, 0x01, 0xff, 0x7f, 0x81, 0x00};
	pty_write(e, err, sizeof err);
}

/* Target data as InListPassiveTarget returns it (from Tg on); the length. */
static size_t card_target_data(const struct emu *e, uint8_t *out)
{
	static const uint8_t ats[] = {0x06, 0x75, 0x77, 0x81, 0x02, 0x80};
	size_t k = 0;

	out[k++] = 0x01; /* Tg */
	out[k++] = 0x00;
	out[k++] = e->kind == CARD_UL ? 0x44 : 0x04; /* ATQA */
	out[k++] = e->kind == CARD_UL	   ? 0x00    /* SAK */
		   : e->kind == CARD_ISO4  ? 0x20
		   : e->kind == CARD_PLAIN ? 0x00
					   : 0x08;
	out[k++] = (uint8_t)e->uid_len;
	memcpy(out + k, e->uid, e->uid_len);
	k += e->uid_len;
	if (e->kind == CARD_ISO4 && (e->params & 0x10)) { /* PARAM_AUTO_RATS */
		memcpy(out + k, ats, sizeof ats);
		k += sizeof ats;
	}
	return k;
}

/* Does InitiatorData (a cascaded UID, as libnfc sends it) name our card? */
static bool card_matches(const struct emu *e, const uint8_t *d, size_t n)
{
	uint8_t uid[10];
	size_t len = 0;

	if (n == 4) {
		memcpy(uid, d, 4);
		len = 4;
	} else if (n == 8 && d[0] == 0x88) {
		memcpy(uid, d + 1, 7);
		len = 7;
	} else if (n == 12 && d[0] == 0x88 && d[4] == 0x88) {
		memcpy(uid, d + 1, 3);
		memcpy(uid + 3, d + 5, 3);
		memcpy(uid + 6, d + 8, 4);
		len = 10;
	}
	return len == e->uid_len && memcmp(uid, e->uid, len) == 0;
}

static void answer_inlist_found(struct emu *e)
{
	uint8_t r[64];
	r[0] = 1;
	size_t n = 1 + card_target_data(e, r + 1);
	e->active = true;
	e->inlist_found++;
	send_response(e, 0x4a, r, n);
}

static void answer_autopoll_found(struct emu *e, uint8_t type)
{
	uint8_t r[64];
	size_t n = card_target_data(e, r + 3);
	r[0] = 1;
	r[1] = type;
	r[2] = (uint8_t)n;
	e->active = true;
	e->inlist_found++;
	send_response(e, 0x60, r, n + 3);
}

static void cmd_inlist(struct emu *e, const uint8_t *a, size_t n)
{
	static const uint8_t none[] = {0x00};
	if (n < 2 || a[1] != 0x00) { /* not 106 kbps type A: nothing of that kind here */
		send_response(e, 0x4a, none, 1);
		return;
	}
	if (n > 2) { /* select a given UID: libnfc's presence check for MIFARE Classic */
		if (e->present && card_matches(e, a + 2, n - 2)) {
			e->presence_ok++;
			answer_inlist_found(e);
		} else {
			e->presence_gone++;
			send_response(e, 0x4a, none, 1);
		}
		return;
	}
	if (e->present) {
		answer_inlist_found(e);
		return;
	}
	e->pend = true;
	e->pend_cmd = 0x4a;
	e->pend_wait_card = e->max_rty_passive == 0xff;
	e->pend_due_us = mono_us() + (int64_t)e->rf_delay_ms * 1000;
	if (e->pend_wait_card)
		e->waits++;
}

static void cmd_autopoll(struct emu *e, const uint8_t *a, size_t n)
{
	static const uint8_t none[] = {0x00};
	uint8_t type = 0xff;
	for (size_t i = 2; i < n; i++) {
		if (a[i] == 0x00 || a[i] == 0x10 || (a[i] == 0x20 && e->kind == CARD_ISO4)) {
			type = a[i];
			break;
		}
	}
	if (type == 0xff) {
		send_response(e, 0x60, none, 1);
	} else if (e->present) {
		answer_autopoll_found(e, type);
	} else if (n > 0 && a[0] == 0xff) {
		e->pend = true;
		e->pend_cmd = 0x60;
		e->pend_autopoll = type;
		e->pend_wait_card = true;
		e->waits++;
	} else {
		send_response(e, 0x60, none, 1);
	}
}

/* InDataExchange (0x40) and InCommunicateThru (0x42): the card answers if
 * it is there and selected; else the chip reports a timeout (status 01). */
static void cmd_exchange(struct emu *e, uint8_t cmd, const uint8_t *a, size_t n)
{
	uint8_t r[20] = {0x00};
	size_t k = 1;
	const uint8_t *d = cmd == 0x40 ? a + 1 : a;
	size_t dn = cmd == 0x40 ? (n > 0 ? n - 1 : 0) : n;
	bool ok = false;

	if (e->present && e->active && dn > 0) {
		if (e->kind == CARD_UL && d[0] == 0x30) { /* READ: 16 bytes */
			memset(r + 1, 0, 16);
			memcpy(r + 1, e->uid, e->uid_len);
			k = 17;
			ok = true;
		} else if (e->kind == CARD_ISO4 && (d[0] & 0xe2) == 0xa2) { /* R(NAK)/R(ACK) */
			r[1] = (uint8_t)(0xa2 | (d[0] & 0x01));
			k = 2;
			ok = true;
		} else if (e->kind == CARD_ISO4 && cmd == 0x40) { /* any APDU: 90 00 */
			r[1] = 0x90;
			r[2] = 0x00;
			k = 3;
			ok = true;
		}
	}
	if (ok) {
		e->presence_ok++;
	} else {
		r[0] = 0x01; /* timeout: no answer from a card */
		k = 1;
		e->presence_gone++;
	}
	send_response(e, cmd, r, k);
}

static void handle_command(struct emu *e, const uint8_t *c, size_t n)
{
	uint8_t r[RESP_MAX];
	size_t k = 0, i;
	const uint8_t *a = c + 1;
	size_t an = n - 1;

	e->pend = false; /* a new command replaces one still running */
	switch (c[0]) {
	case 0x00: /* Diagnose */
		if (an >= 1 && a[0] == 0x06) {
			r[k++] = (e->present && e->active) ? 0x00 : 0x01;
			if (r[0])
				e->presence_gone++;
			else
				e->presence_ok++;
		} else if (an >= 1 && a[0] == 0x00) {
			k = an < sizeof r ? an : sizeof r; /* communication test: echo */
			memcpy(r, a, k);
		} else {
			r[k++] = 0x00;
		}
		break;
	case 0x02: /* GetFirmwareVersion: PN532 v1.6, ISO 14443 A+B, 18092 */
		r[k++] = 0x32;
		r[k++] = 0x01;
		r[k++] = 0x06;
		r[k++] = 0x07;
		break;
	case 0x04: /* GetGeneralStatus */
		r[k++] = 0x00;
		r[k++] = 0x01;
		r[k++] = 0x00;
		r[k++] = 0x00;
		break;
	case 0x06: /* ReadRegister: 2 address bytes each */
		for (i = 0; i + 1 < an && k < sizeof r; i += 2)
			r[k++] = e->regs[(a[i] << 8) | a[i + 1]];
		break;
	case 0x08: /* WriteRegister: address, value */
		for (i = 0; i + 2 < an; i += 3)
			e->regs[(a[i] << 8) | a[i + 1]] = a[i + 2];
		break;
	case 0x12: /* SetParameters */
		if (an >= 1)
			e->params = a[0];
		break;
	case 0x14: /* SAMConfiguration */
		break;
	case 0x16: /* PowerDown */
		r[k++] = 0x00;
		e->active = false;
		break;
	case 0x32: /* RFConfiguration */
		if (an >= 4 && a[0] == 0x05)
			e->max_rty_passive = a[3];
		break;
	case 0x40: /* InDataExchange */
	case 0x42: /* InCommunicateThru */
		cmd_exchange(e, c[0], a, an);
		return;
	case 0x44: /* InDeselect */
	case 0x52: /* InRelease */
		r[k++] = 0x00;
		e->active = false;
		break;
	case 0x4a:
		cmd_inlist(e, a, an);
		return;
	case 0x60:
		cmd_autopoll(e, a, an);
		return;
	default:
		send_syntax_error(e);
		return;
	}
	send_response(e, c[0], r, k);
}

/* Takes complete frames off the front of e->rx and answers them. */
static void parse_frames(struct emu *e)
{
	for (;;) {
		size_t i = 0, len, hdr;
		while (i + 1 < e->rx_len && !(e->rx[i] == 0x00 && e->rx[i + 1] == 0xff))
			i++;
		if (i + 1 >= e->rx_len) { /* no start code yet: keep a trailing 00 */
			if (e->rx_len > 0 && e->rx[e->rx_len - 1] == 0x00) {
				e->rx[0] = 0x00;
				e->rx_len = 1;
			} else {
				e->rx_len = 0;
			}
			return;
		}
		memmove(e->rx, e->rx + i, e->rx_len - i);
		e->rx_len -= i;
		if (e->rx_len < 4)
			return;
		if (e->rx[2] == 0x00 && e->rx[3] == 0xff) { /* ACK from the host: abort */
			e->aborts++;
			e->pend = false;
			memmove(e->rx, e->rx + 4, e->rx_len - 4);
			e->rx_len -= 4;
			continue;
		}
		if (e->rx[2] == 0xff && e->rx[3] == 0xff) { /* extended frame */
			if (e->rx_len < 7)
				return;
			len = (size_t)e->rx[4] << 8 | e->rx[5];
			if ((uint8_t)(e->rx[4] + e->rx[5] + e->rx[6]) != 0) {
				memmove(e->rx, e->rx + 2, e->rx_len - 2);
				e->rx_len -= 2;
				continue;
			}
			hdr = 7;
		} else if (e->rx[2] == 0xff && e->rx[3] == 0x00) { /* NACK: ignore */
			memmove(e->rx, e->rx + 4, e->rx_len - 4);
			e->rx_len -= 4;
			continue;
		} else {
			len = e->rx[2];
			if ((uint8_t)(e->rx[2] + e->rx[3]) != 0) { /* bad length checksum */
				memmove(e->rx, e->rx + 2, e->rx_len - 2);
				e->rx_len -= 2;
				continue;
			}
			hdr = 4;
		}
		if (len + hdr + 1 > RX_MAX) {
			e->rx_len = 0;
			return;
		}
		if (e->rx_len < hdr + len + 1)
			return; /* wait for the rest */
		{
			const uint8_t *d = e->rx + hdr;
			uint8_t sum = 0;
			for (size_t j = 0; j <= len; j++)
				sum = (uint8_t)(sum + d[j]);
			if (sum == 0 && len >= 2 && d[0] == 0xd4 && !e->muted &&
			    d[1] == e->hang_at) {
				e->muted = true; /* hangs on this command: no ACK */
				e->hang_at = -1;
			}
			if (sum == 0 && len >= 2 && d[0] == 0xd4 && !e->muted) {
				e->frames++;
				pty_write(e, ack_frame, sizeof ack_frame);
				handle_command(e, d + 1, len - 1);
			}
		}
		memmove(e->rx, e->rx + hdr + len + 1, e->rx_len - hdr - len - 1);
		e->rx_len -= hdr + len + 1;
	}
}

static void pend_fire(struct emu *e, bool card)
{
	static const uint8_t none[] = {0x00};
	e->pend = false;
	if (e->pend_cmd == 0x60) {
		if (card)
			answer_autopoll_found(e, e->pend_autopoll);
		else
			send_response(e, 0x60, none, 1);
		return;
	}
	if (card) {
		answer_inlist_found(e);
	} else {
		e->inlist_empty++;
		send_response(e, 0x4a, none, 1);
	}
}

/* ---- control channel ---- */

static int64_t card_set(struct emu *e, const char *hex, const char *kind)
{
	uint8_t uid[10];
	size_t n = 0, len = strlen(hex);

	if (len % 2 || (len != 8 && len != 14 && len != 20))
		return -1;
	for (size_t i = 0; i < len; i += 2) {
		unsigned v;
		char b[3] = {hex[i], hex[i + 1], 0};
		char *end;
		v = (unsigned)strtoul(b, &end, 16);
		if (*end)
			return -1;
		uid[n++] = (uint8_t)v;
	}
	if (!kind)
		e->kind = n == 4 ? CARD_MFC : n == 7 ? CARD_UL : CARD_ISO4;
	else if (strcmp(kind, "mfc") == 0)
		e->kind = CARD_MFC;
	else if (strcmp(kind, "ul") == 0)
		e->kind = CARD_UL;
	else if (strcmp(kind, "iso4") == 0)
		e->kind = CARD_ISO4;
	else if (strcmp(kind, "plain") == 0)
		e->kind = CARD_PLAIN;
	else
		return -1;
	memcpy(e->uid, uid, n);
	e->uid_len = n;
	e->present = true;
	e->active = false;
	return mono_us();
}

/* Handles one control line; returns false for quit. */
static bool ctl_line(struct emu *e, char *line)
{
	char *save = NULL, *cmd = strtok_r(line, " \t\r", &save);
	char *a1 = cmd ? strtok_r(NULL, " \t\r", &save) : NULL;
	char *a2 = a1 ? strtok_r(NULL, " \t\r", &save) : NULL;

	if (!cmd)
		return true;
	if (strcmp(cmd, "present") == 0 && a1) {
		int64_t t = card_set(e, a1, a2);
		if (t < 0) {
			reply("err bad uid or card type");
			return true;
		}
		if (e->pend && !e->muted)
			pend_fire(e, true); /* a waiting poll finds it at once */
		reply("ok %lld", (long long)t);
	} else if (strcmp(cmd, "remove") == 0) {
		e->present = false;
		e->active = false;
		reply("ok %lld", (long long)mono_us());
	} else if (strcmp(cmd, "stats") == 0) {
		reply("stats frames=%lu inlist_empty=%lu inlist_found=%lu presence_ok=%lu "
		      "presence_gone=%lu aborts=%lu waits=%lu armed=%d",
		      e->frames, e->inlist_empty, e->inlist_found, e->presence_ok, e->presence_gone,
		      e->aborts, e->waits, e->pend && e->pend_wait_card);
	} else if (strcmp(cmd, "delay") == 0 && a1) {
		e->rf_delay_ms = atoi(a1);
		reply("ok");
	} else if (strcmp(cmd, "mute") == 0 && a1) {
		e->muted = atoi(a1) != 0;
		reply("ok");
	} else if (strcmp(cmd, "hang-at") == 0 && a1) {
		e->hang_at = (int)strtol(a1, NULL, 16);
		reply("ok");
	} else if (strcmp(cmd, "ping") == 0) {
		reply("pong");
	} else if (strcmp(cmd, "quit") == 0) {
		reply("bye");
		return false;
	} else {
		reply("err unknown command");
	}
	return true;
}

/* Reads what the control channel has; returns false to quit. */
static bool ctl_read(struct emu *e)
{
	char buf[256];
	ssize_t n = read(e->ctl_fd, buf, sizeof buf);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return false; /* end of stdin */
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			bool go = true;
			e->ctl[e->ctl_len] = '\0';
			if (!e->ctl_discard)
				go = ctl_line(e, e->ctl);
			else
				reply("err line too long");
			e->ctl_len = 0;
			e->ctl_discard = false;
			if (!go)
				return false;
		} else if (e->ctl_len >= CTL_MAX) {
			e->ctl_discard = true;
		} else if (!e->ctl_discard) {
			e->ctl[e->ctl_len++] = buf[i];
		}
	}
	return true;
}

/* ---- pty and main loop ---- */

static int pty_setup(struct emu *e)
{
	struct termios tio;
	const char *name;

	e->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (e->master < 0 || grantpt(e->master) < 0 || unlockpt(e->master) < 0)
		return -1;
	name = ptsname(e->master);
	if (!name || strlen(name) >= sizeof e->slave)
		return -1;
	snprintf(e->slave, sizeof e->slave, "%s", name);
	e->slave_keep = open(e->slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (e->slave_keep < 0 || tcgetattr(e->slave_keep, &tio) < 0)
		return -1;
	cfmakeraw(&tio);
	cfsetspeed(&tio, B115200);
	if (tcsetattr(e->slave_keep, TCSANOW, &tio) < 0)
		return -1;
	return fcntl(e->master, F_SETFL, fcntl(e->master, F_GETFL) | O_NONBLOCK);
}

static int link_setup(struct emu *e)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", e->link, (long)getpid()) >= (int)sizeof tmp)
		return -1;
	unlink(tmp);
	if (symlink(e->slave, tmp) < 0)
		return -1;
	return rename(tmp, e->link);
}

static void link_cleanup(struct emu *e)
{
	char cur[PATH_MAX];
	ssize_t n;
	if (!e->link)
		return;
	n = readlink(e->link, cur, sizeof cur - 1);
	if (n < 0)
		return;
	cur[n] = '\0';
	if (strcmp(cur, e->slave) == 0)
		unlink(e->link);
}

static int write_pty_file(const char *path, const char *slave)
{
	char tmp[PATH_MAX];
	FILE *f;
	if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof tmp)
		return -1;
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%s\n", slave);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

static void usage(void)
{
	fprintf(stderr, "usage: pn532_emu [--link PATH] [--pty-file PATH] [--control FIFO] "
			"[--rf-delay-ms N]\n(control commands: see the top of pn532_emu.c)\n");
}

int main(int argc, char **argv)
{
	static struct emu emu; /* 64 KiB of registers: not on the stack */
	struct emu *e = &emu;
	const char *pty_file = NULL;
	int status = 1;

	e->master = e->slave_keep = e->ctl_fd = -1;
	e->max_rty_passive = 0xff;
	e->hang_at = -1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--link") == 0 && i + 1 < argc)
			e->link = argv[++i];
		else if (strcmp(argv[i], "--pty-file") == 0 && i + 1 < argc)
			pty_file = argv[++i];
		else if (strcmp(argv[i], "--control") == 0 && i + 1 < argc)
			e->ctl_path = argv[++i];
		else if (strcmp(argv[i], "--rf-delay-ms") == 0 && i + 1 < argc)
			e->rf_delay_ms = atoi(argv[++i]);
		else {
			usage();
			return strcmp(argv[i], "--help") == 0 ? 0 : 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (pty_setup(e) < 0) {
		fprintf(stderr, "pn532_emu: cannot open a pseudo-terminal: %s\n", strerror(errno));
		goto out;
	}
	if (e->link && link_setup(e) < 0) {
		fprintf(stderr, "pn532_emu: cannot make link %s: %s\n", e->link, strerror(errno));
		goto out;
	}
	if (pty_file && write_pty_file(pty_file, e->slave) < 0) {
		fprintf(stderr, "pn532_emu: cannot write %s: %s\n", pty_file, strerror(errno));
		goto out;
	}
	if (e->ctl_path) {
		struct stat sb;
		if (lstat(e->ctl_path, &sb) < 0 && mkfifo(e->ctl_path, 0600) < 0) {
			fprintf(stderr, "pn532_emu: cannot make FIFO %s: %s\n", e->ctl_path,
				strerror(errno));
			goto out;
		}
		e->ctl_fd = open(e->ctl_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	} else {
		e->ctl_fd = STDIN_FILENO;
	}
	if (e->ctl_fd < 0) {
		fprintf(stderr, "pn532_emu: cannot open control channel: %s\n", strerror(errno));
		goto out;
	}
	reply("pty %s", e->slave);
	for (;;) {
		struct pollfd pfd[2] = {{.fd = e->master, .events = POLLIN},
					{.fd = e->ctl_fd, .events = POLLIN}};
		int timeout = -1;
		if (e->pend && !e->pend_wait_card && !e->muted) {
			int64_t left = e->pend_due_us - mono_us();
			timeout = left <= 0 ? 0 : (int)((left + 999) / 1000);
		}
		if (poll(pfd, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents & POLLIN) {
			ssize_t n = read(e->master, e->rx + e->rx_len, RX_MAX - e->rx_len);
			if (n > 0) {
				e->rx_len += (size_t)n;
				parse_frames(e);
				if (e->rx_len >= RX_MAX)
					e->rx_len = 0; /* garbage: start over */
			}
		}
		if (pfd[1].revents & (POLLIN | POLLHUP)) {
			if (!ctl_read(e)) {
				status = 0;
				break;
			}
		}
		if (e->pend && !e->pend_wait_card && !e->muted && mono_us() >= e->pend_due_us)
			pend_fire(e, false);
	}
out:
	link_cleanup(e);
	if (e->ctl_path && e->ctl_fd >= 0)
		close(e->ctl_fd);
	if (e->slave_keep >= 0)
		close(e->slave_keep);
	if (e->master >= 0)
		close(e->master);
	return status;
}
