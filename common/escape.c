/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * HTML and URL escaping (escape.h).
 */
#include <string.h>

#include "escape.h"
#include "hcd.h"

void
esc_html(struct buf *b, const char *s, size_t n)
{
	const char	*e = s + n, *run = s;

	for (; s < e; s++) {
		const char *rep;

		switch (*s) {
		case '&':	rep = "&amp;"; break;
		case '<':	rep = "&lt;"; break;
		case '>':	rep = "&gt;"; break;
		case '"':	rep = "&quot;"; break;
		case '\'':	rep = "&#39;"; break;
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
esc_url(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t		  i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			buf_addc(b, c);
		else {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
}
