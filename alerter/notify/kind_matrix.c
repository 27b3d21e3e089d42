/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Matrix (spec §5.4): the value is the room's id; a PUT of an m.text
 * event (plain body and HTML formatted_body) to the room on
 * MATRIX_HOMESERVER with MATRIX_ACCESS_TOKEN as the bearer token.  The
 * transaction id of the URL is the notification's UUID rather than a
 * fresh one: the homeserver then drops a retried duplicate itself.
 */
#include <stdio.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

static int
matrix_enabled(const struct conf *cf)
{
	return *cf->matrix_homeserver && *cf->matrix_access_token;
}

static int
matrix_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	if (value == NULL || (*value != '!' && *value != '#') ||
	    strchr(value, ':') == NULL || strpbrk(value, " \t\r\n") != NULL) {
		snprintf(err, errlen, "Enter a room id (!id:server) or alias "
		    "(#name:server)");
		return -1;
	}
	return 0;
}

static int
matrix_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	const struct conf	*cf = ctx->conf;
	struct json_w		 w;
	struct buf		 t;
	size_t			 n = strlen(cf->matrix_homeserver);

	while (n > 0 && cf->matrix_homeserver[n - 1] == '/')
		n--;
	hc_strlcpy(m->m_method, "PUT", sizeof(m->m_method));
	buf_add(&m->m_url, cf->matrix_homeserver, n);
	buf_addstr(&m->m_url, "/_matrix/client/v3/rooms/");
	nt_quote(&m->m_url, ctx->value, strlen(ctx->value), "");
	buf_printf(&m->m_url, "/send/m.room.message/%s", ctx->code);
	buf_init(&t);
	buf_printf(&t, "Bearer %s", cf->matrix_access_token);
	nt_header(&m->m_headers, "Authorization", nt_str(&t));
	buf_reset(&t);
	nt_header(&m->m_headers, "Content-Type", "application/json");
	json_w_init(&w, &m->m_body);
	json_w_obj_begin(&w);
	json_w_key(&w, "msgtype");
	json_w_str(&w, "m.text");
	json_w_key(&w, "body");
	nt_message(&t, ctx, NM_PLAIN, NT_M_BODY);
	json_w_str(&w, nt_str(&t));
	buf_reset(&t);
	json_w_key(&w, "format");
	json_w_str(&w, "org.matrix.custom.html");
	json_w_key(&w, "formatted_body");
	{
		struct buf h;

		buf_init(&h);
		nt_message(&h, ctx, NM_HTML, NT_M_BODY);
		nt_html_breaks(&t, nt_str(&h), h.b_len);
		buf_clear(&h);
	}
	json_w_str(&w, nt_str(&t));
	json_w_obj_end(&w);
	buf_clear(&t);
	return 1;
}

const struct nt_kind nt_k_matrix = {
	.k_name = "matrix",
	.k_enabled = matrix_enabled,
	.k_validate = matrix_validate,
	.k_build = matrix_build,
	.k_off_text = "Matrix notifications are not enabled.",
};
