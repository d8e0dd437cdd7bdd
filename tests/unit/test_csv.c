/* SPDX-License-Identifier: MIT */
/* Tests of the RFC 4180 CSV reader and field writer (sync/server/csv.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

/* Parses text and returns the records as one string: fields joined by '|',
 * records by '\n', each record prefixed with its line number and ':'.
 * On a reader error returns "ERR <message>". Caller frees. */
static char *parse_all(const char *text, size_t len)
{
	struct csv_reader *r = NULL;
	struct csv_record rec;
	char err[128];
	size_t cap = 65536, used = 0;
	char *out = calloc(1, cap);
	assert_non_null(out);
	assert_int_equal(csv_open_mem(text, len, &r), BLIPPA_OK);
	enum blippa_err rc;
	while ((rc = csv_next(r, &rec, err, sizeof(err))) == BLIPPA_OK) {
		used += (size_t)snprintf(out + used, cap - used, "%zu:", rec.line);
		for (size_t i = 0; i < rec.n_fields; i++)
			used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? "|" : "",
						 rec.fields[i]);
		used += (size_t)snprintf(out + used, cap - used, "\n");
	}
	if (rc != BLIPPA_ERR_NOT_FOUND)
		snprintf(out, cap, "ERR %s", err);
	csv_close(r);
	return out;
}

static void check(const char *text, const char *expect)
{
	char *got = parse_all(text, strlen(text));
	assert_string_equal(got, expect);
	free(got);
}

static void test_plain(void **state)
{
	(void)state;
	check("a,b,c\n1,2,3\n", "1:a|b|c\n2:1|2|3\n");
	check("a,b\r\n1,2\r\n", "1:a|b\n2:1|2\n");
	check("a,b\n1,2", "1:a|b\n2:1|2\n");		     /* no final newline */
	check("a,,c\n,,\n", "1:a||c\n2:||\n");		     /* empty fields */
	check("\xEF\xBB\xBFid,n\nx,y\n", "1:id|n\n2:x|y\n"); /* BOM skipped */
	check("a\n\n\r\nb\n", "1:a\n4:b\n");		     /* blank lines skipped */
	check("", "");
}

static void test_quoted(void **state)
{
	(void)state;
	check("\"Svensson, d.y.\",x\n", "1:Svensson, d.y.|x\n");
	check("\"O\"\"Brien\",\"\"\n", "1:O\"Brien|\n");
	check("\"two\nlines\",b\nnext,c\n", "1:two\nlines|b\n3:next|c\n");
	check("\"crlf\r\ninside\",b\r\n", "1:crlf\r\ninside|b\n");
	check("\"Åsa\",Östberg\n", "1:Åsa|Östberg\n");
}

static void test_errors(void **state)
{
	(void)state;
	check("a,b\n\"open,x\n", "ERR line 2: unterminated quoted field");
	check("a,b\nx\"y,z\n", "ERR line 2: quote inside an unquoted field");
	check("a\n\"q\"x,b\n", "ERR line 2: text after a closing quote");
	check("a\rb\n", "ERR line 1: bare CR (lines must end with LF or CRLF)");
	check("ok\n\xC3\x28,x\n", "ERR line 2: field is not valid UTF-8");
	check("ok\n\xED\xA0\x80\n", "ERR line 2: field is not valid UTF-8"); /* surrogate */
	check("ok\n\xC0\xAF\n", "ERR line 2: field is not valid UTF-8");     /* overlong */
	char nul[] = "a,b\nc\0d\n";
	char *got = parse_all(nul, sizeof(nul) - 1);
	assert_string_equal(got, "ERR line 2: NUL byte in file");
	free(got);
}

static void test_caps(void **state)
{
	(void)state;
	size_t n = CSV_FIELD_MAX + 10;
	char *big = malloc(n + 2);
	assert_non_null(big);
	memset(big, 'x', n);
	big[n] = '\n';
	big[n + 1] = '\0';
	char *got = parse_all(big, n + 1);
	assert_string_equal(got, "ERR line 1: field too long");
	free(got);
	free(big);

	char many[4 * CSV_FIELDS_MAX];
	size_t u = 0;
	for (int i = 0; i < CSV_FIELDS_MAX + 1; i++)
		u += (size_t)snprintf(many + u, sizeof(many) - u, "%sx", i ? "," : "");
	got = parse_all(many, u);
	assert_string_equal(got, "ERR line 1: too many fields");
	free(got);

	/* a record of many large fields hits the record cap */
	size_t fields = CSV_RECORD_MAX / (CSV_FIELD_MAX - 1) + 2;
	size_t blen = fields * CSV_FIELD_MAX + 2;
	char *rec = malloc(blen);
	assert_non_null(rec);
	size_t p = 0;
	for (size_t i = 0; i < fields && i < CSV_FIELDS_MAX; i++) {
		if (i)
			rec[p++] = ',';
		memset(rec + p, 'y', CSV_FIELD_MAX - 1);
		p += CSV_FIELD_MAX - 1;
	}
	rec[p++] = '\n';
	got = parse_all(rec, p);
	assert_string_equal(got, "ERR line 1: record too long");
	free(got);
	free(rec);
}

static void test_sticky_error(void **state)
{
	(void)state;
	struct csv_reader *r = NULL;
	struct csv_record rec;
	char err[128];
	const char *t = "\"x\n";
	assert_int_equal(csv_open_mem(t, strlen(t), &r), BLIPPA_OK);
	assert_int_equal(csv_next(r, &rec, err, sizeof(err)), BLIPPA_ERR_INVALID);
	assert_int_equal(csv_next(r, &rec, err, sizeof(err)), BLIPPA_ERR_INVALID);
	csv_close(r);
	csv_close(NULL);
}

static void test_write_field(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	const char *in[] = {"plain", "Svensson, d.y.", "O\"Brien", "two\nlines", "", "Åsa"};
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		if (i)
			fputc(',', f);
		assert_int_equal(csv_write_field(f, in[i]), 0);
	}
	fclose(f);
	assert_string_equal(buf, "plain,\"Svensson, d.y.\",\"O\"\"Brien\",\"two\nlines\",,Åsa");
	/* and the reader gets the same fields back */
	char *back = parse_all(buf, len);
	assert_string_equal(back, "1:plain|Svensson, d.y.|O\"Brien|two\nlines||Åsa\n");
	free(back);
	free(buf);
}

/* csv_write_cell: formula starts (= + - @ TAB CR) get a leading ', inside
 * the quotes when the field needs quoting; nothing else changes. */
static void test_write_cell(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	const char *in[] = {
	    "=1+1", "+46", "-2", "@SUM(A1)", "\tx", "\rx", "a=b", "2026-11-23 10:00", "", "=a,b"};
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		if (i)
			fputc(',', f);
		assert_int_equal(csv_write_cell(f, in[i]), 0);
	}
	fclose(f);
	assert_string_equal(buf, "'=1+1,'+46,'-2,'@SUM(A1),'\tx,\"'\rx\",a=b,2026-11-23 10:00,,"
				 "\"'=a,b\"");
	free(buf);
}

/* Random inputs over an alphabet of the interesting bytes: the reader never
 * crashes or reads out of bounds (run under ASan), every field it returns is
 * NUL-terminated UTF-8 within the caps, and every error names a line. */
static void test_random_inputs(void **state)
{
	(void)state;
	static const char alpha[] = {',', '"', '\r', '\n', 'a', ' ', '\xC3', '\xA5', '\0', 'x'};
	uint32_t seed = 12345;
	char buf[256], err[128];
	for (int round = 0; round < 5000; round++) {
		size_t len = (seed = seed * 1103515245u + 12345u) % sizeof(buf);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = alpha[(seed >> 16) % sizeof(alpha)];
		}
		struct csv_reader *r = NULL;
		struct csv_record rec;
		assert_int_equal(csv_open_mem(buf, len, &r), BLIPPA_OK);
		enum blippa_err rc;
		size_t records = 0;
		while ((rc = csv_next(r, &rec, err, sizeof(err))) == BLIPPA_OK) {
			assert_true(rec.n_fields >= 1 && rec.n_fields <= CSV_FIELDS_MAX);
			for (size_t f = 0; f < rec.n_fields; f++)
				assert_true(csv_utf8_valid(rec.fields[f], strlen(rec.fields[f])));
			assert_true(++records <= len + 1);
		}
		if (rc != BLIPPA_ERR_NOT_FOUND)
			assert_int_equal(strncmp(err, "line ", 5), 0);
		csv_close(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain),	 cmocka_unit_test(test_quoted),
	    cmocka_unit_test(test_errors),	 cmocka_unit_test(test_caps),
	    cmocka_unit_test(test_sticky_error), cmocka_unit_test(test_write_field),
	    cmocka_unit_test(test_write_cell),	 cmocka_unit_test(test_random_inputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
