/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The dashboard's template engine (worker/web/tmpl.c) and the escapers
 * (common/escape.c): every compiled-in template parses, values are
 * escaped unless asked for raw, blocks, loops and includes, and static
 * files get content-hashed names.  The engine is exercised through the
 * "test_*" templates, which exist for this test only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "escape.h"
#include "hcd.h"
#include "tmpl.h"

static char *
render(const char *name, struct tctx *c)
{
	struct buf	b;
	char		*s;

	buf_init(&b);
	assert_int_equal(tmpl_render(&b, name, c), 0);
	s = xstrdup(b.b_len ? (char *)b.b_data : "");
	buf_clear(&b);
	return s;
}

static void
test_all_parse(void **state)
{
	char err[256] = "";

	(void)state;
	if (tmpl_init(err, sizeof(err)) != 0)
		fail_msg("template error: %s", err);
	assert_true(web_ntemplates > 3);
}

static void
test_escape(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	buf_add_html(&b, "<script>alert(1)</script> \"q\" 'a' & b", 38);
	assert_string_equal((char *)b.b_data, "&lt;script&gt;alert(1)&lt;/script&gt; "
	    "&quot;q&quot; &#x27;a&#x27; &amp; b");
	buf_reset(&b);
	esc_url(&b, "a b/c?d=é&", 11);
	assert_string_equal((char *)b.b_data, "a%20b%2Fc%3Fd%3D%C3%A9%26");
	buf_clear(&b);
}

static void
test_vars(void **state)
{
	struct tctx	*c = tctx_new();
	char		*s;

	(void)state;
	tset(c, "name", "<b>\"x\" & 'y'</b>");
	tset(c, "markup", "<i>ok</i>");
	tset(c, "q", "a b&c");
	s = render("test_vars", c);
	assert_string_equal(s, "[&lt;b&gt;&quot;x&quot; &amp; &#x27;y&#x27;&lt;/b&gt;]"
	    "[<i>ok</i>][a%20b%26c][]\n");
	free(s);
	tctx_free(c);
}

static void
test_blocks(void **state)
{
	struct tctx	*c = tctx_new(), *it;
	char		*s;

	(void)state;
	tset(c, "yes", "1");
	tset(c, "no", "0");
	tset(c, "kind", "cron");
	tset(c, "title", "T");
	it = tadd(c, "items");
	tset(it, "n", "a<");
	it = tadd(c, "items");
	tset(it, "n", "b");
	tset(it, "title", "inner");
	s = render("test_blocks", c);
	assert_string_equal(s, "Y|N|cron|not-simple|a&lt;:T,b:inner,|T\n");
	free(s);
	tctx_free(c);

	/* an empty context: every name renders as nothing, ifs are false */
	c = tctx_new();
	s = render("test_blocks", c);
	assert_string_equal(s, "n|N|-|not-simple||\n");
	free(s);
	tctx_free(c);
}

static void
test_static(void **state)
{
	const char		*p;
	const struct web_file	*f;
	struct tctx		*c = tctx_new();
	char			*s, want[128];

	(void)state;
	p = tmpl_static_path("app.css");
	assert_non_null(p);
	assert_int_equal(strncmp(p, "/static/app.", 12), 0);
	assert_int_equal(strlen(p), strlen("/static/app..css") + 10);
	f = tmpl_static_lookup(p, strlen(p));
	assert_non_null(f);
	assert_string_equal(f->wf_name, "app.css");
	assert_null(tmpl_static_lookup("/static/app.css", 15));
	assert_null(tmpl_static_path("nope.css"));
	assert_string_equal(tmpl_static_ctype("x.js"),
	    "text/javascript; charset=utf-8");
	s = render("test_static", c);
	snprintf(want, sizeof(want), "%s\n", p);
	assert_string_equal(s, want);
	free(s);
	tctx_free(c);
}

static void
test_gzip(void **state)
{
	const char		*p = tmpl_static_path("app.css");
	const struct web_file	*f = tmpl_static_lookup(p, strlen(p)), *gz;
	unsigned char		*out;
	uLongf			 n;

	(void)state;
	gz = tmpl_static_gzip(f);
	assert_non_null(gz);
	assert_true(gz->wf_len < f->wf_len / 2);
	/* a gzip member: zlib's uncompress wants zlib framing, so inflate */
	{
		z_stream z;

		memset(&z, 0, sizeof(z));
		n = f->wf_len + 16;
		out = xmalloc(n);
		assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
		z.next_in = (unsigned char *)(uintptr_t)gz->wf_data;
		z.avail_in = (uInt)gz->wf_len;
		z.next_out = out;
		z.avail_out = (uInt)n;
		assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
		assert_int_equal(z.total_out, f->wf_len);
		assert_memory_equal(out, f->wf_data, f->wf_len);
		inflateEnd(&z);
		free(out);
	}
}

static void
test_unknown(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(tmpl_render(&b, "no_such_template", NULL), -1);
	buf_clear(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_parse),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_vars),
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
