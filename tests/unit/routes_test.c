/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for worker/routes.c, the route table of everything but
 * pings: which handler a path reaches, the typed captures, and the
 * APPEND_SLASH rule (no route, but one with a '/' appended).
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../worker/worker.h"
#include "../../worker/web/web.h"

#define U	"5f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"
#define K40	"0123456789abcdefABCDEF0123456789abcdef01"

static const struct route *
look(const char *path, struct req *q, int *slash)
{
	memset(q, 0, sizeof(*q));
	return rt_lookup(path, strlen(path), q, slash);
}

static void
test_table(void **state)
{
	static const struct {
		const char	*path;
		handler_fn	 fn;
		int		 nargs;
	} t[] = {
		{ "/api/v1/status/", api_status, 1 },
		{ "/api/v3/checks/", api_checks, 1 },
		{ "/api/v2/checks/" U, api_check, 2 },
		{ "/api/v3/checks/" K40, api_check_by_key, 2 },
		{ "/api/v3/checks/" U "/pause", api_check_pause, 2 },
		{ "/api/v3/checks/" U "/resume", api_check_resume, 2 },
		{ "/api/v3/checks/" U "/pings/", api_check_pings, 2 },
		{ "/api/v3/checks/" U "/pings/17/body", api_ping_body, 3 },
		{ "/api/v3/checks/" U "/flips/", api_check_flips, 2 },
		{ "/api/v3/checks/" K40 "/flips/", api_check_flips_by_key, 2 },
		{ "/api/v3/channels/", api_channels, 1 },
		{ "/api/v3/badges/", api_badges, 1 },
		{ "/api/v3/metrics/", api_metrics, 1 },
		{ "/b/2/" U ".svg", badge_check, 2 },
		{ "/badge/abc/def.svg", badge_project, 2 },
		{ "/badge/abc/def/tag.json", badge_project, 3 },
		{ "/projects/" U "/metrics/", metrics_project_bearer, 1 },
		{ "/projects/" U "/metrics/key", metrics_project, 2 },
		{ "/projects/" U "/checks/metrics/key", metrics_project, 2 },
		{ "/", web_index, 0 },
		{ "/static/app.0123456789.css", web_static, 1 },
		{ "/accounts/login/", web_login_page, 0 },
		{ "/accounts/check_token/user/tok/", web_check_token, 2 },
		{ "/cloaked/" K40 "/", web_cloaked, 1 },
		{ "/projects/" U "/checks/", web_checks, 1 },
		{ "/projects/" U "/checks/status/", web_checks_status, 1 },
		{ "/checks/preview/", web_schedule_preview, 0 },
		{ "/checks/" U "/details/", web_check_details, 1 },
		{ "/checks/" U "/pings/3/", web_check_ping, 2 },
		{ "/checks/" U "/remove/", web_check_remove, 1 },
	};
	const struct route	*rt;
	struct req		 q;
	size_t			 i;
	int			 slash;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rt = look(t[i].path, &q, &slash);
		assert_non_null(rt);
		assert_ptr_equal(rt->rt_fn, t[i].fn);
		assert_int_equal(q.q_nargs, t[i].nargs);
		assert_int_equal(slash, 0);
	}
}

static void
test_captures(void **state)
{
	struct req	q;
	int		slash;

	assert_non_null(look("/api/v2/checks/" U "/pings/123/body", &q,
	    &slash));
	assert_int_equal(q.q_arglen[0], 1);
	assert_int_equal(q.q_arg[0][0], '2');
	assert_int_equal(q.q_arglen[1], 36);
	assert_memory_equal(q.q_arg[1], U, 36);
	assert_int_equal(q.q_arglen[2], 3);
	assert_memory_equal(q.q_arg[2], "123", 3);
}

static void
test_misses_and_slash(void **state)
{
	static const struct {
		const char	*path;
		int		 slash;
	} t[] = {
		{ "/api/v3/checks", 1 },
		{ "/api/v1/channels", 1 },
		{ "/api/v3/status", 1 },
		{ "/api/v3/checks/" U "/pings", 1 },
		{ "/api/v3/checks/" U "/flips", 1 },
		{ "/projects/" U "/metrics", 1 },
		{ "/api/v4/checks/", 0 },	/* no such version */
		{ "/api/v4/checks", 0 },
		{ "/api/v3/checks/" U "/", 0 },
		{ "/api/v3/checks/" U "/pause/", 0 },
		{ "/api/v3/checks/5F1E2D3C-4B5A-4978-8796-A5B4C3D2E1F0", 0 },
		{ "/api/v3/checks/" U "/pings/x/body", 0 },
		{ "/b/2/", 0 },
		{ "/badge/a/b/c/d.svg", 0 },
		{ "/nope", 0 },
		{ "", 0 },
		{ "/checks/" U "/details", 1 },
		{ "/accounts/login", 1 },
		{ "/api/v3/checks//", 0 },
	};
	struct req	q;
	size_t		i;
	int		slash;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_null(look(t[i].path, &q, &slash));
		if (slash != t[i].slash)
			fail_msg("%s: slash %d", t[i].path, slash);
	}
	/* slash may be NULL */
	assert_null(rt_lookup("/api/v3/checks", 14, &q, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_captures),
		cmocka_unit_test(test_misses_and_slash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
