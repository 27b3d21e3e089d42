/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Spike.sh (spec §5.4): a JSON POST to the webhook URL that is the
 * value, {check_id, title, message, status}.  SPIKE_ENABLED.
 */
#include <stdio.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

static int
spike_enabled(const struct conf *cf)
{
	return cf->spike_enabled;
}

static const struct nt_event spike_event = {
	.ev_members = {
		{ "check_id", NE_KEY },
		{ "title", NE_TITLE },
		{ "message", NE_MESSAGE },
		{ "status", NE_STATUS },
		{ NULL },
	},
};

static int
spike_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	return nt_event_build(ctx, m, &spike_event);
}

const struct nt_kind nt_k_spike = {
	.k_name = "spike",
	.k_enabled = spike_enabled,
	.k_validate = nt_url_validate,
	.k_build = spike_build,
	.k_off_text = "Spike notifications are not enabled.",
};
