/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * PagerDuty (spec §5.4): the value is JSON {service_key, account} or an
 * old bare service key; a JSON POST to the Events API v1 that triggers
 * (down) or resolves (up) the incident whose key is the check's unique
 * key.  PD_ENABLED.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

static char *
pd_key(const char *value)
{
	struct json_doc	*d;
	char		*k;

	if ((d = nt_json_obj(value)) == NULL)
		return value && *value && *value != '{' ? xstrdup(value) : NULL;
	k = nt_jstr(d, "service_key");
	json_doc_free(d);
	return k;
}

static const struct nt_facts pd_facts = {
	.f_fact = nt_fact_member,
	.f_tz = "Time zone",
};

static int
pd_enabled(const struct conf *cf)
{
	return cf->pd_enabled;
}

static int
pd_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	char	*k = pd_key(value);
	int	 ok = k != NULL && *k && strpbrk(k, " \t\r\n") == NULL;

	free(k);
	if (!ok) {
		snprintf(err, errlen, "Enter the PagerDuty integration key "
		    "(or JSON {service_key, account})");
		return -1;
	}
	return 0;
}

static int
pd_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	const struct nt_check	*c = ctx->check;
	char			*key = pd_key(ctx->value);
	struct json_w		 w;
	struct buf		 t;

	if (key == NULL) {
		nt_result_set(r, NR_FAILED, "Invalid PagerDuty service key");
		return -1;
	}
	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	buf_addstr(&m->m_url, "https://events.pagerduty.com/generic/"
	    "2010-04-15/create_event.json");
	nt_header(&m->m_headers, "Content-Type", "application/json");
	buf_init(&t);
	json_w_init(&w, &m->m_body);
	json_w_obj_begin(&w);
	json_w_key(&w, "service_key");
	json_w_str(&w, key);
	json_w_key(&w, "incident_key");
	json_w_str(&w, c->unique_key);
	json_w_key(&w, "event_type");
	json_w_str(&w, nt_down(ctx) ? "trigger" : "resolve");
	json_w_key(&w, "description");
	if (nt_down(ctx)) {
		buf_printf(&t, "%s is DOWN", nt_name(ctx));
		if (nt_reason(ctx))
			buf_printf(&t, " (%s)", nt_reason(ctx));
		buf_addc(&t, '.');
	} else
		buf_printf(&t, "%s received a ping and is now UP",
		    nt_name(ctx));
	json_w_str(&w, nt_str(&t));
	buf_reset(&t);
	json_w_key(&w, "client");
	json_w_str(&w, ctx->conf->site_name);
	json_w_key(&w, "client_url");
	nt_details_url(&t, ctx);
	json_w_str(&w, nt_str(&t));
	buf_reset(&t);
	json_w_key(&w, "details");
	json_w_obj_begin(&w);
	nt_details_head(&w, ctx);
	if (c->desc != NULL && *c->desc) {
		json_w_key(&w, "Description");
		json_w_str(&w, c->desc);
	}
	if (c->tags != NULL && *c->tags) {
		json_w_key(&w, "Tags");
		nt_tags(&t, ctx, "", "", ", ");
		json_w_str(&w, nt_str(&t));
		buf_reset(&t);
	}
	nt_facts_schedule(&w, ctx, &pd_facts);
	json_w_obj_end(&w);
	json_w_obj_end(&w);
	buf_clear(&t);
	free(key);
	return 1;
}

const struct nt_kind nt_k_pd = {
	.k_name = "pd",
	.k_enabled = pd_enabled,
	.k_validate = pd_validate,
	.k_build = pd_build,
	.k_off_text = "PagerDuty notifications are not enabled.",
};
