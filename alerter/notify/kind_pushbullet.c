/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Pushbullet (spec §5.4): the value is the OAuth access token; a JSON
 * POST of a "note" push with the token in the Access-Token header.
 */
#include <stdio.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

static int
pb_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	if (value == NULL || *value == '\0' ||
	    strpbrk(value, " \t\r\n") != NULL) {
		snprintf(err, errlen, "Enter the Pushbullet access token");
		return -1;
	}
	return 0;
}

static int
pb_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	struct json_w	w;
	struct buf	t;

	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	buf_addstr(&m->m_url, "https://api.pushbullet.com/v2/pushes");
	nt_header(&m->m_headers, "Access-Token", ctx->value);
	nt_header(&m->m_headers, "Content-Type", "application/json");
	buf_init(&t);
	json_w_init(&w, &m->m_body);
	json_w_obj_begin(&w);
	json_w_key(&w, "type");
	json_w_str(&w, "note");
	json_w_key(&w, "title");
	json_w_str(&w, ctx->conf->site_name);
	json_w_key(&w, "body");
	nt_message(&t, ctx, NM_PLAIN, 0);
	json_w_str(&w, nt_str(&t));
	json_w_obj_end(&w);
	buf_clear(&t);
	return 1;
}

const struct nt_kind nt_k_pushbullet = {
	.k_name = "pushbullet",
	.k_validate = pb_validate,
	.k_build = pb_build,
};
