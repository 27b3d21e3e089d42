/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Webhooks (spec §5.4): the stored value is a JSON object with, for
 * each of "down" and "up", a method (GET, POST or PUT), a URL, a body
 * and an object of headers.  The URL's placeholders are substituted
 * URL-quoted, the headers' with non-Latin-1 characters as &#NNN;, the
 * body's raw (and only POST and PUT carry one).  No Content-Type is
 * added: the user's headers are the ones sent, plus
 * X-Healthchecks-Notification with the notification's UUID, which stays
 * the same across retries so that a receiver can drop a duplicate.
 * An empty URL makes that status a no-op.  WEBHOOKS_ENABLED is the
 * engine's setting (the engine checks it: k_enabled is NULL).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

#define WH_MAX		1000	/* characters of a URL or a body */
#define WH_NOTIF_HDR	"X-Healthchecks-Notification"

static size_t
chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if ((*s & 0xc0) != 0x80)
			n++;
	return n;
}

static char *
member(const struct json_doc *d, const char *what, const char *status)
{
	char key[32];

	snprintf(key, sizeof(key), "%s_%s", what, status);
	return nt_jstr(d, key);
}

static int
wh_noop(const char *value, const char *status)
{
	struct json_doc	*d;
	char		*url;
	int		 noop;

	if ((d = nt_json_obj(value)) == NULL)
		return 1;
	url = member(d, "url", status);
	noop = url == NULL || *url == '\0';
	free(url);
	json_doc_free(d);
	return noop;
}

/* A header name: an RFC 9110 token. */
static int
token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!(((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z') ||
		    (*s >= '0' && *s <= '9') || strchr("!#$%&'*+-.^_`|~", *s)))
			return 0;
	return 1;
}

static int
check_status(const struct json_doc *d, const char *status, int *has_url,
    char *err, size_t errlen)
{
	char	*method, *url, *body;
	int	 h, it = 0, k, v, rv = -1;

	method = member(d, "method", status);
	url = member(d, "url", status);
	body = member(d, "body", status);
	if (method != NULL && strcmp(method, "GET") != 0 &&
	    strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0) {
		snprintf(err, errlen, "method_%s: expected GET, POST or PUT",
		    status);
		goto out;
	}
	if (url != NULL && *url != '\0') {
		*has_url = 1;
		if (!nt_is_http_url(url)) {
			snprintf(err, errlen, "url_%s: enter a valid URL "
			    "(http:// or https://)", status);
			goto out;
		}
		if (chars(url) > WH_MAX) {
			snprintf(err, errlen, "url_%s: at most %d characters",
			    status, WH_MAX);
			goto out;
		}
	}
	if (body != NULL && chars(body) > WH_MAX) {
		snprintf(err, errlen, "body_%s: at most %d characters", status,
		    WH_MAX);
		goto out;
	}
	{
		char key[32];

		snprintf(key, sizeof(key), "headers_%s", status);
		h = json_obj_get(d, json_root(d), key);
	}
	if (h != -1 && json_type(d, h) != JSON_OBJECT) {
		snprintf(err, errlen, "headers_%s: expected an object", status);
		goto out;
	}
	while (h != -1 && (it = json_obj_next(d, h, it, &k, &v)) != -1) {
		char	*name = json_str(d, k), *val = json_str(d, v);
		int	 bad = val == NULL || !token(name) ||
			    strpbrk(val, "\r\n") != NULL;

		if (bad)
			snprintf(err, errlen, "headers_%s: %s: expected a "
			    "header name and a one-line string value", status,
			    name);
		free(name);
		free(val);
		if (bad)
			goto out;
	}
	rv = 0;
out:
	free(method);
	free(url);
	free(body);
	return rv;
}

static int
wh_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	struct json_doc	*d;
	int		 has_url = 0, rv = -1;

	if ((d = nt_json_obj(value)) == NULL) {
		snprintf(err, errlen, "Expected a JSON object (method_down, "
		    "url_down, body_down, headers_down, and the same for up)");
		return -1;
	}
	if (check_status(d, "down", &has_url, err, errlen) == 0 &&
	    check_status(d, "up", &has_url, err, errlen) == 0) {
		if (!has_url)
			snprintf(err, errlen, "Enter a URL for down or up "
			    "events (url_down, url_up)");
		else
			rv = 0;
	}
	json_doc_free(d);
	return rv;
}

static int
wh_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	struct json_doc	*d;
	char		*method, *url, *body;
	int		 h, it = 0, k, v, rv = 1;

	if ((d = nt_json_obj(ctx->value)) == NULL) {
		nt_result_set(r, NR_FAILED, "Invalid webhook settings");
		return -1;
	}
	method = member(d, "method", ctx->status);
	url = member(d, "url", ctx->status);
	body = member(d, "body", ctx->status);
	if (url == NULL || *url == '\0') {
		nt_result_set(r, NR_FAILED, "Empty webhook URL");
		rv = -1;
		goto out;
	}
	hc_strlcpy(m->m_method, method != NULL && *method ? method : "GET",
	    sizeof(m->m_method));
	nt_subst(&m->m_url, url, ctx, NQ_URL);
	{
		char key[32];

		snprintf(key, sizeof(key), "headers_%s", ctx->status);
		h = json_obj_get(d, json_root(d), key);
	}
	while (json_type(d, h) == JSON_OBJECT &&
	    (it = json_obj_next(d, h, it, &k, &v)) != -1) {
		char		*name = json_str(d, k);
		char		*val = json_str(d, v);
		struct buf	 t;

		if (name != NULL && val != NULL && token(name) &&
		    strcasecmp(name, WH_NOTIF_HDR) != 0) {
			buf_init(&t);
			nt_subst(&t, val, ctx, NQ_HEADER);
			nt_header(&m->m_headers, name, nt_str(&t));
			buf_clear(&t);
		}
		free(name);
		free(val);
	}
	nt_header(&m->m_headers, WH_NOTIF_HDR, ctx->code);
	if (body != NULL && *body != '\0' &&
	    (strcmp(m->m_method, "POST") == 0 ||
	    strcmp(m->m_method, "PUT") == 0))
		nt_subst(&m->m_body, body, ctx, NQ_RAW);
out:
	free(method);
	free(url);
	free(body);
	json_doc_free(d);
	return rv;
}

const struct nt_kind nt_k_webhook = {
	.k_name = "webhook",
	.k_validate = wh_validate,
	.k_noop = wh_noop,
	.k_build = wh_build,
	.k_off_text = "Webhook notifications are not enabled.",
};
