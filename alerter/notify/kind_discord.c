/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Discord (spec §5.4): the stored value is Discord's OAuth answer,
 * JSON with webhook.url; Slack's payload goes to that URL plus
 * "/slack" (Discord's Slack-compatible endpoint), with the old
 * discordapp.com host written as discord.com and asterisks escaped
 * with a backslash.  A 404 disables the channel.
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
discord_url(const char *value)
{
	struct json_doc	*d;
	char		*url;

	if ((d = nt_json_obj(value)) == NULL)
		return NULL;
	url = nt_jstr2(d, "webhook", "url");
	json_doc_free(d);
	return url;
}

static int
discord_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	char	*url = discord_url(value);
	int	 ok = nt_is_http_url(url);

	free(url);
	if (!ok) {
		snprintf(err, errlen, "Expected Discord's OAuth answer: a JSON "
		    "object with webhook.url");
		return -1;
	}
	return 0;
}

static int
discord_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	static const char	 old[] = "https://discordapp.com/";
	char			*url = discord_url(ctx->value);

	if (!nt_is_http_url(url)) {
		free(url);
		nt_result_set(r, NR_FAILED, "Invalid Discord webhook URL");
		return -1;
	}
	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	if (strncmp(url, old, sizeof(old) - 1) == 0)
		buf_printf(&m->m_url, "https://discord.com/%s/slack",
		    url + sizeof(old) - 1);
	else
		buf_printf(&m->m_url, "%s/slack", url);
	nt_header(&m->m_headers, "Content-Type", "application/json");
	nt_slack_payload(&m->m_body, ctx, "\\*");
	free(url);
	return 1;
}

static void
discord_classify(const struct nt_ctx *ctx, int step,
    const struct nt_answer *a, struct nt_result *r)
{
	nt_classify_http(ctx, step, a, r);
	if (a->a_status == 404)
		r->r_outcome = NR_PERMANENT;
}

const struct nt_kind nt_k_discord = {
	.k_name = "discord",
	.k_validate = discord_validate,
	.k_build = discord_build,
	.k_classify = discord_classify,
};
