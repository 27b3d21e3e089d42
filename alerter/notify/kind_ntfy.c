/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * ntfy (spec §5.4): the value is JSON {topic, url, priority,
 * priority_up, token}; a JSON POST to the server's base URL naming the
 * topic, with a Markdown message, a red or green circle tag and a
 * "view" action to the check.  Priority 0 for a status makes it a
 * no-op.  The token is sent as a bearer token; with none, the server
 * https://ntfy.sh gets NTFY_SH_TOKEN if set.  Six messages a minute per
 * server and topic.
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
ntfy_prio(const struct json_doc *d, const char *status, int64_t *p)
{
	return nt_jint(d, strcmp(status, "down") == 0 ? "priority" :
	    "priority_up", p);
}

static int
ntfy_noop(const char *value, const char *status)
{
	struct json_doc	*d = nt_json_obj(value);
	int64_t		 p = 0;

	if (d != NULL)
		ntfy_prio(d, status, &p);
	json_doc_free(d);
	return p == 0;
}

static int
ntfy_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	struct json_doc	*d = nt_json_obj(value);
	char		*topic = NULL, *url = NULL;
	int64_t		 p, pu;
	int		 rv = -1;

	if (d == NULL) {
		snprintf(err, errlen, "Expected a JSON object {topic, url, "
		    "priority, priority_up, token}");
		return -1;
	}
	topic = nt_jstr(d, "topic");
	url = nt_jstr(d, "url");
	if (topic == NULL || *topic == '\0' || strlen(topic) > 64)
		snprintf(err, errlen, "topic: enter a topic of at most 64 "
		    "characters");
	else if (!nt_is_http_url(url))
		snprintf(err, errlen, "url: enter the server's URL (http:// "
		    "or https://)");
	else if (nt_jint(d, "priority", &p) == -1 || p < 0 || p > 5 ||
	    nt_jint(d, "priority_up", &pu) == -1 || pu < 0 || pu > 5)
		snprintf(err, errlen, "priority, priority_up: integers from 0 "
		    "(off) to 5");
	else
		rv = 0;
	free(topic);
	free(url);
	json_doc_free(d);
	return rv;
}

static int
ntfy_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	struct json_doc	*d = nt_json_obj(ctx->value);
	char		*topic, *url, *token;
	struct json_w	 w;
	struct buf	 t;
	int64_t		 prio = 3;

	if (d == NULL) {
		nt_result_set(r, NR_FAILED, "Invalid ntfy settings");
		return -1;
	}
	topic = nt_jstr(d, "topic");
	url = nt_jstr(d, "url");
	token = nt_jstr(d, "token");
	ntfy_prio(d, ctx->status, &prio);
	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	buf_addstr(&m->m_url, url ? url : "");
	nt_header(&m->m_headers, "Content-Type", "application/json");
	buf_init(&t);
	if (token != NULL && *token) {
		buf_printf(&t, "Bearer %s", token);
		nt_header(&m->m_headers, "Authorization", nt_str(&t));
	} else if (url != NULL && strcmp(url, "https://ntfy.sh") == 0 &&
	    *ctx->conf->ntfy_sh_token) {
		buf_printf(&t, "Bearer %s", ctx->conf->ntfy_sh_token);
		nt_header(&m->m_headers, "Authorization", nt_str(&t));
	}
	buf_reset(&t);
	json_w_init(&w, &m->m_body);
	json_w_obj_begin(&w);
	json_w_key(&w, "topic");
	json_w_str(&w, topic ? topic : "");
	json_w_key(&w, "priority");
	json_w_int(&w, prio);
	json_w_key(&w, "title");
	nt_json_title(&w, ctx);
	json_w_key(&w, "message");
	nt_json_message(&w, ctx, NM_MARKDOWN, NT_M_BODY | NT_M_OTHERS);
	json_w_key(&w, "markdown");
	json_w_bool(&w, 1);
	json_w_key(&w, "tags");
	json_w_arr_begin(&w);
	json_w_str(&w, nt_down(ctx) ? "red_circle" : "green_circle");
	json_w_arr_end(&w);
	json_w_key(&w, "actions");
	json_w_arr_begin(&w);
	json_w_obj_begin(&w);
	json_w_key(&w, "action");
	json_w_str(&w, "view");
	nt_json_view(&w, ctx, "label", "View on");
	json_w_obj_end(&w);
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	buf_clear(&t);
	free(topic);
	free(url);
	if (token != NULL)
		explicit_bzero(token, strlen(token));
	free(token);
	json_doc_free(d);
	return 1;
}

static const char *
ntfy_bucket(const struct nt_ctx *ctx, char *b, size_t len)
{
	struct json_doc	*d = nt_json_obj(ctx->value);
	char		*topic = NULL, *url = NULL;

	if (d != NULL) {
		topic = nt_jstr(d, "topic");
		url = nt_jstr(d, "url");
	}
	snprintf(b, len, "ntfy-%s-%s", url ? url : "", topic ? topic : "");
	free(topic);
	free(url);
	json_doc_free(d);
	return b;
}

const struct nt_kind nt_k_ntfy = {
	.k_name = "ntfy",
	.k_validate = ntfy_validate,
	.k_noop = ntfy_noop,
	.k_build = ntfy_build,
	.k_bucket = ntfy_bucket,
};
