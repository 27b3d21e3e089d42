/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Slack (spec §5.4): a POST of the Slack-compatible incoming-webhook
 * payload, which Mattermost and Discord take too (nt_slack_payload is
 * theirs as well).  The stored value is Slack's OAuth answer (JSON with
 * incoming_webhook.url) or, for channels made by hand, the bare URL.
 * A 404, or a 400 whose body is "invalid_token", will not get better:
 * the channel is disabled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

void
nt_slack_field(struct json_w *w, const char *title, const char *value, int shrt)
{
	json_w_obj_begin(w);
	json_w_key(w, "title");
	json_w_str(w, title);
	json_w_key(w, "value");
	json_w_str(w, value);
	if (shrt) {
		json_w_key(w, "short");
		json_w_bool(w, 1);
	}
	json_w_obj_end(w);
}

void
nt_slack_payload(struct buf *b, const struct nt_ctx *ctx, const char *ast)
{
	struct nt_facts	 facts = {
		.f_fact = nt_slack_field,
		.f_tag = { "`", "`", " " },
		.f_desc = 1,
	};
	struct json_w	 w;
	struct buf	 t;

	buf_init(&t);
	json_w_init(&w, b);
	json_w_obj_begin(&w);
	json_w_key(&w, "username");
	json_w_str(&w, ctx->conf->site_name);
	json_w_key(&w, "icon_url");
	nt_json_logo(&w, ctx->conf);
	json_w_key(&w, "attachments");
	json_w_arr_begin(&w);
	json_w_obj_begin(&w);
	json_w_key(&w, "color");
	json_w_str(&w, nt_down(ctx) ? "danger" : "good");
	json_w_key(&w, "fallback");
	buf_printf(&t, "The check \"%s\" is %s.", nt_name(ctx), nt_upper(ctx));
	json_w_str(&w, nt_str(&t));
	buf_reset(&t);
	json_w_key(&w, "mrkdwn_in");
	json_w_arr_begin(&w);
	json_w_str(&w, "fields");
	json_w_arr_end(&w);
	json_w_key(&w, "title");
	buf_printf(&t, "“%s” is %s.", nt_name(ctx), nt_upper(ctx));
	json_w_str(&w, nt_str(&t));
	buf_reset(&t);
	json_w_key(&w, "title_link");
	nt_cloaked_url(&t, ctx);
	json_w_str(&w, nt_str(&t));
	buf_reset(&t);
	json_w_key(&w, "text");
	if (nt_reason(ctx) != NULL) {
		buf_printf(&t, "Reason: %s.", nt_reason(ctx));
		json_w_str(&w, nt_str(&t));
	} else if (!nt_down(ctx) && ctx->downtime >= 0) {
		nt_downtime(&t, ctx);
		json_w_str(&w, nt_str(&t));
	} else
		json_w_null(&w);
	buf_reset(&t);

	json_w_key(&w, "fields");
	json_w_arr_begin(&w);
	facts.f_ast = ast;
	nt_facts(&w, ctx, &facts);
	if (nt_body(&t, ctx, 1000) && strstr(nt_str(&t), "```") == NULL) {
		struct buf f;

		buf_init(&f);
		buf_printf(&f, "```\n%s\n```", nt_str(&t));
		nt_slack_field(&w, "Last Ping Body", nt_str(&f), 0);
		buf_clear(&f);
	}
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	buf_clear(&t);
}

/* The webhook URL of a stored value: OAuth JSON or a bare URL (heap). */
static char *
slack_url(const char *value)
{
	struct json_doc	*d;
	char		*url;

	if ((d = nt_json_obj(value)) == NULL)
		return xstrdup(value);
	url = nt_jstr2(d, "incoming_webhook", "url");
	json_doc_free(d);
	return url;
}

static int
slack_enabled(const struct conf *cf)
{
	return cf->slack_enabled;
}

static int
slack_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	char	*url = slack_url(value);
	int	 ok = nt_is_http_url(url);

	free(url);
	if (!ok) {
		snprintf(err, errlen, "Enter a valid Slack webhook URL "
		    "(http:// or https://), or Slack's OAuth answer with "
		    "incoming_webhook.url");
		return -1;
	}
	return 0;
}

static int
slack_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	char *url = slack_url(ctx->value);

	if (!nt_is_http_url(url)) {
		free(url);
		nt_result_set(r, NR_FAILED, "Invalid Slack webhook URL");
		return -1;
	}
	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	buf_addstr(&m->m_url, url);
	nt_header(&m->m_headers, "Content-Type", "application/json");
	nt_slack_payload(&m->m_body, ctx, "\xcd\x8f*");
	free(url);
	return 1;
}

static void
slack_classify(const struct nt_ctx *ctx, int step, const struct nt_answer *a,
    struct nt_result *r)
{
	nt_classify_http(ctx, step, a, r);
	if (a->a_status == 404 || (a->a_status == 400 && a->a_body != NULL &&
	    a->a_len == 13 && memcmp(a->a_body, "invalid_token", 13) == 0))
		r->r_outcome = NR_PERMANENT;
}

const struct nt_kind nt_k_slack = {
	.k_name = "slack",
	.k_enabled = slack_enabled,
	.k_validate = slack_validate,
	.k_build = slack_build,
	.k_classify = slack_classify,
	.k_off_text = "Slack notifications are not enabled.",
};
