/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests of common/json.c: which documents the reader accepts and
 * rejects, every getter, and the writer's output compared byte for byte
 * with what CPython 3 json.dumps(), datetime.isoformat() and
 * repr(round(x, 2)) print (expected strings were produced by running
 * /usr/bin/python3 and pasted here).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "json.h"

static struct json_doc *
parse(const char *s)
{
	const char	*err = NULL;
	struct json_doc	*d;

	d = json_parse(s, strlen(s), &err);
	if (d == NULL)
		print_error("parse failed: %s: %s\n", err, s);
	assert_non_null(d);
	assert_null(err);
	return d;
}

static void
valid_docs(void **state)
{
	static const char *ok[] = {
		"{}", "[]", " { } ", "\t\r\n[\n]\n", "0", "-0", "1", "-1",
		"123", "1.5", "-0.0", "1e5", "1E+5", "1e-5", "0.5e10",
		"true", "false", "null", "\"\"", "\"abc\"",
		"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\u00e9\\u20AC\"",
		"\"\\ud83d\\ude00\"",
		"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
		"{\"a\":1}", "{\"a\" : [1, 2, {\"b\": null}], \"c\": \"d\"}",
		"[[[[[]]]]]", "[1,\"a\",true,false,null,{},[]]",
		"{\"\":\"\"}", "\"\\u0000\"",
	};
	size_t	i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		json_doc_free(parse(ok[i]));
}

static void
invalid_docs(void **state)
{
	static const char *bad[] = {
		"", " ", "\n\t", "{", "}", "[", "]", "[1,]", "{\"a\":1,}",
		"[,1]", "{,}", "[1 2]", "{\"a\" 1}", "{\"a\":}", "{\"a\"}",
		"{1:2}", "{'a':1}", "['a']", "[abc]", "tru", "True", "nul",
		"nulll", "truefalse", "[true false]", "NaN", "Infinity",
		"-Infinity", "01", "-01", "00", "1.", ".5", "-", "+1", "1e",
		"1e+", "1.e5", "0x10", "1 2", "{} {}", "[] x", "\"a\" \"b\"",
		"\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\ud800\"",
		"\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\ud800x\"",
		"\"\\ude00\\ud83d\"", "\"a\nb\"", "\"a\tb\"", "\"\x01\"",
		"\"\xff\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xe2\x82\"",
		"\"\xf4\x90\x80\x80\"", "\xef\xbb\xbf{}", "[1]]", "[1}",
		"{\"a\":1]", "{\"a\":1}}", "[\"a\":1]", "{\"a\":1:2}",
		"[1,,2]", "{\"a\"::1}", "\"\\\"", "/* c */ {}", "[1] // x",
		"\x0b[]", "[\"\\u00e9\"] ,",
	};
	const char	*err;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		if (json_parse(bad[i], strlen(bad[i]), &err) != NULL)
			print_error("accepted: [%s]\n", bad[i]);
		assert_null(json_parse(bad[i], strlen(bad[i]), &err));
		assert_non_null(err);
	}
	/* An embedded NUL is not whitespace. */
	err = NULL;
	assert_null(json_parse("[1]\0", 4, &err));
	assert_non_null(err);
	assert_null(json_parse("\"a\0b\"", 5, &err));
	/* Length is honoured: no NUL terminator needed. */
	json_doc_free(json_parse("[1]xyz", 3, &err));
	assert_null(err);
}

static void
limits(void **state)
{
	const char	*err;
	struct json_doc	*d;
	char		*s;
	size_t		 n, i;

	/* JSON_MAX_DEPTH levels are fine, one more is not. */
	n = JSON_MAX_DEPTH;
	s = malloc(2 * n + 2);
	for (i = 0; i < n; i++) {
		s[i] = '[';
		s[2 * n - 1 - i] = ']';
	}
	d = json_parse(s, 2 * n, &err);
	assert_non_null(d);
	assert_int_equal(json_ntokens(d), JSON_MAX_DEPTH);
	json_doc_free(d);
	free(s);
	n = JSON_MAX_DEPTH + 1;
	s = malloc(2 * n + 2);
	for (i = 0; i < n; i++) {
		s[i] = '[';
		s[2 * n - 1 - i] = ']';
	}
	assert_null(json_parse(s, 2 * n, &err));
	assert_string_equal(err, "nesting too deep");
	free(s);

	/* Too many tokens: "[0,0,...]" with JSON_MAX_TOKENS zeros. */
	n = JSON_MAX_TOKENS;
	s = malloc(2 * n + 2);
	s[0] = '[';
	for (i = 0; i < n; i++) {
		s[1 + 2 * i] = '0';
		s[2 + 2 * i] = ',';
	}
	s[2 * n] = ']';
	assert_null(json_parse(s, 2 * n + 1, &err));
	assert_string_equal(err, "too many values");
	/* One fewer zero fits exactly. */
	s[2 * n - 2] = ']';
	d = json_parse(s, 2 * n - 1, &err);
	assert_non_null(d);
	assert_int_equal(json_ntokens(d), JSON_MAX_TOKENS);
	assert_int_equal(json_arr_len(d, 0), JSON_MAX_TOKENS - 1);
	json_doc_free(d);
	free(s);

	/* Input size cap. */
	n = JSON_MAX_INPUT + 1;
	s = malloc(n);
	memset(s, ' ', n);
	s[0] = '0';
	assert_null(json_parse(s, n, &err));
	assert_string_equal(err, "input too large");
	d = json_parse(s, n - 1, &err);
	assert_non_null(d);
	json_doc_free(d);
	free(s);
}

static void
getters(void **state)
{
	struct json_doc	*d;
	int64_t		 v;
	double		 x;
	size_t		 n;
	char		*s;
	int		 r, t, k, it, cnt;

	d = parse("{\"name\": \"Backup \\\"db\\\"\", \"grace\": 60,"
	    " \"f\": 60.0, \"e\": 6e1, \"half\": 60.5, \"neg\": -5,"
	    " \"big\": 99999999999999999999, \"nbig\": -99999999999999999999,"
	    " \"tags\": [\"a\", [1, {\"x\": 2}], null, true, false],"
	    " \"obj\": {\"k\": {}}, \"esc\\u0041\": 1, \"nul\": \"a\\u0000b\","
	    " \"huge\": 1e400}");
	r = json_root(d);
	assert_int_equal(r, 0);
	assert_int_equal(json_type(d, r), JSON_OBJECT);
	assert_int_equal(json_type(d, -1), JSON_INVALID);
	assert_int_equal(json_type(d, json_ntokens(d)), JSON_INVALID);

	t = json_obj_get(d, r, "name");
	assert_int_equal(json_type(d, t), JSON_STRING);
	s = json_str(d, t);
	assert_string_equal(s, "Backup \"db\"");
	free(s);
	assert_true(json_str_eq(d, t, "Backup \"db\""));
	assert_false(json_str_eq(d, t, "Backup"));
	assert_null(json_str(d, r));
	assert_int_equal(json_obj_get(d, r, "missing"), -1);
	assert_int_equal(json_obj_get(d, t, "name"), -1);

	t = json_obj_get(d, r, "grace");
	assert_int_equal(json_type(d, t), JSON_NUMBER);
	assert_true(json_is_intlit(d, t));
	assert_int_equal(json_int(d, t, &v), 0);
	assert_int_equal(v, 60);
	assert_int_equal(json_num(d, t, &x), 0);
	assert_true(x == 60.0);

	t = json_obj_get(d, r, "f");
	assert_false(json_is_intlit(d, t));
	assert_int_equal(json_int(d, t, &v), 1);
	assert_int_equal(v, 60);
	t = json_obj_get(d, r, "e");
	assert_false(json_is_intlit(d, t));
	assert_int_equal(json_int(d, t, &v), 1);
	assert_int_equal(v, 60);
	t = json_obj_get(d, r, "half");
	assert_int_equal(json_int(d, t, &v), -1);
	assert_int_equal(json_num(d, t, &x), 0);
	assert_true(x == 60.5);
	t = json_obj_get(d, r, "neg");
	assert_int_equal(json_int(d, t, &v), 0);
	assert_int_equal(v, -5);
	t = json_obj_get(d, r, "big");
	assert_true(json_is_intlit(d, t));
	assert_int_equal(json_int(d, t, &v), -1);
	assert_true(v == INT64_MAX);
	t = json_obj_get(d, r, "nbig");
	assert_int_equal(json_int(d, t, &v), -1);
	assert_true(v == INT64_MIN);
	t = json_obj_get(d, r, "huge");
	assert_int_equal(json_int(d, t, &v), -1);
	assert_int_equal(json_num(d, t, &x), 0);
	assert_true(x > 1e308);

	t = json_obj_get(d, r, "tags");
	assert_int_equal(json_type(d, t), JSON_ARRAY);
	assert_int_equal(json_arr_len(d, t), 5);
	assert_int_equal(json_arr_len(d, r), -1);
	assert_true(json_str_eq(d, json_arr_get(d, t, 0), "a"));
	k = json_arr_get(d, t, 1);
	assert_int_equal(json_type(d, k), JSON_ARRAY);
	assert_int_equal(json_arr_len(d, k), 2);
	assert_int_equal(json_type(d, json_arr_get(d, t, 2)), JSON_NULL);
	assert_int_equal(json_type(d, json_arr_get(d, t, 3)), JSON_TRUE);
	assert_int_equal(json_type(d, json_arr_get(d, t, 4)), JSON_FALSE);
	assert_int_equal(json_arr_get(d, t, 5), -1);
	assert_int_equal(json_arr_get(d, t, -1), -1);
	k = json_arr_get(d, k, 1);
	assert_int_equal(json_type(d, json_obj_get(d, k, "x")), JSON_NUMBER);
	assert_int_equal(json_num(d, json_arr_get(d, t, 0), &x), -1);
	assert_int_equal(json_int(d, json_arr_get(d, t, 2), &v), -1);
	assert_false(json_is_intlit(d, json_arr_get(d, t, 3)));

	/* Array iteration visits exactly the 5 elements. */
	cnt = 0;
	for (it = 0; (it = json_arr_next(d, t, it, &k)) != -1; cnt++)
		assert_int_equal(k, json_arr_get(d, t, cnt));
	assert_int_equal(cnt, 5);
	assert_int_equal(json_arr_next(d, r, 0, &k), -1);

	t = json_obj_get(d, r, "obj");
	k = json_obj_get(d, t, "k");
	assert_int_equal(json_type(d, k), JSON_OBJECT);
	assert_int_equal(json_obj_next(d, k, 0, NULL, NULL), -1);

	/* Keys are compared decoded. */
	assert_int_not_equal(json_obj_get(d, r, "escA"), -1);
	assert_int_equal(json_obj_get(d, r, "esc\\u0041"), -1);

	t = json_obj_get(d, r, "nul");
	s = json_strn(d, t, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(s, "a\0b", 4);
	free(s);
	json_doc_free(d);

	/* Scalars at the root. */
	d = parse(" -12 ");
	assert_int_equal(json_int(d, json_root(d), &v), 0);
	assert_int_equal(v, -12);
	json_doc_free(d);
	d = parse("\"\\u00e9\\ud83d\\ude00/\\/\"");
	s = json_str(d, 0);
	assert_string_equal(s, "\xc3\xa9\xf0\x9f\x98\x80//");
	free(s);
	json_doc_free(d);
	d = parse("9223372036854775807");
	assert_int_equal(json_int(d, 0, &v), 0);
	assert_true(v == INT64_MAX);
	json_doc_free(d);
	d = parse("-9223372036854775808");
	assert_int_equal(json_int(d, 0, &v), 0);
	assert_true(v == INT64_MIN);
	json_doc_free(d);
	d = parse("9223372036854775808.0");
	assert_int_equal(json_int(d, 0, &v), -1);
	json_doc_free(d);
	d = parse("-9223372036854775808.0");
	assert_int_equal(json_int(d, 0, &v), 1);
	assert_true(v == INT64_MIN);
	json_doc_free(d);

	assert_int_equal(json_type(NULL, 0), JSON_INVALID);
	json_doc_free(NULL);
}

static void
duplicates_and_iteration(void **state)
{
	static const char *keys[] = { "a", "b", "a", "c" };
	struct json_doc	*d;
	int64_t		 v;
	char		*s;
	int		 it, k, val, i;

	d = parse("{\"a\": 1, \"b\": {\"a\": 9}, \"a\": 2, \"c\": [1, [2]]}");
	assert_int_equal(json_int(d, json_obj_get(d, 0, "a"), &v), 0);
	assert_int_equal(v, 2);
	i = 0;
	for (it = 0; (it = json_obj_next(d, 0, it, &k, &val)) != -1; i++) {
		assert_true(i < 4);
		s = json_str(d, k);
		assert_string_equal(s, keys[i]);
		free(s);
		assert_int_equal(val, k + 1);
	}
	assert_int_equal(i, 4);
	assert_int_equal(json_obj_next(d, 0, 999, &k, &val), -1);
	assert_int_equal(json_obj_next(d, json_obj_get(d, 0, "c"), 0, &k,
	    &val), -1);
	json_doc_free(d);
}

static const char *
wout(struct buf *b)
{
	return (const char *)b->b_data;
}

static void
writer_spacing(void **state)
{
	struct json_w	w;
	struct buf	b;

	buf_init(&b);
	json_w_init(&w, &b);
	json_w_obj_begin(&w);
	json_w_key(&w, "name");
	json_w_str(&w, "x");
	json_w_key(&w, "tags");
	json_w_str(&w, "a b");
	json_w_key(&w, "grace");
	json_w_int(&w, 3600);
	json_w_key(&w, "n_pings");
	json_w_int(&w, 0);
	json_w_key(&w, "started");
	json_w_bool(&w, 0);
	json_w_key(&w, "last_ping");
	json_w_str(&w, NULL);
	json_w_key(&w, "manual_resume");
	json_w_bool(&w, 1);
	json_w_obj_end(&w);
	assert_int_equal(w.depth, 0);
	/* json.dumps({"name": "x", "tags": "a b", "grace": 3600, ...}) */
	assert_string_equal(wout(&b), "{\"name\": \"x\", \"tags\": \"a b\", "
	    "\"grace\": 3600, \"n_pings\": 0, \"started\": false, "
	    "\"last_ping\": null, \"manual_resume\": true}");

	buf_reset(&b);
	json_w_init(&w, &b);
	json_w_obj_begin(&w);
	json_w_key(&w, "checks");
	json_w_arr_begin(&w);
	json_w_obj_begin(&w);
	json_w_key(&w, "a");
	json_w_int(&w, 1);
	json_w_obj_end(&w);
	json_w_obj_begin(&w);
	json_w_key(&w, "b");
	json_w_arr_begin(&w);
	json_w_int(&w, 1);
	json_w_raw(&w, "2");
	json_w_arr_begin(&w);
	json_w_arr_end(&w);
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	assert_string_equal(wout(&b),
	    "{\"checks\": [{\"a\": 1}, {\"b\": [1, 2, []]}]}");

	buf_reset(&b);
	json_w_init(&w, &b);
	json_w_arr_begin(&w);
	json_w_arr_begin(&w);
	json_w_arr_end(&w);
	json_w_obj_begin(&w);
	json_w_obj_end(&w);
	json_w_null(&w);
	json_w_int(&w, INT64_MIN);
	json_w_arr_end(&w);
	assert_string_equal(wout(&b), "[[], {}, null, -9223372036854775808]");

	/* A bare value at the top level. */
	buf_reset(&b);
	json_w_init(&w, &b);
	json_w_str(&w, "k\"ey");
	assert_string_equal(wout(&b), "\"k\\\"ey\"");
	buf_clear(&b);
}

static void
check_escape(const char *in, size_t n, const char *want)
{
	struct json_w	w;
	struct buf	b;

	buf_init(&b);
	json_w_init(&w, &b);
	json_w_strn(&w, in, n);
	assert_string_equal(wout(&b), want);
	buf_clear(&b);
}

static void
writer_escaping(void **state)
{
	struct json_w	w;
	struct buf	b;

	/* json.dumps("\x7f\x00\x1f\u00e9\U0001F600\u2028/\"\\\b\f\n\r\t") */
	check_escape("\x7f\0\x1f\xc3\xa9\xf0\x9f\x98\x80\xe2\x80\xa8/\"\\"
	    "\b\f\n\r\t", 20, "\"\\u007f\\u0000\\u001f\\u00e9\\ud83d\\ude00"
	    "\\u2028/\\\"\\\\\\b\\f\\n\\r\\t\"");
	/* json.dumps("ab\u00e9\u20ac\U0001F600\x01\x7f\u0080") */
	check_escape("ab\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x01\x7f\xc2\x80",
	    15, "\"ab\\u00e9\\u20ac\\ud83d\\ude00\\u0001\\u007f\\u0080\"");
	/* json.dumps(B.decode("utf-8", "replace")) for invalid B */
	check_escape("a\xe2\x82" "Ab", 5, "\"a\\ufffdAb\"");
	check_escape("\xff\xfe", 2, "\"\\ufffd\\ufffd\"");
	check_escape("\xed\xa0\x80x", 4, "\"\\ufffd\\ufffd\\ufffdx\"");
	check_escape("\xf0\x9f\x98", 3, "\"\\ufffd\"");
	check_escape("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");
	check_escape("\xf4\x90\x80\x80", 4,
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	check_escape("ok\xc3\xa9", 4, "\"ok\\u00e9\"");
	check_escape("\xef\xbf\xbf\xf4\x8f\xbf\xbf", 7,
	    "\"\\uffff\\udbff\\udfff\"");
	check_escape("", 0, "\"\"");

	/* Keys are escaped the same way. */
	buf_init(&b);
	json_w_init(&w, &b);
	json_w_obj_begin(&w);
	json_w_key(&w, "k\xc3\xa9\n");
	json_w_str(&w, "v");
	json_w_obj_end(&w);
	assert_string_equal(wout(&b), "{\"k\\u00e9\\n\": \"v\"}");
	buf_clear(&b);
}

static void
roundtrip(void **state)
{
	static const char	*in = "\"\\u00e9\\ud83d\\ude00 \\\" \\\\ "
	    "\\/ \\u0001 \\u007f x\"";
	struct json_doc		*d;
	struct json_w		 w;
	struct buf		 b;
	char			*s;
	size_t			 n;

	d = parse(in);
	s = json_strn(d, 0, &n);
	buf_init(&b);
	json_w_init(&w, &b);
	json_w_strn(&w, s, n);
	/* Python: json.dumps(json.loads(in)) */
	assert_string_equal(wout(&b), "\"\\u00e9\\ud83d\\ude00 \\\" \\\\ / "
	    "\\u0001 \\u007f x\"");
	free(s);
	buf_clear(&b);
	json_doc_free(d);
}

struct dcase {
	double		 x;
	const char	*want;
};

static void
doubles(void **state)
{
	/* repr(round(x, 2)) */
	static const struct dcase c2[] = {
		{ 1.5, "1.5" }, { 2.0, "2.0" }, { 0.1 + 0.2, "0.3" },
		{ 0.125, "0.12" }, { 0.375, "0.38" }, { 2.675, "2.67" },
		{ 123.456, "123.46" }, { 0.004, "0.0" }, { 0.005, "0.01" },
		{ 0.015, "0.01" }, { -0.001, "-0.0" }, { 1e16, "1e+16" },
		{ 1e15 + 0.3, "1000000000000000.2" }, { 12345.678, "12345.68" },
		{ 3600.0, "3600.0" }, { 0.1, "0.1" }, { 1e-7, "0.0" },
		{ 86400.999, "86401.0" }, { 1e22, "1e+22" }, { 5e-324, "0.0" },
		{ 1.7976931348623157e308, "1.7976931348623157e+308" },
		{ 0.0, "0.0" }, { -2.5, "-2.5" },
	};
	/* repr(x): no rounding (decimals out of range) */
	static const struct dcase cr[] = {
		{ 1e-5, "1e-05" }, { 0.0001, "0.0001" }, { 1e16, "1e+16" },
		{ 123456789.0, "123456789.0" }, { 0.1 + 0.2,
		"0.30000000000000004" }, { 5e-324, "5e-324" },
		{ 1.5e300, "1.5e+300" }, { 123456789012345680.0,
		"1.2345678901234568e+17" }, { 1e15, "1000000000000000.0" },
		{ -0.0, "-0.0" },
	};
	struct json_w	w;
	struct buf	b;
	char		s[64];
	size_t		i;

	for (i = 0; i < sizeof(c2) / sizeof(c2[0]); i++) {
		json_fmt_double(s, sizeof(s), c2[i].x, 2);
		assert_string_equal(s, c2[i].want);
	}
	for (i = 0; i < sizeof(cr) / sizeof(cr[0]); i++) {
		json_fmt_double(s, sizeof(s), cr[i].x, -1);
		assert_string_equal(s, cr[i].want);
	}
	buf_init(&b);
	json_w_init(&w, &b);
	json_w_obj_begin(&w);
	json_w_key(&w, "duration");
	json_w_double(&w, 12.3456, 2);
	json_w_obj_end(&w);
	assert_string_equal(wout(&b), "{\"duration\": 12.35}");
	buf_clear(&b);
}

struct tcase {
	int64_t		 us;
	const char	*with_us;
	const char	*without;
};

static void
times(void **state)
{
	/* datetime(1970,1,1,tzinfo=utc) + timedelta(microseconds=us) */
	static const struct tcase c[] = {
		{ 0, "1970-01-01T00:00:00+00:00",
		    "1970-01-01T00:00:00+00:00" },
		{ 1795401374123456LL, "2026-11-23T02:36:14.123456+00:00",
		    "2026-11-23T02:36:14+00:00" },
		{ 1795401374000000LL, "2026-11-23T02:36:14+00:00",
		    "2026-11-23T02:36:14+00:00" },
		{ 1795401374000001LL, "2026-11-23T02:36:14.000001+00:00",
		    "2026-11-23T02:36:14+00:00" },
		{ 946684799999999LL, "1999-12-31T23:59:59.999999+00:00",
		    "1999-12-31T23:59:59+00:00" },
		{ -1, "1969-12-31T23:59:59.999999+00:00",
		    "1969-12-31T23:59:59+00:00" },
		{ -1000000, "1969-12-31T23:59:59+00:00",
		    "1969-12-31T23:59:59+00:00" },
		{ 2147483648000000LL, "2038-01-19T03:14:08+00:00",
		    "2038-01-19T03:14:08+00:00" },
		{ 4102444800500000LL, "2100-01-01T00:00:00.500000+00:00",
		    "2100-01-01T00:00:00+00:00" },
		{ 253402300799999999LL, "9999-12-31T23:59:59.999999+00:00",
		    "9999-12-31T23:59:59+00:00" },
		{ 788400000000001LL, "1994-12-26T00:00:00.000001+00:00",
		    "1994-12-26T00:00:00+00:00" },
	};
	struct json_w	w;
	struct buf	b;
	char		s[JSON_TIME_MAX];
	size_t		i, n;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		n = json_fmt_time(s, sizeof(s), c[i].us, 1);
		assert_string_equal(s, c[i].with_us);
		assert_int_equal(n, strlen(c[i].with_us));
		json_fmt_time(s, sizeof(s), c[i].us, 0);
		assert_string_equal(s, c[i].without);
	}
	/* Truncation is reported like snprintf. */
	n = json_fmt_time(s, 10, 0, 0);
	assert_int_equal(n, 25);
	assert_string_equal(s, "1970-01-0");

	buf_init(&b);
	json_w_init(&w, &b);
	json_w_obj_begin(&w);
	json_w_key(&w, "last_ping");
	json_w_time(&w, 1795401374123456LL);
	json_w_key(&w, "date");
	json_w_time_us(&w, 1795401374123456LL);
	json_w_key(&w, "d0");
	json_w_time_us(&w, 1795401374000000LL);
	json_w_obj_end(&w);
	assert_string_equal(wout(&b), "{\"last_ping\": "
	    "\"2026-11-23T02:36:14+00:00\", \"date\": "
	    "\"2026-11-23T02:36:14.123456+00:00\", \"d0\": "
	    "\"2026-11-23T02:36:14+00:00\"}");
	buf_clear(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_docs),
		cmocka_unit_test(invalid_docs),
		cmocka_unit_test(limits),
		cmocka_unit_test(getters),
		cmocka_unit_test(duplicates_and_iteration),
		cmocka_unit_test(writer_spacing),
		cmocka_unit_test(writer_escaping),
		cmocka_unit_test(roundtrip),
		cmocka_unit_test(doubles),
		cmocka_unit_test(times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
