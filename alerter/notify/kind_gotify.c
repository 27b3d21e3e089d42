/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Gotify (spec §5.4): the value is JSON {url, token, priority,
 * priority_up}; a JSON POST to <url>/message?token=<token> with a
 * title, a Markdown message (the extras tell clients so) and the
 * priority for the status; priority 0 makes that status a no-op.
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
gotify_prio(const struct json_doc *d, const char *status, int64_t *p)
{
	return nt_jint(d, strcmp(status, "down") == 0 ? "priority" :
	    "priority_up", p);
}

static int
gotify_noop(const char *value, const char *status)
{
	struct json_doc	*d = nt_json_obj(value);
	int64_t		 p = 5;	/* old values: no priorities */

	if (d != NULL)
		gotify_prio(d, status, &p);
	json_doc_free(d);
	return p == 0;
}

static int
gotify_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	struct json_doc	*d = nt_json_obj(value);
	char		*url = NULL, *token = NULL;
	int64_t		 p;
	int		 rv = -1;

	if (d == NULL) {
		snprintf(err, errlen, "Expected a JSON object {url, token, "
		    "priority, priority_up}");
		return -1;
	}
	url = nt_jstr(d, "url");
	token = nt_jstr(d, "token");
	if (!nt_is_http_url(url))
		snprintf(err, errlen, "url: enter the server's URL (http:// "
		    "or https://)");
	else if (token == NULL || *token == '\0')
		snprintf(err, errlen, "token: enter the application token");
	else if ((json_obj_get(d, json_root(d), "priority") != -1 &&
	    (gotify_prio(d, "down", &p) == -1 || p < 0 || p > 10)) ||
	    (json_obj_get(d, json_root(d), "priority_up") != -1 &&
	    (gotify_prio(d, "up", &p) == -1 || p < 0 || p > 10)))
		snprintf(err, errlen, "priority, priority_up: integers from 0 "
		    "(off) to 10");
	else
		rv = 0;
	free(url);
	free(token);
	json_doc_free(d);
	return rv;
}

static int
gotify_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	struct json_doc	*d = nt_json_obj(ctx->value);
	char		*url, *token;
	struct json_w	 w;
	struct buf	 t;
	int64_t		 prio;

	if (d == NULL) {
		nt_result_set(r, NR_FAILED, "Invalid Gotify settings");
		return -1;
	}
	url = nt_jstr(d, "url");
	token = nt_jstr(d, "token");
	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	buf_addstr(&m->m_url, url ? url : "");
	if (m->m_url.b_len == 0 || m->m_url.b_data[m->m_url.b_len - 1] != '/')
		buf_addc(&m->m_url, '/');
	buf_addstr(&m->m_url, "message?token=");
	nt_quote(&m->m_url, token ? token : "", token ? strlen(token) : 0, "");
	nt_header(&m->m_headers, "Content-Type", "application/json");
	buf_init(&t);
	json_w_init(&w, &m->m_body);
	json_w_obj_begin(&w);
	json_w_key(&w, "title");
	buf_printf(&t, "%s is %s", nt_name(ctx), nt_upper(ctx));
	json_w_str(&w, nt_str(&t));
	buf_reset(&t);
	json_w_key(&w, "message");
	nt_message(&t, ctx, NM_MARKDOWN, NT_M_OTHERS);
	json_w_str(&w, nt_str(&t));
	json_w_key(&w, "extras");
	json_w_obj_begin(&w);
	json_w_key(&w, "client::display");
	json_w_obj_begin(&w);
	json_w_key(&w, "contentType");
	json_w_str(&w, "text/markdown");
	json_w_obj_end(&w);
	json_w_obj_end(&w);
	if (gotify_prio(d, ctx->status, &prio) == 0) {
		json_w_key(&w, "priority");
		json_w_int(&w, prio);
	}
	json_w_obj_end(&w);
	buf_clear(&t);
	free(url);
	free(token);
	json_doc_free(d);
	return 1;
}

const struct nt_kind nt_k_gotify = {
	.k_name = "gotify",
	.k_validate = gotify_validate,
	.k_noop = gotify_noop,
	.k_build = gotify_build,
};
