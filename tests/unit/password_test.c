/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * password.c: scrypt round trip and format, a scrypt vector and Django
 * PBKDF2-SHA256 vectors computed with Python's hashlib, unusable and
 * malformed stored values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "password.h"

/* hashlib.pbkdf2_hmac("sha256", pw, salt, iter), base64 */
#define DJ1	"pbkdf2_sha256$1000$NaClSalt1234$" \
	"LNTShczdodMRl6Z8GDk7bHqn2i8dd8ULFNEEmRwvvP4="
#define DJ2	"pbkdf2_sha256$260000$xyzSALT$" \
	"upHL0JEil+UrQqMRmu3t77Ze+nnIsBYScNEpnnoL5lE="
/* hashlib.scrypt(b"pw", salt=b"0123456789abcdef", n=1024, r=8, p=1) */
#define SC1	"scrypt$1024$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$" \
	"aMVTuQEI+jkaGyQcKvYHZwvQAIPq1C1TACYLFE9oZeo="

static void
test_roundtrip(void **state)
{
	char	h[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];

	assert_int_equal(password_hash("hunter2", h, sizeof(h)), 0);
	assert_true(strncmp(h, "scrypt$32768$8$1$", 17) == 0);
	assert_true(strlen(h) < 128);
	assert_int_equal(password_verify("hunter2", h), 1);
	assert_int_equal(password_verify("hunter3", h), 0);
	assert_int_equal(password_verify("", h), 0);
	/* fresh salt each time */
	assert_int_equal(password_hash("hunter2", h2, sizeof(h2)), 0);
	assert_string_not_equal(h, h2);
	/* no room */
	assert_int_equal(password_hash("hunter2", h2, 40), -1);
}

static void
test_vectors(void **state)
{
	assert_int_equal(password_verify("pw", SC1), 1);
	assert_int_equal(password_verify("pW", SC1), 0);
	assert_int_equal(password_verify("correct horse", DJ1), 1);
	assert_int_equal(password_verify("correct horse ", DJ1), 0);
	assert_int_equal(password_verify("p\xc3\xa4ssw\xc3\xb6rd", DJ2), 1);
	assert_int_equal(password_verify("passwird", DJ2), 0);
}

static void
test_unusable(void **state)
{
	char	u[64];

	assert_int_equal(password_unusable(u, sizeof(u)), 0);
	assert_int_equal(strlen(u), 41);
	assert_int_equal(u[0], '!');
	assert_int_equal(password_verify("", u), 0);
	assert_int_equal(password_verify("x", "!"), 0);
	assert_int_equal(password_verify("x", ""), 0);
	assert_int_equal(password_unusable(u, 41), -1);
}

static void
test_malformed(void **state)
{
	assert_int_equal(password_verify("x", "md5$abc$def"), -1);
	assert_int_equal(password_verify("x", "scrypt$1024$8$1$abc"), -1);
	assert_int_equal(password_verify("x",
	    "scrypt$1000$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$"
	    "aMVTuQEI+jkaGyQcKvYHZwvQAIPq1C1TACYLFE9oZeo="), -1);
	assert_int_equal(password_verify("x",
	    "scrypt$1024$8$1$MDEy*zQ1Njc4OWFiY2RlZg==$"
	    "aMVTuQEI+jkaGyQcKvYHZwvQAIPq1C1TACYLFE9oZeo="), -1);
	assert_int_equal(password_verify("x",
	    "scrypt$1024$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$"
	    "aMVTuQEI+jkaGyQcKvYHZwvQAIPq1C1TACYLFE9oZeo=$x"), -1);
	assert_int_equal(password_verify("x", "pbkdf2_sha256$0$s$abc="), -1);
	assert_int_equal(password_verify("x", "pbkdf2_sha256$1000$s"), -1);
	assert_int_equal(password_verify("x",
	    "pbkdf2_sha256$99999999999$s$"
	    "LNTShczdodMRl6Z8GDk7bHqn2i8dd8ULFNEEmRwvvP4="), -1);
	assert_int_equal(password_verify("x", "pbkdf2_sha256$1000$s$===="), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_unusable),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
