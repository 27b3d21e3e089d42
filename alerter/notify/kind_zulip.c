/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Zulip (spec §5.4): the value is JSON {bot_email, api_key, mtype
 * (stream or private), to, site, topic}; a form POST to
 * <site>/api/v1/messages with the bot's e-mail and key as basic auth.
 * Channels from before "site" existed use https:// and the domain of
 * the bot's address.  An empty topic becomes "<name> is DOWN".  Zulip's
 * error "msg" is quoted in the error text.  ZULIP_ENABLED.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

struct zulip {
	char	*email, *key, *mtype, *to, *site, *topic;
};

static void
zulip_free(struct zulip *z)
{
	if (z->key != NULL)
		explicit_bzero(z->key, strlen(z->key));
	free(z->email);
	free(z->key);
	free(z->mtype);
	free(z->to);
	free(z->site);
	free(z->topic);
}

static int
zulip_parse(const char *value, struct zulip *z)
{
	struct json_doc	*d = nt_json_obj(value);
	const char	*at;

	memset(z, 0, sizeof(*z));
	if (d == NULL)
		return -1;
	z->email = nt_jstr(d, "bot_email");
	z->key = nt_jstr(d, "api_key");
	z->mtype = nt_jstr(d, "mtype");
	z->to = nt_jstr(d, "to");
	z->site = nt_jstr(d, "site");
	z->topic = nt_jstr(d, "topic");
	json_doc_free(d);
	if ((z->site == NULL || *z->site == '\0') && z->email != NULL &&
	    (at = strchr(z->email, '@')) != NULL) {
		free(z->site);
		z->site = xasprintf("https://%s", at + 1);
	}
	if (z->email == NULL || z->key == NULL || z->mtype == NULL ||
	    z->to == NULL || *z->key == '\0' || *z->to == '\0' ||
	    strchr(z->email, '@') == NULL || !nt_is_http_url(z->site) ||
	    (strcmp(z->mtype, "stream") != 0 &&
	    strcmp(z->mtype, "private") != 0))
		return -1;
	return 0;
}

static int
zulip_enabled(const struct conf *cf)
{
	return cf->zulip_enabled;
}

static int
zulip_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	struct zulip	z;
	int		rv = zulip_parse(value, &z);

	zulip_free(&z);
	if (rv == -1)
		snprintf(err, errlen, "Expected JSON {bot_email, api_key, "
		    "mtype: stream or private, to, site, topic}");
	return rv;
}

static int
zulip_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	struct zulip	z;
	struct buf	t;
	size_t		n;

	if (zulip_parse(ctx->value, &z) == -1) {
		zulip_free(&z);
		nt_result_set(r, NR_FAILED, "Invalid Zulip settings");
		return -1;
	}
	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	n = strlen(z.site);
	while (n > 0 && z.site[n - 1] == '/')
		n--;
	buf_add(&m->m_url, z.site, n);
	buf_addstr(&m->m_url, "/api/v1/messages");
	buf_printf(&m->m_auth, "%s:%s", z.email, z.key);
	m->m_userpwd = nt_str(&m->m_auth);
	m->m_form = 1;
	nt_header(&m->m_headers, "Content-Type",
	    "application/x-www-form-urlencoded");
	nt_form(&m->m_body, "type", z.mtype);
	nt_form(&m->m_body, "to", z.to);
	buf_init(&t);
	if (z.topic != NULL && *z.topic)
		buf_addstr(&t, z.topic);
	else
		buf_printf(&t, "%s is %s", nt_name(ctx), nt_upper(ctx));
	nt_form(&m->m_body, "topic", nt_str(&t));
	buf_reset(&t);
	nt_message(&t, ctx, NM_MARKDOWN, 0);
	nt_form(&m->m_body, "content", nt_str(&t));
	buf_clear(&t);
	zulip_free(&z);
	return 1;
}

static void
zulip_classify(const struct nt_ctx *ctx, int step, const struct nt_answer *a,
    struct nt_result *r)
{
	nt_classify_message(ctx, step, a, r, "msg");
}

const struct nt_kind nt_k_zulip = {
	.k_name = "zulip",
	.k_enabled = zulip_enabled,
	.k_validate = zulip_validate,
	.k_build = zulip_build,
	.k_classify = zulip_classify,
	.k_off_text = "Zulip notifications are not enabled.",
};
