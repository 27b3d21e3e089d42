/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The dashboard's static files, served on the event loop from the copy
 * compiled into the binary (tmpl.h).  Their names carry a hash of their
 * content, so that a year's cache lifetime is safe: a changed file has
 * a new name.  An old or unknown name is a 404.
 */
#include <string.h>

#include "hcd.h"
#include "tmpl.h"
#include "web.h"
#include "worker.h"

int
web_static(struct req *q, struct resp *r)
{
	const struct web_file *f;

	f = tmpl_static_lookup(q->q_path, q->q_path_len);
	if (f == NULL) {
		resp_text(r, 404, "not found");
		return 0;
	}
	r->r_status = 200;
	r->r_ctype = tmpl_static_ctype(f->wf_name);
	buf_reset(&r->r_body);
	buf_add(&r->r_body, f->wf_data, f->wf_len);
	buf_addstr(&r->r_hdrs, "Cache-Control: public, max-age=31536000, "
	    "immutable\r\nX-Content-Type-Options: nosniff\r\n");
	return 0;
}
