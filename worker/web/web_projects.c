/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The projects overview (spec 8, "/"): every project the user owns or
 * is a member of, with its worst status (down > grace > up), whether a
 * check is running, and its counts of checks and integrations, down
 * projects first (?refresh: the same as JSON, which the page polls);
 * and creating, renaming and deleting projects.  The
 * overview takes three queries whatever the number of checks: the
 * projects, the state columns of all their checks, the channel counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apikey.h"
#include "check.h"
#include "checkdef.h"
#include "conf.h"
#include "db.h"
#include "hcd.h"
#include "json.h"
#include "proc.h"
#include "tmpl.h"
#include "web.h"
#include "worker.h"

struct ov {
	int64_t		 id;
	int		 row;		/* in the projects result */
	int		 worst;		/* 0 up/none, 1 grace, 2 down */
	int		 started;
	int64_t		 nchecks, nchannels;
};

static int
ov_cmp(const void *a, const void *b)
{
	const struct ov *x = a, *y = b;

	if (x->worst != y->worst)
		return y->worst - x->worst;
	return x->row - y->row;
}

/* GET / */
int
web_index(struct req *q, struct resp *r)
{
	struct web	 w;
	char		 uid[24];
	const char	*params[1];
	struct dberr	 e;
	PGresult	*pr = NULL, *cr = NULL, *chr = NULL;
	struct ov	*ov = NULL;
	struct check_state st;
	int		 i, k, n, status;
	int64_t		 now = hc_now_us();
	char		*sql, sql_dummy[8];

	if (web_begin(&w, q, r, 0) == -1 || !web_method(&w, "GET"))
		goto out;
	snprintf(uid, sizeof(uid), "%lld", (long long)w.w_user);
	params[0] = uid;
	pr = cdb_exec(&w.w_x, "SELECT p.id, p.code, p.name, u.email, "
	    "CASE WHEN p.owner_id = $1::int THEN 'o' ELSE m.role END "
	    "FROM accounts_project p JOIN auth_user u ON u.id = p.owner_id "
	    "LEFT JOIN accounts_member m ON m.project_id = p.id AND "
	    "m.user_id = $1::int WHERE p.owner_id = $1::int OR m.user_id IS "
	    "NOT NULL ORDER BY p.name, p.id", 1, params, &e);
	if (pr == NULL)
		goto fail;
	sql = xasprintf("SELECT c.project_id, %s FROM api_check c JOIN "
	    "accounts_project p ON p.id = c.project_id LEFT JOIN "
	    "accounts_member m ON m.project_id = p.id AND m.user_id = $1::int "
	    "WHERE p.owner_id = $1::int OR m.user_id IS NOT NULL "
	    "ORDER BY c.project_id", check_state_cols());
	cr = cdb_exec(&w.w_x, sql, 1, params, &e);
	free(sql);
	if (cr == NULL)
		goto fail;
	chr = cdb_exec(&w.w_x, "SELECT ch.project_id, count(*) FROM "
	    "api_channel ch JOIN accounts_project p ON p.id = ch.project_id "
	    "LEFT JOIN accounts_member m ON m.project_id = p.id AND m.user_id "
	    "= $1::int WHERE p.owner_id = $1::int OR m.user_id IS NOT NULL "
	    "GROUP BY ch.project_id", 1, params, &e);
	if (chr == NULL)
		goto fail;

	n = PQntuples(pr);
	ov = xcalloc((size_t)n + 1, sizeof(*ov));
	for (i = 0; i < n; i++) {
		ov[i].id = db_getint(pr, i, 0, 0);
		ov[i].row = i;
	}
	/* few projects: a linear search per row is fine */
	for (k = 0; k < PQntuples(cr); k++) {
		int64_t pid = db_getint(cr, k, 0, 0);

		for (i = 0; i < n && ov[i].id != pid; i++)
			;
		if (i == n)
			continue;
		check_state_decode(cr, k, 1, &st);
		ov[i].nchecks++;
		status = check_get_status(&st, now, 0);
		if (status == CS_DOWN)
			ov[i].worst = 2;
		else if (status == CS_GRACE && ov[i].worst < 1)
			ov[i].worst = 1;
		if (st.cs_last_start != CT_NONE)
			ov[i].started = 1;
	}
	for (k = 0; k < PQntuples(chr); k++) {
		int64_t pid = db_getint(chr, k, 0, 0);

		for (i = 0; i < n; i++)
			if (ov[i].id == pid)
				ov[i].nchannels = db_getint(chr, k, 1, 0);
	}
	qsort(ov, (size_t)n, sizeof(*ov), ov_cmp);
	if (web_query(&w, "refresh", sql_dummy, sizeof(sql_dummy)) == 1) {
		/* what the overview's script polls: statuses by project */
		struct json_w	j;
		struct buf	b;

		buf_init(&b);
		json_w_init(&j, &b);
		json_w_obj_begin(&j);
		for (i = 0; i < n; i++) {
			json_w_key(&j, PQgetvalue(pr, ov[i].row, 1));
			json_w_obj_begin(&j);
			json_w_key(&j, "status");
			json_w_str(&j, ov[i].worst == 2 ? "down" :
			    ov[i].worst == 1 ? "grace" : "up");
			json_w_key(&j, "started");
			json_w_bool(&j, ov[i].started);
			json_w_obj_end(&j);
		}
		json_w_obj_end(&j);
		web_json(&w, 200, &b);
		buf_clear(&b);
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct tctx	*it = tadd(w.w_ctx, "projects");
		int		 row = ov[i].row;
		const char	*role = PQgetvalue(pr, row, 4);

		tset(it, "code", PQgetvalue(pr, row, 1));
		tset(it, "name", PQgetvalue(pr, row, 2)[0] ?
		    PQgetvalue(pr, row, 2) : "Default Project");
		tset(it, "owner", PQgetvalue(pr, row, 3));
		tset(it, "is_owner", role[0] == 'o' ? "1" : "");
		tset(it, "status", ov[i].worst == 2 ? "down" :
		    ov[i].worst == 1 ? "grace" : "up");
		tset(it, "started", ov[i].started ? "1" : "");
		tseti(it, "nchecks", ov[i].nchecks);
		tset(it, "checks_plural", ov[i].nchecks == 1 ? "" : "s");
		tseti(it, "nchannels", ov[i].nchannels);
		tset(it, "channels_plural", ov[i].nchannels == 1 ? "" : "s");
	}
	tset(w.w_ctx, "nav", "projects");
	web_page(&w, 200, "projects", "My Projects");
	goto out;
fail:
	web_fail(&w, &e);
out:
	PQclear(pr);
	PQclear(cr);
	PQclear(chr);
	free(ov);
	web_end(&w);
	return 0;
}

static int
name_ok(struct web *w, const char *name)
{
	if (name[0] == '\0' || strlen(name) > 60 ||
	    !hc_utf8_valid(name, strlen(name))) {
		web_error(w, 400, "Bad Request", "A project name is 1 to 60 "
		    "characters long.");
		return 0;
	}
	return 1;
}

/* POST /projects/add/ */
int
web_project_add(struct req *q, struct resp *r)
{
	struct web	 w;
	char		 name[256], uid[24], pkey[PING_KEY_LEN + 1];
	const char	*params[3];
	struct dberr	 e;
	PGresult	*res;

	if (web_begin(&w, q, r, 0) == -1 || !web_method(&w, "POST"))
		goto out;
	if (web_form(&w, "name", name, sizeof(name)) != 1)
		name[0] = '\0';
	if (!name_ok(&w, name))
		goto out;
	snprintf(uid, sizeof(uid), "%lld", (long long)w.w_user);
	ping_key_generate(pkey);
	params[0] = name;
	params[1] = uid;
	params[2] = pkey;
	res = cdb_exec(&w.w_x, "INSERT INTO accounts_project (name, owner_id, "
	    "badge_key, ping_key) VALUES ($1, $2::int, "
	    "gen_random_uuid()::text, $3) RETURNING code", 3, params, &e);
	if (res == NULL) {
		web_fail(&w, &e);
		goto out;
	}
	web_redirect(&w, "/projects/%s/checks/", PQgetvalue(res, 0, 0));
	PQclear(res);
out:
	web_end(&w);
	return 0;
}

static void
settings_page(struct web *w, const struct web_project *p, int status)
{
	char *n = web_project_name(p);

	web_set_project(w, p);
	tset(w->w_ctx, "name", p->p_name);
	tset(w->w_ctx, "is_owner", p->p_role == ROLE_OWNER ? "1" : "");
	tset(w->w_ctx, "role_name", web_role_name(p->p_role));
	tset(w->w_ctx, "nav", "settings");
	web_page(w, status, "settings", n);
	free(n);
}

/* GET, POST /projects/<uuid>/settings/ (POST: rename) */
int
web_project_settings(struct req *q, struct resp *r)
{
	struct web		 w;
	struct web_project	 p;
	char			 code[40], name[256], pid[24];
	const char		*params[2];
	struct dberr		 e;
	PGresult		*res;

	if (web_begin(&w, q, r, 0) == -1 || !web_method(&w, "GET, POST"))
		goto out;
	web_arg(&w, 0, code, sizeof(code));
	if (web_project_get(&w, code, &p) == -1)
		goto out;
	if (!w.w_post) {
		settings_page(&w, &p, 200);
		goto out;
	}
	if (!web_can_write(&w, &p))
		goto out;
	if (web_form(&w, "name", name, sizeof(name)) != 1)
		name[0] = '\0';
	if (!name_ok(&w, name))
		goto out;
	snprintf(pid, sizeof(pid), "%lld", (long long)p.p_id);
	params[0] = pid;
	params[1] = name;
	if ((res = cdb_exec(&w.w_x, "UPDATE accounts_project SET name = $2 "
	    "WHERE id = $1::int", 2, params, &e)) == NULL) {
		web_fail(&w, &e);
		goto out;
	}
	PQclear(res);
	hc_strlcpy(p.p_name, name, sizeof(p.p_name));
	tset(w.w_ctx, "flash", "The project has been renamed.");
	tset(w.w_ctx, "flash_kind", "ok");
	settings_page(&w, &p, 200);
out:
	web_end(&w);
	return 0;
}

/* POST /projects/<uuid>/remove/ (the owner only) */
int
web_project_remove(struct req *q, struct resp *r)
{
	struct web		 w;
	struct web_project	 p;
	char			 code[40], pid[24];
	const char		*params[1];
	struct dberr		 e;
	PGresult		*res;

	if (web_begin(&w, q, r, 0) == -1 || !web_method(&w, "POST"))
		goto out;
	web_arg(&w, 0, code, sizeof(code));
	if (web_project_get(&w, code, &p) == -1)
		goto out;
	if (p.p_role != ROLE_OWNER) {
		web_error(&w, 403, "Forbidden", "Only the project's owner may "
		    "delete it.");
		goto out;
	}
	snprintf(pid, sizeof(pid), "%lld", (long long)p.p_id);
	params[0] = pid;
	/* the checks go with it: take them out of this node's index */
	if ((res = cdb_exec(&w.w_x, "DELETE FROM accounts_project WHERE id = "
	    "$1::int RETURNING (SELECT array_to_string(array_agg(code), ' ') "
	    "FROM api_check WHERE project_id = $1::int)", 1, params,
	    &e)) == NULL) {
		web_fail(&w, &e);
		goto out;
	}
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
		char *codes = xstrdup(PQgetvalue(res, 0, 0)), *s, *save = NULL;

		for (s = strtok_r(codes, " ", &save); s != NULL;
		    s = strtok_r(NULL, " ", &save))
			check_db_unpublish(&w.w_x, s);
		free(codes);
	}
	PQclear(res);
	web_redirect(&w, "/");
out:
	web_end(&w);
	return 0;
}
