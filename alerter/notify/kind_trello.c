/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Trello (spec §5.4), for down events only: a POST creating a card in
 * the chosen list, every field in the query string (idList, name,
 * desc, key, token) and no body.  The value is JSON {token, list_id,
 * board_name, list_name}; TRELLO_APP_KEY enables the kind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

static int
trello_parse(const char *value, char **token, char **list)
{
	struct json_doc *d = nt_json_obj(value);

	*token = *list = NULL;
	if (d == NULL)
		return -1;
	*token = nt_jstr(d, "token");
	*list = nt_jstr(d, "list_id");
	json_doc_free(d);
	return *token && **token && *list && **list ? 0 : -1;
}

static int
trello_enabled(const struct conf *cf)
{
	return *cf->trello_app_key != '\0';
}

static int
trello_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	char	*token, *list;
	int	 rv = trello_parse(value, &token, &list);

	free(token);
	free(list);
	if (rv == -1)
		snprintf(err, errlen, "Expected JSON {token, list_id, "
		    "board_name, list_name}");
	return rv;
}

static int
trello_noop(const char *value, const char *status)
{
	return strcmp(status, "down") != 0;
}

static int
trello_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	char		*token, *list;
	struct buf	 q, t;

	if (trello_parse(ctx->value, &token, &list) == -1) {
		free(token);
		free(list);
		nt_result_set(r, NR_FAILED, "Invalid Trello settings");
		return -1;
	}
	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	buf_init(&q);
	buf_init(&t);
	nt_form(&q, "idList", list);
	buf_printf(&t, "Down: %s", nt_name(ctx));
	nt_form(&q, "name", nt_str(&t));
	buf_reset(&t);
	nt_message(&t, ctx, NM_MARKDOWN, NT_M_BODY);
	buf_addstr(&t, "\n\n[Full details](");
	nt_cloaked_url(&t, ctx);
	buf_addc(&t, ')');
	nt_form(&q, "desc", nt_str(&t));
	nt_form(&q, "key", ctx->conf->trello_app_key);
	nt_form(&q, "token", token);
	buf_printf(&m->m_url, "https://api.trello.com/1/cards?%s", nt_str(&q));
	buf_clear(&q);
	buf_clear(&t);
	free(token);
	free(list);
	return 1;
}

const struct nt_kind nt_k_trello = {
	.k_name = "trello",
	.k_flags = NK_DOWN_ONLY,
	.k_enabled = trello_enabled,
	.k_validate = trello_validate,
	.k_noop = trello_noop,
	.k_build = trello_build,
	.k_off_text = "Trello notifications are not enabled.",
};
