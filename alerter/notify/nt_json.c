/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The JSON pieces that several kinds write alike: a JSON POST, the
 * flat "event" objects of the incident tools (PagerTree, Spike,
 * Splunk On-Call), and the facts a card lists about the check (Slack
 * and Rocket.Chat fields, Teams facts, Google Chat widgets, the
 * "details" of PagerDuty and Opsgenie).  Each kind keeps its own keys
 * and labels; only the walk is shared.  Runs in the notifying process
 * (and hcctl for test notifications); pure.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

void
nt_json_post(struct nt_msg *m, const char *url, struct json_w *w)
{
	hc_strlcpy(m->m_method, "POST", sizeof(m->m_method));
	buf_addstr(&m->m_url, url);
	nt_header(&m->m_headers, "Content-Type", "application/json");
	json_w_init(w, &m->m_body);
	json_w_obj_begin(w);
}

void
nt_json_title(struct json_w *w, const struct nt_ctx *ctx)
{
	struct buf t;

	buf_init(&t);
	buf_printf(&t, "%s is %s", nt_name(ctx), nt_upper(ctx));
	json_w_str(w, nt_str(&t));
	buf_clear(&t);
}

void
nt_json_message(struct json_w *w, const struct nt_ctx *ctx,
    enum nt_markup mk, int flags)
{
	struct buf t;

	buf_init(&t);
	nt_message(&t, ctx, mk, flags);
	json_w_str(w, nt_str(&t));
	buf_clear(&t);
}

void
nt_json_cloaked(struct json_w *w, const struct nt_ctx *ctx)
{
	struct buf t;

	buf_init(&t);
	nt_cloaked_url(&t, ctx);
	json_w_str(w, nt_str(&t));
	buf_clear(&t);
}

void
nt_json_logo(struct json_w *w, const struct conf *cf)
{
	struct buf t;

	buf_init(&t);
	nt_logo_url(&t, cf);
	json_w_str(w, nt_str(&t));
	buf_clear(&t);
}

void
nt_json_view(struct json_w *w, const struct nt_ctx *ctx, const char *key,
    const char *verb)
{
	struct buf t;

	buf_init(&t);
	json_w_key(w, key);
	buf_printf(&t, "%s %s", verb, ctx->conf->site_name);
	json_w_str(w, nt_str(&t));
	json_w_key(w, "url");
	nt_json_cloaked(w, ctx);
	buf_clear(&t);
}

int
nt_event_build(const struct nt_ctx *ctx, struct nt_msg *m,
    const struct nt_event *ev)
{
	const struct nt_event_member	*em;
	struct json_w			 w;
	struct buf			 t;

	buf_init(&t);
	nt_json_post(m, ctx->value, &w);
	for (em = ev->ev_members; em->em_key != NULL; em++) {
		json_w_key(&w, em->em_key);
		switch (em->em_what) {
		case NE_KEY:
			json_w_str(&w, ctx->check->unique_key);
			break;
		case NE_STATE:
			json_w_str(&w, nt_down(ctx) ? ev->ev_down : ev->ev_up);
			break;
		case NE_STATUS:
			json_w_str(&w, ctx->status);
			break;
		case NE_NAME:
			json_w_str(&w, nt_name(ctx));
			break;
		case NE_TITLE:
			nt_json_title(&w, ctx);
			break;
		case NE_MESSAGE:
			nt_json_message(&w, ctx, NM_PLAIN, 0);
			break;
		case NE_SITE_NAME:
			json_w_str(&w, ctx->conf->site_name);
			break;
		case NE_SITE_ROOT:
			json_w_str(&w, ctx->conf->site_root);
			break;
		case NE_TAGS:
			buf_reset(&t);
			nt_tags(&t, ctx, "", "", ",");
			json_w_str(&w, nt_str(&t));
			break;
		}
	}
	json_w_obj_end(&w);
	buf_clear(&t);
	return 1;
}

/* One fact, its label followed by f_colon. */
static void
fact(struct json_w *w, const struct nt_facts *f, const char *label,
    const char *value, int shrt)
{
	char l[64];

	snprintf(l, sizeof(l), "%s%s", label, f->f_colon ? f->f_colon : "");
	f->f_fact(w, l, value, shrt);
}

void
nt_facts_schedule(struct json_w *w, const struct nt_ctx *ctx,
    const struct nt_facts *f)
{
	const struct nt_check	*c = ctx->check;
	struct buf		 t;

	buf_init(&t);
	if (c->kind == NULL || strcmp(c->kind, "simple") == 0) {
		nt_period(&t, c->timeout);
		fact(w, f, "Period", nt_str(&t), 1);
	} else {
		if (f->f_code[0] != NULL)
			buf_addstr(&t, f->f_code[0]);
		if (f->f_ast != NULL)
			nt_asterisks(&t, c->schedule, f->f_ast);
		else
			buf_addstr(&t, c->schedule ? c->schedule : "");
		if (f->f_code[1] != NULL)
			buf_addstr(&t, f->f_code[1]);
		fact(w, f, "Schedule", nt_str(&t), 1);
		fact(w, f, f->f_tz ? f->f_tz : "Time Zone",
		    c->tz ? c->tz : "", 1);
	}
	buf_clear(&t);
}

void
nt_facts(struct json_w *w, const struct nt_ctx *ctx, const struct nt_facts *f)
{
	const struct nt_check	*c = ctx->check;
	struct buf		 t;

	buf_init(&t);
	if (f->f_desc && c->desc != NULL && *c->desc)
		fact(w, f, "Description", c->desc, 0);
	if (c->project_name != NULL && *c->project_name)
		fact(w, f, "Project", c->project_name, 1);
	nt_tags(&t, ctx, f->f_tag[0], f->f_tag[1], f->f_tag[2]);
	if (t.b_len > 0)
		fact(w, f, "Tags", nt_str(&t), 1);
	nt_facts_schedule(w, ctx, f);
	buf_reset(&t);
	buf_printf(&t, "%lld", c->last_ping ? (long long)c->n_pings : 0LL);
	fact(w, f, "Total Pings", nt_str(&t), 1);
	buf_reset(&t);
	nt_last_ping(&t, ctx);
	fact(w, f, "Last Ping", nt_str(&t), 1);
	buf_clear(&t);
}

void
nt_fact_member(struct json_w *w, const char *key, const char *value,
    int shrt)
{
	json_w_key(w, key);
	json_w_str(w, value);
}

void
nt_details_head(struct json_w *w, const struct nt_ctx *ctx)
{
	const struct nt_check	*c = ctx->check;
	struct buf		 t;

	buf_init(&t);
	json_w_key(w, "Project");
	json_w_str(w, c->project_name ? c->project_name : "");
	json_w_key(w, "Total pings");
	json_w_int(w, c->last_ping ? c->n_pings : 0);
	json_w_key(w, "Last ping");
	nt_last_ping(&t, ctx);
	json_w_str(w, nt_str(&t));
	buf_clear(&t);
}
