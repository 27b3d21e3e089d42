/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * apikey.c: key and ping key formats, the stored hash against vectors
 * computed with Python's hmac module (as Healthchecks computes it),
 * legacy plain keys, and the LIKE prefix.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <string.h>

#include "apikey.h"

/* hmac.digest(b"---", key.encode(), "sha256").hex() */
#define KEY_W	"hcw_sO9zU1olGylct7RMyUAkDaPMFHgx"
#define HASH_W	"sO9zU1ol." \
	"5153aacd8472e4fa800c9b641b9fc6bcd298b003107f65c291a473bfa6183cf4"
/* hmac.digest(b"my secret key", key.encode(), "sha256").hex() */
#define KEY_R	"hcr_ZJz50yB761pJ0do1YOe56Iofng76"
#define HASH_R	"ZJz50yB7." \
	"ac4797811b15090b932b2d40483432ee48c70d2f85b574b3c88a9457e17bd90e"

#define LEGACY	"abcdefghijklmnopqrstuvwxyz-_0123"

static int
all_alnum(const char *s, int lower_only)
{
	for (; *s != '\0'; s++) {
		if (isdigit((unsigned char)*s) || islower((unsigned char)*s))
			continue;
		if (!lower_only && isupper((unsigned char)*s))
			continue;
		return 0;
	}
	return 1;
}

static void
test_generate(void **state)
{
	char	k[APIKEY_LEN + 1], k2[APIKEY_LEN + 1];
	int	i;

	for (i = 0; i < 200; i++) {
		assert_int_equal(apikey_generate(0, k), 0);
		assert_int_equal(strlen(k), 32);
		assert_memory_equal(k, "hcw_", 4);
		assert_true(all_alnum(k + 4, 0));
		assert_false(apikey_is_readonly(k));
	}
	assert_int_equal(apikey_generate(1, k2), 0);
	assert_int_equal(strlen(k2), 32);
	assert_memory_equal(k2, "hcr_", 4);
	assert_true(all_alnum(k2 + 4, 0));
	assert_true(apikey_is_readonly(k2));
	assert_string_not_equal(k, k2);
}

static void
test_hash_vectors(void **state)
{
	char	out[APIKEY_HASH_LEN + 1];

	assert_int_equal(apikey_hash("---", KEY_W, out, sizeof(out)), 0);
	assert_string_equal(out, HASH_W);
	assert_int_equal(strlen(out), APIKEY_HASH_LEN);
	assert_int_equal(apikey_hash("my secret key", KEY_R, out,
	    sizeof(out)), 0);
	assert_string_equal(out, HASH_R);

	/* not a hcw_/hcr_ key, or no room */
	assert_int_equal(apikey_hash("---", "abcdefghijklmnopqrstuvwxyz012345",
	    out, sizeof(out)), -1);
	assert_int_equal(apikey_hash("---", "hcw_short", out, sizeof(out)), -1);
	assert_int_equal(apikey_hash("---", KEY_W, out, APIKEY_HASH_LEN), -1);
}

static void
test_matches(void **state)
{
	char	k[APIKEY_LEN + 1], h[APIKEY_HASH_LEN + 1];

	assert_int_equal(apikey_matches("---", KEY_W, HASH_W), 1);
	assert_int_equal(apikey_matches("my secret key", KEY_R, HASH_R), 1);
	/* wrong secret, one char off, other kind's prefix */
	assert_int_equal(apikey_matches("--", KEY_W, HASH_W), 0);
	assert_int_equal(apikey_matches("---",
	    "hcw_sO9zU1olGylct7RMyUAkDaPMFHgy", HASH_W), 0);
	assert_int_equal(apikey_matches("---",
	    "hcr_sO9zU1olGylct7RMyUAkDaPMFHgx", HASH_W), 0);
	/* truncated stored hash */
	assert_int_equal(apikey_matches("---", KEY_W, "sO9zU1ol.5153"), 0);
	/* round trip */
	assert_int_equal(apikey_generate(0, k), 0);
	assert_int_equal(apikey_hash("s3cret", k, h, sizeof(h)), 0);
	assert_int_equal(apikey_matches("s3cret", k, h), 1);
	assert_int_equal(apikey_matches("s3cret", KEY_W, h), 0);

	/* legacy plain keys */
	assert_int_equal(apikey_matches("---", LEGACY, LEGACY), 1);
	assert_int_equal(apikey_matches("---",
	    "abcdefghijklmnopqrstuvwxyz-_0124", LEGACY), 0);
	assert_int_equal(apikey_matches("---", "abc", "abcd"), 0);
	/* an empty column (no read-only key) never matches */
	assert_int_equal(apikey_matches("---", "", ""), 0);
	assert_int_equal(apikey_matches("---", KEY_W, ""), 0);
	/* a stored hash given as the key does not match its own row */
	assert_int_equal(apikey_matches("---", HASH_W, HASH_W), 0);
}

static void
test_prefix(void **state)
{
	char	p[APIKEY_PREFIX_LEN + 1];

	assert_int_equal(apikey_lookup_prefix(KEY_W, p), 0);
	assert_string_equal(p, "sO9zU1ol");
	assert_int_equal(apikey_lookup_prefix(KEY_R, p), 0);
	assert_string_equal(p, "ZJz50yB7");
	/* LIKE metacharacters and legacy keys give no prefix */
	assert_int_equal(apikey_lookup_prefix(
	    "hcw_%%%%%%%%ct7RMyUAkDaPMFHgxabc", p), -1);
	assert_int_equal(apikey_lookup_prefix(
	    "hcw_ab_defghct7RMyUAkDaPMFHgxabc", p), -1);
	assert_int_equal(apikey_lookup_prefix(
	    "abcdefghijklmnopqrstuvwxyz012345", p), -1);
	assert_int_equal(apikey_lookup_prefix("hcw_sO9zU1ol", p), -1);
}

static void
test_ping_key(void **state)
{
	char	k[PING_KEY_LEN + 1], k2[PING_KEY_LEN + 1];
	int	i;

	for (i = 0; i < 200; i++) {
		ping_key_generate(k);
		assert_int_equal(strlen(k), 22);
		assert_true(all_alnum(k, 1));
	}
	ping_key_generate(k2);
	assert_string_not_equal(k, k2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_hash_vectors),
		cmocka_unit_test(test_matches),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_ping_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
