/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * WhatsApp through Twilio's content templates (spec §5.4): a form POST
 * to .../Messages.json with To and From as "whatsapp:<number>", the
 * messaging service, the template for the status (WHATSAPP_DOWN_CONTENT_SID,
 * WHATSAPP_UP_CONTENT_SID) and its one variable, the check's name.
 * Enabled only when TWILIO_USE_WHATSAPP and every one of those is set.
 */
#include <stdio.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

static int
wa_enabled(const struct conf *cf)
{
	return cf->twilio_use_whatsapp && *cf->twilio_account &&
	    *cf->twilio_auth && *cf->twilio_from &&
	    *cf->twilio_messaging_service_sid &&
	    *cf->whatsapp_down_content_sid && *cf->whatsapp_up_content_sid;
}

static int
wa_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	const struct conf	*cf = ctx->conf;
	struct buf		 num, t;
	struct json_w		 w;

	if (nt_twilio_begin(ctx, m, r, "Messages.json", &num) == -1)
		return -1;
	buf_init(&t);
	buf_printf(&t, "whatsapp:%s", nt_str(&num));
	nt_form(&m->m_body, "To", nt_str(&t));
	buf_reset(&t);
	buf_printf(&t, "whatsapp:%s", cf->twilio_from);
	nt_form(&m->m_body, "From", nt_str(&t));
	buf_reset(&t);
	nt_form(&m->m_body, "MessagingServiceSid",
	    cf->twilio_messaging_service_sid);
	nt_form(&m->m_body, "ContentSid", nt_down(ctx) ?
	    cf->whatsapp_down_content_sid : cf->whatsapp_up_content_sid);
	json_w_init(&w, &t);
	json_w_obj_begin(&w);
	json_w_key(&w, "1");
	json_w_str(&w, nt_name(ctx));
	json_w_obj_end(&w);
	nt_form(&m->m_body, "ContentVariables", nt_str(&t));
	nt_twilio_status(&m->m_body, ctx);
	buf_clear(&num);
	buf_clear(&t);
	return 1;
}

const struct nt_kind nt_k_whatsapp = {
	.k_name = "whatsapp",
	.k_enabled = wa_enabled,
	.k_validate = nt_phone_validate,
	.k_noop = nt_contact_noop,
	.k_build = wa_build,
	.k_classify = nt_twilio_classify,
	.k_off_text = "WhatsApp notifications are not enabled",
};
