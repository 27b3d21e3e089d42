/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The one route table of the worker for everything but pings (which
 * keep their own hot router, route.c): the management API, badges,
 * the Prometheus endpoints, and the dashboard's pages (worker/web/).  Each
 * entry is a path pattern, the handler (one per URL, doing its own
 * method dispatch, as a Django view does) and where it runs: RT_DB
 * handlers run on a database thread (dbq.c), the others on the loop.
 *
 * Patterns are literal text with typed captures:
 *   {ver}   one of 1, 2, 3 (the API version)
 *   {uuid}  a lower-case canonical UUID (Django's uuid converter)
 *   {sha1}  40 characters of [A-z0-9] (Healthchecks' sha1 converter)
 *   {int}   one or more digits
 *   {seg}   one or more characters other than '/'
 * A request matches a pattern when the whole path does; captures go to
 * req->q_arg[] in order.  rt_lookup() also tells whether the path with
 * a '/' appended would match, for Django's APPEND_SLASH answer.
 */
#include <ctype.h>
#include <string.h>

#include "hcd.h"
#include "uuid.h"
#include "worker.h"
#include "web/web.h"

static const struct route routes[] = {
	{ "/api/v{ver}/status/", api_status, RT_DB },
	{ "/api/v{ver}/checks/", api_checks, RT_DB },
	{ "/api/v{ver}/checks/{uuid}", api_check, RT_DB },
	{ "/api/v{ver}/checks/{sha1}", api_check_by_key, RT_DB },
	{ "/api/v{ver}/checks/{uuid}/pause", api_check_pause, RT_DB },
	{ "/api/v{ver}/checks/{uuid}/resume", api_check_resume, RT_DB },
	{ "/api/v{ver}/checks/{uuid}/pings/", api_check_pings, RT_DB },
	{ "/api/v{ver}/checks/{uuid}/pings/{int}/body", api_ping_body, RT_DB },
	{ "/api/v{ver}/checks/{uuid}/flips/", api_check_flips, RT_DB },
	{ "/api/v{ver}/checks/{sha1}/flips/", api_check_flips_by_key, RT_DB },
	{ "/api/v{ver}/channels/", api_channels, RT_DB },
	{ "/api/v{ver}/badges/", api_badges, RT_DB },
	{ "/api/v{ver}/metrics/", api_metrics, RT_DB },
	{ "/b/{int}/{seg}", badge_check, RT_DB },
	{ "/badge/{seg}/{seg}", badge_project, RT_DB },
	{ "/badge/{seg}/{seg}/{seg}", badge_project, RT_DB },
	{ "/projects/{uuid}/metrics/", metrics_project_bearer, RT_DB },
	{ "/projects/{uuid}/metrics/{seg}", metrics_project, RT_DB },
	{ "/projects/{uuid}/checks/metrics/{seg}", metrics_project, RT_DB },
	/* the dashboard (worker/web/web.h); static files on the loop */
	{ "/static/{seg}", web_static, 0 },
	{ "/", web_index, RT_DB },
	{ "/accounts/login/", web_login_page, RT_DB },
	{ "/accounts/signup/", web_signup, RT_DB },
	{ "/accounts/logout/", web_logout_page, RT_DB },
	{ "/accounts/check_token/{seg}/{seg}/", web_check_token, RT_DB },
	{ "/accounts/profile/", web_profile, RT_DB },
	{ "/accounts/set_password/", web_set_password, RT_DB },
	{ "/cloaked/{sha1}/", web_cloaked, RT_DB },
	{ "/integrations/{uuid}/unsub/{seg}/", web_unsub, RT_DB },
	{ "/projects/add/", web_project_add, RT_DB },
	{ "/projects/{uuid}/checks/", web_checks, RT_DB },
	{ "/projects/{uuid}/checks/status/", web_checks_status, RT_DB },
	{ "/projects/{uuid}/checks/add/", web_checks_add, RT_DB },
	{ "/projects/{uuid}/settings/", web_project_settings, RT_DB },
	{ "/projects/{uuid}/remove/", web_project_remove, RT_DB },
	{ "/checks/preview/", web_schedule_preview, RT_DB },
	{ "/checks/{uuid}/details/", web_check_details, RT_DB },
	{ "/checks/{uuid}/status/", web_check_status_json, RT_DB },
	{ "/checks/{uuid}/log/", web_check_log, RT_DB },
	{ "/checks/{uuid}/pings/{int}/", web_check_ping, RT_DB },
	{ "/checks/{uuid}/name/", web_check_name, RT_DB },
	{ "/checks/{uuid}/timeout/", web_check_timeout, RT_DB },
	{ "/checks/{uuid}/filtering_rules/", web_check_filtering, RT_DB },
	{ "/checks/{uuid}/pause/", web_check_pause, RT_DB },
	{ "/checks/{uuid}/resume/", web_check_resume, RT_DB },
	{ "/checks/{uuid}/copy/", web_check_copy, RT_DB },
	{ "/checks/{uuid}/transfer/", web_check_transfer, RT_DB },
	{ "/checks/{uuid}/clear_events/", web_check_clear, RT_DB },
	{ "/checks/{uuid}/remove/", web_check_remove, RT_DB },
};
#define NROUTES	(sizeof(routes) / sizeof(routes[0]))
#define ROUTE_PATH_MAX	1024	/* longer paths get no APPEND_SLASH answer */

/*
 * Match path[0..len) against pattern `pat`; captures into q (may be
 * NULL).  1 on a match.
 */
static int
rt_match(const char *pat, const char *path, size_t len, struct req *q)
{
	const char	*p = pat, *s = path, *end = path + len, *e;
	size_t		 n;
	int		 narg = 0;

	while (*p) {
		if (*p != '{') {
			if (s == end || *s != *p)
				return 0;
			p++;
			s++;
			continue;
		}
		e = strchr(p, '}');
		n = (size_t)(e - p + 1);
		if (n == 5 && memcmp(p, "{ver}", 5) == 0) {
			if (s == end || *s < '1' || *s > '3')
				return 0;
			e = s + 1;
		} else if (n == 6 && memcmp(p, "{uuid}", 6) == 0) {
			uint8_t u[16];

			if ((size_t)(end - s) < 36 || uuid_parse(s, 36,
			    u) == -1)
				return 0;
			e = s + 36;
		} else if (n == 6 && memcmp(p, "{sha1}", 6) == 0) {
			size_t i;

			if ((size_t)(end - s) < 40)
				return 0;
			for (i = 0; i < 40; i++)
				if (!isdigit((unsigned char)s[i]) &&
				    !(s[i] >= 'A' && s[i] <= 'z'))
					return 0;
			e = s + 40;
		} else if (n == 5 && memcmp(p, "{int}", 5) == 0) {
			for (e = s; e < end && isdigit((unsigned char)*e); e++)
				;
			if (e == s)
				return 0;
		} else {	/* {seg} */
			for (e = s; e < end && *e != '/'; e++)
				;
			if (e == s)
				return 0;
		}
		if (q != NULL && narg < RT_MAXARGS) {
			q->q_arg[narg] = s;
			q->q_arglen[narg] = (size_t)(e - s);
		}
		narg++;
		s = e;
		p += n;
	}
	if (s != end)
		return 0;
	if (q != NULL)
		q->q_nargs = narg < RT_MAXARGS ? narg : RT_MAXARGS;
	return 1;
}

/*
 * The route of path[0..len): the entry, with q's captures set; NULL if
 * none.  *slash (may be NULL) is set to 1 when no route matches but the
 * path with a '/' appended would.
 */
const struct route *
rt_lookup(const char *path, size_t len, struct req *q, int *slash)
{
	char	tmp[ROUTE_PATH_MAX + 2];
	size_t	i;

	if (slash != NULL)
		*slash = 0;
	for (i = 0; i < NROUTES; i++)
		if (rt_match(routes[i].rt_pattern, path, len, q))
			return &routes[i];
	if (slash == NULL || len == 0 || path[len - 1] == '/' ||
	    len + 1 >= sizeof(tmp))
		return NULL;
	memcpy(tmp, path, len);
	tmp[len] = '/';
	for (i = 0; i < NROUTES; i++)
		if (rt_match(routes[i].rt_pattern, tmp, len + 1, NULL)) {
			*slash = 1;
			break;
		}
	return NULL;
}
