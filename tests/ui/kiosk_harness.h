/* SPDX-License-Identifier: MIT */
/* Test harness for the real blippa-kiosk: starts it headless (SDL dummy
 * video driver, software renderer) in a fresh data dir with a test config
 * and the demo roster, drives it through its --control FIFO, and reads its
 * --trace channel. Waiting is always "poll a condition with a deadline". */
#ifndef BLIPPA_KIOSK_HARNESS_H
#define BLIPPA_KIOSK_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct kh {
	pid_t pid;
	char dir[256];	    /* data dir (temporary) */
	char ctl[320];	    /* control FIFO */
	char trace[320];    /* trace file */
	char reader[320];   /* sim reader FIFO */
	char db[320];	    /* blippa.db */
	long pos;	    /* trace read position */
	long long start_us; /* CLOCK_MONOTONIC just before fork (same clock as the trace) */
	int echo_seq;
	long long clock_offset_ms; /* the kiosk's BLIPPA_CLOCK_OFFSET_MS (kh_now_ms) */
};

struct kh_opts {
	const char *size;	     /* "1920x1080" (default) */
	const char *lang;	     /* "sv" (default) */
	const char *admin_hash;	     /* admin_pin_hash or NULL */
	const char *extra_ini;	     /* more [kiosk] lines or NULL */
	long demo_extra;	     /* --demo-participants */
	const char *reader;	     /* [reader] device (default: sim FIFO in the data dir) */
	const char *audio_driver;    /* SDL_AUDIODRIVER (default "dummy") */
	const char *clock_offset_ms; /* BLIPPA_CLOCK_OFFSET_MS for the kiosk (NULL: keep the
					current one; kh_start: the day-time pin) */
	bool no_demo;		     /* run without --demo on the data dir's roster */
};

/* Starts the kiosk; returns false (and prints why) if it did not come up
 * to the home screen within the deadline. Unless o gives clock_offset_ms,
 * the kiosk's "now" is pinned to the next 10:00 Europe/Stockholm (kept
 * on kh_restart), so the demo roster's sessions -
 * one running now, one later today, one that ended three hours ago - are
 * the same whatever time of day the test runs. */
bool kh_start(struct kh *k, const struct kh_opts *o);
/* Starts the kiosk again (after kh_stop) in the same data dir, database
 * and trace file, with options o (e.g. no_demo and a clock offset). */
bool kh_restart(struct kh *k, const struct kh_opts *o);
/* One integer from "SELECT <expr>" on blippa.db (e.g. a session's end_ms);
 * -1 on error. */
long long kh_query(struct kh *k, const char *sql);
/* Sends one control line. */
void kh_send(struct kh *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Waits until a trace line after the current position contains needle;
 * copies it into line (if not NULL) and moves the position past it. */
bool kh_wait(struct kh *k, const char *needle, int timeout_ms, char *line, size_t linelen);
/* Sends "echo N" and waits for it: every command before it has run. */
bool kh_sync(struct kh *k);
/* True if the whole trace so far contains needle. */
bool kh_seen(struct kh *k, const char *needle);
/* Quits the kiosk (control "quit"), waits; returns its exit status or -1. */
int kh_stop(struct kh *k);
/* Sends SIGTERM and waits; returns the exit status or -1. */
int kh_term(struct kh *k);
/* Number of rows in blippa.db matching "SELECT count(*) FROM events WHERE <where>". */
int kh_count(struct kh *k, const char *where);
/* Writes a line to the simulated reader's FIFO (a tap through the reader). */
void kh_reader_tap(struct kh *k, const char *hex);
/* Asks for the drawn buttons ("buttons") and finds the first whose name
 * starts with prefix; writes its full name. */
bool kh_find_button(struct kh *k, const char *prefix, char *name, size_t namelen);
/* Centre of the drawn button NAME (via "buttons"). */
bool kh_button_centre(struct kh *k, const char *name, int *x, int *y);
/* Extracts the event id from a trace line "<us> checkin <id> ...". */
bool kh_event_id(const char *line, char *id, size_t idlen);
/* The kiosk's "now" in Unix ms (the real clock plus its clock offset). */
long long kh_now_ms(const struct kh *k);
/* Removes the data dir. */
void kh_cleanup(struct kh *k);
/* cmocka setup shared by the UI tests: starts a kiosk with the default
 * options (kh_start(k, NULL)) into one static struct kh and puts it in
 * *state; -1 if it did not come up. */
int kh_setup_default(void **state);
/* Where screenshots go (build tree); created if missing. */
const char *kh_shot_dir(void);

#endif
