/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Microsoft Teams through a Workflows webhook (spec §5.4): a JSON POST
 * of a message with one Adaptive Card (version 1.2): a heading, a fact
 * set, the last ping's body as a code block, and a button to the
 * check, laid out as Healthchecks lays it out.  MSTEAMS_ENABLED.  The
 * old "msteams" connector kind is gone (kinds.c keeps it as a no-op).
 */
#include <stdio.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

/* An nt_fact_fn: a fact as Healthchecks writes it (always "short"). */
static void
fact(struct json_w *w, const char *title, const char *value, int shrt)
{
	json_w_obj_begin(w);
	json_w_key(w, "title");
	json_w_str(w, title);
	json_w_key(w, "value");
	json_w_str(w, value);
	json_w_key(w, "short");
	json_w_bool(w, 1);
	json_w_obj_end(w);
}

static void
textblock(struct json_w *w, const char *text, int heading)
{
	json_w_obj_begin(w);
	json_w_key(w, "type");
	json_w_str(w, "TextBlock");
	json_w_key(w, "text");
	json_w_str(w, text);
	json_w_key(w, "weight");
	json_w_str(w, "bolder");
	if (heading) {
		json_w_key(w, "size");
		json_w_str(w, "medium");
		json_w_key(w, "wrap");
		json_w_bool(w, 1);
		json_w_key(w, "style");
		json_w_str(w, "heading");
	}
	json_w_obj_end(w);
}

static const struct nt_facts teams_facts = {
	.f_fact = fact,
	.f_colon = ":",
	.f_tag = { "", "", " " },
	.f_ast = "\xcd\x8f*",
};

static int
teams_enabled(const struct conf *cf)
{
	return cf->msteams_enabled;
}

static int
teams_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	const struct nt_check	*c = ctx->check;
	struct json_w		 w;
	struct buf		 t, head;

	buf_init(&t);
	buf_init(&head);
	buf_printf(&head, "%s “", nt_down(ctx) ? "🔴" : "🟢");
	nt_asterisks(&head, nt_name(ctx), "\xcd\x8f*");
	buf_printf(&head, "” is %s", nt_upper(ctx));
	if (nt_reason(ctx) != NULL)
		buf_printf(&head, " (%s)", nt_reason(ctx));
	buf_addc(&head, '.');

	nt_json_post(m, ctx->value, &w);
	json_w_key(&w, "type");
	json_w_str(&w, "message");
	json_w_key(&w, "attachments");
	json_w_arr_begin(&w);
	json_w_obj_begin(&w);
	json_w_key(&w, "contentType");
	json_w_str(&w, "application/vnd.microsoft.card.adaptive");
	json_w_key(&w, "contentUrl");
	json_w_null(&w);
	json_w_key(&w, "content");
	json_w_obj_begin(&w);
	json_w_key(&w, "$schema");
	json_w_str(&w, "http://adaptivecards.io/schemas/adaptive-card.json");
	json_w_key(&w, "type");
	json_w_str(&w, "AdaptiveCard");
	json_w_key(&w, "fallbackText");
	buf_addstr(&t, "“");
	buf_add_html(&t, nt_name(ctx), strlen(nt_name(ctx)));
	buf_printf(&t, "” is %s.", nt_upper(ctx));
	json_w_str(&w, nt_str(&t));
	buf_reset(&t);
	json_w_key(&w, "version");
	json_w_str(&w, "1.2");
	json_w_key(&w, "body");
	json_w_arr_begin(&w);
	textblock(&w, nt_str(&head), 1);
	json_w_obj_begin(&w);
	json_w_key(&w, "type");
	json_w_str(&w, "FactSet");
	json_w_key(&w, "facts");
	json_w_arr_begin(&w);
	if (c->desc != NULL && *c->desc) {
		const char *p;

		/* Markdown: a lone newline would not break the line. */
		for (p = c->desc; *p; p++) {
			if (*p == '\n')
				buf_addc(&t, '\n');
			buf_addc(&t, *p);
		}
		fact(&w, "Description:", nt_str(&t), 1);
		buf_reset(&t);
	}
	nt_facts(&w, ctx, &teams_facts);
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	if (nt_body(&t, ctx, 1000)) {
		textblock(&w, "Last Ping Body:", 0);
		json_w_obj_begin(&w);
		json_w_key(&w, "type");
		json_w_str(&w, "CodeBlock");
		json_w_key(&w, "codeSnippet");
		json_w_str(&w, nt_str(&t));
		json_w_key(&w, "language");
		json_w_str(&w, "PlainText");
		json_w_obj_end(&w);
		buf_reset(&t);
	}
	json_w_arr_end(&w);
	json_w_key(&w, "actions");
	json_w_arr_begin(&w);
	json_w_obj_begin(&w);
	json_w_key(&w, "type");
	json_w_str(&w, "Action.OpenUrl");
	nt_json_view(&w, ctx, "title", "View in");
	json_w_obj_end(&w);
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	json_w_obj_end(&w);
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	buf_clear(&t);
	buf_clear(&head);
	return 1;
}

const struct nt_kind nt_k_msteamsw = {
	.k_name = "msteamsw",
	.k_enabled = teams_enabled,
	.k_validate = nt_url_validate,
	.k_build = teams_build,
	.k_off_text = "MS Teams notifications are not enabled.",
};
