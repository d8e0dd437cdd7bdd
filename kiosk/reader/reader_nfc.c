/* SPDX-License-Identifier: MIT */
/* The libnfc reader backend: one thread per reader that opens the device
 * (any libnfc connstring, or libnfc's own choice for "auto"), waits for
 * ISO 14443-A cards and reports each presentation once. A held card is one
 * tap: after a tap the thread only checks that the same card is still there
 * (nfc_initiator_target_is_present) until it is gone, then waits again.
 * A device that is absent or fails is closed and reopened with backoff
 * (250 ms doubling to 5 s); the state goes FAILED and back to READY.
 *
 * Waiting (see docs/perf-reader.md): the chip does it. The thread sends one
 * InAutoPoll with an endless poll count (nfc_initiator_poll_target, PollNr
 * FF) and sleeps in libnfc's read of the serial line until the PN532 answers
 * with a card, so an empty field costs the host nothing. A second, small
 * watchdog thread ends that wait with nfc_abort_command (libnfc then sends
 * the chip the ACK that cancels the command): every NFC_REARM_MS, so that a
 * chip that stopped answering is found (a bounded RF-field command checks
 * it before the wait is armed again), and repeatedly on shutdown until the
 * thread is out of libnfc. A held card is still checked every
 * NFC_PRESENCE_MS: the PN532 has no command that waits for a card to go. */
#include <limits.h>
#include <nfc/nfc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "reader_backend.h"

#define MOD "reader"
#define NFC_POLL_MS 40 /* pause after a failed or empty wait, before the next */
#ifndef NFC_PRESENCE_MS
#define NFC_PRESENCE_MS 50 /* pause between presence checks of a held card */
#endif
#define NFC_REARM_MS 2000      /* a card wait is cancelled and re-armed this often */
#define NFC_ABORT_RETRY_MS 20  /* shutdown: abort again until the thread is out */
#define NFC_ABORT_TRIES 50     /* ... at most this often (each may cost libnfc an fd) */
#define NFC_STUCK_MS 1000      /* a re-arm abort not answered in this time: stuck */
#define NFC_POLL_ENDLESS 0xff  /* InAutoPoll PollNr: until a card comes */
#define NFC_POLL_PERIOD 1      /* InAutoPoll Period, units of 150 ms (the least) */
#define NFC_BACKOFF_MIN_MS 250 /* first retry after a failure */
#define NFC_BACKOFF_MAX_MS 5000
#define NFC_ERR_STREAK 3 /* this many soft errors in a row = device failed */

struct nfcr {
	char *connstring; /* NULL for "auto" */
	pthread_t thread;
	pthread_t watchdog;
	pthread_mutex_t lock; /* guards the fields below against the watchdog */
	pthread_cond_t cond;  /* signalled when they change */
	nfc_context *ctx;
	nfc_device *dev;
	bool in_call;		/* the thread is inside a libnfc call on dev */
	bool waiting;		/* ... and that call is a card wait not aborted yet */
	int64_t rearm_abort_us; /* when the watchdog aborted that wait (0: not) */
	bool stuck;		/* ... and it did not end: the chip never ACKed */
	int64_t wait_since_us;	/* when that wait was armed */
	bool wd_quit;		/* the watchdog ends */
	char why[128];		/* reason of the last failure, for the log */
};

static const nfc_modulation nfc_mod_a = {.nmt = NMT_ISO14443A, .nbr = NBR_106};

/* Marks the thread as inside (or outside) a libnfc call on dev (not a card
 * wait), so that the watchdog knows whether nfc_abort_command can cut it
 * short on shutdown. */
static void nfc_mark_call(struct nfcr *p, bool in)
{
	pthread_mutex_lock(&p->lock);
	p->in_call = in;
	p->waiting = false;
	p->rearm_abort_us = 0;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* The watchdog thread: cancels a card wait that has lasted NFC_REARM_MS,
 * and on shutdown aborts whatever libnfc call the reader thread is in, again
 * every NFC_ABORT_RETRY_MS (an abort that comes while libnfc is still
 * sending, before it reads, is not seen by that read). A card wait that a
 * re-arm abort does not end within NFC_STUCK_MS is stuck in libnfc's wait
 * for the chip's ACK, which has no timeout and ignores the abort: the
 * watchdog then reports the reader FAILED itself (the thread comes back
 * when the device goes away, e.g. unplugged, and reopens it). Sleeps
 * otherwise. */
static void *nfc_watchdog(void *arg)
{
	struct reader *rd = arg;
	struct nfcr *p = rd->priv;
	int stop_aborts = 0;

	pthread_mutex_lock(&p->lock);
	while (!p->wd_quit) {
		int64_t now = clock_mono_us(), due = INT64_MAX;
		bool stopping = reader_stopping(rd);
		struct timespec ts;

		if (p->dev && p->in_call && stopping && stop_aborts < NFC_ABORT_TRIES) {
			/* an abort not seen by a read leaves libnfc's old pipe open */
			nfc_abort_command(p->dev);
			stop_aborts++;
			due = now + NFC_ABORT_RETRY_MS * 1000;
		} else if (p->dev && p->waiting) {
			due = p->wait_since_us + (int64_t)NFC_REARM_MS * 1000;
			if (now >= due) {
				nfc_abort_command(p->dev);
				p->waiting = false; /* once: the thread re-arms */
				p->rearm_abort_us = now;
				continue;
			}
		} else if (p->dev && p->in_call && p->rearm_abort_us && !p->stuck) {
			due = p->rearm_abort_us + (int64_t)NFC_STUCK_MS * 1000;
			if (now >= due) {
				p->stuck = true;
				pthread_mutex_unlock(&p->lock);
				reader_set_state(rd, READER_STATE_FAILED,
						 "the chip does not answer (no ACK)");
				pthread_mutex_lock(&p->lock);
				continue;
			}
		}
		if (due == INT64_MAX) {
			pthread_cond_wait(&p->cond, &p->lock);
			continue;
		}
		ts.tv_sec = (time_t)(due / 1000000);
		ts.tv_nsec = (long)(due % 1000000) * 1000;
		pthread_cond_timedwait(&p->cond, &p->lock, &ts);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
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
	/* The card wait is InAutoPoll; the one InListPassiveTarget we send
	 * (select a held card again by UID) must return at once if it is gone. */
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

/* Waits in the chip for a card (one endless InAutoPoll). Returns what
 * nfc_initiator_poll_target returns: > 0 a card in *nt, NFC_EOPABORTED when
 * the watchdog cancelled the wait, another value < 0 on error. */
static int nfc_wait_card(struct nfcr *p, nfc_device *dev, nfc_target *nt)
{
	int res;

	pthread_mutex_lock(&p->lock);
	p->in_call = true;
	p->waiting = true;
	p->stuck = false;
	p->wait_since_us = clock_mono_us();
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	res = nfc_initiator_poll_target(dev, &nfc_mod_a, 1, NFC_POLL_ENDLESS, NFC_POLL_PERIOD, nt);
	nfc_mark_call(p, false);
	return res;
}

/* Does the chip still answer? One RF-field command with libnfc's bounded
 * command timeout, before a cancelled card wait is armed again: a chip that
 * hangs is found here (InAutoPoll itself waits for the chip's ACK without a
 * timeout). Returns 0 or a libnfc error. */
static int nfc_chip_answers(struct nfcr *p, nfc_device *dev)
{
	int res;

	nfc_mark_call(p, true);
	res = nfc_device_set_property_bool(dev, NP_ACTIVATE_FIELD, true);
	nfc_mark_call(p, false);
	return res < 0 ? res : 0;
}

/* Waits for cards on dev until it fails (returns 1, p->why set) or the
 * reader stops (-1). */
static int nfc_run(struct reader *rd, struct nfcr *p, nfc_device *dev)
{
	int streak = 0;

	for (;;) {
		nfc_target nt;
		int res, h;
		size_t len;
		bool stuck;

		memset(&nt, 0, sizeof nt);
		res = nfc_wait_card(p, dev, &nt);
		if (reader_stopping(rd))
			return -1;
		pthread_mutex_lock(&p->lock);
		stuck = p->stuck;
		pthread_mutex_unlock(&p->lock);
		if (stuck) { /* reported FAILED by the watchdog: reopen */
			nfc_note_err(p, dev, "card wait (the chip did not answer)", res);
			return 1;
		}
		if (res == NFC_EOPABORTED) { /* the periodic re-arm */
			if ((res = nfc_chip_answers(p, dev)) < 0) {
				nfc_note_err(p, dev, "chip check", res);
				return 1;
			}
			continue;
		}
		if (res < 0) {
			nfc_note_err(p, dev, "card wait", res);
			if (nfc_err_is_fatal(res) || ++streak >= NFC_ERR_STREAK)
				return 1;
			if (reader_wait(rd, -1, NFC_POLL_MS) < 0)
				return -1;
			continue;
		}
		streak = 0;
		if (res == 0) { /* the chip ended the wait without a card */
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
	pthread_condattr_t ca;

	if (!p)
		return BLIPPA_ERR_NOMEM;
	if (connstring && !(p->connstring = strdup(connstring))) {
		free(p);
		return BLIPPA_ERR_NOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	rd->priv = p;
	if (pthread_create(&p->watchdog, NULL, nfc_watchdog, rd) != 0)
		goto fail;
	if (pthread_create(&p->thread, NULL, nfc_thread, rd) != 0) {
		pthread_mutex_lock(&p->lock);
		p->wd_quit = true;
		pthread_cond_signal(&p->cond);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->watchdog, NULL);
		goto fail;
	}
	return BLIPPA_OK;
fail:
	rd->priv = NULL;
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p->connstring);
	free(p);
	return BLIPPA_ERR_NOMEM;
}

static void nfc_backend_close(struct reader *rd)
{
	struct nfcr *p = rd->priv;

	if (!p)
		return;
	/* The wake-up pipe already ends every wait of ours; the watchdog cuts
	 * the libnfc call short (reader_close set the stop flag before). */
	pthread_mutex_lock(&p->lock);
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_mutex_lock(&p->lock);
	p->wd_quit = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->watchdog, NULL);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p->connstring);
	free(p);
	rd->priv = NULL;
}

const struct reader_ops reader_ops_nfc = {
    .name = "nfc", .open = nfc_backend_open, .close = nfc_backend_close};
