/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * A STAND-IN for the kinds (kinds.c, nt_text.c, kind_*.c), written on
 * the notify-engine branch so that the engine can be built and tested
 * before the real ones are merged: only webhook, email, shell and
 * group, each built simply.  The GNUmakefile leaves this file out as
 * soon as alerter/notify/kinds.c exists; drop it at the merge.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "hcd.h"
#include "json.h"
#include "notify.h"

void
nt_msg_init(struct nt_msg *m)
{
	memset(m, 0, sizeof(*m));
	buf_init(&m->m_url);
	buf_init(&m->m_headers);
	buf_init(&m->m_body);
	buf_init(&m->m_rcpt);
	buf_init(&m->m_subject);
	buf_init(&m->m_text);
	buf_init(&m->m_html);
	buf_init(&m->m_cmd);
	buf_init(&m->m_rpc);
	buf_init(&m->m_members);
	buf_init(&m->m_auth);
}

void
nt_msg_clear(struct nt_msg *m)
{
	buf_clear(&m->m_url);
	buf_clear(&m->m_headers);
	buf_clear(&m->m_body);
	buf_clear(&m->m_rcpt);
	buf_clear(&m->m_subject);
	buf_clear(&m->m_text);
	buf_clear(&m->m_html);
	buf_clear(&m->m_cmd);
	buf_clear(&m->m_rpc);
	buf_clear(&m->m_members);
	buf_clear(&m->m_auth);
}

void
nt_result_init(struct nt_result *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->r_value);
}

void
nt_result_clear(struct nt_result *r)
{
	buf_clear(&r->r_value);
}

void
nt_classify_http(const struct nt_ctx *ctx, int step,
    const struct nt_answer *a, struct nt_result *r)
{
	long s = a->a_status;

	if (s == 200 || s == 201 || s == 202 || s == 204) {
		r->r_outcome = NR_OK;
		r->r_error[0] = '\0';
		return;
	}
	r->r_outcome = (s == 429 || (s >= 500 && s <= 599)) ?
	    NR_TRANSIENT : NR_FAILED;
	snprintf(r->r_error, sizeof(r->r_error), "Received status code %ld",
	    s);
}

void
nt_duration(struct buf *b, int64_t s)
{
	buf_printf(b, "%lld seconds", (long long)s);
}

static void
add_quoted(struct buf *b, const char *s, enum nt_quote q)
{
	const char *p;

	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (q == NQ_URL && !((c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c) != NULL))
			buf_printf(b, "%%%02X", c);
		else
			buf_addc(b, c);
	}
}

/* Stand-in: $CODE, $STATUS and $NAME only, first match per piece. */
void
nt_subst(struct buf *b, const char *tmpl, const struct nt_ctx *ctx,
    enum nt_quote q)
{
	const char *p = tmpl;

	while (*p) {
		if (strncmp(p, "$CODE", 5) == 0) {
			buf_addstr(b, ctx->check->code);
			p += 5;
		} else if (strncmp(p, "$STATUS", 7) == 0) {
			buf_addstr(b, ctx->status);
			p += 7;
		} else if (strncmp(p, "$NAME", 5) == 0) {
			add_quoted(b, ctx->check->name, q);
			p += 5;
		} else
			buf_addc(b, *p++);
	}
}

/* A string member of a JSON object, or NULL (heap). */
static char *
jget(const struct json_doc *d, int obj, const char *key)
{
	int t = json_obj_get(d, obj, key);

	if (t < 0 || json_type(d, t) != JSON_STRING)
		return NULL;
	return json_str(d, t);
}

static int
webhook_validate(const struct conf *cf, const char *v, char *err,
    size_t errlen)
{
	struct json_doc	*d;
	const char	*e;

	if ((d = json_parse(v, strlen(v), &e)) == NULL ||
	    json_type(d, json_root(d)) != JSON_OBJECT) {
		snprintf(err, errlen, "not a JSON object");
		json_doc_free(d);
		return -1;
	}
	json_doc_free(d);
	return 0;
}

static int
webhook_noop(const char *v, const char *status)
{
	struct json_doc	*d;
	char		 key[16], *u;
	const char	*e;
	int		 noop;

	if ((d = json_parse(v, strlen(v), &e)) == NULL)
		return 0;
	snprintf(key, sizeof(key), "url_%s", status);
	u = jget(d, json_root(d), key);
	noop = u == NULL || *u == '\0';
	free(u);
	json_doc_free(d);
	return noop;
}

static int
webhook_build(const struct nt_ctx *ctx, struct nt_msg *m,
    struct nt_result *r)
{
	struct json_doc	*d;
	char		 key[32], *s;
	const char	*e;
	int		 root, h, k, v, i;

	if ((d = json_parse(ctx->value, strlen(ctx->value), &e)) == NULL) {
		snprintf(r->r_error, sizeof(r->r_error), "bad value");
		return -1;
	}
	root = json_root(d);
	m->m_transport = NT_HTTP;
	snprintf(key, sizeof(key), "method_%s", ctx->status);
	s = jget(d, root, key);
	snprintf(m->m_method, sizeof(m->m_method), "%s", s ? s : "GET");
	free(s);
	snprintf(key, sizeof(key), "url_%s", ctx->status);
	s = jget(d, root, key);
	nt_subst(&m->m_url, s ? s : "", ctx, NQ_URL);
	free(s);
	snprintf(key, sizeof(key), "body_%s", ctx->status);
	s = jget(d, root, key);
	if (s != NULL && strcmp(m->m_method, "GET") != 0)
		nt_subst(&m->m_body, s, ctx, NQ_RAW);
	free(s);
	snprintf(key, sizeof(key), "headers_%s", ctx->status);
	h = json_obj_get(d, root, key);
	if (h >= 0 && json_type(d, h) == JSON_OBJECT) {
		for (i = 0; (i = json_obj_next(d, h, i, &k, &v)) > 0;) {
			char *kn = json_str(d, k), *vs = json_str(d, v);

			if (kn != NULL && vs != NULL) {
				buf_printf(&m->m_headers, "%s: ", kn);
				nt_subst(&m->m_headers, vs, ctx, NQ_HEADER);
				buf_addstr(&m->m_headers, "\r\n");
			}
			free(kn);
			free(vs);
		}
	}
	json_doc_free(d);
	return 1;
}

/* Email: {"value": ADDR, "up": bool, "down": bool} or a bare address. */
static int
email_parse(const char *v, char **addr, int *up, int *down)
{
	struct json_doc	*d;
	const char	*e;
	int		 t;

	*up = *down = 1;
	if (*v != '{') {
		*addr = xstrdup(v);
		return 0;
	}
	if ((d = json_parse(v, strlen(v), &e)) == NULL)
		return -1;
	*addr = jget(d, json_root(d), "value");
	if ((t = json_obj_get(d, json_root(d), "up")) >= 0)
		*up = json_type(d, t) == JSON_TRUE;
	if ((t = json_obj_get(d, json_root(d), "down")) >= 0)
		*down = json_type(d, t) == JSON_TRUE;
	json_doc_free(d);
	return *addr != NULL ? 0 : -1;
}

static int
email_validate(const struct conf *cf, const char *v, char *err,
    size_t errlen)
{
	char	*a;
	int	 up, down;

	if (email_parse(v, &a, &up, &down) == -1 || strchr(a, '@') == NULL) {
		if (a != NULL)
			free(a);
		snprintf(err, errlen, "not an email address");
		return -1;
	}
	free(a);
	return 0;
}

static int
email_noop(const char *v, const char *status)
{
	char	*a = NULL;
	int	 up, down, noop;

	if (email_parse(v, &a, &up, &down) == -1) {
		free(a);
		return 0;
	}
	free(a);
	noop = strcmp(status, "up") == 0 ? !up : !down;
	return noop;
}

static int
email_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	char		*a = NULL;
	int		 up, down;
	const char	*name = *ctx->check->name ? ctx->check->name :
			    ctx->check->code;

	if (email_parse(ctx->value, &a, &up, &down) == -1) {
		free(a);
		snprintf(r->r_error, sizeof(r->r_error), "bad value");
		return -1;
	}
	m->m_transport = NT_SMTP;
	buf_addstr(&m->m_rcpt, a);
	free(a);
	buf_printf(&m->m_subject, "%s | %s",
	    strcmp(ctx->status, "up") == 0 ? "UP" : "DOWN", name);
	buf_printf(&m->m_text, "The check \"%s\" is %s.\n", name,
	    strcmp(ctx->status, "up") == 0 ? "now UP" : "DOWN");
	buf_printf(&m->m_html, "<p>The check <b>%s</b> is %s.</p>\n", name,
	    strcmp(ctx->status, "up") == 0 ? "now UP" : "DOWN");
	return 1;
}

static int
shell_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	struct json_doc	*d;
	char		 key[16], *s;
	const char	*e;

	if ((d = json_parse(ctx->value, strlen(ctx->value), &e)) == NULL) {
		snprintf(r->r_error, sizeof(r->r_error), "bad value");
		return -1;
	}
	snprintf(key, sizeof(key), "cmd_%s", ctx->status);
	s = jget(d, json_root(d), key);
	json_doc_free(d);
	if (s == NULL || *s == '\0') {
		free(s);
		return 0;
	}
	m->m_transport = NT_SHELL;
	nt_subst(&m->m_cmd, s, ctx, NQ_SHELL);
	free(s);
	return 1;
}

static int
shell_noop(const char *v, const char *status)
{
	struct json_doc	*d;
	char		 key[16], *c;
	const char	*e;
	int		 noop;

	if ((d = json_parse(v, strlen(v), &e)) == NULL)
		return 0;
	snprintf(key, sizeof(key), "cmd_%s", status);
	c = jget(d, json_root(d), key);
	noop = c == NULL || *c == '\0';
	free(c);
	json_doc_free(d);
	return noop;
}

static int
group_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	m->m_transport = NT_GROUP;
	buf_addstr(&m->m_members, ctx->value);
	return 1;
}

static int
signal_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	char	*a = NULL;
	int	 up, down;

	if (email_parse(ctx->value, &a, &up, &down) == -1) {
		free(a);
		snprintf(r->r_error, sizeof(r->r_error), "bad value");
		return -1;
	}
	m->m_transport = NT_SIGNAL;
	snprintf(m->m_rpc_id, sizeof(m->m_rpc_id), "%s", ctx->code);
	buf_printf(&m->m_rpc, "{\"jsonrpc\": \"2.0\", \"method\": \"send\", "
	    "\"params\": {\"recipient\": [\"%s\"], \"message\": \"%s is %s\"}, "
	    "\"id\": \"%s\"}\n", a, ctx->check->code, ctx->status, ctx->code);
	free(a);
	return 1;
}

static void
signal_classify(const struct nt_ctx *ctx, int step,
    const struct nt_answer *a, struct nt_result *r)
{
	if (strstr(a->a_body, "\"error\"") != NULL) {
		r->r_outcome = NR_FAILED;
		snprintf(r->r_error, sizeof(r->r_error), "signal-cli error");
	} else
		r->r_outcome = NR_OK;
}

static const struct nt_kind kinds[] = {
	{ "email", NK_VERIFIED, NULL, email_validate, email_noop, email_build, NULL,
	    NULL },
	{ "group", 0, NULL, NULL, NULL, group_build, NULL, NULL },
	{ "shell", 0, NULL, webhook_validate, shell_noop, shell_build,
	    NULL, NULL },
	{ "signal", 0, NULL, NULL, email_noop, signal_build,
	    signal_classify, NULL },
	{ "webhook", 0, NULL, webhook_validate, webhook_noop,
	    webhook_build, NULL, NULL },
};

const struct nt_kind *
nt_kind_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].k_name, name) == 0)
			return &kinds[i];
	return NULL;
}

const struct nt_kind *
nt_kind_at(size_t i)
{
	return i < sizeof(kinds) / sizeof(kinds[0]) ? &kinds[i] : NULL;
}
