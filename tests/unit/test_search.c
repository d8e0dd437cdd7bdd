/* SPDX-License-Identifier: MIT */
/* Tests of name search (sync/store/store_search.c): folding of Swedish and
 * other Latin names, "Åsa Ö." display names, prefix on given or family
 * name (each word), today-only filtering that follows the local date and
 * roster changes, order, the 2-character minimum, and one-edit matches
 * after exact ones for queries of 4+ letters. */
#include "store_testutil.h"
#include "store_int.h"

static void fold_is(const char *in, const char *want)
{
	char out[256];

	store_fold(in, out, sizeof out);
	assert_string_equal(out, want);
}

static void test_fold(void **state)
{
	char small[4];

	(void)state;
	fold_is("Åsa", "asa");
	fold_is("ÖSTBERG", "ostberg");
	fold_is("Ängla", "angla");
	fold_is("Örjan Ek", "orjan ek");
	fold_is("Sven-Erik", "sven erik");
	fold_is("  Zoë  Müller ", "zoe muller");
	fold_is("Éva Çelik", "eva celik");
	fold_is("Łukasz Żółć", "lukasz zolc");
	fold_is("Ægir Øster", "aegir oster");
	fold_is("Straße", "strasse");
	fold_is("O'Brien", "obrien");
	fold_is("A\xcc\x8asa", "asa"); /* decomposed Å (NFD) */
	fold_is("Ω", "Ω");	       /* other scripts kept */
	fold_is("", "");
	assert_int_equal(store_fold("Ängla", small, sizeof small), 3);
	assert_string_equal(small, "ang");
}

static void display_is(const char *g, const char *f, const char *want)
{
	char out[ROSTER_NAME_MAX + 8];

	store_display_name(g, f, out, sizeof out);
	assert_string_equal(out, want);
}

static void test_display(void **state)
{
	(void)state;
	display_is("Åsa", "Östberg", "Åsa Ö.");
	display_is("Örjan", "Ek", "Örjan E.");
	display_is("Sven-Erik", "Ängel", "Sven-Erik Ä.");
	display_is("Li", "𝒜bc", "Li 𝒜.");
}

static size_t search(struct fx *f, const char *q, bool today, const char *local,
		     struct search_hit *hits, size_t max)
{
	size_t n = 99;

	assert_int_equal(store_search_names(f->st, q, today, at(local, 0), hits, max, &n),
			 BLIPPA_OK);
	return n;
}

static void test_prefix_case_diacritics(void **state)
{
	struct fx *f = *state;
	struct search_hit h[8];

	assert_int_equal(search(f, "asa", true, "2026-11-23 09:00", h, 8), 1);
	assert_string_equal(h[0].participant_id, "P1");
	assert_string_equal(h[0].display, "Åsa Ö.");
	assert_int_equal(search(f, "ÅS", true, "2026-11-23 09:00", h, 8), 1);
	assert_int_equal(search(f, "ost", true, "2026-11-23 09:00", h, 8), 1);
	assert_string_equal(h[0].participant_id, "P1");
	assert_int_equal(search(f, "ek", true, "2026-11-23 09:00", h, 8), 1);
	assert_string_equal(h[0].display, "Örjan E.");
	assert_int_equal(search(f, "ANGL", true, "2026-11-23 09:00", h, 8), 1);
	assert_int_equal(search(f, "sa", true, "2026-11-23 09:00", h, 8), 0); /* not infix */
	assert_int_equal(search(f, "asa o", true, "2026-11-23 09:00", h, 8), 1);
	assert_int_equal(search(f, "asa e", true, "2026-11-23 09:00", h, 8), 0);
}

static void test_two_letter_minimum(void **state)
{
	struct fx *f = *state;
	struct search_hit h[8];

	assert_int_equal(search(f, "a", false, "2026-11-23 09:00", h, 8), 0);
	assert_int_equal(search(f, "Å", false, "2026-11-23 09:00", h, 8), 0);
	assert_int_equal(search(f, " - ", false, "2026-11-23 09:00", h, 8), 0);
	assert_int_equal(search(f, "", false, "2026-11-23 09:00", h, 8), 0);
	assert_int_equal(search(f, "Ös", false, "2026-11-23 09:00", h, 8), 1);
}

static void test_today_only(void **state)
{
	struct fx *f = *state;
	struct search_hit h[8];

	/* P5 Olle Åkesson has a session on the 24th only; P6 has none */
	assert_int_equal(search(f, "ol", true, "2026-11-23 09:00", h, 8), 0);
	assert_int_equal(search(f, "ol", false, "2026-11-23 09:00", h, 8), 1);
	/* the next local day (00:30 local is still the 23rd in UTC) */
	assert_int_equal(search(f, "ol", true, "2026-11-24 00:30", h, 8), 1);
	assert_int_equal(search(f, "as", true, "2026-11-24 00:30", h, 8), 0);
	assert_int_equal(search(f, "sven", true, "2026-11-24 00:30", h, 8), 0);
	assert_int_equal(search(f, "erik", false, "2026-11-24 00:30", h, 8), 1);
	assert_string_equal(h[0].display, "Sven-Erik Ö.");
}

/* A session that begins in the evening and runs past midnight belongs to
 * both local days (STORE_SQL_ON_DAY): after midnight its members are still
 * found by the today-only search and the leader still sees the session. */
static void test_session_across_midnight(void **state)
{
	struct fx *f = *state;
	struct search_hit h[8];
	struct store_session_info info[4];
	struct roster *r = small_roster();
	size_t n = 99;

	assert_int_equal(roster_add_session(r, "S5", "G3", "2026-11-25 23:30", "2026-11-26 00:45"),
			 0);
	load_roster(f->st, r);
	/* P5 Olle Åkesson (G3): S3 on the 24th, S5 from the 25th into the 26th */
	assert_int_equal(search(f, "ol", true, "2026-11-25 23:40", h, 8), 1);
	assert_int_equal(search(f, "ol", true, "2026-11-26 00:20", h, 8), 1);
	assert_string_equal(h[0].participant_id, "P5");
	assert_int_equal(search(f, "ol", true, "2026-11-27 00:20", h, 8), 0);
	assert_int_equal(store_today_sessions(f->st, at("2026-11-26 00:20", 0), info, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(info[0].session_id, "S5");
	assert_int_equal(store_today_sessions(f->st, at("2026-11-27 00:20", 0), info, 4, &n), 0);
	assert_int_equal(n, 0);
}

static void test_order_and_max(void **state)
{
	struct fx *f = *state;
	struct search_hit h[8];
	struct roster *r = small_roster();

	assert_int_equal(roster_add_participant(r, "P7", "Åke", "Berg"), 0);
	assert_int_equal(roster_add_participant(r, "P8", "Anna", "Ahl"), 0);
	assert_int_equal(roster_add_participant(r, "P9", "Anders", "Ek"), 0);
	assert_int_equal(roster_add_member(r, "G1", "P7"), 0);
	assert_int_equal(roster_add_member(r, "G1", "P8"), 0);
	assert_int_equal(roster_add_member(r, "G1", "P9"), 0);
	load_roster(f->st, r);
	/* "a" words: Åsa, Åke, Anna, Ahl, Anders, Ängla */
	assert_int_equal(search(f, "ak", true, "2026-11-23 09:00", h, 8), 1);
	assert_string_equal(h[0].display, "Åke B.");
	assert_int_equal(search(f, "an", true, "2026-11-23 09:00", h, 8), 3);
	assert_string_equal(h[0].display, "Anders E.");
	assert_string_equal(h[1].display, "Anna A.");
	assert_string_equal(h[2].display, "Ängla B."); /* Swedish: Ä after Z */
	assert_int_equal(search(f, "an", true, "2026-11-23 09:00", h, 2), 2);
	assert_string_equal(h[1].display, "Anna A.");
}

/* With many non-today names sharing the first letters, the search walks
 * today's list instead of the postings: same answers either way. */
static void test_both_walks_agree(void **state)
{
	struct fx *f = *state;
	struct search_hit h[64];
	struct roster *r = small_roster();
	char id[16], fam[32];

	assert_int_equal(roster_add_participant(r, "P8", "Anna", "Ahl"), 0);
	assert_int_equal(roster_add_member(r, "G1", "P8"), 0);
	assert_int_equal(roster_add_participant(r, "P9", "Anna", "Andersson"), 0);
	for (int i = 0; i < 40; i++) {
		snprintf(id, sizeof id, "Z%02d", i);
		snprintf(fam, sizeof fam, "Andersson%02d", i);
		assert_int_equal(roster_add_participant(r, id, "Bo", fam), 0);
	}
	load_roster(f->st, r);
	assert_int_equal(search(f, "an", true, "2026-11-23 09:00", h, 64), 2);
	assert_string_equal(h[0].display, "Anna A.");
	assert_string_equal(h[1].display, "Ängla B.");
	assert_int_equal(search(f, "an", false, "2026-11-23 09:00", h, 64), 43);
	assert_string_equal(h[0].participant_id, "P8"); /* Anna Ahl */
	assert_string_equal(h[1].participant_id, "P9"); /* Anna Andersson, once */
	assert_string_equal(h[2].display, "Bo A.");
	assert_string_equal(h[2].participant_id, "Z00");
	assert_string_equal(h[42].display, "Ängla B.");
	assert_int_equal(search(f, "bo an", false, "2026-11-23 09:00", h, 64), 40);
	/* two words of one name under the same letters: listed once */
	assert_int_equal(search(f, "anders", false, "2026-11-23 09:00", h, 64), 41);
	assert_string_equal(h[0].participant_id, "P9");
	assert_string_equal(h[1].participant_id, "Z00");
	assert_int_equal(search(f, "bo an", true, "2026-11-23 09:00", h, 64), 0);
}

/* One typo in a query of 4+ letters still finds the name, after the exact
 * matches; two typos, or 3 letters, do not. */
static void test_one_edit(void **state)
{
	struct fx *f = *state;
	struct search_hit h[8];
	struct roster *r = small_roster();

	assert_int_equal(roster_add_participant(r, "P12", "Lara", "Holm"), 0);
	assert_int_equal(roster_add_member(r, "G1", "P12"), 0);
	load_roster(f->st, r);
	assert_int_equal(search(f, "Östbreg", true, "2026-11-23 09:00", h, 8), 1); /* swapped */
	assert_string_equal(h[0].participant_id, "P1");
	assert_int_equal(search(f, "ostbrg", true, "2026-11-23 09:00", h, 8), 1); /* missing */
	assert_string_equal(h[0].participant_id, "P1");
	assert_int_equal(search(f, "osttberg", true, "2026-11-23 09:00", h, 8), 1); /* extra */
	assert_int_equal(search(f, "ostbxrg", true, "2026-11-23 09:00", h, 8), 1);  /* wrong */
	assert_int_equal(search(f, "asa ostbreg", true, "2026-11-23 09:00", h, 8), 1);
	assert_int_equal(search(f, "oxtbreg", true, "2026-11-23 09:00", h, 8), 0); /* two */
	assert_int_equal(search(f, "osx", true, "2026-11-23 09:00", h, 8), 0);	   /* 3 */
	/* exact first: Lars before Lara, though Lara sorts first */
	assert_int_equal(search(f, "lars", true, "2026-11-23 09:00", h, 8), 2);
	assert_string_equal(h[0].display, "Lars N.");
	assert_string_equal(h[1].display, "Lara H.");
	assert_int_equal(search(f, "lars", true, "2026-11-23 09:00", h, 1), 1);
	assert_string_equal(h[0].display, "Lars N.");
	/* everyone (postings walk) agrees */
	assert_int_equal(search(f, "Östbreg", false, "2026-11-23 09:00", h, 8), 1);
	assert_string_equal(h[0].participant_id, "P1");
}

static void collate_is(const char *in, const char *want)
{
	char out[256];

	store_collate(in, out, sizeof out);
	assert_string_equal(out, want);
}

/* The one collation key: Swedish letters after z, case and other accents
 * ignored (é as e, ü as y), also for decomposed (NFD) input. */
static void test_collate(void **state)
{
	static const char *const sorted[][2] = {
	    {"Ann", "Berg"}, {"Anna", "Ahl"},  {"anna", "Berg"}, {"Émile", "Ek"},
	    {"Eva", "Ek"},   {"Gunnar", "Ek"}, {"Lars", "Ek"},	 {"Ulla", "Ek"},
	    {"Üwe", "Ek"},   {"Zoë", "Ek"},    {"Åsa", "Berg"},	 {"Åsa", "Östberg"},
	    {"Ægir", "Ek"},  {"Ängla", "Ek"},  {"Örjan", "Ek"},	 {"Øystein", "Ek"},
	};
	char a[STORE_SORT_KEY_MAX], b[STORE_SORT_KEY_MAX];

	(void)state;
	collate_is("Åsa", "{sa");
	collate_is("ÄNGLA", "|ngla");
	collate_is("Örjan", "}rjan");
	collate_is("A\xcc\x8asa", "{sa");     /* decomposed Å */
	collate_is("O\xcc\x88rjan", "}rjan"); /* decomposed Ö */
	collate_is("Sven-Erik", "sven erik");
	collate_is("Éva Müller", "eva myller");
	for (size_t i = 1; i < sizeof sorted / sizeof sorted[0]; i++) {
		store_sort_key(sorted[i - 1][0], sorted[i - 1][1], "X", a, sizeof a);
		store_sort_key(sorted[i][0], sorted[i][1], "X", b, sizeof b);
		if (strcmp(a, b) >= 0)
			fail_msg("%s %s should sort before %s %s", sorted[i - 1][0],
				 sorted[i - 1][1], sorted[i][0], sorted[i][1]);
	}
	/* same names: the id decides, so there is never a tie */
	store_sort_key("Eva", "Ek", "P1", a, sizeof a);
	store_sort_key("Eva", "Ek", "P2", b, sizeof b);
	assert_true(strcmp(a, b) < 0);
	assert_true(store_sort_key("Åsa", "Ek", "P1", a, 4) <= 3);
	assert_int_equal(strlen(a), 3);
}

/* Search results come in Swedish order; matching stays diacritic-free. */
static void test_swedish_order(void **state)
{
	struct fx *f = *state;
	struct search_hit h[8];
	struct roster *r = small_roster();
	static const char *const names[] = {"Örjan", "Ängla", "Åsa", "Lars", "Gunnar"};
	static const char *const want[] = {"Gunnar B.", "Lars B.", "Åsa B.", "Ängla B.",
					   "Örjan B."};

	for (int i = 0; i < 5; i++) {
		char id[8];
		snprintf(id, sizeof id, "B%d", i);
		assert_int_equal(roster_add_participant(r, id, names[i], "Bergqvist"), 0);
		assert_int_equal(roster_add_member(r, "G1", id), 0);
	}
	load_roster(f->st, r);
	for (int today = 0; today < 2; today++) {
		/* "bergqv": Berg is two edits away (test_one_edit) */
		assert_int_equal(search(f, "bergqv", today, "2026-11-23 09:00", h, 8), 5);
		for (int i = 0; i < 5; i++)
			assert_string_equal(h[i].display, want[i]);
	}
	/* "asa" still finds Åsa (and Åsa Östberg first: Berg... < Öst...) */
	assert_int_equal(search(f, "asa", true, "2026-11-23 09:00", h, 8), 2);
	assert_string_equal(h[0].display, "Åsa B.");
	assert_string_equal(h[1].display, "Åsa Ö.");
}

static void test_follows_roster_of_other_handle(void **state)
{
	struct fx *f = *state;
	struct search_hit h[8];
	struct store *other = open_store(&f->t, NULL);
	struct roster *r = small_roster();

	assert_int_equal(search(f, "ny", true, "2026-11-23 09:00", h, 8), 1);
	assert_int_equal(roster_add_participant(r, "P10", "Nyfiken", "Grön"), 0);
	assert_int_equal(roster_add_member(r, "G2", "P10"), 0);
	load_roster(other, r);
	store_close(other);
	assert_int_equal(search(f, "ny", true, "2026-11-23 09:00", h, 8), 2);
	assert_string_equal(h[0].display, "Lars N.");
	assert_string_equal(h[1].display, "Nyfiken G.");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fold),
	    cmocka_unit_test(test_display),
	    T(test_prefix_case_diacritics),
	    T(test_two_letter_minimum),
	    T(test_today_only),
	    T(test_session_across_midnight),
	    T(test_order_and_max),
	    cmocka_unit_test(test_collate),
	    T(test_swedish_order),
	    T(test_both_walks_agree),
	    T(test_follows_roster_of_other_handle),
	    T(test_one_edit),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
