/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests for common/checkdef.c, the check model: validation in
 * Healthchecks' order with its exact messages, reading and applying
 * input (name → slug before v3, subject → filter_subject, tz names made
 * canonical), the generated SQL, the rendering of the check object,
 * and the helpers (unique_key, slugify, tags).
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "check.h"
#include "checkdef.h"
#include "hcd.h"
#include "json.h"

#define CODE	"0d1b2c3a-1111-4222-8333-944455556666"

/* The message for a JSON body, or "" when it validates. */
static const char *
verdict(const char *body)
{
	static char	 msg[256];
	const char	*errstr;
	struct json_doc	*d;

	d = json_parse(body, strlen(body), &errstr);
	assert_non_null(d);
	msg[0] = '\0';
	if (check_validate(d, json_root(d), msg, sizeof(msg)) == 0)
		msg[0] = '\0';
	json_doc_free(d);
	return msg;
}

static void
test_validation_messages(void **state)
{
	static const struct {
		const char	*body;
		const char	*msg;
	} t[] = {
		{ "{}", "" },
		{ "{\"name\": \"x\", \"timeout\": 60, \"grace\": 60}", "" },
		{ "{\"name\": 5}", "name is not a string" },
		{ "{\"name\": null}", "name is not a string" },
		{ "{\"timeout\": 59}", "timeout is too small" },
		{ "{\"timeout\": 31536001}", "timeout is too large" },
		{ "{\"timeout\": 60.5}", "timeout is not a number" },
		{ "{\"timeout\": true}", "timeout is too small" },
		{ "{\"grace\": \"60\"}", "grace is not a number" },
		{ "{\"slug\": \"Ab\"}", "slug does not match pattern" },
		{ "{\"slug\": \"a-b_c9\"}", "" },
		{ "{\"methods\": \"GET\"}", "methods has unexpected value" },
		{ "{\"methods\": \"POST\"}", "" },
		{ "{\"manual_resume\": 1}", "manual_resume is not a boolean" },
		{ "{\"schedule\": \"* * * *\"}",
		    "schedule is not a valid cron or OnCalendar expression" },
		{ "{\"schedule\": \"*/5 * * * *\"}", "" },
		{ "{\"tz\": \"Mars/Olympus\"}", "tz is not a valid timezone" },
		{ "{\"unique\": \"name\"}", "unique is not an array" },
		{ "{\"unique\": [\"name\", \"desc\"]}",
		    "an item in 'unique' has unexpected value" },
		{ "{\"success_kw\": \"" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
		    "success_kw is too long" },
		/* The first in Healthchecks' order wins: desc before timeout,
		 * channels before everything. */
		{ "{\"timeout\": 1, \"desc\": 5}", "desc is not a string" },
		{ "{\"tz\": 1, \"channels\": 2}", "channels is not a string" },
		{ "{\"name\": 1, \"grace\": 1}", "grace is too small" },
	};
	char	want[256];
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (*t[i].msg)
			snprintf(want, sizeof(want), "json validation error: %s",
			    t[i].msg);
		else
			want[0] = '\0';
		assert_string_equal(verdict(t[i].body), want);
	}
}

static void
blank_row(struct check_row *r)
{
	memset(r, 0, sizeof(*r));
	r->cr_id = 7;
	r->cr_project = 3;
	r->cr_code = CODE;
	r->cr_name = r->cr_slug = r->cr_tags = r->cr_desc = "";
	r->cr_schedule = "* * * * *";
	r->cr_tz = "UTC";
	r->cr_methods = r->cr_start_kw = r->cr_success_kw = "";
	r->cr_failure_kw = r->cr_channels = "";
	r->cr_badge_key = "bk";
	r->cr_kind = CK_SIMPLE;
	r->cr_timeout = 86400 * CT_SEC;
	r->cr_grace = 3600 * CT_SEC;
	r->cr_last_ping = r->cr_last_start = r->cr_last_duration = CT_NONE;
}

static void
read_apply(struct check_row *r, struct check_input *in, const char *body,
    int version)
{
	const char	*errstr;
	struct json_doc	*d = json_parse(body, strlen(body), &errstr);

	assert_non_null(d);
	check_input_read(in, d, json_root(d));
	check_apply(r, in, version);
	json_doc_free(d);
}

static void
test_apply(void **state)
{
	struct check_row	r;
	struct check_input	in;

	/* Before v3 the name also makes the slug; v3 leaves it alone. */
	blank_row(&r);
	read_apply(&r, &in, "{\"name\": \"Nightly Backup!\"}", 2);
	assert_string_equal(r.cr_name, "Nightly Backup!");
	assert_string_equal(r.cr_slug, "nightly-backup");
	check_input_free(&in);
	blank_row(&r);
	read_apply(&r, &in, "{\"name\": \"Nightly Backup!\"}", 3);
	assert_string_equal(r.cr_slug, "");
	check_input_free(&in);

	/* A schedule wins over a timeout and sets the kind. */
	blank_row(&r);
	read_apply(&r, &in, "{\"schedule\": \"0 3 * * *\", \"timeout\": 600, "
	    "\"tz\": \"Europe/Kiev\", \"grace\": 120}", 3);
	assert_int_equal(r.cr_kind, CK_CRON);
	assert_int_equal(r.cr_timeout, 86400 * CT_SEC);
	assert_int_equal(r.cr_grace, 120 * CT_SEC);
	assert_string_equal(r.cr_tz, "Europe/Kyiv");
	check_input_free(&in);
	blank_row(&r);
	read_apply(&r, &in, "{\"schedule\": \"Mon *-*-* 03:00\"}", 3);
	assert_int_equal(r.cr_kind, CK_ONCALENDAR);
	check_input_free(&in);

	/* subject / subject_fail set the keywords and filter_subject. */
	blank_row(&r);
	read_apply(&r, &in, "{\"subject\": \"ok\"}", 3);
	assert_string_equal(r.cr_success_kw, "ok");
	assert_int_equal(r.cr_filter_subject, 1);
	check_input_free(&in);
	blank_row(&r);
	read_apply(&r, &in, "{\"subject\": \"\", \"filter_subject\": true, "
	    "\"methods\": \"POST\", \"manual_resume\": true}", 3);
	assert_int_equal(r.cr_filter_subject, 1);
	assert_string_equal(r.cr_methods, "POST");
	assert_int_equal(r.cr_manual_resume, 1);
	assert_int_equal(check_input_has(&in, "methods"), 1);
	assert_int_equal(check_input_has(&in, "name"), 0);
	check_input_free(&in);

	/* unique is read as bits. */
	blank_row(&r);
	read_apply(&r, &in, "{\"unique\": [\"slug\", \"grace\"]}", 3);
	assert_int_equal(in.ci_unique, CHECK_U_SLUG | CHECK_U_GRACE);
	check_input_free(&in);
}

static void
test_sql(void **state)
{
	const char	*sel = check_select_cols(), *upd = check_update_sql();
	const char	*vals[64];
	char		 scratch[64 * 24];
	struct check_row r;
	int		 n = check_update_nparams(), i;

	assert_non_null(strstr(sel, "c.code"));
	assert_non_null(strstr(sel, "(extract(epoch FROM c.timeout) * "
	    "1000000)::bigint"));
	assert_non_null(strstr(upd, "UPDATE api_check c SET name = $2"));
	assert_non_null(strstr(upd, "WHERE c.id = $1"));
	assert_true(n > 10 && n < 64);
	blank_row(&r);
	r.cr_filter_body = 1;
	check_update_params(&r, 5, vals, scratch);
	assert_string_equal(vals[0], "7");
	assert_string_equal(vals[n - 1], "5");
	for (i = 0; i < n; i++)
		assert_non_null(vals[i]);
	check_update_params(&r, CT_NONE, vals, scratch);
	assert_null(vals[n - 1]);

	/* The state machine's columns, each once, and nothing costly. */
	assert_int_equal(check_state_ncols(), 8);
	assert_non_null(strstr(check_state_cols(), "c.kind"));
	assert_non_null(strstr(check_state_cols(), "c.schedule, c.tz"));
	assert_null(strstr(check_state_cols(), "channel"));
	assert_null(strstr(check_select_cols_list(), "channel"));
	assert_non_null(strstr(check_select_cols(), "api_channel_checks"));
}

static char *
render(const struct check_row *r, int version, int readonly)
{
	struct check_render	cx = { version, readonly,
				    "http://h", "http://h/ping/", 0 };
	struct buf		b;
	struct json_w		j;

	buf_init(&b);
	json_w_init(&j, &b);
	check_render_json(r, &cx, &j);
	buf_addc(&b, '\0');
	return (char *)b.b_data;
}

static void
test_render(void **state)
{
	struct check_row	 r;
	char			*s;

	blank_row(&r);
	r.cr_name = "N";
	s = render(&r, 3, 0);
	assert_non_null(strstr(s, "{\"name\": \"N\", \"slug\": \"\", "));
	assert_non_null(strstr(s, "\"grace\": 3600, \"n_pings\": 0, "
	    "\"status\": \"new\", \"started\": false, \"last_ping\": null, "
	    "\"next_ping\": null, "));
	assert_non_null(strstr(s, "\"badge_url\": \"http://h/b/2/bk.svg\", "
	    "\"uuid\": \"" CODE "\", \"ping_url\": \"http://h/ping/" CODE
	    "\", \"update_url\": \"http://h/api/v3/checks/" CODE "\""));
	assert_non_null(strstr(s, "\"channels\": \"\", \"timeout\": 86400}"));
	assert_null(strstr(s, "unique_key"));
	assert_null(strstr(s, "last_duration"));
	free(s);

	/* Read-only keys see unique_key instead of the URLs. */
	r.cr_kind = CK_CRON;
	r.cr_last_duration = 42 * CT_SEC;
	s = render(&r, 1, 1);
	assert_null(strstr(s, "\"uuid\""));
	assert_null(strstr(s, "ping_url"));
	assert_non_null(strstr(s, "\"last_duration\": 42, \"unique_key\": "
	    "\"cc85652a56244ff4ad8e277fa20d61d5b7089d04\", "
	    "\"schedule\": \"* * * * *\", \"tz\": \"UTC\"}"));
	free(s);
}

static int
count_tag(const char *tag, void *arg)
{
	int *n = arg;

	(*n)++;
	return strcmp(tag, "stop") == 0;
}

static void
test_helpers(void **state)
{
	char	uk[41], *s;
	int	n = 0;

	check_unique_key(CODE, uk);
	assert_string_equal(uk, "cc85652a56244ff4ad8e277fa20d61d5b7089d04");
	s = check_slugify("Hello, World!");
	assert_string_equal(s, "hello-world");
	free(s);
	s = check_slugify("  --a__b--  ");
	assert_string_equal(s, "a__b");
	free(s);
	s = check_slugify("Café au lait");
	assert_string_equal(s, "caf-au-lait");
	free(s);
	s = check_slugify("");
	assert_string_equal(s, "");
	free(s);
	assert_int_equal(check_has_tag("a  b c", "b"), 1);
	assert_int_equal(check_has_tag("ab c", "b"), 0);
	assert_int_equal(check_tags_each(" x  y stop z", count_tag, &n), 1);
	assert_int_equal(n, 3);
	assert_int_equal(check_field_index("unique") >= 0, 1);
	assert_int_equal(check_field_index("nope"), -1);
}

static void
test_tagset(void **state)
{
	struct tagset	 t;
	size_t		*order, i;
	char		 tag[32];

	tagset_init(&t);
	tagset_add_tags(&t, "b a", 0);
	tagset_add_tags(&t, "a c", 1);
	assert_int_equal(t.ts_n, 3);
	order = tagset_sorted(&t);
	assert_string_equal(t.ts_tag[order[0]], "a");
	assert_string_equal(t.ts_tag[order[1]], "b");
	assert_string_equal(t.ts_tag[order[2]], "c");
	assert_int_equal(t.ts_val[order[0]], 1);
	assert_int_equal(t.ts_val[order[1]], 0);
	free(order);
	/* Many distinct tags: each added once, found again. */
	for (i = 0; i < 5000; i++) {
		snprintf(tag, sizeof(tag), "t%zu", i);
		assert_int_equal(tagset_add(&t, tag, 0), i + 3);
	}
	for (i = 0; i < 5000; i += 499) {
		snprintf(tag, sizeof(tag), "t%zu", i);
		assert_int_equal(tagset_add(&t, tag, 2), i + 3);
		assert_int_equal(t.ts_val[i + 3], 2);
	}
	assert_int_equal(t.ts_n, 5003);
	tagset_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validation_messages),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_sql),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_tagset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
