/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * libFuzzer target for the worker's request parser and ping router
 * (worker/http_parse.c, worker/route.c).  Beyond memory safety it
 * checks the properties the worker relies on: every pointer stays inside
 * the input, total_len never exceeds the input, a prefix of a complete
 * request is INCOMPLETE, pipelined requests can be consumed one by
 * one, and every request accepted keeps the framing rules of hcd(8)
 * "HTTP strictness" (framing_rules()).
 *
 * Built and run by `make fuzz` (GNUmakefile), with the seeds of
 * tests/fuzz/corpus/http_parse/ and tests/fuzz/http_parse.dict.  Debian
 * needs libclang-rt-14-dev for the fuzzer runtime.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "../../worker/http_parse.h"
#include "../../worker/route.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static int
inside(const void *p, size_t n, const uint8_t *buf, size_t len)
{
	const uint8_t *q = p;

	if (n == 0)
		return 1;
	return q >= buf && q <= buf + len && n <= (size_t)(buf + len - q);
}

static int
ieq(const char *a, size_t n, const char *s)
{
	size_t i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if ((a[i] | 0x20) != s[i])
			return 0;
	return 1;
}

/*
 * What hcd(8) "HTTP strictness" promises of every request it accepts:
 * one framing (never Content-Length with Transfer-Encoding, chunked
 * only in HTTP/1.1), one Host (and one at all in HTTP/1.1), field
 * names without separators or controls, values without CR, LF or NUL.
 */
static void
framing_rules(const struct http_req *r)
{
	const struct http_hdr	*h;
	int			 i, host = 0, cl = 0, te = 0;
	size_t			 k;

	for (i = 0; i < r->nhdrs; i++) {
		h = &r->hdrs[i];
		CHECK(h->name_len > 0);
		for (k = 0; k < h->name_len; k++)
			CHECK((unsigned char)h->name[k] > 0x20 &&
			    (unsigned char)h->name[k] < 0x7f &&
			    strchr(":()<>@,;\\\"/[]?={}", h->name[k]) == NULL);
		for (k = 0; k < h->value_len; k++)
			CHECK(h->value[k] != '\r' && h->value[k] != '\n' &&
			    h->value[k] != '\0');
		host += ieq(h->name, h->name_len, "host");
		cl += ieq(h->name, h->name_len, "content-length");
		te += ieq(h->name, h->name_len, "transfer-encoding");
	}
	CHECK(host <= 1 && (r->minor == 0 || host == 1));
	CHECK(!(cl && te));
	CHECK(te == 0 || (r->chunked && r->minor == 1));
	CHECK(!r->chunked || (te == 1 && r->content_length == -1));
}

static void
exercise_req(const struct http_req *r, const uint8_t *buf, size_t len,
    const struct buf *scratch)
{
	struct ping_route	 pr;
	const struct http_hdr	*h;
	char			 tmp[256];
	int			 i;

	CHECK(r->header_len > 0 && r->header_len <= r->total_len);
	CHECK(r->total_len <= len);
	CHECK(inside(r->method, r->method_len, buf, len));
	CHECK(inside(r->target, r->target_len, buf, len));
	CHECK(r->path_len > 0);
	CHECK(inside(r->query, r->query_len, buf, len));
	CHECK(r->nhdrs >= 0 && r->nhdrs <= HTTP_MAX_HEADERS);
	for (i = 0; i < r->nhdrs; i++) {
		CHECK(inside(r->hdrs[i].name, r->hdrs[i].name_len, buf, len));
		CHECK(inside(r->hdrs[i].value, r->hdrs[i].value_len, buf, len));
	}
	if (r->chunked)
		CHECK(r->body == scratch->b_data &&
		    r->body_len == scratch->b_len);
	else
		CHECK(inside(r->body, r->body_len, buf + r->header_len,
		    r->total_len - r->header_len));

	framing_rules(r);

	h = http_req_header(r, "content-type");
	(void)http_hdr_eq(h, "text/plain");
	(void)http_query_get(r->query, r->query_len, "rid", tmp, sizeof(tmp));
	(void)http_query_get(r->query, r->query_len, "create", tmp, 2);

	if (r->path_len > 6 && memcmp(r->path, "/ping/", 6) == 0) {
		(void)route_ping(r->path + 6, r->path_len - 6, &pr);
		if (http_urldecode(r->path + 6, r->path_len - 6, tmp,
		    sizeof(tmp), 0) != (size_t)-1)
			(void)route_ping(tmp, strlen(tmp), &pr);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct buf	 scratch;
	struct http_req		 r, r2;
	struct ping_route	 pr;
	uint8_t			*buf;
	size_t			 off = 0, maxh, maxb;
	int			 ret, n = 0;

	/* the raw input through the router and the helpers too */
	(void)route_ping((const char *)data, size, &pr);
	(void)route_is_ping("/hc", 3, (const char *)data, size);
	(void)route_is_ping("", 0, (const char *)data, size);
	{
		char tmp[64];

		(void)http_urldecode((const char *)data, size, tmp,
		    sizeof(tmp), size & 1);
		(void)http_query_get((const char *)data, size, "rid", tmp,
		    sizeof(tmp));
	}

	/* first byte picks small limits so that the limit paths are hit */
	if (size < 1)
		return 0;
	maxh = data[0] & 0x80 ? 64 + (data[0] & 0x7f) * 8 : HC_HTTP_MAX_HEADER;
	maxb = data[0] & 0x40 ? (data[0] & 0x3f) : 10000;
	data++;
	size--;

	/* exact-size copy: ASan catches any read past the end */
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);

	while (off < size && n++ < 16) {
		ret = http_parse_request(buf + off, size - off, maxh, maxb,
		    &scratch, &r, NULL);
		if (ret != HTTP_PARSE_OK)
			break;
		exercise_req(&r, buf + off, size - off, &scratch);

		/* the request alone parses the same; one byte less does not */
		CHECK(http_parse_request(buf + off, r.total_len, maxh, maxb,
		    NULL, &r2, NULL) == HTTP_PARSE_OK);
		CHECK(r2.total_len == r.total_len &&
		    r2.header_len == r.header_len &&
		    r2.body_len == r.body_len && r2.nhdrs == r.nhdrs &&
		    r2.keep_alive == r.keep_alive);
		CHECK(http_parse_request(buf + off, r.total_len - 1, maxh,
		    maxb, NULL, &r2, NULL) == HTTP_PARSE_INCOMPLETE);
		off += r.total_len;
	}
	free(buf);
	return 0;
}
