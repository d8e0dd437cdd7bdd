/* SPDX-License-Identifier: MIT */
/* Leader/admin PIN verification off the UI thread (pincheck.c). */
#ifndef BLIPPA_PINCHECK_H
#define BLIPPA_PINCHECK_H

#include <stdbool.h>

#include "err.h"

struct ui;
struct ui_pin_job;
struct ui_pin_gate;

/* Starts checking pin: the lock state and the hashes to try come from the
 * store here; Argon2id runs on a worker thread. BLIPPA_OK: started, traced
 * "pin-check N"; the answer arrives as an ui->ev_pin event ->
 * ui_pin_check_done(). Otherwise nothing started and the code is the
 * result (BLIPPA_ERR_LOCKED_OUT with *retry_s, BLIPPA_ERR_BUSY while another
 * check runs, an I/O error). */
enum blippa_err ui_pin_check_start(struct ui *ui, const char *pin, int *retry_s);
/* True while a check runs (the PIN screen ignores input then). */
bool ui_pin_checking(const struct ui *ui);
/* On the ev_pin event (UI thread): joins the worker, records the outcome
 * in the store (failure count, lockout) and, if the PIN screen that asked
 * is still shown, hands it the result (ui_pin_result). */
void ui_pin_check_done(struct ui *ui);
/* Tests (control "pin-hold on|off"): while held, a worker that has
 * verified does not report until released, so a check is certainly still
 * running. on fails (false) while a check started without the gate runs.
 * ui_pin_check_stop releases it. */
bool ui_pin_hold(struct ui *ui, bool hold);
/* ui_close: releases a hold, waits for a running check (its outcome still
 * counts). */
void ui_pin_check_stop(struct ui *ui);
/* scr_leader_pin.c: acts on a PIN result (log in, exit, or say why not). */
void ui_pin_result(struct ui *ui, enum blippa_err rc, const char *who, int retry_s);

#endif
