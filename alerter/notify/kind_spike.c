/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Spike.sh (spec §5.4): a JSON POST to the webhook URL that is the
 * value, {check_id, title, message, status}.  SPIKE_ENABLED.
 */
#include <stdio.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

static int
spike_enabled(const struct conf *cf)
{
	return cf->spike_enabled;
}

static int
spike_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	struct json_w	w;
	struct buf	t;

	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	buf_addstr(&m->m_url, ctx->value);
	nt_header(&m->m_headers, "Content-Type", "application/json");
	buf_init(&t);
	json_w_init(&w, &m->m_body);
	json_w_obj_begin(&w);
	json_w_key(&w, "check_id");
	json_w_str(&w, ctx->check->unique_key);
	json_w_key(&w, "title");
	buf_printf(&t, "%s is %s", nt_name(ctx), nt_upper(ctx));
	json_w_str(&w, nt_str(&t));
	buf_reset(&t);
	json_w_key(&w, "message");
	nt_message(&t, ctx, NM_PLAIN, 0);
	json_w_str(&w, nt_str(&t));
	json_w_key(&w, "status");
	json_w_str(&w, ctx->status);
	json_w_obj_end(&w);
	buf_clear(&t);
	return 1;
}

const struct nt_kind nt_k_spike = {
	.k_name = "spike",
	.k_enabled = spike_enabled,
	.k_validate = nt_url_validate,
	.k_build = spike_build,
	.k_off_text = "Spike notifications are not enabled.",
};
