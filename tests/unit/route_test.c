/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for worker/route.c: every ping URL form, the UUID/slug
 * precedence rules, and every error, as one table; plus the UUID text
 * helpers.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../worker/route.h"

#define U	"5f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
#define UUP	"5F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0"

static const uint8_t ubytes[16] = {
	0x5f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
	0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0
};

struct rcase {
	const char	*path;
	int		 ret;
	int		 by_slug;
	const char	*key;
	const char	*slug;
	int		 action;
	int		 exitstatus;
};

#define OK_U(p, a, e)		{ p, ROUTE_OK, 0, NULL, NULL, a, e }
#define OK_S(p, k, s, a, e)	{ p, ROUTE_OK, 1, k, s, a, e }
#define NF(p)			{ p, ROUTE_NOT_FOUND, -1, NULL, NULL, 0, 0 }
#define BAD(p)			{ p, ROUTE_BAD_URL, -1, NULL, NULL, 0, 0 }

static const struct rcase cases[] = {
	/* UUID routes */
	OK_U(U, PA_SUCCESS, -1),
	OK_U(U "/start", PA_START, -1),
	OK_U(U "/fail", PA_FAIL, -1),
	OK_U(U "/log", PA_LOG, -1),
	OK_U(U "/0", PA_SUCCESS, 0),
	OK_U(U "/000", PA_SUCCESS, 0),
	OK_U(U "/1", PA_FAIL, 1),
	OK_U(U "/007", PA_FAIL, 7),
	OK_U(U "/255", PA_FAIL, 255),
	OK_U(U "/0000000000000000000000255", PA_FAIL, 255),
	BAD(U "/256"),
	BAD(U "/1000"),
	BAD(U "/99999999999999999999999999999999999999"),
	/* uuid followed by something else is tried as key + slug */
	OK_S(U "/foo", U, "foo", PA_SUCCESS, -1),
	OK_S(U "/foo/start", U, "foo", PA_START, -1),
	OK_S(U "/start/fail", U, "start", PA_FAIL, -1),
	OK_S(U "/-1", U, "-1", PA_SUCCESS, -1),
	BAD(U "/Foo"),
	/* uppercase uuid is not a uuid */
	NF(UUP),
	OK_S(UUP "/start", UUP, "start", PA_SUCCESS, -1),
	OK_S(UUP "/5", UUP, "5", PA_SUCCESS, -1),
	NF(U "x"),
	NF("5f1e2d3c4b5a69788796a5b4c3d2e1f0"),
	/* key + slug routes */
	OK_S("abcKEY/my-slug", "abcKEY", "my-slug", PA_SUCCESS, -1),
	OK_S("k_1-2/s_1", "k_1-2", "s_1", PA_SUCCESS, -1),
	OK_S("key/slug/start", "key", "slug", PA_START, -1),
	OK_S("key/slug/fail", "key", "slug", PA_FAIL, -1),
	OK_S("key/slug/log", "key", "slug", PA_LOG, -1),
	OK_S("key/slug/0", "key", "slug", PA_SUCCESS, 0),
	OK_S("key/slug/42", "key", "slug", PA_FAIL, 42),
	OK_S("key/slug/255", "key", "slug", PA_FAIL, 255),
	OK_S("key/start", "key", "start", PA_SUCCESS, -1),
	OK_S("key/123", "key", "123", PA_SUCCESS, -1),
	BAD("key/slug/256"),
	BAD("key/slug/123456789012345678901234567890"),
	BAD("key/Slug"),
	BAD("key/SLUG/start"),
	BAD("key/sLug/999"),
	NF("key/Slug/nope"),
	NF("key/slug/nope"),
	NF("key/slug/START"),
	NF("key/slug/-1"),
	NF("key/slug/+1"),
	NF("key/sl.ug"),
	NF("k%20y/slug"),
	NF("key/slug/start/x"),
	NF("a/b/c/d"),
	/* empty segments, slashes */
	NF(""),
	NF("/"),
	NF("/" U),
	NF(U "//start"),
	NF("key//slug"),
	NF("key"),
	NF("//"),
	/*
	 * Trailing slash: hc/api/urls.py has "ping/<uuid:code>/" (a
	 * success ping) and no other route ending in '/', so every other
	 * form with one is 404, an exit status over 255 included.
	 */
	OK_U(U "/", PA_SUCCESS, -1),
	NF(U "//"),
	NF(UUP "/"),
	NF(U "x/"),
	NF(U "/start/"),
	NF(U "/fail/"),
	NF(U "/log/"),
	NF(U "/0/"),
	NF(U "/1/"),
	NF(U "/256/"),
	NF(U "/foo/"),
	NF(U "/foo/start/"),
	NF("key/"),
	NF("key/slug/"),
	NF("key/slug/start/"),
	NF("key/slug/fail/"),
	NF("key/slug/log/"),
	NF("key/slug/0/"),
	NF("key/slug/256/"),
	NF("key/Slug/"),
	NF("key/start/"),
	/* a slug named like an action, with and without one */
	OK_S("key/start/start", "key", "start", PA_START, -1),
	OK_S("key/fail/log", "key", "fail", PA_LOG, -1),
	OK_S("key/log/7", "key", "log", PA_FAIL, 7),
	OK_S("key/0", "key", "0", PA_SUCCESS, -1),
	NF("key/start/start/"),
};

static void
check_case(const struct rcase *c, const char *path, size_t len)
{
	struct ping_route	r;
	int			ret;

	memset(&r, 0xa5, sizeof(r));
	ret = route_ping(path, len, &r);
	if (ret != c->ret)
		fail_msg("path '%s': got %d want %d", c->path, ret, c->ret);
	if (c->ret != ROUTE_OK)
		return;
	assert_int_equal(r.by_slug, c->by_slug);
	assert_int_equal(r.action, c->action);
	assert_int_equal(r.exitstatus, c->exitstatus);
	if (c->by_slug) {
		assert_string_equal(r.ping_key, c->key);
		assert_string_equal(r.slug, c->slug);
	} else
		assert_memory_equal(r.uuid, ubytes, 16);
}

static void
test_route_table(void **state)
{
	size_t	i;
	char	tmp[512];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcase *c = &cases[i];
		size_t n = strlen(c->path);

		/* path given exactly, and with junk after len (not read) */
		check_case(c, c->path, n);
		assert_true(n + 8 < sizeof(tmp));
		memcpy(tmp, c->path, n);
		memcpy(tmp + n, "/x/y?z#", 8);
		check_case(c, tmp, n);
	}
}

static const char *
long_slug(void)
{
	static char	s[256];

	memset(s, 'a', sizeof(s) - 1);
	return s;
}

static void
test_route_limits(void **state)
{
	struct ping_route	r;
	char			path[512];
	char			key[200];

	/* slug of exactly 100 is fine, 101 cannot exist */
	snprintf(path, sizeof(path), "key/%.100s", long_slug());
	assert_int_equal(route_ping(path, strlen(path), &r), ROUTE_OK);
	assert_int_equal(strlen(r.slug), 100);
	snprintf(path, sizeof(path), "key/%.101s", long_slug());
	assert_int_equal(route_ping(path, strlen(path), &r), ROUTE_NOT_FOUND);
	/* uppercase wins over length: Healthchecks checks it first */
	snprintf(path, sizeof(path), "key/A%.101s", long_slug());
	assert_int_equal(route_ping(path, strlen(path), &r), ROUTE_BAD_URL);

	memset(key, 'K', 128);
	key[128] = '\0';
	snprintf(path, sizeof(path), "%s/slug/fail", key);
	assert_int_equal(route_ping(path, strlen(path), &r), ROUTE_OK);
	assert_string_equal(r.ping_key, key);
	assert_int_equal(r.action, PA_FAIL);
	snprintf(path, sizeof(path), "K%s/slug", key);
	assert_int_equal(route_ping(path, strlen(path), &r), ROUTE_NOT_FOUND);
	/* a too-long key is "not found" even with a bad exit status */
	snprintf(path, sizeof(path), "K%s/slug/300", key);
	assert_int_equal(route_ping(path, strlen(path), &r), ROUTE_NOT_FOUND);
}

static void
test_route_bad_exit_fills(void **state)
{
	struct ping_route	r;
	const char		*p;

	p = U "/256";
	assert_int_equal(route_ping(p, strlen(p), &r), ROUTE_BAD_URL);
	assert_int_equal(r.by_slug, 0);
	assert_memory_equal(r.uuid, ubytes, 16);
	assert_int_equal(r.exitstatus, ROUTE_EXIT_TOO_BIG);
	assert_int_equal(r.action, PA_FAIL);

	p = "key/slug/18446744073709551617";
	assert_int_equal(route_ping(p, strlen(p), &r), ROUTE_BAD_URL);
	assert_int_equal(r.by_slug, 1);
	assert_string_equal(r.ping_key, "key");
	assert_string_equal(r.slug, "slug");
	assert_int_equal(r.exitstatus, ROUTE_EXIT_TOO_BIG);

	/* uppercase slug: nothing meaningful to fill */
	p = "key/Slug";
	assert_int_equal(route_ping(p, strlen(p), &r), ROUTE_BAD_URL);
	assert_int_equal(r.exitstatus, -1);
}

static void
test_uuid_helpers(void **state)
{
	uint8_t	u[16];
	char	s[37];

	assert_int_equal(uuid_parse(U, 36, u), 0);
	assert_memory_equal(u, ubytes, 16);
	uuid_format(u, s);
	assert_string_equal(s, U);

	assert_int_equal(uuid_parse(UUP, 36, u), -1);
	assert_int_equal(uuid_parse_ci(UUP, 36, u), 0);
	assert_memory_equal(u, ubytes, 16);
	assert_int_equal(uuid_parse_ci("5f1E2d3c-4B5a-6978-8796-a5b4C3d2e1f0",
	    36, u), 0);
	assert_memory_equal(u, ubytes, 16);

	assert_int_equal(uuid_parse(U, 35, u), -1);
	assert_int_equal(uuid_parse(U "0", 37, u), -1);
	assert_int_equal(uuid_parse_ci("5f1e2d3c-4b5a-6978-8796-a5b4c3d2e1fg",
	    36, u), -1);
	assert_int_equal(uuid_parse_ci("5f1e2d3c_4b5a-6978-8796-a5b4c3d2e1f0",
	    36, u), -1);
	assert_int_equal(uuid_parse_ci("5f1e2d3c-4b5a-6978-8796a-5b4c3d2e1f0",
	    36, u), -1);
	assert_int_equal(uuid_parse_ci("{f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
	    36, u), -1);
	assert_int_equal(uuid_parse_ci("", 0, u), -1);

	memset(u, 0, sizeof(u));
	uuid_format(u, s);
	assert_string_equal(s, "00000000-0000-0000-0000-000000000000");
	memset(u, 0xff, sizeof(u));
	uuid_format(u, s);
	assert_string_equal(s, "ffffffff-ffff-ffff-ffff-ffffffffffff");
	assert_int_equal(uuid_parse(s, 36, u), 0);
}

static void
test_route_is_ping(void **state)
{
	const char	*p;

	p = "/ping/" U;
	assert_int_equal(route_is_ping("", 0, p, strlen(p)), 1);
	p = "/ping/";
	assert_int_equal(route_is_ping("", 0, p, strlen(p)), 1);
	p = "/ping";
	assert_int_equal(route_is_ping("", 0, p, strlen(p)), 0);
	p = "/api/v3/checks/";
	assert_int_equal(route_is_ping("", 0, p, strlen(p)), 0);
	p = "/pingx/" U;
	assert_int_equal(route_is_ping("", 0, p, strlen(p)), 0);
	p = "/PING/" U;
	assert_int_equal(route_is_ping("", 0, p, strlen(p)), 0);
	/* under SITE_ROOT's path, as dispatch() sees it */
	p = "/hc/ping/" U;
	assert_int_equal(route_is_ping("/hc", 3, p, strlen(p)), 1);
	assert_int_equal(route_is_ping("", 0, p, strlen(p)), 0);
	p = "/ping/" U;
	assert_int_equal(route_is_ping("/hc", 3, p, strlen(p)), 0);
	p = "/hcx/ping/" U;
	assert_int_equal(route_is_ping("/hc", 3, p, strlen(p)), 0);
	p = "/hc/ping";
	assert_int_equal(route_is_ping("/hc", 3, p, strlen(p)), 0);
	/* nothing past len is read */
	p = "/ping/" U;
	assert_int_equal(route_is_ping("", 0, p, 5), 0);
	assert_int_equal(route_is_ping("", 0, p, 6), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_table),
		cmocka_unit_test(test_route_limits),
		cmocka_unit_test(test_route_bad_exit_fills),
		cmocka_unit_test(test_route_is_ping),
		cmocka_unit_test(test_uuid_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
