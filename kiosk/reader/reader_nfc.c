/* SPDX-License-Identifier: MIT */
/* The libnfc reader backend: one thread per reader that opens the device
 * (any libnfc connstring, or libnfc's own choice for "auto"), polls for
 * ISO 14443-A cards and reports each presentation once. A held card is one
 * tap: after a tap the thread only checks that the same card is still there
 * (nfc_initiator_target_is_present) until it is gone, then polls again.
 * A device that is absent or fails is closed and reopened with backoff
 * (250 ms doubling to 5 s); the state goes FAILED and back to READY.
 *
 * Polling settings (see docs/perf-reader.md): NP_INFINITE_SELECT off, so
 * each InListPassiveTarget returns at once when no card is in the field; a
 * new poll every NFC_POLL_MS; a presence check every NFC_PRESENCE_MS while a
 * card is held. Shutdown writes the reader's wake-up pipe (which ends every
 * wait) and calls nfc_abort_command when the thread is inside libnfc; every
 * libnfc call we make has a bounded timeout (300-500 ms) as a backstop. */
#include <limits.h>
#include <nfc/nfc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "reader_backend.h"

#define MOD "reader"
#ifndef NFC_POLL_MS    /* (overridable at build time only for tuning runs) */
#define NFC_POLL_MS 40 /* pause between polls while the field is empty */
#endif
#ifndef NFC_PRESENCE_MS
#define NFC_PRESENCE_MS 50 /* pause between presence checks of a held card */
#endif
#define NFC_BACKOFF_MIN_MS 250 /* first retry after a failure */
#define NFC_BACKOFF_MAX_MS 5000
#define NFC_ERR_STREAK 3 /* this many soft errors in a row = device failed */

struct nfcr {
	char *connstring; /* NULL for "auto" */
	pthread_t thread;
	pthread_mutex_t lock; /* guards dev and in_call against reader_close */
	nfc_context *ctx;
	nfc_device *dev;
	bool in_call;
	char why[128]; /* reason of the last failure, for the log */
};

static const nfc_modulation nfc_mod_a = {.nmt = NMT_ISO14443A, .nbr = NBR_106};

/* Marks the thread as inside (or outside) a libnfc call on dev, so that
 * reader_close knows whether nfc_abort_command can cut it short. */
static void nfc_mark_call(struct nfcr *p, bool in)
{
	pthread_mutex_lock(&p->lock);
	p->in_call = in;
	pthread_mutex_unlock(&p->lock);
}

/* Errors after which the device is closed and reopened at once. */
static bool nfc_err_is_fatal(int res)
{
	return res == NFC_EIO || res == NFC_ENOTSUCHDEV || res == NFC_ESOFT ||
	       res == NFC_EOPABORTED;
}

static void nfc_note_err(struct nfcr *p, nfc_device *dev, const char *what, int res)
{
	snprintf(p->why, sizeof p->why, "%s: %s (%d)", what, dev ? nfc_strerror(dev) : "-", res);
}

/* For serial-port drivers ("pn532_uart:/dev/ttyUSB0[:speed]"): false when
 * the port does not exist, so an unplugged reader is retried quietly instead
 * of libnfc logging an error on every attempt. */
static bool nfc_port_exists(const char *cs)
{
	static const char *const serial[] = {"pn532_uart:", "acr122s:", "arygon:"};
	char port[PATH_MAX];

	for (size_t i = 0; cs && i < sizeof serial / sizeof serial[0]; i++) {
		size_t n = strlen(serial[i]), len;
		if (strncmp(cs, serial[i], n) != 0)
			continue;
		len = strcspn(cs + n, ":");
		if (len == 0 || len >= sizeof port)
			return true; /* let libnfc judge */
		memcpy(port, cs + n, len);
		port[len] = '\0';
		return access(port, F_OK) == 0;
	}
	return true;
}

static nfc_device *nfc_dev_open(struct nfcr *p)
{
	nfc_device *dev = NULL;
	int res = 0;

	if (!nfc_port_exists(p->connstring)) {
		snprintf(p->why, sizeof p->why, "device absent (no such port)");
		return NULL;
	}
	dev = nfc_open(p->ctx, p->connstring);
	if (!dev) {
		snprintf(p->why, sizeof p->why, "device absent or cannot be opened");
		return NULL;
	}
	if ((res = nfc_initiator_init(dev)) < 0) {
		nfc_note_err(p, dev, "initiator init", res);
		goto out;
	}
	/* One short InListPassiveTarget per poll instead of a blocking one. */
	if ((res = nfc_device_set_property_bool(dev, NP_INFINITE_SELECT, false)) < 0)
		nfc_note_err(p, dev, "set property", res);
out:
	if (res < 0) {
		nfc_close(dev);
		dev = NULL;
	}
	return dev;
}

/* Is the card still there? 0 yes, NFC_ETGRELEASED no, else an error. */
static int nfc_check_present(struct nfcr *p, nfc_device *dev, const nfc_target *nt)
{
	int res;

	nfc_mark_call(p, true);
	res = nfc_initiator_target_is_present(dev, NULL);
	if (res < 0 && res != NFC_ETGRELEASED && !nfc_err_is_fatal(res)) {
		/* libnfc has no ping for this card type (NFC_EDEVNOTSUPP), or
		 * the ping failed (e.g. a read-protected page): ask once more
		 * by selecting the card by its UID, as libnfc does for MIFARE
		 * Classic. Only a card that does not answer that is gone. */
		res = nfc_initiator_select_passive_target(dev, nfc_mod_a, nt->nti.nai.abtUid,
							  nt->nti.nai.szUidLen, NULL);
		res = res > 0 ? 0 : res == 0 ? NFC_ETGRELEASED : res;
	}
	nfc_mark_call(p, false);
	return res;
}

/* Waits while the card is held. Returns 0 when it is gone, -1 to stop, or
 * 1 if the device failed (p->why says why). */
static int nfc_hold(struct reader *rd, struct nfcr *p, nfc_device *dev, const nfc_target *nt)
{
	int streak = 0;

	for (;;) {
		int res;
		if (reader_wait(rd, -1, NFC_PRESENCE_MS) < 0)
			return -1;
		res = nfc_check_present(p, dev, nt);
		if (reader_stopping(rd))
			return -1;
		if (res == 0) {
			streak = 0;
			continue;
		}
		if (res == NFC_ETGRELEASED)
			return 0;
		if (nfc_err_is_fatal(res)) {
			nfc_note_err(p, dev, "presence check", res);
			return 1;
		}
		/* A card being pulled away can cause RF errors: after a few in a
		 * row it counts as gone (the next poll finds it if it is back). */
		if (++streak >= NFC_ERR_STREAK)
			return 0;
	}
}

/* Polls dev until it fails (returns 1, p->why set) or the reader stops (-1). */
static int nfc_run(struct reader *rd, struct nfcr *p, nfc_device *dev)
{
	int streak = 0;

	for (;;) {
		nfc_target nt;
		int res, h;
		size_t len;

		memset(&nt, 0, sizeof nt);
		nfc_mark_call(p, true);
		res = nfc_initiator_select_passive_target(dev, nfc_mod_a, NULL, 0, &nt);
		nfc_mark_call(p, false);
		if (reader_stopping(rd))
			return -1;
		if (res < 0) {
			nfc_note_err(p, dev, "poll", res);
			if (nfc_err_is_fatal(res) || ++streak >= NFC_ERR_STREAK)
				return 1;
			if (reader_wait(rd, -1, NFC_POLL_MS) < 0)
				return -1;
			continue;
		}
		streak = 0;
		if (res == 0) {
			if (reader_wait(rd, -1, NFC_POLL_MS) < 0)
				return -1;
			continue;
		}
		len = nt.nti.nai.szUidLen;
		if (len == 4 || len == 7 || len == 10)
			reader_emit_tap(rd, nt.nti.nai.abtUid, len, clock_mono_us());
		else
			log_debug(MOD, "nfc: ignored a card with a %zu-byte UID", len);
		h = nfc_hold(rd, p, dev, &nt);
		if (h != 0)
			return h;
	}
}

static void *nfc_thread(void *arg)
{
	struct reader *rd = arg;
	struct nfcr *p = rd->priv;
	int backoff = NFC_BACKOFF_MIN_MS;

	while (!reader_stopping(rd)) {
		nfc_device *dev;
		int r;

		if (!p->ctx) {
			nfc_init(&p->ctx);
			if (!p->ctx)
				snprintf(p->why, sizeof p->why, "libnfc init failed");
		}
		dev = p->ctx ? nfc_dev_open(p) : NULL;
		if (!dev) {
			reader_set_state(rd, READER_STATE_FAILED, p->why);
			log_debug(MOD, "nfc: retry in %d ms", backoff);
			if (reader_wait(rd, -1, backoff) < 0)
				break;
			backoff =
			    backoff * 2 > NFC_BACKOFF_MAX_MS ? NFC_BACKOFF_MAX_MS : backoff * 2;
			continue;
		}
		backoff = NFC_BACKOFF_MIN_MS;
		pthread_mutex_lock(&p->lock);
		p->dev = dev;
		pthread_mutex_unlock(&p->lock);
		reader_set_state(rd, READER_STATE_READY, nfc_device_get_name(dev));
		r = nfc_run(rd, p, dev);
		pthread_mutex_lock(&p->lock);
		p->dev = NULL;
		pthread_mutex_unlock(&p->lock);
		nfc_close(dev);
		if (r < 0)
			break;
		reader_set_state(rd, READER_STATE_FAILED, p->why);
		if (reader_wait(rd, -1, backoff) < 0)
			break;
	}
	if (p->ctx)
		nfc_exit(p->ctx);
	p->ctx = NULL;
	return NULL;
}

static enum blippa_err nfc_backend_open(struct reader *rd, const char *connstring)
{
	struct nfcr *p = calloc(1, sizeof *p);

	if (!p)
		return BLIPPA_ERR_NOMEM;
	if (connstring && !(p->connstring = strdup(connstring))) {
		free(p);
		return BLIPPA_ERR_NOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	rd->priv = p;
	if (pthread_create(&p->thread, NULL, nfc_thread, rd) != 0) {
		rd->priv = NULL;
		pthread_mutex_destroy(&p->lock);
		free(p->connstring);
		free(p);
		return BLIPPA_ERR_NOMEM;
	}
	return BLIPPA_OK;
}

static void nfc_backend_close(struct reader *rd)
{
	struct nfcr *p = rd->priv;

	if (!p)
		return;
	/* The wake-up pipe already ends every wait; cut a libnfc call short. */
	pthread_mutex_lock(&p->lock);
	if (p->dev && p->in_call)
		nfc_abort_command(p->dev);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->lock);
	free(p->connstring);
	free(p);
	rd->priv = NULL;
}

const struct reader_ops reader_ops_nfc = {
    .name = "nfc", .open = nfc_backend_open, .close = nfc_backend_close};
