/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Google Chat (spec §5.4: "card v2"): a JSON POST to the space's
 * incoming webhook URL that is the value, with one cardsV2 card of one
 * collapsible section: the headline as a text paragraph (the only
 * widget shown folded), the facts of §5.2 as decorated text, and a
 * button to the check.
 */
#include <stdio.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

static void
widget(struct json_w *w, const char *label, const char *text)
{
	json_w_obj_begin(w);
	json_w_key(w, "decoratedText");
	json_w_obj_begin(w);
	json_w_key(w, "topLabel");
	json_w_str(w, label);
	json_w_key(w, "text");
	json_w_str(w, text);
	json_w_obj_end(w);
	json_w_obj_end(w);
}

static int
gc_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	if (!nt_is_http_url(value) || strncmp(value, "https://", 8) != 0 ||
	    strpbrk(value, " \t\r\n") != NULL) {
		snprintf(err, errlen, "Enter the space's webhook URL "
		    "(https://chat.googleapis.com/...)");
		return -1;
	}
	return 0;
}

static int
gc_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	const struct nt_check	*c = ctx->check;
	struct json_w		 w;
	struct buf		 t;

	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	buf_addstr(&m->m_url, ctx->value);
	nt_header(&m->m_headers, "Content-Type", "application/json");
	buf_init(&t);
	json_w_init(&w, &m->m_body);
	json_w_obj_begin(&w);
	json_w_key(&w, "cardsV2");
	json_w_arr_begin(&w);
	json_w_obj_begin(&w);
	json_w_key(&w, "cardId");
	json_w_str(&w, ctx->code);
	json_w_key(&w, "card");
	json_w_obj_begin(&w);
	json_w_key(&w, "sections");
	json_w_arr_begin(&w);
	json_w_obj_begin(&w);
	json_w_key(&w, "collapsible");
	json_w_bool(&w, 1);
	json_w_key(&w, "uncollapsibleWidgetsCount");
	json_w_int(&w, 1);
	json_w_key(&w, "widgets");
	json_w_arr_begin(&w);
	/* The headline, in the little HTML a text paragraph takes. */
	buf_printf(&t, "%s <b>", nt_down(ctx) ? "🔴" : "🟢");
	buf_add_html(&t, nt_name(ctx), strlen(nt_name(ctx)));
	buf_printf(&t, "</b> is <b>%s</b>.", nt_upper(ctx));
	if (nt_reason(ctx) != NULL)
		buf_printf(&t, " Reason: %s.", nt_reason(ctx));
	else if (!nt_down(ctx) && ctx->downtime >= 0) {
		buf_addc(&t, ' ');
		nt_downtime(&t, ctx);
	}
	json_w_obj_begin(&w);
	json_w_key(&w, "textParagraph");
	json_w_obj_begin(&w);
	json_w_key(&w, "text");
	json_w_str(&w, nt_str(&t));
	json_w_obj_end(&w);
	json_w_obj_end(&w);
	buf_reset(&t);
	if (c->project_name != NULL && *c->project_name)
		widget(&w, "Project", c->project_name);
	nt_tags(&t, ctx, "", "", ", ");
	if (t.b_len > 0)
		widget(&w, "Tags", nt_str(&t));
	buf_reset(&t);
	if (c->kind == NULL || strcmp(c->kind, "simple") == 0) {
		nt_period(&t, c->timeout);
		widget(&w, "Period", nt_str(&t));
	} else {
		widget(&w, "Schedule", c->schedule ? c->schedule : "");
		widget(&w, "Time Zone", c->tz ? c->tz : "");
	}
	buf_reset(&t);
	buf_printf(&t, "%lld", c->last_ping ? (long long)c->n_pings : 0LL);
	widget(&w, "Total Pings", nt_str(&t));
	buf_reset(&t);
	nt_last_ping(&t, ctx);
	widget(&w, "Last Ping", nt_str(&t));
	buf_reset(&t);
	json_w_obj_begin(&w);
	json_w_key(&w, "buttonList");
	json_w_obj_begin(&w);
	json_w_key(&w, "buttons");
	json_w_arr_begin(&w);
	json_w_obj_begin(&w);
	json_w_key(&w, "text");
	buf_printf(&t, "View in %s", ctx->conf->site_name);
	json_w_str(&w, nt_str(&t));
	buf_reset(&t);
	json_w_key(&w, "type");
	json_w_str(&w, "FILLED");
	json_w_key(&w, "onClick");
	json_w_obj_begin(&w);
	json_w_key(&w, "openLink");
	json_w_obj_begin(&w);
	json_w_key(&w, "url");
	nt_cloaked_url(&t, ctx);
	json_w_str(&w, nt_str(&t));
	json_w_obj_end(&w);
	json_w_obj_end(&w);
	json_w_obj_end(&w);
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	json_w_obj_end(&w);
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	json_w_obj_end(&w);
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	buf_clear(&t);
	return 1;
}

const struct nt_kind nt_k_googlechat = {
	.k_name = "googlechat",
	.k_validate = gc_validate,
	.k_build = gc_build,
};
