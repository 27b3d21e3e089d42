/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * What the kind files share and the engine does not need: reading a
 * channel's stored value, the escapers of the formats the kinds speak
 * (URL, form, HTML, shell, header), the facts of spec §5.2 ("Last
 * Ping", period, the other checks that are down, the clipped ping
 * body) and one message text in three markups (nt_text.c); the JSON
 * that several kinds write alike, such as event objects and a card's
 * facts (nt_json.c); and helpers of one family of kinds (Slack,
 * Twilio).  Private to alerter/notify/; everything here is pure and
 * thread-safe.
 */
#ifndef HC_NT_TEXT_H
#define HC_NT_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "notify.h"

struct json_doc;

/* A buffer's text, "" while it has none (b_data is NULL until then). */
static inline const char *
nt_str(const struct buf *b)
{
	return b->b_data != NULL ? (const char *)b->b_data : "";
}

/* Stored values that are JSON objects. */
/* The document if value is a JSON object, else NULL (free it). */
struct json_doc	*nt_json_obj(const char *value);
/* Heap copy of string member key of the root object, NULL if absent. */
char		*nt_jstr(const struct json_doc *, const char *key);
/* Same, under root.outer.key (Slack's incoming_webhook.url). */
char		*nt_jstr2(const struct json_doc *, const char *outer,
		    const char *key);
/* Integer member: 0 and *out, or -1 if absent or not an integer. */
int		 nt_jint(const struct json_doc *, const char *key,
		    int64_t *out);
/* Boolean member, def if absent or not a boolean. */
int		 nt_jbool(const struct json_doc *, const char *key, int def);
/* A contact (phone number, address, username) with its up and down
   flags: JSON {value, up, down} or the bare contact (flags 1).  0, or
   -1 if there is none. */
int		 nt_contact(const char *value, struct buf *contact, int *up,
		    int *down);
/* A k_noop: 1 if the value has no contact or does not want status. */
int		 nt_contact_noop(const char *value, const char *status);

/* Escapers. */
/* Python's urllib.parse.quote: UTF-8 bytes, unreserved chars and safe kept. */
void	 nt_quote(struct buf *, const char *s, size_t n, const char *safe);
/* One key=value pair of application/x-www-form-urlencoded, '&' first
   unless the buffer is empty (quote_plus: space is '+'). */
void	 nt_form(struct buf *, const char *key, const char *val);
void	 nt_form_int(struct buf *, const char *key, int64_t val);
/* HTML text: & < > " ' escaped; buf_add_html (common/util.c) does it,
   and the kinds call that; the old name stays for its callers. */
static inline void
nt_html(struct buf *b, const char *s, size_t n)
{
	buf_add_html(b, s, n);
}
/* HTML whose newlines are line breaks: "<br>\n" outside <pre>. */
void	 nt_html_breaks(struct buf *, const char *html, size_t n);
/* Python's shlex.quote. */
void	 nt_shell_quote(struct buf *, const char *s, size_t n);
/* "Name: value\r\n" (CR and LF in value become spaces). */
void	 nt_header(struct buf *, const char *name, const char *value);
/* Slack/Teams: U+034F before each '*'; Discord passes "\\*". */
void	 nt_asterisks(struct buf *, const char *s, const char *repl);
/* 1 if s starts with http:// or https:// and has something after. */
int	 nt_is_http_url(const char *s);

/* A k_validate for kinds whose value is a URL. */
int	 nt_url_validate(const struct conf *, const char *value, char *err,
	    size_t errlen);

/* Facts about the check and the flip (§5.2). */
int	 nt_down(const struct nt_ctx *);		/* status is "down" */
const char *nt_upper(const struct nt_ctx *);	/* "DOWN" or "UP" */
const char *nt_name(const struct nt_ctx *);	/* name, else the UUID */
/* The reason of a down flip in words, NULL if none. */
const char *nt_reason(const struct nt_ctx *);
void	 nt_cloaked_url(struct buf *, const struct nt_ctx *);
void	 nt_details_url(struct buf *, const struct nt_ctx *);
void	 nt_logo_url(struct buf *, const struct conf *);
/* Healthchecks' format_duration: "1 week", "1 day 2 hours", "5 minutes". */
void	 nt_period(struct buf *, int64_t seconds);
/* Django's naturaltime of a past moment: "now", "5 minutes ago". */
void	 nt_ago(struct buf *, int64_t seconds);
/* "Success, 5 minutes ago", or "Never". */
void	 nt_last_ping(struct buf *, const struct nt_ctx *);
/*
 * The last ping's body as UTF-8, at most maxchars code points, then
 * "\n[truncated]" if it was longer (maxchars 0: all of it).  Returns 0
 * (nothing added) if there is no body.
 */
int	 nt_body(struct buf *, const struct nt_ctx *, size_t maxchars);
/* Iterates the space-separated tags: returns 0 at the end. */
int	 nt_tag_next(const char **cursor, const char **tag, size_t *len);
/* Tags joined by sep; each between pre and post (Slack: "`"). */
void	 nt_tags(struct buf *, const struct nt_ctx *, const char *pre,
	    const char *post, const char *sep);

/* One message text. */
/* NM_SIGNAL: plain, bold parts between \x01 and \x02 (kind_signal.c
   turns them into textStyle ranges). */
enum nt_markup { NM_PLAIN, NM_MARKDOWN, NM_HTML, NM_SIGNAL };
#define NT_M_BODY	0x01	/* the last ping's body (1000 chars) */
#define NT_M_OTHERS	0x02	/* the other checks that are down */
#define NT_M_NODESC	0x04	/* leave out the description */
/* "🔴 The check “N” is DOWN (reason)." / "🟢 The check “N” is now UP." */
void	 nt_headline(struct buf *, const struct nt_ctx *, enum nt_markup);
/* "The downtime lasted X." or nothing. */
void	 nt_downtime(struct buf *, const struct nt_ctx *);
/* The other checks of the project that are down; nothing if alone. */
void	 nt_others(struct buf *, const struct nt_ctx *, enum nt_markup);
/* Headline, downtime, the fact lines, and what flags ask for. */
void	 nt_message(struct buf *, const struct nt_ctx *, enum nt_markup,
	    int flags);

/* kinds.c: helpers for k_classify. */
/* Sets outcome and the error text (printf-like; "" for none). */
void	 nt_result_set(struct nt_result *, int outcome, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* 1 for 200, 201, 202 and 204. */
int	 nt_http_ok(long status);
/* The JSON string member key of an answer's body, heap, or NULL. */
char	*nt_answer_str(const struct nt_answer *, const char *key);
/* The error text "Received status code N with a message: "msg"" (the
   outcome is kept). */
void	 nt_result_message(struct nt_result *, const struct nt_answer *,
	    const char *msg);
/* nt_classify_http, then nt_result_message with the answer's member key
   if a failed answer has one (Opsgenie "message", Zulip "msg"). */
void	 nt_classify_message(const struct nt_ctx *, int step,
	    const struct nt_answer *, struct nt_result *, const char *key);

/* nt_json.c: the JSON that several kinds write alike. */
struct json_w;
/* POST to url with Content-Type application/json; w writes m_body and
   its root object is begun (the caller ends it). */
void	 nt_json_post(struct nt_msg *, const char *url, struct json_w *w);
/* String values: "N is DOWN", nt_message, the cloaked details URL,
   the logo URL. */
void	 nt_json_title(struct json_w *, const struct nt_ctx *);
void	 nt_json_message(struct json_w *, const struct nt_ctx *,
	    enum nt_markup, int flags);
void	 nt_json_cloaked(struct json_w *, const struct nt_ctx *);
void	 nt_json_logo(struct json_w *, const struct conf *);
/* Members key: "<verb> SITE_NAME" and url: the cloaked URL (a button). */
void	 nt_json_view(struct json_w *, const struct nt_ctx *, const char *key,
	    const char *verb);

/* A flat event object (PagerTree, Spike, Splunk On-Call): the kind
   names the members, nt_event_build writes them in order. */
enum nt_event_what {
	NE_KEY,		/* the check's unique key */
	NE_STATE,	/* ev_down or ev_up */
	NE_STATUS,	/* "down" or "up" */
	NE_NAME,	/* nt_name */
	NE_TITLE,	/* nt_json_title */
	NE_MESSAGE,	/* nt_message, plain */
	NE_SITE_NAME,	/* SITE_NAME */
	NE_SITE_ROOT,	/* SITE_ROOT */
	NE_TAGS,	/* the tags joined by ',' */
};
struct nt_event_member {
	const char		*em_key;	/* NULL ends the list */
	enum nt_event_what	 em_what;
};
struct nt_event {
	const char		*ev_down, *ev_up;	/* for NE_STATE */
	struct nt_event_member	 ev_members[8];
};
/* A JSON POST of the event to the URL that is the value; returns 1. */
int	 nt_event_build(const struct nt_ctx *, struct nt_msg *,
	    const struct nt_event *);

/* The facts a card lists about the check.  f_fact writes one (shrt is
   Slack's "short" flag; kinds without one ignore it). */
typedef void nt_fact_fn(struct json_w *, const char *label,
    const char *value, int shrt);
struct nt_facts {
	nt_fact_fn	*f_fact;
	const char	*f_colon;	/* after each label; NULL: nothing */
	const char	*f_tag[3];	/* nt_tags' pre, post and sep */
	const char	*f_ast;		/* for '*' in a schedule; NULL: kept */
	const char	*f_code[2];	/* around a schedule; NULL: nothing */
	const char	*f_tz;		/* NULL: "Time Zone" */
	int		 f_desc;	/* Description first (not short) */
};
/* Description (f_desc), Project and Tags when set, the schedule facts,
   Total Pings and Last Ping. */
void	 nt_facts(struct json_w *, const struct nt_ctx *,
	    const struct nt_facts *);
/* Period for a simple check, else Schedule and the time zone. */
void	 nt_facts_schedule(struct json_w *, const struct nt_ctx *,
	    const struct nt_facts *);
/* An nt_fact_fn writing "label": "value" into an object. */
void	 nt_fact_member(struct json_w *, const char *key, const char *value,
	    int shrt);
/* The members "Project", "Total pings" (a number) and "Last ping" of a
   details object (PagerDuty, Opsgenie). */
void	 nt_details_head(struct json_w *, const struct nt_ctx *);

/* Shared by kinds of one family. */
/* kind_slack.c: the Slack-compatible payload; asterisks in the schedule
   are replaced by ast (Slack, Mattermost: U+034F '*'; Discord: "\\*"). */
void	 nt_slack_payload(struct buf *, const struct nt_ctx *,
	    const char *ast);
/* An nt_fact_fn: one Slack attachment field {title, value, short}. */
void	 nt_slack_field(struct json_w *, const char *title, const char *value,
	    int shrt);
/* kind_sms.c: the Twilio kinds (sms, call, whatsapp).  The phone
   number of a value (nt_contact) must be E.164. */
int	 nt_phone_validate(const struct conf *, const char *value, char *err,
	    size_t errlen);
void	 nt_twilio_classify(const struct nt_ctx *, int step,
	    const struct nt_answer *, struct nt_result *);
/* The notification's status callback URL (Twilio). */
void	 nt_status_url(struct buf *, const struct nt_ctx *);
/* A form POST to the account's endpoint ("Messages.json"), with basic
   auth; num gets the value's number (nt_contact), which the caller
   clears.  -1 (num cleared, r set) if the value has none. */
int	 nt_twilio_begin(const struct nt_ctx *, struct nt_msg *,
	    struct nt_result *, const char *endpoint, struct buf *num);
/* The form field StatusCallback: nt_status_url. */
void	 nt_twilio_status(struct buf *form, const struct nt_ctx *);
/* Basic auth TWILIO_ACCOUNT:TWILIO_AUTH into m->m_auth. */
void	 nt_twilio_auth(struct nt_msg *, const struct conf *);

/* The kinds, one file each (kinds.c lists them). */
extern const struct nt_kind nt_k_call, nt_k_discord, nt_k_email,
    nt_k_github, nt_k_googlechat, nt_k_gotify, nt_k_group, nt_k_matrix,
    nt_k_mattermost, nt_k_msteamsw, nt_k_ntfy, nt_k_opsgenie,
    nt_k_pagertree, nt_k_pd, nt_k_po, nt_k_pushbullet, nt_k_rocketchat,
    nt_k_shell, nt_k_signal, nt_k_slack, nt_k_sms, nt_k_spike,
    nt_k_telegram, nt_k_trello, nt_k_victorops, nt_k_webhook,
    nt_k_whatsapp, nt_k_zulip;

#endif
