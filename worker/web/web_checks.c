/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * A project's checks list (spec 8, /projects/<uuid>/checks/): status
 * icons, names and descriptions, tags as filter pills coloured by the
 * worst status among their checks, period or schedule, last ping and
 * last duration; sorting (saved in the profile), ?tag= (AND),
 * ?search=, ?status=, the UUID/slug switch (saved in the project); the JSON the
 * page polls for live statuses; and "Add check", which goes through
 * the check model (checkdef.c validation, check_db.c writes) exactly
 * as the API does.  One query for the project, one for its checks,
 * whatever their number.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_db.h"
#include "checkdef.h"
#include "conf.h"
#include "db.h"
#include "escape.h"
#include "hcd.h"
#include "proc.h"
#include "json.h"
#include "tmpl.h"
#include "web.h"
#include "worker.h"

#define ST_UP	1
#define ST_GRACE 2
#define ST_DOWN	4

void
web_check_status(const struct check_row *row, int64_t now,
    const char **status, int *started)
{
	struct check_state st;

	check_row_state(row, &st);
	*status = check_status_name(check_get_status(&st, now, 0));
	*started = row->cr_last_start != CT_NONE && strcmp(*status, "down");
}

static int
status_bit(const char *s)
{
	return strcmp(s, "down") == 0 ? ST_DOWN : strcmp(s, "grace") == 0 ?
	    ST_GRACE : ST_UP;
}

static const char *
bit_status(int v)
{
	return v & ST_DOWN ? "down" : v & ST_GRACE ? "grace" : "up";
}

void
web_ping_url(struct buf *b, struct web *w, const struct web_project *p,
    const struct check_row *row, int by_slug)
{
	if (by_slug && p->p_ping_key[0] && row->cr_slug[0])
		buf_printf(b, "%s%s/%s", w->w_cf->ping_endpoint,
		    p->p_ping_key, row->cr_slug);
	else
		buf_printf(b, "%s%s", w->w_cf->ping_endpoint, row->cr_code);
}

void
web_schedule_text(struct buf *b, const struct check_row *row)
{
	if (row->cr_kind == CK_SIMPLE)
		web_duration(b, row->cr_timeout / CT_SEC);
	else
		buf_addstr(b, row->cr_schedule);
}

/*
 * Create (id 0) or update a check from a JSON object of API fields,
 * through the check model.  0 (*out_id, code set), or -1 with the
 * answer written (400 with the model's message).
 */
int
web_check_write(struct web *w, int64_t project, int64_t id,
    const struct buf *json, int all_channels, int64_t *out_id,
    char code[37])
{
	struct dbctx		*x = &w->w_x;
	struct check_input	 in;
	struct check_new	 cn;
	struct json_doc		*doc;
	struct dberr		 e;
	const char		*errstr;
	char			 msg[256], slug[101];
	int			 created;

	if ((doc = json_parse((const char *)json->b_data, json->b_len,
	    &errstr)) == NULL) {
		web_error(w, 400, "Bad Request", "The form could not be read.");
		return -1;
	}
	if (check_validate(doc, json_root(doc), msg, sizeof(msg)) == -1) {
		json_doc_free(doc);
		/* "json validation error: timeout is too small" -> the
		   reason only */
		web_error(w, 400, "Please check the form",
		    strncmp(msg, "json validation error: ", 23) == 0 ?
		    msg + 23 : msg);
		return -1;
	}
	check_input_read(&in, doc, json_root(doc));
	json_doc_free(doc);
	if (cdb_begin(x, &e) == -1)
		goto fail;
	if (id == 0) {
		memset(&cn, 0, sizeof(cn));
		cn.cn_project = project;
		cn.cn_limit_factor = 1;
		cn.cn_all_channels = all_channels;
		if (check_db_create(x, &cn, &id, &created, &e) == -1)
			goto rollback;
	}
	if (check_db_update(x, id, &in, 3, NULL, code, slug, &e) == -1)
		goto rollback;
	if (cdb_commit(x, &e) == -1)
		goto fail;
	check_db_publish(x, code, id, project, slug);
	check_input_free(&in);
	*out_id = id;
	return 0;
rollback:
	cdb_rollback(x);
fail:
	check_input_free(&in);
	web_fail(w, &e);
	return -1;
}

/* What the list shows, and its order. */
struct lrow {
	struct check_row	 row;
	const char		*status;
	int			 started;
	int			 idx;
	int			 key;	/* the sort order, the same in all */
};

static int
name_cmp(const struct lrow *a, const struct lrow *b)
{
	const char *x = a->row.cr_name[0] ? a->row.cr_name : a->row.cr_code;
	const char *y = b->row.cr_name[0] ? b->row.cr_name : b->row.cr_code;
	int c = strcasecmp(x, y);

	return c ? c : a->idx - b->idx;
}

static int
status_rank(const char *s)
{
	/* down, grace, up, new, paused: the worst first */
	if (strcmp(s, "down") == 0)
		return 0;
	if (strcmp(s, "grace") == 0)
		return 1;
	if (strcmp(s, "up") == 0)
		return 2;
	if (strcmp(s, "new") == 0)
		return 3;
	return 4;
}

static int
lrow_cmp_key(const void *pa, const void *pb, int key)
{
	const struct lrow *a = pa, *b = pb;

	switch (key) {
	case 1:		return name_cmp(a, b);
	case 2:		return name_cmp(b, a);
	case 3:		/* last_ping: oldest first, never first */
	case 4:
		if (a->row.cr_last_ping != b->row.cr_last_ping) {
			int c = a->row.cr_last_ping < b->row.cr_last_ping ? -1 : 1;

			return key == 3 ? c : -c;
		}
		return a->idx - b->idx;
	case 5:
		if (status_rank(a->status) != status_rank(b->status))
			return status_rank(a->status) - status_rank(b->status);
		return name_cmp(a, b);
	default:	return a->idx - b->idx;	/* created */
	}
}

static int
lrow_cmp(const void *a, const void *b)
{
	return lrow_cmp_key(a, b, ((const struct lrow *)a)->key);
}

static int
sort_parse(const char *s)
{
	static const char *const names[] = { "created", "name", "-name",
	    "last_ping", "-last_ping", "status" };
	int i;

	for (i = 0; i < 6; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static int
matches_search(const struct check_row *row, const char *s)
{
	char	buf[512];
	size_t	i;

	if (s[0] == '\0')
		return 1;
	snprintf(buf, sizeof(buf), "%s\n%s\n%s", row->cr_name, row->cr_slug,
	    row->cr_code);
	for (i = 0; buf[i]; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	return strstr(buf, s) != NULL;
}

struct tagctx {
	struct tctx	*it;
	const char	*active[16];
	int		 nactive;
};

static int
row_tag(const char *tag, void *arg)
{
	struct tagctx	*tc = arg;
	struct tctx	*t = tadd(tc->it, "tags");

	tset(t, "tag", tag);
	return 0;
}

static void
list_page(struct web *w, struct web_project *p)
{
	char		 pid[24], uid[24], sort[16], search[256], urls[8], want[16],
			 tagbuf[16][128];
	const char	*params[3], *tags[16];
	struct dberr	 e;
	PGresult	*res = NULL, *pr;
	struct lrow	*rows = NULL;
	struct tagset	 ts;
	size_t		*order, i;
	int		 n, k, nt = 0, key = 0, by_slug;
	int64_t		 now = hc_now_us();
	struct buf	 b, qs;
	char		*name;

	tagset_init(&ts);
	buf_init(&b);
	buf_init(&qs);
	snprintf(pid, sizeof(pid), "%lld", (long long)p->p_id);
	snprintf(uid, sizeof(uid), "%lld", (long long)w->w_user);

	/* ?tag= values (AND), in order */
	{
		const struct http_req *h = w->w_q->q_http;
		const char *s = h->query, *end = s ? s + h->query_len : NULL;

		while (s != NULL && s < end && nt < 16) {
			const char *amp = memchr(s, '&', (size_t)(end - s));

			if (amp == NULL)
				amp = end;
			if ((size_t)(amp - s) > 4 && memcmp(s, "tag=", 4) == 0 &&
			    http_urldecode(s + 4, (size_t)(amp - s - 4),
			    tagbuf[nt], sizeof(tagbuf[nt]), 1) != (size_t)-1 &&
			    tagbuf[nt][0])
				tags[nt] = tagbuf[nt], nt++;
			s = amp + 1;
		}
	}
	if (web_query(w, "search", search, sizeof(search)) != 1)
		search[0] = '\0';
	if (web_query(w, "status", want, sizeof(want)) != 1)
		want[0] = '\0';
	for (i = 0; search[i]; i++)
		search[i] = (char)tolower((unsigned char)search[i]);

	/* the sort order: given (and saved), else the profile's */
	if (web_query(w, "sort", sort, sizeof(sort)) == 1 &&
	    (key = sort_parse(sort)) != -1) {
		params[0] = uid;
		params[1] = sort;
		if ((pr = cdb_exec(&w->w_x, "UPDATE accounts_profile SET sort = "
		    "$2 WHERE user_id = $1::int", 2, params, &e)) != NULL)
			PQclear(pr);
	} else {
		params[0] = uid;
		key = 0;
		if ((pr = cdb_exec(&w->w_x, "SELECT sort FROM accounts_profile "
		    "WHERE user_id = $1::int", 1, params, &e)) != NULL) {
			if (PQntuples(pr) == 1 && (key = sort_parse(
			    PQgetvalue(pr, 0, 0))) == -1)
				key = 0;
			PQclear(pr);
		}
	}
	/* the URL switch, saved in the project by those who may */
	if (web_query(w, "urls", urls, sizeof(urls)) == 1 &&
	    (strcmp(urls, "uuid") == 0 || strcmp(urls, "slug") == 0)) {
		p->p_show_slugs = urls[0] == 's';
		if (p->p_role >= ROLE_MEMBER) {
			params[0] = pid;
			params[1] = p->p_show_slugs ? "t" : "f";
			if ((pr = cdb_exec(&w->w_x, "UPDATE accounts_project SET "
			    "show_slugs = $2::boolean WHERE id = $1::int", 2,
			    params, &e)) != NULL)
				PQclear(pr);
		}
	}
	by_slug = p->p_show_slugs;

	params[0] = pid;
	if ((res = check_db_select(&w->w_x, "c.project_id = $1::int", 1,
	    params, 1, &e)) == NULL) {
		web_fail(w, &e);
		goto out;
	}
	n = PQntuples(res);
	rows = xcalloc((size_t)n + 1, sizeof(*rows));
	for (k = 0; k < n; k++) {
		check_row_decode(res, k, &rows[k].row);
		web_check_status(&rows[k].row, now, &rows[k].status,
		    &rows[k].started);
		rows[k].idx = k;
		rows[k].key = key;
		tagset_add_tags(&ts, rows[k].row.cr_tags,
		    status_bit(rows[k].status));
	}
	qsort(rows, (size_t)n, sizeof(*rows), lrow_cmp);

	/* the tag pills */
	order = tagset_sorted(&ts);
	for (i = 0; i < ts.ts_n; i++) {
		struct tctx	*t = tadd(w->w_ctx, "alltags");
		const char	*tag = ts.ts_tag[order[i]];
		int		 on = 0;

		for (k = 0; k < nt; k++)
			if (strcmp(tags[k], tag) == 0)
				on = 1;
		tset(t, "tag", tag);
		tset(t, "tag_status", bit_status(ts.ts_val[order[i]]));
		tset(t, "active", on ? "1" : "");
		/* the link toggles this tag in the current filter */
		buf_reset(&qs);
		for (k = 0; k < nt; k++)
			if (strcmp(tags[k], tag) != 0) {
				buf_addstr(&qs, qs.b_len ? "&tag=" : "?tag=");
				esc_url(&qs, tags[k], strlen(tags[k]));
			}
		if (!on) {
			buf_addstr(&qs, qs.b_len ? "&tag=" : "?tag=");
			esc_url(&qs, tag, strlen(tag));
		}
		tset(t, "tag_href", qs.b_len ? (char *)qs.b_data : "?");
	}
	free(order);

	for (k = 0; k < n; k++) {
		struct check_row	*row = &rows[k].row;
		struct tctx		*it;
		struct tagctx		 tc;
		int			 j;

		for (j = 0; j < nt; j++)
			if (!check_has_tag(row->cr_tags, tags[j]))
				break;
		if (j < nt || !matches_search(row, search))
			continue;
		/* ?status=: one status, or "started" for running checks */
		if (want[0] && !(strcmp(want, "started") == 0 ?
		    rows[k].started : strcmp(want, rows[k].status) == 0))
			continue;
		it = tadd(w->w_ctx, "checks");
		tset(it, "code", row->cr_code);
		tset(it, "name", row->cr_name);
		tset(it, "desc", row->cr_desc);
		tset(it, "status", rows[k].status);
		tset(it, "started", rows[k].started ? "1" : "");
		tc.it = it;
		check_tags_each(row->cr_tags, row_tag, &tc);
		buf_reset(&b);
		web_ping_url(&b, w, p, row, by_slug);
		tset(it, "ping_url", (char *)b.b_data);
		buf_reset(&b);
		web_schedule_text(&b, row);
		tset(it, "schedule", (char *)b.b_data);
		tset(it, "kind", check_kind_name(row->cr_kind));
		if (row->cr_kind != CK_SIMPLE)
			tset(it, "tz", row->cr_tz);
		buf_reset(&b);
		web_duration(&b, row->cr_grace / CT_SEC);
		tset(it, "grace", (char *)b.b_data);
		buf_reset(&b);
		web_ago(&b, row->cr_last_ping, now);
		tset(it, "last_ping", (char *)b.b_data);
		buf_reset(&b);
		if (row->cr_last_duration != CT_NONE &&
		    row->cr_last_duration > 0 &&
		    row->cr_last_duration < 72LL * 3600 * CT_SEC)
			web_duration(&b, row->cr_last_duration / CT_SEC);
		tset(it, "last_duration", b.b_len ? (char *)b.b_data : "");
	}
	tseti(w->w_ctx, "ncheck_all", n);
	tset(w->w_ctx, "search", search);
	tset(w->w_ctx, "sort", key == 0 ? "created" : key == 1 ?
	    "name" : key == 2 ? "-name" : key == 3 ? "last_ping" :
	    key == 4 ? "-last_ping" : "status");
	tset(w->w_ctx, "by_slug", by_slug ? "1" : "");
	tset(w->w_ctx, "filtered", nt || search[0] || want[0] ? "1" : "");
	tset(w->w_ctx, "nav", "checks");
	web_set_project(w, p);
	name = web_project_name(p);
	web_page(w, 200, "checks", name);
	free(name);
out:
	PQclear(res);
	free(rows);
	tagset_free(&ts);
	buf_clear(&b);
	buf_clear(&qs);
}

/* GET /projects/<uuid>/checks/ */
int
web_checks(struct req *q, struct resp *r)
{
	struct web		w;
	struct web_project	p;
	char			code[40];

	if (web_begin(&w, q, r, 0) == 0 && web_method(&w, "GET")) {
		web_arg(&w, 0, code, sizeof(code));
		if (web_project_get(&w, code, &p) == 0)
			list_page(&w, &p);
	}
	web_end(&w);
	return 0;
}

/* GET /projects/<uuid>/checks/status/: what the list's script polls. */
int
web_checks_status(struct req *q, struct resp *r)
{
	struct web		 w;
	struct web_project	 p;
	struct check_row	 row;
	struct tagset		 ts;
	struct json_w		 j;
	struct buf		 out, b;
	struct dberr		 e;
	PGresult		*res;
	char			 code[40], pid[24];
	const char		*params[1], *status;
	int			 k, started;
	size_t			 i;
	int64_t			 now = hc_now_us();

	if (web_begin(&w, q, r, WEB_JSON) == -1 || !web_method(&w, "GET"))
		goto out;
	web_arg(&w, 0, code, sizeof(code));
	if (web_project_get(&w, code, &p) == -1)
		goto out;
	snprintf(pid, sizeof(pid), "%lld", (long long)p.p_id);
	params[0] = pid;
	if ((res = check_db_select(&w.w_x, "c.project_id = $1::int", 1,
	    params, 1, &e)) == NULL) {
		web_fail(&w, &e);
		goto out;
	}
	tagset_init(&ts);
	buf_init(&out);
	buf_init(&b);
	json_w_init(&j, &out);
	json_w_obj_begin(&j);
	json_w_key(&j, "details");
	json_w_arr_begin(&j);
	for (k = 0; k < PQntuples(res); k++) {
		check_row_decode(res, k, &row);
		web_check_status(&row, now, &status, &started);
		tagset_add_tags(&ts, row.cr_tags, status_bit(status));
		json_w_obj_begin(&j);
		json_w_key(&j, "code");
		json_w_str(&j, row.cr_code);
		json_w_key(&j, "status");
		json_w_str(&j, status);
		json_w_key(&j, "started");
		json_w_bool(&j, started);
		buf_reset(&b);
		web_ago(&b, row.cr_last_ping, now);
		json_w_key(&j, "last_ping");
		json_w_str(&j, (char *)b.b_data);
		buf_reset(&b);
		if (row.cr_last_duration != CT_NONE && row.cr_last_duration > 0 &&
		    row.cr_last_duration < 72LL * 3600 * CT_SEC)
			web_duration(&b, row.cr_last_duration / CT_SEC);
		json_w_key(&j, "last_duration");
		json_w_str(&j, b.b_len ? (char *)b.b_data : "");
		json_w_obj_end(&j);
	}
	json_w_arr_end(&j);
	json_w_key(&j, "tags");
	json_w_obj_begin(&j);
	for (i = 0; i < ts.ts_n; i++) {
		json_w_key(&j, ts.ts_tag[i]);
		json_w_str(&j, bit_status(ts.ts_val[i]));
	}
	json_w_obj_end(&j);
	json_w_obj_end(&j);
	web_json(&w, 200, &out);
	PQclear(res);
	tagset_free(&ts);
	buf_clear(&out);
	buf_clear(&b);
out:
	web_end(&w);
	return 0;
}

/* Form fields to the API's JSON: strings, and integer seconds. */
static void
json_field(struct web *w, struct json_w *j, const char *name, int integer)
{
	size_t		 sz = w->w_q->q_http->body_len + 1;
	char		*v = xmalloc(sz);
	int64_t		 n;
	const char	*errstr;

	if (web_form(w, name, v, sz) == 1) {
		json_w_key(j, name);
		if (!integer)
			json_w_str(j, v);
		else {
			n = hc_strtonum(v, 0, INT64_MAX / 2, &errstr);
			json_w_int(j, errstr ? -1 : n);
		}
	}
	free(v);
}

/* Build the JSON object of a check form (name, slug, tags, desc, and
 * the schedule: kind simple -> timeout, else schedule + tz; grace). */
void
web_check_form_json(struct web *w, struct json_w *j, int sched_only)
{
	char kind[16];

	if (!sched_only) {
		json_field(w, j, "name", 0);
		json_field(w, j, "slug", 0);
		json_field(w, j, "tags", 0);
		json_field(w, j, "desc", 0);
	}
	if (web_form(w, "kind", kind, sizeof(kind)) != 1)
		return;
	if (strcmp(kind, "simple") == 0)
		json_field(w, j, "timeout", 1);
	else {
		json_field(w, j, "schedule", 0);
		json_field(w, j, "tz", 0);
	}
	json_field(w, j, "grace", 1);
}

/* POST /projects/<uuid>/checks/add/ */
int
web_checks_add(struct req *q, struct resp *r)
{
	struct web		w;
	struct web_project	p;
	struct json_w		j;
	struct buf		b;
	char			code[40], ccode[37];
	int64_t			id;

	buf_init(&b);
	if (web_begin(&w, q, r, 0) == -1 || !web_method(&w, "POST"))
		goto out;
	web_arg(&w, 0, code, sizeof(code));
	if (web_project_get(&w, code, &p) == -1 || !web_can_write(&w, &p))
		goto out;
	json_w_init(&j, &b);
	json_w_obj_begin(&j);
	web_check_form_json(&w, &j, 0);
	json_w_obj_end(&j);
	if (web_check_write(&w, p.p_id, 0, &b, 1, &id, ccode) == 0)
		web_redirect(&w, "/checks/%s/details/", ccode);
out:
	buf_clear(&b);
	web_end(&w);
	return 0;
}
