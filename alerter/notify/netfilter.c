/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The notifier's pure helpers (no I/O, no clock but what it is given):
 * which addresses an outbound request may not connect to, how long a
 * failed delivery waits before its next attempt, and the error texts
 * of spec 4.3 for libcurl's codes.  The unit tests call them directly
 * (tests/unit/netfilter_test.c).
 *
 * The address filter is applied to the address a socket is about to be
 * connected to (libcurl's CURLOPT_OPENSOCKETFUNCTION, engine.c), after
 * name resolution: a name that resolves to a public address when the
 * channel is saved and to 127.0.0.1 when the alert is sent is refused
 * all the same.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "engine.h"

struct v4net {
	uint32_t	net;
	int		bits;
};

/* IPv4 ranges that are not the public internet (IANA special-purpose). */
static const struct v4net v4_refused[] = {
	{ 0x00000000, 8 },	/* "this network" */
	{ 0x0a000000, 8 },	/* private */
	{ 0x64400000, 10 },	/* shared address space (CGNAT) */
	{ 0x7f000000, 8 },	/* loopback */
	{ 0xa9fe0000, 16 },	/* link-local */
	{ 0xac100000, 12 },	/* private */
	{ 0xc0000000, 24 },	/* IETF protocol assignments */
	{ 0xc0000200, 24 },	/* documentation */
	{ 0xc0586300, 24 },	/* 6to4 relay anycast */
	{ 0xc0a80000, 16 },	/* private */
	{ 0xc6120000, 15 },	/* benchmarking */
	{ 0xc6336400, 24 },	/* documentation */
	{ 0xcb007100, 24 },	/* documentation */
	{ 0xe0000000, 4 },	/* multicast */
	{ 0xf0000000, 4 },	/* reserved, and the broadcast address */
};

static int
v4_refused_addr(uint32_t a)
{
	size_t i;

	for (i = 0; i < sizeof(v4_refused) / sizeof(v4_refused[0]); i++) {
		uint32_t mask = 0xffffffffu << (32 - v4_refused[i].bits);

		if ((a & mask) == v4_refused[i].net)
			return 1;
	}
	return 0;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* The first `bits` bits of a equal those of prefix. */
static int
v6_in(const uint8_t *a, const uint8_t *prefix, int bits)
{
	int	full = bits / 8, rest = bits % 8;

	if (memcmp(a, prefix, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ prefix[full]) & (0xff << (8 - rest))) == 0;
}

struct v6net {
	uint8_t		net[16];
	int		bits;
};

static const struct v6net v6_refused[] = {
	{ { 0x01, 0x00 }, 64 },				/* discard */
	{ { 0x20, 0x01, 0x00, 0x02, 0x00, 0x00 }, 48 },	/* benchmarking */
	{ { 0x20, 0x01, 0x00, 0x10 }, 28 },		/* ORCHID */
	{ { 0x20, 0x01, 0x00, 0x20 }, 28 },		/* ORCHIDv2 */
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32 },		/* documentation */
	{ { 0x3f, 0xff }, 20 },				/* documentation */
	{ { 0x5f, 0x00 }, 16 },				/* segment routing */
	{ { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 }, 48 },	/* local NAT64 */
	{ { 0xfc }, 7 },				/* unique local */
	{ { 0xfe, 0x80 }, 10 },				/* link-local */
	{ { 0xfe, 0xc0 }, 10 },				/* site-local */
	{ { 0xff }, 8 },				/* multicast */
};

static int
v6_refused_addr(const uint8_t *a)
{
	static const uint8_t	zero[16];
	static const uint8_t	mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0xff, 0xff };
	static const uint8_t	nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
	static const uint8_t	sixto4[2] = { 0x20, 0x02 };
	size_t			i;

	/* ::/96: unspecified, loopback, IPv4-compatible (deprecated). */
	if (memcmp(a, zero, 12) == 0) {
		uint32_t v4 = be32(a + 12);

		return v4 <= 1 || v4_refused_addr(v4);
	}
	/* Forms that carry an IPv4 address: judged by that address. */
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return v4_refused_addr(be32(a + 12));
	if (memcmp(a, sixto4, 2) == 0)
		return v4_refused_addr(be32(a + 2));
	/* Outside global unicast (2000::/3): nothing public. */
	if ((a[0] & 0xe0) != 0x20)
		return 1;
	for (i = 0; i < sizeof(v6_refused) / sizeof(v6_refused[0]); i++)
		if (v6_in(a, v6_refused[i].net, v6_refused[i].bits))
			return 1;
	return 0;
}

int
nt_addr_refused(const struct sockaddr *sa, socklen_t len)
{
	if (sa == NULL)
		return 1;
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct
	    sockaddr_in)) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;

		return v4_refused_addr(ntohl(s->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct
	    sockaddr_in6)) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;

		return v6_refused_addr(s->sin6_addr.s6_addr);
	}
	return 1;
}

int64_t
nt_backoff_ms(int attempt, uint32_t rnd, int64_t ra_sec)
{
	int64_t	d = NT_BACKOFF_FIRST_MS, half;
	int	i;

	for (i = 1; i < attempt && d < NT_BACKOFF_MAX_MS; i++)
		d *= 2;
	if (d > NT_BACKOFF_MAX_MS)
		d = NT_BACKOFF_MAX_MS;
	half = d / 2;
	d = half + (int64_t)(rnd % (uint32_t)(half + 1));
	if (ra_sec > 0) {
		if (ra_sec > 3600)
			ra_sec = 3600;
		if (ra_sec * 1000 > d)
			d = ra_sec * 1000;
	}
	return d;
}

int64_t
nt_retry_after(const char *v, int64_t now_us)
{
	struct tm	 tm;
	const char	*p;
	int64_t		 s = 0;
	time_t		 t;

	if (v == NULL)
		return 0;
	while (*v == ' ' || *v == '\t')
		v++;
	if (isdigit((unsigned char)*v)) {
		for (p = v; isdigit((unsigned char)*p); p++) {
			s = s * 10 + (*p - '0');
			if (s > 86400)
				return 86400;
		}
		return s;
	}
	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(v, "%a, %d %b %Y %H:%M:%S", &tm)) == NULL)
		return 0;
	if ((t = timegm(&tm)) == (time_t)-1)
		return 0;
	s = (int64_t)t - now_us / 1000000;
	if (s < 0)
		return 0;
	return s > 86400 ? 86400 : s;
}

const char *
nt_curl_error(int code, int *transient)
{
	*transient = 1;
	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
		return "Connection timed out";
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return "Could not resolve host";
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return "Connection failed";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
		return "TLS handshake failed";
	case CURLE_TOO_MANY_REDIRECTS:
		*transient = 0;
		return "Too many redirects";
	default:
		*transient = 0;
		return NULL;	/* "HTTP request failed, code: N" */
	}
}
