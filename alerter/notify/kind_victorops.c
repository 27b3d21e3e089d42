/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Splunk On-Call, once VictorOps (spec §5.4): a JSON POST to the REST
 * endpoint URL that is the value, CRITICAL on down and RECOVERY on up,
 * the entity being the check's unique key.  A 404 disables the
 * channel.  VICTOROPS_ENABLED.
 */
#include <stdio.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

static int
vo_enabled(const struct conf *cf)
{
	return cf->victorops_enabled;
}

static int
vo_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	struct json_w	w;
	struct buf	t;

	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	buf_addstr(&m->m_url, ctx->value);
	nt_header(&m->m_headers, "Content-Type", "application/json");
	buf_init(&t);
	json_w_init(&w, &m->m_body);
	json_w_obj_begin(&w);
	json_w_key(&w, "entity_id");
	json_w_str(&w, ctx->check->unique_key);
	json_w_key(&w, "message_type");
	json_w_str(&w, nt_down(ctx) ? "CRITICAL" : "RECOVERY");
	json_w_key(&w, "entity_display_name");
	json_w_str(&w, nt_name(ctx));
	json_w_key(&w, "state_message");
	nt_message(&t, ctx, NM_PLAIN, 0);
	json_w_str(&w, nt_str(&t));
	json_w_key(&w, "monitoring_tool");
	json_w_str(&w, ctx->conf->site_name);
	json_w_obj_end(&w);
	buf_clear(&t);
	return 1;
}

static void
vo_classify(const struct nt_ctx *ctx, int step, const struct nt_answer *a,
    struct nt_result *r)
{
	nt_classify_http(ctx, step, a, r);
	if (a->a_status == 404)
		r->r_outcome = NR_PERMANENT;
}

const struct nt_kind nt_k_victorops = {
	.k_name = "victorops",
	.k_enabled = vo_enabled,
	.k_validate = nt_url_validate,
	.k_build = vo_build,
	.k_classify = vo_classify,
	.k_off_text = "Splunk On-Call notifications are not enabled.",
};
