/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * One check's pages (spec 8, /checks/<uuid>/...): details (ping URL
 * and email address, usage snippets, the status explained, the recent
 * event log, the 3-month downtime table, the schedule and filtering
 * rules), the JSON the details page polls, the full event log, a
 * ping's details, and the actions: name/slug/tags/description, period
 * and grace or a cron/OnCalendar schedule (with the server-computed
 * preview of the next runs), filtering rules, pause, resume, clone,
 * move to another project, clear events, delete.
 *
 * Field changes go through the check model (web_check_write: checkdef
 * validation, check_db_update), pause and resume through check_db.c;
 * clearing and moving have small statements of their own here.  A
 * check of a project the user may not see is a 404, whatever the
 * action; a read-only member's POST is a 403.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_db.h"
#include "checkdef.h"
#include "conf.h"
#include "cron.h"
#include "db.h"
#include "downtime.h"
#include "escape.h"
#include "hcd.h"
#include "proc.h"
#include "json.h"
#include "log.h"
#include "oncalendar.h"
#include "tmpl.h"
#include "tz.h"
#include "web.h"
#include "worker.h"

#define EVENTS_DETAILS	30	/* events on the details page */
#define EVENTS_LOG	1000	/* ... on the full log page */
#define MAX_DURATION	(72LL * 3600 * CT_SEC)
#define EXCERPT		150	/* bytes of body shown in a log row */

struct wcheck {
	PGresult		*c_res;
	struct check_row	 c_row;
	struct web_project	 c_p;
	char			 c_id[24];
};

/*
 * The check of route capture 0 if the user may see it: 0, or -1 with
 * the answer written (404 for another project's check, never more).
 */
static int
check_load(struct web *w, struct wcheck *c, int write)
{
	char		 code[40];
	const char	*params[1];
	struct dberr	 e;
	uint8_t		 u[16];

	memset(c, 0, sizeof(*c));
	web_arg(w, 0, code, sizeof(code));
	if (uuid_parse(code, strlen(code), u) == -1)
		goto notfound;
	params[0] = code;
	if ((c->c_res = check_db_select(&w->w_x, "c.code = $1::uuid", 1,
	    params, 0, &e)) == NULL) {
		web_fail(w, &e);
		return -1;
	}
	if (PQntuples(c->c_res) != 1)
		goto notfound;
	check_row_decode(c->c_res, 0, &c->c_row);
	snprintf(c->c_id, sizeof(c->c_id), "%lld", (long long)c->c_row.cr_id);
	/* a project the user may not see answers the same 404 */
	if (web_project_by_id(w, c->c_row.cr_project, &c->c_p) == -1) {
		if (w->w_r->r_status == 404)
			goto notfound;
		return -1;
	}
	if (write && !web_can_write(w, &c->c_p))
		return -1;
	web_set_project(w, &c->c_p);
	return 0;
notfound:
	web_error(w, 404, "Not Found", "There is no such check, or it is not "
	    "yours to see.");
	return -1;
}

static void
check_free(struct wcheck *c)
{
	PQclear(c->c_res);
	c->c_res = NULL;
}

static const char *
kind_label(const char *kind, const char *exitstatus, char *buf, size_t sz)
{
	if (strcmp(kind, "ign") == 0)
		return "Ignored";
	if (strcmp(kind, "fail") == 0) {
		if (exitstatus[0]) {
			snprintf(buf, sz, "Exit status %s", exitstatus);
			return buf;
		}
		return "Failure";
	}
	if (strcmp(kind, "start") == 0)
		return "Started";
	if (strcmp(kind, "log") == 0)
		return "Log";
	return "OK";
}

/* Bytes of a bytea column (text form), as text when it is UTF-8. */
static char *
bytea_text(const PGresult *r, int row, int col, size_t *len, int *binary)
{
	unsigned char	*raw;
	size_t		 n;
	char		*out;

	*binary = 0;
	*len = 0;
	if (PQgetisnull(r, row, col))
		return NULL;
	raw = PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, col),
	    &n);
	if (raw == NULL)
		return NULL;
	/* an excerpt may end inside a character: drop the partial one */
	while (n > 0 && !hc_utf8_valid(raw, n) && (raw[n - 1] & 0xc0) != 0)
		n--;
	if (!hc_utf8_valid(raw, n))
		*binary = 1;
	out = xmalloc(n + 1);
	memcpy(out, raw, n);
	out[n] = '\0';
	PQfreemem(raw);
	*len = n;
	return out;
}

/*
 * The check's latest events into list "events" of ctx: pings in the
 * visible window and flips, newest first, at most `limit`.  0 or -1.
 */
static int
events_load(struct web *w, struct wcheck *c, int limit, struct tctx *ctx,
    char *sig, size_t sigsz, const char *tz)
{
	char		 lim[16], thr[24];
	const char	*params[3];
	struct dberr	 e;
	PGresult	*pr, *fr;
	int		 i = 0, k = 0, np, nf, shown = 0;
	int64_t		 now = hc_now_us(), threshold;
	struct buf	 b;

	threshold = c->c_row.cr_n_pings -
	    project_db_ping_log_limit(&w->w_x, c->c_row.cr_project);
	snprintf(lim, sizeof(lim), "%d", limit);
	snprintf(thr, sizeof(thr), "%lld", (long long)threshold);
	params[0] = c->c_id;
	params[1] = lim;
	params[2] = thr;
	pr = cdb_exec(&w->w_x, "SELECT n, (extract(epoch FROM created) * "
	    "1000000)::bigint, coalesce(kind, ''), scheme, "
	    "coalesce(host(remote_addr), ''), method, ua, "
	    "coalesce(exitstatus::text, ''), coalesce(rid::text, ''), "
	    "substr(coalesce(convert_to(body, 'UTF8'), body_raw), 1, "
	    "150) FROM api_ping WHERE owner_id = $1::int AND n > $3::int "
	    "ORDER BY id DESC LIMIT $2::int", 3, params, &e);
	if (pr == NULL)
		return -1;
	fr = cdb_exec(&w->w_x, "SELECT (extract(epoch FROM created) * "
	    "1000000)::bigint, old_status, new_status, reason, id FROM "
	    "api_flip WHERE owner_id = $1::int ORDER BY created DESC "
	    "LIMIT $2::int", 2, params, &e);
	if (fr == NULL) {
		PQclear(pr);
		return -1;
	}
	np = PQntuples(pr);
	nf = PQntuples(fr);
	if (sig != NULL)
		snprintf(sig, sigsz, "%s-%s", np ? PQgetvalue(pr, 0, 0) : "0",
		    nf ? PQgetvalue(fr, 0, 4) : "0");
	buf_init(&b);
	while ((i < np || k < nf) && shown < limit) {
		struct tctx	*it = tadd(ctx, "events");
		int64_t		 pt = i < np ? db_getint(pr, i, 1, 0) : INT64_MIN;
		int64_t		 ft = k < nf ? db_getint(fr, k, 0, 0) : INT64_MIN;

		shown++;
		if (ft > pt) {
			const char *o = PQgetvalue(fr, k, 1), *nw =
			    PQgetvalue(fr, k, 2), *why = PQgetvalue(fr, k, 3);

			tset(it, "is_flip", "1");
			tset(it, "kind", "flip");
			tset(it, "kind_label", "Status");
			tset(it, "new_status", nw);
			buf_reset(&b);
			buf_printf(&b, "Status changed from %s to %s", o, nw);
			if (strcmp(why, "timeout") == 0)
				buf_addstr(&b, ": success signal did not "
				    "arrive on time, grace time passed");
			else if (strcmp(why, "fail") == 0)
				buf_addstr(&b, ": received a failure signal");
			tset(it, "flip_text", (char *)b.b_data);
			buf_reset(&b);
			web_time(&b, ft, tz);
			tset(it, "time", (char *)b.b_data);
			buf_reset(&b);
			web_ago(&b, ft, now);
			tset(it, "ago", (char *)b.b_data);
			k++;
			continue;
		} else {
			const char	*kind = PQgetvalue(pr, i, 2);
			const char	*scheme = PQgetvalue(pr, i, 3);
			const char	*rid = PQgetvalue(pr, i, 8);
			char		 lbl[32], *ex;
			size_t		 exlen;
			int		 bin, j;

			tset(it, "n", PQgetvalue(pr, i, 0));
			tset(it, "kind", kind[0] ? kind : "success");
			tset(it, "kind_label", kind_label(kind,
			    PQgetvalue(pr, i, 7), lbl, sizeof(lbl)));
			buf_reset(&b);
			web_time(&b, pt, tz);
			tset(it, "time", (char *)b.b_data);
			buf_reset(&b);
			web_ago(&b, pt, now);
			tset(it, "ago", (char *)b.b_data);
			buf_reset(&b);
			if (strcmp(scheme, "email") == 0)
				buf_printf(&b, "Email from %s", PQgetvalue(pr, i,
				    4));
			else
				buf_printf(&b, "%s %s from %s", scheme,
				    PQgetvalue(pr, i, 5), PQgetvalue(pr, i, 4));
			tset(it, "source", (char *)b.b_data);
			tset(it, "ua", PQgetvalue(pr, i, 6));
			if (rid[0])
				tset(it, "rid", rid);
			ex = bytea_text(pr, i, 9, &exlen, &bin);
			if (ex != NULL && exlen > 0)
				tset(it, "excerpt", bin ? "(binary data)" : ex);
			free(ex);
			/* duration: the first older ping of the same rid,
			   if a start within MAX_DURATION (spec 1.7) */
			if (kind[0] == '\0' || strcmp(kind, "fail") == 0)
				for (j = i + 1; j < np; j++) {
					if (strcmp(PQgetvalue(pr, j, 8), rid))
						continue;
					if (strcmp(PQgetvalue(pr, j, 2),
					    "start") == 0 && pt -
					    db_getint(pr, j, 1, 0) <
					    MAX_DURATION) {
						buf_reset(&b);
						web_duration(&b, (pt - db_getint(
						    pr, j, 1, 0)) / CT_SEC);
						tset(it, "duration",
						    (char *)b.b_data);
					}
					if (strcmp(PQgetvalue(pr, j, 2),
					    "log") && strcmp(PQgetvalue(pr, j,
					    2), "ign"))
						break;
				}
			i++;
		}
	}
	buf_clear(&b);
	PQclear(pr);
	PQclear(fr);
	return 0;
}

/* The status explained, as the details page says it. */
static void
status_text(struct buf *b, const struct check_row *row, const char *status,
    int started, int64_t now)
{
	struct check_state	st;
	int64_t			gs;

	check_row_state(row, &st);
	if (strcmp(status, "new") == 0)
		buf_addstr(b, "This check has not received any pings yet. "
		    "It is ready for them.");
	else if (strcmp(status, "paused") == 0)
		buf_addstr(b, "This check is paused: it will not be marked "
		    "down, and the next ping resumes it.");
	else if (strcmp(status, "down") == 0) {
		buf_addstr(b, "This check is down. Last ping: ");
		web_ago(b, row->cr_last_ping, now);
		buf_addstr(b, ".");
	} else {
		gs = check_grace_start(&st, 0);
		if (strcmp(status, "grace") == 0) {
			buf_addstr(b, "This check is late. A ping was expected ");
			web_ago(b, gs, now);
			buf_addstr(b, "; it goes down when the grace time of ");
			web_duration(b, row->cr_grace / CT_SEC);
			buf_addstr(b, " has passed.");
		} else {
			buf_addstr(b, "This check is up. Last ping: ");
			web_ago(b, row->cr_last_ping, now);
			if (gs != CT_NONE) {
				buf_addstr(b, "; the next is expected by ");
				web_time(b, gs, NULL);
			}
			buf_addstr(b, ".");
		}
	}
	if (started) {
		buf_addstr(b, " A run started ");
		web_ago(b, row->cr_last_start, now);
		buf_addstr(b, " and has not reported back yet.");
	}
}

static void
downtime_table(struct web *w, struct wcheck *c)
{
	const char	*params[1];
	struct dberr	 e;
	PGresult	*r;
	struct dt_flip	*flips;
	struct dt_record rec[3];
	int		 i, n;
	int64_t		 created, now = hc_now_us();
	const struct tz	*tz = tz_get(c->c_row.cr_tz);
	struct buf	 b;

	if (tz == NULL)
		tz = tz_get("UTC");
	params[0] = c->c_id;
	r = cdb_exec(&w->w_x, "SELECT (extract(epoch FROM f.created) * "
	    "1000000)::bigint, f.old_status, f.new_status, (extract(epoch "
	    "FROM c.created) * 1000000)::bigint FROM api_check c LEFT JOIN "
	    "api_flip f ON f.owner_id = c.id AND f.created > now() - "
	    "interval '100 days' WHERE c.id = $1::int", 1, params, &e);
	if (r == NULL || PQntuples(r) == 0) {
		PQclear(r);
		return;
	}
	n = PQntuples(r);
	created = db_getint(r, 0, 3, 0);
	flips = xcalloc((size_t)n, sizeof(*flips));
	for (i = 0; i < n && !PQgetisnull(r, 0, 0); i++) {
		flips[i].created = db_getint(r, i, 0, 0);
		flips[i].old_status = check_status_parse(PQgetvalue(r, i, 1));
		flips[i].new_status = check_status_parse(PQgetvalue(r, i, 2));
		if (flips[i].old_status < 0)
			flips[i].old_status = CS_NEW;
		if (flips[i].new_status < 0)
			flips[i].new_status = CS_NEW;
	}
	if (PQgetisnull(r, 0, 0))
		i = 0;
	if (downtime_summary(DT_MONTH, 3, tz, now, created,
	    c->c_row.cr_status, flips, (size_t)i, rec) == 0) {
		static const char *const months[] = { "January", "February",
		    "March", "April", "May", "June", "July", "August",
		    "September", "October", "November", "December" };

		buf_init(&b);
		for (i = 0; i < 3; i++) {
			struct tctx	*it = tadd(w->w_ctx, "downtime");
			struct tz_civil	 cv;
			int64_t		 secs = downtime_period_seconds(DT_MONTH,
					    tz, rec[i].boundary);

			tz_civil_from_secs(tz_utc_to_local(tz, rec[i].boundary /
			    CT_SEC, NULL), &cv);
			tsetf(it, "month", "%s %d", months[(cv.tc_mon + 11) % 12],
			    cv.tc_year);
			if (rec[i].no_data) {
				tset(it, "no_data", "1");
				continue;
			}
			buf_reset(&b);
			if (rec[i].count == 0)
				buf_addstr(&b, "All good!");
			else {
				buf_printf(&b, "%d downtime%s, ", rec[i].count,
				    rec[i].count == 1 ? "" : "s");
				web_duration(&b, rec[i].duration / CT_SEC);
				tset(it, "has_down", "1");
			}
			tset(it, "summary", (char *)b.b_data);
			if (secs > 0)
				tsetf(it, "uptime", "%.2f%%", 100.0 * (1.0 -
				    (double)rec[i].duration / CT_SEC /
				    (double)secs));
		}
		buf_clear(&b);
	}
	free(flips);
	PQclear(r);
}

/* What the details page and its JSON share. */
static void
check_context(struct web *w, struct wcheck *c, struct tctx *ctx)
{
	const struct check_row	*row = &c->c_row;
	const char		*status;
	int			 started;
	int64_t			 now = hc_now_us();
	struct buf		 b;

	web_check_status(row, now, &status, &started);
	tset(ctx, "status", status);
	tset(ctx, "started", started ? "1" : "");
	buf_init(&b);
	status_text(&b, row, status, started, now);
	tset(ctx, "status_text", (char *)b.b_data);
	buf_clear(&b);
}

static void
details_page(struct web *w, struct wcheck *c)
{
	const struct check_row	*row = &c->c_row;
	struct tctx		*ctx = w->w_ctx, *it;
	struct buf		 b;
	char			 uid[24], pid[24];
	const char		*params[2];
	struct dberr		 e;
	PGresult		*r;
	int			 i;

	buf_init(&b);
	tset(ctx, "code", row->cr_code);
	tset(ctx, "name", row->cr_name);
	tset(ctx, "slug", row->cr_slug);
	tset(ctx, "tags", row->cr_tags);
	tset(ctx, "desc", row->cr_desc);
	tset(ctx, "kind", check_kind_name(row->cr_kind));
	tseti(ctx, "timeout", row->cr_timeout / CT_SEC);
	tseti(ctx, "grace", row->cr_grace / CT_SEC);
	tseti(ctx, "grace_min", row->cr_grace / CT_SEC / 60);
	tset(ctx, "schedule", row->cr_kind == CK_SIMPLE ? "* * * * *" :
	    row->cr_schedule);
	tset(ctx, "tz", row->cr_tz);
	tset(ctx, "paused", row->cr_status == CS_PAUSED ? "1" : "");
	tset(ctx, "methods", row->cr_methods);
	tset(ctx, "manual_resume", row->cr_manual_resume ? "1" : "");
	tset(ctx, "filter_subject", row->cr_filter_subject ? "1" : "");
	tset(ctx, "filter_body", row->cr_filter_body ? "1" : "");
	tset(ctx, "filter_http_body", row->cr_filter_http_body ? "1" : "");
	tset(ctx, "filter_default_fail", row->cr_filter_default_fail ? "1" :
	    "");
	tset(ctx, "start_kw", row->cr_start_kw);
	tset(ctx, "success_kw", row->cr_success_kw);
	tset(ctx, "failure_kw", row->cr_failure_kw);
	{
		char *tags = xstrdup(row->cr_tags), *s, *save = NULL;

		for (s = strtok_r(tags, " ", &save); s; s = strtok_r(NULL, " ",
		    &save))
			tset(tadd(ctx, "taglist"), "tag", s);
		free(tags);
	}
	web_ping_url(&b, w, &c->c_p, row, 0);
	tset(ctx, "ping_url", (char *)b.b_data);
	buf_reset(&b);
	if (c->c_p.p_ping_key[0] && row->cr_slug[0]) {
		web_ping_url(&b, w, &c->c_p, row, 1);
		tset(ctx, "slug_url", (char *)b.b_data);
	}
	buf_reset(&b);
	buf_printf(&b, "%s@%s", row->cr_code, w->w_cf->ping_email_domain);
	tset(ctx, "ping_email", (char *)b.b_data);
	buf_reset(&b);
	web_schedule_text(&b, row);
	tset(ctx, "schedule_text", (char *)b.b_data);
	buf_reset(&b);
	web_duration(&b, row->cr_grace / CT_SEC);
	tset(ctx, "grace_text", (char *)b.b_data);
	buf_clear(&b);
	check_context(w, c, ctx);
	if (events_load(w, c, EVENTS_DETAILS, ctx, NULL, 0, c->c_row.cr_tz) == -1) {
		web_error(w, 503, "Service Unavailable", "The database is not "
		    "answering.");
		return;
	}
	downtime_table(w, c);

	/* projects to move it to: those where the user may write */
	snprintf(uid, sizeof(uid), "%lld", (long long)w->w_user);
	snprintf(pid, sizeof(pid), "%lld", (long long)row->cr_project);
	params[0] = uid;
	params[1] = pid;
	r = cdb_exec(&w->w_x, "SELECT p.code, p.name FROM accounts_project p "
	    "LEFT JOIN accounts_member m ON m.project_id = p.id AND m.user_id "
	    "= $1::int WHERE (p.owner_id = $1::int OR m.role IN ('w', 'm')) "
	    "AND p.id <> $2::int ORDER BY p.name, p.id", 2, params, &e);
	if (r != NULL) {
		for (i = 0; i < PQntuples(r); i++) {
			it = tadd(ctx, "targets");
			tset(it, "pcode", PQgetvalue(r, i, 0));
			tset(it, "pname", PQgetvalue(r, i, 1)[0] ?
			    PQgetvalue(r, i, 1) : "Default Project");
		}
		PQclear(r);
	}
	tset(ctx, "nav", "checks");
	web_page(w, 200, "details", row->cr_name[0] ? row->cr_name :
	    row->cr_code);
}

/* GET /checks/<uuid>/details/ */
int
web_check_details(struct req *q, struct resp *r)
{
	struct web	w;
	struct wcheck	c;

	memset(&c, 0, sizeof(c));
	if (web_begin(&w, q, r, 0) == 0 && web_method(&w, "GET") &&
	    check_load(&w, &c, 0) == 0)
		details_page(&w, &c);
	check_free(&c);
	web_end(&w);
	return 0;
}

/* GET /checks/<uuid>/status/: the status and the rendered log rows. */
int
web_check_status_json(struct req *q, struct resp *r)
{
	struct web	 w;
	struct wcheck	 c;
	struct tctx	*ev;
	struct buf	 rows, out;
	struct json_w	 j;
	char		 sig[64];

	memset(&c, 0, sizeof(c));
	buf_init(&rows);
	buf_init(&out);
	if (web_begin(&w, q, r, WEB_JSON) == -1 || !web_method(&w, "GET") ||
	    check_load(&w, &c, 0) == -1)
		goto out;
	ev = tctx_new();
	tset(ev, "base", w.w_base);
	tset(ev, "code", c.c_row.cr_code);
	if (events_load(&w, &c, EVENTS_DETAILS, ev, sig, sizeof(sig),
	    c.c_row.cr_tz) == -1 ||
	    tmpl_render(&rows, "events", ev) == -1) {
		tctx_free(ev);
		web_error(&w, 503, "Service Unavailable", "database");
		goto out;
	}
	tctx_free(ev);
	check_context(&w, &c, w.w_ctx);
	json_w_init(&j, &out);
	json_w_obj_begin(&j);
	json_w_key(&j, "status");
	json_w_str(&j, tget(w.w_ctx, "status"));
	json_w_key(&j, "started");
	json_w_bool(&j, tget(w.w_ctx, "started")[0] == '1');
	json_w_key(&j, "status_text");
	json_w_str(&j, tget(w.w_ctx, "status_text"));
	json_w_key(&j, "events_html");
	json_w_strn(&j, rows.b_len ? (char *)rows.b_data : "", rows.b_len);
	json_w_key(&j, "events_sig");
	json_w_str(&j, sig);
	json_w_obj_end(&j);
	web_json(&w, 200, &out);
out:
	buf_clear(&rows);
	buf_clear(&out);
	check_free(&c);
	web_end(&w);
	return 0;
}

/* A POST that changes fields: the JSON of the form, through the model. */
static int
fields_post(struct req *q, struct resp *r, int sched)
{
	struct web	w;
	struct wcheck	c;
	struct json_w	j;
	struct buf	b;
	int64_t		id;
	char		code[37];

	memset(&c, 0, sizeof(c));
	buf_init(&b);
	if (web_begin(&w, q, r, 0) == -1 || !web_method(&w, "POST") ||
	    check_load(&w, &c, 1) == -1)
		goto out;
	json_w_init(&j, &b);
	json_w_obj_begin(&j);
	web_check_form_json(&w, &j, sched);
	json_w_obj_end(&j);
	if (web_check_write(&w, c.c_row.cr_project, c.c_row.cr_id, &b, 0,
	    &id, code) == 0)
		web_redirect(&w, "/checks/%s/details/", code);
out:
	buf_clear(&b);
	check_free(&c);
	web_end(&w);
	return 0;
}

/* POST /checks/<uuid>/name/: name, slug, tags, description */
int
web_check_name(struct req *q, struct resp *r)
{
	return fields_post(q, r, 0);
}

/* POST /checks/<uuid>/timeout/: kind, timeout or schedule + tz, grace */
int
web_check_timeout(struct req *q, struct resp *r)
{
	return fields_post(q, r, 1);
}

/* POST /checks/<uuid>/filtering_rules/ */
int
web_check_filtering(struct req *q, struct resp *r)
{
	static const char *const bools[] = { "filter_subject", "filter_body",
	    "filter_http_body", "filter_default_fail", "manual_resume" };
	static const char *const kws[] = { "start_kw", "success_kw",
	    "failure_kw" };
	struct web	w;
	struct wcheck	c;
	struct json_w	j;
	struct buf	b;
	char		v[512], code[37];
	int64_t		id;
	size_t		i;

	memset(&c, 0, sizeof(c));
	buf_init(&b);
	if (web_begin(&w, q, r, 0) == -1 || !web_method(&w, "POST") ||
	    check_load(&w, &c, 1) == -1)
		goto out;
	json_w_init(&j, &b);
	json_w_obj_begin(&j);
	for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		json_w_key(&j, bools[i]);
		json_w_bool(&j, web_form(&w, bools[i], v, sizeof(v)) == 1 &&
		    v[0] != '\0');
	}
	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++) {
		json_w_key(&j, kws[i]);
		json_w_str(&j, web_form(&w, kws[i], v, sizeof(v)) == 1 ? v : "");
	}
	json_w_key(&j, "methods");
	json_w_str(&j, web_form(&w, "methods", v, sizeof(v)) == 1 &&
	    strcmp(v, "POST") == 0 ? "POST" : "");
	json_w_obj_end(&j);
	if (web_check_write(&w, c.c_row.cr_project, c.c_row.cr_id, &b, 0,
	    &id, code) == 0)
		web_redirect(&w, "/checks/%s/details/", code);
out:
	buf_clear(&b);
	check_free(&c);
	web_end(&w);
	return 0;
}

static int
simple_action(struct req *q, struct resp *r,
    int (*fn)(struct web *, struct wcheck *))
{
	struct web	w;
	struct wcheck	c;

	memset(&c, 0, sizeof(c));
	if (web_begin(&w, q, r, 0) == 0 && web_method(&w, "POST") &&
	    check_load(&w, &c, 1) == 0)
		fn(&w, &c);
	check_free(&c);
	web_end(&w);
	return 0;
}

static int
do_pause(struct web *w, struct wcheck *c)
{
	struct dberr e;

	if (check_db_pause(&w->w_x, c->c_row.cr_id, &e) == -1)
		web_fail(w, &e);
	else
		web_redirect(w, "/checks/%s/details/", c->c_row.cr_code);
	return 0;
}

static int
do_resume(struct web *w, struct wcheck *c)
{
	struct dberr e;

	if (check_db_resume(&w->w_x, c->c_row.cr_id, &e) == -1) {
		if (e.e_code == 409)
			web_error(w, 400, "Bad Request", "The check is not "
			    "paused.");
		else
			web_fail(w, &e);
	} else
		web_redirect(w, "/checks/%s/details/", c->c_row.cr_code);
	return 0;
}

/* "<name> (copy)", slug "<slug>-copy", every field the same. */
static int
do_copy(struct web *w, struct wcheck *c)
{
	const struct check_row	*row = &c->c_row;
	struct json_w		 j;
	struct buf		 b, t;
	int64_t			 id;
	char			 code[37];

	buf_init(&b);
	buf_init(&t);
	json_w_init(&j, &b);
	json_w_obj_begin(&j);
	buf_printf(&t, "%s (copy)", row->cr_name);
	json_w_key(&j, "name");
	json_w_str(&j, t.b_len > 100 ? row->cr_name : (char *)t.b_data);
	buf_reset(&t);
	if (row->cr_slug[0])
		buf_printf(&t, "%s-copy", row->cr_slug);
	json_w_key(&j, "slug");
	json_w_str(&j, t.b_len > 100 || !t.b_len ? row->cr_slug :
	    (char *)t.b_data);
	json_w_key(&j, "tags");
	json_w_str(&j, row->cr_tags);
	json_w_key(&j, "desc");
	json_w_str(&j, row->cr_desc);
	if (row->cr_kind == CK_SIMPLE) {
		json_w_key(&j, "timeout");
		json_w_int(&j, row->cr_timeout / CT_SEC);
	} else {
		json_w_key(&j, "schedule");
		json_w_str(&j, row->cr_schedule);
		json_w_key(&j, "tz");
		json_w_str(&j, row->cr_tz);
	}
	json_w_key(&j, "grace");
	json_w_int(&j, row->cr_grace / CT_SEC);
	json_w_key(&j, "methods");
	json_w_str(&j, row->cr_methods);
	json_w_key(&j, "manual_resume");
	json_w_bool(&j, row->cr_manual_resume);
	json_w_key(&j, "filter_subject");
	json_w_bool(&j, row->cr_filter_subject);
	json_w_key(&j, "filter_body");
	json_w_bool(&j, row->cr_filter_body);
	json_w_key(&j, "filter_http_body");
	json_w_bool(&j, row->cr_filter_http_body);
	json_w_key(&j, "filter_default_fail");
	json_w_bool(&j, row->cr_filter_default_fail);
	json_w_key(&j, "start_kw");
	json_w_str(&j, row->cr_start_kw);
	json_w_key(&j, "success_kw");
	json_w_str(&j, row->cr_success_kw);
	json_w_key(&j, "failure_kw");
	json_w_str(&j, row->cr_failure_kw);
	json_w_obj_end(&j);
	if (web_check_write(w, row->cr_project, 0, &b, 0, &id, code) == 0) {
		/* the same integrations as the original */
		char		 nid[24];
		const char	*params[2];
		struct dberr	 e;
		PGresult	*r;

		snprintf(nid, sizeof(nid), "%lld", (long long)id);
		params[0] = c->c_id;
		params[1] = nid;
		if ((r = cdb_exec(&w->w_x, "INSERT INTO api_channel_checks "
		    "(channel_id, check_id) SELECT channel_id, $2::int FROM "
		    "api_channel_checks WHERE check_id = $1::int", 2, params,
		    &e)) != NULL)
			PQclear(r);
		web_redirect(w, "/checks/%s/details/", code);
	}
	buf_clear(&b);
	buf_clear(&t);
	return 0;
}

static int
do_transfer(struct web *w, struct wcheck *c)
{
	struct web_project	 to;
	char			 pcode[40], pid[24];
	const char		*params[2];
	struct dberr		 e;
	PGresult		*r;

	if (web_form(w, "project", pcode, sizeof(pcode)) != 1) {
		web_error(w, 400, "Bad Request", "Choose a project.");
		return 0;
	}
	if (web_project_get(w, pcode, &to) == -1)
		return 0;
	if (!web_can_write(w, &to))
		return 0;
	snprintf(pid, sizeof(pid), "%lld", (long long)to.p_id);
	params[0] = c->c_id;
	params[1] = pid;
	if (cdb_begin(&w->w_x, &e) == -1)
		goto fail;
	/* the integrations belong to the old project: they stay there */
	if ((r = cdb_exec(&w->w_x, "DELETE FROM api_channel_checks WHERE "
	    "check_id = $1::int", 1, params, &e)) == NULL)
		goto rollback;
	PQclear(r);
	if ((r = cdb_exec(&w->w_x, "UPDATE api_check SET project_id = $2::int "
	    "WHERE id = $1::int", 2, params, &e)) == NULL)
		goto rollback;
	PQclear(r);
	if (cdb_commit(&w->w_x, &e) == -1)
		goto fail;
	check_db_publish(&w->w_x, c->c_row.cr_code, c->c_row.cr_id, to.p_id,
	    c->c_row.cr_slug);
	web_redirect(w, "/checks/%s/details/", c->c_row.cr_code);
	return 0;
rollback:
	cdb_rollback(&w->w_x);
fail:
	web_fail(w, &e);
	return 0;
}

/* Spec 3.4 "Clear events". */
static int
do_clear(struct web *w, struct wcheck *c)
{
	const char	*params[1];
	struct dberr	 e;
	PGresult	*r;
	static const char *const sql[] = {
		"UPDATE api_check SET status = 'new', last_ping = NULL, "
		    "last_start = NULL, last_start_rid = NULL, "
		    "last_duration = NULL, has_confirmation_link = false, "
		    "alert_after = NULL WHERE id = $1::int",
		"DELETE FROM api_ping WHERE owner_id = $1::int",
		"DELETE FROM api_notification WHERE owner_id = $1::int",
		"DELETE FROM api_flip WHERE owner_id = $1::int",
	};
	size_t		 i;

	params[0] = c->c_id;
	if (cdb_begin(&w->w_x, &e) == -1)
		goto fail;
	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if ((r = cdb_exec(&w->w_x, sql[i], 1, params, &e)) == NULL) {
			cdb_rollback(&w->w_x);
			goto fail;
		}
		PQclear(r);
	}
	if (cdb_commit(&w->w_x, &e) == -1)
		goto fail;
	web_redirect(w, "/checks/%s/details/", c->c_row.cr_code);
	return 0;
fail:
	web_fail(w, &e);
	return 0;
}

static int
do_remove(struct web *w, struct wcheck *c)
{
	struct dberr	 e;
	PGresult	*res;

	if (check_db_delete(&w->w_x, c->c_row.cr_id, &res, &e) == -1) {
		web_fail(w, &e);
		return 0;
	}
	PQclear(res);
	check_db_unpublish(&w->w_x, c->c_row.cr_code);
	web_redirect(w, "/projects/%s/checks/", c->c_p.p_code);
	return 0;
}

int
web_check_pause(struct req *q, struct resp *r)
{
	return simple_action(q, r, do_pause);
}

int
web_check_resume(struct req *q, struct resp *r)
{
	return simple_action(q, r, do_resume);
}

int
web_check_copy(struct req *q, struct resp *r)
{
	return simple_action(q, r, do_copy);
}

int
web_check_transfer(struct req *q, struct resp *r)
{
	return simple_action(q, r, do_transfer);
}

int
web_check_clear(struct req *q, struct resp *r)
{
	return simple_action(q, r, do_clear);
}

int
web_check_remove(struct req *q, struct resp *r)
{
	return simple_action(q, r, do_remove);
}

/* GET /checks/<uuid>/log/ */
int
web_check_log(struct req *q, struct resp *r)
{
	struct web	w;
	struct wcheck	c;

	memset(&c, 0, sizeof(c));
	if (web_begin(&w, q, r, 0) == 0 && web_method(&w, "GET") &&
	    check_load(&w, &c, 0) == 0) {
		char tz[64];

		/* ?tz=UTC shows the times in UTC, else in the check's zone */
		if (web_query(&w, "tz", tz, sizeof(tz)) != 1 ||
		    strcmp(tz, "UTC") != 0)
			hc_strlcpy(tz, c.c_row.cr_tz, sizeof(tz));
		tset(w.w_ctx, "code", c.c_row.cr_code);
		tset(w.w_ctx, "name", c.c_row.cr_name);
		tset(w.w_ctx, "tz", tz);
		tset(w.w_ctx, "check_tz", c.c_row.cr_tz);
		if (events_load(&w, &c, EVENTS_LOG, w.w_ctx, NULL, 0, tz) == -1)
			web_error(&w, 503, "Service Unavailable", "The "
			    "database is not answering.");
		else
			web_page(&w, 200, "log", "Log");
	}
	check_free(&c);
	web_end(&w);
	return 0;
}

/* GET /checks/<uuid>/pings/<n>/ */
int
web_check_ping(struct req *q, struct resp *r)
{
	struct web	 w;
	struct wcheck	 c;
	char		 ns[24], lbl[32], *body;
	const char	*params[2], *errstr;
	struct dberr	 e;
	PGresult	*res = NULL;
	int64_t		 n, threshold;
	size_t		 blen;
	int		 bin;
	struct buf	 b;

	memset(&c, 0, sizeof(c));
	buf_init(&b);
	if (web_begin(&w, q, r, 0) == -1 || !web_method(&w, "GET") ||
	    check_load(&w, &c, 0) == -1)
		goto out;
	web_arg(&w, 1, ns, sizeof(ns));
	n = hc_strtonum(ns, 1, INT32_MAX, &errstr);
	threshold = c.c_row.cr_n_pings -
	    project_db_ping_log_limit(&w.w_x, c.c_row.cr_project);
	params[0] = c.c_id;
	params[1] = ns;
	if (errstr != NULL || n <= threshold || (res = cdb_exec(&w.w_x,
	    "SELECT n, (extract(epoch FROM created) * 1000000)::bigint, "
	    "coalesce(kind, ''), scheme, coalesce(host(remote_addr), ''), "
	    "method, ua, coalesce(exitstatus::text, ''), "
	    "coalesce(rid::text, ''), coalesce(convert_to(body, 'UTF8'), "
	    "body_raw) FROM api_ping WHERE owner_id = $1::int AND n = "
	    "$2::int ORDER BY id LIMIT 1", 2, params, &e)) == NULL ||
	    PQntuples(res) != 1) {
		if (errstr == NULL && n > threshold && res == NULL)
			web_fail(&w, &e);
		else
			web_error(&w, 404, "Not Found", "There is no such "
			    "ping.");
		goto out;
	}
	tset(w.w_ctx, "code", c.c_row.cr_code);
	tset(w.w_ctx, "name", c.c_row.cr_name);
	tset(w.w_ctx, "n", PQgetvalue(res, 0, 0));
	tset(w.w_ctx, "kind", PQgetvalue(res, 0, 2)[0] ? PQgetvalue(res, 0,
	    2) : "success");
	tset(w.w_ctx, "kind_label", kind_label(PQgetvalue(res, 0, 2),
	    PQgetvalue(res, 0, 7), lbl, sizeof(lbl)));
	web_time(&b, db_getint(res, 0, 1, 0), NULL);
	tset(w.w_ctx, "time", (char *)b.b_data);
	tset(w.w_ctx, "scheme", PQgetvalue(res, 0, 3));
	tset(w.w_ctx, "is_email", strcmp(PQgetvalue(res, 0, 3), "email") ==
	    0 ? "1" : "");
	tset(w.w_ctx, "remote_addr", PQgetvalue(res, 0, 4));
	tset(w.w_ctx, "method", PQgetvalue(res, 0, 5));
	tset(w.w_ctx, "ua", PQgetvalue(res, 0, 6));
	tset(w.w_ctx, "exitstatus", PQgetvalue(res, 0, 7));
	tset(w.w_ctx, "rid", PQgetvalue(res, 0, 8));
	body = bytea_text(res, 0, 9, &blen, &bin);
	if (body != NULL && blen > 0) {
		if (bin)
			tsetf(w.w_ctx, "body_binary", "%zu", blen);
		else
			tset(w.w_ctx, "body", body);
	}
	free(body);
	web_page(&w, 200, "ping", "Ping details");
out:
	PQclear(res);
	buf_clear(&b);
	check_free(&c);
	web_end(&w);
	return 0;
}

/*
 * POST /checks/preview/: kind (cron, oncalendar), schedule, tz; the
 * next 5 runs by the server's own schedule code, or why it is wrong.
 */
int
web_schedule_preview(struct req *q, struct resp *r)
{
	struct web	 w;
	char		 kind[16], sched[512], zone[64];
	const struct tz	*tz = NULL, *utc;
	struct json_w	 j;
	struct buf	 out, b;
	const char	*errstr = NULL;
	struct cron	 cr;
	struct oncal	*oc = NULL;
	int64_t		 t, next, now;
	int		 i, ok = 1, tz_ok = 1, iscron;

	buf_init(&out);
	buf_init(&b);
	if (web_begin(&w, q, r, WEB_JSON) == -1 || !web_method(&w, "POST"))
		goto out;
	web_form(&w, "kind", kind, sizeof(kind));
	web_form(&w, "schedule", sched, sizeof(sched));
	web_form(&w, "tz", zone, sizeof(zone));
	iscron = strcmp(kind, "oncalendar") != 0;
	utc = tz_get("UTC");
	if (zone[0] == '\0' || (tz = tz_get(zone)) == NULL) {
		tz_ok = ok = 0;
		errstr = "Unknown time zone";
	} else if (strlen(sched) > 100) {
		ok = 0;
		errstr = "The schedule is too long (at most 100 characters)";
	} else if (iscron) {
		if (cron_parse(sched, &cr, &errstr) == -1)
			ok = 0;
	} else if ((oc = oncal_parse(sched, &errstr)) == NULL)
		ok = 0;
	json_w_init(&j, &out);
	json_w_obj_begin(&j);
	json_w_key(&j, "tz_ok");
	json_w_bool(&j, tz_ok);
	if (ok) {
		json_w_key(&j, "runs");
		json_w_arr_begin(&j);
		now = hc_now_us() / CT_SEC;
		t = now;
		for (i = 0; i < 5; i++) {
			if ((iscron ? cron_next(&cr, tz, t, &next) :
			    oncal_next(oc, tz, t, &next)) != 0)
				break;
			json_w_obj_begin(&j);
			buf_reset(&b);
			web_time(&b, next * CT_SEC, zone);
			json_w_key(&j, "local");
			json_w_str(&j, (char *)b.b_data);
			buf_reset(&b);
			web_time(&b, next * CT_SEC, NULL);
			json_w_key(&j, "utc");
			json_w_str(&j, (char *)b.b_data);
			buf_reset(&b);
			buf_addstr(&b, "in ");
			web_duration(&b, next - now);
			json_w_key(&j, "rel");
			json_w_str(&j, (char *)b.b_data);
			json_w_obj_end(&j);
			t = next;
		}
		json_w_arr_end(&j);
		if (i == 0) {
			ok = 0;
			errstr = "The schedule never matches";
		}
	}
	json_w_key(&j, "result");
	json_w_bool(&j, ok);
	if (!ok) {
		json_w_key(&j, "error");
		json_w_str(&j, errstr ? errstr : "Invalid schedule");
	}
	json_w_obj_end(&j);
	(void)utc;
	web_json(&w, 200, &out);
out:
	if (oc != NULL)
		oncal_free(oc);
	buf_clear(&out);
	buf_clear(&b);
	web_end(&w);
	return 0;
}
