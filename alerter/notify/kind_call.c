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
	int			 up, down;

	buf_init(&num);
	buf_init(&t);
	if (nt_phone(ctx->value, &num, &up, &down) == -1) {
		buf_clear(&num);
		nt_result_set(r, NR_FAILED, "Invalid phone number");
		return -1;
	}
	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	buf_printf(&m->m_url, "https://api.twilio.com/2010-04-01/Accounts/"
	    "%s/Calls.json", cf->twilio_account);
	nt_twilio_auth(m, cf);
	m->m_form = 1;
	nt_header(&m->m_headers, "Content-Type",
	    "application/x-www-form-urlencoded");
	nt_form(&m->m_body, "From", cf->twilio_from);
	nt_form(&m->m_body, "To", nt_str(&num));
	buf_addstr(&t, "<Response><Say>Hello! A message from ");
	buf_add_html(&t, cf->site_name, strlen(cf->site_name));
	buf_addstr(&t, ". The check &quot;");
	buf_add_html(&t, nt_name(ctx), strlen(nt_name(ctx)));
	buf_addstr(&t, "&quot; is down. Goodbye!</Say></Response>");
	nt_form(&m->m_body, "Twiml", nt_str(&t));
	buf_reset(&t);
	nt_status_url(&t, ctx);
	nt_form(&m->m_body, "StatusCallback", nt_str(&t));
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
