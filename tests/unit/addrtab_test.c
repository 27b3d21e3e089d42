/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for common/addrtab.c, the count of connections per client
 * address: counts go up and down per address, an entry leaves at zero,
 * the table grows past its first size, and a long random mix of adds
 * and removes always agrees with a plain array kept beside it (this is
 * what exercises the backward-shift deletion across wrapped runs).
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrtab.h"

static void
test_counts(void **state)
{
	struct addrtab *t = addrtab_new();

	assert_int_equal(addrtab_get(t, "192.0.2.1"), 0);
	assert_int_equal(addrtab_inc(t, "192.0.2.1"), 1);
	assert_int_equal(addrtab_inc(t, "192.0.2.1"), 2);
	assert_int_equal(addrtab_inc(t, "2001:db8::1"), 1);
	assert_int_equal(addrtab_len(t), 2);
	addrtab_dec(t, "192.0.2.1");
	assert_int_equal(addrtab_get(t, "192.0.2.1"), 1);
	addrtab_dec(t, "192.0.2.1");
	assert_int_equal(addrtab_get(t, "192.0.2.1"), 0);
	assert_int_equal(addrtab_len(t), 1);
	addrtab_dec(t, "192.0.2.1");		/* unknown: nothing */
	addrtab_dec(t, "198.51.100.7");
	assert_int_equal(addrtab_len(t), 1);
	/* An unknown peer ("") counts as one client. */
	assert_int_equal(addrtab_inc(t, ""), 1);
	assert_int_equal(addrtab_inc(t, ""), 2);
	addrtab_dec(t, "");
	addrtab_dec(t, "");
	assert_int_equal(addrtab_get(t, ""), 0);
	assert_int_equal(addrtab_len(t), 1);
	addrtab_free(t);
}

#define NADDR	3000

static void
test_random(void **state)
{
	struct addrtab	*t = addrtab_new();
	static int	 want[NADDR];
	char		 key[64];
	size_t		 live = 0;
	int		 i, a;

	srandom(1751);
	for (i = 0; i < 400000; i++) {
		/* Few addresses at first (short runs), then many (growth). */
		a = (int)(random() % (i < 100000 ? 40 : NADDR));
		snprintf(key, sizeof(key), "10.%d.%d.%d", a / 65536,
		    a / 256 % 256, a % 256);
		if (random() % 2 == 0) {
			if (want[a]++ == 0)
				live++;
			assert_int_equal(addrtab_inc(t, key), want[a]);
		} else {
			addrtab_dec(t, key);
			if (want[a] > 0 && --want[a] == 0)
				live--;
		}
		if (i % 997 == 0)
			assert_int_equal(addrtab_len(t), live);
	}
	for (a = 0; a < NADDR; a++) {
		snprintf(key, sizeof(key), "10.%d.%d.%d", a / 65536,
		    a / 256 % 256, a % 256);
		assert_int_equal(addrtab_get(t, key), want[a]);
	}
	addrtab_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
