/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Ping URL routing for the worker processes: turns the part of a request
 * path that follows the ping prefix into a check reference (UUID, or
 * ping key + slug) and an action, following the URL table of
 * Healthchecks' hc/api/urls.py.  Also the UUID text helpers.
 */
#ifndef HC_ROUTE_H
#define HC_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#define ROUTE_PING_KEY_MAX	128	/* api_project.ping_key varchar(128) */
#define ROUTE_SLUG_MAX		100	/* api_check.slug varchar(100) */
#define ROUTE_EXIT_TOO_BIG	256	/* exitstatus on ROUTE_BAD_URL for > 255 */

#include "ping.h"
#include "uuid.h"	/* uuid_parse, uuid_format */	/* enum ping_action; the router never returns PA_IGN */

enum {
	ROUTE_OK = 0,
	ROUTE_NOT_FOUND = 1,	/* 404 "not found" */
	ROUTE_BAD_URL = 2	/* 400 "invalid url format" */
};

struct ping_route {
	int	by_slug;	/* 0: by uuid, 1: by ping_key + slug */
	uint8_t	uuid[16];	/* when !by_slug */
	char	ping_key[ROUTE_PING_KEY_MAX + 1];	/* when by_slug */
	char	slug[ROUTE_SLUG_MAX + 1];		/* when by_slug */
	int	action;		/* enum ping_action */
	int	exitstatus;	/* -1 if none; 0..255 */
};

/* route.c */

/*
 * Route path[0..len), the request path after "/ping/" with no query
 * (already percent-decoded if the caller wants Django's behaviour, which
 * matches on the decoded path).  Routes, tried in Healthchecks' order:
 *   <uuid>  <uuid>/  <uuid>/start|fail|log|<exit>
 *   <key>/<slug>  <key>/<slug>/start|fail|log|<exit>
 * <uuid> is lowercase canonical; <key> and <slug> are [-a-zA-Z0-9_]+;
 * <exit> is [0-9]+.  Exit 0 is PA_SUCCESS, 1..255 PA_FAIL.  "<uuid>/"
 * is the only form that takes a trailing slash, as in hc/api/urls.py.
 *
 * Returns ROUTE_OK, ROUTE_NOT_FOUND (no route matches; also a key or
 * slug longer than the database column, which no row can match), or
 * ROUTE_BAD_URL (slug with uppercase letters, or exit status > 255).
 *
 * For an exit status > 255, *out is still filled (check reference,
 * action PA_FAIL, exitstatus ROUTE_EXIT_TOO_BIG): Healthchecks looks the
 * check up first and answers 404 for an unknown one, 400 only for a
 * known one, and a caller that wants that exact order can do the same.
 */
int	route_ping(const char *path, size_t len, struct ping_route *out);

/*
 * 1 if the request path path[0..len) is a ping URL: SITE_ROOT's path
 * prefix[0..plen) (no '/' at its end; empty for none), then "/ping/".
 * The worker's dispatch() routes such a path to the ping handler, and
 * reads its body up to the ping body cap instead of the general one.
 */
int	route_is_ping(const char *prefix, size_t plen, const char *path,
	    size_t len);


#endif
