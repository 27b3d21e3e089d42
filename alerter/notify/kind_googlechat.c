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

/* An nt_fact_fn: a decoratedText widget. */
static void
widget(struct json_w *w, const char *label, const char *text, int shrt)
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

static const struct nt_facts gc_facts = {
	.f_fact = widget,
	.f_tag = { "", "", ", " },
};

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
	struct json_w	w;
	struct buf	t;

	buf_init(&t);
	nt_json_post(m, ctx->value, &w);
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
	nt_facts(&w, ctx, &gc_facts);
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
	nt_json_cloaked(&w, ctx);
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
