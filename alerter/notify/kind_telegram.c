/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Telegram (spec §5.4): the value is JSON {id, thread_id, type, name}
 * saved when the bot was invited; a POST of JSON {chat_id,
 * message_thread_id, text, parse_mode: "html"} to the Bot API's
 * sendMessage with TELEGRAM_TOKEN.  When a group became a supergroup
 * Telegram answers with parameters.migrate_to_chat_id: the kind returns
 * NR_RESEND with the value holding the new id, and the engine saves it
 * and sends again.  The answers that will not get better (the chat was
 * deleted, the bot blocked or kicked, the user deactivated, the chat
 * not found) disable the channel.  Six messages a minute per chat.
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
tg_enabled(const struct conf *cf)
{
	return *cf->telegram_token != '\0';
}

static int
tg_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	struct json_doc	*d = nt_json_obj(value);
	int64_t		 id, thread;
	int		 t, ok;

	ok = d != NULL && nt_jint(d, "id", &id) == 0;
	if (ok) {
		t = json_obj_get(d, json_root(d), "thread_id");
		ok = t == -1 || json_type(d, t) == JSON_NULL ||
		    nt_jint(d, "thread_id", &thread) == 0;
	}
	json_doc_free(d);
	if (!ok) {
		snprintf(err, errlen, "Expected a JSON object with the chat's "
		    "integer id (and thread_id, type, name)");
		return -1;
	}
	return 0;
}

static int
tg_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	struct json_doc	*d = nt_json_obj(ctx->value);
	struct json_w	 w;
	struct buf	 t;
	int64_t		 id, thread;

	if (d == NULL || nt_jint(d, "id", &id) == -1) {
		json_doc_free(d);
		nt_result_set(r, NR_FAILED, "Invalid Telegram chat");
		return -1;
	}
	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	buf_printf(&m->m_url, "https://api.telegram.org/bot%s/sendMessage",
	    ctx->conf->telegram_token);
	nt_header(&m->m_headers, "Content-Type", "application/json");
	buf_init(&t);
	nt_message(&t, ctx, NM_HTML, NT_M_BODY | NT_M_OTHERS);
	json_w_init(&w, &m->m_body);
	json_w_obj_begin(&w);
	json_w_key(&w, "chat_id");
	json_w_int(&w, id);
	json_w_key(&w, "message_thread_id");
	if (nt_jint(d, "thread_id", &thread) == 0)
		json_w_int(&w, thread);
	else
		json_w_null(&w);
	json_w_key(&w, "text");
	json_w_str(&w, nt_str(&t));
	json_w_key(&w, "parse_mode");
	json_w_str(&w, "html");
	json_w_obj_end(&w);
	buf_clear(&t);
	json_doc_free(d);
	return 1;
}

/* The value with the chat's id replaced. */
static void
migrated(struct buf *b, const char *value, int64_t id)
{
	struct json_doc	*d = nt_json_obj(value);
	struct json_w	 w;
	int		 it = 0, k, v;

	json_w_init(&w, b);
	json_w_obj_begin(&w);
	json_w_key(&w, "id");
	json_w_int(&w, id);
	while (d != NULL && (it = json_obj_next(d, json_root(d), it, &k,
	    &v)) != -1) {
		char	*key = json_str(d, k), *s;
		int64_t	 n;

		if (strcmp(key, "id") != 0) {
			json_w_key(&w, key);
			if (json_type(d, v) == JSON_STRING) {
				s = json_str(d, v);
				json_w_str(&w, s);
				free(s);
			} else if (json_type(d, v) == JSON_NUMBER &&
			    json_int(d, v, &n) == 0)
				json_w_int(&w, n);
			else
				json_w_null(&w);
		}
		free(key);
	}
	json_w_obj_end(&w);
	json_doc_free(d);
}

static void
tg_classify(const struct nt_ctx *ctx, int step, const struct nt_answer *a,
    struct nt_result *r)
{
	static const char *const permanent[] = {
		"Forbidden: the group chat was deleted",
		"Forbidden: bot was blocked by the user",
		"Forbidden: user is deactivated",
		"Forbidden: bot was kicked from the group chat",
		"Forbidden: bot was kicked from the supergroup chat",
		"Bad Request: chat not found",
	};
	struct json_doc	*d;
	const char	*err;
	char		*desc;
	int64_t		 id;
	int		 p;
	size_t		 i;

	nt_classify_http(ctx, step, a, r);
	if (r->r_outcome == NR_OK || a->a_body == NULL)
		return;
	if ((d = json_parse(a->a_body, a->a_len, &err)) == NULL)
		return;
	desc = nt_jstr(d, "description");
	p = json_obj_get(d, json_root(d), "parameters");
	p = json_obj_get(d, p, "migrate_to_chat_id");
	if (json_type(d, p) == JSON_NUMBER && json_int(d, p, &id) == 0) {
		buf_reset(&r->r_value);
		migrated(&r->r_value, ctx->value, id);
		nt_result_set(r, NR_RESEND, "%s", desc ? desc :
		    "Chat migrated");
	} else if (desc != NULL) {
		nt_result_message(r, a, desc);
		for (i = 0; i < sizeof(permanent) / sizeof(permanent[0]); i++)
			if (strcmp(desc, permanent[i]) == 0)
				r->r_outcome = NR_PERMANENT;
	}
	free(desc);
	json_doc_free(d);
}

static const char *
tg_bucket(const struct nt_ctx *ctx, char *b, size_t len)
{
	struct json_doc	*d = nt_json_obj(ctx->value);
	int64_t		 id = 0;

	if (d != NULL)
		nt_jint(d, "id", &id);
	json_doc_free(d);
	snprintf(b, len, "tg-%lld", (long long)id);
	return b;
}

const struct nt_kind nt_k_telegram = {
	.k_name = "telegram",
	.k_enabled = tg_enabled,
	.k_validate = tg_validate,
	.k_build = tg_build,
	.k_classify = tg_classify,
	.k_bucket = tg_bucket,
	.k_off_text = "Telegram notifications are not enabled.",
};
