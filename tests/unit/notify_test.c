/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Unit tests of the integration kinds (alerter/notify/kinds.c,
 * nt_text.c, kind_*.c): the kind table; the message content of spec
 * §5.2 (durations, "Last Ping", the clipped body, the other checks that
 * are down, the whole text in each markup); the webhook placeholders of
 * §5.4 (the split-on-'$' rule, non-ASCII names and tags, each quoting
 * mode); and for every kind the method, URL, headers and body it builds
 * for a down and an up notification of one sample check with a
 * non-ASCII name and tags (JSON and form bodies decoded and compared
 * member by member), its no-op rules (§5.3), its validation errors and
 * its classification of answers (the permanent errors of §5.4).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "../../alerter/notify/notify.h"
#include "../../alerter/notify/nt_text.h"

/* The sample: one conf, one check, one notification. */
static struct conf	 cf;
static struct nt_check	 chk;
static struct nt_ctx	 ctx;
static struct nt_msg	 msgs[NT_MAXSTEPS];
static struct nt_result	 res;
static int		 nmsgs;

#define T0		1767323045678901LL	/* 2026-01-02T03:04:05.678901Z */
#define CHECK_CODE	"0b7e3c1a-5d2f-4a8e-9c6b-1f2e3d4c5b6a"
#define NOTIF_CODE	"7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
#define CHAN_CODE	"c0c0c0c0-1111-4222-8333-444455556666"
#define UKEY		"5f2b0c0e3b1f4a0a9d8c7b6a5f4e3d2c1b0a9f8e"
#define NAME		"Dåtabase backup ✓"
#define CLOAKED		"https://hc.example.org/cloaked/" UKEY "/"
#define REASON		"success signal did not arrive on time, grace time passed"

static void
set(char **f, const char *v)
{
	free(*f);
	*f = xstrdup(v);
}

static int
group_setup(void **state)
{
	char err[256];

	if (conf_load(NULL, 1, &cf, err, sizeof(err)) == -1) {
		print_error("conf_load: %s\n", err);
		return -1;
	}
	set(&cf.site_root, "https://hc.example.org");
	set(&cf.site_name, "Mÿchecks");
	set(&cf.secret_key, "s3cret");
	set(&cf.telegram_token, "TGTOKEN");
	set(&cf.pushover_api_token, "POTOKEN");
	set(&cf.matrix_homeserver, "https://matrix.example.org/");
	set(&cf.matrix_access_token, "MXTOKEN");
	set(&cf.twilio_account, "AC123");
	set(&cf.twilio_auth, "TWAUTH");
	set(&cf.twilio_from, "+15550001");
	set(&cf.twilio_messaging_service_sid, "");
	set(&cf.trello_app_key, "TRKEY");
	set(&cf.ntfy_sh_token, "NTFYSH");
	set(&cf.whatsapp_down_content_sid, "HXdown");
	set(&cf.whatsapp_up_content_sid, "HXup");
	set(&cf.site_logo_url, "");
	cf.twilio_use_whatsapp = 1;
	cf.slack_enabled = cf.mattermost_enabled = cf.msteams_enabled = 1;
	cf.opsgenie_enabled = cf.pagertree_enabled = cf.pd_enabled = 1;
	cf.rocketchat_enabled = cf.spike_enabled = cf.victorops_enabled = 1;
	cf.zulip_enabled = 1;
	cf.pushover_emergency_retry_delay = 300;
	cf.pushover_emergency_expiration = 86400;
	return 0;
}

static int
group_teardown(void **state)
{
	conf_free(&cf);
	return 0;
}

/* The sample notification, going down (or up). */
static void
sample(const char *status)
{
	memset(&chk, 0, sizeof(chk));
	hc_strlcpy(chk.code, CHECK_CODE, sizeof(chk.code));
	chk.name = NAME;
	chk.slug = "db-backup";
	chk.desc = "Nightly dump";
	chk.tags = "prod ünïcode db";
	chk.kind = "simple";
	chk.timeout = 86400;
	chk.grace = 3600;
	chk.schedule = "*/5 * * * *";
	chk.tz = "Europe/Riga";
	chk.unique_key = UKEY;
	chk.n_pings = 42;
	chk.last_ping = T0 - 300 * 1000000LL;
	chk.last_ping_kind = "";
	chk.last_exit_status = 0;
	chk.last_ping_body = "hello\nworld";
	chk.last_ping_body_len = 11;
	chk.project_name = "Åcme";
	chk.json = "{\"name\": \"D\\u00e5tabase backup \\u2713\", \"status\": "
	    "\"down\"}";
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = &cf;
	hc_strlcpy(ctx.code, NOTIF_CODE, sizeof(ctx.code));
	ctx.flip_time = T0;
	ctx.now = T0;
	ctx.check = &chk;
	ctx.project_nchecks = 3;
	ctx.ndown_others = 1;
	ctx.down_others[0] = "Other ✗";
	hc_strlcpy(ctx.channel_code, CHAN_CODE, sizeof(ctx.channel_code));
	ctx.channel_name = "ops";
	if (strcmp(status, "down") == 0) {
		ctx.status = "down";
		ctx.old_status = "up";
		ctx.reason = "timeout";
		ctx.downtime = -1;
	} else {
		ctx.status = "up";
		ctx.old_status = "down";
		ctx.reason = "";
		ctx.downtime = 3725;
	}
}

static void
reset(void)
{
	int i;

	for (i = 0; i < NT_MAXSTEPS; i++) {
		nt_msg_clear(&msgs[i]);
		nt_msg_init(&msgs[i]);
	}
	nt_result_clear(&res);
	nt_result_init(&res);
}

/* Builds kind's notification of ctx (sample() first) with value. */
static const struct nt_kind *
build(const char *kind, const char *value)
{
	const struct nt_kind *k = nt_kind_find(kind);

	assert_non_null(k);
	reset();
	ctx.value = value;
	nmsgs = k->k_build(&ctx, msgs, &res);
	if (nmsgs < 0)
		print_error("%s: %s\n", kind, res.r_error);
	return k;
}

/* sample(status), then build. */
static const struct nt_kind *
build_as(const char *kind, const char *value, const char *status)
{
	sample(status);
	return build(kind, value);
}

static int
valid(const char *kind, const char *value, char *err, size_t len)
{
	const struct nt_kind *k = nt_kind_find(kind);

	assert_non_null(k);
	err[0] = '\0';
	return k->k_validate(&cf, value, err, len);
}

static void
classify(const struct nt_kind *k, int step, long status, const char *body)
{
	struct nt_answer a;

	memset(&a, 0, sizeof(a));
	a.a_status = status;
	a.a_body = body;
	a.a_len = body ? strlen(body) : 0;
	nt_result_clear(&res);
	nt_result_init(&res);
	if (k->k_classify)
		k->k_classify(&ctx, step, &a, &res);
	else
		nt_classify_http(&ctx, step, &a, &res);
}

/* JSON: a document and members by path ("attachments.0.title"). */
static struct json_doc *
jdoc(const struct buf *b)
{
	const char	*err = NULL;
	struct json_doc	*d = json_parse(nt_str(b), b->b_len, &err);

	if (d == NULL)
		print_error("not JSON (%s): %s\n", err, nt_str(b));
	assert_non_null(d);
	return d;
}

static int
jat(const struct json_doc *d, const char *path)
{
	char	*p = xstrdup(path), *seg, *save = NULL;
	int	 t = json_root(d);

	for (seg = strtok_r(p, ".", &save); seg != NULL && t != -1;
	    seg = strtok_r(NULL, ".", &save)) {
		if (json_type(d, t) == JSON_ARRAY)
			t = json_arr_get(d, t, (int)strtol(seg, NULL, 10));
		else
			t = json_obj_get(d, t, seg);
	}
	free(p);
	return t;
}

static void
jstr(const struct json_doc *d, const char *path, const char *want)
{
	char *s = json_str(d, jat(d, path));

	if (s == NULL || strcmp(s, want) != 0)
		print_error("%s: got \"%s\", want \"%s\"\n", path,
		    s ? s : "(not a string)", want);
	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void
jint(const struct json_doc *d, const char *path, int64_t want)
{
	int64_t v = INT64_MIN;

	if (json_int(d, jat(d, path), &v) != 0 || v != want)
		print_error("%s: want %lld\n", path, (long long)want);
	assert_int_equal(v, want);
}

static void
jtype(const struct json_doc *d, const char *path, enum json_type want)
{
	if (json_type(d, jat(d, path)) != want)
		print_error("%s: type %d, want %d\n", path,
		    (int)json_type(d, jat(d, path)), (int)want);
	assert_int_equal(json_type(d, jat(d, path)), want);
}

static void
jabsent(const struct json_doc *d, const char *path)
{
	assert_int_equal(jat(d, path), -1);
}

/* Number of members of an object or elements of an array. */
static int
jlen(const struct json_doc *d, const char *path)
{
	int t = jat(d, path), it = 0, n = 0;

	if (json_type(d, t) == JSON_ARRAY)
		return json_arr_len(d, t);
	while ((it = json_obj_next(d, t, it, NULL, NULL)) != -1)
		n++;
	return n;
}

/* Headers: the value of name in m_headers (heap), NULL if absent. */
static char *
hdr(const struct nt_msg *m, const char *name)
{
	const char	*p = nt_str(&m->m_headers), *e, *c;
	size_t		 n = strlen(name);

	for (; *p; p = e + 2) {
		if ((e = strstr(p, "\r\n")) == NULL)
			fail_msg("header line without CRLF: %s", p);
		c = strchr(p, ':');
		assert_non_null(c);
		assert_true(c < e);
		if ((size_t)(c - p) == n && strncasecmp(p, name, n) == 0) {
			assert_int_equal(c[1], ' ');
			return xstrndup(c + 2, (size_t)(e - c - 2));
		}
	}
	return NULL;
}

static int
nhdrs(const struct nt_msg *m)
{
	const char	*p = nt_str(&m->m_headers);
	int		 n = 0;

	while ((p = strstr(p, "\r\n")) != NULL) {
		n++;
		p += 2;
	}
	return n;
}

static void
hdr_eq(const struct nt_msg *m, const char *name, const char *want)
{
	char *v = hdr(m, name);

	if (v == NULL || strcmp(v, want) != 0)
		print_error("header %s: got \"%s\", want \"%s\"\n", name,
		    v ? v : "(absent)", want);
	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

/* Form decoding (application/x-www-form-urlencoded). */
static char *
form(const char *s, const char *key)
{
	size_t	n = strlen(key);
	char	*out = NULL;

	while (s && *s) {
		const char *e = strchr(s, '&'), *end = e ? e : s + strlen(s);

		if ((size_t)(end - s) > n && strncmp(s, key, n) == 0 &&
		    s[n] == '=') {
			struct buf b;
			const char *p;

			buf_init(&b);
			for (p = s + n + 1; p < end; p++) {
				if (*p == '+')
					buf_addc(&b, ' ');
				else if (*p == '%' && end - p >= 3) {
					buf_addc(&b, hc_hexval(p[1]) * 16 +
					    hc_hexval(p[2]));
					p += 2;
				} else
					buf_addc(&b, *p);
			}
			free(out);
			out = xstrdup(nt_str(&b));
			buf_clear(&b);
		}
		s = e ? e + 1 : NULL;
	}
	return out;
}

static void
form_eq(const char *s, const char *key, const char *want)
{
	char *v = form(s, key);

	if (v == NULL || strcmp(v, want) != 0)
		print_error("form %s: got \"%s\", want \"%s\"\n", key,
		    v ? v : "(absent)", want);
	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

static int
nform(const char *s)
{
	int n = *s ? 1 : 0;

	for (; *s; s++)
		n += *s == '&';
	return n;
}

static void
method_url(int i, const char *method, const char *url)
{
	assert_int_equal(msgs[i].m_transport, NT_HTTP);
	assert_string_equal(msgs[i].m_method, method);
	assert_string_equal(nt_str(&msgs[i].m_url), url);
}

/* The table */

static void
table(void **state)
{
	static const char *spec[] = {
		"apprise", "call", "discord", "email", "github", "googlechat",
		"gotify", "group", "matrix", "mattermost", "msteamsw", "ntfy",
		"opsgenie", "pagertree", "pd", "po", "pushbullet",
		"rocketchat", "shell", "signal", "slack", "sms", "spike",
		"telegram", "trello", "victorops", "webhook", "whatsapp",
		"zulip",
	};
	static const char *removed[] = {
		"hipchat", "pagerteam", "zendesk", "msteams", "linenotify",
	};
	const struct nt_kind	*k, *prev = NULL;
	size_t			 i;
	char			 err[200];

	for (i = 0; (k = nt_kind_at(i)) != NULL; i++) {
		if (prev != NULL)
			assert_true(strcmp(prev->k_name, k->k_name) < 0);
		assert_ptr_equal(nt_kind_find(k->k_name), k);
		assert_non_null(k->k_validate);
		if (!(k->k_flags & (NK_REMOVED | NK_NOT_HERE)))
			assert_non_null(k->k_build);
		prev = k;
	}
	assert_int_equal(i, sizeof(spec) / sizeof(spec[0]) +
	    sizeof(removed) / sizeof(removed[0]));
	for (i = 0; i < sizeof(spec) / sizeof(spec[0]); i++)
		assert_non_null(nt_kind_find(spec[i]));
	for (i = 0; i < sizeof(removed) / sizeof(removed[0]); i++) {
		k = nt_kind_find(removed[i]);
		assert_non_null(k);
		assert_true(k->k_flags & NK_REMOVED);
		assert_int_equal(k->k_noop("x", "down"), 1);
		assert_int_equal(k->k_noop("x", "up"), 1);
		assert_int_equal(k->k_validate(&cf, "x", err, sizeof(err)), -1);
	}
	k = nt_kind_find("apprise");
	assert_true(k->k_flags & NK_NOT_HERE);
	assert_null(k->k_build);
	assert_int_equal(k->k_noop("json://x", "down"), 1);
	assert_non_null(k->k_off_text);
	assert_true(nt_kind_find("email")->k_flags & NK_VERIFIED);
	assert_true(nt_kind_find("call")->k_flags & NK_DOWN_ONLY);
	assert_true(nt_kind_find("github")->k_flags & NK_DOWN_ONLY);
	assert_true(nt_kind_find("trello")->k_flags & NK_DOWN_ONLY);
	assert_int_equal(nt_validate(&cf, "nope", "x", err, sizeof(err)), -1);
	assert_string_equal(err, "Unknown integration kind: nope");
	assert_int_equal(nt_validate(&cf, "hipchat", "x", err, sizeof(err)),
	    -1);
	assert_int_equal(nt_validate(&cf, "apprise", "json://x", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "Apprise is not supported by hcd");
	assert_int_equal(nt_validate(&cf, "pd", "KEY", err, sizeof(err)), 0);
	assert_int_equal(nt_noop("nope", "x", "down"), 1);
	assert_int_equal(nt_noop("zendesk", "x", "down"), 1);
	assert_int_equal(nt_noop("apprise", "x", "up"), 1);
	assert_int_equal(nt_noop("pd", "KEY", "up"), 0);
	assert_int_equal(nt_noop("call", "+15551234", "up"), 1);
	assert_int_equal(nt_noop("call", "+15551234", "down"), 0);
	assert_null(nt_kind_find("nope"));
	assert_null(nt_kind_find(NULL));
	assert_null(nt_kind_find("Slack"));
}

static void
http_classes(void **state)
{
	static const long ok[] = { 200, 201, 202, 204 };
	static const long transient[] = { 429, 500, 502, 503, 504 };
	static const long failed[] = { 203, 301, 302, 400, 401, 403, 404, 410 };
	const struct nt_kind	*k = nt_kind_find("pagertree");
	char			 want[64];
	size_t			 i;

	sample("down");
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		classify(k, 0, ok[i], NULL);
		assert_int_equal(res.r_outcome, NR_OK);
		assert_string_equal(res.r_error, "");
	}
	for (i = 0; i < sizeof(transient) / sizeof(transient[0]); i++) {
		classify(k, 0, transient[i], "x");
		assert_int_equal(res.r_outcome, NR_TRANSIENT);
		snprintf(want, sizeof(want), "Received status code %ld",
		    transient[i]);
		assert_string_equal(res.r_error, want);
	}
	for (i = 0; i < sizeof(failed) / sizeof(failed[0]); i++) {
		classify(k, 0, failed[i], "x");
		assert_int_equal(res.r_outcome, NR_FAILED);
		snprintf(want, sizeof(want), "Received status code %ld",
		    failed[i]);
		assert_string_equal(res.r_error, want);
	}
}

/* Message content (§5.2) */

static void
dur(int64_t s, const char *want, void (*f)(struct buf *, int64_t))
{
	struct buf b;

	buf_init(&b);
	f(&b, s);
	if (strcmp(nt_str(&b), want) != 0)
		print_error("%lld: got \"%s\", want \"%s\"\n", (long long)s,
		    nt_str(&b), want);
	assert_string_equal(nt_str(&b), want);
	buf_clear(&b);
}

static void
durations(void **state)
{
	/* nt_duration: "The downtime lasted ..." */
	dur(86400 + 2 * 3600, "1 day, 2 hours", nt_duration);
	dur(3 * 3600 + 5 * 60, "3 hours, 5 minutes", nt_duration);
	dur(4 * 60 + 10, "4 minutes, 10 seconds", nt_duration);
	dur(86400 + 2 * 3600 + 59, "1 day, 2 hours", nt_duration);
	dur(2 * 86400 + 59, "2 days", nt_duration);
	dur(3600, "1 hour", nt_duration);
	dur(3600 + 60, "1 hour, 1 minute", nt_duration);
	dur(61, "1 minute, 1 second", nt_duration);
	dur(59, "59 seconds", nt_duration);
	dur(1, "1 second", nt_duration);
	dur(0, "0 seconds", nt_duration);
	dur(40 * 86400, "40 days", nt_duration);
	/* nt_period: the "Period" field, Healthchecks' format_duration */
	dur(86400, "1 day", nt_period);
	dur(604800, "1 week", nt_period);
	dur(2 * 604800, "2 weeks", nt_period);
	dur(8 * 86400, "8 days", nt_period);
	dur(86400 + 3600, "1 day 1 hour", nt_period);
	dur(2 * 3600 + 30 * 60, "2 hours 30 minutes", nt_period);
	dur(60, "1 minute", nt_period);
	/* nt_ago: Django's naturaltime */
	dur(0, "now", nt_ago);
	dur(1, "a second ago", nt_ago);
	dur(30, "30 seconds ago", nt_ago);
	dur(60, "a minute ago", nt_ago);
	dur(300, "5 minutes ago", nt_ago);
	dur(3600, "an hour ago", nt_ago);
	dur(7200 + 59, "2 hours ago", nt_ago);
	dur(86400 + 3 * 3600, "1 day, 3 hours ago", nt_ago);
	dur(9 * 86400, "1 week, 2 days ago", nt_ago);
	dur(400 * 86400, "1 year, 1 month ago", nt_ago);
}

static void
last_ping_text(void **state)
{
	static const struct { const char *kind; const char *want; } t[] = {
		{ "", "Success, 5 minutes ago" },
		{ "fail", "Failure, 5 minutes ago" },
		{ "start", "Started, 5 minutes ago" },
		{ "log", "Log, 5 minutes ago" },
		{ "ign", "Ignored, 5 minutes ago" },
	};
	struct buf	b;
	size_t		i;

	buf_init(&b);
	sample("down");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		chk.last_ping_kind = t[i].kind;
		buf_reset(&b);
		nt_last_ping(&b, &ctx);
		assert_string_equal(nt_str(&b), t[i].want);
	}
	chk.last_ping = 0;
	buf_reset(&b);
	nt_last_ping(&b, &ctx);
	assert_string_equal(nt_str(&b), "Never");
	buf_clear(&b);
}

static void
body_clip(void **state)
{
	struct buf	b, want;
	char		*big;
	int		i;

	buf_init(&b);
	buf_init(&want);
	sample("down");
	/* ASCII: 1000 characters, then the mark. */
	big = xmalloc(1501);
	memset(big, 'x', 1500);
	big[1500] = '\0';
	chk.last_ping_body = big;
	chk.last_ping_body_len = 1500;
	assert_int_equal(nt_body(&b, &ctx, 1000), 1);
	assert_int_equal(b.b_len, 1000 + strlen("\n[truncated]"));
	assert_string_equal(nt_str(&b) + 1000, "\n[truncated]");
	/* Exactly 1000: no mark. */
	chk.last_ping_body_len = 1000;
	buf_reset(&b);
	nt_body(&b, &ctx, 1000);
	assert_int_equal(b.b_len, 1000);
	free(big);
	/* Characters, not bytes: 1001 "é" keep 1000 of them. */
	for (i = 0; i < 1001; i++)
		buf_addstr(&want, "é");
	chk.last_ping_body = nt_str(&want);
	chk.last_ping_body_len = want.b_len;
	buf_reset(&b);
	nt_body(&b, &ctx, 1000);
	assert_int_equal(b.b_len, 2000 + strlen("\n[truncated]"));
	assert_memory_equal(b.b_data, want.b_data, 2000);
	/* Invalid UTF-8 is replaced, not passed on. */
	chk.last_ping_body = "a\xff" "b";
	chk.last_ping_body_len = 3;
	buf_reset(&b);
	nt_body(&b, &ctx, 1000);
	assert_string_equal(nt_str(&b), "a\xef\xbf\xbd" "b");
	/* No body. */
	chk.last_ping_body = NULL;
	chk.last_ping_body_len = 0;
	buf_reset(&b);
	assert_int_equal(nt_body(&b, &ctx, 1000), 0);
	assert_int_equal(b.b_len, 0);
	buf_clear(&b);
	buf_clear(&want);
}

static void
others(void **state)
{
	struct buf	b;
	static const char *names[12] = { "a", "b", "c", "d", "e", "f", "g",
	    "h", "i", "j" };
	int		i;

	buf_init(&b);
	sample("down");
	nt_others(&b, &ctx, NM_PLAIN);
	assert_string_equal(nt_str(&b),
	    "The following checks are also down:\n• Other ✗");
	sample("up");
	buf_reset(&b);
	nt_others(&b, &ctx, NM_MARKDOWN);
	assert_string_equal(nt_str(&b),
	    "The following checks are still down:\n- Other ✗");
	ctx.down_others[0] = "<b>&";
	buf_reset(&b);
	nt_others(&b, &ctx, NM_HTML);
	assert_string_equal(nt_str(&b),
	    "The following checks are still down:\n• &lt;b&gt;&amp;");
	ctx.ndown_others = 0;
	buf_reset(&b);
	nt_others(&b, &ctx, NM_PLAIN);
	assert_string_equal(nt_str(&b), "All the other checks are up.");
	ctx.project_nchecks = 1;
	buf_reset(&b);
	nt_others(&b, &ctx, NM_PLAIN);
	assert_string_equal(nt_str(&b), "");
	sample("down");
	for (i = 0; i < 10; i++)
		ctx.down_others[i] = names[i];
	ctx.ndown_others = 10;
	buf_reset(&b);
	nt_others(&b, &ctx, NM_PLAIN);
	assert_string_equal(nt_str(&b), "The following checks are also down:"
	    "\n• a\n• b\n• c\n• d\n• e\n• f\n• g\n• h\n• i\n• j");
	ctx.ndown_others = 12;
	buf_reset(&b);
	nt_others(&b, &ctx, NM_PLAIN);
	assert_string_equal(nt_str(&b), "12 other checks are also down.");
	sample("up");
	ctx.ndown_others = 11;
	buf_reset(&b);
	nt_others(&b, &ctx, NM_PLAIN);
	assert_string_equal(nt_str(&b), "11 other checks are still down.");
	buf_clear(&b);
}

static void
urls_and_names(void **state)
{
	struct buf b;

	buf_init(&b);
	sample("down");
	nt_cloaked_url(&b, &ctx);
	assert_string_equal(nt_str(&b), CLOAKED);
	buf_reset(&b);
	nt_details_url(&b, &ctx);
	assert_string_equal(nt_str(&b),
	    "https://hc.example.org/checks/" CHECK_CODE "/details/");
	buf_reset(&b);
	nt_logo_url(&b, &cf);
	assert_string_equal(nt_str(&b),
	    "https://hc.example.org/static/img/logo.png");
	set(&cf.site_logo_url, "https://cdn.example.org/l.png");
	buf_reset(&b);
	nt_logo_url(&b, &cf);
	assert_string_equal(nt_str(&b), "https://cdn.example.org/l.png");
	set(&cf.site_logo_url, "");
	assert_string_equal(nt_name(&ctx), NAME);
	chk.name = "";
	assert_string_equal(nt_name(&ctx), CHECK_CODE);
	buf_reset(&b);
	nt_unsub_url(&b, &cf, CHAN_CODE);
	{
		const char *pre = "https://hc.example.org/integrations/"
		    CHAN_CODE "/unsub/";
		char sig[33];

		nt_unsub_sig(&cf, CHAN_CODE, sig);
		assert_int_equal(strncmp(nt_str(&b), pre, strlen(pre)), 0);
		assert_int_equal(b.b_len, strlen(pre) + 32 + 1);
		assert_memory_equal(nt_str(&b) + strlen(pre), sig, 32);
		assert_string_equal(nt_str(&b) + strlen(pre) + 32, "/");
		/* Another channel, another signature; another key too. */
		nt_unsub_sig(&cf, NOTIF_CODE, sig);
		assert_memory_not_equal(nt_str(&b) + strlen(pre), sig, 32);
	}
	buf_clear(&b);
}

static void
message_text(void **state)
{
	struct buf b;

	buf_init(&b);
	sample("down");
	nt_message(&b, &ctx, NM_PLAIN, NT_M_BODY | NT_M_OTHERS);
	assert_string_equal(nt_str(&b),
	    "🔴 The check “" NAME "” is DOWN (" REASON ").\n"
	    "\n"
	    "Description: Nightly dump\n"
	    "Project: Åcme\n"
	    "Tags: prod, ünïcode, db\n"
	    "Period: 1 day\n"
	    "Total Pings: 42\n"
	    "Last Ping: Success, 5 minutes ago\n"
	    "\n"
	    "Last Ping Body:\n"
	    "hello\n"
	    "world\n"
	    "\n"
	    "The following checks are also down:\n"
	    "• Other ✗");
	sample("up");
	chk.kind = "cron";
	chk.name = "a <b> & c";
	chk.desc = "";
	ctx.ndown_others = 0;
	buf_reset(&b);
	nt_message(&b, &ctx, NM_HTML, NT_M_OTHERS);
	assert_string_equal(nt_str(&b),
	    "🟢 The check “<b>a &lt;b&gt; &amp; c</b>” is now <b>UP</b>. "
	    "The downtime lasted 1 hour, 2 minutes.\n"
	    "\n"
	    "<b>Project:</b> Åcme\n"
	    "<b>Tags:</b> prod, ünïcode, db\n"
	    "<b>Schedule:</b> */5 * * * *\n"
	    "<b>Time Zone:</b> Europe/Riga\n"
	    "<b>Total Pings:</b> 42\n"
	    "<b>Last Ping:</b> Success, 5 minutes ago\n"
	    "\n"
	    "All the other checks are up.");
	/* Never pinged, reason "fail", Markdown. */
	sample("down");
	ctx.reason = "fail";
	chk.last_ping = 0;
	chk.last_ping_body = NULL;
	chk.tags = "";
	ctx.project_nchecks = 1;
	buf_reset(&b);
	nt_message(&b, &ctx, NM_MARKDOWN, NT_M_BODY | NT_M_OTHERS |
	    NT_M_NODESC);
	assert_string_equal(nt_str(&b),
	    "🔴 The check “**" NAME "**” is **DOWN** (received a failure "
	    "signal).\n"
	    "\n"
	    "**Project:** Åcme\n"
	    "**Period:** 1 day\n"
	    "**Total Pings:** 0\n"
	    "**Last Ping:** Never");
	/* A body that would end its Markdown fence is left out. */
	sample("down");
	chk.last_ping_body = "a ``` b";
	chk.last_ping_body_len = 7;
	buf_reset(&b);
	nt_message(&b, &ctx, NM_MARKDOWN, NT_M_BODY);
	assert_null(strstr(nt_str(&b), "Last Ping Body"));
	buf_reset(&b);
	nt_message(&b, &ctx, NM_HTML, NT_M_BODY);
	assert_non_null(strstr(nt_str(&b), "<pre>a ``` b</pre>"));
	buf_clear(&b);
}

static void
escapers(void **state)
{
	struct buf	b;
	const char	*h = "a\n<pre>x\ny</pre>\nb";

	buf_init(&b);
	nt_html_breaks(&b, h, strlen(h));
	assert_string_equal(nt_str(&b), "a\n<pre>x\ny</pre><br>\nb");
	buf_reset(&b);
	nt_html(&b, "<a href=\"x\">&'</a>", 19);
	assert_string_equal(nt_str(&b),
	    "&lt;a href=&quot;x&quot;&gt;&amp;&#x27;&lt;/a&gt;");
	buf_reset(&b);
	nt_quote(&b, "a b/c~d_e.f-g+é", strlen("a b/c~d_e.f-g+é"), "/");
	assert_string_equal(nt_str(&b), "a%20b/c~d_e.f-g%2B%C3%A9");
	buf_reset(&b);
	nt_form(&b, "k y", "v&w=x y+é");
	nt_form_int(&b, "n", -3);
	assert_string_equal(nt_str(&b), "k+y=v%26w%3Dx+y%2B%C3%A9&n=-3");
	buf_reset(&b);
	nt_header(&b, "X-A", "1\r\n2");
	assert_string_equal(nt_str(&b), "X-A: 1  2\r\n");
	buf_reset(&b);
	nt_shell_quote(&b, "", 0);
	assert_string_equal(nt_str(&b), "''");
	assert_int_equal(nt_is_http_url("https://x"), 1);
	assert_int_equal(nt_is_http_url("http://"), 0);
	assert_int_equal(nt_is_http_url("HTTPS://x"), 0);
	assert_int_equal(nt_is_http_url(NULL), 0);
	buf_clear(&b);
}

/* The builders kinds share (nt_text.c, nt_json.c). */

static struct buf facts_seen;

/* An nt_fact_fn noting "label=value/short;" in facts_seen. */
static void
rec_fact(struct json_w *w, const char *label, const char *value, int shrt)
{
	buf_printf(&facts_seen, "%s=%s/%d;", label, value, shrt);
}

static void
shared_builders(void **state)
{
	static const struct nt_event ev = {
		.ev_down = "D",
		.ev_up = "U",
		.ev_members = {
			{ "k", NE_KEY }, { "s", NE_STATE }, { "st", NE_STATUS },
			{ "n", NE_NAME }, { "sn", NE_SITE_NAME },
			{ "sr", NE_SITE_ROOT }, { "t", NE_TAGS }, { NULL },
		},
	};
	struct nt_facts	 f = { .f_fact = rec_fact, .f_tag = { "", "", "," } };
	struct buf	 b;
	struct json_w	 w;
	int		 up, down;

	/* Contact values: bare, JSON with flags, and none. */
	buf_init(&b);
	assert_int_equal(nt_contact("+1555", &b, &up, &down), 0);
	assert_string_equal(nt_str(&b), "+1555");
	assert_true(up && down);
	buf_reset(&b);
	assert_int_equal(nt_contact("{\"value\": \"a@b\", \"up\": false}",
	    &b, &up, &down), 0);
	assert_string_equal(nt_str(&b), "a@b");
	assert_true(!up && down);
	assert_int_equal(nt_contact("{\"value\": \"\"}", &b, &up, &down), -1);
	assert_int_equal(nt_contact("{x", &b, &up, &down), -1);
	assert_int_equal(nt_contact("", &b, &up, &down), -1);
	assert_int_equal(nt_contact_noop("{\"value\": \"x\", \"up\": false}",
	    "up"), 1);
	assert_int_equal(nt_contact_noop("x", "up"), 0);
	assert_int_equal(nt_contact_noop("", "down"), 1);

	/* The facts walk, a simple check then a cron one. */
	sample("down");
	buf_init(&facts_seen);
	nt_facts(&w, &ctx, &f);
	assert_string_equal(nt_str(&facts_seen), "Project=Åcme/1;"
	    "Tags=prod,ünïcode,db/1;Period=1 day/1;Total Pings=42/1;"
	    "Last Ping=Success, 5 minutes ago/1;");
	chk.kind = "cron";
	chk.desc = "D";
	chk.tags = "";
	f.f_desc = 1;
	f.f_colon = ":";
	f.f_ast = "+";
	f.f_code[0] = "<";
	f.f_code[1] = ">";
	f.f_tz = "TZ";
	buf_reset(&facts_seen);
	nt_facts(&w, &ctx, &f);
	assert_string_equal(nt_str(&facts_seen), "Description:=D/0;"
	    "Project:=Åcme/1;Schedule:=<+/5 + + + +>/1;TZ:=Europe/Riga/1;"
	    "Total Pings:=42/1;Last Ping:=Success, 5 minutes ago/1;");
	buf_clear(&facts_seen);
	buf_reset(&b);
	json_w_init(&w, &b);
	json_w_obj_begin(&w);
	nt_details_head(&w, &ctx);
	json_w_obj_end(&w);
	assert_string_equal(nt_str(&b), "{\"Project\": \"\\u00c5cme\", "
	    "\"Total pings\": 42, \"Last ping\": \"Success, 5 minutes ago\"}");

	/* An event object, down and up. */
	build_as("pagertree", "https://e.example/x", "down");
	reset();
	assert_int_equal(nt_event_build(&ctx, msgs, &ev), 1);
	method_url(0, "POST", "https://e.example/x");
	hdr_eq(&msgs[0], "Content-Type", "application/json");
	assert_string_equal(nt_str(&msgs[0].m_body), "{\"k\": \"" UKEY "\", "
	    "\"s\": \"D\", \"st\": \"down\", "
	    "\"n\": \"D\\u00e5tabase backup \\u2713\", "
	    "\"sn\": \"M\\u00ffchecks\", \"sr\": \"https://hc.example.org\", "
	    "\"t\": \"prod,\\u00fcn\\u00efcode,db\"}");
	sample("up");
	ctx.value = "https://e.example/x";
	reset();
	assert_int_equal(nt_event_build(&ctx, msgs, &ev), 1);
	assert_non_null(strstr(nt_str(&msgs[0].m_body), "\"s\": \"U\", "
	    "\"st\": \"up\""));
	buf_clear(&b);

	/* An error answer's own message (Opsgenie "message", Zulip "msg"). */
	classify(nt_kind_find("opsgenie"), 0, 422, "{\"message\": \"bad\"}");
	assert_string_equal(res.r_error,
	    "Received status code 422 with a message: \"bad\"");
	classify(nt_kind_find("opsgenie"), 0, 422, "{\"msg\": \"bad\"}");
	assert_string_equal(res.r_error, "Received status code 422");
	classify(nt_kind_find("zulip"), 0, 400, "{\"msg\": \"no stream\"}");
	assert_string_equal(res.r_error,
	    "Received status code 400 with a message: \"no stream\"");
	classify(nt_kind_find("zulip"), 0, 200, "{\"msg\": \"\"}");
	assert_int_equal(res.r_outcome, NR_OK);
	assert_string_equal(res.r_error, "");
}

/* Placeholders (§5.4) */

static void
subst_eq(const char *tmpl, enum nt_quote q, const char *want)
{
	struct buf b;

	buf_init(&b);
	nt_subst(&b, tmpl, &ctx, q);
	if (strcmp(nt_str(&b), want) != 0)
		print_error("\"%s\" (mode %d): got \"%s\", want \"%s\"\n", tmpl,
		    (int)q, nt_str(&b), want);
	assert_string_equal(nt_str(&b), want);
	buf_clear(&b);
}

static void
subst_split(void **state)
{
	sample("down");
	/* No '$', a lone '$', "$$", unknown names: kept as they are. */
	subst_eq("plain text", NQ_RAW, "plain text");
	subst_eq("", NQ_RAW, "");
	subst_eq("$", NQ_RAW, "$");
	subst_eq("5$ and $$", NQ_RAW, "5$ and $$");
	subst_eq("$$CODE", NQ_RAW, "$" CHECK_CODE);
	subst_eq("$FOO $code", NQ_RAW, "$FOO $code");
	/* Each piece: the first name it starts with, the rest follows. */
	subst_eq("$CODE/$STATUS/$SLUG", NQ_RAW, CHECK_CODE "/down/db-backup");
	subst_eq("$NAMEX", NQ_RAW, NAME "X");
	subst_eq("[$NAME_JSON]", NQ_RAW, "[\"D\\u00e5tabase backup "
	    "\\u2713\"]");
	subst_eq("$NOW", NQ_RAW, "2026-01-02T03:04:05+00:00");
	subst_eq("$TAGS", NQ_RAW, "prod ünïcode db");
	subst_eq("$TAG1-$TAG2-$TAG3-$TAG4", NQ_RAW, "prod-ünïcode-db-$TAG4");
	subst_eq("$STATUSES", NQ_RAW, "downES");
	subst_eq("$EXITSTATUS", NQ_RAW, "0");
	subst_eq("$JSON", NQ_RAW, chk.json);
	/* TAG1 comes before TAG10 in the order, as in Healthchecks. */
	subst_eq("$TAG10", NQ_RAW, "prod0");
	/* Values are never expanded again. */
	chk.name = "$CODE $$NAME";
	subst_eq("$NAME", NQ_RAW, "$CODE $$NAME");
	subst_eq("$NAME$STATUS", NQ_RAW, "$CODE $$NAMEdown");
	chk.tags = "$TAG2 x";
	subst_eq("$TAG1", NQ_RAW, "$TAG2");
	/* No last ping: exit status -1, empty bodies. */
	sample("down");
	chk.last_ping = 0;
	chk.last_ping_body = NULL;
	chk.last_ping_body_len = 0;
	subst_eq("$EXITSTATUS|$BODY|$BODY_JSON", NQ_RAW, "-1||\"\"");
	sample("up");
	chk.last_exit_status = 3;
	subst_eq("$STATUS $EXITSTATUS", NQ_RAW, "up 3");
}

static void
subst_modes(void **state)
{
	sample("down");
	/* Body: raw, ping body placeholders allowed. */
	subst_eq("$BODY", NQ_RAW, "hello\nworld");
	subst_eq("{\"b\": $BODY_JSON}", NQ_RAW, "{\"b\": \"hello\\nworld\"}");
	/* URL: quoted but for CODE, STATUS, SLUG; no body placeholders. */
	subst_eq("https://x.example/?n=$NAME&t=$TAGS&g=$TAG2&s=$SLUG"
	    "&c=$CODE&st=$STATUS&now=$NOW", NQ_URL,
	    "https://x.example/?n=D%C3%A5tabase%20backup%20%E2%9C%93"
	    "&t=prod%20%C3%BCn%C3%AFcode%20db&g=%C3%BCn%C3%AFcode"
	    "&s=db-backup&c=" CHECK_CODE "&st=down"
	    "&now=2026-01-02T03%3A04%3A05%2B00%3A00");
	subst_eq("https://x.example/$NAME_JSON", NQ_URL,
	    "https://x.example/%22D%5Cu00e5tabase%20backup%20%5Cu2713%22");
	subst_eq("https://x.example/?j=$JSON", NQ_URL,
	    "https://x.example/?j=%7B%22name%22%3A%20%22D%5Cu00e5tabase%20"
	    "backup%20%5Cu2713%22%2C%20%22status%22%3A%20%22down%22%7D");
	subst_eq("https://x.example/$BODY", NQ_URL, "https://x.example/$BODY");
	chk.name = "a/b?c&d";
	subst_eq("https://x.example/$NAME", NQ_URL,
	    "https://x.example/a/b%3Fc%26d");
	/* Headers: Latin-1 kept (as its bytes), the rest as &#NNN;. */
	sample("down");
	subst_eq("$NAME", NQ_HEADER, "D\xe5tabase backup &#10003;");
	subst_eq("€ $TAG2", NQ_HEADER, "&#8364; \xfc" "n\xef" "code");
	subst_eq("$BODY", NQ_HEADER, "$BODY");
	chk.name = "line\r\nInjected: yes";
	subst_eq("$NAME", NQ_HEADER, "line  Injected: yes");
	/* Shell: NAME, TAGS (and each TAGn) quoted for /bin/sh. */
	sample("down");
	subst_eq("notify $NAME $TAGS $TAG1 $CODE $STATUS $NOW", NQ_SHELL,
	    "notify 'Dåtabase backup ✓' 'prod ünïcode db' prod " CHECK_CODE
	    " down 2026-01-02T03:04:05+00:00");
	chk.name = "it's; rm -rf /";
	subst_eq("echo $NAME", NQ_SHELL, "echo 'it'\"'\"'s; rm -rf /'");
	chk.name = "";
	subst_eq("echo $NAME.", NQ_SHELL, "echo ''.");
	chk.name = "plain-name_1.2";
	subst_eq("echo $NAME", NQ_SHELL, "echo plain-name_1.2");
	/* Shell knows only CODE STATUS NOW NAME TAGS TAGn. */
	subst_eq("$SLUG $JSON $BODY $EXITSTATUS", NQ_SHELL,
	    "$SLUG $JSON $BODY $EXITSTATUS");
	subst_eq("$NAME_JSON", NQ_SHELL, "plain-name_1.2_JSON");
}

/* The kinds */

/* Slack's payload, shared by slack, mattermost and discord. */
static void
slackish(const char *status)
{
	struct json_doc	*d = jdoc(&msgs[0].m_body);
	int		 down = strcmp(status, "down") == 0;

	hdr_eq(&msgs[0], "Content-Type", "application/json");
	assert_int_equal(nhdrs(&msgs[0]), 1);
	assert_int_equal(jlen(d, ""), 3);
	jstr(d, "username", "Mÿchecks");
	jstr(d, "icon_url", "https://hc.example.org/static/img/logo.png");
	assert_int_equal(jlen(d, "attachments"), 1);
	assert_int_equal(jlen(d, "attachments.0"), 7);
	jstr(d, "attachments.0.color", down ? "danger" : "good");
	jstr(d, "attachments.0.fallback", down ?
	    "The check \"" NAME "\" is DOWN." : "The check \"" NAME "\" is UP.");
	jstr(d, "attachments.0.mrkdwn_in.0", "fields");
	jstr(d, "attachments.0.title", down ? "“" NAME "” is DOWN." :
	    "“" NAME "” is UP.");
	jstr(d, "attachments.0.title_link", CLOAKED);
	jstr(d, "attachments.0.text", down ? "Reason: " REASON "." :
	    "The downtime lasted 1 hour, 2 minutes.");
	assert_int_equal(jlen(d, "attachments.0.fields"), 7);
	jstr(d, "attachments.0.fields.0.title", "Description");
	jstr(d, "attachments.0.fields.0.value", "Nightly dump");
	jabsent(d, "attachments.0.fields.0.short");
	jstr(d, "attachments.0.fields.1.title", "Project");
	jstr(d, "attachments.0.fields.1.value", "Åcme");
	jtype(d, "attachments.0.fields.1.short", JSON_TRUE);
	jstr(d, "attachments.0.fields.2.title", "Tags");
	jstr(d, "attachments.0.fields.2.value", "`prod` `ünïcode` `db`");
	jstr(d, "attachments.0.fields.3.title", "Period");
	jstr(d, "attachments.0.fields.3.value", "1 day");
	jstr(d, "attachments.0.fields.4.title", "Total Pings");
	jstr(d, "attachments.0.fields.4.value", "42");
	jstr(d, "attachments.0.fields.5.title", "Last Ping");
	jstr(d, "attachments.0.fields.5.value", "Success, 5 minutes ago");
	jstr(d, "attachments.0.fields.6.title", "Last Ping Body");
	jstr(d, "attachments.0.fields.6.value", "```\nhello\nworld\n```");
	jabsent(d, "attachments.0.fields.6.short");
	json_doc_free(d);
}

static void
kind_slack(void **state)
{
	static const char *oauth = "{\"ok\": true, \"team_name\": \"T\", "
	    "\"incoming_webhook\": {\"url\": \"https://hooks.slack.com/s/1\", "
	    "\"channel\": \"#ops\"}}";
	const struct nt_kind	*k;
	struct json_doc		*d;
	char			 err[200];

	k = build_as("slack", oauth, "down");
	assert_int_equal(nmsgs, 1);
	method_url(0, "POST", "https://hooks.slack.com/s/1");
	slackish("down");
	build_as("slack", oauth, "up");
	method_url(0, "POST", "https://hooks.slack.com/s/1");
	slackish("up");
	/* A bare URL; a cron check: Schedule (asterisks escaped), Time Zone. */
	sample("down");
	chk.kind = "cron";
	chk.last_ping_body = "has ``` fences";
	chk.last_ping_body_len = strlen(chk.last_ping_body);
	build("slack", "https://hooks.slack.com/s/2");
	method_url(0, "POST", "https://hooks.slack.com/s/2");
	d = jdoc(&msgs[0].m_body);
	jstr(d, "attachments.0.fields.3.title", "Schedule");
	jstr(d, "attachments.0.fields.3.value",
	    "\xcd\x8f*/5 \xcd\x8f* \xcd\x8f* \xcd\x8f* \xcd\x8f*");
	jstr(d, "attachments.0.fields.4.title", "Time Zone");
	jstr(d, "attachments.0.fields.4.value", "Europe/Riga");
	/* A body with ``` is left out. */
	assert_int_equal(jlen(d, "attachments.0.fields"), 7);
	jstr(d, "attachments.0.fields.6.title", "Last Ping");
	json_doc_free(d);
	assert_null(k->k_noop);
	/* Answers. */
	classify(k, 0, 404, "no_service");
	assert_int_equal(res.r_outcome, NR_PERMANENT);
	assert_string_equal(res.r_error, "Received status code 404");
	classify(k, 0, 400, "invalid_token");
	assert_int_equal(res.r_outcome, NR_PERMANENT);
	classify(k, 0, 400, "invalid_payload");
	assert_int_equal(res.r_outcome, NR_FAILED);
	classify(k, 0, 200, "ok");
	assert_int_equal(res.r_outcome, NR_OK);
	classify(k, 0, 500, "");
	assert_int_equal(res.r_outcome, NR_TRANSIENT);
	/* Validation and the toggle. */
	assert_int_equal(valid("slack", oauth, err, sizeof(err)), 0);
	assert_int_equal(valid("slack", "https://h.example/x", err,
	    sizeof(err)), 0);
	assert_int_equal(valid("slack", "{\"incoming_webhook\": {}}", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "Slack webhook URL"));
	assert_int_equal(valid("slack", "ftp://x", err, sizeof(err)), -1);
	assert_int_equal(k->k_enabled(&cf), 1);
	cf.slack_enabled = 0;
	assert_int_equal(k->k_enabled(&cf), 0);
	cf.slack_enabled = 1;
	assert_string_equal(k->k_off_text,
	    "Slack notifications are not enabled.");
}

static void
kind_mattermost(void **state)
{
	const struct nt_kind	*k;
	char			 err[200];

	k = build_as("mattermost", "https://mm.example.org/hooks/x", "down");
	method_url(0, "POST", "https://mm.example.org/hooks/x");
	slackish("down");
	build_as("mattermost", "https://mm.example.org/hooks/x", "up");
	slackish("up");
	classify(k, 0, 404, "");
	assert_int_equal(res.r_outcome, NR_FAILED);
	assert_int_equal(valid("mattermost", "not a url", err, sizeof(err)),
	    -1);
	assert_string_equal(err, "Enter a valid URL (http:// or https://)");
	cf.mattermost_enabled = 0;
	assert_int_equal(k->k_enabled(&cf), 0);
	cf.mattermost_enabled = 1;
}

static void
kind_discord(void **state)
{
	static const char *v = "{\"webhook\": {\"url\": "
	    "\"https://discordapp.com/api/webhooks/1/tok\", \"id\": \"1\"}}";
	const struct nt_kind	*k;
	struct json_doc		*d;
	char			 err[200];

	k = build_as("discord", v, "down");
	method_url(0, "POST", "https://discord.com/api/webhooks/1/tok/slack");
	slackish("down");
	build_as("discord", v, "up");
	method_url(0, "POST", "https://discord.com/api/webhooks/1/tok/slack");
	slackish("up");
	sample("down");
	chk.kind = "oncalendar";
	chk.schedule = "*-*-* 02:00";
	build("discord", "{\"webhook\": {\"url\": "
	    "\"https://discord.com/api/webhooks/2/t\"}}");
	method_url(0, "POST", "https://discord.com/api/webhooks/2/t/slack");
	d = jdoc(&msgs[0].m_body);
	jstr(d, "attachments.0.fields.3.value", "\\*-\\*-\\* 02:00");
	json_doc_free(d);
	classify(k, 0, 404, "");
	assert_int_equal(res.r_outcome, NR_PERMANENT);
	classify(k, 0, 400, "");
	assert_int_equal(res.r_outcome, NR_FAILED);
	assert_int_equal(valid("discord", "https://discord.com/x", err,
	    sizeof(err)), -1);
	assert_int_equal(valid("discord", v, err, sizeof(err)), 0);
}

static void
kind_webhook(void **state)
{
	static const char *v = "{\"method_down\": \"POST\", "
	    "\"url_down\": \"https://r.example.org/d?n=$NAME&t=$TAG2&s=$SLUG\", "
	    "\"body_down\": \"{\\\"name\\\": $NAME_JSON, \\\"body\\\": "
	    "$BODY_JSON, \\\"x\\\": $EXITSTATUS}\", "
	    "\"headers_down\": {\"X-Name\": \"$NAME\", \"Content-Type\": "
	    "\"application/json\"}, "
	    "\"method_up\": \"GET\", \"url_up\": \"https://r.example.org/u/"
	    "$CODE/$STATUS\", \"body_up\": \"ignored for GET\", "
	    "\"headers_up\": {}, \"name\": \"\"}";
	const struct nt_kind	*k;
	struct json_doc		*d;
	char			 err[200];

	k = build_as("webhook", v, "down");
	assert_int_equal(nmsgs, 1);
	method_url(0, "POST", "https://r.example.org/d?n=D%C3%A5tabase%20"
	    "backup%20%E2%9C%93&t=%C3%BCn%C3%AFcode&s=db-backup");
	assert_int_equal(nhdrs(&msgs[0]), 3);
	hdr_eq(&msgs[0], "X-Name", "D\xe5tabase backup &#10003;");
	hdr_eq(&msgs[0], "Content-Type", "application/json");
	hdr_eq(&msgs[0], "X-Healthchecks-Notification", NOTIF_CODE);
	d = jdoc(&msgs[0].m_body);
	jstr(d, "name", NAME);
	jstr(d, "body", "hello\nworld");
	jint(d, "x", 0);
	json_doc_free(d);
	/* Up: GET, no body, no Content-Type of our own. */
	build_as("webhook", v, "up");
	method_url(0, "GET", "https://r.example.org/u/" CHECK_CODE "/up");
	assert_int_equal(msgs[0].m_body.b_len, 0);
	assert_int_equal(nhdrs(&msgs[0]), 1);
	hdr_eq(&msgs[0], "X-Healthchecks-Notification", NOTIF_CODE);
	assert_null(hdr(&msgs[0], "Content-Type"));
	/* PUT carries the body; the user cannot spoof our header. */
	sample("down");
	build("webhook", "{\"method_down\": \"PUT\", \"url_down\": "
	    "\"http://r.example.org/\", \"body_down\": \"$STATUS $TAGS\", "
	    "\"headers_down\": {\"X-Healthchecks-Notification\": \"fake\"}}");
	method_url(0, "PUT", "http://r.example.org/");
	assert_string_equal(nt_str(&msgs[0].m_body), "down prod ünïcode db");
	assert_int_equal(nhdrs(&msgs[0]), 1);
	hdr_eq(&msgs[0], "X-Healthchecks-Notification", NOTIF_CODE);
	/* No-op: an empty URL for the status. */
	assert_int_equal(k->k_noop(v, "down"), 0);
	assert_int_equal(k->k_noop(v, "up"), 0);
	assert_int_equal(k->k_noop("{\"url_down\": \"https://x.example/\", "
	    "\"url_up\": \"\"}", "up"), 1);
	assert_int_equal(k->k_noop("{\"url_down\": \"https://x.example/\"}",
	    "up"), 1);
	assert_int_equal(k->k_noop("{\"url_up\": \"https://x.example/\"}",
	    "down"), 1);
	/* Validation. */
	assert_int_equal(valid("webhook", v, err, sizeof(err)), 0);
	assert_int_equal(valid("webhook", "https://x.example/", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "JSON object"));
	assert_int_equal(valid("webhook", "{\"url_down\": \"\", \"url_up\": "
	    "\"\"}", err, sizeof(err)), -1);
	assert_string_equal(err, "Enter a URL for down or up events "
	    "(url_down, url_up)");
	assert_int_equal(valid("webhook", "{\"url_down\": \"https://x/\", "
	    "\"method_down\": \"DELETE\"}", err, sizeof(err)), -1);
	assert_string_equal(err, "method_down: expected GET, POST or PUT");
	assert_int_equal(valid("webhook", "{\"url_up\": \"gopher://x/\"}",
	    err, sizeof(err)), -1);
	assert_string_equal(err, "url_up: enter a valid URL (http:// or "
	    "https://)");
	assert_int_equal(valid("webhook", "{\"url_up\": \"https://x/\", "
	    "\"headers_up\": {\"Bad Name\": \"v\"}}", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "headers_up"));
	assert_int_equal(valid("webhook", "{\"url_up\": \"https://x/\", "
	    "\"headers_up\": {\"X\": \"a\\r\\nB: c\"}}", err, sizeof(err)), -1);
	assert_int_equal(valid("webhook", "{\"url_up\": \"https://x/\", "
	    "\"headers_up\": [1]}", err, sizeof(err)), -1);
	{
		struct buf	 big;
		int		 i;

		buf_init(&big);
		buf_addstr(&big, "{\"url_down\": \"https://x/\", "
		    "\"body_down\": \"");
		for (i = 0; i < 1001; i++)
			buf_addstr(&big, "ü");
		buf_addstr(&big, "\"}");
		assert_int_equal(valid("webhook", nt_str(&big), err,
		    sizeof(err)), -1);
		assert_string_equal(err, "body_down: at most 1000 characters");
		buf_clear(&big);
	}
	/* Answers: the default classification. */
	classify(k, 0, 503, "");
	assert_int_equal(res.r_outcome, NR_TRANSIENT);
	classify(k, 0, 404, "");
	assert_int_equal(res.r_outcome, NR_FAILED);
	assert_string_equal(res.r_error, "Received status code 404");
	assert_null(k->k_enabled);	/* WEBHOOKS_ENABLED: the engine's */
}

static void
kind_email(void **state)
{
	const struct nt_kind	*k;
	char			*v, err[200];
	struct buf		 unsub;

	buf_init(&unsub);
	nt_unsub_url(&unsub, &cf, CHAN_CODE);
	k = build_as("email", "{\"value\": \"ops@example.org\", \"up\": true, "
	    "\"down\": true}", "down");
	assert_int_equal(nmsgs, 1);
	assert_int_equal(msgs[0].m_transport, NT_SMTP);
	assert_string_equal(nt_str(&msgs[0].m_rcpt), "ops@example.org");
	assert_string_equal(nt_str(&msgs[0].m_subject), "DOWN | " NAME);
	v = hdr(&msgs[0], "List-Unsubscribe");
	assert_non_null(v);
	assert_int_equal(v[0], '<');
	assert_memory_equal(v + 1, unsub.b_data, unsub.b_len);
	assert_string_equal(v + 1 + unsub.b_len, ">");
	free(v);
	hdr_eq(&msgs[0], "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
	hdr_eq(&msgs[0], "Message-ID", "<" NOTIF_CODE "@hc.example.org>");
	assert_int_equal(nhdrs(&msgs[0]), 3);
	assert_non_null(strstr(nt_str(&msgs[0].m_text), "🔴 The check “" NAME
	    "” is DOWN (" REASON ")."));
	assert_non_null(strstr(nt_str(&msgs[0].m_text), CLOAKED));
	assert_non_null(strstr(nt_str(&msgs[0].m_text), nt_str(&unsub)));
	assert_non_null(strstr(nt_str(&msgs[0].m_text),
	    "Last Ping Body:\nhello\nworld"));
	assert_non_null(strstr(nt_str(&msgs[0].m_html),
	    "<b>" NAME "</b>” is <b>DOWN</b>"));
	assert_non_null(strstr(nt_str(&msgs[0].m_html),
	    "<pre>hello\nworld</pre>"));
	assert_non_null(strstr(nt_str(&msgs[0].m_html), "<b>Project:</b> "
	    "Åcme<br>\n"));
	assert_non_null(strstr(nt_str(&msgs[0].m_html), nt_str(&unsub)));
	build_as("email", "ops@example.org", "up");
	assert_string_equal(nt_str(&msgs[0].m_rcpt), "ops@example.org");
	assert_string_equal(nt_str(&msgs[0].m_subject), "UP | " NAME);
	assert_non_null(strstr(nt_str(&msgs[0].m_text), "🟢 The check “" NAME
	    "” is now UP. The downtime lasted 1 hour, 2 minutes."));
	/* The up and down flags. */
	assert_int_equal(k->k_noop("{\"value\": \"a@b.c\", \"up\": false, "
	    "\"down\": true}", "up"), 1);
	assert_int_equal(k->k_noop("{\"value\": \"a@b.c\", \"up\": false, "
	    "\"down\": true}", "down"), 0);
	assert_int_equal(k->k_noop("{\"value\": \"a@b.c\", \"up\": true, "
	    "\"down\": false}", "down"), 1);
	assert_int_equal(k->k_noop("a@b.c", "up"), 0);
	assert_int_equal(valid("email", "a@b.c", err, sizeof(err)), 0);
	assert_int_equal(valid("email", "{\"value\": \"a@b.c\"}", err,
	    sizeof(err)), 0);
	assert_int_equal(valid("email", "not-an-address", err, sizeof(err)),
	    -1);
	assert_string_equal(err, "Enter a valid email address");
	assert_int_equal(valid("email", "a@b.c\r\nBcc: x@y.z", err,
	    sizeof(err)), -1);
	assert_int_equal(valid("email", "{\"up\": true}", err, sizeof(err)),
	    -1);
	buf_clear(&unsub);
}

static void
kind_telegram(void **state)
{
	static const char *v = "{\"id\": -100123, \"thread_id\": null, "
	    "\"type\": \"group\", \"name\": \"Ops ☎\"}";
	const struct nt_kind	*k;
	struct json_doc		*d;
	char			 err[200], bucket[128];

	k = build_as("telegram", v, "down");
	assert_int_equal(nmsgs, 1);
	method_url(0, "POST", "https://api.telegram.org/botTGTOKEN/sendMessage");
	hdr_eq(&msgs[0], "Content-Type", "application/json");
	d = jdoc(&msgs[0].m_body);
	assert_int_equal(jlen(d, ""), 4);
	jint(d, "chat_id", -100123);
	jtype(d, "message_thread_id", JSON_NULL);
	jstr(d, "parse_mode", "html");
	jstr(d, "text", "🔴 The check “<b>" NAME "</b>” is <b>DOWN</b> ("
	    REASON ").\n\n<b>Description:</b> Nightly dump\n<b>Project:</b> "
	    "Åcme\n<b>Tags:</b> prod, ünïcode, db\n<b>Period:</b> 1 day\n"
	    "<b>Total Pings:</b> 42\n<b>Last Ping:</b> Success, 5 minutes ago"
	    "\n\n<b>Last Ping Body:</b>\n<pre>hello\nworld</pre>\n\nThe "
	    "following checks are also down:\n• Other ✗");
	json_doc_free(d);
	build_as("telegram", "{\"id\": 42, \"thread_id\": 7, \"type\": "
	    "\"supergroup\", \"name\": \"x\"}", "up");
	d = jdoc(&msgs[0].m_body);
	jint(d, "chat_id", 42);
	jint(d, "message_thread_id", 7);
	{
		char *t = json_str(d, jat(d, "text"));

		assert_non_null(strstr(t, "🟢 The check “<b>" NAME "</b>” is "
		    "now <b>UP</b>. The downtime lasted 1 hour, 2 minutes."));
		assert_non_null(strstr(t, "still down"));
		free(t);
	}
	json_doc_free(d);
	/* HTML in a name is escaped. */
	sample("down");
	chk.name = "<script>";
	build("telegram", v);
	d = jdoc(&msgs[0].m_body);
	{
		char *t = json_str(d, jat(d, "text"));

		assert_non_null(strstr(t, "<b>&lt;script&gt;</b>"));
		free(t);
	}
	json_doc_free(d);
	/* Rate limit bucket per chat. */
	sample("down");
	ctx.value = v;
	assert_string_equal(k->k_bucket(&ctx, bucket, sizeof(bucket)),
	    "tg--100123");
	/* migrate_to_chat_id: resend with the new id. */
	classify(k, 0, 400, "{\"ok\": false, \"error_code\": 400, "
	    "\"description\": \"Bad Request: group chat was upgraded to a "
	    "supergroup chat\", \"parameters\": {\"migrate_to_chat_id\": "
	    "-1009876}}");
	assert_int_equal(res.r_outcome, NR_RESEND);
	d = jdoc(&res.r_value);
	jint(d, "id", -1009876);
	jtype(d, "thread_id", JSON_NULL);
	jstr(d, "type", "group");
	jstr(d, "name", "Ops ☎");
	json_doc_free(d);
	/* Permanent errors. */
	{
		static const char *perm[] = {
			"Forbidden: the group chat was deleted",
			"Forbidden: bot was blocked by the user",
			"Forbidden: user is deactivated",
			"Forbidden: bot was kicked from the group chat",
			"Forbidden: bot was kicked from the supergroup chat",
			"Bad Request: chat not found",
		};
		char	body[256], want[256];
		size_t	i;

		for (i = 0; i < sizeof(perm) / sizeof(perm[0]); i++) {
			snprintf(body, sizeof(body), "{\"ok\": false, "
			    "\"description\": \"%s\"}", perm[i]);
			classify(k, 0, perm[i][0] == 'F' ? 403 : 400, body);
			assert_int_equal(res.r_outcome, NR_PERMANENT);
			snprintf(want, sizeof(want), "Received status code %d "
			    "with a message: \"%s\"", perm[i][0] == 'F' ? 403 :
			    400, perm[i]);
			assert_string_equal(res.r_error, want);
		}
	}
	classify(k, 0, 400, "{\"description\": \"Bad Request: message is too "
	    "long\"}");
	assert_int_equal(res.r_outcome, NR_FAILED);
	assert_string_equal(res.r_error, "Received status code 400 with a "
	    "message: \"Bad Request: message is too long\"");
	classify(k, 0, 429, "{\"description\": \"Too Many Requests\"}");
	assert_int_equal(res.r_outcome, NR_TRANSIENT);
	classify(k, 0, 502, "<html>");
	assert_int_equal(res.r_outcome, NR_TRANSIENT);
	assert_string_equal(res.r_error, "Received status code 502");
	classify(k, 0, 200, "{\"ok\": true}");
	assert_int_equal(res.r_outcome, NR_OK);
	assert_int_equal(valid("telegram", v, err, sizeof(err)), 0);
	assert_int_equal(valid("telegram", "{\"id\": \"x\"}", err,
	    sizeof(err)), -1);
	assert_int_equal(valid("telegram", "12345", err, sizeof(err)), -1);
	assert_int_equal(k->k_enabled(&cf), 1);
	set(&cf.telegram_token, "");
	assert_int_equal(k->k_enabled(&cf), 0);
	set(&cf.telegram_token, "TGTOKEN");
}

static void
kind_matrix(void **state)
{
	const struct nt_kind	*k;
	struct json_doc		*d;
	char			 err[200], *t;

	k = build_as("matrix", "!abc:example.org", "down");
	method_url(0, "PUT", "https://matrix.example.org/_matrix/client/v3/"
	    "rooms/%21abc%3Aexample.org/send/m.room.message/" NOTIF_CODE);
	hdr_eq(&msgs[0], "Authorization", "Bearer MXTOKEN");
	hdr_eq(&msgs[0], "Content-Type", "application/json");
	d = jdoc(&msgs[0].m_body);
	assert_int_equal(jlen(d, ""), 4);
	jstr(d, "msgtype", "m.text");
	jstr(d, "format", "org.matrix.custom.html");
	t = json_str(d, jat(d, "body"));
	assert_int_equal(strncmp(t, "🔴 The check “" NAME "” is DOWN (",
	    strlen("🔴 The check “" NAME "” is DOWN (")), 0);
	assert_non_null(strstr(t, "\nProject: Åcme\n"));
	free(t);
	t = json_str(d, jat(d, "formatted_body"));
	assert_non_null(strstr(t, "<b>" NAME "</b>"));
	assert_non_null(strstr(t, "<b>Project:</b> Åcme<br>\n"));
	assert_non_null(strstr(t, "<pre>hello\nworld</pre>"));
	free(t);
	json_doc_free(d);
	build_as("matrix", "#ops:example.org", "up");
	method_url(0, "PUT", "https://matrix.example.org/_matrix/client/v3/"
	    "rooms/%23ops%3Aexample.org/send/m.room.message/" NOTIF_CODE);
	d = jdoc(&msgs[0].m_body);
	t = json_str(d, jat(d, "body"));
	assert_non_null(strstr(t, "is now UP. The downtime lasted 1 hour, "
	    "2 minutes."));
	free(t);
	json_doc_free(d);
	assert_int_equal(valid("matrix", "!abc:example.org", err,
	    sizeof(err)), 0);
	assert_int_equal(valid("matrix", "abc", err, sizeof(err)), -1);
	assert_int_equal(k->k_enabled(&cf), 1);
	set(&cf.matrix_access_token, "");
	assert_int_equal(k->k_enabled(&cf), 0);
	set(&cf.matrix_access_token, "MXTOKEN");
}

static void
kind_ntfy(void **state)
{
	static const char *v = "{\"topic\": \"alerts\", \"url\": "
	    "\"https://ntfy.example.org\", \"priority\": 5, \"priority_up\": 3, "
	    "\"token\": \"tk_1\"}";
	const struct nt_kind	*k;
	struct json_doc		*d;
	char			 err[200], bucket[256], *t;

	k = build_as("ntfy", v, "down");
	method_url(0, "POST", "https://ntfy.example.org");
	hdr_eq(&msgs[0], "Authorization", "Bearer tk_1");
	hdr_eq(&msgs[0], "Content-Type", "application/json");
	d = jdoc(&msgs[0].m_body);
	assert_int_equal(jlen(d, ""), 7);
	jstr(d, "topic", "alerts");
	jint(d, "priority", 5);
	jstr(d, "title", NAME " is DOWN");
	jtype(d, "markdown", JSON_TRUE);
	assert_int_equal(jlen(d, "tags"), 1);
	jstr(d, "tags.0", "red_circle");
	assert_int_equal(jlen(d, "actions"), 1);
	jstr(d, "actions.0.action", "view");
	jstr(d, "actions.0.label", "View on Mÿchecks");
	jstr(d, "actions.0.url", CLOAKED);
	t = json_str(d, jat(d, "message"));
	assert_non_null(strstr(t, "🔴 The check “**" NAME "**” is **DOWN**"));
	assert_non_null(strstr(t, "**Last Ping Body:**\n```\nhello\nworld\n```"));
	free(t);
	json_doc_free(d);
	build_as("ntfy", v, "up");
	d = jdoc(&msgs[0].m_body);
	jint(d, "priority", 3);
	jstr(d, "title", NAME " is UP");
	jstr(d, "tags.0", "green_circle");
	json_doc_free(d);
	/* ntfy.sh without a token of its own: NTFY_SH_TOKEN. */
	build_as("ntfy", "{\"topic\": \"t\", \"url\": \"https://ntfy.sh\", "
	    "\"priority\": 3, \"priority_up\": 3, \"token\": \"\"}", "down");
	method_url(0, "POST", "https://ntfy.sh");
	hdr_eq(&msgs[0], "Authorization", "Bearer NTFYSH");
	build_as("ntfy", "{\"topic\": \"t\", \"url\": \"https://other.example\","
	    " \"priority\": 3, \"priority_up\": 3}", "down");
	assert_null(hdr(&msgs[0], "Authorization"));
	/* Priority 0: no-op. */
	assert_int_equal(k->k_noop(v, "down"), 0);
	assert_int_equal(k->k_noop("{\"topic\": \"t\", \"url\": \"https://x\", "
	    "\"priority\": 0, \"priority_up\": 3}", "down"), 1);
	assert_int_equal(k->k_noop("{\"topic\": \"t\", \"url\": \"https://x\", "
	    "\"priority\": 4, \"priority_up\": 0}", "up"), 1);
	sample("down");
	ctx.value = v;
	assert_string_equal(k->k_bucket(&ctx, bucket, sizeof(bucket)),
	    "ntfy-https://ntfy.example.org-alerts");
	assert_int_equal(valid("ntfy", v, err, sizeof(err)), 0);
	assert_int_equal(valid("ntfy", "{\"topic\": \"\", \"url\": "
	    "\"https://x\", \"priority\": 3, \"priority_up\": 3}", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "topic"));
	assert_int_equal(valid("ntfy", "{\"topic\": \"t\", \"url\": "
	    "\"https://x\", \"priority\": 6, \"priority_up\": 3}", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "priority"));
}

static void
kind_gotify(void **state)
{
	static const char *v = "{\"url\": \"https://g.example.org/base\", "
	    "\"token\": \"A b&c\", \"priority\": 5, \"priority_up\": 2}";
	const struct nt_kind	*k;
	struct json_doc		*d;
	char			 err[200], *t;

	k = build_as("gotify", v, "down");
	method_url(0, "POST", "https://g.example.org/base/message?"
	    "token=A%20b%26c");
	d = jdoc(&msgs[0].m_body);
	assert_int_equal(jlen(d, ""), 4);
	jstr(d, "title", NAME " is DOWN");
	jstr(d, "extras.client::display.contentType", "text/markdown");
	jint(d, "priority", 5);
	t = json_str(d, jat(d, "message"));
	assert_non_null(strstr(t, "**Project:** Åcme"));
	assert_non_null(strstr(t, "- Other ✗"));
	free(t);
	json_doc_free(d);
	build_as("gotify", "{\"url\": \"https://g.example.org/\", \"token\": "
	    "\"t\", \"priority\": 5, \"priority_up\": 2}", "up");
	method_url(0, "POST", "https://g.example.org/message?token=t");
	d = jdoc(&msgs[0].m_body);
	jstr(d, "title", NAME " is UP");
	jint(d, "priority", 2);
	json_doc_free(d);
	assert_int_equal(k->k_noop("{\"url\": \"https://g\", \"token\": \"t\", "
	    "\"priority\": 0, \"priority_up\": 2}", "down"), 1);
	assert_int_equal(k->k_noop(v, "up"), 0);
	assert_int_equal(valid("gotify", v, err, sizeof(err)), 0);
	assert_int_equal(valid("gotify", "{\"url\": \"https://g\"}", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "token: enter the application token");
}

static void
kind_po(void **state)
{
	const struct nt_kind	*k;
	char			 err[200], bucket[64];
	const char		*b;

	k = build_as("po", "uKey123|2|0", "down");
	assert_int_equal(nmsgs, 1);
	method_url(0, "POST", "https://api.pushover.net/1/messages.json");
	assert_int_equal(msgs[0].m_form, 1);
	hdr_eq(&msgs[0], "Content-Type", "application/x-www-form-urlencoded");
	b = nt_str(&msgs[0].m_body);
	assert_int_equal(nform(b), 11);
	form_eq(b, "token", "POTOKEN");
	form_eq(b, "user", "uKey123");
	form_eq(b, "title", "🔴 " NAME " is DOWN");
	form_eq(b, "html", "1");
	form_eq(b, "priority", "2");
	form_eq(b, "tags", UKEY);
	form_eq(b, "url", CLOAKED);
	form_eq(b, "url_title", "View on Mÿchecks");
	form_eq(b, "retry", "300");
	form_eq(b, "expire", "86400");
	{
		char *m = form(b, "message");

		assert_int_equal(strncmp(m, "🔴 The check “<b>" NAME "</b>” is "
		    "<b>DOWN</b>", strlen("🔴 The check “<b>" NAME "</b>” is "
		    "<b>DOWN</b>")), 0);
		free(m);
	}
	/* Up after an emergency: cancel by tag first, then the message. */
	build_as("po", "uKey123|2|0", "up");
	assert_int_equal(nmsgs, 2);
	method_url(0, "POST", "https://api.pushover.net/1/receipts/"
	    "cancel_by_tag/" UKEY ".json");
	assert_int_equal(msgs[0].m_form, 1);
	assert_string_equal(nt_str(&msgs[0].m_body), "token=POTOKEN");
	method_url(1, "POST", "https://api.pushover.net/1/messages.json");
	b = nt_str(&msgs[1].m_body);
	assert_int_equal(nform(b), 9);
	form_eq(b, "priority", "0");
	form_eq(b, "title", "🟢 " NAME " is now UP");
	assert_null(form(b, "retry"));
	/* One priority for both. */
	build_as("po", "uKey123|1", "up");
	assert_int_equal(nmsgs, 1);
	form_eq(nt_str(&msgs[0].m_body), "priority", "1");
	/* -3: no-op. */
	assert_int_equal(k->k_noop("u|-3|0", "down"), 1);
	assert_int_equal(k->k_noop("u|-3|0", "up"), 0);
	assert_int_equal(k->k_noop("u|0|-3", "up"), 1);
	assert_int_equal(k->k_noop("u|-3", "up"), 1);
	sample("down");
	ctx.value = "uKey123|0";
	assert_string_equal(k->k_bucket(&ctx, bucket, sizeof(bucket)),
	    "po-uKey123");
	classify(k, 1, 400, "{\"user\": \"invalid\", \"errors\": [\"user "
	    "identifier is invalid\"], \"status\": 0}");
	assert_int_equal(res.r_outcome, NR_PERMANENT);
	assert_string_equal(res.r_error,
	    "Received status code 400 (invalid user)");
	classify(k, 1, 400, "{\"token\": \"invalid\"}");
	assert_int_equal(res.r_outcome, NR_FAILED);
	assert_string_equal(res.r_error, "Received status code 400");
	assert_int_equal(valid("po", "uKey123|0", err, sizeof(err)), 0);
	assert_int_equal(valid("po", "uKey123|-2|2", err, sizeof(err)), 0);
	assert_int_equal(valid("po", "uKey123|3", err, sizeof(err)), -1);
	assert_int_equal(valid("po", "uKey123", err, sizeof(err)), -1);
	assert_int_equal(valid("po", "|0", err, sizeof(err)), -1);
	assert_int_equal(valid("po", "u k|0", err, sizeof(err)), -1);
	assert_int_equal(valid("po", "u|0|0|0", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "priorities -3 to 2"));
	set(&cf.pushover_api_token, "");
	assert_int_equal(k->k_enabled(&cf), 0);
	set(&cf.pushover_api_token, "POTOKEN");
}

static void
kind_pushbullet(void **state)
{
	const struct nt_kind	*k;
	struct json_doc		*d;
	char			 err[200], *t;

	k = build_as("pushbullet", "o.PBTOKEN", "down");
	method_url(0, "POST", "https://api.pushbullet.com/v2/pushes");
	hdr_eq(&msgs[0], "Access-Token", "o.PBTOKEN");
	hdr_eq(&msgs[0], "Content-Type", "application/json");
	d = jdoc(&msgs[0].m_body);
	assert_int_equal(jlen(d, ""), 3);
	jstr(d, "type", "note");
	jstr(d, "title", "Mÿchecks");
	t = json_str(d, jat(d, "body"));
	assert_int_equal(strncmp(t, "🔴 The check “" NAME "” is DOWN",
	    strlen("🔴 The check “" NAME "” is DOWN")), 0);
	free(t);
	json_doc_free(d);
	build_as("pushbullet", "o.PBTOKEN", "up");
	d = jdoc(&msgs[0].m_body);
	t = json_str(d, jat(d, "body"));
	assert_int_equal(strncmp(t, "🟢 The check “" NAME "” is now UP",
	    strlen("🟢 The check “" NAME "” is now UP")), 0);
	free(t);
	json_doc_free(d);
	assert_int_equal(valid("pushbullet", "", err, sizeof(err)), -1);
	(void)k;
}

static void
kind_pd(void **state)
{
	const struct nt_kind	*k;
	struct json_doc		*d;
	char			 err[200];

	k = build_as("pd", "{\"service_key\": \"PDKEY\", \"account\": \"acme\"}",
	    "down");
	method_url(0, "POST", "https://events.pagerduty.com/generic/"
	    "2010-04-15/create_event.json");
	hdr_eq(&msgs[0], "Content-Type", "application/json");
	d = jdoc(&msgs[0].m_body);
	assert_int_equal(jlen(d, ""), 7);
	jstr(d, "service_key", "PDKEY");
	jstr(d, "incident_key", UKEY);
	jstr(d, "event_type", "trigger");
	jstr(d, "description", NAME " is DOWN (" REASON ").");
	jstr(d, "client", "Mÿchecks");
	jstr(d, "client_url", "https://hc.example.org/checks/" CHECK_CODE
	    "/details/");
	assert_int_equal(jlen(d, "details"), 6);
	jstr(d, "details.Project", "Åcme");
	jint(d, "details.Total pings", 42);
	jstr(d, "details.Last ping", "Success, 5 minutes ago");
	jstr(d, "details.Description", "Nightly dump");
	jstr(d, "details.Tags", "prod, ünïcode, db");
	jstr(d, "details.Period", "1 day");
	json_doc_free(d);
	sample("up");
	chk.kind = "cron";
	chk.desc = "";
	chk.tags = "";
	build("pd", "PDKEY2");
	d = jdoc(&msgs[0].m_body);
	jstr(d, "service_key", "PDKEY2");
	jstr(d, "event_type", "resolve");
	jstr(d, "description", NAME " received a ping and is now UP");
	assert_int_equal(jlen(d, "details"), 5);
	jstr(d, "details.Schedule", "*/5 * * * *");
	jstr(d, "details.Time zone", "Europe/Riga");
	jabsent(d, "details.Period");
	jabsent(d, "details.Tags");
	json_doc_free(d);
	assert_int_equal(valid("pd", "{\"account\": \"a\"}", err, sizeof(err)),
	    -1);
	cf.pd_enabled = 0;
	assert_int_equal(k->k_enabled(&cf), 0);
	cf.pd_enabled = 1;
}

static void
kind_opsgenie(void **state)
{
	const struct nt_kind	*k;
	struct json_doc		*d;
	char			 err[200];

	k = build_as("opsgenie", "{\"key\": \"OGKEY\", \"region\": \"us\"}",
	    "down");
	method_url(0, "POST", "https://api.opsgenie.com/v2/alerts");
	hdr_eq(&msgs[0], "Authorization", "GenieKey OGKEY");
	hdr_eq(&msgs[0], "Content-Type", "application/json");
	d = jdoc(&msgs[0].m_body);
	assert_int_equal(jlen(d, ""), 6);
	jstr(d, "alias", UKEY);
	jstr(d, "source", "Mÿchecks");
	assert_int_equal(jlen(d, "tags"), 3);
	jstr(d, "tags.1", "ünïcode");
	jstr(d, "message", "The check \"" NAME "\" is DOWN (" REASON ").");
	jstr(d, "description", "Nightly dump");
	assert_int_equal(jlen(d, "details"), 5);
	jstr(d, "details.Project", "Åcme");
	jint(d, "details.Total pings", 42);
	jstr(d, "details.Last ping", "Success, 5 minutes ago");
	jstr(d, "details.Period", "1 day");
	jstr(d, "details.Full details", CLOAKED);
	json_doc_free(d);
	build_as("opsgenie", "{\"key\": \"OGKEY\", \"region\": \"eu\"}", "up");
	method_url(0, "POST", "https://api.eu.opsgenie.com/v2/alerts/" UKEY
	    "/close?identifierType=alias");
	d = jdoc(&msgs[0].m_body);
	assert_int_equal(jlen(d, ""), 2);
	jstr(d, "alias", UKEY);
	jstr(d, "source", "Mÿchecks");
	json_doc_free(d);
	sample("down");
	chk.kind = "cron";
	build("opsgenie", "OGKEY");
	method_url(0, "POST", "https://api.opsgenie.com/v2/alerts");
	d = jdoc(&msgs[0].m_body);
	jstr(d, "details.Schedule", "<code>*/5 * * * *</code>");
	jstr(d, "details.Time zone", "Europe/Riga");
	json_doc_free(d);
	classify(k, 0, 422, "{\"message\": \"Request body is not processable\","
	    " \"took\": 0.001}");
	assert_int_equal(res.r_outcome, NR_FAILED);
	assert_string_equal(res.r_error, "Received status code 422 with a "
	    "message: \"Request body is not processable\"");
	classify(k, 0, 202, "{\"result\": \"Request will be processed\"}");
	assert_int_equal(res.r_outcome, NR_OK);
	assert_int_equal(valid("opsgenie", "{\"key\": \"k\", \"region\": "
	    "\"mars\"}", err, sizeof(err)), -1);
	assert_int_equal(valid("opsgenie", "{\"key\": \"k\", \"region\": "
	    "\"eu\"}", err, sizeof(err)), 0);
}

static void
kind_victorops(void **state)
{
	const struct nt_kind	*k;
	struct json_doc		*d;

	k = build_as("victorops", "https://alert.victorops.com/x/y", "down");
	method_url(0, "POST", "https://alert.victorops.com/x/y");
	hdr_eq(&msgs[0], "Content-Type", "application/json");
	d = jdoc(&msgs[0].m_body);
	assert_int_equal(jlen(d, ""), 5);
	jstr(d, "entity_id", UKEY);
	jstr(d, "message_type", "CRITICAL");
	jstr(d, "entity_display_name", NAME);
	jstr(d, "monitoring_tool", "Mÿchecks");
	jtype(d, "state_message", JSON_STRING);
	json_doc_free(d);
	build_as("victorops", "https://alert.victorops.com/x/y", "up");
	d = jdoc(&msgs[0].m_body);
	jstr(d, "message_type", "RECOVERY");
	json_doc_free(d);
	classify(k, 0, 404, "");
	assert_int_equal(res.r_outcome, NR_PERMANENT);
	classify(k, 0, 400, "");
	assert_int_equal(res.r_outcome, NR_FAILED);
}

static void
kind_pagertree(void **state)
{
	struct json_doc *d;

	build_as("pagertree", "https://api.pagertree.com/x", "down");
	method_url(0, "POST", "https://api.pagertree.com/x");
	hdr_eq(&msgs[0], "Content-Type", "application/json");
	d = jdoc(&msgs[0].m_body);
	assert_int_equal(jlen(d, ""), 7);
	jstr(d, "incident_key", UKEY);
	jstr(d, "event_type", "trigger");
	jstr(d, "title", NAME " is DOWN");
	jstr(d, "client", "Mÿchecks");
	jstr(d, "client_url", "https://hc.example.org");
	jstr(d, "tags", "prod,ünïcode,db");
	jtype(d, "description", JSON_STRING);
	json_doc_free(d);
	build_as("pagertree", "https://api.pagertree.com/x", "up");
	d = jdoc(&msgs[0].m_body);
	jstr(d, "event_type", "resolve");
	jstr(d, "title", NAME " is UP");
	json_doc_free(d);
}

static void
kind_spike(void **state)
{
	struct json_doc *d;

	build_as("spike", "https://hooks.spike.sh/x", "down");
	method_url(0, "POST", "https://hooks.spike.sh/x");
	hdr_eq(&msgs[0], "Content-Type", "application/json");
	d = jdoc(&msgs[0].m_body);
	assert_int_equal(jlen(d, ""), 4);
	jstr(d, "check_id", UKEY);
	jstr(d, "title", NAME " is DOWN");
	jstr(d, "status", "down");
	jtype(d, "message", JSON_STRING);
	json_doc_free(d);
	build_as("spike", "https://hooks.spike.sh/x", "up");
	d = jdoc(&msgs[0].m_body);
	jstr(d, "title", NAME " is UP");
	jstr(d, "status", "up");
	json_doc_free(d);
}

static void
kind_sms(void **state)
{
	const struct nt_kind	*k;
	const char		*b;
	char			 err[200];

	k = build_as("sms", "{\"value\": \"+15551234\", \"up\": true, "
	    "\"down\": true}", "down");
	method_url(0, "POST", "https://api.twilio.com/2010-04-01/Accounts/"
	    "AC123/Messages.json");
	assert_string_equal(msgs[0].m_userpwd, "AC123:TWAUTH");
	assert_int_equal(msgs[0].m_form, 1);
	hdr_eq(&msgs[0], "Content-Type", "application/x-www-form-urlencoded");
	b = nt_str(&msgs[0].m_body);
	assert_int_equal(nform(b), 4);
	form_eq(b, "To", "+15551234");
	form_eq(b, "Body", "Mÿchecks: The check \"" NAME "\" is DOWN. Last "
	    "ping: Success, 5 minutes ago.");
	form_eq(b, "StatusCallback", "https://hc.example.org/api/v3/"
	    "notifications/" NOTIF_CODE "/status");
	form_eq(b, "From", "+15550001");
	/* Up, through a messaging service. */
	set(&cf.twilio_messaging_service_sid, "MG1");
	build_as("sms", "+15551234", "up");
	b = nt_str(&msgs[0].m_body);
	form_eq(b, "Body", "Mÿchecks: The check \"" NAME "\" is now UP.");
	form_eq(b, "MessagingServiceSid", "MG1");
	assert_null(form(b, "From"));
	set(&cf.twilio_messaging_service_sid, "");
	/* The flags, the number, the answers. */
	assert_int_equal(k->k_noop("{\"value\": \"+1555\", \"up\": false, "
	    "\"down\": true}", "up"), 1);
	assert_int_equal(k->k_noop("{\"value\": \"+1555\", \"up\": false, "
	    "\"down\": true}", "down"), 0);
	assert_int_equal(k->k_noop("{\"value\": \"+1555\", \"down\": false}",
	    "down"), 1);
	assert_int_equal(valid("sms", "{\"value\": \"+15551234\"}", err,
	    sizeof(err)), 0);
	assert_int_equal(valid("sms", "{\"value\": \"5551234\"}", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "Invalid phone number"));
	assert_int_equal(valid("sms", "+1 555", err, sizeof(err)), -1);
	classify(k, 0, 400, "{\"code\": 21211, \"message\": \"Invalid 'To' "
	    "Phone Number\"}");
	assert_int_equal(res.r_outcome, NR_PERMANENT);
	assert_string_equal(res.r_error, "Invalid phone number");
	classify(k, 0, 400, "{\"code\": 21610}");
	assert_int_equal(res.r_outcome, NR_FAILED);
	assert_string_equal(res.r_error, "Received status code 400");
	classify(k, 0, 201, "{\"sid\": \"SM1\"}");
	assert_int_equal(res.r_outcome, NR_OK);
	assert_int_equal(k->k_enabled(&cf), 1);
	set(&cf.twilio_auth, "");
	assert_int_equal(k->k_enabled(&cf), 0);
	set(&cf.twilio_auth, "TWAUTH");
}

static void
kind_call(void **state)
{
	const struct nt_kind	*k;
	const char		*b;

	k = build_as("call", "{\"value\": \"+15551234\", \"up\": false, "
	    "\"down\": true}", "down");
	method_url(0, "POST", "https://api.twilio.com/2010-04-01/Accounts/"
	    "AC123/Calls.json");
	assert_string_equal(msgs[0].m_userpwd, "AC123:TWAUTH");
	b = nt_str(&msgs[0].m_body);
	assert_int_equal(nform(b), 4);
	form_eq(b, "From", "+15550001");
	form_eq(b, "To", "+15551234");
	form_eq(b, "Twiml", "<Response><Say>Hello! A message from Mÿchecks. "
	    "The check &quot;" NAME "&quot; is down. Goodbye!</Say>"
	    "</Response>");
	form_eq(b, "StatusCallback", "https://hc.example.org/api/v3/"
	    "notifications/" NOTIF_CODE "/status");
	/* Down only. */
	assert_int_equal(k->k_noop("{\"value\": \"+15551234\", \"up\": true, "
	    "\"down\": true}", "up"), 1);
	assert_int_equal(k->k_noop("+15551234", "down"), 0);
	classify(k, 0, 400, "{\"code\": 21211}");
	assert_int_equal(res.r_outcome, NR_PERMANENT);
	set(&cf.twilio_from, "");
	assert_int_equal(k->k_enabled(&cf), 0);
	set(&cf.twilio_from, "+15550001");
}

static void
kind_whatsapp(void **state)
{
	const struct nt_kind	*k;
	struct json_doc		*d;
	struct buf		 v;
	const char		*b;
	char			*cv;

	set(&cf.twilio_messaging_service_sid, "MG1");
	k = build_as("whatsapp", "{\"value\": \"+15551234\", \"up\": true, "
	    "\"down\": true}", "down");
	method_url(0, "POST", "https://api.twilio.com/2010-04-01/Accounts/"
	    "AC123/Messages.json");
	assert_string_equal(msgs[0].m_userpwd, "AC123:TWAUTH");
	b = nt_str(&msgs[0].m_body);
	assert_int_equal(nform(b), 6);
	form_eq(b, "To", "whatsapp:+15551234");
	form_eq(b, "From", "whatsapp:+15550001");
	form_eq(b, "MessagingServiceSid", "MG1");
	form_eq(b, "ContentSid", "HXdown");
	form_eq(b, "StatusCallback", "https://hc.example.org/api/v3/"
	    "notifications/" NOTIF_CODE "/status");
	cv = form(b, "ContentVariables");
	buf_init(&v);
	buf_addstr(&v, cv);
	d = jdoc(&v);
	assert_int_equal(jlen(d, ""), 1);
	jstr(d, "1", NAME);
	json_doc_free(d);
	buf_clear(&v);
	free(cv);
	build_as("whatsapp", "+15551234", "up");
	form_eq(nt_str(&msgs[0].m_body), "ContentSid", "HXup");
	assert_int_equal(k->k_enabled(&cf), 1);
	cf.twilio_use_whatsapp = 0;
	assert_int_equal(k->k_enabled(&cf), 0);
	cf.twilio_use_whatsapp = 1;
	set(&cf.twilio_messaging_service_sid, "");
	assert_int_equal(k->k_enabled(&cf), 0);
	assert_int_equal(k->k_noop("{\"value\": \"+1555\", \"up\": false}",
	    "up"), 1);
}

static void
kind_trello(void **state)
{
	static const char *v = "{\"token\": \"TT\", \"list_id\": \"L1\", "
	    "\"board_name\": \"B\", \"list_name\": \"L\"}";
	const struct nt_kind	*k;
	const char		*u, *q;
	char			*desc, err[200];

	k = build_as("trello", v, "down");
	assert_int_equal(nmsgs, 1);
	assert_string_equal(msgs[0].m_method, "POST");
	u = nt_str(&msgs[0].m_url);
	assert_int_equal(strncmp(u, "https://api.trello.com/1/cards?", 31), 0);
	q = u + 31;
	assert_int_equal(nform(q), 5);
	form_eq(q, "idList", "L1");
	form_eq(q, "name", "Down: " NAME);
	form_eq(q, "key", "TRKEY");
	form_eq(q, "token", "TT");
	desc = form(q, "desc");
	assert_non_null(strstr(desc, "**Project:** Åcme"));
	assert_non_null(strstr(desc, "[Full details](" CLOAKED ")"));
	free(desc);
	assert_int_equal(msgs[0].m_body.b_len, 0);
	assert_int_equal(k->k_noop(v, "up"), 1);
	assert_int_equal(k->k_noop(v, "down"), 0);
	assert_int_equal(valid("trello", "{\"token\": \"TT\"}", err,
	    sizeof(err)), -1);
	set(&cf.trello_app_key, "");
	assert_int_equal(k->k_enabled(&cf), 0);
	set(&cf.trello_app_key, "TRKEY");
}

/* base64url to bytes (for the JWT). */
static void
unb64url(struct buf *out, const char *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	uint32_t	acc = 0;
	int		bits = 0;
	size_t		i;

	for (i = 0; i < n; i++) {
		const char *p = strchr(tab, s[i]);

		assert_non_null(p);
		acc = (acc << 6) | (uint32_t)(p - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addc(out, (int)((acc >> bits) & 0xff));
		}
	}
}

static void
kind_github(void **state)
{
	static const char *v = "{\"installation_id\": 77, \"repo\": "
	    "\"acme/ops\", \"labels\": [\"down\", \"ünï\"]}";
	const struct nt_kind	*k = nt_kind_find("github");
	EVP_PKEY		*key;
	BIO			*bio;
	BUF_MEM			*mem;
	struct json_doc		*d;
	struct buf		 part, stored;
	char			*auth, *dot1, *dot2, err[200];

	/* The App's key, made for the test. */
	key = EVP_RSA_gen(2048);
	assert_non_null(key);
	bio = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0,
	    NULL, NULL), 1);
	BIO_get_mem_ptr(bio, &mem);
	free(cf.github_private_key);
	cf.github_private_key = xstrndup(mem->data, mem->length);
	BIO_free(bio);
	set(&cf.github_client_id, "Iv1.abc");
	assert_int_equal(k->k_enabled(&cf), 1);

	/* No token yet: ask for one with the App's JWT. */
	build_as("github", v, "down");
	assert_int_equal(nmsgs, 1);
	method_url(0, "POST", "https://api.github.com/app/installations/77/"
	    "access_tokens");
	hdr_eq(&msgs[0], "Accept", "application/vnd.github+json");
	auth = hdr(&msgs[0], "Authorization");
	assert_int_equal(strncmp(auth, "Bearer ", 7), 0);
	dot1 = strchr(auth + 7, '.');
	assert_non_null(dot1);
	dot2 = strchr(dot1 + 1, '.');
	assert_non_null(dot2);
	buf_init(&part);
	unb64url(&part, auth + 7, (size_t)(dot1 - auth - 7));
	d = jdoc(&part);
	jstr(d, "alg", "RS256");
	jstr(d, "typ", "JWT");
	json_doc_free(d);
	buf_reset(&part);
	unb64url(&part, dot1 + 1, (size_t)(dot2 - dot1 - 1));
	d = jdoc(&part);
	jint(d, "iat", T0 / 1000000 - 60);
	jint(d, "exp", T0 / 1000000 + 540);
	jstr(d, "iss", "Iv1.abc");
	json_doc_free(d);
	{
		EVP_MD_CTX	*md = EVP_MD_CTX_new();

		buf_reset(&part);
		unb64url(&part, dot2 + 1, strlen(dot2 + 1));
		assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(),
		    NULL, key), 1);
		assert_int_equal(EVP_DigestVerify(md, part.b_data, part.b_len,
		    (const unsigned char *)auth + 7, (size_t)(dot2 - auth - 7)),
		    1);
		EVP_MD_CTX_free(md);
	}
	free(auth);
	/* The App was uninstalled: no token. */
	classify(k, 0, 404, "{\"message\": \"Not Found\"}");
	assert_int_equal(res.r_outcome, NR_FAILED);
	assert_string_equal(res.r_error, "GitHub denied access to acme/ops");
	classify(k, 0, 502, "");
	assert_int_equal(res.r_outcome, NR_TRANSIENT);
	/* The token comes back: resend with it stored in the value. */
	classify(k, 0, 201, "{\"token\": \"ghs_T1\", \"expires_at\": "
	    "\"2026-01-02T04:04:05Z\", \"permissions\": {}}");
	assert_int_equal(res.r_outcome, NR_RESEND);
	d = jdoc(&res.r_value);
	jint(d, "installation_id", 77);
	jstr(d, "repo", "acme/ops");
	jstr(d, "labels.1", "ünï");
	jstr(d, "_token", "ghs_T1");
	jint(d, "_token_expires", 1767326645000000LL);
	json_doc_free(d);
	buf_init(&stored);
	buf_add(&stored, res.r_value.b_data, res.r_value.b_len);
	/* With the token: the issue. */
	build_as("github", nt_str(&stored), "down");
	method_url(0, "POST", "https://api.github.com/repos/acme/ops/issues");
	hdr_eq(&msgs[0], "Authorization", "Bearer ghs_T1");
	hdr_eq(&msgs[0], "Content-Type", "application/json");
	d = jdoc(&msgs[0].m_body);
	assert_int_equal(jlen(d, ""), 3);
	jstr(d, "title", NAME " is DOWN");
	assert_int_equal(jlen(d, "labels"), 2);
	jstr(d, "labels.0", "down");
	{
		char *t = json_str(d, jat(d, "body"));

		assert_non_null(strstr(t, "**Project:** Åcme"));
		assert_non_null(strstr(t, "(" CLOAKED ")"));
		free(t);
	}
	json_doc_free(d);
	classify(k, 0, 410, "{\"message\": \"Issues are disabled for this "
	    "repo\"}");
	assert_int_equal(res.r_outcome, NR_PERMANENT);
	assert_string_equal(res.r_error, "Received status code 410");
	classify(k, 0, 201, "{\"number\": 1}");
	assert_int_equal(res.r_outcome, NR_OK);
	/* An expired token is asked for again. */
	sample("down");
	ctx.now = 1767326645000000LL;
	build("github", nt_str(&stored));
	method_url(0, "POST", "https://api.github.com/app/installations/77/"
	    "access_tokens");
	/* Down only; validation. */
	assert_int_equal(k->k_noop(v, "up"), 1);
	assert_int_equal(k->k_noop(v, "down"), 0);
	assert_int_equal(valid("github", v, err, sizeof(err)), 0);
	assert_int_equal(valid("github", "{\"installation_id\": 1, \"repo\": "
	    "\"noslash\"}", err, sizeof(err)), -1);
	assert_int_equal(valid("github", "{\"installation_id\": 1, \"repo\": "
	    "\"a/b\", \"labels\": [1]}", err, sizeof(err)), -1);
	/* A key that is not one. */
	set(&cf.github_private_key, "not a key");
	build_as("github", v, "down");
	assert_int_equal(nmsgs, -1);
	assert_int_equal(res.r_outcome, NR_FAILED);
	set(&cf.github_private_key, "");
	assert_int_equal(k->k_enabled(&cf), 0);
	buf_clear(&part);
	buf_clear(&stored);
	EVP_PKEY_free(key);
}

/* UTF-16 length of UTF-8 text. */
static size_t
u16len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if ((*s & 0xc0) != 0x80)
			n += ((unsigned char)*s >= 0xf0) ? 2 : 1;
	return n;
}

static void
kind_signal(void **state)
{
	const struct nt_kind	*k;
	struct json_doc		*d;
	struct buf		 line;
	char			*msg, *st, err[200], bucket[64];
	size_t			 start, len;

	k = build_as("signal", "{\"value\": \"+15551234\", \"up\": true, "
	    "\"down\": true}", "down");
	assert_int_equal(nmsgs, 1);
	assert_int_equal(msgs[0].m_transport, NT_SIGNAL);
	assert_string_equal(msgs[0].m_rpc_id, NOTIF_CODE);
	assert_int_equal(msgs[0].m_rpc.b_data[msgs[0].m_rpc.b_len - 1], '\n');
	assert_null(memchr(msgs[0].m_rpc.b_data, '\n', msgs[0].m_rpc.b_len -
	    1));
	d = jdoc(&msgs[0].m_rpc);
	assert_int_equal(jlen(d, ""), 4);
	jstr(d, "jsonrpc", "2.0");
	jstr(d, "method", "send");
	jstr(d, "id", NOTIF_CODE);
	assert_int_equal(jlen(d, "params.recipient"), 1);
	jstr(d, "params.recipient.0", "+15551234");
	msg = json_str(d, jat(d, "params.message"));
	assert_int_equal(strncmp(msg, "🔴 The check “" NAME "” is DOWN (",
	    strlen("🔴 The check “" NAME "” is DOWN (")), 0);
	assert_null(strchr(msg, '\x01'));
	/* The first style is the name: after "🔴 The check “". */
	st = json_str(d, jat(d, "params.textStyle.0"));
	start = u16len("🔴 The check “");
	len = u16len(NAME);
	{
		char want[32];

		snprintf(want, sizeof(want), "%zu:%zu:BOLD", start, len);
		assert_string_equal(st, want);
	}
	free(st);
	st = json_str(d, jat(d, "params.textStyle.1"));
	{
		char want[32];

		snprintf(want, sizeof(want), "%zu:4:BOLD", start + len +
		    u16len("” is "));
		assert_string_equal(st, want);
	}
	free(st);
	free(msg);
	json_doc_free(d);
	/* A username. */
	build_as("signal", "{\"value\": \"ops.42\", \"up\": true, \"down\": "
	    "true}", "up");
	d = jdoc(&msgs[0].m_rpc);
	jstr(d, "params.recipient.0", "u:ops.42");
	msg = json_str(d, jat(d, "params.message"));
	assert_non_null(strstr(msg, "is now UP"));
	free(msg);
	json_doc_free(d);
	sample("down");
	ctx.value = "{\"value\": \"+15551234\"}";
	assert_string_equal(k->k_bucket(&ctx, bucket, sizeof(bucket)),
	    "signal-+15551234");
	/* Replies. */
	buf_init(&line);
	classify(k, 0, 0, "{\"jsonrpc\": \"2.0\", \"result\": {\"timestamp\": "
	    "1}, \"id\": \"" NOTIF_CODE "\"}");
	assert_int_equal(res.r_outcome, NR_OK);
	classify(k, 0, 0, "{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -1, "
	    "\"message\": \"Failed to send message\", \"data\": {\"response\": "
	    "{\"timestamp\": 1, \"results\": [{\"recipientAddress\": {\"number\":"
	    " \"+15551234\"}, \"type\": \"UNREGISTERED_FAILURE\"}]}}}, \"id\": \""
	    NOTIF_CODE "\"}");
	assert_int_equal(res.r_outcome, NR_PERMANENT);
	assert_string_equal(res.r_error, "Recipient not found");
	classify(k, 0, 0, "{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -1, "
	    "\"data\": {\"response\": {\"results\": [{\"type\": "
	    "\"RATE_LIMIT_FAILURE\", \"token\": \"abc\"}]}}}, \"id\": \"x\"}");
	assert_int_equal(res.r_outcome, NR_FAILED);
	assert_string_equal(res.r_error, "CAPTCHA proof required");
	classify(k, 0, 0, "{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -32602,"
	    " \"message\": \"bad\"}, \"id\": \"x\"}");
	assert_int_equal(res.r_outcome, NR_TRANSIENT);
	assert_string_equal(res.r_error, "signal-cli call failed (-32602)");
	classify(k, 0, 0, "not json");
	assert_int_equal(res.r_outcome, NR_TRANSIENT);
	assert_string_equal(res.r_error,
	    "signal-cli call failed (unexpected response)");
	buf_clear(&line);
	assert_int_equal(valid("signal", "{\"value\": \"+15551234\"}", err,
	    sizeof(err)), 0);
	assert_int_equal(valid("signal", "{\"value\": \"alice.01\"}", err,
	    sizeof(err)), 0);
	assert_int_equal(valid("signal", "{\"value\": \"alice\"}", err,
	    sizeof(err)), -1);
	assert_int_equal(k->k_noop("{\"value\": \"+1555\", \"down\": false}",
	    "down"), 1);
}

static void
kind_shell(void **state)
{
	static const char *v = "{\"cmd_down\": \"notify-send $NAME $TAGS "
	    "$STATUS\", \"cmd_up\": \"\"}";
	const struct nt_kind	*k;
	char			 err[200];

	k = build_as("shell", v, "down");
	assert_int_equal(nmsgs, 1);
	assert_int_equal(msgs[0].m_transport, NT_SHELL);
	assert_string_equal(nt_str(&msgs[0].m_cmd), "notify-send 'Dåtabase "
	    "backup ✓' 'prod ünïcode db' down");
	assert_int_equal(k->k_noop(v, "up"), 1);
	assert_int_equal(k->k_noop(v, "down"), 0);
	build_as("shell", v, "up");
	assert_int_equal(nmsgs, -1);
	classify(k, 0, 0, NULL);
	assert_int_equal(res.r_outcome, NR_OK);
	classify(k, 0, 3, NULL);
	assert_int_equal(res.r_outcome, NR_FAILED);
	assert_string_equal(res.r_error, "Command returned exit code 3");
	assert_int_equal(valid("shell", "{\"cmd_down\": \"\", \"cmd_up\": "
	    "\"\"}", err, sizeof(err)), -1);
	assert_int_equal(valid("shell", "echo", err, sizeof(err)), -1);
	assert_int_equal(valid("shell", v, err, sizeof(err)), 0);
	assert_null(k->k_enabled);	/* SHELL_ENABLED: the engine's */
}

static void
kind_group(void **state)
{
	static const char *v = "c0c0c0c0-1111-4222-8333-444455556666, "
	    "C0C0C0C0-1111-4222-8333-444455556667";
	const struct nt_kind	*k;
	char			 err[200];

	k = build_as("group", v, "down");
	assert_int_equal(nmsgs, 1);
	assert_int_equal(msgs[0].m_transport, NT_GROUP);
	assert_string_equal(nt_str(&msgs[0].m_members),
	    "c0c0c0c0-1111-4222-8333-444455556666,"
	    "C0C0C0C0-1111-4222-8333-444455556667");
	assert_null(k->k_noop);
	assert_int_equal(valid("group", v, err, sizeof(err)), 0);
	assert_int_equal(valid("group", "", err, sizeof(err)), -1);
	assert_int_equal(valid("group", "abc", err, sizeof(err)), -1);
	assert_int_equal(valid("group", CHAN_CODE ",,", err, sizeof(err)), -1);
}

static void
kind_zulip(void **state)
{
	static const char *v = "{\"bot_email\": \"bot@zulip.example.org\", "
	    "\"api_key\": \"ZK\", \"mtype\": \"stream\", \"to\": \"ops\", "
	    "\"site\": \"https://zulip.example.org/\", \"topic\": \"\"}";
	const struct nt_kind	*k;
	const char		*b;
	char			*c, err[200];

	k = build_as("zulip", v, "down");
	method_url(0, "POST", "https://zulip.example.org/api/v1/messages");
	assert_string_equal(msgs[0].m_userpwd, "bot@zulip.example.org:ZK");
	assert_int_equal(msgs[0].m_form, 1);
	b = nt_str(&msgs[0].m_body);
	assert_int_equal(nform(b), 4);
	form_eq(b, "type", "stream");
	form_eq(b, "to", "ops");
	form_eq(b, "topic", NAME " is DOWN");
	c = form(b, "content");
	assert_non_null(strstr(c, "**Project:** Åcme"));
	free(c);
	/* A topic of its own; no site: the bot's domain. */
	build_as("zulip", "{\"bot_email\": \"bot@z.example.org\", \"api_key\": "
	    "\"ZK\", \"mtype\": \"private\", \"to\": \"a@z.example.org\", "
	    "\"topic\": \"Alerts\"}", "up");
	method_url(0, "POST", "https://z.example.org/api/v1/messages");
	form_eq(nt_str(&msgs[0].m_body), "topic", "Alerts");
	form_eq(nt_str(&msgs[0].m_body), "type", "private");
	classify(k, 0, 400, "{\"result\": \"error\", \"msg\": \"Stream 'x' "
	    "does not exist\", \"code\": \"STREAM_DOES_NOT_EXIST\"}");
	assert_int_equal(res.r_outcome, NR_FAILED);
	assert_string_equal(res.r_error, "Received status code 400 with a "
	    "message: \"Stream 'x' does not exist\"");
	assert_int_equal(valid("zulip", "{\"bot_email\": \"b@z\", \"api_key\":"
	    " \"k\", \"mtype\": \"group\", \"to\": \"x\"}", err, sizeof(err)),
	    -1);
	assert_int_equal(valid("zulip", v, err, sizeof(err)), 0);
}

static void
kind_rocketchat(void **state)
{
	struct json_doc *d;

	build_as("rocketchat", "https://rc.example.org/hooks/x", "down");
	method_url(0, "POST", "https://rc.example.org/hooks/x");
	hdr_eq(&msgs[0], "Content-Type", "application/json");
	d = jdoc(&msgs[0].m_body);
	assert_int_equal(jlen(d, ""), 4);
	jstr(d, "alias", "Mÿchecks");
	jstr(d, "avatar", "https://hc.example.org/static/img/logo.png");
	jstr(d, "text", "[" NAME "](" CLOAKED ") is DOWN.");
	jstr(d, "attachments.0.color", "#d9534f");
	assert_int_equal(jlen(d, "attachments.0.fields"), 7);
	jstr(d, "attachments.0.fields.2.value", "`prod` `ünïcode` `db`");
	jstr(d, "attachments.0.fields.6.title", "Last Ping Body");
	jstr(d, "attachments.0.fields.6.value", "11 bytes, [show body]("
	    CLOAKED "#ping-42)");
	json_doc_free(d);
	build_as("rocketchat", "https://rc.example.org/hooks/x", "up");
	d = jdoc(&msgs[0].m_body);
	jstr(d, "text", "[" NAME "](" CLOAKED ") is UP.");
	jstr(d, "attachments.0.color", "#5cb85c");
	json_doc_free(d);
}

static void
kind_msteamsw(void **state)
{
	struct json_doc *d;

	build_as("msteamsw", "https://x.logic.azure.com/workflows/1", "down");
	method_url(0, "POST", "https://x.logic.azure.com/workflows/1");
	hdr_eq(&msgs[0], "Content-Type", "application/json");
	d = jdoc(&msgs[0].m_body);
	assert_int_equal(jlen(d, ""), 2);
	jstr(d, "type", "message");
	assert_int_equal(jlen(d, "attachments"), 1);
	jstr(d, "attachments.0.contentType",
	    "application/vnd.microsoft.card.adaptive");
	jtype(d, "attachments.0.contentUrl", JSON_NULL);
	jstr(d, "attachments.0.content.$schema",
	    "http://adaptivecards.io/schemas/adaptive-card.json");
	jstr(d, "attachments.0.content.type", "AdaptiveCard");
	jstr(d, "attachments.0.content.version", "1.2");
	jstr(d, "attachments.0.content.fallbackText", "“" NAME "” is DOWN.");
	assert_int_equal(jlen(d, "attachments.0.content.body"), 4);
	jstr(d, "attachments.0.content.body.0.type", "TextBlock");
	jstr(d, "attachments.0.content.body.0.text",
	    "🔴 “" NAME "” is DOWN (" REASON ").");
	jstr(d, "attachments.0.content.body.0.style", "heading");
	jstr(d, "attachments.0.content.body.1.type", "FactSet");
#define F "attachments.0.content.body.1.facts."
	assert_int_equal(jlen(d, "attachments.0.content.body.1.facts"), 6);
	jstr(d, F "0.title", "Description:");
	jstr(d, F "0.value", "Nightly dump");
	jstr(d, F "1.title", "Project:");
	jstr(d, F "1.value", "Åcme");
	jstr(d, F "2.title", "Tags:");
	jstr(d, F "2.value", "prod ünïcode db");
	jstr(d, F "3.title", "Period:");
	jstr(d, F "3.value", "1 day");
	jstr(d, F "4.title", "Total Pings:");
	jstr(d, F "4.value", "42");
	jstr(d, F "5.title", "Last Ping:");
	jstr(d, F "5.value", "Success, 5 minutes ago");
	jtype(d, F "5.short", JSON_TRUE);
	jstr(d, "attachments.0.content.body.2.text", "Last Ping Body:");
	jabsent(d, "attachments.0.content.body.2.wrap");
	jstr(d, "attachments.0.content.body.3.type", "CodeBlock");
	jstr(d, "attachments.0.content.body.3.codeSnippet", "hello\nworld");
	jstr(d, "attachments.0.content.actions.0.type", "Action.OpenUrl");
	jstr(d, "attachments.0.content.actions.0.title", "View in Mÿchecks");
	jstr(d, "attachments.0.content.actions.0.url", CLOAKED);
	json_doc_free(d);
	build_as("msteamsw", "https://x.logic.azure.com/workflows/1", "up");
	d = jdoc(&msgs[0].m_body);
	jstr(d, "attachments.0.content.body.0.text", "🟢 “" NAME "” is UP.");
	json_doc_free(d);
	sample("down");
	chk.kind = "cron";
	chk.desc = "line 1\nline 2";
	build("msteamsw", "https://x.logic.azure.com/workflows/1");
	d = jdoc(&msgs[0].m_body);
	jstr(d, F "0.value", "line 1\n\nline 2");
	jstr(d, F "3.title", "Schedule:");
	jstr(d, F "3.value", "\xcd\x8f*/5 \xcd\x8f* \xcd\x8f* \xcd\x8f* "
	    "\xcd\x8f*");
	jstr(d, F "4.title", "Time Zone:");
	jstr(d, F "4.value", "Europe/Riga");
#undef F
	json_doc_free(d);
}

static void
kind_googlechat(void **state)
{
	struct json_doc	*d;
	char		 err[200];

	build_as("googlechat", "https://chat.googleapis.com/v1/spaces/S/"
	    "messages?key=k&token=t", "down");
	method_url(0, "POST", "https://chat.googleapis.com/v1/spaces/S/"
	    "messages?key=k&token=t");
	hdr_eq(&msgs[0], "Content-Type", "application/json");
	d = jdoc(&msgs[0].m_body);
	assert_int_equal(jlen(d, "cardsV2"), 1);
	jstr(d, "cardsV2.0.cardId", NOTIF_CODE);
	jtype(d, "cardsV2.0.card.sections.0.collapsible", JSON_TRUE);
	jint(d, "cardsV2.0.card.sections.0.uncollapsibleWidgetsCount", 1);
	assert_int_equal(jlen(d, "cardsV2.0.card.sections.0.widgets"), 7);
#define W "cardsV2.0.card.sections.0.widgets."
	jstr(d, W "0.textParagraph.text", "🔴 <b>" NAME "</b> is <b>DOWN</b>. "
	    "Reason: " REASON ".");
	jstr(d, W "1.decoratedText.topLabel", "Project");
	jstr(d, W "1.decoratedText.text", "Åcme");
	jstr(d, W "2.decoratedText.topLabel", "Tags");
	jstr(d, W "2.decoratedText.text", "prod, ünïcode, db");
	jstr(d, W "3.decoratedText.topLabel", "Period");
	jstr(d, W "3.decoratedText.text", "1 day");
	jstr(d, W "4.decoratedText.text", "42");
	jstr(d, W "5.decoratedText.topLabel", "Last Ping");
	jstr(d, W "5.decoratedText.text", "Success, 5 minutes ago");
	jstr(d, W "6.buttonList.buttons.0.text", "View in Mÿchecks");
	jstr(d, W "6.buttonList.buttons.0.type", "FILLED");
	jstr(d, W "6.buttonList.buttons.0.onClick.openLink.url", CLOAKED);
	json_doc_free(d);
	sample("up");
	chk.name = "a<b>";
	build("googlechat", "https://chat.googleapis.com/v1/spaces/S");
	d = jdoc(&msgs[0].m_body);
	jstr(d, W "0.textParagraph.text", "🟢 <b>a&lt;b&gt;</b> is <b>UP</b>. "
	    "The downtime lasted 1 hour, 2 minutes.");
#undef W
	json_doc_free(d);
	assert_int_equal(valid("googlechat", "http://chat.googleapis.com/x",
	    err, sizeof(err)), -1);
}

/* Values that every kind refuses, and the kinds' toggles. */
static void
validation(void **state)
{
	static const char *kinds[] = {
		"call", "discord", "email", "github", "googlechat", "gotify",
		"group", "matrix", "mattermost", "msteamsw", "ntfy",
		"opsgenie", "pagertree", "pd", "po", "pushbullet",
		"rocketchat", "shell", "signal", "slack", "sms", "spike",
		"telegram", "trello", "victorops", "webhook", "whatsapp",
		"zulip",
	};
	char	err[200];
	size_t	i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (valid(kinds[i], "", err, sizeof(err)) != -1)
			print_error("%s accepts \"\"\n", kinds[i]);
		assert_int_equal(valid(kinds[i], "", err, sizeof(err)), -1);
		assert_true(strlen(err) > 10);
		assert_int_equal(valid(kinds[i], "{\"x\": ", err, sizeof(err)),
		    -1);
	}
	/* The toggles of spec §10. */
	{
		static const struct { const char *k; int *f; } t[] = {
			{ "slack", &cf.slack_enabled },
			{ "mattermost", &cf.mattermost_enabled },
			{ "msteamsw", &cf.msteams_enabled },
			{ "opsgenie", &cf.opsgenie_enabled },
			{ "pagertree", &cf.pagertree_enabled },
			{ "pd", &cf.pd_enabled },
			{ "rocketchat", &cf.rocketchat_enabled },
			{ "spike", &cf.spike_enabled },
			{ "victorops", &cf.victorops_enabled },
			{ "zulip", &cf.zulip_enabled },
		};

		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			const struct nt_kind *k = nt_kind_find(t[i].k);

			assert_int_equal(k->k_enabled(&cf), 1);
			*t[i].f = 0;
			assert_int_equal(k->k_enabled(&cf), 0);
			*t[i].f = 1;
			assert_non_null(k->k_off_text);
		}
	}
}

/* A value every kind can build from (for the tests below). */
static const char *
good_value(const char *kind)
{
	static const struct { const char *k, *v; } t[] = {
		{ "call", "+15551234" },
		{ "discord", "{\"webhook\": {\"url\": \"https://discord.com/x\"}}" },
		{ "email", "a@example.org" },
		{ "github", "{\"installation_id\": 1, \"repo\": \"a/b\", "
		    "\"_token\": \"t\", \"_token_expires\": 9007199254740991}" },
		{ "googlechat", "https://chat.googleapis.com/x" },
		{ "gotify", "{\"url\": \"https://g\", \"token\": \"t\"}" },
		{ "group", CHAN_CODE },
		{ "matrix", "!r:example.org" },
		{ "mattermost", "https://m/x" },
		{ "msteamsw", "https://t/x" },
		{ "ntfy", "{\"topic\": \"t\", \"url\": \"https://n\", "
		    "\"priority\": 3, \"priority_up\": 3}" },
		{ "opsgenie", "k" },
		{ "pagertree", "https://p/x" },
		{ "pd", "k" },
		{ "po", "u|2" },
		{ "pushbullet", "t" },
		{ "rocketchat", "https://r/x" },
		{ "shell", "{\"cmd_down\": \"a $NAME\", \"cmd_up\": \"b $TAGS\"}" },
		{ "signal", "+15551234" },
		{ "slack", "https://s/x" },
		{ "sms", "+15551234" },
		{ "spike", "https://s/x" },
		{ "telegram", "{\"id\": 1}" },
		{ "trello", "{\"token\": \"t\", \"list_id\": \"l\"}" },
		{ "victorops", "https://v/x" },
		{ "webhook", "{\"method_down\": \"POST\", \"url_down\": "
		    "\"https://w/$NAME/$TAG1\", \"body_down\": \"$BODY $JSON\", "
		    "\"headers_down\": {\"X\": \"$NAME $TAGS\"}, \"method_up\": "
		    "\"PUT\", \"url_up\": \"https://w/\", \"body_up\": "
		    "\"$NAME_JSON $EXITSTATUS $SLUG\"}" },
		{ "whatsapp", "+15551234" },
		{ "zulip", "{\"bot_email\": \"b@z\", \"api_key\": \"k\", "
		    "\"mtype\": \"stream\", \"to\": \"x\", \"site\": \"https://z\"}" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].k, kind) == 0)
			return t[i].v;
	return NULL;
}

/* Every kind, both statuses, with what the engine may leave NULL. */
static void
sparse_checks(void **state)
{
	const struct nt_kind	*k;
	size_t			 i;
	int			 s;
	char			 err[200];

	for (i = 0; (k = nt_kind_at(i)) != NULL; i++) {
		if (k->k_build == NULL)
			continue;
		assert_non_null(good_value(k->k_name));
		if (strcmp(k->k_name, "group") != 0 &&
		    strcmp(k->k_name, "github") != 0)
			assert_int_equal(valid(k->k_name, good_value(k->k_name),
			    err, sizeof(err)), 0);
		for (s = 0; s < 4; s++) {
			sample(s & 1 ? "up" : "down");
			if (s >= 2) {
				chk.name = "";
				chk.slug = NULL;
				chk.desc = NULL;
				chk.tags = NULL;
				chk.kind = s == 3 ? "cron" : NULL;
				chk.schedule = NULL;
				chk.tz = NULL;
				chk.last_ping = 0;
				chk.last_ping_kind = NULL;
				chk.last_ping_body = NULL;
				chk.last_ping_body_len = 0;
				chk.project_name = NULL;
				chk.json = NULL;
				chk.last_exit_status = -1;
				ctx.reason = NULL;
				ctx.project_nchecks = 0;
				ctx.ndown_others = 0;
			}
			build(k->k_name, good_value(k->k_name));
			if (strcmp(k->k_name, "shell") == 0 ||
			    nmsgs != -1)
				assert_true(nmsgs >= 1 && nmsgs <= NT_MAXSTEPS);
			if (nmsgs >= 1 && msgs[0].m_transport == NT_HTTP) {
				assert_true(msgs[0].m_method[0] != '\0');
				assert_true(nt_is_http_url(nt_str(&msgs[0].m_url)));
			}
			/* Every JSON body is JSON. */
			if (nmsgs >= 1 && msgs[0].m_transport == NT_HTTP &&
			    msgs[0].m_body.b_len > 0 && !msgs[0].m_form &&
			    strcmp(k->k_name, "webhook") != 0)
				json_doc_free(jdoc(&msgs[0].m_body));
		}
	}
}

/* Templates of random pieces: no crash, no read past the end. */
static void
subst_random(void **state)
{
	static const char *bits[] = {
		"$", "$$", "CODE", "STATUS", "NOW", "NAME", "NAME_JSON", "SLUG",
		"TAGS", "TAG", "TAG1", "TAG2", "TAG9", "JSON", "BODY",
		"BODY_JSON", "EXITSTATUS", "x", "é", "\xff", " ", "%", "'",
	};
	struct buf	t, out;
	uint32_t	rnd = 12345;
	int		i, j, q;

	buf_init(&t);
	buf_init(&out);
	sample("down");
	chk.name = "n$AME 'q' é";
	chk.tags = "a$TAG1 $ é";
	for (i = 0; i < 2000; i++) {
		buf_reset(&t);
		for (j = 0; j < 12; j++) {
			rnd = rnd * 1103515245 + 12345;
			buf_addstr(&t, bits[(rnd >> 16) % (sizeof(bits) /
			    sizeof(bits[0]))]);
		}
		for (q = NQ_RAW; q <= NQ_SHELL; q++) {
			buf_reset(&out);
			nt_subst(&out, nt_str(&t), &ctx, (enum nt_quote)q);
			/* The template's own text is not quoted; values are. */
			if (q == NQ_URL)
				assert_null(strstr(nt_str(&out), "n$AME"));
			if (q == NQ_HEADER)
				assert_null(strpbrk(nt_str(&out), "\r\n"));
		}
	}
	buf_clear(&t);
	buf_clear(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table),
		cmocka_unit_test(http_classes),
		cmocka_unit_test(durations),
		cmocka_unit_test(last_ping_text),
		cmocka_unit_test(body_clip),
		cmocka_unit_test(others),
		cmocka_unit_test(urls_and_names),
		cmocka_unit_test(message_text),
		cmocka_unit_test(escapers),
		cmocka_unit_test(shared_builders),
		cmocka_unit_test(subst_split),
		cmocka_unit_test(subst_modes),
		cmocka_unit_test(kind_slack),
		cmocka_unit_test(kind_mattermost),
		cmocka_unit_test(kind_discord),
		cmocka_unit_test(kind_webhook),
		cmocka_unit_test(kind_email),
		cmocka_unit_test(kind_telegram),
		cmocka_unit_test(kind_matrix),
		cmocka_unit_test(kind_ntfy),
		cmocka_unit_test(kind_gotify),
		cmocka_unit_test(kind_po),
		cmocka_unit_test(kind_pushbullet),
		cmocka_unit_test(kind_pd),
		cmocka_unit_test(kind_opsgenie),
		cmocka_unit_test(kind_victorops),
		cmocka_unit_test(kind_pagertree),
		cmocka_unit_test(kind_spike),
		cmocka_unit_test(kind_sms),
		cmocka_unit_test(kind_call),
		cmocka_unit_test(kind_whatsapp),
		cmocka_unit_test(kind_trello),
		cmocka_unit_test(kind_github),
		cmocka_unit_test(kind_signal),
		cmocka_unit_test(kind_shell),
		cmocka_unit_test(kind_group),
		cmocka_unit_test(kind_zulip),
		cmocka_unit_test(kind_rocketchat),
		cmocka_unit_test(kind_msteamsw),
		cmocka_unit_test(kind_googlechat),
		cmocka_unit_test(validation),
		cmocka_unit_test(sparse_checks),
		cmocka_unit_test(subst_random),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
