/* SPDX-License-Identifier: MIT */
/* Tests of the import's snapshot limits (sync/server/import_limits.c, issue
 * 12.4): a roster whose facility snapshot is exactly at the model's row
 * limit imports, and the snapshot the server then serves decodes on a kiosk
 * (protocol_decode_roster); one row more is refused at import with
 * file:line and the limit; so is a roster over the snapshot byte limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "model_limits.h"
#include "protocol.h"
#include "srv_store.h"
#include "srv_testutil.h"

struct fx {
	char *tmp;
	char db[1024];
	struct srv_store *st;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	fx->st = tu_store_open(&fx->tmp, fx->db, sizeof(fx->db));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	tu_store_close(fx->st, fx->tmp);
	free(fx);
	return 0;
}

/* The test roster plus extra participants Qn, each a member of G1 (F1),
 * with names of name_len bytes. F1 starts with 5 members (lines 2-6 of
 * members.csv) and 4 participants; the extra rows start at line 9. */
static char *roster_with(struct fx *fx, const char *name, size_t extra, size_t name_len)
{
	char *dir = tu_roster_dir(fx->tmp, name, NULL);
	char path[1200], nm[256];
	FILE *p, *m;

	assert_true(name_len < sizeof(nm));
	memset(nm, 'a', name_len);
	nm[name_len] = '\0';
	snprintf(path, sizeof(path), "%s/participants.csv", dir);
	assert_non_null(p = fopen(path, "a"));
	snprintf(path, sizeof(path), "%s/members.csv", dir);
	assert_non_null(m = fopen(path, "a"));
	for (size_t i = 0; i < extra; i++) {
		fprintf(p, "Q%zu,%s,%s,\n", i, nm, nm);
		fprintf(m, "G1,Q%zu\n", i);
	}
	assert_int_equal(fclose(p), 0);
	assert_int_equal(fclose(m), 0);
	return dir;
}

static void test_at_row_limit_a_kiosk_takes_it(void **state)
{
	struct fx *fx = *state;
	size_t extra = MODEL_SNAPSHOT_ROWS_MAX - 5; /* F1: exactly the limit of members */
	char *dir = roster_with(fx, "at", extra, 1);
	struct import_set *set = NULL;
	struct srv_import_stats stats;
	struct roster *r = NULL, *k = NULL;
	char err[512] = "", *json = NULL;
	size_t len = 0;

	if (import_load_dir(dir, &set, err, sizeof(err)) != BLIPPA_OK)
		fail_msg("import refused: %s", err);
	assert_int_equal(srv_store_import(fx->st, import_set_roster(set), &stats, err, sizeof(err)),
			 BLIPPA_OK);
	import_set_free(set);
	assert_int_equal(srv_store_load_roster(fx->st, "F1", &r), BLIPPA_OK);
	assert_int_equal(r->n_members, MODEL_SNAPSHOT_ROWS_MAX);
	assert_true(roster_fits_kiosk(r, 0));
	assert_int_equal(protocol_encode_roster(r, "k-1", &json, &len), BLIPPA_OK);
	/* what the roster endpoint serves, a kiosk decodes */
	if (protocol_decode_roster(json, len, &k, NULL, 0, err, sizeof(err)) != BLIPPA_OK)
		fail_msg("kiosk refused: %s", err);
	assert_int_equal(k->n_participants, MODEL_SNAPSHOT_ROWS_MAX - 1);
	roster_free(k);
	roster_free(r);
	free(json);
	free(dir);
}

static void test_over_row_limit_refused_at_import(void **state)
{
	struct fx *fx = *state;
	char *dir = roster_with(fx, "over", MODEL_SNAPSHOT_ROWS_MAX - 4, 1);
	struct import_set *set = NULL;
	char err[512] = "", want[64];

	assert_int_equal(import_load_dir(dir, &set, err, sizeof(err)), BLIPPA_ERR_TOO_BIG);
	assert_null(set);
	/* the 200,001st member of F1: line 8 + 199,996 */
	snprintf(want, sizeof(want), "/members.csv:%d: facility F1",
		 8 + MODEL_SNAPSHOT_ROWS_MAX - 4);
	if (!strstr(err, want) || !strstr(err, "more than 200000 members"))
		fail_msg("message: %s", err);
	free(dir);
}

static void test_over_byte_limit_refused_at_import(void **state)
{
	struct fx *fx = *state;
	/* 120,000 participants with 2 x 120-byte names: about 36 MB of JSON */
	char *dir = roster_with(fx, "bytes", 120000, 120);
	struct import_set *set = NULL;
	char err[512] = "";

	assert_int_equal(import_load_dir(dir, &set, err, sizeof(err)), BLIPPA_ERR_TOO_BIG);
	assert_null(set);
	if (!strstr(err, "/members.csv:") || !strstr(err, "facility F1's roster would be over") ||
	    !strstr(err, "33554432 bytes"))
		fail_msg("message: %s", err);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_at_row_limit_a_kiosk_takes_it, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_over_row_limit_refused_at_import, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_over_byte_limit_refused_at_import, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
