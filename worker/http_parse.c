/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The worker's HTTP/1.1 request parser (RFC 9112).  It works on the
 * contiguous bytes received so far on one connection and is cheap enough
 * to re-run from the start whenever more bytes arrive: it walks the
 * buffer line by line with memchr, keeps pointers into it, and only
 * copies when a chunked body has to be joined into the scratch buffer.
 * Also here: percent-decoding and query-string lookup for the ping
 * handler.
 */

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "hcd.h"
#include "http_parse.h"

/* Character classes: bits of ctab[]. */
#define C_TCHAR		0x01	/* token character (RFC 9110 5.6.2) */
#define C_TARGET	0x02	/* allowed in a request-target */
#define C_VALUE		0x04	/* allowed in a field value (incl. HTAB) */
#define C_HEX		0x08
#define C_HOST		0x10	/* allowed in Host and an authority */

/*
 * Bits per byte value: C_TCHAR for token characters (RFC 9110 5.6.2);
 * C_TARGET for visible ASCII and bytes >= 0x80, allowed in a
 * request-target (many servers accept the latter); C_VALUE for what a
 * field value may hold (HTAB, SP, VCHAR, obs-text); C_HEX for hex digits;
 * C_HOST for what uri-host [":" port] may hold (RFC 3986: unreserved,
 * pct-encoded, sub-delims, ':' and the brackets of an IP literal).
 */
static const uint8_t ctab[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x00 */
	0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x08 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x18 */
	0x04, 0x17, 0x06, 0x07, 0x17, 0x17, 0x17, 0x17,	/* 0x20 */
	0x16, 0x16, 0x17, 0x17, 0x16, 0x17, 0x17, 0x06,	/* 0x28 */
	0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f,	/* 0x30 */
	0x1f, 0x1f, 0x16, 0x16, 0x06, 0x16, 0x06, 0x06,	/* 0x38 */
	0x06, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x17,	/* 0x40 */
	0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17,	/* 0x48 */
	0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17,	/* 0x50 */
	0x17, 0x17, 0x17, 0x16, 0x06, 0x16, 0x07, 0x17,	/* 0x58 */
	0x07, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x1f, 0x17,	/* 0x60 */
	0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17,	/* 0x68 */
	0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17, 0x17,	/* 0x70 */
	0x17, 0x17, 0x17, 0x06, 0x07, 0x06, 0x17, 0x00,	/* 0x78 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0x80 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0x88 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0x90 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0x98 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0xa0 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0xa8 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0xb0 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0xb8 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0xc0 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0xc8 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0xd0 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0xd8 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0xe0 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0xe8 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0xf0 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0xf8 */
};

static int
http_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* ASCII case-insensitive comparison of a[0..n) with the string s. */
static int
http_ieq(const char *a, size_t n, const char *s)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\0' ||
		    http_lower((unsigned char)a[i]) != http_lower((unsigned char)s[i]))
			return 0;
	}
	return s[n] == '\0';
}

/*
 * Find the line starting at pos, looking no further than lim.  On
 * success *end is the end of the line content (before CRLF or LF) and
 * *next the start of the following line.  Returns 0 when no LF is found
 * before lim.
 */
static int
http_line(const uint8_t *buf, size_t pos, size_t lim, size_t *end,
    size_t *next)
{
	const uint8_t	*lf;

	if (pos >= lim)
		return 0;
	if ((lf = memchr(buf + pos, '\n', lim - pos)) == NULL)
		return 0;
	*next = (size_t)(lf - buf) + 1;
	*end = (size_t)(lf - buf);
	if (*end > pos && buf[*end - 1] == '\r')
		(*end)--;
	return 1;
}

/* Trim OWS (SP / HTAB) on both sides of [*s, *e). */
static void
http_trim(const uint8_t *buf, size_t *s, size_t *e)
{
	while (*s < *e && (buf[*s] == ' ' || buf[*s] == '\t'))
		(*s)++;
	while (*e > *s && (buf[*e - 1] == ' ' || buf[*e - 1] == '\t'))
		(*e)--;
}

/*
 * Split the request-target into path and query.  Absolute-form
 * ("http://host/x?y") is reduced to its path; "*" is kept as the path.
 */
static int
http_split_target(struct http_req *req, const char **errstr)
{
	const char	*t = req->target, *p, *q, *end;
	size_t		 n = req->target_len, i;

	end = t + n;
	if (t[0] == '/') {
		p = t;
	} else if (n == 1 && t[0] == '*') {
		req->path = t;
		req->path_len = 1;
		return 0;
	} else {
		if (n > 7 && http_ieq(t, 7, "http://"))
			i = 7;
		else if (n > 8 && http_ieq(t, 8, "https://"))
			i = 8;
		else {
			*errstr = "unsupported request-target form";
			return -1;
		}
		p = t + i;
		while (p < end && *p != '/' && *p != '?' && *p != '#') {
			/* no userinfo ('@', RFC 9110 4.2.4), no stray bytes */
			if (!(ctab[(unsigned char)*p] & C_HOST)) {
				*errstr = "invalid authority in request-target";
				return -1;
			}
			p++;
		}
		if (p == t + i) {
			*errstr = "empty authority in request-target";
			return -1;
		}
	}

	/* p: start of the path, or of '?'/'#' when the path is empty */
	for (q = p; q < end && *q != '?' && *q != '#'; q++)
		;
	if (q == p) {
		req->path = "/";
		req->path_len = 1;
	} else {
		req->path = p;
		req->path_len = (size_t)(q - p);
	}
	if (q < end && *q == '?') {
		const char *f;

		q++;
		for (f = q; f < end && *f != '#'; f++)
			;
		req->query = q;
		req->query_len = (size_t)(f - q);
	}
	return 0;
}

static int
http_request_line(const uint8_t *buf, size_t s, size_t e,
    struct http_req *req, const char **errstr)
{
	size_t	i = s, m;

	while (i < e && (ctab[buf[i]] & C_TCHAR))
		i++;
	if (i == s || i >= e || buf[i] != ' ') {
		*errstr = "invalid method";
		return -1;
	}
	req->method = (const char *)buf + s;
	req->method_len = i - s;

	m = ++i;
	while (i < e && (ctab[buf[i]] & C_TARGET))
		i++;
	if (i == m || i >= e || buf[i] != ' ') {
		*errstr = "invalid request-target";
		return -1;
	}
	req->target = (const char *)buf + m;
	req->target_len = i - m;
	i++;

	if (e - i != 8 || memcmp(buf + i, "HTTP/", 5) != 0 ||
	    buf[i + 5] < '0' || buf[i + 5] > '9' || buf[i + 6] != '.' ||
	    buf[i + 7] < '0' || buf[i + 7] > '9') {
		*errstr = "invalid HTTP version";
		return -1;
	}
	if (buf[i + 5] != '1') {
		*errstr = "unsupported HTTP version";
		return -1;
	}
	req->minor = buf[i + 7] == '0' ? 0 : 1;

	return http_split_target(req, errstr);
}

/*
 * Content-Length: 1*DIGIT, or a comma list of identical values (RFC 9110
 * 8.6 lets a recipient take "5, 5" as 5).  Across repeated fields the
 * values must agree too.  No sign, no empty element, nothing above
 * INT64_MAX.
 */
static int
http_content_length(const char *v, size_t n, struct http_req *req,
    const char **errstr)
{
	size_t	 i = 0;
	int64_t	 val;
	int	 any = 0;

	while (i < n) {
		size_t s;

		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		s = i;
		val = 0;
		while (i < n && v[i] >= '0' && v[i] <= '9') {
			int d = v[i] - '0';

			if (val > (INT64_MAX - d) / 10) {
				*errstr = "Content-Length overflow";
				return -1;
			}
			val = val * 10 + d;
			i++;
		}
		if (i == s) {
			*errstr = "invalid Content-Length";
			return -1;
		}
		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		if (i < n && v[i] != ',') {
			*errstr = "invalid Content-Length";
			return -1;
		}
		if (i < n && ++i == n) {
			/* "5," : an empty element after the last comma */
			*errstr = "invalid Content-Length";
			return -1;
		}
		if (req->content_length != -1 && req->content_length != val) {
			*errstr = "conflicting Content-Length";
			return -1;
		}
		req->content_length = val;
		any = 1;
	}
	if (!any) {
		*errstr = "invalid Content-Length";
		return -1;
	}
	return 0;
}

/*
 * Call fn on every non-empty element of a comma-separated list, with OWS
 * trimmed.
 */
static int
http_list(const char *v, size_t n, int (*fn)(const char *, size_t, void *),
    void *arg)
{
	size_t	i = 0, s, e;

	while (i < n) {
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		if (i < n)
			i++;
		while (s < e && (v[s] == ' ' || v[s] == '\t'))
			s++;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e > s && fn(v + s, e - s, arg) == -1)
			return -1;
	}
	return 0;
}

struct http_hstate {
	int	cl_seen;
	int	te_seen;
	int	te_chunked;	/* number of "chunked" codings seen */
	int	te_other;	/* some other coding seen */
	int	conn_close;
	int	conn_keepalive;
	int	host_seen;
};

static int
http_te_elem(const char *s, size_t n, void *arg)
{
	struct http_hstate *st = arg;

	if (http_ieq(s, n, "chunked"))
		st->te_chunked++;
	else
		st->te_other = 1;
	return 0;
}

static int
http_conn_elem(const char *s, size_t n, void *arg)
{
	struct http_hstate *st = arg;

	if (http_ieq(s, n, "close"))
		st->conn_close = 1;
	else if (http_ieq(s, n, "keep-alive"))
		st->conn_keepalive = 1;
	return 0;
}

/* Act on the headers that matter for framing and connection handling. */
static int
http_header_semantics(const struct http_hdr *h, struct http_req *req,
    struct http_hstate *st, const char **errstr)
{
	switch (h->name_len) {
	case 14:
		if (http_ieq(h->name, 14, "content-length")) {
			st->cl_seen = 1;
			return http_content_length(h->value, h->value_len,
			    req, errstr);
		}
		break;
	case 17:
		if (http_ieq(h->name, 17, "transfer-encoding")) {
			/*
			 * Once: a front end that reads only the first field
			 * (or only the last) would frame the body otherwise.
			 */
			if (st->te_seen) {
				*errstr = "more than one Transfer-Encoding";
				return -1;
			}
			st->te_seen = 1;
			return http_list(h->value, h->value_len,
			    http_te_elem, st);
		}
		break;
	case 10:
		if (http_ieq(h->name, 10, "connection"))
			return http_list(h->value, h->value_len,
			    http_conn_elem, st);
		break;
	case 4:
		if (http_ieq(h->name, 4, "host")) {
			size_t i;

			if (st->host_seen++) {
				*errstr = "more than one Host";
				return -1;
			}
			for (i = 0; i < h->value_len; i++) {
				if (!(ctab[(unsigned char)h->value[i]] &
				    C_HOST)) {
					*errstr = "invalid Host";
					return -1;
				}
			}
		}
		break;
	case 6:
		if (http_ieq(h->name, 6, "expect") &&
		    http_ieq(h->value, h->value_len, "100-continue"))
			req->expect_continue = 1;
		break;
	}
	return 0;
}

/*
 * Like http_line(), for the chunked framing, where a line must end in
 * CRLF: 1 with *end before the CR, 0 when no LF is found before lim, -1
 * for a bare LF.
 */
static int
http_crlf_line(const uint8_t *buf, size_t pos, size_t lim, size_t *end,
    size_t *next)
{
	const uint8_t	*lf;

	if (pos >= lim)
		return 0;
	if ((lf = memchr(buf + pos, '\n', lim - pos)) == NULL)
		return 0;
	if (lf == buf + pos || lf[-1] != '\r')
		return -1;
	*next = (size_t)(lf - buf) + 1;
	*end = (size_t)(lf - buf) - 1;
	return 1;
}

static size_t
http_skip_bws(const uint8_t *buf, size_t i, size_t end)
{
	while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	return i;
}

static size_t
http_skip_token(const uint8_t *buf, size_t i, size_t end)
{
	while (i < end && (ctab[buf[i]] & C_TCHAR))
		i++;
	return i;
}

/*
 * The chunk extensions of a chunk-size line, buf[i..end) just after the
 * size digits (RFC 9112 7.1.1):
 *	*( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] )
 * hcd reads none of them but checks their syntax, so that a line another
 * parser would split differently is refused.  0 if well-formed, else -1
 * (whitespace after the size or after the last extension included).
 */
static int
http_chunk_ext(const uint8_t *buf, size_t i, size_t end)
{
	size_t	s, j;

	while (i < end) {
		i = http_skip_bws(buf, i, end);
		if (i == end || buf[i] != ';')
			return -1;
		i = http_skip_bws(buf, i + 1, end);
		s = i;
		if ((i = http_skip_token(buf, i, end)) == s)
			return -1;
		j = http_skip_bws(buf, i, end);
		if (j == end || buf[j] != '=')
			continue;	/* i: BWS, then ';' or the end */
		i = http_skip_bws(buf, j + 1, end);
		if (i < end && buf[i] == '"') {
			/* quoted-string: qdtext and quoted-pairs */
			for (i++;; i++) {
				if (i == end)
					return -1;
				if (buf[i] == '"')
					break;
				if (buf[i] == '\\' && ++i == end)
					return -1;
				if (!(ctab[buf[i]] & C_VALUE))
					return -1;
			}
			i++;
		} else {
			s = i;
			if ((i = http_skip_token(buf, i, end)) == s)
				return -1;
		}
	}
	return 0;
}

/*
 * Walk a chunked body starting at pos.  With out != NULL the chunk data
 * is appended to it.  *bodylen gets the de-chunked size and *endp the
 * offset just past the trailer section.
 *
 * Stricter than the header section: every line of the framing (chunk
 * sizes, the CRLF after each chunk's data, the trailer fields and the
 * final empty line) must end in CRLF.  Front ends differ on where a
 * bare LF ends a chunk line, which is how chunked bodies are used to
 * smuggle requests; and the clients that send bare LF (hand-written
 * scripts) do not send chunked bodies.
 */
static int
http_chunked(const uint8_t *buf, size_t len, size_t pos, size_t max_header,
    size_t max_body, struct buf *out, size_t *bodylen, size_t *endp,
    const char **errstr)
{
	size_t	start = pos, total = 0, wire_max, lim, end, next, i, size;
	int	d, r;

	if (max_body > (SIZE_MAX - max_header) / 8)
		wire_max = SIZE_MAX;
	else
		wire_max = max_body * 8 + max_header;

	for (;;) {
		if (pos - start > wire_max) {
			*errstr = "chunked framing too large";
			return HTTP_PARSE_TOO_LARGE;
		}
		lim = len - pos > HTTP_CHUNK_LINE_MAX ?
		    pos + HTTP_CHUNK_LINE_MAX : len;
		if ((r = http_crlf_line(buf, pos, lim, &end, &next)) == -1) {
			*errstr = "chunk-size line not ended by CRLF";
			return HTTP_PARSE_ERROR;
		}
		if (r == 0) {
			if (len - pos >= HTTP_CHUNK_LINE_MAX) {
				*errstr = "chunk-size line too long";
				return HTTP_PARSE_ERROR;
			}
			return HTTP_PARSE_INCOMPLETE;
		}

		size = 0;
		for (i = pos; i < end && (d = hc_hexval(buf[i])) != -1; i++) {
			if (size > (SIZE_MAX - 15) / 16 ||
			    size * 16 + (size_t)d > max_body - total) {
				*errstr = "chunked body too large";
				return HTTP_PARSE_TOO_LARGE;
			}
			size = size * 16 + (size_t)d;
		}
		if (i == pos) {
			*errstr = "invalid chunk size";
			return HTTP_PARSE_ERROR;
		}
		if (http_chunk_ext(buf, i, end) == -1) {
			*errstr = "invalid chunk size or extension";
			return HTTP_PARSE_ERROR;
		}
		pos = next;

		if (size == 0)
			break;

		if (len - pos < size + 2)
			return HTTP_PARSE_INCOMPLETE;
		if (buf[pos + size] != '\r' || buf[pos + size + 1] != '\n') {
			*errstr = "missing CRLF after chunk data";
			return HTTP_PARSE_ERROR;
		}
		if (out != NULL)
			buf_add(out, buf + pos, size);
		total += size;
		pos += size + 2;
	}

	/*
	 * Trailer section: field lines up to an empty line, checked as the
	 * header section's are (no obs-fold, a token name, a colon right
	 * after it, a clean value) and then ignored.
	 */
	start = pos;
	for (;;) {
		lim = len - start > max_header ? start + max_header : len;
		if ((r = http_crlf_line(buf, pos, lim, &end, &next)) == -1) {
			*errstr = "trailer line not ended by CRLF";
			return HTTP_PARSE_ERROR;
		}
		if (r == 0) {
			if (len - start >= max_header) {
				*errstr = "trailer section too large";
				return HTTP_PARSE_TOO_LARGE;
			}
			return HTTP_PARSE_INCOMPLETE;
		}
		if (end == pos)
			break;
		i = http_skip_token(buf, pos, end);
		if (i == pos || i == end || buf[i] != ':') {
			*errstr = "invalid trailer field";
			return HTTP_PARSE_ERROR;
		}
		for (i++; i < end; i++) {
			if (!(ctab[buf[i]] & C_VALUE)) {
				*errstr = "invalid trailer field";
				return HTTP_PARSE_ERROR;
			}
		}
		pos = next;
	}
	*bodylen = total;
	*endp = next;
	return HTTP_PARSE_OK;
}

static int
http_parse(const uint8_t *buf, size_t len, size_t max_header,
    size_t max_body, struct buf *scratch, struct http_req *req,
    const char **errstr)
{
	struct http_hstate	 st;
	struct http_hdr		*h;
	size_t			 hlim, pos = 0, end, next, i;
	size_t			 bodylen, tend;
	int			 r;

	req->method = req->target = req->path = req->query = NULL;
	req->method_len = req->target_len = req->path_len = 0;
	req->query_len = 0;
	req->minor = 0;
	req->nhdrs = 0;
	req->header_len = 0;
	req->content_length = -1;
	req->chunked = req->keep_alive = req->expect_continue = 0;
	req->body = NULL;
	req->body_len = 0;
	req->total_len = 0;
	memset(&st, 0, sizeof(st));
	if (scratch != NULL)
		buf_reset(scratch);

	hlim = len < max_header ? len : max_header;
#define NEED_LINE() do {						\
	if (!http_line(buf, pos, hlim, &end, &next))			\
		return len >= max_header ? HTTP_PARSE_TOO_LARGE :	\
		    HTTP_PARSE_INCOMPLETE;					\
} while (0)

	/* RFC 9112 2.2: ignore empty lines before the request line */
	for (;;) {
		NEED_LINE();
		if (end != pos)
			break;
		pos = next;
	}
	if (http_request_line(buf, pos, end, req, errstr) == -1)
		return HTTP_PARSE_ERROR;
	pos = next;

	for (;;) {
		NEED_LINE();
		if (end == pos)
			break;
		if (buf[pos] == ' ' || buf[pos] == '\t') {
			*errstr = "obsolete line folding";
			return HTTP_PARSE_ERROR;
		}
		for (i = pos; i < end && (ctab[buf[i]] & C_TCHAR); i++)
			;
		if (i == pos || i == end || buf[i] != ':') {
			*errstr = "invalid header field name";
			return HTTP_PARSE_ERROR;
		}
		if (req->nhdrs >= HTTP_MAX_HEADERS) {
			*errstr = "too many header fields";
			return HTTP_PARSE_ERROR;
		}
		h = &req->hdrs[req->nhdrs++];
		h->name = (const char *)buf + pos;
		h->name_len = i - pos;
		i++;
		{
			size_t vs = i, ve = end, k;

			http_trim(buf, &vs, &ve);
			for (k = vs; k < ve; k++) {
				if (!(ctab[buf[k]] & C_VALUE)) {
					*errstr = "invalid header field value";
					return HTTP_PARSE_ERROR;
				}
			}
			h->value = (const char *)buf + vs;
			h->value_len = ve - vs;
		}
		if (http_header_semantics(h, req, &st, errstr) == -1)
			return HTTP_PARSE_ERROR;
		pos = next;
	}
#undef NEED_LINE
	req->header_len = next;

	/* RFC 9112 3.2: an HTTP/1.1 request without Host is a 400 */
	if (req->minor == 1 && !st.host_seen) {
		*errstr = "missing Host";
		return HTTP_PARSE_ERROR;
	}

	if (req->minor == 0) {
		req->keep_alive = st.conn_keepalive && !st.conn_close;
		req->expect_continue = 0;	/* RFC 9110 10.1.1 */
	} else
		req->keep_alive = !st.conn_close;

	if (st.te_seen) {
		if (st.cl_seen) {
			*errstr = "both Content-Length and Transfer-Encoding";
			return HTTP_PARSE_ERROR;
		}
		if (req->minor == 0) {
			*errstr = "Transfer-Encoding in HTTP/1.0";
			return HTTP_PARSE_ERROR;
		}
		if (st.te_other || st.te_chunked != 1) {
			*errstr = "unsupported Transfer-Encoding";
			return HTTP_PARSE_ERROR;
		}
		req->chunked = 1;
		r = http_chunked(buf, len, req->header_len, max_header,
		    max_body, NULL, &bodylen, &tend, errstr);
		if (r != HTTP_PARSE_OK)
			return r;
		if (scratch != NULL) {
			buf_reserve(scratch, bodylen);
			r = http_chunked(buf, len, req->header_len, max_header,
			    max_body, scratch, &bodylen, &tend, errstr);
			if (r != HTTP_PARSE_OK)
				return r;	/* cannot happen */
			req->body = scratch->b_data;
		}
		req->body_len = bodylen;
		req->total_len = tend;
		return HTTP_PARSE_OK;
	}

	if (req->content_length > 0) {
		if ((uint64_t)req->content_length > (uint64_t)max_body) {
			*errstr = "request body too large";
			return HTTP_PARSE_TOO_LARGE;
		}
		if (len - req->header_len < (size_t)req->content_length)
			return HTTP_PARSE_INCOMPLETE;
		req->body_len = (size_t)req->content_length;
	}
	req->body = buf + req->header_len;
	req->total_len = req->header_len + req->body_len;
	return HTTP_PARSE_OK;
}

int
http_parse_request(const uint8_t *buf, size_t len, size_t max_header,
    size_t max_body, struct buf *scratch, struct http_req *req,
    const char **errstr)
{
	const char	*e = NULL;
	int		 r;

	r = http_parse(buf, len, max_header, max_body, scratch, req, &e);
	if (r == HTTP_PARSE_OK || r == HTTP_PARSE_INCOMPLETE)
		e = NULL;
	else if (e == NULL)
		e = r == HTTP_PARSE_TOO_LARGE ? "request too large" :
		    "malformed request";
	if (errstr != NULL)
		*errstr = e;
	return r;
}

const struct http_hdr *
http_req_header(const struct http_req *req, const char *name)
{
	size_t	n = strlen(name);
	int	i;

	for (i = 0; i < req->nhdrs; i++) {
		if (req->hdrs[i].name_len == n &&
		    http_ieq(req->hdrs[i].name, n, name))
			return &req->hdrs[i];
	}
	return NULL;
}

int
http_hdr_eq(const struct http_hdr *h, const char *value)
{
	if (h == NULL)
		return 0;
	return http_ieq(h->value, h->value_len, value);
}

size_t
http_urldecode(const char *in, size_t len, char *out, size_t outsz,
    int plus_is_space)
{
	size_t	i, o = 0;
	int	hi, lo, c;

	if (outsz == 0)
		return (size_t)-1;
	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c == '%') {
			if (len - i < 3 ||
			    (hi = hc_hexval((unsigned char)in[i + 1])) == -1 ||
			    (lo = hc_hexval((unsigned char)in[i + 2])) == -1)
				return (size_t)-1;
			c = hi * 16 + lo;
			if (c == 0)
				return (size_t)-1;
			i += 2;
		} else if (c == '+' && plus_is_space)
			c = ' ';
		if (o + 1 >= outsz)
			return (size_t)-1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return o;
}

/* Does the raw (still encoded) query key k[0..n) decode to key? */
static int
http_qkey_eq(const char *k, size_t n, const char *key, size_t keylen)
{
	char	tmp[256];
	size_t	r;

	if (memchr(k, '%', n) == NULL && memchr(k, '+', n) == NULL)
		return n == keylen && memcmp(k, key, n) == 0;
	if (n > 3 * keylen)
		return 0;
	r = http_urldecode(k, n, tmp, sizeof(tmp), 1);
	return r == keylen && memcmp(tmp, key, r) == 0;
}

int
http_query_get(const char *query, size_t qlen, const char *key, char *out,
    size_t outsz)
{
	const char	*val = NULL, *p, *amp, *eq, *end;
	size_t		 vlen = 0, keylen = strlen(key), klen;

	if (query == NULL)
		return 0;
	p = query;
	end = query + qlen;
	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp > p) {
			eq = memchr(p, '=', (size_t)(amp - p));
			klen = (size_t)((eq != NULL ? eq : amp) - p);
			if (http_qkey_eq(p, klen, key, keylen)) {
				if (eq != NULL) {
					val = eq + 1;
					vlen = (size_t)(amp - val);
				} else {
					val = amp;
					vlen = 0;
				}
			}
		}
		p = amp + (amp < end);
	}
	if (val == NULL)
		return 0;
	if (http_urldecode(val, vlen, out, outsz, 1) == (size_t)-1)
		return -1;
	return 1;
}
