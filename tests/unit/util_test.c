/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for common/util.c, the helpers every process uses:
 * hc_strtonum bounds and errors, hc_strlcpy/hc_strlcat truncation, the
 * growable buffer (growth, consume, printf), and utf8_sanitize (valid
 * sequences kept, invalid bytes and NUL replaced, overlongs and
 * surrogates rejected, truncation on a code point boundary), with a
 * randomised check that its output is always valid UTF-8.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"

#define FFFD	"\xef\xbf\xbd"

static void
num_ok(const char *s, long long lo, long long hi, long long want)
{
	const char	*e = "stale";
	long long	 v;

	v = hc_strtonum(s, lo, hi, &e);
	if (e != NULL)
		fail_msg("\"%s\": %s", s, e);
	assert_int_equal(v, want);
}

static void
num_bad(const char *s, long long lo, long long hi, const char *want)
{
	const char	*e = NULL;
	long long	 v;

	v = hc_strtonum(s, lo, hi, &e);
	if (e == NULL)
		fail_msg("\"%s\": accepted as %lld", s ? s : "(null)", v);
	assert_string_equal(e, want);
	assert_int_equal(v, 0);
}

static void
test_strtonum(void **state)
{
	num_ok("42", 0, 100, 42);
	num_ok("0", 0, 0, 0);
	num_ok("100", 0, 100, 100);
	num_ok("-5", -5, 5, -5);
	num_ok("010", 0, 100, 10);		/* decimal, not octal */
	num_ok("+7", 0, 100, 7);
	num_ok(" 7", 0, 100, 7);		/* as strtonum(3) */
	num_ok("9223372036854775807", 0, LLONG_MAX, LLONG_MAX);
	num_ok("-9223372036854775808", LLONG_MIN, 0, LLONG_MIN);
	num_bad("101", 0, 100, "too large");
	num_bad("-1", 0, 100, "too small");
	num_bad("9223372036854775808", 0, LLONG_MAX, "too large");
	num_bad("99999999999999999999999", LLONG_MIN, LLONG_MAX, "too large");
	num_bad("-9223372036854775809", LLONG_MIN, 0, "too small");
	num_bad("-99999999999999999999999", LLONG_MIN, LLONG_MAX, "too small");
	num_bad("9223372036854775807", 0, LLONG_MAX - 1, "too large");
	num_bad("", 0, 100, "invalid");
	num_bad(NULL, 0, 100, "invalid");
	num_bad("abc", 0, 100, "invalid");
	num_bad("12abc", 0, 100, "invalid");
	num_bad("7 ", 0, 100, "invalid");
	num_bad("0x10", 0, 100, "invalid");
	num_bad("1.5", 0, 100, "invalid");
	num_bad("-", 0, 100, "invalid");
	num_bad(" ", 0, 100, "invalid");
	num_bad("5", 10, 1, "invalid");		/* min > max */
}

static void
test_strlcpy(void **state)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(hc_strlcpy(buf, "abc", sizeof(buf)), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(hc_strlcpy(buf, "abcdefgh", sizeof(buf)), 8);
	assert_string_equal(buf, "abcdefg");
	assert_int_equal(hc_strlcpy(buf, "abcdefg", sizeof(buf)), 7);
	assert_string_equal(buf, "abcdefg");
	assert_int_equal(hc_strlcpy(buf, "", sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(hc_strlcpy(buf, "abc", 1), 3);
	assert_string_equal(buf, "");
	/* Size 0: nothing written. */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(hc_strlcpy(buf, "abc", 0), 3);
	assert_int_equal(buf[0], 'x');

	hc_strlcpy(buf, "ab", sizeof(buf));
	assert_int_equal(hc_strlcat(buf, "cd", sizeof(buf)), 4);
	assert_string_equal(buf, "abcd");
	assert_int_equal(hc_strlcat(buf, "efghij", sizeof(buf)), 10);
	assert_string_equal(buf, "abcdefg");
	assert_int_equal(hc_strlcat(buf, "z", sizeof(buf)), 8);
	assert_string_equal(buf, "abcdefg");
	hc_strlcpy(buf, "ab", sizeof(buf));
	assert_int_equal(hc_strlcat(buf, "", sizeof(buf)), 2);
	assert_int_equal(hc_strlcat(buf, "cd", 3), 4);	/* no room */
	assert_string_equal(buf, "ab");
	/* dst not terminated within dsize: untouched, size + strlen. */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(hc_strlcat(buf, "abc", 4), 7);
	assert_int_equal(buf[3], 'x');
	assert_int_equal(hc_strlcat(buf, "abc", 0), 3);
}

static void
test_buf(void **state)
{
	struct buf	b;
	size_t		i, cap;
	char		big[5000];

	buf_init(&b);
	assert_null(b.b_data);
	assert_int_equal(b.b_len, 0);
	buf_reset(&b);			/* fine on an empty buffer */
	buf_consume(&b, 10);
	assert_int_equal(b.b_len, 0);

	/* Adding nothing still gives a terminated string. */
	buf_addstr(&b, "");
	assert_non_null(b.b_data);
	assert_string_equal((char *)b.b_data, "");
	buf_add(&b, NULL, 0);
	assert_int_equal(b.b_len, 0);

	/* Growth one byte at a time. */
	for (i = 0; i < 3000; i++) {
		buf_addc(&b, 'a' + (int)(i % 26));
		assert_int_equal(b.b_len, i + 1);
		assert_true(b.b_cap >= b.b_len + 1);
		assert_int_equal(b.b_data[b.b_len], '\0');
	}
	for (i = 0; i < 3000; i++)
		assert_int_equal(b.b_data[i], 'a' + (int)(i % 26));
	buf_addc(&b, 0x1ff);		/* truncated to a byte */
	assert_int_equal(b.b_data[3000], 0xff);

	/* Consume: part, then more than there is. */
	buf_consume(&b, 26);
	assert_int_equal(b.b_len, 2975);
	assert_int_equal(b.b_data[0], 'a');
	assert_int_equal(b.b_data[2974], 0xff);
	assert_int_equal(b.b_data[2975], '\0');
	buf_consume(&b, 0);
	assert_int_equal(b.b_len, 2975);
	cap = b.b_cap;
	buf_consume(&b, 2975);
	assert_int_equal(b.b_len, 0);
	assert_string_equal((char *)b.b_data, "");
	assert_int_equal(b.b_cap, cap);		/* memory kept */
	buf_addstr(&b, "xyz");
	buf_consume(&b, 100);
	assert_int_equal(b.b_len, 0);
	assert_int_equal(b.b_data[0], '\0');

	/* A large add in one go; embedded NULs are data. */
	memset(big, 'B', sizeof(big));
	big[10] = '\0';
	buf_add(&b, big, sizeof(big));
	assert_int_equal(b.b_len, sizeof(big));
	assert_memory_equal(b.b_data, big, sizeof(big));
	assert_int_equal(b.b_data[sizeof(big)], '\0');

	/* Reset keeps the memory. */
	cap = b.b_cap;
	buf_reset(&b);
	assert_int_equal(b.b_len, 0);
	assert_int_equal(b.b_cap, cap);
	assert_string_equal((char *)b.b_data, "");

	/* Reserve. */
	buf_reserve(&b, 100000);
	assert_true(b.b_cap >= 100001);
	assert_int_equal(b.b_len, 0);

	buf_clear(&b);
	assert_null(b.b_data);
	assert_int_equal(b.b_len, 0);
	assert_int_equal(b.b_cap, 0);
}

static void
test_buf_printf(void **state)
{
	struct buf	b;
	char		want[2100];

	buf_init(&b);
	buf_printf(&b, "%s", "");
	assert_non_null(b.b_data);
	assert_int_equal(b.b_len, 0);
	buf_printf(&b, "%d-%s", 42, "x");
	buf_printf(&b, "|%05.1f|", 3.14159);
	assert_string_equal((char *)b.b_data, "42-x|003.1|");
	assert_int_equal(b.b_len, strlen("42-x|003.1|"));
	/* An expansion longer than the initial allocation. */
	buf_reset(&b);
	buf_addstr(&b, "<");
	buf_printf(&b, "%2000s>", "end");
	assert_int_equal(b.b_len, 2002);
	want[0] = '<';
	memset(want + 1, ' ', 1997);
	memcpy(want + 1998, "end>", 5);
	assert_string_equal((char *)b.b_data, want);
	/* Many appends. */
	buf_reset(&b);
	{
		int i;

		for (i = 0; i < 1000; i++)
			buf_printf(&b, "%d,", i);
	}
	assert_memory_equal(b.b_data, "0,1,2,", 6);
	assert_non_null(strstr((char *)b.b_data, ",998,999,"));
	assert_int_equal(b.b_data[b.b_len - 1], ',');
	assert_int_equal(strlen((char *)b.b_data), b.b_len);
	buf_clear(&b);
}

static void
test_buf_add_html(void **state)
{
	struct buf	b;

	buf_init(&b);
	buf_add_html(&b, "", 0);
	assert_int_equal(b.b_len, 0);
	buf_add_html(&b, "<a href=\"x\">&'</a>", 19);
	assert_string_equal((char *)b.b_data,
	    "&lt;a href=&quot;x&quot;&gt;&amp;&#x27;&lt;/a&gt;");
	/* n, not the NUL, ends the text; UTF-8 passes through. */
	buf_reset(&b);
	buf_add_html(&b, "a\0<\xc3\xa9&", 5);
	assert_int_equal(b.b_len, 8);
	assert_memory_equal(b.b_data, "a\0&lt;\xc3\xa9", 8);
	buf_reset(&b);
	buf_add_html(&b, "x&y", 2);
	assert_string_equal((char *)b.b_data, "x&amp;");
	/* Already-escaped text is escaped again. */
	buf_reset(&b);
	buf_add_html(&b, "&amp;", 5);
	assert_string_equal((char *)b.b_data, "&amp;amp;");
	buf_clear(&b);
}

/* utf8_sanitize into a fresh buffer, compared with `want`. */
static void
san(const char *in, size_t len, size_t max, const char *want)
{
	struct buf b;

	buf_init(&b);
	utf8_sanitize(&b, in, len, max);
	if (b.b_len != strlen(want) ||
	    (b.b_len > 0 && memcmp(b.b_data, want, b.b_len) != 0)) {
		struct buf	 h;
		size_t		 i;

		buf_init(&h);
		for (i = 0; i < b.b_len; i++)
			buf_printf(&h, "%02x ", b.b_data[i]);
		fail_msg("got %s(%zu bytes)", h.b_data ? (char *)h.b_data : "",
		    b.b_len);
	}
	buf_clear(&b);
}

#define SAN(lit, max, want)	san(lit, sizeof(lit) - 1, max, want)

static void
test_utf8(void **state)
{
	struct buf b;

	SAN("", 10, "");
	SAN("hello", 100, "hello");
	/* Valid multibyte kept: 2, 3 and 4 bytes, the extremes. */
	SAN("caf\xc3\xa9", 100, "caf\xc3\xa9");
	SAN("\xe2\x82\xac", 100, "\xe2\x82\xac");
	SAN("\xf0\x9f\x98\x80", 100, "\xf0\x9f\x98\x80");
	SAN("\xc2\x80\xdf\xbf", 100, "\xc2\x80\xdf\xbf");
	SAN("\xe0\xa0\x80\xef\xbf\xbf", 100, "\xe0\xa0\x80\xef\xbf\xbf");
	SAN("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", 100,
	    "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");
	SAN("\xed\x9f\xbf\xee\x80\x80", 100, "\xed\x9f\xbf\xee\x80\x80");
	SAN(FFFD, 100, FFFD);
	/* NUL and stray bytes: one U+FFFD each. */
	SAN("a\0b", 100, "a" FFFD "b");
	SAN("\x80", 100, FFFD);
	SAN("\x80\xbf", 100, FFFD FFFD);
	SAN("\xff\xfe", 100, FFFD FFFD);
	SAN("\xf5\x80\x80\x80", 100, FFFD FFFD FFFD FFFD);
	/* Overlong forms. */
	SAN("\xc0\x80", 100, FFFD FFFD);
	SAN("\xc1\xbf", 100, FFFD FFFD);
	SAN("\xe0\x80\x80", 100, FFFD FFFD FFFD);
	SAN("\xe0\x9f\xbf", 100, FFFD FFFD FFFD);
	SAN("\xf0\x80\x80\x80", 100, FFFD FFFD FFFD FFFD);
	SAN("\xf0\x8f\xbf\xbf", 100, FFFD FFFD FFFD FFFD);
	/* Surrogates, and beyond U+10FFFF. */
	SAN("\xed\xa0\x80", 100, FFFD FFFD FFFD);
	SAN("\xed\xbf\xbf", 100, FFFD FFFD FFFD);
	SAN("\xf4\x90\x80\x80", 100, FFFD FFFD FFFD FFFD);
	/* A lead byte followed by a non-continuation keeps what follows. */
	SAN("\xc3" "A", 100, FFFD "A");
	SAN("\xc3\xc3\xa9", 100, FFFD "\xc3\xa9");
	/* A sequence cut short is one U+FFFD, as in Python. */
	SAN("x\xf0\x9f\x98", 100, "x" FFFD);
	/* Truncation counts code points and never splits one. */
	SAN("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", 0, "");
	SAN("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", 1, "a");
	SAN("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", 2, "a\xc3\xa9");
	SAN("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", 3,
	    "a\xc3\xa9\xe2\x82\xac");
	SAN("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", 4,
	    "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	SAN("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", 5,
	    "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z");
	/* A replacement counts as one. */
	SAN("\xff\xff\xff" "abc", 4, FFFD FFFD FFFD "a");
	/* len bounds the input, not NUL. */
	san("abcdef", 3, 100, "abc");
	/* A multibyte sequence cut by len is one U+FFFD, not read past. */
	san("\xe2\x82\xac", 2, 100, FFFD);

	/* Appends to what is there. */
	buf_init(&b);
	buf_addstr(&b, "ua=");
	utf8_sanitize(&b, "x\xff", 2, 200);
	assert_string_equal((char *)b.b_data, "ua=x" FFFD);
	buf_clear(&b);
}

/*
 * Python replaces a truncated sequence (a valid lead byte and valid
 * continuation bytes cut short) with ONE U+FFFD, and so does
 * utf8_sanitize.  Expected values below are Python 3.11's
 * bytes.decode("utf-8", "replace").
 */
static void
test_utf8_truncated_sequence(void **state)
{
	SAN("\xe2\x82" "A", 100, FFFD "A");
	SAN("\xf0\x9f\x98" "A", 100, FFFD "A");
	SAN("\xe1\x80\xe1\x80\x80", 100, FFFD "\xe1\x80\x80");
	SAN("\xe2\x82", 100, FFFD);
}

/* A strict validator, independent of util.c. */
static int
valid_utf8(const uint8_t *s, size_t len, size_t *ncp)
{
	size_t		i = 0, n, k;
	uint32_t	cp;

	*ncp = 0;
	while (i < len) {
		if (s[i] == 0)
			return 0;
		if (s[i] < 0x80) {
			i++;
			(*ncp)++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0)
			n = 2, cp = s[i] & 0x1f;
		else if ((s[i] & 0xf0) == 0xe0)
			n = 3, cp = s[i] & 0x0f;
		else if ((s[i] & 0xf8) == 0xf0)
			n = 4, cp = s[i] & 0x07;
		else
			return 0;
		if (i + n > len)
			return 0;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
		    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n;
		(*ncp)++;
	}
	return 1;
}

static void
test_utf8_random(void **state)
{
	struct buf	 a, b;
	uint64_t	 s = 12345;
	uint8_t		 in[64];
	size_t		 len, max, ncp, i;
	int		 round;
	static const uint8_t pieces[] = {
		0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed,
		0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f, 0x90, 0x8f
	};

	buf_init(&a);
	buf_init(&b);
	for (round = 0; round < 100000; round++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		len = s % sizeof(in);
		max = (s >> 8) % 80;
		for (i = 0; i < len; i++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			in[i] = s & 1 ? pieces[(s >> 1) % sizeof(pieces)] :
			    (uint8_t)(s >> 8);
		}
		buf_reset(&a);
		utf8_sanitize(&a, in, len, max);
		if (!valid_utf8(a.b_data, a.b_len, &ncp))
			fail_msg("round %d: invalid output", round);
		assert_true(ncp <= max);
		/* Valid input comes out unchanged (up to max). */
		buf_reset(&b);
		utf8_sanitize(&b, a.b_data, a.b_len, max);
		assert_int_equal(b.b_len, a.b_len);
		assert_memory_equal(b.b_data, a.b_data, a.b_len);
		/* Truncation only ever drops whole code points. */
		if (max > 0 && ncp == max) {
			buf_reset(&b);
			utf8_sanitize(&b, a.b_data, a.b_len, max - 1);
			assert_true(b.b_len < a.b_len);
			assert_memory_equal(b.b_data, a.b_data, b.b_len);
		}
	}
	buf_clear(&a);
	buf_clear(&b);
}

static void
test_alloc(void **state)
{
	char	*p;
	int	*q;

	p = xasprintf("%s-%d", "a", 7);
	assert_string_equal(p, "a-7");
	free(p);
	p = xstrndup("abcdef", 3);
	assert_string_equal(p, "abc");
	free(p);
	p = xstrdup("");
	assert_string_equal(p, "");
	free(p);
	q = xcalloc(0, 4);		/* never NULL */
	assert_non_null(q);
	free(q);
	q = xcalloc(4, sizeof(int));
	assert_int_equal(q[3], 0);
	q = xreallocarray(q, 1000, sizeof(int));
	assert_int_equal(q[3], 0);
	free(q);
	assert_non_null(p = xmalloc(0));
	free(p);
	assert_true(hc_now_us() > (int64_t)1700000000 * 1000000);
	assert_true(hc_mono_ms() >= 0);
}

static void
test_utf8_valid(void **state)
{
	static const struct {
		const char	*s;
		size_t		 n;
		int		 ok;
	} t[] = {
		{ "", 0, 1 },
		{ "abc", 3, 1 },
		{ "caf\xc3\xa9", 5, 1 },
		{ "\xe2\x82\xac", 3, 1 },		/* U+20AC */
		{ "\xf0\x9f\x98\x80", 4, 1 },	/* U+1F600 */
		{ "\xf4\x8f\xbf\xbf", 4, 1 },	/* U+10FFFF */
		{ "\xff", 1, 0 },
		{ "\xc3", 1, 0 },			/* cut */
		{ "\xc0\xaf", 2, 0 },			/* overlong */
		{ "\xe0\x80\xaf", 3, 0 },		/* overlong */
		{ "\xf0\x80\x80\xaf", 4, 0 },	/* overlong */
		{ "\xed\xa0\x80", 3, 0 },		/* surrogate */
		{ "\xf4\x90\x80\x80", 4, 0 },	/* past U+10FFFF */
		{ "a\0b", 3, 0 },			/* NUL */
		{ "\xe2\x82", 2, 0 },
		{ "ab\x80", 3, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (hc_utf8_valid(t[i].s, t[i].n) != t[i].ok)
			fail_msg("case %zu", i);
}

static void
test_email_normalize(void **state)
{
	char	out[HC_EMAIL_MAX + 1];
	char	longer[300];

	assert_int_equal(hc_email_normalize("  Alice@Example.ORG ", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "alice@example.org");
	assert_int_equal(hc_email_normalize("root@localhost", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "root@localhost");
	assert_int_equal(hc_email_normalize("", out, sizeof(out)), -1);
	assert_int_equal(hc_email_normalize("@example.org", out,
	    sizeof(out)), -1);
	assert_int_equal(hc_email_normalize("a@@example.org", out,
	    sizeof(out)), -1);
	assert_int_equal(hc_email_normalize("a@example", out, sizeof(out)),
	    -1);
	assert_int_equal(hc_email_normalize("a@.example.org", out,
	    sizeof(out)), -1);
	assert_int_equal(hc_email_normalize("a@example..org", out,
	    sizeof(out)), -1);
	assert_int_equal(hc_email_normalize("a b@example.org", out,
	    sizeof(out)), -1);
	assert_int_equal(hc_email_normalize("<a>@example.org", out,
	    sizeof(out)), -1);
	assert_int_equal(hc_email_normalize("\xc3\xa9@example.org", out,
	    sizeof(out)), -1);
	memset(longer, 'a', sizeof(longer));
	memcpy(longer + 250, "@x.io", 6);		/* 255 bytes */
	assert_int_equal(hc_email_normalize(longer, out, sizeof(out)), -1);
	/* the output buffer bounds it too */
	assert_int_equal(hc_email_normalize("a@example.org", out, 8), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_strtonum),
		cmocka_unit_test(test_strlcpy),
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_buf_printf),
		cmocka_unit_test(test_buf_add_html),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_utf8_random),
		cmocka_unit_test(test_alloc),
		cmocka_unit_test(test_utf8_truncated_sequence),
		cmocka_unit_test(test_email_normalize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
