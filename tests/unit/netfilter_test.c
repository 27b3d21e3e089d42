/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for alerter/notify/netfilter.c: which addresses the
 * notifier refuses to connect to (IPv4, IPv6, the IPv4-mapped, NAT64,
 * 6to4 and IPv4-compatible forms), the back-off between attempts
 * (doubling, capped, jittered, Retry-After), Retry-After parsing and
 * the spec's texts for libcurl's errors.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "../../alerter/notify/engine.h"

static int
refused(const char *text)
{
	struct sockaddr_in	s4;
	struct sockaddr_in6	s6;

	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	if (inet_pton(AF_INET, text, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		return nt_addr_refused((struct sockaddr *)&s4, sizeof(s4));
	}
	if (inet_pton(AF_INET6, text, &s6.sin6_addr) == 1) {
		s6.sin6_family = AF_INET6;
		return nt_addr_refused((struct sockaddr *)&s6, sizeof(s6));
	}
	fail_msg("bad address in test: %s", text);
	return -1;
}

static void
t_ipv4(void **state)
{
	static const char *const bad[] = {
		"0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255",
		"100.64.0.1", "100.127.255.254", "127.0.0.1", "127.1.2.3",
		"169.254.169.254", "172.16.0.1", "172.31.255.255",
		"192.0.0.8", "192.0.2.1", "192.88.99.1", "192.168.1.1",
		"198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9",
		"224.0.0.1", "239.255.255.250", "240.0.0.1",
		"255.255.255.255", NULL
	};
	static const char *const good[] = {
		"1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.1",
		"100.63.255.255", "100.128.0.1", "126.255.255.255",
		"128.0.0.1", "169.253.1.1", "172.15.255.255", "172.32.0.1",
		"192.0.1.1", "192.169.0.1", "198.17.255.255", "198.20.0.1",
		"203.0.114.1", "223.255.255.255", NULL
	};
	int i;

	for (i = 0; bad[i] != NULL; i++)
		if (!refused(bad[i]))
			fail_msg("%s should be refused", bad[i]);
	for (i = 0; good[i] != NULL; i++)
		if (refused(good[i]))
			fail_msg("%s should be allowed", good[i]);
}

static void
t_ipv6(void **state)
{
	static const char *const bad[] = {
		"::", "::1", "fe80::1", "febf::1", "fec0::1", "fc00::1",
		"fd12:3456::1", "ff02::1", "ff05::1:3", "2001:db8::1",
		"100::1", "64:ff9b:1::1",
		/* IPv4 inside IPv6: judged by the IPv4 address */
		"::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.0.1",
		"::ffff:192.168.0.1", "64:ff9b::7f00:1", "64:ff9b::a00:1",
		"2002:7f00:1::1", "2002:c0a8:101::1", "::127.0.0.1",
		"::10.0.0.1", "fe00::1", "4000::1", "3fff::1", "5f00::1", NULL
	};
	static const char *const good[] = {
		"2001:4860:4860::8888", "2606:4700:4700::1111",
		"2a00:1450:4001::1", "::ffff:8.8.8.8", "64:ff9b::808:808",
		"2002:808:808::1", NULL
	};
	int i;

	for (i = 0; bad[i] != NULL; i++)
		if (!refused(bad[i]))
			fail_msg("%s should be refused", bad[i]);
	for (i = 0; good[i] != NULL; i++)
		if (refused(good[i]))
			fail_msg("%s should be allowed", good[i]);
}

static void
t_other_family(void **state)
{
	struct sockaddr		sa;
	struct sockaddr_in	s4;

	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	assert_true(nt_addr_refused(&sa, sizeof(sa)));
	assert_true(nt_addr_refused(NULL, 0));
	/* A short address is not read past its end. */
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	assert_true(nt_addr_refused((struct sockaddr *)&s4, 4));
}

static void
t_backoff(void **state)
{
	int64_t	 prev_max = 0, d;
	int	 a;

	/* Within [half, all] of a doubling base, capped at 10 minutes. */
	for (a = 1; a <= 20; a++) {
		int64_t base = NT_BACKOFF_FIRST_MS;
		int	k;

		for (k = 1; k < a && base < NT_BACKOFF_MAX_MS; k++)
			base *= 2;
		if (base > NT_BACKOFF_MAX_MS)
			base = NT_BACKOFF_MAX_MS;
		assert_int_equal(nt_backoff_ms(a, 0, 0), base / 2);
		assert_int_equal(nt_backoff_ms(a, (uint32_t)(base / 2), 0),
		    base);
		assert_int_equal(nt_backoff_ms(a, UINT32_MAX, 0) >= base / 2,
		    1);
		assert_int_equal(nt_backoff_ms(a, UINT32_MAX, 0) <= base, 1);
		assert_true(base >= prev_max);
		prev_max = base;
	}
	assert_int_equal(nt_backoff_ms(1, 0, 0), 1000);
	assert_int_equal(nt_backoff_ms(2, 0, 0), 2000);
	assert_int_equal(nt_backoff_ms(30, 12345, 0) <= NT_BACKOFF_MAX_MS, 1);
	/* Jitter: different random numbers, different delays. */
	d = nt_backoff_ms(5, 1, 0);
	assert_true(d != nt_backoff_ms(5, 7777, 0));
	/* Retry-After wins when longer, never beyond an hour. */
	assert_int_equal(nt_backoff_ms(1, 0, 120), 120000);
	assert_int_equal(nt_backoff_ms(12, 0, 1), NT_BACKOFF_MAX_MS / 2);
	assert_int_equal(nt_backoff_ms(1, 0, 999999), 3600000);
}

static void
t_retry_after(void **state)
{
	int64_t now = (int64_t)1767225600 * 1000000;	/* 2026-01-01 */

	assert_int_equal(nt_retry_after("120", now), 120);
	assert_int_equal(nt_retry_after(" 5", now), 5);
	assert_int_equal(nt_retry_after("0", now), 0);
	assert_int_equal(nt_retry_after("99999999999", now), 86400);
	assert_int_equal(nt_retry_after(NULL, now), 0);
	assert_int_equal(nt_retry_after("soon", now), 0);
	assert_int_equal(nt_retry_after("Thu, 01 Jan 2026 00:01:00 GMT", now),
	    60);
	assert_int_equal(nt_retry_after("Wed, 31 Dec 2025 23:00:00 GMT", now),
	    0);
}

static void
t_curl_errors(void **state)
{
	int t;

	assert_string_equal(nt_curl_error(CURLE_OPERATION_TIMEDOUT, &t),
	    "Connection timed out");
	assert_true(t);
	assert_string_equal(nt_curl_error(CURLE_COULDNT_RESOLVE_HOST, &t),
	    "Could not resolve host");
	assert_true(t);
	assert_string_equal(nt_curl_error(CURLE_COULDNT_CONNECT, &t),
	    "Connection failed");
	assert_true(t);
	assert_string_equal(nt_curl_error(CURLE_TOO_MANY_REDIRECTS, &t),
	    "Too many redirects");
	assert_false(t);
	assert_string_equal(nt_curl_error(CURLE_SSL_CONNECT_ERROR, &t),
	    "TLS handshake failed");
	assert_null(nt_curl_error(CURLE_UNSUPPORTED_PROTOCOL, &t));
	assert_false(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_ipv4),
		cmocka_unit_test(t_ipv6),
		cmocka_unit_test(t_other_family),
		cmocka_unit_test(t_backoff),
		cmocka_unit_test(t_retry_after),
		cmocka_unit_test(t_curl_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
