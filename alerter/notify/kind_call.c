/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Phone calls through Twilio (spec §5.4), for down events only: a form
 * POST to .../Accounts/<SID>/Calls.json with From, To, the TwiML to say
 * and the status callback.  The value is kind_sms.c's phone value; the
 * monthly call limit is the engine's to check.
 */
#include <stdio.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "notify.h"
#include "nt_text.h"

static int
call_enabled(const struct conf *cf)
{
	return *cf->twilio_account && *cf->twilio_auth && *cf->twilio_from;
}

static int
call_noop(const char *value, const char *status)
{
	return strcmp(status, "down") != 0;
}

static int
call_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	const struct conf	*cf = ctx->conf;
	struct buf		 num, t;

	if (nt_twilio_begin(ctx, m, r, "Calls.json", &num) == -1)
		return -1;
	buf_init(&t);
	nt_form(&m->m_body, "From", cf->twilio_from);
	nt_form(&m->m_body, "To", nt_str(&num));
	buf_addstr(&t, "<Response><Say>Hello! A message from ");
	buf_add_html(&t, cf->site_name, strlen(cf->site_name));
	buf_addstr(&t, ". The check &quot;");
	buf_add_html(&t, nt_name(ctx), strlen(nt_name(ctx)));
	buf_addstr(&t, "&quot; is down. Goodbye!</Say></Response>");
	nt_form(&m->m_body, "Twiml", nt_str(&t));
	nt_twilio_status(&m->m_body, ctx);
	buf_clear(&num);
	buf_clear(&t);
	return 1;
}

const struct nt_kind nt_k_call = {
	.k_name = "call",
	.k_flags = NK_DOWN_ONLY,
	.k_enabled = call_enabled,
	.k_validate = nt_phone_validate,
	.k_noop = call_noop,
	.k_build = call_build,
	.k_classify = nt_twilio_classify,
	.k_off_text = "Call notifications are not enabled",
};
