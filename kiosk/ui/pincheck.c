/* SPDX-License-Identifier: MIT */
/* Leader/admin PIN verification off the UI thread. Argon2id is slow on
 * purpose (60-250 ms and tens of MB per hash, once per leader hash), so the
 * UI thread only asks the store for the hashes to try (and whether PIN entry
 * is locked), a worker thread runs crypto_pwhash_str_verify over that copy,
 * and its answer comes back as an SDL user event. The UI thread then records
 * success/failure in the store (lockout counting stays there) and tells the
 * PIN screen. The store handle never leaves the UI thread. */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "widgets.h"

/* One check. Owned by the UI thread; while the worker runs it reads cand
 * and pin and writes ok, id and verify_us, then pushes the event. */
struct ui_pin_job {
	struct store_pin_candidate *cand;
	size_t n;
	char pin[16];
	bool ok;
	char id[ROSTER_ID_MAX + 1];
	int64_t verify_us;
	unsigned visit;		  /* ui->pin_visit when it started */
	uint32_t ev_type;	  /* the SDL event that reports it */
	struct render *r;	  /* woken after the push (render_wake) */
	struct ui_pin_gate *gate; /* ui->pin_gate (NULL: never held) */
};

/* The test control's "pin-hold on|off" (control.c): a worker that has
 * verified waits here before it reports, so a test can act while a check
 * is certainly still running instead of racing Argon2id's duration. */
struct ui_pin_gate {
	SDL_mutex *mu;
	SDL_cond *cv;
	bool hold;
};

static void job_free(struct ui_pin_job *job)
{
	if (!job)
		return;
	sodium_memzero(job->pin, sizeof job->pin);
	free(job->cand);
	free(job);
}

static int pin_worker(void *arg)
{
	struct ui_pin_job *job = arg;
	int64_t t0 = clock_mono_us();
	SDL_Event ev;

	job->ok = store_pin_verify(job->cand, job->n, job->pin, job->id, sizeof job->id);
	job->verify_us = clock_mono_us() - t0;
	sodium_memzero(job->pin, sizeof job->pin);
	if (job->gate) {
		SDL_LockMutex(job->gate->mu);
		while (job->gate->hold)
			SDL_CondWait(job->gate->cv, job->gate->mu);
		SDL_UnlockMutex(job->gate->mu);
	}
	memset(&ev, 0, sizeof ev);
	ev.type = job->ev_type;
	/* The queue holds 65535 events; if it were ever full, keep trying:
	 * the PIN screen waits for this one. */
	for (int i = 0; i < 500 && SDL_PushEvent(&ev) != 1; i++)
		SDL_Delay(10);
	render_wake(job->r);
	return 0;
}

bool ui_pin_checking(const struct ui *ui)
{
	return ui->pin_thread != NULL;
}

enum blippa_err ui_pin_check_start(struct ui *ui, const char *pin, int *retry_s)
{
	const char *admin =
	    ui->opts.admin_pin_hash && ui->opts.admin_pin_hash[0] ? ui->opts.admin_pin_hash : NULL;
	struct ui_pin_job *job;
	enum blippa_err rc;

	*retry_s = 0;
	if (ui->pin_thread)
		return BLIPPA_ERR_BUSY;
	if (!pin || !pin[0] || strlen(pin) >= sizeof job->pin)
		return BLIPPA_ERR_INVALID;
	if (!(job = calloc(1, sizeof *job)))
		return BLIPPA_ERR_NOMEM;
	rc = store_pin_candidates(ui->st, admin, clock_wall_ms(), &job->cand, &job->n, retry_s);
	if (rc != BLIPPA_OK)
		goto out;
	snprintf(job->pin, sizeof job->pin, "%s", pin);
	job->visit = ui->pin_visit;
	job->ev_type = ui->ev_pin;
	job->r = ui->r;
	job->gate = ui->pin_gate;
	ui->pin_job = job;
	ui->pin_thread = SDL_CreateThread(pin_worker, "blippa-pin", job);
	if (!ui->pin_thread) {
		log_error("ui", "cannot start the PIN check thread: %s", SDL_GetError());
		ui->pin_job = NULL;
		rc = BLIPPA_ERR_NOMEM;
		goto out;
	}
	job = NULL;
	ui_trace(ui, "pin-check %zu", ui->pin_job->n);
out:
	job_free(job);
	return rc;
}

void ui_pin_check_done(struct ui *ui)
{
	struct ui_pin_job *job = ui->pin_job;
	enum blippa_err rc;
	int retry = 0;

	if (!ui->pin_thread || !job)
		return;
	SDL_WaitThread(ui->pin_thread, NULL); /* it has pushed its event: ends now */
	ui->pin_thread = NULL;
	ui->pin_job = NULL;
	rc = store_pin_record(ui->st, job->ok, clock_wall_ms(), &retry);
	ui_trace(ui, "pin-done %s verify=%" PRId64 "us", job->ok ? "ok" : "wrong", job->verify_us);
	if (ui->cur == UI_LEADER_PIN && job->visit == ui->pin_visit)
		ui_pin_result(ui, rc, job->id, retry);
	else
		ui_trace(ui, "pin-away %d", (int)rc); /* counted, not acted on */
	job_free(job);
}

bool ui_pin_hold(struct ui *ui, bool hold)
{
	struct ui_pin_gate *g = ui->pin_gate;
	if (!g) {
		if (!hold)
			return true;
		if (ui->pin_thread) /* a running job has no gate: it cannot be held */
			return false;
		if (!(g = calloc(1, sizeof *g)) || !(g->mu = SDL_CreateMutex()) ||
		    !(g->cv = SDL_CreateCond())) {
			if (g && g->mu)
				SDL_DestroyMutex(g->mu);
			free(g);
			return false;
		}
		ui->pin_gate = g;
	}
	SDL_LockMutex(g->mu);
	g->hold = hold;
	if (!hold)
		SDL_CondBroadcast(g->cv);
	SDL_UnlockMutex(g->mu);
	return true;
}

void ui_pin_check_stop(struct ui *ui)
{
	int retry;

	ui_pin_hold(ui, false); /* a held worker must finish */
	if (ui->pin_thread) {
		SDL_WaitThread(ui->pin_thread, NULL);
		ui->pin_thread = NULL;
		/* quitting mid-check: a wrong PIN still counts */
		if (ui->pin_job)
			store_pin_record(ui->st, ui->pin_job->ok, clock_wall_ms(), &retry);
	}
	job_free(ui->pin_job);
	ui->pin_job = NULL;
	if (ui->pin_gate) {
		SDL_DestroyCond(ui->pin_gate->cv);
		SDL_DestroyMutex(ui->pin_gate->mu);
		free(ui->pin_gate);
		ui->pin_gate = NULL;
	}
}
