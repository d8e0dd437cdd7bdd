/* SPDX-License-Identifier: MIT */
/* On-screen keyboard. The layout is data (kb_layout_sv): a Swedish QWERTY
 * with Å Ä Ö where a Swedish keyboard has them, big keys, backspace, space
 * and clear. The first letter is inserted upper-case, the rest lower-case. */
#include <stdio.h>
#include <string.h>

#include "widgets.h"

#define K(up, lo)                                                                                  \
	{                                                                                          \
		up, lo, KB_CHAR, 1.0f                                                              \
	}
const struct kb_key kb_layout_sv[KB_ROWS][KB_COLS_MAX] = {
    {K("Q", "q"), K("W", "w"), K("E", "e"), K("R", "r"), K("T", "t"), K("Y", "y"), K("U", "u"),
     K("I", "i"), K("O", "o"), K("P", "p"), K("Å", "å")},
    {K("A", "a"), K("S", "s"), K("D", "d"), K("F", "f"), K("G", "g"), K("H", "h"), K("J", "j"),
     K("K", "k"), K("L", "l"), K("Ö", "ö"), K("Ä", "ä")},
    {K("Z", "z"),
     K("X", "x"),
     K("C", "c"),
     K("V", "v"),
     K("B", "b"),
     K("N", "n"),
     K("M", "m"),
     K("-", "-"),
     {"←", NULL, KB_BACKSPACE, 2.2f}},
    {{N_("Clear"), NULL, KB_CLEAR, 2.6f}, {N_("Space"), NULL, KB_SPACE, 6.0f}},
};
#undef K

static float row_units(int row)
{
	float u = 0.0f;
	for (int c = 0; c < KB_COLS_MAX && kb_layout_sv[row][c].label; c++)
		u += kb_layout_sv[row][c].width;
	return u;
}

static void key_metrics(struct ui *ui, int w, int *unit, int *key_h, int *gap)
{
	*gap = render_mm(ui->r, 1.6f);
	*unit = (int)((float)(w - 10 * *gap) / 11.2f);
	if (*unit > render_mm(ui->r, 24.0f))
		*unit = render_mm(ui->r, 24.0f);
	*key_h = *unit;
	if (*key_h > render_mm(ui->r, 17.0f))
		*key_h = render_mm(ui->r, 17.0f);
	if (*key_h < render_mm(ui->r, MM_TARGET_MIN))
		*key_h = render_mm(ui->r, MM_TARGET_MIN);
}

int keyboard_min_width(struct ui *ui)
{
	return (int)(11.2f * (float)render_mm_phys(ui->r, MM_TARGET_MIN)) +
	       10 * render_mm(ui->r, 1.6f) + 2;
}

int keyboard_height(struct ui *ui, int w)
{
	int unit, key_h, gap;
	key_metrics(ui, w, &unit, &key_h, &gap);
	return KB_ROWS * key_h + (KB_ROWS - 1) * gap;
}

void keyboard_draw(struct ui *ui, SDL_Rect box, int id)
{
	int unit, key_h, gap;
	bool mirror = render_mirrored(ui->r);
	/* names are in Latin letters: the keys stay in QWERTY order even when
	 * the screen is laid out right to left (the box itself is mirrored) */
	box = render_mirror_rect(ui->r, box);
	render_set_mirror(ui->r, false);
	key_metrics(ui, box.w, &unit, &key_h, &gap);
	for (int row = 0; row < KB_ROWS; row++) {
		float units = row_units(row);
		int n = 0;
		while (n < KB_COLS_MAX && kb_layout_sv[row][n].label)
			n++;
		int total = (int)(units * (float)unit) + (n - 1) * gap;
		int x = box.x + (box.w - total) / 2;
		int y = box.y + row * (key_h + gap);
		for (int c = 0; c < n; c++) {
			const struct kb_key *k = &kb_layout_sv[row][c];
			int kw = (int)(k->width * (float)unit) + (int)(k->width - 1.0f) * gap;
			char name[32];
			const char *label = k->action == KB_CHAR || k->action == KB_BACKSPACE
						? k->label
						: _(k->label);
			snprintf(name, sizeof name, "key-%s",
				 k->action == KB_BACKSPACE ? "backspace"
				 : k->action == KB_SPACE   ? "space"
				 : k->action == KB_CLEAR   ? "clear"
							   : k->lower);
			button_draw(ui, (SDL_Rect){x, y, kw, key_h}, id, row * KB_COLS_MAX + c,
				    name, label, BTN_KEY, k->action == KB_CHAR ? 8.0f : 6.0f);
			x += kw + gap;
		}
	}
	render_set_mirror(ui->r, mirror);
}

static void utf8_pop(char *buf)
{
	size_t n = strlen(buf);
	while (n > 0) {
		n--;
		if (((unsigned char)buf[n] & 0xC0) != 0x80)
			break;
	}
	buf[n] = '\0';
}

bool keyboard_apply(int index, char *buf, size_t buflen)
{
	int row = index / KB_COLS_MAX, col = index % KB_COLS_MAX;
	const struct kb_key *k;
	size_t len = strlen(buf);
	const char *ins = NULL;

	if (row < 0 || row >= KB_ROWS || col < 0)
		return false;
	k = &kb_layout_sv[row][col];
	if (!k->label)
		return false;
	switch (k->action) {
	case KB_CHAR:
		ins = len == 0 ? k->label : k->lower;
		break;
	case KB_SPACE:
		if (len == 0 || buf[len - 1] == ' ')
			return false;
		ins = " ";
		break;
	case KB_BACKSPACE:
		if (len == 0)
			return false;
		utf8_pop(buf);
		return true;
	case KB_CLEAR:
		if (len == 0)
			return false;
		buf[0] = '\0';
		return true;
	}
	if (!ins || len + strlen(ins) + 1 > buflen)
		return false;
	memcpy(buf + len, ins, strlen(ins) + 1);
	return true;
}
