/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * PagerTree (spec §5.4): a JSON POST to the integration URL that is the
 * value, triggering (down) or resolving (up) the incident keyed by the
 * check's unique key.  PAGERTREE_ENABLED.
 */
#include <stdio.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

static int
pt_enabled(const struct conf *cf)
{
	return cf->pagertree_enabled;
}

static int
pt_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	struct json_w	w;
	struct buf	t;

	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	buf_addstr(&m->m_url, ctx->value);
	nt_header(&m->m_headers, "Content-Type", "application/json");
	buf_init(&t);
	json_w_init(&w, &m->m_body);
	json_w_obj_begin(&w);
	json_w_key(&w, "incident_key");
	json_w_str(&w, ctx->check->unique_key);
	json_w_key(&w, "event_type");
	json_w_str(&w, nt_down(ctx) ? "trigger" : "resolve");
	json_w_key(&w, "title");
	buf_printf(&t, "%s is %s", nt_name(ctx), nt_upper(ctx));
	json_w_str(&w, nt_str(&t));
	buf_reset(&t);
	json_w_key(&w, "description");
	nt_message(&t, ctx, NM_PLAIN, 0);
	json_w_str(&w, nt_str(&t));
	buf_reset(&t);
	json_w_key(&w, "client");
	json_w_str(&w, ctx->conf->site_name);
	json_w_key(&w, "client_url");
	json_w_str(&w, ctx->conf->site_root);
	json_w_key(&w, "tags");
	nt_tags(&t, ctx, "", "", ",");
	json_w_str(&w, nt_str(&t));
	json_w_obj_end(&w);
	buf_clear(&t);
	return 1;
}

const struct nt_kind nt_k_pagertree = {
	.k_name = "pagertree",
	.k_enabled = pt_enabled,
	.k_validate = nt_url_validate,
	.k_build = pt_build,
	.k_off_text = "PagerTree notifications are not enabled.",
};
