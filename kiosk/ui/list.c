/* SPDX-License-Identifier: MIT */
/* A paged list of big rows. Older hands find page buttons (▲ ▼) easier than
 * drag-scrolling, so paging is by button only; rows are touch targets. */
#include "widgets.h"

static int visible_rows(const struct list_view *lv, int gap)
{
	int n = (lv->box.h + gap) / (lv->row_h + gap);
	return n < 1 ? 1 : n;
}

int list_draw(struct ui *ui, const struct list_view *lv,
	      void (*draw_row)(struct ui *ui, size_t row, SDL_Rect rc, void *user), void *user)
{
	int gap = render_mm(ui->r, 2.0f);
	int pager_w = render_mm(ui->r, 20.0f);
	bool paged;
	int vis = visible_rows(lv, gap);
	int first;
	int w = lv->box.w;

	paged = lv->count > (size_t)vis;
	if (paged)
		w -= pager_w + gap;
	if (paged && (lv->box.h - gap) / 2 < render_mm(ui->r, MM_TARGET_MIN))
		w -= pager_w + gap;
	if (*lv->scroll > 0 && (size_t)*lv->scroll >= lv->count)
		*lv->scroll = 0;
	first = *lv->scroll;
	for (int i = 0; i < vis && (size_t)(first + i) < lv->count; i++) {
		SDL_Rect rc = {lv->box.x, lv->box.y + i * (lv->row_h + gap), w, lv->row_h};
		draw_row(ui, (size_t)(first + i), rc, user);
	}
	if (paged) {
		int bh = (lv->box.h - gap) / 2;
		SDL_Rect up = {lv->box.x + lv->box.w - pager_w, lv->box.y, pager_w, bh};
		SDL_Rect down = {up.x, lv->box.y + bh + gap, pager_w, bh};
		if (bh < render_mm(ui->r, MM_TARGET_MIN)) {
			/* one row only (small panel): the page buttons side by side */
			up = (SDL_Rect){lv->box.x + lv->box.w - 2 * pager_w - gap, lv->box.y,
					pager_w, lv->row_h};
			down = (SDL_Rect){up.x + pager_w + gap, lv->box.y, pager_w, lv->row_h};
		}
		struct rgba fg = COL_INK;
		if (first > 0) {
			button_draw(ui, up, lv->id_up, 0, "page-up", "", BTN_KEY, 6.0f);
			icon_arrow(ui->r, up, true, fg);
		}
		if ((size_t)(first + vis) < lv->count) {
			button_draw(ui, down, lv->id_down, 0, "page-down", "", BTN_KEY, 6.0f);
			icon_arrow(ui->r, down, false, fg);
		}
	}
	return vis;
}

bool list_input(struct ui *ui, const struct list_view *lv, const struct ui_input *in)
{
	int gap = render_mm(ui->r, 2.0f);
	int vis = visible_rows(lv, gap);
	if (in->kind != UI_IN_BUTTON)
		return false;
	if (in->button == lv->id_up) {
		*lv->scroll -= vis;
		if (*lv->scroll < 0)
			*lv->scroll = 0;
		ui_dirty(ui);
		return true;
	}
	if (in->button == lv->id_down) {
		if ((size_t)(*lv->scroll + vis) < lv->count)
			*lv->scroll += vis;
		ui_dirty(ui);
		return true;
	}
	return false;
}
