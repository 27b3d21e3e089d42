/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * API endpoints for checks (spec 6.2): list, create or upsert, get by
 * UUID or unique_key, update, delete, pause, resume; and the database
 * half of a ping's ?create=1.  Validation, reading and rendering follow
 * the check model (common/checkdef.c); the data functions are
 * common/check_db.c's.  Run on a database thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "check.h"
#include "check_db.h"
#include "checkdef.h"
#include "conf.h"
#include "hcd.h"
#include "json.h"
#include "log.h"
#include "worker.h"

#define TAGS_MAX	32	/* ?tag= values used in the SQL prefilter */

static void
render_row(struct api *a, struct json_w *j, const struct check_row *row)
{
	const struct conf	*cf = a->a_q->q_w->w_conf;
	struct check_render	 cx;

	cx.cx_version = a->a_version;
	cx.cx_readonly = a->a_readonly;
	cx.cx_site_root = cf->site_root;
	cx.cx_ping_endpoint = cf->ping_endpoint;
	cx.cx_now = hc_now_us();
	check_render_json(row, &cx, j);
}

static void
reply_result(struct api *a, int status, PGresult *r)
{
	struct check_row	row;
	struct json_w		j;

	check_row_decode(r, 0, &row);
	api_json_begin(a, status, &j);
	render_row(a, &j, &row);
}

/* Answer with check `id` as it is now. */
static void
reply_check(struct api *a, int status, int64_t id)
{
	struct dberr	 e;
	PGresult	*r;

	if (check_db_get(a->a_x, id, 0, &r, &e) == -1) {
		api_fail(a, &e);
		return;
	}
	reply_result(a, status, r);
	PQclear(r);
}

/*
 * Create (id == 0, through check_db_create: upsert when `unique` picks
 * an existing check) or update check `id`, in one transaction; then
 * publish it to the index and answer with it.
 */
static void
check_write(struct api *a, int64_t id)
{
	struct dbctx		*x = a->a_x;
	struct check_input	 in;
	struct check_new	 cn;
	struct dberr		 e;
	char			 msg[256], code[37], slug[101], *chans = NULL;
	const char		*cspec;
	int			 created = 0;

	if (check_validate(a->a_doc, a->a_root, msg, sizeof(msg)) == -1) {
		api_json_error(a->a_r, 400, msg);
		return;
	}
	check_input_read(&in, a->a_doc, a->a_root);
	if (cdb_begin(x, &e) == -1)
		goto fail;
	if (id == 0) {
		memset(&cn, 0, sizeof(cn));
		cn.cn_project = a->a_project;
		cn.cn_unique = &in;
		cn.cn_limit_factor = 1;
		if (check_db_create(x, &cn, &id, &created, &e) == -1)
			goto rollback;
	}
	if ((cspec = check_input_str(&in, "channels")) != NULL &&
	    channel_db_resolve(x, a->a_project, cspec, &chans, &e) == -1)
		goto rollback;
	if (check_db_update(x, id, &in, a->a_version, chans, code, slug,
	    &e) == -1)
		goto rollback;
	if (cdb_commit(x, &e) == -1)
		goto fail;
	/* The ping path sees the new check, or its new slug, from now on. */
	check_db_publish(x, code, id, a->a_project, slug);
	reply_check(a, created ? 201 : 200, id);
	goto out;
rollback:
	cdb_rollback(x);
fail:
	api_fail(a, &e);
out:
	free(chans);
	check_input_free(&in);
}

/*
 * Every value of `key` in the query string, decoded, into a heap array
 * (*out, each value and the array to free); returns the count.
 */
static int
query_all(const struct http_req *h, const char *key, char ***out)
{
	const char	*p = h->query, *end, *amp, *eq;
	size_t		 klen = strlen(key), n;
	int		 cnt = 0, cap = 0;
	char		 kbuf[64], *v;

	*out = NULL;
	if (p == NULL || h->query_len == 0)
		return 0;
	end = p + h->query_len;
	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		n = http_urldecode(p, (size_t)((eq ? eq : amp) - p), kbuf,
		    sizeof(kbuf), 1);
		if (n != (size_t)-1 && n == klen && memcmp(kbuf, key, n) == 0) {
			size_t vl = eq ? (size_t)(amp - eq - 1) : 0;

			v = xmalloc(vl + 1);
			if (http_urldecode(eq ? eq + 1 : amp, vl, v, vl + 1,
			    1) == (size_t)-1)
				v[0] = '\0';
			if (cnt == cap) {
				cap = cap ? 2 * cap : 8;
				*out = xreallocarray(*out, (size_t)cap,
				    sizeof(**out));
			}
			(*out)[cnt++] = v;
		}
		p = amp + 1;
	}
	return cnt;
}

static void
checks_list(struct api *a)
{
	struct check_row	 row;
	struct chanlists	 cl;
	struct json_w		 j;
	struct dberr		 e;
	struct buf		 where;
	PGresult		*r;
	char			 pid[24], **tags, slug[256];
	const char		*params[TAGS_MAX + 2];
	int			 i, k, np = 0, nt, rc, none = 0;

	snprintf(pid, sizeof(pid), "%lld", (long long)a->a_project);
	buf_init(&where);
	params[np++] = pid;
	buf_addstr(&where, "c.project_id = $1");
	/*
	 * A tag or slug that is not UTF-8, or a slug longer than any can
	 * be, matches no check: the answer is an empty list, and nothing
	 * PostgreSQL would refuse reaches it.  Every tag filters; the
	 * first TAGS_MAX also narrow the query.
	 */
	nt = query_all(a->a_q->q_http, "tag", &tags);
	for (i = 0; i < nt; i++) {
		if (!hc_utf8_valid(tags[i], strlen(tags[i])))
			none = 1;
		else if (i < TAGS_MAX) {
			params[np++] = tags[i];
			buf_printf(&where, " AND strpos(c.tags, $%d) > 0", np);
		}
	}
	rc = http_query_get(a->a_q->q_http->query, a->a_q->q_http->query_len,
	    "slug", slug, sizeof(slug));
	if (rc == -1 || (rc == 1 && !hc_utf8_valid(slug, strlen(slug))))
		none = 1;
	else if (rc == 1 && slug[0] != '\0') {
		params[np++] = slug;
		buf_printf(&where, " AND c.slug = $%d", np);
	}
	if (none) {
		buf_clear(&where);
		api_list_begin(a, &j, "checks");
		api_list_end(&j);
		goto out;
	}
	/* The channels in one query, not a subquery per check. */
	memset(&cl, 0, sizeof(cl));
	r = check_db_select(a->a_x, (char *)where.b_data, np, params, 1, &e);
	buf_clear(&where);
	if (r == NULL || (!a->a_readonly &&
	    check_db_chanlists(a->a_x, a->a_project, &cl, &e) == -1)) {
		PQclear(r);
		api_fail(a, &e);
		goto out;
	}
	api_list_begin(a, &j, "checks");
	for (i = 0; i < PQntuples(r); i++) {
		check_row_decode(r, i, &row);
		for (k = 0; k < nt; k++)
			if (!check_has_tag(row.cr_tags, tags[k]))
				break;
		if (k < nt)
			continue;
		row.cr_channels = chanlists_get(&cl, row.cr_id);
		render_row(a, &j, &row);
	}
	api_list_end(&j);
	PQclear(r);
	chanlists_free(&cl);
out:
	for (i = 0; i < nt; i++)
		free(tags[i]);
	free(tags);
}

/* GET checks/ (list), POST checks/ (create or upsert). */
int
api_checks(struct req *q, struct resp *r)
{
	struct api	a;
	struct dbctx	x;
	int		post = q->q_http->method_len == 4 &&
			    memcmp(q->q_http->method, "POST", 4) == 0;

	if (api_begin(&a, q, r, &x, "GET, POST", post)) {
		if (post)
			check_write(&a, 0);
		else
			checks_list(&a);
	}
	api_end(&a);
	return 0;
}

/* GET, POST (update), DELETE checks/<uuid>. */
int
api_check(struct req *q, struct resp *r)
{
	struct api	 a;
	struct dbctx	 x;
	struct dberr	 e;
	char		 uuid[37];
	int64_t		 id;
	int		 write;
	PGresult	*res;

	write = !(q->q_http->method_len == 3 &&
	    memcmp(q->q_http->method, "GET", 3) == 0);
	if (!api_begin(&a, q, r, &x, "POST, DELETE, GET", write) ||
	    (id = api_check_id(&a, 0)) == 0)
		goto out;
	api_arg(q, 1, uuid, sizeof(uuid));
	if (api_method_is(&a, "POST"))
		check_write(&a, id);
	else if (api_method_is(&a, "DELETE")) {
		if (check_db_delete(&x, id, &res, &e) == -1) {
			api_fail(&a, &e);
			goto out;
		}
		/* The answer is the check as it was. */
		reply_result(&a, 200, res);
		check_db_unpublish(&x, uuid);
		PQclear(res);
	} else
		reply_check(&a, 200, id);
out:
	api_end(&a);
	return 0;
}

/* GET checks/<unique_key> (read-only keys' address of a check). */
static void
get_by_key(struct api *a)
{
	int64_t id;

	if ((id = api_check_id(a, 1)) != 0)
		reply_check(a, 200, id);
}

int
api_check_by_key(struct req *q, struct resp *r)
{
	return api_run(q, r, "GET", 0, get_by_key);
}

/* POST checks/<uuid>/pause, checks/<uuid>/resume (spec 3.4). */
static void
pause_resume(struct api *a, int (*fn)(struct dbctx *, int64_t,
    struct dberr *))
{
	struct dberr	e;
	int64_t		id;

	if ((id = api_check_id(a, 0)) == 0)
		return;
	if (fn(a->a_x, id, &e) == -1)
		api_fail(a, &e);
	else
		reply_check(a, 200, id);
}

static void
pause(struct api *a)
{
	pause_resume(a, check_db_pause);
}

static void
resume(struct api *a)
{
	pause_resume(a, check_db_resume);
}

int
api_check_pause(struct req *q, struct resp *r)
{
	return api_run(q, r, "POST", 1, pause);
}

int
api_check_resume(struct req *q, struct resp *r)
{
	return api_run(q, r, "POST", 1, resume);
}

/*
 * ?create=1 for an unknown ping key + slug (spec 1.4), on a database
 * thread: create the check the way Healthchecks does (name = slug,
 * defaults, every channel of the project) unless the owner already has
 * twice their check limit, and publish it.  The job's j_rv tells the
 * loop (ping.c) what came of it: 1 created, 0 found (another request
 * made it a moment ago), -1 refused (404), -2 a 503 written into r
 * (the database away, or the node at MAX_CHECKS).
 */
int
api_ping_create(struct req *q, struct resp *r)
{
	struct job		*j = q->q_job;
	struct dbctx		 x;
	struct check_new	 cn;
	struct dberr		 e;
	PGresult		*res;
	struct check_row	 row;
	int64_t			 id;
	int			 created;

	api_ctx(q, &x);
	memset(&cn, 0, sizeof(cn));
	cn.cn_project = j->j_project;
	cn.cn_slug = j->j_slug;
	cn.cn_limit_factor = 2;
	cn.cn_all_channels = 1;
	if (cdb_begin(&x, &e) == -1)
		goto unavailable;
	if (check_db_create(&x, &cn, &id, &created, &e) == -1 ||
	    check_db_get(&x, id, 0, &res, &e) == -1) {
		cdb_rollback(&x);
		if (e.e_code == 403 || e.e_code == 404)
			return -1;
		goto unavailable;
	}
	if (cdb_commit(&x, &e) == -1) {
		PQclear(res);
		goto unavailable;
	}
	check_row_decode(res, 0, &row);
	check_db_publish(&x, row.cr_code, id, j->j_project, row.cr_slug);
	j->j_check = id;
	PQclear(res);
	if (created)
		log_info("created check %s in project %lld (ping with "
		    "?create=1)", j->j_slug, (long long)j->j_project);
	return created;
unavailable:
	/* the node is full, or the database away: say which */
	resp_text(r, 503, e.e_msg);
	buf_printf(&r->r_hdrs, "Retry-After: %s\r\n", HC_RETRY_AFTER);
	return -2;
}
