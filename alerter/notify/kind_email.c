/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * E-mail (spec §5.4): subject "DOWN | <name>" or "UP | <name>", a text
 * and an HTML part, the List-Unsubscribe headers (one click disables
 * the channel) and a Message-ID made of the notification's UUID, so
 * that a retried message is recognisably the same one.  The value is
 * JSON {value, up, down} or, from old channels, the bare address.  The
 * engine assembles the MIME message, sends it (EMAIL_HOST) and refuses
 * an unverified address (NK_VERIFIED: "Email not verified").
 *
 * Not done: the recipient's own time zone and project list (the engine
 * does not load accounts), and the last-ping.eml attachment of an
 * e-mail ping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

static int
email_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	struct buf	 a;
	int		 up, down, ok;
	const char	*at;

	buf_init(&a);
	ok = nt_contact(value, &a, &up, &down) == 0;
	if (ok) {
		const char *s = nt_str(&a);

		at = strchr(s, '@');
		ok = at != NULL && at != s && at[1] != '\0' &&
		    strchr(at + 1, '@') == NULL && a.b_len <= 254 &&
		    strpbrk(s, " \t\r\n<>,;\"") == NULL;
	}
	buf_clear(&a);
	if (!ok) {
		snprintf(err, errlen, "Enter a valid email address");
		return -1;
	}
	return 0;
}

void
nt_unsub_sig(const struct conf *cf, const char *code, char out[33])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 mac[EVP_MAX_MD_SIZE];
	unsigned int		 len = 0;
	char			 msg[64];
	int			 i;

	snprintf(msg, sizeof(msg), "unsub:%s", code);
	HMAC(EVP_sha256(), cf->secret_key, (int)strlen(cf->secret_key),
	    (const unsigned char *)msg, strlen(msg), mac, &len);
	for (i = 0; i < 16; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[32] = '\0';
}

void
nt_unsub_url(struct buf *b, const struct conf *cf, const char *code)
{
	char sig[33];

	nt_unsub_sig(cf, code, sig);
	buf_printf(b, "%s/integrations/%s/unsub/%s/", cf->site_root, code, sig);
}

/* The host part of SITE_ROOT, for the Message-ID. */
static void
site_host(struct buf *b, const char *root)
{
	const char *p = strstr(root, "://"), *e;

	p = p ? p + 3 : root;
	for (e = p; *e && *e != '/' && *e != ':'; e++)
		;
	if (e == p)
		buf_addstr(b, "localhost");
	else
		buf_add(b, p, (size_t)(e - p));
}

static int
email_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	struct buf	t;
	int		up, down;

	m->m_transport = NT_SMTP;
	if (nt_contact(ctx->value, &m->m_rcpt, &up, &down) == -1) {
		nt_result_set(r, NR_FAILED, "Invalid email address");
		return -1;
	}
	buf_printf(&m->m_subject, "%s | %s", nt_upper(ctx), nt_name(ctx));

	buf_init(&t);
	nt_unsub_url(&t, ctx->conf, ctx->channel_code);
	buf_printf(&m->m_headers, "List-Unsubscribe: <%s>\r\n",
	    nt_str(&t));
	buf_addstr(&m->m_headers,
	    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
	buf_printf(&m->m_headers, "Message-ID: <%s@", ctx->code);
	site_host(&m->m_headers, ctx->conf->site_root);
	buf_addstr(&m->m_headers, ">\r\n");

	/* The text part. */
	nt_message(&m->m_text, ctx, NM_PLAIN, NT_M_BODY | NT_M_OTHERS);
	buf_addstr(&m->m_text, "\n\nDetails: ");
	nt_cloaked_url(&m->m_text, ctx);
	buf_printf(&m->m_text, "\n\n--\nSent by %s. To stop these "
	    "notifications, unsubscribe: %s\n", ctx->conf->site_name,
	    nt_str(&t));

	/* The HTML part: the same facts, lines as paragraphs. */
	buf_addstr(&m->m_html, "<!DOCTYPE html>\n<html><head><meta "
	    "charset=\"utf-8\"><title>");
	buf_add_html(&m->m_html, nt_str(&m->m_subject), m->m_subject.b_len);
	buf_addstr(&m->m_html, "</title></head><body>\n<div>");
	{
		struct buf h;

		buf_init(&h);
		nt_message(&h, ctx, NM_HTML, NT_M_BODY | NT_M_OTHERS);
		nt_html_breaks(&m->m_html, nt_str(&h), h.b_len);
		buf_clear(&h);
	}
	buf_addstr(&m->m_html, "</div>\n<p><a href=\"");
	buf_reset(&t);
	nt_cloaked_url(&t, ctx);
	buf_add_html(&m->m_html, nt_str(&t), t.b_len);
	buf_printf(&m->m_html, "\">View on %s</a></p>\n<p><small>"
	    "<a href=\"", ctx->conf->site_name);
	buf_reset(&t);
	nt_unsub_url(&t, ctx->conf, ctx->channel_code);
	buf_add_html(&m->m_html, nt_str(&t), t.b_len);
	buf_addstr(&m->m_html, "\">Unsubscribe</a></small></p>\n"
	    "</body></html>\n");
	buf_clear(&t);
	return 1;
}

const struct nt_kind nt_k_email = {
	.k_name = "email",
	.k_flags = NK_VERIFIED,
	.k_validate = email_validate,
	.k_noop = nt_contact_noop,
	.k_build = email_build,
};
