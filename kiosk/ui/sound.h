/* SPDX-License-Identifier: MIT */
/* Optional result tones ([kiosk] sound), sound.c. */
#ifndef BLIPPA_SOUND_H
#define BLIPPA_SOUND_H

#include <stdbool.h>

struct ui;
struct sound;

enum sound_kind { SOUND_OK, SOUND_WARN };
/* Opens the default audio device once and renders both tones; on failure
 * logs once (no personal data) and returns NULL: the kiosk stays silent. */
struct sound *sound_open(void);
void sound_close(struct sound *s); /* NULL is a no-op */
/* Queues a tone (replacing one still playing); false if nothing was queued. */
bool sound_play(struct sound *s, enum sound_kind kind);
/* Plays the tone for a result screen and traces "sound ok|warn" (no-op when
 * sound is off). */
void ui_sound(struct ui *ui, enum sound_kind kind);

#endif
