/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Escapers for markup and URLs: one per output language, used by the
 * dashboard's templates (worker/web/tmpl.c) and whoever else writes
 * HTML.  JSON has json_escape (json.h).  Thread-safe.
 */
#ifndef HC_ESCAPE_H
#define HC_ESCAPE_H

#include <stddef.h>

struct buf;

/*
 * Text safe both between tags and inside a quoted attribute value:
 * & < > " ' become entities, every other byte is copied.
 */
void	esc_html(struct buf *, const char *, size_t);
/*
 * A URL component (a path segment or a query value): every byte but
 * A-Z a-z 0-9 - . _ ~ is percent-encoded, so the result needs no
 * further HTML escaping.
 */
void	esc_url(struct buf *, const char *, size_t);

#endif
