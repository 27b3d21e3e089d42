/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Rocket.Chat (spec §5.4): a JSON POST to the incoming webhook URL that
 * is the value: a Markdown line linking the check, and an attachment of
 * fields as Slack's.  The last ping's body is not quoted but linked
 * (its size, and the check's page).  ROCKETCHAT_ENABLED.
 */
#include <stdio.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

static const struct nt_facts rc_facts = {
	.f_fact = nt_slack_field,
	.f_tag = { "`", "`", " " },
	.f_ast = "\xcd\x8f*",
	.f_desc = 1,
};

static int
rc_enabled(const struct conf *cf)
{
	return cf->rocketchat_enabled;
}

static int
rc_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	const struct nt_check	*c = ctx->check;
	struct json_w		 w;
	struct buf		 t, url;

	buf_init(&t);
	buf_init(&url);
	nt_cloaked_url(&url, ctx);
	nt_json_post(m, ctx->value, &w);
	json_w_key(&w, "alias");
	json_w_str(&w, ctx->conf->site_name);
	json_w_key(&w, "avatar");
	nt_json_logo(&w, ctx->conf);
	json_w_key(&w, "text");
	buf_printf(&t, "[%s](%s) is %s.", nt_name(ctx), nt_str(&url),
	    nt_upper(ctx));
	json_w_str(&w, nt_str(&t));
	buf_reset(&t);
	json_w_key(&w, "attachments");
	json_w_arr_begin(&w);
	json_w_obj_begin(&w);
	json_w_key(&w, "color");
	json_w_str(&w, nt_down(ctx) ? "#d9534f" : "#5cb85c");
	json_w_key(&w, "fields");
	json_w_arr_begin(&w);
	nt_facts(&w, ctx, &rc_facts);
	if (c->last_ping != 0 && c->last_ping_body_len > 0) {
		buf_printf(&t, "%zu byte%s, [show body](%s#ping-%lld)",
		    c->last_ping_body_len, c->last_ping_body_len == 1 ? "" :
		    "s", nt_str(&url), (long long)c->n_pings);
		nt_slack_field(&w, "Last Ping Body", nt_str(&t), 1);
	}
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	buf_clear(&t);
	buf_clear(&url);
	return 1;
}

const struct nt_kind nt_k_rocketchat = {
	.k_name = "rocketchat",
	.k_enabled = rc_enabled,
	.k_validate = nt_url_validate,
	.k_build = rc_build,
	.k_off_text = "Rocket.Chat notifications are not enabled.",
};
