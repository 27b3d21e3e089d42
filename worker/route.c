/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Ping URL routing, used by the worker processes for every ping.  The
 * route table mirrors Healthchecks' (UUID routes first, then ping key +
 * slug routes) so that the same URLs give the same check, action and
 * error status.  The path is split into at most three segments and
 * classified without copying except into the fixed-size output fields.
 */

#include <stdint.h>
#include <string.h>

#include "route.h"

#define ROUTE_MAXSEG	3

struct seg {
	const char	*p;
	size_t		 n;
};

/* Django's slug converter: [-a-zA-Z0-9_]+ */
static int
route_is_slug(const struct seg *s)
{
	size_t	i;
	int	c;

	if (s->n == 0)
		return 0;
	for (i = 0; i < s->n; i++) {
		c = (unsigned char)s->p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

static int
route_has_upper(const struct seg *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		if (s->p[i] >= 'A' && s->p[i] <= 'Z')
			return 1;
	return 0;
}

static int
route_seg_is(const struct seg *s, const char *word)
{
	size_t	n = strlen(word);

	return s->n == n && memcmp(s->p, word, n) == 0;
}

/*
 * The action segment: start, fail, log or [0-9]+.  Returns 0 and fills
 * out->action and out->exitstatus (ROUTE_EXIT_TOO_BIG above 255, without
 * ever overflowing), or -1 when the segment is none of these.
 */
static int
route_action(const struct seg *s, struct ping_route *out)
{
	size_t	i;
	int	v = 0;

	if (route_seg_is(s, "start")) {
		out->action = PA_START;
		return 0;
	}
	if (route_seg_is(s, "fail")) {
		out->action = PA_FAIL;
		return 0;
	}
	if (route_seg_is(s, "log")) {
		out->action = PA_LOG;
		return 0;
	}
	if (s->n == 0)
		return -1;
	for (i = 0; i < s->n; i++) {
		if (s->p[i] < '0' || s->p[i] > '9')
			return -1;
		if (v <= 255)
			v = v * 10 + (s->p[i] - '0');
	}
	if (v > 255)
		v = ROUTE_EXIT_TOO_BIG;
	out->exitstatus = v;
	out->action = v == 0 ? PA_SUCCESS : PA_FAIL;
	return 0;
}

static int
route_slug(const struct seg *key, const struct seg *slug,
    const struct seg *act, struct ping_route *out)
{
	if (!route_is_slug(key) || !route_is_slug(slug))
		return ROUTE_NOT_FOUND;
	if (act != NULL && route_action(act, out) == -1)
		return ROUTE_NOT_FOUND;
	/* ping_by_slug rejects a slug that is not lowercase before lookup */
	if (route_has_upper(slug))
		return ROUTE_BAD_URL;
	/* longer than the columns: no row can match, as a failed lookup */
	if (key->n > ROUTE_PING_KEY_MAX || slug->n > ROUTE_SLUG_MAX)
		return ROUTE_NOT_FOUND;
	out->by_slug = 1;
	memcpy(out->ping_key, key->p, key->n);
	out->ping_key[key->n] = '\0';
	memcpy(out->slug, slug->p, slug->n);
	out->slug[slug->n] = '\0';
	return out->exitstatus > 255 ? ROUTE_BAD_URL : ROUTE_OK;
}

int
route_ping(const char *path, size_t len, struct ping_route *out)
{
	struct seg	 seg[ROUTE_MAXSEG];
	const char	*p = path, *end = path + len, *sl;
	int		 nseg = 0, slash = 0;

	out->by_slug = 0;
	memset(out->uuid, 0, sizeof(out->uuid));
	out->ping_key[0] = out->slug[0] = '\0';
	out->action = PA_SUCCESS;
	out->exitstatus = -1;

	if (len == 0)
		return ROUTE_NOT_FOUND;
	for (;;) {
		if (nseg == ROUTE_MAXSEG)
			return ROUTE_NOT_FOUND;
		if ((sl = memchr(p, '/', (size_t)(end - p))) == NULL)
			sl = end;
		if (sl == p)
			return ROUTE_NOT_FOUND;	/* empty segment */
		seg[nseg].p = p;
		seg[nseg].n = (size_t)(sl - p);
		nseg++;
		if (sl == end)
			break;
		p = sl + 1;
		if (p == end) {
			slash = 1;	/* trailing slash */
			break;
		}
	}

	/*
	 * Of the routes, only "ping/<uuid:code>/" ends in a slash: there
	 * "<uuid>/" is a success ping, while "<uuid>/start/",
	 * "<key>/<slug>/" and every other form with a trailing slash match
	 * no route (Healthchecks answers those 404 too).
	 */
	if (slash && nseg != 1)
		return ROUTE_NOT_FOUND;
	switch (nseg) {
	case 1:
		if (uuid_parse(seg[0].p, seg[0].n, out->uuid) == 0)
			return ROUTE_OK;
		return ROUTE_NOT_FOUND;
	case 2:
		if (uuid_parse(seg[0].p, seg[0].n, out->uuid) == 0 &&
		    route_action(&seg[1], out) == 0)
			return out->exitstatus > 255 ? ROUTE_BAD_URL : ROUTE_OK;
		memset(out->uuid, 0, sizeof(out->uuid));
		return route_slug(&seg[0], &seg[1], NULL, out);
	default:
		return route_slug(&seg[0], &seg[1], &seg[2], out);
	}
}

int
route_is_ping(const char *prefix, size_t plen, const char *path, size_t len)
{
	if (len < plen + 6 || memcmp(path, prefix, plen) != 0)
		return 0;
	return memcmp(path + plen, "/ping/", 6) == 0;
}
