/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * libFuzzer target for common/json.c.  Parses the input, calls every
 * getter on every token, writes the document back out through the
 * writer and checks that the output parses and that strings and numbers
 * survive the round trip; also escapes the raw input as a string.
 *
 * Build and run (from the repository root):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon -D_GNU_SOURCE \
 *       common/json.c common/util.c common/log.c tests/fuzz/json_fuzz.c \
 *       -lm -o build/json_fuzz
 *   mkdir -p build/json_corpus && build/json_fuzz -max_total_time=60 \
 *       -max_len=4096 build/json_corpus
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct json_doc *
must_parse(struct buf *b)
{
	struct json_doc	*d;
	const char	*err;

	d = json_parse((const char *)b->b_data, b->b_len, &err);
	if (d == NULL)
		abort();	/* the writer produced invalid JSON */
	return d;
}

static void
check_string(const struct json_doc *d, int t)
{
	struct json_doc	*d2;
	struct json_w	 w;
	struct buf	 b;
	char		*s, *s2;
	size_t		 n, n2;

	if ((s = json_strn(d, t, &n)) == NULL)
		abort();
	buf_init(&b);
	json_w_init(&w, &b);
	json_w_strn(&w, s, n);
	d2 = must_parse(&b);
	s2 = json_strn(d2, json_root(d2), &n2);
	if (s2 == NULL || n2 != n || memcmp(s, s2, n) != 0)
		abort();
	if (!json_str_eq(d, t, s) && strlen(s) == n)
		abort();
	free(s2);
	free(s);
	json_doc_free(d2);
	buf_clear(&b);
}

static void
check_number(const struct json_doc *d, int t)
{
	struct json_doc	*d2;
	struct json_w	 w;
	struct buf	 b;
	int64_t		 v;
	double		 x, x2;
	int		 r;

	if (json_num(d, t, &x) != 0)
		abort();
	r = json_int(d, t, &v);
	if (r == 0 && !json_is_intlit(d, t))
		abort();
	if (r == 1 && (json_is_intlit(d, t) || (double)v != x))
		abort();
	if (!isfinite(x))
		return;
	buf_init(&b);
	json_w_init(&w, &b);
	json_w_double(&w, x, -1);
	d2 = must_parse(&b);
	if (json_num(d2, json_root(d2), &x2) != 0 || x2 != x)
		abort();
	json_doc_free(d2);
	buf_reset(&b);
	json_w_double(&w, x, 2);
	json_doc_free(must_parse(&b));
	buf_clear(&b);
}

/* Writes token t and its subtree; containers too deep become null. */
static void
emit(const struct json_doc *d, int t, struct json_w *w)
{
	int64_t	 iv;
	double	 x;
	char	*s;
	size_t	 n;
	int	 it, k, v;

	switch (json_type(d, t)) {
	case JSON_OBJECT:
		if (w->depth >= JSON_W_MAXDEPTH) {
			json_w_null(w);
			break;
		}
		json_w_obj_begin(w);
		for (it = 0; (it = json_obj_next(d, t, it, &k, &v)) != -1;) {
			s = json_str(d, k);
			json_w_key(w, s);
			free(s);
			emit(d, v, w);
		}
		json_w_obj_end(w);
		break;
	case JSON_ARRAY:
		if (w->depth >= JSON_W_MAXDEPTH) {
			json_w_null(w);
			break;
		}
		json_w_arr_begin(w);
		for (it = 0; (it = json_arr_next(d, t, it, &v)) != -1;)
			emit(d, v, w);
		json_w_arr_end(w);
		break;
	case JSON_STRING:
		s = json_strn(d, t, &n);
		json_w_strn(w, s, n);
		free(s);
		break;
	case JSON_NUMBER:
		if (json_int(d, t, &iv) == 0)
			json_w_int(w, iv);
		else {
			json_num(d, t, &x);
			json_w_double(w, x, -1);
		}
		break;
	case JSON_TRUE:
		json_w_bool(w, 1);
		break;
	case JSON_FALSE:
		json_w_bool(w, 0);
		break;
	case JSON_NULL:
		json_w_null(w);
		break;
	default:
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_doc	*d;
	struct json_w	 w;
	struct buf	 b;
	const char	*err;
	char		 ts[JSON_TIME_MAX];
	int64_t		 t64;
	int		 t, n, k, v, it, cnt;

	/* Arbitrary bytes as a string value must come out as valid JSON. */
	buf_init(&b);
	json_w_init(&w, &b);
	json_w_arr_begin(&w);
	json_w_strn(&w, (const char *)data, size);
	json_w_arr_end(&w);
	json_doc_free(must_parse(&b));
	buf_clear(&b);

	if (size >= sizeof(t64)) {
		memcpy(&t64, data, sizeof(t64));
		json_fmt_time(ts, sizeof(ts), t64, 1);
		json_fmt_time(ts, sizeof(ts), t64, 0);
	}

	if ((d = json_parse((const char *)data, size, &err)) == NULL) {
		if (err == NULL)
			abort();
		return 0;
	}
	n = json_ntokens(d);
	for (t = 0; t < n; t++) {
		switch (json_type(d, t)) {
		case JSON_OBJECT:
			cnt = 0;
			for (it = 0; (it = json_obj_next(d, t, it, &k, &v)) !=
			    -1; cnt++) {
				size_t	 klen;
				char	*key = json_strn(d, k, &klen);

				if (key == NULL)
					abort();
				/* The last duplicate wins, so v <= found. */
				if (strlen(key) == klen &&
				    json_obj_get(d, t, key) < v)
					abort();
				free(key);
			}
			if (json_arr_len(d, t) != -1)
				abort();
			break;
		case JSON_ARRAY:
			cnt = 0;
			for (it = 0; (it = json_arr_next(d, t, it, &v)) != -1;
			    cnt++)
				if (json_arr_get(d, t, cnt) != v)
					abort();
			if (cnt != json_arr_len(d, t))
				abort();
			break;
		case JSON_STRING:
			check_string(d, t);
			break;
		case JSON_NUMBER:
			check_number(d, t);
			break;
		case JSON_TRUE:
		case JSON_FALSE:
		case JSON_NULL:
			if (json_str(d, t) != NULL || json_is_intlit(d, t))
				abort();
			break;
		default:
			abort();
		}
	}
	if (json_type(d, n) != JSON_INVALID)
		abort();

	/* The whole document, re-serialized, parses again. */
	buf_init(&b);
	json_w_init(&w, &b);
	emit(d, json_root(d), &w);
	if (w.depth != 0)
		abort();
	json_doc_free(must_parse(&b));
	buf_clear(&b);
	json_doc_free(d);
	return 0;
}
