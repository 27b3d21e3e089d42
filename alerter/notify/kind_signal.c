/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Signal (spec §5.4): one JSON-RPC line for signal-cli, which the engine
 * writes to SIGNAL_CLI_SOCKET and answers with the reply line of the
 * same id (the notification's UUID, so a retry is the same request).
 * The recipient is the phone value's number, or "u:<username>" for a
 * Signal username (it holds a "."); the text is plain with its bold
 * parts as textStyle ranges "start:length:BOLD", counted in UTF-16
 * code units as Signal counts them.  A reply whose results say
 * UNREGISTERED_FAILURE disables the channel ("Recipient not found");
 * RATE_LIMIT_FAILURE needs a CAPTCHA an operator must solve.  Six
 * messages a minute per recipient.  SIGNAL_CLI_SOCKET is the engine's
 * setting (k_enabled is NULL; the engine checks it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

static int
signal_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	struct buf	 n;
	int		 up, down, ok;
	const char	*s;

	buf_init(&n);
	ok = nt_contact(value, &n, &up, &down) == 0;
	s = nt_str(&n);
	if (ok && strchr(s, '.') != NULL)
		ok = strpbrk(s, " \t\r\n") == NULL && n.b_len <= 64;
	else if (ok)
		ok = nt_phone_validate(cf, value, err, errlen) == 0;
	buf_clear(&n);
	if (!ok) {
		snprintf(err, errlen, "Enter a phone number (+ and the number "
		    "with its country code) or a Signal username");
		return -1;
	}
	return 0;
}

static void
recipient(struct buf *b, const char *value)
{
	struct buf	n;
	int		up, down;

	buf_init(&n);
	if (nt_contact(value, &n, &up, &down) == 0) {
		if (strchr(nt_str(&n), '.') != NULL)
			buf_addstr(b, "u:");
		buf_add(b, n.b_data, n.b_len);
	}
	buf_clear(&n);
}

/* UTF-16 code units of one UTF-8 lead byte's character. */
static size_t
u16(unsigned char c)
{
	return c >= 0xf0 ? 2 : 1;
}

static int
signal_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	struct buf	 marked, plain, rcpt, style;
	struct json_w	 w;
	size_t		 i, pos = 0, start = 0;
	int		 nstyles = 0;

	m->m_transport = NT_SIGNAL;
	buf_init(&marked);
	buf_init(&plain);
	buf_init(&rcpt);
	buf_init(&style);
	recipient(&rcpt, ctx->value);
	if (rcpt.b_len == 0) {
		nt_result_set(r, NR_FAILED, "Invalid Signal recipient");
		buf_clear(&rcpt);
		return -1;
	}
	nt_message(&marked, ctx, NM_SIGNAL, NT_M_OTHERS);

	json_w_init(&w, &m->m_rpc);
	json_w_obj_begin(&w);
	json_w_key(&w, "jsonrpc");
	json_w_str(&w, "2.0");
	json_w_key(&w, "method");
	json_w_str(&w, "send");
	json_w_key(&w, "params");
	json_w_obj_begin(&w);
	json_w_key(&w, "recipient");
	json_w_arr_begin(&w);
	json_w_str(&w, nt_str(&rcpt));
	json_w_arr_end(&w);
	json_w_key(&w, "message");
	/* Strip the marks, noting where the bold parts are. */
	for (i = 0; i < marked.b_len; i++) {
		unsigned char c = marked.b_data[i];

		if (c == 0x01)
			start = pos;
		else if (c == 0x02) {
			if (nstyles++ > 0)
				buf_addc(&style, ',');
			buf_printf(&style, "%zu:%zu:BOLD", start, pos - start);
		} else {
			buf_addc(&plain, c);
			if ((c & 0xc0) != 0x80)
				pos += u16(c);
		}
	}
	json_w_str(&w, nt_str(&plain));
	json_w_key(&w, "textStyle");
	json_w_arr_begin(&w);
	{
		char *p = (char *)style.b_data /* NULL: none */, *e;

		while (p != NULL && *p) {
			if ((e = strchr(p, ',')) != NULL)
				*e = '\0';
			json_w_str(&w, p);
			p = e ? e + 1 : NULL;
		}
	}
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	json_w_key(&w, "id");
	json_w_str(&w, ctx->code);
	json_w_obj_end(&w);
	buf_addc(&m->m_rpc, '\n');
	hc_strlcpy(m->m_rpc_id, ctx->code, sizeof(m->m_rpc_id));
	buf_clear(&marked);
	buf_clear(&plain);
	buf_clear(&rcpt);
	buf_clear(&style);
	return 1;
}

/* The reply line: {"jsonrpc", "result"|"error", "id"}. */
static void
signal_classify(const struct nt_ctx *ctx, int step, const struct nt_answer *a,
    struct nt_result *r)
{
	struct json_doc	*d;
	const char	*err;
	int		 e, res, it = 0, v;
	int64_t		 code = 0;

	if (a->a_body == NULL || (d = json_parse(a->a_body, a->a_len,
	    &err)) == NULL || json_type(d, json_root(d)) != JSON_OBJECT) {
		nt_result_set(r, NR_TRANSIENT,
		    "signal-cli call failed (unexpected response)");
		return;
	}
	e = json_obj_get(d, json_root(d), "error");
	if (e == -1 || json_type(d, e) == JSON_NULL) {
		nt_result_set(r, NR_OK, "%s", "");
		json_doc_free(d);
		return;
	}
	{
		int c = json_obj_get(d, e, "code");

		if (json_type(d, c) == JSON_NUMBER)
			json_int(d, c, &code);
	}
	nt_result_set(r, NR_TRANSIENT, "signal-cli call failed (%lld)",
	    (long long)code);
	res = json_obj_get(d, e, "data");
	res = json_obj_get(d, res, "response");
	res = json_obj_get(d, res, "results");
	while ((it = json_arr_next(d, res, it, &v)) != -1) {
		int t = json_obj_get(d, v, "type");

		if (json_str_eq(d, t, "UNREGISTERED_FAILURE")) {
			nt_result_set(r, NR_PERMANENT, "Recipient not found");
			break;
		}
		if (json_str_eq(d, t, "RATE_LIMIT_FAILURE") &&
		    json_type(d, json_obj_get(d, v, "token")) == JSON_STRING) {
			nt_result_set(r, NR_FAILED, "CAPTCHA proof required");
			break;
		}
	}
	json_doc_free(d);
}

static const char *
signal_bucket(const struct nt_ctx *ctx, char *b, size_t len)
{
	struct buf t;

	buf_init(&t);
	recipient(&t, ctx->value);
	snprintf(b, len, "signal-%s", nt_str(&t));
	buf_clear(&t);
	return b;
}

const struct nt_kind nt_k_signal = {
	.k_name = "signal",
	.k_validate = signal_validate,
	.k_noop = nt_contact_noop,
	.k_build = signal_build,
	.k_classify = signal_classify,
	.k_bucket = signal_bucket,
	.k_off_text = "Signal notifications are not enabled",
};
