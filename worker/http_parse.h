/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * HTTP/1.1 request parsing for the worker processes: the request line,
 * the header section and the body framing (Content-Length or chunked),
 * plus percent-decoding and query-string lookup.  The parser never
 * allocates per request and never copies the input: every pointer in
 * struct http_req points into the caller's buffer, except a de-chunked
 * body, which goes to a caller-owned scratch buffer.
 */
#ifndef HC_HTTP_PARSE_H
#define HC_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "hcd.h"

#define HTTP_MAX_HEADERS	64
#define HTTP_CHUNK_LINE_MAX	4096	/* chunk-size line incl. extensions */

struct http_hdr {
	const char	*name;
	size_t		 name_len;
	const char	*value;		/* leading/trailing OWS removed */
	size_t		 value_len;
};

struct http_req {
	const char	*method;
	size_t		 method_len;
	const char	*target;	/* raw request-target as sent */
	size_t		 target_len;
	const char	*path;		/* target up to '?' or '#' */
	size_t		 path_len;
	const char	*query;		/* after '?', without it */
	size_t		 query_len;	/* 0 if none */
	int		 minor;		/* HTTP/1.x minor version: 0 or 1 */
	struct http_hdr	 hdrs[HTTP_MAX_HEADERS];
	int		 nhdrs;
	size_t		 header_len;	/* request line + headers + CRLFCRLF */
	int64_t		 content_length;	/* -1 if absent */
	int		 chunked;	/* Transfer-Encoding: chunked */
	int		 keep_alive;
	int		 expect_continue;	/* Expect: 100-continue (1.1) */
	const uint8_t	*body;
	size_t		 body_len;
	size_t		 total_len;	/* bytes to consume for this request */
};

enum {
	HTTP_PARSE_OK = 0,
	HTTP_PARSE_INCOMPLETE = 1,
	HTTP_PARSE_ERROR = -1,		/* answer 400 and close */
	HTTP_PARSE_TOO_LARGE = -2	/* 431 if header_len == 0, else 413 */
};

/* http_parse.c */

/*
 * Parse one request at the start of buf[0..len).  buf need not be
 * NUL-terminated; nothing past len is read.
 *
 * Returns HTTP_PARSE_OK with *req filled; req->total_len is what to
 * consume before parsing the next (pipelined) request.
 *
 * HTTP_PARSE_INCOMPLETE: read more and call again with the whole buffer.
 * When req->header_len != 0 the header section is complete and every
 * header-derived field (method, target, path, query, hdrs,
 * content_length, chunked, keep_alive, expect_continue) is already valid;
 * only the body is still missing, so the caller can send
 * "100 Continue" at that point.
 *
 * HTTP_PARSE_TOO_LARGE: the header section did not end within
 * max_header bytes (req->header_len == 0: 431), or the body would exceed
 * max_body bytes (req->header_len != 0: 413).  A chunked body whose
 * framing overhead is absurd (more than 8 * max_body + max_header bytes
 * on the wire) is also TOO_LARGE.
 *
 * HTTP_PARSE_ERROR: malformed request (400); *errstr says why.
 *
 * A chunked body is de-chunked into scratch, which the parser resets;
 * req->body then points into scratch->b_data and stays valid until the
 * scratch buffer is next changed.  scratch may be NULL, in which case the
 * chunked body is only validated (req->body is NULL, req->body_len is
 * set).  A Content-Length body points into buf.
 *
 * Strictness (RFC 9112 where request smuggling is at stake; hcd(8),
 * "HTTP strictness", lists the same rules for operators).  Errors (400):
 * Content-Length with Transfer-Encoding; Content-Length values that
 * differ, or that are not all digits (a sign, an empty list element,
 * more than INT64_MAX); Transfer-Encoding other than exactly one
 * "chunked" (another coding before or after it, "chunked" twice, an
 * empty value), in more than one field (even an empty one), or in an
 * HTTP/1.0 request; obs-fold;
 * whitespace before the colon; a field name that is not a token; a CR
 * anywhere but before LF; NUL or another control in a value; a request
 * line with other than single spaces or without "HTTP/1.x"; an
 * HTTP/1.1 request without Host, any request with two Host fields, a
 * Host value or absolute-form authority with bytes no host can hold
 * (userinfo included); in a chunked body, a chunk size that is not hex,
 * malformed chunk extensions, whitespace after the size without an
 * extension, chunk data not followed by CRLF, a malformed trailer
 * field, and any framing line that ends in a bare LF.  A chunk size
 * beyond max_body is TOO_LARGE.
 * Leniencies kept: the request line and the header section may end
 * their lines in a bare LF (RFC 9112 2.2 allows it; hand-written
 * clients send it); empty lines before the request line are skipped;
 * identical Content-Length values, repeated or as a list, count once
 * (RFC 9110 8.6); an empty Host is accepted (RFC 9112 3.2 allows it);
 * bytes >= 0x80 are accepted in the target and in values (obs-text);
 * a fragment in the target is dropped; HTTP/1.2 .. 1.9 are treated as
 * 1.1 (other versions are errors); chunk extensions and trailer fields
 * are checked, then ignored.  An unknown transfer coding gets 400, not
 * the 501 RFC 9112 6.1 permits: this parser has one error answer, and
 * closing the connection is what matters.
 *
 * errstr may be NULL; it is set to NULL on OK and INCOMPLETE.
 */
int	 http_parse_request(const uint8_t *buf, size_t len, size_t max_header,
	    size_t max_body, struct buf *scratch, struct http_req *req,
	    const char **errstr);

/* First header named name (ASCII case-insensitive), or NULL. */
const struct http_hdr *http_req_header(const struct http_req *,
	    const char *name);

/* 1 if the header value equals value (ASCII case-insensitive), else 0. */
int	 http_hdr_eq(const struct http_hdr *, const char *value);

/*
 * Percent-decode in[0..len) into out, NUL-terminated; with plus_is_space
 * a '+' becomes a space.  Returns the number of bytes written (without
 * the NUL), or (size_t)-1 on a bad escape ('%' not followed by two hex
 * digits), on "%00", or when out (including the NUL) is too small.
 */
size_t	 http_urldecode(const char *in, size_t len, char *out, size_t outsz,
	    int plus_is_space);

/*
 * Look key up in a query string (a=b&c=d, '&' separated, keys and
 * values percent-decoded with '+' as space).  As Django's request.GET
 * does, the last occurrence wins and a key without '=' has the empty
 * value.  Writes the decoded value, NUL-terminated, to out.  Returns 1
 * when found, 0 when absent, -1 when the (last) value is malformed or
 * does not fit: a caller should treat -1 as "present but invalid".
 */
int	 http_query_get(const char *query, size_t qlen, const char *key,
	    char *out, size_t outsz);

#endif
