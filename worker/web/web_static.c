/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The dashboard's static files, served on the event loop from the copy
 * compiled into the binary (tmpl.h).  Their names carry a hash of their
 * content, so that a year's cache lifetime is safe: a changed file has
 * a new name.  An old or unknown name is a 404.  The CSS and the
 * script go gzipped to clients that take it (compressed once, at the
 * first use); pages are not compressed: they carry the CSRF token next
 * to text a visitor can choose (BREACH).
 */
#include <string.h>

#include "http_parse.h"

#include "hcd.h"
#include "tmpl.h"
#include "web.h"
#include "worker.h"

/* 1 if Accept-Encoding names gzip, unless with q=0. */
static int
accepts_gzip(const struct http_req *h)
{
	const struct http_hdr	*a = http_req_header(h, "Accept-Encoding");
	const char		*p, *end;

	if (a == NULL || (p = memmem(a->value, a->value_len, "gzip", 4)) ==
	    NULL)
		return 0;
	end = a->value + a->value_len;
	for (p += 4; p < end && (*p == ' ' || *p == ';'); p++)
		;
	if (end - p < 3 || memcmp(p, "q=0", 3) != 0)
		return 1;
	for (p += 3; p < end && (*p == '.' || *p == '0'); p++)
		;
	return p < end && *p >= '1' && *p <= '9';
}

int
web_static(struct req *q, struct resp *r)
{
	const struct web_file *f, *gz;

	f = tmpl_static_lookup(q->q_path, q->q_path_len);
	if (f == NULL) {
		resp_text(r, 404, "not found");
		return 0;
	}
	r->r_status = 200;
	r->r_ctype = tmpl_static_ctype(f->wf_name);
	buf_reset(&r->r_body);
	if ((gz = tmpl_static_gzip(f)) != NULL) {
		buf_addstr(&r->r_hdrs, "Vary: Accept-Encoding\r\n");
		if (accepts_gzip(q->q_http)) {
			buf_addstr(&r->r_hdrs, "Content-Encoding: gzip\r\n");
			f = gz;
		}
	}
	buf_add(&r->r_body, f->wf_data, f->wf_len);
	buf_addstr(&r->r_hdrs, "Cache-Control: public, max-age=31536000, "
	    "immutable\r\nX-Content-Type-Options: nosniff\r\n");
	return 0;
}
