/* SPDX-License-Identifier: MIT */
/* A small C API to run and drive the PN532 emulator (pn532_emu.c) from a
 * test: start it as a child process, present and remove cards, read its
 * counters, kill or stop it. Link the CMake target blippa_pn532_emu_ctl; it
 * knows where the pn532_emu binary is (PN532_EMU_EXE, overridable with the
 * environment variable PN532_EMU). Every call has a 5 s deadline. The reader
 * connstring for an emulator is "pn532_uart:" + pn532_emu_path(). */
#ifndef BLIPPA_PN532_EMU_CTL_H
#define BLIPPA_PN532_EMU_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pn532_emu;

struct pn532_emu_stats {
	unsigned long frames;	     /* host frames answered */
	unsigned long inlist_empty;  /* polls answered "no card" */
	unsigned long inlist_found;  /* polls/selects answered with the card */
	unsigned long presence_ok;   /* presence checks answered "still here" */
	unsigned long presence_gone; /* presence checks answered "gone" */
	unsigned long aborts;	     /* host ACKs (aborted commands) */
	unsigned long waits;	     /* polls that waited for a card (blocking) */
	unsigned long armed;	     /* 1 while such a poll is waiting now */
};

/* Starts the emulator. link: if not NULL, the emulator makes it a symlink to
 * its pty (so a restarted emulator can take over the same path). Returns 0
 * and *out (free with pn532_emu_stop or pn532_emu_kill), or -1. */
int pn532_emu_start(const char *link, struct pn532_emu **out);

/* The path to use in a connstring: the link if one was given, else the pty.
 * Owned by emu. */
const char *pn532_emu_path(const struct pn532_emu *emu);

/* The emulator's process id. */
pid_t pn532_emu_pid(const struct pn532_emu *emu);

/* Sends one control line (see pn532_emu.c) and reads one reply line into
 * reply (cap bytes, may be NULL). Returns 0 if the reply does not start
 * with "err", else -1. */
int pn532_emu_cmd(struct pn532_emu *emu, const char *line, char *reply, size_t cap);

/* Puts a card in the field (kind NULL, "mfc", "ul" or "iso4"); *t_us (may be
 * NULL) gets the emulator's CLOCK_MONOTONIC time of the presentation. */
int pn532_emu_present(struct pn532_emu *emu, const char *uid_hex, const char *kind, int64_t *t_us);

/* Takes the card away. */
int pn532_emu_remove(struct pn532_emu *emu);

/* Reads the emulator's counters. */
int pn532_emu_stats(struct pn532_emu *emu, struct pn532_emu_stats *st);

/* Kills the emulator with SIGKILL (a reader unplugged), reaps it and frees
 * emu. NULL is a no-op. */
void pn532_emu_kill(struct pn532_emu *emu);

/* Asks the emulator to quit, reaps it (SIGKILL after 2 s) and frees emu.
 * NULL is a no-op. */
void pn532_emu_stop(struct pn532_emu *emu);

#endif
