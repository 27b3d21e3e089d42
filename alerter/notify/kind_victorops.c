/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Splunk On-Call, once VictorOps (spec §5.4): a JSON POST to the REST
 * endpoint URL that is the value, CRITICAL on down and RECOVERY on up,
 * the entity being the check's unique key.  A 404 disables the
 * channel.  VICTOROPS_ENABLED.
 */
#include <stdio.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

static int
vo_enabled(const struct conf *cf)
{
	return cf->victorops_enabled;
}

static const struct nt_event vo_event = {
	.ev_down = "CRITICAL",
	.ev_up = "RECOVERY",
	.ev_members = {
		{ "entity_id", NE_KEY },
		{ "message_type", NE_STATE },
		{ "entity_display_name", NE_NAME },
		{ "state_message", NE_MESSAGE },
		{ "monitoring_tool", NE_SITE_NAME },
		{ NULL },
	},
};

static int
vo_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	return nt_event_build(ctx, m, &vo_event);
}

static void
vo_classify(const struct nt_ctx *ctx, int step, const struct nt_answer *a,
    struct nt_result *r)
{
	nt_classify_http(ctx, step, a, r);
	if (a->a_status == 404)
		r->r_outcome = NR_PERMANENT;
}

const struct nt_kind nt_k_victorops = {
	.k_name = "victorops",
	.k_enabled = vo_enabled,
	.k_validate = nt_url_validate,
	.k_build = vo_build,
	.k_classify = vo_classify,
	.k_off_text = "Splunk On-Call notifications are not enabled.",
};
