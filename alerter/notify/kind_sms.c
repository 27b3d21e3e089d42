/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * SMS through Twilio (spec §5.4), and what the other phone kinds (call,
 * whatsapp, signal) share: the stored value, JSON {value, up, down} or
 * an old bare number; Twilio's basic auth, status callback URL and
 * error codes.  A form POST to .../Accounts/<SID>/Messages.json with
 * To, Body, StatusCallback and From (or MessagingServiceSid).  Twilio's
 * error 21211 means the number is wrong: the channel is disabled.
 * The monthly per-account SMS limit needs the account and is the
 * engine's to check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

#define TWILIO_API	"https://api.twilio.com/2010-04-01/Accounts/"

/* "+" and 5 to 15 digits, as Healthchecks' form has it. */
static int
e164(const char *s)
{
	size_t n;

	if (*s++ != '+')
		return 0;
	for (n = 0; s[n] >= '0' && s[n] <= '9'; n++)
		;
	return s[n] == '\0' && n >= 5 && n <= 15;
}

int
nt_phone_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	struct buf	n;
	int		up, down, ok;

	buf_init(&n);
	ok = nt_contact(value, &n, &up, &down) == 0 && e164(nt_str(&n));
	buf_clear(&n);
	if (!ok) {
		snprintf(err, errlen, "Invalid phone number format: expected "
		    "+ and the number with its country code");
		return -1;
	}
	return 0;
}

void
nt_twilio_classify(const struct nt_ctx *ctx, int step,
    const struct nt_answer *a, struct nt_result *r)
{
	struct json_doc	*d;
	const char	*err;
	int64_t		 code;

	nt_classify_http(ctx, step, a, r);
	if (a->a_status != 400 || a->a_body == NULL)
		return;
	if ((d = json_parse(a->a_body, a->a_len, &err)) == NULL)
		return;
	if (nt_jint(d, "code", &code) == 0 && code == 21211)
		nt_result_set(r, NR_PERMANENT, "Invalid phone number");
	json_doc_free(d);
}

void
nt_status_url(struct buf *b, const struct nt_ctx *ctx)
{
	buf_printf(b, "%s/api/v3/notifications/%s/status", ctx->conf->site_root,
	    ctx->code);
}

void
nt_twilio_auth(struct nt_msg *m, const struct conf *cf)
{
	buf_printf(&m->m_auth, "%s:%s", cf->twilio_account, cf->twilio_auth);
	m->m_userpwd = (const char *)m->m_auth.b_data;
}

int
nt_twilio_begin(const struct nt_ctx *ctx, struct nt_msg *m,
    struct nt_result *r, const char *endpoint, struct buf *num)
{
	int up, down;

	buf_init(num);
	if (nt_contact(ctx->value, num, &up, &down) == -1) {
		buf_clear(num);
		nt_result_set(r, NR_FAILED, "Invalid phone number");
		return -1;
	}
	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	buf_printf(&m->m_url, TWILIO_API "%s/%s", ctx->conf->twilio_account,
	    endpoint);
	nt_twilio_auth(m, ctx->conf);
	m->m_form = 1;
	nt_header(&m->m_headers, "Content-Type",
	    "application/x-www-form-urlencoded");
	return 0;
}

void
nt_twilio_status(struct buf *form, const struct nt_ctx *ctx)
{
	struct buf t;

	buf_init(&t);
	nt_status_url(&t, ctx);
	nt_form(form, "StatusCallback", nt_str(&t));
	buf_clear(&t);
}

static int
sms_enabled(const struct conf *cf)
{
	return *cf->twilio_account && *cf->twilio_auth &&
	    (*cf->twilio_from || *cf->twilio_messaging_service_sid);
}

static int
sms_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	const struct conf	*cf = ctx->conf;
	struct buf		 num, t;

	if (nt_twilio_begin(ctx, m, r, "Messages.json", &num) == -1)
		return -1;
	buf_init(&t);
	nt_form(&m->m_body, "To", nt_str(&num));
	buf_printf(&t, "%s: The check \"%s\" is %s%s.", cf->site_name,
	    nt_name(ctx), nt_down(ctx) ? "" : "now ", nt_upper(ctx));
	if (nt_down(ctx)) {
		buf_addstr(&t, " Last ping: ");
		nt_last_ping(&t, ctx);
		buf_addc(&t, '.');
	}
	nt_form(&m->m_body, "Body", nt_str(&t));
	nt_twilio_status(&m->m_body, ctx);
	if (*cf->twilio_messaging_service_sid)
		nt_form(&m->m_body, "MessagingServiceSid",
		    cf->twilio_messaging_service_sid);
	else
		nt_form(&m->m_body, "From", cf->twilio_from);
	buf_clear(&num);
	buf_clear(&t);
	return 1;
}

const struct nt_kind nt_k_sms = {
	.k_name = "sms",
	.k_enabled = sms_enabled,
	.k_validate = nt_phone_validate,
	.k_noop = nt_contact_noop,
	.k_build = sms_build,
	.k_classify = nt_twilio_classify,
	.k_off_text = "SMS notifications are not enabled",
};
