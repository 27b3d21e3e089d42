/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for worker/http_parse.c: request line and header syntax,
 * body framing (Content-Length, chunked with extensions and trailers),
 * pipelining, byte-by-byte partial reads, limits, keep-alive rules,
 * absolute-form targets, percent-decoding and query lookup.  Every parse
 * runs on an exactly-sized heap copy so that ASan flags any read past
 * the end.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hcd.h"
#include "../../worker/http_parse.h"

#define MAXH	HC_HTTP_MAX_HEADER
#define MAXB	10000

static struct buf	scratch;
static uint8_t		*copy;

/* Parse s[0..n) from an exact-size heap copy, kept until the next call. */
static int
parse_n(const char *s, size_t n, size_t maxh, size_t maxb, struct http_req *r,
    const char **errstr)
{
	free(copy);
	copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, s, n);
	return http_parse_request(copy, n, maxh, maxb, &scratch, r, errstr);
}

static int
parse(const char *s, struct http_req *r)
{
	const char *e;

	return parse_n(s, strlen(s), MAXH, MAXB, r, &e);
}

static int
streq(const char *p, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(p, s, n) == 0;
}

#define ASSERT_SPAN(p, n, s) do {					\
	if (!streq((p), (n), (s)))					\
		fail_msg("got '%.*s' want '%s'", (int)(n), (p), (s));	\
} while (0)

static void
test_simple_get(void **state)
{
	struct http_req		 r;
	const struct http_hdr	*h;
	const char		*e = "x";
	const char		*s = "GET /ping/abc?rid=1&x=y HTTP/1.1\r\n"
	    "Host: example.com\r\n"
	    "User-Agent:   curl/8.0 \t\r\n"
	    "X-Empty:\r\n"
	    "user-agent: second\r\n"
	    "\r\n";

	assert_int_equal(parse_n(s, strlen(s), MAXH, MAXB, &r, &e),
	    HTTP_PARSE_OK);
	assert_null(e);
	ASSERT_SPAN(r.method, r.method_len, "GET");
	ASSERT_SPAN(r.target, r.target_len, "/ping/abc?rid=1&x=y");
	ASSERT_SPAN(r.path, r.path_len, "/ping/abc");
	ASSERT_SPAN(r.query, r.query_len, "rid=1&x=y");
	assert_int_equal(r.minor, 1);
	assert_int_equal(r.nhdrs, 4);
	assert_int_equal(r.header_len, strlen(s));
	assert_int_equal(r.total_len, strlen(s));
	assert_int_equal(r.content_length, -1);
	assert_int_equal(r.chunked, 0);
	assert_int_equal(r.keep_alive, 1);
	assert_int_equal(r.expect_continue, 0);
	assert_int_equal(r.body_len, 0);
	/* pointers point into the buffer, no copies */
	assert_ptr_equal(r.method, (const char *)copy);

	h = http_req_header(&r, "HOST");
	assert_non_null(h);
	ASSERT_SPAN(h->value, h->value_len, "example.com");
	h = http_req_header(&r, "user-agent");
	assert_non_null(h);
	ASSERT_SPAN(h->value, h->value_len, "curl/8.0");
	assert_true(http_hdr_eq(h, "CURL/8.0"));
	assert_false(http_hdr_eq(h, "curl/8"));
	assert_false(http_hdr_eq(NULL, "x"));
	h = http_req_header(&r, "x-empty");
	assert_non_null(h);
	assert_int_equal(h->value_len, 0);
	assert_true(http_hdr_eq(h, ""));
	assert_null(http_req_header(&r, "Accept"));
	assert_null(http_req_header(&r, "Hos"));
}

static void
test_head_and_methods(void **state)
{
	struct http_req	r;

	assert_int_equal(parse("HEAD /ping/x HTTP/1.1\r\nHost: a\r\n\r\n", &r),
	    HTTP_PARSE_OK);
	ASSERT_SPAN(r.method, r.method_len, "HEAD");
	assert_int_equal(r.body_len, 0);
	assert_int_equal(parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", &r),
	    HTTP_PARSE_OK);
	ASSERT_SPAN(r.path, r.path_len, "*");
	assert_int_equal(r.query_len, 0);
	assert_int_equal(parse("M-SEARCH! /x HTTP/1.1\r\nHost: h\r\n\r\n", &r),
	    HTTP_PARSE_OK);
	ASSERT_SPAN(r.method, r.method_len, "M-SEARCH!");
}

static void
test_absolute_form(void **state)
{
	static const struct {
		const char *target, *path, *query;
	} t[] = {
		{ "http://example.com/ping/x?a=b", "/ping/x", "a=b" },
		{ "HTTPS://example.com:8443/x", "/x", NULL },
		{ "http://example.com", "/", NULL },
		{ "http://example.com?q=1", "/", "q=1" },
		{ "http://h/a/b#frag", "/a/b", NULL },
		{ "/a?b=c#frag", "/a", "b=c" },
		{ "/a?", "/a", "" },
		{ "/", "/", NULL },
	};
	struct http_req	r;
	char		req[256];
	size_t		i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: h\r\n\r\n",
		    t[i].target);
		assert_int_equal(parse(req, &r), HTTP_PARSE_OK);
		ASSERT_SPAN(r.target, r.target_len, t[i].target);
		ASSERT_SPAN(r.path, r.path_len, t[i].path);
		if (t[i].query == NULL)
			assert_int_equal(r.query_len, 0);
		else
			ASSERT_SPAN(r.query, r.query_len, t[i].query);
	}
	assert_int_equal(parse("GET http:// HTTP/1.1\r\nHost: h\r\n\r\n", &r),
	    HTTP_PARSE_ERROR);
	assert_int_equal(parse("GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n", &r),
	    HTTP_PARSE_ERROR);
	assert_int_equal(parse("CONNECT example.com:443 HTTP/1.1\r\nHost: h\r\n"
	    "\r\n",
	    &r), HTTP_PARSE_ERROR);
	assert_int_equal(parse("GET ftp://h/x HTTP/1.1\r\nHost: h\r\n\r\n", &r),
	    HTTP_PARSE_ERROR);
}

/*
 * Requests refused with 400 (HTTP_PARSE_ERROR), each with the reason
 * the parser gives, so that a case cannot pass by failing on something
 * other than what it is about.  Every HTTP/1.1 case has its Host.
 */
static const struct {
	const char	*req;
	const char	*why;
} bad_reqs[] = {
	/* request line: single spaces, a token method, HTTP/1.x */
	{ "GET  /x HTTP/1.1\r\nHost: h\r\n\r\n", "invalid request-target" },
	{ "GET /x  HTTP/1.1\r\nHost: h\r\n\r\n", "invalid HTTP version" },
	{ "GET /x HTTP/1.1 \r\nHost: h\r\n\r\n", "invalid HTTP version" },
	{ " GET /x HTTP/1.1\r\nHost: h\r\n\r\n", "invalid method" },
	{ "GET /x\r\nHost: h\r\n\r\n", "invalid request-target" },
	{ "GET\r\nHost: h\r\n\r\n", "invalid method" },
	{ "GET /x HTTP/2.0\r\nHost: h\r\n\r\n", "unsupported HTTP version" },
	{ "GET /x HTTP/0.9\r\nHost: h\r\n\r\n", "unsupported HTTP version" },
	{ "GET /x http/1.1\r\nHost: h\r\n\r\n", "invalid HTTP version" },
	{ "GET /x HTTP/1.10\r\nHost: h\r\n\r\n", "invalid HTTP version" },
	{ "GET /x HTTP/1\r\nHost: h\r\n\r\n", "invalid HTTP version" },
	{ "G(T /x HTTP/1.1\r\nHost: h\r\n\r\n", "invalid method" },
	{ "GET /x\ty HTTP/1.1\r\nHost: h\r\n\r\n", "invalid request-target" },
	{ "GET /x\x7fy HTTP/1.1\r\nHost: h\r\n\r\n", "invalid request-target" },
	/* a bare CR, anywhere */
	{ "GET /x\ry HTTP/1.1\r\nHost: h\r\n\r\n", "invalid request-target" },
	{ "GET /x HTTP/1.1\r\r\nHost: h\r\n\r\n", "invalid HTTP version" },
	{ "GET /x HTTP/1.1\rHost: h\r\n\r\n", "invalid HTTP version" },
	{ "GET /x HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",
	    "invalid header field value" },
	{ "GET /x HTTP/1.1\r\nHost: h\r\nX: a\r\n\r\r\n",
	    "invalid header field name" },
	{ "GET /x HTTP/1.1\r\nHost: h\r\nX\r: a\r\n\r\n",
	    "invalid header field name" },
	/* field names: tokens, the colon right after */
	{ "GET /x HTTP/1.1\r\nHost : a\r\n\r\n", "invalid header field name" },
	{ "GET /x HTTP/1.1\r\nHost\t: a\r\n\r\n", "invalid header field name" },
	{ "GET /x HTTP/1.1\r\nHost: h\r\n: a\r\n\r\n",
	    "invalid header field name" },
	{ "GET /x HTTP/1.1\r\nHost: h\r\nX a\r\n\r\n",
	    "invalid header field name" },
	{ "GET /x HTTP/1.1\r\nHost: h\r\nHo(st: a\r\n\r\n",
	    "invalid header field name" },
	{ "GET /x HTTP/1.1\r\nHost: h\r\nX-\xc3\xa9: a\r\n\r\n",
	    "invalid header field name" },
	{ "GET /x HTTP/1.1\r\nHost: h\r\nX\x01Y: a\r\n\r\n",
	    "invalid header field name" },
	/* obs-fold, also right after the request line */
	{ "GET /x HTTP/1.1\r\n Host: a\r\n\r\n", "obsolete line folding" },
	{ "GET /x HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
	    "obsolete line folding" },
	{ "GET /x HTTP/1.1\r\nHost: a\r\n\tfolded\r\n\r\n",
	    "obsolete line folding" },
	/* controls in values */
	{ "GET /x HTTP/1.1\r\nHost: h\r\nX: a\x01b\r\n\r\n",
	    "invalid header field value" },
	{ "GET /x HTTP/1.1\r\nHost: h\r\nX: a\x7f\r\n\r\n",
	    "invalid header field value" },
	/* Content-Length: digits only, one value */
	{ "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
	    "invalid Content-Length" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\n",
	    "invalid Content-Length" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1a\r\n\r\n",
	    "invalid Content-Length" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0x1\r\n\r\n",
	    "invalid Content-Length" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1.0\r\n\r\n",
	    "invalid Content-Length" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n",
	    "invalid Content-Length" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: ,\r\n\r\n",
	    "invalid Content-Length" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5,\r\n\r\n",
	    "invalid Content-Length" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: ,5\r\n\r\n",
	    "invalid Content-Length" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5,,5\r\n\r\n",
	    "invalid Content-Length" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1 2\r\n\r\n",
	    "invalid Content-Length" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n\r\n",
	    "conflicting Content-Length" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
	    "Content-Length: 6\r\n\r\n", "conflicting Content-Length" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
	    "Content-Length: 5, 6\r\n\r\n", "conflicting Content-Length" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 99999999999999999999\r\n\r\n",
	    "Content-Length overflow" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 9223372036854775808\r\n\r\n",
	    "Content-Length overflow" },
	/* Transfer-Encoding: with Content-Length, either order */
	{ "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    "both Content-Length and Transfer-Encoding" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 3\r\n\r\n",
	    "both Content-Length and Transfer-Encoding" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n"
	    "Content-Length: 3\r\n\r\n",
	    "both Content-Length and Transfer-Encoding" },
	/* ... exactly one "chunked", nothing else */
	{ "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n"
	    "\r\n", "unsupported Transfer-Encoding" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n"
	    "\r\n", "unsupported Transfer-Encoding" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n",
	    "unsupported Transfer-Encoding" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunkedx\r\n\r\n",
	    "unsupported Transfer-Encoding" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked;q=1\r\n"
	    "\r\n", "unsupported Transfer-Encoding" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \"chunked\"\r\n"
	    "\r\n", "unsupported Transfer-Encoding" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked"
	    "\r\n\r\n", "unsupported Transfer-Encoding" },
	/* ... in one field only */
	{ "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    "more than one Transfer-Encoding" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    "more than one Transfer-Encoding" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    "more than one Transfer-Encoding" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "transfer-encoding:\r\n\r\n",
	    "more than one Transfer-Encoding" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n",
	    "unsupported Transfer-Encoding" },
	{ "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n\r\n",
	    "unsupported Transfer-Encoding" },
	/* ... and never in HTTP/1.0 */
	{ "POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	    "Transfer-Encoding in HTTP/1.0" },
	/* Host: required in 1.1, once, with host characters only */
	{ "GET /x HTTP/1.1\r\n\r\n", "missing Host" },
	{ "GET /x HTTP/1.1\r\nX-Host: h\r\n\r\n", "missing Host" },
	{ "GET http://h/x HTTP/1.1\r\n\r\n", "missing Host" },
	{ "GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
	    "more than one Host" },
	{ "GET /x HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n",
	    "more than one Host" },
	{ "GET /x HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
	    "more than one Host" },
	{ "GET /x HTTP/1.1\r\nHost: a b\r\n\r\n", "invalid Host" },
	{ "GET /x HTTP/1.1\r\nHost: a/b\r\n\r\n", "invalid Host" },
	{ "GET /x HTTP/1.1\r\nHost: u@a\r\n\r\n", "invalid Host" },
	{ "GET /x HTTP/1.1\r\nHost: a\"b\r\n\r\n", "invalid Host" },
	{ "GET /x HTTP/1.1\r\nHost: \xc3\xa9\r\n\r\n", "invalid Host" },
	{ "GET http://u@h/x HTTP/1.1\r\nHost: h\r\n\r\n",
	    "invalid authority in request-target" },
	{ "GET http://h\\x/ HTTP/1.1\r\nHost: h\r\n\r\n",
	    "invalid authority in request-target" },
};

static void
test_syntax_errors(void **state)
{
	struct http_req	r;
	const char	*e;
	size_t		i;
	int		ret;

	for (i = 0; i < sizeof(bad_reqs) / sizeof(bad_reqs[0]); i++) {
		e = NULL;
		ret = parse_n(bad_reqs[i].req, strlen(bad_reqs[i].req), MAXH,
		    MAXB, &r, &e);
		if (ret != HTTP_PARSE_ERROR)
			fail_msg("case %zu: got %d for '%s'", i, ret,
			    bad_reqs[i].req);
		if (e == NULL || strcmp(e, bad_reqs[i].why) != 0)
			fail_msg("case %zu: '%s', want '%s'", i, e ? e : "",
			    bad_reqs[i].why);
	}
	/* NUL in the target, a name, a value (cannot go in the table) */
	ret = parse_n("GET /x\0y HTTP/1.1\r\nHost: h\r\n\r\n", 30, MAXH, MAXB,
	    &r, &e);
	assert_int_equal(ret, HTTP_PARSE_ERROR);
	assert_string_equal(e, "invalid request-target");
	ret = parse_n("GET /x HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n", 36,
	    MAXH, MAXB, &r, &e);
	assert_int_equal(ret, HTTP_PARSE_ERROR);
	assert_string_equal(e, "invalid header field value");
	ret = parse_n("GET /x HTTP/1.1\r\nHost: h\r\nX\0: a\r\n\r\n", 35,
	    MAXH, MAXB, &r, &e);
	assert_int_equal(ret, HTTP_PARSE_ERROR);
	assert_string_equal(e, "invalid header field name");
	ret = parse_n("GET /x HTTP/1.1\r\nHost: h\0\r\n\r\n", 29, MAXH, MAXB,
	    &r, &e);
	assert_int_equal(ret, HTTP_PARSE_ERROR);
	assert_string_equal(e, "invalid header field value");
}

/* What is accepted on purpose, each a documented leniency. */
static void
test_lenient_forms(void **state)
{
	struct http_req	r;

	/* bare LF line endings in the header section, mixed with CRLF */
	assert_int_equal(parse("GET /x HTTP/1.1\nHost: a\r\nX: b\n\n", &r),
	    HTTP_PARSE_OK);
	assert_int_equal(r.nhdrs, 2);
	assert_int_equal(r.header_len, 31);
	assert_int_equal(parse("GET /x HTTP/1.0\n\n", &r), HTTP_PARSE_OK);
	assert_int_equal(r.header_len, 17);
	/* empty lines before the request line */
	assert_int_equal(parse("\r\n\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n", &r),
	    HTTP_PARSE_OK);
	ASSERT_SPAN(r.method, r.method_len, "GET");
	assert_int_equal(r.total_len, 31);
	/* HTTP/1.2 is handled as 1.1, Host included */
	assert_int_equal(parse("GET /x HTTP/1.2\r\nHost: h\r\n\r\n", &r),
	    HTTP_PARSE_OK);
	assert_int_equal(r.minor, 1);
	assert_int_equal(parse("GET /x HTTP/1.2\r\n\r\n", &r),
	    HTTP_PARSE_ERROR);
	/* obs-text in values and the target */
	assert_int_equal(parse("GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n"
	    "X: \xff\r\n\r\n", &r), HTTP_PARSE_OK);
	/* identical Content-Length repeated, or as a list */
	assert_int_equal(parse("POST /x HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 2\r\ncontent-length: 2\r\n\r\nab", &r),
	    HTTP_PARSE_OK);
	assert_int_equal(r.body_len, 2);
	assert_int_equal(parse("POST /x HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 2 , 2\r\n\r\nab", &r), HTTP_PARSE_OK);
	assert_int_equal(r.content_length, 2);
	assert_int_equal(parse("POST /x HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 2\r\nContent-Length: 2,2\r\n\r\nab", &r),
	    HTTP_PARSE_OK);
	assert_int_equal(r.content_length, 2);
	assert_int_equal(parse("POST /x HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 007\r\n\r\n1234567", &r), HTTP_PARSE_OK);
	assert_int_equal(r.body_len, 7);
	/* Transfer-Encoding is case-insensitive, with OWS and empty items */
	assert_int_equal(parse("POST /x HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding:  , CHUNKED \r\n\r\n0\r\n\r\n", &r),
	    HTTP_PARSE_OK);
	assert_int_equal(r.chunked, 1);
	/* Host: empty, with a port, an IP literal; none in HTTP/1.0 */
	assert_int_equal(parse("GET /x HTTP/1.1\r\nHost:\r\n\r\n", &r),
	    HTTP_PARSE_OK);
	assert_int_equal(parse("GET /x HTTP/1.1\r\nHost: hc.example.com:8000"
	    "\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_int_equal(parse("GET /x HTTP/1.1\r\nHOST: [::1]:80\r\n\r\n", &r),
	    HTTP_PARSE_OK);
	assert_int_equal(parse("GET /x HTTP/1.1\r\nHost: xn--e1a.test\r\n\r\n",
	    &r), HTTP_PARSE_OK);
	assert_int_equal(parse("GET /x HTTP/1.0\r\n\r\n", &r), HTTP_PARSE_OK);
	/* absolute-form: the path is the target's, Host still needed */
	assert_int_equal(parse("GET http://other:81/ping/x?a=1 HTTP/1.1\r\n"
	    "Host: h\r\n\r\n", &r), HTTP_PARSE_OK);
	ASSERT_SPAN(r.path, r.path_len, "/ping/x");
	ASSERT_SPAN(r.query, r.query_len, "a=1");
	assert_int_equal(parse("GET http://[::1]:81 HTTP/1.1\r\n"
	    "Host: h\r\n\r\n", &r), HTTP_PARSE_OK);
	ASSERT_SPAN(r.path, r.path_len, "/");
}

static void
test_content_length_body(void **state)
{
	struct http_req	r;
	const char	*s = "POST /ping/x HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 5\r\n"
	    "\r\nhello";

	assert_int_equal(parse(s, &r), HTTP_PARSE_OK);
	assert_int_equal(r.content_length, 5);
	assert_int_equal(r.body_len, 5);
	assert_memory_equal(r.body, "hello", 5);
	assert_ptr_equal(r.body, copy + r.header_len);
	assert_int_equal(r.total_len, strlen(s));

	assert_int_equal(parse("POST /x HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 0\r\n\r\n",
	    &r), HTTP_PARSE_OK);
	assert_int_equal(r.content_length, 0);
	assert_int_equal(r.body_len, 0);
	assert_non_null(r.body);
}

static void
test_pipelined(void **state)
{
	struct http_req	r;
	const char	*e;
	const char	*s = "POST /ping/a HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 3\r\n\r\n"
	    "abc"
	    "GET /ping/b HTTP/1.1\r\nHost: h\r\n\r\n"
	    "POST /ping/c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n"
	    "2\r\nxy\r\n0\r\n\r\n"
	    "GET /ping/d HTTP/1.0\r\n\r\n"
	    "GET /ping/e HTT";
	size_t		n = strlen(s), off = 0;
	uint8_t		*b;

	b = malloc(n);
	assert_non_null(b);
	memcpy(b, s, n);

	assert_int_equal(http_parse_request(b + off, n - off, MAXH, MAXB,
	    &scratch, &r, &e), HTTP_PARSE_OK);
	ASSERT_SPAN(r.path, r.path_len, "/ping/a");
	assert_memory_equal(r.body, "abc", 3);
	off += r.total_len;

	assert_int_equal(http_parse_request(b + off, n - off, MAXH, MAXB,
	    &scratch, &r, &e), HTTP_PARSE_OK);
	ASSERT_SPAN(r.path, r.path_len, "/ping/b");
	assert_int_equal(r.body_len, 0);
	off += r.total_len;

	assert_int_equal(http_parse_request(b + off, n - off, MAXH, MAXB,
	    &scratch, &r, &e), HTTP_PARSE_OK);
	ASSERT_SPAN(r.path, r.path_len, "/ping/c");
	assert_int_equal(r.body_len, 2);
	assert_memory_equal(r.body, "xy", 2);
	off += r.total_len;

	assert_int_equal(http_parse_request(b + off, n - off, MAXH, MAXB,
	    &scratch, &r, &e), HTTP_PARSE_OK);
	ASSERT_SPAN(r.path, r.path_len, "/ping/d");
	assert_int_equal(r.keep_alive, 0);
	off += r.total_len;

	assert_int_equal(http_parse_request(b + off, n - off, MAXH, MAXB,
	    &scratch, &r, &e), HTTP_PARSE_INCOMPLETE);
	free(b);
}

/*
 * Feed every prefix of s: all must be INCOMPLETE, the whole must be OK
 * and agree with a one-shot parse.  Once the header section is in,
 * INCOMPLETE must already report the header fields.
 */
static void
check_prefixes(const char *s, const char *body)
{
	struct http_req	full, r;
	size_t		n = strlen(s), i, hl;
	const char	*e;
	int		ret;
	struct buf	sc2;

	buf_init(&sc2);
	assert_int_equal(parse_n(s, n, MAXH, MAXB, &full, &e), HTTP_PARSE_OK);
	/* keep the body of the full parse in its own scratch */
	buf_add(&sc2, full.body, full.body_len);
	hl = full.header_len;
	for (i = 0; i < n; i++) {
		ret = parse_n(s, i, MAXH, MAXB, &r, &e);
		if (ret != HTTP_PARSE_INCOMPLETE)
			fail_msg("prefix %zu of %zu: got %d (%s)", i, n, ret,
			    e ? e : "");
		if (i >= hl) {
			assert_int_equal(r.header_len, hl);
			assert_int_equal(r.content_length, full.content_length);
			assert_int_equal(r.chunked, full.chunked);
			assert_int_equal(r.expect_continue,
			    full.expect_continue);
			assert_int_equal(r.nhdrs, full.nhdrs);
		} else
			assert_int_equal(r.header_len, 0);
	}
	assert_int_equal(parse_n(s, n, MAXH, MAXB, &r, &e), HTTP_PARSE_OK);
	assert_int_equal(r.total_len, n);
	assert_int_equal(r.header_len, full.header_len);
	assert_int_equal(r.nhdrs, full.nhdrs);
	assert_int_equal(r.keep_alive, full.keep_alive);
	assert_int_equal(r.method_len, full.method_len);
	assert_int_equal(r.path_len, full.path_len);
	assert_int_equal(r.query_len, full.query_len);
	assert_int_equal(r.body_len, strlen(body));
	assert_memory_equal(r.body, body, r.body_len);
	assert_memory_equal(sc2.b_data, body, r.body_len);
	buf_clear(&sc2);
}

static void
test_partial_reads(void **state)
{
	check_prefixes("GET /ping/5f1e?rid=x HTTP/1.1\r\nHost: h\r\n"
	    "Connection: keep-alive\r\n\r\n", "");
	check_prefixes("\r\nPOST /ping/x/fail HTTP/1.1\r\nHost: h\r\n"
	    "Expect: 100-continue\r\nContent-Length: 11\r\n\r\nhello world",
	    "hello world");
	check_prefixes("POST /p HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"
	    "5;name=val\r\nhello\r\n1\r\n \r\nA ; x = \"y\"\r\n0123456789"
	    "\r\n0\r\nTrailer-A: 1\r\nTrailer-B: 2\r\n\r\n",
	    "hello 0123456789");
	/* a bare-LF header section, then a (CRLF) chunked body */
	check_prefixes("POST /p HTTP/1.1\nHost: h\n"
	    "Transfer-Encoding: chunked\n\n"
	    "3\r\nabc\r\n0\r\n\r\n", "abc");
	check_prefixes("GET /x HTTP/1.0\n\n", "");
}

static void
test_chunked(void **state)
{
	struct http_req	r;
	const char	*e;
	const char	*s;

	s = "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "4\r\nWiki\r\n0005\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n"
	    "0\r\n\r\n";
	assert_int_equal(parse(s, &r), HTTP_PARSE_OK);
	assert_int_equal(r.chunked, 1);
	assert_int_equal(r.content_length, -1);
	assert_int_equal(r.body_len, 23);
	assert_memory_equal(r.body, "Wikipedia in\r\n\r\nchunks.", 23);
	assert_ptr_equal(r.body, scratch.b_data);
	assert_int_equal(r.total_len, strlen(s));

	/* extensions with BWS, trailers */
	s = "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "2 ;ext=1;other=\"q;x\"\r\nok\r\n0;last\r\nX-T: v\r\n\r\n";
	assert_int_equal(parse(s, &r), HTTP_PARSE_OK);
	assert_int_equal(r.body_len, 2);
	assert_memory_equal(r.body, "ok", 2);
	assert_int_equal(r.total_len, strlen(s));

	/* empty chunked body */
	assert_int_equal(parse("POST /p HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: "
	    "chunked\r\n\r\n0\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_int_equal(r.body_len, 0);
	assert_non_null(r.body);

	/* no scratch: validated only */
	s = "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\nabc\r\n0\r\n\r\n";
	assert_int_equal(http_parse_request((const uint8_t *)s, strlen(s),
	    MAXH, MAXB, NULL, &r, &e), HTTP_PARSE_OK);
	assert_null(r.body);
	assert_int_equal(r.body_len, 3);

	/* chunk extensions: the grammar of RFC 9112 7.1.1, then ignored */
	static const char *ext_ok[] = {
		"1;a\r\nx\r\n0\r\n\r\n",
		"1;a=b\r\nx\r\n0\r\n\r\n",
		"1 ; a = b ; c\r\nx\r\n0\r\n\r\n",
		"1\t;a=\"\"\r\nx\r\n0\r\n\r\n",
		"1;a=\"q \\\" ;\\\\ \t\xff\"\r\nx\r\n0\r\n\r\n",
		"1;a=b;c=\"d\";e\r\nx\r\n0;f=g\r\n\r\n",
	};
	char		req[512];
	size_t		i;

	for (i = 0; i < sizeof(ext_ok) / sizeof(ext_ok[0]); i++) {
		snprintf(req, sizeof(req), "POST /p HTTP/1.1\r\nHost: h\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n%s", ext_ok[i]);
		if (parse_n(req, strlen(req), MAXH, MAXB, &r, &e) !=
		    HTTP_PARSE_OK)
			fail_msg("extension case %zu refused: %s", i, e);
		assert_int_equal(r.body_len, 1);
		assert_memory_equal(r.body, "x", 1);
		assert_int_equal(r.total_len, strlen(req));
	}

	/* errors, each with its reason */
#define EXT_BAD	"invalid chunk size or extension"
	static const struct {
		const char *body, *why;
	} bad[] = {
		{ "x\r\n", "invalid chunk size" },
		{ "\r\n", "invalid chunk size" },
		{ "-1\r\n", "invalid chunk size" },
		{ "+1\r\na\r\n0\r\n\r\n", "invalid chunk size" },
		{ " 1\r\na\r\n0\r\n\r\n", "invalid chunk size" },
		{ "0x1\r\na\r\n0\r\n\r\n", EXT_BAD },
		{ "1g\r\na\r\n0\r\n\r\n", EXT_BAD },
		{ "1 x\r\na\r\n0\r\n\r\n", EXT_BAD },
		{ "1 \r\na\r\n0\r\n\r\n", EXT_BAD },
		{ "1;\r\na\r\n0\r\n\r\n", EXT_BAD },
		{ "1;=b\r\na\r\n0\r\n\r\n", EXT_BAD },
		{ "1;a=\r\na\r\n0\r\n\r\n", EXT_BAD },
		{ "1;a b\r\na\r\n0\r\n\r\n", EXT_BAD },
		{ "1;a=b c\r\na\r\n0\r\n\r\n", EXT_BAD },
		{ "1;a=b \r\na\r\n0\r\n\r\n", EXT_BAD },
		{ "1;a=\"b\r\na\r\n0\r\n\r\n", EXT_BAD },
		{ "1;a=\"b\"c\r\na\r\n0\r\n\r\n",
		    EXT_BAD },
		{ "1;a=\"b\\\"\r\na\r\n0\r\n\r\n",
		    EXT_BAD },
		{ "1;a=b\xff\r\na\r\n0\r\n\r\n", EXT_BAD },
		{ "1;a\x01\r\na\r\n0\r\n\r\n", EXT_BAD },
		{ "1;a\rb\r\na\r\n0\r\n\r\n", EXT_BAD },
		{ "1;a=\"\x7f\"\r\na\r\n0\r\n\r\n",
		    EXT_BAD },
		/* the data must be followed by CRLF */
		{ "1\r\nab\r\n0\r\n\r\n", "missing CRLF after chunk data" },
		{ "1\r\na\rx0\r\n\r\n", "missing CRLF after chunk data" },
		{ "1\r\na\n0\r\n\r\n", "missing CRLF after chunk data" },
		{ "1\r\na\n\n0\r\n\r\n", "missing CRLF after chunk data" },
		{ "1\ra\r\n0\r\n\r\n", EXT_BAD },
		/* bare LF anywhere in the framing */
		{ "1\na\r\n0\r\n\r\n", "chunk-size line not ended by CRLF" },
		{ "1;a=b\na\r\n0\r\n\r\n",
		    "chunk-size line not ended by CRLF" },
		{ "1\r\na\r\n0\n\r\n", "chunk-size line not ended by CRLF" },
		{ "0\r\n\n", "trailer line not ended by CRLF" },
		{ "0\r\nX: y\n\r\n", "trailer line not ended by CRLF" },
		/* trailers: field lines like headers */
		{ "0\r\nX: a\x01\r\n\r\n", "invalid trailer field" },
		{ "0\r\nX a\r\n\r\n", "invalid trailer field" },
		{ "0\r\nX : a\r\n\r\n", "invalid trailer field" },
		{ "0\r\n: a\r\n\r\n", "invalid trailer field" },
		{ "0\r\nX: a\r\n folded\r\n\r\n", "invalid trailer field" },
		{ "0\r\n\tX: a\r\n\r\n", "invalid trailer field" },
		{ "0\r\nX: a\rb\r\n\r\n", "invalid trailer field" },
		{ "0\r\n\r\r\n", "invalid trailer field" },
	};

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(req, sizeof(req), "POST /p HTTP/1.1\r\nHost: h\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n%s", bad[i].body);
		e = NULL;
		if (parse_n(req, strlen(req), MAXH, MAXB, &r, &e) !=
		    HTTP_PARSE_ERROR)
			fail_msg("chunk case %zu accepted", i);
		if (e == NULL || strcmp(e, bad[i].why) != 0)
			fail_msg("chunk case %zu: '%s', want '%s'", i,
			    e ? e : "", bad[i].why);
		assert_int_equal(r.header_len, 57);
	}

	/* a chunk size with NUL in it (not in the table: strings) */
	s = "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "1\0\r\na\r\n0\r\n\r\n";
	assert_int_equal(parse_n(s, 57 + 12, MAXH, MAXB, &r, &e),
	    HTTP_PARSE_ERROR);
	assert_string_equal(e, EXT_BAD);
#undef EXT_BAD
}

static void
test_chunked_limits(void **state)
{
	struct http_req	r;
	const char	*e;
	char		*s;
	size_t		n, i;
	struct buf	b;

	/* chunk size overflowing size_t */
	assert_int_equal(parse("POST /p HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked"
	    "\r\n\r\nffffffffffffffffffffffff\r\n", &r), HTTP_PARSE_TOO_LARGE);
	assert_int_not_equal(r.header_len, 0);
	/* one chunk above max_body; then two adding up above it */
	assert_int_equal(parse("POST /p HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked"
	    "\r\n\r\n2711\r\n", &r), HTTP_PARSE_TOO_LARGE);
	buf_init(&b);
	buf_addstr(&b, "POST /p HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"
	    "2710\r\n");
	for (i = 0; i < 10000; i++)
		buf_addc(&b, 'a');
	buf_addstr(&b, "\r\n0\r\n\r\n");
	assert_int_equal(parse_n((char *)b.b_data, b.b_len, MAXH, MAXB, &r,
	    &e), HTTP_PARSE_OK);
	assert_int_equal(r.body_len, 10000);
	b.b_len -= 5;
	buf_addstr(&b, "1\r\na\r\n0\r\n\r\n");
	assert_int_equal(parse_n((char *)b.b_data, b.b_len, MAXH, MAXB, &r,
	    &e), HTTP_PARSE_TOO_LARGE);
	buf_clear(&b);

	/* a chunk-size line longer than HTTP_CHUNK_LINE_MAX */
	n = HTTP_CHUNK_LINE_MAX + 200;
	s = malloc(n + 1);
	assert_non_null(s);
	i = (size_t)snprintf(s, n, "POST /p HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: "
	    "chunked\r\n\r\n1;");
	memset(s + i, 'e', n - i);
	s[n] = '\0';
	assert_int_equal(parse(s, &r), HTTP_PARSE_ERROR);
	/* and a short prefix of it is merely incomplete */
	assert_int_equal(parse_n(s, i + 100, MAXH, MAXB, &r, &e),
	    HTTP_PARSE_INCOMPLETE);
	free(s);

	/* many tiny chunks with huge extensions: framing bound */
	buf_init(&b);
	buf_addstr(&b, "POST /p HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n");
	for (i = 0; i < 40; i++) {
		buf_addstr(&b, "1;");
		while (b.b_len % 2048 != 0)
			buf_addc(&b, 'x');
		buf_addstr(&b, "\r\na\r\n");
	}
	assert_int_equal(parse_n((char *)b.b_data, b.b_len, MAXH, 100, &r,
	    &e), HTTP_PARSE_TOO_LARGE);
	buf_clear(&b);

	/* trailer section above max_header */
	buf_init(&b);
	buf_addstr(&b, "POST /p HTTP/1.1\r\nHost: h\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"
	    "0\r\n");
	for (i = 0; i < 100; i++)
		buf_addstr(&b, "X-Trailer: 0123456789\r\n");
	buf_addstr(&b, "\r\n");
	assert_int_equal(parse_n((char *)b.b_data, b.b_len, 1024, MAXB, &r,
	    &e), HTTP_PARSE_TOO_LARGE);
	assert_int_equal(parse_n((char *)b.b_data, b.b_len, 4096, MAXB, &r,
	    &e), HTTP_PARSE_OK);
	buf_clear(&b);
}

static void
test_limits(void **state)
{
	struct http_req	r;
	struct buf	b;
	const char	*e;
	const char	*s = "GET /x HTTP/1.1\r\nHost: h\r\n\r\n";
	size_t		n = strlen(s), i;

	/* header section exactly at the limit is fine, one less is not */
	assert_int_equal(parse_n(s, n, n, MAXB, &r, &e), HTTP_PARSE_OK);
	assert_int_equal(parse_n(s, n, n - 1, MAXB, &r, &e),
	    HTTP_PARSE_TOO_LARGE);
	assert_non_null(e);
	assert_int_equal(r.header_len, 0);
	/* incomplete below the limit, too large once the limit is reached */
	assert_int_equal(parse_n(s, n - 2, n, MAXB, &r, &e),
	    HTTP_PARSE_INCOMPLETE);
	assert_int_equal(parse_n(s, n - 2, n - 2, MAXB, &r, &e),
	    HTTP_PARSE_TOO_LARGE);

	/* body limit: 413 as soon as the headers are in */
	s = "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 10001\r\n\r\n";
	assert_int_equal(parse_n(s, strlen(s), MAXH, MAXB, &r, &e),
	    HTTP_PARSE_TOO_LARGE);
	assert_int_equal(r.header_len, strlen(s));
	s = "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 10000\r\n\r\n";
	assert_int_equal(parse_n(s, strlen(s), MAXH, MAXB, &r, &e),
	    HTTP_PARSE_INCOMPLETE);
	assert_int_equal(r.content_length, 10000);
	s = "POST /x HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 9223372036854775807\r\n\r\n";
	assert_int_equal(parse_n(s, strlen(s), MAXH, MAXB, &r, &e),
	    HTTP_PARSE_TOO_LARGE);

	/* the worker's header limit, uWSGI's 32 KiB: at it, and one over */
	assert_int_equal(HC_HTTP_MAX_HEADER, 32768);
	buf_init(&b);
	buf_addstr(&b, "GET /x HTTP/1.1\r\nHost: h\r\nX-Big: ");
	while (b.b_len < HC_HTTP_MAX_HEADER - 4)
		buf_addc(&b, 'a');
	buf_addstr(&b, "\r\n\r\n");
	assert_int_equal(b.b_len, HC_HTTP_MAX_HEADER);
	assert_int_equal(parse_n((char *)b.b_data, b.b_len, MAXH, MAXB, &r,
	    &e), HTTP_PARSE_OK);
	assert_int_equal(r.header_len, HC_HTTP_MAX_HEADER);
	buf_reset(&b);
	buf_addstr(&b, "GET /x HTTP/1.1\r\nHost: h\r\nX-Big: ");
	while (b.b_len < HC_HTTP_MAX_HEADER - 3)
		buf_addc(&b, 'a');
	buf_addstr(&b, "\r\n\r\n");
	assert_int_equal(parse_n((char *)b.b_data, b.b_len, MAXH, MAXB, &r,
	    &e), HTTP_PARSE_TOO_LARGE);
	assert_int_equal(r.header_len, 0);
	buf_clear(&b);

	/* header count */
	buf_init(&b);
	buf_addstr(&b, "GET /x HTTP/1.1\r\nHost: h\r\n");
	for (i = 1; i < HTTP_MAX_HEADERS; i++)		/* Host is one */
		buf_printf(&b, "X-H%zu: %zu\r\n", i, i);
	buf_addstr(&b, "\r\n");
	assert_int_equal(parse_n((char *)b.b_data, b.b_len, MAXH, MAXB, &r,
	    &e), HTTP_PARSE_OK);
	assert_int_equal(r.nhdrs, HTTP_MAX_HEADERS);
	b.b_len -= 2;
	buf_addstr(&b, "One-More: x\r\n\r\n");
	assert_int_equal(parse_n((char *)b.b_data, b.b_len, MAXH, MAXB, &r,
	    &e), HTTP_PARSE_ERROR);
	buf_clear(&b);
}

static void
test_keep_alive(void **state)
{
	static const struct {
		const char	*ver, *conn;
		int		 ka;
	} t[] = {
		{ "1.1", NULL, 1 },
		{ "1.1", "close", 0 },
		{ "1.1", "Close", 0 },
		{ "1.1", "keep-alive", 1 },
		{ "1.1", "Upgrade, CLOSE", 0 },
		{ "1.1", "TE,close ,x", 0 },
		{ "1.1", "closed", 1 },
		{ "1.1", "keep-alive, close", 0 },
		{ "1.0", NULL, 0 },
		{ "1.0", "keep-alive", 1 },
		{ "1.0", "Keep-Alive", 1 },
		{ "1.0", "foo, keep-alive", 1 },
		{ "1.0", "keep-alive, close", 0 },
		{ "1.0", "close", 0 },
		{ "1.0", "keep-alivex", 0 },
	};
	struct http_req	r;
	char		req[256];
	size_t		i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].conn)
			snprintf(req, sizeof(req), "GET / HTTP/%s\r\n"
			    "Host: h\r\n"
			    "Connection: %s\r\n\r\n", t[i].ver, t[i].conn);
		else
			snprintf(req, sizeof(req), "GET / HTTP/%s\r\nHost: h"
			    "\r\n\r\n", t[i].ver);
		assert_int_equal(parse(req, &r), HTTP_PARSE_OK);
		if (r.keep_alive != t[i].ka)
			fail_msg("case %zu: keep_alive %d", i, r.keep_alive);
	}
	/* two Connection fields combine */
	assert_int_equal(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n"
	    "Connection: close\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_int_equal(r.keep_alive, 0);
}

static void
test_expect(void **state)
{
	struct http_req	r;

	assert_int_equal(parse("POST /x HTTP/1.1\r\nHost: h\r\n"
	    "Expect: 100-Continue\r\n"
	    "Content-Length: 4\r\n\r\n", &r), HTTP_PARSE_INCOMPLETE);
	assert_int_equal(r.expect_continue, 1);
	assert_int_not_equal(r.header_len, 0);
	assert_int_equal(parse("POST /x HTTP/1.0\r\nExpect: 100-continue\r\n"
	    "Content-Length: 4\r\n\r\n", &r), HTTP_PARSE_INCOMPLETE);
	assert_int_equal(r.expect_continue, 0);
	assert_int_equal(parse("POST /x HTTP/1.1\r\nHost: h\r\n"
	    "Expect: 200-ok\r\n\r\n",
	    &r), HTTP_PARSE_OK);
	assert_int_equal(r.expect_continue, 0);
}

static void
test_urldecode(void **state)
{
	char	out[16];
	char	tiny[4];

	assert_int_equal(http_urldecode("a%20b+c", 7, out, sizeof(out), 0), 5);
	assert_string_equal(out, "a b+c");
	assert_int_equal(http_urldecode("a%20b+c", 7, out, sizeof(out), 1), 5);
	assert_string_equal(out, "a b c");
	assert_int_equal(http_urldecode("%2F%2f%41%e9", 12, out, sizeof(out),
	    0), 4);
	assert_memory_equal(out, "//A\xe9", 5);
	assert_int_equal(http_urldecode("", 0, out, sizeof(out), 0), 0);
	assert_string_equal(out, "");
	/* only len bytes are read */
	assert_int_equal(http_urldecode("abc%41", 3, out, sizeof(out), 0), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(http_urldecode("%", 1, out, sizeof(out), 0),
	    (size_t)-1);
	assert_int_equal(http_urldecode("%4", 2, out, sizeof(out), 0),
	    (size_t)-1);
	assert_int_equal(http_urldecode("%41%4", 5, out, sizeof(out), 0),
	    (size_t)-1);
	assert_int_equal(http_urldecode("%zz", 3, out, sizeof(out), 0),
	    (size_t)-1);
	assert_int_equal(http_urldecode("%00", 3, out, sizeof(out), 0),
	    (size_t)-1);
	/* room for the NUL is needed */
	assert_int_equal(http_urldecode("abc", 3, tiny, sizeof(tiny), 0), 3);
	assert_int_equal(http_urldecode("abcd", 4, tiny, sizeof(tiny), 0),
	    (size_t)-1);
	assert_int_equal(http_urldecode("%41%41%41", 9, tiny, sizeof(tiny), 0),
	    3);
	assert_int_equal(http_urldecode("a", 1, tiny, 0, 0), (size_t)-1);
}

static int
qget(const char *q, const char *key, char *out, size_t outsz)
{
	return http_query_get(q, strlen(q), key, out, outsz);
}

static void
test_query_get(void **state)
{
	char	out[64];
	char	tiny[3];

	assert_int_equal(qget("rid=abc&create=1", "rid", out, sizeof(out)), 1);
	assert_string_equal(out, "abc");
	assert_int_equal(qget("rid=abc&create=1", "create", out, sizeof(out)),
	    1);
	assert_string_equal(out, "1");
	assert_int_equal(qget("rid=abc&create=1", "cre", out, sizeof(out)), 0);
	assert_int_equal(qget("rid=abc&create=1", "", out, sizeof(out)), 0);
	assert_int_equal(qget("", "rid", out, sizeof(out)), 0);
	assert_int_equal(http_query_get(NULL, 0, "rid", out, sizeof(out)), 0);
	/* last occurrence wins, as in Django */
	assert_int_equal(qget("a=1&a=2&b=3", "a", out, sizeof(out)), 1);
	assert_string_equal(out, "2");
	/* blank values, missing '=', empty pairs */
	assert_int_equal(qget("&&a&b=&", "a", out, sizeof(out)), 1);
	assert_string_equal(out, "");
	assert_int_equal(qget("a&b=", "b", out, sizeof(out)), 1);
	assert_string_equal(out, "");
	/* values with '=' and decoding */
	assert_int_equal(qget("k=a=b", "k", out, sizeof(out)), 1);
	assert_string_equal(out, "a=b");
	assert_int_equal(qget("k=a+b%26c", "k", out, sizeof(out)), 1);
	assert_string_equal(out, "a b&c");
	/* encoded keys */
	assert_int_equal(qget("r%69d=x", "rid", out, sizeof(out)), 1);
	assert_string_equal(out, "x");
	assert_int_equal(qget("my+key=v", "my key", out, sizeof(out)), 1);
	assert_string_equal(out, "v");
	assert_int_equal(qget("%zz=v", "rid", out, sizeof(out)), 0);
	/* malformed or too long value */
	assert_int_equal(qget("rid=%zz", "rid", out, sizeof(out)), -1);
	assert_int_equal(qget("rid=%00", "rid", out, sizeof(out)), -1);
	assert_int_equal(qget("rid=abc", "rid", tiny, sizeof(tiny)), -1);
	assert_int_equal(qget("rid=ab", "rid", tiny, sizeof(tiny)), 1);
	/* an earlier bad value is overridden by a later good one */
	assert_int_equal(qget("rid=%zz&rid=ok", "rid", out, sizeof(out)), 1);
	assert_string_equal(out, "ok");
	/* only qlen bytes are read */
	assert_int_equal(http_query_get("a=1&b=2", 3, "b", out, sizeof(out)),
	    0);
	assert_int_equal(http_query_get("a=12", 3, "a", out, sizeof(out)), 1);
	assert_string_equal(out, "1");
}

static int
teardown(void **state)
{
	buf_clear(&scratch);
	free(copy);
	copy = NULL;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_get),
		cmocka_unit_test(test_head_and_methods),
		cmocka_unit_test(test_absolute_form),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_lenient_forms),
		cmocka_unit_test(test_content_length_body),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_partial_reads),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_chunked_limits),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_expect),
		cmocka_unit_test(test_urldecode),
		cmocka_unit_test(test_query_get),
	};

	buf_init(&scratch);
	return cmocka_run_group_tests(tests, NULL, teardown);
}
