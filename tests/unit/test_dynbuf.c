/* SPDX-License-Identifier: MIT */
/* Tests of the capped growable buffer (sync/common/dynbuf.c): content and
 * NUL, growth across many appends, exactly-at-cap, the one overflow error
 * that empties the buffer, take and free; the capped array (dynarr.c):
 * growth up to exactly the cap, never past it, one error beyond. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "dynarr.h"
#include "dynbuf.h"

static void test_grow_and_take(void **state)
{
	struct dynbuf b;
	char *p;
	size_t len = 99;
	(void)state;
	dynbuf_init(&b, 100000);
	assert_null(dynbuf_ptr(&b));
	assert_int_equal(dynbuf_len(&b), 0);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(dynbuf_add(&b, "0123456789", 10), BLIPPA_OK);
	assert_int_equal(dynbuf_len(&b), 100000); /* exactly the cap */
	assert_true(b.alloc <= 100001);		  /* never allocates past cap + NUL */
	assert_int_equal(dynbuf_ptr(&b)[100000], '\0');
	assert_memory_equal(dynbuf_ptr(&b) + 99990, "0123456789", 10);
	assert_int_equal(dynbuf_add(&b, "", 0), BLIPPA_OK);
	p = dynbuf_take(&b, &len);
	assert_int_equal(len, 100000);
	assert_null(dynbuf_ptr(&b));
	assert_int_equal(dynbuf_len(&b), 0);
	free(p);
	assert_null(dynbuf_take(&b, &len)); /* empty */
	assert_int_equal(len, 0);
}

static void test_overflow_is_one_error(void **state)
{
	struct dynbuf b;
	char big[300];
	(void)state;
	memset(big, 'x', sizeof(big));
	dynbuf_init(&b, 256);
	assert_int_equal(dynbuf_add(&b, big, 200), BLIPPA_OK);
	assert_int_equal(dynbuf_add(&b, big, 57), BLIPPA_ERR_TOO_BIG); /* 257 > 256 */
	assert_null(dynbuf_ptr(&b));				       /* content dropped */
	assert_int_equal(dynbuf_len(&b), 0);
	assert_int_equal(dynbuf_add(&b, big, 256), BLIPPA_OK); /* usable again */
	assert_int_equal(dynbuf_add(&b, big, 1), BLIPPA_ERR_TOO_BIG);
	assert_int_equal(dynbuf_add(&b, big, 300), BLIPPA_ERR_TOO_BIG);
	dynbuf_free(&b);
	dynbuf_free(&b); /* twice is fine */
}

struct row {
	int a;
	char name[24];
};

static void test_array_capped(void **state)
{
	struct row *v = NULL;
	size_t alloc = 0, n = 0;
	enum blippa_err rc = BLIPPA_OK;
	(void)state;
	for (n = 0; n < 1000; n++) {
		DYNARR_RESERVE(rc, v, alloc, n + 1, 1000);
		assert_int_equal(rc, BLIPPA_OK);
		v[n].a = (int)n;
	}
	assert_int_equal(alloc, 1000); /* exactly the cap, never past it */
	assert_int_equal(v[999].a, 999);
	DYNARR_RESERVE(rc, v, alloc, 1001, 1000);
	assert_int_equal(rc, BLIPPA_ERR_TOO_BIG); /* the one overflow error */
	assert_non_null(v);			  /* the rows stay the caller's */
	assert_int_equal(v[500].a, 500);
	DYNARR_RESERVE(rc, v, alloc, 10, 1000); /* room already: nothing moves */
	assert_int_equal(rc, BLIPPA_OK);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_grow_and_take),
	    cmocka_unit_test(test_array_capped),
	    cmocka_unit_test(test_overflow_is_one_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
