/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The data functions of check_db.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "check.h"
#include "check_db.h"
#include "checkdef.h"
#include "conf.h"
#include "db.h"
#include "dbconn.h"
#include "hcd.h"
#include "index.h"
#include "log.h"
#include "uuid.h"

int
dberr_set(struct dberr *e, int code, const char *fmt, ...)
{
	va_list ap;

	e->e_code = code;
	va_start(ap, fmt);
	vsnprintf(e->e_msg, sizeof(e->e_msg), fmt, ap);
	va_end(ap);
	return -1;
}

static void
fmt_id(char *out, size_t outsz, int64_t id)
{
	snprintf(out, outsz, "%lld", (long long)id);
}

PGresult *
cdb_exec(struct dbctx *x, const char *sql, int n, const char *const *params,
    struct dberr *e)
{
	PGresult	*r;
	char		 err[256];

	if ((r = dbconn_exec(x->x_db, sql, n, params, 0, err,
	    sizeof(err))) == NULL) {
		log_warnx("database: %s", err);
		dberr_set(e, 503, "database unavailable");
	}
	return r;
}

static int
cdb_cmd(struct dbctx *x, const char *sql, int n, const char *const *params,
    struct dberr *e)
{
	PGresult *r = cdb_exec(x, sql, n, params, e);

	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}

int
cdb_begin(struct dbctx *x, struct dberr *e)
{
	return cdb_cmd(x, "BEGIN", 0, NULL, e);
}

int
cdb_commit(struct dbctx *x, struct dberr *e)
{
	if (cdb_cmd(x, "COMMIT", 0, NULL, e) == -1) {
		cdb_rollback(x);
		return -1;
	}
	return 0;
}

void
cdb_rollback(struct dbctx *x)
{
	char err[128];

	if (dbconn_ok(x->x_db))
		dbconn_cmd(x->x_db, "ROLLBACK", 0, NULL, err, sizeof(err));
}

int
check_db_find(struct dbctx *x, int64_t project, const char *uuid, int64_t *id,
    int64_t *n_pings, struct dberr *e)
{
	const char	*p[1] = { uuid };
	PGresult	*r;

	if ((r = cdb_exec(x, "SELECT id, project_id, n_pings FROM api_check "
	    "WHERE code = $1", 1, p, e)) == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return dberr_set(e, 404, "not found");
	}
	*id = db_getint(r, 0, 0, 0);
	if (n_pings != NULL)
		*n_pings = db_getint(r, 0, 2, 0);
	if (db_getint(r, 0, 1, 0) != project) {
		PQclear(r);
		return dberr_set(e, 403, "forbidden");
	}
	PQclear(r);
	return 0;
}

int
check_db_find_key(struct dbctx *x, int64_t project, const char *uk,
    int64_t *id, struct dberr *e)
{
	char		 pid[24], k[41];
	const char	*p[1] = { pid };
	PGresult	*r;
	int		 i;

	fmt_id(pid, sizeof(pid), project);
	if ((r = cdb_exec(x, "SELECT id, code FROM api_check WHERE "
	    "project_id = $1 ORDER BY id", 1, p, e)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(r); i++) {
		check_unique_key(PQgetvalue(r, i, 1), k);
		if (strcmp(k, uk) == 0) {
			*id = db_getint(r, i, 0, 0);
			PQclear(r);
			return 0;
		}
	}
	PQclear(r);
	return dberr_set(e, 404, "not found");
}

PGresult *
check_db_select(struct dbctx *x, const char *where, int n,
    const char *const *params, int list, struct dberr *e)
{
	char		*sql;
	PGresult	*r;

	sql = xasprintf("SELECT %s FROM api_check c WHERE %s "
	    "ORDER BY c.created, c.id", list ? check_select_cols_list() :
	    check_select_cols(), where);
	r = cdb_exec(x, sql, n, params, e);
	free(sql);
	return r;
}

int
check_db_chanlists(struct dbctx *x, int64_t project, struct chanlists *cl,
    struct dberr *e)
{
	char		 pid[24];
	const char	*p[1] = { pid };
	PGresult	*r;
	struct buf	 b;
	int		 i, n;
	int64_t		 id;

	memset(cl, 0, sizeof(*cl));
	fmt_id(pid, sizeof(pid), project);
	/* uuid order is the order of the lower-case text */
	if ((r = cdb_exec(x, "SELECT cc.check_id, ch.code FROM api_channel ch "
	    "JOIN api_channel_checks cc ON cc.channel_id = ch.id "
	    "WHERE ch.project_id = $1 ORDER BY cc.check_id, ch.code", 1, p,
	    e)) == NULL)
		return -1;
	n = PQntuples(r);
	cl->cl_check = xcalloc((size_t)n + 1, sizeof(*cl->cl_check));
	cl->cl_codes = xcalloc((size_t)n + 1, sizeof(*cl->cl_codes));
	buf_init(&b);
	for (i = 0; i < n; i++) {
		id = db_getint(r, i, 0, 0);
		if (b.b_len)
			buf_addc(&b, ',');
		buf_addstr(&b, PQgetvalue(r, i, 1));
		if (i + 1 == n || db_getint(r, i + 1, 0, 0) != id) {
			cl->cl_check[cl->cl_n] = id;
			cl->cl_codes[cl->cl_n++] = xstrdup((char *)b.b_data);
			buf_reset(&b);
		}
	}
	buf_clear(&b);
	PQclear(r);
	return 0;
}

const char *
chanlists_get(const struct chanlists *cl, int64_t check)
{
	size_t lo = 0, hi = cl->cl_n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (cl->cl_check[mid] == check)
			return cl->cl_codes[mid];
		if (cl->cl_check[mid] < check)
			lo = mid + 1;
		else
			hi = mid;
	}
	return "";
}

void
chanlists_free(struct chanlists *cl)
{
	size_t i;

	for (i = 0; i < cl->cl_n; i++)
		free(cl->cl_codes[i]);
	free(cl->cl_check);
	free(cl->cl_codes);
	memset(cl, 0, sizeof(*cl));
}

int
check_db_get(struct dbctx *x, int64_t id, int lock, PGresult **res,
    struct dberr *e)
{
	char		 ids[24], *sql;
	const char	*p[1] = { ids };
	PGresult	*r;

	fmt_id(ids, sizeof(ids), id);
	sql = xasprintf("SELECT %s FROM api_check c WHERE c.id = $1%s",
	    check_select_cols(), lock ? " FOR UPDATE" : "");
	r = cdb_exec(x, sql, 1, p, e);
	free(sql);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return dberr_set(e, 404, "not found");
	}
	*res = r;
	return 0;
}

/*
 * Healthchecks' _lookup: with `unique` given and every field it names
 * present, the first check of the project equal in all of them.  Its
 * id, or 0.
 */
static int
unique_lookup(struct dbctx *x, const char *pid, struct check_input *in,
    int64_t *id, struct dberr *e)
{
	static const struct {
		unsigned	 bit;
		const char	*name;
		const char	*cmp;
	} u[] = {
		{ CHECK_U_NAME, "name", "name = $%d" },
		{ CHECK_U_SLUG, "slug", "slug = $%d" },
		{ CHECK_U_TAGS, "tags", "tags = $%d" },
		{ CHECK_U_TIMEOUT, "timeout",
		    "timeout = $%d::bigint * interval '1 second'" },
		{ CHECK_U_GRACE, "grace",
		    "grace = $%d::bigint * interval '1 second'" },
	};
	struct buf	 w;
	const char	*p[6];
	char		 num[5][24];
	size_t		 i;
	int		 n = 0;
	PGresult	*r;

	*id = 0;
	if (in == NULL || in->ci_unique == 0)
		return 0;
	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if ((in->ci_unique & u[i].bit) &&
		    !check_input_has(in, u[i].name))
			return 0;
	p[n++] = pid;
	buf_init(&w);
	buf_addstr(&w, "SELECT id FROM api_check WHERE project_id = $1");
	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		if (!(in->ci_unique & u[i].bit))
			continue;
		if (u[i].bit == CHECK_U_TIMEOUT || u[i].bit == CHECK_U_GRACE) {
			fmt_id(num[i], sizeof(num[i]), check_input_int(in,
			    u[i].name, 0));
			p[n++] = num[i];
		} else
			p[n++] = check_input_str(in, u[i].name);
		buf_addstr(&w, " AND ");
		buf_printf(&w, u[i].cmp, n);
	}
	buf_addstr(&w, " ORDER BY id LIMIT 1");
	r = cdb_exec(x, (char *)w.b_data, n, p, e);
	buf_clear(&w);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 1)
		*id = db_getint(r, 0, 0, 0);
	PQclear(r);
	return 0;
}

int
check_db_create(struct dbctx *x, const struct check_new *cn, int64_t *id,
    int *created, struct dberr *e)
{
	char		 pid[24], cid[24], fac[8];
	const char	*p[2] = { pid, NULL };
	PGresult	*r;
	int		 over;

	*id = 0;
	*created = 0;
	fmt_id(pid, sizeof(pid), cn->cn_project);
	/* The one lock of every creator of checks in this project. */
	if ((r = cdb_exec(x, "SELECT 1 FROM accounts_project WHERE id = $1 "
	    "FOR UPDATE", 1, p, e)) == NULL)
		return -1;
	over = PQntuples(r) == 0;
	PQclear(r);
	if (over)
		return dberr_set(e, 404, "not found");
	if (cn->cn_slug != NULL) {
		p[1] = cn->cn_slug;
		if ((r = cdb_exec(x, "SELECT id FROM api_check WHERE "
		    "project_id = $1 AND slug = $2 ORDER BY id LIMIT 1", 2, p,
		    e)) == NULL)
			return -1;
		if (PQntuples(r) > 0)
			*id = db_getint(r, 0, 0, 0);
		PQclear(r);
	} else if (unique_lookup(x, pid, cn->cn_unique, id, e) == -1)
		return -1;
	if (*id != 0)
		return 0;

	snprintf(fac, sizeof(fac), "%d", cn->cn_limit_factor);
	p[1] = fac;
	if ((r = cdb_exec(x,
	    "SELECT (SELECT count(*) FROM api_check c JOIN accounts_project p2 "
	    "        ON p2.id = c.project_id WHERE p2.owner_id = p.owner_id) "
	    "       >= $2::integer * coalesce(pr.check_limit, 0) "
	    "FROM accounts_project p "
	    "LEFT JOIN accounts_profile pr ON pr.user_id = p.owner_id "
	    "WHERE p.id = $1", 2, p, e)) == NULL)
		return -1;
	over = PQntuples(r) == 0 || strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (over)
		return dberr_set(e, 403, "check limit reached");
	/*
	 * Every node's index holds MAX_CHECKS checks, all projects' together:
	 * no more may be made, or the newest could not be pinged and the
	 * next start would fail.  Creators in different projects take this
	 * second lock only here, so that two cannot both take the last
	 * place.
	 */
	if (x->x_conf != NULL) {
		snprintf(cid, sizeof(cid), "%lld",
		    (long long)x->x_conf->max_checks);
		p[1] = cid;
		if ((r = cdb_exec(x, "SELECT pg_advisory_xact_lock("
		    "1751345764), (SELECT count(*) FROM api_check) >= "
		    "$2::bigint, $1::bigint", 2, p, e)) == NULL)
			return -1;
		over = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 1),
		    "t") == 0;
		PQclear(r);
		if (over)
			return dberr_set(e, 503, "this hcd holds at most %lld "
			    "checks (MAX_CHECKS)",
			    (long long)x->x_conf->max_checks);
	}

	if (cn->cn_slug != NULL) {
		p[1] = cn->cn_slug;
		r = cdb_exec(x, "INSERT INTO api_check (project_id, name, slug) "
		    "VALUES ($1, $2, $2) RETURNING id", 2, p, e);
	} else
		r = cdb_exec(x, "INSERT INTO api_check (project_id) "
		    "VALUES ($1) RETURNING id", 1, p, e);
	if (r == NULL)
		return -1;
	*id = db_getint(r, 0, 0, 0);
	PQclear(r);
	if (cn->cn_all_channels) {
		fmt_id(cid, sizeof(cid), *id);
		p[1] = cid;
		if (cdb_cmd(x, "INSERT INTO api_channel_checks "
		    "(channel_id, check_id) SELECT id, $2::integer "
		    "FROM api_channel WHERE project_id = $1", 2, p, e) == -1)
			return -1;
	}
	*created = 1;
	return 0;
}

int
check_db_update(struct dbctx *x, int64_t id, struct check_input *in,
    int version, const char *channels, char *code, char *slug,
    struct dberr *e)
{
	struct check_row	 row;
	struct check_state	 s;
	PGresult		*r;
	const char		**vals;
	char			*scratch, ids[24];
	const char		*p[2] = { ids, channels };
	int			 n, rv = -1;

	if (check_db_get(x, id, 1, &r, e) == -1)
		return -1;
	check_row_decode(r, 0, &row);
	if (in != NULL)
		check_apply(&row, in, version);
	check_row_state(&row, &s);
	n = check_update_nparams();
	vals = xcalloc((size_t)n, sizeof(*vals));
	scratch = xcalloc((size_t)n, 24);
	check_update_params(&row, check_going_down_after(&s), vals, scratch);
	if (cdb_cmd(x, check_update_sql(), n, vals, e) == -1)
		goto out;
	if (channels != NULL) {
		fmt_id(ids, sizeof(ids), id);
		if (cdb_cmd(x, "DELETE FROM api_channel_checks WHERE "
		    "check_id = $1", 1, p, e) == -1 ||
		    cdb_cmd(x, "INSERT INTO api_channel_checks "
		    "(channel_id, check_id) SELECT DISTINCT "
		    "unnest($2::integer[]), $1::integer", 2, p, e) == -1)
			goto out;
	}
	if (code != NULL)
		hc_strlcpy(code, row.cr_code, 37);
	if (slug != NULL)
		hc_strlcpy(slug, row.cr_slug, 101);
	rv = 0;
out:
	free(vals);
	free(scratch);
	PQclear(r);
	return rv;
}

void
check_db_publish(struct dbctx *x, const char *code, int64_t id,
    int64_t project, const char *slug)
{
	uint8_t	u[16];

	if (x->x_index == NULL || uuid_parse_text(code, u) == -1)
		return;
	if (index_put_check(x->x_index, u, id, project, slug) == -1)
		log_warnx("check index full; pings of check %lld wait for "
		    "the next refresh", (long long)id);
}

void
check_db_unpublish(struct dbctx *x, const char *code)
{
	uint8_t	u[16];

	if (x->x_index != NULL && uuid_parse_text(code, u) == 0)
		index_del_check(x->x_index, u);
}

int
check_db_delete(struct dbctx *x, int64_t id, PGresult **res, struct dberr *e)
{
	char		 ids[24];
	const char	*p[1] = { ids };
	PGresult	*r;

	*res = NULL;
	if (cdb_begin(x, e) == -1)
		return -1;
	if (check_db_get(x, id, 1, &r, e) == -1)
		goto fail;
	fmt_id(ids, sizeof(ids), id);
	if (cdb_cmd(x, "DELETE FROM api_check WHERE id = $1", 1, p,
	    e) == -1) {
		PQclear(r);
		goto fail;
	}
	if (cdb_commit(x, e) == -1) {
		PQclear(r);
		return -1;
	}
	*res = r;
	return 0;
fail:
	cdb_rollback(x);
	return -1;
}

int
check_db_pause(struct dbctx *x, int64_t id, struct dberr *e)
{
	char		 ids[24];
	const char	*p[1] = { ids };

	fmt_id(ids, sizeof(ids), id);
	if (cdb_begin(x, e) == -1)
		return -1;
	if (cdb_cmd(x, "INSERT INTO api_flip (owner_id, created, "
	    "processed, old_status, new_status) SELECT id, now(), now(), "
	    "status, 'paused' FROM api_check WHERE id = $1 AND "
	    "status <> 'paused'", 1, p, e) == -1 ||
	    cdb_cmd(x, "UPDATE api_check SET status = 'paused', "
	    "last_start = NULL, alert_after = NULL WHERE id = $1", 1, p,
	    e) == -1) {
		cdb_rollback(x);
		return -1;
	}
	return cdb_commit(x, e);
}

int
check_db_resume(struct dbctx *x, int64_t id, struct dberr *e)
{
	char		 ids[24];
	const char	*p[1] = { ids };
	PGresult	*r;
	int		 paused;

	fmt_id(ids, sizeof(ids), id);
	if (cdb_begin(x, e) == -1)
		return -1;
	if ((r = cdb_exec(x, "SELECT status FROM api_check WHERE id = $1 "
	    "FOR UPDATE", 1, p, e)) == NULL)
		goto fail;
	paused = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0),
	    "paused") == 0;
	PQclear(r);
	if (!paused) {
		dberr_set(e, 409, "check is not paused");
		goto fail;
	}
	if (cdb_cmd(x, "INSERT INTO api_flip (owner_id, created, "
	    "processed, old_status, new_status) VALUES ($1, now(), now(), "
	    "'paused', 'new')", 1, p, e) == -1 ||
	    cdb_cmd(x, "UPDATE api_check SET status = 'new', "
	    "last_start = NULL, last_ping = NULL, alert_after = NULL "
	    "WHERE id = $1", 1, p, e) == -1)
		goto fail;
	return cdb_commit(x, e);
fail:
	cdb_rollback(x);
	return -1;
}

int
channel_db_resolve(struct dbctx *x, int64_t project, const char *spec,
    char **out, struct dberr *e)
{
	char		 pid[24], *list, *item, *next;
	const char	*p[1] = { pid };
	PGresult	*r;
	struct buf	 b;
	int		 i, n, match, found, rv = 0;

	*out = NULL;
	buf_init(&b);
	buf_addc(&b, '{');
	if (*spec == '\0') {
		buf_addc(&b, '}');
		*out = (char *)b.b_data;
		return 0;
	}
	fmt_id(pid, sizeof(pid), project);
	if ((r = cdb_exec(x, "SELECT id, code::text, name FROM api_channel "
	    "WHERE project_id = $1 ORDER BY id", 1, p, e)) == NULL) {
		buf_clear(&b);
		return -1;
	}
	n = PQntuples(r);
	if (strcmp(spec, "*") == 0) {
		for (i = 0; i < n; i++)
			buf_printf(&b, "%s%s", i ? "," : "",
			    PQgetvalue(r, i, 0));
	} else {
		list = xstrdup(spec);
		for (item = list; item != NULL && rv == 0; item = next) {
			if ((next = strchr(item, ',')) != NULL)
				*next++ = '\0';
			if (*item == '\0') {
				rv = dberr_set(e, 400,
				    "empty channel identifier");
				break;
			}
			for (i = 0, match = 0, found = -1; i < n; i++)
				if (strcmp(PQgetvalue(r, i, 1), item) == 0 ||
				    strcmp(PQgetvalue(r, i, 2), item) == 0) {
					if (match++ == 0)
						found = i;
				}
			if (match != 1) {
				rv = dberr_set(e, 400, "%s channel "
				    "identifier: %s", match ? "non-unique" :
				    "invalid", item);
				break;
			}
			buf_printf(&b, "%s%s", b.b_len > 1 ? "," : "",
			    PQgetvalue(r, found, 0));
		}
		free(list);
	}
	PQclear(r);
	if (rv != 0) {
		buf_clear(&b);
		return -1;
	}
	buf_addc(&b, '}');
	*out = (char *)b.b_data;
	return 0;
}

int64_t
project_db_ping_log_limit(struct dbctx *x, int64_t project)
{
	char		 pid[24];
	const char	*p[1] = { pid };
	PGresult	*r;
	struct dberr	 e;
	int64_t		 v = HC_PING_LOG_LIMIT;
	const char	*es;

	fmt_id(pid, sizeof(pid), project);
	if ((r = cdb_exec(x, "SELECT pr.ping_log_limit FROM accounts_project "
	    "p JOIN accounts_profile pr ON pr.user_id = p.owner_id "
	    "WHERE p.id = $1", 1, p, &e)) == NULL)
		return v;
	if (PQntuples(r) == 1) {
		v = hc_strtonum(PQgetvalue(r, 0, 0), 0, INT32_MAX, &es);
		if (es != NULL)
			v = HC_PING_LOG_LIMIT;
	}
	PQclear(r);
	return v;
}
