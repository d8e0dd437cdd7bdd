/* SPDX-License-Identifier: MIT */
/* Optional result tones ([kiosk] sound = yes): a short bright chime for a
 * green result, a lower two-tone for amber and red. Generated here as sine
 * waves with soft fades (no asset files), rendered once when the audio
 * device is opened at start, and queued with SDL_QueueAudio: playing one
 * costs the UI thread a memcpy. No audio device: one log line, then silence. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "widgets.h"

#define SOUND_RATE 48000
#define SOUND_AMPLITUDE 0.30 /* of full scale: clear, not startling */
#define SOUND_FADE_S 0.012   /* raised-cosine fade in and out: no clicks */
#define SOUND_MAX_S 1.0	     /* cap on one tone's length */

struct sound {
	SDL_AudioDeviceID dev;
	int16_t *pcm[2]; /* SOUND_OK, SOUND_WARN */
	uint32_t bytes[2];
};

/* One note of a tone: frequency, partial (2nd frequency, 0 = none), start
 * and length in seconds, and how fast it decays (0 = flat). */
struct note {
	double hz, partial_hz, at_s, len_s, decay;
};

static const struct note tone_ok[] = {
    {1046.5, 1568.0, 0.0, 0.22, 9.0}, /* C6 with a soft fifth: a chime */
};
static const struct note tone_warn[] = {
    {440.0, 0.0, 0.0, 0.16, 2.0},  /* A4 ... */
    {330.0, 0.0, 0.19, 0.22, 2.0}, /* ... down to E4 */
};

/* Mixes the notes into a new mono S16 buffer at rate; *bytes its size. */
static int16_t *render_tone(const struct note *notes, size_t n, int rate, uint32_t *bytes)
{
	double total = 0;
	size_t frames;
	int16_t *pcm;

	for (size_t i = 0; i < n; i++)
		if (notes[i].at_s + notes[i].len_s > total)
			total = notes[i].at_s + notes[i].len_s;
	if (total > SOUND_MAX_S)
		total = SOUND_MAX_S;
	frames = (size_t)(total * rate) + 1;
	if (!(pcm = calloc(frames, sizeof *pcm)))
		return NULL;
	for (size_t f = 0; f < frames; f++) {
		double t = (double)f / rate, v = 0;
		for (size_t i = 0; i < n; i++) {
			const struct note *x = &notes[i];
			double u = t - x->at_s, env = 1.0;
			if (u < 0 || u >= x->len_s)
				continue;
			if (u < SOUND_FADE_S)
				env = 0.5 - 0.5 * cos(M_PI * u / SOUND_FADE_S);
			else if (x->len_s - u < SOUND_FADE_S)
				env = 0.5 - 0.5 * cos(M_PI * (x->len_s - u) / SOUND_FADE_S);
			env *= exp(-x->decay * u);
			v += env * sin(2 * M_PI * x->hz * u);
			if (x->partial_hz > 0)
				v += 0.35 * env * sin(2 * M_PI * x->partial_hz * u);
		}
		v *= SOUND_AMPLITUDE;
		if (v > 1)
			v = 1;
		if (v < -1)
			v = -1;
		pcm[f] = (int16_t)lrint(v * 32767.0);
	}
	*bytes = (uint32_t)(frames * sizeof *pcm);
	return pcm;
}

struct sound *sound_open(void)
{
	SDL_AudioSpec want, have;
	struct sound *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
		log_warn("sound", "no audio (%s): results stay silent", SDL_GetError());
		free(s);
		return NULL;
	}
	memset(&want, 0, sizeof want);
	want.freq = SOUND_RATE;
	want.format = AUDIO_S16SYS;
	want.channels = 1;
	want.samples = 1024;
	s->dev = SDL_OpenAudioDevice(NULL, 0, &want, &have, SDL_AUDIO_ALLOW_FREQUENCY_CHANGE);
	if (s->dev == 0) {
		log_warn("sound", "no audio device (%s): results stay silent", SDL_GetError());
		SDL_QuitSubSystem(SDL_INIT_AUDIO);
		free(s);
		return NULL;
	}
	s->pcm[SOUND_OK] = render_tone(tone_ok, sizeof tone_ok / sizeof tone_ok[0], have.freq,
				       &s->bytes[SOUND_OK]);
	s->pcm[SOUND_WARN] = render_tone(tone_warn, sizeof tone_warn / sizeof tone_warn[0],
					 have.freq, &s->bytes[SOUND_WARN]);
	if (!s->pcm[SOUND_OK] || !s->pcm[SOUND_WARN]) {
		log_warn("sound", "out of memory for the tones: results stay silent");
		sound_close(s);
		return NULL;
	}
	SDL_PauseAudioDevice(s->dev, 0); /* an empty queue plays silence */
	log_info("sound", "result tones on (%d Hz)", have.freq);
	return s;
}

void sound_close(struct sound *s)
{
	if (!s)
		return;
	if (s->dev) {
		SDL_CloseAudioDevice(s->dev);
		SDL_QuitSubSystem(SDL_INIT_AUDIO);
	}
	free(s->pcm[SOUND_OK]);
	free(s->pcm[SOUND_WARN]);
	free(s);
}

bool sound_play(struct sound *s, enum sound_kind kind)
{
	if (!s || (kind != SOUND_OK && kind != SOUND_WARN))
		return false;
	SDL_ClearQueuedAudio(s->dev); /* a new result cuts the old tone */
	return SDL_QueueAudio(s->dev, s->pcm[kind], s->bytes[kind]) == 0;
}

void ui_sound(struct ui *ui, enum sound_kind kind)
{
	if (sound_play(ui->sound, kind))
		ui_trace(ui, "sound %s", kind == SOUND_OK ? "ok" : "warn");
}
