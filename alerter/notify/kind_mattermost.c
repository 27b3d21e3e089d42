/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Mattermost (spec §5.4): Slack's payload POSTed to the incoming
 * webhook URL that is the stored value.  MATTERMOST_ENABLED.
 */
#include <stdio.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "notify.h"
#include "nt_text.h"

static int
mm_enabled(const struct conf *cf)
{
	return cf->mattermost_enabled;
}

static int
mm_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	buf_addstr(&m->m_url, ctx->value);
	nt_header(&m->m_headers, "Content-Type", "application/json");
	nt_slack_payload(&m->m_body, ctx, "\xcd\x8f*");
	return 1;
}

const struct nt_kind nt_k_mattermost = {
	.k_name = "mattermost",
	.k_enabled = mm_enabled,
	.k_validate = nt_url_validate,
	.k_build = mm_build,
	.k_off_text = "Mattermost notifications are not enabled.",
};
