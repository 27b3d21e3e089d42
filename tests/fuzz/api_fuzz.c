/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * libFuzzer target for the API's JSON and validation layer: the input
 * is a request body as POST /api/v3/checks/ and POST .../checks/<uuid>
 * receive it.  It goes through json_parse() (common/json.c) and, when
 * it is an object, check_validate(); a body that validates is read with
 * check_input_read(), applied to a check with check_apply()
 * (common/checkdef.c) as each API version would, and the check is then
 * rendered as the API answers it, its UPDATE parameters are built and
 * its next expected ping is computed.  Checks beyond memory safety: a
 * refusal is one "json validation error: ..." message, and the
 * rendered check is a JSON object that parses.
 *
 * Built and run by `make fuzz` (GNUmakefile).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "check.h"
#include "checkdef.h"
#include "json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define CODE		"5f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"

/* A check as a fresh create makes it (the database's defaults). */
static void
base_row(struct check_row *r)
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

static int
count_tag(const char *tag, void *arg)
{
	CHECK(*tag != '\0' && strchr(tag, ' ') == NULL);
	(*(int *)arg)++;
	return 0;
}

static void
use_row(const struct check_row *r, int version)
{
	struct check_render	 cx;
	struct check_state	 st;
	struct json_doc		*d;
	struct json_w		 w;
	struct buf		 b;
	const char		*err, **vals;
	char			*scratch;
	int			 n, ntags = 0;

	cx.cx_version = version;
	cx.cx_readonly = version == 2;
	cx.cx_site_root = "http://localhost:8000";
	cx.cx_ping_endpoint = "http://localhost:8000/ping/";
	cx.cx_now = INT64_C(1700000000) * CT_SEC;
	buf_init(&b);
	json_w_init(&w, &b);
	check_render_json(r, &cx, &w);
	CHECK(w.depth == 0);
	d = json_parse((const char *)b.b_data, b.b_len, &err);
	CHECK(d != NULL && json_type(d, json_root(d)) == JSON_OBJECT);
	json_doc_free(d);
	buf_clear(&b);

	n = check_update_nparams();
	vals = calloc((size_t)n, sizeof(*vals));
	scratch = calloc((size_t)n, 24);
	CHECK(vals != NULL && scratch != NULL);
	check_update_params(r, CT_NONE, vals, scratch);
	free(vals);
	free(scratch);

	(void)check_tags_each(r->cr_tags, count_tag, &ntags);
	check_row_state(r, &st);
	(void)check_next_match(&st, INT64_C(1700000000) * CT_SEC);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct check_input	 in;
	struct check_row	 r;
	struct json_doc		*d;
	const char		*err;
	char			 msg[256];
	int			 root, version;

	if (size > 16384)
		return 0;
	if ((d = json_parse((const char *)data, size, &err)) == NULL)
		return 0;
	root = json_root(d);
	if (json_type(d, root) != JSON_OBJECT) {
		json_doc_free(d);
		return 0;
	}
	msg[0] = '\0';
	if (check_validate(d, root, msg, sizeof(msg)) == -1) {
		CHECK(strncmp(msg, "json validation error: ", 23) == 0);
		json_doc_free(d);
		return 0;
	}
	for (version = 1; version <= 3; version++) {
		check_input_read(&in, d, root);
		base_row(&r);
		check_apply(&r, &in, version);
		use_row(&r, version);
		check_input_free(&in);
	}
	json_doc_free(d);
	return 0;
}
