/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * PagerTree (spec §5.4): a JSON POST to the integration URL that is the
 * value, triggering (down) or resolving (up) the incident keyed by the
 * check's unique key.  PAGERTREE_ENABLED.
 */
#include <stdio.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

static int
pt_enabled(const struct conf *cf)
{
	return cf->pagertree_enabled;
}

static const struct nt_event pt_event = {
	.ev_down = "trigger",
	.ev_up = "resolve",
	.ev_members = {
		{ "incident_key", NE_KEY },
		{ "event_type", NE_STATE },
		{ "title", NE_TITLE },
		{ "description", NE_MESSAGE },
		{ "client", NE_SITE_NAME },
		{ "client_url", NE_SITE_ROOT },
		{ "tags", NE_TAGS },
		{ NULL },
	},
};

static int
pt_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	return nt_event_build(ctx, m, &pt_event);
}

const struct nt_kind nt_k_pagertree = {
	.k_name = "pagertree",
	.k_enabled = pt_enabled,
	.k_validate = nt_url_validate,
	.k_build = pt_build,
	.k_off_text = "PagerTree notifications are not enabled.",
};
