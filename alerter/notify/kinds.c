/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The one table of integration kinds (spec §5.1): every kind
 * api_channel.kind can hold, in name order.  A kind that is delivered
 * from here has a file of its own (kind_<name>.c) and a row below; the
 * kinds Healthchecks removed are rows only, always no-ops, so that old
 * channels stay harmless; apprise is a row only as well: it needs
 * Python's Apprise library, which has no C counterpart, so it is kept
 * and never sent (its k_off_text says why).  Also here: the message and
 * result objects of notify.h and the default HTTP classification.
 *
 * To add a kind: write kind_<name>.c defining `const struct nt_kind
 * nt_k_<name>` (nt_text.c has the message content and escapers), declare
 * it in nt_text.h, add its row below in name order, and its cases to
 * tests/unit/notify_test.c.  Settings of its own go in conf.c's
 * conf_kind_keys.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

static int
always(const char *value, const char *status)
{
	return 1;
}

static int
apprise_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	snprintf(err, errlen, "Apprise is not supported by hcd");
	return -1;
}

static int
removed_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	snprintf(err, errlen, "This integration kind has been removed");
	return -1;
}

#define REMOVED(n) { .k_name = n, .k_flags = NK_REMOVED, \
	.k_validate = removed_validate, .k_noop = always, \
	.k_off_text = "This integration kind has been removed" }

static const struct nt_kind nt_k_apprise = {
	.k_name = "apprise",
	.k_flags = NK_NOT_HERE,
	.k_validate = apprise_validate,
	.k_noop = always,
	/*
	 * Apprise is a Python library that speaks to a hundred services
	 * through URLs of its own; there is no C library to call and no
	 * HTTP form common to its URLs.  The channel is kept, never sent.
	 */
	.k_off_text = "Apprise is disabled and/or not installed",
};
static const struct nt_kind nt_k_hipchat = REMOVED("hipchat");
static const struct nt_kind nt_k_linenotify = REMOVED("linenotify");
static const struct nt_kind nt_k_msteams = REMOVED("msteams");
static const struct nt_kind nt_k_pagerteam = REMOVED("pagerteam");
static const struct nt_kind nt_k_zendesk = REMOVED("zendesk");

/* Sorted by name (nt_kind_find searches it so; a unit test checks). */
static const struct nt_kind *const kinds[] = {
	&nt_k_apprise,
	&nt_k_call,
	&nt_k_discord,
	&nt_k_email,
	&nt_k_github,
	&nt_k_googlechat,
	&nt_k_gotify,
	&nt_k_group,
	&nt_k_hipchat,
	&nt_k_linenotify,
	&nt_k_matrix,
	&nt_k_mattermost,
	&nt_k_msteams,
	&nt_k_msteamsw,
	&nt_k_ntfy,
	&nt_k_opsgenie,
	&nt_k_pagerteam,
	&nt_k_pagertree,
	&nt_k_pd,
	&nt_k_po,
	&nt_k_pushbullet,
	&nt_k_rocketchat,
	&nt_k_shell,
	&nt_k_signal,
	&nt_k_slack,
	&nt_k_sms,
	&nt_k_spike,
	&nt_k_telegram,
	&nt_k_trello,
	&nt_k_victorops,
	&nt_k_webhook,
	&nt_k_whatsapp,
	&nt_k_zendesk,
	&nt_k_zulip,
};
#define NKINDS	(sizeof(kinds) / sizeof(kinds[0]))

const struct nt_kind *
nt_kind_find(const char *name)
{
	size_t lo = 0, hi = NKINDS;

	if (name == NULL)
		return NULL;
	while (lo < hi) {
		size_t	mid = (lo + hi) / 2;
		int	c = strcmp(name, kinds[mid]->k_name);

		if (c == 0)
			return kinds[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct nt_kind *
nt_kind_at(size_t i)
{
	return i < NKINDS ? kinds[i] : NULL;
}

int
nt_validate(const struct conf *cf, const char *kind, const char *value,
    char *err, size_t errlen)
{
	const struct nt_kind *k = nt_kind_find(kind);

	if (k == NULL) {
		snprintf(err, errlen, "Unknown integration kind: %s",
		    kind ? kind : "");
		return -1;
	}
	if (value == NULL) {
		snprintf(err, errlen, "A value is required");
		return -1;
	}
	return k->k_validate(cf, value, err, errlen);
}

int
nt_noop(const char *kind, const char *value, const char *status)
{
	const struct nt_kind *k = nt_kind_find(kind);

	if (k == NULL || k->k_build == NULL || value == NULL)
		return 1;
	return k->k_noop != NULL && k->k_noop(value, status);
}

void
nt_msg_init(struct nt_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->m_transport = NT_HTTP;
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
	if (m->m_auth.b_data != NULL)
		explicit_bzero(m->m_auth.b_data, m->m_auth.b_len);
	buf_clear(&m->m_auth);
	m->m_userpwd = NULL;
}

void
nt_result_init(struct nt_result *r)
{
	r->r_outcome = NR_OK;
	r->r_error[0] = '\0';
	buf_init(&r->r_value);
}

void
nt_result_clear(struct nt_result *r)
{
	buf_clear(&r->r_value);
}

void
nt_result_set(struct nt_result *r, int outcome, const char *fmt, ...)
{
	va_list ap;

	r->r_outcome = outcome;
	va_start(ap, fmt);
	vsnprintf(r->r_error, sizeof(r->r_error), fmt, ap);
	va_end(ap);
}

int
nt_http_ok(long s)
{
	return s == 200 || s == 201 || s == 202 || s == 204;
}

void
nt_classify_http(const struct nt_ctx *ctx, int step,
    const struct nt_answer *a, struct nt_result *r)
{
	if (nt_http_ok(a->a_status))
		nt_result_set(r, NR_OK, "%s", "");
	else if (a->a_status == 429 || a->a_status >= 500 || a->a_status <= 0)
		nt_result_set(r, NR_TRANSIENT, "Received status code %ld",
		    a->a_status);
	else
		nt_result_set(r, NR_FAILED, "Received status code %ld",
		    a->a_status);
}

char *
nt_answer_str(const struct nt_answer *a, const char *key)
{
	struct json_doc	*d;
	const char	*err;
	char		*s;

	if (a->a_body == NULL || a->a_len == 0)
		return NULL;
	if ((d = json_parse(a->a_body, a->a_len, &err)) == NULL)
		return NULL;
	s = json_str(d, json_obj_get(d, json_root(d), key));
	json_doc_free(d);
	return s;
}

void
nt_result_message(struct nt_result *r, const struct nt_answer *a,
    const char *msg)
{
	nt_result_set(r, r->r_outcome, "Received status code %ld with "
	    "a message: \"%s\"", a->a_status, msg);
}

void
nt_classify_message(const struct nt_ctx *ctx, int step,
    const struct nt_answer *a, struct nt_result *r, const char *key)
{
	char *msg;

	nt_classify_http(ctx, step, a, r);
	if (r->r_outcome == NR_OK)
		return;
	if ((msg = nt_answer_str(a, key)) != NULL)
		nt_result_message(r, a, msg);
	free(msg);
}
