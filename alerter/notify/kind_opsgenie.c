/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Opsgenie (spec §5.4): the value is JSON {key, region: us|eu} (or an
 * old bare key, region us); down creates the alert whose alias is the
 * check's unique key, up closes it.  An error answer's "message" is
 * quoted in the error text.  OPSGENIE_ENABLED.
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
og_parse(const char *value, char **key, int *eu)
{
	struct json_doc	*d;
	char		*region;

	*eu = 0;
	if ((d = nt_json_obj(value)) == NULL) {
		*key = value && *value && *value != '{' ? xstrdup(value) : NULL;
		return *key ? 0 : -1;
	}
	*key = nt_jstr(d, "key");
	region = nt_jstr(d, "region");
	if (region != NULL && strcmp(region, "eu") == 0)
		*eu = 1;
	else if (region != NULL && strcmp(region, "us") != 0) {
		free(*key);
		*key = NULL;
	}
	free(region);
	json_doc_free(d);
	return *key && **key ? 0 : -1;
}

static int
og_enabled(const struct conf *cf)
{
	return cf->opsgenie_enabled;
}

static int
og_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	char	*key = NULL;
	int	 eu, rv = og_parse(value, &key, &eu);

	if (rv == 0 && strpbrk(key, " \t\r\n") != NULL)
		rv = -1;
	free(key);
	if (rv == -1)
		snprintf(err, errlen, "Expected JSON {\"key\": API key, "
		    "\"region\": \"us\" or \"eu\"}");
	return rv;
}

static const struct nt_facts og_facts = {
	.f_fact = nt_fact_member,
	.f_code = { "<code>", "</code>" },
	.f_tz = "Time zone",
};

static int
og_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	const struct nt_check	*c = ctx->check;
	char			*key = NULL;
	struct json_w		 w;
	struct buf		 t;
	int			 eu;

	if (og_parse(ctx->value, &key, &eu) == -1) {
		free(key);
		nt_result_set(r, NR_FAILED, "Invalid Opsgenie settings");
		return -1;
	}
	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	buf_printf(&m->m_url, "https://api.%sopsgenie.com/v2/alerts",
	    eu ? "eu." : "");
	if (!nt_down(ctx))
		buf_printf(&m->m_url, "/%s/close?identifierType=alias",
		    c->unique_key);
	nt_header(&m->m_headers, "Content-Type", "application/json");
	buf_init(&t);
	buf_printf(&t, "GenieKey %s", key);
	nt_header(&m->m_headers, "Authorization", nt_str(&t));
	buf_reset(&t);
	json_w_init(&w, &m->m_body);
	json_w_obj_begin(&w);
	json_w_key(&w, "alias");
	json_w_str(&w, c->unique_key);
	json_w_key(&w, "source");
	json_w_str(&w, ctx->conf->site_name);
	if (nt_down(ctx)) {
		const char *cur = c->tags, *tag;
		size_t n;

		json_w_key(&w, "tags");
		json_w_arr_begin(&w);
		while (nt_tag_next(&cur, &tag, &n))
			json_w_strn(&w, tag, n);
		json_w_arr_end(&w);
		json_w_key(&w, "message");
		buf_printf(&t, "The check \"%s\" is DOWN", nt_name(ctx));
		if (nt_reason(ctx))
			buf_printf(&t, " (%s)", nt_reason(ctx));
		buf_addc(&t, '.');
		json_w_str(&w, nt_str(&t));
		buf_reset(&t);
		json_w_key(&w, "description");
		json_w_str(&w, c->desc ? c->desc : "");
		json_w_key(&w, "details");
		json_w_obj_begin(&w);
		nt_details_head(&w, ctx);
		nt_facts_schedule(&w, ctx, &og_facts);
		json_w_key(&w, "Full details");
		nt_json_cloaked(&w, ctx);
		json_w_obj_end(&w);
	}
	json_w_obj_end(&w);
	explicit_bzero(key, strlen(key));
	free(key);
	buf_clear(&t);
	return 1;
}

static void
og_classify(const struct nt_ctx *ctx, int step, const struct nt_answer *a,
    struct nt_result *r)
{
	nt_classify_message(ctx, step, a, r, "message");
}

const struct nt_kind nt_k_opsgenie = {
	.k_name = "opsgenie",
	.k_enabled = og_enabled,
	.k_validate = og_validate,
	.k_build = og_build,
	.k_classify = og_classify,
	.k_off_text = "Opsgenie notifications are not enabled.",
};
