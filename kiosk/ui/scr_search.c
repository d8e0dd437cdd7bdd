/* SPDX-License-Identifier: MIT */
/* Name search: on-screen keyboard, results from 2 letters (people with a
 * session here today; "Finns du inte med?" widens to everyone), big rows
 * with "Åsa Ö." style names, lengthened or tagged where two rows would
 * otherwise read the same (store_search_names). A row leads to the confirm
 * step, which repeats the row's text. */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "text_runs.h"
#include "widgets.h"

/* This screen's state (screens.h: made once by ui_open). */
#define UI_QUERY_MAX 64
#define UI_HITS_MAX 50
struct ui_search_state {
	char query[UI_QUERY_MAX];
	bool everyone; /* "Finns du inte med?" */
	struct search_hit hits[UI_HITS_MAX];
	size_t n_hits;
	int scroll;
	bool failed;
};
#define STATE(ui) ((struct ui_search_state *)ui_screen_state((ui), UI_SEARCH))

enum { SR_BACK = 1, SR_KEY, SR_ROW, SR_UP, SR_DOWN, SR_EVERYONE };

static size_t query_letters(const char *q)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)q; *p; p++)
		if ((*p & 0xC0) != 0x80 && *p != ' ' && *p != '-')
			n++;
	return n;
}

/* The text of one row (and of the confirm question): the display name and,
 * for people whose full names are identical, what tells them apart. */
static void hit_label(const struct search_hit *h, char *out, size_t outlen)
{
	char time[64] = "", card[64] = "";

	if (h->session_hhmm[0])
		snprintf(time, sizeof time, _(", session %s"), h->session_hhmm);
	if (h->card_tail[0])
		snprintf(card, sizeof card, _(", card …%s"), h->card_tail);
	snprintf(out, outlen, "%s%s%s", h->display, time, card);
}

/* How many different row labels there are (the trace shows that no two
 * rows look the same, without showing names). */
static size_t distinct_labels(const struct ui_search_state *s)
{
	char a[UI_HIT_LABEL_MAX], b[UI_HIT_LABEL_MAX];
	size_t d = 0;

	for (size_t i = 0; i < s->n_hits; i++) {
		bool seen = false;
		hit_label(&s->hits[i], a, sizeof a);
		for (size_t j = 0; j < i && !seen; j++) {
			hit_label(&s->hits[j], b, sizeof b);
			seen = strcmp(a, b) == 0;
		}
		d += !seen;
	}
	return d;
}

static void search_run(struct ui *ui)
{
	struct ui_search_state *s = STATE(ui);
	enum blippa_err rc;
	s->n_hits = 0;
	s->scroll = 0;
	s->failed = false;
	if (query_letters(s->query) < 2)
		return;
	rc = store_search_names(ui->st, s->query, !s->everyone, clock_wall_ms(), s->hits,
				UI_HITS_MAX, &s->n_hits);
	if (rc != BLIPPA_OK) {
		s->n_hits = 0;
		s->failed = true;
	}
	ui_trace(ui, "search %zu distinct %zu", s->n_hits, distinct_labels(s));
}

static void search_enter(struct ui *ui, const union ui_arg *arg)
{
	if (!arg->search.keep)
		memset(STATE(ui), 0, sizeof *STATE(ui));
	search_run(ui);
}

static struct list_view search_list(struct ui *ui, SDL_Rect box)
{
	struct list_view lv = {
	    box,    render_mm(ui->r, 17.0f), STATE(ui)->n_hits, &STATE(ui)->scroll, SR_ROW, SR_UP,
	    SR_DOWN};
	return lv;
}

/* Layout shared by draw and input (the list view needs the same box). */
struct search_layout {
	SDL_Rect back, field, list, everyone, kb, msg;
	bool compact; /* small panel: "everyone" sits in the top row */
};

static const char *everyone_label(struct ui *ui, bool compact)
{
	if (compact)
		return STATE(ui)->everyone ? _("Only today") : _("Search everyone");
	return STATE(ui)->everyone ? _("Show only today's sessions")
				   : _("Not listed? Search everyone");
}

static void search_layout(struct ui *ui, struct search_layout *L)
{
	struct render *r = ui->r;
	SDL_Rect c = ui_content(ui);
	int gap = render_mm(r, MM_GAP);
	int head_h = render_mm(r, MM_BUTTON_H);
	int kb_w = render_mm(r, 280.0f);
	int kb_h, ev_h = render_mm(r, 15.0f), row_h = render_mm(r, 17.0f);
	int back_w = button_fit_w(ui, _("Back"), MM_TEXT_BODY, 44.0f);
	int top;

	if (kb_w < keyboard_min_width(ui))
		kb_w = keyboard_min_width(ui);
	if (kb_w > c.w)
		kb_w = c.w;
	kb_h = keyboard_height(ui, kb_w);
	/* the full layout needs a results row between "everyone" and the keys;
	 * when the panel is too short, "everyone" moves up next to the field */
	L->compact = head_h + 2 * gap + row_h + gap + ev_h + 2 * gap + kb_h > c.h;
	L->back = (SDL_Rect){c.x, c.y, back_w, head_h};
	L->kb = (SDL_Rect){c.x + (c.w - kb_w) / 2, c.y + c.h - kb_h, kb_w, kb_h};
	if (L->compact) {
		int ev_w = button_fit_w(ui, everyone_label(ui, true), MM_TEXT_BODY, 30.0f);
		int ev_w2 = button_fit_w(ui, _("Only today"), MM_TEXT_BODY, 30.0f);
		if (ev_w < ev_w2)
			ev_w = ev_w2;
		L->everyone = (SDL_Rect){c.x + c.w - ev_w, c.y, ev_w, head_h};
		L->field =
		    (SDL_Rect){c.x + back_w + gap, c.y, c.w - back_w - ev_w - 2 * gap, head_h};
		gap = render_mm(r, MM_GAP / 2);
		top = c.y + head_h + gap;
		L->list = (SDL_Rect){c.x, top, c.w, L->kb.y - gap - top};
	} else {
		L->field = (SDL_Rect){c.x + back_w + gap, c.y, c.w - back_w - gap, head_h};
		L->everyone = (SDL_Rect){c.x, L->kb.y - gap * 2 - ev_h, c.w, ev_h};
		top = c.y + head_h + gap * 2;
		L->list = (SDL_Rect){c.x, top, c.w, L->everyone.y - gap - top};
	}
	L->msg = L->list;
}

static void search_input(struct ui *ui, const struct ui_input *in)
{
	struct ui_search_state *s = STATE(ui);
	struct search_layout L;
	struct list_view lv;
	union ui_arg a;

	search_layout(ui, &L);
	lv = search_list(ui, L.list);
	if (L.compact && lv.row_h > L.list.h)
		lv.row_h = L.list.h;
	if (list_input(ui, &lv, in))
		return;
	if (in->kind == UI_IN_TEXT) {
		size_t len = strlen(s->query), add = strlen(in->text);
		/* unsigned: Å, Ä, Ö typed on a keyboard start with a byte >= 0x80 */
		if (len + add + 1 <= sizeof s->query && (unsigned char)in->text[0] >= ' ') {
			memcpy(s->query + len, in->text, add + 1);
			search_run(ui);
			ui_dirty(ui);
		}
		return;
	}
	if (in->kind == UI_IN_KEY) {
		if (in->key == SDLK_BACKSPACE) {
			keyboard_apply(2 * KB_COLS_MAX + 8, s->query, sizeof s->query);
			search_run(ui);
			ui_dirty(ui);
		} else if (in->key == SDLK_ESCAPE) {
			ui_goto(ui, UI_HOME, NULL);
		}
		return;
	}
	if (in->kind != UI_IN_BUTTON)
		return;
	switch (in->button) {
	case SR_BACK:
		ui_goto(ui, UI_HOME, NULL);
		break;
	case SR_KEY:
		if (keyboard_apply(in->index, s->query, sizeof s->query)) {
			search_run(ui);
			ui_dirty(ui);
		}
		break;
	case SR_EVERYONE:
		s->everyone = !s->everyone;
		search_run(ui);
		ui_dirty(ui);
		break;
	case SR_ROW:
		if (in->index >= 0 && (size_t)in->index < s->n_hits) {
			memset(&a, 0, sizeof a);
			snprintf(a.confirm.participant_id, sizeof a.confirm.participant_id, "%s",
				 s->hits[in->index].participant_id);
			hit_label(&s->hits[in->index], a.confirm.display, sizeof a.confirm.display);
			ui_goto(ui, UI_CONFIRM, &a);
		}
		break;
	default:
		break;
	}
}

static void draw_hit(struct ui *ui, size_t row, SDL_Rect rc, void *user)
{
	char name[16], label[UI_HIT_LABEL_MAX];
	(void)user;
	snprintf(name, sizeof name, "row-%zu", row);
	hit_label(&STATE(ui)->hits[row], label, sizeof label);
	button_draw(ui, rc, SR_ROW, (int)row, name, label, BTN_ROW, MM_TEXT_LARGE);
}

static void search_draw(struct ui *ui, struct render *r)
{
	struct ui_search_state *s = STATE(ui);
	struct search_layout L;
	struct list_view lv;
	int pad = render_mm(r, 4.0f);

	search_layout(ui, &L);
	screen_begin(ui, COL_HOME_BG, COL_WHITE);
	button_draw(ui, L.back, SR_BACK, 0, "back", _("Back"), BTN_SECONDARY, MM_TEXT_BODY);

	/* the query field: white with dark text and a caret */
	render_fill_round_rect(r, L.field, render_mm(r, 2.5f), COL_WHITE);
	{
		SDL_Rect tb = {L.field.x + pad, L.field.y, L.field.w - 2 * pad, L.field.h};
		if (s->query[0]) {
			/* the caret sits at the text's visual end: right of a Latin
			 * query, left of an Arabic one, in either layout. The text
			 * starts at the field's start side (left, or right when
			 * mirrored); when the end is on that side too, the text
			 * moves over to make room (coordinates here are before
			 * the mirroring) */
			int cw = render_mm(r, 0.8f), cgap = render_mm(r, 1.0f), cx;
			bool end_first = render_mirrored(r) != text_runs_base_rtl(s->query);
			if (end_first) {
				tb.x += cw + cgap;
				tb.w -= cw + cgap;
			}
			SDL_Point sz = render_text_size(r, s->query, MM_TEXT_LARGE, FONT_BOLD);
			render_text_fit(r, s->query, tb, MM_TEXT_LARGE, FONT_BOLD, COL_INK,
					ALIGN_LEFT);
			if (end_first)
				cx = tb.x - cgap - cw;
			else
				cx = tb.x + (sz.x < tb.w ? sz.x : tb.w) + cgap;
			render_fill_rect(
			    r, (SDL_Rect){cx, L.field.y + L.field.h / 5, cw, L.field.h * 3 / 5},
			    COL_INK);
		} else {
			render_text_fit(r, _("Type your name"), tb, MM_TEXT_LARGE, FONT_REGULAR,
					RGB(0x4A5568), ALIGN_LEFT);
		}
	}

	lv = search_list(ui, L.list);
	if (L.compact && lv.row_h > L.list.h)
		lv.row_h = L.list.h;
	if (query_letters(s->query) < 2) {
		render_text_wrap(r, _("Type at least two letters of your first or last name"),
				 (SDL_Rect){L.msg.x, L.msg.y, L.msg.w, L.msg.h}, MM_TEXT_LARGE,
				 FONT_REGULAR, COL_MUTED, ALIGN_CENTER);
	} else if (s->n_hits == 0) {
		render_text_wrap(
		    r,
		    s->failed ? _("Search is not working. Ask your group leader.")
		    : s->everyone
			? _("Nobody found. Check the spelling.")
			: _("Nobody with a session today found. Not listed? Search everyone."),
		    (SDL_Rect){L.msg.x, L.msg.y, L.msg.w, L.msg.h}, MM_TEXT_LARGE, FONT_REGULAR,
		    COL_MUTED, ALIGN_CENTER);
	} else {
		list_draw(ui, &lv, draw_hit, NULL);
	}
	if (query_letters(s->query) >= 2)
		button_draw(ui, L.everyone, SR_EVERYONE, 0, "everyone",
			    everyone_label(ui, L.compact), BTN_SECONDARY, MM_TEXT_BODY);
	keyboard_draw(ui, L.kb, SR_KEY);
}

const struct screen_ops scr_search_ops = {
    .state_size = sizeof(struct ui_search_state),
    .name = "search",
    .text = true,
    .enter = search_enter,
    .input = search_input,
    .draw = search_draw,
};
