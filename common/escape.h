/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The URL escaper of the dashboard's templates (worker/web/tmpl.c).
 * HTML has buf_add_html (hcd.h), the one escaper for markup: text safe
 * between tags and inside a quoted attribute value, as Django's escape.
 * JSON has json_escape (json.h).  Thread-safe.
 */
#ifndef HC_ESCAPE_H
#define HC_ESCAPE_H

#include <stddef.h>

struct buf;

/*
 * A URL component (a path segment or a query value): every byte but
 * A-Z a-z 0-9 - . _ ~ is percent-encoded, so the result needs no
 * further HTML escaping.
 */
void	esc_url(struct buf *, const char *, size_t);

#endif
