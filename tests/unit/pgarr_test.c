/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for common/pgarr.c, the binary array parameters of the
 * batch writer: the header, NULLs, empty arrays, each element type's
 * bytes (timestamps from PostgreSQL's epoch, intervals, inet in
 * PostgreSQL's own family codes), and growth over many elements.  The
 * integration tests send the same arrays to a real server.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "check.h"
#include "hcd.h"
#include "pgarr.h"

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Check the 1-dimensional header; returns the first element. */
static const uint8_t *
header(const char *v, int len, uint32_t oid, uint32_t n, int nulls)
{
	const uint8_t *p = (const uint8_t *)v;

	assert_true(len >= 20);
	assert_int_equal(get32(p), 1);
	assert_int_equal(get32(p + 4), (uint32_t)nulls);
	assert_int_equal(get32(p + 8), oid);
	assert_int_equal(get32(p + 12), n);
	assert_int_equal(get32(p + 16), 1);
	return p + 20;
}

static void
test_int4_with_null(void **state)
{
	struct pgarr	 a;
	const char	*v;
	const uint8_t	*p;
	int		 len;

	pgarr_init(&a, OID_INT4);
	pgarr_i32(&a, 1);
	pgarr_null(&a);
	pgarr_i32(&a, -2);
	pgarr_end(&a, &v, &len);
	p = header(v, len, OID_INT4, 3, 1);
	assert_int_equal(len, 20 + 8 + 4 + 8);
	assert_int_equal(get32(p), 4);
	assert_int_equal(get32(p + 4), 1);
	assert_int_equal(get32(p + 8), 0xffffffffU);
	assert_int_equal(get32(p + 12), 4);
	assert_int_equal(get32(p + 16), 0xfffffffeU);
	pgarr_clear(&a);
}

static void
test_empty(void **state)
{
	struct pgarr	 a;
	const char	*v;
	const uint8_t	*p;
	int		 len;

	pgarr_init(&a, OID_TEXT);
	pgarr_end(&a, &v, &len);
	p = (const uint8_t *)v;
	assert_int_equal(len, 12);
	assert_int_equal(get32(p), 0);		/* no dimensions */
	assert_int_equal(get32(p + 4), 0);
	assert_int_equal(get32(p + 8), OID_TEXT);
	pgarr_clear(&a);
}

static void
test_scalars(void **state)
{
	struct pgarr	 a;
	const char	*v;
	const uint8_t	*p;
	int		 len;
	static const uint8_t u[16] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4,
	    5, 6, 7, 8, 9, 10, 11, 12 };

	pgarr_init(&a, OID_INT8);
	pgarr_i64(&a, -1);
	pgarr_i64(&a, 0x0102030405060708LL);
	pgarr_end(&a, &v, &len);
	p = header(v, len, OID_INT8, 2, 0);
	assert_int_equal(get32(p), 8);
	assert_int_equal(get32(p + 4), 0xffffffffU);
	assert_int_equal(get32(p + 8), 0xffffffffU);
	assert_int_equal(get32(p + 16), 0x01020304);
	assert_int_equal(get32(p + 20), 0x05060708);
	pgarr_clear(&a);

	pgarr_init(&a, OID_INT2);
	pgarr_i16(&a, -3);
	pgarr_end(&a, &v, &len);
	p = header(v, len, OID_INT2, 1, 0);
	assert_int_equal(get32(p), 2);
	assert_int_equal(p[4], 0xff);
	assert_int_equal(p[5], 0xfd);
	pgarr_clear(&a);

	pgarr_init(&a, OID_BOOL);
	pgarr_bool(&a, 7);
	pgarr_bool(&a, 0);
	pgarr_end(&a, &v, &len);
	p = header(v, len, OID_BOOL, 2, 0);
	assert_int_equal(p[4], 1);
	assert_int_equal(p[9], 0);
	pgarr_clear(&a);

	pgarr_init(&a, OID_UUID);
	pgarr_uuid(&a, 1, u);
	pgarr_uuid(&a, 0, u);
	pgarr_end(&a, &v, &len);
	p = header(v, len, OID_UUID, 2, 1);
	assert_int_equal(get32(p), 16);
	assert_memory_equal(p + 4, u, 16);
	assert_int_equal(get32(p + 20), 0xffffffffU);
	pgarr_clear(&a);

	pgarr_init(&a, OID_TEXT);
	pgarr_str(&a, "up");
	pgarr_bytes(&a, "", 0);
	pgarr_end(&a, &v, &len);
	p = header(v, len, OID_TEXT, 2, 0);
	assert_int_equal(get32(p), 2);
	assert_memory_equal(p + 4, "up", 2);
	assert_int_equal(get32(p + 6), 0);	/* empty, not NULL */
	assert_int_equal(len, 20 + 6 + 4);
	pgarr_clear(&a);
}

static void
test_times(void **state)
{
	struct pgarr	 a;
	const char	*v;
	const uint8_t	*p;
	int		 len;

	pgarr_init(&a, OID_TIMESTAMPTZ);
	pgarr_time(&a, PG_EPOCH_US);		/* 2000-01-01: zero */
	pgarr_time(&a, CT_NONE);
	pgarr_time(&a, 0);			/* 1970: negative */
	pgarr_end(&a, &v, &len);
	p = header(v, len, OID_TIMESTAMPTZ, 3, 1);
	assert_int_equal(get32(p + 4), 0);
	assert_int_equal(get32(p + 8), 0);
	assert_int_equal(get32(p + 12), 0xffffffffU);
	assert_int_equal(((uint64_t)get32(p + 20) << 32 | get32(p + 24)),
	    (uint64_t)-PG_EPOCH_US);
	pgarr_clear(&a);

	pgarr_init(&a, OID_INTERVAL);
	pgarr_interval(&a, 90 * 1000000LL);
	pgarr_interval(&a, CT_NONE);
	pgarr_end(&a, &v, &len);
	p = header(v, len, OID_INTERVAL, 2, 1);
	assert_int_equal(get32(p), 16);
	assert_int_equal(get32(p + 4), 0);
	assert_int_equal(get32(p + 8), 90000000);
	assert_int_equal(get32(p + 12), 0);	/* days */
	assert_int_equal(get32(p + 16), 0);	/* months */
	assert_int_equal(get32(p + 20), 0xffffffffU);
	pgarr_clear(&a);
}

static void
test_inet(void **state)
{
	struct pgarr	 a;
	const char	*v;
	const uint8_t	*p;
	int		 len;
	static const uint8_t v4[] = { 2, 32, 0, 4, 127, 0, 0, 1 };
	static const uint8_t v6[] = { 3, 128, 0, 16, 0x20, 0x01, 0x0d, 0xb8,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	const char *bad[] = { "", "garbage", "1.2.3", "127.0.0.1 ",
	    "0000:0000:0000:0000:0000:0000:0000:0000:1" };
	size_t i;

	pgarr_init(&a, OID_INET);
	pgarr_inet(&a, "127.0.0.1xyz", 9);	/* only n bytes count */
	pgarr_inet(&a, "2001:db8::1", 11);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		pgarr_inet(&a, bad[i], strlen(bad[i]));
	pgarr_end(&a, &v, &len);
	p = header(v, len, OID_INET, 2 + 5, 1);
	assert_int_equal(get32(p), sizeof(v4));
	assert_memory_equal(p + 4, v4, sizeof(v4));
	p += 4 + sizeof(v4);
	assert_int_equal(get32(p), sizeof(v6));
	assert_memory_equal(p + 4, v6, sizeof(v6));
	p += 4 + sizeof(v6);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++, p += 4)
		assert_int_equal(get32(p), 0xffffffffU);
	assert_ptr_equal(p, (const uint8_t *)v + len);
	pgarr_clear(&a);
}

static void
test_growth(void **state)
{
	struct pgarr	 a;
	const char	*v;
	const uint8_t	*p;
	char		 body[1000];
	int		 len, i;

	memset(body, 'x', sizeof(body));
	pgarr_init(&a, OID_BYTEA);
	for (i = 0; i < 5000; i++)
		pgarr_bytes(&a, body, (size_t)(i % 1000));
	pgarr_end(&a, &v, &len);
	p = header(v, len, OID_BYTEA, 5000, 0);
	for (i = 0; i < 5000; i++) {
		assert_int_equal(get32(p), (uint32_t)(i % 1000));
		assert_memory_equal(p + 4, body, (size_t)(i % 1000));
		p += 4 + i % 1000;
	}
	assert_ptr_equal(p, (const uint8_t *)v + len);
	pgarr_clear(&a);
}

/* Two columns, three rows, NULLs included: the exact COPY stream. */
static void
test_copy(void **state)
{
	static const uint8_t want[] = {
		'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0,
		0, 0, 0, 0, 0, 0, 0, 0,
		0, 2, 0, 0, 0, 4, 0, 0, 0, 7, 0, 0, 0, 2, 'a', 'b',
		0, 2, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0,
		0, 2, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff
	};
	struct pgarr	 a, b;
	struct pgarr	*cols[2] = { &a, &b };
	struct buf	 out;

	pgarr_init(&a, OID_INT4);
	pgarr_init(&b, OID_TEXT);
	pgarr_i32(&a, 7);
	pgarr_str(&b, "ab");
	pgarr_null(&a);
	pgarr_str(&b, "");
	pgarr_i32(&a, -1);
	pgarr_null(&b);
	buf_init(&out);
	pgarr_copy(&out, cols, 2);
	assert_int_equal(out.b_len, sizeof(want));
	assert_memory_equal(out.b_data, want, sizeof(want));
	/* No rows: the header and the trailer only. */
	buf_reset(&out);
	pgarr_clear(&a);
	pgarr_init(&a, OID_INT4);
	pgarr_copy(&out, cols, 1);
	assert_int_equal(out.b_len, 19 + 2);
	buf_clear(&out);
	pgarr_clear(&a);
	pgarr_clear(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int4_with_null),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_inet),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
