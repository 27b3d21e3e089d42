/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Small helpers every process uses: allocation that dies on exhaustion,
 * bounded string copies and integer parsing with explicit bounds, the
 * growable byte buffer, and clocks.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hcd.h"
#include "log.h"

void *
xmalloc(size_t n)
{
	void *p;

	if (n == 0)
		n = 1;
	if ((p = malloc(n)) == NULL)
		fatal("malloc %zu", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if ((p = calloc(nmemb, size)) == NULL)
		fatal("calloc %zu*%zu", nmemb, size);
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		fatalx("xreallocarray: %zu*%zu overflows", nmemb, size);
	if ((p = realloc(ptr, (nmemb * size) != 0 ? nmemb * size : 1)) == NULL)
		fatal("realloc %zu*%zu", nmemb, size);
	return p;
}

char *
xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		fatal("strdup");
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	if ((p = strndup(s, n)) == NULL)
		fatal("strndup");
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	return p;
}

int
hc_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
hc_strlcpy(char *dst, const char *src, size_t dsize)
{
	size_t len = strlen(src);

	if (dsize != 0) {
		size_t n = len >= dsize ? dsize - 1 : len;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

size_t
hc_strlcat(char *dst, const char *src, size_t dsize)
{
	size_t dlen = strnlen(dst, dsize);

	if (dlen == dsize)
		return dlen + strlen(src);
	return dlen + hc_strlcpy(dst + dlen, src, dsize - dlen);
}

long long
hc_strtonum(const char *s, long long minval, long long maxval,
    const char **errstr)
{
	long long	 v;
	char		*end;

	*errstr = NULL;
	if (s == NULL || *s == '\0' || minval > maxval) {
		*errstr = "invalid";
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || end == s) {
		*errstr = "invalid";
		return 0;
	}
	if ((v == LLONG_MIN && errno == ERANGE) || v < minval) {
		*errstr = "too small";
		return 0;
	}
	if ((v == LLONG_MAX && errno == ERANGE) || v > maxval) {
		*errstr = "too large";
		return 0;
	}
	return v;
}

void
buf_init(struct buf *b)
{
	b->b_data = NULL;
	b->b_len = b->b_cap = 0;
}

void
buf_clear(struct buf *b)
{
	free(b->b_data);
	buf_init(b);
}

void
buf_reserve(struct buf *b, size_t more)
{
	size_t cap;

	if (b->b_len + more + 1 <= b->b_cap)
		return;
	cap = b->b_cap ? b->b_cap : 256;
	while (cap < b->b_len + more + 1) {
		if (cap > SIZE_MAX / 2)
			fatalx("buf_reserve: overflow");
		cap *= 2;
	}
	b->b_data = xreallocarray(b->b_data, 1, cap);
	b->b_cap = cap;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->b_data + b->b_len, p, n);
	b->b_len += n;
	b->b_data[b->b_len] = '\0';
}

void
buf_addstr(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, int c)
{
	uint8_t ch = (uint8_t)c;

	buf_add(b, &ch, 1);
}

void
buf_add_html(struct buf *b, const char *s, size_t n)
{
	const char	*e = s + n, *run = s, *rep;

	for (; s < e; s++) {
		switch (*s) {
		case '&':	rep = "&amp;"; break;
		case '<':	rep = "&lt;"; break;
		case '>':	rep = "&gt;"; break;
		case '"':	rep = "&quot;"; break;
		case '\'':	rep = "&#x27;"; break;
		default:	continue;
		}
		if (s > run)
			buf_add(b, run, (size_t)(s - run));
		buf_addstr(b, rep);
		run = s + 1;
	}
	if (e > run)
		buf_add(b, run, (size_t)(e - run));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("buf_printf: bad format");
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf((char *)b->b_data + b->b_len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->b_len += (size_t)n;
}

void
buf_reset(struct buf *b)
{
	b->b_len = 0;
	if (b->b_data)
		b->b_data[0] = '\0';
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->b_len) {
		buf_reset(b);
		return;
	}
	memmove(b->b_data, b->b_data + n, b->b_len - n);
	b->b_len -= n;
	b->b_data[b->b_len] = '\0';
}

int64_t
hc_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
hc_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Append at most maxchars code points of in[0..len) to b as valid UTF-8
 * without NUL bytes (PostgreSQL's text rejects both).  As Python's
 * errors="replace" does, each maximal ill-formed part of a sequence (a
 * lone byte, or the valid start of a sequence cut short) becomes one
 * U+FFFD, and so does each NUL.
 */
void
utf8_sanitize(struct buf *b, const void *in, size_t len, size_t maxchars)
{
	const uint8_t	*s = in;
	size_t		 i = 0, chars = 0, n, k;
	uint8_t		 lo, hi;

	while (i < len && chars < maxchars) {
		uint8_t c = s[i];

		if (c != 0 && c < 0x80) {
			buf_addc(b, c);
			i++;
			chars++;
			continue;
		}
		/* Length and the allowed range of the second byte. */
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			n = 2;
		else if (c >= 0xe0 && c <= 0xef) {
			n = 3;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 4;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else
			n = 0;
		k = 1;
		if (n > 0) {
			while (k < n && i + k < len) {
				uint8_t	t = s[i + k];
				uint8_t	l = k == 1 ? lo : 0x80;
				uint8_t	h = k == 1 ? hi : 0xbf;

				if (t < l || t > h)
					break;
				k++;
			}
			if (k == n) {
				buf_add(b, s + i, n);
				i += n;
				chars++;
				continue;
			}
		}
		buf_add(b, "\xef\xbf\xbd", 3);
		i += k;
		chars++;
	}
}

int
hc_utf8_valid(const void *s, size_t n)
{
	const uint8_t	*p = s, *end = p + n;
	uint32_t	 cp, min;
	int		 k;

	while (p < end) {
		if (*p == 0)
			return 0;
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			k = 1;
			cp = *p & 0x1f;
			min = 0x80;
		} else if (*p >= 0xe0 && *p <= 0xef) {
			k = 2;
			cp = *p & 0x0f;
			min = 0x800;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			k = 3;
			cp = *p & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (end - p <= k)
			return 0;
		for (p++; k > 0; k--, p++) {
			if ((*p & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (*p & 0x3f);
		}
		/* overlong forms, surrogates, past U+10FFFF */
		if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) ||
		    cp > 0x10ffff)
			return 0;
	}
	return 1;
}

/*
 * An account's e-mail address as hcctl and the dashboard store it:
 * surrounding spaces dropped, lower-cased, at most HC_EMAIL_MAX bytes,
 * one '@' after a non-empty local part, a domain with a dot (or
 * "localhost"), printable ASCII without spaces or the characters that
 * would need quoting.  0, or -1 if it is not such an address.
 */
int
hc_email_normalize(const char *in, char *out, size_t outsz)
{
	const char	*at, *dom;
	size_t		 i, len;

	while (*in == ' ')
		in++;
	len = strlen(in);
	while (len > 0 && in[len - 1] == ' ')
		len--;
	if (len == 0 || len > HC_EMAIL_MAX || len >= outsz)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c <= ' ' || c >= 0x7f || strchr("<>()[]\\,;:\"", c))
			return -1;
		out[i] = (char)tolower(c);
	}
	out[len] = '\0';
	if ((at = strchr(out, '@')) == NULL || strchr(at + 1, '@') != NULL ||
	    at == out)
		return -1;
	dom = at + 1;
	if (*dom == '\0' || *dom == '.' || dom[strlen(dom) - 1] == '.' ||
	    strstr(dom, "..") != NULL)
		return -1;
	if (strchr(dom, '.') == NULL && strcmp(dom, "localhost") != 0)
		return -1;
	return 0;
}
