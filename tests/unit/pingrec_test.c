/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for common/pingrec.c, the one encoder and decoder of ping
 * records: every field round-trips through a ring, strings past their
 * maximum are cut, missing strings are empty, pingrec_max bounds the
 * ring room of the largest record, and pingrec_valid refuses records
 * whose lengths do not add up.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hcd.h"
#include "pingrec.h"
#include "ring.h"

static struct ring *
ring_new(uint64_t cap)
{
	struct ring *r;

	r = xcalloc(1, ring_size(cap));
	ring_init(r, cap);
	return r;
}

static void
test_roundtrip(void **state)
{
	struct ring		*r = ring_new(65536);
	struct ping_data	 d;
	const struct ping_rec	*pr;
	uint8_t			 rid[16];
	uint64_t		 next, pos = 0;
	size_t			 len;
	const void		*p;

	memset(rid, 0xab, sizeof(rid));
	memset(&d, 0, sizeof(d));
	d.pd_check = 42;
	d.pd_time = 1700000000123456LL;
	d.pd_action = PA_FAIL;
	d.pd_scheme = PS_EMAIL;
	d.pd_exit = 3;
	d.pd_flags = PR_POST;
	d.pd_rid = rid;
	d.pd_method = "POST";
	d.pd_method_len = 4;
	d.pd_addr = "2001:db8::1";
	d.pd_addr_len = 11;
	d.pd_ua = "Email from a@b";
	d.pd_ua_len = 14;
	d.pd_body = "raw\r\nmessage";
	d.pd_body_len = 12;
	d.pd_subject = "Subj\xc3\xa9";
	d.pd_subject_len = 6;
	d.pd_text = "the text";
	d.pd_text_len = 8;
	assert_int_equal(pingrec_size(&d), sizeof(struct ping_rec) + 4 + 11 +
	    14 + 12 + 6 + 8);
	assert_int_equal(pingrec_put(r, &d, &next), 0);
	ring_publish(r, next);
	assert_non_null(p = ring_next(r, &pos, ring_head(r), &len));
	assert_int_equal(pingrec_valid(p, len), 0);
	pr = p;
	assert_int_equal(pr->pr_check, 42);
	assert_int_equal(pr->pr_time, 1700000000123456LL);
	assert_int_equal(pr->pr_action, PA_FAIL);
	assert_int_equal(pr->pr_scheme, PS_EMAIL);
	assert_int_equal(pr->pr_exit, 3);
	assert_int_equal(pr->pr_flags, PR_POST);
	assert_int_equal(pr->pr_has_rid, 1);
	assert_memory_equal(pr->pr_rid, rid, 16);
	assert_int_equal(pr->pr_method_len, 4);
	assert_memory_equal(pingrec_method(pr), "POST", 4);
	assert_memory_equal(pingrec_addr(pr), "2001:db8::1", 11);
	assert_memory_equal(pingrec_ua(pr), "Email from a@b", 14);
	assert_int_equal(pr->pr_body_len, 12);
	assert_memory_equal(pingrec_body(pr), "raw\r\nmessage", 12);
	assert_int_equal(pr->pr_subject_len, 6);
	assert_memory_equal(pingrec_subject(pr), "Subj\xc3\xa9", 6);
	assert_int_equal(pr->pr_text_len, 8);
	assert_memory_equal(pingrec_text(pr), "the text", 8);
	free(r);
}

static void
test_cut_and_empty(void **state)
{
	struct ping_data	 d;
	struct ping_rec		*pr;
	char			 longs[4096];
	uint8_t			*buf;

	memset(longs, 'x', sizeof(longs));
	memset(&d, 0, sizeof(d));
	d.pd_exit = -1;
	d.pd_method = longs;
	d.pd_method_len = 100;
	d.pd_addr = longs;
	d.pd_addr_len = 100;
	d.pd_ua = longs;
	d.pd_ua_len = sizeof(longs);
	/* A length without a pointer counts as empty. */
	d.pd_body_len = 77;
	assert_int_equal(pingrec_size(&d), sizeof(struct ping_rec) +
	    PINGREC_METHOD_MAX + PINGREC_ADDR_MAX + PINGREC_UA_MAX);
	buf = xmalloc(pingrec_size(&d));
	pingrec_encode(buf, &d);
	pr = (struct ping_rec *)buf;
	assert_int_equal(pr->pr_method_len, PINGREC_METHOD_MAX);
	assert_int_equal(pr->pr_addr_len, PINGREC_ADDR_MAX);
	assert_int_equal(pr->pr_ua_len, PINGREC_UA_MAX);
	assert_int_equal(pr->pr_body_len, 0);
	assert_int_equal(pr->pr_subject_len, 0);
	assert_int_equal(pr->pr_text_len, 0);
	assert_int_equal(pr->pr_exit, -1);
	assert_int_equal(pr->pr_has_rid, 0);
	assert_int_equal(pingrec_valid(buf, pingrec_size(&d)), 0);
	free(buf);
}

static void
test_max_and_valid(void **state)
{
	struct ring		*r;
	struct ping_data	 d;
	static char		 big[100000];
	uint64_t		 max, next;
	struct ping_rec		 pr;

	/* The largest record fits in a ring of exactly pingrec_max bytes. */
	max = pingrec_max(50000, 1000, 40000);
	assert_int_equal(max % RING_ALIGN, 0);
	memset(&d, 0, sizeof(d));
	d.pd_method = d.pd_addr = d.pd_ua = big;
	d.pd_method_len = d.pd_addr_len = d.pd_ua_len = sizeof(big);
	d.pd_body = d.pd_subject = d.pd_text = big;
	d.pd_body_len = 50000;
	d.pd_subject_len = 1000;
	d.pd_text_len = 40000;
	r = ring_new(max);
	assert_int_equal(pingrec_put(r, &d, &next), 0);
	assert_int_equal(next, max);
	free(r);
	r = ring_new(max - RING_ALIGN);
	assert_int_equal(pingrec_put(r, &d, &next), -1);
	free(r);

	/* Lengths that run past the record are refused. */
	memset(&pr, 0, sizeof(pr));
	assert_int_equal(pingrec_valid(&pr, sizeof(pr)), 0);
	assert_int_equal(pingrec_valid(&pr, sizeof(pr) - 1), -1);
	pr.pr_text_len = 1;
	assert_int_equal(pingrec_valid(&pr, sizeof(pr)), -1);
	pr.pr_text_len = UINT32_MAX;
	pr.pr_body_len = UINT32_MAX;
	assert_int_equal(pingrec_valid(&pr, sizeof(pr)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_cut_and_empty),
		cmocka_unit_test(test_max_and_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
