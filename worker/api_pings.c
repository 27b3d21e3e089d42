/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * API endpoints for a check's history (spec 6.2): its pings with their
 * durations (spec 1.7), a ping's body, and its flips.  Run on a
 * database thread.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "check.h"
#include "check_db.h"
#include "conf.h"
#include "db.h"
#include "dbconn.h"
#include "hcd.h"
#include "json.h"
#include "log.h"
#include "worker.h"

#define MAX_DURATION_US		(72LL * 3600 * CT_SEC)	/* spec 1.7 */
#define PINGS_MAX		1000
#define DURATION_MISSES_MAX	10

static void
fmt_id(char *out, size_t outsz, int64_t id)
{
	snprintf(out, outsz, "%lld", (long long)id);
}

static int
col_bool(const PGresult *r, int row, int col)
{
	return *PQgetvalue(r, row, col) == 't';
}

enum { P_N, P_KIND, P_CREATED, P_SCHEME, P_ADDR, P_METHOD, P_UA, P_RID,
    P_HASBODY };

static int
ping_is_completion(const char *kind)
{
	return *kind == '\0' || strcmp(kind, "fail") == 0;
}

/* Ping.duration, the slow way: one query for one ping (spec 1.7). */
static int64_t
ping_duration_slow(struct dbctx *x, int64_t check, PGresult *r, int row)
{
	struct dberr	 e;
	char		 ids[24];
	const char	*p[4];
	PGresult	*q;
	int64_t		 d = CT_NONE, created = db_getint(r, row, P_CREATED, CT_NONE);

	fmt_id(ids, sizeof(ids), check);
	p[0] = ids;
	p[1] = PQgetvalue(r, row, P_N);
	p[2] = PQgetvalue(r, row, P_CREATED);
	p[3] = PQgetisnull(r, row, P_RID) ? NULL : PQgetvalue(r, row, P_RID);
	q = cdb_exec(x, "SELECT coalesce(kind, ''), "
	    "(extract(epoch FROM created) * 1000000)::bigint FROM api_ping "
	    "WHERE owner_id = $1 AND n < $2::integer AND created >= "
	    "'epoch'::timestamptz + ($3::bigint - 259200000000) * "
	    "interval '1 microsecond' AND rid IS NOT DISTINCT FROM $4::uuid "
	    "AND (kind IS NULL OR kind IN ('', 'fail', 'start')) "
	    "ORDER BY n DESC LIMIT 1", 4, p, &e);
	if (q != NULL && PQntuples(q) == 1 &&
	    strcmp(PQgetvalue(q, 0, 0), "start") == 0)
		d = created - db_getint(q, 0, 1, CT_NONE);
	PQclear(q);
	return d;
}

/*
 * Durations of a newest-first list of pings (prepare_durations): a
 * success or fail takes its duration from the latest earlier start with
 * the same rid; with more than ten pings that need the per-ping
 * fallback, no durations at all.
 */
static void
ping_durations(struct dbctx *x, int64_t check, PGresult *r, int64_t *dur)
{
	struct start {
		char	rid[40];
		int	set;		/* seen */
		int64_t	t;		/* CT_NONE: consumed */
	}		*st;
	int		 n = PQntuples(r), ns = 0, i, k, misses = 0;
	int		*miss;

	st = xcalloc((size_t)n + 1, sizeof(*st));
	miss = xcalloc((size_t)n + 1, sizeof(*miss));
	for (i = n - 1; i >= 0; i--) {
		const char	*kind = PQgetvalue(r, i, P_KIND);
		const char	*rid = PQgetisnull(r, i, P_RID) ? "" :
				    PQgetvalue(r, i, P_RID);
		int64_t		 t = db_getint(r, i, P_CREATED, CT_NONE);

		dur[i] = CT_NONE;
		for (k = 0; k < ns; k++)
			if (strcmp(st[k].rid, rid) == 0)
				break;
		if (strcmp(kind, "start") == 0) {
			if (k == ns) {
				hc_strlcpy(st[ns].rid, rid, sizeof(st[ns].rid));
				ns++;
			}
			st[k].t = t;
			st[k].set = 1;
		} else if (ping_is_completion(kind)) {
			if (k == ns) {
				miss[misses++] = i;
				hc_strlcpy(st[ns].rid, rid, sizeof(st[ns].rid));
				ns++;
			} else if (st[k].t != CT_NONE &&
			    t - st[k].t < MAX_DURATION_US)
				dur[i] = t - st[k].t;
			st[k].t = CT_NONE;
			st[k].set = 1;
		}
	}
	if (misses > DURATION_MISSES_MAX) {
		for (i = 0; i < n; i++)
			dur[i] = CT_NONE;
	} else {
		for (k = 0; k < misses; k++)
			dur[miss[k]] = ping_duration_slow(x, check, r,
			    miss[k]);
	}
	free(st);
	free(miss);
}

static void
check_pings(struct api *a, int64_t id)
{
	const struct conf	*cf = a->a_q->q_w->w_conf;
	struct dbctx		*x = a->a_x;
	struct dberr		 e;
	PGresult		*r;
	struct json_w		 j;
	int64_t			 limit, *dur;
	char			 ids[24], lim[24], uuid[37];
	const char		*p[2] = { ids, lim };
	int			 i, n;

	api_arg(a->a_q, 1, uuid, sizeof(uuid));
	limit = project_db_ping_log_limit(x, a->a_project);
	if (limit > PINGS_MAX)
		limit = PINGS_MAX;
	fmt_id(ids, sizeof(ids), id);
	fmt_id(lim, sizeof(lim), limit);
	r = cdb_exec(x, "SELECT n, coalesce(kind, ''), "
	    "(extract(epoch FROM created) * 1000000)::bigint, scheme, "
	    "host(remote_addr), method, ua, rid, "
	    "coalesce(body <> '', false) OR coalesce(length(body_raw) > 0, "
	    "false) OR coalesce(object_size > 0, false) "
	    "FROM api_ping WHERE owner_id = $1 ORDER BY n DESC, id DESC "
	    "LIMIT $2", 2, p, &e);
	if (r == NULL) {
		api_fail(a, &e);
		return;
	}
	n = PQntuples(r);
	dur = xcalloc((size_t)n + 1, sizeof(*dur));
	ping_durations(x, id, r, dur);
	api_list_begin(a, &j, "pings");
	for (i = 0; i < n; i++) {
		const char *kind = PQgetvalue(r, i, P_KIND);

		json_w_obj_begin(&j);
		json_w_key(&j, "type");
		json_w_str(&j, *kind ? kind : "success");
		json_w_key(&j, "date");
		json_w_time_us(&j, db_getint(r, i, P_CREATED, CT_NONE));
		json_w_key(&j, "n");
		json_w_int(&j, db_getint(r, i, P_N, CT_NONE));
		json_w_key(&j, "scheme");
		json_w_str(&j, PQgetvalue(r, i, P_SCHEME));
		json_w_key(&j, "remote_addr");
		if (PQgetisnull(r, i, P_ADDR))
			json_w_null(&j);
		else
			json_w_str(&j, PQgetvalue(r, i, P_ADDR));
		json_w_key(&j, "method");
		json_w_str(&j, PQgetvalue(r, i, P_METHOD));
		json_w_key(&j, "ua");
		json_w_str(&j, PQgetvalue(r, i, P_UA));
		json_w_key(&j, "rid");
		if (PQgetisnull(r, i, P_RID))
			json_w_null(&j);
		else
			json_w_str(&j, PQgetvalue(r, i, P_RID));
		if (dur[i] != CT_NONE) {
			json_w_key(&j, "duration");
			json_w_double(&j, (double)dur[i] / CT_SEC, 2);
		}
		json_w_key(&j, "body_url");
		if (col_bool(r, i, P_HASBODY)) {
			char *url = xasprintf("%s/api/v%d/checks/%s/pings/%s/"
			    "body", cf->site_root, a->a_version, uuid,
			    PQgetvalue(r, i, P_N));

			json_w_str(&j, url);
			free(url);
		} else
			json_w_null(&j);
		json_w_obj_end(&j);
	}
	api_list_end(&j);
	free(dur);
	PQclear(r);
}

static void
ping_body(struct api *a)
{
	struct dbctx	*x = a->a_x;
	struct dberr	 err;
	PGresult	*r;
	int64_t		 id, n_pings, n, limit;
	char		 ids[24], ns[24], es[256], uuid[37], nstr[16];
	const char	*p[2] = { ids, ns }, *e;

	api_arg(a->a_q, 1, uuid, sizeof(uuid));
	if (check_db_find(x, a->a_project, uuid, &id, &n_pings, &err) == -1) {
		api_fail(a, &err);
		return;
	}
	/* At most 15 digits: longer numbers are out of range anyway. */
	if (a->a_q->q_arglen[2] >= sizeof(nstr)) {
		resp_text(a->a_r, 404, "not found");
		return;
	}
	api_arg(a->a_q, 2, nstr, sizeof(nstr));
	n = hc_strtonum(nstr, 0, INT32_MAX, &e);
	limit = project_db_ping_log_limit(x, a->a_project);
	if (e != NULL || n <= n_pings - limit) {
		resp_text(a->a_r, 404, "not found");
		return;
	}
	fmt_id(ids, sizeof(ids), id);
	fmt_id(ns, sizeof(ns), n);
	/* Binary results: the body's bytes as they are. */
	r = dbconn_exec(x->x_db, "SELECT coalesce(convert_to(body, 'UTF8'), "
	    "body_raw) FROM api_ping WHERE owner_id = $1 AND n = $2 "
	    "ORDER BY id LIMIT 1", 2, p, 1, es, sizeof(es));
	if (r == NULL) {
		log_warnx("database: %s", es);
		api_json_error(a->a_r, 503, "database unavailable");
		return;
	}
	if (PQntuples(r) == 0 || PQgetisnull(r, 0, 0) ||
	    PQgetlength(r, 0, 0) == 0) {
		PQclear(r);
		resp_text(a->a_r, 404, "not found");
		return;
	}
	a->a_r->r_status = 200;
	a->a_r->r_ctype = "text/plain";
	buf_reset(&a->a_r->r_body);
	buf_add(&a->a_r->r_body, PQgetvalue(r, 0, 0),
	    (size_t)PQgetlength(r, 0, 0));
	PQclear(r);
}

/*
 * A query parameter as Django's IntegerField or the flips form's
 * TimestampField would take it: optional surrounding whitespace and
 * sign, digits (IntegerField also drops a trailing ".000").  -1 if
 * present and malformed or out of [min, max]; 0 absent or empty and
 * `empty_ok`; 1 with *out.
 */
static int
query_int(const struct http_req *h, const char *key, int empty_ok,
    int decimals_ok, int64_t min, int64_t max, int64_t *out)
{
	char		 v[64], *s, *t;
	const char	*e;
	int		 rc;

	rc = http_query_get(h->query, h->query_len, key, v, sizeof(v));
	if (rc == 0)
		return 0;
	if (rc == -1)
		return -1;
	s = v;
	while (isspace((unsigned char)*s))
		s++;
	t = s + strlen(s);
	while (t > s && isspace((unsigned char)t[-1]))
		*--t = '\0';
	if (*s == '\0')
		return empty_ok ? 0 : -1;
	if (decimals_ok && (t = strchr(s, '.')) != NULL) {
		char *q = t + 1;

		while (*q == '0')
			q++;
		if (*q != '\0')
			return -1;
		*t = '\0';
	}
	if (*s == '+')
		s++;
	for (t = *s == '-' ? s + 1 : s; *t; t++)
		if (!isdigit((unsigned char)*t))
			return -1;
	*out = hc_strtonum(s, min, max, &e);
	return e == NULL ? 1 : -1;
}

static void
check_flips(struct api *a, int64_t id)
{
	const struct http_req	*h = a->a_q->q_http;
	struct dberr		 e;
	PGresult		*r;
	struct json_w		 j;
	struct buf		 sql;
	int64_t			 start, end, secs;
	int			 hs, he, hsec, np = 0, i;
	char			 ids[24], s1[24], s2[24], s3[24];
	const char		*p[4];

	hs = query_int(h, "start", 0, 0, 0, 10000000000LL, &start);
	he = query_int(h, "end", 0, 0, 0, 10000000000LL, &end);
	hsec = query_int(h, "seconds", 1, 1, 0, 31536000, &secs);
	if (hs == -1 || he == -1 || hsec == -1) {
		api_empty(a->a_r, 400);
		return;
	}
	fmt_id(ids, sizeof(ids), id);
	p[np++] = ids;
	buf_init(&sql);
	buf_addstr(&sql, "SELECT (extract(epoch FROM created) * 1000000)"
	    "::bigint, new_status FROM api_flip WHERE owner_id = $1");
	if (hs == 1) {
		fmt_id(s1, sizeof(s1), start);
		p[np++] = s1;
		buf_printf(&sql, " AND created >= to_timestamp($%d::bigint)",
		    np);
	}
	if (he == 1) {
		fmt_id(s2, sizeof(s2), end);
		p[np++] = s2;
		buf_printf(&sql, " AND created < to_timestamp($%d::bigint)",
		    np);
	}
	if (hsec == 1 && secs > 0) {
		fmt_id(s3, sizeof(s3), secs);
		p[np++] = s3;
		buf_printf(&sql, " AND created >= now() - $%d::bigint * "
		    "interval '1 second'", np);
	}
	buf_addstr(&sql, " ORDER BY id DESC");
	r = cdb_exec(a->a_x, (char *)sql.b_data, np, p, &e);
	buf_clear(&sql);
	if (r == NULL) {
		api_fail(a, &e);
		return;
	}
	api_list_begin(a, &j, "flips");
	for (i = 0; i < PQntuples(r); i++) {
		json_w_obj_begin(&j);
		json_w_key(&j, "timestamp");
		json_w_time(&j, db_getint(r, i, 0, CT_NONE));
		json_w_key(&j, "up");
		json_w_int(&j, strcmp(PQgetvalue(r, i, 1), "up") == 0);
		json_w_obj_end(&j);
	}
	api_list_end(&j);
	PQclear(r);
}

/* GET checks/<uuid>/pings/ */
static void
pings(struct api *a)
{
	int64_t	id;

	if ((id = api_check_id(a, 0)) != 0)
		check_pings(a, id);
}

int
api_check_pings(struct req *q, struct resp *r)
{
	return api_run(q, r, "GET", 1, pings);
}

/* GET checks/<uuid>/pings/<n>/body */
int
api_ping_body(struct req *q, struct resp *r)
{
	return api_run(q, r, "GET", 1, ping_body);
}

/* GET checks/<uuid>/flips/ and checks/<unique_key>/flips/ */
static void
flips(struct api *a)
{
	int64_t	id;

	if ((id = api_check_id(a, 0)) != 0)
		check_flips(a, id);
}

static void
flips_by_key(struct api *a)
{
	int64_t	id;

	if ((id = api_check_id(a, 1)) != 0)
		check_flips(a, id);
}

int
api_check_flips(struct req *q, struct resp *r)
{
	return api_run(q, r, "GET", 0, flips);
}

int
api_check_flips_by_key(struct req *q, struct resp *r)
{
	return api_run(q, r, "GET", 0, flips_by_key);
}
