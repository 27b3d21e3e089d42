/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Pushover (spec §5.4): the value is "<user key>|<priority>[|<priority
 * for up>]", priorities -3 (nothing is sent) to 2 (emergency: Pushover
 * repeats it every PUSHOVER_EMERGENCY_RETRY_DELAY seconds until
 * acknowledged or PUSHOVER_EMERGENCY_EXPIRATION).  Form-encoded POSTs
 * with PUSHOVER_API_TOKEN; each message is tagged with the check's
 * unique key, so that an up event after an emergency one first cancels
 * the repeating alarm (step 1: receipts/cancel_by_tag) and then says up
 * (step 2).  A 400 naming the user invalid disables the channel.  Six
 * messages a minute per user key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "notify.h"
#include "nt_text.h"

#define PO_API	"https://api.pushover.net/1/"

/* A priority from p up to end: -3 to 2. */
static int
po_prio(const char *p, const char *end, int *out)
{
	const char	*e;
	char		 tmp[8];
	size_t		 n = (size_t)(end - p);

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	*out = (int)hc_strtonum(tmp, -3, 2, &e);
	return e == NULL ? 0 : -1;
}

/* The user key and both priorities; -1 if the value is not one. */
static int
po_parse(const char *value, struct buf *user, int *down, int *up)
{
	const char *bar, *bar2;

	if (value == NULL || (bar = strchr(value, '|')) == NULL ||
	    bar == value)
		return -1;
	if ((bar2 = strchr(bar + 1, '|')) == NULL) {
		if (po_prio(bar + 1, bar + 1 + strlen(bar + 1), down) == -1)
			return -1;
		*up = *down;
	} else if (strchr(bar2 + 1, '|') != NULL ||
	    po_prio(bar + 1, bar2, down) == -1 ||
	    po_prio(bar2 + 1, bar2 + 1 + strlen(bar2 + 1), up) == -1)
		return -1;
	if (user != NULL)
		buf_add(user, value, (size_t)(bar - value));
	return 0;
}

static int
po_enabled(const struct conf *cf)
{
	return *cf->pushover_api_token != '\0';
}

static int
po_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	struct buf	user;
	int		down, up, ok;
	size_t		i;

	buf_init(&user);
	ok = po_parse(value, &user, &down, &up) == 0;
	for (i = 0; ok && i < user.b_len; i++)
		if (!((user.b_data[i] | 0x20) >= 'a' &&
		    (user.b_data[i] | 0x20) <= 'z') &&
		    !(user.b_data[i] >= '0' && user.b_data[i] <= '9'))
			ok = 0;
	buf_clear(&user);
	if (!ok) {
		snprintf(err, errlen, "Expected \"<user key>|<priority>"
		    "[|<priority for up>]\", priorities -3 to 2");
		return -1;
	}
	return 0;
}

static int
po_noop(const char *value, const char *status)
{
	int down, up;

	if (po_parse(value, NULL, &down, &up) == -1)
		return 1;
	return (strcmp(status, "down") == 0 ? down : up) == -3;
}

static int
po_build(const struct nt_ctx *ctx, struct nt_msg *msgs, struct nt_result *r)
{
	const struct conf	*cf = ctx->conf;
	struct nt_msg		*m = msgs;
	struct buf		 user, t;
	int			 down, up, prio, n = 1;

	buf_init(&user);
	if (po_parse(ctx->value, &user, &down, &up) == -1) {
		nt_result_set(r, NR_FAILED, "Invalid Pushover settings");
		return -1;
	}
	if (!nt_down(ctx) && down == 2) {
		hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
		buf_printf(&m->m_url, PO_API "receipts/cancel_by_tag/%s.json",
		    ctx->check->unique_key);
		m->m_form = 1;
		nt_header(&m->m_headers, "Content-Type",
		    "application/x-www-form-urlencoded");
		nt_form(&m->m_body, "token", cf->pushover_api_token);
		m++;
		n++;
	}
	prio = nt_down(ctx) ? down : up;
	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	buf_addstr(&m->m_url, PO_API "messages.json");
	m->m_form = 1;
	nt_header(&m->m_headers, "Content-Type",
	    "application/x-www-form-urlencoded");
	nt_form(&m->m_body, "token", cf->pushover_api_token);
	nt_form(&m->m_body, "user", nt_str(&user));
	buf_init(&t);
	nt_message(&t, ctx, NM_HTML, NT_M_OTHERS);
	nt_form(&m->m_body, "message", nt_str(&t));
	buf_reset(&t);
	buf_printf(&t, "%s %s is %s%s", nt_down(ctx) ? "🔴" : "🟢",
	    nt_name(ctx), nt_down(ctx) ? "" : "now ", nt_upper(ctx));
	nt_form(&m->m_body, "title", nt_str(&t));
	nt_form(&m->m_body, "html", "1");
	nt_form_int(&m->m_body, "priority", prio);
	nt_form(&m->m_body, "tags", ctx->check->unique_key);
	buf_reset(&t);
	nt_cloaked_url(&t, ctx);
	nt_form(&m->m_body, "url", nt_str(&t));
	buf_reset(&t);
	buf_printf(&t, "View on %s", cf->site_name);
	nt_form(&m->m_body, "url_title", nt_str(&t));
	if (prio == 2) {
		if (cf->pushover_emergency_retry_delay >= 0)
			nt_form_int(&m->m_body, "retry",
			    cf->pushover_emergency_retry_delay);
		if (cf->pushover_emergency_expiration >= 0)
			nt_form_int(&m->m_body, "expire",
			    cf->pushover_emergency_expiration);
	}
	buf_clear(&t);
	buf_clear(&user);
	return n;
}

static void
po_classify(const struct nt_ctx *ctx, int step, const struct nt_answer *a,
    struct nt_result *r)
{
	char *user;

	nt_classify_http(ctx, step, a, r);
	if (a->a_status != 400)
		return;
	if ((user = nt_answer_str(a, "user")) != NULL &&
	    strcmp(user, "invalid") == 0)
		nt_result_set(r, NR_PERMANENT,
		    "Received status code 400 (invalid user)");
	free(user);
}

static const char *
po_bucket(const struct nt_ctx *ctx, char *b, size_t len)
{
	struct buf	user;
	int		down, up;

	buf_init(&user);
	po_parse(ctx->value, &user, &down, &up);
	snprintf(b, len, "po-%s", nt_str(&user));
	buf_clear(&user);
	return b;
}

const struct nt_kind nt_k_po = {
	.k_name = "po",
	.k_enabled = po_enabled,
	.k_validate = po_validate,
	.k_noop = po_noop,
	.k_build = po_build,
	.k_classify = po_classify,
	.k_bucket = po_bucket,
	.k_off_text = "Pushover notifications are not enabled.",
};
