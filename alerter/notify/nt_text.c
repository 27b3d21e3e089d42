/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The message content that the kinds share (spec §5.2): durations,
 * "Last Ping", the other checks that are down, the clipped ping body,
 * the cloaked link; the webhook and shell placeholders (§5.4) with
 * their quoting; and the escapers of the formats kinds speak.  Runs in
 * the notifying process (and hcctl for test notifications); pure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

/* Stored values */

struct json_doc *
nt_json_obj(const char *value)
{
	struct json_doc	*d;
	const char	*err;

	if (value == NULL || *value != '{')
		return NULL;
	if ((d = json_parse(value, strlen(value), &err)) == NULL)
		return NULL;
	if (json_type(d, json_root(d)) != JSON_OBJECT) {
		json_doc_free(d);
		return NULL;
	}
	return d;
}

char *
nt_jstr(const struct json_doc *d, const char *key)
{
	return json_str(d, json_obj_get(d, json_root(d), key));
}

char *
nt_jstr2(const struct json_doc *d, const char *outer, const char *key)
{
	int o = json_obj_get(d, json_root(d), outer);

	if (json_type(d, o) != JSON_OBJECT)
		return NULL;
	return json_str(d, json_obj_get(d, o, key));
}

int
nt_jint(const struct json_doc *d, const char *key, int64_t *out)
{
	int t = json_obj_get(d, json_root(d), key);

	if (json_type(d, t) != JSON_NUMBER || !json_is_intlit(d, t))
		return -1;
	return json_int(d, t, out) == 0 ? 0 : -1;
}

int
nt_jbool(const struct json_doc *d, const char *key, int def)
{
	switch (json_type(d, json_obj_get(d, json_root(d), key))) {
	case JSON_TRUE:
		return 1;
	case JSON_FALSE:
		return 0;
	default:
		return def;
	}
}

int
nt_contact(const char *value, struct buf *contact, int *up, int *down)
{
	struct json_doc	*d;
	char		*v;

	*up = *down = 1;
	if ((d = nt_json_obj(value)) == NULL) {
		if (value == NULL || *value == '\0' || *value == '{')
			return -1;
		buf_addstr(contact, value);
		return 0;
	}
	v = nt_jstr(d, "value");
	*up = nt_jbool(d, "up", 1);
	*down = nt_jbool(d, "down", 1);
	json_doc_free(d);
	if (v == NULL || *v == '\0') {
		free(v);
		return -1;
	}
	buf_addstr(contact, v);
	free(v);
	return 0;
}

int
nt_contact_noop(const char *value, const char *status)
{
	struct buf	n;
	int		up, down, rv;

	buf_init(&n);
	rv = nt_contact(value, &n, &up, &down);
	buf_clear(&n);
	if (rv == -1)
		return 1;
	return strcmp(status, "down") == 0 ? !down : !up;
}

/* Escapers */

static int
unreserved(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' ||
	    c == '~';
}

void
nt_quote(struct buf *b, const char *s, size_t n, const char *safe)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t	i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (unreserved(c) || (c != '\0' && safe != NULL &&
		    strchr(safe, c) != NULL))
			buf_addc(b, c);
		else {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
}

static void
quote_plus(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ')
			buf_addc(b, '+');
		else
			nt_quote(b, s, 1, NULL);
	}
}

void
nt_form(struct buf *b, const char *key, const char *val)
{
	if (b->b_len > 0)
		buf_addc(b, '&');
	quote_plus(b, key);
	buf_addc(b, '=');
	quote_plus(b, val != NULL ? val : "");
}

void
nt_form_int(struct buf *b, const char *key, int64_t val)
{
	char s[24];

	snprintf(s, sizeof(s), "%lld", (long long)val);
	nt_form(b, key, s);
}

void
nt_html_breaks(struct buf *b, const char *s, size_t n)
{
	size_t	i;
	int	pre = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '<' && n - i >= 5 && memcmp(s + i, "<pre>", 5) == 0)
			pre = 1;
		else if (s[i] == '<' && n - i >= 6 &&
		    memcmp(s + i, "</pre>", 6) == 0)
			pre = 0;
		if (s[i] == '\n' && !pre && !(n - i > 5 &&
		    memcmp(s + i + 1, "<pre>", 5) == 0))
			buf_addstr(b, "<br>\n");
		else
			buf_addc(b, s[i]);
	}
}

void
nt_shell_quote(struct buf *b, const char *s, size_t n)
{
	size_t	i;
	int	plain = n > 0;

	for (i = 0; i < n && plain; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\0' || !((c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr("@%+=:,./-_", c) != NULL))
			plain = 0;
	}
	if (plain) {
		buf_add(b, s, n);
		return;
	}
	buf_addc(b, '\'');
	for (i = 0; i < n; i++) {
		if (s[i] == '\'')
			buf_addstr(b, "'\"'\"'");
		else
			buf_addc(b, s[i]);
	}
	buf_addc(b, '\'');
}

void
nt_header(struct buf *b, const char *name, const char *value)
{
	buf_addstr(b, name);
	buf_addstr(b, ": ");
	for (; *value; value++)
		buf_addc(b, *value == '\r' || *value == '\n' ? ' ' : *value);
	buf_addstr(b, "\r\n");
}

void
nt_asterisks(struct buf *b, const char *s, const char *repl)
{
	for (; s != NULL && *s; s++) {
		if (*s == '*')
			buf_addstr(b, repl);
		else
			buf_addc(b, *s);
	}
}

int
nt_is_http_url(const char *s)
{
	if (s == NULL)
		return 0;
	if (strncmp(s, "https://", 8) == 0)
		return s[8] != '\0';
	if (strncmp(s, "http://", 7) == 0)
		return s[7] != '\0';
	return 0;
}

int
nt_url_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	if (!nt_is_http_url(value) || strpbrk(value, " \t\r\n") != NULL) {
		snprintf(err, errlen,
		    "Enter a valid URL (http:// or https://)");
		return -1;
	}
	return 0;
}

/* Facts */

int
nt_down(const struct nt_ctx *ctx)
{
	return strcmp(ctx->status, "down") == 0;
}

const char *
nt_upper(const struct nt_ctx *ctx)
{
	return nt_down(ctx) ? "DOWN" : "UP";
}

const char *
nt_name(const struct nt_ctx *ctx)
{
	const struct nt_check *c = ctx->check;

	return c->name != NULL && *c->name ? c->name : c->code;
}

const char *
nt_reason(const struct nt_ctx *ctx)
{
	if (!nt_down(ctx) || ctx->reason == NULL)
		return NULL;
	if (strcmp(ctx->reason, "timeout") == 0)
		return "success signal did not arrive on time, "
		    "grace time passed";
	if (strcmp(ctx->reason, "fail") == 0)
		return "received a failure signal";
	return NULL;
}

void
nt_cloaked_url(struct buf *b, const struct nt_ctx *ctx)
{
	buf_printf(b, "%s/cloaked/%s/", ctx->conf->site_root,
	    ctx->check->unique_key ? ctx->check->unique_key : "");
}

void
nt_details_url(struct buf *b, const struct nt_ctx *ctx)
{
	buf_printf(b, "%s/checks/%s/details/", ctx->conf->site_root,
	    ctx->check->code);
}

void
nt_logo_url(struct buf *b, const struct conf *cf)
{
	const char *logo = cf->site_logo_url;

	if (logo != NULL && nt_is_http_url(logo))
		buf_addstr(b, logo);
	else if (logo != NULL && *logo == '/')
		buf_printf(b, "%s%s", cf->site_root, logo);
	else
		buf_printf(b, "%s/static/img/logo.png", cf->site_root);
}

static void
unit(struct buf *b, int64_t v, const char *name, const char *sep)
{
	if (b->b_len > 0 && sep != NULL)
		buf_addstr(b, sep);
	buf_printf(b, "%lld %s%s", (long long)v, name, v == 1 ? "" : "s");
}

void
nt_period(struct buf *b, int64_t s)
{
	struct buf	t;
	static const struct { const char *n; int64_t secs; } units[] = {
		{ "week", 604800 }, { "day", 86400 }, { "hour", 3600 },
		{ "minute", 60 },
	};
	size_t		i;

	buf_init(&t);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		int64_t v;

		/* "8 days", not "1 week 1 day" */
		if (i == 0 && s % units[i].secs != 0)
			continue;
		v = s / units[i].secs;
		s %= units[i].secs;
		if (v > 0)
			unit(&t, v, units[i].n, " ");
	}
	buf_add(b, t.b_data, t.b_len);
	buf_clear(&t);
}

/* The largest unit and the next one down if it is not zero. */
void
nt_duration(struct buf *b, int64_t s)
{
	static const struct { const char *n; int64_t secs; } units[] = {
		{ "day", 86400 }, { "hour", 3600 }, { "minute", 60 },
		{ "second", 1 },
	};
	struct buf	t;
	size_t		i;

	if (s < 0)
		s = 0;
	buf_init(&t);
	for (i = 0; i < 3 && s < units[i].secs; i++)
		;
	unit(&t, s / units[i].secs, units[i].n, NULL);
	if (i < 3 && (s % units[i].secs) / units[i + 1].secs > 0)
		unit(&t, (s % units[i].secs) / units[i + 1].secs,
		    units[i + 1].n, ", ");
	buf_add(b, t.b_data, t.b_len);
	buf_clear(&t);
}

void
nt_ago(struct buf *b, int64_t s)
{
	static const struct { const char *n; int64_t secs; } units[] = {
		{ "year", 365 * 86400 }, { "month", 30 * 86400 },
		{ "week", 7 * 86400 }, { "day", 86400 }, { "hour", 3600 },
		{ "minute", 60 },
	};
	size_t	i;

	if (s <= 0) {
		buf_addstr(b, "now");
		return;
	}
	if (s < 60) {
		if (s == 1)
			buf_addstr(b, "a second ago");
		else
			buf_printf(b, "%lld seconds ago", (long long)s);
		return;
	}
	if (s < 3600) {
		if (s / 60 == 1)
			buf_addstr(b, "a minute ago");
		else
			buf_printf(b, "%lld minutes ago", (long long)(s / 60));
		return;
	}
	if (s < 86400) {
		if (s / 3600 == 1)
			buf_addstr(b, "an hour ago");
		else
			buf_printf(b, "%lld hours ago", (long long)(s / 3600));
		return;
	}
	/* Django's timesince: two adjacent units, the second if not 0. */
	for (i = 0; s < units[i].secs; i++)
		;
	buf_printf(b, "%lld %s%s", (long long)(s / units[i].secs), units[i].n,
	    s / units[i].secs == 1 ? "" : "s");
	if (i + 1 < sizeof(units) / sizeof(units[0])) {
		int64_t v = (s % units[i].secs) / units[i + 1].secs;

		if (v > 0)
			buf_printf(b, ", %lld %s%s", (long long)v,
			    units[i + 1].n, v == 1 ? "" : "s");
	}
	buf_addstr(b, " ago");
}

void
nt_last_ping(struct buf *b, const struct nt_ctx *ctx)
{
	const struct nt_check	*c = ctx->check;
	const char		*k = c->last_ping_kind;
	const char		*what = "Success";

	if (c->last_ping == 0) {
		buf_addstr(b, "Never");
		return;
	}
	if (k == NULL)
		k = "";
	if (strcmp(k, "fail") == 0)
		what = "Failure";
	else if (strcmp(k, "start") == 0)
		what = "Started";
	else if (strcmp(k, "log") == 0)
		what = "Log";
	else if (strcmp(k, "ign") == 0)
		what = "Ignored";
	buf_printf(b, "%s, ", what);
	nt_ago(b, (ctx->now - c->last_ping) / 1000000);
}

int
nt_body(struct buf *b, const struct nt_ctx *ctx, size_t maxchars)
{
	const struct nt_check	*c = ctx->check;
	struct buf		 t;
	size_t			 i, chars = 0;

	if (c->last_ping_body == NULL || c->last_ping_body_len == 0)
		return 0;
	buf_init(&t);
	utf8_sanitize(&t, c->last_ping_body, c->last_ping_body_len, SIZE_MAX);
	for (i = 0; i < t.b_len; i++) {
		if ((t.b_data[i] & 0xc0) == 0x80)
			continue;
		if (maxchars > 0 && chars == maxchars)
			break;
		chars++;
	}
	buf_add(b, t.b_data, i);
	if (i < t.b_len)
		buf_addstr(b, "\n[truncated]");
	buf_clear(&t);
	return 1;
}

int
nt_tag_next(const char **cur, const char **tag, size_t *len)
{
	const char *p = *cur;

	if (p == NULL)
		return 0;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p == '\0') {
		*cur = p;
		return 0;
	}
	*tag = p;
	while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
		p++;
	*len = (size_t)(p - *tag);
	*cur = p;
	return 1;
}

void
nt_tags(struct buf *b, const struct nt_ctx *ctx, const char *pre,
    const char *post, const char *sep)
{
	const char	*cur = ctx->check->tags, *t;
	size_t		 n;
	int		 first = 1;

	while (nt_tag_next(&cur, &t, &n)) {
		if (!first)
			buf_addstr(b, sep);
		first = 0;
		buf_addstr(b, pre);
		buf_add(b, t, n);
		buf_addstr(b, post);
	}
}

/* The message */

static void
text(struct buf *b, const char *s, enum nt_markup m)
{
	if (m == NM_HTML)
		buf_add_html(b, s, strlen(s));
	else if (m == NM_SIGNAL) {
		for (; *s; s++)
			if (*s != '\x01' && *s != '\x02')
				buf_addc(b, *s);
	} else
		buf_addstr(b, s);
}

static void
bold(struct buf *b, const char *s, enum nt_markup m)
{
	if (m == NM_HTML) {
		buf_addstr(b, "<b>");
		buf_add_html(b, s, strlen(s));
		buf_addstr(b, "</b>");
	} else if (m == NM_MARKDOWN)
		buf_printf(b, "**%s**", s);
	else if (m == NM_SIGNAL) {
		buf_addc(b, '\x01');
		text(b, s, m);
		buf_addc(b, '\x02');
	} else
		buf_addstr(b, s);
}

static void
fact(struct buf *b, const char *label, const char *val, enum nt_markup m)
{
	char l[64];

	snprintf(l, sizeof(l), "%s:", label);
	bold(b, l, m);
	buf_addc(b, ' ');
	text(b, val, m);
	buf_addc(b, '\n');
}

void
nt_headline(struct buf *b, const struct nt_ctx *ctx, enum nt_markup m)
{
	const char *r = nt_reason(ctx);

	buf_addstr(b, nt_down(ctx) ? "🔴 The check “" : "🟢 The check “");
	bold(b, nt_name(ctx), m);
	if (nt_down(ctx)) {
		buf_addstr(b, "” is ");
		bold(b, "DOWN", m);
		if (r != NULL) {
			buf_addstr(b, " (");
			text(b, r, m);
			buf_addc(b, ')');
		}
		buf_addc(b, '.');
	} else {
		buf_addstr(b, "” is now ");
		bold(b, "UP", m);
		buf_addc(b, '.');
	}
}

void
nt_downtime(struct buf *b, const struct nt_ctx *ctx)
{
	if (nt_down(ctx) || ctx->downtime < 0)
		return;
	buf_addstr(b, "The downtime lasted ");
	nt_duration(b, ctx->downtime);
	buf_addc(b, '.');
}

void
nt_others(struct buf *b, const struct nt_ctx *ctx, enum nt_markup m)
{
	const char	*adv = nt_down(ctx) ? "also" : "still";
	int		 i;

	if (ctx->project_nchecks <= 1)
		return;
	if (ctx->ndown_others == 0) {
		buf_addstr(b, "All the other checks are up.");
		return;
	}
	if (ctx->ndown_others > 10) {
		buf_printf(b, "%d other checks are %s down.", ctx->ndown_others,
		    adv);
		return;
	}
	buf_printf(b, "The following checks are %s down:", adv);
	for (i = 0; i < ctx->ndown_others && i < 10; i++) {
		buf_addstr(b, m == NM_MARKDOWN ? "\n- " : "\n• ");
		text(b, ctx->down_others[i] ? ctx->down_others[i] : "", m);
	}
}

void
nt_message(struct buf *b, const struct nt_ctx *ctx, enum nt_markup m,
    int flags)
{
	const struct nt_check	*c = ctx->check;
	struct buf		 t;
	size_t			 mark;

	buf_init(&t);
	nt_headline(b, ctx, m);
	mark = b->b_len;
	buf_addc(b, ' ');
	nt_downtime(b, ctx);
	if (b->b_len == mark + 1)
		b->b_len = mark;	/* no downtime sentence */
	b->b_data[b->b_len] = '\0';
	buf_addstr(b, "\n\n");
	if (!(flags & NT_M_NODESC) && c->desc != NULL && *c->desc)
		fact(b, "Description", c->desc, m);
	if (c->project_name != NULL && *c->project_name)
		fact(b, "Project", c->project_name, m);
	if (c->tags != NULL && *c->tags) {
		nt_tags(&t, ctx, "", "", ", ");
		if (t.b_len > 0)
			fact(b, "Tags", nt_str(&t), m);
		buf_reset(&t);
	}
	if (c->kind == NULL || strcmp(c->kind, "simple") == 0) {
		nt_period(&t, c->timeout);
		fact(b, "Period", nt_str(&t), m);
		buf_reset(&t);
	} else {
		fact(b, "Schedule", c->schedule ? c->schedule : "", m);
		fact(b, "Time Zone", c->tz ? c->tz : "", m);
	}
	buf_printf(&t, "%lld", c->last_ping ? (long long)c->n_pings : 0LL);
	fact(b, "Total Pings", nt_str(&t), m);
	buf_reset(&t);
	nt_last_ping(&t, ctx);
	fact(b, "Last Ping", nt_str(&t), m);
	buf_reset(&t);
	/* In Markdown a body holding ``` would break out of its fence. */
	if ((flags & NT_M_BODY) && nt_body(&t, ctx, 1000) &&
	    !(m == NM_MARKDOWN && strstr(nt_str(&t), "```") != NULL)) {
		buf_addc(b, '\n');
		bold(b, "Last Ping Body:", m);
		if (m == NM_HTML) {
			buf_addstr(b, "\n<pre>");
			buf_add_html(b, nt_str(&t), t.b_len);
			buf_addstr(b, "</pre>\n");
		} else if (m == NM_MARKDOWN)
			buf_printf(b, "\n```\n%s\n```\n", nt_str(&t));
		else
			buf_printf(b, "\n%s\n", nt_str(&t));
		buf_reset(&t);
	}
	buf_reset(&t);
	if (flags & NT_M_OTHERS) {
		nt_others(&t, ctx, m);
		if (t.b_len > 0)
			buf_printf(b, "\n%s\n", nt_str(&t));
	}
	/* No newline at the end. */
	while (b->b_len > 0 && b->b_data[b->b_len - 1] == '\n')
		b->b_len--;
	b->b_data[b->b_len] = '\0';
	buf_clear(&t);
}

/* Placeholders (§5.4) */

static void
quoted(struct buf *b, const char *s, size_t n, enum nt_quote q)
{
	switch (q) {
	case NQ_URL:
		nt_quote(b, s, n, "/");
		break;
	case NQ_SHELL:
		nt_shell_quote(b, s, n);
		break;
	default:
		buf_add(b, s, n);
	}
}

/*
 * The value of the placeholder the piece starts with, appended to b;
 * returns its name's length, or 0 if the piece starts with none.  The
 * order is Healthchecks': the first that matches wins, so "$NAME_JSON"
 * is never "$NAME" followed by "_JSON", and "$TAG12" is the first tag
 * followed by "2" when there are fewer than 12 tags... or more, since
 * TAG1 comes before TAG12 as it does there.
 */
static size_t
placeholder(struct buf *b, const char *p, const struct nt_ctx *ctx,
    enum nt_quote q)
{
	const struct nt_check	*c = ctx->check;
	char			 tmp[64];
	struct buf		 t;
	const char		*cur, *tag;
	size_t			 len, n;
	int			 i, shell = q == NQ_SHELL;

#define IS(name)	(strncmp(p, name, sizeof(name) - 1) == 0 && \
			    (n = sizeof(name) - 1) > 0)
	if (IS("CODE")) {
		buf_addstr(b, c->code);
		return n;
	}
	if (IS("STATUS")) {
		buf_addstr(b, ctx->status);
		return n;
	}
	if (IS("NOW")) {
		json_fmt_time(tmp, sizeof(tmp), ctx->flip_time -
		    ctx->flip_time % 1000000, 0);
		quoted(b, tmp, strlen(tmp), q == NQ_URL ? q : NQ_RAW);
		return n;
	}
	if (!shell && IS("NAME_JSON")) {
		buf_init(&t);
		buf_addc(&t, '"');
		json_escape(&t, c->name ? c->name : "",
		    c->name ? strlen(c->name) : 0);
		buf_addc(&t, '"');
		quoted(b, nt_str(&t), t.b_len, q);
		buf_clear(&t);
		return n;
	}
	if (IS("NAME")) {
		quoted(b, c->name ? c->name : "", c->name ? strlen(c->name) : 0,
		    q);
		return n;
	}
	if (!shell && IS("SLUG")) {
		buf_addstr(b, c->slug ? c->slug : "");
		return n;
	}
	if (IS("TAGS")) {
		quoted(b, c->tags ? c->tags : "", c->tags ? strlen(c->tags) : 0,
		    q);
		return n;
	}
	if (!shell && IS("JSON")) {
		quoted(b, c->json ? c->json : "{}", strlen(c->json ? c->json :
		    "{}"), q);
		return n;
	}
	if (q == NQ_RAW && IS("BODY_JSON")) {
		buf_init(&t);
		nt_body(&t, ctx, 0);
		buf_addc(b, '"');
		json_escape(b, nt_str(&t), t.b_len);
		buf_addc(b, '"');
		buf_clear(&t);
		return n;
	}
	if (q == NQ_RAW && IS("BODY")) {
		nt_body(b, ctx, 0);
		return n;
	}
	if (!shell && IS("EXITSTATUS")) {
		buf_printf(b, "%d", c->last_ping != 0 ?
		    c->last_exit_status : -1);
		return n;
	}
#undef IS
	if (strncmp(p, "TAG", 3) != 0)
		return 0;
	cur = c->tags;
	for (i = 1; nt_tag_next(&cur, &tag, &len); i++) {
		int w = snprintf(tmp, sizeof(tmp), "TAG%d", i);

		if (strncmp(p, tmp, (size_t)w) == 0) {
			quoted(b, tag, len, q);
			return (size_t)w;
		}
	}
	return 0;
}

/* UTF-8 to Latin-1, other characters as &#NNN; (xmlcharrefreplace). */
static void
latin1(struct buf *b, const uint8_t *s, size_t n)
{
	struct buf	t;
	size_t		i = 0;

	buf_init(&t);
	utf8_sanitize(&t, s, n, SIZE_MAX);
	s = t.b_data;
	n = t.b_len;
	while (i < n) {
		uint32_t	cp = s[i];
		size_t		k = 1;

		if (cp >= 0xf0) {
			cp &= 0x07;
			k = 4;
		} else if (cp >= 0xe0) {
			cp &= 0x0f;
			k = 3;
		} else if (cp >= 0xc0) {
			cp &= 0x1f;
			k = 2;
		}
		for (size_t j = 1; j < k && i + j < n; j++)
			cp = (cp << 6) | (s[i + j] & 0x3f);
		i += k;
		if (cp == '\r' || cp == '\n')
			buf_addc(b, ' ');
		else if (cp < 0x100)
			buf_addc(b, (int)cp);
		else
			buf_printf(b, "&#%u;", (unsigned)cp);
	}
	buf_clear(&t);
}

void
nt_subst(struct buf *b, const char *tmpl, const struct nt_ctx *ctx,
    enum nt_quote q)
{
	struct buf	 out;
	const char	*p, *d;
	size_t		 used;

	buf_init(&out);
	d = strchr(tmpl, '$');
	buf_add(&out, tmpl, d ? (size_t)(d - tmpl) : strlen(tmpl));
	while (d != NULL) {
		p = d + 1;
		d = strchr(p, '$');
		/*
		 * The piece is p up to the next '$' (or the end); a name
		 * holds no '$', so a match never runs past it.
		 */
		if ((used = placeholder(&out, p, ctx, q)) == 0)
			buf_addc(&out, '$');
		p += used;
		buf_add(&out, p, d ? (size_t)(d - p) : strlen(p));
	}
	if (q == NQ_HEADER)
		latin1(b, out.b_data, out.b_len);
	else
		buf_add(b, out.b_data, out.b_len);
	buf_clear(&out);
}
